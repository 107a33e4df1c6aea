/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Header parsing with a bounds check at every step. The result says where
 * each header starts; the caller decides what the packet is.
 */
#ifndef XD_BPF_PARSE_H
#define XD_BPF_PARSE_H

#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/icmp.h>
#include <linux/in.h>
#include <bpf/bpf_endian.h>

#define IP_MF		0x2000
#define IP_OFFSET	0x1fff

struct pkt {
	void *data;
	void *data_end;
	struct ethhdr *eth;
	struct iphdr *iph;
	void *l4;		/* TCP/UDP/ICMP header, bounds-checked */
	__u32 len;		/* frame length, linear or not */
	__u16 l3_off;
	__u16 l4_off;
	__u8 proto;
	__u8 is_frag;
	__be16 sport;		/* TCP/UDP only */
	__be16 dport;
	__u8 tcp_flags;		/* TCP only: the flags byte */
};

#define TCPF_FIN	0x01
#define TCPF_SYN	0x02
#define TCPF_RST	0x04
#define TCPF_ACK	0x10

enum parse_result {
	PARSE_OK = 0,		/* IPv4 with a complete L4 header */
	PARSE_NOT_IPV4,		/* hand to the kernel */
	PARSE_BAD_IP,		/* malformed IPv4 header: the kernel judges */
	PARSE_FRAGMENT,		/* IPv4 fragment (ports may be unknown) */
	PARSE_L4_TRUNCATED,	/* IPv4 fine, L4 header cut short */
	PARSE_OTHER_L4,		/* neither TCP, UDP nor ICMP */
};

static __always_inline int parse_packet(struct pkt *p)
{
	struct ethhdr *eth = p->data;
	struct iphdr *iph;
	__u32 ihl_len, tot_len;

	if ((void *)(eth + 1) > p->data_end)
		return PARSE_NOT_IPV4;
	p->eth = eth;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return PARSE_NOT_IPV4;

	iph = (void *)(eth + 1);
	if ((void *)(iph + 1) > p->data_end)
		return PARSE_BAD_IP;
	p->iph = iph;
	p->l3_off = sizeof(*eth);
	if (iph->version != 4 || iph->ihl < 5)
		return PARSE_BAD_IP;
	ihl_len = iph->ihl * 4;
	tot_len = bpf_ntohs(iph->tot_len);
	/* p->len is the whole frame: with TC the payload may sit outside
	 * the linear part that data_end bounds. */
	if (tot_len < ihl_len || p->l3_off + tot_len > p->len)
		return PARSE_BAD_IP;
	p->proto = iph->protocol;
	p->l4_off = sizeof(*eth) + ihl_len;
	p->is_frag = (iph->frag_off & bpf_htons(IP_MF | IP_OFFSET)) != 0;

	if (p->is_frag)
		return PARSE_FRAGMENT;

	/* ihl_len is at most 60: the verifier tracks the variable offset. */
	p->l4 = (void *)iph + (ihl_len & 0x3c);
	switch (p->proto) {
	case IPPROTO_TCP: {
		struct tcphdr *th = p->l4;

		if ((void *)(th + 1) > p->data_end || th->doff < 5)
			return PARSE_L4_TRUNCATED;
		p->sport = th->source;
		p->dport = th->dest;
		p->tcp_flags = ((__u8 *)th)[13];
		return PARSE_OK;
	}
	case IPPROTO_UDP: {
		struct udphdr *uh = p->l4;

		if ((void *)(uh + 1) > p->data_end)
			return PARSE_L4_TRUNCATED;
		p->sport = uh->source;
		p->dport = uh->dest;
		return PARSE_OK;
	}
	case IPPROTO_ICMP:
		if (p->l4 + sizeof(struct icmphdr) > p->data_end)
			return PARSE_L4_TRUNCATED;
		return PARSE_OK;
	default:
		return PARSE_OTHER_L4;
	}
}

#endif
