// SPDX-License-Identifier: GPL-2.0
/*
 * authkeys parser. A line starting with '#' is a comment; a key line is
 * "index method [secret]" where the secret is the rest of the line, so
 * '#' and blanks inside a secret are kept. Secrets are wiped when freed.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/authkeys.h"
#include "config/cfgutil.h"

#define AK_MAX_FILE	(1 << 20)

struct ak_parser {
	struct cfg_ctx cx;
	struct authkeys ak;
	int auth_line;
};

static const char *const method_names[] = {
	[AUTH_CRC] = "crc",
	[AUTH_MD5] = "md5",
	[AUTH_SHA1] = "sha1",
	[AUTH_SHA256] = "sha256",
};

const char *auth_method_name(enum auth_method m)
{
	if ((unsigned)m < sizeof(method_names) / sizeof(method_names[0]))
		return method_names[m];
	return "?";
}

#define perr(p, ...)	cfg_err(&(p)->cx, __VA_ARGS__)
#define pwarn(p, ...)	cfg_warn(&(p)->cx, (p)->cx.line, __VA_ARGS__)

static int parse_index(const char *s, int *out)
{
	char *end;
	long v;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	v = strtol(s, &end, 10);
	if (*end || v < 0 || v > AUTHKEYS_MAX_INDEX)
		return -EINVAL;
	*out = v;
	return 0;
}

const struct auth_key *authkeys_find(const struct authkeys *ak, int index)
{
	size_t i;

	for (i = 0; i < ak->nkeys; i++)
		if (ak->keys[i].index == index)
			return &ak->keys[i];
	return NULL;
}

const struct auth_key *authkeys_active(const struct authkeys *ak)
{
	return authkeys_find(ak, ak->active);
}

static int parse_auth(struct ak_parser *p, char *rest)
{
	char *idx = cfg_next_word(&rest);

	if (p->auth_line)
		return perr(p, -EINVAL, "auth: already set at line %d",
			    p->auth_line);
	if (!idx)
		return perr(p, -EINVAL, "auth: missing key index");
	if (parse_index(idx, &p->ak.active))
		return perr(p, -EINVAL, "auth: '%s' is not a key index (0-%d)",
			    idx, AUTHKEYS_MAX_INDEX);
	if (cfg_next_word(&rest))
		return perr(p, -EINVAL, "auth: too many arguments");
	p->auth_line = p->cx.line;
	return 0;
}

static int parse_key(struct ak_parser *p, const char *idx, char *rest)
{
	struct auth_key key = { .line = p->cx.line }, *keys;
	const struct auth_key *dup;
	char *method = cfg_next_word(&rest), *secret;
	size_t i, len;

	if (parse_index(idx, &key.index))
		return perr(p, -EINVAL,
			    "'%s' is neither 'auth' nor a key index (0-%d)",
			    idx, AUTHKEYS_MAX_INDEX);
	dup = authkeys_find(&p->ak, key.index);
	if (dup)
		return perr(p, -EINVAL, "key %d already defined at line %d",
			    key.index, dup->line);
	if (!method)
		return perr(p, -EINVAL, "key %d: missing method", key.index);
	for (i = 0; i < sizeof(method_names) / sizeof(method_names[0]); i++)
		if (strcasecmp(method, method_names[i]) == 0)
			break;
	if (i == sizeof(method_names) / sizeof(method_names[0]))
		return perr(p, -EINVAL,
			    "key %d: unknown method '%s' (crc, md5, sha1, sha256)",
			    key.index, method);
	key.method = i;

	secret = cfg_trim(rest);
	len = strlen(secret);

	if (key.method == AUTH_CRC) {
		int rc = pwarn(p, "key %d: crc is not authentication: anyone on the link can forge messages",
			       key.index);

		if (!rc && len)
			rc = pwarn(p, "key %d: crc takes no secret; ignored",
				   key.index);
		if (rc)
			return rc;
	} else {
		if (!len)
			return perr(p, -EINVAL, "key %d: %s needs a secret",
				    key.index, method_names[key.method]);
		key.secret = strndup(secret, len);
		if (!key.secret)
			return perr(p, -ENOMEM, "out of memory");
	}

	keys = realloc(p->ak.keys, (p->ak.nkeys + 1) * sizeof(*keys));
	if (!keys) {
		if (key.secret) {
			explicit_bzero(key.secret, len);
			free(key.secret);
		}
		return perr(p, -ENOMEM, "out of memory");
	}
	p->ak.keys = keys;
	keys[p->ak.nkeys++] = key;
	return 0;
}

static int parse_line(void *arg, char *buf)
{
	struct ak_parser *p = arg;
	char *rest = buf, *first = cfg_next_word(&rest);

	if (!first || first[0] == '#')
		return 0;
	if (strcmp(first, "auth") == 0)
		return parse_auth(p, rest);
	return parse_key(p, first, rest);
}

void authkeys_free(struct authkeys *ak)
{
	size_t i;

	if (!ak)
		return;
	for (i = 0; i < ak->nkeys; i++) {
		if (ak->keys[i].secret) {
			explicit_bzero(ak->keys[i].secret,
				       strlen(ak->keys[i].secret));
			free(ak->keys[i].secret);
		}
	}
	free(ak->keys);
	cfg_free_strv(ak->warnings, ak->nwarnings);
	memset(ak, 0, sizeof(*ak));
}

int authkeys_parse_string(const char *name, const char *text,
			  struct authkeys *ak, char *err, size_t errlen)
{
	struct ak_parser p = {
		.cx = {
			.name = name ? name : "authkeys",
			.err = err,
			.errlen = errlen,
		},
	};
	int rc;

	p.cx.warnings = &p.ak.warnings;
	p.cx.nwarnings = &p.ak.nwarnings;
	memset(ak, 0, sizeof(*ak));
	if (err && errlen)
		err[0] = '\0';

	/* cfg_each_line() wipes its copy: the secrets are in it */
	rc = cfg_each_line(&p.cx, text, CFG_MAX_LINE, parse_line, &p);
	if (!rc && !p.auth_line) {
		p.cx.line = 0;
		rc = perr(&p, -EINVAL, "no 'auth N' line selects a key");
	}
	if (!rc && !authkeys_active(&p.ak)) {
		p.cx.line = p.auth_line;
		rc = perr(&p, -EINVAL, "auth %d: no key %d is defined",
			  p.ak.active, p.ak.active);
	}
	if (rc) {
		authkeys_free(&p.ak);
		return rc;
	}
	*ak = p.ak;
	return 0;
}

int authkeys_load(const char *path, struct authkeys *ak,
		  char *err, size_t errlen)
{
	struct stat st;
	char *text = NULL;
	int fd, rc;

	memset(ak, 0, sizeof(*ak));
	fd = cfg_open(path, &st, err, errlen);
	if (fd < 0)
		return fd;
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return -EINVAL;
	}
	if (st.st_mode & 077) {
		snprintf(err, errlen,
			 "%s: mode %04o lets group or others read or write the keys; "
			 "it must be 600 (chmod 600 %s)",
			 path, (unsigned)(st.st_mode & 07777), path);
		close(fd);
		return -EPERM;
	}
	rc = cfg_read_fd(fd, AK_MAX_FILE, &text);
	close(fd);
	if (rc) {
		snprintf(err, errlen, "%s: %s", path,
			 rc == -EINVAL ? "contains a NUL byte" : strerror(-rc));
		return rc;
	}
	rc = authkeys_parse_string(path, text, ak, err, errlen);
	cfg_free_text(text);
	return rc;
}
