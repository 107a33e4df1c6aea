/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which real slot owns each real server address (see struct
 * xd_real_addr_key in datapath.h): replies to an owner's connections are
 * traced without a reply entry. Planning is a pure function, tested on
 * its own; writing the plan to the map is separate.
 */
#ifndef XD_REAL_ADDRS_H
#define XD_REAL_ADDRS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xdirector/datapath.h>

struct ra_entry {
	struct xd_real_addr_key key;
	struct xd_real_addr val;
};

/*
 * r[k] is real slot ids[k] as it will be, for every slot in use or
 * detached (XD_REAL_F_OWNS_ADDR set on a slot that owns its address and
 * keeps it). Every address gets one owner: the slot that owned it
 * already, else the lowest in-use slot, else the lowest detached one.
 * Sets owns[ids[k]] and returns the map's entries in *out (sorted, caller
 * frees), one per address, or a negative errno.
 */
int real_addrs_plan(const struct xd_real_slot *r, const uint32_t *ids,
		    size_t n, bool *owns, struct ra_entry **out, size_t *nout);

/*
 * Bringing the map (fd: real_addrs) from plan `old` (what was last written;
 * NULL: unknown) to plan `e`, in two steps around the slots' update:
 * write adds and changes entries, prune then deletes the others. With a
 * known old plan only the differences cost a syscall.
 */
int real_addrs_write(int fd, const struct ra_entry *old, size_t nold,
		     const struct ra_entry *e, size_t n);
int real_addrs_prune(int fd, const struct ra_entry *old, size_t nold,
		     const struct ra_entry *e, size_t n);

#endif
