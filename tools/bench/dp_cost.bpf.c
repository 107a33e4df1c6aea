// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers for measuring the datapath's per-packet cost with
 * BPF_PROG_TEST_RUN (tools/bench/dp_cost.c).
 *
 * With `repeat`, the kernel runs the program again and again on the same
 * buffer, so a program that rewrites the packet would see its own output
 * from the second run on. `wrap` therefore writes the input packet back
 * every time, optionally varies the flow, and tail-calls the program under
 * test; its own cost is measured by tail-calling `null_pass` and subtracted.
 * `floor_tx` is the floor every XDP forwarder pays: swap MACs, XDP_TX.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "dp_cost.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} target SEC(".maps");

/* Written by userspace through the skeleton before each run. */
struct dp_cost_cfg cfg;
__u64 counter;
__be32 fib_dst;		/* for fib_only */

SEC("xdp")
int wrap(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 i;

	if (data + DP_COST_PKT_LEN > data_end)
		return XDP_ABORTED;
	/* Constant size: the compiler emits eight 8-byte moves. */
	__builtin_memcpy(data, cfg.pkt, DP_COST_PKT_LEN);

	switch (cfg.mode) {
	case DP_COST_NEW_FLOW:		/* every run a flow never seen */
		i = counter++;
		break;
	case DP_COST_CYCLE:		/* round the pre-filled flows */
		i = counter++;
		if (cfg.nflows)
			i %= cfg.nflows;
		break;
	default:
		goto run;
	}
	*(__be32 *)(data + DP_COST_SADDR_OFF) = bpf_htonl(dp_cost_flow_saddr(i));
	*(__be16 *)(data + DP_COST_SPORT_OFF) = bpf_htons(dp_cost_flow_sport(i));
run:
	bpf_tail_call(ctx, &target, 0);
	return XDP_ABORTED;	/* the tail call failed: the bench fails */
}

SEC("xdp")
int null_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

/* What one bpf_fib_lookup() costs: the datapath does one per packet. */
SEC("xdp")
int fib_only(struct xdp_md *ctx)
{
	struct bpf_fib_lookup fib = {
		.family = 2,	/* AF_INET */
		.l4_protocol = 6,
		.tot_len = 50,
		.ipv4_dst = fib_dst,
		.ifindex = ctx->ingress_ifindex,
	};

	if (bpf_fib_lookup(ctx, &fib, sizeof(fib), 0) != BPF_FIB_LKUP_RET_SUCCESS)
		return XDP_DROP;
	return XDP_PASS;
}

SEC("xdp")
int floor_tx(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	unsigned char tmp[ETH_ALEN];

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	__builtin_memcpy(tmp, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, tmp, ETH_ALEN);
	return XDP_TX;
}
