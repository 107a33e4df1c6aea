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
#include <netinet/in.h>

enum lb_fwd {
	LB_FWD_MASQ = 0,
	LB_FWD_GATE,
	LB_FWD_IPIP,
};

struct lb_real {
	uint32_t addr;		/* network order */
	struct in6_addr addr6;	/* when the service's af is AF_INET6 */
	uint16_t port;		/* network order */
	enum lb_fwd fwd;
	uint32_t weight;	/* 0: quiescent */
	bool local_node;	/* IPVS read back: delivered locally */
};

/* Which datapath runs a service (user/backend/select.c decides). */
enum lb_datapath {
	LB_DP_BPF = 0,		/* bpf/ on XDP or TC */
	LB_DP_IPVS,		/* kernel IPVS */
};

struct lb_service {
	uint8_t af;		/* AF_INET (0 reads as AF_INET) or AF_INET6 */
	uint32_t vip;		/* network order */
	struct in6_addr vip6;	/* when af is AF_INET6 */
	uint32_t fwmark;	/* firewall-mark service: no vip, port, proto */
	uint16_t port;		/* network order */
	uint8_t proto;		/* IPPROTO_TCP / IPPROTO_UDP */
	char sched[16];		/* an IPVS scheduler name (lb_sched_from_name) */
	bool hash_port;		/* sh/mh: include the source port */
	bool local;		/* fallback to the director's own stack */
	uint32_t persistent;	/* seconds; 0: not persistent */
	uint32_t netmask;	/* persistence granularity: mask (IPv4,
				 * network order) or prefix length (IPv6) */
	bool ops;		/* one-packet scheduling */
	bool ftp;		/* an FTP control port (ip_vs_ftp) */
	/* Where it runs and why, and the configuration line it came from
	 * (for messages): filled by the controller and select.c. */
	enum lb_datapath dp;
	char dp_why[192];
	const char *file;
	int line;
	struct lb_real *reals;
	size_t nreals;
};

/* Connection idle timeouts a table sets, as ipvsadm --set. */
enum lb_timeout {
	LB_TIMEOUT_TCP,		/* established TCP */
	LB_TIMEOUT_TCPFIN,	/* TCP after a FIN */
	LB_TIMEOUT_UDP,
	LB_TIMEOUTS,
};

struct lb_table {
	struct lb_service *svcs;
	size_t nsvcs;
	uint32_t timeout_s[LB_TIMEOUTS];	/* 0: the datapath's default */
};

void lb_table_free(struct lb_table *t);
int lb_sched_from_name(const char *name);	/* enum xd_sched or -EINVAL */
const char *lb_sched_name(int sched);
const char *lb_fwd_name(enum lb_fwd fwd);	/* "Masq", "Route", "Tunnel" */
const char *lb_datapath_name(enum lb_datapath dp);	/* "bpf", "ipvs" */
/* "10.0.0.1:80", "[2001:db8::1]:80" or "fwmark 7": for messages. */
void lb_service_str(const struct lb_service *s, char *buf, size_t len);
/* The real's address alone, in the service's family. */
void lb_real_addr_str(const struct lb_service *s, const struct lb_real *r,
		      char *buf, size_t len);



/* Names for the datapath's verdict reasons and TCP states. */
const char *xd_reason_name(int reason);
const char *xd_state_name(int state);
#endif
