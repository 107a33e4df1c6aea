/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the config-file fuzz targets: the input as a NUL-terminated
 * string, as the parsers get a file's contents.
 */
#ifndef XD_FUZZ_CONFIG_H
#define XD_FUZZ_CONFIG_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A copy of data with a NUL after it (parsers take C strings; a NUL inside
 * the input ends the text early, as it would when read from a file). */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
	char *t = malloc(size + 1);

	if (!t)
		abort();
	memcpy(t, data, size);
	t[size] = '\0';
	return t;
}

#endif
