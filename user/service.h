/* SPDX-License-Identifier: GPL-2.0 */
/*
 * systemd's service protocol (sd_notify(3)): READY=1 once the datapath
 * serves and every real server has its first check verdict, WATCHDOG=1
 * from the event loop, STATUS= lines, STOPPING=1. Outside systemd
 * (no NOTIFY_SOCKET) every call does nothing.
 */
#ifndef XD_SERVICE_H
#define XD_SERVICE_H

#include <stdbool.h>
#include <ev.h>

#include "controller.h"

struct service_notify {
	struct ev_loop *loop;
	const struct controller *ctl;
	ev_timer ready_poll;	/* until READY=1 is sent */
	ev_timer watchdog;	/* WatchdogSec / 2 */
	double ready_by;	/* loop time: READY even if checks still run */
	bool ready;
};

/* Call once the configuration is applied (the datapath attached). */
void service_notify_start(struct service_notify *s, struct ev_loop *loop,
			  const struct controller *ctl);
/* After a reload: the new STATUS=. */
void service_notify_status(struct service_notify *s);
void service_notify_stopping(struct service_notify *s);

/* Real servers with a first verdict, and in all (for STATUS= and tests). */
void service_check_counts(const struct controller *ctl, size_t *known,
			  size_t *total, size_t *up);

#endif
