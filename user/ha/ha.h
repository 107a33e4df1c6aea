/* SPDX-License-Identifier: GPL-2.0 */
/*
 * High availability, heartbeat's job: membership over every ha.cf link,
 * ownership of the haresources addresses, operator standby/takeover.
 * Reads ha.cf, haresources and authkeys from the configuration directory
 * unchanged. The datapath and health checks run on both directors; only
 * the active one owns the virtual IPs.
 */
#ifndef XD_HA_HA_H
#define XD_HA_HA_H

#include <stddef.h>
#include <stdint.h>
#include <ev.h>
#include <jansson.h>

struct ha;

/*
 * Read and check the three files in dir for node `node`. Returns 0 with
 * *hap NULL when dir holds no ha.cf (HA off: a single director), 0 with
 * *hap set, or a negative errno with err saying "file:line: what".
 * Nothing is opened or changed yet.
 */
int ha_open(struct ha **hap, const char *dir, const char *node,
	    const char *rundir, char *err, size_t errlen);

/* The ldirectord.cf haresources names, resolved against dir; NULL if
 * haresources lists no ldirectord resource. */
const char *ha_ldirectord_file(const struct ha *ha);

/* Open the links and start heartbeats. Resources are decided within
 * initdead. */
int ha_start(struct ha *ha, struct ev_loop *loop, char *err, size_t errlen);

/* Stopping: give up the addresses first, then tell the peer, so the two
 * never both answer. Call before leaving the loop's last iteration. */
void ha_shutdown(struct ha *ha);
void ha_close(struct ha *ha);

/* hb_standby and hb_takeover. Return 0 or a negative errno, err says why. */
int ha_standby(struct ha *ha, char *err, size_t errlen);
int ha_takeover(struct ha *ha, char *err, size_t errlen);

/* Role, peer, per-link heartbeats, timers, counters, resources. */
json_t *ha_status_json(struct ha *ha);

/*
 * Role change hook for the connection-sync module: called with 1 (sync
 * master) or 2 (sync backup) when haresources lists LVSSyncDaemonSwap,
 * 0 otherwise, at each role change and once when set. The sync module
 * (user/sync/) is expected to pass a function calling
 * sync_set_role(struct sync *, int role) with its struct sync as arg.
 */
typedef void (*ha_role_fn)(void *arg, int sync_role);
void ha_on_role_change(struct ha *ha, ha_role_fn fn, void *arg);

/* Called after the resources are acquired because the peer was declared
 * dead (not on a handover or at start): the connections it carried may
 * have lost segments in flight (user/sync/nudge.h). silent_s: since the
 * peer's last heartbeat, about how long its connections have waited. */
typedef void (*ha_takeover_fn)(void *arg, double silent_s);
void ha_on_takeover_from_dead(struct ha *ha, ha_takeover_fn fn, void *arg);

/*
 * The failback handshake's input (docs/sync.md, membership.h): what
 * connection tables this node has. *serving: the sync generation of the
 * table it serves as sync master (0: none); *holding and *entries: the
 * peer's table it holds complete as sync backup (0: none). Polled before
 * each heartbeat decision; the sync module passes sync_ha_table_cb.
 * Without it, nothing is waited for (as without sync).
 */
typedef void (*ha_table_fn)(void *arg, uint64_t *serving, uint64_t *holding,
			    uint32_t *entries);
void ha_on_table(struct ha *ha, ha_table_fn fn, void *arg);

#endif
