// SPDX-License-Identifier: GPL-2.0
/*
 * Connection tracking through whole flows: CLIENT:port -> VIP:80/tcp,
 * NATed to REALn:8080. The handshake's ACK makes a connection ESTABLISHED
 * (inactive -> active on its real), FINs from both sides lead through
 * FIN_WAIT to TIME_WAIT, RST to CLOSE; a new SYN on a finished entry is
 * scheduled afresh. Changes of the pool (quiescent, removed reals) keep or
 * drop established flows as IPVS does. Every forwarded packet is compared
 * whole against the expected rewrite.
 */
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include <bpf/bpf.h>

#include "backend/backend.h"
#include "harness.h"

static const char http_get[] = "GET / HTTP/1.0\r\nHost: vip\r\n\r\n";

/* CLIENT:sport -> VIP:80 with flags (and the HTTP request as payload if
 * data), expected at real:8080 with the given reason. */
static void client_sends(struct tcase *t, uint16_t sport, uint8_t flags,
			 bool data, const char *real, int reason)
{
	struct pkt_spec in = tcp_to_vip(CLIENT, sport, 80, flags);
	struct pkt_spec exp;
	struct run r;

	if (data) {
		in.payload = http_get;
		in.payload_len = sizeof(http_get) - 1;
	}
	exp = fwd_to_real(&in, real, 8080);
	run_spec(t, SIDE_EXT, &in, &r);
	expect_result(t, &r, V_FWD, reason, &exp);
}

/* real:8080 -> CLIENT:cport on the internal side, expected from VIP:80. */
static void real_sends(struct tcase *t, const char *real, uint16_t cport,
		       uint8_t flags)
{
	struct pkt_spec in = tcp_from_real(real, 8080, CLIENT, cport, flags);
	struct pkt_spec exp = fwd_to_client(&in, 80);
	struct run r;

	run_spec(t, SIDE_INT, &in, &r);
	expect_result(t, &r, V_FWD, XD_FWD_REPLY, &exp);
}

static uint32_t conn_real_id(struct tcase *t, uint16_t sport)
{
	struct xd_conn c;

	assert_true(conn_get(t, CLIENT, sport, 80, IPPROTO_TCP, &c));
	return c.real_id;
}

static int conn_state(struct tcase *t, uint16_t sport)
{
	struct xd_conn c;

	if (!conn_get(t, CLIENT, sport, 80, IPPROTO_TCP, &c))
		return -1;
	return c.state;
}

static void expect_counts(struct tcase *t, const char *real, int64_t active,
			  int64_t inactive)
{
	struct xd_real_conns rc = real_conns_get(t, real_id_of(t, real, 8080));

	assert_int_equal(rc.active, active);
	assert_int_equal(rc.inactive, inactive);
}

static void rr_two_reals(struct tcase *t)
{
	struct lb_real reals[] = { REAL(REAL1, 8080, 1), REAL(REAL2, 8080, 1) };

	case_apply_tcp80(t, "rr", reals, 2);
}

/* SYN, SYN-ACK back, then the client's ACK carrying a request: it follows
 * the SYN to REAL1 (FWD_ESTABLISHED), the state becomes ESTABLISHED and the
 * connection moves from inactive to active on REAL1. */
static void established_ack_with_payload(void **state)
{
	struct tcase *t = *state;

	rr_two_reals(t);
	client_sends(t, 40000, F_SYN, false, REAL1, XD_FWD_NEW);
	expect_counts(t, REAL1, 0, 1);
	real_sends(t, REAL1, 40000, F_SYN | F_ACK);
	assert_int_equal(conn_state(t, 40000), XD_TCP_SYN_RECV);
	client_sends(t, 40000, F_ACK | F_PSH, true, REAL1, XD_FWD_ESTABLISHED);
	assert_int_equal(conn_state(t, 40000), XD_TCP_ESTABLISHED);
	expect_counts(t, REAL1, 1, 0);
	/* More data on the flow changes nothing. */
	client_sends(t, 40000, F_ACK, true, REAL1, XD_FWD_ESTABLISHED);
	expect_counts(t, REAL1, 1, 0);
	expect_counts(t, REAL2, 0, 0);
}

/* A retransmitted SYN (entry still SYN_RECV) keeps its real: no second
 * scheduling, no second count. */
static void syn_retransmit_same_real(void **state)
{
	struct tcase *t = *state;

	rr_two_reals(t);
	client_sends(t, 40000, F_SYN, false, REAL1, XD_FWD_NEW);
	client_sends(t, 40000, F_SYN, false, REAL1, XD_FWD_ESTABLISHED);
	expect_counts(t, REAL1, 0, 1);
	expect_counts(t, REAL2, 0, 0);
	assert_int_equal(conn_state(t, 40000), XD_TCP_SYN_RECV);
}

static void establish(struct tcase *t, uint16_t sport, const char *real)
{
	client_sends(t, sport, F_SYN, false, real, XD_FWD_NEW);
	real_sends(t, real, sport, F_SYN | F_ACK);
	client_sends(t, sport, F_ACK, false, real, XD_FWD_ESTABLISHED);
	assert_int_equal(conn_state(t, sport), XD_TCP_ESTABLISHED);
}

/* Established; the client's FIN -> FIN_WAIT (active -> inactive); the
 * real's FIN back through the reply path -> TIME_WAIT. */
static void fin_client_then_fin_real(void **state)
{
	struct tcase *t = *state;
	struct xd_conn c;

	rr_two_reals(t);
	establish(t, 40000, REAL1);
	expect_counts(t, REAL1, 1, 0);
	client_sends(t, 40000, F_FIN | F_ACK, false, REAL1, XD_FWD_ESTABLISHED);
	assert_int_equal(conn_state(t, 40000), XD_TCP_FIN_WAIT);
	expect_counts(t, REAL1, 0, 1);
	real_sends(t, REAL1, 40000, F_FIN | F_ACK);
	assert_true(conn_get(t, CLIENT, 40000, 80, IPPROTO_TCP, &c));
	assert_int_equal(c.state, XD_TCP_TIME_WAIT);
	assert_int_equal(c.flags & (XD_CONN_F_FIN_IN | XD_CONN_F_FIN_OUT),
			 XD_CONN_F_FIN_IN | XD_CONN_F_FIN_OUT);
	expect_counts(t, REAL1, 0, 1);
	/* The last ACK still reaches the real. */
	client_sends(t, 40000, F_ACK, false, REAL1, XD_FWD_ESTABLISHED);
	assert_int_equal(conn_state(t, 40000), XD_TCP_TIME_WAIT);
}

/* The real closes first: FIN_WAIT on its FIN, TIME_WAIT on the client's. */
static void fin_real_then_fin_client(void **state)
{
	struct tcase *t = *state;

	rr_two_reals(t);
	establish(t, 40000, REAL1);
	real_sends(t, REAL1, 40000, F_FIN | F_ACK);
	assert_int_equal(conn_state(t, 40000), XD_TCP_FIN_WAIT);
	expect_counts(t, REAL1, 0, 1);
	client_sends(t, 40000, F_FIN | F_ACK, false, REAL1, XD_FWD_ESTABLISHED);
	assert_int_equal(conn_state(t, 40000), XD_TCP_TIME_WAIT);
	expect_counts(t, REAL1, 0, 1);
}

/* Established; the client's RST is forwarded and closes the entry: CLOSE,
 * active count back to 0 (it now counts as inactive until it expires). */
static void rst_from_client_closes(void **state)
{
	struct tcase *t = *state;

	rr_two_reals(t);
	establish(t, 40000, REAL1);
	expect_counts(t, REAL1, 1, 0);
	client_sends(t, 40000, F_RST, false, REAL1, XD_FWD_ESTABLISHED);
	assert_int_equal(conn_state(t, 40000), XD_TCP_CLOSE);
	expect_counts(t, REAL1, 0, 1);
}

/* The real's RST goes back to the client and closes the entry too. */
static void rst_from_real_closes(void **state)
{
	struct tcase *t = *state;

	rr_two_reals(t);
	establish(t, 40000, REAL1);
	real_sends(t, REAL1, 40000, F_RST | F_ACK);
	assert_int_equal(conn_state(t, 40000), XD_TCP_CLOSE);
	expect_counts(t, REAL1, 0, 1);
}

/* A new SYN on a TIME_WAIT entry is a new connection: scheduled again (rr
 * moves on to REAL2), counted once on REAL2 and no longer on REAL1; the
 * old real's late packets for the flow no longer reach the client. */
static void syn_on_time_wait_reschedules(void **state)
{
	struct tcase *t = *state;
	struct pkt_spec late = tcp_from_real(REAL1, 8080, CLIENT, 40000, F_ACK);
	struct run r;

	rr_two_reals(t);
	establish(t, 40000, REAL1);
	client_sends(t, 40000, F_FIN | F_ACK, false, REAL1, XD_FWD_ESTABLISHED);
	real_sends(t, REAL1, 40000, F_FIN | F_ACK);
	assert_int_equal(conn_state(t, 40000), XD_TCP_TIME_WAIT);
	expect_counts(t, REAL1, 0, 1);

	client_sends(t, 40000, F_SYN, false, REAL2, XD_FWD_NEW);
	assert_int_equal(conn_state(t, 40000), XD_TCP_SYN_RECV);
	expect_counts(t, REAL1, 0, 0);
	expect_counts(t, REAL2, 0, 1);

	run_spec(t, SIDE_INT, &late, &r);
	expect_verdict(t, &r, V_DROP);
	expect_reason(&r, XD_DROP_NO_CONN);
}

/* Same after an RST: the CLOSE entry is replaced by a new connection. */
static void syn_on_close_reschedules(void **state)
{
	struct tcase *t = *state;

	rr_two_reals(t);
	establish(t, 40000, REAL1);
	client_sends(t, 40000, F_RST, false, REAL1, XD_FWD_ESTABLISHED);
	client_sends(t, 40000, F_SYN, false, REAL2, XD_FWD_NEW);
	assert_int_equal(conn_state(t, 40000), XD_TCP_SYN_RECV);
	expect_counts(t, REAL1, 0, 0);
	expect_counts(t, REAL2, 0, 1);
}

/* An ESTABLISHED entry idle past its timeout is dead: the next ACK finds
 * no live connection (rr: DROP, no conn) and the real's active count is
 * given back. */
static void expired_entry_uncounted(void **state)
{
	struct tcase *t = *state;
	struct pkt_spec in = tcp_to_vip(CLIENT, 40000, 80, F_ACK);
	struct timespec ms20 = { .tv_nsec = 20 * 1000 * 1000 };
	struct run r;

	rr_two_reals(t);
	establish(t, 40000, REAL1);
	expect_counts(t, REAL1, 1, 0);
	timeout_set(t, XD_TCP_ESTABLISHED, 1);
	nanosleep(&ms20, NULL);	/* past the coarse clock's tick */
	run_spec(t, SIDE_EXT, &in, &r);
	expect_result(t, &r, V_DROP, XD_DROP_NO_CONN, &in);
	expect_counts(t, REAL1, 0, 0);
}

/* An entry stamped by another CPU whose cached coarse clock is a tick
 * ahead of this one's (bpf/clock.h): its last_seen is in our future. It
 * is fresh, not 2^64 ns old: the packet goes on, and the stamp stays. */
static void entry_stamped_ahead_is_fresh(void **state)
{
	struct tcase *t = *state;
	struct xd_conn_key k = conn_key(CLIENT, 40000, 80, IPPROTO_TCP);
	struct timespec now;
	struct xd_conn c;
	uint64_t ahead;
	int fd;

	rr_two_reals(t);
	establish(t, 40000, REAL1);
	fd = case_map_fd(t, "conn_table");
	assert_int_equal(bpf_map_lookup_elem(fd, &k, &c), 0);
	clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
	ahead = now.tv_sec * 1000000000ull + now.tv_nsec + 8000000;
	c.last_seen_ns = ahead;
	assert_int_equal(bpf_map_update_elem(fd, &k, &c, BPF_EXIST), 0);
	xdp_backend_flow_cache_flush(t->b);	/* as the daemon's writes do */
	client_sends(t, 40000, F_ACK | F_PSH, true, REAL1, XD_FWD_ESTABLISHED);
	real_sends(t, REAL1, 40000, F_ACK);
	expect_counts(t, REAL1, 1, 0);
	assert_int_equal(bpf_map_lookup_elem(fd, &k, &c), 0);
	assert_int_equal(c.last_seen_ns, ahead);
}

/* Every CPU's cached next hop of real slot id: set from *v, or read. */
static void real_nh_set(struct tcase *t, uint32_t id, const struct xd_real_nh *v)
{
	struct xd_real_nh *all = calloc(env.ncpus, sizeof(*all));

	assert_non_null(all);
	for (int i = 0; i < env.ncpus; i++)
		all[i] = *v;
	assert_int_equal(bpf_map_update_elem(case_map_fd(t, "real_nh"), &id,
					     all, BPF_ANY), 0);
	free(all);
}

/* The one CPU's entry that names addr (the test ran on one CPU). */
static bool real_nh_find(struct tcase *t, uint32_t id, uint32_t addr,
			 struct xd_real_nh *out)
{
	struct xd_real_nh *all = calloc(env.ncpus, sizeof(*all));
	bool found = false;

	assert_non_null(all);
	assert_int_equal(bpf_map_lookup_elem(case_map_fd(t, "real_nh"), &id,
					     all), 0);
	for (int i = 0; i < env.ncpus && !found; i++)
		if (all[i].addr == addr && all[i].nh.ifindex) {
			*out = all[i];
			found = true;
		}
	free(all);
	return found;
}

/*
 * A new connection takes its real's next hop from the last new
 * connection's (real_nh) instead of a route lookup of its own, while it
 * is fresh and was found for the same address. A sentinel MAC put in the
 * cache shows which was used.
 */
static void new_flow_reuses_real_next_hop(void **state)
{
	static const uint8_t sentinel[6] = { 0x02, 0xee, 0, 0, 0, 0x11 };
	struct tcase *t = *state;
	struct lb_real r1[] = { REAL(REAL1, 8080, 1) };
	struct pkt_spec in = tcp_to_vip(CLIENT, 40001, 80, F_SYN);
	struct pkt_spec exp = fwd_to_real(&in, REAL1, 8080);
	uint32_t id;
	struct xd_real_nh v;
	struct timespec now;
	struct run r;

	case_apply_tcp80(t, "rr", r1, 1);
	id = real_id_of(t, REAL1, 8080);
	client_sends(t, 40000, F_SYN, false, REAL1, XD_FWD_NEW);
	assert_true(real_nh_find(t, id, ip4(REAL1), &v));
	assert_memory_equal(v.nh.dmac, neigh_mac(REAL1), 6);

	/* fresh, for REAL1: used as it is */
	memcpy(v.nh.dmac, sentinel, 6);
	clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
	v.nh.stamp = (uint32_t)((now.tv_sec * 1000000000ull + now.tv_nsec) >> 20) | 1;
	real_nh_set(t, id, &v);
	memcpy(exp.dmac, sentinel, 6);
	run_spec(t, SIDE_EXT, &in, &r);
	expect_result(t, &r, V_FWD, XD_FWD_NEW, &exp);

	/* looked up for another address: ignored, and replaced */
	v.addr = ip4(REAL2);
	real_nh_set(t, id, &v);
	client_sends(t, 40002, F_SYN, false, REAL1, XD_FWD_NEW);
	assert_true(real_nh_find(t, id, ip4(REAL1), &v));
	assert_memory_equal(v.nh.dmac, neigh_mac(REAL1), 6);

	/* found for a packet from another interface: ignored */
	memcpy(v.nh.dmac, sentinel, 6);
	v.iif = env.int_ifindex;
	real_nh_set(t, id, &v);
	client_sends(t, 40003, F_SYN, false, REAL1, XD_FWD_NEW);
	assert_true(real_nh_find(t, id, ip4(REAL1), &v));
	assert_int_equal(v.iif, env.ext_ifindex);

	/* stale (older than XD_NH_TTL_MS): looked up again */
	memcpy(v.nh.dmac, sentinel, 6);
	v.nh.stamp -= 2 * XD_NH_TTL_MS;
	real_nh_set(t, id, &v);
	client_sends(t, 40004, F_SYN, false, REAL1, XD_FWD_NEW);
}

/*
 * The reply direction's counterpart: a connection's first reply takes the
 * next hop towards its client from dst_nh (a per-CPU slot chosen by the
 * client's address), when it was found for the same client, VIP and
 * ingress interface.
 */
static void first_reply_reuses_client_next_hop(void **state)
{
	static const uint8_t sentinel[6] = { 0x02, 0xee, 0, 0, 0, 0x10 };
	struct tcase *t = *state;
	uint32_t slot = (uint32_t)(ip4(CLIENT) * 2654435761u) >>
			(32 - XD_DST_NH_BITS);
	int fd;
	struct xd_dst_nh *all = calloc(env.ncpus, sizeof(*all)), v = { 0 };
	struct pkt_spec in = tcp_from_real(REAL1, 8080, CLIENT, 40001,
					   F_SYN | F_ACK);
	struct pkt_spec exp = fwd_to_client(&in, 80);
	struct timespec now;
	struct run r;

	assert_non_null(all);
	case_apply_tcp80(t, "rr", (struct lb_real[]){ REAL(REAL1, 8080, 1) }, 1);
	fd = case_map_fd(t, "dst_nh");
	client_sends(t, 40000, F_SYN, false, REAL1, XD_FWD_NEW);
	real_sends(t, REAL1, 40000, F_SYN | F_ACK);
	assert_int_equal(bpf_map_lookup_elem(fd, &slot, all), 0);
	for (int i = 0; i < env.ncpus; i++)
		if (all[i].daddr == ip4(CLIENT))
			v = all[i];
	assert_int_equal(v.saddr, ip4(VIP));
	assert_memory_equal(v.nh.dmac, neigh_mac(CLIENT), 6);

	/* fresh, same client, VIP and interface: used */
	memcpy(v.nh.dmac, sentinel, 6);
	clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
	v.nh.stamp = (uint32_t)((now.tv_sec * 1000000000ull + now.tv_nsec) >> 20) | 1;
	for (int i = 0; i < env.ncpus; i++)
		all[i] = v;
	assert_int_equal(bpf_map_update_elem(fd, &slot, all, BPF_ANY), 0);
	client_sends(t, 40001, F_SYN, false, REAL1, XD_FWD_NEW);
	memcpy(exp.dmac, sentinel, 6);
	run_spec(t, SIDE_INT, &in, &r);
	expect_result(t, &r, V_FWD, XD_FWD_REPLY, &exp);

	/* found for another source address, or for packets from another
	 * interface: looked up afresh */
	v.saddr = ip4(REAL2);
	for (int i = 0; i < env.ncpus; i++)
		all[i] = v;
	assert_int_equal(bpf_map_update_elem(fd, &slot, all, BPF_ANY), 0);
	client_sends(t, 40002, F_SYN, false, REAL1, XD_FWD_NEW);
	real_sends(t, REAL1, 40002, F_SYN | F_ACK);
	v.saddr = ip4(VIP);
	v.iif = env.ext_ifindex;
	for (int i = 0; i < env.ncpus; i++)
		all[i] = v;
	assert_int_equal(bpf_map_update_elem(fd, &slot, all, BPF_ANY), 0);
	client_sends(t, 40003, F_SYN, false, REAL1, XD_FWD_NEW);
	real_sends(t, REAL1, 40003, F_SYN | F_ACK);
	free(all);
}

/* A datapath that fails to load (here: a zero-sized connection table)
 * leaves behind no pin directory it made. */
static void failed_open_leaves_no_pins(void **state)
{
	char dir[300], err[256];
	struct backend *b = NULL;
	struct backend_opts o = { .bpffs = dir, .mode = DP_XDP,
				  .conn_max = 0, .no_attach = true };

	(void)state;
	snprintf(dir, sizeof(dir), "%s/failed-open", env.bpffs);
	assert_int_not_equal(xdp_backend_open(&o, &b, err, sizeof(err)), 0);
	assert_null(b);
	assert_int_equal(access(dir, F_OK), -1);
	/* one the operator made beforehand stays */
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_not_equal(xdp_backend_open(&o, &b, err, sizeof(err)), 0);
	assert_int_equal(access(dir, F_OK), 0);
	assert_int_equal(rmdir(dir), 0);
}

/* The daemon's sweeper (backend maintain) removes entries idle past their
 * timeout (and grace) and uncounts them, and leaves live ones alone. */
static void sweeper_removes_dead_entries(void **state)
{
	struct tcase *t = *state;
	struct xd_conn_key k = {
		.saddr = ip4(CLIENT), .daddr = ip4(VIP),
		.dport = htons(80), .proto = IPPROTO_TCP,
	};
	struct xd_conn c;
	int fd;

	rr_two_reals(t);
	establish(t, 40000, REAL1);
	establish(t, 40001, REAL2);
	establish(t, 40002, REAL1);
	expect_counts(t, REAL1, 2, 0);
	expect_counts(t, REAL2, 1, 0);
	/* Reset: CLOSE, 10 s; then made idle since the clock's start. */
	client_sends(t, 40000, F_RST, false, REAL1, XD_FWD_ESTABLISHED);
	client_sends(t, 40001, F_RST, false, REAL2, XD_FWD_ESTABLISHED);
	expect_counts(t, REAL1, 1, 1);
	expect_counts(t, REAL2, 0, 1);
	fd = case_map_fd(t, "conn_table");
	for (uint16_t p = 40000; p <= 40001; p++) {
		k.sport = htons(p);
		assert_int_equal(bpf_map_lookup_elem(fd, &k, &c), 0);
		c.last_seen_ns = 1;
		assert_int_equal(bpf_map_update_elem(fd, &k, &c, BPF_EXIST), 0);
	}
	t->b->ops->maintain(t->b);
	assert_int_equal(conn_count(t), 1);
	assert_true(conn_get(t, CLIENT, 40002, 80, IPPROTO_TCP, &c));
	expect_counts(t, REAL1, 1, 0);
	expect_counts(t, REAL2, 0, 0);
	client_sends(t, 40002, F_ACK | F_PSH, true, REAL1, XD_FWD_ESTABLISHED);
}

static int expires_cb(const struct backend_conn *c, void *arg)
{
	*(uint64_t *)arg = c->expires_in_ms;
	return 0;
}

/* The daemon's view of the connections (sweeper, listing) reads the idle
 * timeouts from params, as the datapath does: with ESTABLISHED's set to
 * 5 s, an entry idle for 10 s goes (past timeout and grace), where the
 * default of 900 s would keep it, and the one left expires within 5 s. */
static void sweeper_reads_params_timeouts(void **state)
{
	struct tcase *t = *state;
	struct xd_conn_key k = conn_key(CLIENT, 40000, 80, IPPROTO_TCP);
	struct timespec now;
	uint64_t expires_ms = 0;
	struct xd_conn c;
	int fd;

	rr_two_reals(t);
	establish(t, 40000, REAL1);
	establish(t, 40001, REAL2);
	fd = case_map_fd(t, "conn_table");
	assert_int_equal(bpf_map_lookup_elem(fd, &k, &c), 0);
	clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
	c.last_seen_ns = now.tv_sec * 1000000000ull + now.tv_nsec -
			 10 * 1000000000ull;
	assert_int_equal(bpf_map_update_elem(fd, &k, &c, BPF_EXIST), 0);
	timeout_set(t, XD_TCP_ESTABLISHED, 5 * 1000000000ull);
	t->b->ops->maintain(t->b);
	assert_int_equal(conn_count(t), 1);
	assert_false(conn_get(t, CLIENT, 40000, 80, IPPROTO_TCP, &c));
	expect_counts(t, REAL1, 0, 0);
	expect_counts(t, REAL2, 1, 0);
	assert_int_equal(t->b->ops->conns(t->b, expires_cb, &expires_ms), 0);
	assert_true(expires_ms > 0 && expires_ms <= 5000);
}

/* REAL1 set to weight 0 (quiescent) while a flow to it is established:
 * new SYNs all go to REAL2, the established flow keeps going to REAL1. */
static void quiescent_real_keeps_established(void **state)
{
	struct tcase *t = *state;
	struct lb_real quiet[] = { REAL(REAL1, 8080, 0), REAL(REAL2, 8080, 1) };

	rr_two_reals(t);
	establish(t, 40000, REAL1);
	case_apply_tcp80(t, "rr", quiet, 2);
	for (int i = 1; i <= 4; i++)
		client_sends(t, 40000 + i, F_SYN, false, REAL2, XD_FWD_NEW);
	client_sends(t, 40000, F_ACK | F_PSH, true, REAL1, XD_FWD_ESTABLISHED);
	expect_counts(t, REAL1, 1, 0);
	expect_counts(t, REAL2, 0, 4);
}

/* Same with wlc, which compares every real: weight 0 is never picked
 * even with the fewest connections. */
static void quiescent_real_wlc(void **state)
{
	struct tcase *t = *state;
	struct lb_real reals[] = { REAL(REAL1, 8080, 1), REAL(REAL2, 8080, 1) };
	struct lb_real quiet[] = { REAL(REAL1, 8080, 0), REAL(REAL2, 8080, 1) };

	case_apply_tcp80(t, "wlc", reals, 2);
	case_apply_tcp80(t, "wlc", quiet, 2);
	real_conns_set(t, real_id_of(t, REAL2, 8080), 50, 50);
	for (int i = 1; i <= 3; i++)
		client_sends(t, 40000 + i, F_SYN, false, REAL2, XD_FWD_NEW);
}

/* REAL1 removed from the service while a flow to it is established: the
 * flow's next packet is dropped (REAL_GONE), untouched; new SYNs go to
 * REAL2. */
static void removed_real_drops_established(void **state)
{
	struct tcase *t = *state;
	struct lb_real only2[] = { REAL(REAL2, 8080, 1) };
	struct pkt_spec in = tcp_to_vip(CLIENT, 40000, 80, F_ACK);
	struct run r;

	rr_two_reals(t);
	establish(t, 40000, REAL1);
	case_apply_tcp80(t, "rr", only2, 1);
	run_spec(t, SIDE_EXT, &in, &r);
	expect_result(t, &r, V_DROP, XD_DROP_REAL_GONE, &in);
	client_sends(t, 40001, F_SYN, false, REAL2, XD_FWD_NEW);
}

/*
 * The service goes while a flow is established: its packets are no VIP's
 * any more and go to the kernel, on the client-facing program (which
 * finds the connection before the service) as on the one serving both
 * sides. Then port 80 comes back with REAL2 only while a service on port
 * 81 takes REAL1 in the old flow's real slot: the flow must not follow
 * the slot to the other service; its real is gone (REAL_GONE), as when a
 * real leaves a service that stays.
 */
static void removed_service_drops_established(void **state)
{
	struct tcase *t = *state;
	struct lb_real r1[] = { REAL(REAL1, 8080, 1) };
	struct lb_real r2[] = { REAL(REAL2, 8080, 1) };
	struct lb_service svcs[] = {
		{ .vip = ip4(VIP), .port = htons(81), .proto = IPPROTO_TCP,
		  .reals = r1, .nreals = 1 },
		{ .vip = ip4(VIP), .port = htons(80), .proto = IPPROTO_TCP,
		  .reals = r2, .nreals = 1 },
	};
	struct pkt_spec in = tcp_to_vip(CLIENT, 40000, 80, F_ACK);
	struct run r;

	snprintf(svcs[0].sched, sizeof(svcs[0].sched), "rr");
	snprintf(svcs[1].sched, sizeof(svcs[1].sched), "rr");
	rr_two_reals(t);
	establish(t, 40000, REAL1);
	case_apply(t, NULL, 0);
	run_spec(t, SIDE_EXT, &in, &r);
	expect_result(t, &r, V_PASS, XD_PASS_NOT_OURS, &in);
	run_spec(t, SIDE_BOTH, &in, &r);
	expect_result(t, &r, V_PASS, XD_PASS_NOT_OURS, &in);

	case_apply(t, svcs, 2);
	assert_int_equal(real_id_of(t, REAL1, 8080),
			 conn_real_id(t, 40000));
	run_spec(t, SIDE_EXT, &in, &r);
	expect_result(t, &r, V_DROP, XD_DROP_REAL_GONE, &in);
	run_spec(t, SIDE_BOTH, &in, &r);
	expect_result(t, &r, V_DROP, XD_DROP_REAL_GONE, &in);
}

/* Every real at weight 0: a SYN has nowhere to go -> DROP, no real, and
 * no connection is created. */
static void all_reals_quiescent_rr(void **state)
{
	struct tcase *t = *state;
	struct lb_real reals[] = { REAL(REAL1, 8080, 0), REAL(REAL2, 8080, 0) };
	struct pkt_spec in = tcp_to_vip(CLIENT, 40000, 80, F_SYN);
	struct run r;

	case_apply_tcp80(t, "rr", reals, 2);
	run_spec(t, SIDE_EXT, &in, &r);
	expect_result(t, &r, V_DROP, XD_DROP_NO_REAL, &in);
	assert_int_equal(conn_count(t), 0);
}

/* The same through the least-connection scan. */
static void all_reals_quiescent_wlc(void **state)
{
	struct tcase *t = *state;
	struct lb_real reals[] = { REAL(REAL1, 8080, 0), REAL(REAL2, 8080, 0) };
	struct pkt_spec in = tcp_to_vip(CLIENT, 40000, 80, F_SYN);
	struct run r;

	case_apply_tcp80(t, "wlc", reals, 2);
	run_spec(t, SIDE_EXT, &in, &r);
	expect_result(t, &r, V_DROP, XD_DROP_NO_REAL, &in);
	assert_int_equal(conn_count(t), 0);
}

/* A service with no reals at all (e.g. every check failed, no fallback). */
static void service_without_reals(void **state)
{
	struct tcase *t = *state;
	struct pkt_spec in = tcp_to_vip(CLIENT, 40000, 80, F_SYN);
	struct run r;

	case_apply_tcp80(t, "rr", NULL, 0);
	run_spec(t, SIDE_EXT, &in, &r);
	expect_result(t, &r, V_DROP, XD_DROP_NO_REAL, &in);
}

/* ldirectord's fallback on the director itself (lb_service.local): new
 * flows go to the local stack untouched, and leave no state. */
static void local_fallback_passes(void **state)
{
	struct tcase *t = *state;
	struct lb_service svc = {
		.vip = ip4(VIP), .port = htons(80), .proto = IPPROTO_TCP,
		.sched = "rr", .local = true,
	};
	struct pkt_spec in = tcp_to_vip(CLIENT, 40000, 80, F_SYN);
	struct pkt_spec ack = tcp_to_vip(CLIENT, 40000, 80, F_ACK);
	struct run r;

	case_apply(t, &svc, 1);
	run_spec(t, SIDE_EXT, &in, &r);
	expect_result(t, &r, V_PASS, XD_PASS_LOCAL, &in);
	assert_int_equal(conn_count(t), 0);
	/* ... and so do the flow's later packets. */
	run_spec(t, SIDE_EXT, &ack, &r);
	expect_verdict(t, &r, V_PASS);
	expect_spec(&r, &ack);
}

/* An ACK with no connection state, rr service: as IPVS, DROP (no conn). */
static void non_syn_without_state_rr(void **state)
{
	struct tcase *t = *state;
	struct pkt_spec in = tcp_to_vip(CLIENT, 40000, 80, F_ACK | F_PSH);
	struct run r;

	rr_two_reals(t);
	in.payload = http_get;
	in.payload_len = sizeof(http_get) - 1;
	run_spec(t, SIDE_EXT, &in, &r);
	expect_result(t, &r, V_DROP, XD_DROP_NO_CONN, &in);
	assert_int_equal(conn_count(t), 0);
}

/* The same ACK on an mh service (state lost, e.g. after a failover): the
 * hash maps it back to the real it had; the entry is re-created as
 * ESTABLISHED and counts as active. */
static void non_syn_without_state_mh(void **state)
{
	struct tcase *t = *state;
	struct lb_real reals[] = { REAL(REAL1, 8080, 1), REAL(REAL2, 8080, 1),
				   REAL(REAL3, 8080, 1) };
	struct lb_service svc = {
		.vip = ip4(VIP), .port = htons(80), .proto = IPPROTO_TCP,
		.sched = "mh", .hash_port = true, .reals = reals, .nreals = 3,
	};
	char real[INET_ADDRSTRLEN];
	struct xd_real_slot rv;
	uint32_t id;

	case_apply(t, &svc, 1);
	for (uint16_t sport = 40000; sport < 40006; sport++) {
		id = ring_expect(t, 80, IPPROTO_TCP, CLIENT, sport);
		rv = real_get(t, id);
		inet_ntop(AF_INET, &rv.addr, real, sizeof(real));
		client_sends(t, sport, F_ACK | F_PSH, true, real, XD_FWD_NEW);
		assert_int_equal(conn_state(t, sport), XD_TCP_ESTABLISHED);
	}
	id = ring_expect(t, 80, IPPROTO_TCP, CLIENT, 40000);
	assert_true(real_conns_get(t, id).active >= 1);
	{
		int64_t total = 0;

		for (int k = 0; k < 3; k++) {
			char a[INET_ADDRSTRLEN];

			inet_ntop(AF_INET, &reals[k].addr, a, sizeof(a));
			total += real_conns_get(t, real_id_of(t, a, 8080)).active;
			assert_int_equal(real_conns_get(t, real_id_of(t, a, 8080))
					 .inactive, 0);
		}
		assert_int_equal(total, 6);
	}
}

/* REAL1 removed, then configured again: it gets its old slot back, so the
 * flow that was established to it resumes. */
static void readded_real_resumes(void **state)
{
	struct tcase *t = *state;
	struct lb_real only2[] = { REAL(REAL2, 8080, 1) };
	struct lb_real both[] = { REAL(REAL1, 8080, 1), REAL(REAL2, 8080, 1) };
	uint32_t id;

	rr_two_reals(t);
	establish(t, 40000, REAL1);
	id = real_id_of(t, REAL1, 8080);
	case_apply_tcp80(t, "rr", only2, 1);
	case_apply_tcp80(t, "rr", both, 2);
	assert_int_equal(real_id_of(t, REAL1, 8080), id);
	client_sends(t, 40000, F_ACK, true, REAL1, XD_FWD_ESTABLISHED);
	expect_counts(t, REAL1, 1, 0);
}

struct events {
	struct xd_conn_event ev[8];
	int n;
};

static int event_cb(void *ctx, void *data, size_t size)
{
	struct events *e = ctx;

	if (size >= sizeof(e->ev[0]) && e->n < 8)
		memcpy(&e->ev[e->n++], data, sizeof(e->ev[0]));
	return 0;
}

/* With sync on, the datapath reports a new connection (XD_EV_NEW, SYN_RECV
 * to REAL1) and each state change (XD_EV_STATE, ESTABLISHED), but not
 * packets that change nothing; with sync off, nothing. */
static void sync_events_new_and_state(void **state)
{
	struct tcase *t = *state;
	struct events e = { .n = 0 };
	struct ring_buffer *rb;

	rr_two_reals(t);
	rb = ring_buffer__new(t->b->ops->events_fd(t->b), event_cb, &e, NULL);
	assert_non_null(rb);
	client_sends(t, 39999, F_SYN, false, REAL1, XD_FWD_NEW);
	assert_int_equal(ring_buffer__consume(rb), 0);

	assert_int_equal(t->b->ops->set_events(t->b, true), 0);
	client_sends(t, 40000, F_SYN, false, REAL2, XD_FWD_NEW);
	real_sends(t, REAL2, 40000, F_SYN | F_ACK);
	client_sends(t, 40000, F_ACK, false, REAL2, XD_FWD_ESTABLISHED);
	client_sends(t, 40000, F_ACK, true, REAL2, XD_FWD_ESTABLISHED);
	ring_buffer__consume(rb);
	ring_buffer__free(rb);

	assert_int_equal(e.n, 2);
	assert_int_equal(e.ev[0].type, XD_EV_NEW);
	assert_int_equal(e.ev[0].key.saddr, ip4(CLIENT));
	assert_int_equal(e.ev[0].key.sport, htons(40000));
	assert_int_equal(e.ev[0].key.daddr, ip4(VIP));
	assert_int_equal(e.ev[0].key.dport, htons(80));
	assert_int_equal(e.ev[0].key.proto, IPPROTO_TCP);
	assert_int_equal(e.ev[0].conn.state, XD_TCP_SYN_RECV);
	assert_int_equal(e.ev[0].conn.raddr, ip4(REAL2));
	assert_int_equal(e.ev[0].conn.rport, htons(8080));
	assert_int_equal(e.ev[1].type, XD_EV_STATE);
	assert_int_equal(e.ev[1].key.sport, htons(40000));
	assert_int_equal(e.ev[1].conn.state, XD_TCP_ESTABLISHED);
}

struct acks {
	struct xd_peer_ack a[8];
	int n;
};

static int ack_cb(void *ctx, void *data, size_t size)
{
	struct acks *e = ctx;

	if (size >= sizeof(e->a[0]) && e->n < 8)
		memcpy(&e->a[e->n++], data, sizeof(e->a[0]));
	return 0;
}

/* A pure ACK (seq, ack) of the client to VIP:80, or of real:8080 to the
 * client: forwarded as usual; returns nothing. */
static void pure_ack(struct tcase *t, bool from_client, uint16_t cport,
		     uint32_t seq, uint32_t ack)
{
	struct pkt_spec in, exp;
	struct run r;

	if (from_client) {
		in = tcp_to_vip(CLIENT, cport, 80, F_ACK);
		in.seq = seq;
		in.ack_seq = ack;
		exp = fwd_to_real(&in, REAL1, 8080);
		run_spec(t, SIDE_EXT, &in, &r);
		expect_result(t, &r, V_FWD, XD_FWD_ESTABLISHED, &exp);
	} else {
		in = tcp_from_real(REAL1, 8080, CLIENT, cport, F_ACK);
		in.seq = seq;
		in.ack_seq = ack;
		exp = fwd_to_client(&in, 80);
		run_spec(t, SIDE_INT, &in, &r);
		expect_result(t, &r, V_FWD, XD_FWD_REPLY, &exp);
	}
}

/* An entry synced from the peer reports the first pure ACK each way
 * (peer_acks: seq and ack as sent, the real server, who sent it), not
 * data segments, not a second ACK; an entry made here reports nothing. */
static void synced_entry_reports_first_pure_acks(void **state)
{
	struct tcase *t = *state;
	struct backend_sync_conn sc = {
		.key = { .saddr = ip4(CLIENT), .daddr = ip4(VIP),
			 .sport = htons(40000), .dport = htons(80),
			 .proto = IPPROTO_TCP },
		.raddr = ip4(REAL1), .rport = htons(8080),
		.state = XD_TCP_ESTABLISHED,
	};
	struct acks e = { .n = 0 };
	struct ring_buffer *rb;
	struct xd_conn c;

	rr_two_reals(t);
	assert_int_equal(t->b->ops->install_conn(t->b, &sc), 0);
	rb = ring_buffer__new(t->b->ops->peer_acks_fd(t->b), ack_cb, &e, NULL);
	assert_non_null(rb);

	client_sends(t, 40000, F_ACK | F_PSH, true, REAL1, XD_FWD_ESTABLISHED);
	pure_ack(t, true, 40000, 1000, 2000);
	pure_ack(t, true, 40000, 1000, 2000);
	pure_ack(t, false, 40000, 2000, 1000);
	pure_ack(t, false, 40000, 2000, 1001);
	/* Made here, not synced: nothing. */
	client_sends(t, 40002, F_SYN, false, REAL1, XD_FWD_NEW);
	client_sends(t, 40002, F_ACK, false, REAL1, XD_FWD_ESTABLISHED);
	ring_buffer__consume(rb);
	ring_buffer__free(rb);

	assert_int_equal(e.n, 2);
	assert_int_equal(e.a[0].from_client, 1);
	assert_int_equal(e.a[0].key.saddr, ip4(CLIENT));
	assert_int_equal(e.a[0].key.sport, htons(40000));
	assert_int_equal(e.a[0].key.daddr, ip4(VIP));
	assert_int_equal(e.a[0].key.dport, htons(80));
	assert_int_equal(e.a[0].raddr, ip4(REAL1));
	assert_int_equal(e.a[0].rport, htons(8080));
	assert_int_equal(e.a[0].seq, htonl(1000));
	assert_int_equal(e.a[0].ack, htonl(2000));
	assert_int_equal(e.a[1].from_client, 0);
	assert_int_equal(e.a[1].key.sport, htons(40000));
	assert_int_equal(e.a[1].seq, htonl(2000));
	assert_int_equal(e.a[1].ack, htonl(1000));
	assert_true(conn_get(t, CLIENT, 40000, 80, IPPROTO_TCP, &c));
	assert_int_equal(c.flags & (XD_CONN_F_SYNCED | XD_CONN_F_ACK_IN |
				    XD_CONN_F_ACK_OUT),
			 XD_CONN_F_SYNCED | XD_CONN_F_ACK_IN | XD_CONN_F_ACK_OUT);
}

/* Per-service and per-real counters: packets and bytes each way, one
 * connection, and a drop counted against the service. */
static void service_and_real_counters(void **state)
{
	struct tcase *t = *state;
	struct pkt_spec stray = tcp_to_vip(CLIENT, 40001, 80, F_ACK);
	struct backend_snapshot s;
	const struct backend_real_stat *rs;
	struct lb_real reals[] = { REAL(REAL1, 8080, 1) };
	struct run r;

	case_apply_tcp80(t, "rr", reals, 1);
	client_sends(t, 40000, F_SYN, false, REAL1, XD_FWD_NEW);	/* 54 */
	real_sends(t, REAL1, 40000, F_SYN | F_ACK);			/* 54 */
	client_sends(t, 40000, F_ACK, true, REAL1, XD_FWD_ESTABLISHED);
	run_spec(t, SIDE_EXT, &stray, &r);
	expect_reason(&r, XD_DROP_NO_CONN);

	assert_int_equal(t->b->ops->snapshot(t->b, &s), 0);
	assert_int_equal(s.nsvcs, 1);
	assert_int_equal(s.svcs[0].counters.pkts_in, 2);
	assert_int_equal(s.svcs[0].counters.bytes_in,
			 54 + 54 + sizeof(http_get) - 1);
	assert_int_equal(s.svcs[0].counters.pkts_out, 1);
	assert_int_equal(s.svcs[0].counters.bytes_out, 54);
	assert_int_equal(s.svcs[0].counters.conns, 1);
	assert_int_equal(s.svcs[0].counters.drops, 1);
	assert_int_equal(s.svcs[0].nreals, 1);
	rs = &s.svcs[0].reals[0];
	assert_int_equal(rs->counters.pkts_in, 2);
	assert_int_equal(rs->counters.pkts_out, 1);
	assert_int_equal(rs->counters.conns, 1);
	assert_int_equal(rs->active, 1);
	backend_snapshot_free(&s);
}

/* ---- the per-CPU flow cache (bpf/flow_cache.h) ---------------------- */

/* Whether this CPU's cache holds the flow of packets from addr:port in
 * direction dir (the tests run on one CPU; any CPU's entry will do). */
static bool flow_cached(struct tcase *t, const char *addr, uint16_t port,
			uint8_t dir)
{
	struct xd_flow *all = calloc(env.ncpus, sizeof(*all));
	int fd = case_map_fd(t, "flow_cache");
	bool found = false;

	assert_non_null(all);
	for (uint32_t slot = 0; slot < (1u << XD_FLOW_CACHE_BITS) && !found;
	     slot++) {
		assert_int_equal(bpf_map_lookup_elem(fd, &slot, all), 0);
		for (int i = 0; i < env.ncpus; i++)
			found |= all[i].dir == dir &&
				 all[i].saddr == ip4(addr) &&
				 all[i].sport == htons(port);
	}
	free(all);
	return found;
}

static uint32_t flow_epoch_get(struct tcase *t)
{
	uint32_t zero = 0, v;

	assert_int_equal(bpf_map_lookup_elem(case_map_fd(t, "flow_epoch"),
					     &zero, &v), 0);
	return v;
}

/*
 * Packets of a live flow are forwarded from the cache once the slow path
 * has filled it, each way, exactly as the slow path forwards them (whole
 * frames compared) and counted alike; a FIN still reaches conn_table.
 */
static void cached_flow_forwarded_as_slow_path(void **state)
{
	struct tcase *t = *state;
	struct backend_snapshot s;

	rr_two_reals(t);
	establish(t, 40000, REAL1);
	assert_true(flow_cached(t, CLIENT, 40000, XD_FLOW_TO_REAL));
	client_sends(t, 40000, F_ACK | F_PSH, true, REAL1, XD_FWD_ESTABLISHED);
	client_sends(t, 40000, F_ACK | F_PSH, true, REAL1, XD_FWD_ESTABLISHED);
	real_sends(t, REAL1, 40000, F_ACK);
	assert_true(flow_cached(t, REAL1, 8080, XD_FLOW_FROM_REAL));
	real_sends(t, REAL1, 40000, F_ACK | F_PSH);
	real_sends(t, REAL1, 40000, F_ACK | F_PSH);

	assert_int_equal(t->b->ops->snapshot(t->b, &s), 0);
	assert_int_equal(s.svcs[0].counters.pkts_in, 4);
	assert_int_equal(s.svcs[0].counters.pkts_out, 4);
	for (size_t i = 0; i < s.svcs[0].nreals; i++)
		if (s.svcs[0].reals[i].real.addr == ip4(REAL1)) {
			assert_int_equal(s.svcs[0].reals[i].counters.pkts_in, 4);
			assert_int_equal(s.svcs[0].reals[i].counters.pkts_out, 4);
		}
	/* Each of the 7 established and reply packets a hit or a miss; the
	 * SYN-ACK, the ACK that established and the first reply filled the
	 * cache, so missed (more miss where a clock tick went by). */
	assert_int_equal(s.flow_hits + s.flow_misses, 7);
	assert_true(s.flow_misses >= 3);
	backend_snapshot_free(&s);

	client_sends(t, 40000, F_FIN | F_ACK, false, REAL1, XD_FWD_ESTABLISHED);
	assert_int_equal(conn_state(t, 40000), XD_TCP_FIN_WAIT);
	expect_counts(t, REAL1, 0, 1);
}

/*
 * The cache really serves: with the entry pointed at REAL2 behind the
 * datapath's back, the flow keeps going to REAL1 from the cache (tried
 * until fill and use fall in one clock tick) until the epoch moves, as
 * every write of the daemon's moves it; then conn_table decides.
 */
static void cache_serves_until_epoch_moves(void **state)
{
	struct tcase *t = *state;
	struct pkt_spec in = tcp_to_vip(CLIENT, 40000, 80, F_ACK);
	struct pkt_spec to1 = fwd_to_real(&in, REAL1, 8080);
	struct pkt_spec to2 = fwd_to_real(&in, REAL2, 8080);
	struct xd_conn_key k = conn_key(CLIENT, 40000, 80, IPPROTO_TCP);
	uint8_t want1[PKT_MAX];
	size_t want1_len = pkt_build(&to1, want1);
	struct backend_snapshot s;
	int fd, tries, hit = 0;
	struct xd_conn c1, c2;
	struct run r;

	rr_two_reals(t);
	establish(t, 40000, REAL1);
	fd = case_map_fd(t, "conn_table");
	assert_int_equal(bpf_map_lookup_elem(fd, &k, &c1), 0);
	c2 = c1;
	c2.raddr = ip4(REAL2);
	c2.real_id = real_id_of(t, REAL2, 8080);
	memset(&c2.nh_fwd, 0, sizeof(c2.nh_fwd));	/* REAL1's MAC */
	for (tries = 0; tries < 50 && !hit; tries++) {
		assert_int_equal(bpf_map_update_elem(fd, &k, &c1, BPF_EXIST), 0);
		xdp_backend_flow_cache_flush(t->b);
		client_sends(t, 40000, F_ACK, false, REAL1, XD_FWD_ESTABLISHED);
		assert_int_equal(bpf_map_update_elem(fd, &k, &c2, BPF_EXIST), 0);
		run_spec(t, SIDE_EXT, &in, &r);
		expect_reason(&r, XD_FWD_ESTABLISHED);
		hit = r.len == want1_len && memcmp(r.out, want1, want1_len) == 0;
	}
	assert_true(hit);
	assert_int_equal(t->b->ops->snapshot(t->b, &s), 0);
	assert_true(s.flow_hits >= 1);	/* and counted as such */
	backend_snapshot_free(&s);
	xdp_backend_flow_cache_flush(t->b);
	run_spec(t, SIDE_EXT, &in, &r);
	expect_result(t, &r, V_FWD, XD_FWD_ESTABLISHED, &to2);
}

/*
 * A client that reopens its port after a reset starts a new flow (to
 * REAL2, round robin): no CPU may go on sending the port's packets to
 * REAL1 from its cache, so the datapath moves the epoch itself.
 */
static void reopened_port_empties_caches(void **state)
{
	struct tcase *t = *state;
	struct backend_snapshot s;
	uint64_t flushes;
	uint32_t e0;

	rr_two_reals(t);
	establish(t, 40000, REAL1);
	client_sends(t, 40000, F_ACK | F_PSH, true, REAL1, XD_FWD_ESTABLISHED);
	assert_true(flow_cached(t, CLIENT, 40000, XD_FLOW_TO_REAL));
	client_sends(t, 40000, F_RST, false, REAL1, XD_FWD_ESTABLISHED);
	e0 = flow_epoch_get(t);
	assert_int_equal(t->b->ops->snapshot(t->b, &s), 0);
	flushes = s.flow_flushes;
	backend_snapshot_free(&s);
	client_sends(t, 40000, F_SYN, false, REAL2, XD_FWD_NEW);
	assert_int_equal(flow_epoch_get(t), e0 + 1);
	assert_int_equal(t->b->ops->snapshot(t->b, &s), 0);
	assert_int_equal(s.flow_flushes, flushes + 1);	/* and counted */
	backend_snapshot_free(&s);
	client_sends(t, 40000, F_ACK, false, REAL2, XD_FWD_ESTABLISHED);
	client_sends(t, 40000, F_ACK | F_PSH, true, REAL2, XD_FWD_ESTABLISHED);
}

/*
 * The reply direction alike: with the entry's next hop towards the client
 * changed behind the datapath's back (a MAC no neighbour has), the real's
 * packets keep the cached hop until the epoch moves.
 */
static void reply_cache_serves_until_epoch_moves(void **state)
{
	static const uint8_t odd_mac[6] = { 0x02, 0, 0, 0, 0xee, 0xee };
	struct tcase *t = *state;
	struct pkt_spec in = tcp_from_real(REAL1, 8080, CLIENT, 40000, F_ACK);
	struct xd_conn_key k = conn_key(CLIENT, 40000, 80, IPPROTO_TCP);
	int fd, tries, hit = 0;
	struct xd_conn c0, c;
	struct run r;

	rr_two_reals(t);
	establish(t, 40000, REAL1);
	real_sends(t, REAL1, 40000, F_ACK);	/* the hop towards the client */
	fd = case_map_fd(t, "conn_table");
	assert_int_equal(bpf_map_lookup_elem(fd, &k, &c0), 0);
	for (tries = 0; tries < 50 && !hit; tries++) {
		assert_int_equal(bpf_map_update_elem(fd, &k, &c0, BPF_EXIST), 0);
		xdp_backend_flow_cache_flush(t->b);
		real_sends(t, REAL1, 40000, F_ACK);
		assert_int_equal(bpf_map_lookup_elem(fd, &k, &c), 0);
		memcpy(c.nh_rev.dmac, odd_mac, sizeof(odd_mac));
		assert_int_equal(bpf_map_update_elem(fd, &k, &c, BPF_EXIST), 0);
		run_spec(t, SIDE_INT, &in, &r);
		expect_reason(&r, XD_FWD_REPLY);
		hit = memcmp(r.out, mac_client, 6) == 0;
	}
	assert_true(hit);
	xdp_backend_flow_cache_flush(t->b);
	run_spec(t, SIDE_INT, &in, &r);
	expect_reason(&r, XD_FWD_REPLY);
	assert_memory_equal(r.out, odd_mac, 6);
}

/*
 * An entry serves only in the clock tick it was written in: changed
 * behind the datapath's back and without a flush, the flow follows
 * conn_table again once the tick is over (HZ >= 100).
 */
static void cache_entry_lives_one_tick(void **state)
{
	struct tcase *t = *state;
	struct timespec ms20 = { .tv_nsec = 20 * 1000 * 1000 };
	struct xd_conn_key k = conn_key(CLIENT, 40000, 80, IPPROTO_TCP);
	struct xd_conn c;
	int fd;

	rr_two_reals(t);
	establish(t, 40000, REAL1);
	client_sends(t, 40000, F_ACK | F_PSH, true, REAL1, XD_FWD_ESTABLISHED);
	fd = case_map_fd(t, "conn_table");
	assert_int_equal(bpf_map_lookup_elem(fd, &k, &c), 0);
	c.raddr = ip4(REAL2);
	c.real_id = real_id_of(t, REAL2, 8080);
	memset(&c.nh_fwd, 0, sizeof(c.nh_fwd));
	assert_int_equal(bpf_map_update_elem(fd, &k, &c, BPF_EXIST), 0);
	nanosleep(&ms20, NULL);
	client_sends(t, 40000, F_ACK | F_PSH, true, REAL2, XD_FWD_ESTABLISHED);
}

/*
 * A port reused long after its connection closed cannot be in any cache
 * (flow_may_be_cached): the new flow leaves the epoch, and so every other
 * flow's cache entry, alone.
 */
static void late_reuse_keeps_caches(void **state)
{
	struct tcase *t = *state;
	struct xd_conn_key k = conn_key(CLIENT, 40000, 80, IPPROTO_TCP);
	struct xd_conn c;
	uint32_t e0;
	int fd;

	rr_two_reals(t);
	establish(t, 40000, REAL1);
	client_sends(t, 40000, F_RST, false, REAL1, XD_FWD_ESTABLISHED);
	fd = case_map_fd(t, "conn_table");
	assert_int_equal(bpf_map_lookup_elem(fd, &k, &c), 0);
	c.last_seen_ns -= 2000000000ull;	/* closed 2 s ago */
	assert_int_equal(bpf_map_update_elem(fd, &k, &c, BPF_EXIST), 0);
	xdp_backend_flow_cache_flush(t->b);
	e0 = flow_epoch_get(t);
	client_sends(t, 40000, F_SYN, false, REAL2, XD_FWD_NEW);
	assert_int_equal(flow_epoch_get(t), e0);
	client_sends(t, 40000, F_ACK, false, REAL2, XD_FWD_ESTABLISHED);
}

/* `bpftool map dump pinned .../maps/conn_table` prints the entries with
 * their field names (the maps carry BTF), so operators can read them. */
static void conn_table_dump_readable(void **state)
{
	struct tcase *t = *state;
	char cmd[256], out[8192], copy[8192];
	size_t n;
	FILE *f;

	rr_two_reals(t);
	client_sends(t, 40000, F_SYN, false, REAL1, XD_FWD_NEW);
	snprintf(cmd, sizeof(cmd), "bpftool map dump pinned %s/"
		 XD_PIN_MAPS_SUBDIR "/conn_table 2>&1", t->pin);
	f = popen(cmd, "r");
	assert_non_null(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = 0;
	assert_int_equal(pclose(f), 0);
	memcpy(copy, out, n + 1);
	for (char *line = strtok(copy, "\n"); line; line = strtok(NULL, "\n"))
		print_message("# %s\n", line);
	assert_non_null(strstr(out, "\"saddr\": 168470720"));	/* 192.168.10.10 */
	assert_non_null(strstr(out, "\"dport\": 20480"));	/* htons(80) */
	assert_non_null(strstr(out, "\"raddr\": 184549386"));	/* 10.0.0.11 */
	assert_non_null(strstr(out, "\"rport\": 36895"));	/* htons(8080) */
	assert_non_null(strstr(out, "\"state\": 1"));		/* SYN_RECV */
}

const struct CMUnitTest conn_cases[] = {
	DP_CASES(established_ack_with_payload),
	DP_CASES(syn_retransmit_same_real),
	DP_CASES(fin_client_then_fin_real),
	DP_CASES(fin_real_then_fin_client),
	DP_CASES(rst_from_client_closes),
	DP_CASES(rst_from_real_closes),
	DP_CASES(syn_on_time_wait_reschedules),
	DP_CASES(syn_on_close_reschedules),
	DP_CASES(expired_entry_uncounted),
	DP_CASES(entry_stamped_ahead_is_fresh),
	DP_CASES(new_flow_reuses_real_next_hop),
	DP_CASES(first_reply_reuses_client_next_hop),
	cmocka_unit_test(failed_open_leaves_no_pins),
	DP_CASES(sweeper_removes_dead_entries),
	XDP_CASE(sweeper_reads_params_timeouts),
	DP_CASES(quiescent_real_keeps_established),
	DP_CASES(quiescent_real_wlc),
	DP_CASES(removed_real_drops_established),
	DP_CASES(removed_service_drops_established),
	DP_CASES(all_reals_quiescent_rr),
	DP_CASES(all_reals_quiescent_wlc),
	DP_CASES(service_without_reals),
	DP_CASES(local_fallback_passes),
	DP_CASES(non_syn_without_state_rr),
	DP_CASES(non_syn_without_state_mh),
	DP_CASES(readded_real_resumes),
	DP_CASES(sync_events_new_and_state),
	DP_CASES(synced_entry_reports_first_pure_acks),
	DP_CASES(service_and_real_counters),
	DP_CASES(cached_flow_forwarded_as_slow_path),
	DP_CASES(cache_serves_until_epoch_moves),
	DP_CASES(reopened_port_empties_caches),
	DP_CASES(reply_cache_serves_until_epoch_moves),
	DP_CASES(cache_entry_lives_one_tick),
	DP_CASES(late_reuse_keeps_caches),
	XDP_CASE(conn_table_dump_readable),
};
const size_t conn_cases_n = sizeof(conn_cases) / sizeof(conn_cases[0]);
