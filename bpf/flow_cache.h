/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The per-CPU flow cache in front of conn_table (struct xd_flow in
 * datapath.h says what it holds and when an entry may serve). Both map
 * lookups here are array lookups, which the verifier inlines: a hit
 * costs no function call, where conn_table's costs several.
 */
#ifndef XD_BPF_FLOW_CACHE_H
#define XD_BPF_FLOW_CACHE_H

#include "maps.h"
#include "parse.h"
#include "conn.h"

/* Where the cache stands for this packet: looked up once, filled by the
 * slow path from what it decided. */
struct flow_hint {
	struct xd_flow *f;	/* the packet's slot; NULL: not cacheable */
	__u32 epoch;		/* read before conn_table was */
	__be32 saddr;		/* as the packet arrived: the rewrite */
	__be32 daddr;		/* changes one of them */
	__u64 tick;
};

/* Packets that change no state: no SYN, FIN or RST; UDP. */
static __always_inline int flow_cacheable(const struct pkt *p)
{
	if (p->proto == IPPROTO_TCP)
		return !(p->tcp_flags & (TCPF_SYN | TCPF_FIN | TCPF_RST));
	return p->proto == IPPROTO_UDP;
}

static __always_inline __u32 flow_slot(const struct pkt *p, __u32 ifindex)
{
	__u32 h;

	h = p->iph->saddr * 0x9e3779b1u;
	h = (h ^ p->iph->daddr) * 0x85ebca6bu;
	h = (h ^ ((__u32)p->sport << 16 | p->dport)) * 0xc2b2ae35u;
	h = (h ^ p->proto ^ (ifindex << 8)) * 0x9e3779b1u;
	return h >> (32 - XD_FLOW_CACHE_BITS);
}

static __always_inline __u32 *flow_epoch_ptr(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&flow_epoch, &zero);
}

/*
 * The packet's cache entry if it may be forwarded by it, else NULL with
 * h filled in for flow_fill(). The epoch is read here, before the slow
 * path reads conn_table: a change made after that read moves the epoch
 * past the one the entry is written under.
 */
static __always_inline struct xd_flow *flow_find(const struct pkt *p,
						 __u32 ifindex,
						 struct flow_hint *h)
{
	__u32 slot, *epoch;
	struct xd_flow *f;

	if (!flow_cacheable(p))
		return NULL;
	epoch = flow_epoch_ptr();
	slot = flow_slot(p, ifindex);
	f = bpf_map_lookup_elem(&flow_cache, &slot);
	if (!epoch || !f)
		return NULL;
	h->f = f;
	h->epoch = *epoch;
	h->saddr = p->iph->saddr;
	h->daddr = p->iph->daddr;
	h->tick = bpf_jiffies64();
	if (f->tick != h->tick || f->epoch != h->epoch || !f->dir ||
	    f->saddr != h->saddr || f->daddr != h->daddr ||
	    f->sport != p->sport || f->dport != p->dport ||
	    f->proto != p->proto || f->iif != ifindex)
		return NULL;
	return f;
}

static __always_inline struct xd_flow_cache_count *flow_stats(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&flow_cache_stats, &zero);
}

/* A cached flow's entry has a last_seen at most this old (flow_fill),
 * which bounds how recently a flow some CPU caches was seen. */
#define XD_FLOW_STAMP_NS	(10 * 1000 * 1000)

/* What the slow path decided for a live flow, for its next packets,
 * counted as a miss. A synced entry that still owes a peer-ACK report in
 * this direction, and one not ESTABLISHED (or UDP), keep to the slow
 * path. */
static __always_inline void flow_fill(const struct flow_hint *h,
				      const struct pkt *p, __u32 ifindex,
				      struct xd_conn *c, __u8 dir,
				      __be32 addr, __be16 port,
				      const struct xd_nexthop *nh, __u64 now)
{
	struct xd_flow *f = h->f;
	__u8 ack = dir == XD_FLOW_TO_REAL ? XD_CONN_F_ACK_IN : XD_CONN_F_ACK_OUT;
	struct xd_flow_cache_count *st = flow_stats();

	if (st)
		st->misses++;
	if (!f || (c->state != XD_TCP_ESTABLISHED && c->state != XD_UDP) ||
	    ((c->flags & XD_CONN_F_SYNCED) && !(c->flags & ack)))
		return;
	/* At most once per XD_FLOW_STAMP_NS and flow: a line just read. */
	if ((__s64)(now - c->last_seen_ns) > (__s64)XD_FLOW_STAMP_NS)
		c->last_seen_ns = now;
	f->saddr = h->saddr;
	f->daddr = h->daddr;
	f->sport = p->sport;
	f->dport = p->dport;
	f->proto = p->proto;
	f->dir = dir;
	f->iif = ifindex;
	f->epoch = h->epoch;
	f->tick = h->tick;
	f->addr = addr;
	f->port = port;
	f->svc_id = c->svc_id;
	f->real_id = c->real_id;
	f->nh = *nh;
}

/* Every CPU's cache forgets every flow. The fetching form of the add:
 * it is a full barrier, so the entry's new state is visible first. */
static __always_inline void flow_cache_flush(void)
{
	struct xd_flow_cache_count *st = flow_stats();
	__u32 *epoch = flow_epoch_ptr();

	if (epoch)
		(void)__sync_fetch_and_add(epoch, 1);
	if (st)
		st->flushes++;
}

/*
 * Whether some CPU may still forward the flow of this conn_table entry
 * from its cache. An entry is cached only in the tick of the packet that
 * filled it, and filling left last_seen at most XD_FLOW_STAMP_NS old (a
 * later state change stamped it afresh). An entry idle longer than that
 * plus two ticks (another CPU's clock may be one behind; 50 ms covers
 * HZ=100) is in no cache: replacing it (a port reused after its close,
 * an expired flow) needs no flush, so clients reusing ports at a high
 * rate do not keep emptying every cache.
 */
#define XD_FLOW_CACHE_SLACK_NS	(50 * 1000 * 1000)

static __always_inline int flow_may_be_cached(const struct xd_conn *c,
					      __u64 now)
{
	return (__s64)(now - c->last_seen_ns) <
	       (__s64)(XD_FLOW_STAMP_NS + XD_FLOW_CACHE_SLACK_NS);
}

#endif
