// SPDX-License-Identifier: GPL-2.0
/* haresources applied (see resources.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/haresources.h"
#include "ha/resources.h"
#include "log.h"

/* Delay before each announcement after the previous: neighbours ignore
 * an ARP update within locktime (1 s) of the last, so spread them. */
static const double garp_delay[HA_GARP_COUNT] = { 0, 0.1, 0.2, 0.4, 0.8 };

static const char *ip_str(uint32_t a, char *buf)
{
	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

int ha_res_build(struct ha_res *r, const struct ha_resources *hr,
		 const char *dir, char *err, size_t errlen)
{
	memset(r, 0, sizeof(*r));
	for (size_t g = 0; g < hr->ngroups; g++) {
		const struct ha_group *grp = &hr->groups[g];

		if (!r->preferred)
			r->preferred = strdup(grp->node);
		else if (strcasecmp(r->preferred, grp->node))
			xd_warn("haresources:%d: group preferring %s moves "
				"with the first group's (%s): one director "
				"holds all resources", grp->line, grp->node,
				r->preferred);
		for (size_t i = 0; i < grp->nres; i++) {
			const struct ha_resource *res = &grp->res[i];
			struct vip *v;

			switch (res->kind) {
			case HA_RES_IPADDR:
				v = realloc(r->vips, (r->nvips + 1) * sizeof(*v));
				if (!v)
					return -ENOMEM;
				r->vips = v;
				v = &r->vips[r->nvips++];
				memset(v, 0, sizeof(*v));
				v->addr = res->addr;
				v->prefix = res->prefix;
				v->broadcast = res->broadcast;
				snprintf(v->dev, sizeof(v->dev), "%s", res->dev);
				break;
			case HA_RES_LDIRECTORD: {
				const char *f = res->arg ? res->arg :
							   "ldirectord.cf";

				if (r->ldirectord[0]) {
					snprintf(err, errlen, "haresources:%d: a "
						 "second ldirectord resource; "
						 "one daemon runs one "
						 "configuration", res->line);
					return -EINVAL;
				}
				if (f[0] == '/')
					snprintf(r->ldirectord,
						 sizeof(r->ldirectord), "%s", f);
				else
					snprintf(r->ldirectord,
						 sizeof(r->ldirectord), "%s/%s",
						 dir, f);
				break;
			}
			case HA_RES_LVSSYNC:
				r->lvssync = true;
				r->lvssync_master = !res->arg ||
					strcasecmp(res->arg, "backup");
				break;
			}
		}
	}
	return 0;
}

int ha_res_open(struct ha_res *r, struct ev_loop *loop, char *err,
		size_t errlen)
{
	char a[INET_ADDRSTRLEN];
	int rc;

	r->loop = loop;
	rc = vip_ctx_open(&r->vc);
	if (rc) {
		snprintf(err, errlen, "ha: rtnetlink socket: %s", strerror(-rc));
		return rc;
	}
	for (size_t i = 0; i < r->nvips; i++) {
		rc = vip_resolve(&r->vc, &r->vips[i]);
		if (rc) {
			snprintf(err, errlen, "haresources: %s: cannot place "
				 "the address: %s", ip_str(r->vips[i].addr, a),
				 strerror(-rc));
			return rc;
		}
	}
	return 0;
}

static void garp_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct ha_res *r = w->data;
	char a[INET_ADDRSTRLEN];

	for (size_t i = 0; i < r->nvips; i++) {
		int rc = garp_send(r->vips[i].ifindex, r->vips[i].addr);

		r->garps++;
		if (rc) {
			r->garp_errors++;
			if (r->garp_sent == 0)
				xd_warn("ha: %s: gratuitous ARP for %s: %s",
					r->vips[i].dev,
					ip_str(r->vips[i].addr, a),
					strerror(-rc));
		}
	}
	r->garp_sent++;
	if (r->garp_sent < HA_GARP_COUNT && r->owned) {
		ev_timer_set(w, garp_delay[r->garp_sent], 0);
		ev_timer_start(loop, w);
	}
}

void ha_res_announce(struct ha_res *r)
{
	if (!r->owned)
		return;
	if (r->loop)
		ev_timer_stop(r->loop, &r->garp_timer);
	r->garp_sent = 0;
	ev_timer_init(&r->garp_timer, garp_cb, 0, 0);
	r->garp_timer.data = r;
	/* The first at once, not on the next loop iteration. */
	garp_cb(r->loop, &r->garp_timer, 0);
}

int ha_res_acquire(struct ha_res *r)
{
	char a[INET_ADDRSTRLEN];
	int first = 0;

	for (size_t i = 0; i < r->nvips; i++) {
		int rc = vip_add(&r->vc, &r->vips[i]);

		if (rc) {
			xd_err("ha: %s: add %s/%u: %s", r->vips[i].dev,
			       ip_str(r->vips[i].addr, a), r->vips[i].prefix,
			       strerror(-rc));
			if (!first)
				first = rc;
		} else {
			xd_info("ha: %s: %s/%u added", r->vips[i].dev,
				ip_str(r->vips[i].addr, a), r->vips[i].prefix);
		}
	}
	r->owned = true;
	ha_res_announce(r);
	return first;
}

int ha_res_release(struct ha_res *r)
{
	char a[INET_ADDRSTRLEN];
	int first = 0;

	r->owned = false;
	if (r->loop)
		ev_timer_stop(r->loop, &r->garp_timer);
	for (size_t i = 0; i < r->nvips; i++) {
		int rc = vip_del(&r->vc, &r->vips[i]);

		if (rc) {
			xd_err("ha: %s: remove %s/%u: %s", r->vips[i].dev,
			       ip_str(r->vips[i].addr, a), r->vips[i].prefix,
			       strerror(-rc));
			if (!first)
				first = rc;
		} else {
			xd_info("ha: %s: %s/%u removed", r->vips[i].dev,
				ip_str(r->vips[i].addr, a), r->vips[i].prefix);
		}
	}
	return first;
}

int ha_res_sync_role(const struct ha_res *r, bool active)
{
	if (!r->lvssync)
		return 0;
	/* LVSSyncDaemonSwap::master: master while holding the resources,
	 * backup otherwise; ::backup is the reverse. */
	if (active == r->lvssync_master)
		return 1;
	return 2;
}

json_t *ha_res_json(struct ha_res *r)
{
	json_t *arr = json_array();
	char a[INET_ADDRSTRLEN];

	for (size_t i = 0; i < r->nvips; i++) {
		int p = r->vc.nl ? vip_present(&r->vc, &r->vips[i]) : -1;

		json_array_append_new(arr, json_pack("{s:s, s:i, s:s, s:b}",
			"addr", ip_str(r->vips[i].addr, a),
			"prefix", r->vips[i].prefix, "dev", r->vips[i].dev,
			"present", p == 1));
	}
	return json_pack("{s:o, s:s, s:s, s:I, s:I}", "vips", arr,
			 "ldirectord", r->ldirectord,
			 "lvssync", !r->lvssync ? "none" :
				    r->lvssync_master ? "master" : "backup",
			 "garps", (json_int_t)r->garps,
			 "garp_errors", (json_int_t)r->garp_errors);
}

void ha_res_free(struct ha_res *r)
{
	if (r->loop)
		ev_timer_stop(r->loop, &r->garp_timer);
	vip_ctx_close(&r->vc);
	free(r->vips);
	free(r->preferred);
	memset(r, 0, sizeof(*r));
}
