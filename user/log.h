/* SPDX-License-Identifier: GPL-2.0 */
/* Logging: stderr in the foreground, syslog or a file otherwise. */
#ifndef XD_LOG_H
#define XD_LOG_H

#include <syslog.h>

enum xd_log_target {
	XD_LOG_STDERR = 0,
	XD_LOG_SYSLOG,
	XD_LOG_FILE,
};

/* facility: a LOG_* facility for syslog; path: the file for XD_LOG_FILE. */
int xd_log_open(enum xd_log_target target, int facility, const char *path);
void xd_log_close(void);
void xd_log_set_level(int level);	/* LOG_ERR .. LOG_DEBUG */
void xd_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define xd_err(...)	xd_log(LOG_ERR, __VA_ARGS__)
#define xd_warn(...)	xd_log(LOG_WARNING, __VA_ARGS__)
#define xd_info(...)	xd_log(LOG_INFO, __VA_ARGS__)
#define xd_dbg(...)	xd_log(LOG_DEBUG, __VA_ARGS__)

#endif
