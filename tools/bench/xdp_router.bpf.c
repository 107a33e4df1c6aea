// SPDX-License-Identifier: GPL-2.0
/*
 * A bare XDP IPv4 router for the end-to-end bench (tools/bench/run.sh,
 * peer xrouter1): route lookup, TTL, MACs, redirect; no NAT, no state.
 * Attached natively to the director's veths it pays everything native
 * XDP on veth costs (the frame copied out of the skb, a NAPI hop and an
 * skb built again on the far side) and nothing of xdirector's own, so
 * xdirector XDP against it is the datapath alone, and it against plain
 * routing is what XDP on veth costs any program. Anything it cannot
 * route by itself goes to the kernel.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "csum.h"

#define AF_INET 2

char LICENSE[] SEC("license") = "GPL";

SEC("xdp")
int xdp_router(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct bpf_fib_lookup fib = {};
	struct ethhdr *eth = data;
	struct iphdr *iph = (void *)(eth + 1);
	__u16 old_ttl_word;
	__u32 sum;

	if ((void *)(iph + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP) ||
	    iph->ihl != 5 || iph->ttl <= 1)
		return XDP_PASS;
	fib.family = AF_INET;
	fib.tos = iph->tos;
	fib.l4_protocol = iph->protocol;
	fib.tot_len = bpf_ntohs(iph->tot_len);
	fib.ipv4_src = iph->saddr;
	fib.ipv4_dst = iph->daddr;
	fib.ifindex = ctx->ingress_ifindex;
	if (bpf_fib_lookup(ctx, &fib, sizeof(fib), 0) != BPF_FIB_LKUP_RET_SUCCESS)
		return XDP_PASS;
	old_ttl_word = *(__u16 *)&iph->ttl;
	iph->ttl--;
	sum = csum_begin(iph->check);
	sum = csum_sub_add16(sum, old_ttl_word, *(__u16 *)&iph->ttl);
	iph->check = csum_end(sum);
	__builtin_memcpy(eth->h_dest, fib.dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, fib.smac, ETH_ALEN);
	return bpf_redirect(fib.ifindex, 0);
}
