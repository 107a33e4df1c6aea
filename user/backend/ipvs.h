/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel IPVS backend (ipvs.c): struct backend_ops over generic
 * netlink, the kernel's sync daemon, and the message encoders and
 * parsers the unit tests exercise without a kernel that has IPVS.
 */
#ifndef XD_IPVS_H
#define XD_IPVS_H

#include <stdbool.h>
#include <stdint.h>
#include <netlink/msg.h>

#include "backend/backend.h"

/* Loads ip_vs and resolves the IPVS family; a kernel without IPVS gets
 * -ENOENT and err says so. */
int ipvs_backend_open(struct backend **out, char *err, size_t errlen);

/* One of the kernel's schedulers (ip_vs_<name>)? */
bool ipvs_sched_known(const char *name);

struct ipvs_sync_opts {
	const char *ifname;	/* the sync daemon's multicast interface */
	uint8_t syncid;
	uint16_t port;		/* 0: the kernel's (8848) */
};

/* The kernel's sync daemon as LVSSyncDaemonSwap runs it: role 1 master,
 * 2 backup, 0 none. */
int ipvs_backend_sync_role(struct backend *b, int role,
			   const struct ipvs_sync_opts *o, char *err,
			   size_t errlen);
const char *ipvs_backend_sync_state(struct backend *b);

/* Messages, for the tests. full: everything NEW/SET need, else the id. */
int ipvs_put_service(struct nl_msg *m, const struct lb_service *s, bool full);
int ipvs_put_dest(struct nl_msg *m, const struct lb_service *s,
		  const struct lb_real *r, bool full);
int ipvs_parse_service(struct nlattr *nest, struct lb_service *s,
		       struct xd_counters *stats);
int ipvs_parse_dest(struct nlattr *nest, const struct lb_service *s,
		    struct lb_real *r, int64_t *active, int64_t *inactive,
		    struct xd_counters *stats);
/* One /proc/net/ip_vs_conn line: 1 a connection, 0 anything else. */
int ipvs_parse_conn_line(const char *line, struct backend_conn *c);

#endif
