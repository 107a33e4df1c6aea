// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <stdlib.h>
#include <spawn.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include "controller.h"
#include "log.h"

static bool in_maintenance(const char *dir, uint32_t rip, uint16_t rport);
static void update_autoreload(struct controller *c);

static double now_unix(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Is addr one of this host's own addresses (or loopback)? A fallback
 * there is served by the director's own stack. */
static bool is_local_addr(uint32_t addr)
{
	struct ifaddrs *list, *ifa;
	bool local = (ntohl(addr) >> 24) == 127;

	if (local || getifaddrs(&list))
		return local;
	for (ifa = list; ifa; ifa = ifa->ifa_next)
		if (ifa->ifa_addr && ifa->ifa_addr->sa_family == AF_INET &&
		    ((struct sockaddr_in *)ifa->ifa_addr)->sin_addr.s_addr == addr)
			local = true;
	freeifaddrs(list);
	return local;
}

/* The two enums are kept apart: nothing ties their order together. */
static enum lb_fwd lb_fwd_of(enum ld_fwd fwd)
{
	switch (fwd) {
	case LD_FWD_GATE:
		return LB_FWD_GATE;
	case LD_FWD_IPIP:
		return LB_FWD_IPIP;
	case LD_FWD_MASQ:
		break;
	}
	return LB_FWD_MASQ;
}

static enum check_type map_checktype(enum ld_checktype t)
{
	switch (t) {
	case LD_CHECK_CONNECT:		return CHECK_CONNECT;
	case LD_CHECK_NEGOTIATE:	return CHECK_NEGOTIATE;
	case LD_CHECK_PING:		return CHECK_PING;
	case LD_CHECK_EXTERNAL:
	case LD_CHECK_EXTERNAL_PERL:	return CHECK_EXTERNAL;
	case LD_CHECK_OFF:		return CHECK_OFF;
	case LD_CHECK_ON:		return CHECK_ON;
	case LD_CHECK_COMBINED:		return CHECK_COMBINED;
	}
	return CHECK_CONNECT;
}

static enum check_service map_service(const char *s)
{
	static const struct { const char *name; enum check_service svc; } m[] = {
		{ "none", SVC_NONE }, { "http", SVC_HTTP },
		{ "https", SVC_HTTPS }, { "ftp", SVC_FTP },
		{ "smtp", SVC_SMTP }, { "submission", SVC_SMTP },
		{ "pop", SVC_POP }, { "pops", SVC_POPS },
		{ "imap", SVC_IMAP }, { "imaps", SVC_IMAPS },
		{ "ldap", SVC_LDAP }, { "dns", SVC_DNS },
		{ "simpletcp", SVC_SIMPLETCP },
	};

	for (size_t i = 0; s && i < sizeof(m) / sizeof(m[0]); i++)
		if (!strcmp(s, m[i].name))
			return m[i].svc;
	return SVC_OTHER;
}

/* Virtuals the XDP datapath serves: IPv4 ip:port ones. Others were
 * reported by the parser as not implemented. */
static bool virtual_served(const struct ld_virtual *v)
{
	return !v->is_fwmark && !v->is_ipv6;
}

static struct real_health *find_health(struct real_health *h, size_t n,
				       uint32_t vip, uint16_t vport,
				       uint8_t proto, uint32_t rip,
				       uint16_t rport)
{
	for (size_t i = 0; i < n; i++)
		if (h[i].vip == vip && h[i].vport == vport &&
		    h[i].proto == proto && h[i].rip == rip &&
		    h[i].rport == rport)
			return &h[i];
	return NULL;
}

const struct real_health *controller_health(const struct controller *c,
					    uint32_t vip, uint16_t vport,
					    uint8_t proto, uint32_t rip,
					    uint16_t rport)
{
	return find_health(c->health, c->nhealth, vip, vport, proto, rip,
			   rport);
}

int controller_build_table(const struct controller *c, struct lb_table *t)
{
	const struct ld_config *cfg = &c->cfg;
	size_t n = 0;

	memset(t, 0, sizeof(*t));
	t->svcs = calloc(cfg->nvirtuals ? cfg->nvirtuals : 1, sizeof(*t->svcs));
	if (!t->svcs)
		return -ENOMEM;
	for (size_t i = 0; i < cfg->nvirtuals; i++) {
		const struct ld_virtual *v = &cfg->virtuals[i];
		struct lb_service *s;
		size_t up = 0;

		if (!virtual_served(v))
			continue;
		s = &t->svcs[n++];
		s->vip = v->addr;
		s->port = htons(v->port);
		s->proto = v->protocol;
		snprintf(s->sched, sizeof(s->sched), "%s", v->scheduler);
		s->reals = calloc(v->nreals + 1, sizeof(*s->reals));
		if (!s->reals) {
			lb_table_free(t);
			return -ENOMEM;
		}
		for (size_t j = 0; j < v->nreals; j++) {
			const struct ld_real_entry *r = &v->reals[j];
			const struct real_health *h;
			struct lb_real *lr;
			bool in_service;

			/* gate and ipip were reported at load: the NAT
			 * datapath leaves such reals out. */
			if (r->is_ipv6 || r->fwd != LD_FWD_MASQ)
				continue;
			h = controller_health(c, v->addr, v->port, v->protocol,
					      r->addr, r->port);
			/* As ldirectord: a real joins once a check passed;
			 * a failed one is removed, or kept at weight 0 when
			 * quiescent so its connections carry on. */
			in_service = h && h->known && h->up && !h->maintenance;

			/* Not checked yet: listed at weight 0, so it takes no
			 * new flow but connections the peer director syncs to
			 * us (or a restart resumes) keep their real server. */
			if (!in_service && !v->quiescent && h && h->known)
				continue;
			lr = &s->reals[s->nreals++];
			lr->addr = r->addr;
			lr->port = htons(r->port);
			lr->fwd = lb_fwd_of(r->fwd);
			lr->weight = in_service ? (uint32_t)r->weight : 0;
			if (lr->weight)
				up++;
		}
		if (!up && v->has_fallback && !v->fallback.is_ipv6) {
			if (is_local_addr(v->fallback.addr)) {
				s->local = true;
			} else {
				struct lb_real *lr = &s->reals[s->nreals++];

				lr->addr = v->fallback.addr;
				lr->port = htons(v->fallback.port ?
						 v->fallback.port : v->port);
				/* ldirectord's fallback defaults to gate; the
				 * NAT datapath forwards it as its reals are. */
				lr->fwd = LB_FWD_MASQ;
				lr->weight = 1;
			}
		}
	}
	t->nsvcs = n;
	return 0;
}

static int apply_now(struct controller *c, char *err, size_t errlen)
{
	struct lb_table t;
	int rc = controller_build_table(c, &t);

	if (rc) {
		snprintf(err, errlen, "build table: %s", strerror(-rc));
		return rc;
	}
	rc = c->backend->ops->apply(c->backend, &t, err, errlen);
	lb_table_free(&t);
	return rc;
}

static void reapply_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct controller *c = w->data;
	char err[512];

	if (apply_now(c, err, sizeof(err)))
		xd_err("apply after health change: %s", err);
}

static void health_cb(void *arg, const struct check_spec *spec, bool up,
		      const char *why)
{
	struct controller *c = arg;
	struct real_health *h = find_health(c->health, c->nhealth, spec->vip,
					    spec->vport, spec->proto,
					    spec->rip, spec->rport);
	char rip[INET_ADDRSTRLEN], vip[INET_ADDRSTRLEN];

	if (!h || (h->known && h->up == up))
		return;
	inet_ntop(AF_INET, &spec->rip, rip, sizeof(rip));
	inet_ntop(AF_INET, &spec->vip, vip, sizeof(vip));
	if (up || h->known)
		xd_info("real server %s:%u of %s:%u is %s%s%s", rip, spec->rport,
			vip, spec->vport, up ? "up" : "down",
			why && *why ? ": " : "", why ? why : "");
	h->known = true;
	h->up = up;
	h->since = now_unix();
	snprintf(h->why, sizeof(h->why), "%s", why ? why : "");
	/* Many checks can finish in one loop turn: apply once. */
	if (!ev_is_active(&c->reapply)) {
		ev_timer_set(&c->reapply, 0.0, 0.0);
		ev_timer_start(c->loop, &c->reapply);
	}
}

/* One check per (served virtual, real) pair. */
static int build_checks(const struct ld_config *cfg, struct check_spec **out,
			size_t *nout)
{
	struct check_spec *specs;
	size_t n = 0, max = 0;

	for (size_t i = 0; i < cfg->nvirtuals; i++)
		max += cfg->virtuals[i].nreals;
	specs = calloc(max ? max : 1, sizeof(*specs));
	if (!specs)
		return -ENOMEM;
	for (size_t i = 0; i < cfg->nvirtuals; i++) {
		const struct ld_virtual *v = &cfg->virtuals[i];

		if (!virtual_served(v))
			continue;
		for (size_t j = 0; j < v->nreals; j++) {
			const struct ld_real_entry *r = &v->reals[j];
			struct check_spec *s;

			if (r->is_ipv6)
				continue;
			s = &specs[n++];
			s->vip = v->addr;
			s->vport = v->port;
			s->proto = v->protocol;
			s->rip = r->addr;
			s->rport = r->port;
			s->type = map_checktype(v->checktype);
			s->combined_n = v->check_combined_n;
			s->service = map_service(v->service);
			if (s->type == CHECK_NEGOTIATE && s->service == SVC_NONE)
				s->type = CHECK_ON;	/* ldirectord: not monitored */
			s->checkport = v->checkport;
			s->request = r->request ? r->request : v->request;
			s->receive = r->receive ? r->receive : v->receive;
			s->httpmethod = v->httpmethod;
			s->virtualhost = v->virtualhost;
			s->login = v->login;
			s->passwd = v->passwd;
			s->checkcommand = v->checkcommand;
			s->interval = v->checkinterval;
			s->timeout = v->checktimeout;
			s->connect_timeout = v->connecttimeout;
			s->negotiate_timeout = v->negotiatetimeout;
			s->failurecount = v->failurecount;
		}
	}
	*out = specs;
	*nout = n;
	return 0;
}

int controller_init(struct controller *c, struct ev_loop *loop,
		    struct backend *b, const char *cfg_path)
{
	memset(c, 0, sizeof(*c));
	c->loop = loop;
	c->backend = b;
	snprintf(c->cfg_path, sizeof(c->cfg_path), "%s", cfg_path);
	ev_timer_init(&c->reapply, reapply_cb, 0.0, 0.0);
	c->reapply.data = c;
	c->checks = check_manager_new(loop, health_cb, c);
	return c->checks ? 0 : -ENOMEM;
}

int controller_load(struct controller *c, char *err, size_t errlen)
{
	struct ld_config cfg, old_cfg;
	struct real_health *health, *old_health;
	struct check_spec *specs = NULL;
	size_t nspecs = 0, old_n;
	bool had_cfg = c->have_cfg;
	int rc;

	rc = ld_config_load(c->cfg_path, &cfg, err, errlen);
	if (rc)
		return rc;
	for (size_t i = 0; i < cfg.nwarnings; i++)
		xd_warn("%s", cfg.warnings[i]);
	rc = build_checks(&cfg, &specs, &nspecs);
	if (rc) {
		snprintf(err, errlen, "%s: %s", c->cfg_path, strerror(-rc));
		ld_config_free(&cfg);
		return rc;
	}
	/* Health carries over for pairs that stay; new ones start unknown,
	 * or up when never checked (checktype=on). */
	health = calloc(nspecs ? nspecs : 1, sizeof(*health));
	if (!health) {
		free(specs);
		ld_config_free(&cfg);
		return -ENOMEM;
	}
	for (size_t i = 0; i < nspecs; i++) {
		const struct check_spec *s = &specs[i];
		struct real_health *h = &health[i];
		struct real_health *prev = find_health(c->health, c->nhealth,
						       s->vip, s->vport, s->proto,
						       s->rip, s->rport);

		if (prev) {
			*h = *prev;
			continue;
		}
		h->maintenance = in_maintenance(cfg.maintenancedir, s->rip,
						s->rport);
		h->vip = s->vip;
		h->vport = s->vport;
		h->proto = s->proto;
		h->rip = s->rip;
		h->rport = s->rport;
		h->since = now_unix();
		if (s->type == CHECK_ON || s->type == CHECK_OFF) {
			h->known = true;
			h->up = s->type == CHECK_ON;
		}
	}

	/* Swap in, apply; on refusal put everything back. */
	old_cfg = c->cfg;
	old_health = c->health;
	old_n = c->nhealth;
	c->cfg = cfg;
	c->health = health;
	c->nhealth = nspecs;
	c->have_cfg = true;
	rc = apply_now(c, err, errlen);
	if (rc) {
		c->cfg = old_cfg;
		c->health = old_health;
		c->nhealth = old_n;
		c->have_cfg = had_cfg;
		ld_config_free(&cfg);
		free(health);
		free(specs);
		return rc;
	}
	check_manager_set_conn_reuse(c->checks, c->cfg.checkreuse);
	rc = check_manager_set(c->checks, specs, nspecs);
	if (rc)
		xd_err("health checks not updated: %s", strerror(-rc));
	free(specs);
	if (had_cfg)
		ld_config_free(&old_cfg);
	free(old_health);
	c->loaded_at = now_unix();
	update_autoreload(c);
	if (c->on_loaded)
		c->on_loaded(c->on_loaded_arg);
	return 0;
}

/* ldirectord: a file named IP:PORT or IP in maintenancedir takes that
 * real server out of service until the file goes. */
static bool in_maintenance(const char *dir, uint32_t rip, uint16_t rport)
{
	char ip[INET_ADDRSTRLEN], path[512];
	struct stat st;

	if (!dir || !*dir)
		return false;
	inet_ntop(AF_INET, &rip, ip, sizeof(ip));
	snprintf(path, sizeof(path), "%s/%s:%u", dir, ip, rport);
	if (stat(path, &st) == 0)
		return true;
	snprintf(path, sizeof(path), "%s/%s", dir, ip);
	return stat(path, &st) == 0;
}

void controller_tick(struct controller *c)
{
	bool changed = false;

	if (!c->have_cfg)
		return;
	for (size_t i = 0; i < c->nhealth; i++) {
		struct real_health *h = &c->health[i];
		bool m = in_maintenance(c->cfg.maintenancedir, h->rip, h->rport);

		if (m != h->maintenance) {
			char ip[INET_ADDRSTRLEN];

			inet_ntop(AF_INET, &h->rip, ip, sizeof(ip));
			xd_info("real server %s:%u %s maintenance", ip, h->rport,
				m ? "enters" : "leaves");
			h->maintenance = m;
			changed = true;
		}
	}
	if (changed && !ev_is_active(&c->reapply)) {
		ev_timer_set(&c->reapply, 0.0, 0.0);
		ev_timer_start(c->loop, &c->reapply);
	}
}

/* ldirectord's callback: run after the file changed on disk, with the
 * file's name, e.g. to copy it to the peer director. */
static void run_callback(const char *cmd, const char *cfg_path)
{
	char *argv[] = { (char *)cmd, (char *)cfg_path, NULL };
	extern char **environ;
	pid_t pid;
	int rc = posix_spawn(&pid, cmd, NULL, NULL, argv, environ);

	if (rc)
		xd_err("callback %s: %s", cmd, strerror(rc));
}

/* A file being written changes several times in a row: reload only once
 * it has been still for a moment, never from a half-written copy. */
#define CFG_SETTLE_S	0.3

static void cfg_changed_cb(struct ev_loop *loop, ev_stat *w, int revents)
{
	struct controller *c = w->data;

	ev_timer_stop(loop, &c->cfg_settle);
	ev_timer_set(&c->cfg_settle, CFG_SETTLE_S, 0.0);
	ev_timer_start(loop, &c->cfg_settle);
}

static void cfg_settled_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct controller *c = t->data;
	char err[1024];

	ev_stat_stat(loop, &c->cfg_watch);
	if (!c->cfg_watch.attr.st_nlink) {
		xd_warn("%s: removed; keeping the running configuration",
			c->cfg_path);
		return;
	}
	xd_info("%s changed on disk: reloading", c->cfg_path);
	if (c->cfg.callback && *c->cfg.callback)
		run_callback(c->cfg.callback, c->cfg_path);
	if (controller_reload(c, err, sizeof(err)))
		xd_err("autoreload refused, running configuration kept: %s", err);
}

int controller_reload(struct controller *c, char *err, size_t errlen)
{
	int rc = controller_load(c, err, errlen);

	if (!rc)
		c->reloads++;
	return rc;
}

void controller_info(const struct controller *c, struct controller_info *out)
{
	*out = (struct controller_info){
		.cfg_path = c->cfg_path,
		.loaded_at = c->loaded_at,
		.reloads = c->reloads,
		.health = c->health,
		.nhealth = c->nhealth,
	};
}

static void update_autoreload(struct controller *c)
{
	bool want = c->cfg.autoreload;

	if (want && !ev_is_active(&c->cfg_watch)) {
		ev_stat_init(&c->cfg_watch, cfg_changed_cb, c->cfg_path, 1.0);
		c->cfg_watch.data = c;
		ev_timer_init(&c->cfg_settle, cfg_settled_cb, CFG_SETTLE_S, 0.0);
		c->cfg_settle.data = c;
		ev_stat_start(c->loop, &c->cfg_watch);
	} else if (!want && ev_is_active(&c->cfg_watch)) {
		ev_stat_stop(c->loop, &c->cfg_watch);
		ev_timer_stop(c->loop, &c->cfg_settle);
	}
}

void controller_fini(struct controller *c)
{
	if (ev_is_active(&c->cfg_watch)) {
		ev_stat_stop(c->loop, &c->cfg_watch);
		ev_timer_stop(c->loop, &c->cfg_settle);
	}
	if (ev_is_active(&c->reapply))
		ev_timer_stop(c->loop, &c->reapply);
	check_manager_free(c->checks);
	if (c->have_cfg)
		ld_config_free(&c->cfg);
	free(c->health);
}
