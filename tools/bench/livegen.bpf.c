// SPDX-License-Identifier: GPL-2.0
/*
 * Live-traffic generator and sink for tools/bench/livegen.c.
 *
 * `gen` is run with BPF_PROG_RUN and BPF_F_TEST_XDP_LIVE_FRAMES (the
 * xdp-trafficgen technique): the kernel runs it on frames of its own page
 * pool and really transmits what it returns XDP_TX for, out of the device
 * named as ingress. The pool recycles frames the director has rewritten,
 * so `gen` writes the whole template back each time, then picks the flow.
 * `sink` counts and drops what reaches the far end.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "livegen.h"

char LICENSE[] SEC("license") = "GPL";

struct livegen_cfg cfg;
__u64 counter;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} sink_count SEC(".maps");

SEC("xdp")
int gen(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 i;

	if (data + LIVEGEN_PKT_LEN > data_end)
		return XDP_ABORTED;
	__builtin_memcpy(data, cfg.pkt, LIVEGEN_PKT_LEN);
	i = counter++;
	if (cfg.nflows)
		i %= cfg.nflows;
	*(__be16 *)(data + LIVEGEN_SPORT_OFF) = bpf_htons(10000 + i);
	return XDP_TX;
}

SEC("xdp")
int sink(struct xdp_md *ctx)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&sink_count, &zero);

	if (n)
		(*n)++;
	return XDP_DROP;
}
