/* SPDX-License-Identifier: GPL-2.0 */
/* Small helpers the daemon's parts share. */
#ifndef XD_UTIL_H
#define XD_UTIL_H

#include <sys/types.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

/*
 * mkdir -p: creates path and any missing parents with mode; directories
 * that already exist are fine. Returns 0 or a negative errno.
 */
int mkdir_p(const char *path, mode_t mode);

#endif
