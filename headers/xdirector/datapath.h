/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Shared between the BPF datapath and userspace: map keys and values,
 * enums and limits. Only fixed-width types; no kernel-only headers.
 * All addresses and ports are in network byte order.
 */
#ifndef XDIRECTOR_DATAPATH_H
#define XDIRECTOR_DATAPATH_H

#include <linux/types.h>

/* Limits. Map sizes that depend on them are fixed at load time. */
#define XD_MAX_SERVICES		1024
#define XD_MAX_REALS		16384	/* real-server slots, all services */
#define XD_MAX_REALS_PER_SVC	128
#define XD_RING_SIZE		4093	/* scheduler slots per service (prime) */
#define XD_DEFAULT_CONN_MAX	1048576
#define XD_MAX_IFACES		64
#define XD_IF_MAC_SLOTS		4096	/* ifindexes below: if_mac_slots */

/* A virtual service: destination the client uses. */
struct xd_svc_key {
	__be32 vip;
	__be16 port;
	__u8 proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	__u8 pad;
};

enum xd_sched {
	XD_SCHED_RR = 0,
	XD_SCHED_WRR,
	XD_SCHED_LC,
	XD_SCHED_WLC,
	XD_SCHED_SH,
	XD_SCHED_MH,
	XD_SCHED_SED,		/* shortest expected delay: (active+1)/weight */
	XD_SCHED_NQ,		/* never queue: an idle real, else sed */
	XD_SCHED_DH,		/* destination hash, weights ignored */
	XD_SCHED_LBLC,		/* locality-based least-connection */
	XD_SCHED_LBLCR,		/* lblc with a set of reals per destination */
	XD_SCHED_FO,		/* weighted failover: highest weight */
	XD_SCHED_OVF,		/* overflow: highest weight with active <= weight */
	XD_SCHED_TWOS,		/* weighted random power of two choices */
	XD_SCHED_MAX,
};

/* xd_svc.flags */
#define XD_SVC_F_HASH_PORT	(1u << 0) /* sh/mh: hash source port too */
#define XD_SVC_F_LOCAL		(1u << 1) /* fallback on the director itself:
					   * new flows go to the local stack */

struct xd_svc {
	__u32 id;		/* index into per-service arrays */
	__u32 sched;		/* enum xd_sched */
	__u32 flags;
	__u32 ring_len;		/* used slots of this service's ring */
	__u32 nreals;		/* used entries of xd_svc_reals.ids */
	__u32 pad;
};

/* Reals of one service, for lc/wlc which compare every candidate. */
struct xd_svc_reals {
	__u32 ids[XD_MAX_REALS_PER_SVC];
};

/*
 * lblc and lblcr remember, per service and destination address, the
 * real(s) the destination's flows went to (IPVS's locality table). lblc
 * keeps one (n = 1); lblcr a set, grown while its members are overloaded
 * and shrunk by its most loaded member after XD_LBLC_EXPIRE_S without a
 * change. An entry unused for XD_LBLC_EXPIRE_S is forgotten.
 */
struct xd_lblc_key {
	__u32 svc_id;
	__be32 daddr;
};

struct xd_lblc {
	__u64 last_use_ns;
	__u64 last_mod_ns;	/* lblcr: the set last grew or shrank */
	__u32 n;		/* used entries of ids */
	__u32 pad;
	__u32 ids[XD_MAX_REALS_PER_SVC];
};

#define XD_LBLC_EXPIRE_S	(24 * 60 * 60)	/* IPVS's lblc(r)_expiration */
#define XD_LBLC_ENTRIES		4096

/* xd_real_slot.flags */
#define XD_REAL_F_IN_USE	(1u << 0)
#define XD_REAL_F_OWNS_ADDR	(1u << 1) /* real_addrs names this slot:
					   * its connections need no
					   * reply entry */

struct xd_real_slot {
	__be32 addr;
	__be16 port;
	__u16 flags;
	__u32 weight;		/* 0: quiescent, no new connections */
	__u32 svc_id;
	/* The service's key, kept with the slot for as long as it has
	 * connections (even once the service is gone): real_addrs needs it. */
	__be32 vip;
	__be16 vport;
	__u8 proto;
	__u8 pad;
};

/*
 * Replies find their connection through the address the real server
 * answers from: real_addrs maps (addr, port, proto) of every real slot in
 * use to the service of one of them, the owner (XD_REAL_F_OWNS_ADDR), and
 * (client, VIP, ports) is then the conn_table key. So a new connection to
 * an owner is one map insert, not two. A real address shared by several
 * services' slots is owned by one; the others' connections still write a
 * reply_table entry, which the reply path tries next.
 */
struct xd_real_addr_key {
	__be32 addr;
	__be16 port;
	__u8 proto;
	__u8 pad;
};

/* xd_real_addr.flags */
#define XD_RA_F_SHARED		(1u << 0) /* other slots too: try reply_table */

struct xd_real_addr {
	__be32 vip;		/* the owner's service */
	__be16 vport;
	__u16 flags;
};

/* Connection counts per real, updated on state changes (not per packet). */
struct xd_real_conns {
	__s64 active;		/* TCP ESTABLISHED */
	__s64 inactive;		/* every other state, and UDP */
};

/* Connection table key: the client's view (client -> VIP). */
struct xd_conn_key {
	__be32 saddr;		/* client */
	__be32 daddr;		/* VIP */
	__be16 sport;
	__be16 dport;		/* virtual port */
	__u8 proto;
	__u8 pad[3];
};

enum xd_tcp_state {
	XD_TCP_NONE = 0,
	XD_TCP_SYN_RECV,
	XD_TCP_ESTABLISHED,
	XD_TCP_FIN_WAIT,
	XD_TCP_TIME_WAIT,
	XD_TCP_CLOSE,
	XD_UDP,			/* UDP "connections" have one state */
	XD_STATE_MAX,
};

/* xd_conn.flags */
#define XD_CONN_F_FIN_IN	(1u << 0) /* client sent FIN */
#define XD_CONN_F_FIN_OUT	(1u << 1) /* real server sent FIN */
#define XD_CONN_F_SYNCED	(1u << 2) /* installed from the peer */
/* A synced entry's first pure ACK each way has been reported (peer_acks) */
#define XD_CONN_F_ACK_IN	(1u << 3) /* from the client */
#define XD_CONN_F_ACK_OUT	(1u << 4) /* from the real server */

/*
 * A next hop as bpf_fib_lookup() found it, kept in the connection so that
 * its packets skip the lookup (the most expensive step of the path) until
 * it is XD_NH_TTL_MS old.
 */
struct xd_nexthop {
	__u8 dmac[6];
	__u8 smac[6];
	__u32 ifindex;		/* egress; 0: nothing cached */
	__u32 stamp;		/* coarse clock >> 20 (about 1 ms units) */
	__u16 mtu;		/* egress MTU: larger packets get a full lookup */
	__u16 pad;
};

#define XD_NH_TTL_MS	1000

/*
 * The next hop towards a real server, per CPU and real slot: a new
 * connection to a real takes it from here instead of a route lookup of
 * its own (one bpf_fib_lookup() is ~120 ns, most of a new flow's cost
 * after the table insert), as IPVS caches a route per destination. addr
 * and iif say what it was looked up for: a slot given to another real,
 * or a packet from another interface, does not inherit it.
 */
struct xd_real_nh {
	struct xd_nexthop nh;
	__be32 addr;
	__u32 iif;		/* ingress ifindex of the lookup */
};

/*
 * The same for the other direction: the next hop towards a client, per
 * CPU, in a slot chosen by the client's address (direct-mapped: another
 * client may take the slot). The first reply of a connection takes it
 * when it was found for the same client, source (the VIP: routing may
 * depend on it) and ingress interface.
 */
struct xd_dst_nh {
	struct xd_nexthop nh;
	__be32 daddr;
	__be32 saddr;
	__u32 iif;
	__u32 pad;
};

#define XD_DST_NH_BITS	12	/* 4096 slots per CPU */

/*
 * The flow cache: per CPU, direct-mapped by the packet's own addresses,
 * ports and ingress interface, what the last packet of a live flow was
 * rewritten to and sent by. A later packet of the flow with no SYN, FIN
 * or RST is forwarded from it without reading conn_table (one hash
 * lookup, most of an established packet's cost). An entry serves only in
 * the clock tick it was written in (jiffies, 1-10 ms), so every live flow
 * still passes through conn_table once a tick (timeouts, LRU reference,
 * state), and only while flow_epoch holds the value it was written
 * under: whoever changes what a cached flow would be forwarded by (the
 * daemon's every write to services, reals or conn_table; a new flow
 * replacing an entry some CPU may still cache) moves the epoch and so
 * empties every CPU's cache at once.
 */
struct xd_flow {
	__be32 saddr;		/* the packet as it arrives */
	__be32 daddr;
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 dir;		/* enum xd_flow_dir; 0: empty */
	__u16 pad;
	__u32 iif;
	__u32 epoch;		/* flow_epoch when written */
	__u64 tick;		/* jiffies when written */
	__be32 addr;		/* rewritten to: the real (DNAT) or VIP (SNAT) */
	__be16 port;
	__u16 pad2;
	__u32 svc_id;
	__u32 real_id;
	struct xd_nexthop nh;
};

enum xd_flow_dir {
	XD_FLOW_TO_REAL = 1,	/* client -> VIP, destination rewritten */
	XD_FLOW_FROM_REAL = 2,	/* real -> client, source rewritten */
};

#define XD_FLOW_CACHE_BITS	12	/* 4096 slots per CPU */

/* Per CPU: established and reply packets forwarded from the flow cache
 * and through conn_table, and how often the datapath emptied every
 * cache. */
struct xd_flow_cache_count {
	__u64 hits;
	__u64 misses;
	__u64 flushes;		/* a new flow replaced an entry maybe cached */
};

struct xd_conn {
	__be32 raddr;		/* real server */
	__be16 rport;
	__u8 state;		/* enum xd_tcp_state */
	__u8 flags;
	__u32 real_id;
	__u32 svc_id;
	__u64 last_seen_ns;	/* bpf_ktime_get_coarse_ns() of the last packet */
	struct xd_nexthop nh_fwd;	/* towards the real server */
	struct xd_nexthop nh_rev;	/* towards the client */
};

/* Reply-direction key: what the real server sends (real -> client). */
struct xd_reply_key {
	__be32 saddr;		/* real server */
	__be32 daddr;		/* client */
	__be16 sport;		/* real port */
	__be16 dport;		/* client port */
	__u8 proto;
	__u8 pad[3];
};

struct xd_reply {
	__be32 vip;
	__be16 vport;
	__u16 pad;
};

/* The MAC of each interface the datapath is attached to (XDP has no
 * pkt_type to tell frames flooded by a switch from our own). */
struct xd_if_mac {
	__u8 mac[6];
	__u16 mtu;		/* for the next-hop cache's size check */
};

/* Runtime parameters, one entry of an array map. */
struct xd_params {
	__u64 timeout_ns[XD_STATE_MAX];	/* idle timeout per state; 0: default */
	__u32 conn_max;
	__u32 pad;
};

/*
 * The idle timeout of each connection state, in seconds, when params does
 * not set one: those of IPVS. The one table of them: the daemon writes
 * them into params at start, and both the datapath and the daemon's view
 * of the connections (sweeper, listing) read params, falling back to
 * these for a state it leaves at 0.
 */
static inline __u64 xd_default_timeout_s(__u32 state)
{
	switch (state) {
	case XD_TCP_SYN_RECV:		return 60;
	case XD_TCP_ESTABLISHED:	return 900;
	case XD_TCP_FIN_WAIT:		return 120;
	case XD_TCP_TIME_WAIT:		return 120;
	case XD_TCP_CLOSE:		return 10;
	case XD_UDP:			return 300;
	default:			return 2;	/* XD_TCP_NONE */
	}
}

/* Per-CPU counters per service and per real. */
struct xd_counters {
	__u64 pkts_in;		/* client -> real */
	__u64 bytes_in;
	__u64 pkts_out;		/* real -> client */
	__u64 bytes_out;
	__u64 conns;		/* connections scheduled */
	__u64 drops;		/* packets for it that were dropped */
};

/*
 * Why a packet left the datapath the way it did. Every verdict other than
 * a successful forward is counted under one of these (per-CPU array).
 */
enum xd_reason {
	XD_FWD_NEW = 0,		/* new flow scheduled and forwarded */
	XD_FWD_ESTABLISHED,	/* matched a connection, forwarded */
	XD_FWD_REPLY,		/* reply un-NATed and forwarded */
	XD_PASS_NOT_IP,		/* ARP, IPv6, other ethertypes */
	XD_PASS_NOT_OURS,	/* IPv4 not for a service / not a reply */
	XD_PASS_MALFORMED_IP,	/* bad IPv4 header: the kernel judges it */
	XD_PASS_LOCAL,		/* service falls back to the local stack */
	XD_PASS_NO_NEIGH,	/* rewritten; kernel resolves the next hop */
	XD_PASS_ICMP,		/* ICMP, not tied to a connection */
	XD_DROP_TRUNCATED,	/* ours, but L4 header cut short */
	XD_DROP_FRAGMENT,	/* IPv4 fragment to a service */
	XD_DROP_NO_CONN,	/* TCP non-SYN without connection state */
	XD_DROP_NO_REAL,	/* no real server can take a new flow */
	XD_DROP_FIB,		/* no route to the real server / client */
	XD_DROP_TTL,		/* TTL would expire */
	XD_DROP_CONN_FULL,	/* connection table update failed */
	XD_DROP_NO_NEIGH,	/* reply: next hop unresolved (XDP mode) */
	XD_DROP_REAL_GONE,	/* connection's real server was removed */
	XD_PASS_OTHERHOST,	/* frame for another host's MAC (flooded) */
	XD_FWD_ICMP_TO_CLIENT,	/* ICMP error from a real's side, translated */
	XD_FWD_ICMP_TO_REAL,	/* ICMP error from a client's side, translated */
	XD_TX_FRAG_NEEDED,	/* too big with DF: frag-needed sent back */
	XD_DROP_FRAG_NEEDED,	/* too big, and not answered (see pmtu.h) */
	XD_DROP_FRAG_NEEDED_LIMIT, /* too big with DF, over the ICMP rate */
	XD_PASS_TO_FRAGMENT,	/* too big without DF: the kernel fragments */
	XD_REASON_MAX,
};

/* The director's own ICMP errors: a token bucket per CPU. */
struct xd_icmp_bucket {
	__u64 last_ns;		/* when tokens were last added */
	__u64 tokens;
};

struct xd_reason_count {
	__u64 pkts;
	__u64 bytes;
};

/*
 * Connection events for the sync to the standby director: sent on a new
 * connection and on every state change (not per packet).
 */
enum xd_event_type {
	XD_EV_NEW = 1,
	XD_EV_STATE,
};

struct xd_conn_event {
	struct xd_conn_key key;
	struct xd_conn conn;
	__u32 type;		/* enum xd_event_type */
	__u32 pad;
};

#define XD_EVENTS_BYTES	(4u << 20)	/* ring buffer size */

/*
 * The first pure ACK each endpoint of a synced TCP connection sends
 * through this director: its ack number is what it has received, so the
 * other endpoint's oldest unacknowledged byte when data was lost in the
 * failed director (see user/sync/nudge.c).
 */
struct xd_peer_ack {
	struct xd_conn_key key;
	__be32 raddr;		/* real server */
	__be16 rport;
	__u8 from_client;	/* 1: sent by the client, 0: by the real */
	__u8 pad;
	__be32 seq;		/* as on the wire */
	__be32 ack;
};

#define XD_PEER_ACKS_BYTES	(1u << 20)

/* Names of pinned objects under the instance's bpffs directory. */
#define XD_PIN_MAPS_SUBDIR	"maps"
#define XD_PIN_LINKS_SUBDIR	"links"

#endif /* XDIRECTOR_DATAPATH_H */
