// SPDX-License-Identifier: GPL-2.0
/*
 * xdirector datapath: NAT load balancing for IPv4 TCP and UDP.
 *
 * A packet's journey:
 *   external side  client -> VIP:vport   look up the service, then the
 *                  connection; a new flow is scheduled to a real server;
 *                  the destination is rewritten to real:rport and the
 *                  packet routed out towards the real server.
 *   internal side  real:rport -> client  look up the reply entry; the
 *                  source is rewritten back to VIP:vport and the packet
 *                  routed out towards the client.
 * Anything else goes to the kernel untouched.
 *
 * The same core is compiled for XDP (xdp_*) and for TC (tc_*), so the two
 * attach modes cannot drift apart: `tc` is a constant in each entry point
 * and the compiler keeps only that mode's branch.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include <xdirector/datapath.h>
#include "maps.h"
#include "parse.h"
#include "clock.h"
#include "conn.h"
#include "flow_cache.h"
#include "sched.h"
#include "nat.h"
#include "icmp.h"
#include "stats.h"

char LICENSE[] SEC("license") = "GPL";

enum {
	SIDE_EXT = 1,	/* look for client -> VIP */
	SIDE_INT = 2,	/* look for real -> client */
};

#define XD_NOT_OURS	(-1)

#ifndef PACKET_HOST
#define PACKET_HOST 0
#endif

/*
 * A frame a switch flooded to us (its MAC entry aged out, a port flapped)
 * is the other director's to handle, not ours: a standby must not NAT it.
 */
static __always_inline int for_other_host(void *ctx, const int tc,
					  const struct pkt *p, __u32 ifindex)
{
	struct xd_if_mac *m;

	/* Broadcast and multicast frames are not for a NAT flow either,
	 * and XDP below refuses them too: any MAC but our own. */
	if (tc)
		return ((struct __sk_buff *)ctx)->pkt_type != PACKET_HOST;
	m = ifindex < XD_IF_MAC_SLOTS ?
	    bpf_map_lookup_elem(&if_mac_slots, &ifindex) : NULL;
	if (!m || !m->mtu)
		m = bpf_map_lookup_elem(&if_macs, &ifindex);
	if (!m)
		return 0;
	/* No memcmp in BPF: the 6 bytes as a 4-byte and a 2-byte word. */
	return *(__u32 *)p->eth->h_dest != *(__u32 *)m->mac ||
	       *(__u16 *)&p->eth->h_dest[4] != *(__u16 *)&m->mac[4];
}

static __always_inline int is_new_flow_syn(const struct pkt *p)
{
	return (p->tcp_flags & (TCPF_SYN | TCPF_ACK | TCPF_RST)) == TCPF_SYN;
}

/* The entry is written whole, next hop included: a second lookup to fill
 * it in place would cost as much again. */
static __always_inline int new_conn(struct pkt *p, const struct xd_svc *svc,
				    const struct xd_conn_key *ck, __u32 real_id,
				    const struct xd_real_slot *real, __u8 state,
				    __u64 now, const struct xd_nexthop *nh)
{
	struct xd_conn c = {
		.raddr = real->addr,
		.rport = real->port,
		.state = state,
		.real_id = real_id,
		.svc_id = svc->id,
		.last_seen_ns = now,
		.nh_fwd = *nh,
	};
	struct xd_reply_key rk = {
		.saddr = real->addr,
		.daddr = ck->saddr,
		.sport = real->port,
		.dport = ck->sport,
		.proto = ck->proto,
	};
	struct xd_reply rv = {
		.vip = ck->daddr,
		.vport = ck->dport,
	};
	/* An owner's replies find the entry through real_addrs. */
	int reply_entry = !(real->flags & XD_REAL_F_OWNS_ADDR);

	if (reply_entry &&
	    bpf_map_update_elem(&reply_table, &rk, &rv, BPF_ANY))
		return -1;
	if (bpf_map_update_elem(&conn_table, ck, &c, BPF_ANY)) {
		if (reply_entry)
			bpf_map_delete_elem(&reply_table, &rk);
		return -1;
	}
	real_conns_move(real_id, XD_TCP_NONE, state);
	conn_event(ck, &c, XD_EV_NEW);
	return 0;
}

/* A connection entry a packet may follow; anything else is replaced. */
static __always_inline int conn_usable(const struct xd_conn *c,
				       const struct pkt *p, __u64 now)
{
	/* A client reusing its port after a close starts a new flow. */
	int reopen = p->proto == IPPROTO_TCP && is_new_flow_syn(p) &&
		     (c->state == XD_TCP_CLOSE || c->state == XD_TCP_TIME_WAIT);

	return c->state != XD_TCP_NONE && !reopen && !conn_expired(c, now);
}

/* client -> real on a live connection. */
static __always_inline int forward_established(void *ctx, const int tc,
					       struct pkt *p, __u32 ifindex,
					       const struct xd_conn_key *ck,
					       struct xd_conn *c, __u64 now,
					       const struct flow_hint *fh,
					       struct nat_result *res)
{
	__u32 id = c->real_id;
	struct xd_real_slot *real = bpf_map_lookup_elem(&reals, &id);
	int act;

	/* The real left the service (its slot may serve another service
	 * now): the flow ends here, as it would when IPVS drops a
	 * destination. If the service went too, the packet is no VIP's any
	 * more: to the kernel, as when there is no entry (a rare path, so
	 * the service is looked up only here). */
	if (!real || !(real->flags & XD_REAL_F_IN_USE) ||
	    real->addr != c->raddr || real->port != c->rport ||
	    real->vip != ck->daddr || real->vport != ck->dport ||
	    real->proto != ck->proto) {
		struct xd_svc_key sk = {
			.vip = ck->daddr,
			.port = ck->dport,
			.proto = ck->proto,
		};
		struct xd_svc *svc = bpf_map_lookup_elem(&services, &sk);

		if (!svc)
			return XD_NOT_OURS;
		res->reason = XD_DROP_REAL_GONE;
		count_svc_drop(svc->id);
		return XD_ACT_DROP;
	}
	conn_touch(ck, c, p, 1, now);
	conn_peer_ack(ck, c, p, 1);
	count_svc_real(c->svc_id, id, p->len, 0, 0);
	act = nat_and_route(ctx, tc, p, NAT_DST, c->raddr, c->rport, ifindex,
			    &c->nh_fwd, now, res);
	if (res->reason == 0) {
		flow_fill(fh, p, ifindex, c, XD_FLOW_TO_REAL, c->raddr,
			  c->rport, &c->nh_fwd, now);
		res->reason = XD_FWD_ESTABLISHED;
	}
	return act;
}

/*
 * client -> VIP. Returns an xd_action, or XD_NOT_OURS.
 *
 * On an interface that only faces clients (sides == SIDE_EXT) nearly
 * every packet is a VIP's, and most of those belong to a live connection:
 * the connection is looked up first, as IPVS does, and the service only
 * when there is none, which saves a hash lookup per packet. Where replies
 * arrive too (SIDE_INT), the service comes first, so that a reply costs
 * one failed lookup and not two.
 */
static __always_inline int handle_to_vip(void *ctx, const int tc, struct pkt *p,
					 __u32 ifindex, const int sides,
					 const struct flow_hint *fh,
					 struct nat_result *res)
{
	struct xd_svc_key sk = {
		.vip = p->iph->daddr,
		.port = p->dport,
		.proto = p->proto,
	};
	struct xd_conn_key ck = {
		.saddr = p->iph->saddr,
		.daddr = p->iph->daddr,
		.sport = p->sport,
		.dport = p->dport,
		.proto = p->proto,
	};
	struct xd_nexthop nh = {};
	struct xd_conn *c = NULL;
	struct xd_real_nh *rn;
	struct xd_real_slot *real;
	struct xd_svc *svc;
	__u64 now = coarse_now();
	__u32 id, stamp;
	__u8 state;
	int act;

	if (sides == SIDE_EXT) {
		c = bpf_map_lookup_elem(&conn_table, &ck);
		if (c && conn_usable(c, p, now)) {
			if (for_other_host(ctx, tc, p, ifindex)) {
				res->reason = XD_PASS_OTHERHOST;
				return XD_ACT_PASS;
			}
			return forward_established(ctx, tc, p, ifindex, &ck, c,
						   now, fh, res);
		}
	}
	svc = bpf_map_lookup_elem(&services, &sk);
	if (!svc)
		return XD_NOT_OURS;
	if (for_other_host(ctx, tc, p, ifindex)) {
		res->reason = XD_PASS_OTHERHOST;
		return XD_ACT_PASS;
	}
	if (sides != SIDE_EXT) {
		c = bpf_map_lookup_elem(&conn_table, &ck);
		if (c && conn_usable(c, p, now))
			return forward_established(ctx, tc, p, ifindex, &ck, c,
						   now, fh, res);
	}
	if (c && c->state != XD_TCP_NONE) {
		/* Dead entry: uncount it once; it is replaced below. A CPU
		 * may still cache the flow it was, if it was live moments
		 * ago (flow_may_be_cached): then every cache forgets. */
		real_conns_move(c->real_id, c->state, XD_TCP_NONE);
		c->state = XD_TCP_NONE;
		if (flow_may_be_cached(c, now))
			flow_cache_flush();
	}

	/* Fallback on the director itself: the local stack owns every new
	 * flow, its handshake included, so nothing here tracks it. */
	if (svc->flags & XD_SVC_F_LOCAL) {
		res->reason = XD_PASS_LOCAL;
		return XD_ACT_PASS;
	}
	state = XD_UDP;
	if (p->proto == IPPROTO_TCP) {
		state = XD_TCP_SYN_RECV;
		if (!is_new_flow_syn(p)) {
			/* With a hash scheduler the lost entry maps back to the
			 * same real server; otherwise, as IPVS, drop it. */
			if (svc->sched != XD_SCHED_SH && svc->sched != XD_SCHED_MH) {
				res->reason = XD_DROP_NO_CONN;
				count_svc_drop(svc->id);
				return XD_ACT_DROP;
			}
			state = XD_TCP_ESTABLISHED;
		}
	}
	id = sched_pick(svc, ck.saddr, ck.sport, ck.daddr, now, &real);
	if (id == XD_NO_REAL) {
		res->reason = XD_DROP_NO_REAL;
		count_svc_drop(svc->id);
		return XD_ACT_DROP;
	}
	/* Routed first, so the entry is written once with its next hop; it
	 * is written whatever the route said, as the flow was scheduled.
	 * The real's last next hop on this CPU saves the route lookup. */
	rn = bpf_map_lookup_elem(&real_nh, &id);
	if (rn && rn->addr == real->addr && rn->iif == ifindex)
		nh = rn->nh;
	stamp = nh.stamp;
	act = nat_and_route(ctx, tc, p, NAT_DST, real->addr, real->port, ifindex,
			    &nh, now, res);
	if (rn && nh.stamp != stamp) {
		rn->nh = nh;
		rn->addr = real->addr;
		rn->iif = ifindex;
	}
	if (new_conn(p, svc, &ck, id, real, state, now, &nh)) {
		res->reason = XD_DROP_CONN_FULL;
		count_svc_drop(svc->id);
		return XD_ACT_DROP;
	}
	count_svc_real(svc->id, id, p->len, 0, 1);
	if (res->reason == 0)
		res->reason = XD_FWD_NEW;
	return act;
}

static __always_inline int conn_closed(const struct xd_conn *c)
{
	return c->state == XD_TCP_CLOSE || c->state == XD_TCP_TIME_WAIT;
}

/*
 * The connection a real's packet answers: through the service owning the
 * real's address, else through a reply entry. Sets *cp (NULL: a NAT flow's
 * trace without a live connection), the key, and *shared when the real's
 * address serves several services; XD_NOT_OURS when the packet belongs to
 * no NAT flow (the real's own traffic, health checks).
 *
 * With a shared address one reply tuple can name two connections: the
 * owner's, closed, and a later one through another service from the same
 * client port (the real accepted it, so the old one is over). The live
 * one answers.
 */
static __always_inline int find_reply_conn(const struct xd_reply_key *rkp,
					   struct xd_conn_key *ck,
					   struct xd_conn **cp, int *shared)
{
	struct xd_reply_key rk = *rkp;
	struct xd_real_addr_key ak = {
		.addr = rk.saddr,
		.port = rk.sport,
		.proto = rk.proto,
	};
	struct xd_real_addr *ra;
	struct xd_reply *rv;
	struct xd_conn *c;
	int owner;

	ra = bpf_map_lookup_elem(&real_addrs, &ak);
	if (!ra)
		return XD_NOT_OURS;	/* every real address in use has one */
	*ck = (struct xd_conn_key){
		.saddr = rk.daddr,
		.daddr = ra->vip,
		.sport = rk.dport,
		.dport = ra->vport,
		.proto = rk.proto,
	};
	c = bpf_map_lookup_elem(&conn_table, ck);
	*cp = c;
	*shared = !!(ra->flags & XD_RA_F_SHARED);
	owner = c && c->raddr == rk.saddr && c->rport == rk.sport;
	if (owner && !(*shared && conn_closed(c)))
		return 0;
	if (*shared) {
		rv = bpf_map_lookup_elem(&reply_table, &rk);
		if (rv) {
			struct xd_conn_key tk = *ck;
			struct xd_conn *twin;

			tk.daddr = rv->vip;
			tk.dport = rv->vport;
			twin = bpf_map_lookup_elem(&conn_table, &tk);
			if (owner && !(twin && twin->raddr == rk.saddr &&
				       twin->rport == rk.sport))
				return 0;	/* the owner's, closed */
			*ck = tk;
			*cp = twin;
			return 0;
		}
	}
	/* The client's flow to this service went to another real: a late
	 * reply from an old one, never to be passed on as it is. */
	return c ? 0 : XD_NOT_OURS;
}

/* real -> client. Returns an xd_action, or XD_NOT_OURS. */
static __always_inline int handle_from_real(void *ctx, const int tc,
					    struct pkt *p, __u32 ifindex,
					    const struct flow_hint *fh,
					    struct nat_result *res)
{
	struct xd_reply_key rk = {
		.saddr = p->iph->saddr,
		.daddr = p->iph->daddr,
		.sport = p->sport,
		.dport = p->dport,
		.proto = p->proto,
	};
	struct xd_dst_nh *dn = NULL;
	struct flow_hint no_cache = {};
	struct xd_conn_key ck;
	__u32 slot, stamp;
	struct xd_conn *c;
	__be32 client = 0;
	int act, shared;
	__u64 now;

	if (find_reply_conn(&rk, &ck, &c, &shared))
		return XD_NOT_OURS;
	if (for_other_host(ctx, tc, p, ifindex)) {
		res->reason = XD_PASS_OTHERHOST;
		return XD_ACT_PASS;
	}
	now = coarse_now();
	if (!c || c->state == XD_TCP_NONE || c->raddr != p->iph->saddr ||
	    c->rport != p->sport || conn_expired(c, now)) {
		/* A reply to a NAT flow that is gone: never leak the real
		 * server's address to the client. */
		res->reason = XD_DROP_NO_CONN;
		return XD_ACT_DROP;
	}
	conn_touch(&ck, c, p, 0, now);
	conn_peer_ack(&ck, c, p, 0);
	count_svc_real(c->svc_id, c->real_id, p->len, 1, 0);
	/* A connection's first reply: the next hop the last connection to
	 * this client found saves the route lookup. */
	if (!c->nh_rev.ifindex) {
		client = p->iph->daddr;
		slot = (client * 2654435761u) >> (32 - XD_DST_NH_BITS);
		dn = bpf_map_lookup_elem(&dst_nh, &slot);
		if (dn && dn->daddr == client && dn->saddr == ck.daddr &&
		    dn->iif == ifindex)
			c->nh_rev = dn->nh;
	}
	stamp = c->nh_rev.stamp;
	act = nat_and_route(ctx, tc, p, NAT_SRC, ck.daddr, ck.dport, ifindex,
			    &c->nh_rev, now, res);
	if (dn && c->nh_rev.stamp != stamp) {
		dn->nh = c->nh_rev;
		dn->daddr = client;
		dn->saddr = ck.daddr;
		dn->iif = ifindex;
	}
	if (res->reason == 0) {
		/* A shared address's reply tuple can change meaning without
		 * its entry being replaced (above): those stay uncached. */
		flow_fill(shared ? &no_cache : fh, p, ifindex, c,
			  XD_FLOW_FROM_REAL, ck.daddr, ck.dport, &c->nh_rev, now);
		res->reason = XD_FWD_REPLY;
	}
	return act;
}

/* A packet of a flow the cache holds: as the slow path would forward it. */
static __always_inline int forward_cached(void *ctx, const int tc,
					  struct pkt *p, __u32 ifindex,
					  struct xd_flow *f,
					  struct nat_result *res)
{
	int to_real = f->dir == XD_FLOW_TO_REAL;
	int act;

	if (for_other_host(ctx, tc, p, ifindex)) {
		res->reason = XD_PASS_OTHERHOST;
		return XD_ACT_PASS;
	}
	count_svc_real(f->svc_id, f->real_id, p->len, !to_real, 0);
	act = nat_and_route(ctx, tc, p, to_real ? NAT_DST : NAT_SRC, f->addr,
			    f->port, ifindex, &f->nh, coarse_now(), res);
	if (res->reason == 0) {
		struct xd_flow_cache_count *st = flow_stats();

		if (st)
			st->hits++;
		res->reason = to_real ? XD_FWD_ESTABLISHED : XD_FWD_REPLY;
	}
	return act;
}

static __always_inline int is_vip(__be32 addr)
{
	return bpf_map_lookup_elem(&vips, &addr) != NULL;
}

/*
 * An ICMP error quoting a NAT flow goes to the flow's other end, rewritten
 * (icmp.h). Returns an xd_action, or XD_NOT_OURS when it quotes no flow
 * of ours: those are the kernel's, as any other ICMP.
 */
static __always_inline int handle_icmp_error(void *ctx, const int tc,
					     struct pkt *p, __u32 ifindex,
					     const int sides,
					     struct nat_result *res)
{
	struct icmp_quote q;
	struct xd_conn_key ck;
	struct xd_conn *c;
	__u64 now;
	int shared;

	if (icmp_pull(ctx, tc, p) || icmp_parse_quote(p, &q))
		return XD_NOT_OURS;
	now = coarse_now();
	/* The client's side: it, or a router on its way, could not take a
	 * packet the VIP sent (VIP:vport -> client:cport). */
	if ((sides & SIDE_EXT) && is_vip(q.saddr)) {
		ck = (struct xd_conn_key){
			.saddr = q.daddr,
			.daddr = q.saddr,
			.sport = q.dport,
			.dport = q.sport,
			.proto = q.proto,
		};
		c = bpf_map_lookup_elem(&conn_table, &ck);
		if (c) {
			if (for_other_host(ctx, tc, p, ifindex)) {
				res->reason = XD_PASS_OTHERHOST;
				return XD_ACT_PASS;
			}
			if (c->state == XD_TCP_NONE || conn_expired(c, now)) {
				res->reason = XD_DROP_NO_CONN;
				return XD_ACT_DROP;
			}
			return icmp_forward(ctx, tc, p, &q, ICMP_TO_REAL,
					    c->raddr, c->rport, ifindex, res);
		}
	}
	/* The real's side: it, or a router on its way, could not take a
	 * packet of the client's (client:cport -> real:rport). */
	if (sides & SIDE_INT) {
		struct xd_reply_key rk = {
			.saddr = q.daddr,
			.daddr = q.saddr,
			.sport = q.dport,
			.dport = q.sport,
			.proto = q.proto,
		};

		if (find_reply_conn(&rk, &ck, &c, &shared))
			return XD_NOT_OURS;
		if (for_other_host(ctx, tc, p, ifindex)) {
			res->reason = XD_PASS_OTHERHOST;
			return XD_ACT_PASS;
		}
		/* Never pass on the real's address for a flow that is gone. */
		if (!c || c->state == XD_TCP_NONE || c->raddr != q.daddr ||
		    c->rport != q.dport || conn_expired(c, now)) {
			res->reason = XD_DROP_NO_CONN;
			return XD_ACT_DROP;
		}
		return icmp_forward(ctx, tc, p, &q, ICMP_TO_CLIENT, ck.daddr,
				    ck.dport, ifindex, res);
	}
	return XD_NOT_OURS;
}

/* The whole decision for one packet: an xd_action and a reason. */
static __always_inline int director(void *ctx, const int tc, struct pkt *p,
				    __u32 ifindex, const int sides,
				    struct nat_result *res)
{
	struct flow_hint fh = {};
	int act = XD_NOT_OURS;
	struct xd_flow *f;

	switch (parse_packet(p)) {
	case PARSE_OK:
		break;
	case PARSE_NOT_IPV4:
		res->reason = XD_PASS_NOT_IP;
		return XD_ACT_PASS;
	case PARSE_BAD_IP:
		res->reason = XD_PASS_MALFORMED_IP;
		return XD_ACT_PASS;
	case PARSE_FRAGMENT:
		/* Only the first fragment has ports; we do not reassemble. */
		if ((sides & SIDE_EXT) && is_vip(p->iph->daddr)) {
			res->reason = XD_DROP_FRAGMENT;
			return XD_ACT_DROP;
		}
		res->reason = XD_PASS_NOT_OURS;
		return XD_ACT_PASS;
	case PARSE_L4_TRUNCATED:
		if ((sides & SIDE_EXT) && is_vip(p->iph->daddr)) {
			res->reason = XD_DROP_TRUNCATED;
			return XD_ACT_DROP;
		}
		res->reason = XD_PASS_NOT_OURS;
		return XD_ACT_PASS;
	default:
		res->reason = XD_PASS_NOT_OURS;
		return XD_ACT_PASS;
	}

	if (p->proto == IPPROTO_ICMP) {
		act = handle_icmp_error(ctx, tc, p, ifindex, sides, res);
		if (act != XD_NOT_OURS)
			return act;
		res->reason = XD_PASS_ICMP;
		return XD_ACT_PASS;
	}
	f = flow_find(p, ifindex, &fh);
	if (f)
		return forward_cached(ctx, tc, p, ifindex, f, res);
	if (sides & SIDE_EXT)
		act = handle_to_vip(ctx, tc, p, ifindex, sides, &fh, res);
	if (act == XD_NOT_OURS && (sides & SIDE_INT))
		act = handle_from_real(ctx, tc, p, ifindex, &fh, res);
	if (act == XD_NOT_OURS) {
		res->reason = XD_PASS_NOT_OURS;
		return XD_ACT_PASS;
	}
	return act;
}

static __always_inline int run_xdp(struct xdp_md *ctx, const int sides)
{
	struct nat_result res = {};
	struct pkt p = {
		.data = (void *)(long)ctx->data,
		.data_end = (void *)(long)ctx->data_end,
	};
	int act;

	p.len = p.data_end - p.data;
	act = director(ctx, 0, &p, ctx->ingress_ifindex, sides, &res);
	count_reason(res.reason, p.len);
	switch (act) {
	case XD_ACT_REDIRECT:
		return bpf_redirect(res.ifindex, 0);
	case XD_ACT_TX:
		return XDP_TX;
	case XD_ACT_DROP:
		return XDP_DROP;
	default:
		return XDP_PASS;
	}
}

static __always_inline int run_tc(struct __sk_buff *skb, const int sides)
{
	struct nat_result res = {};
	struct pkt p;
	int act;

	/* Headers we may touch must be in the linear part; a short packet
	 * can only be pulled as far as it goes. */
	if (skb->data_end - skb->data < 14 + 60 + 20)
		bpf_skb_pull_data(skb, skb->len < 14 + 60 + 20 ?
				  skb->len : 14 + 60 + 20);
	p = (struct pkt){
		.data = (void *)(long)skb->data,
		.data_end = (void *)(long)skb->data_end,
		.len = skb->len,
	};
	act = director(skb, 1, &p, skb->ingress_ifindex, sides, &res);
	count_reason(res.reason, skb->len);
	switch (act) {
	case XD_ACT_REDIRECT:
		return bpf_redirect(res.ifindex, 0);
	case XD_ACT_REDIRECT_NEIGH:
		return bpf_redirect_neigh(res.ifindex, &res.nh, sizeof(res.nh), 0);
	case XD_ACT_TX:
		return bpf_redirect(res.ifindex, 0);
	case XD_ACT_DROP:
		return TC_ACT_SHOT;
	default:
		return TC_ACT_OK;
	}
}

SEC("xdp")
int xdp_ext(struct xdp_md *ctx)
{
	return run_xdp(ctx, SIDE_EXT);
}

SEC("xdp")
int xdp_int(struct xdp_md *ctx)
{
	return run_xdp(ctx, SIDE_INT);
}

SEC("xdp")
int xdp_both(struct xdp_md *ctx)
{
	return run_xdp(ctx, SIDE_EXT | SIDE_INT);
}

SEC("tc")
int tc_ext(struct __sk_buff *skb)
{
	return run_tc(skb, SIDE_EXT);
}

SEC("tc")
int tc_int(struct __sk_buff *skb)
{
	return run_tc(skb, SIDE_INT);
}

SEC("tc")
int tc_both(struct __sk_buff *skb)
{
	return run_tc(skb, SIDE_EXT | SIDE_INT);
}
