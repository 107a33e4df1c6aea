// SPDX-License-Identifier: GPL-2.0
/*
 * ldirectord.cf's values at the level of characters: a value split into
 * words and "quoted strings", and plain numbers. The meaning of each
 * value is ldirectord.c's.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/ld_lex.h"

bool ld_all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* Plain decimal seconds: "5", "0.5". No signs, exponents or "inf". */
bool ld_read_decimal(const char *s, double *out)
{
	const char *c;
	int dots = 0, digits = 0;
	char *end;

	for (c = s; *c; c++) {
		if (*c == '.')
			dots++;
		else if (isdigit((unsigned char)*c))
			digits++;
		else
			return false;
	}
	if (!digits || dots > 1)
		return false;
	errno = 0;
	*out = strtod(s, &end);
	return !errno && !*end;
}

bool ld_read_ulong(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (!ld_all_digits(s))
		return false;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return !errno && !*end && *out <= max;
}

/*
 * Split a value into words and "quoted strings" (s is modified). A comma
 * may follow a quoted string, as in  "request", "receive".
 */
int ld_tokenize(struct cfg_ctx *cx, const char *what, char *s,
		struct ld_tok *t, int *n)
{
	bool after_quote = false;
	char *e;

	*n = 0;
	for (;;) {
		while (isspace((unsigned char)*s))
			s++;
		if (*s == ',' && after_quote) {
			s++;
			while (isspace((unsigned char)*s))
				s++;
		}
		after_quote = false;
		if (!*s)
			return 0;
		if (*n == LD_MAX_TOKENS)
			return cfg_err(cx, -EINVAL, "%s: too many fields", what);
		if (*s == '"') {
			e = strchr(s + 1, '"');
			if (!e)
				return cfg_err(cx, -EINVAL, "%s: unterminated quote", what);
			*e = '\0';
			t[*n].s = s + 1;
			t[*n].quoted = true;
			(*n)++;
			s = e + 1;
			if (*s && !isspace((unsigned char)*s) && *s != ',')
				return cfg_err(cx, -EINVAL, "%s: unexpected text after a closing quote",
					    what);
			after_quote = true;
		} else {
			t[*n].s = s;
			t[*n].quoted = false;
			(*n)++;
			while (*s && !isspace((unsigned char)*s)) {
				if (*s == '"')
					return cfg_err(cx, -EINVAL, "%s: unexpected quote in '%s'",
						    what, t[*n - 1].s);
				s++;
			}
			if (*s)
				*s++ = '\0';
		}
	}
}

/* A single value: "quoted" (quotes removed) or bare, as it stands. */
int ld_unquote(struct cfg_ctx *cx, const char *what, char *v, char **out)
{
	size_t len = strlen(v);

	if (v[0] != '"') {
		*out = v;
		return 0;
	}
	if (len < 2 || v[len - 1] != '"')
		return cfg_err(cx, -EINVAL, "%s: unexpected text after a closing quote", what);
	v[len - 1] = '\0';
	*out = v + 1;
	return 0;
}
