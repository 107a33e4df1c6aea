/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The director's own MTU decisions: a client's packet too big for the
 * way to its real server.
 *
 *   DF set    answered with ICMP "fragmentation needed" carrying the
 *             egress MTU, from the VIP, back out the way it came (to the
 *             MAC it came from), so the client lowers its path MTU to
 *             the VIP. Rate-limited per CPU
 *             as the kernel limits its own ICMP (icmp_msgs_per_sec 1000,
 *             burst 50): over the limit the packet is dropped unanswered.
 *   DF clear  rewritten and handed to the kernel, whose forwarding
 *             fragments it (forwarding is on: bpf_fib_lookup needs it).
 *
 * A real's packet too big for the client's side is dropped and counted
 * (drop_frag_needed): handing a packet from the VIP to the kernel would
 * be refused as martian, and answering the real needs an address of ours
 * on its side.
 *
 * The error is built in place: 28 bytes are opened before the IPv4
 * header for the new IPv4 and ICMP headers, and the frame is cut after
 * the quote: the old IPv4 header and 20 bytes (RFC 792 asks for 8 at
 * least; 20 hold a TCP header's checksum, below which the kernel will
 * not cut a CHECKSUM_PARTIAL skb, as a local sender's on veth is).
 * Such an skb stays CHECKSUM_PARTIAL, its checksum start in the quote:
 * a receiver over veth trusts it; a device that had to complete it
 * would spoil the quote's TCP checksum (never met on a real NIC's
 * receive path, where skbs are not partial).
 */
#ifndef XD_BPF_PMTU_H
#define XD_BPF_PMTU_H

#include <linux/bpf.h>
#include <linux/icmp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "parse.h"
#include "maps.h"

#define IP_DF		0x4000
#define PMTU_ERR_GROW	(20 + 8)		/* new IPv4 + ICMP header */
#define PMTU_QUOTE	(20 + 20)		/* old IPv4 header + 20 bytes */
#define PMTU_ERR_LEN	(14 + PMTU_ERR_GROW + PMTU_QUOTE)
#define PMTU_RATE_NS	1000000ull		/* one token a millisecond */
#define PMTU_BURST	50

/* Takes a token from this CPU's bucket; 0 if there was one. */
static __always_inline int pmtu_ratelimit(__u64 now)
{
	__u32 zero = 0;
	struct xd_icmp_bucket *b = bpf_map_lookup_elem(&icmp_bucket, &zero);
	__s64 since;
	__u64 add;

	if (!b)
		return -1;
	/* Another CPU's coarse clock may run a tick ahead: signed. */
	since = (__s64)(now - b->last_ns);
	add = since > 0 ? (__u64)since / PMTU_RATE_NS : 0;
	if (add) {
		b->tokens = b->tokens + add > PMTU_BURST ? PMTU_BURST :
			    b->tokens + add;
		b->last_ns += add * PMTU_RATE_NS;
	}
	if (!b->tokens)
		return -1;
	b->tokens--;
	return 0;
}

/*
 * The IPv4 length of the packet the egress will send: for a GRO-merged
 * skb, one segment's (headers and gso_size), not the whole skb's.
 */
static __always_inline __u32 pmtu_skb_l3len(struct __sk_buff *skb,
					    const struct pkt *p)
{
	__u32 hdr = p->l4_off - p->l3_off;

	if (skb->gso_segs <= 1)
		return skb->len - p->l3_off;
	if (p->proto == IPPROTO_TCP) {
		struct tcphdr *th = p->l4;

		if ((void *)(th + 1) > p->data_end)
			return 0;
		hdr += th->doff * 4;
	} else {
		hdr += 8;
	}
	return hdr + skb->gso_size;
}

/* The Internet checksum of n bytes (even, constant) at p, inverted. */
static __always_inline __u16 pmtu_csum(const void *p, const int n)
{
	const __u16 *w = p;
	__u32 sum = 0;

#pragma unroll
	for (int i = 0; i < n / 2; i++)
		sum += w[i];
	return (__u16)~csum_fold32(sum);
}

/*
 * Turns the frame at ctx into "fragmentation needed, MTU mtu" for its
 * sender, from its destination (the VIP). Returns an xd_action: a
 * redirect to in_ifindex, or DROP when the frame could not be reshaped.
 * XDP redirects too rather than XDP_TX: on veth the XDP_TX'd errors
 * never reached the client in the namespace test, redirected ones do.
 */
static __always_inline int pmtu_send_frag_needed(void *ctx, const int tc,
						 struct pkt *p, __u16 mtu,
						 __u32 in_ifindex,
						 struct nat_result *res)
{
	__u8 smac[ETH_ALEN], dmac[ETH_ALEN];
	struct iphdr *iph = p->iph, *eh;
	struct icmphdr *ih;
	struct ethhdr *eth;
	void *data, *data_end;
	__be32 client, vip;
	__u32 frame_len;

	if ((void *)(iph + 1) > p->data_end || (void *)(p->eth + 1) > p->data_end)
		goto bad;
	client = iph->saddr;
	vip = iph->daddr;
	__builtin_memcpy(smac, p->eth->h_dest, ETH_ALEN);
	__builtin_memcpy(dmac, p->eth->h_source, ETH_ALEN);

	if (tc) {
		struct __sk_buff *skb = ctx;

		/* Cut first: that also ends a GRO-merged skb's GSO state,
		 * which the room-making would otherwise refuse or adjust. */
		if (bpf_skb_change_tail(skb, PMTU_ERR_LEN - PMTU_ERR_GROW, 0) ||
		    bpf_skb_adjust_room(skb, PMTU_ERR_GROW, BPF_ADJ_ROOM_MAC, 0))
			goto bad;
		data = (void *)(long)skb->data;
		data_end = (void *)(long)skb->data_end;
	} else {
		struct xdp_md *xdp = ctx;

		if (bpf_xdp_adjust_head(xdp, -PMTU_ERR_GROW))
			goto bad;
		frame_len = xdp->data_end - xdp->data;
		if (frame_len > PMTU_ERR_LEN &&
		    bpf_xdp_adjust_tail(xdp, PMTU_ERR_LEN - (int)frame_len))
			goto bad;
		data = (void *)(long)xdp->data;
		data_end = (void *)(long)xdp->data_end;
	}
	if (data + PMTU_ERR_LEN > data_end)
		goto bad;
	eth = data;
	eh = data + 14;
	ih = data + 14 + 20;
	__builtin_memcpy(eth->h_dest, dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, smac, ETH_ALEN);
	eth->h_proto = bpf_htons(ETH_P_IP);
	*(__u8 *)eh = 0x45;
	eh->tos = 0xc0;			/* internetwork control, as Linux */
	eh->tot_len = bpf_htons(PMTU_ERR_GROW + PMTU_QUOTE);
	eh->id = 0;
	eh->frag_off = 0;
	eh->ttl = 64;
	eh->protocol = IPPROTO_ICMP;
	eh->check = 0;
	eh->saddr = vip;
	eh->daddr = client;
	eh->check = pmtu_csum(eh, 20);
	ih->type = ICMP_DEST_UNREACH;
	ih->code = ICMP_FRAG_NEEDED;
	ih->checksum = 0;
	ih->un.frag.__unused = 0;
	ih->un.frag.mtu = bpf_htons(mtu);
	ih->checksum = pmtu_csum(ih, 8 + PMTU_QUOTE);

	res->reason = XD_TX_FRAG_NEEDED;
	res->ifindex = in_ifindex;
	return XD_ACT_REDIRECT;
bad:
	res->reason = XD_DROP_FRAG_NEEDED;
	return XD_ACT_DROP;
}

/*
 * The fib said the packet does not fit the egress MTU (mtu). Decides
 * before any rewrite (NAT_DST only: the packet is still client -> VIP).
 * A return of -1 tells the caller to rewrite the packet and pass it to
 * the kernel to fragment; anything else is the xd_action to take.
 */
static __always_inline int pmtu_too_big(void *ctx, const int tc, struct pkt *p,
					int to_real, __u16 mtu,
					__u32 in_ifindex, __u64 now,
					struct nat_result *res)
{
	struct iphdr *iph = p->iph;

	if ((void *)(iph + 1) > p->data_end)
		goto drop;
	if (!to_real)
		goto drop;
	if (!(iph->frag_off & bpf_htons(IP_DF)))
		return -1;
	/* The quote is 20 + 20 bytes: a header with options is not quoted
	 * whole (rare: dropped), and so is a packet shorter than that. */
	if (iph->ihl != 5 || bpf_ntohs(iph->tot_len) < PMTU_QUOTE || !mtu)
		goto drop;
	if (pmtu_ratelimit(now)) {
		res->reason = XD_DROP_FRAG_NEEDED_LIMIT;
		return XD_ACT_DROP;
	}
	return pmtu_send_frag_needed(ctx, tc, p, mtu, in_ifindex, res);
drop:
	res->reason = XD_DROP_FRAG_NEEDED;
	return XD_ACT_DROP;
}

#endif
