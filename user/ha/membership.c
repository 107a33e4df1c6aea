// SPDX-License-Identifier: GPL-2.0
/* The membership state machine (see membership.h). */
#include <errno.h>
#include <string.h>

#include "ha/membership.h"
#include "log.h"

const char *ha_role_name(enum ha_role r)
{
	switch (r) {
	case HA_ROLE_INIT: return "init";
	case HA_ROLE_STANDBY: return "standby";
	case HA_ROLE_ACTIVE: return "active";
	case HA_ROLE_LEAVING: return "leaving";
	}
	return "?";
}

const char *ha_peer_state_name(enum ha_peer_state s)
{
	switch (s) {
	case HA_PEER_UNKNOWN: return "unknown";
	case HA_PEER_UP: return "up";
	case HA_PEER_DEAD: return "dead";
	case HA_PEER_GONE: return "gone";
	}
	return "?";
}

void membership_init(struct membership *m, const struct membership_cfg *cfg,
		     uint64_t now)
{
	memset(m, 0, sizeof(*m));
	m->cfg = *cfg;
	if (m->cfg.nlinks > HA_MAX_LINKS)
		m->cfg.nlinks = HA_MAX_LINKS;
	m->self.role = HA_ROLE_INIT;
	m->self.pings_known = cfg->nping_groups == 0;
	m->start_ms = m->role_since_ms = m->peer_state_since_ms = now;
}

bool membership_quorum(const struct membership *m)
{
	return !m->cfg.nping_groups || m->self.pings_up > 0;
}

static bool peer_quorum(const struct membership *m)
{
	return !m->cfg.nping_groups || m->peer.pings_up > 0;
}

bool membership_outranks(const struct ha_node_info *a, const char *aname,
			 bool apref, const struct ha_node_info *b,
			 const char *bname, bool bpref)
{
	if (a->pings_up != b->pings_up)
		return a->pings_up > b->pings_up;
	if (a->hold != b->hold)
		return !a->hold;
	if (apref != bpref)
		return apref;
	return strcmp(aname, bname) < 0;
}

static bool self_outranks(const struct membership *m)
{
	return membership_outranks(&m->self, m->cfg.self, m->cfg.self_preferred,
				   &m->peer, m->cfg.peer, m->cfg.peer_preferred);
}

static bool peer_outranks(const struct membership *m)
{
	return !self_outranks(m);
}

static unsigned set_role(struct membership *m, uint64_t now,
			 enum ha_role role, const char *why)
{
	unsigned act = HA_ACT_ROLE | HA_ACT_SEND;
	enum ha_role old = m->self.role;

	if (old == role)
		return 0;
	m->self.role = role;
	m->role_since_ms = now;
	/* A new role ends any handshake (and the request behind it). */
	m->handover_req = NULL;
	m->ho.pending = m->ho.expired = false;
	m->self.handover = false;
	if (role == HA_ROLE_ACTIVE) {
		uint32_t e = m->self.epoch > m->peer.epoch ? m->self.epoch :
							      m->peer.epoch;

		m->self.epoch = e + 1;
		m->takeovers++;
		act |= HA_ACT_ACQUIRE;
	} else if (old == HA_ROLE_ACTIVE || old == HA_ROLE_INIT) {
		/* From INIT too: a crashed predecessor may have left the
		 * addresses behind. */
		if (old == HA_ROLE_ACTIVE)
			m->releases++;
		act |= HA_ACT_RELEASE;
	}
	xd_info("ha: %s -> %s: %s", ha_role_name(old), ha_role_name(role), why);
	return act;
}

/* Split brain (both active and hearing each other): who gives up. */
static bool split_brain_loser(const struct membership *m)
{
	/* auto_failback off: the later takeover yields, so the node the
	 * clients were already using keeps them. */
	if (!m->cfg.auto_failback && m->self.epoch != m->peer.epoch)
		return m->self.epoch > m->peer.epoch;
	return peer_outranks(m);
}

static void update_timers(struct membership *m, uint64_t now)
{
	for (size_t i = 0; i < m->cfg.nlinks; i++) {
		struct ha_link_state *l = &m->links[i];
		bool up = l->ever && now - l->last_rx_ms < m->cfg.deadtime_ms;

		if (up != l->up && l->ever)
			xd_info("ha: link %zu to %s %s", i, m->cfg.peer,
				up ? "up" : "down (no heartbeat for deadtime)");
		l->up = up;
	}
	if (m->peer_state == HA_PEER_UP) {
		uint64_t silent = now - m->peer_last_ms;

		if (silent >= m->cfg.deadtime_ms) {
			xd_warn("ha: node %s is dead: no heartbeat on any link "
				"for %llu ms", m->cfg.peer,
				(unsigned long long)silent);
			m->peer_state = HA_PEER_DEAD;
			m->peer_state_since_ms = now;
		} else if (m->cfg.warntime_ms && silent >= m->cfg.warntime_ms &&
			   !m->peer_late) {
			xd_warn("ha: late heartbeat from %s: %llu ms",
				m->cfg.peer, (unsigned long long)silent);
			m->peer_late = true;
		}
	} else if (m->peer_state == HA_PEER_UNKNOWN &&
		   now - m->start_ms >= m->cfg.initdead_ms) {
		xd_warn("ha: node %s not heard within initdead (%u ms): dead",
			m->cfg.peer, m->cfg.initdead_ms);
		m->peer_state = HA_PEER_DEAD;
		m->peer_state_since_ms = now;
	}
}

static unsigned acquire_if_quorum(struct membership *m, uint64_t now,
				  const char *why)
{
	if (!membership_quorum(m)) {
		if (!m->quorum_warned)
			xd_warn("ha: not taking over (%s): no ping node "
				"reachable", why);
		m->quorum_warned = true;
		if (m->self.role == HA_ROLE_INIT)
			return set_role(m, now, HA_ROLE_STANDBY, "no quorum");
		return 0;
	}
	m->quorum_warned = false;
	return set_role(m, now, HA_ROLE_ACTIVE, why);
}

/* --- failback handshake (see membership.h) ----------------------------- */

static uint32_t table_wait_ms(const struct membership *m)
{
	return m->cfg.table_wait_ms ? m->cfg.table_wait_ms : HA_TABLE_WAIT_MS;
}

/* Active: does the standby peer hold the table we serve? Without one
 * (no sync, or not its master) there is nothing to wait for. */
static bool peer_holds_our_table(const struct membership *m)
{
	return !m->serve_gen || m->peer.table_gen == m->serve_gen;
}

/* Active, peer up: why we would give the resources to it, or NULL. */
static const char *handover_reason(const struct membership *m)
{
	if (m->peer.role != HA_ROLE_STANDBY)
		return NULL;
	if (m->handover_req)
		return m->handover_req;
	if (!m->peer.pings_known)
		return NULL;
	/* ipfail: hand over to a better connected peer. */
	if (m->peer.pings_up > m->self.pings_up)
		return "peer reaches more ping nodes";
	if (m->cfg.auto_failback && peer_outranks(m))
		return "auto_failback: peer ranks higher";
	return NULL;
}

static void handover_call_off(struct membership *m, const char *why)
{
	if (m->ho.pending && m->self.role == HA_ROLE_ACTIVE)
		xd_info("ha: handover to %s called off: %s", m->cfg.peer, why);
	m->ho.pending = m->ho.expired = false;
	m->self.handover = false;
}

/* One more wait ended without the table: log, count, wait again. */
static bool handover_wait_expired(struct membership *m, uint64_t now)
{
	if (now - m->ho.since_ms < table_wait_ms(m))
		return false;
	m->ho.waits_expired++;
	m->ho.expired = true;
	m->ho.since_ms = now;
	return true;
}

static unsigned hand_over(struct membership *m, uint64_t now, const char *why)
{
	if (peer_holds_our_table(m)) {
		if (m->ho.pending) {
			m->ho.done++;
			xd_info("ha: %s holds our connection table (%u "
				"entries) after %llu ms: handing over",
				m->cfg.peer, m->peer.table_entries,
				(unsigned long long)(now - m->ho.started_ms));
		}
		return set_role(m, now, HA_ROLE_STANDBY, why);
	}
	m->ho.why = why;
	if (!m->ho.pending) {
		m->ho.pending = true;
		m->ho.expired = false;
		m->ho.started_ms = m->ho.since_ms = now;
		m->self.handover = true;
		xd_info("ha: %s: keeping the resources until %s holds our "
			"connection table (at most %u ms, then again)", why,
			m->cfg.peer, table_wait_ms(m));
		return HA_ACT_SEND;	/* the peer learns it is awaited */
	}
	if (handover_wait_expired(m, now))
		xd_warn("ha: %s: %s has not got our connection table within "
			"%u ms: keeping the resources; waiting again while the "
			"transfer is retried", why, m->cfg.peer,
			table_wait_ms(m));
	return 0;
}

/* Standby: is the active peer waiting for us to hold its table? */
static void track_peer_handover(struct membership *m, uint64_t now)
{
	bool awaited = m->peer_state == HA_PEER_UP &&
		       m->peer.role == HA_ROLE_ACTIVE && m->peer.handover;

	if (!awaited) {
		m->ho.pending = m->ho.expired = false;
		return;
	}
	if (!m->ho.pending) {
		m->ho.pending = true;
		m->ho.expired = false;
		m->ho.started_ms = m->ho.since_ms = now;
		m->ho.why = "peer hands over once we hold its table";
		xd_info("ha: %s hands the resources over once we hold its "
			"connection table: staying standby until then",
			m->cfg.peer);
		return;
	}
	if (handover_wait_expired(m, now))
		xd_warn("ha: no complete connection table from %s within %u "
			"ms: staying standby, %s keeps the resources; the "
			"transfer is retried", m->cfg.peer, table_wait_ms(m),
			m->cfg.peer);
}

static unsigned decide(struct membership *m, uint64_t now)
{
	bool peer_up = m->peer_state == HA_PEER_UP;
	bool peer_absent = m->peer_state == HA_PEER_DEAD ||
			   m->peer_state == HA_PEER_GONE;
	enum ha_role pr = m->peer.role;

	switch (m->self.role) {
	case HA_ROLE_INIT:
		if (!m->self.pings_known)
			return 0;
		if (peer_absent)
			return acquire_if_quorum(m, now, "peer not up");
		if (!peer_up)
			return 0;
		if (pr == HA_ROLE_ACTIVE)
			return set_role(m, now, HA_ROLE_STANDBY,
					"peer is active");
		if (self_outranks(m) && (membership_quorum(m) || !peer_quorum(m)))
			return set_role(m, now, HA_ROLE_ACTIVE,
					"peer is up, not active, ranks lower");
		return set_role(m, now, HA_ROLE_STANDBY, "peer ranks higher");
	case HA_ROLE_STANDBY:
		track_peer_handover(m, now);
		if (peer_absent)
			return acquire_if_quorum(m, now, m->peer_state ==
						 HA_PEER_GONE ? "peer left" :
						 "peer dead");
		if (!peer_up || pr != HA_ROLE_STANDBY)
			return 0;
		if (self_outranks(m) && (membership_quorum(m) || !peer_quorum(m)))
			return set_role(m, now, HA_ROLE_ACTIVE,
					"peer on standby, ranks lower");
		return 0;
	case HA_ROLE_ACTIVE: {
		const char *why;

		if (!peer_up) {
			/* Nobody to hand over to: the request lapses. */
			m->handover_req = NULL;
			handover_call_off(m, "peer not up");
			return 0;
		}
		if (pr == HA_ROLE_ACTIVE) {
			handover_call_off(m, "peer is active");
			if (split_brain_loser(m))
				return set_role(m, now, HA_ROLE_STANDBY,
						"split brain resolved: peer "
						"keeps the resources");
			return 0;
		}
		why = handover_reason(m);
		if (!why) {
			handover_call_off(m, pr == HA_ROLE_STANDBY ?
					  "peer no longer ranks higher" :
					  "peer is not on standby");
			return 0;
		}
		return hand_over(m, now, why);
	}
	case HA_ROLE_LEAVING:
		break;
	}
	return 0;
}

unsigned membership_tick(struct membership *m, uint64_t now)
{
	update_timers(m, now);
	return decide(m, now);
}

unsigned membership_rx(struct membership *m, uint64_t now, size_t link,
		       const struct ha_node_info *peer, bool takeover_req)
{
	enum ha_role old_peer_role = m->peer.role;
	bool was_up = m->peer_state == HA_PEER_UP;
	unsigned act = 0;

	if (link < m->cfg.nlinks) {
		m->links[link].last_rx_ms = now;
		m->links[link].ever = true;
	}
	m->peer_last_ms = now;
	if (m->peer_late)
		xd_info("ha: heartbeat from %s again", m->cfg.peer);
	m->peer_late = false;
	m->peer = *peer;
	if (peer->role == HA_ROLE_LEAVING) {
		if (m->peer_state != HA_PEER_GONE) {
			xd_info("ha: node %s is leaving", m->cfg.peer);
			m->peer_state = HA_PEER_GONE;
			m->peer_state_since_ms = now;
		}
	} else if (!was_up) {
		xd_info("ha: node %s is up (%s)", m->cfg.peer,
			ha_role_name(peer->role));
		m->peer_state = HA_PEER_UP;
		m->peer_state_since_ms = now;
	}
	update_timers(m, now);

	if (takeover_req) {
		m->self.hold = true;
		/* Handed over by decide(), once the peer holds our table. */
		if (m->self.role == HA_ROLE_ACTIVE && !m->handover_req)
			m->handover_req = "peer asked to take over";
		return decide(m, now) | HA_ACT_SEND;
	}
	act = decide(m, now);
	/* A split brain just ended in our favour, or the peer came back:
	 * the peer's gratuitous ARPs may have moved the neighbours. */
	if (m->self.role == HA_ROLE_ACTIVE && !(act & HA_ACT_ACQUIRE) &&
	    ((old_peer_role == HA_ROLE_ACTIVE && peer->role != HA_ROLE_ACTIVE) ||
	     !was_up))
		act |= HA_ACT_ANNOUNCE;
	/* Answer a (re)started peer at once: it decides on what we say. */
	if (!was_up || peer->role != old_peer_role)
		act |= HA_ACT_SEND;
	return act;
}

unsigned membership_set_pings(struct membership *m, uint64_t now, bool known,
			      unsigned up)
{
	bool changed = m->self.pings_up != up || m->self.pings_known != known;

	m->self.pings_known = known;
	m->self.pings_up = up > 255 ? 255 : up;
	if (!changed)
		return 0;
	return decide(m, now) | HA_ACT_SEND;
}

int membership_standby(struct membership *m, uint64_t now, unsigned *act)
{
	*act = 0;
	if (m->self.role != HA_ROLE_ACTIVE)
		return -EALREADY;
	if (m->peer_state != HA_PEER_UP)
		return -EAGAIN;
	m->self.hold = true;
	/* Handed over by decide(), once the peer holds our table. */
	m->handover_req = "operator standby";
	*act = decide(m, now) | HA_ACT_SEND;
	return 0;
}

unsigned membership_set_table(struct membership *m, uint64_t now,
			      uint64_t serve_gen, uint64_t hold_gen,
			      uint32_t entries)
{
	if (m->serve_gen == serve_gen && m->self.table_gen == hold_gen &&
	    m->self.table_entries == entries)
		return 0;
	m->serve_gen = serve_gen;
	m->self.table_gen = hold_gen;
	m->self.table_entries = entries;
	/* Tell the peer at once: it may be waiting for exactly this. */
	return decide(m, now) | HA_ACT_SEND;
}

int membership_takeover(struct membership *m, uint64_t now, unsigned *act)
{
	*act = 0;
	if (m->self.role == HA_ROLE_ACTIVE)
		return -EALREADY;
	if (m->self.role == HA_ROLE_LEAVING)
		return -ESHUTDOWN;
	m->self.hold = false;
	if (!membership_quorum(m))
		return -ENETUNREACH;
	if (m->peer_state == HA_PEER_UP) {
		/* The peer holds back (and releases if active); its next
		 * heartbeat says so and decide() then takes over. Acting
		 * before that could bounce with auto_failback. */
		xd_info("ha: operator takeover: asking %s to release",
			m->cfg.peer);
		*act = HA_ACT_SEND_TAKEOVER | HA_ACT_SEND;
		return 0;
	}
	*act = decide(m, now) | HA_ACT_SEND;
	return 0;
}

unsigned membership_leave(struct membership *m, uint64_t now)
{
	unsigned act = set_role(m, now, HA_ROLE_LEAVING, "stopping");

	/* Leaving from standby: nothing to remove, but say goodbye. */
	if (!(act & HA_ACT_ROLE))
		return HA_ACT_SEND;
	return act | HA_ACT_SEND;
}
