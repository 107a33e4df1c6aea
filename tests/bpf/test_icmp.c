// SPDX-License-Identifier: GPL-2.0
/*
 * ICMP errors about NAT flows (bpf/icmp.h), both ways:
 *
 *   real's side -> client  REAL1 (or a router before it) cannot take the
 *       client's packet client:40000 -> REAL1:8080; its error, arriving on
 *       int0, must leave for the client from the VIP, quoting the packet
 *       as the client sent it (client:40000 -> VIP:80).
 *   client's side -> real  the client (or a router before it) cannot take
 *       the VIP's packet VIP:80 -> client:40000; its error, arriving on
 *       ext0 for the VIP, must go to REAL1, quoting REAL1:8080 ->
 *       client:40000.
 *
 * Every expected frame is built from scratch (pkt_build) and compared
 * whole; pkt_check_csums recomputes the outer IPv4, the ICMP checksum over
 * the whole quote, the quoted IPv4 header's and, where the quote holds the
 * whole packet, the quoted TCP/UDP checksum. Errors quoting no flow of
 * ours go to the kernel untouched.
 */
#include <time.h>
#include <linux/if_ether.h>
#include <bpf/bpf.h>

#include "harness.h"

#define ROUTER_INT	"10.0.0.254"	/* a router between us and the reals */
#define ROUTER_EXT	"192.168.10.1"	/* one on the clients' side */

#define ICMP_UNREACH		3
#define ICMP_TIME_EXCEEDED	11
#define CODE_PORT_UNREACH	3
#define CODE_FRAG_NEEDED	4

struct quote {
	uint8_t bytes[PKT_MAX];
};

/* An ICMP error src -> dst quoting the first n bytes (0: all) of the IPv4
 * packet that s describes; q holds the quote for as long as the spec. */
static struct pkt_spec icmp_error(const char *src, const char *dst,
				  const struct pkt_spec *in_frame,
				  uint8_t type, uint8_t code, uint32_t rest,
				  const struct pkt_spec *quoted, size_t n,
				  struct quote *q)
{
	struct pkt_spec s = *in_frame;
	uint8_t frame[PKT_MAX];
	size_t len = pkt_build(quoted, frame) - 14;

	memset(&s.ip_opts, 0, sizeof(s.ip_opts));
	s.ip_opts_len = 0;
	s.saddr = ip4(src);
	s.daddr = ip4(dst);
	s.proto = IPPROTO_ICMP;
	s.tos = 0xc0;
	s.frag = 0;
	s.ip_id = 0x0badu;
	s.icmp_type = type;
	s.icmp_code = code;
	s.icmp_rest = rest;
	memcpy(q->bytes, frame + 14, len);
	s.payload = q->bytes;
	s.payload_len = n && n < len ? n : len;
	return s;
}

/* The frame an error from the real's side arrives in (on int0), and the
 * one from the client's side (on ext0), before the addresses are set. */
static struct pkt_spec on_int0(void)
{
	return tcp_from_real(REAL1, 8080, CLIENT, 40000, F_ACK);
}

static struct pkt_spec on_ext0(void)
{
	return tcp_to_vip(CLIENT, 40000, 80, F_ACK);
}

/* The error after the director: from the VIP to the client. */
static struct pkt_spec icmp_to_client(const struct pkt_spec *err)
{
	struct pkt_spec s = *err;

	s.saddr = ip4(VIP);
	s.ttl = err->ttl - 1;
	memcpy(s.dmac, mac_client, 6);
	memcpy(s.smac, mac_ext, 6);
	return s;
}

/* The error after the director: to REAL1. */
static struct pkt_spec icmp_to_real1(const struct pkt_spec *err)
{
	struct pkt_spec s = *err;

	s.daddr = ip4(REAL1);
	s.ttl = err->ttl - 1;
	memcpy(s.dmac, neigh_mac(REAL1), 6);
	memcpy(s.smac, mac_int, 6);
	return s;
}

static void rr_to_real1(struct tcase *t)
{
	struct lb_real reals[] = { REAL(REAL1, 8080, 1) };

	case_apply_tcp80(t, "rr", reals, 1);
}

/* The client's SYN scheduled to REAL1, and a data packet of the flow
 * as the client sent it: 1400 bytes of body, DF. */
static struct pkt_spec tcp_flow_to_real1(struct tcase *t)
{
	static uint8_t body[1400];
	struct pkt_spec syn = tcp_to_vip(CLIENT, 40000, 80, F_SYN);
	struct pkt_spec exp = fwd_to_real(&syn, REAL1, 8080);
	struct pkt_spec data = tcp_to_vip(CLIENT, 40000, 80, F_ACK | F_PSH);
	struct run r;

	rr_to_real1(t);
	run_spec(t, SIDE_EXT, &syn, &r);
	expect_result(t, &r, V_FWD, XD_FWD_NEW, &exp);
	for (size_t i = 0; i < sizeof(body); i++)
		body[i] = (uint8_t)(i * 13 + 7);
	data.payload = body;
	data.payload_len = sizeof(body);
	return data;
}

/* REAL1 says "fragmentation needed, MTU 1400" about the client's 1440-byte
 * packet, quoting 576 bytes of it (as Linux does, the TCP checksum
 * within). The client gets it from the VIP:80 flow it knows, MTU kept. */
static void icmp_frag_needed_from_real_to_client(void **state)
{
	struct tcase *t = *state;
	struct pkt_spec data = tcp_flow_to_real1(t);
	struct pkt_spec at_real = fwd_to_real(&data, REAL1, 8080);
	struct pkt_spec as_sent = data, frame = on_int0(), in, exp;
	struct quote q_in, q_exp;
	struct run r;

	in = icmp_error(REAL1, CLIENT, &frame, ICMP_UNREACH, CODE_FRAG_NEEDED,
			1400, &at_real, 576 - 28, &q_in);
	as_sent.ttl = at_real.ttl;	/* the quote is as the real got it */
	exp = icmp_error(VIP, CLIENT, &frame, ICMP_UNREACH, CODE_FRAG_NEEDED,
			 1400, &as_sent, 576 - 28, &q_exp);
	exp = icmp_to_client(&exp);
	run_spec(t, SIDE_INT, &in, &r);
	expect_result(t, &r, V_FWD, XD_FWD_ICMP_TO_CLIENT, &exp);
}

/* A router before the real lets the TTL of a client's packet expire and
 * quotes only the IPv4 header and 8 bytes (RFC 792): the TCP checksum is
 * not in the quote and nothing past the quote is touched. The error still
 * comes from the VIP: the router's address is the real's side's. */
static void icmp_time_exceeded_short_quote_to_client(void **state)
{
	struct tcase *t = *state;
	struct pkt_spec data = tcp_flow_to_real1(t);
	struct pkt_spec at_real = fwd_to_real(&data, REAL1, 8080);
	struct pkt_spec as_sent = data, frame = on_int0(), in, exp;
	struct quote q_in, q_exp;
	struct run r;

	in = icmp_error(ROUTER_INT, CLIENT, &frame, ICMP_TIME_EXCEEDED, 0, 0,
			&at_real, 20 + 8, &q_in);
	as_sent.ttl = at_real.ttl;
	exp = icmp_error(VIP, CLIENT, &frame, ICMP_TIME_EXCEEDED, 0, 0,
			 &as_sent, 20 + 8, &q_exp);
	exp = icmp_to_client(&exp);
	run_spec(t, SIDE_INT, &in, &r);
	expect_result(t, &r, V_FWD, XD_FWD_ICMP_TO_CLIENT, &exp);
}

/* The quoted packet carries IPv4 options (a variable quoted header). */
static void icmp_quote_with_ip_options_to_client(void **state)
{
	struct tcase *t = *state;
	struct pkt_spec data = tcp_flow_to_real1(t);
	struct pkt_spec at_real, as_sent, frame = on_int0(), in, exp;
	struct quote q_in, q_exp;
	struct run r;

	/* Record route, 8 bytes: type, length, pointer, an empty slot. */
	data.ip_opts[0] = 7;
	data.ip_opts[1] = 7;
	data.ip_opts[2] = 4;
	data.ip_opts_len = 8;
	data.payload_len = 64;
	at_real = fwd_to_real(&data, REAL1, 8080);
	as_sent = data;
	as_sent.ttl = at_real.ttl;
	in = icmp_error(REAL1, CLIENT, &frame, ICMP_UNREACH, CODE_FRAG_NEEDED,
			1300, &at_real, 0, &q_in);
	exp = icmp_error(VIP, CLIENT, &frame, ICMP_UNREACH, CODE_FRAG_NEEDED,
			 1300, &as_sent, 0, &q_exp);
	exp = icmp_to_client(&exp);
	run_spec(t, SIDE_INT, &in, &r);
	expect_result(t, &r, V_FWD, XD_FWD_ICMP_TO_CLIENT, &exp);
}

static void udp53_to_real1(struct tcase *t)
{
	struct lb_real reals[] = { REAL(REAL1, 5353, 1) };
	struct lb_service svc = {
		.vip = ip4(VIP), .port = htons(53), .proto = IPPROTO_UDP,
		.sched = "rr", .reals = reals, .nreals = 1,
	};
	struct pkt_spec q = udp_to_vip(CLIENT, 5000, 53);
	struct pkt_spec exp;
	struct run r;

	case_apply(t, &svc, 1);
	exp = fwd_to_real(&q, REAL1, 5353);
	run_spec(t, SIDE_EXT, &q, &r);
	expect_result(t, &r, V_FWD, XD_FWD_NEW, &exp);
}

/* REAL1 has nothing on 5353 any more: its port unreachable for the
 * client's query reaches the client as the VIP:53's, the whole query
 * quoted with its UDP checksum rewritten too. */
static void icmp_udp_port_unreachable_to_client(void **state)
{
	struct tcase *t = *state;
	struct pkt_spec query = udp_to_vip(CLIENT, 5000, 53);
	struct pkt_spec at_real = fwd_to_real(&query, REAL1, 5353);
	struct pkt_spec as_sent = query, frame = on_int0(), in, exp;
	struct quote q_in, q_exp;
	struct run r;

	udp53_to_real1(t);
	as_sent.ttl = at_real.ttl;
	in = icmp_error(REAL1, CLIENT, &frame, ICMP_UNREACH, CODE_PORT_UNREACH,
			0, &at_real, 0, &q_in);
	exp = icmp_error(VIP, CLIENT, &frame, ICMP_UNREACH, CODE_PORT_UNREACH,
			 0, &as_sent, 0, &q_exp);
	exp = icmp_to_client(&exp);
	run_spec(t, SIDE_INT, &in, &r);
	expect_result(t, &r, V_FWD, XD_FWD_ICMP_TO_CLIENT, &exp);
}

/* A quoted UDP packet without a checksum keeps none. */
static void icmp_udp_quote_without_checksum_to_client(void **state)
{
	struct tcase *t = *state;
	struct pkt_spec query = udp_to_vip(CLIENT, 5000, 53);
	struct pkt_spec at_real, as_sent, frame = on_int0(), in, exp;
	struct quote q_in, q_exp;
	struct run r;

	udp53_to_real1(t);
	query.udp_no_csum = true;
	at_real = fwd_to_real(&query, REAL1, 5353);
	as_sent = query;
	as_sent.ttl = at_real.ttl;
	in = icmp_error(REAL1, CLIENT, &frame, ICMP_UNREACH, CODE_PORT_UNREACH,
			0, &at_real, 0, &q_in);
	exp = icmp_error(VIP, CLIENT, &frame, ICMP_UNREACH, CODE_PORT_UNREACH,
			 0, &as_sent, 0, &q_exp);
	exp = icmp_to_client(&exp);
	run_spec(t, SIDE_INT, &in, &r);
	expect_result(t, &r, V_FWD, XD_FWD_ICMP_TO_CLIENT, &exp);
	assert_int_equal(r.out[14 + 20 + 8 + 20 + 6] | r.out[14 + 20 + 8 + 20 + 7],
			 0);
}

/* A router on the clients' side cannot take the VIP's 1400-byte reply
 * (MTU 1280): the error, sent to the VIP, goes to REAL1 quoting the reply
 * as REAL1 sent it, so REAL1 lowers its path MTU to the client. */
static void icmp_frag_needed_from_client_side_to_real(void **state)
{
	struct tcase *t = *state;
	static uint8_t body[1400];
	struct pkt_spec reply = tcp_from_real(REAL1, 8080, CLIENT, 40000,
					      F_ACK | F_PSH);
	struct pkt_spec at_client, as_sent, frame = on_ext0(), in, exp;
	struct quote q_in, q_exp;
	struct run r;

	tcp_flow_to_real1(t);
	reply.payload = body;
	reply.payload_len = sizeof(body);
	at_client = fwd_to_client(&reply, 80);
	as_sent = reply;
	as_sent.ttl = at_client.ttl;
	in = icmp_error(ROUTER_EXT, VIP, &frame, ICMP_UNREACH, CODE_FRAG_NEEDED,
			1280, &at_client, 576 - 28, &q_in);
	exp = icmp_error(ROUTER_EXT, VIP, &frame, ICMP_UNREACH,
			 CODE_FRAG_NEEDED, 1280, &as_sent, 576 - 28, &q_exp);
	exp = icmp_to_real1(&exp);
	run_spec(t, SIDE_EXT, &in, &r);
	expect_result(t, &r, V_FWD, XD_FWD_ICMP_TO_REAL, &exp);
}

/* The client's own port unreachable for a UDP answer reaches REAL1. */
static void icmp_udp_port_unreachable_from_client_to_real(void **state)
{
	struct tcase *t = *state;
	struct pkt_spec ans = udp_from_real(REAL1, 5353, CLIENT, 5000);
	struct pkt_spec at_client = fwd_to_client(&ans, 53);
	struct pkt_spec as_sent = ans, frame = on_ext0(), in, exp;
	struct quote q_in, q_exp;
	struct run r;

	udp53_to_real1(t);
	as_sent.ttl = at_client.ttl;
	in = icmp_error(CLIENT, VIP, &frame, ICMP_UNREACH, CODE_PORT_UNREACH,
			0, &at_client, 0, &q_in);
	exp = icmp_error(CLIENT, VIP, &frame, ICMP_UNREACH, CODE_PORT_UNREACH,
			 0, &as_sent, 0, &q_exp);
	exp = icmp_to_real1(&exp);
	run_spec(t, SIDE_EXT, &in, &r);
	expect_result(t, &r, V_FWD, XD_FWD_ICMP_TO_REAL, &exp);
}

/* *_both (one interface for both roles) translates either way. */
static void icmp_both_sides_translate(void **state)
{
	struct tcase *t = *state;
	struct pkt_spec data = tcp_flow_to_real1(t);
	struct pkt_spec at_real = fwd_to_real(&data, REAL1, 8080);
	struct pkt_spec as_sent = data, frame = on_int0(), in, exp;
	struct quote q_in, q_exp;
	uint8_t buf[PKT_MAX];
	struct run r;

	in = icmp_error(REAL1, CLIENT, &frame, ICMP_UNREACH, CODE_FRAG_NEEDED,
			1400, &at_real, 200, &q_in);
	as_sent.ttl = at_real.ttl;
	exp = icmp_error(VIP, CLIENT, &frame, ICMP_UNREACH, CODE_FRAG_NEEDED,
			 1400, &as_sent, 200, &q_exp);
	exp = icmp_to_client(&exp);
	run_pkt(t, SIDE_BOTH, env.int_ifindex, buf, pkt_build(&in, buf), &r);
	expect_result(t, &r, V_FWD, XD_FWD_ICMP_TO_CLIENT, &exp);
}

/* Errors quoting no flow of ours are the kernel's, untouched: a client
 * port with no connection, a real's own traffic, and a quote of the
 * VIP's from a port the director never scheduled. */
static void icmp_errors_without_flow_pass(void **state)
{
	struct tcase *t = *state;
	struct pkt_spec data = tcp_flow_to_real1(t);
	struct pkt_spec other = data, at_real, frame = on_int0(), in;
	struct pkt_spec reply, ext = on_ext0();
	struct quote q;
	struct run r;

	other.sport = 40001;		/* no connection from that port */
	at_real = fwd_to_real(&other, REAL1, 8080);
	in = icmp_error(REAL1, CLIENT, &frame, ICMP_UNREACH, CODE_FRAG_NEEDED,
			1400, &at_real, 100, &q);
	run_spec(t, SIDE_INT, &in, &r);
	expect_result(t, &r, V_PASS, XD_PASS_ICMP, &in);

	other = data;
	other.daddr = ip4(REAL2);	/* a real's address with no service */
	in = icmp_error(REAL2, CLIENT, &frame, ICMP_UNREACH, CODE_FRAG_NEEDED,
			1400, &other, 100, &q);
	run_spec(t, SIDE_INT, &in, &r);
	expect_result(t, &r, V_PASS, XD_PASS_ICMP, &in);

	reply = fwd_to_client(&(struct pkt_spec){
		.ethertype = ETH_P_IP, .saddr = ip4(REAL1),
		.daddr = ip4(CLIENT), .ttl = 64, .proto = IPPROTO_TCP,
		.sport = 8080, .dport = 40002, .tcp_flags = F_ACK }, 80);
	in = icmp_error(CLIENT, VIP, &ext, ICMP_UNREACH, CODE_PORT_UNREACH, 0,
			&reply, 0, &q);
	run_spec(t, SIDE_EXT, &in, &r);
	expect_result(t, &r, V_PASS, XD_PASS_ICMP, &in);
}

/* Only errors are translated: an echo reply from REAL1 to the client, and
 * a redirect (type 5, which quotes a packet too), go to the kernel. */
static void icmp_non_errors_pass(void **state)
{
	struct tcase *t = *state;
	struct pkt_spec data = tcp_flow_to_real1(t);
	struct pkt_spec at_real = fwd_to_real(&data, REAL1, 8080);
	struct pkt_spec frame = on_int0(), in;
	struct quote q;
	struct run r;

	in = icmp_error(REAL1, CLIENT, &frame, 5, 1, ip4(REAL2), &at_real, 100,
			&q);
	run_spec(t, SIDE_INT, &in, &r);
	expect_result(t, &r, V_PASS, XD_PASS_ICMP, &in);
	in = frame;
	in.proto = IPPROTO_ICMP;
	in.icmp_type = 0;
	in.saddr = ip4(REAL1);
	run_spec(t, SIDE_INT, &in, &r);
	expect_result(t, &r, V_PASS, XD_PASS_ICMP, &in);
}

/* An error whose quote is cut inside the TCP ports is not translated. */
static void icmp_quote_too_short_passes(void **state)
{
	struct tcase *t = *state;
	struct pkt_spec data = tcp_flow_to_real1(t);
	struct pkt_spec at_real = fwd_to_real(&data, REAL1, 8080);
	struct pkt_spec frame = on_int0(), in;
	struct quote q;
	struct run r;

	in = icmp_error(REAL1, CLIENT, &frame, ICMP_UNREACH, CODE_FRAG_NEEDED,
			1400, &at_real, 20 + 3, &q);
	run_spec(t, SIDE_INT, &in, &r);
	expect_result(t, &r, V_PASS, XD_PASS_ICMP, &in);
}

/* The flow's entry is there but over (expired): its error is dropped,
 * never passed on with the real's address in it. */
static void icmp_error_for_expired_flow_dropped(void **state)
{
	struct tcase *t = *state;
	struct pkt_spec data = tcp_flow_to_real1(t);
	struct pkt_spec at_real = fwd_to_real(&data, REAL1, 8080);
	struct pkt_spec frame = on_int0(), in;
	struct xd_conn_key k = conn_key(CLIENT, 40000, 80, IPPROTO_TCP);
	struct timespec now;
	struct xd_conn c;
	struct quote q;
	struct run r;
	int fd;

	/* Last seen a second ago, with a timeout of 1 ns: over, whatever
	 * the clock's tick. */
	timeout_set(t, XD_TCP_SYN_RECV, 1);
	fd = case_map_fd(t, "conn_table");
	assert_int_equal(bpf_map_lookup_elem(fd, &k, &c), 0);
	clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
	c.last_seen_ns = now.tv_sec * 1000000000ull + now.tv_nsec - 1000000000ull;
	assert_int_equal(bpf_map_update_elem(fd, &k, &c, BPF_EXIST), 0);
	in = icmp_error(REAL1, CLIENT, &frame, ICMP_UNREACH, CODE_FRAG_NEEDED,
			1400, &at_real, 100, &q);
	run_spec(t, SIDE_INT, &in, &r);
	expect_reason(&r, XD_DROP_NO_CONN);
	expect_verdict(t, &r, V_DROP);
}

const struct CMUnitTest icmp_cases[] = {
	DP_CASES(icmp_frag_needed_from_real_to_client),
	DP_CASES(icmp_time_exceeded_short_quote_to_client),
	DP_CASES(icmp_quote_with_ip_options_to_client),
	DP_CASES(icmp_udp_port_unreachable_to_client),
	DP_CASES(icmp_udp_quote_without_checksum_to_client),
	DP_CASES(icmp_frag_needed_from_client_side_to_real),
	DP_CASES(icmp_udp_port_unreachable_from_client_to_real),
	DP_CASES(icmp_both_sides_translate),
	DP_CASES(icmp_errors_without_flow_pass),
	DP_CASES(icmp_non_errors_pass),
	DP_CASES(icmp_quote_too_short_passes),
	DP_CASES(icmp_error_for_expired_flow_dropped),
};
const size_t icmp_cases_n = sizeof(icmp_cases) / sizeof(icmp_cases[0]);
