// SPDX-License-Identifier: GPL-2.0
/*
 * authkeys parser. A line starting with '#' is a comment; a key line is
 * "index method [secret]" where the secret is the rest of the line, so
 * '#' and blanks inside a secret are kept. Secrets are wiped when freed.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/authkeys.h"

#define AK_MAX_LINE	4096
#define AK_MAX_FILE	(1 << 20)

struct ak_parser {
	const char *name;
	int line;
	char *err;
	size_t errlen;
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

static int perr(struct ak_parser *p, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int perr(struct ak_parser *p, int rc, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!p->err || !p->errlen)
		return rc;
	if (p->line)
		n = snprintf(p->err, p->errlen, "%s:%d: ", p->name, p->line);
	else
		n = snprintf(p->err, p->errlen, "%s: ", p->name);
	if (n < 0 || (size_t)n >= p->errlen)
		return rc;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - n, fmt, ap);
	va_end(ap);
	return rc;
}

static int pwarn(struct ak_parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int pwarn(struct ak_parser *p, const char *fmt, ...)
{
	struct authkeys *ak = &p->ak;
	char msg[512], **w;
	va_list ap;
	int n;

	n = snprintf(msg, sizeof(msg), "%s:%d: ", p->name, p->line);
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - n, fmt, ap);
	va_end(ap);
	w = realloc(ak->warnings, (ak->nwarnings + 1) * sizeof(*w));
	if (!w)
		return perr(p, -ENOMEM, "out of memory");
	ak->warnings = w;
	w[ak->nwarnings] = strdup(msg);
	if (!w[ak->nwarnings])
		return perr(p, -ENOMEM, "out of memory");
	ak->nwarnings++;
	return 0;
}

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

/* Next blank-separated word of *s, NUL-terminated in place. */
static char *next_word(char **s)
{
	char *w = *s;

	while (*w && isspace((unsigned char)*w))
		w++;
	if (!*w)
		return NULL;
	*s = w;
	while (**s && !isspace((unsigned char)**s))
		(*s)++;
	if (**s)
		*(*s)++ = '\0';
	return w;
}

static int parse_auth(struct ak_parser *p, char *rest)
{
	char *idx = next_word(&rest);

	if (p->auth_line)
		return perr(p, -EINVAL, "auth: already set at line %d",
			    p->auth_line);
	if (!idx)
		return perr(p, -EINVAL, "auth: missing key index");
	if (parse_index(idx, &p->ak.active))
		return perr(p, -EINVAL, "auth: '%s' is not a key index (0-%d)",
			    idx, AUTHKEYS_MAX_INDEX);
	if (next_word(&rest))
		return perr(p, -EINVAL, "auth: too many arguments");
	p->auth_line = p->line;
	return 0;
}

static int parse_key(struct ak_parser *p, const char *idx, char *rest)
{
	struct auth_key key = { .line = p->line }, *keys;
	const struct auth_key *dup;
	char *method = next_word(&rest), *secret;
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

	secret = rest;
	while (*secret && isspace((unsigned char)*secret))
		secret++;
	len = strlen(secret);
	while (len && isspace((unsigned char)secret[len - 1]))
		len--;

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

static int parse_line(struct ak_parser *p, char *buf)
{
	char *rest = buf, *first = next_word(&rest);

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
	for (i = 0; i < ak->nwarnings; i++)
		free(ak->warnings[i]);
	free(ak->warnings);
	memset(ak, 0, sizeof(*ak));
}

int authkeys_parse_string(const char *name, const char *text,
			  struct authkeys *ak, char *err, size_t errlen)
{
	struct ak_parser p = {
		.name = name ? name : "authkeys",
		.err = err,
		.errlen = errlen,
	};
	char buf[AK_MAX_LINE];
	const char *s = text, *nl;
	size_t len;
	int rc = 0;

	memset(ak, 0, sizeof(*ak));
	if (err && errlen)
		err[0] = '\0';

	while (s && *s) {
		p.line++;
		nl = strchr(s, '\n');
		len = nl ? (size_t)(nl - s) : strlen(s);
		if (len >= sizeof(buf)) {
			rc = perr(&p, -EINVAL, "line too long");
			break;
		}
		memcpy(buf, s, len);
		buf[len] = '\0';
		rc = parse_line(&p, buf);
		if (rc)
			break;
		s = nl ? nl + 1 : NULL;
	}
	explicit_bzero(buf, sizeof(buf));

	if (!rc && !p.auth_line) {
		p.line = 0;
		rc = perr(&p, -EINVAL, "no 'auth N' line selects a key");
	}
	if (!rc && !authkeys_active(&p.ak)) {
		p.line = p.auth_line;
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

static int read_all(int fd, char **out)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap), *t;
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (len + 1 == cap) {
			if (cap >= AK_MAX_FILE) {
				explicit_bzero(buf, len);
				free(buf);
				return -EFBIG;
			}
			t = malloc(cap * 2);
			if (!t) {
				explicit_bzero(buf, len);
				free(buf);
				return -ENOMEM;
			}
			/* copy rather than realloc so no stale secret is left */
			memcpy(t, buf, len);
			explicit_bzero(buf, len);
			free(buf);
			buf = t;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int rc = -errno;

			explicit_bzero(buf, len);
			free(buf);
			return rc;
		}
		if (n == 0)
			break;
		len += n;
	}
	buf[len] = '\0';
	if (strlen(buf) != len) {
		explicit_bzero(buf, len);
		free(buf);
		return -EINVAL;
	}
	*out = buf;
	return 0;
}

int authkeys_load(const char *path, struct authkeys *ak,
		  char *err, size_t errlen)
{
	struct stat st;
	char *text = NULL;
	int fd, rc;

	memset(ak, 0, sizeof(*ak));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	/* fstat the open file so the checked file is the one we read. */
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		close(fd);
		return rc;
	}
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
	rc = read_all(fd, &text);
	close(fd);
	if (rc) {
		snprintf(err, errlen, "%s: %s", path,
			 rc == -EINVAL ? "contains a NUL byte" : strerror(-rc));
		return rc;
	}
	rc = authkeys_parse_string(path, text, ak, err, errlen);
	explicit_bzero(text, strlen(text));
	free(text);
	return rc;
}
