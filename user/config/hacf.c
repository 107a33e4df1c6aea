// SPDX-License-Identifier: GPL-2.0
/*
 * ha.cf parser. One directive per line, words separated by blanks, '#'
 * starts a comment. The file is parsed whole into a private ha_config,
 * validated, and only then handed to the caller.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "config/cfgutil.h"
#include "config/hacf.h"

#define HA_MAX_WORDS	64
#define HA_MAX_DIRECTIVES 64

struct hacf_parser {
	struct cfg_ctx cx;
	struct ha_config cfg;
	int seen[HA_MAX_DIRECTIVES]; /* line each directive was first set */
	int udpport_line;
	int first_udp_link;	/* first bcast/ucast line, for udpport order */
	int auto_failback_line;
};

#define perr(p, ...)		cfg_err(&(p)->cx, __VA_ARGS__)
#define pwarn(p, line, ...)	cfg_warn(&(p)->cx, line, __VA_ARGS__)

static int oom(struct hacf_parser *p)
{
	return perr(p, -ENOMEM, "out of memory");
}

/*
 * heartbeat times: seconds by default, "ms" or "us" suffix, fractions
 * allowed ("0.5", "200ms"). Parsed in integers to avoid float rounding;
 * sub-millisecond values round up so that nothing non-zero becomes 0.
 */
static int parse_msec(const char *s, uint32_t *out)
{
	uint64_t whole = 0, frac = 0, frac_scale = 1, scale_us, us;
	const char *c = s;

	if (!isdigit((unsigned char)*c) && !(*c == '.' && isdigit((unsigned char)c[1])))
		return -EINVAL;
	for (; isdigit((unsigned char)*c); c++) {
		whole = whole * 10 + (*c - '0');
		if (whole > UINT32_MAX)
			return -ERANGE;
	}
	if (*c == '.') {
		for (c++; isdigit((unsigned char)*c); c++) {
			if (frac_scale < 1000000) {
				frac = frac * 10 + (*c - '0');
				frac_scale *= 10;
			}
		}
	}
	if (*c == '\0' || strcmp(c, "s") == 0)
		scale_us = 1000000;
	else if (strcmp(c, "ms") == 0)
		scale_us = 1000;
	else if (strcmp(c, "us") == 0)
		scale_us = 1;
	else
		return -EINVAL;

	us = whole * scale_us + frac * scale_us / frac_scale;
	if ((us + 999) / 1000 > UINT32_MAX)
		return -ERANGE;
	*out = (us + 999) / 1000;
	return 0;
}

static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "on", "yes", "true", "y", "1" };
	static const char *const no[] = { "off", "no", "false", "n", "0" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

static int check_dev(struct hacf_parser *p, const char *dir, const char *dev)
{
	if (strlen(dev) >= HA_IFNAMSIZ)
		return perr(p, -EINVAL, "%s: interface name '%s' too long",
			    dir, dev);
	return 0;
}

static int want_args(struct hacf_parser *p, int argc, char **argv,
		     int min, int max)
{
	if (argc - 1 < min)
		return perr(p, -EINVAL, "%s: missing argument", argv[0]);
	if (max >= 0 && argc - 1 > max)
		return perr(p, -EINVAL, "%s: too many arguments", argv[0]);
	return 0;
}

static int set_time(struct hacf_parser *p, int argc, char **argv,
		    uint32_t *out, bool allow_zero)
{
	int rc = want_args(p, argc, argv, 1, 1);

	if (rc)
		return rc;
	rc = parse_msec(argv[1], out);
	if (rc == -ERANGE)
		return perr(p, -EINVAL, "%s: '%s' is out of range",
			    argv[0], argv[1]);
	if (rc)
		return perr(p, -EINVAL,
			    "%s: '%s' is not a time (seconds, or with ms suffix)",
			    argv[0], argv[1]);
	if (!allow_zero && *out == 0)
		return perr(p, -EINVAL, "%s: must be greater than 0", argv[0]);
	return 0;
}

static int do_keepalive(struct hacf_parser *p, int argc, char **argv)
{
	return set_time(p, argc, argv, &p->cfg.keepalive_ms, false);
}

static int do_deadtime(struct hacf_parser *p, int argc, char **argv)
{
	return set_time(p, argc, argv, &p->cfg.deadtime_ms, false);
}

static int do_warntime(struct hacf_parser *p, int argc, char **argv)
{
	return set_time(p, argc, argv, &p->cfg.warntime_ms, false);
}

static int do_initdead(struct hacf_parser *p, int argc, char **argv)
{
	return set_time(p, argc, argv, &p->cfg.initdead_ms, false);
}

static int do_deadping(struct hacf_parser *p, int argc, char **argv)
{
	return set_time(p, argc, argv, &p->cfg.deadping_ms, false);
}

static int do_udpport(struct hacf_parser *p, int argc, char **argv)
{
	char *end;
	long v;
	int rc = want_args(p, argc, argv, 1, 1);

	if (rc)
		return rc;
	errno = 0;
	v = strtol(argv[1], &end, 10);
	if (errno || *end || end == argv[1] || v < 1 || v > 65535)
		return perr(p, -EINVAL, "udpport: '%s' is not a port (1-65535)",
			    argv[1]);
	p->cfg.udpport = v;
	p->udpport_line = p->cx.line;
	return 0;
}

static struct ha_link *new_link(struct hacf_parser *p, int kind,
				const char *dev)
{
	struct ha_link *l;

	if (cfg_push((void **)&p->cfg.links, &p->cfg.nlinks, sizeof(*l)))
		return NULL;
	l = &p->cfg.links[p->cfg.nlinks - 1];
	l->kind = kind;
	l->line = p->cx.line;
	snprintf(l->dev, sizeof(l->dev), "%s", dev);
	return l;
}

static int do_bcast(struct hacf_parser *p, int argc, char **argv)
{
	int i, rc = want_args(p, argc, argv, 1, -1);

	if (rc)
		return rc;
	for (i = 1; i < argc; i++) {
		rc = check_dev(p, argv[0], argv[i]);
		if (rc)
			return rc;
		if (!new_link(p, HA_LINK_BCAST, argv[i]))
			return oom(p);
	}
	if (!p->first_udp_link)
		p->first_udp_link = p->cx.line;
	return 0;
}

static int do_ucast(struct hacf_parser *p, int argc, char **argv)
{
	struct ha_link *l;
	uint32_t addr;
	int rc = want_args(p, argc, argv, 2, 2);

	if (rc)
		return rc;
	rc = check_dev(p, argv[0], argv[1]);
	if (rc)
		return rc;
	if (cfg_parse_ipv4(argv[2], &addr))
		return perr(p, -EINVAL, "ucast: '%s' is not an IPv4 address",
			    argv[2]);
	l = new_link(p, HA_LINK_UCAST, argv[1]);
	if (!l)
		return oom(p);
	l->addr = addr;
	if (!p->first_udp_link)
		p->first_udp_link = p->cx.line;
	return 0;
}

/* mcast <dev> <group> <port> <ttl> <loop> */
static int do_mcast(struct hacf_parser *p, int argc, char **argv)
{
	struct ha_link *l;
	uint32_t group;
	long port, ttl, loop;
	char *end;
	int rc = want_args(p, argc, argv, 5, 5);

	if (rc)
		return rc;
	rc = check_dev(p, argv[0], argv[1]);
	if (rc)
		return rc;
	if (cfg_parse_ipv4(argv[2], &group) ||
	    (ntohl(group) & 0xf0000000) != 0xe0000000)
		return perr(p, -EINVAL,
			    "mcast: '%s' is not an IPv4 multicast group",
			    argv[2]);
	port = strtol(argv[3], &end, 10);
	if (*end || end == argv[3] || port < 1 || port > 65535)
		return perr(p, -EINVAL, "mcast: '%s' is not a port (1-65535)",
			    argv[3]);
	ttl = strtol(argv[4], &end, 10);
	if (*end || end == argv[4] || ttl < 1 || ttl > 255)
		return perr(p, -EINVAL, "mcast: ttl '%s' must be 1-255",
			    argv[4]);
	loop = strtol(argv[5], &end, 10);
	if (*end || end == argv[5] || (loop != 0 && loop != 1))
		return perr(p, -EINVAL, "mcast: loop '%s' must be 0 or 1",
			    argv[5]);

	l = new_link(p, HA_LINK_MCAST, argv[1]);
	if (!l)
		return oom(p);
	l->addr = group;
	l->port = port;
	l->ttl = ttl;
	l->loop = loop;
	return 0;
}

static int do_auto_failback(struct hacf_parser *p, int argc, char **argv)
{
	bool on;
	int rc = want_args(p, argc, argv, 1, 1);

	if (rc)
		return rc;
	p->auto_failback_line = p->cx.line;
	if (strcasecmp(argv[1], "legacy") == 0) {
		p->cfg.auto_failback = true;
		return pwarn(p, p->cx.line,
			     "auto_failback legacy: treated as 'on'");
	}
	if (parse_bool(argv[1], &on))
		return perr(p, -EINVAL,
			    "auto_failback: '%s' must be on, off or legacy",
			    argv[1]);
	p->cfg.auto_failback = on;
	return 0;
}

/* The pre-1.2 spelling: nice_failback on == auto_failback off. */
static int do_nice_failback(struct hacf_parser *p, int argc, char **argv)
{
	bool on;
	int rc = want_args(p, argc, argv, 1, 1);

	if (rc)
		return rc;
	if (parse_bool(argv[1], &on))
		return perr(p, -EINVAL, "nice_failback: '%s' must be on or off",
			    argv[1]);
	if (p->auto_failback_line)
		return perr(p, -EINVAL,
			    "nice_failback: conflicts with auto_failback at line %d",
			    p->auto_failback_line);
	p->auto_failback_line = p->cx.line;
	p->cfg.auto_failback = !on;
	return pwarn(p, p->cx.line,
		     "nice_failback is deprecated; use auto_failback %s",
		     on ? "off" : "on");
}

static int do_node(struct hacf_parser *p, int argc, char **argv)
{
	int i, rc = want_args(p, argc, argv, 1, -1);
	char *name;

	if (rc)
		return rc;
	for (i = 1; i < argc; i++) {
		if (ha_config_has_node(&p->cfg, argv[i])) {
			rc = pwarn(p, p->cx.line, "node %s listed twice",
				   argv[i]);
			if (rc)
				return rc;
			continue;
		}
		name = strdup(argv[i]);
		if (!name)
			return oom(p);
		if (cfg_push((void **)&p->cfg.nodes, &p->cfg.nnodes,
			 sizeof(char *))) {
			free(name);
			return oom(p);
		}
		p->cfg.nodes[p->cfg.nnodes - 1] = name;
	}
	return 0;
}

static struct ha_ping_group *find_ping(struct ha_config *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->npings; i++)
		if (strcmp(c->pings[i].name, name) == 0)
			return &c->pings[i];
	return NULL;
}

static int add_ping(struct hacf_parser *p, const char *name,
		    char **addrs, int naddrs)
{
	struct ha_ping_group *g, *dup = find_ping(&p->cfg, name);
	int i;

	if (dup)
		return perr(p, -EINVAL,
			    "ping node '%s' already defined at line %d",
			    name, dup->line);
	if (cfg_push((void **)&p->cfg.pings, &p->cfg.npings, sizeof(*g)))
		return oom(p);
	g = &p->cfg.pings[p->cfg.npings - 1];
	g->line = p->cx.line;
	g->name = strdup(name);
	g->addrs = calloc(naddrs, sizeof(*g->addrs));
	if (!g->name || !g->addrs)
		return oom(p);
	for (i = 0; i < naddrs; i++) {
		if (cfg_parse_ipv4(addrs[i], &g->addrs[i]))
			return perr(p, -EINVAL,
				    "'%s' is not an IPv4 address", addrs[i]);
		g->naddrs++;
	}
	return 0;
}

/* Each `ping` address is a ping node of its own, named by the address. */
static int do_ping(struct hacf_parser *p, int argc, char **argv)
{
	int i, rc = want_args(p, argc, argv, 1, -1);

	for (i = 1; !rc && i < argc; i++)
		rc = add_ping(p, argv[i], &argv[i], 1);
	return rc;
}

static int do_ping_group(struct hacf_parser *p, int argc, char **argv)
{
	int rc = want_args(p, argc, argv, 2, -1);

	if (rc)
		return rc;
	return add_ping(p, argv[1], &argv[2], argc - 2);
}

static int set_path(struct hacf_parser *p, int argc, char **argv, char **out)
{
	int rc = want_args(p, argc, argv, 1, 1);

	if (rc)
		return rc;
	*out = strdup(argv[1]);
	return *out ? 0 : oom(p);
}

static int do_logfile(struct hacf_parser *p, int argc, char **argv)
{
	return set_path(p, argc, argv, &p->cfg.logfile);
}

static int do_debugfile(struct hacf_parser *p, int argc, char **argv)
{
	return set_path(p, argc, argv, &p->cfg.debugfile);
}

static int do_logfacility(struct hacf_parser *p, int argc, char **argv)
{
	static const struct { const char *name; int fac; } facs[] = {
		{ "none", -1 }, { "auth", LOG_AUTH }, { "authpriv", LOG_AUTHPRIV },
		{ "cron", LOG_CRON }, { "daemon", LOG_DAEMON },
		{ "kern", LOG_KERN }, { "lpr", LOG_LPR }, { "mail", LOG_MAIL },
		{ "news", LOG_NEWS }, { "syslog", LOG_SYSLOG },
		{ "user", LOG_USER }, { "uucp", LOG_UUCP },
		{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
		{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
		{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
		{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
	};
	size_t i;
	int rc = want_args(p, argc, argv, 1, 1);

	if (rc)
		return rc;
	for (i = 0; i < sizeof(facs) / sizeof(facs[0]); i++) {
		if (strcasecmp(argv[1], facs[i].name) == 0) {
			p->cfg.logfacility = facs[i].fac;
			return 0;
		}
	}
	return perr(p, -EINVAL, "logfacility: unknown facility '%s'", argv[1]);
}

static int do_use_logd(struct hacf_parser *p, int argc, char **argv)
{
	int rc = want_args(p, argc, argv, 1, 1);

	if (rc)
		return rc;
	if (parse_bool(argv[1], &p->cfg.use_logd))
		return perr(p, -EINVAL, "use_logd: '%s' must be on or off",
			    argv[1]);
	if (p->cfg.use_logd)
		return pwarn(p, p->cx.line,
			     "use_logd: ha_logd is not used; logging follows logfile/logfacility");
	return 0;
}

static int do_debug(struct hacf_parser *p, int argc, char **argv)
{
	char *end;
	long v;
	int rc = want_args(p, argc, argv, 1, 1);

	if (rc)
		return rc;
	v = strtol(argv[1], &end, 10);
	if (*end || end == argv[1] || v < 0 || v > 255)
		return perr(p, -EINVAL, "debug: '%s' is not a level (0-255)",
			    argv[1]);
	p->cfg.debug = v;
	return 0;
}

/* crm/pacemaker on would hand resources to a v2 CRM we do not have. */
static int do_crm(struct hacf_parser *p, int argc, char **argv)
{
	bool on;
	int rc = want_args(p, argc, argv, 1, 1);

	if (rc)
		return rc;
	if (parse_bool(argv[1], &on) == 0 && !on)
		return 0;
	return perr(p, -ENOTSUP,
		    "%s %s: the heartbeat v2 CRM (pacemaker) is not supported; "
		    "use haresources (crm off)", argv[0], argv[1]);
}

struct hacf_directive {
	const char *name;
	int (*fn)(struct hacf_parser *p, int argc, char **argv);
	bool scalar;		/* may appear only once */
	const char *ignored;	/* recognized, not implemented: why */
};

#define SCALAR(n, f)	{ .name = n, .fn = f, .scalar = true }
#define MULTI(n, f)	{ .name = n, .fn = f }
#define IGNORED(n, why)	{ .name = n, .ignored = why, .scalar = false }

static const struct hacf_directive directives[] = {
	SCALAR("keepalive", do_keepalive),
	SCALAR("deadtime", do_deadtime),
	SCALAR("warntime", do_warntime),
	SCALAR("initdead", do_initdead),
	SCALAR("deadping", do_deadping),
	SCALAR("udpport", do_udpport),
	MULTI("bcast", do_bcast),
	MULTI("udp", do_bcast),	/* heartbeat's old name for bcast */
	MULTI("mcast", do_mcast),
	MULTI("ucast", do_ucast),
	SCALAR("auto_failback", do_auto_failback),
	SCALAR("nice_failback", do_nice_failback),
	MULTI("node", do_node),
	MULTI("ping", do_ping),
	MULTI("ping_group", do_ping_group),
	SCALAR("logfile", do_logfile),
	SCALAR("debugfile", do_debugfile),
	SCALAR("logfacility", do_logfacility),
	SCALAR("use_logd", do_use_logd),
	SCALAR("debug", do_debug),
	SCALAR("crm", do_crm),
	SCALAR("pacemaker", do_crm),
	IGNORED("baud", "serial links are not supported"),
	IGNORED("serial", "serial links are not supported"),
	IGNORED("mcast6", "IPv6 links are not supported"),
	IGNORED("respawn", "xdirectord does not run heartbeat API clients"),
	IGNORED("apiauth", "xdirectord has no heartbeat client API"),
	IGNORED("compression", "messages are not compressed"),
	IGNORED("compression_threshold", "messages are not compressed"),
	IGNORED("traditional_compression", "messages are not compressed"),
	IGNORED("hopfudge", "ring topologies are not supported"),
	IGNORED("realtime", "scheduling priority is not changed"),
	IGNORED("rtprio", "scheduling priority is not changed"),
	IGNORED("coredumps", "core dump settings are left to the system"),
	IGNORED("autojoin", "nodes are taken from 'node' lines only"),
	IGNORED("uuidfrom", "nodes are identified by name"),
	IGNORED("stonith", "STONITH is not supported"),
	IGNORED("stonith_host", "STONITH is not supported"),
	IGNORED("watchdog", "the watchdog device is not used"),
	IGNORED("msgfmt", "heartbeat's wire format is not used"),
	IGNORED("conn_logd_time", "ha_logd is not used"),
	IGNORED("max_rexmit_delay", "heartbeat retransmission is not used"),
	IGNORED("hbgenmethod", "generation numbers are kept by xdirectord"),
	IGNORED("memreserve", "memory is not pre-reserved"),
	IGNORED("gshutdown", "shutdown timing is not configurable"),
	IGNORED("quorum_server", "quorum servers are not supported"),
	IGNORED("cluster", "cluster names are not used"),
	IGNORED("syslogmsgfmt", "log format is fixed"),
	IGNORED("enable_config_writes", "CRM options are not supported"),
	IGNORED("record_config_changes", "CRM options are not supported"),
	IGNORED("record_pengine_inputs", "CRM options are not supported"),
	IGNORED("hbapi", "xdirectord has no heartbeat client API"),
};

#define NDIRECTIVES (sizeof(directives) / sizeof(directives[0]))
_Static_assert(NDIRECTIVES <= HA_MAX_DIRECTIVES, "grow HA_MAX_DIRECTIVES");

static int parse_line(void *arg, char *buf)
{
	struct hacf_parser *p = arg;
	char *argv[HA_MAX_WORDS], *w;
	const struct hacf_directive *d = NULL;
	int argc = 0;
	size_t i;

	cfg_cut_comment(buf);
	while ((w = cfg_next_word(&buf)) != NULL) {
		if (argc == HA_MAX_WORDS)
			return perr(p, -EINVAL, "too many words on one line");
		argv[argc++] = w;
	}
	if (argc == 0)
		return 0;

	for (i = 0; i < NDIRECTIVES; i++) {
		if (strcmp(argv[0], directives[i].name) == 0) {
			d = &directives[i];
			break;
		}
	}
	if (!d)
		return perr(p, -EINVAL, "unknown directive '%s'", argv[0]);

	if (d->scalar) {
		if (p->seen[i])
			return perr(p, -EINVAL, "%s: already set at line %d",
				    argv[0], p->seen[i]);
		p->seen[i] = p->cx.line;
	}
	if (!d->fn)
		return pwarn(p, p->cx.line, "%s: not implemented (%s); ignored",
			     argv[0], d->ignored);
	return d->fn(p, argc, argv);
}

static int seen_line(const struct hacf_parser *p, const char *name)
{
	size_t i;

	for (i = 0; i < NDIRECTIVES; i++)
		if (strcmp(directives[i].name, name) == 0)
			return p->seen[i];
	return 0;
}

static void fmt_ms(char *buf, size_t len, uint32_t ms)
{
	if (ms % 1000)
		snprintf(buf, len, "%ums", ms);
	else
		snprintf(buf, len, "%us", ms / 1000);
}

/* Defaults and cross-directive checks once the whole file is read. */
static int validate(struct hacf_parser *p)
{
	struct ha_config *c = &p->cfg;
	int ka_line = seen_line(p, "keepalive");
	int dt_line = seen_line(p, "deadtime");
	int wt_line = seen_line(p, "warntime");
	int id_line = seen_line(p, "initdead");
	char ka[24], dt[24], wt[24], id[24];
	size_t i;
	int rc;

	p->cx.line = 0;
	if (!ka_line)
		c->keepalive_ms = HA_DEFAULT_KEEPALIVE_MS;
	if (!dt_line)
		c->deadtime_ms = HA_DEFAULT_DEADTIME_MS;
	/* Unset warntime: no early "late heartbeat" warning before death. */
	if (!wt_line)
		c->warntime_ms = c->deadtime_ms;
	if (!id_line)
		c->initdead_ms = c->deadtime_ms;
	if (!seen_line(p, "deadping"))
		c->deadping_ms = c->deadtime_ms;
	fmt_ms(ka, sizeof(ka), c->keepalive_ms);
	fmt_ms(dt, sizeof(dt), c->deadtime_ms);
	fmt_ms(wt, sizeof(wt), c->warntime_ms);
	fmt_ms(id, sizeof(id), c->initdead_ms);

	if (c->deadtime_ms <= c->keepalive_ms) {
		p->cx.line = dt_line ? dt_line : ka_line;
		return perr(p, -EINVAL,
			    "deadtime %s must be greater than keepalive %s",
			    dt, ka);
	}
	if (c->deadtime_ms < 2 * (uint64_t)c->keepalive_ms) {
		rc = pwarn(p, dt_line ? dt_line : ka_line,
			   "deadtime %s is less than twice keepalive %s: one lost packet declares the peer dead",
			   dt, ka);
		if (rc)
			return rc;
	}
	if (wt_line && (c->warntime_ms <= c->keepalive_ms ||
			c->warntime_ms >= c->deadtime_ms)) {
		rc = pwarn(p, wt_line,
			   "warntime %s should be between keepalive %s and deadtime %s",
			   wt, ka, dt);
		if (rc)
			return rc;
	}
	if (c->initdead_ms < c->deadtime_ms) {
		p->cx.line = id_line;
		return perr(p, -EINVAL,
			    "initdead %s must not be less than deadtime %s",
			    id, dt);
	}
	if (id_line && c->initdead_ms < 2 * (uint64_t)c->deadtime_ms) {
		rc = pwarn(p, id_line,
			   "initdead %s is less than twice deadtime %s (heartbeat recommends at least twice)",
			   id, dt);
		if (rc)
			return rc;
	}

	if (!c->udpport)
		c->udpport = HA_DEFAULT_UDPPORT;
	for (i = 0; i < c->nlinks; i++)
		if (c->links[i].kind != HA_LINK_MCAST)
			c->links[i].port = c->udpport;
	/* heartbeat applied udpport only to links declared after it. */
	if (p->udpport_line && p->first_udp_link &&
	    p->first_udp_link < p->udpport_line) {
		rc = pwarn(p, p->udpport_line,
			   "udpport after bcast/ucast (line %d): heartbeat would use port %d for those links; xdirectord uses %u for all",
			   p->first_udp_link, HA_DEFAULT_UDPPORT, c->udpport);
		if (rc)
			return rc;
	}

	if (!p->auto_failback_line) {
		c->auto_failback = true;
		rc = pwarn(p, 0, "auto_failback not set: heartbeat's default 'legacy' is treated as 'on'");
		if (rc)
			return rc;
	}

	if (c->nlinks == 0)
		return perr(p, -EINVAL,
			    "no communication link: add a bcast, mcast or ucast line");
	if (c->nnodes == 0)
		return perr(p, -EINVAL, "no 'node' line: list both directors");
	if (c->nnodes != 2) {
		rc = pwarn(p, 0, "%zu node(s) listed; xdirectord expects a pair of directors",
			   c->nnodes);
		if (rc)
			return rc;
	}
	return 0;
}

int ha_config_parse_string(const char *name, const char *text,
			   struct ha_config *cfg, char *err, size_t errlen)
{
	struct hacf_parser p = {
		.cx = {
			.name = name ? name : "ha.cf",
			.err = err,
			.errlen = errlen,
		},
		.cfg = { .logfacility = -1 },
	};
	int rc;

	p.cx.warnings = &p.cfg.warnings;
	p.cx.nwarnings = &p.cfg.nwarnings;
	memset(cfg, 0, sizeof(*cfg));
	cfg->logfacility = -1;
	if (err && errlen)
		err[0] = '\0';

	rc = cfg_each_line(&p.cx, text, CFG_MAX_LINE, parse_line, &p);
	if (!rc)
		rc = validate(&p);
	if (rc) {
		ha_config_free(&p.cfg);
		return rc;
	}
	*cfg = p.cfg;
	return 0;
}

int ha_config_load(const char *path, struct ha_config *cfg,
		   char *err, size_t errlen)
{
	char *text = NULL;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	cfg->logfacility = -1;
	rc = cfg_read_file(path, &text, err, errlen);
	if (rc)
		return rc;
	rc = ha_config_parse_string(path, text, cfg, err, errlen);
	cfg_free_text(text);
	return rc;
}

void ha_config_free(struct ha_config *cfg)
{
	size_t i;

	if (!cfg)
		return;
	for (i = 0; i < cfg->nnodes; i++)
		free(cfg->nodes[i]);
	free(cfg->nodes);
	free(cfg->links);
	for (i = 0; i < cfg->npings; i++) {
		free(cfg->pings[i].name);
		free(cfg->pings[i].addrs);
	}
	free(cfg->pings);
	free(cfg->logfile);
	free(cfg->debugfile);
	cfg_free_strv(cfg->warnings, cfg->nwarnings);
	memset(cfg, 0, sizeof(*cfg));
	cfg->logfacility = -1;
}

bool ha_config_has_node(const struct ha_config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->nnodes; i++)
		if (strcasecmp(cfg->nodes[i], name) == 0)
			return true;
	return false;
}
