/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Choosing a real server for a new flow, with IPVS's definition of each
 * scheduler. rr and wrr walk a sequence the daemon laid out in the
 * service's ring; sh, mh and dh index the ring by a hash (of the client
 * for sh and mh, of the destination for dh; mh's ring is a Maglev table,
 * so a pool change moves few clients). The others scan the live
 * connection counts: lc, wlc, sed, nq, fo and ovf pick the least loaded
 * real by their own measure of load, lblc and lblcr remember where a
 * destination's flows went (lblc_table), twos compares two reals drawn
 * at random from a ring laid out by weight.
 */
#ifndef XD_BPF_SCHED_H
#define XD_BPF_SCHED_H

#include "maps.h"
#include "conn.h"
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

/* A real's counts as IPVS reads them: never below zero. */
static __always_inline void real_load(__u32 id, __u64 *active, __u64 *inactive)
{
	struct xd_real_conns *rc = bpf_map_lookup_elem(&real_conns, &id);

	*active = 0;
	*inactive = 0;
	if (!rc)
		return;
	*active = rc->active > 0 ? rc->active : 0;
	*inactive = rc->inactive > 0 ? rc->inactive : 0;
}

/*
 * One scan over a list of real ids (the service's, or an lblcr set) for
 * the least, or with `most` the most, loaded usable real. What "load"
 * is depends on the scheduler:
 *   lc, wlc, lblc, lblcr  active * 256 + inactive (lc: not per weight)
 *   sed                   active + 1, per weight
 *   nq                    as sed, but an idle real (no active) is 0
 *   fo                    1 per weight: the highest weight wins
 *   ovf                   as fo, among reals with active <= weight
 * Ties go to the first in the list, as IPVS's strict comparisons do.
 */
struct least_ctx {
	const __u32 *ids;
	__u32 n;
	__u32 sched;		/* enum xd_sched: the measure of load */
	__u32 svc_id;
	int most;
	__u32 best;
	__u32 best_idx;
	__u64 best_overhead;
	__u64 best_weight;
};

static long least_visit(__u32 i, struct least_ctx *ctx)
{
	__u64 active, inactive, overhead, weight;
	struct xd_real_slot *r;
	__u32 id;

	if (i >= ctx->n)
		return 1;
	/* The mask keeps the index provably inside the array. */
	id = ctx->ids[i & (XD_MAX_REALS_PER_SVC - 1)];
	if (!real_usable(id, &r) || r->svc_id != ctx->svc_id)
		return 0;
	real_load(id, &active, &inactive);
	weight = r->weight;
	switch (ctx->sched) {
	case XD_SCHED_SED:
		overhead = active + 1;
		break;
	case XD_SCHED_NQ:
		overhead = active ? active + 1 : 0;
		break;
	case XD_SCHED_OVF:
		if (active > weight)
			return 0;
		/* fall through */
	case XD_SCHED_FO:
		overhead = 1;
		break;
	case XD_SCHED_LC:
		weight = 1;
		/* fall through */
	default:
		/* IPVS weighs an active connection as 256 inactive ones. */
		overhead = (active << 8) + inactive;
		break;
	}
	/*
	 * No "nothing picked yet" test: verifiers before Linux 6.8 check a
	 * bpf_loop callback once, with the context as it is before the first
	 * call, and rewrite branches that are constant there as dead code.
	 * "best == XD_NO_REAL" was, and 6.1 then took every usable real in
	 * turn. The start values make the first usable real win through
	 * comparisons the verifier cannot decide: for the least, overhead
	 * ~0 at weight 0 (o * 0 < ~0 * w, as ~0 * w wraps to 2^64 - w); for
	 * the most, 0 at weight ~0 (0 * w < o * ~0 for any o > 0: the caller
	 * takes the first real when every one is at 0).
	 */
	if (ctx->most ?
	    ctx->best_overhead * weight < overhead * ctx->best_weight :
	    overhead * ctx->best_weight < ctx->best_overhead * weight) {
		ctx->best = id;
		ctx->best_idx = i;
		ctx->best_overhead = overhead;
		ctx->best_weight = weight;
	}
	return 0;
}

/*
 * The scans are global functions: the verifier checks each once per
 * program, not once per caller (newer verifiers walk a bpf_loop callback
 * until its states converge, and a dozen inlined scans cost seconds).
 * Returns the index in the list above 32 bits and the real id below;
 * id XD_NO_REAL if no real is usable.
 */
__noinline __u64 xd_scan_reals(const struct xd_svc_reals *list, __u32 n,
			       __u32 svc_id, __u32 sched, int most)
{
	struct least_ctx ctx = {
		.n = n,
		.sched = sched,
		.svc_id = svc_id,
		.most = most,
		.best = XD_NO_REAL,
		.best_overhead = most ? 0 : ~0ULL,
		.best_weight = most ? ~0ULL : 0,
	};

	if (!list)
		return XD_NO_REAL;
	ctx.ids = list->ids;
	bpf_loop(XD_MAX_REALS_PER_SVC, least_visit, &ctx, 0);
	return ((__u64)ctx.best_idx << 32) | ctx.best;
}

static __always_inline __u32 scan_least(const struct xd_svc_reals *list,
					__u32 n, __u32 svc_id, __u32 sched)
{
	return (__u32)xd_scan_reals(list, n, svc_id, sched, 0);
}

static __always_inline __u32 sched_least(const struct xd_svc *svc, __u32 sched)
{
	__u32 key = svc->id;
	struct xd_svc_reals *list = bpf_map_lookup_elem(&svc_reals, &key);

	if (!list)
		return XD_NO_REAL;
	return scan_least(list, svc->nreals, svc->id, sched);
}

/* ---- lblc, lblcr ------------------------------------------------------ */

struct underload_ctx {
	const __u32 *ids;
	__u32 n;
	int found;
};

static long underload_visit(__u32 i, struct underload_ctx *ctx)
{
	__u64 active, inactive;
	struct xd_real_slot *r;
	__u32 id;

	if (i >= ctx->n)
		return 1;
	id = ctx->ids[i & (XD_MAX_REALS_PER_SVC - 1)];
	r = bpf_map_lookup_elem(&reals, &id);
	if (!r || !(r->flags & XD_REAL_F_IN_USE))
		return 0;
	real_load(id, &active, &inactive);
	if (active * 2 < r->weight) {
		ctx->found = 1;
		return 1;
	}
	return 0;
}

/*
 * IPVS's test for leaving a remembered real: it has more active
 * connections than its weight while some real of the service has fewer
 * than half its weight.
 */
__noinline int xd_any_underloaded(const struct xd_svc_reals *list, __u32 n)
{
	struct underload_ctx ctx = { .n = n };

	if (!list)
		return 0;
	ctx.ids = list->ids;
	bpf_loop(XD_MAX_REALS_PER_SVC, underload_visit, &ctx, 0);
	return ctx.found;
}

static __always_inline int real_overloaded(const struct xd_svc *svc,
					   const struct xd_real_slot *r, __u32 id)
{
	__u64 active, inactive;
	__u32 key = svc->id;

	real_load(id, &active, &inactive);
	if (active <= r->weight)
		return 0;
	return xd_any_underloaded(bpf_map_lookup_elem(&svc_reals, &key),
				  svc->nreals);
}

/* A new entry holding one real. */
static __always_inline void lblc_insert(const struct xd_lblc_key *k, __u32 id,
					__u64 now)
{
	__u32 zero = 0;
	struct xd_lblc *v = bpf_map_lookup_elem(&lblc_scratch, &zero);

	if (!v)
		return;
	v->last_use_ns = now;
	v->last_mod_ns = now;
	v->n = 1;
	v->ids[0] = id;
	bpf_map_update_elem(&lblc_table, k, v, BPF_ANY);
}

static __always_inline int lblc_fresh(const struct xd_lblc *e, __u64 now)
{
	return (__s64)(now - e->last_use_ns) <=
	       (__s64)(XD_LBLC_EXPIRE_S * 1000000000ULL);
}

/* lblc: the destination's real while it is usable and not overloaded,
 * else the wlc choice, remembered from then on. */
static __always_inline __u32 sched_lblc(const struct xd_svc *svc,
					__be32 daddr, __u64 now)
{
	struct xd_lblc_key k = { .svc_id = svc->id, .daddr = daddr };
	struct xd_lblc *e = bpf_map_lookup_elem(&lblc_table, &k);
	struct xd_real_slot *r;
	__u32 id;

	if (e && e->n && lblc_fresh(e, now)) {
		e->last_use_ns = now;
		id = e->ids[0];
		if (real_usable(id, &r) && r->svc_id == svc->id &&
		    !real_overloaded(svc, r, id))
			return id;
	}
	id = sched_least(svc, XD_SCHED_WLC);
	if (id == XD_NO_REAL)
		return id;
	if (e) {
		e->ids[0] = id;
		e->n = 1;
		e->last_use_ns = now;
		e->last_mod_ns = now;
	} else {
		lblc_insert(&k, id, now);
	}
	return id;
}

struct member_ctx {
	const __u32 *ids;
	__u32 n;
	__u32 id;
	int found;
};

static long member_visit(__u32 i, struct member_ctx *ctx);

__noinline int xd_set_has(const struct xd_svc_reals *set, __u32 n, __u32 id)
{
	struct member_ctx ctx = { .n = n, .id = id };

	if (!set)
		return 0;
	ctx.ids = set->ids;
	bpf_loop(XD_MAX_REALS_PER_SVC, member_visit, &ctx, 0);
	return ctx.found;
}

static long member_visit(__u32 i, struct member_ctx *ctx)
{
	if (i >= ctx->n)
		return 1;
	if (ctx->ids[i & (XD_MAX_REALS_PER_SVC - 1)] == ctx->id) {
		ctx->found = 1;
		return 1;
	}
	return 0;
}

/*
 * lblcr: the least loaded (wlc) usable real of the destination's set,
 * unless it is overloaded; then the wlc choice of the whole service,
 * added to the set. A set left unchanged for the expiry time loses its
 * most loaded member.
 */
static __always_inline __u32 sched_lblcr(const struct xd_svc *svc,
					 __be32 daddr, __u64 now)
{
	struct xd_lblc_key k = { .svc_id = svc->id, .daddr = daddr };
	struct xd_lblc *e = bpf_map_lookup_elem(&lblc_table, &k);
	const struct xd_svc_reals *set;
	struct xd_real_slot *r;
	__u32 id, n, most;
	__u64 m;

	if (!e || !lblc_fresh(e, now)) {
		id = sched_least(svc, XD_SCHED_WLC);
		if (id != XD_NO_REAL)
			lblc_insert(&k, id, now);
		return id;
	}
	/* ids is the entry's last member, as long as a service's list. */
	set = (const struct xd_svc_reals *)e->ids;
	e->last_use_ns = now;
	n = e->n;
	if (n > XD_MAX_REALS_PER_SVC)
		n = XD_MAX_REALS_PER_SVC;
	id = scan_least(set, n, svc->id, XD_SCHED_WLC);
	if (n > 1 && (__s64)(now - e->last_mod_ns) >
		     (__s64)(XD_LBLC_EXPIRE_S * 1000000000ULL)) {
		__u64 last = n - 1, gone;

		m = xd_scan_reals(set, n, svc->id, XD_SCHED_WLC, 1);
		/* Every member idle or unusable: the first goes. */
		most = (__u32)m == XD_NO_REAL ? 0 : m >> 32;
		gone = most;
		/* Linux 6.1 loses a C bound across a spill (conn.h). */
		xd_bound_index(gone, XD_MAX_REALS_PER_SVC);
		xd_bound_index(last, XD_MAX_REALS_PER_SVC);
		/* The last member takes the erased one's place. */
		e->ids[gone] = e->ids[last];
		e->n = --n;
		e->last_mod_ns = now;
		if ((__u32)m == id)
			id = scan_least(set, n, svc->id, XD_SCHED_WLC);
	}
	if (id != XD_NO_REAL && real_usable(id, &r) &&
	    !real_overloaded(svc, r, id))
		return id;
	id = sched_least(svc, XD_SCHED_WLC);
	if (id == XD_NO_REAL)
		return id;
	if (!xd_set_has(set, n, id) && n < XD_MAX_REALS_PER_SVC) {
		__u64 slot = n;

		xd_bound_index(slot, XD_MAX_REALS_PER_SVC);
		e->ids[slot] = id;
		e->n = n + 1;
		e->last_mod_ns = now;
	}
	return id;
}

/* ---- twos --------------------------------------------------------------- */

static __always_inline void twos_draw(const struct xd_svc *svc, __u32 *id,
				      __u64 *weight, __u64 *overhead)
{
	__u64 active, inactive;
	struct xd_real_slot *r;

	*id = ring_at(svc, bpf_get_prandom_u32() % svc->ring_len);
	if (*id == XD_NO_REAL || !real_usable(*id, &r)) {
		*id = XD_NO_REAL;
		return;
	}
	real_load(*id, &active, &inactive);
	*weight = r->weight;
	*overhead = (active << 8) + inactive;
}

/*
 * Two reals drawn at random by weight; the less loaded per weight wins,
 * the first drawn on a tie. The daemon lays the draw out in the ring:
 * each real as many slots as its weight, the first one slot more, as
 * IPVS draws from 0 to the total weight inclusive and both 0 and 1 fall
 * to the first real.
 */
static __always_inline __u32 sched_twos(const struct xd_svc *svc)
{
	__u64 w1 = 0, w2 = 0, oh1 = 0, oh2 = 0;
	__u32 id1, id2;

	twos_draw(svc, &id1, &w1, &oh1);
	twos_draw(svc, &id2, &w2, &oh2);
	if (id2 != XD_NO_REAL && (id1 == XD_NO_REAL || w2 * oh1 > w1 * oh2))
		return id2;
	return id1;
}

/* Returns a real id whose entry is usable, or XD_NO_REAL. daddr is the
 * packet's destination (dh, lblc, lblcr); now the coarse clock. */
static __always_inline __u32 sched_pick(const struct xd_svc *svc,
					__be32 saddr, __be16 sport,
					__be32 daddr, __u64 now,
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
	case XD_SCHED_DH:
		/* A quiescent real keeps its buckets: its destinations get
		 * nothing, as in IPVS (real_usable below). */
		if (!svc->ring_len)
			return XD_NO_REAL;
		id = ring_at(svc, xd_flow_hash(daddr, 0, 0) % svc->ring_len);
		break;
	case XD_SCHED_LC:
	case XD_SCHED_WLC:
	case XD_SCHED_SED:
	case XD_SCHED_NQ:
	case XD_SCHED_FO:
	case XD_SCHED_OVF:
		id = sched_least(svc, svc->sched);
		break;
	case XD_SCHED_LBLC:
		id = sched_lblc(svc, daddr, now);
		break;
	case XD_SCHED_LBLCR:
		id = sched_lblcr(svc, daddr, now);
		break;
	case XD_SCHED_TWOS:
		if (!svc->ring_len)
			return XD_NO_REAL;
		id = sched_twos(svc);
		break;
	default:
		return XD_NO_REAL;
	}
	if (id == XD_NO_REAL || !real_usable(id, real))
		return XD_NO_REAL;
	return id;
}

#endif
