/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Rewriting a packet to or from a real server, and sending it on.
 *
 * The route is looked up first (bpf_fib_lookup), so a packet we cannot
 * route is dropped untouched. Then addresses, port, TTL and checksums are
 * rewritten. XDP writes the packet directly and updates checksums by hand;
 * TC goes through the skb checksum helpers, which also handle packets a
 * local stack sent with CHECKSUM_PARTIAL (veth, loopback-like devices).
 */
#ifndef XD_BPF_NAT_H
#define XD_BPF_NAT_H

#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <stddef.h>

#include "parse.h"
#include "csum.h"
#include "stats.h"

#ifndef AF_INET
#define AF_INET 2
#endif

enum nat_dir {
	NAT_DST,	/* client -> VIP becomes client -> real */
	NAT_SRC,	/* real -> client becomes VIP -> client */
};

/* What the caller should do with the packet. */
enum xd_action {
	XD_ACT_PASS = 0,
	XD_ACT_DROP,
	XD_ACT_REDIRECT,	/* to out_ifindex; MACs already rewritten */
	XD_ACT_TX,		/* out the way it came */
	XD_ACT_REDIRECT_NEIGH,	/* TC only: kernel resolves the next hop */
};

struct nat_result {
	__u32 ifindex;		/* egress */
	__u32 reason;		/* enum xd_reason */
	struct bpf_redir_neigh nh;
};

#include "pmtu.h"

/* The IPv4 header's part, in place, checksum by hand (the IP header
 * checksum is always whole). Returns the address it replaced. */
static __always_inline __be32 nat_rewrite_ip(struct iphdr *iph,
					     enum nat_dir dir, __be32 new_addr,
					     int dec_ttl)
{
	__be32 old_addr = dir == NAT_DST ? iph->daddr : iph->saddr;
	__u16 old_ttl_word = *(__u16 *)&iph->ttl, new_ttl_word;
	__u32 sum;

	if (dir == NAT_DST)
		iph->daddr = new_addr;
	else
		iph->saddr = new_addr;
	if (dec_ttl)
		iph->ttl--;
	new_ttl_word = *(__u16 *)&iph->ttl;
	sum = csum_begin(iph->check);
	sum = csum_sub_add32(sum, old_addr, new_addr);
	sum = csum_sub_add16(sum, old_ttl_word, new_ttl_word);
	iph->check = csum_end(sum);
	return old_addr;
}

static __always_inline int nat_rewrite_xdp(struct pkt *p, enum nat_dir dir,
					   __be32 new_addr, __be16 new_port,
					   int dec_ttl)
{
	struct iphdr *iph = p->iph;
	__be32 old_addr;
	__be16 old_port, *port;
	__u16 *check;
	__u32 sum;

	if ((void *)(iph + 1) > p->data_end)
		return -1;
	old_addr = nat_rewrite_ip(iph, dir, new_addr, dec_ttl);

	if (p->proto == IPPROTO_TCP) {
		struct tcphdr *th = p->l4;

		if ((void *)(th + 1) > p->data_end)
			return -1;
		port = dir == NAT_DST ? &th->dest : &th->source;
		check = &th->check;
	} else {
		struct udphdr *uh = p->l4;

		if ((void *)(uh + 1) > p->data_end)
			return -1;
		port = dir == NAT_DST ? &uh->dest : &uh->source;
		check = &uh->check;
	}
	old_port = *port;
	*port = new_port;
	/* UDP without a checksum stays without one. */
	if (p->proto == IPPROTO_UDP && *check == 0)
		return 0;
	sum = csum_begin(*check);
	sum = csum_sub_add32(sum, old_addr, new_addr);
	sum = csum_sub_add16(sum, old_port, new_port);
	*check = csum_end(sum);
	if (p->proto == IPPROTO_UDP && *check == 0)
		*check = 0xffff;
	return 0;
}

/*
 * TC: the IP header and the port are written in place (the verifier
 * makes the head writable first); only the L4 checksum goes through the
 * helper, which knows whether the skb carries a partial checksum (veth,
 * local senders) or a full one. Every helper call costs a retpoline here,
 * so they are kept to those two.
 */
static __always_inline int nat_rewrite_tc(struct __sk_buff *skb, struct pkt *p,
					  enum nat_dir dir, __be32 new_addr,
					  __be16 new_port, int dec_ttl)
{
	__u32 l4_csum_off, l4_flags = 0;
	struct iphdr *iph = p->iph;
	__be16 old_port, *port;
	__be32 old_addr;

	if ((void *)(iph + 1) > p->data_end)
		return -1;
	if (p->proto == IPPROTO_TCP) {
		struct tcphdr *th = p->l4;

		if ((void *)(th + 1) > p->data_end)
			return -1;
		port = dir == NAT_DST ? &th->dest : &th->source;
		l4_csum_off = p->l4_off + offsetof(struct tcphdr, check);
	} else {
		struct udphdr *uh = p->l4;

		if ((void *)(uh + 1) > p->data_end)
			return -1;
		port = dir == NAT_DST ? &uh->dest : &uh->source;
		l4_csum_off = p->l4_off + offsetof(struct udphdr, check);
		l4_flags = BPF_F_MARK_MANGLED_0;
	}
	old_port = *port;
	old_addr = nat_rewrite_ip(iph, dir, new_addr, dec_ttl);
	*port = new_port;

	/* From the old values; these only touch the checksum field. */
	if (bpf_l4_csum_replace(skb, l4_csum_off, old_addr, new_addr,
				l4_flags | BPF_F_PSEUDO_HDR | sizeof(new_addr)))
		return -1;
	if (bpf_l4_csum_replace(skb, l4_csum_off, old_port, new_port,
				l4_flags | sizeof(new_port)))
		return -1;
	return 0;
}

/*
 * Route, rewrite and decide. For NAT_DST the packet goes to new_addr; for
 * NAT_SRC it comes from new_addr. Returns an enum xd_action; res->reason
 * says why.
 */
static __always_inline int nat_and_route(void *ctx, const int tc, struct pkt *p,
					 enum nat_dir dir, __be32 new_addr,
					 __be16 new_port, __u32 in_ifindex,
					 struct xd_nexthop *nh, __u64 now,
					 struct nat_result *res)
{
	struct bpf_fib_lookup fib = {};
	struct iphdr *iph = p->iph;
	__u32 stamp = (__u32)(now >> 20) | 1;
	struct xd_if_mac *ifm;
	int rc, looked_up = 0;
	__u32 l3len;

	if ((void *)(iph + 1) > p->data_end) {
		res->reason = XD_DROP_TRUNCATED;
		return XD_ACT_DROP;
	}
	if (iph->ttl <= 1) {
		res->reason = XD_DROP_TTL;
		return XD_ACT_DROP;
	}
	fib.family = AF_INET;
	fib.tos = iph->tos;
	fib.l4_protocol = iph->protocol;
	/* TC sees GRO-merged packets longer than the MTU: with a zero
	 * length the helper checks the skb itself, which allows for GSO. */
	fib.tot_len = tc ? 0 : bpf_ntohs(iph->tot_len);
	fib.ipv4_src = dir == NAT_SRC ? new_addr : iph->saddr;
	fib.ipv4_dst = dir == NAT_DST ? new_addr : iph->daddr;
	fib.sport = dir == NAT_SRC ? new_port : p->sport;
	fib.dport = dir == NAT_DST ? new_port : p->dport;
	fib.ifindex = in_ifindex;

	/* The cache skips the lookup's size check: a packet too big for the
	 * cached egress goes through the full lookup, which judges it. */
	if (tc)
		l3len = pmtu_skb_l3len(ctx, p);
	else
		l3len = bpf_ntohs(iph->tot_len);
	if (nh->ifindex && stamp - nh->stamp < XD_NH_TTL_MS &&
	    l3len <= nh->mtu) {
		/* Cached: the connection's last lookup is fresh enough. */
		rc = BPF_FIB_LKUP_RET_SUCCESS;
		fib.ifindex = nh->ifindex;
		__builtin_memcpy(fib.dmac, nh->dmac, ETH_ALEN);
		__builtin_memcpy(fib.smac, nh->smac, ETH_ALEN);
	} else {
		rc = bpf_fib_lookup(ctx, &fib, sizeof(fib), 0);
		looked_up = 1;
		if (rc == BPF_FIB_LKUP_RET_SUCCESS) {
			__builtin_memcpy(nh->dmac, fib.dmac, ETH_ALEN);
			__builtin_memcpy(nh->smac, fib.smac, ETH_ALEN);
			nh->ifindex = fib.ifindex;
			nh->stamp = stamp;
			ifm = bpf_map_lookup_elem(&if_macs, &nh->ifindex);
			nh->mtu = ifm && ifm->mtu ? ifm->mtu : 1500;
		}
	}
	/* A GRO-merged skb passes the helper's check whatever its
	 * segments' size: those are judged here, as the kernel's
	 * forwarding judges them. */
	if (tc && looked_up && rc == BPF_FIB_LKUP_RET_SUCCESS &&
	    l3len > fib.mtu_result)
		rc = BPF_FIB_LKUP_RET_FRAG_NEEDED;
	if (rc == BPF_FIB_LKUP_RET_FRAG_NEEDED) {
		int act = pmtu_too_big(ctx, tc, p, dir == NAT_DST,
				       fib.mtu_result, in_ifindex, now, res);

		if (act >= 0)
			return act;
		/* No DF: the kernel's forwarding fragments it (and lowers
		 * the TTL). */
		if (tc ? nat_rewrite_tc(ctx, p, dir, new_addr, new_port, 0) :
			 nat_rewrite_xdp(p, dir, new_addr, new_port, 0)) {
			res->reason = XD_DROP_TRUNCATED;
			return XD_ACT_DROP;
		}
		res->reason = XD_PASS_TO_FRAGMENT;
		return XD_ACT_PASS;
	}
	if (rc != BPF_FIB_LKUP_RET_SUCCESS && rc != BPF_FIB_LKUP_RET_NO_NEIGH) {
		res->reason = XD_DROP_FIB;
		return XD_ACT_DROP;
	}
	/* Without a neighbour, XDP can only hand a destination-rewritten
	 * packet to the kernel's forwarding path; a source-rewritten one
	 * would carry our own address and be refused as martian. */
	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH && !tc && dir == NAT_SRC) {
		res->reason = XD_DROP_NO_NEIGH;
		return XD_ACT_DROP;
	}

	if (tc) {
		if (nat_rewrite_tc(ctx, p, dir, new_addr, new_port, 1)) {
			res->reason = XD_DROP_TRUNCATED;
			return XD_ACT_DROP;
		}
	} else if (nat_rewrite_xdp(p, dir, new_addr, new_port,
				   /* the kernel's forwarding lowers it */
				   rc != BPF_FIB_LKUP_RET_NO_NEIGH)) {
		res->reason = XD_DROP_TRUNCATED;
		return XD_ACT_DROP;
	}

	res->ifindex = fib.ifindex;
	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH) {
		res->reason = XD_PASS_NO_NEIGH;
		if (!tc)
			return XD_ACT_PASS;
		res->nh.nh_family = AF_INET;
		res->nh.ipv4_nh = fib.ipv4_dst;
		return XD_ACT_REDIRECT_NEIGH;
	}

	if (tc) {
		/* The checksum helpers invalidated the packet pointers. */
		struct __sk_buff *skb = ctx;
		void *data = (void *)(long)skb->data;
		struct ethhdr *eth = data;

		if ((void *)(eth + 1) > (void *)(long)skb->data_end) {
			res->reason = XD_DROP_TRUNCATED;
			return XD_ACT_DROP;
		}
		__builtin_memcpy(eth->h_dest, fib.dmac, ETH_ALEN);
		__builtin_memcpy(eth->h_source, fib.smac, ETH_ALEN);
	} else {
		struct ethhdr *eth = p->data;

		if ((void *)(eth + 1) > p->data_end) {
			res->reason = XD_DROP_TRUNCATED;
			return XD_ACT_DROP;
		}
		__builtin_memcpy(eth->h_dest, fib.dmac, ETH_ALEN);
		__builtin_memcpy(eth->h_source, fib.smac, ETH_ALEN);
		if (fib.ifindex == in_ifindex)
			return XD_ACT_TX;
	}
	return XD_ACT_REDIRECT;
}

#endif
