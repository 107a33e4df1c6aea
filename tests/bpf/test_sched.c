// SPDX-License-Identifier: GPL-2.0
/*
 * Scheduling of new flows: a client's SYN to VIP:80 is forwarded to the
 * real server each scheduler must pick (rr, wrr, lc, wlc, sh, mh), with
 * the destination rewritten to real:8080, TTL-1, MACs of the next hop and
 * both checksums right. The connection is recorded as SYN_RECV and counts
 * as inactive on its real server.
 */
#include "harness.h"

/* Sends a SYN from client:sport and checks it went to `real`, whole. */
static void syn_from_goes_to(struct tcase *t, const char *client,
			     uint16_t sport, const char *real)
{
	struct pkt_spec in = tcp_to_vip(client, sport, 80, F_SYN);
	struct pkt_spec exp = fwd_to_real(&in, real, 8080);
	struct xd_conn c;
	struct run r;

	run_spec(t, SIDE_EXT, &in, &r);
	expect_result(t, &r, V_FWD, XD_FWD_NEW, &exp);
	assert_true(conn_get(t, client, sport, 80, IPPROTO_TCP, &c));
	assert_int_equal(c.state, XD_TCP_SYN_RECV);
	assert_int_equal(c.raddr, ip4(real));
	assert_int_equal(c.rport, htons(8080));
}

static void syn_goes_to(struct tcase *t, uint16_t sport, const char *real)
{
	syn_from_goes_to(t, CLIENT, sport, real);
}

/* rr: CLIENT sends SYNs from ports 40000..40005 -> REAL1, REAL2, REAL1...
 * Each new connection counts once as inactive on its real. */
static void new_syn_rr(void **state)
{
	struct tcase *t = *state;
	struct lb_real reals[] = { REAL(REAL1, 8080, 1), REAL(REAL2, 8080, 1) };
	uint32_t id1, id2;

	case_apply_tcp80(t, "rr", reals, 2);
	for (int i = 0; i < 6; i++)
		syn_goes_to(t, 40000 + i, i % 2 ? REAL2 : REAL1);
	id1 = real_id_of(t, REAL1, 8080);
	id2 = real_id_of(t, REAL2, 8080);
	assert_int_equal(real_conns_get(t, id1).inactive, 3);
	assert_int_equal(real_conns_get(t, id2).inactive, 3);
	assert_int_equal(real_conns_get(t, id1).active, 0);
	assert_int_equal(conn_count(t), 6);
}

/* wrr, weights REAL1:3 REAL2:1: eight SYNs follow the IPVS interleaved
 * order, A A A B A A A B. */
static void new_syn_wrr_3_to_1(void **state)
{
	struct tcase *t = *state;
	struct lb_real reals[] = { REAL(REAL1, 8080, 3), REAL(REAL2, 8080, 1) };
	static const char *const order[8] = { REAL1, REAL1, REAL1, REAL2,
					      REAL1, REAL1, REAL1, REAL2 };

	case_apply_tcp80(t, "wrr", reals, 2);
	for (int i = 0; i < 8; i++)
		syn_goes_to(t, 41000 + i, order[i]);
}

/* lc: REAL1 has 1 active (overhead 256), REAL2 10 inactive (overhead 10)
 * -> the SYN goes to REAL2; after REAL2 reaches 300 inactive, to REAL1. */
static void new_syn_lc(void **state)
{
	struct tcase *t = *state;
	struct lb_real reals[] = { REAL(REAL1, 8080, 1), REAL(REAL2, 8080, 1) };
	uint32_t id1, id2;

	case_apply_tcp80(t, "lc", reals, 2);
	id1 = real_id_of(t, REAL1, 8080);
	id2 = real_id_of(t, REAL2, 8080);
	real_conns_set(t, id1, 1, 0);
	real_conns_set(t, id2, 0, 10);
	syn_goes_to(t, 42000, REAL2);
	assert_int_equal(real_conns_get(t, id2).inactive, 11);
	real_conns_set(t, id2, 0, 300);
	syn_goes_to(t, 42001, REAL1);
	assert_int_equal(real_conns_get(t, id1).inactive, 1);
	assert_int_equal(real_conns_get(t, id1).active, 1);
}

/* wlc, weights REAL1:4 REAL2:1, REAL1 3 active (768/4 = 192 per weight),
 * REAL2 1 active (256/1): REAL1 wins although lc would pick REAL2. */
static void new_syn_wlc(void **state)
{
	struct tcase *t = *state;
	struct lb_real reals[] = { REAL(REAL1, 8080, 4), REAL(REAL2, 8080, 1) };
	uint32_t id1, id2;

	case_apply_tcp80(t, "wlc", reals, 2);
	id1 = real_id_of(t, REAL1, 8080);
	id2 = real_id_of(t, REAL2, 8080);
	real_conns_set(t, id1, 3, 0);
	real_conns_set(t, id2, 1, 0);
	syn_goes_to(t, 43000, REAL1);
	/* 5 active on REAL1: 1280/4 = 320 per weight, more than REAL2's 256. */
	real_conns_set(t, id1, 5, 0);
	syn_goes_to(t, 43001, REAL2);
}

/* sh/mh: SYNs from many clients (the forward path routes by the real's
 * address, so clients need no neighbour entry); each must reach the real
 * its slot of the hash ring holds (xd_flow_hash of the client, modulo the
 * ring length), and between them they must use every real. */
static void hash_sched_case(struct tcase *t, const char *sched, bool hash_port)
{
	struct lb_real reals[] = { REAL(REAL1, 8080, 1), REAL(REAL2, 8080, 1),
				   REAL(REAL3, 8080, 1) };
	struct lb_service svc = {
		.vip = ip4(VIP), .port = htons(80), .proto = IPPROTO_TCP,
		.hash_port = hash_port, .reals = reals, .nreals = 3,
	};
	bool used[3] = { false, false, false };
	char real[INET_ADDRSTRLEN], client[INET_ADDRSTRLEN];

	snprintf(svc.sched, sizeof(svc.sched), "%s", sched);
	case_apply(t, &svc, 1);
	for (int i = 0; i < 24; i++) {
		uint16_t sport = 44000 + i * 7;
		uint32_t id;
		struct xd_real_slot rv;

		snprintf(client, sizeof(client), "192.168.%d.%d", 20 + i % 3,
			 30 + i);
		id = ring_expect(t, 80, IPPROTO_TCP, client, sport);
		rv = real_get(t, id);
		inet_ntop(AF_INET, &rv.addr, real, sizeof(real));
		syn_from_goes_to(t, client, sport, real);
		for (int k = 0; k < 3; k++)
			if (reals[k].addr == rv.addr)
				used[k] = true;
	}
	assert_true(used[0] && used[1] && used[2]);
}

/* sh without the port: every flow of one client lands on the same real,
 * whatever its source port. */
static void new_syn_sh(void **state)
{
	struct tcase *t = *state;
	uint32_t first;

	hash_sched_case(t, "sh", false);
	first = ring_expect(t, 80, IPPROTO_TCP, CLIENT, 1);
	for (uint16_t p = 0; p < 6; p++) {
		struct xd_real_slot rv = real_get(t, first);
		char real[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &rv.addr, real, sizeof(real));
		syn_goes_to(t, 45000 + p * 13, real);
	}
}

/* sh with the port hashed: flows spread by (client, port). */
static void new_syn_sh_hash_port(void **state)
{
	hash_sched_case(*state, "sh", true);
}

/* mh (Maglev) with the port hashed: each flow goes where the table says. */
static void new_syn_mh(void **state)
{
	hash_sched_case(*state, "mh", true);
}

const struct CMUnitTest sched_cases[] = {
	DP_CASES(new_syn_rr),
	DP_CASES(new_syn_wrr_3_to_1),
	DP_CASES(new_syn_lc),
	DP_CASES(new_syn_wlc),
	DP_CASES(new_syn_sh),
	DP_CASES(new_syn_sh_hash_port),
	DP_CASES(new_syn_mh),
};
const size_t sched_cases_n = sizeof(sched_cases) / sizeof(sched_cases[0]);
