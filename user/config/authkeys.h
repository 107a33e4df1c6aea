/* SPDX-License-Identifier: GPL-2.0 */
/*
 * heartbeat's authkeys, read unchanged:
 *	auth 1
 *	1 sha1 secret
 * "auth N" picks the key that signs outgoing messages; every listed key
 * is accepted on input. Methods: crc, md5, sha1, and sha256 (ours).
 */
#ifndef XD_CONFIG_AUTHKEYS_H
#define XD_CONFIG_AUTHKEYS_H

#include <stdbool.h>
#include <stddef.h>

#define AUTHKEYS_MAX_INDEX	15	/* heartbeat's range is 0..15 */

enum auth_method {
	AUTH_CRC,
	AUTH_MD5,
	AUTH_SHA1,
	AUTH_SHA256,
};

struct auth_key {
	int index;
	enum auth_method method;
	char *secret;		/* NUL-terminated; NULL for crc */
	int line;
};

struct authkeys {
	int active;		/* index of the signing key */
	struct auth_key *keys;
	size_t nkeys;
	char **warnings;	/* "file:line: ..." */
	size_t nwarnings;
};

/*
 * Read path after checking, on the open file, that it is a regular file
 * that neither group nor others can read or write (heartbeat insists on
 * mode 600). Errors are "file:line: what is wrong" in err. On failure
 * *ak is left empty. Returns 0 or a negative errno.
 */
int authkeys_load(const char *path, struct authkeys *ak,
		  char *err, size_t errlen);
/* Same parser, no permission check (tests, or text from elsewhere). */
int authkeys_parse_string(const char *name, const char *text,
			  struct authkeys *ak, char *err, size_t errlen);
/* Wipes the secrets before freeing them. */
void authkeys_free(struct authkeys *ak);

const struct auth_key *authkeys_active(const struct authkeys *ak);
const struct auth_key *authkeys_find(const struct authkeys *ak, int index);
const char *auth_method_name(enum auth_method m);

#endif
