// SPDX-License-Identifier: GPL-2.0
/* PKTGEN: frames from a description, and full checksum recomputation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/if_ether.h>

#include "pktgen.h"

uint32_t csum_add_bytes(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	/* Big-endian 16-bit words, as RFC 1071 defines them. */
	for (size_t i = 0; i + 1 < len; i += 2) {
		sum += (uint32_t)p[i] << 8 | p[i + 1];
		sum = (sum & 0xffff) + (sum >> 16);
	}
	if (len & 1) {
		sum += (uint32_t)p[len - 1] << 8;
		sum = (sum & 0xffff) + (sum >> 16);
	}
	return sum;
}

uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

/* Sum of the IPv4 pseudo-header for an L4 segment of l4len bytes. */
static uint32_t pseudo_sum(const uint8_t *iph, uint8_t proto, size_t l4len)
{
	uint8_t ph[12];

	memcpy(ph, iph + 12, 8);	/* saddr, daddr as on the wire */
	ph[8] = 0;
	ph[9] = proto;
	put16(ph + 10, (uint16_t)l4len);
	return csum_add_bytes(0, ph, sizeof(ph));
}

size_t pkt_build(const struct pkt_spec *s, uint8_t *buf)
{
	size_t ihl = 20 + s->ip_opts_len, l4len, off;
	uint8_t *ip, *l4;
	uint32_t sum;

	memset(buf, 0, PKT_MAX);
	memcpy(buf, s->dmac, 6);
	memcpy(buf + 6, s->smac, 6);
	put16(buf + 12, s->ethertype);
	if (s->ethertype != ETH_P_IP) {
		if (14 + s->payload_len > PKT_MAX)
			abort();
		if (s->payload_len)
			memcpy(buf + 14, s->payload, s->payload_len);
		return 14 + s->payload_len;
	}

	ip = buf + 14;
	l4 = ip + ihl;
	switch (s->proto) {
	case IPPROTO_TCP:
		l4len = 20;
		break;
	case IPPROTO_UDP:
	case IPPROTO_ICMP:
		l4len = 8;
		break;
	default:
		l4len = 0;
	}
	if (14 + ihl + l4len + s->payload_len > PKT_MAX)
		abort();
	/* memcpy's pointers must be valid even for 0 bytes */
	if (s->payload_len)
		memcpy(l4 + l4len, s->payload, s->payload_len);
	l4len += s->payload_len;

	ip[0] = 0x40 | (ihl / 4);
	ip[1] = s->tos;
	put16(ip + 2, (uint16_t)(ihl + l4len));
	put16(ip + 4, s->ip_id);
	put16(ip + 6, s->frag);
	ip[8] = s->ttl;
	ip[9] = s->proto;
	memcpy(ip + 12, &s->saddr, 4);
	memcpy(ip + 16, &s->daddr, 4);
	if (s->ip_opts_len)
		memcpy(ip + 20, s->ip_opts, s->ip_opts_len);
	put16(ip + 10, (uint16_t)~csum_fold(csum_add_bytes(0, ip, ihl)));

	switch (s->proto) {
	case IPPROTO_TCP:
		put16(l4, s->sport);
		put16(l4 + 2, s->dport);
		put32(l4 + 4, s->seq);
		put32(l4 + 8, s->ack_seq);
		l4[12] = 5 << 4;
		l4[13] = s->tcp_flags;
		put16(l4 + 14, 64240);
		sum = pseudo_sum(ip, s->proto, l4len);
		put16(l4 + 16, (uint16_t)~csum_fold(csum_add_bytes(sum, l4, l4len)));
		break;
	case IPPROTO_UDP:
		put16(l4, s->sport);
		put16(l4 + 2, s->dport);
		put16(l4 + 4, (uint16_t)l4len);
		if (!s->udp_no_csum) {
			uint16_t c;

			sum = pseudo_sum(ip, s->proto, l4len);
			c = ~csum_fold(csum_add_bytes(sum, l4, l4len));
			/* 0 means "no checksum" in UDP: send all ones. */
			put16(l4 + 6, c ? c : 0xffff);
		}
		break;
	case IPPROTO_ICMP:
		l4[0] = s->icmp_type;
		put16(l4 + 4, 0x4242);	/* id */
		put16(l4 + 6, 1);	/* seq */
		put16(l4 + 2, (uint16_t)~csum_fold(csum_add_bytes(0, l4, l4len)));
		break;
	}
	off = 14 + ihl + l4len;
	return off;
}

void pkt_fix_ip_csum(uint8_t *frame)
{
	uint8_t *ip = frame + 14;
	size_t ihl = (ip[0] & 0x0f) * 4;

	put16(ip + 10, 0);
	put16(ip + 10, (uint16_t)~csum_fold(csum_add_bytes(0, ip, ihl)));
}

void pkt_fix_l4_csum(uint8_t *frame)
{
	uint8_t *ip = frame + 14, *l4;
	size_t ihl = (ip[0] & 0x0f) * 4;
	size_t l4len = ((size_t)ip[2] << 8 | ip[3]) - ihl;
	uint8_t *check;
	uint16_t c;

	l4 = ip + ihl;
	check = ip[9] == IPPROTO_TCP ? l4 + 16 : l4 + 6;
	put16(check, 0);
	c = ~csum_fold(csum_add_bytes(pseudo_sum(ip, ip[9], l4len), l4, l4len));
	put16(check, ip[9] == IPPROTO_UDP && !c ? 0xffff : c);
}

void pkt_set_tot_len(uint8_t *frame, uint16_t tot_len)
{
	put16(frame + 16, tot_len);
	pkt_fix_ip_csum(frame);
}

int pkt_check_csums(const uint8_t *pkt, size_t len, char *why, size_t whylen)
{
	const uint8_t *ip = pkt + 14, *l4;
	size_t ihl, tot, l4len;
	uint32_t sum;

	if (len < 14 + 20 || pkt[12] != 0x08 || pkt[13] != 0x00) {
		snprintf(why, whylen, "not an Ethernet/IPv4 frame");
		return -1;
	}
	ihl = (ip[0] & 0x0f) * 4;
	tot = (size_t)ip[2] << 8 | ip[3];
	if (ihl < 20 || tot < ihl || 14 + tot > len) {
		snprintf(why, whylen, "bad IPv4 lengths ihl=%zu tot_len=%zu", ihl,
			 tot);
		return -1;
	}
	if (csum_fold(csum_add_bytes(0, ip, ihl)) != 0xffff) {
		snprintf(why, whylen, "IPv4 header checksum 0x%02x%02x is wrong",
			 ip[10], ip[11]);
		return -1;
	}
	l4 = ip + ihl;
	l4len = tot - ihl;
	switch (ip[9]) {
	case IPPROTO_TCP:
		if (l4len < 20)
			break;
		sum = pseudo_sum(ip, IPPROTO_TCP, l4len);
		if (csum_fold(csum_add_bytes(sum, l4, l4len)) != 0xffff) {
			snprintf(why, whylen, "TCP checksum 0x%02x%02x is wrong",
				 l4[16], l4[17]);
			return -1;
		}
		break;
	case IPPROTO_UDP:
		if (l4len < 8 || (l4[6] == 0 && l4[7] == 0))
			break;
		sum = pseudo_sum(ip, IPPROTO_UDP, l4len);
		if (csum_fold(csum_add_bytes(sum, l4, l4len)) != 0xffff) {
			snprintf(why, whylen, "UDP checksum 0x%02x%02x is wrong",
				 l4[6], l4[7]);
			return -1;
		}
		break;
	}
	return 0;
}

uint32_t ip4(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1) {
		fprintf(stderr, "bad IPv4 literal in a test: %s\n", s);
		abort();
	}
	return a.s_addr;
}
