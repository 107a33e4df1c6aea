/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Health checks of real servers with ldirectord's semantics, all driven by
 * one libev loop: no check ever blocks another or the loop.
 *
 * A real is declared down after `failurecount` consecutive failures and up
 * after one success; the first result after a check starts sets its state
 * either way (ldirectord adds a real only once it has passed).
 */
#ifndef XD_CHECK_H
#define XD_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <ev.h>

enum check_type {
	CHECK_CONNECT,
	CHECK_NEGOTIATE,
	CHECK_PING,
	CHECK_EXTERNAL,
	CHECK_OFF,		/* never checked, always down: real never added */
	CHECK_ON,		/* never checked, always up */
	CHECK_COMBINED,		/* combined_n connect checks, then one negotiate */
};

enum check_service {
	SVC_NONE,		/* negotiate: guess from the check port */
	SVC_HTTP,
	SVC_HTTPS,
	SVC_FTP,
	SVC_SMTP,
	SVC_POP,
	SVC_POPS,
	SVC_IMAP,
	SVC_IMAPS,
	SVC_LDAP,
	SVC_DNS,
	SVC_SIMPLETCP,
	SVC_OTHER,		/* not implemented: checked as connect */
};

struct check_spec {
	/* identity of the check: virtual service + real server */
	uint32_t vip;
	uint16_t vport;
	uint8_t proto;		/* IPPROTO_TCP/UDP */
	uint32_t rip;
	uint16_t rport;		/* addresses network order, ports host order */
	enum check_type type;
	int combined_n;
	enum check_service service;
	uint16_t checkport;	/* 0: rport */
	char *request, *receive, *httpmethod, *virtualhost, *login, *passwd,
	     *checkcommand;
	/* seconds; 0 picks ldirectord's defaults (interval 5, timeout 5,
	 * connect/negotiate timeouts fall back to timeout) */
	double interval, timeout, connect_timeout, negotiate_timeout;
	int failurecount;	/* 0 means 1 */
};

/* Called when a check's state is first known and on every change after. */
typedef void (*check_state_cb)(void *arg, const struct check_spec *spec,
			       bool up, const char *why);

struct check_manager;

/* External checks need `loop` to be libev's default loop (ev_child). */
struct check_manager *check_manager_new(struct ev_loop *loop,
					check_state_cb cb, void *arg);

/*
 * Replace the whole set of checks: checks whose spec is unchanged keep
 * running with their state (no flap on reload); new ones start; removed ones
 * stop. All-or-nothing: on error (bad receive regex, no memory) nothing
 * changes. Returns 0 or a negative errno. Safe to call from the state
 * callback; check_manager_free is not.
 */
int check_manager_set(struct check_manager *m, const struct check_spec *specs,
		      size_t n);

struct check_status {
	struct check_spec *spec;	/* valid until the next set/free */
	bool up;
	bool known;
	int fails;
	double last_time;		/* unix time */
	double last_duration;
	char last_result[128];
};

/* Fill up to max statuses, return the number of checks. */
size_t check_manager_status(struct check_manager *m, struct check_status *out,
			    size_t max);
void check_manager_free(struct check_manager *m);

/*
 * Tuning and measurement hooks (benchmarks, tests).
 * conn_reuse: let libcurl keep connections between checks (ldirectord opens
 * a fresh connection for every check, which is the default here).
 */
void check_manager_set_conn_reuse(struct check_manager *m, bool reuse);
/* Called at every check start with its scheduled and actual (ev_time) time. */
typedef void (*check_start_hook)(void *arg, double scheduled, double started);
void check_manager_set_start_hook(struct check_manager *m,
				  check_start_hook hook, void *arg);
/* Counters since creation. */
struct check_counters {
	uint64_t started, succeeded, failed, skipped_busy;
};
void check_manager_counters(struct check_manager *m, struct check_counters *out);

const char *check_type_name(enum check_type type);
const char *check_service_name(enum check_service svc);

#endif
