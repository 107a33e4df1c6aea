/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by tools/bench/livegen.bpf.c and livegen.c. */
#ifndef XD_BENCH_LIVEGEN_H
#define XD_BENCH_LIVEGEN_H

#include <linux/types.h>

/* Ethernet + IPv4 + UDP (no checksum), padded to the minimum frame. */
#define LIVEGEN_PKT_LEN		64
#define LIVEGEN_SPORT_OFF	(14 + 20)

struct livegen_cfg {
	__u32 nflows;		/* source ports 10000.. */
	__u32 pad;
	__u8 pkt[LIVEGEN_PKT_LEN];
};

#endif
