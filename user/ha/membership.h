/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Two-node membership and resource ownership, as heartbeat v1 decides it,
 * without sockets or clocks: the caller feeds valid heartbeats, ping
 * results, operator commands and the time (ms, monotonic), and applies the
 * actions returned. Keeping it pure lets tests drive it with fake time.
 *
 * Who owns the resources, when both are alive and neither is active, is a
 * total order over the two nodes (membership_outranks): more reachable
 * ping groups, then not held in standby by the operator, then the
 * haresources preferred node, then the smaller node name.
 *
 * Failback handshake (docs/sync.md): when connection sync runs, an active
 * node that would hand its resources to a standby peer for any reason
 * (auto_failback, ipfail, operator standby, the peer's takeover request)
 * keeps them until the peer's heartbeat says it holds this node's
 * connection table complete (the sync generation the caller gave with
 * membership_set_table). Each wait is bounded (table_wait_ms): when one
 * ends without the table it is logged and counted on both nodes, and a
 * new one begins while sync retries the transfer; the resources never
 * move to a node without the table. A peer declared dead or leaving is
 * taken over from at once, as before.
 */
#ifndef XD_HA_MEMBERSHIP_H
#define XD_HA_MEMBERSHIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HA_MAX_LINKS	8

enum ha_role {
	HA_ROLE_INIT = 0,	/* started, deciding (at most initdead) */
	HA_ROLE_STANDBY,
	HA_ROLE_ACTIVE,
	HA_ROLE_LEAVING,	/* shutting down, resources given up */
};

enum ha_peer_state {
	HA_PEER_UNKNOWN = 0,	/* not heard since start, initdead running */
	HA_PEER_UP,
	HA_PEER_DEAD,		/* silent on every link for deadtime */
	HA_PEER_GONE,		/* said it is leaving */
};

/* What a node tells about itself in each heartbeat. */
struct ha_node_info {
	enum ha_role role;
	bool hold;		/* operator standby */
	bool pings_known;
	uint8_t pings_up;	/* reachable ping groups */
	uint32_t epoch;		/* Lamport count of takeovers */
	bool handover;		/* active: hands over once the peer holds
				 * its table (HBMSG_F_HANDOVER) */
	uint64_t table_gen;	/* sync generation of the peer's table held
				 * complete, 0: none */
	uint32_t table_entries;
};

/* One bounded wait of the failback handshake, by default. */
#define HA_TABLE_WAIT_MS	10000

struct membership_cfg {
	uint32_t keepalive_ms, warntime_ms, deadtime_ms, initdead_ms;
	bool auto_failback;
	const char *self, *peer;
	bool self_preferred, peer_preferred;
	size_t nlinks;
	size_t nping_groups;	/* 0: no quorum condition */
	uint32_t table_wait_ms;	/* handshake: one wait; 0: HA_TABLE_WAIT_MS */
};

/* Bits returned by the membership_* calls, applied in this order. */
enum ha_action {
	HA_ACT_RELEASE = 1 << 0,	/* remove addresses, then ... */
	HA_ACT_ACQUIRE = 1 << 1,	/* add addresses, gratuitous ARP */
	HA_ACT_SEND = 1 << 2,		/* ... send a heartbeat now */
	HA_ACT_ANNOUNCE = 1 << 3,	/* gratuitous ARP again */
	HA_ACT_SEND_TAKEOVER = 1 << 4,	/* ask the peer to release */
	HA_ACT_ROLE = 1 << 5,		/* role changed (log, sync hook) */
};

struct ha_link_state {
	uint64_t last_rx_ms;
	bool ever;
	bool up;
};

/*
 * The failback handshake as this node sees it. Active: it is handing over
 * and waits for the peer's table. Standby: the active peer waits for ours.
 */
struct ha_handover {
	bool pending;
	bool expired;		/* the current wait ended without the table */
	const char *why;	/* active: the reason to hand over */
	uint64_t started_ms;	/* the handshake began */
	uint64_t since_ms;	/* the current wait began */
	unsigned waits_expired;	/* waits that ended without the table */
	unsigned done;		/* handovers made after a wait */
};

struct membership {
	struct membership_cfg cfg;
	struct ha_node_info self;
	uint64_t start_ms, role_since_ms;
	bool pings_timeout;	/* deadping passed: ping status is known */

	enum ha_peer_state peer_state;
	struct ha_node_info peer;
	uint64_t peer_last_ms, peer_state_since_ms;
	bool peer_late;		/* warntime passed, warned once */
	bool quorum_warned;

	struct ha_link_state links[HA_MAX_LINKS];
	unsigned takeovers, releases;

	/* Failback handshake. serve_gen: generation of the table our sync
	 * master serves (0: we serve none, nothing to wait for). */
	uint64_t serve_gen;
	const char *handover_req;	/* operator standby / peer's takeover
					 * request while active: why */
	struct ha_handover ho;
};

void membership_init(struct membership *m, const struct membership_cfg *cfg,
		     uint64_t now);
/* A verified, non-replayed heartbeat from the peer on our link `link`. */
unsigned membership_rx(struct membership *m, uint64_t now, size_t link,
		       const struct ha_node_info *peer, bool takeover_req);
/* Timers: call at least every keepalive/4. */
unsigned membership_tick(struct membership *m, uint64_t now);
/* Ping groups: `known` once each group answered or deadping passed. */
unsigned membership_set_pings(struct membership *m, uint64_t now, bool known,
			      unsigned up);
/* hb_standby: give the resources to the peer (once it holds our table,
 * see top). -EAGAIN if the peer is not up (nobody would own them),
 * -EALREADY if not active. */
int membership_standby(struct membership *m, uint64_t now, unsigned *act);
/* hb_takeover: clear our standby hold and ask an active peer to release. */
int membership_takeover(struct membership *m, uint64_t now, unsigned *act);
/* The connection tables, from sync: serve_gen, the generation of the
 * table we serve as sync master (0: none); hold_gen and entries, the
 * peer's table we hold complete (0: none). Call before each rx and tick;
 * returns actions when this changes a decision. */
unsigned membership_set_table(struct membership *m, uint64_t now,
			      uint64_t serve_gen, uint64_t hold_gen,
			      uint32_t entries);
/* Stopping: release (if active) and tell the peer we are gone. */
unsigned membership_leave(struct membership *m, uint64_t now);

bool membership_quorum(const struct membership *m);
/* true if a's node outranks b's (see top). */
bool membership_outranks(const struct ha_node_info *a, const char *aname,
			 bool apref, const struct ha_node_info *b,
			 const char *bname, bool bpref);

const char *ha_role_name(enum ha_role r);
const char *ha_peer_state_name(enum ha_peer_state s);

#endif
