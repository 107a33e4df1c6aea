// SPDX-License-Identifier: GPL-2.0
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <xdirector/hash.h>
#include "sched_ring.h"

static uint32_t gcd(uint32_t a, uint32_t b)
{
	while (b) {
		uint32_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/* Weights divided by their common divisor, then scaled down so their sum
 * fits the ring; a member with a weight keeps at least one turn. */
static void reduced_weights(const struct ring_member *m, size_t n,
			    uint32_t *w, size_t size)
{
	uint64_t sum = 0;
	uint32_t g = 0;

	for (size_t i = 0; i < n; i++)
		if (m[i].weight)
			g = gcd(g, m[i].weight);
	for (size_t i = 0; i < n; i++) {
		w[i] = m[i].weight ? m[i].weight / g : 0;
		sum += w[i];
	}
	if (sum <= size)
		return;
	for (size_t i = 0; i < n; i++)
		if (w[i])
			w[i] = (uint32_t)((uint64_t)w[i] * (size - n) / sum) + 1;
}

size_t ring_build_rr(const struct ring_member *m, size_t n, uint32_t *ring,
		     size_t size)
{
	size_t len = 0;

	for (size_t i = 0; i < n && len < size; i++)
		if (m[i].weight)
			ring[len++] = m[i].id;
	return len;
}

/* The interleaved order of IPVS wrr: lower the bar by the gcd each pass,
 * taking every member whose weight reaches it. */
size_t ring_build_wrr(const struct ring_member *m, size_t n, uint32_t *ring,
		      size_t size)
{
	uint32_t *w, maxw = 0;
	size_t len = 0;

	if (!n)
		return 0;
	w = calloc(n, sizeof(*w));
	if (!w)
		return 0;
	reduced_weights(m, n, w, size);
	for (size_t i = 0; i < n; i++)
		if (w[i] > maxw)
			maxw = w[i];
	for (uint32_t bar = maxw; bar > 0 && len < size; bar--)
		for (size_t i = 0; i < n && len < size; i++)
			if (w[i] >= bar)
				ring[len++] = m[i].id;
	free(w);
	return len;
}

/* As IPVS sh: buckets dealt out in runs, each member taking as many
 * consecutive buckets as its weight, repeated to fill the table. */
size_t ring_build_sh(const struct ring_member *m, size_t n, uint32_t *ring,
		     size_t size)
{
	uint32_t *w;
	size_t len = 0;
	bool any = false;

	if (!n)
		return 0;
	w = calloc(n, sizeof(*w));
	if (!w)
		return 0;
	reduced_weights(m, n, w, size);
	for (size_t i = 0; i < n; i++)
		any |= w[i] != 0;
	while (any && len < size)
		for (size_t i = 0; i < n && len < size; i++)
			for (uint32_t k = 0; k < w[i] && len < size; k++)
				ring[len++] = m[i].id;
	free(w);
	return len;
}

size_t ring_build_twos(const struct ring_member *m, size_t n, uint32_t *ring,
		       size_t size)
{
	uint64_t sum = 0;
	size_t len = 0;
	bool first = true;

	for (size_t i = 0; i < n; i++)
		sum += m[i].weight;
	if (!sum)
		return 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t w = m[i].weight;

		if (!w)
			continue;
		/* Scaled down only when the draw would not fit the ring;
		 * a real with a weight keeps at least one slot. */
		if (sum + 1 > size)
			w = w * (size - n - 1) / sum + 1;
		w += first;
		first = false;
		for (uint64_t k = 0; k < w && len < size; k++)
			ring[len++] = m[i].id;
	}
	return len;
}

size_t ring_build_dh(const struct ring_member *m, size_t n, uint32_t *ring,
		     size_t size)
{
	if (!n)
		return 0;
	for (size_t i = 0; i < size; i++)
		ring[i] = m[i % n].id;
	return size;
}

/*
 * Maglev (Eisenbud et al., NSDI 2016): each member walks its own
 * permutation of the slots (offset + j * skip), seeded from its address,
 * and claims its next free slot in turn; a heavier member takes more
 * turns per round. Removing a member only frees the slots it held.
 */
size_t ring_build_maglev(const struct ring_member *m, size_t n,
			 uint32_t *ring, size_t size)
{
	uint32_t *w, *offset, *skip, *next;
	bool *taken;
	size_t filled = 0;
	bool any = false;

	if (!n || size < 2)
		return 0;
	w = calloc(n, sizeof(*w));
	offset = calloc(n, sizeof(*offset));
	skip = calloc(n, sizeof(*skip));
	next = calloc(n, sizeof(*next));
	taken = calloc(size, sizeof(*taken));
	if (!w || !offset || !skip || !next || !taken)
		goto out;
	reduced_weights(m, n, w, size);
	for (size_t i = 0; i < n; i++) {
		uint32_t seed = m[i].addr ^ ((uint32_t)m[i].port << 16);

		offset[i] = xd_mix32(seed ^ 0x5bd1e995U) % size;
		skip[i] = xd_mix32(seed ^ 0x1b873593U) % (size - 1) + 1;
		any |= w[i] != 0;
	}
	while (any && filled < size) {
		for (size_t i = 0; i < n && filled < size; i++) {
			for (uint32_t turn = 0; turn < w[i] && filled < size; turn++) {
				uint32_t slot;

				do {
					slot = (uint32_t)((offset[i] +
						(uint64_t)next[i] * skip[i]) % size);
					next[i]++;
				} while (taken[slot]);
				taken[slot] = true;
				ring[slot] = m[i].id;
				filled++;
			}
		}
	}
out:
	free(w);
	free(offset);
	free(skip);
	free(next);
	free(taken);
	return filled;
}
