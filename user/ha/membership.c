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
	case HA_ROLE_ACTIVE:
		if (!peer_up)
			return 0;
		if (pr == HA_ROLE_ACTIVE) {
			if (split_brain_loser(m))
				return set_role(m, now, HA_ROLE_STANDBY,
						"split brain resolved: peer "
						"keeps the resources");
			return 0;
		}
		if (pr != HA_ROLE_STANDBY || !m->peer.pings_known)
			return 0;
		/* ipfail: hand over to a better connected peer. */
		if (m->peer.pings_up > m->self.pings_up)
			return set_role(m, now, HA_ROLE_STANDBY,
					"peer reaches more ping nodes");
		if (m->cfg.auto_failback && peer_outranks(m))
			return set_role(m, now, HA_ROLE_STANDBY,
					"auto_failback: peer ranks higher");
		return 0;
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
		if (m->self.role == HA_ROLE_ACTIVE)
			return set_role(m, now, HA_ROLE_STANDBY,
					"peer asked to take over");
		return HA_ACT_SEND;
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
	*act = set_role(m, now, HA_ROLE_STANDBY, "operator standby");
	return 0;
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
