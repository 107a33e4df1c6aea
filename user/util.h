/* SPDX-License-Identifier: GPL-2.0 */
/* Small helpers the daemon's parts share. */
#ifndef XD_UTIL_H
#define XD_UTIL_H

#include <sys/types.h>

/*
 * mkdir -p: creates path and any missing parents with mode; directories
 * that already exist are fine. Returns 0 or a negative errno.
 */
int mkdir_p(const char *path, mode_t mode);

#endif
