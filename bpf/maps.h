/* SPDX-License-Identifier: GPL-2.0 */
/* Every map of the datapath. All pinned by name under the instance's
 * bpffs directory so a restarted daemon finds the same tables. */
#ifndef XD_BPF_MAPS_H
#define XD_BPF_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <xdirector/datapath.h>

/* (VIP, port, proto) -> service */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XD_MAX_SERVICES);
	__type(key, struct xd_svc_key);
	__type(value, struct xd_svc);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} services SEC(".maps");

/* VIP -> number of services on it; lets us claim fragments to a VIP. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XD_MAX_SERVICES);
	__type(key, __be32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vips SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XD_MAX_SERVICES);
	__type(key, __u32);
	__type(value, struct xd_svc_reals);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} svc_reals SEC(".maps");

/* Scheduler rings: XD_RING_SIZE slots per service, each a real id. The
 * value is 64-bit because array elements are 8-byte aligned anyway, and
 * the daemon writes the mmapped array directly. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XD_MAX_SERVICES * XD_RING_SIZE);
	__type(key, __u32);
	__type(value, __u64);
	__uint(map_flags, BPF_F_MMAPABLE);	/* written in bulk by the daemon */
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sched_ring SEC(".maps");

/* Round-robin position per service, shared by every CPU so that rr and
 * wrr keep IPVS's exact order; touched once per new flow, not per packet. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XD_MAX_SERVICES);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rr_cursor SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XD_MAX_REALS);
	__type(key, __u32);
	__type(value, struct xd_real_slot);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} reals SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XD_MAX_REALS);
	__type(key, __u32);
	__type(value, struct xd_real_conns);
	/* mmapped by the daemon, which adjusts counts with atomics too */
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} real_conns SEC(".maps");

/* Real server address -> its owning slot's service (see datapath.h). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XD_MAX_REALS);
	__type(key, struct xd_real_addr_key);
	__type(value, struct xd_real_addr);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} real_addrs SEC(".maps");

/* lblc/lblcr: the real(s) each (service, destination) went to. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, XD_LBLC_ENTRIES);
	__type(key, struct xd_lblc_key);
	__type(value, struct xd_lblc);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} lblc_table SEC(".maps");

/* A new lblc_table entry is built here: it does not fit the stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xd_lblc);
} lblc_scratch SEC(".maps");

/* Sized at load time from --conn-max. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, XD_DEFAULT_CONN_MAX);
	__type(key, struct xd_conn_key);
	__type(value, struct xd_conn);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} conn_table SEC(".maps");

/* real -> client of connections to slots that do not own their address. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, XD_DEFAULT_CONN_MAX);
	__type(key, struct xd_reply_key);
	__type(value, struct xd_reply);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} reply_table SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xd_params);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} params SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XD_MAX_SERVICES);
	__type(key, __u32);
	__type(value, struct xd_counters);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} svc_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XD_MAX_REALS);
	__type(key, __u32);
	__type(value, struct xd_counters);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} real_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XD_REASON_MAX);
	__type(key, __u32);
	__type(value, struct xd_reason_count);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} reason_stats SEC(".maps");

/* Per CPU: the token bucket of the director's own ICMP errors (pmtu.h).
 * Not pinned: a restart starts with a full bucket. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xd_icmp_bucket);
} icmp_bucket SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XD_MAX_IFACES);
	__type(key, __u32);		/* ifindex */
	__type(value, struct xd_if_mac);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} if_macs SEC(".maps");

/* A cache, rebuilt from routes: not pinned. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XD_MAX_REALS);
	__type(key, __u32);
	__type(value, struct xd_real_nh);
} real_nh SEC(".maps");

/* A cache, rebuilt from routes: not pinned. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1u << XD_DST_NH_BITS);
	__type(key, __u32);
	__type(value, struct xd_dst_nh);
} dst_nh SEC(".maps");

/* A cache of live flows (datapath.h, struct xd_flow): not pinned. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1u << XD_FLOW_CACHE_BITS);
	__type(key, __u32);
	__type(value, struct xd_flow);
} flow_cache SEC(".maps");

/* The flow cache's hits, misses and flushes. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xd_flow_cache_count);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} flow_cache_stats SEC(".maps");

/* Moved by whoever changes what a cached flow would be forwarded by;
 * mmapped by the daemon, which moves it without a system call. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
	__uint(map_flags, BPF_F_MMAPABLE);
	/* pinned: programs of a daemon being replaced see its moves too */
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} flow_epoch SEC(".maps");

/* The coarse clock as last read on this CPU, and the tick it was read in:
 * bpf_jiffies64() is inlined, the clock helper is a call (clock.h). */
struct xd_clock {
	__u64 jiffies;
	__u64 ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xd_clock);
} clock_cache SEC(".maps");

/* if_macs for small ifindexes, read without a hash lookup: an array
 * lookup is inlined. Slots with mtu 0 are unused; if_macs then decides. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XD_IF_MAC_SLOTS);
	__type(key, __u32);
	__type(value, struct xd_if_mac);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} if_mac_slots SEC(".maps");

/* New connections and state changes, for the sync daemon. Not pinned:
 * a restarted daemon resyncs in bulk instead. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, XD_EVENTS_BYTES);
} conn_events SEC(".maps");

/* xd_peer_ack records, at most two per synced connection. Not pinned:
 * only the running daemon acts on them. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, XD_PEER_ACKS_BYTES);
} peer_acks SEC(".maps");

/* Whether anyone consumes conn_events (the active director syncs). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sync_on SEC(".maps");

#endif
