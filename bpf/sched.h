/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Choosing a real server for a new flow. rr and wrr walk a sequence the
 * daemon laid out in the service's ring; sh and mh index the ring by a
 * hash of the client (mh's ring is a Maglev table, so a pool change moves
 * few clients); lc and wlc compare the live connection counts.
 */
#ifndef XD_BPF_SCHED_H
#define XD_BPF_SCHED_H

#include "maps.h"
#include <xdirector/hash.h>

#define XD_NO_REAL	((__u32)-1)

static __always_inline int real_usable(__u32 id, struct xd_real_slot **out)
{
	struct xd_real_slot *r = bpf_map_lookup_elem(&reals, &id);

	if (!r || !(r->flags & XD_REAL_F_IN_USE) || r->weight == 0)
		return 0;
	*out = r;
	return 1;
}

static __always_inline __u32 ring_at(const struct xd_svc *svc, __u32 slot)
{
	__u64 *id;
	__u32 idx;

	if (slot >= XD_RING_SIZE)
		return XD_NO_REAL;
	idx = svc->id * XD_RING_SIZE + slot;
	id = bpf_map_lookup_elem(&sched_ring, &idx);
	return id ? (__u32)*id : XD_NO_REAL;
}

static __always_inline __u32 sched_ring_rr(const struct xd_svc *svc)
{
	__u32 key = svc->id, *cur, slot;

	cur = bpf_map_lookup_elem(&rr_cursor, &key);
	if (!cur)
		return XD_NO_REAL;
	slot = __sync_fetch_and_add(cur, 1) % svc->ring_len;
	return ring_at(svc, slot);
}

static __always_inline __u32 sched_ring_hash(const struct xd_svc *svc,
					     __be32 saddr, __be16 sport)
{
	__u32 h = xd_flow_hash(saddr, sport, svc->flags & XD_SVC_F_HASH_PORT);

	return ring_at(svc, h % svc->ring_len);
}

struct lc_ctx {
	const struct xd_svc_reals *list;
	__u32 nreals;
	int weighted;
	__u32 best;
	__u64 best_overhead;
	__u32 best_weight;
};

static long lc_visit(__u32 i, struct lc_ctx *ctx)
{
	struct xd_real_conns *rc;
	struct xd_real_slot *r;
	__u64 overhead;
	__u32 id;

	if (i >= ctx->nreals)
		return 1;
	/* The mask keeps the index provably inside the array. */
	id = ctx->list->ids[i & (XD_MAX_REALS_PER_SVC - 1)];
	if (!real_usable(id, &r))
		return 0;
	rc = bpf_map_lookup_elem(&real_conns, &id);
	if (!rc)
		return 0;
	/* IPVS weighs an active connection as 256 inactive ones. */
	overhead = ((__u64)(rc->active > 0 ? rc->active : 0) << 8) +
		   (rc->inactive > 0 ? rc->inactive : 0);
	/*
	 * No "nothing picked yet" test: verifiers before Linux 6.8 check a
	 * bpf_loop callback once, with the context as it is before the first
	 * call, and rewrite branches that are constant there as dead code.
	 * "best == XD_NO_REAL" was, and 6.1 then took every usable real in
	 * turn. The start values (best_overhead ~0, best_weight 0) make the
	 * first usable real win through comparisons the verifier cannot
	 * decide. A weight is never 0 here (real_usable).
	 */
	if (ctx->weighted ?
	    overhead * ctx->best_weight < ctx->best_overhead * r->weight :
	    overhead < ctx->best_overhead) {
		ctx->best = id;
		ctx->best_overhead = overhead;
		ctx->best_weight = r->weight;
	}
	return 0;
}

static __always_inline __u32 sched_least_conn(const struct xd_svc *svc,
					      int weighted)
{
	struct lc_ctx ctx = {
		.nreals = svc->nreals,
		.weighted = weighted,
		.best = XD_NO_REAL,
		.best_overhead = ~0ULL,
		.best_weight = 0,
	};
	__u32 key = svc->id;

	ctx.list = bpf_map_lookup_elem(&svc_reals, &key);
	if (!ctx.list)
		return XD_NO_REAL;
	bpf_loop(XD_MAX_REALS_PER_SVC, lc_visit, &ctx, 0);
	return ctx.best;
}

/* Returns a real id whose entry is usable, or XD_NO_REAL. */
static __always_inline __u32 sched_pick(const struct xd_svc *svc,
					__be32 saddr, __be16 sport,
					struct xd_real_slot **real)
{
	__u32 id;

	switch (svc->sched) {
	case XD_SCHED_RR:
	case XD_SCHED_WRR:
		if (!svc->ring_len)
			return XD_NO_REAL;
		id = sched_ring_rr(svc);
		break;
	case XD_SCHED_SH:
	case XD_SCHED_MH:
		if (!svc->ring_len)
			return XD_NO_REAL;
		id = sched_ring_hash(svc, saddr, sport);
		break;
	case XD_SCHED_LC:
		id = sched_least_conn(svc, 0);
		break;
	case XD_SCHED_WLC:
		id = sched_least_conn(svc, 1);
		break;
	default:
		return XD_NO_REAL;
	}
	if (id == XD_NO_REAL || !real_usable(id, real))
		return XD_NO_REAL;
	return id;
}

#endif
