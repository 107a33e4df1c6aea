/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Laying out a service's scheduler ring (see bpf/sched.h): the sequence
 * rr/wrr walk, the weighted bucket table sh hashes into, and the Maglev
 * lookup table mh hashes into. Pure functions, tested on their own.
 */
#ifndef XD_SCHED_RING_H
#define XD_SCHED_RING_H

#include <stddef.h>
#include <stdint.h>

struct ring_member {
	uint32_t id;		/* real id written into the ring */
	uint32_t weight;	/* 0: not in the ring */
	uint32_t addr;		/* network order: Maglev seeds from these */
	uint16_t port;
};

/* Each returns the number of ring slots used (0 if no member has a
 * weight); ring must hold `size` entries. */
size_t ring_build_rr(const struct ring_member *m, size_t n, uint32_t *ring,
		     size_t size);
size_t ring_build_wrr(const struct ring_member *m, size_t n, uint32_t *ring,
		      size_t size);
size_t ring_build_sh(const struct ring_member *m, size_t n, uint32_t *ring,
		     size_t size);
/* twos: the weights as they are, each member a run of slots as long as
 * its weight, the first member one slot more (IPVS draws 0..total). */
size_t ring_build_twos(const struct ring_member *m, size_t n, uint32_t *ring,
		       size_t size);
/* As IPVS dh: every member, quiescent ones too, one bucket each in
 * turn, weights ignored; the ring is filled whole. */
size_t ring_build_dh(const struct ring_member *m, size_t n, uint32_t *ring,
		     size_t size);
/* size must be prime for Maglev's permutations to cover every slot. */
size_t ring_build_maglev(const struct ring_member *m, size_t n,
			 uint32_t *ring, size_t size);

#endif
