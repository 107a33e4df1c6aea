// SPDX-License-Identifier: GPL-2.0
/* What the control socket answers. Every reply is JSON with "ok". */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include "daemon.h"
#include "ctl/metrics.h"
#include "ha/ha.h"
#include "log.h"
#include "sync/nudge.h"
#include "sync/sync.h"

static const char *proto_name(uint8_t proto)
{
	return proto == IPPROTO_UDP ? "UDP" : proto == IPPROTO_TCP ? "TCP" : "?";
}

static json_t *addr_json(uint32_t addr)
{
	char buf[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &addr, buf, sizeof(buf));
	return json_string(buf);
}

static json_t *counters_json(const struct xd_counters *c)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}",
			 "conns", (json_int_t)c->conns,
			 "pkts_in", (json_int_t)c->pkts_in,
			 "bytes_in", (json_int_t)c->bytes_in,
			 "pkts_out", (json_int_t)c->pkts_out,
			 "bytes_out", (json_int_t)c->bytes_out,
			 "drops", (json_int_t)c->drops);
}

/*
 * ipvsadm -Z: `list` shows counts since the last `zero`. The datapath's
 * counters are not touched, so /metrics stays monotonic as Prometheus
 * expects; d->stats_zero holds the counters at the last `zero`, by
 * "PROTO VIP:PORT" and "PROTO VIP:PORT RIP:RPORT".
 */
static void stats_key(char *buf, size_t len, uint8_t proto, uint32_t vip,
		      uint16_t vport, const struct backend_real_stat *r)
{
	char v[INET_ADDRSTRLEN], a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &vip, v, sizeof(v));
	if (!r) {
		snprintf(buf, len, "%u %s:%u", proto, v, ntohs(vport));
		return;
	}
	inet_ntop(AF_INET, &r->real.addr, a, sizeof(a));
	snprintf(buf, len, "%u %s:%u %s:%u", proto, v, ntohs(vport), a,
		 ntohs(r->real.port));
}

/* c minus its value at the last zero (a counter that went backwards, as
 * for a real removed and added again, counts from 0). */
static json_t *counters_since_zero(struct daemon *d, const char *key,
				   const struct xd_counters *c)
{
	json_t *now = counters_json(c), *base, *v;
	const char *k;

	base = d->stats_zero ? json_object_get(d->stats_zero, key) : NULL;
	if (!base)
		return now;
	json_object_foreach(now, k, v) {
		json_int_t b = json_integer_value(json_object_get(base, k));

		if (json_integer_value(v) >= b)
			json_integer_set(v, json_integer_value(v) - b);
	}
	return now;
}

static json_t *cmd_zero(struct daemon *d)
{
	struct backend_snapshot snap;
	json_t *base;
	char key[128];
	int rc = d->backend->ops->snapshot(d->backend, &snap);

	if (rc)
		return ctl_error("read datapath: %s", strerror(-rc));
	base = json_object();
	for (size_t i = 0; i < snap.nsvcs; i++) {
		const struct backend_svc_stat *s = &snap.svcs[i];

		stats_key(key, sizeof(key), s->svc.proto, s->svc.vip,
			  s->svc.port, NULL);
		json_object_set_new(base, key, counters_json(&s->counters));
		for (size_t j = 0; j < s->nreals; j++) {
			if (!s->reals[j].in_use)
				continue;
			stats_key(key, sizeof(key), s->svc.proto, s->svc.vip,
				  s->svc.port, &s->reals[j]);
			json_object_set_new(base, key,
					    counters_json(&s->reals[j].counters));
		}
	}
	backend_snapshot_free(&snap);
	json_decref(d->stats_zero);
	d->stats_zero = base;
	xd_info("counters zeroed for list (metrics unchanged)");
	return json_pack("{s:b}", "ok", 1);
}

static const char *health_word(const struct real_health *h)
{
	if (!h)
		return "fallback";
	if (!h->known)
		return "unknown";
	return h->up ? "up" : "down";
}

static json_t *cmd_list(struct daemon *d)
{
	struct backend_snapshot snap;
	json_t *svcs = json_array();
	int rc = d->backend->ops->snapshot(d->backend, &snap);

	if (rc) {
		json_decref(svcs);
		return ctl_error("read datapath: %s", strerror(-rc));
	}
	for (size_t i = 0; i < snap.nsvcs; i++) {
		const struct backend_svc_stat *s = &snap.svcs[i];
		json_t *reals = json_array();

		char key[128];

		for (size_t j = 0; j < s->nreals; j++) {
			const struct backend_real_stat *r = &s->reals[j];
			const struct real_health *h;

			if (!r->in_use)
				continue;
			stats_key(key, sizeof(key), s->svc.proto, s->svc.vip,
				  s->svc.port, r);
			h = controller_health(&d->controller, s->svc.vip,
					      ntohs(s->svc.port), s->svc.proto,
					      r->real.addr, ntohs(r->real.port));
			json_array_append_new(reals, json_pack(
				"{s:o, s:i, s:s, s:i, s:I, s:I, s:s, s:o}",
				"addr", addr_json(r->real.addr),
				"port", ntohs(r->real.port),
				"fwd", lb_fwd_name(r->real.fwd),
				"weight", (int)r->real.weight,
				"active", (json_int_t)r->active,
				"inactive", (json_int_t)r->inactive,
				"health", health_word(h),
				"stats", counters_since_zero(d, key,
							     &r->counters)));
		}
		stats_key(key, sizeof(key), s->svc.proto, s->svc.vip,
			  s->svc.port, NULL);
		json_array_append_new(svcs, json_pack(
			"{s:s, s:o, s:i, s:s, s:b, s:b, s:o, s:o}",
			"proto", proto_name(s->svc.proto),
			"vip", addr_json(s->svc.vip),
			"port", ntohs(s->svc.port),
			"sched", s->svc.sched,
			"local_fallback", s->svc.local,
			"hash_port", s->svc.hash_port,
			"stats", counters_since_zero(d, key, &s->counters),
			"reals", reals));
	}
	backend_snapshot_free(&snap);
	return json_pack("{s:b, s:o}", "ok", 1, "services", svcs);
}

static json_t *cmd_status(struct daemon *d)
{
	struct backend_snapshot snap;
	json_t *ifs = json_array(), *reasons = json_object(), *health = json_array();
	int rc = d->backend->ops->snapshot(d->backend, &snap);
	struct controller_info ci;
	json_t *out;

	if (rc) {
		json_decref(ifs);
		json_decref(reasons);
		json_decref(health);
		return ctl_error("read datapath: %s", strerror(-rc));
	}
	for (size_t i = 0; i < snap.nifaces; i++) {
		const struct backend_iface *f = &snap.ifaces[i];

		json_array_append_new(ifs, json_pack(
			"{s:s, s:s, s:s, s:s, s:s, s:s}", "ifname", f->name,
			"mode", dp_mode_name(f->mode),
			"hook", dp_hook_name(f->hook),
			"role", f->ext && f->in ? "external+internal" :
				f->ext ? "external" : "internal",
			"why", f->why ? f->why : "",
			"hook_why", f->hook_why ? f->hook_why : ""));
	}
	for (int r = 0; r < XD_REASON_MAX; r++)
		json_object_set_new(reasons, xd_reason_name(r), json_pack(
			"{s:I, s:I}", "pkts", (json_int_t)snap.reasons[r].pkts,
			"bytes", (json_int_t)snap.reasons[r].bytes));
	controller_info(&d->controller, &ci);
	for (size_t i = 0; i < ci.nhealth; i++) {
		const struct real_health *h = &ci.health[i];

		json_array_append_new(health, json_pack(
			"{s:s, s:o, s:i, s:o, s:i, s:s, s:f, s:s}",
			"proto", proto_name(h->proto),
			"vip", addr_json(h->vip), "port", h->vport,
			"real", addr_json(h->rip), "real_port", h->rport,
			"health", health_word(h), "since", h->since,
			"last_result", h->why));
	}
	out = json_pack("{s:b, s:s, s:i, s:s, s:s, s:s, s:f, s:f, s:i, s:o, s:o, s:{s:I, s:I, s:I}, s:o, s:o}",
			 "ok", 1, "node", d->node, "pid", (int)getpid(),
			 "config", ci.cfg_path, "bpffs", d->bpffs,
			 "backend", d->backend->ops->name,
			 "started_at", d->started_at,
			 "config_loaded_at", ci.loaded_at,
			 "reloads", (int)ci.reloads,
			 "datapath", ifs, "reasons", reasons,
			 "flow_cache", "hits", (json_int_t)snap.flow_hits,
			 "misses", (json_int_t)snap.flow_misses,
			 "flushes", (json_int_t)snap.flow_flushes,
			 "health", health,
			 "ha", d->ha ? ha_status_json(d->ha) :
				       json_pack("{s:b}", "enabled", 0));
	backend_snapshot_free(&snap);
	return out;
}

/* --- HA: hb_standby / hb_takeover (user/ha/ha.h) --- */
static json_t *cmd_ha(struct daemon *d, bool standby)
{
	char err[256];
	int rc;

	if (!d->ha)
		return ctl_error("high availability is off (no ha.cf in %s)",
				 d->cfg_dir);
	rc = standby ? ha_standby(d->ha, err, sizeof(err)) :
		       ha_takeover(d->ha, err, sizeof(err));
	if (rc)
		return ctl_error("%s", err);
	return json_pack("{s:b, s:o}", "ok", 1, "ha", ha_status_json(d->ha));
}

struct conns_ctx {
	json_t *arr;
	size_t max;
};

static int conn_cb(const struct backend_conn *c, void *arg)
{
	struct conns_ctx *ctx = arg;

	if (json_array_size(ctx->arr) >= ctx->max)
		return 1;
	json_array_append_new(ctx->arr, json_pack(
		"{s:s, s:o, s:i, s:o, s:i, s:o, s:i, s:s, s:I}",
		"proto", proto_name(c->key.proto),
		"client", addr_json(c->key.saddr), "client_port", ntohs(c->key.sport),
		"vip", addr_json(c->key.daddr), "port", ntohs(c->key.dport),
		"real", addr_json(c->conn.raddr), "real_port", ntohs(c->conn.rport),
		"state", xd_state_name(c->conn.state),
		"expires_ms", (json_int_t)c->expires_in_ms));
	return 0;
}

static json_t *cmd_conns(struct daemon *d, json_t *req)
{
	json_t *jmax = json_object_get(req, "max");
	struct conns_ctx ctx = {
		.arr = json_array(),
		.max = json_is_integer(jmax) ? (size_t)json_integer_value(jmax) :
						 100000,
	};
	int rc = d->backend->ops->conns(d->backend, conn_cb, &ctx);

	if (rc < 0) {
		json_decref(ctx.arr);
		return ctl_error("read connections: %s", strerror(-rc));
	}
	return json_pack("{s:b, s:o, s:b}", "ok", 1, "conns", ctx.arr,
			 "truncated", rc > 0);
}

static json_t *cmd_reload(struct daemon *d)
{
	char err[1024];
	struct controller_info ci;
	int rc = controller_reload(&d->controller, err, sizeof(err));

	if (rc) {
		xd_err("reload refused, running configuration kept: %s", err);
		return ctl_error("%s", err);
	}
	controller_info(&d->controller, &ci);
	xd_info("configuration reloaded from %s", ci.cfg_path);
	return json_pack("{s:b}", "ok", 1);
}

/* --- sync (user/sync/sync.h): status part and the sync-role command --- */
static json_t *sync_status_add(struct daemon *d, json_t *reply)
{
	json_t *o = json_object();

	if (!json_is_true(json_object_get(reply, "ok"))) {
		json_decref(o);
		return reply;
	}
	json_object_set_new(o, "enabled", json_boolean(d->sync != NULL));
	if (d->sync)
		sync_status_json(d->sync, o);
	else
		json_object_set_new(o, "role", json_string("none"));
	nudge_status_json(d->nudge, o);
	json_object_set_new(reply, "sync", o);
	return reply;
}

static json_t *cmd_sync_role(struct daemon *d, json_t *req)
{
	const char *role = json_string_value(json_object_get(req, "role"));
	json_t *o;
	int rc;

	if (!d->sync)
		return ctl_error("connection sync is off (no authkeys in %s)",
				 d->cfg_dir);
	if (!role)
		return ctl_error("sync-role: expected master, backup, none "
				 "or auto");
	rc = sync_set_role_manual(d->sync, role);
	if (rc == -EINVAL)
		return ctl_error("sync-role %s: expected master, backup, none "
				 "or auto", role);
	if (rc)
		return ctl_error("sync-role %s: %s", role, strerror(-rc));
	o = json_object();
	sync_status_json(d->sync, o);
	return json_pack("{s:b, s:o}", "ok", 1, "sync", o);
}
/* Operators who move the addresses by other means than our HA. */
static json_t *cmd_nudge(struct daemon *d, json_t *req)
{
	json_t *o;

	if (!d->nudge)
		return ctl_error("nudging is off (no connection sync, "
				 "--no-nudge, or no raw sockets)");
	/* How long the connections waited is not known here. */
	nudge_start(d->nudge, -1);
	o = json_object();
	nudge_status_json(d->nudge, o);
	return json_pack("{s:b, s:o}", "ok", 1, "sync", o);
}
/* --- end sync --- */

json_t *daemon_command(void *arg, const char *cmd, json_t *req)
{
	struct daemon *d = arg;

	if (!strcmp(cmd, "list"))
		return cmd_list(d);
	if (!strcmp(cmd, "zero"))
		return cmd_zero(d);
	if (!strcmp(cmd, "status"))
		return sync_status_add(d, cmd_status(d));
	if (!strcmp(cmd, "nudge"))
		return cmd_nudge(d, req);
	if (!strcmp(cmd, "sync-role"))
		return cmd_sync_role(d, req);
	if (!strcmp(cmd, "conns"))
		return cmd_conns(d, req);
	if (!strcmp(cmd, "reload"))
		return cmd_reload(d);
	if (!strcmp(cmd, "standby") || !strcmp(cmd, "takeover"))
		return cmd_ha(d, !strcmp(cmd, "standby"));
	if (!strcmp(cmd, "metrics")) {
		char *text = metrics_text(d->backend);
		json_t *r = json_pack("{s:b, s:s}", "ok", 1, "text",
				      text ? text : "");

		free(text);
		return r;
	}
	if (!strcmp(cmd, "ping"))
		return json_pack("{s:b, s:i}", "ok", 1, "pid", (int)getpid());
	return ctl_error("unknown command '%s'", cmd);
}
