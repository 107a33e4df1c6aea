// SPDX-License-Identifier: GPL-2.0
/*
 * Scheduling of new flows: a client's SYN to VIP:80 is forwarded to the
 * real server each scheduler must pick (rr, wrr, lc, wlc, sh, mh, sed,
 * nq, dh, lblc, lblcr, fo, ovf, twos, as IPVS defines each), with
 * the destination rewritten to real:8080, TTL-1, MACs of the next hop and
 * both checksums right. The connection is recorded as SYN_RECV and counts
 * as inactive on its real server.
 */
#include <bpf/bpf.h>
#include <xdirector/hash.h>

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

/* A SYN from CLIENT:sport finds no real the scheduler may take: dropped,
 * counted, and no connection recorded. */
static void syn_dropped(struct tcase *t, uint16_t sport)
{
	struct pkt_spec in = tcp_to_vip(CLIENT, sport, 80, F_SYN);
	struct xd_conn c;
	struct run r;

	run_spec(t, SIDE_EXT, &in, &r);
	expect_reason(&r, XD_DROP_NO_REAL);
	expect_verdict(t, &r, V_DROP);
	assert_false(conn_get(t, CLIENT, sport, 80, IPPROTO_TCP, &c));
}

/* sed, weights REAL1:1 REAL2:3, counting active connections plus one per
 * weight. REAL1 idle (1/1) against REAL2 with 1 active (2/3): REAL2,
 * where wlc would take the idle REAL1. REAL2 at 3 active (4/3): REAL1.
 * Inactive connections do not count: 1000 on REAL2 change nothing. */
static void new_syn_sed(void **state)
{
	struct tcase *t = *state;
	struct lb_real reals[] = { REAL(REAL1, 8080, 1), REAL(REAL2, 8080, 3) };
	uint32_t id1, id2;

	case_apply_tcp80(t, "sed", reals, 2);
	id1 = real_id_of(t, REAL1, 8080);
	id2 = real_id_of(t, REAL2, 8080);
	real_conns_set(t, id1, 0, 0);
	real_conns_set(t, id2, 1, 1000);
	syn_goes_to(t, 46000, REAL2);
	real_conns_set(t, id2, 3, 0);
	syn_goes_to(t, 46001, REAL1);
	/* A tie (1/1 against 3/3) goes to the first. */
	real_conns_set(t, id2, 2, 0);
	syn_goes_to(t, 46002, REAL1);
}

/* nq, weights REAL1:1 REAL2:10: an idle real is taken at once, whatever
 * sed says (REAL2 with 1 active is 2/10 against REAL1's 1/1) and however
 * many inactive connections it has; with none idle, sed decides. */
static void new_syn_nq(void **state)
{
	struct tcase *t = *state;
	struct lb_real reals[] = { REAL(REAL1, 8080, 1), REAL(REAL2, 8080, 10) };
	uint32_t id1, id2;

	case_apply_tcp80(t, "nq", reals, 2);
	id1 = real_id_of(t, REAL1, 8080);
	id2 = real_id_of(t, REAL2, 8080);
	real_conns_set(t, id1, 0, 500);
	real_conns_set(t, id2, 1, 0);
	syn_goes_to(t, 47000, REAL1);
	real_conns_set(t, id1, 1, 0);
	syn_goes_to(t, 47001, REAL2);
	/* Both idle: the first in the list. */
	real_conns_set(t, id1, 0, 0);
	real_conns_set(t, id2, 0, 0);
	syn_goes_to(t, 47002, REAL1);
}

/* The real dh's ring holds for destination `daddr`. */
static uint32_t dh_expect(struct tcase *t, const char *daddr)
{
	struct xd_svc_key sk = { .vip = ip4(VIP), .port = htons(80),
				 .proto = IPPROTO_TCP };
	struct xd_svc svc;
	uint64_t id;
	uint32_t idx;

	assert_int_equal(bpf_map_lookup_elem(case_map_fd(t, "services"), &sk,
					     &svc), 0);
	assert_int_equal(svc.ring_len, XD_RING_SIZE);
	idx = svc.id * XD_RING_SIZE +
	      xd_flow_hash(ip4(daddr), 0, 0) % svc.ring_len;
	assert_int_equal(bpf_map_lookup_elem(case_map_fd(t, "sched_ring"), &idx,
					     &id), 0);
	return (uint32_t)id;
}

/* dh hashes the destination, the VIP: every client and port goes to the
 * one real its bucket holds. Made quiescent (weight 0), that real's
 * destinations get nothing, though the others are free: IPVS's dh does
 * not look further. */
static void new_syn_dh(void **state)
{
	struct tcase *t = *state;
	struct lb_real reals[] = { REAL(REAL1, 8080, 1), REAL(REAL2, 8080, 1),
				   REAL(REAL3, 8080, 1) };
	char real[INET_ADDRSTRLEN], client[INET_ADDRSTRLEN];
	struct xd_real_slot rv;
	uint32_t id;

	case_apply_tcp80(t, "dh", reals, 3);
	id = dh_expect(t, VIP);
	rv = real_get(t, id);
	inet_ntop(AF_INET, &rv.addr, real, sizeof(real));
	for (int i = 0; i < 8; i++) {
		snprintf(client, sizeof(client), "192.168.%d.%d", 20 + i % 3,
			 30 + i);
		syn_from_goes_to(t, client, 48000 + i * 11, real);
	}
	for (int k = 0; k < 3; k++)
		if (reals[k].addr == rv.addr)
			reals[k].weight = 0;
	case_apply_tcp80(t, "dh", reals, 3);
	assert_int_equal(dh_expect(t, VIP), id);
	syn_dropped(t, 48100);
}

static struct xd_lblc lblc_entry(struct tcase *t)
{
	struct xd_svc_key sk = { .vip = ip4(VIP), .port = htons(80),
				 .proto = IPPROTO_TCP };
	struct xd_lblc_key k = { .daddr = ip4(VIP) };
	struct xd_lblc e;
	struct xd_svc svc;

	assert_int_equal(bpf_map_lookup_elem(case_map_fd(t, "services"), &sk,
					     &svc), 0);
	k.svc_id = svc.id;
	assert_int_equal(bpf_map_lookup_elem(case_map_fd(t, "lblc_table"), &k,
					     &e), 0);
	return e;
}

static void lblc_entry_set(struct tcase *t, const struct xd_lblc *e)
{
	struct xd_svc_key sk = { .vip = ip4(VIP), .port = htons(80),
				 .proto = IPPROTO_TCP };
	struct xd_lblc_key k = { .daddr = ip4(VIP) };
	struct xd_svc svc;

	assert_int_equal(bpf_map_lookup_elem(case_map_fd(t, "services"), &sk,
					     &svc), 0);
	k.svc_id = svc.id;
	assert_int_equal(bpf_map_update_elem(case_map_fd(t, "lblc_table"), &k,
					     e, BPF_EXIST), 0);
}

/* lblc: the destination's first flow goes where wlc says (REAL1, both
 * idle) and its later ones follow it there, even once wlc would choose
 * REAL2. REAL1 overloaded (2 active > weight 1, while REAL2 has fewer
 * than half its weight): wlc again, REAL2, remembered from then on. */
static void new_syn_lblc(void **state)
{
	struct tcase *t = *state;
	struct lb_real reals[] = { REAL(REAL1, 8080, 1), REAL(REAL2, 8080, 1) };
	uint32_t id1, id2;
	struct xd_lblc e;

	case_apply_tcp80(t, "lblc", reals, 2);
	id1 = real_id_of(t, REAL1, 8080);
	id2 = real_id_of(t, REAL2, 8080);
	syn_goes_to(t, 49000, REAL1);
	e = lblc_entry(t);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.ids[0], id1);
	real_conns_set(t, id1, 1, 50);
	syn_goes_to(t, 49001, REAL1);
	real_conns_set(t, id1, 2, 0);
	syn_goes_to(t, 49002, REAL2);
	assert_int_equal(lblc_entry(t).ids[0], id2);
	real_conns_set(t, id1, 0, 0);
	real_conns_set(t, id2, 1, 0);
	syn_goes_to(t, 49003, REAL2);
	/* Over its weight, but no real has room to spare: it stays. */
	real_conns_set(t, id1, 1, 0);
	real_conns_set(t, id2, 5, 0);
	syn_goes_to(t, 49004, REAL2);
	/* Made quiescent: the wlc choice. */
	reals[1].weight = 0;
	case_apply_tcp80(t, "lblc", reals, 2);
	syn_goes_to(t, 49005, REAL1);
}

/* lblcr: the set starts with wlc's choice (REAL1); when REAL1 is
 * overloaded, wlc's choice (REAL2) joins the set, and from then on the
 * least loaded member takes the flows. A set unchanged for the expiry
 * time (24 hours) loses its most loaded member. */
static void new_syn_lblcr(void **state)
{
	struct tcase *t = *state;
	struct lb_real reals[] = { REAL(REAL1, 8080, 1), REAL(REAL2, 8080, 1),
				   REAL(REAL3, 8080, 1) };
	uint32_t id1, id2, id3;
	struct xd_lblc e;

	case_apply_tcp80(t, "lblcr", reals, 3);
	id1 = real_id_of(t, REAL1, 8080);
	id2 = real_id_of(t, REAL2, 8080);
	id3 = real_id_of(t, REAL3, 8080);
	syn_goes_to(t, 50000, REAL1);
	real_conns_set(t, id1, 2, 0);
	real_conns_set(t, id2, 0, 0);
	real_conns_set(t, id3, 0, 10);
	syn_goes_to(t, 50001, REAL2);
	e = lblc_entry(t);
	assert_int_equal(e.n, 2);
	assert_int_equal(e.ids[0], id1);
	assert_int_equal(e.ids[1], id2);
	/* Within the set the least loaded wins; REAL3, idler, is not in it. */
	real_conns_set(t, id1, 0, 3);
	real_conns_set(t, id2, 0, 5);
	real_conns_set(t, id3, 0, 0);
	syn_goes_to(t, 50002, REAL1);
	real_conns_set(t, id1, 0, 9);
	syn_goes_to(t, 50003, REAL2);
	/* A day without change: REAL2, the most loaded, leaves the set. */
	real_conns_set(t, id1, 0, 1);
	real_conns_set(t, id2, 0, 7);
	e = lblc_entry(t);
	e.last_mod_ns -= 25ULL * 3600 * 1000000000ULL;
	lblc_entry_set(t, &e);
	syn_goes_to(t, 50004, REAL1);
	e = lblc_entry(t);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.ids[0], id1);
	real_conns_set(t, id1, 0, 100);
	syn_goes_to(t, 50005, REAL1);
}

/* fo: the highest weight takes everything, the first of equals, however
 * loaded; quiescent, the next highest. */
static void new_syn_fo(void **state)
{
	struct tcase *t = *state;
	struct lb_real reals[] = { REAL(REAL1, 8080, 2), REAL(REAL2, 8080, 5),
				   REAL(REAL3, 8080, 5) };
	uint32_t id2;

	case_apply_tcp80(t, "fo", reals, 3);
	id2 = real_id_of(t, REAL2, 8080);
	for (int i = 0; i < 4; i++)
		syn_goes_to(t, 51000 + i, REAL2);
	real_conns_set(t, id2, 1000, 1000);
	syn_goes_to(t, 51010, REAL2);
	reals[1].weight = 0;
	case_apply_tcp80(t, "fo", reals, 3);
	syn_goes_to(t, 51011, REAL3);
	reals[2].weight = 0;
	case_apply_tcp80(t, "fo", reals, 3);
	syn_goes_to(t, 51012, REAL1);
}

/* ovf: the highest weight while its active connections do not exceed
 * its weight, then the next; none left: dropped. */
static void new_syn_ovf(void **state)
{
	struct tcase *t = *state;
	struct lb_real reals[] = { REAL(REAL1, 8080, 1), REAL(REAL2, 8080, 3) };
	uint32_t id1, id2;

	case_apply_tcp80(t, "ovf", reals, 2);
	id1 = real_id_of(t, REAL1, 8080);
	id2 = real_id_of(t, REAL2, 8080);
	real_conns_set(t, id2, 3, 100);
	syn_goes_to(t, 52000, REAL2);
	real_conns_set(t, id2, 4, 0);
	syn_goes_to(t, 52001, REAL1);
	real_conns_set(t, id1, 2, 0);
	syn_dropped(t, 52002);
}

/* twos: two reals drawn by weight, the less loaded of the two taken.
 * REAL1 idle, REAL2 and REAL3 loaded, equal weights: REAL1 wins whenever
 * a draw names it (draws 0 and 1 of 0..3, so 3 flows in 4), the others
 * only when both draws miss it. Over 160 flows REAL1 takes more than
 * half and each other real some (each misses all 160 with a chance
 * below 1e-9). Quiescent, a real is never drawn. */
static void new_syn_twos(void **state)
{
	struct tcase *t = *state;
	struct lb_real reals[] = { REAL(REAL1, 8080, 1), REAL(REAL2, 8080, 1),
				   REAL(REAL3, 8080, 1) };
	uint32_t id[3];
	int n[3] = { 0, 0, 0 };

	case_apply_tcp80(t, "twos", reals, 3);
	id[0] = real_id_of(t, REAL1, 8080);
	id[1] = real_id_of(t, REAL2, 8080);
	id[2] = real_id_of(t, REAL3, 8080);
	real_conns_set(t, id[0], 0, 0);
	real_conns_set(t, id[1], 0, 100000);
	real_conns_set(t, id[2], 0, 100000);
	for (int i = 0; i < 160; i++) {
		struct pkt_spec in = tcp_to_vip(CLIENT, 53000 + i, 80, F_SYN);
		struct xd_conn c;
		struct run r;

		run_spec(t, SIDE_EXT, &in, &r);
		expect_reason(&r, XD_FWD_NEW);
		assert_true(conn_get(t, CLIENT, 53000 + i, 80, IPPROTO_TCP, &c));
		for (int k = 0; k < 3; k++)
			if (c.raddr == reals[k].addr) {
				struct pkt_spec exp = fwd_to_real(&in,
					k == 0 ? REAL1 : k == 1 ? REAL2 : REAL3,
					8080);

				expect_spec(&r, &exp);
				n[k]++;
			}
	}
	assert_int_equal(n[0] + n[1] + n[2], 160);
	assert_true(n[0] > 80);
	assert_true(n[1] > 0 && n[2] > 0);
	reals[0].weight = 0;
	reals[2].weight = 0;
	case_apply_tcp80(t, "twos", reals, 3);
	for (int i = 0; i < 20; i++)
		syn_goes_to(t, 53500 + i, REAL2);
	reals[1].weight = 0;
	case_apply_tcp80(t, "twos", reals, 3);
	syn_dropped(t, 53600);
}

const struct CMUnitTest sched_cases[] = {
	DP_CASES(new_syn_rr),
	DP_CASES(new_syn_wrr_3_to_1),
	DP_CASES(new_syn_lc),
	DP_CASES(new_syn_wlc),
	DP_CASES(new_syn_sh),
	DP_CASES(new_syn_sh_hash_port),
	DP_CASES(new_syn_mh),
	DP_CASES(new_syn_sed),
	DP_CASES(new_syn_nq),
	DP_CASES(new_syn_dh),
	DP_CASES(new_syn_lblc),
	DP_CASES(new_syn_lblcr),
	DP_CASES(new_syn_fo),
	DP_CASES(new_syn_ovf),
	DP_CASES(new_syn_twos),
};
const size_t sched_cases_n = sizeof(sched_cases) / sizeof(sched_cases[0]);
