// SPDX-License-Identifier: GPL-2.0
/*
 * The director's own MTU decisions (bpf/pmtu.h). int0's MTU is 1500; the
 * client's packet of a live flow CLIENT:40000 -> VIP:80 (REAL1:8080)
 * carries 2 x 1448 bytes of body, too big for it:
 *
 *   DF set    answered with ICMP "fragmentation needed, MTU 1500" from
 *             the VIP to the client, out the way it came, quoting the
 *             packet's IPv4 header and 20 bytes as it arrived;
 *   DF clear  rewritten for REAL1 (TTL left to the kernel) and passed to
 *             the kernel, whose forwarding fragments it;
 *   over the ICMP rate, a DF packet is dropped unanswered;
 *   a real's reply too big for the client's side is dropped, counted.
 *
 * Expected frames are built from scratch and compared whole, with every
 * checksum recomputed (pktgen.c).
 */
#include <stdlib.h>
#include <time.h>
#include <linux/if_ether.h>
#include <bpf/bpf.h>

#include "harness.h"

static uint8_t body[2 * 1470];

static void flow_to_real1(struct tcase *t)
{
	struct lb_real reals[] = { REAL(REAL1, 8080, 1) };
	struct pkt_spec syn = tcp_to_vip(CLIENT, 40000, 80, F_SYN);
	struct pkt_spec exp = fwd_to_real(&syn, REAL1, 8080);
	struct run r;

	case_apply_tcp80(t, "rr", reals, 1);
	run_spec(t, SIDE_EXT, &syn, &r);
	expect_result(t, &r, V_FWD, XD_FWD_NEW, &exp);
	for (size_t i = 0; i < sizeof(body); i++)
		body[i] = (uint8_t)(i * 29 + 3);
}

static struct pkt_spec big_from_client(uint16_t frag)
{
	struct pkt_spec s = tcp_to_vip(CLIENT, 40000, 80, F_ACK | F_PSH);

	s.payload = body;
	s.payload_len = 2 * 1448;
	s.frag = frag;
	return s;
}

/* The error the director must send for in: from the VIP, quoting the IPv4
 * header and 20 bytes of in as it arrived. */
static size_t frag_needed_for(const struct pkt_spec *in, uint16_t mtu,
			      uint8_t *out)
{
	uint8_t frame[PKT_MAX];
	static uint8_t quote[40];
	struct pkt_spec s = {
		.ethertype = ETH_P_IP,
		.saddr = in->daddr,
		.daddr = in->saddr,
		.tos = 0xc0,
		.ttl = 64,
		.proto = IPPROTO_ICMP,
		.icmp_type = 3,
		.icmp_code = 4,
		.icmp_rest = mtu,
		.payload = quote,
		.payload_len = sizeof(quote),
	};

	pkt_build(in, frame);
	memcpy(quote, frame + 14, sizeof(quote));
	memcpy(s.dmac, in->smac, 6);
	memcpy(s.smac, in->dmac, 6);
	return pkt_build(&s, out);
}

static void pmtu_df_answered_with_frag_needed(void **state)
{
	struct tcase *t = *state;
	struct pkt_spec in = big_from_client(0x4000);
	uint8_t exp[PKT_MAX];
	size_t len;
	struct run r;

	flow_to_real1(t);
	len = frag_needed_for(&in, 1500, exp);
	run_spec(t, SIDE_EXT, &in, &r);
	expect_result_bytes(t, &r, V_FWD, XD_TX_FRAG_NEEDED, exp, len);
}

/* Without DF the packet is the kernel's to fragment: destination
 * rewritten, TTL and MACs as they came (the kernel's forwarding does
 * those), checksums right. */
static void pmtu_no_df_passed_to_kernel(void **state)
{
	struct tcase *t = *state;
	struct pkt_spec in = big_from_client(0);
	struct pkt_spec exp = in;
	struct run r;

	flow_to_real1(t);
	exp.daddr = ip4(REAL1);
	exp.dport = 8080;
	run_spec(t, SIDE_EXT, &in, &r);
	expect_result(t, &r, V_PASS, XD_PASS_TO_FRAGMENT, &exp);
}

static void bucket_set(struct tcase *t, uint64_t tokens, uint64_t last_ns)
{
	int fd = case_map_fd(t, "icmp_bucket");
	struct xd_icmp_bucket *v = calloc(env.ncpus, sizeof(*v));
	uint32_t zero = 0;

	assert_non_null(v);
	for (int i = 0; i < env.ncpus; i++) {
		v[i].tokens = tokens;
		v[i].last_ns = last_ns;
	}
	assert_int_equal(bpf_map_update_elem(fd, &zero, v, BPF_ANY), 0);
	free(v);
}

/* One token left and the clock's next refill a minute away: the first
 * DF packet is answered, the second dropped unanswered. */
static void pmtu_frag_needed_rate_limited(void **state)
{
	struct tcase *t = *state;
	struct pkt_spec in = big_from_client(0x4000);
	struct timespec now;
	uint8_t exp[PKT_MAX];
	size_t len;
	struct run r;

	flow_to_real1(t);
	clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
	bucket_set(t, 1, now.tv_sec * 1000000000ull + now.tv_nsec +
		   60 * 1000000000ull);
	len = frag_needed_for(&in, 1500, exp);
	run_spec(t, SIDE_EXT, &in, &r);
	expect_result_bytes(t, &r, V_FWD, XD_TX_FRAG_NEEDED, exp, len);
	run_spec(t, SIDE_EXT, &in, &r);
	expect_reason(&r, XD_DROP_FRAG_NEEDED_LIMIT);
	expect_verdict(t, &r, V_DROP);
	/* A refill (the clock well past last_ns) answers again. */
	bucket_set(t, 0, 1);
	run_spec(t, SIDE_EXT, &in, &r);
	expect_result_bytes(t, &r, V_FWD, XD_TX_FRAG_NEEDED, exp, len);
}

/* A DF packet whose IPv4 header has options is not answered (the quote
 * would not hold it): dropped, counted. */
static void pmtu_df_with_ip_options_dropped(void **state)
{
	struct tcase *t = *state;
	struct pkt_spec in = big_from_client(0x4000);
	struct run r;

	flow_to_real1(t);
	in.ip_opts[0] = 1;	/* NOPs */
	in.ip_opts[1] = 1;
	in.ip_opts[2] = 1;
	in.ip_opts[3] = 1;
	in.ip_opts_len = 4;
	run_spec(t, SIDE_EXT, &in, &r);
	expect_result(t, &r, V_DROP, XD_DROP_FRAG_NEEDED, &in);
}

/* REAL1's reply too big for ext0: dropped untouched, counted. */
static void pmtu_reply_too_big_dropped(void **state)
{
	struct tcase *t = *state;
	struct pkt_spec in = tcp_from_real(REAL1, 8080, CLIENT, 40000,
					   F_ACK | F_PSH);
	struct run r;

	flow_to_real1(t);
	in.payload = body;
	in.payload_len = 2 * 1448;
	run_spec(t, SIDE_INT, &in, &r);
	expect_result(t, &r, V_DROP, XD_DROP_FRAG_NEEDED, &in);
}

/* TC: a GRO-merged skb of two 1470-byte segments (1510 bytes of IPv4
 * each) passes the fib helper's own check, but its segments do not fit
 * int0: answered as a single packet would be. */
static void pmtu_gro_segments_too_big(void **state)
{
	struct tcase *t = *state;
	struct pkt_spec in = big_from_client(0x4000);
	uint8_t buf[PKT_MAX], exp[PKT_MAX];
	size_t len, elen;
	struct run r;

	flow_to_real1(t);
	in.payload_len = 2 * 1470;
	len = pkt_build(&in, buf);
	elen = frag_needed_for(&in, 1500, exp);
	run_pkt_gso(t, SIDE_EXT, buf, len, 1470, 2, &r);
	expect_result_bytes(t, &r, V_FWD, XD_TX_FRAG_NEEDED, exp, elen);
}

const struct CMUnitTest pmtu_cases[] = {
	DP_CASES(pmtu_df_answered_with_frag_needed),
	DP_CASES(pmtu_no_df_passed_to_kernel),
	DP_CASES(pmtu_frag_needed_rate_limited),
	DP_CASES(pmtu_df_with_ip_options_dropped),
	DP_CASES(pmtu_reply_too_big_dropped),
	TC_CASE(pmtu_gro_segments_too_big),
};
const size_t pmtu_cases_n = sizeof(pmtu_cases) / sizeof(pmtu_cases[0]);
