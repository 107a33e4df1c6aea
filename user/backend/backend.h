/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the controller asks of a datapath, whichever it is: the XDP/TC
 * programs of bpf/, or kernel IPVS on systems where XDP is not usable.
 */
#ifndef XD_BACKEND_H
#define XD_BACKEND_H

#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>

#include <xdirector/datapath.h>
#include "lb.h"
#include "backend/attach.h"

struct backend_opts {
	const char *bpffs;	/* this instance's pin directory */
	enum dp_mode mode;
	uint32_t conn_max;
	bool no_attach;		/* tests: fill maps, attach nothing */
};

struct backend_iface {
	char name[IF_NAMESIZE];
	int ifindex;
	enum dp_mode mode;
	enum dp_hook hook;	/* the kernel hook the mode is attached by */
	bool ext;		/* carries VIPs */
	bool in;		/* carries real servers */
	const char *why;	/* why this mode */
	const char *hook_why;	/* why this hook ("" when the mode has one) */
};

struct backend_real_stat {
	struct lb_real real;
	uint32_t id;
	bool in_use;
	int64_t active, inactive;
	struct xd_counters counters;
};

struct backend_svc_stat {
	struct lb_service svc;	/* .reals unused */
	uint32_t id;
	struct xd_counters counters;
	struct backend_real_stat *reals;
	size_t nreals;
};

struct backend_snapshot {
	struct backend_svc_stat *svcs;
	size_t nsvcs;
	struct xd_reason_count reasons[XD_REASON_MAX];
	/* The flow cache (XDP backend): established and reply packets it
	 * served; those that went through conn_table; times every CPU's
	 * cache was emptied (by the datapath or the daemon). */
	uint64_t flow_hits, flow_misses, flow_flushes;
	struct backend_iface *ifaces;
	size_t nifaces;
};

struct backend_conn {
	struct xd_conn_key key;
	struct xd_conn conn;
	uint64_t expires_in_ms;
};

/* A connection as the peer director reports it (sync). */
struct backend_sync_conn {
	struct xd_conn_key key;
	uint32_t raddr;		/* network order */
	uint16_t rport;		/* network order */
	uint8_t state;		/* enum xd_tcp_state */
	uint8_t flags;
	uint64_t idle_ms;	/* time since its last packet on the peer */
};

typedef int (*backend_conn_cb)(const struct backend_conn *c, void *arg);

struct backend;

struct backend_ops {
	const char *name;
	/* Make the datapath match t; all or nothing as far as the
	 * validation goes; established connections are kept. */
	int (*apply)(struct backend *b, const struct lb_table *t,
		     char *err, size_t errlen);
	int (*snapshot)(struct backend *b, struct backend_snapshot *s);
	int (*conns)(struct backend *b, backend_conn_cb cb, void *arg);
	/* Periodic housekeeping (expired connections); bounded work. */
	void (*maintain)(struct backend *b);
	/* Sync: install a connection learnt from the peer. -ENOENT when
	 * its service or real server is not configured here. */
	int (*install_conn)(struct backend *b, const struct backend_sync_conn *c);
	/* Sync: datapath connection events on/off, and the ring buffer's
	 * fd to consume them with (libbpf ring_buffer), or -ENOTSUP. */
	int (*set_events)(struct backend *b, bool on);
	int (*events_fd)(struct backend *b);
	/* After a takeover: the ring of struct xd_peer_ack records (first
	 * pure ACK each way of a synced connection), or -ENOTSUP. */
	int (*peer_acks_fd)(struct backend *b);
	/* detach: remove programs and pins (clean stop); otherwise leave
	 * the datapath running for the next daemon to pick up. */
	void (*close)(struct backend *b, bool detach);
};

struct backend {
	const struct backend_ops *ops;
	/* found an earlier daemon's pinned datapath: a failed start must
	 * leave it running; a fresh one is removed on failure */
	bool resumed;
};

int xdp_backend_open(const struct backend_opts *opts, struct backend **out,
		     char *err, size_t errlen);
/* What the XDP datapath would refuse in t (scheduler, protocol, forwarding
 * method, sizes, duplicates), without a backend: xdirectord -t. */
int xdp_validate_table(const struct lb_table *t, char *err, size_t errlen);

void backend_snapshot_free(struct backend_snapshot *s);

/* For tests and benchmarks of the XDP backend: its programs and maps by
 * name (as in bpf/director.bpf.c), or -ENOENT. */
int xdp_backend_prog_fd(struct backend *b, const char *name);
int xdp_backend_map_fd(struct backend *b, const char *name);
/* For whoever writes the datapath's maps outside the backend (tests):
 * the flow caches forget what they hold, as after the backend's own. */
void xdp_backend_flow_cache_flush(struct backend *b);

#endif
