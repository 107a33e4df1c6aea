// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static enum xd_log_target log_target = XD_LOG_STDERR;
static int log_level = LOG_INFO;
static FILE *log_file;
static int stderr_journal = -1;	/* unknown until the first message */

/*
 * systemd connects a service's stderr to the journal and says so in
 * JOURNAL_STREAM ("device:inode" of that stream). The journal stamps time,
 * name and pid itself and reads a "<level>" prefix as the priority, so a
 * line there is "<3>eth1: attach XDP: ..." rather than our own stamp.
 */
static bool stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (stderr_journal >= 0)
		return stderr_journal;
	stderr_journal = js && sscanf(js, "%llu:%llu", &dev, &ino) == 2 &&
			 !fstat(STDERR_FILENO, &st) && st.st_dev == dev &&
			 st.st_ino == ino;
	return stderr_journal;
}

int xd_log_open(enum xd_log_target target, int facility, const char *path)
{
	xd_log_close();
	switch (target) {
	case XD_LOG_SYSLOG:
		openlog("xdirectord", LOG_PID | LOG_NDELAY, facility);
		break;
	case XD_LOG_FILE:
		log_file = fopen(path, "ae");
		if (!log_file)
			return -1;
		setvbuf(log_file, NULL, _IOLBF, 0);
		break;
	case XD_LOG_STDERR:
		break;
	}
	log_target = target;
	return 0;
}

void xd_log_close(void)
{
	if (log_target == XD_LOG_SYSLOG)
		closelog();
	if (log_file)
		fclose(log_file);
	log_file = NULL;
	log_target = XD_LOG_STDERR;
}

void xd_log_set_level(int level)
{
	log_level = level;
}

static const char *level_name(int level)
{
	switch (level) {
	case LOG_EMERG: case LOG_ALERT: case LOG_CRIT: case LOG_ERR:
		return "error";
	case LOG_WARNING:
		return "warning";
	case LOG_NOTICE: case LOG_INFO:
		return "info";
	default:
		return "debug";
	}
}

void xd_log(int level, const char *fmt, ...)
{
	va_list ap;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	if (log_target == XD_LOG_SYSLOG) {
		vsyslog(level, fmt, ap);
	} else if (log_target == XD_LOG_STDERR && stderr_is_journal()) {
		char line[2048];

		vsnprintf(line, sizeof(line), fmt, ap);
		fprintf(stderr, "<%d>%s\n", level, line);	/* one write */
	} else {
		FILE *out = log_target == XD_LOG_FILE ? log_file : stderr;
		struct timespec ts;
		struct tm tm;
		char stamp[32];

		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
		fprintf(out, "%s.%03ld xdirectord[%d] %s: ", stamp,
			ts.tv_nsec / 1000000, (int)getpid(), level_name(level));
		vfprintf(out, fmt, ap);
		fputc('\n', out);
	}
	va_end(ap);
}
