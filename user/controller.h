/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The controller turns ldirectord.cf plus the health of each real server
 * into the table the datapath runs: parse -> check -> plan -> apply.
 */
#ifndef XD_CONTROLLER_H
#define XD_CONTROLLER_H

#include <stdbool.h>
#include <ev.h>

#include "lb.h"
#include "config/ldirectord.h"
#include "backend/backend.h"
#include "check/check.h"

struct real_health {
	uint32_t vip;
	uint16_t vport;		/* host order, as in check_spec */
	uint8_t proto;
	uint32_t rip;
	uint16_t rport;
	bool known;
	bool up;
	bool maintenance;	/* named in maintenancedir: out of service */
	double since;		/* unix time of the last change */
	char why[128];
};

struct controller {
	struct ev_loop *loop;
	struct backend *backend;
	char cfg_path[512];
	struct ld_config cfg;
	bool have_cfg;
	struct check_manager *checks;
	struct real_health *health;
	size_t nhealth;
	ev_timer reapply;	/* coalesces health changes into one apply */
	ev_stat cfg_watch;	/* autoreload */
	ev_timer cfg_settle;	/* reload once the file stops changing */
	double loaded_at;
	unsigned reloads;
	/* called after every successful load (start, reload, autoreload) */
	void (*on_loaded)(void *arg);
	void *on_loaded_arg;
};

int controller_init(struct controller *c, struct ev_loop *loop,
		    struct backend *b, const char *cfg_path);
/* Read the configuration and apply it. On any error nothing changes
 * and err says where and why. */
int controller_load(struct controller *c, char *err, size_t errlen);
/* controller_load() once running, counted in reloads when it succeeds;
 * every trigger (control socket, SIGHUP, autoreload) comes through here. */
int controller_reload(struct controller *c, char *err, size_t errlen);

/* What the control socket shows of the controller. */
struct controller_info {
	const char *cfg_path;
	double loaded_at;	/* unix time of the last successful load */
	unsigned reloads;	/* successful reloads since start */
	const struct real_health *health;	/* one per checked real */
	size_t nhealth;
};
void controller_info(const struct controller *c,
		     struct controller_info *out);
/* The table the datapath should run now. */
int controller_build_table(const struct controller *c, struct lb_table *t);
const struct real_health *controller_health(const struct controller *c,
					    uint32_t vip, uint16_t vport,
					    uint8_t proto, uint32_t rip,
					    uint16_t rport);
/* Once a second: maintenancedir changes. */
void controller_tick(struct controller *c);
void controller_fini(struct controller *c);

#endif
