/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The coarse clock, bpf_ktime_get_coarse_ns(), for the cost of a memory
 * read: it only moves on a timer tick, when jiffies moves too, so the
 * value read once per tick and CPU is reused until jiffies changes
 * (bpf_jiffies64() is inlined; the clock helper is a call, and with
 * return-thunk mitigations a dear one). At worst, read in the instant
 * between a tick's jiffies and clock updates, it lags one tick: the
 * coarse clock's own resolution.
 */
#ifndef XD_BPF_CLOCK_H
#define XD_BPF_CLOCK_H

#include "maps.h"

static __always_inline __u64 coarse_now(void)
{
	__u32 zero = 0;
	struct xd_clock *c = bpf_map_lookup_elem(&clock_cache, &zero);
	__u64 j = bpf_jiffies64();

	if (!c)
		return bpf_ktime_get_coarse_ns();
	if (c->jiffies != j) {
		c->ns = bpf_ktime_get_coarse_ns();
		c->jiffies = j;
	}
	return c->ns;
}

#endif
