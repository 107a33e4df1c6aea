/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by tools/bench/dp_cost.bpf.c and dp_cost.c. */
#ifndef XD_BENCH_DP_COST_H
#define XD_BENCH_DP_COST_H

#include <linux/types.h>

/* Ethernet + IPv4 + TCP is 54 bytes; padded to the minimum frame. */
#define DP_COST_PKT_LEN		64
#define DP_COST_SADDR_OFF	(14 + 12)
#define DP_COST_SPORT_OFF	(14 + 20)

enum dp_cost_mode {
	DP_COST_FIXED = 0,	/* the same packet every run */
	DP_COST_NEW_FLOW,	/* flow i on run i */
	DP_COST_CYCLE,		/* flow i % nflows on run i */
};

struct dp_cost_cfg {
	__u32 mode;
	__u32 nflows;
	__u8 pkt[DP_COST_PKT_LEN];
};

/* Flow i: client 100.64.0.0/10 upwards, 1024 source ports per address.
 * Host byte order; the program and the pre-fill use the same mapping. */
static inline __u32 dp_cost_flow_saddr(__u32 i)
{
	return 0x64400000u + (i >> 10);
}

static inline __u16 dp_cost_flow_sport(__u32 i)
{
	return 10000 + (i & 0x3ff);
}

#endif
