// SPDX-License-Identifier: GPL-2.0
/*
 * Check manager: owns the set of checks, schedules each one every interval
 * with its start spread over the interval, picks the probe for each run and
 * applies ldirectord's failurecount logic to the results.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/check_int.h"
#include "log.h"
#include "util.h"

#define DEFAULT_INTERVAL	5.0
#define DEFAULT_TIMEOUT		5.0

static const char *const type_names[] = {
	[CHECK_CONNECT] = "connect",
	[CHECK_NEGOTIATE] = "negotiate",
	[CHECK_PING] = "ping",
	[CHECK_EXTERNAL] = "external",
	[CHECK_OFF] = "off",
	[CHECK_ON] = "on",
	[CHECK_COMBINED] = "combined",
};

static const char *const svc_names[] = {
	[SVC_NONE] = "none",
	[SVC_HTTP] = "http",
	[SVC_HTTPS] = "https",
	[SVC_FTP] = "ftp",
	[SVC_SMTP] = "smtp",
	[SVC_POP] = "pop",
	[SVC_POPS] = "pops",
	[SVC_IMAP] = "imap",
	[SVC_IMAPS] = "imaps",
	[SVC_LDAP] = "ldap",
	[SVC_DNS] = "dns",
	[SVC_SIMPLETCP] = "simpletcp",
	[SVC_OTHER] = "other",
};

const char *check_type_name(enum check_type type)
{
	if ((unsigned)type < sizeof(type_names) / sizeof(type_names[0]))
		return type_names[type];
	return "?";
}

const char *check_service_name(enum check_service svc)
{
	if ((unsigned)svc < sizeof(svc_names) / sizeof(svc_names[0]))
		return svc_names[svc];
	return "?";
}

/* "vip:vport -> rip:rport" for messages */
static const char *check_name(const struct check_spec *s, char *buf, size_t len)
{
	char v[INET_ADDRSTRLEN], r[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &s->vip, v, sizeof(v));
	inet_ntop(AF_INET, &s->rip, r, sizeof(r));
	snprintf(buf, len, "%s:%u -> %s:%u", v, s->vport, r, s->rport);
	return buf;
}

uint16_t check_port(const struct check *c)
{
	return c->spec.checkport ? c->spec.checkport : c->spec.rport;
}

double check_timeout(const struct check *c)
{
	return c->spec.timeout > 0 ? c->spec.timeout : DEFAULT_TIMEOUT;
}

double check_connect_timeout(const struct check *c)
{
	return c->spec.connect_timeout > 0 ? c->spec.connect_timeout :
	       check_timeout(c);
}

double check_negotiate_timeout(const struct check *c)
{
	return c->spec.negotiate_timeout > 0 ? c->spec.negotiate_timeout :
	       check_timeout(c);
}

static double check_interval(const struct check *c)
{
	return c->spec.interval > 0 ? c->spec.interval : DEFAULT_INTERVAL;
}

bool check_receive_matches(const struct check *c, const char *text)
{
	if (!c->has_regex)
		return true;
	/* a pattern without special characters is a substring: strstr is
	 * much cheaper than glibc's regexec at thousands of checks a second */
	if (c->receive_literal)
		return strstr(text ? text : "", c->spec.receive) != NULL;
	return regexec(&c->receive_re, text ? text : "", 0, NULL, 0) == 0;
}

/* True when an extended regex matches exactly its own text as a substring. */
static bool regex_is_literal(const char *re)
{
	return re[strcspn(re, "\\^$.[]|()*+?{}\n")] == '\0';
}

/* ---- spec copy, compare, hash ---- */

static bool str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static bool spec_eq(const struct check_spec *a, const struct check_spec *b)
{
	return a->vip == b->vip && a->vport == b->vport &&
	       a->proto == b->proto && a->rip == b->rip &&
	       a->rport == b->rport && a->type == b->type &&
	       a->combined_n == b->combined_n && a->service == b->service &&
	       a->checkport == b->checkport &&
	       a->interval == b->interval && a->timeout == b->timeout &&
	       a->connect_timeout == b->connect_timeout &&
	       a->negotiate_timeout == b->negotiate_timeout &&
	       a->failurecount == b->failurecount &&
	       str_eq(a->request, b->request) &&
	       str_eq(a->receive, b->receive) &&
	       str_eq(a->httpmethod, b->httpmethod) &&
	       str_eq(a->virtualhost, b->virtualhost) &&
	       str_eq(a->login, b->login) && str_eq(a->passwd, b->passwd) &&
	       str_eq(a->checkcommand, b->checkcommand);
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n--)
		h = (h ^ *b++) * 0x100000001b3ULL;
	return h;
}

/* Identity fields only: checks differing elsewhere just share a bucket. */
static uint64_t spec_hash(const struct check_spec *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	h = fnv(h, &s->vip, sizeof(s->vip));
	h = fnv(h, &s->vport, sizeof(s->vport));
	h = fnv(h, &s->proto, sizeof(s->proto));
	h = fnv(h, &s->rip, sizeof(s->rip));
	h = fnv(h, &s->rport, sizeof(s->rport));
	h = fnv(h, &s->type, sizeof(s->type));
	return h;
}

static void spec_free(struct check_spec *s)
{
	free(s->request);
	free(s->receive);
	free(s->httpmethod);
	free(s->virtualhost);
	free(s->login);
	free(s->passwd);
	free(s->checkcommand);
}

static int dup_str(char **dst, const char *src)
{
	*dst = NULL;
	if (!src)
		return 0;
	*dst = strdup(src);
	return *dst ? 0 : -ENOMEM;
}

static int spec_copy(struct check_spec *dst, const struct check_spec *src)
{
	*dst = *src;
	dst->request = dst->receive = dst->httpmethod = dst->virtualhost =
		dst->login = dst->passwd = dst->checkcommand = NULL;
	if (dup_str(&dst->request, src->request) ||
	    dup_str(&dst->receive, src->receive) ||
	    dup_str(&dst->httpmethod, src->httpmethod) ||
	    dup_str(&dst->virtualhost, src->virtualhost) ||
	    dup_str(&dst->login, src->login) ||
	    dup_str(&dst->passwd, src->passwd) ||
	    dup_str(&dst->checkcommand, src->checkcommand)) {
		spec_free(dst);
		return -ENOMEM;
	}
	return 0;
}

/* ---- probes ---- */

/* The service a negotiate check speaks; unknown ones are guessed from the
 * port as ldirectord does when `service` is not given. */
enum check_service check_effective_service(const struct check *c)
{
	if (c->spec.service != SVC_NONE)
		return c->spec.service;
	switch (check_port(c)) {
	case 80: return SVC_HTTP;
	case 443: return SVC_HTTPS;
	case 21: return SVC_FTP;
	case 25: return SVC_SMTP;
	case 110: return SVC_POP;
	case 995: return SVC_POPS;
	case 143: return SVC_IMAP;
	case 993: return SVC_IMAPS;
	case 389: return SVC_LDAP;
	case 53: return SVC_DNS;
	default: return SVC_OTHER;
	}
}

static enum probe_kind negotiate_probe(struct check *c)
{
	struct check_manager *m = c->m;
	enum check_service svc = check_effective_service(c);
	char name[64];

	switch (svc) {
	case SVC_HTTP: case SVC_HTTPS: case SVC_FTP: case SVC_SMTP:
	case SVC_POP: case SVC_POPS: case SVC_IMAP: case SVC_IMAPS:
	case SVC_LDAP:
		if (check_curl_supports(m, svc))
			return PROBE_CURL;
		if (!m->warned_ldap) {
			xd_warn("%s: libcurl lacks %s support, checking with connect instead",
				check_name(&c->spec, name, sizeof(name)),
				check_service_name(svc));
			m->warned_ldap = true;
		}
		return PROBE_CONNECT;
	case SVC_DNS:
		return PROBE_DNS;
	case SVC_SIMPLETCP:
		return PROBE_TCP;
	default:
		if (!m->warned_other) {
			xd_warn("%s: negotiate check for this service is not implemented, checking with connect instead",
				check_name(&c->spec, name, sizeof(name)));
			m->warned_other = true;
		}
		return PROBE_CONNECT;
	}
}

static enum probe_kind choose_probe(struct check *c)
{
	switch (c->spec.type) {
	case CHECK_CONNECT:
		return PROBE_CONNECT;
	case CHECK_PING:
		return PROBE_PING;
	case CHECK_EXTERNAL:
		return PROBE_EXTERNAL;
	case CHECK_NEGOTIATE:
		return negotiate_probe(c);
	case CHECK_COMBINED:
		if (c->combined_count >= c->spec.combined_n) {
			c->combined_count = 0;
			return negotiate_probe(c);
		}
		c->combined_count++;
		return PROBE_CONNECT;
	default:
		return PROBE_NONE;
	}
}

/* What each kind of probe does (one file each, check_int.h): start a run,
 * cancel the running one, and free what it keeps between runs. */
static const struct probe_ops {
	int (*start)(struct check *c);
	void (*cancel)(struct check *c);
	void (*destroy)(struct check *c);	/* NULL: keeps nothing */
} probe_ops[] = {
	[PROBE_CONNECT] = { check_connect_start, check_connect_cancel, NULL },
	[PROBE_CURL] = { check_curl_start, check_curl_cancel, check_curl_destroy },
	[PROBE_PING] = { check_ping_start, check_ping_cancel, NULL },
	[PROBE_DNS] = { check_dns_start, check_dns_cancel, NULL },
	[PROBE_TCP] = { check_tcp_start, check_tcp_cancel, NULL },
	[PROBE_EXTERNAL] = { check_external_start, check_external_cancel, NULL },
};

static const struct probe_ops *probe_ops_of(enum probe_kind kind)
{
	if (kind <= PROBE_NONE || (size_t)kind >= ARRAY_SIZE(probe_ops))
		return NULL;
	return &probe_ops[kind];
}

static void probe_cancel(struct check *c)
{
	const struct probe_ops *ops = probe_ops_of(c->running);

	if (ops)
		ops->cancel(c);
	c->running = PROBE_NONE;
}

static int probe_start(struct check *c, enum probe_kind kind)
{
	const struct probe_ops *ops = probe_ops_of(kind);

	c->running = kind;
	return ops ? ops->start(c) : -EINVAL;
}

/* ---- results ---- */

void check_finish(struct check *c, bool ok, const char *fmt, ...)
{
	struct check_manager *m = c->m;
	double now = ev_time();
	bool was_up = c->up, was_known = c->known;
	va_list ap;

	probe_cancel(c);
	va_start(ap, fmt);
	vsnprintf(c->last_result, sizeof(c->last_result), fmt, ap);
	va_end(ap);
	c->last_time = now;
	c->last_duration = c->started > 0 ? now - c->started : 0;
	if (ok) {
		m->counters.succeeded++;
		c->fails = 0;
		c->up = true;
	} else {
		int limit = c->spec.failurecount > 0 ? c->spec.failurecount : 1;

		m->counters.failed++;
		c->fails++;
		/* the first result decides; after that failurecount applies */
		if (!c->known || c->fails >= limit)
			c->up = false;
	}
	c->known = true;
	xd_dbg("check %s: %s (%s)", c->name,
	       ok ? "ok" : "failed", c->last_result);
	if (was_known && was_up == c->up)
		return;
	xd_info("real %s is %s: %s", c->name,
		c->up ? "up" : "down", c->last_result);
	/* last: the callback may reconfigure and free c */
	if (m->cb)
		m->cb(m->cb_arg, &c->spec, c->up, c->last_result);
}

static void sched_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct check *c = w->data;
	struct check_manager *m = c->m;
	double now = ev_now(loop), interval = check_interval(c);
	double scheduled = c->due;
	enum probe_kind kind;
	int err;

	if (c->spec.type == CHECK_ON || c->spec.type == CHECK_OFF) {
		c->started = 0;
		check_finish(c, c->spec.type == CHECK_ON,
			     "checktype %s", check_type_name(c->spec.type));
		return;
	}
	/* keep the phase; skip starts we are too late for */
	c->due += interval;
	if (c->due <= now)
		c->due += ceil((now - c->due) / interval) * interval;
	if (c->due <= now)
		c->due = now + interval;
	ev_timer_set(&c->sched, c->due - now, 0);
	ev_timer_start(loop, &c->sched);

	if (c->running != PROBE_NONE) {
		m->counters.skipped_busy++;
		return;
	}
	c->started = ev_time();
	if (m->start_hook)
		m->start_hook(m->start_hook_arg, scheduled, c->started);
	m->counters.started++;
	kind = choose_probe(c);
	err = probe_start(c, kind);
	/* start may already have finished (and freed) c: only errors touch it */
	if (err < 0)
		check_finish(c, false, "cannot start check: %s", strerror(-err));
}

/* ---- check lifetime ---- */

static void check_free(struct check *c)
{
	if (!c)
		return;
	probe_cancel(c);
	for (size_t k = 0; k < ARRAY_SIZE(probe_ops); k++)
		if (probe_ops[k].destroy)
			probe_ops[k].destroy(c);
	ev_timer_stop(c->m->loop, &c->sched);
	if (c->has_regex)
		regfree(&c->receive_re);
	spec_free(&c->spec);
	free(c);
}

static int check_new(struct check_manager *m, const struct check_spec *spec,
		     struct check **out)
{
	struct check *c;
	char name[64];
	int err;

	if (spec->interval < 0 || spec->timeout < 0 ||
	    spec->connect_timeout < 0 || spec->negotiate_timeout < 0 ||
	    (spec->type == CHECK_COMBINED && spec->combined_n < 0) ||
	    (unsigned)spec->type > CHECK_COMBINED ||
	    (unsigned)spec->service > SVC_OTHER) {
		xd_err("check %s: invalid check parameters",
		       check_name(spec, name, sizeof(name)));
		return -EINVAL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->m = m;
	c->fd = -1;
	c->pid = -1;
	err = spec_copy(&c->spec, spec);
	if (err) {
		free(c);
		return err;
	}
	c->hash = spec_hash(spec);
	c->curl_shard = m->shard_seq++ % CHECK_CURL_SHARDS;
	check_name(spec, c->name, sizeof(c->name));
	if (spec->receive && spec->receive[0]) {
		err = regcomp(&c->receive_re, spec->receive,
			      REG_EXTENDED | REG_NOSUB | REG_NEWLINE);
		if (err) {
			char msg[128];

			regerror(err, &c->receive_re, msg, sizeof(msg));
			xd_err("check %s: receive \"%s\": %s",
			       check_name(spec, name, sizeof(name)),
			       spec->receive, msg);
			spec_free(&c->spec);
			free(c);
			return -EINVAL;
		}
		c->has_regex = true;
		c->receive_literal = regex_is_literal(spec->receive);
	}
	ev_init(&c->sched, sched_cb);
	c->sched.data = c;
	snprintf(c->last_result, sizeof(c->last_result), "not checked yet");
	*out = c;
	return 0;
}

/* First start at a low-discrepancy offset within the interval so that many
 * checks added together do not fire together. */
static void check_schedule_first(struct check *c)
{
	struct check_manager *m = c->m;
	double now = ev_now(m->loop), offset = 0;

	if (c->spec.type != CHECK_ON && c->spec.type != CHECK_OFF) {
		double phase = fmod(m->spread_seq++ * 0.6180339887498949, 1.0);

		offset = phase * check_interval(c);
	}
	c->due = now + offset;
	ev_timer_set(&c->sched, offset, 0);
	ev_timer_start(m->loop, &c->sched);
}

int check_manager_set(struct check_manager *m, const struct check_spec *specs,
		      size_t n)
{
	struct check **next = NULL, **buckets = NULL;
	size_t nb = 1, i;
	int err = 0;

	while (nb < 2 * m->nchecks + 1)
		nb <<= 1;
	buckets = calloc(nb, sizeof(*buckets));
	if (n) {
		next = calloc(n, sizeof(*next));
	}
	if (!buckets || (n && !next)) {
		free(buckets);
		free(next);
		return -ENOMEM;
	}
	for (i = 0; i < m->nchecks; i++) {
		struct check *c = m->checks[i];
		size_t b = c->hash & (nb - 1);

		c->matched = false;
		c->hnext = buckets[b];
		buckets[b] = c;
	}
	/* keep unchanged checks, build new ones; nothing visible changes yet */
	for (i = 0; i < n; i++) {
		struct check *c;

		for (c = buckets[spec_hash(&specs[i]) & (nb - 1)]; c; c = c->hnext)
			if (!c->matched && spec_eq(&c->spec, &specs[i]))
				break;
		if (c) {
			c->matched = true;
			next[i] = c;
			continue;
		}
		err = check_new(m, &specs[i], &next[i]);
		if (err)
			break;
	}
	if (err) {
		for (size_t j = 0; j < i; j++)
			if (next[j] && !next[j]->matched)
				check_free(next[j]);
		free(next);
		free(buckets);
		return err;
	}
	free(buckets);
	for (i = 0; i < m->nchecks; i++)
		if (!m->checks[i]->matched)
			check_free(m->checks[i]);
	free(m->checks);
	m->checks = next;
	m->nchecks = n;
	check_curl_tune(m, n);
	/* building thousands of checks takes a while: spread their first
	 * starts from now, not from before, or they all start at once */
	ev_now_update(m->loop);
	for (i = 0; i < n; i++) {
		if (!next[i]->matched && !ev_is_active(&next[i]->sched) &&
		    next[i]->running == PROBE_NONE && !next[i]->known)
			check_schedule_first(next[i]);
		next[i]->matched = false;
	}
	return 0;
}

size_t check_manager_status(struct check_manager *m, struct check_status *out,
			    size_t max)
{
	for (size_t i = 0; i < m->nchecks && i < max; i++) {
		struct check *c = m->checks[i];
		struct check_status *s = &out[i];

		s->spec = &c->spec;
		s->up = c->up;
		s->known = c->known;
		s->fails = c->fails;
		s->last_time = c->last_time;
		s->last_duration = c->last_duration;
		snprintf(s->last_result, sizeof(s->last_result), "%s",
			 c->last_result);
	}
	return m->nchecks;
}

struct check_manager *check_manager_new(struct ev_loop *loop,
					check_state_cb cb, void *arg)
{
	struct check_manager *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->loop = loop;
	m->cb = cb;
	m->cb_arg = arg;
	m->ping_fd = -1;
	if (check_curl_init(m) < 0) {
		free(m);
		return NULL;
	}
	return m;
}

void check_manager_free(struct check_manager *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nchecks; i++)
		check_free(m->checks[i]);
	free(m->checks);
	check_ping_free(m);
	check_curl_free(m);
	free(m);
}

void check_manager_set_conn_reuse(struct check_manager *m, bool reuse)
{
	m->conn_reuse = reuse;
	check_curl_tune(m, m->nchecks);
}

void check_manager_set_start_hook(struct check_manager *m,
				  check_start_hook hook, void *arg)
{
	m->start_hook = hook;
	m->start_hook_arg = arg;
}

void check_manager_counters(struct check_manager *m, struct check_counters *out)
{
	*out = m->counters;
}
