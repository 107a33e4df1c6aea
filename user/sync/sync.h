/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Connection-state sync between the two directors (docs/sync.md): the
 * active director (master) sends every new connection and state change
 * its datapath reports; the standby (backup) installs them, so a failover
 * keeps the connections in flight. A standby that starts or loses
 * messages asks for the whole table (bulk). Roles follow membership:
 * heartbeat's LVSSyncDaemonSwap::master, called through sync_set_role().
 */
#ifndef XD_SYNC_H
#define XD_SYNC_H

#include <stdbool.h>
#include <stdint.h>
#include <ev.h>
#include <jansson.h>

#include "backend/backend.h"
#include "config/authkeys.h"
#include "config/hacf.h"

#define SYNC_DEFAULT_PORT	8848	/* IPVS sync's port */

enum sync_role {
	SYNC_NONE = 0,
	SYNC_MASTER = 1,
	SYNC_BACKUP = 2,
};

struct sync_opts {
	const char *node;		/* this director's node name */
	const struct authkeys *keys;	/* copied: sign with the active key,
					 * accept any listed one */
	/* Where to send: ha.cf's links (bcast/mcast/ucast, on their
	 * devices), unless dev or peer is set. May be NULL. */
	const struct ha_config *hacf;
	const char *dev;		/* sync interface: broadcast on it */
	uint32_t peer;			/* unicast peer, network order */
	uint16_t port;			/* 0: SYNC_DEFAULT_PORT */
	uint16_t peer_port;		/* tests: peer's port; 0: port */
	uint32_t bind_addr;		/* tests: listen address; 0: any */
	uint32_t mtu;			/* 0: 1500; datagrams fit in it */
	uint32_t bulk_bytes_per_tick;	/* bulk pacing per 10 ms; 0: default */
	uint32_t refresh_s;		/* master: full resync period; 0:
					 * default, UINT32_MAX: never */
	bool seal;			/* encrypt payloads (not with crc),
					 * refuse peers' clear ones */
	uint32_t test_bulk_delay_ms;	/* tests only: answer each bulk
					 * request this late (xdirectord:
					 * XD_TEST_BULK_DELAY_MS) */
};

struct sync;

/* Returns NULL (reason logged) if the socket cannot be opened. */
struct sync *sync_new(struct ev_loop *loop, struct backend *b,
		      const struct sync_opts *opts);
/* 0 or a negative errno; setting the current role again is a no-op. */
int sync_set_role(struct sync *s, enum sync_role role);
enum sync_role sync_get_role(const struct sync *s);
const char *sync_role_name(enum sync_role role);
int sync_role_parse(const char *name, enum sync_role *role);
/* Adds the sync fields to out (an object). */
void sync_status_json(struct sync *s, json_t *out);
void sync_free(struct sync *s);

/*
 * Membership's hook (user/ha/ha.h's ha_role_fn): arg is the struct sync,
 * role 0, 1 or 2 as enum sync_role. Remembered but not applied while the
 * operator pinned a role (--sync-role, `xdirectorctl sync-role`).
 */
void sync_ha_role_cb(void *arg, int role);
/*
 * HA's failback handshake (user/ha/ha.h's ha_table_fn): arg is the
 * struct sync. *serving: our generation while sync master, else 0;
 * *holding and *entries: as sync backup, the generation of the master
 * whose whole table we received (bulk complete, no message lost since),
 * else 0.
 */
void sync_ha_table_cb(void *arg, uint64_t *serving, uint64_t *holding,
		      uint32_t *entries);
/* The operator's choice: master, backup, none (pinned) or auto (back to
 * membership's last word). 0 or -EINVAL. */
int sync_set_role_manual(struct sync *s, const char *name);

/* xdirectord's --sync-* options. */
struct sync_cli {
	const char *role;	/* NULL: membership decides */
	const char *dev;	/* --sync-dev IFNAME */
	const char *peer;	/* --sync-peer ADDR */
	unsigned port;		/* --sync-port N, 0: SYNC_DEFAULT_PORT */
	unsigned refresh_s;	/* --sync-refresh S, 0: default */
	bool seal;		/* --sync-encrypt */
};

/*
 * Start-up: sync runs when the configuration directory holds authkeys
 * (with ha.cf's links, or --sync-dev / --sync-peer). Returns 0 with *out
 * NULL when sync is not configured, 0 with *out set, or a negative errno
 * with err saying why.
 */
int sync_daemon_open(struct sync **out, struct ev_loop *loop,
		     struct backend *b, const char *cfg_dir, const char *node,
		     const struct sync_cli *cli, char *err, size_t errlen);

/* Tests and benchmarks: feed one datapath event to a master as if read
 * from the ring buffer, and send what is batched now. */
void sync_feed_event(struct sync *s, const struct xd_conn_event *ev);
void sync_flush(struct sync *s);

#endif
