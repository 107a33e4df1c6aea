/* SPDX-License-Identifier: GPL-2.0 */
/* Per-CPU counters: per verdict reason, per service, per real server. */
#ifndef XD_BPF_STATS_H
#define XD_BPF_STATS_H

#include "maps.h"

static __always_inline void count_reason(__u32 reason, __u32 bytes)
{
	struct xd_reason_count *c = bpf_map_lookup_elem(&reason_stats, &reason);

	if (c) {
		c->pkts++;
		c->bytes += bytes;
	}
}

static __always_inline void count_svc_real(__u32 svc_id, __u32 real_id,
					   __u32 bytes, int reply, int new_conn)
{
	struct xd_counters *s = bpf_map_lookup_elem(&svc_stats, &svc_id);
	struct xd_counters *r = bpf_map_lookup_elem(&real_stats, &real_id);

	if (s) {
		if (reply) {
			s->pkts_out++;
			s->bytes_out += bytes;
		} else {
			s->pkts_in++;
			s->bytes_in += bytes;
		}
		s->conns += new_conn;
	}
	if (r) {
		if (reply) {
			r->pkts_out++;
			r->bytes_out += bytes;
		} else {
			r->pkts_in++;
			r->bytes_in += bytes;
		}
		r->conns += new_conn;
	}
}

static __always_inline void count_svc_drop(__u32 svc_id)
{
	struct xd_counters *s = bpf_map_lookup_elem(&svc_stats, &svc_id);

	if (s)
		s->drops++;
}

#endif
