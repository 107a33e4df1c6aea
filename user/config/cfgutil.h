/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the config parsers (ha.cf, haresources, authkeys, ldirectord.cf)
 * share: where they are in a file, for "file:line: what is wrong" errors
 * and warnings; reading a whole file; walking it line by line; splitting
 * words.
 */
#ifndef XD_CONFIG_CFGUTIL_H
#define XD_CONFIG_CFGUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#define CFG_MAX_LINE	4096	/* heartbeat files: longer lines are errors */

struct cfg_ctx {
	const char *name;	/* file name in messages */
	int line;		/* current line; 0: about the whole file */
	char *err;		/* the error message; may be NULL */
	size_t errlen;
	char ***warnings;	/* where cfg_warn() appends */
	size_t *nwarnings;
};

/* Puts "name:line: <fmt>" ("name: <fmt>" at line 0) in err; returns rc. */
int cfg_err(struct cfg_ctx *cx, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Appends "name:line: <fmt>" ("name: <fmt>" at line 0) to the warnings.
 * Returns 0, or -ENOMEM with "out of memory" in err.
 */
int cfg_warn(struct cfg_ctx *cx, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int cfg_vwarn(struct cfg_ctx *cx, int line, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* Frees n strings and the array holding them. */
void cfg_free_strv(char **v, size_t n);

/*
 * Calls fn(arg, line) on each line of text (NULL reads as empty), the
 * line NUL-terminated in a writable copy, with cx->line set. A line of
 * max_line bytes or more (max_line 0: no limit) is "line too long".
 * Stops at the first non-zero return and returns it. The copy is wiped
 * before it is freed, as text may hold secrets.
 */
int cfg_each_line(struct cfg_ctx *cx, const char *text, size_t max_line,
		  int (*fn)(void *arg, char *line), void *arg);

/* Next blank-separated word of *s, NUL-terminated in place; NULL at end. */
char *cfg_next_word(char **s);
/* Cuts a '#' comment off s. */
void cfg_cut_comment(char *s);
/* Cuts trailing blanks off s in place; returns s past leading blanks. */
char *cfg_trim(char *s);

/* Grows *arr by one zeroed element of size bytes. 0 or -ENOMEM. */
int cfg_push(void **arr, size_t *n, size_t size);
/* Dotted-quad IPv4 into *addr in network order. 0 or -EINVAL. */
int cfg_parse_ipv4(const char *s, uint32_t *addr);

/*
 * Opens path read-only and fstats the open file into *st. Returns the fd,
 * or a negative errno with "path: <strerror>" in err.
 */
int cfg_open(const char *path, struct stat *st, char *err, size_t errlen);
/*
 * Reads fd to its end into *text, NUL-terminated. Returns 0, -ENOMEM,
 * -EFBIG past max bytes (0: no limit), -EINVAL if the data holds a NUL
 * byte, or read's negative errno.
 */
int cfg_read_fd(int fd, size_t max, char **text);
/* Wipes and frees a text from cfg_read_fd() or cfg_read_file(). */
void cfg_free_text(char *text);
/*
 * cfg_open() and cfg_read_fd() for a text file; errors in err are
 * "path: out of memory", "path: read error" (-EIO) and
 * "path: contains a NUL byte" (-EINVAL).
 */
int cfg_read_file(const char *path, char **text, char *err, size_t errlen);

#endif
