/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internals shared by the check manager (check_api.c) and the probes, one
 * file per kind of probe. A probe is started with check_<kind>_start(),
 * reports exactly once through check_finish() (possibly from inside start),
 * and must release everything it holds in check_<kind>_cancel(), which the
 * manager calls before recording a result or when a check is removed.
 */
#ifndef XD_CHECK_INT_H
#define XD_CHECK_INT_H

#include <regex.h>
#include <sys/types.h>
#include <curl/curl.h>

#include "check/check.h"

enum probe_kind {
	PROBE_NONE,
	PROBE_CONNECT,		/* TCP connect, or UDP send + ICMP watch */
	PROBE_CURL,		/* http https ftp smtp pop imap ldap */
	PROBE_PING,
	PROBE_DNS,
	PROBE_TCP,		/* simpletcp send/expect */
	PROBE_EXTERNAL,
};

struct check_manager;

struct check {
	struct check_manager *m;
	struct check_spec spec;		/* deep copy, owned */
	uint64_t hash;
	char name[64];			/* "vip:vport -> rip:rport" */
	bool has_regex;
	bool receive_literal;		/* receive has no regex syntax */
	regex_t receive_re;

	/* ldirectord state */
	bool up, known;
	int fails;
	int combined_count;
	double last_time, last_duration;
	char last_result[128];

	/* scheduling */
	ev_timer sched;
	double due;			/* ev_now-based time of the next start */
	bool matched;			/* scratch for check_manager_set */
	struct check *hnext;		/* scratch hash chain for set */

	/* the probe in flight */
	enum probe_kind running;
	double started;
	ev_timer tmo;
	ev_io io;
	int fd;
	char *buf;
	size_t len, cap;
	size_t sent;
	char *out;			/* bytes to send (simpletcp, dns) */
	size_t outlen;
	uint16_t dns_id;
	uint16_t ping_seq;
	CURL *easy;			/* kept between runs */
	bool easy_added;		/* in its shard's multi handle */
	bool easy_reuse;		/* conn_reuse when easy was set up */
	unsigned curl_shard;
	enum check_service run_svc;
	struct curl_slist *headers;
	ev_child child;
	pid_t pid;
};

struct curl_glue;
#ifndef CHECK_CURL_SHARDS		/* -D for benchmarking */
#define CHECK_CURL_SHARDS	8
#endif

struct check_manager {
	struct ev_loop *loop;
	check_state_cb cb;
	void *cb_arg;
	check_start_hook start_hook;
	void *start_hook_arg;
	bool conn_reuse;
	struct check **checks;
	size_t nchecks;
	struct check_counters counters;
	unsigned long spread_seq;	/* low-discrepancy start offsets */
	unsigned long shard_seq;	/* round-robin curl shard of new checks */
	bool warned_other, warned_ldap, warned_ext_loop, warned_dns_tcp;

	struct curl_glue *curl;

	/* ping: one ICMP socket for every ping check */
	int ping_fd;
	bool ping_raw;
	uint16_t ping_id;
	uint64_t ping_cookie;
	uint16_t ping_next_seq;
	ev_io ping_io;
	struct check **ping_slots;	/* 65536, indexed by sequence */
};

/* Record a probe result; the probe must not touch c after calling this
 * (the state callback may remove the check). */
void check_finish(struct check *c, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Effective values after ldirectord's defaults. */
uint16_t check_port(const struct check *c);
/* The service a negotiate check speaks (SVC_NONE: guessed from the port). */
enum check_service check_effective_service(const struct check *c);
double check_connect_timeout(const struct check *c);
double check_negotiate_timeout(const struct check *c);
double check_timeout(const struct check *c);
/* Match the receive regex against NUL-terminated text; no regex matches. */
bool check_receive_matches(const struct check *c, const char *text);

/* Common helpers for fd probes (check_connect.c). */
typedef void (*check_tmo_cb)(struct ev_loop *loop, ev_timer *w, int revents);
typedef void (*check_io_cb)(struct ev_loop *loop, ev_io *w, int revents);
/* Non-blocking socket connected (or connecting) to the check address;
 * returns the fd or a negative errno. in_progress tells which. */
int check_socket_connect(struct check *c, int type, bool *in_progress);
void check_io_start(struct check *c, int events, check_io_cb cb);
void check_tmo_start(struct check *c, double secs, check_tmo_cb cb);
/* Stop io and timeout watchers, close fd, free buffers. */
void check_fd_cleanup(struct check *c);
/* Append to c->buf (NUL-terminated), capped; returns false when full. */
bool check_buf_append(struct check *c, const void *data, size_t len);
#define CHECK_BUF_MAX	(256 * 1024)

int check_connect_start(struct check *c);
void check_connect_cancel(struct check *c);

int check_curl_init(struct check_manager *m);
void check_curl_free(struct check_manager *m);
bool check_curl_supports(struct check_manager *m, enum check_service svc);
int check_curl_start(struct check *c);
void check_curl_cancel(struct check *c);
/* Free the easy handle a check keeps between runs. */
void check_curl_destroy(struct check *c);
/* Size connection caches for n checks (after a set or a reuse change). */
void check_curl_tune(struct check_manager *m, size_t nchecks);

int check_ping_start(struct check *c);
void check_ping_cancel(struct check *c);
void check_ping_free(struct check_manager *m);

int check_dns_start(struct check *c);
void check_dns_cancel(struct check *c);

int check_tcp_start(struct check *c);
void check_tcp_cancel(struct check *c);

int check_external_start(struct check *c);
void check_external_cancel(struct check *c);

#endif
