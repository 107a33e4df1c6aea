/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fixtures shared by the config parser tests: finding the data files under
 * tests/unit/data, IPv4 literals, and searching a parser's warnings.
 */
#ifndef TEST_UTIL_H
#define TEST_UTIL_H

#include <arpa/inet.h>
#include <libgen.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

/*
 * tests/unit/data/<subdir>/<name>, from $XD_TEST_DATA, the repository root
 * or build/ (tests run from either), or beside the binary. The path is in
 * a static buffer, good until the next call.
 */
static inline const char *test_data(const char *subdir, const char *name)
{
	static const char *const roots[] = { "tests/unit/data",
					     "../tests/unit/data",
					     "../../tests/unit/data" };
	static char path[PATH_MAX];
	const char *dir = getenv("XD_TEST_DATA");
	char exe[PATH_MAX];
	size_t i;
	ssize_t n;

	if (dir) {
		snprintf(path, sizeof(path), "%s/%s/%s", dir, subdir, name);
		return path;
	}
	for (i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s/%s", roots[i], subdir, name);
		if (access(path, R_OK) == 0)
			return path;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		snprintf(path, sizeof(path), "%s/../../tests/unit/data/%s/%s",
			 dirname(exe), subdir, name);
		if (access(path, R_OK) == 0)
			return path;
	}
	fail_msg("cannot find tests/unit/data/%s/%s", subdir, name);
	return NULL;
}

/* An IPv4 literal in network order; the test fails on a typo. */
static inline uint32_t ip(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

/* How many of a parser's warnings contain needle. */
static inline size_t test_count_warnings(char *const *warnings, size_t n,
					 const char *needle)
{
	size_t i, hits = 0;

	for (i = 0; i < n; i++)
		hits += strstr(warnings[i], needle) != NULL;
	return hits;
}

/* For any parser result with char **warnings and size_t nwarnings. */
#define count_warnings(cfg, needle) \
	test_count_warnings((cfg)->warnings, (cfg)->nwarnings, (needle))
#define has_warning(cfg, needle)	(count_warnings(cfg, needle) > 0)

#endif
