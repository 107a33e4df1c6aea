/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Connection tracking: TCP state as IPVS tracks it, idle timeouts per
 * state, and the per-real active/inactive counts. The rule for the counts:
 * whoever creates, replaces or deletes an entry adjusts them, exactly once.
 */
#ifndef XD_BPF_CONN_H
#define XD_BPF_CONN_H

#include "maps.h"
#include "parse.h"

#define NSEC_PER_SEC		1000000000ULL
/* last_seen is refreshed at most this often: fewer writes to shared lines */
#define XD_TOUCH_NS		(NSEC_PER_SEC / 2)

/*
 * Bound idx to [0, max) in the register the next access uses. A C bounds
 * check is not enough on older verifiers (Linux 6.1): clang may spill the
 * index across a helper call, test one reload and index with another, and
 * only newer kernels carry the test over to the second copy.
 */
#define xd_bound_index(idx, max)					\
	asm volatile("if %0 < %1 goto +1; %0 = 0" : "+r"(idx) : "i"(max))

static __always_inline __u64 state_timeout(__u32 state)
{
	__u32 zero = 0;
	struct xd_params *p;
	__u64 idx = state;

	if (state >= XD_STATE_MAX)
		return 0;
	p = bpf_map_lookup_elem(&params, &zero);
	if (p) {
		xd_bound_index(idx, XD_STATE_MAX);
		if (p->timeout_ns[idx])
			return p->timeout_ns[idx];
	}
	/* IPVS's defaults, used until the daemon writes its own */
	return xd_default_timeout_s(state) * NSEC_PER_SEC;
}

/*
 * Signed: another CPU may have stamped last_seen from a coarse clock one
 * tick ahead of ours (clock.h), and that entry is fresh, not 2^64 ns old.
 */
static __always_inline int conn_expired(const struct xd_conn *c, __u64 now)
{
	return (__s64)(now - c->last_seen_ns) > (__s64)state_timeout(c->state);
}

static __always_inline int state_is_active(__u32 state)
{
	return state == XD_TCP_ESTABLISHED;
}

/* Move one connection of real_id from old_state to new_state in the
 * counts; XD_TCP_NONE on either side means "not counted". */
static __always_inline void real_conns_move(__u32 real_id, __u32 old_state,
					    __u32 new_state)
{
	struct xd_real_conns *rc;

	if (old_state == new_state)
		return;
	if (old_state != XD_TCP_NONE && new_state != XD_TCP_NONE &&
	    state_is_active(old_state) == state_is_active(new_state))
		return;
	rc = bpf_map_lookup_elem(&real_conns, &real_id);
	if (!rc)
		return;
	if (old_state != XD_TCP_NONE) {
		if (state_is_active(old_state))
			__sync_fetch_and_add(&rc->active, -1);
		else
			__sync_fetch_and_add(&rc->inactive, -1);
	}
	if (new_state != XD_TCP_NONE) {
		if (state_is_active(new_state))
			__sync_fetch_and_add(&rc->active, 1);
		else
			__sync_fetch_and_add(&rc->inactive, 1);
	}
}

/*
 * The state a TCP segment moves the connection to. from_client tells the
 * direction. Both FINs seen -> TIME_WAIT; one FIN -> FIN_WAIT; the
 * client's ACK of the handshake -> ESTABLISHED; RST -> CLOSE.
 */
static __always_inline __u8 tcp_next_state(struct xd_conn *c, __u8 tcp_flags,
					   int from_client)
{
	__u8 state = c->state;

	if (tcp_flags & TCPF_RST)
		return XD_TCP_CLOSE;
	if (state == XD_TCP_CLOSE || state == XD_TCP_TIME_WAIT)
		return state;
	if (tcp_flags & TCPF_FIN)
		c->flags |= from_client ? XD_CONN_F_FIN_IN : XD_CONN_F_FIN_OUT;
	if ((c->flags & (XD_CONN_F_FIN_IN | XD_CONN_F_FIN_OUT)) ==
	    (XD_CONN_F_FIN_IN | XD_CONN_F_FIN_OUT))
		return XD_TCP_TIME_WAIT;
	if (c->flags & (XD_CONN_F_FIN_IN | XD_CONN_F_FIN_OUT))
		return XD_TCP_FIN_WAIT;
	if (state == XD_TCP_SYN_RECV && from_client &&
	    (tcp_flags & (TCPF_SYN | TCPF_ACK)) == TCPF_ACK)
		return XD_TCP_ESTABLISHED;
	return state;
}

/* Tell the sync daemon, if one listens. A full ring loses the event;
 * the standby heals that with its periodic bulk resync. */
static __always_inline void conn_event(const struct xd_conn_key *k,
				       const struct xd_conn *c, __u32 type)
{
	struct xd_conn_event *ev;
	__u32 zero = 0, *on = bpf_map_lookup_elem(&sync_on, &zero);

	if (!on || !*on)
		return;
	ev = bpf_ringbuf_reserve(&conn_events, sizeof(*ev), 0);
	if (!ev)
		return;
	ev->key = *k;
	ev->conn = *c;
	ev->type = type;
	ev->pad = 0;
	bpf_ringbuf_submit(ev, 0);
}

/*
 * After a takeover, the endpoints of a connection synced from the failed
 * director may sit in retransmission backoff for data it swallowed. The
 * first pure ACK each side sends through us (the controller provokes
 * one) says what that side has received; the controller turns it into
 * the ICMP that lets the other side retransmit at once. One record per
 * side and entry: the flag is set before the ring is tried.
 */
static __always_inline void conn_peer_ack(const struct xd_conn_key *k,
					  struct xd_conn *c, struct pkt *p,
					  int from_client)
{
	__u8 bit = from_client ? XD_CONN_F_ACK_IN : XD_CONN_F_ACK_OUT;
	struct tcphdr *th = p->l4;
	struct xd_peer_ack *ev;

	if (!(c->flags & XD_CONN_F_SYNCED) || (c->flags & bit) ||
	    p->proto != IPPROTO_TCP ||
	    (p->tcp_flags & (TCPF_SYN | TCPF_FIN | TCPF_RST | TCPF_ACK)) !=
		    TCPF_ACK)
		return;
	if ((void *)(th + 1) > p->data_end)
		return;
	/* Data would make it a retransmission, not a report. */
	if (bpf_ntohs(p->iph->tot_len) != p->iph->ihl * 4 + th->doff * 4)
		return;
	c->flags |= bit;
	ev = bpf_ringbuf_reserve(&peer_acks, sizeof(*ev), 0);
	if (!ev)
		return;
	ev->key = *k;
	ev->raddr = c->raddr;
	ev->rport = c->rport;
	ev->from_client = from_client;
	ev->pad = 0;
	ev->seq = th->seq;
	ev->ack = th->ack_seq;
	bpf_ringbuf_submit(ev, 0);
}

/* Apply a packet to an existing connection: state, counts, last_seen. */
static __always_inline void conn_touch(const struct xd_conn_key *k,
				       struct xd_conn *c, struct pkt *p,
				       int from_client, __u64 now)
{
	if (p->proto == IPPROTO_TCP &&
	    (p->tcp_flags & (TCPF_FIN | TCPF_RST) ||
	     c->state == XD_TCP_SYN_RECV)) {
		__u8 next = tcp_next_state(c, p->tcp_flags, from_client);

		if (next != c->state) {
			real_conns_move(c->real_id, c->state, next);
			c->state = next;
			c->last_seen_ns = now;
			conn_event(k, c, XD_EV_STATE);
			return;
		}
	}
	if ((__s64)(now - c->last_seen_ns) > (__s64)XD_TOUCH_NS)
		c->last_seen_ns = now;
}

#endif
