/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Incremental Internet checksum updates (RFC 1624, eqn. 3) on raw 16-bit
 * words as they sit in memory. One's complement addition commutes with
 * byte swapping, so no byte-order conversion is needed anywhere.
 */
#ifndef XD_BPF_CSUM_H
#define XD_BPF_CSUM_H

#include <linux/types.h>
#include <bpf/bpf_helpers.h>

static __always_inline __u16 csum_fold32(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

/* Start an update: the running sum is ~HC. */
static __always_inline __u32 csum_begin(__u16 check)
{
	return (__u16)~check;
}

/* Remove a 32-bit value m and add m' (both as stored in the packet). */
static __always_inline __u32 csum_sub_add32(__u32 sum, __u32 from, __u32 to)
{
	sum += (__u16)~(__u16)from + (__u16)~(__u16)(from >> 16);
	sum += (__u16)to + (__u16)(to >> 16);
	return sum;
}

static __always_inline __u32 csum_sub_add16(__u32 sum, __u16 from, __u16 to)
{
	return sum + (__u16)~from + to;
}

static __always_inline __u16 csum_end(__u32 sum)
{
	return (__u16)~csum_fold32(sum);
}

#endif
