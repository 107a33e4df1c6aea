// SPDX-License-Identifier: GPL-2.0
/*
 * The rewrite itself, both ways: client -> VIP:vport becomes client ->
 * real:rport on the way in; real:rport -> client becomes VIP:vport ->
 * client on the way out (xdp_int / tc_int, or *_both). TTL-1, MACs of the
 * next hop from the fib, checksums updated incrementally (compared against
 * a full recomputation). Also UDP with and without a checksum, IPv4
 * options, TTL expiry, a missing neighbour or route, and a one-arm real.
 */
#include <linux/if_ether.h>
#include <bpf/bpf.h>

#include "harness.h"

static void rr_to(struct tcase *t, const char *real)
{
	struct lb_real reals[] = { REAL(real, 8080, 1) };

	case_apply_tcp80(t, "rr", reals, 1);
}

static void syn_to(struct tcase *t, const char *client, uint16_t sport,
		   const char *real)
{
	struct pkt_spec in = tcp_to_vip(client, sport, 80, F_SYN);
	struct pkt_spec exp = fwd_to_real(&in, real, 8080);
	struct run r;

	run_spec(t, SIDE_EXT, &in, &r);
	expect_result(t, &r, V_FWD, XD_FWD_NEW, &exp);
}

/* SYN to REAL1; REAL1's SYN-ACK on int0 leaves for CLIENT from VIP:80,
 * TTL 63, MACs ext0 -> CLIENT, checksums right. */
static void reply_unnat(void **state)
{
	struct tcase *t = *state;
	struct pkt_spec in = tcp_from_real(REAL1, 8080, CLIENT, 40000,
					   F_SYN | F_ACK);
	struct pkt_spec exp = fwd_to_client(&in, 80);
	struct run r;

	rr_to(t, REAL1);
	syn_to(t, CLIENT, 40000, REAL1);
	run_spec(t, SIDE_INT, &in, &r);
	expect_result(t, &r, V_FWD, XD_FWD_REPLY, &exp);
}

/* A reply carrying an odd-length body of 1001 bytes: the checksum update
 * holds beyond the headers, and the payload is untouched. */
static void reply_unnat_odd_payload(void **state)
{
	struct tcase *t = *state;
	static uint8_t body[1001];
	struct pkt_spec in = tcp_from_real(REAL1, 8080, CLIENT, 40000,
					   F_ACK | F_PSH);
	struct pkt_spec exp;
	struct run r;

	for (size_t i = 0; i < sizeof(body); i++)
		body[i] = (uint8_t)(i * 37 + 11);
	in.payload = body;
	in.payload_len = sizeof(body);
	exp = fwd_to_client(&in, 80);
	rr_to(t, REAL1);
	syn_to(t, CLIENT, 40000, REAL1);
	run_spec(t, SIDE_INT, &in, &r);
	expect_result(t, &r, V_FWD, XD_FWD_REPLY, &exp);
}

/* Traffic from a real that belongs to no connection (its own, or a health
 * check's reply to the director): not ours -> PASS untouched. */
static void reply_without_conn_passes(void **state)
{
	struct tcase *t = *state;
	struct pkt_spec in = tcp_from_real(REAL1, 8080, CLIENT, 40000, F_ACK);
	struct run r;

	rr_to(t, REAL1);
	run_spec(t, SIDE_INT, &in, &r);
	expect_result(t, &r, V_PASS, XD_PASS_NOT_OURS, &in);
}

/* The internal program does not load-balance: a client packet to the VIP
 * seen on int0 is not ours there. */
static void int_side_ignores_vip_traffic(void **state)
{
	struct tcase *t = *state;
	struct pkt_spec in = tcp_to_vip(CLIENT, 40000, 80, F_SYN);
	struct run r;

	rr_to(t, REAL1);
	run_spec(t, SIDE_INT, &in, &r);
	expect_result(t, &r, V_PASS, XD_PASS_NOT_OURS, &in);
	assert_int_equal(conn_count(t), 0);
}

/* The *_both entry point (one interface for both roles) does both: the
 * SYN is NATed to REAL1 and the SYN-ACK back to the client. */
static void both_sides_one_program(void **state)
{
	struct tcase *t = *state;
	struct pkt_spec syn = tcp_to_vip(CLIENT, 40000, 80, F_SYN);
	struct pkt_spec syn_exp = fwd_to_real(&syn, REAL1, 8080);
	struct pkt_spec sa = tcp_from_real(REAL1, 8080, CLIENT, 40000,
					   F_SYN | F_ACK);
	struct pkt_spec sa_exp = fwd_to_client(&sa, 80);
	uint8_t buf[PKT_MAX];
	struct run r;

	rr_to(t, REAL1);
	run_pkt(t, SIDE_BOTH, env.ext_ifindex, buf, pkt_build(&syn, buf), &r);
	expect_result(t, &r, V_FWD, XD_FWD_NEW, &syn_exp);
	run_pkt(t, SIDE_BOTH, env.int_ifindex, buf, pkt_build(&sa, buf), &r);
	expect_result(t, &r, V_FWD, XD_FWD_REPLY, &sa_exp);
}

/* A real in the clients' subnet (one-arm): the SYN leaves by ext0, where
 * it came in: XDP_TX for XDP, a redirect for TC. MACs ext0 -> REAL_EXT. */
static void one_arm_real_goes_back_out(void **state)
{
	struct tcase *t = *state;
	struct pkt_spec in = tcp_to_vip(CLIENT, 40000, 80, F_SYN);
	struct pkt_spec exp = fwd_to_real(&in, REAL_EXT, 8080);
	struct run r;

	rr_to(t, REAL_EXT);
	run_spec(t, SIDE_EXT, &in, &r);
	expect_result(t, &r, V_TX, XD_FWD_NEW, &exp);
}

static void udp_service(struct tcase *t, const char *real)
{
	struct lb_real reals[] = { REAL(real, 5353, 1) };
	struct lb_service svc = {
		.vip = ip4(VIP), .port = htons(53), .proto = IPPROTO_UDP,
		.sched = "rr", .reals = reals, .nreals = 1,
	};

	case_apply(t, &svc, 1);
}

/* UDP CLIENT:5000 -> VIP:53 goes to REAL1:5353 (state UDP, inactive), the
 * answer REAL1:5353 -> CLIENT:5000 returns from VIP:53; both checksums
 * updated. */
static void udp_new_flow_and_reply(void **state)
{
	struct tcase *t = *state;
	struct pkt_spec q = udp_to_vip(CLIENT, 5000, 53);
	struct pkt_spec q_exp = fwd_to_real(&q, REAL1, 5353);
	struct pkt_spec a = udp_from_real(REAL1, 5353, CLIENT, 5000);
	struct pkt_spec a_exp = fwd_to_client(&a, 53);
	struct xd_conn c;
	struct run r;

	udp_service(t, REAL1);
	run_spec(t, SIDE_EXT, &q, &r);
	expect_result(t, &r, V_FWD, XD_FWD_NEW, &q_exp);
	assert_true(conn_get(t, CLIENT, 5000, 53, IPPROTO_UDP, &c));
	assert_int_equal(c.state, XD_UDP);
	assert_int_equal(real_conns_get(t, c.real_id).inactive, 1);
	run_spec(t, SIDE_INT, &a, &r);
	expect_result(t, &r, V_FWD, XD_FWD_REPLY, &a_exp);
	/* The next query of the flow is established. */
	run_spec(t, SIDE_EXT, &q, &r);
	expect_result(t, &r, V_FWD, XD_FWD_ESTABLISHED, &q_exp);
	assert_int_equal(real_conns_get(t, c.real_id).inactive, 1);
}

/* UDP without a checksum (0) stays without one, both ways. */
static void udp_zero_checksum_kept_zero(void **state)
{
	struct tcase *t = *state;
	struct pkt_spec q = udp_to_vip(CLIENT, 5000, 53);
	struct pkt_spec a = udp_from_real(REAL1, 5353, CLIENT, 5000);
	struct pkt_spec exp;
	struct run r;

	q.udp_no_csum = true;
	a.udp_no_csum = true;
	udp_service(t, REAL1);
	exp = fwd_to_real(&q, REAL1, 5353);
	run_spec(t, SIDE_EXT, &q, &r);
	expect_result(t, &r, V_FWD, XD_FWD_NEW, &exp);
	assert_int_equal(r.out[14 + 20 + 6] | r.out[14 + 20 + 7], 0);
	exp = fwd_to_client(&a, 53);
	run_spec(t, SIDE_INT, &a, &r);
	expect_result(t, &r, V_FWD, XD_FWD_REPLY, &exp);
	assert_int_equal(r.out[14 + 20 + 6] | r.out[14 + 20 + 7], 0);
}

/* A UDP query whose rewritten checksum computes to 0: it must go out as
 * 0xffff, since 0 would mean "no checksum". The payload is searched for
 * so that this happens. */
static void udp_checksum_zero_sent_as_ffff(void **state)
{
	struct tcase *t = *state;
	uint8_t word[2], buf[PKT_MAX];
	struct pkt_spec q = udp_to_vip(CLIENT, 5000, 53);
	struct pkt_spec exp;
	struct run r;
	bool found = false;

	q.payload = word;
	q.payload_len = sizeof(word);
	for (unsigned int w = 0; w < 0x10000 && !found; w++) {
		word[0] = w >> 8;
		word[1] = w & 0xff;
		exp = fwd_to_real(&q, REAL1, 5353);
		pkt_build(&exp, buf);
		found = buf[14 + 20 + 6] == 0xff && buf[14 + 20 + 7] == 0xff;
	}
	assert_true(found);
	udp_service(t, REAL1);
	run_spec(t, SIDE_EXT, &q, &r);
	expect_result(t, &r, V_FWD, XD_FWD_NEW, &exp);
}

/* SYN to the VIP with IPv4 options (IHL 6: NOP NOP NOP EOL; IHL 7: a
 * router-alert-like option, NOP, EOL padding): forwarded with the options
 * kept byte for byte, header checksum over them right; the reply with
 * options un-NATs as well. */
static void ip_options_preserved(void **state)
{
	struct tcase *t = *state;
	static const uint8_t opt6[4] = { 1, 1, 1, 0 };
	static const uint8_t opt7[8] = { 148, 4, 0, 0, 1, 0, 0, 0 };
	struct pkt_spec in, exp;
	struct run r;

	rr_to(t, REAL1);
	in = tcp_to_vip(CLIENT, 40000, 80, F_SYN);
	memcpy(in.ip_opts, opt6, sizeof(opt6));
	in.ip_opts_len = sizeof(opt6);
	exp = fwd_to_real(&in, REAL1, 8080);
	run_spec(t, SIDE_EXT, &in, &r);
	expect_result(t, &r, V_FWD, XD_FWD_NEW, &exp);

	in = tcp_to_vip(CLIENT, 40001, 80, F_SYN);
	memcpy(in.ip_opts, opt7, sizeof(opt7));
	in.ip_opts_len = sizeof(opt7);
	exp = fwd_to_real(&in, REAL1, 8080);
	run_spec(t, SIDE_EXT, &in, &r);
	expect_result(t, &r, V_FWD, XD_FWD_NEW, &exp);

	in = tcp_from_real(REAL1, 8080, CLIENT, 40001, F_SYN | F_ACK);
	memcpy(in.ip_opts, opt7, sizeof(opt7));
	in.ip_opts_len = sizeof(opt7);
	exp = fwd_to_client(&in, 80);
	run_spec(t, SIDE_INT, &in, &r);
	expect_result(t, &r, V_FWD, XD_FWD_REPLY, &exp);
}

/* A client SYN arriving with TTL 1 would expire on forwarding: DROP (TTL),
 * untouched. TTL 2 still goes through, leaving with TTL 1. */
static void ttl_one_dropped(void **state)
{
	struct tcase *t = *state;
	struct pkt_spec in = tcp_to_vip(CLIENT, 40000, 80, F_SYN);
	struct pkt_spec exp;
	struct run r;

	rr_to(t, REAL1);
	in.ttl = 1;
	run_spec(t, SIDE_EXT, &in, &r);
	expect_result(t, &r, V_DROP, XD_DROP_TTL, &in);

	in = tcp_to_vip(CLIENT, 40001, 80, F_SYN);
	in.ttl = 2;
	exp = fwd_to_real(&in, REAL1, 8080);
	run_spec(t, SIDE_EXT, &in, &r);
	expect_result(t, &r, V_FWD, XD_FWD_NEW, &exp);
}

/* The same on the way back: a real's reply with TTL 1 is dropped. */
static void reply_ttl_one_dropped(void **state)
{
	struct tcase *t = *state;
	struct pkt_spec in = tcp_from_real(REAL1, 8080, CLIENT, 40000,
					   F_SYN | F_ACK);
	struct run r;

	rr_to(t, REAL1);
	syn_to(t, CLIENT, 40000, REAL1);
	in.ttl = 1;
	run_spec(t, SIDE_INT, &in, &r);
	expect_result(t, &r, V_DROP, XD_DROP_TTL, &in);
}

/* TTL 0 as well (a TTL check by equality would let it wrap to 255). */
static void ttl_zero_dropped(void **state)
{
	struct tcase *t = *state;
	struct pkt_spec in = tcp_to_vip(CLIENT, 40000, 80, F_SYN);
	struct run r;

	rr_to(t, REAL1);
	in.ttl = 0;
	run_spec(t, SIDE_EXT, &in, &r);
	expect_result(t, &r, V_DROP, XD_DROP_TTL, &in);
}

/*
 * A real whose neighbour entry does not exist (REAL_NN). XDP cannot
 * resolve it: the packet is rewritten (addresses, port, checksums; TTL
 * and MACs as they came) and passed to the kernel, which forwards it,
 * lowers the TTL and resolves the neighbour. TC hands it to bpf_redirect_neigh: a redirect
 * with the same rewritten bytes. Reason PASS_NO_NEIGH for both.
 */
static void no_neigh_forward(void **state)
{
	struct tcase *t = *state;
	struct pkt_spec in = tcp_to_vip(CLIENT, 40000, 80, F_SYN);
	struct pkt_spec exp = fwd_to_real(&in, REAL_NN, 8080);
	struct run r;

	rr_to(t, REAL_NN);
	/* XDP leaves the TTL to the kernel's forwarding, which lowers it */
	if (!t->dp->tc)
		exp.ttl = in.ttl;
	run_spec(t, SIDE_EXT, &in, &r);
	expect_result(t, &r, t->dp->tc ? V_FWD : V_PASS, XD_PASS_NO_NEIGH,
		      &exp);
}

/*
 * A reply to a client without a neighbour entry (CLIENT_NN). XDP cannot
 * pass a source-rewritten packet to the kernel (it would carry the VIP as
 * source and be dropped as martian): DROP (NO_NEIGH), untouched. TC
 * rewrites and uses bpf_redirect_neigh.
 */
static void no_neigh_reply(void **state)
{
	struct tcase *t = *state;
	struct pkt_spec in = tcp_from_real(REAL1, 8080, CLIENT_NN, 40000,
					   F_SYN | F_ACK);
	struct pkt_spec exp = fwd_to_client(&in, 80);
	struct run r;

	rr_to(t, REAL1);
	syn_to(t, CLIENT_NN, 40000, REAL1);
	run_spec(t, SIDE_INT, &in, &r);
	if (t->dp->tc)
		expect_result(t, &r, V_FWD, XD_PASS_NO_NEIGH, &exp);
	else
		expect_result(t, &r, V_DROP, XD_DROP_NO_NEIGH, &in);
}

/* A real with no route to it at all: DROP (FIB), untouched. */
static void no_route_to_real(void **state)
{
	struct tcase *t = *state;
	struct pkt_spec in = tcp_to_vip(CLIENT, 40000, 80, F_SYN);
	struct run r;

	rr_to(t, REAL_UNROUTED);
	run_spec(t, SIDE_EXT, &in, &r);
	expect_result(t, &r, V_DROP, XD_DROP_FIB, &in);
}

/* Two services on one VIP (80/tcp -> REAL1, 443/tcp -> REAL2): each port
 * reaches its own pool, and each reply returns from its own port. */
static void two_services_one_vip(void **state)
{
	struct tcase *t = *state;
	struct lb_real r80[] = { REAL(REAL1, 8080, 1) };
	struct lb_real r443[] = { REAL(REAL2, 8443, 1) };
	struct lb_service svcs[2] = {
		{ .vip = ip4(VIP), .port = htons(80), .proto = IPPROTO_TCP,
		  .sched = "rr", .reals = r80, .nreals = 1 },
		{ .vip = ip4(VIP), .port = htons(443), .proto = IPPROTO_TCP,
		  .sched = "wlc", .reals = r443, .nreals = 1 },
	};
	struct pkt_spec in, exp;
	struct run r;

	case_apply(t, svcs, 2);
	in = tcp_to_vip(CLIENT, 40000, 443, F_SYN);
	exp = fwd_to_real(&in, REAL2, 8443);
	run_spec(t, SIDE_EXT, &in, &r);
	expect_result(t, &r, V_FWD, XD_FWD_NEW, &exp);
	in = tcp_to_vip(CLIENT, 40001, 80, F_SYN);
	exp = fwd_to_real(&in, REAL1, 8080);
	run_spec(t, SIDE_EXT, &in, &r);
	expect_result(t, &r, V_FWD, XD_FWD_NEW, &exp);
	in = tcp_from_real(REAL2, 8443, CLIENT, 40000, F_SYN | F_ACK);
	exp = fwd_to_client(&in, 443);
	run_spec(t, SIDE_INT, &in, &r);
	expect_result(t, &r, V_FWD, XD_FWD_REPLY, &exp);
}

static size_t map_count(struct tcase *t, const char *name)
{
	uint8_t key[64], cur[64];
	int fd = case_map_fd(t, name);
	void *prev = NULL;
	size_t n = 0;

	while (bpf_map_get_next_key(fd, prev, key) == 0) {
		memcpy(cur, key, sizeof(cur));
		prev = cur;
		n++;
	}
	return n;
}

/* VIP:80 and VIP:8000, both rr to REAL1:8080: the real's address is
 * shared, and VIP:80's slot owns it. The table stays in *sr, for later
 * applies. */
struct shared_real {
	struct lb_real ra[1], rb[1];
	struct lb_service svcs[2];
};

static void shared_real_apply(struct tcase *t, struct shared_real *sr)
{
	*sr = (struct shared_real){
		.ra = { REAL(REAL1, 8080, 1) },
		.rb = { REAL(REAL1, 8080, 1) },
		.svcs = {
			{ .vip = ip4(VIP), .port = htons(80),
			  .proto = IPPROTO_TCP, .sched = "rr", .nreals = 1 },
			{ .vip = ip4(VIP), .port = htons(8000),
			  .proto = IPPROTO_TCP, .sched = "rr", .nreals = 1 },
		},
	};
	sr->svcs[0].reals = sr->ra;
	sr->svcs[1].reals = sr->rb;
	case_apply(t, sr->svcs, 2);
}

/* One real in two services (VIP:80 and VIP:8000 -> REAL1:8080): one slot
 * owns the address and its connections write no reply entry, the other's
 * do; each reply goes back from its own VIP port. With the owner's
 * service removed, its detached slot still traces its replies. */
static void real_shared_by_two_services(void **state)
{
	struct tcase *t = *state;
	struct shared_real sr;
	struct pkt_spec in, exp;
	struct run r;

	shared_real_apply(t, &sr);
	in = tcp_to_vip(CLIENT, 40000, 80, F_SYN);
	exp = fwd_to_real(&in, REAL1, 8080);
	run_spec(t, SIDE_EXT, &in, &r);
	expect_result(t, &r, V_FWD, XD_FWD_NEW, &exp);
	assert_int_equal(map_count(t, "reply_table"), 0);
	in = tcp_to_vip(CLIENT, 40001, 8000, F_SYN);
	exp = fwd_to_real(&in, REAL1, 8080);
	run_spec(t, SIDE_EXT, &in, &r);
	expect_result(t, &r, V_FWD, XD_FWD_NEW, &exp);
	assert_int_equal(map_count(t, "reply_table"), 1);
	assert_int_equal(map_count(t, "real_addrs"), 1);

	in = tcp_from_real(REAL1, 8080, CLIENT, 40001, F_SYN | F_ACK);
	exp = fwd_to_client(&in, 8000);
	run_spec(t, SIDE_INT, &in, &r);
	expect_result(t, &r, V_FWD, XD_FWD_REPLY, &exp);
	in = tcp_from_real(REAL1, 8080, CLIENT, 40000, F_SYN | F_ACK);
	exp = fwd_to_client(&in, 80);
	run_spec(t, SIDE_INT, &in, &r);
	expect_result(t, &r, V_FWD, XD_FWD_REPLY, &exp);

	/* VIP:80 goes; its real's connection still answers through it */
	case_apply(t, &sr.svcs[1], 1);
	run_spec(t, SIDE_INT, &in, &r);
	expect_result(t, &r, V_FWD, XD_FWD_REPLY, &exp);
	in = tcp_from_real(REAL1, 8080, CLIENT, 40001, F_ACK);
	exp = fwd_to_client(&in, 8000);
	run_spec(t, SIDE_INT, &in, &r);
	expect_result(t, &r, V_FWD, XD_FWD_REPLY, &exp);
	/* and traffic of the real's that is no NAT flow stays the kernel's */
	in = tcp_from_real(REAL1, 8080, CLIENT, 40009, F_ACK);
	run_spec(t, SIDE_INT, &in, &r);
	expect_result(t, &r, V_PASS, XD_PASS_NOT_OURS, &in);
}

/*
 * A shared real, and a client port used first through the owner's service
 * (VIP:80, closed: TIME_WAIT) and then through the other (VIP:8000): the
 * real's replies carry the same addresses and ports both times, and must
 * go back from VIP:8000, the live connection's, every one of them (a reply
 * from a shared address is never served from the flow cache).
 */
static void shared_real_port_reused_across_services(void **state)
{
	struct tcase *t = *state;
	struct shared_real sr;
	static const uint8_t close_seq[][2] = {	/* flags, from the client? */
		{ F_SYN, 1 }, { F_SYN | F_ACK, 0 }, { F_ACK, 1 },
		{ F_FIN | F_ACK, 1 }, { F_FIN | F_ACK, 0 }, { F_ACK, 1 },
	};
	struct pkt_spec in, exp;
	struct run r;

	shared_real_apply(t, &sr);
	for (size_t i = 0; i < sizeof(close_seq) / sizeof(close_seq[0]); i++) {
		if (close_seq[i][1]) {
			in = tcp_to_vip(CLIENT, 40000, 80, close_seq[i][0]);
			exp = fwd_to_real(&in, REAL1, 8080);
			run_spec(t, SIDE_EXT, &in, &r);
		} else {
			in = tcp_from_real(REAL1, 8080, CLIENT, 40000,
					   close_seq[i][0]);
			exp = fwd_to_client(&in, 80);
			run_spec(t, SIDE_INT, &in, &r);
		}
		expect_verdict(t, &r, V_FWD);
		expect_spec(&r, &exp);
	}
	in = tcp_to_vip(CLIENT, 40000, 8000, F_SYN);
	exp = fwd_to_real(&in, REAL1, 8080);
	run_spec(t, SIDE_EXT, &in, &r);
	expect_result(t, &r, V_FWD, XD_FWD_NEW, &exp);
	in = tcp_from_real(REAL1, 8080, CLIENT, 40000, F_SYN | F_ACK);
	exp = fwd_to_client(&in, 8000);
	run_spec(t, SIDE_INT, &in, &r);
	expect_result(t, &r, V_FWD, XD_FWD_REPLY, &exp);
	for (int i = 0; i < 3; i++) {
		in = tcp_from_real(REAL1, 8080, CLIENT, 40000, F_ACK | F_PSH);
		exp = fwd_to_client(&in, 8000);
		run_spec(t, SIDE_INT, &in, &r);
		expect_result(t, &r, V_FWD, XD_FWD_REPLY, &exp);
	}
}

/* A frame padded to the 60-byte Ethernet minimum (tot_len 40, 6 bytes of
 * padding): the rewrite uses tot_len, and the padding goes out as is. */
static void ethernet_padding_kept(void **state)
{
	struct tcase *t = *state;
	struct pkt_spec in = tcp_to_vip(CLIENT, 40000, 80, F_SYN);
	struct pkt_spec exp_spec = fwd_to_real(&in, REAL1, 8080);
	uint8_t buf[PKT_MAX], exp[PKT_MAX];
	size_t len = pkt_build(&in, buf), elen = pkt_build(&exp_spec, exp);
	struct run r;

	rr_to(t, REAL1);
	memset(buf + len, 0, 6);
	memset(exp + elen, 0, 6);
	run_pkt(t, SIDE_EXT, 0, buf, len + 6, &r);
	expect_result_bytes(t, &r, V_FWD, XD_FWD_NEW, exp, elen + 6);
}

/* A full-size packet (IPv4 total length 1500 = the MTU of int0) with a
 * payload, on an established flow: forwarded, not "fragmentation
 * needed". */
static void mtu_sized_packet_forwarded(void **state)
{
	struct tcase *t = *state;
	static uint8_t body[1460];
	struct pkt_spec in = tcp_to_vip(CLIENT, 40000, 80, F_ACK);
	struct pkt_spec exp;
	struct run r;

	for (size_t i = 0; i < sizeof(body); i++)
		body[i] = (uint8_t)(i ^ 0x5a);
	rr_to(t, REAL1);
	syn_to(t, CLIENT, 40000, REAL1);
	in.payload = body;
	in.payload_len = sizeof(body);
	exp = fwd_to_real(&in, REAL1, 8080);
	run_spec(t, SIDE_EXT, &in, &r);
	expect_result(t, &r, V_FWD, XD_FWD_ESTABLISHED, &exp);
}

/*
 * TC only: at TC ingress, GRO has already merged a client's segments into
 * one skb whose IPv4 total length exceeds the MTU (here 2 x 1448 bytes of
 * payload, tot_len 2936, gso_size 1448). Each segment fits int0's MTU, so
 * the skb must be forwarded as any other packet of the flow; the kernel
 * segments it on the way out. XDP never sees merged frames.
 */
static void gro_skb_forwarded(void **state)
{
	struct tcase *t = *state;
	static uint8_t body[2 * 1448];
	struct pkt_spec in = tcp_to_vip(CLIENT, 40000, 80, F_ACK);
	struct pkt_spec exp_spec;
	uint8_t buf[PKT_MAX], exp[PKT_MAX];
	size_t len, elen;
	struct run r;

	for (size_t i = 0; i < sizeof(body); i++)
		body[i] = (uint8_t)(i * 7);
	rr_to(t, REAL1);
	syn_to(t, CLIENT, 40000, REAL1);
	in.payload = body;
	in.payload_len = sizeof(body);
	exp_spec = fwd_to_real(&in, REAL1, 8080);
	len = pkt_build(&in, buf);
	elen = pkt_build(&exp_spec, exp);
	run_pkt_gso(t, SIDE_EXT, buf, len, 1448, 2, &r);
	expect_result_bytes(t, &r, V_FWD, XD_FWD_ESTABLISHED, exp, elen);
}

/* The same for the other direction (a download: the real's segments
 * merged by GRO on int0), un-NATed and forwarded to the client. */
static void gro_skb_reply_forwarded(void **state)
{
	struct tcase *t = *state;
	static uint8_t body[2 * 1448];
	struct pkt_spec in = tcp_from_real(REAL1, 8080, CLIENT, 40000, F_ACK);
	struct pkt_spec exp_spec;
	uint8_t buf[PKT_MAX], exp[PKT_MAX];
	size_t len, elen;
	struct run r;

	for (size_t i = 0; i < sizeof(body); i++)
		body[i] = (uint8_t)(i * 13);
	rr_to(t, REAL1);
	syn_to(t, CLIENT, 40000, REAL1);
	in.payload = body;
	in.payload_len = sizeof(body);
	exp_spec = fwd_to_client(&in, 80);
	len = pkt_build(&in, buf);
	elen = pkt_build(&exp_spec, exp);
	run_pkt_gso(t, SIDE_INT, buf, len, 1448, 2, &r);
	expect_result_bytes(t, &r, V_FWD, XD_FWD_REPLY, exp, elen);
}

const struct CMUnitTest nat_cases[] = {
	DP_CASES(reply_unnat),
	DP_CASES(reply_unnat_odd_payload),
	DP_CASES(reply_without_conn_passes),
	DP_CASES(int_side_ignores_vip_traffic),
	DP_CASES(both_sides_one_program),
	DP_CASES(one_arm_real_goes_back_out),
	DP_CASES(udp_new_flow_and_reply),
	DP_CASES(udp_zero_checksum_kept_zero),
	DP_CASES(udp_checksum_zero_sent_as_ffff),
	DP_CASES(ip_options_preserved),
	DP_CASES(ttl_one_dropped),
	DP_CASES(reply_ttl_one_dropped),
	DP_CASES(ttl_zero_dropped),
	DP_CASES(no_neigh_forward),
	DP_CASES(no_neigh_reply),
	DP_CASES(no_route_to_real),
	DP_CASES(two_services_one_vip),
	DP_CASES(real_shared_by_two_services),
	DP_CASES(shared_real_port_reused_across_services),
	DP_CASES(ethernet_padding_kept),
	DP_CASES(mtu_sized_packet_forwarded),
	TC_CASE(gro_skb_forwarded),
	TC_CASE(gro_skb_reply_forwarded),
};
const size_t nat_cases_n = sizeof(nat_cases) / sizeof(nat_cases[0]);
