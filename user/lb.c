// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include <xdirector/datapath.h>
#include "lb.h"

static const char *const sched_names[XD_SCHED_MAX] = {
	[XD_SCHED_RR] = "rr",
	[XD_SCHED_WRR] = "wrr",
	[XD_SCHED_LC] = "lc",
	[XD_SCHED_WLC] = "wlc",
	[XD_SCHED_SH] = "sh",
	[XD_SCHED_MH] = "mh",
	[XD_SCHED_SED] = "sed",
	[XD_SCHED_NQ] = "nq",
	[XD_SCHED_DH] = "dh",
	[XD_SCHED_LBLC] = "lblc",
	[XD_SCHED_LBLCR] = "lblcr",
	[XD_SCHED_FO] = "fo",
	[XD_SCHED_OVF] = "ovf",
	[XD_SCHED_TWOS] = "twos",
};

void lb_table_free(struct lb_table *t)
{
	for (size_t i = 0; i < t->nsvcs; i++)
		free(t->svcs[i].reals);
	free(t->svcs);
	t->svcs = NULL;
	t->nsvcs = 0;
}

int lb_sched_from_name(const char *name)
{
	for (int i = 0; i < XD_SCHED_MAX; i++)
		if (!strcmp(name, sched_names[i]))
			return i;
	return -EINVAL;
}

const char *lb_sched_name(int sched)
{
	if (sched < 0 || sched >= XD_SCHED_MAX)
		return "?";
	return sched_names[sched];
}

const char *lb_fwd_name(enum lb_fwd fwd)
{
	switch (fwd) {
	case LB_FWD_MASQ:
		return "Masq";
	case LB_FWD_GATE:
		return "Route";
	case LB_FWD_IPIP:
		return "Tunnel";
	}
	return "?";
}

static const char *const reason_names[XD_REASON_MAX] = {
	[XD_FWD_NEW] = "fwd_new",
	[XD_FWD_ESTABLISHED] = "fwd_established",
	[XD_FWD_REPLY] = "fwd_reply",
	[XD_PASS_NOT_IP] = "pass_not_ip",
	[XD_PASS_NOT_OURS] = "pass_not_ours",
	[XD_PASS_MALFORMED_IP] = "pass_malformed_ip",
	[XD_PASS_LOCAL] = "pass_local",
	[XD_PASS_NO_NEIGH] = "pass_no_neigh",
	[XD_PASS_ICMP] = "pass_icmp",
	[XD_DROP_TRUNCATED] = "drop_truncated",
	[XD_DROP_FRAGMENT] = "drop_fragment",
	[XD_DROP_NO_CONN] = "drop_no_conn",
	[XD_DROP_NO_REAL] = "drop_no_real",
	[XD_DROP_FIB] = "drop_fib",
	[XD_DROP_TTL] = "drop_ttl",
	[XD_DROP_CONN_FULL] = "drop_conn_full",
	[XD_DROP_NO_NEIGH] = "drop_no_neigh",
	[XD_DROP_REAL_GONE] = "drop_real_gone",
	[XD_PASS_OTHERHOST] = "pass_otherhost",
	[XD_FWD_ICMP_TO_CLIENT] = "fwd_icmp_to_client",
	[XD_FWD_ICMP_TO_REAL] = "fwd_icmp_to_real",
	[XD_TX_FRAG_NEEDED] = "tx_frag_needed",
	[XD_DROP_FRAG_NEEDED] = "drop_frag_needed",
	[XD_DROP_FRAG_NEEDED_LIMIT] = "drop_frag_needed_limit",
	[XD_PASS_TO_FRAGMENT] = "pass_to_fragment",
};

const char *xd_reason_name(int reason)
{
	if (reason < 0 || reason >= XD_REASON_MAX || !reason_names[reason])
		return "unknown";
	return reason_names[reason];
}

static const char *const state_names[XD_STATE_MAX] = {
	[XD_TCP_NONE] = "NONE",
	[XD_TCP_SYN_RECV] = "SYN_RECV",
	[XD_TCP_ESTABLISHED] = "ESTABLISHED",
	[XD_TCP_FIN_WAIT] = "FIN_WAIT",
	[XD_TCP_TIME_WAIT] = "TIME_WAIT",
	[XD_TCP_CLOSE] = "CLOSE",
	[XD_UDP] = "UDP",
};

const char *xd_state_name(int state)
{
	if (state < 0 || state >= XD_STATE_MAX)
		return "?";
	return state_names[state];
}

const char *lb_datapath_name(enum lb_datapath dp)
{
	return dp == LB_DP_IPVS ? "ipvs" : "bpf";
}

void lb_service_str(const struct lb_service *s, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (s->fwmark) {
		snprintf(buf, len, "fwmark %u%s", s->fwmark,
			 s->af == AF_INET6 ? " (IPv6)" : "");
	} else if (s->af == AF_INET6) {
		inet_ntop(AF_INET6, &s->vip6, a, sizeof(a));
		snprintf(buf, len, "[%s]:%u", a, ntohs(s->port));
	} else {
		inet_ntop(AF_INET, &s->vip, a, sizeof(a));
		snprintf(buf, len, "%s:%u", a, ntohs(s->port));
	}
}

void lb_real_addr_str(const struct lb_service *s, const struct lb_real *r,
		      char *buf, size_t len)
{
	if (s->af == AF_INET6)
		inet_ntop(AF_INET6, &r->addr6, buf, len);
	else
		inet_ntop(AF_INET, &r->addr, buf, len);
}
