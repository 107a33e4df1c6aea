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
 * `min_est` and `min_new` are what any stateful NAT pays on top of it:
 * one lookup (or one insert) in an LRU table sized like the datapath's,
 * a DNAT rewrite with incremental checksums, XDP_TX; nothing else (no
 * service, counters, TCP state, timeouts or route).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include <linux/ip.h>
#include <linux/tcp.h>

#include "csum.h"
#include "dp_cost.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} target SEC(".maps");

struct min_key {
	__be32 saddr, daddr;
	__be16 sport, dport;
	__u32 proto;
};

struct min_val {
	__be32 raddr;
	__be16 rport;
	__u16 pad;
};

/* Sized by userspace to the datapath's conn_table before loading. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1);
	__type(key, struct min_key);
	__type(value, struct min_val);
} min_conns SEC(".maps");

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

struct min_pkt {
	struct ethhdr *eth;
	struct iphdr *iph;
	struct tcphdr *th;
};

/* DNAT to v (daddr, dport, both checksums), swap MACs, XDP_TX. */
static __always_inline int min_dnat_tx(const struct min_pkt *p,
				       const struct min_val *v)
{
	struct iphdr *iph = p->iph;
	struct tcphdr *th = p->th;
	unsigned char tmp[ETH_ALEN];
	__u32 ip_sum = csum_begin(iph->check), l4_sum = csum_begin(th->check);

	ip_sum = csum_sub_add32(ip_sum, iph->daddr, v->raddr);
	l4_sum = csum_sub_add32(l4_sum, iph->daddr, v->raddr);
	l4_sum = csum_sub_add16(l4_sum, th->dest, v->rport);
	iph->daddr = v->raddr;
	th->dest = v->rport;
	iph->check = csum_end(ip_sum);
	th->check = csum_end(l4_sum);
	__builtin_memcpy(tmp, p->eth->h_dest, ETH_ALEN);
	__builtin_memcpy(p->eth->h_dest, p->eth->h_source, ETH_ALEN);
	__builtin_memcpy(p->eth->h_source, tmp, ETH_ALEN);
	return XDP_TX;
}

/* Ethernet/IPv4 without options/TCP, and its key; 0 when it is that. */
static __always_inline int min_parse(struct xdp_md *ctx, struct min_pkt *p,
				     struct min_key *k)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;

	p->eth = data;
	p->iph = (void *)(p->eth + 1);
	p->th = (void *)(p->iph + 1);
	if ((void *)(p->th + 1) > data_end ||
	    p->eth->h_proto != bpf_htons(ETH_P_IP) || p->iph->ihl != 5 ||
	    p->iph->protocol != 6 /* TCP */)
		return -1;
	*k = (struct min_key){
		.saddr = p->iph->saddr, .daddr = p->iph->daddr,
		.sport = p->th->source, .dport = p->th->dest, .proto = 6,
	};
	return 0;
}

SEC("xdp")
int min_est(struct xdp_md *ctx)
{
	struct min_pkt p;
	struct min_key k;
	struct min_val *v;

	if (min_parse(ctx, &p, &k))
		return XDP_PASS;
	v = bpf_map_lookup_elem(&min_conns, &k);
	if (!v)
		return XDP_PASS;
	return min_dnat_tx(&p, v);
}

SEC("xdp")
int min_new(struct xdp_md *ctx)
{
	struct min_val v = { .raddr = fib_dst, .rport = bpf_htons(8080) };
	struct min_pkt p;
	struct min_key k;

	if (min_parse(ctx, &p, &k) ||
	    bpf_map_update_elem(&min_conns, &k, &v, BPF_ANY))
		return XDP_PASS;
	return min_dnat_tx(&p, &v);
}
