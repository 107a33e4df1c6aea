// SPDX-License-Identifier: GPL-2.0
/*
 * The membership state machine driven with fake time and fake heartbeats:
 * initdead, deadtime over two links (one link lost is no failover),
 * warntime, preferred node and auto_failback on/off, split brain, ping
 * quorum, operator standby/takeover, a peer leaving; and the failback
 * handshake: two nodes with a fake connection sync, where the returning
 * node must hold the active one's table before the resources move.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ha/membership.h"

#define KA	100
#define DEAD	500
#define INIT	1000

static struct membership_cfg cfg(const char *self, bool afb, size_t npings)
{
	struct membership_cfg c = {
		.keepalive_ms = KA, .warntime_ms = 300, .deadtime_ms = DEAD,
		.initdead_ms = INIT, .auto_failback = afb,
		.self = self, .peer = strcmp(self, "dir1") ? "dir1" : "dir2",
		.self_preferred = !strcmp(self, "dir1"),
		.peer_preferred = strcmp(self, "dir1") != 0,
		.nlinks = 2, .nping_groups = npings,
	};
	return c;
}

static struct ha_node_info peer(enum ha_role role)
{
	struct ha_node_info p = { .role = role, .pings_known = true };
	return p;
}

/* Heartbeats on both links every keepalive from t to t+ms. */
static unsigned feed(struct membership *m, uint64_t *t, uint64_t ms,
		     const struct ha_node_info *p, int links)
{
	unsigned act = 0;

	uint64_t start = *t;

	for (uint64_t end = *t + ms; *t < end; *t += KA / 4) {
		if ((*t - start) % KA == 0) {
			if (links & 1)
				act |= membership_rx(m, *t, 0, p, false);
			if (links & 2)
				act |= membership_rx(m, *t, 1, p, false);
		}
		act |= membership_tick(m, *t);
	}
	return act;
}

static unsigned silence(struct membership *m, uint64_t *t, uint64_t ms)
{
	unsigned act = 0;

	for (uint64_t end = *t + ms; *t < end; *t += 5)
		act |= membership_tick(m, *t);
	return act;
}

static void test_alone_takes_over_after_initdead(void **state)
{
	struct membership m;
	struct membership_cfg c = cfg("dir2", true, 0);
	uint64_t t = 1000;
	unsigned act;

	membership_init(&m, &c, t);
	act = silence(&m, &t, INIT - 10);
	assert_int_equal(act, 0);
	assert_int_equal(m.self.role, HA_ROLE_INIT);
	act = silence(&m, &t, 20);
	assert_true(act & HA_ACT_ACQUIRE);
	assert_int_equal(m.self.role, HA_ROLE_ACTIVE);
	assert_int_equal(m.peer_state, HA_PEER_DEAD);
	assert_int_equal(m.self.epoch, 1);
}

static void test_active_peer_makes_us_standby(void **state)
{
	struct membership m;
	struct membership_cfg c = cfg("dir1", true, 0);
	struct ha_node_info p = peer(HA_ROLE_ACTIVE);
	uint64_t t = 0;
	unsigned act;

	membership_init(&m, &c, t);
	/* Even the preferred node first steps back (releasing anything a
	 * predecessor left); auto_failback is the peer's move. */
	act = membership_rx(&m, t, 0, &p, false);
	assert_true(act & HA_ACT_RELEASE);
	assert_false(act & HA_ACT_ACQUIRE);
	assert_int_equal(m.self.role, HA_ROLE_STANDBY);
}

static void test_both_starting_preferred_wins(void **state)
{
	struct membership a, b;
	struct membership_cfg ca = cfg("dir1", false, 0), cb = cfg("dir2", false, 0);
	struct ha_node_info ia, ib;
	uint64_t t = 0;

	membership_init(&a, &ca, t);
	membership_init(&b, &cb, t);
	ia = a.self;
	ib = b.self;
	assert_true(membership_rx(&a, t, 0, &ib, false) & HA_ACT_ACQUIRE);
	assert_int_equal(membership_rx(&b, t, 0, &ia, false) & HA_ACT_ACQUIRE, 0);
	assert_int_equal(b.self.role, HA_ROLE_STANDBY);
	/* b now hears a active and stays put. */
	ia = a.self;
	assert_int_equal(feed(&b, &t, 2000, &ia, 3) & HA_ACT_ACQUIRE, 0);
	assert_int_equal(b.self.role, HA_ROLE_STANDBY);
}

static void start_standby(struct membership *m, const char *self, bool afb,
			  uint64_t *t)
{
	struct membership_cfg c = cfg(self, afb, 0);
	struct ha_node_info p = peer(HA_ROLE_ACTIVE);

	membership_init(m, &c, *t);
	feed(m, t, 1000, &p, 3);
	assert_int_equal(m->self.role, HA_ROLE_STANDBY);
	assert_int_equal(m->peer_state, HA_PEER_UP);
}

static void test_one_link_lost_is_no_failover(void **state)
{
	struct membership m;
	struct ha_node_info p = peer(HA_ROLE_ACTIVE);
	uint64_t t = 0;

	start_standby(&m, "dir2", true, &t);
	/* Only link 1 carries heartbeats for 5 s. */
	assert_int_equal(feed(&m, &t, 5000, &p, 2) & HA_ACT_ACQUIRE, 0);
	assert_int_equal(m.self.role, HA_ROLE_STANDBY);
	assert_int_equal(m.peer_state, HA_PEER_UP);
	assert_false(m.links[0].up);
	assert_true(m.links[1].up);
	/* Link 0 back: up again. */
	feed(&m, &t, 200, &p, 3);
	assert_true(m.links[0].up);
}

static void test_dead_after_deadtime_on_all_links(void **state)
{
	struct membership m;
	uint64_t t = 0, last;
	unsigned act;

	start_standby(&m, "dir2", true, &t);
	last = m.peer_last_ms;
	act = silence(&m, &t, last + DEAD - 1 - t);
	assert_int_equal(act & HA_ACT_ACQUIRE, 0);
	assert_true(m.peer_late);	/* warntime passed */
	assert_int_equal(m.self.role, HA_ROLE_STANDBY);
	act = silence(&m, &t, 10);
	assert_true(act & HA_ACT_ACQUIRE);
	assert_true(act & HA_ACT_SEND);
	assert_int_equal(m.peer_state, HA_PEER_DEAD);
	assert_int_equal(m.self.role, HA_ROLE_ACTIVE);
	assert_false(m.links[0].up);
	assert_false(m.links[1].up);
}

static void test_no_quorum_no_takeover(void **state)
{
	struct membership m;
	struct membership_cfg c = cfg("dir2", true, 1);
	struct ha_node_info p = peer(HA_ROLE_ACTIVE);
	uint64_t t = 0;

	membership_init(&m, &c, t);
	p.pings_up = 1;
	membership_set_pings(&m, t, true, 0);	/* our uplink is gone */
	feed(&m, &t, 1000, &p, 3);
	assert_int_equal(m.self.role, HA_ROLE_STANDBY);
	assert_int_equal(silence(&m, &t, 2000) & HA_ACT_ACQUIRE, 0);
	assert_int_equal(m.peer_state, HA_PEER_DEAD);
	assert_int_equal(m.self.role, HA_ROLE_STANDBY);
	/* The ping node answers again: now we take over. */
	assert_true(membership_set_pings(&m, t, true, 1) & HA_ACT_ACQUIRE);
	assert_int_equal(m.self.role, HA_ROLE_ACTIVE);
}

static void test_active_hands_over_to_better_connected_peer(void **state)
{
	struct membership m;
	struct membership_cfg c = cfg("dir1", false, 2);
	struct ha_node_info p = peer(HA_ROLE_STANDBY);
	uint64_t t = 0;

	membership_init(&m, &c, t);
	membership_set_pings(&m, t, true, 2);
	p.pings_up = 2;
	feed(&m, &t, 300, &p, 3);
	assert_int_equal(m.self.role, HA_ROLE_ACTIVE);
	assert_true(membership_set_pings(&m, t, true, 1) & HA_ACT_RELEASE);
	assert_int_equal(m.self.role, HA_ROLE_STANDBY);
}

/* dir2 active (took over while dir1 was away), dir1 comes back standby. */
static unsigned failback(bool afb, struct membership *m)
{
	struct membership_cfg c = cfg("dir2", afb, 0);
	struct ha_node_info p = peer(HA_ROLE_STANDBY);
	uint64_t t = 0;

	membership_init(m, &c, t);
	silence(m, &t, INIT + 10);
	assert_int_equal(m->self.role, HA_ROLE_ACTIVE);
	return feed(m, &t, 1000, &p, 3);
}

static void test_auto_failback_on_releases(void **state)
{
	struct membership m;

	assert_true(failback(true, &m) & HA_ACT_RELEASE);
	assert_int_equal(m.self.role, HA_ROLE_STANDBY);
	assert_int_equal(m.releases, 1);
}

static void test_auto_failback_off_keeps(void **state)
{
	struct membership m;

	assert_int_equal(failback(false, &m) & HA_ACT_RELEASE, 0);
	assert_int_equal(m.self.role, HA_ROLE_ACTIVE);
}

static void test_failback_waits_for_held_peer(void **state)
{
	struct membership m;
	struct membership_cfg c = cfg("dir2", true, 0);
	struct ha_node_info p = peer(HA_ROLE_STANDBY);
	uint64_t t = 0;

	membership_init(&m, &c, t);
	silence(&m, &t, INIT + 10);
	p.hold = true;		/* dir1's operator said standby */
	assert_int_equal(feed(&m, &t, 1000, &p, 3) & HA_ACT_RELEASE, 0);
	assert_int_equal(m.self.role, HA_ROLE_ACTIVE);
}

/* Both active after a partition heals. */
static enum ha_role split(const char *self, bool afb, uint32_t self_epoch,
			  uint32_t peer_epoch)
{
	struct membership m;
	struct membership_cfg c = cfg(self, afb, 0);
	struct ha_node_info p = peer(HA_ROLE_ACTIVE);
	uint64_t t = 0;

	membership_init(&m, &c, t);
	silence(&m, &t, INIT + 10);
	assert_int_equal(m.self.role, HA_ROLE_ACTIVE);
	m.self.epoch = self_epoch;
	p.epoch = peer_epoch;
	feed(&m, &t, 300, &p, 3);
	return m.self.role;
}

static void test_split_brain(void **state)
{
	/* auto_failback on: the preferred node keeps them. */
	assert_int_equal(split("dir1", true, 2, 1), HA_ROLE_ACTIVE);
	assert_int_equal(split("dir2", true, 1, 2), HA_ROLE_STANDBY);
	/* off: the later takeover (higher epoch) yields, whoever it is. */
	assert_int_equal(split("dir1", false, 2, 1), HA_ROLE_STANDBY);
	assert_int_equal(split("dir2", false, 1, 2), HA_ROLE_ACTIVE);
	/* off, same epoch: node order decides, deterministically. */
	assert_int_equal(split("dir1", false, 1, 1), HA_ROLE_ACTIVE);
	assert_int_equal(split("dir2", false, 1, 1), HA_ROLE_STANDBY);
}

static void test_standby_command(void **state)
{
	struct membership a, b;
	struct membership_cfg ca = cfg("dir1", true, 0), cb = cfg("dir2", true, 0);
	struct ha_node_info ia;
	uint64_t t = 0;
	unsigned act;

	membership_init(&a, &ca, t);
	silence(&a, &t, INIT + 10);
	assert_int_equal(a.self.role, HA_ROLE_ACTIVE);
	/* Peer not up: refusing leaves nobody owning them. */
	assert_int_equal(membership_standby(&a, t, &act), -EAGAIN);
	membership_init(&b, &cb, t);
	ia = a.self;
	membership_rx(&b, t, 0, &ia, false);
	membership_rx(&a, t, 0, &b.self, false);
	assert_int_equal(b.self.role, HA_ROLE_STANDBY);

	assert_int_equal(membership_standby(&a, t, &act), 0);
	assert_true(act & HA_ACT_RELEASE);
	assert_true(act & HA_ACT_SEND);
	assert_true(a.self.hold);
	ia = a.self;
	assert_true(membership_rx(&b, t, 0, &ia, false) & HA_ACT_ACQUIRE);
	/* a, preferred but held, does not take them back (auto_failback on). */
	assert_int_equal(membership_rx(&a, t, 0, &b.self, false) & HA_ACT_ACQUIRE, 0);
	ia = a.self;
	assert_int_equal(membership_rx(&b, t, 0, &ia, false) & HA_ACT_RELEASE, 0);

	/* takeover on a: asks b, b releases and holds, a acquires. */
	assert_int_equal(membership_takeover(&a, t, &act), 0);
	assert_true(act & HA_ACT_SEND_TAKEOVER);
	assert_false(a.self.hold);
	ia = a.self;
	assert_true(membership_rx(&b, t, 0, &ia, true) & HA_ACT_RELEASE);
	assert_true(b.self.hold);
	assert_true(membership_rx(&a, t, 0, &b.self, false) & HA_ACT_ACQUIRE);
	assert_int_equal(membership_takeover(&a, t, &act), -EALREADY);
}

static void test_peer_leaving_is_immediate(void **state)
{
	struct membership m;
	struct ha_node_info p = peer(HA_ROLE_LEAVING);
	uint64_t t = 0;
	unsigned act;

	start_standby(&m, "dir2", true, &t);
	act = membership_rx(&m, t, 0, &p, false);
	assert_true(act & HA_ACT_ACQUIRE);
	assert_int_equal(m.peer_state, HA_PEER_GONE);
	/* And our own leave releases and says so. */
	act = membership_leave(&m, t);
	assert_true(act & HA_ACT_RELEASE);
	assert_true(act & HA_ACT_SEND);
	assert_int_equal(m.self.role, HA_ROLE_LEAVING);
}

/* --- failback handshake ------------------------------------------------ */

#define WAIT	10000		/* HA_TABLE_WAIT_MS, as the daemon uses it */
#define NEVER	UINT64_MAX

/*
 * Two nodes on fake time, heartbeats both ways on both links every
 * keepalive while both are up. The fake sync: an active node serves its
 * generation gen[i]; a standby holds its peer's table (gen[!i]) from time
 * ready[i] on. Every acquisition records the table the node held then.
 */
struct pair {
	struct membership n[2];		/* 0: dir1 (preferred), 1: dir2 */
	uint64_t t;
	uint64_t gen[2];
	uint64_t ready[2];
	uint64_t held_gen[2];		/* overrides gen[!i] when set */
	bool up[2];
	unsigned acquired[2], released[2];
	uint64_t held_at_acquire[2];
};

static void note(struct pair *p, int i, unsigned act)
{
	if (act & HA_ACT_ACQUIRE) {
		p->acquired[i]++;
		p->held_at_acquire[i] = p->n[i].self.table_gen;
	}
	if (act & HA_ACT_RELEASE)
		p->released[i]++;
}

static void fake_sync(struct pair *p, int i)
{
	struct membership *m = &p->n[i];
	bool holds = m->self.role == HA_ROLE_STANDBY && p->t >= p->ready[i];
	uint64_t g = p->held_gen[i] ? p->held_gen[i] : p->gen[!i];

	note(p, i, membership_set_table(m, p->t, m->self.role ==
					HA_ROLE_ACTIVE ? p->gen[i] : 0,
					holds ? g : 0, holds ? 1234 : 0));
}

static void pair_rx(struct pair *p, int i, bool takeover)
{
	struct ha_node_info info = p->n[!i].self;

	fake_sync(p, i);
	note(p, i, membership_rx(&p->n[i], p->t, 0, &info, takeover));
	note(p, i, membership_rx(&p->n[i], p->t, 1, &info, false));
}

static void pair_run(struct pair *p, uint64_t ms)
{
	uint64_t start = p->t;

	for (uint64_t end = p->t + ms; p->t < end; p->t += KA / 4) {
		for (int i = 0; i < 2; i++) {
			if (!p->up[i])
				continue;
			fake_sync(p, i);
			note(p, i, membership_tick(&p->n[i], p->t));
		}
		if ((p->t - start) % KA == 0 && p->up[0] && p->up[1]) {
			pair_rx(p, 0, false);
			pair_rx(p, 1, false);
		}
	}
}

/* dir2 active alone (dir1 crashed earlier); dir1 starts again at p->t
 * with an empty table, holding dir2's from ready1 on. */
static void pair_failback_start(struct pair *p, bool afb, uint64_t ready1)
{
	struct membership_cfg c1 = cfg("dir1", afb, 0), c2 = cfg("dir2", afb, 0);

	memset(p, 0, sizeof(*p));
	c1.table_wait_ms = c2.table_wait_ms = WAIT;
	p->gen[0] = 1764990000000001ull;
	p->gen[1] = 1764990000000002ull;
	p->ready[1] = NEVER;
	membership_init(&p->n[1], &c2, p->t);
	p->up[1] = true;
	pair_run(p, INIT + 100);
	assert_int_equal(p->n[1].self.role, HA_ROLE_ACTIVE);
	assert_int_equal(p->n[1].serve_gen, p->gen[1]);
	membership_init(&p->n[0], &c1, p->t);
	p->up[0] = true;
	p->ready[0] = ready1 == NEVER ? NEVER : p->t + ready1;
	pair_run(p, 500);
	assert_int_equal(p->n[0].self.role, HA_ROLE_STANDBY);
}

/* auto_failback on: dir2 keeps the resources until dir1 holds its table,
 * then hands over at once; dir1 became active holding that table. */
static void test_failback_waits_for_table(void **state)
{
	struct pair p;

	pair_failback_start(&p, true, 3000);
	pair_run(&p, 2000);
	assert_int_equal(p.n[1].self.role, HA_ROLE_ACTIVE);
	assert_int_equal(p.released[1], 0);
	assert_true(p.n[1].ho.pending);
	assert_true(p.n[1].self.handover);
	assert_string_equal(p.n[1].ho.why, "auto_failback: peer ranks higher");
	/* The returning node knows it is awaited. */
	assert_int_equal(p.n[0].self.role, HA_ROLE_STANDBY);
	assert_true(p.n[0].ho.pending);
	assert_int_equal(p.acquired[0], 0);

	pair_run(&p, 1500);
	assert_int_equal(p.n[0].self.role, HA_ROLE_ACTIVE);
	assert_int_equal(p.n[1].self.role, HA_ROLE_STANDBY);
	assert_int_equal(p.acquired[0], 1);
	assert_int_equal(p.held_at_acquire[0], p.gen[1]);
	assert_int_equal(p.n[1].ho.done, 1);
	assert_int_equal(p.n[1].ho.waits_expired, 0);
	assert_false(p.n[1].ho.pending);
	assert_false(p.n[0].ho.pending);
	/* And it stays that way. */
	pair_run(&p, 3000);
	assert_int_equal(p.acquired[0], 1);
	assert_int_equal(p.released[1], 1);
}

/* A table of another generation (an earlier life of dir2) is not dir2's
 * table: no handover. */
static void test_failback_needs_current_generation(void **state)
{
	struct pair p;

	pair_failback_start(&p, true, NEVER);
	p.held_gen[0] = p.gen[1] - 1;
	p.ready[0] = p.t;
	pair_run(&p, 3000);
	assert_int_equal(p.n[1].self.role, HA_ROLE_ACTIVE);
	assert_int_equal(p.n[0].self.role, HA_ROLE_STANDBY);
	assert_int_equal(p.n[0].self.table_gen, p.gen[1] - 1);
	p.held_gen[0] = 0;
	pair_run(&p, 500);
	assert_int_equal(p.n[0].self.role, HA_ROLE_ACTIVE);
	assert_int_equal(p.held_at_acquire[0], p.gen[1]);
}

/* The table never comes: each bounded wait ends, is counted on both
 * nodes, and a new one begins; the resources stay. Once the transfer
 * succeeds, the handover happens. */
static void test_failback_wait_bounded(void **state)
{
	struct pair p;

	pair_failback_start(&p, true, NEVER);
	pair_run(&p, WAIT - 1000);
	assert_true(p.n[1].ho.pending);
	assert_false(p.n[1].ho.expired);
	assert_int_equal(p.n[1].ho.waits_expired, 0);
	pair_run(&p, 2000);
	assert_true(p.n[1].ho.expired);
	assert_int_equal(p.n[1].ho.waits_expired, 1);
	assert_true(p.n[0].ho.expired);
	assert_int_equal(p.n[0].ho.waits_expired, 1);
	pair_run(&p, 2 * WAIT);
	assert_int_equal(p.n[1].ho.waits_expired, 3);
	assert_int_equal(p.n[0].ho.waits_expired, 3);
	assert_int_equal(p.n[1].self.role, HA_ROLE_ACTIVE);
	assert_int_equal(p.n[0].self.role, HA_ROLE_STANDBY);
	assert_int_equal(p.released[1], 0);
	assert_int_equal(p.acquired[0], 0);

	p.ready[0] = p.t;
	pair_run(&p, 500);
	assert_int_equal(p.n[0].self.role, HA_ROLE_ACTIVE);
	assert_int_equal(p.held_at_acquire[0], p.gen[1]);
}

/* auto_failback off, `takeover` on dir1: dir2 holds back (hold set) but
 * keeps the resources until dir1 has its table. */
static void test_takeover_waits_for_table(void **state)
{
	struct pair p;
	unsigned act;

	pair_failback_start(&p, false, NEVER);
	pair_run(&p, 2000);
	assert_false(p.n[1].ho.pending);	/* nothing to hand over */
	assert_int_equal(membership_takeover(&p.n[0], p.t, &act), 0);
	assert_true(act & HA_ACT_SEND_TAKEOVER);
	pair_rx(&p, 1, true);
	assert_true(p.n[1].self.hold);
	assert_int_equal(p.n[1].self.role, HA_ROLE_ACTIVE);
	assert_true(p.n[1].ho.pending);
	assert_string_equal(p.n[1].ho.why, "peer asked to take over");
	pair_run(&p, 3000);
	assert_int_equal(p.released[1], 0);
	assert_int_equal(p.n[0].self.role, HA_ROLE_STANDBY);
	assert_true(p.n[0].ho.pending);

	p.ready[0] = p.t;
	pair_run(&p, 500);
	assert_int_equal(p.n[0].self.role, HA_ROLE_ACTIVE);
	assert_int_equal(p.n[1].self.role, HA_ROLE_STANDBY);
	assert_int_equal(p.held_at_acquire[0], p.gen[1]);
	/* Held, dir2 does not take them back. */
	pair_run(&p, 2000);
	assert_int_equal(p.n[0].self.role, HA_ROLE_ACTIVE);
}

/* `standby` on the active node: the same wait. */
static void test_standby_command_waits_for_table(void **state)
{
	struct pair p;
	unsigned act;

	pair_failback_start(&p, false, NEVER);
	pair_run(&p, 1000);
	assert_int_equal(membership_standby(&p.n[1], p.t, &act), 0);
	assert_int_equal(act & HA_ACT_RELEASE, 0);
	assert_true(act & HA_ACT_SEND);
	assert_true(p.n[1].ho.pending);
	assert_string_equal(p.n[1].ho.why, "operator standby");
	pair_run(&p, 2000);
	assert_int_equal(p.n[1].self.role, HA_ROLE_ACTIVE);
	p.ready[0] = p.t;
	pair_run(&p, 500);
	assert_int_equal(p.n[1].self.role, HA_ROLE_STANDBY);
	assert_int_equal(p.n[0].self.role, HA_ROLE_ACTIVE);
}

/* Death is no handover: the returning node, awaited by an active peer
 * that dies, takes over after deadtime without any table; an active node
 * waiting for a peer that dies calls the handover off and keeps them. */
static void test_peer_death_ends_wait(void **state)
{
	struct pair p;

	pair_failback_start(&p, true, NEVER);
	pair_run(&p, 1000);
	assert_true(p.n[0].ho.pending);
	p.up[1] = false;
	pair_run(&p, DEAD + 200);
	assert_int_equal(p.n[0].peer_state, HA_PEER_DEAD);
	assert_int_equal(p.n[0].self.role, HA_ROLE_ACTIVE);
	assert_int_equal(p.held_at_acquire[0], 0);
	assert_false(p.n[0].ho.pending);

	pair_failback_start(&p, true, NEVER);
	pair_run(&p, 1000);
	assert_true(p.n[1].ho.pending);
	p.up[0] = false;
	pair_run(&p, DEAD + 200);
	assert_int_equal(p.n[1].self.role, HA_ROLE_ACTIVE);
	assert_false(p.n[1].ho.pending);
	assert_false(p.n[1].self.handover);
	assert_null(p.n[1].handover_req);
	assert_int_equal(p.released[1], 0);
}

/* Without sync (nothing served) there is nothing to wait for. */
static void test_no_table_served_no_wait(void **state)
{
	struct membership m;

	assert_true(failback(true, &m) & HA_ACT_RELEASE);
	assert_int_equal(m.serve_gen, 0);
	assert_int_equal(m.ho.done, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alone_takes_over_after_initdead),
		cmocka_unit_test(test_active_peer_makes_us_standby),
		cmocka_unit_test(test_both_starting_preferred_wins),
		cmocka_unit_test(test_one_link_lost_is_no_failover),
		cmocka_unit_test(test_dead_after_deadtime_on_all_links),
		cmocka_unit_test(test_no_quorum_no_takeover),
		cmocka_unit_test(test_active_hands_over_to_better_connected_peer),
		cmocka_unit_test(test_auto_failback_on_releases),
		cmocka_unit_test(test_auto_failback_off_keeps),
		cmocka_unit_test(test_failback_waits_for_held_peer),
		cmocka_unit_test(test_split_brain),
		cmocka_unit_test(test_standby_command),
		cmocka_unit_test(test_peer_leaving_is_immediate),
		cmocka_unit_test(test_failback_waits_for_table),
		cmocka_unit_test(test_failback_needs_current_generation),
		cmocka_unit_test(test_failback_wait_bounded),
		cmocka_unit_test(test_takeover_waits_for_table),
		cmocka_unit_test(test_standby_command_waits_for_table),
		cmocka_unit_test(test_peer_death_ends_wait),
		cmocka_unit_test(test_no_table_served_no_wait),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
