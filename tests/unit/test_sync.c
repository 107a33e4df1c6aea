// SPDX-License-Identifier: GPL-2.0
/*
 * The sync module end to end over loopback UDP (user/sync/sync.c,
 * sync_rx.c, sync_master.c, sync_backup.c): two instances ("dir1" on
 * 127.0.0.2, "dir2" on 127.0.0.3, same port) on one event loop, each over
 * a mock backend that records installs and serves a synthetic table.
 * Cases: incremental events reach the standby with state and idle time;
 * a standby's start pulls a bulk copy of a 100k-entry table; role swap;
 * gaps in the stream are detected and healed by a bulk request; replayed,
 * forged, wrong-role and out-of-range input is dropped and counted; a
 * junk flood is handled a bounded number of datagrams per wake-up.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "sync/sync_int.h"

#define VIP		htonl(0xc0a80a64)	/* 192.168.10.100 */
#define UNKNOWN_VIP	htonl(0xc0a80a65)

struct mock_be {
	struct backend b;
	bool events_on;
	struct backend_sync_conn *inst;	/* installs, in order */
	size_t ninst, cap;
	struct backend_conn *table;	/* what conns() walks */
	size_t ntable;
};

static int m_install(struct backend *b, const struct backend_sync_conn *c)
{
	struct mock_be *m = (struct mock_be *)b;

	if (c->key.daddr == UNKNOWN_VIP)
		return -ENOENT;
	if (m->ninst == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 1024;
		m->inst = realloc(m->inst, m->cap * sizeof(*m->inst));
	}
	m->inst[m->ninst++] = *c;
	return 0;
}

static int m_set_events(struct backend *b, bool on)
{
	((struct mock_be *)b)->events_on = on;
	return 0;
}

static int m_events_fd(struct backend *b)
{
	return -ENOTSUP;
}

static int m_conns(struct backend *b, backend_conn_cb cb, void *arg)
{
	struct mock_be *m = (struct mock_be *)b;

	for (size_t i = 0; i < m->ntable; i++) {
		int rc = cb(&m->table[i], arg);

		if (rc)
			return rc;
	}
	return 0;
}

static const struct backend_ops mock_ops = {
	.name = "mock",
	.install_conn = m_install,
	.set_events = m_set_events,
	.events_fd = m_events_fd,
	.conns = m_conns,
};

struct fixture {
	struct ev_loop *loop;
	struct authkeys ak;
	struct mock_be m1, m2;
	struct sync *s1, *s2;
	uint16_t port;
};

static uint16_t free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(0x7f000002) };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	uint16_t port;

	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	getsockname(fd, (struct sockaddr *)&sa, &len);
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

static bool fixture_seal;	/* setup_sealed: both encrypt */

static struct sync *make(struct fixture *f, struct mock_be *m,
			 const char *node, uint32_t self, uint32_t peer)
{
	struct sync_opts o = {
		.node = node, .keys = &f->ak, .peer = htonl(peer),
		.port = f->port, .bind_addr = htonl(self),
		.seal = fixture_seal,
	};

	m->b.ops = &mock_ops;
	return sync_new(f->loop, &m->b, &o);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];

	f->loop = ev_loop_new(EVFLAG_AUTO);
	assert_int_equal(authkeys_parse_string("authkeys",
		"auth 1\n1 sha1 cluster-secret\n", &f->ak, err, sizeof(err)), 0);
	f->port = free_port();
	f->s1 = make(f, &f->m1, "dir1", 0x7f000002, 0x7f000003);
	f->s2 = make(f, &f->m2, "dir2", 0x7f000003, 0x7f000002);
	assert_non_null(f->s1);
	assert_non_null(f->s2);
	*state = f;
	return 0;
}

static int setup_sealed(void **state)
{
	int rc;

	fixture_seal = true;
	rc = setup(state);
	fixture_seal = false;
	return rc;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	sync_free(f->s1);
	sync_free(f->s2);
	authkeys_free(&f->ak);
	free(f->m1.inst);
	free(f->m2.inst);
	free(f->m1.table);
	free(f->m2.table);
	ev_loop_destroy(f->loop);
	free(f);
	return 0;
}

/* Run the loop until *count reaches want or seconds pass. */
static bool run_until(struct fixture *f, const size_t *count, size_t want,
		      double seconds)
{
	ev_tstamp end = ev_time() + seconds;

	while (*count < want && ev_time() < end) {
		ev_run(f->loop, EVRUN_NOWAIT);
		usleep(200);
	}
	return *count >= want;
}

static void run_for(struct fixture *f, double seconds)
{
	ev_tstamp end = ev_time() + seconds;

	while (ev_time() < end) {
		ev_run(f->loop, EVRUN_NOWAIT);
		usleep(200);
	}
}

static struct xd_conn_event event(uint32_t i, uint8_t state, uint64_t idle_ms)
{
	struct xd_conn_event ev = {
		.key = { .saddr = htonl(0xc0a80a0a), .daddr = VIP,
			 .sport = htons(10000 + i), .dport = htons(80),
			 .proto = IPPROTO_TCP },
		.conn = { .raddr = htonl(0x0a00000b + (i & 1)), .rport = htons(80),
			  .state = state, .flags = XD_CONN_F_SYNCED,
			  .last_seen_ns = sync_mono_ns() - idle_ms * 1000000ULL },
		.type = XD_EV_NEW,
	};

	return ev;
}

static void test_incremental(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(sync_set_role(f->s1, SYNC_MASTER), 0);
	assert_int_equal(sync_set_role(f->s2, SYNC_BACKUP), 0);
	assert_true(f->m1.events_on);
	assert_false(f->m2.events_on);
	/* Let the standby's (empty) bulk transfer finish first. */
	assert_true(run_until(f, (size_t *)&f->s2->st.bulk_done, 1, 3));

	for (uint32_t i = 0; i < 1000; i++) {
		struct xd_conn_event ev = event(i, XD_TCP_ESTABLISHED, 5000);

		sync_feed_event(f->s1, &ev);
	}
	sync_flush(f->s1);
	assert_true(run_until(f, &f->m2.ninst, 1000, 3));
	assert_int_equal(f->m2.ninst, 1000);
	for (size_t i = 0; i < 1000; i++) {
		const struct backend_sync_conn *c = &f->m2.inst[i];

		assert_int_equal(ntohs(c->key.sport), 10000 + i);
		assert_int_equal(c->key.daddr, VIP);
		assert_int_equal(c->raddr, htonl(0x0a00000b + (i & 1)));
		assert_int_equal(c->state, XD_TCP_ESTABLISHED);
		/* The datapath's own flag is not sent: the installer sets it. */
		assert_int_equal(c->flags, 0);
		assert_in_range(c->idle_ms, 5000, 5500);
	}
	/* 1000 entries went in full datagrams, not one each. */
	assert_in_range(f->s1->st.tx_msgs, 1000 / f->s1->conn_per_msg,
			1000 / f->s1->conn_per_msg + 4);
	assert_int_equal(f->s2->st.gaps, 0);
	assert_int_equal(f->s2->st.installed, 1000);

	/* A state change follows. */
	{
		struct xd_conn_event ev = event(3, XD_TCP_FIN_WAIT, 0);

		sync_feed_event(f->s1, &ev);
		sync_flush(f->s1);
	}
	assert_true(run_until(f, &f->m2.ninst, 1001, 3));
	assert_int_equal(f->m2.inst[1000].state, XD_TCP_FIN_WAIT);
	assert_int_equal(ntohs(f->m2.inst[1000].key.sport), 10003);
}

static void fill_table(struct mock_be *m, size_t n)
{
	uint64_t now = sync_mono_ns();

	m->table = calloc(n, sizeof(*m->table));
	m->ntable = n;
	for (size_t i = 0; i < n; i++) {
		struct backend_conn *c = &m->table[i];

		c->key = (struct xd_conn_key){ .saddr = htonl(0x0b000000 + (uint32_t)(i >> 14)),
			.daddr = VIP, .sport = htons(1024 + (i & 0x3fff)),
			.dport = htons(80), .proto = IPPROTO_TCP };
		c->conn.raddr = htonl(0x0a00000b + (i & 1));
		c->conn.rport = htons(80);
		c->conn.state = i % 7 ? XD_TCP_ESTABLISHED : XD_TCP_TIME_WAIT;
		c->conn.last_seen_ns = now - (i % 1000) * 1000000ULL;
	}
}

static void test_bulk_on_standby_start(void **state)
{
	struct fixture *f = *state;
	size_t n = 100000;
	uint64_t t0 = sync_mono_ns(), took_ms;

	fill_table(&f->m1, n);
	assert_int_equal(sync_set_role(f->s1, SYNC_MASTER), 0);
	assert_int_equal(sync_set_role(f->s2, SYNC_BACKUP), 0);
	assert_true(run_until(f, (size_t *)&f->s2->st.bulk_done, 1, 10));
	/* Idle grows by at most the time the transfer took, however slow
	 * the machine (sanitizers, load): bound it by that, not a guess. */
	took_ms = (sync_mono_ns() - t0) / 1000000 + 1;
	assert_int_equal(f->m2.ninst, n);
	assert_int_equal(f->s2->st.last_bulk_entries, n);
	assert_int_equal(f->s1->st.bulk_served, 1);
	/* Compressed: far fewer datagrams than plain CONN messages. */
	assert_true(f->s2->st.bulk_chunks_rx * 2 * f->s1->conn_per_msg < n);
	for (size_t i = 0; i < n; i += 997) {
		const struct backend_sync_conn *c = &f->m2.inst[i];

		assert_memory_equal(&c->key, &f->m1.table[i].key, sizeof(c->key));
		assert_int_equal(c->state, f->m1.table[i].conn.state);
		assert_in_range(c->idle_ms, i % 1000, i % 1000 + took_ms);
	}
}

static void test_role_swap(void **state)
{
	struct fixture *f = *state;
	struct xd_conn_event ev = event(1, XD_TCP_ESTABLISHED, 0);

	assert_int_equal(sync_set_role(f->s1, SYNC_MASTER), 0);
	assert_int_equal(sync_set_role(f->s2, SYNC_BACKUP), 0);
	run_for(f, 0.1);
	/* Failover: dir2 takes over, dir1 comes back as standby. */
	assert_int_equal(sync_set_role(f->s2, SYNC_MASTER), 0);
	assert_int_equal(sync_set_role(f->s1, SYNC_BACKUP), 0);
	assert_true(f->m2.events_on);
	assert_false(f->m1.events_on);
	assert_true(run_until(f, (size_t *)&f->s1->st.bulk_done, 1, 3));
	sync_feed_event(f->s2, &ev);
	sync_flush(f->s2);
	assert_true(run_until(f, &f->m1.ninst, 1, 3));
	/* The old master's events are ignored now. */
	sync_feed_event(f->s1, &ev);
	sync_flush(f->s1);
	run_for(f, 0.1);
	assert_int_equal(f->m2.ninst, 0);
	assert_int_equal(sync_get_role(f->s1), SYNC_BACKUP);
	assert_int_equal(sync_set_role(f->s1, SYNC_NONE), 0);
	assert_false(f->m1.events_on);
}

/* Forge a datagram as forge_node would sign it (or with another secret). */
static const char *forge_node = "dir1";

static int forge(uint8_t *buf, const char *secret, uint8_t type,
		 uint64_t gen, uint64_t seq, uint32_t aux1,
		 const struct backend_sync_conn *e, size_t n)
{
	struct authkeys ak;
	char err[128], text[128];
	struct sync_hdr h = { .type = type, .gen = gen, .seq = seq,
			      .aux1 = aux1, .count = (uint32_t)n };
	uint8_t payload[64 * SYNC_ENTRY_LEN];
	int len;

	snprintf(text, sizeof(text), "auth 1\n1 sha1 %s\n", secret);
	assert_int_equal(authkeys_parse_string("k", text, &ak, err, sizeof(err)), 0);
	snprintf(h.node, sizeof(h.node), "%s", forge_node);
	for (size_t i = 0; i < n; i++)
		sync_entry_encode(payload + i * SYNC_ENTRY_LEN, &e[i]);
	len = sync_msg_build(buf, 2048, &h, payload, n * SYNC_ENTRY_LEN,
			     authkeys_active(&ak));
	authkeys_free(&ak);
	assert_true(len > 0);
	return len;
}

static struct backend_sync_conn entry(uint32_t i)
{
	struct xd_conn_event ev = event(i, XD_TCP_ESTABLISHED, 0);
	struct backend_sync_conn c = { .key = ev.key, .raddr = ev.conn.raddr,
				       .rport = ev.conn.rport,
				       .state = XD_TCP_ESTABLISHED };

	return c;
}

static void test_gap_detected_and_healed(void **state)
{
	struct fixture *f = *state;
	struct backend_sync_conn e = entry(1);
	uint8_t buf[2048];
	int len;

	assert_int_equal(sync_set_role(f->s2, SYNC_BACKUP), 0);
	/* Pretend the standby already holds a table. */
	f->s2->bb = BB_DONE;
	f->s2->bb_asked = -1e9;
	len = forge(buf, "cluster-secret", SYNC_MSG_CONN, 5, 1, 0, &e, 1);
	sync_rx_one(f->s2, buf, len, NULL, 0);
	len = forge(buf, "cluster-secret", SYNC_MSG_CONN, 5, 2, 1, &e, 1);
	sync_rx_one(f->s2, buf, len, NULL, 0);
	assert_int_equal(f->s2->st.gaps, 0);
	assert_int_equal(f->s2->st.bulk_req_sent, 1);	/* the start's */
	/* Stream messages 2 and 3 lost. */
	len = forge(buf, "cluster-secret", SYNC_MSG_CONN, 5, 5, 4, &e, 1);
	sync_rx_one(f->s2, buf, len, NULL, 0);
	assert_int_equal(f->s2->st.gaps, 1);
	assert_int_equal(f->s2->st.lost_msgs, 2);
	assert_int_equal(f->s2->st.bulk_req_sent, 2);
	assert_int_equal(f->s2->bb, BB_REQUESTED);
	/* A keepalive (empty CONN) that reveals a lost last message. */
	f->s2->bb = BB_DONE;
	f->s2->bb_asked = -1e9;
	len = forge(buf, "cluster-secret", SYNC_MSG_CONN, 5, 7, 6, NULL, 0);
	sync_rx_one(f->s2, buf, len, NULL, 0);
	assert_int_equal(f->s2->st.gaps, 2);
	assert_int_equal(f->s2->st.lost_msgs, 3);
	assert_int_equal(f->s2->st.bulk_req_sent, 3);
	assert_int_equal(f->s2->st.installed, 3);

	/* Healing for real: dir1 serves a table; dir2 finds, from dir1's
	 * next keepalive, that 5 messages of the stream never arrived. */
	fill_table(&f->m1, 500);
	assert_int_equal(sync_set_role(f->s1, SYNC_MASTER), 0);
	f->s2->bb = BB_DONE;
	f->s2->bb_asked = -1e9;
	f->s2->peers[0].gen = f->s1->gen;
	f->s2->peers[0].next_stream = 0;
	f->s1->stream_seq = 5;
	assert_true(run_until(f, (size_t *)&f->s2->st.bulk_done, 1, 5));
	assert_int_equal(f->s2->st.gaps, 3);
	assert_int_equal(f->s2->st.lost_msgs, 8);
	/* dir2's request from its start waited in dir1's socket and may
	 * have been served too: at least one full copy. */
	assert_true(f->m2.ninst >= 500 + 3);
	assert_int_equal(f->s2->st.last_bulk_entries, 500);
}

static void test_bad_input_dropped(void **state)
{
	struct fixture *f = *state;
	struct backend_sync_conn good[4] = { entry(1), entry(2), entry(3), entry(4) };
	uint8_t buf[2048];
	int len;

	assert_int_equal(sync_set_role(f->s2, SYNC_BACKUP), 0);
	assert_int_equal(sync_set_role(f->s1, SYNC_MASTER), 0);

	len = forge(buf, "cluster-secret", SYNC_MSG_CONN, 9, 1, 0, good, 1);
	sync_rx_one(f->s2, buf, len, NULL, 0);
	assert_int_equal(f->s2->st.installed, 1);
	/* Replayed: same datagram again. */
	sync_rx_one(f->s2, buf, len, NULL, 0);
	assert_int_equal(f->s2->st.rx_drop[SYNC_DROP_REPLAY], 1);
	/* Older generation after a newer one. */
	len = forge(buf, "cluster-secret", SYNC_MSG_CONN, 8, 100, 1, good, 1);
	sync_rx_one(f->s2, buf, len, NULL, 0);
	assert_int_equal(f->s2->st.rx_drop[SYNC_DROP_REPLAY], 2);
	/* Forged: wrong secret. Must not move the replay window either:
	 * the genuine seq 2 still goes in afterwards. */
	len = forge(buf, "guess", SYNC_MSG_CONN, 9, 2, 1, good, 1);
	sync_rx_one(f->s2, buf, len, NULL, 0);
	assert_int_equal(f->s2->st.rx_drop[SYNC_DROP_MAC], 1);
	/* Truncated. */
	len = forge(buf, "cluster-secret", SYNC_MSG_CONN, 9, 2, 1, good, 1);
	sync_rx_one(f->s2, buf, len - 1, NULL, 0);
	assert_int_equal(f->s2->st.rx_drop[SYNC_DROP_LENGTH], 1);
	sync_rx_one(f->s2, buf, len, NULL, 0);
	assert_int_equal(f->s2->st.installed, 2);
	/* Out of range entries, each counted; the good one still goes in. */
	good[0].state = XD_STATE_MAX + 3;
	good[1].key.daddr = UNKNOWN_VIP;
	good[2].key.proto = 47;
	len = forge(buf, "cluster-secret", SYNC_MSG_CONN, 9, 3, 2, good, 4);
	sync_rx_one(f->s2, buf, len, NULL, 0);
	assert_int_equal(f->s2->st.rej_state, 1);
	assert_int_equal(f->s2->st.rej_unknown, 1);
	assert_int_equal(f->s2->st.rej_proto, 1);
	assert_int_equal(f->s2->st.installed, 3);
	/* CONN sent to the master: wrong role. */
	forge_node = "dir3";
	len = forge(buf, "cluster-secret", SYNC_MSG_CONN, 9, 4, 3, good + 3, 1);
	forge_node = "dir1";
	sync_rx_one(f->s1, buf, len, NULL, 0);
	assert_int_equal(f->s1->st.rx_drop[SYNC_DROP_ROLE], 1);
	assert_int_equal(f->m1.ninst, 0);
	/* A BULK chunk whose zlib lies about its count. */
	len = forge(buf, "cluster-secret", SYNC_MSG_BULK, 9, 5, 0, good + 3, 1);
	sync_rx_one(f->s2, buf, len, NULL, 0);	/* not flagged zlib */
	assert_int_equal(f->s2->st.rx_drop[SYNC_DROP_PAYLOAD], 1);
	/* Our own name on a forged datagram: a MAC drop, not an echo of
	 * ours; our genuine echo is skipped and not a drop. */
	{
		struct authkeys ak;
		char err[64];
		struct sync_hdr h = { .type = SYNC_MSG_CONN, .gen = 1, .seq = 1 };

		authkeys_parse_string("k", "auth 1\n1 sha1 x\n", &ak, err, sizeof(err));
		snprintf(h.node, sizeof(h.node), "dir2");
		len = sync_msg_build(buf, sizeof(buf), &h, NULL, 0,
				     authkeys_active(&ak));
		authkeys_free(&ak);
		sync_rx_one(f->s2, buf, len, NULL, 0);
		assert_int_equal(f->s2->st.rx_own, 0);
		assert_int_equal(f->s2->st.rx_drop[SYNC_DROP_MAC], 2);
		forge_node = "dir2";
		len = forge(buf, "cluster-secret", SYNC_MSG_CONN, 9, 6, 3,
			    good + 3, 1);
		forge_node = "dir1";
		sync_rx_one(f->s2, buf, len, NULL, 0);
		assert_int_equal(f->s2->st.rx_own, 1);
		assert_int_equal(f->s2->st.rx_drop[SYNC_DROP_MAC], 2);
		assert_int_equal(f->s2->st.installed, 3);
	}
	/* The status reports it all. */
	{
		json_t *o = json_object();

		sync_status_json(f->s2, o);
		assert_string_equal(json_string_value(json_object_get(o, "role")),
				    "backup");
		assert_int_equal(json_integer_value(json_object_get(o, "installed")), 3);
		assert_int_equal(json_integer_value(json_object_get(
			json_object_get(o, "drops"), "replay")), 2);
		assert_true(json_integer_value(json_object_get(o, "dropped")) >= 5);
		json_decref(o);
	}
}

/* What sync tells HA for the failback handshake (sync_ha_table_cb): the
 * master its generation; the backup the master's generation once it
 * received the whole table, and nothing again from a lost message until
 * the table is complete once more. */
static void table_of(struct sync *s, uint64_t *serving, uint64_t *holding,
		     uint32_t *entries)
{
	sync_ha_table_cb(s, serving, holding, entries);
}

static void test_table_report_for_handshake(void **state)
{
	struct fixture *f = *state;
	struct xd_conn_event ev = event(7, XD_TCP_ESTABLISHED, 0);
	uint64_t serving, holding;
	uint32_t entries;

	fill_table(&f->m1, 300);
	table_of(f->s2, &serving, &holding, &entries);
	assert_int_equal(serving, 0);
	assert_int_equal(holding, 0);
	assert_int_equal(sync_set_role(f->s1, SYNC_MASTER), 0);
	assert_int_equal(sync_set_role(f->s2, SYNC_BACKUP), 0);
	table_of(f->s1, &serving, &holding, &entries);
	assert_int_equal(serving, f->s1->gen);
	assert_int_equal(holding, 0);
	table_of(f->s2, &serving, &holding, &entries);
	assert_int_equal(serving, 0);
	assert_int_equal(holding, 0);	/* asked, not received yet */

	assert_true(run_until(f, (size_t *)&f->s2->st.bulk_done, 1, 5));
	table_of(f->s2, &serving, &holding, &entries);
	assert_int_equal(holding, f->s1->gen);
	assert_int_equal(entries, 300);

	/* One CONN message starts the stream, then two are lost: no longer
	 * complete. */
	sync_feed_event(f->s1, &ev);
	sync_flush(f->s1);
	assert_true(run_until(f, &f->m2.ninst, 301, 3));
	table_of(f->s2, &serving, &holding, &entries);
	assert_int_equal(holding, f->s1->gen);
	f->s1->stream_seq += 2;
	sync_feed_event(f->s1, &ev);
	sync_flush(f->s1);
	assert_true(run_until(f, (size_t *)&f->s2->st.gaps, 1, 3));
	table_of(f->s2, &serving, &holding, &entries);
	assert_int_equal(holding, 0);
	assert_int_equal(entries, 0);
	/* The table again, in full. */
	assert_true(run_until(f, (size_t *)&f->s2->st.bulk_done, 2, 5));
	table_of(f->s2, &serving, &holding, &entries);
	assert_int_equal(holding, f->s1->gen);
	/* The backup's bulk is counted; the master's events are not. */
	assert_int_equal(entries, 300);

	/* Promoted, it serves its own generation and holds nothing. */
	assert_int_equal(sync_set_role(f->s1, SYNC_BACKUP), 0);
	assert_int_equal(sync_set_role(f->s2, SYNC_MASTER), 0);
	table_of(f->s2, &serving, &holding, &entries);
	assert_int_equal(serving, f->s2->gen);
	assert_int_equal(holding, 0);
}

/* The test-only delay (XD_TEST_BULK_DELAY_MS): the answer waits that
 * long, then comes in full. Timers never fire early, so nothing can
 * have arrived after a tenth of the delay. */
static void test_bulk_delay_hook(void **state)
{
	struct fixture *f = *state;
	struct sync_opts o = {
		.node = "dir1", .keys = &f->ak, .peer = htonl(0x7f000003),
		.port = f->port, .bind_addr = htonl(0x7f000002),
		.test_bulk_delay_ms = 1000,
	};

	sync_free(f->s1);
	f->s1 = sync_new(f->loop, &f->m1.b, &o);
	assert_non_null(f->s1);
	fill_table(&f->m1, 200);
	assert_int_equal(sync_set_role(f->s1, SYNC_MASTER), 0);
	assert_int_equal(sync_set_role(f->s2, SYNC_BACKUP), 0);
	assert_true(run_until(f, (size_t *)&f->s1->st.bulk_req_rx, 1, 3));
	run_for(f, 0.1);
	assert_int_equal(f->s2->st.bulk_chunks_rx, 0);
	assert_int_equal(f->m2.ninst, 0);
	assert_true(run_until(f, (size_t *)&f->s2->st.bulk_done, 1, 10));
	assert_int_equal(f->m2.ninst, 200);
}

static void test_flood_bounded(void **state)
{
	struct fixture *f = *state;
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(0x7f000003),
				  .sin_port = htons(f->port) };
	struct backend_sync_conn e = entry(1);
	uint8_t buf[2048];
	int fd = socket(AF_INET, SOCK_DGRAM, 0), len, sent = 0;
	uint64_t before;

	assert_int_equal(sync_set_role(f->s2, SYNC_BACKUP), 0);
	len = forge(buf, "not-the-key", SYNC_MSG_CONN, 9, 1, 0, &e, 1);
	for (int i = 0; i < 5000; i++)
		if (sendto(fd, buf, len, 0, (struct sockaddr *)&to, sizeof(to)) == len)
			sent++;
	close(fd);
	assert_true(sent > 1000);
	/* One wake-up handles a bounded number of datagrams. */
	before = f->s2->st.rx_msgs;
	sync_rx_cb(f->loop, &f->s2->rx_io, EV_READ);
	/* bounded by count, not by time (which would measure the machine) */
	assert_in_range(f->s2->st.rx_msgs - before, 1, SYNC_RX_MSGS_BUDGET);
	/* And the rest, eventually, all counted as forged. */
	while (f->s2->st.rx_msgs - before < (uint64_t)sent) {
		uint64_t n = f->s2->st.rx_msgs;

		sync_rx_cb(f->loop, &f->s2->rx_io, EV_READ);
		if (f->s2->st.rx_msgs == n)
			break;
	}
	assert_int_equal(f->s2->st.rx_drop[SYNC_DROP_MAC], sent);
	assert_int_equal(f->s2->st.installed, 0);
}

static void test_roles_parse(void **state)
{
	enum sync_role r;

	assert_int_equal(sync_role_parse("master", &r), 0);
	assert_int_equal(r, SYNC_MASTER);
	assert_int_equal(sync_role_parse("BACKUP", &r), 0);
	assert_int_equal(r, SYNC_BACKUP);
	assert_int_equal(sync_role_parse("none", &r), 0);
	assert_int_equal(r, SYNC_NONE);
	assert_int_equal(sync_role_parse("slave", &r), -EINVAL);
	assert_string_equal(sync_role_name(SYNC_MASTER), "master");
}

/* --sync-encrypt on both: the stream and a bulk transfer arrive whole,
 * every datagram with a payload went sealed, and a peer's clear payload is
 * refused and counted, never installed. */
static void test_sealed_pair(void **state)
{
	struct fixture *f = *state;
	struct backend_sync_conn good = entry(7);
	uint8_t buf[2048];
	int len;

	fill_table(&f->m1, 300);
	assert_int_equal(sync_set_role(f->s1, SYNC_MASTER), 0);
	assert_int_equal(sync_set_role(f->s2, SYNC_BACKUP), 0);
	assert_true(run_until(f, (size_t *)&f->s2->st.bulk_done, 1, 5));
	assert_int_equal(f->s2->st.last_bulk_entries, 300);
	for (uint32_t i = 0; i < 100; i++) {
		struct xd_conn_event ev = event(i, XD_TCP_ESTABLISHED, 10);

		sync_feed_event(f->s1, &ev);
	}
	sync_flush(f->s1);
	assert_true(run_until(f, &f->m2.ninst, 400, 3));
	assert_int_equal(f->s2->st.rx_drop[SYNC_DROP_CLEAR], 0);
	assert_int_equal(f->s2->st.rx_drop[SYNC_DROP_MAC], 0);
	/* the same key, but in clear */
	forge_node = "dir1";
	len = forge(buf, "cluster-secret", SYNC_MSG_CONN, f->s1->gen,
		    f->s1->seq + 1000, 0, &good, 1);
	sync_rx_one(f->s2, buf, len, NULL, 0);
	assert_int_equal(f->s2->st.rx_drop[SYNC_DROP_CLEAR], 1);
	assert_int_equal(f->m2.ninst, 400);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_incremental, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bulk_on_standby_start, setup, teardown),
		cmocka_unit_test_setup_teardown(test_role_swap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gap_detected_and_healed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_input_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sealed_pair, setup_sealed, teardown),
		cmocka_unit_test_setup_teardown(test_table_report_for_handshake, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bulk_delay_hook, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flood_bounded, setup, teardown),
		cmocka_unit_test(test_roles_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
