/* SPDX-License-Identifier: GPL-2.0 */
/* ldirectord.cf's tokenizer and plain number readers (ld_lex.c). */
#ifndef XD_CONFIG_LD_LEX_H
#define XD_CONFIG_LD_LEX_H

#include <stdbool.h>

#include "config/cfgutil.h"

#define LD_MAX_TOKENS		8

struct ld_tok {
	char *s;
	bool quoted;
};

/*
 * Split a value into words and "quoted strings" (s is modified), at most
 * LD_MAX_TOKENS. A comma may follow a quoted string, as in
 * "request", "receive". Errors name what and go through cx.
 */
int ld_tokenize(struct cfg_ctx *cx, const char *what, char *s,
		struct ld_tok *t, int *n);
/* A single value: "quoted" (quotes removed) or bare, as it stands. */
int ld_unquote(struct cfg_ctx *cx, const char *what, char *v, char **out);

bool ld_all_digits(const char *s);
/* Plain decimal seconds: "5", "0.5". No signs, exponents or "inf". */
bool ld_read_decimal(const char *s, double *out);
/* Decimal digits only, at most max. */
bool ld_read_ulong(const char *s, unsigned long max, unsigned long *out);

#endif
