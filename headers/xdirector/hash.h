/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The flow hash used by the source-hash and Maglev schedulers. Shared so
 * that userspace (tests, `xdirectorctl`) can predict which ring slot a
 * client lands in. A 32-bit finaliser-style mix: cheap, well spread.
 */
#ifndef XDIRECTOR_HASH_H
#define XDIRECTOR_HASH_H

#include <linux/types.h>

#ifdef __bpf__
#define XD_HASH_INLINE static __always_inline
#else
#define XD_HASH_INLINE static inline
#endif

XD_HASH_INLINE __u32 xd_mix32(__u32 h)
{
	h ^= h >> 16;
	h *= 0x7feb352dU;
	h ^= h >> 15;
	h *= 0x846ca68bU;
	h ^= h >> 16;
	return h;
}

/* saddr and sport as they sit in the packet (network order). */
XD_HASH_INLINE __u32 xd_flow_hash(__u32 saddr, __u16 sport, int use_port)
{
	__u32 h = xd_mix32(saddr ^ 0x9e3779b9U);

	if (use_port)
		h = xd_mix32(h ^ ((__u32)sport * 0x85ebca6bU));
	return h;
}

#endif
