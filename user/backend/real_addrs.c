// SPDX-License-Identifier: GPL-2.0
/* Owners of real server addresses, for tracing replies (real_addrs.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "backend/real_addrs.h"

struct ra_item {
	struct xd_real_addr_key key;
	uint32_t id;	/* index into the plan's arrays */
	int rank;	/* 0: owns it already, 1: in use, 2: detached */
};

static const uint32_t *sort_ids;	/* qsort has no context argument */

static int key_cmp(const struct xd_real_addr_key *a,
		   const struct xd_real_addr_key *b)
{
	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	return (int)a->proto - (int)b->proto;
}

static int item_cmp(const void *pa, const void *pb)
{
	const struct ra_item *a = pa, *b = pb;
	int c = key_cmp(&a->key, &b->key);

	if (c)
		return c;
	if (a->rank != b->rank)
		return a->rank - b->rank;
	return sort_ids[a->id] < sort_ids[b->id] ? -1 :
	       sort_ids[a->id] > sort_ids[b->id];
}

static int entry_cmp(const void *pa, const void *pb)
{
	return key_cmp(pa, pb);	/* the key is an entry's first member */
}

int real_addrs_plan(const struct xd_real_slot *r, const uint32_t *ids,
		    size_t n, bool *owns, struct ra_entry **out, size_t *nout)
{
	struct ra_item *it = calloc(n ? n : 1, sizeof(*it));
	struct ra_entry *e = calloc(n ? n : 1, sizeof(*e));
	size_t ne = 0;

	if (!it || !e) {
		free(it);
		free(e);
		return -ENOMEM;
	}
	for (size_t k = 0; k < n; k++) {
		owns[ids[k]] = false;
		it[k].key = (struct xd_real_addr_key){
			.addr = r[k].addr, .port = r[k].port,
			.proto = r[k].proto,
		};
		it[k].id = k;	/* the index; ids[] orders equal ranks */
		it[k].rank = r[k].flags & XD_REAL_F_OWNS_ADDR ? 0 :
			     r[k].flags & XD_REAL_F_IN_USE ? 1 : 2;
	}
	sort_ids = ids;
	qsort(it, n, sizeof(*it), item_cmp);
	for (size_t i = 0; i < n; i++) {
		const struct xd_real_slot *o = &r[it[i].id];

		if (i > 0 && !key_cmp(&it[i].key, &it[i - 1].key)) {
			e[ne - 1].val.flags |= XD_RA_F_SHARED;
			continue;
		}
		owns[ids[it[i].id]] = true;
		e[ne].key = it[i].key;
		e[ne].val = (struct xd_real_addr){ .vip = o->vip,
						   .vport = o->vport };
		ne++;
	}
	free(it);
	*out = e;
	*nout = ne;
	return 0;
}

static const struct ra_entry *find(const struct ra_entry *e, size_t n,
				   const struct xd_real_addr_key *k)
{
	return e ? bsearch(k, e, n, sizeof(*e), entry_cmp) : NULL;
}

int real_addrs_write(int fd, const struct ra_entry *old, size_t nold,
		     const struct ra_entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct ra_entry *o = find(old, nold, &e[i].key);

		if (o && !memcmp(&o->val, &e[i].val, sizeof(o->val)))
			continue;
		if (bpf_map_update_elem(fd, &e[i].key, &e[i].val, BPF_ANY))
			return -errno;
	}
	return 0;
}

int real_addrs_prune(int fd, const struct ra_entry *old, size_t nold,
		     const struct ra_entry *e, size_t n)
{
	struct xd_real_addr_key key, next;
	void *prev = NULL;

	if (old) {
		for (size_t i = 0; i < nold; i++)
			if (!find(e, n, &old[i].key) &&
			    bpf_map_delete_elem(fd, &old[i].key) && errno != ENOENT)
				return -errno;
		return 0;
	}
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		if (!find(e, n, &next)) {
			/* deleted: the walk goes on from the key before */
			if (bpf_map_delete_elem(fd, &next))
				return -errno;
			continue;
		}
		key = next;
		prev = &key;
	}
	return 0;
}
