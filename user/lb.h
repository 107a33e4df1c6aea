/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The desired load-balancing table: what the controller wants the
 * datapath to do, independent of the backend (XDP or kernel IPVS).
 *
 * A real server is described in three layers, each with its prefix:
 *   ld_  config/ldirectord.h: ldirectord.cf as written. struct
 *        ld_real_entry is one real= address (a range gives several),
 *        with its line and its per-real check overrides.
 *   lb_  here: the table to run now, the same for every backend. struct
 *        lb_real is a real server in it, there only while its health
 *        allows, with the weight to use.
 *   xd_  headers/xdirector/datapath.h: the XDP datapath's maps. struct
 *        xd_real_slot is one slot of the reals map; it outlives its
 *        lb_real, because connections name the slot.
 * controller.c turns ld_ into lb_; a backend (backend/xdp.c) turns lb_
 * into its own.
 */
#ifndef XD_LB_H
#define XD_LB_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

enum lb_fwd {
	LB_FWD_MASQ = 0,
	LB_FWD_GATE,
	LB_FWD_IPIP,
};

struct lb_real {
	uint32_t addr;		/* network order */
	uint16_t port;		/* network order */
	enum lb_fwd fwd;
	uint32_t weight;	/* 0: quiescent */
};

struct lb_service {
	uint32_t vip;		/* network order */
	uint16_t port;		/* network order */
	uint8_t proto;		/* IPPROTO_TCP / IPPROTO_UDP */
	char sched[16];		/* an IPVS scheduler name (lb_sched_from_name) */
	bool hash_port;		/* sh/mh: include the source port */
	bool local;		/* fallback to the director's own stack */
	struct lb_real *reals;
	size_t nreals;
};

struct lb_table {
	struct lb_service *svcs;
	size_t nsvcs;
};

void lb_table_free(struct lb_table *t);
int lb_sched_from_name(const char *name);	/* enum xd_sched or -EINVAL */
const char *lb_sched_name(int sched);
const char *lb_fwd_name(enum lb_fwd fwd);	/* "Masq", "Route", "Tunnel" */



/* Names for the datapath's verdict reasons and TCP states. */
const char *xd_reason_name(int reason);
const char *xd_state_name(int state);
#endif
