/* SPDX-License-Identifier: GPL-2.0 */
/* The running daemon: everything main() sets up, for the handlers. */
#ifndef XD_DAEMON_H
#define XD_DAEMON_H

#include <stdbool.h>
#include <ev.h>

#include "backend/backend.h"
#include "controller.h"
#include "ctl/ctl_server.h"
#include "service.h"

struct ha;
struct sync;
#include "ctl/metrics_http.h"

struct daemon {
	struct ev_loop *loop;
	char cfg_dir[256];
	char node[128];
	char rundir[256];
	char bpffs[256];
	struct backend_opts bopts;
	struct backend *backend;
	struct controller controller;
	struct ctl_server ctl_srv;
	ev_signal sig_term, sig_int, sig_hup;
	ev_timer maintain;
	struct service_notify svc;	/* systemd: READY, WATCHDOG, STATUS */
	struct metrics_http *metrics;
	char metrics_listen[64];
	bool foreground;
	bool test_config;	/* -t: check the configuration, exit */
	json_t *stats_zero;	/* counters at the last `zero` (commands.c) */
	double started_at;
	struct ha *ha;		/* NULL without ha.cf (user/ha/ha.h) */
	/* --- sync (user/sync/sync.h) --- */
	struct sync *sync;	/* NULL without authkeys */
	struct nudge *nudge;	/* NULL without HA or with --no-nudge */
	bool no_nudge;
	/* --- end sync --- */
};

/* Control-socket commands (user/ctl/commands.c). */
json_t *daemon_command(void *arg, const char *cmd, json_t *req);

#endif
