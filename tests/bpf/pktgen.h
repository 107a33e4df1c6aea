/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PKTGEN for the packet tests: builds Ethernet/IPv4/TCP|UDP|ICMP frames
 * from a description, and checks the checksums of a frame by recomputing
 * them in full. Deliberately independent of bpf/csum.h: the datapath's
 * incremental updates are what these tests judge.
 */
#ifndef XD_TEST_PKTGEN_H
#define XD_TEST_PKTGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PKT_MAX		3600	/* a GRO skb of two full segments fits */

/* TCP flag bits of pkt_spec.tcp_flags */
#define F_FIN		0x01
#define F_SYN		0x02
#define F_RST		0x04
#define F_PSH		0x08
#define F_ACK		0x10

struct pkt_spec {
	uint8_t dmac[6], smac[6];
	uint16_t ethertype;		/* host order; ETH_P_IP for IPv4 */
	uint32_t saddr, daddr;		/* network order */
	uint8_t tos, ttl, proto;
	uint16_t ip_id;			/* host order */
	uint16_t frag;			/* flags and offset, host order */
	uint8_t ip_opts[40];		/* appended to the 20-byte header */
	uint8_t ip_opts_len;		/* multiple of 4 */
	uint16_t sport, dport;		/* host order */
	uint32_t seq, ack_seq;
	uint8_t tcp_flags;		/* TH_SYN, TH_ACK, ... */
	bool udp_no_csum;		/* send UDP with checksum 0 */
	uint8_t icmp_type;
	uint8_t icmp_code;
	uint32_t icmp_rest;		/* errors: bytes 4-7 (frag-needed: MTU) */
	const void *payload;
	size_t payload_len;
};

/* One's complement sum of len bytes, folded, not inverted; start with
 * sum = 0 or a previous result. */
uint32_t csum_add_bytes(uint32_t sum, const void *data, size_t len);
uint16_t csum_fold(uint32_t sum);

/* Writes the frame into buf (PKT_MAX bytes); returns its length. */
size_t pkt_build(const struct pkt_spec *s, uint8_t *buf);

/* After mangling a built frame on purpose: set the IPv4 total length
 * and recompute the header checksum, so only the intended flaw remains. */
void pkt_set_tot_len(uint8_t *frame, uint16_t tot_len);
void pkt_fix_ip_csum(uint8_t *frame);
/* Recompute the TCP or UDP checksum of a built frame. */
void pkt_fix_l4_csum(uint8_t *frame);

/*
 * Recomputes the IPv4 header checksum and the TCP/UDP checksum over the
 * pseudo-header of an Ethernet/IPv4 frame. A UDP checksum of 0 means
 * "none" and passes. For ICMP: the ICMP checksum over the whole message,
 * and for an error the quoted IPv4 header's checksum, and the quoted
 * TCP/UDP checksum when the quote holds the whole packet. Returns 0, or
 * -1 with a reason in why.
 */
int pkt_check_csums(const uint8_t *pkt, size_t len, char *why, size_t whylen);

/* "a.b.c.d" to network order; aborts on a typo in a test. */
uint32_t ip4(const char *s);

#endif
