/* SPDX-License-Identifier: GPL-2.0 */
/*
 * haresources applied: the IPaddr/IPaddr2 addresses the active director
 * owns, the ldirectord.cf to load and the LVSSyncDaemonSwap sync role.
 * All groups move together (one active director holds them all).
 */
#ifndef XD_HA_RESOURCES_H
#define XD_HA_RESOURCES_H

#include <stdbool.h>
#include <stddef.h>
#include <ev.h>
#include <jansson.h>

#include "ha/vip.h"

struct ha_resources;

#define HA_GARP_COUNT	5	/* at 0, 100, 300, 700, 1500 ms */

struct ha_res {
	struct ev_loop *loop;
	struct vip_ctx vc;
	struct vip *vips;
	size_t nvips;
	char *preferred;	/* first group's node */
	char ldirectord[512];	/* resolved path, "" when not listed */
	bool lvssync;		/* LVSSyncDaemonSwap listed */
	bool lvssync_master;	/* its argument: master (else backup) */
	bool owned;
	ev_timer garp_timer;
	unsigned garp_sent;
	unsigned long garps, garp_errors;
};

/* From parsed haresources; dir resolves a relative ldirectord.cf. */
int ha_res_build(struct ha_res *r, const struct ha_resources *hr,
		 const char *dir, char *err, size_t errlen);
/* Netlink socket, devices and prefixes. */
int ha_res_open(struct ha_res *r, struct ev_loop *loop, char *err,
		size_t errlen);
/* Add every address, then announce (first ARP at once). */
int ha_res_acquire(struct ha_res *r);
/* Remove every address (stops the announcements). */
int ha_res_release(struct ha_res *r);
void ha_res_announce(struct ha_res *r);
/* The sync role for an active/standby director: 0 none, 1 master,
 * 2 backup (sync_set_role's numbering). */
int ha_res_sync_role(const struct ha_res *r, bool active);
json_t *ha_res_json(struct ha_res *r);
void ha_res_free(struct ha_res *r);

#endif
