// SPDX-License-Identifier: GPL-2.0
/*
 * Packets that are not ours, or not well-formed, arriving on the external
 * side where VIP:80/tcp (rr, REAL1:8080) is configured. What is not ours
 * or what the kernel should judge goes to the stack untouched (PASS); what
 * is addressed to a VIP but cannot be load-balanced is dropped. Each case
 * checks the verdict, the reason counted, and that the frame is unchanged.
 */
#include <linux/if_ether.h>

#include "harness.h"

static void vip80_rr(struct tcase *t)
{
	struct lb_real reals[] = { REAL(REAL1, 8080, 1) };

	case_apply_tcp80(t, "rr", reals, 1);
}

/* Runs frame[0..len) on the external side; expects it back unchanged. */
static void expect_untouched(struct tcase *t, const uint8_t *frame, size_t len,
			     enum verdict v, int reason)
{
	struct run r;

	run_pkt(t, SIDE_EXT, 0, frame, len, &r);
	expect_result_bytes(t, &r, v, reason, frame, len);
	assert_int_equal(conn_count(t), 0);
}

static void expect_spec_untouched(struct tcase *t, const struct pkt_spec *s,
				  enum verdict v, int reason)
{
	uint8_t buf[PKT_MAX];
	size_t len = pkt_build(s, buf);

	expect_untouched(t, buf, len, v, reason);
}

/* CLIENT -> 192.168.10.2:80 (the director's own address, not a VIP):
 * PASS, not ours. */
static void not_ours_other_dst(void **state)
{
	struct tcase *t = *state;
	struct pkt_spec s = tcp_to_vip(CLIENT, 40000, 80, F_SYN);

	vip80_rr(t);
	s.daddr = ip4("192.168.10.2");
	expect_spec_untouched(t, &s, V_PASS, XD_PASS_NOT_OURS);
}

/* CLIENT -> VIP:443, a port without a service: PASS, not ours. */
static void not_ours_other_port(void **state)
{
	struct tcase *t = *state;
	struct pkt_spec s = tcp_to_vip(CLIENT, 40000, 443, F_SYN);

	vip80_rr(t);
	expect_spec_untouched(t, &s, V_PASS, XD_PASS_NOT_OURS);
}

/* CLIENT -> VIP:80 over UDP, while the service is TCP: not ours. */
static void not_ours_other_proto(void **state)
{
	struct tcase *t = *state;
	struct pkt_spec s = udp_to_vip(CLIENT, 40000, 80);

	vip80_rr(t);
	expect_spec_untouched(t, &s, V_PASS, XD_PASS_NOT_OURS);
}

/* GRE (proto 47) to the VIP: neither TCP, UDP nor ICMP -> PASS. */
static void not_ours_gre_to_vip(void **state)
{
	struct tcase *t = *state;
	static const uint8_t gre[8] = { 0, 0, 0x08, 0x00, 1, 2, 3, 4 };
	struct pkt_spec s = tcp_to_vip(CLIENT, 0, 0, 0);

	vip80_rr(t);
	s.proto = 47;
	s.payload = gre;
	s.payload_len = sizeof(gre);
	expect_spec_untouched(t, &s, V_PASS, XD_PASS_NOT_OURS);
}

/* ARP who-has VIP from CLIENT: not IPv4 -> PASS. */
static void not_ip_arp(void **state)
{
	struct tcase *t = *state;
	uint8_t arp[28] = {
		0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01,	/* request */
		0x02, 0x00, 0x00, 0x00, 0xc1, 0x10,		/* sha */
		192, 168, 10, 10,				/* spa */
		0, 0, 0, 0, 0, 0,				/* tha */
		192, 168, 10, 100,				/* tpa: VIP */
	};
	struct pkt_spec s = tcp_to_vip(CLIENT, 0, 0, 0);

	vip80_rr(t);
	s.ethertype = ETH_P_ARP;
	memset(s.dmac, 0xff, 6);
	s.payload = arp;
	s.payload_len = sizeof(arp);
	expect_spec_untouched(t, &s, V_PASS, XD_PASS_NOT_IP);
}

/* IPv6 TCP SYN: not IPv4 -> PASS. */
static void not_ip_ipv6(void **state)
{
	struct tcase *t = *state;
	uint8_t v6[60] = {
		0x60, 0, 0, 0, 0, 20, 6, 64,		/* len 20, TCP, hop 64 */
		0x20, 0x01, 0x0d, 0xb8, [23] = 0x10,	/* 2001:db8::10 */
		0x20, 0x01, 0x0d, 0xb8, [39] = 0x64,	/* 2001:db8::64 */
		0x9c, 0x40, 0x00, 0x50,			/* 40000 -> 80 */
		[52] = 0x50, 0x02,			/* doff 5, SYN */
	};
	struct pkt_spec s = tcp_to_vip(CLIENT, 0, 0, 0);

	vip80_rr(t);
	s.ethertype = ETH_P_IPV6;
	s.payload = v6;
	s.payload_len = sizeof(v6);
	expect_spec_untouched(t, &s, V_PASS, XD_PASS_NOT_IP);
}

/* ICMP echo request CLIENT -> VIP: the kernel answers it -> PASS. */
static void icmp_echo_to_vip(void **state)
{
	struct tcase *t = *state;
	static const char data[] = "abcdefghijklmnop";
	struct pkt_spec s = tcp_to_vip(CLIENT, 0, 0, 0);

	vip80_rr(t);
	s.proto = IPPROTO_ICMP;
	s.icmp_type = 8;
	s.payload = data;
	s.payload_len = sizeof(data) - 1;
	expect_spec_untouched(t, &s, V_PASS, XD_PASS_ICMP);
}

/*
 * A frame that ends with its Ethernet header (type IPv4): PASS, malformed.
 * XDP only, as the next case: for skbs, BPF_PROG_TEST_RUN refuses an IPv4
 * frame without a whole IPv4 header. Neither accepts frames shorter than
 * 14 bytes (XDP not even behind metadata), so "cut inside the Ethernet
 * header" cannot be run at all.
 */
static void truncated_after_ethernet(void **state)
{
	struct tcase *t = *state;
	struct pkt_spec s = tcp_to_vip(CLIENT, 40000, 80, F_SYN);
	uint8_t buf[PKT_MAX];

	vip80_rr(t);
	pkt_build(&s, buf);
	expect_untouched(t, buf, 14, V_PASS, XD_PASS_MALFORMED_IP);
}

/* Ethernet header saying IPv4, then 10 bytes of an IPv4 header (to the
 * VIP, but the address is not there to read): PASS, malformed. */
static void truncated_at_ip_header(void **state)
{
	struct tcase *t = *state;
	struct pkt_spec s = tcp_to_vip(CLIENT, 40000, 80, F_SYN);
	uint8_t buf[PKT_MAX];

	vip80_rr(t);
	pkt_build(&s, buf);
	expect_untouched(t, buf, 14 + 10, V_PASS, XD_PASS_MALFORMED_IP);
}

/* SYN to VIP:80 whose TCP header stops after 10 bytes (the IPv4 length
 * says so too): ours, but unusable -> DROP, truncated. */
static void truncated_at_tcp_header(void **state)
{
	struct tcase *t = *state;
	struct pkt_spec s = tcp_to_vip(CLIENT, 40000, 80, F_SYN);
	uint8_t buf[PKT_MAX];

	vip80_rr(t);
	pkt_build(&s, buf);
	pkt_set_tot_len(buf, 20 + 10);
	expect_untouched(t, buf, 14 + 20 + 10, V_DROP, XD_DROP_TRUNCATED);
}

/* The same cut-short TCP header to a non-VIP address: not ours -> PASS. */
static void truncated_tcp_header_not_vip(void **state)
{
	struct tcase *t = *state;
	struct pkt_spec s = tcp_to_vip(CLIENT, 40000, 80, F_SYN);
	uint8_t buf[PKT_MAX];

	vip80_rr(t);
	s.daddr = ip4("192.168.10.2");
	pkt_build(&s, buf);
	pkt_set_tot_len(buf, 20 + 10);
	expect_untouched(t, buf, 14 + 20 + 10, V_PASS, XD_PASS_NOT_OURS);
}

/* UDP to a VIP with 4 bytes of UDP header: DROP, truncated. */
static void truncated_at_udp_header(void **state)
{
	struct tcase *t = *state;
	struct pkt_spec s = udp_to_vip(CLIENT, 40000, 80);
	uint8_t buf[PKT_MAX];

	vip80_rr(t);
	pkt_build(&s, buf);
	pkt_set_tot_len(buf, 20 + 4);
	expect_untouched(t, buf, 14 + 20 + 4, V_DROP, XD_DROP_TRUNCATED);
}

/* SYN to VIP:80 with TCP data offset 4 (< 5 words): DROP, truncated. */
static void tcp_doff_below_5(void **state)
{
	struct tcase *t = *state;
	struct pkt_spec s = tcp_to_vip(CLIENT, 40000, 80, F_SYN);
	uint8_t buf[PKT_MAX];
	size_t len;

	vip80_rr(t);
	len = pkt_build(&s, buf);
	buf[14 + 20 + 12] = 4 << 4;
	pkt_fix_l4_csum(buf);
	expect_untouched(t, buf, len, V_DROP, XD_DROP_TRUNCATED);
}

/* SYN to VIP:80 with IHL 4: the kernel judges it -> PASS, malformed. */
static void ihl_below_5(void **state)
{
	struct tcase *t = *state;
	struct pkt_spec s = tcp_to_vip(CLIENT, 40000, 80, F_SYN);
	uint8_t buf[PKT_MAX];
	size_t len;

	vip80_rr(t);
	len = pkt_build(&s, buf);
	buf[14] = 0x44;
	expect_untouched(t, buf, len, V_PASS, XD_PASS_MALFORMED_IP);
}

/* SYN to VIP:80 claiming version 6 in an IPv4 frame: PASS, malformed. */
static void ip_version_not_4(void **state)
{
	struct tcase *t = *state;
	struct pkt_spec s = tcp_to_vip(CLIENT, 40000, 80, F_SYN);
	uint8_t buf[PKT_MAX];
	size_t len;

	vip80_rr(t);
	len = pkt_build(&s, buf);
	buf[14] = 0x65;
	pkt_fix_ip_csum(buf);
	expect_untouched(t, buf, len, V_PASS, XD_PASS_MALFORMED_IP);
}

/* SYN to VIP:80 whose IPv4 total length (100) runs past the 54-byte
 * frame: PASS, malformed. */
static void tot_len_beyond_frame(void **state)
{
	struct tcase *t = *state;
	struct pkt_spec s = tcp_to_vip(CLIENT, 40000, 80, F_SYN);
	uint8_t buf[PKT_MAX];
	size_t len;

	vip80_rr(t);
	len = pkt_build(&s, buf);
	pkt_set_tot_len(buf, 100);
	expect_untouched(t, buf, len, V_PASS, XD_PASS_MALFORMED_IP);
}

/* SYN to VIP:80 with IPv4 total length shorter than the header: PASS. */
static void tot_len_below_ihl(void **state)
{
	struct tcase *t = *state;
	struct pkt_spec s = tcp_to_vip(CLIENT, 40000, 80, F_SYN);
	uint8_t buf[PKT_MAX];
	size_t len;

	vip80_rr(t);
	len = pkt_build(&s, buf);
	pkt_set_tot_len(buf, 16);
	expect_untouched(t, buf, len, V_PASS, XD_PASS_MALFORMED_IP);
}

/* First fragment (MF set, offset 0) of a TCP segment to VIP:80: we do not
 * reassemble -> DROP, fragment. */
static void fragment_first_to_vip(void **state)
{
	struct tcase *t = *state;
	static const uint8_t data[32] = { 1 };
	struct pkt_spec s = tcp_to_vip(CLIENT, 40000, 80, F_ACK);

	vip80_rr(t);
	s.frag = 0x2000;
	s.payload = data;
	s.payload_len = sizeof(data);
	expect_spec_untouched(t, &s, V_DROP, XD_DROP_FRAGMENT);
}

/* A later fragment (offset 185*8, MF clear) of a TCP segment to the VIP:
 * no TCP header in it, just data -> DROP, fragment. */
static void fragment_later_to_vip(void **state)
{
	struct tcase *t = *state;
	static const uint8_t data[40] = { 7, 7, 7 };
	struct pkt_spec s = tcp_to_vip(CLIENT, 0, 0, 0);
	uint8_t buf[PKT_MAX];
	size_t len;

	vip80_rr(t);
	s.proto = 253;		/* pkt_build: opaque payload after IPv4 */
	s.frag = 185;
	s.payload = data;
	s.payload_len = sizeof(data);
	len = pkt_build(&s, buf);
	buf[14 + 9] = IPPROTO_TCP;
	pkt_fix_ip_csum(buf);
	expect_untouched(t, buf, len, V_DROP, XD_DROP_FRAGMENT);
}

/* A fragment to the director's own address: not ours -> PASS. */
static void fragment_not_vip(void **state)
{
	struct tcase *t = *state;
	static const uint8_t data[32] = { 1 };
	struct pkt_spec s = tcp_to_vip(CLIENT, 40000, 80, F_ACK);

	vip80_rr(t);
	s.daddr = ip4("192.168.10.2");
	s.frag = 0x2000;
	s.payload = data;
	s.payload_len = sizeof(data);
	expect_spec_untouched(t, &s, V_PASS, XD_PASS_NOT_OURS);
}

static const uint8_t other_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x99, 0x99 };

/*
 * A SYN to VIP:80 in a frame for another host's MAC (a switch flooded it:
 * its MAC table entry aged out). It is the other director's to handle: a
 * standby must not NAT it -> PASS (other host), untouched, no state.
 * TC knows from skb->pkt_type; XDP compares with the MAC that attaching
 * records in if_macs (case_apply records it, as attaching would).
 */
static void frame_for_other_mac_passes(void **state)
{
	struct tcase *t = *state;
	struct pkt_spec s = tcp_to_vip(CLIENT, 40000, 80, F_SYN);

	vip80_rr(t);
	memcpy(s.dmac, other_mac, 6);
	expect_spec_untouched(t, &s, V_PASS, XD_PASS_OTHERHOST);
	/* Addressed to us, the same SYN is NATed. */
	{
		struct pkt_spec ours = tcp_to_vip(CLIENT, 40000, 80, F_SYN);
		struct pkt_spec exp = fwd_to_real(&ours, REAL1, 8080);
		struct run r;

		run_spec(t, SIDE_EXT, &ours, &r);
		expect_result(t, &r, V_FWD, XD_FWD_NEW, &exp);
	}
}

/* The same for a real's reply flooded on int0: not ours to un-NAT. */
static void reply_for_other_mac_passes(void **state)
{
	struct tcase *t = *state;
	struct pkt_spec syn = tcp_to_vip(CLIENT, 40000, 80, F_SYN);
	struct pkt_spec s = tcp_from_real(REAL1, 8080, CLIENT, 40000,
					  F_SYN | F_ACK);
	struct run r;

	vip80_rr(t);
	run_spec(t, SIDE_EXT, &syn, &r);
	expect_reason(&r, XD_FWD_NEW);
	memcpy(s.dmac, other_mac, 6);
	run_spec(t, SIDE_INT, &s, &r);
	expect_result(t, &r, V_PASS, XD_PASS_OTHERHOST, &s);
}

const struct CMUnitTest parse_cases[] = {
	DP_CASES(not_ours_other_dst),
	DP_CASES(not_ours_other_port),
	DP_CASES(not_ours_other_proto),
	DP_CASES(not_ours_gre_to_vip),
	DP_CASES(not_ip_arp),
	DP_CASES(not_ip_ipv6),
	DP_CASES(icmp_echo_to_vip),
	XDP_CASE(truncated_after_ethernet),
	XDP_CASE(truncated_at_ip_header),
	DP_CASES(truncated_at_tcp_header),
	DP_CASES(truncated_tcp_header_not_vip),
	DP_CASES(truncated_at_udp_header),
	DP_CASES(tcp_doff_below_5),
	DP_CASES(ihl_below_5),
	DP_CASES(ip_version_not_4),
	DP_CASES(tot_len_beyond_frame),
	DP_CASES(tot_len_below_ihl),
	DP_CASES(fragment_first_to_vip),
	DP_CASES(fragment_later_to_vip),
	DP_CASES(fragment_not_vip),
	DP_CASES(frame_for_other_mac_passes),
	DP_CASES(reply_for_other_mac_passes),
};
const size_t parse_cases_n = sizeof(parse_cases) / sizeof(parse_cases[0]);
