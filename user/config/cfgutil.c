// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the config parsers: file:line messages, warnings,
 * reading files whole and walking them line by line.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/cfgutil.h"

int cfg_err(struct cfg_ctx *cx, int rc, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!cx->err || !cx->errlen)
		return rc;
	if (cx->line)
		n = snprintf(cx->err, cx->errlen, "%s:%d: ", cx->name, cx->line);
	else
		n = snprintf(cx->err, cx->errlen, "%s: ", cx->name);
	if (n < 0 || (size_t)n >= cx->errlen)
		return rc;
	va_start(ap, fmt);
	vsnprintf(cx->err + n, cx->errlen - n, fmt, ap);
	va_end(ap);
	return rc;
}

int cfg_vwarn(struct cfg_ctx *cx, int line, const char *fmt, va_list ap)
{
	char *body = NULL, *msg = NULL, **w;
	int rc;

	if (vasprintf(&body, fmt, ap) < 0)
		return cfg_err(cx, -ENOMEM, "out of memory");
	if (line)
		rc = asprintf(&msg, "%s:%d: %s", cx->name, line, body);
	else
		rc = asprintf(&msg, "%s: %s", cx->name, body);
	free(body);
	if (rc < 0)
		return cfg_err(cx, -ENOMEM, "out of memory");
	w = realloc(*cx->warnings, (*cx->nwarnings + 1) * sizeof(*w));
	if (!w) {
		free(msg);
		return cfg_err(cx, -ENOMEM, "out of memory");
	}
	*cx->warnings = w;
	w[(*cx->nwarnings)++] = msg;
	return 0;
}

int cfg_warn(struct cfg_ctx *cx, int line, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = cfg_vwarn(cx, line, fmt, ap);
	va_end(ap);
	return rc;
}

void cfg_free_strv(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int cfg_each_line(struct cfg_ctx *cx, const char *text, size_t max_line,
		  int (*fn)(void *arg, char *line), void *arg)
{
	char *copy, *s, *nl, *next;
	size_t size, len;
	int rc = 0;

	if (!text)
		return 0;
	size = strlen(text) + 1;
	copy = malloc(size);
	if (!copy)
		return cfg_err(cx, -ENOMEM, "out of memory");
	memcpy(copy, text, size);

	for (s = copy; *s; s = next) {
		cx->line++;
		nl = strchr(s, '\n');
		len = nl ? (size_t)(nl - s) : strlen(s);
		next = s + len;
		if (nl) {
			*nl = '\0';
			next++;
		}
		if (max_line && len >= max_line) {
			rc = cfg_err(cx, -EINVAL, "line too long");
			break;
		}
		rc = fn(arg, s);
		if (rc)
			break;
	}
	explicit_bzero(copy, size);
	free(copy);
	return rc;
}

char *cfg_next_word(char **s)
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

void cfg_cut_comment(char *s)
{
	char *hash = strchr(s, '#');

	if (hash)
		*hash = '\0';
}

char *cfg_trim(char *s)
{
	size_t len;

	while (*s && isspace((unsigned char)*s))
		s++;
	len = strlen(s);
	while (len && isspace((unsigned char)s[len - 1]))
		s[--len] = '\0';
	return s;
}

int cfg_push(void **arr, size_t *n, size_t size)
{
	void *a = realloc(*arr, (*n + 1) * size);

	if (!a)
		return -ENOMEM;
	*arr = a;
	memset((char *)a + *n * size, 0, size);
	(*n)++;
	return 0;
}

int cfg_parse_ipv4(const char *s, uint32_t *addr)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*addr = a.s_addr;
	return 0;
}

static void file_err(char *err, size_t errlen, const char *path,
		     const char *what)
{
	if (err && errlen)
		snprintf(err, errlen, "%s: %s", path, what);
}

int cfg_open(const char *path, struct stat *st, char *err, size_t errlen)
{
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		file_err(err, errlen, path, strerror(-rc));
		return rc;
	}
	/* fstat the open file so what the caller checks is what it reads. */
	if (fstat(fd, st) < 0) {
		rc = -errno;
		file_err(err, errlen, path, strerror(-rc));
		close(fd);
		return rc;
	}
	return fd;
}

int cfg_read_fd(int fd, size_t max, char **text)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap), *t;
	ssize_t n;
	int rc = 0;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (len + 1 == cap) {
			t = malloc(cap * 2);
			if (!t) {
				rc = -ENOMEM;
				break;
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
			rc = -errno;
			break;
		}
		if (n == 0)
			break;
		len += n;
		if (max && len > max) {
			rc = -EFBIG;
			break;
		}
	}
	buf[len] = '\0';
	if (!rc && strlen(buf) != len)
		rc = -EINVAL;
	if (rc) {
		explicit_bzero(buf, len);
		free(buf);
		return rc;
	}
	*text = buf;
	return 0;
}

void cfg_free_text(char *text)
{
	if (!text)
		return;
	explicit_bzero(text, strlen(text));
	free(text);
}

int cfg_read_file(const char *path, char **text, char *err, size_t errlen)
{
	struct stat st;
	int fd, rc;

	fd = cfg_open(path, &st, err, errlen);
	if (fd < 0)
		return fd;
	rc = cfg_read_fd(fd, 0, text);
	close(fd);
	if (rc == -ENOMEM) {
		file_err(err, errlen, path, "out of memory");
	} else if (rc == -EINVAL) {
		file_err(err, errlen, path, "contains a NUL byte");
	} else if (rc) {
		file_err(err, errlen, path, "read error");
		rc = -EIO;
	}
	return rc;
}
