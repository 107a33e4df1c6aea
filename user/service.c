// SPDX-License-Identifier: GPL-2.0
/*
 * systemd's service protocol. READY waits for the first check verdicts so
 * that `systemctl start` returns when the director serves what its checks
 * allow, not an empty table; a check that hangs cannot hold start-up past
 * its interval and timeout. The watchdog is fed by a timer on the event
 * loop: a loop that stops turning stops feeding it.
 */
#include <systemd/sd-daemon.h>

#include "log.h"
#include "service.h"

void service_check_counts(const struct controller *ctl, size_t *known,
			  size_t *total, size_t *up)
{
	*known = *up = 0;
	*total = ctl->nhealth;
	for (size_t i = 0; i < ctl->nhealth; i++) {
		*known += ctl->health[i].known;
		*up += ctl->health[i].known && ctl->health[i].up;
	}
}

/* The longest a first verdict can take: a check starts within its
 * interval and ends by its timeout. */
static double first_verdict_bound(const struct ld_config *cfg)
{
	double bound = 0;

	for (size_t i = 0; i < cfg->nvirtuals; i++) {
		const struct ld_virtual *v = &cfg->virtuals[i];
		double t = v->checktimeout;

		if (v->connecttimeout > t)
			t = v->connecttimeout;
		if (v->negotiatetimeout > t)
			t = v->negotiatetimeout;
		if (v->checkinterval + t > bound)
			bound = v->checkinterval + t;
	}
	return bound + 1;
}

void service_notify_status(struct service_notify *s)
{
	size_t known, total, up;

	if (!s->loop)
		return;
	service_check_counts(s->ctl, &known, &total, &up);
	sd_notifyf(0, "STATUS=%zu virtual services, %zu of %zu real servers "
		   "up%s", s->ctl->cfg.nvirtuals, up, total,
		   known < total ? ", checks running" : "");
}

static void ready_poll_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct service_notify *s = w->data;
	size_t known, total, up;

	service_check_counts(s->ctl, &known, &total, &up);
	if (known < total && ev_now(loop) < s->ready_by)
		return;
	ev_timer_stop(loop, w);
	s->ready = true;
	if (known < total)
		xd_warn("ready with %zu of %zu real servers not checked yet",
			total - known, total);
	xd_info("serving: %zu virtual services, %zu of %zu real servers up",
		s->ctl->cfg.nvirtuals, up, total);
	sd_notify(0, "READY=1");
	service_notify_status(s);
}

static void watchdog_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	sd_notify(0, "WATCHDOG=1");
}

void service_notify_start(struct service_notify *s, struct ev_loop *loop,
			  const struct controller *ctl)
{
	uint64_t usec = 0;

	s->loop = loop;
	s->ctl = ctl;
	s->ready_by = ev_now(loop) + first_verdict_bound(&ctl->cfg);
	ev_timer_init(&s->ready_poll, ready_poll_cb, 0.0, 0.1);
	s->ready_poll.data = s;
	ev_timer_start(loop, &s->ready_poll);
	if (sd_watchdog_enabled(0, &usec) > 0 && usec) {
		ev_timer_init(&s->watchdog, watchdog_cb, 0.0, usec / 2e6);
		ev_timer_start(loop, &s->watchdog);
		xd_info("systemd watchdog: fed every %.1f s", usec / 2e6);
	}
}

void service_notify_stopping(struct service_notify *s)
{
	if (s->loop)
		sd_notify(0, "STOPPING=1");
}
