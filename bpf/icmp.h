/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ICMP errors about NAT flows: "destination unreachable" (fragmentation
 * needed included) and "time exceeded" quote the head of the packet that
 * caused them. For a NAT flow that quote names the other side's view of
 * it, so the error must be rewritten as the flow is, or its receiver finds
 * no socket for it (and a client would see the real's private address):
 *
 *   to the client  quote client -> real:rport becomes client -> VIP:vport,
 *                  and the error comes from the VIP (as IPVS does);
 *   to the real    quote VIP:vport -> client becomes real:rport -> client,
 *                  and the error is sent to the real.
 *
 * Every field changed sits at an even offset of the ICMP message, so the
 * ICMP checksum (over the whole quote) is updated word by word, like the
 * quoted IP and L4 checksums. Each checksum changes by the opposite of
 * what its covered words changed by, so the sum of the whole message and
 * of the outer header stays what it was: a CHECKSUM_COMPLETE skb stays
 * right, and plain writes serve TC as they do XDP.
 *
 * The director's lookups (which connection a quote names) are in
 * director.bpf.c; this file parses the quote, rewrites it and routes it.
 */
#ifndef XD_BPF_ICMP_H
#define XD_BPF_ICMP_H

#include <linux/bpf.h>
#include <linux/icmp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "parse.h"
#include "csum.h"
#include "nat.h"

/* The most a quote needs in the linear part of an skb: outer Ethernet,
 * IPv4 with options, ICMP header, quoted IPv4 with options, and the
 * quoted TCP header as far as its checksum. */
#define ICMP_LINEAR_NEED	(14 + 60 + 8 + 60 + 18)

/* The quoted packet of an ICMP error, as it was sent. */
struct icmp_quote {
	struct iphdr *iph;	/* bounds-checked: the whole base header */
	void *l4;		/* bounds-checked: 8 bytes */
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 l4_csum_quoted;	/* TCP: the checksum is within the quote */
};

/* The error types that quote a packet and that we translate. */
static __always_inline int icmp_is_error(__u8 type)
{
	return type == ICMP_DEST_UNREACH || type == ICMP_TIME_EXCEEDED;
}

/*
 * Finds the quoted TCP or UDP header of an ICMP error. 0, or -1 when the
 * packet quotes nothing we could translate (a non-first fragment, another
 * protocol, a quote too short for the ports).
 */
static __always_inline int icmp_parse_quote(const struct pkt *p,
					    struct icmp_quote *q)
{
	struct icmphdr *ih = p->l4;
	struct iphdr *in;
	__u32 ihl;

	if ((void *)(ih + 1) > p->data_end || !icmp_is_error(ih->type))
		return -1;
	in = (void *)(ih + 1);
	if ((void *)(in + 1) > p->data_end)
		return -1;
	if (in->version != 4 || in->ihl < 5 ||
	    (in->frag_off & bpf_htons(IP_OFFSET)))
		return -1;
	if (in->protocol != IPPROTO_TCP && in->protocol != IPPROTO_UDP)
		return -1;
	ihl = (in->ihl * 4) & 0x3c;
	q->l4 = (void *)in + ihl;
	if (q->l4 + 8 > p->data_end)
		return -1;
	q->iph = in;
	q->saddr = in->saddr;
	q->daddr = in->daddr;
	q->sport = ((__be16 *)q->l4)[0];
	q->dport = ((__be16 *)q->l4)[1];
	q->proto = in->protocol;
	q->l4_csum_quoted = in->protocol == IPPROTO_UDP ||
			    q->l4 + sizeof(struct tcphdr) <= p->data_end;
	return 0;
}

enum icmp_dir {
	ICMP_TO_CLIENT,	/* quote's destination real:rport -> VIP:vport */
	ICMP_TO_REAL,	/* quote's source VIP:vport -> real:rport */
};

/*
 * Rewrites the quote and the outer address: to the client, the quoted
 * destination becomes addr:port and the error's source addr; to the real,
 * the quoted source becomes addr:port and the error's destination addr.
 * The outer TTL is left alone (the router's part). -1 if the packet
 * moved under us (it cannot: every pointer was checked by the parse).
 */
static __always_inline int icmp_rewrite(struct pkt *p, struct icmp_quote *q,
					enum icmp_dir dir, __be32 addr,
					__be16 port, int dec_ttl)
{
	struct icmphdr *ih = p->l4;
	struct iphdr *in = q->iph;
	__be32 old_addr;
	__be16 old_port, old_in_check, *pp, *l4check = NULL;
	__u16 old_l4check = 0;
	__u32 sum, isum;

	if ((void *)(ih + 1) > p->data_end || (void *)(in + 1) > p->data_end ||
	    q->l4 + 8 > p->data_end)
		return -1;

	/* The quoted IPv4 header. */
	old_in_check = in->check;
	if (dir == ICMP_TO_CLIENT) {
		old_addr = in->daddr;
		in->daddr = addr;
		pp = &((__be16 *)q->l4)[1];
	} else {
		old_addr = in->saddr;
		in->saddr = addr;
		pp = &((__be16 *)q->l4)[0];
	}
	sum = csum_begin(in->check);
	sum = csum_sub_add32(sum, old_addr, addr);
	in->check = csum_end(sum);

	/* The quoted port, and its checksum if the quote holds it (a UDP
	 * one of 0 means none and stays 0). */
	old_port = *pp;
	*pp = port;
	if (q->proto == IPPROTO_UDP) {
		l4check = &((__be16 *)q->l4)[3];
		if (*l4check == 0)
			l4check = NULL;
	} else if (q->l4_csum_quoted) {
		struct tcphdr *th = q->l4;

		if ((void *)(th + 1) > p->data_end)
			return -1;
		l4check = &th->check;
	}
	if (l4check) {
		old_l4check = *l4check;
		sum = csum_begin(*l4check);
		sum = csum_sub_add32(sum, old_addr, addr);
		sum = csum_sub_add16(sum, old_port, port);
		*l4check = csum_end(sum);
		if (q->proto == IPPROTO_UDP && *l4check == 0)
			*l4check = 0xffff;
	}

	/* The ICMP checksum covers all of the above. */
	isum = csum_begin(ih->checksum);
	isum = csum_sub_add32(isum, old_addr, addr);
	isum = csum_sub_add16(isum, old_in_check, in->check);
	isum = csum_sub_add16(isum, old_port, port);
	if (l4check)
		isum = csum_sub_add16(isum, old_l4check, *l4check);
	ih->checksum = csum_end(isum);

	/* The error itself: from the VIP, or to the real. */
	nat_rewrite_ip(p->iph, dir == ICMP_TO_CLIENT ? NAT_SRC : NAT_DST, addr,
		       dec_ttl);
	return 0;
}

/*
 * Routes the error to the flow's other end, rewrites it (icmp_rewrite)
 * and sets the MACs. An unroutable error is dropped untouched. Without a
 * neighbour entry XDP hands an error for the real to the kernel's
 * forwarding (which resolves it); one from the VIP cannot take that way
 * (our own source address is refused as martian) and is dropped.
 */
static __always_inline int icmp_forward(void *ctx, const int tc, struct pkt *p,
					struct icmp_quote *q, enum icmp_dir dir,
					__be32 addr, __be16 port,
					__u32 in_ifindex, struct nat_result *res)
{
	struct bpf_fib_lookup fib = {};
	struct iphdr *iph = p->iph;
	struct ethhdr *eth = p->data;
	int rc, fwd_reason;

	fwd_reason = dir == ICMP_TO_CLIENT ? XD_FWD_ICMP_TO_CLIENT :
					     XD_FWD_ICMP_TO_REAL;
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
	fib.l4_protocol = IPPROTO_ICMP;
	fib.tot_len = tc ? 0 : bpf_ntohs(iph->tot_len);
	fib.ipv4_src = dir == ICMP_TO_CLIENT ? addr : iph->saddr;
	fib.ipv4_dst = dir == ICMP_TO_REAL ? addr : iph->daddr;
	fib.ifindex = in_ifindex;
	rc = bpf_fib_lookup(ctx, &fib, sizeof(fib), 0);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS && rc != BPF_FIB_LKUP_RET_NO_NEIGH) {
		res->reason = XD_DROP_FIB;
		return XD_ACT_DROP;
	}
	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH && !tc && dir == ICMP_TO_CLIENT) {
		res->reason = XD_DROP_NO_NEIGH;
		return XD_ACT_DROP;
	}
	if (icmp_rewrite(p, q, dir, addr, port,
			 tc || rc != BPF_FIB_LKUP_RET_NO_NEIGH)) {
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
	if ((void *)(eth + 1) > p->data_end) {
		res->reason = XD_DROP_TRUNCATED;
		return XD_ACT_DROP;
	}
	__builtin_memcpy(eth->h_dest, fib.dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, fib.smac, ETH_ALEN);
	res->reason = fwd_reason;
	if (!tc && fib.ifindex == in_ifindex)
		return XD_ACT_TX;
	return XD_ACT_REDIRECT;
}

/*
 * TC: the quote must be in the linear part to be read and written.
 * Pulls it in if it is not, and parses again (the pull moves the data).
 * 0, or -1 if the packet no longer parses.
 */
static __always_inline int icmp_pull(void *ctx, const int tc, struct pkt *p)
{
	struct __sk_buff *skb = ctx;
	__u32 need;

	if (!tc || p->data + ICMP_LINEAR_NEED <= p->data_end ||
	    p->data_end - p->data >= skb->len)
		return 0;
	need = skb->len < ICMP_LINEAR_NEED ? skb->len : ICMP_LINEAR_NEED;
	if (bpf_skb_pull_data(skb, need))
		return -1;
	p->data = (void *)(long)skb->data;
	p->data_end = (void *)(long)skb->data_end;
	return parse_packet(p) == PARSE_OK && p->proto == IPPROTO_ICMP ? 0 : -1;
}

#endif
