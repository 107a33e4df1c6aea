// SPDX-License-Identifier: GPL-2.0
/*
 * ldirectord.cf parser. The format, as ldirectord(8) documents it:
 *
 *	# comment
 *	checktimeout = 3		global options at the start of a line
 *	virtual = 10.0.0.1:80		a virtual service (ip:port or fwmark),
 *		real = 192.168.1.2:80 masq 2	then its options, indented
 *		request = "/alive.html"
 *
 * Every option is described once, in the keys[] table below: where it may
 * appear, how its value is read, ldirectord's default, and whether xdirector
 * acts on it yet. The file is parsed whole into a private ld_config, then
 * per-virtual values are resolved and checked, and only a fully valid result
 * is handed to the caller.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/cfgutil.h"
#include "config/ldirectord.h"
#include "config/ld_lex.h"

#define LD_MAX_RANGE		65536	/* addresses one real= range may expand to */
#define LD_MAX_FILE		(16 << 20)

/* How a value is read, and which field type it fills. */
enum kind {
	K_SECONDS,	/* double, > 0 */
	K_SECONDS0,	/* double, >= 0 */
	K_COUNT,	/* int, >= 1 */
	K_UINT,		/* unsigned, >= 0 */
	K_BOOL,		/* bool, yes|no */
	K_STRING,	/* char *, quotes removed */
	K_SERVICE,	/* char *, one of services[] */
	K_HTTPMETHOD,	/* char *, GET|HEAD */
	K_DATAPATH,	/* char *, auto|xdp|xdp-generic|tc|ipvs */
	K_EMAILSTATUS,	/* char *, all|none|starting,running,... */
	K_LOGFILE,	/* char *, a path or a syslog facility */
	K_CHECKTYPE,	/* enum ld_checktype + check_combined_n */
	K_PORT,		/* uint16_t, number or service name */
	K_SCHEDULER,	/* char[LD_SCHED_MAX] */
	K_PROTOCOL,	/* uint8_t, tcp|udp|fwm */
	K_NETMASK,	/* uint32_t, dotted quad */
	K_TIMEOUTS,	/* unsigned[3]: tcp tcpfin udp, as ipvsadm --set */
	K_FALLBACK,	/* has_fallback + struct ld_real_entry */
	K_EXECUTE,	/* appended to cfg->execute */
	K_REAL,		/* appended to the virtual's reals */
	K_VIRTUAL,	/* opens a virtual section */
};

struct key {
	const char *name;
	enum kind kind;
	int goff;		/* offset in struct ld_config, -1: not global */
	int voff;		/* offset in struct ld_virtual, -1: not per virtual */
	const char *def;	/* ldirectord's default, read like a value */
	const char *warn;	/* set: xdirector ignores it, say so once */
};

#define G(f)	((int)offsetof(struct ld_config, f))
#define V(f)	((int)offsetof(struct ld_virtual, f))
#define NO	(-1)

#define NOT_YET	"is not implemented by xdirector yet"
#define IGNORED	NOT_YET "; ignored"

/*
 * Every option ldirectord(8) documents, with its documented default.
 * Options allowed both globally and per virtual are defaults for the
 * virtuals: a virtual that does not set one takes the global value.
 * checktimeout, negotiatetimeout and connecttimeout have no fixed default:
 * ldirectord falls back from one to the other (see resolve_timeouts()).
 */
static const struct key keys[] = {
	{ "virtual",		K_VIRTUAL,	NO, NO, NULL, NULL },
	{ "real",		K_REAL,		NO, NO, NULL, NULL },

	{ "checkinterval",	K_SECONDS,	G(checkinterval), V(checkinterval), "10", NULL },
	{ "checktimeout",	K_SECONDS,	G(checktimeout), V(checktimeout), NULL, NULL },
	{ "negotiatetimeout",	K_SECONDS,	G(negotiatetimeout), V(negotiatetimeout), NULL, NULL },
	{ "connecttimeout",	K_SECONDS,	G(connecttimeout), V(connecttimeout), NULL, NULL },
	{ "failurecount",	K_COUNT,	G(failurecount), V(failurecount), "1", NULL },
	{ "checkcount",		K_COUNT,	G(checkcount), V(checkcount), "1",
	  "is deprecated by ldirectord and ignored by xdirector; use failurecount" },
	{ "checktype",		K_CHECKTYPE,	G(checktype), V(checktype), "negotiate", NULL },
	{ "service",		K_SERVICE,	G(service), V(service), NULL, NULL },
	{ "checkport",		K_PORT,		G(checkport), V(checkport), NULL, NULL },
	{ "fallback",		K_FALLBACK,	G(has_fallback), V(has_fallback), NULL, NULL },
	{ "fallbackcommand",	K_STRING,	G(fallbackcommand), V(fallbackcommand), NULL, IGNORED },
	{ "quiescent",		K_BOOL,		G(quiescent), V(quiescent), "no", NULL },
	{ "cleanstop",		K_BOOL,		G(cleanstop), V(cleanstop), "yes", NULL },
	{ "emailalert",		K_STRING,	G(emailalert), V(emailalert), NULL, IGNORED },
	{ "emailalertfreq",	K_SECONDS0,	G(emailalertfreq), V(emailalertfreq), "0", IGNORED },
	{ "emailalertstatus",	K_EMAILSTATUS,	G(emailalertstatus), V(emailalertstatus), "all", IGNORED },

	{ "autoreload",		K_BOOL,		G(autoreload), NO, "no", NULL },
	{ "callback",		K_STRING,	G(callback), NO, NULL, NULL },
	{ "logfile",		K_LOGFILE,	G(logfile), NO, "/var/log/ldirectord.log", NULL },
	{ "readdquiescent",	K_BOOL,		G(readdquiescent), NO, "no", IGNORED },
	{ "maintenancedir",	K_STRING,	G(maintenancedir), NO, NULL, NULL },
	/* xdirector's own: Prometheus exposition over HTTP, ADDR:PORT */
	{ "metrics",		K_STRING,	G(metrics), NO, NULL, NULL },
	/* xdirector's own: which datapath (xdirectord --datapath) */
	{ "datapath",		K_DATAPATH,	G(datapath), NO, NULL, NULL },
	/* xdirector's own: the kernel's IPVS sync daemon (IPVS services) */
	{ "syncinterface",	K_STRING,	G(syncinterface), NO, NULL, NULL },
	{ "syncid",		K_UINT,		G(syncid), NO, "0", NULL },
	/* xdirector's own: keep check connections open between checks */
	{ "checkreuse",		K_BOOL,		G(checkreuse), NO, "no", NULL },
	/* xdirector's own: connection timeouts, as ipvsadm --set */
	{ "timeout",		K_TIMEOUTS,	G(timeout), NO, NULL, NULL },
	{ "emailalertfrom",	K_STRING,	G(emailalertfrom), NO, NULL, IGNORED },
	{ "smtp",		K_STRING,	G(smtp), NO, NULL, IGNORED },
	{ "execute",		K_EXECUTE,	NO, NO, NULL,
	  "(another ldirectord instance) " IGNORED },
	{ "supervised",		K_BOOL,		G(supervised), NO, "no",
	  IGNORED "; run xdirectord in the foreground instead" },
	{ "fork",		K_BOOL,		G(fork), NO, "no",
	  "is not needed: xdirector runs checks asynchronously; ignored" },

	{ "scheduler",		K_SCHEDULER,	NO, V(scheduler), "wrr", NULL },
	{ "protocol",		K_PROTOCOL,	NO, V(protocol), NULL, NULL },
	{ "persistent",		K_UINT,		NO, V(persistent), "0", NULL },
	{ "netmask",		K_NETMASK,	NO, V(netmask), "255.255.255.255", NULL },
	{ "ops",		K_BOOL,		NO, V(ops), "no", NULL },
	{ "request",		K_STRING,	NO, V(request), NULL, NULL },
	{ "receive",		K_STRING,	NO, V(receive), NULL, NULL },
	{ "httpmethod",		K_HTTPMETHOD,	NO, V(httpmethod), "GET", NULL },
	{ "virtualhost",	K_STRING,	NO, V(virtualhost), NULL, NULL },
	{ "login",		K_STRING,	NO, V(login), NULL, NULL },
	{ "passwd",		K_STRING,	NO, V(passwd), NULL, NULL },
	{ "database",		K_STRING,	NO, V(database), NULL, NULL },
	{ "secret",		K_STRING,	NO, V(secret), NULL, NULL },
	{ "checkcommand",	K_STRING,	NO, V(checkcommand), NULL, NULL },
	{ "monitorfile",	K_STRING,	NO, V(monitorfile), NULL, IGNORED },
};

#define NKEYS	(sizeof(keys) / sizeof(keys[0]))

/* service= values; supported: whether xdirector has that negotiate check. */
static const struct {
	const char *name;
	bool supported;
} services[] = {
	{ "dns", true }, { "ftp", true }, { "http", true }, { "https", true },
	{ "http_proxy", true }, { "imap", true }, { "imaps", true },
	{ "ldap", true }, { "mysql", false }, { "nntp", false },
	{ "none", true }, { "oracle", false }, { "pgsql", false },
	{ "pop", true }, { "pops", true }, { "radius", false },
	{ "simpletcp", true }, { "sip", false }, { "smtp", true },
	{ "submission", true },
};

/* The service ldirectord assumes from the virtual port; else "none". */
static const struct {
	uint16_t port;
	const char *service;
} port_services[] = {
	{ 21, "ftp" }, { 25, "smtp" }, { 53, "dns" }, { 80, "http" },
	{ 110, "pop" }, { 119, "nntp" }, { 143, "imap" }, { 389, "ldap" },
	{ 443, "https" }, { 587, "submission" }, { 993, "imaps" },
	{ 995, "pops" }, { 1521, "oracle" }, { 1812, "radius" },
	{ 3306, "mysql" }, { 5060, "sip" }, { 5432, "pgsql" },
};

/* IPVS's schedulers, every one of which the BPF datapath runs too. */
static const char *const schedulers[] = {
	"rr", "wrr", "lc", "wlc", "sh", "mh", "lblc", "lblcr", "dh", "sed",
	"nq", "fo", "ovf", "twos",
};

static const struct {
	const char *name;
	enum ld_checktype type;
} checktypes[] = {
	{ "connect", LD_CHECK_CONNECT }, { "negotiate", LD_CHECK_NEGOTIATE },
	{ "ping", LD_CHECK_PING }, { "external", LD_CHECK_EXTERNAL },
	{ "external-perl", LD_CHECK_EXTERNAL_PERL }, { "off", LD_CHECK_OFF },
	{ "on", LD_CHECK_ON },
};

static const struct {
	const char *name;
	int facility;
} facilities[] = {
	{ "auth", LOG_AUTH }, { "authpriv", LOG_AUTHPRIV }, { "cron", LOG_CRON },
	{ "daemon", LOG_DAEMON }, { "ftp", LOG_FTP }, { "kern", LOG_KERN },
	{ "lpr", LOG_LPR }, { "mail", LOG_MAIL }, { "news", LOG_NEWS },
	{ "syslog", LOG_SYSLOG }, { "user", LOG_USER }, { "uucp", LOG_UUCP },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
	{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
	{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
};

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct ld_addr {
	bool v6;
	uint32_t v4;		/* network order */
	struct in6_addr a6;
};

struct parser {
	struct cfg_ctx cx;
	struct ld_config cfg;
	int gset[NKEYS];	/* line each global option was set, 0: never */
	int (*vset)[NKEYS];	/* the same per virtual */
	int *proto_line;	/* per virtual: line of protocol=, 0: never */
	long cur;		/* index of the open virtual section, -1: none */
	char **tags;		/* what has been warned about already */
	size_t ntags;
	bool quiet;		/* applying defaults: no warnings */
};

#define perr(p, ...)	cfg_err(&(p)->cx, __VA_ARGS__)
#define fail(p, ...)	perr(p, -EINVAL, __VA_ARGS__)

static int oom(struct parser *p)
{
	return perr(p, -ENOMEM, "out of memory");
}

static int push_str(char ***arr, size_t *n, char *s)
{
	char **na = realloc(*arr, (*n + 1) * sizeof(*na));

	if (!na)
		return -ENOMEM;
	na[(*n)++] = s;
	*arr = na;
	return 0;
}

/*
 * Record a warning at line; tag, when given, names what it is about so it
 * is reported only once however often the file uses it.
 */
static int warn(struct parser *p, int line, const char *tag, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int warn(struct parser *p, int line, const char *tag, const char *fmt, ...)
{
	va_list ap;
	size_t i;
	char *t;
	int rc;

	if (p->quiet)
		return 0;
	if (tag) {
		for (i = 0; i < p->ntags; i++)
			if (!strcmp(p->tags[i], tag))
				return 0;
		t = strdup(tag);
		if (!t || push_str(&p->tags, &p->ntags, t)) {
			free(t);
			return oom(p);
		}
	}
	va_start(ap, fmt);
	rc = cfg_vwarn(&p->cx, line, fmt, ap);
	va_end(ap);
	return rc;
}

static const struct key *find_key(const char *name)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (!strcasecmp(keys[i].name, name))
			return &keys[i];
	return NULL;
}

static bool is_string_kind(enum kind k)
{
	return k == K_STRING || k == K_SERVICE || k == K_HTTPMETHOD ||
	       k == K_DATAPATH ||
	       k == K_EMAILSTATUS || k == K_LOGFILE;
}

static void free_real(struct ld_real_entry *r)
{
	free(r->host);
	free(r->request);
	free(r->receive);
	memset(r, 0, sizeof(*r));
}

static void free_virtual(struct ld_virtual *v)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (keys[i].voff >= 0 && is_string_kind(keys[i].kind))
			free(*(char **)((char *)v + keys[i].voff));
	for (i = 0; i < v->nreals; i++)
		free_real(&v->reals[i]);
	free(v->reals);
	free_real(&v->fallback);
}

void ld_config_free(struct ld_config *cfg)
{
	size_t i;

	if (!cfg)
		return;
	for (i = 0; i < NKEYS; i++)
		if (keys[i].goff >= 0 && is_string_kind(keys[i].kind))
			free(*(char **)((char *)cfg + keys[i].goff));
	for (i = 0; i < cfg->nvirtuals; i++)
		free_virtual(&cfg->virtuals[i]);
	free(cfg->virtuals);
	free_real(&cfg->fallback);
	cfg_free_strv(cfg->execute, cfg->nexecute);
	cfg_free_strv(cfg->warnings, cfg->nwarnings);
	free(cfg->path);
	memset(cfg, 0, sizeof(*cfg));
}

const char *ld_fwd_name(enum ld_fwd fwd)
{
	switch (fwd) {
	case LD_FWD_MASQ: return "masq";
	case LD_FWD_GATE: return "gate";
	case LD_FWD_IPIP: return "ipip";
	}
	return "?";
}

const char *ld_checktype_name(enum ld_checktype type)
{
	size_t i;

	if (type == LD_CHECK_COMBINED)
		return "combined";
	for (i = 0; i < ARRAY_SIZE(checktypes); i++)
		if (checktypes[i].type == type)
			return checktypes[i].name;
	return "?";
}

/* ---- reading values ---- */

/*
 * timeout = TCP TCPFIN UDP: idle timeouts in seconds of established TCP
 * connections, of TCP connections after a FIN, and of UDP flows, in the
 * order of ipvsadm --set; 0 keeps IPVS's default (900 120 300), as there.
 */
static int read_timeouts(struct parser *p, const char *v, unsigned *out)
{
	static const char *const names[] = { "tcp", "tcpfin", "udp" };
	char buf[128], *save = NULL, *tok;
	unsigned long n;
	int i = 0;

	snprintf(buf, sizeof(buf), "%s", v);
	for (tok = strtok_r(buf, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save), i++) {
		if (i == 3)
			return fail(p, "timeout: more than three values (tcp "
				    "tcpfin udp, as ipvsadm --set)");
		if (!ld_read_ulong(tok, LD_TIMEOUT_MAX, &n))
			return fail(p, "timeout: %s '%s' is not a number of "
				    "seconds from 0 to %d", names[i], tok,
				    LD_TIMEOUT_MAX);
		out[i] = (unsigned)n;
	}
	if (i != 3)
		return fail(p, "timeout: expected three values, tcp tcpfin "
			    "udp (as ipvsadm --set; 0 keeps the default)");
	return 0;
}

/* A port number or a service name from /etc/services. */
static int read_port(struct parser *p, const char *what, const char *s, int *port)
{
	unsigned long n;
	struct servent *se;

	if (!*s)
		return fail(p, "%s: missing port", what);
	if (ld_all_digits(s)) {
		if (!ld_read_ulong(s, 65535, &n))
			return fail(p, "%s: bad port '%s'", what, s);
		*port = (int)n;
		return 0;
	}
	se = getservbyname(s, NULL);
	if (!se)
		return fail(p, "%s: unknown port or service name '%s'", what, s);
	*port = ntohs((uint16_t)se->s_port);
	return 0;
}

static int read_ipv4(struct parser *p, const char *what, const char *s,
		     struct ld_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &a->v4) == 1)
		return 0;
	if (!*s)
		return fail(p, "%s: missing address", what);
	if (strspn(s, "0123456789.") == strlen(s))
		return fail(p, "%s: bad IP address '%s'", what, s);
	if (strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		      "0123456789.-_") == strlen(s))
		return fail(p, "%s: '%s': host names are not supported, "
			    "use an IP address", what, s);
	return fail(p, "%s: bad address '%s'", what, s);
}

/*
 * "ip", "ip:port", "[ipv6]" or "[ipv6]:port" (s is modified).
 * *port is -1 when none is written.
 */
static int read_hostport(struct parser *p, const char *what, char *s,
			 struct ld_addr *a, int *port)
{
	char *ps = NULL, *c;
	int rc;

	*port = -1;
	if (*s == '[') {
		c = strchr(s, ']');
		if (!c)
			return fail(p, "%s: missing ']' in '%s'", what, s);
		*c = '\0';
		if (c[1] == ':')
			ps = c + 2;
		else if (c[1])
			return fail(p, "%s: unexpected '%s' after ']'", what, c + 1);
		memset(a, 0, sizeof(*a));
		if (inet_pton(AF_INET6, s + 1, &a->a6) != 1)
			return fail(p, "%s: bad IPv6 address '%s'", what, s + 1);
		a->v6 = true;
	} else {
		c = strchr(s, ':');
		if (c && strchr(c + 1, ':'))
			return fail(p, "%s: '%s': write IPv6 addresses in brackets, "
				    "e.g. [2001:db8::1]:80", what, s);
		if (c) {
			*c = '\0';
			ps = c + 1;
		}
		rc = read_ipv4(p, what, s, a);
		if (rc)
			return rc;
	}
	if (ps)
		return read_port(p, what, ps, port);
	return 0;
}

static void addr_str(const struct ld_addr *a, char *buf, size_t len)
{
	if (a->v6)
		inet_ntop(AF_INET6, &a->a6, buf, len);
	else
		inet_ntop(AF_INET, &a->v4, buf, len);
}

static int read_fwd(struct parser *p, const char *what, const char *s,
		    enum ld_fwd *fwd)
{
	if (!strcasecmp(s, "masq"))
		*fwd = LD_FWD_MASQ;
	else if (!strcasecmp(s, "gate"))
		*fwd = LD_FWD_GATE;
	else if (!strcasecmp(s, "ipip"))
		*fwd = LD_FWD_IPIP;
	else
		return fail(p, "%s: unknown forwarding method '%s' "
			    "(expected gate, masq or ipip)", what, s);
	return 0;
}

static void set_real_addr(struct ld_real_entry *r, const struct ld_addr *a)
{
	r->is_ipv6 = a->v6;
	r->addr = a->v4;
	r->addr6 = a->a6;
}

/* fallback = ip[:port] [gate|masq|ipip] */
static int read_fallback(struct parser *p, char *v, bool *has,
			 struct ld_real_entry *fb)
{
	struct ld_tok t[LD_MAX_TOKENS];
	struct ld_real_entry r = {
		.line = p->cx.line, .fwd = LD_FWD_GATE, .weight = 1,
	};
	char buf[INET6_ADDRSTRLEN];
	struct ld_addr a;
	int n, port, rc;

	rc = ld_tokenize(&p->cx, "fallback", v, t, &n);
	if (rc)
		return rc;
	if (n < 1 || n > 2)
		return fail(p, "fallback: expected ip:port [gate|masq|ipip]");
	rc = read_hostport(p, "fallback", t[0].s, &a, &port);
	if (rc)
		return rc;
	/* ipvsadm's default method, as ldirectord passes none when unset */
	if (n == 2) {
		rc = read_fwd(p, "fallback", t[1].s, &r.fwd);
		if (rc)
			return rc;
	}
	set_real_addr(&r, &a);
	r.port = port < 0 ? 0 : (uint16_t)port;
	addr_str(&a, buf, sizeof(buf));
	r.host = strdup(buf);
	if (!r.host)
		return oom(p);
	free_real(fb);
	*fb = r;
	*has = true;
	return 0;
}

static int read_checktype(struct parser *p, const char *v,
			  enum ld_checktype *type, int *combined_n)
{
	unsigned long n;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(checktypes); i++) {
		if (!strcasecmp(v, checktypes[i].name)) {
			*type = checktypes[i].type;
			*combined_n = 0;
			return 0;
		}
	}
	if (ld_read_ulong(v, INT_MAX, &n) && n >= 1) {
		*type = LD_CHECK_COMBINED;
		*combined_n = (int)n;
		return 0;
	}
	return fail(p, "checktype: unknown check type '%s' (expected connect, "
		    "negotiate, ping, external, external-perl, off, on or a number)",
		    v);
}

static int read_emailstatus(struct parser *p, const char *v)
{
	static const char *const states[] = {
		"all", "none", "starting", "running", "stopping", "reloading",
	};
	char *copy = strdup(v), *save = NULL, *w;
	int count = 0, none = 0;
	size_t i;

	if (!copy)
		return oom(p);
	for (w = strtok_r(copy, ", \t", &save); w; w = strtok_r(NULL, ", \t", &save)) {
		for (i = 0; i < ARRAY_SIZE(states); i++)
			if (!strcasecmp(w, states[i]))
				break;
		if (i == ARRAY_SIZE(states)) {
			int rc = fail(p, "emailalertstatus: unknown state '%s'", w);

			free(copy);
			return rc;
		}
		none += i == 1;
		count++;
	}
	free(copy);
	if (!count)
		return fail(p, "emailalertstatus: missing value");
	if (none && count > 1)
		return fail(p, "emailalertstatus: 'none' cannot be combined "
			    "with other states");
	return 0;
}

static int replace_str(struct parser *p, char **field, const char *v)
{
	char *s = strdup(v);

	if (!s)
		return oom(p);
	free(*field);
	*field = s;
	return 0;
}

static int read_netmask(struct parser *p, const char *v, uint32_t *mask)
{
	uint32_t m, h;

	if (inet_pton(AF_INET, v, &m) != 1)
		return fail(p, "netmask: bad netmask '%s'", v);
	h = ntohl(m);
	/* contiguous ones: a hole is a typo, not a useful persistence mask */
	if (h & (~h >> 1))
		return fail(p, "netmask: '%s' is not a contiguous netmask", v);
	*mask = m;
	return 0;
}

static int read_protocol(struct parser *p, const char *v, uint8_t *proto)
{
	struct ld_virtual *vs = p->cur >= 0 ? &p->cfg.virtuals[p->cur] : NULL;

	if (!strcasecmp(v, "tcp") || !strcasecmp(v, "udp")) {
		if (vs && vs->is_fwmark)
			return fail(p, "protocol: a fwmark virtual takes protocol fwm, not %s",
				    v);
		*proto = !strcasecmp(v, "tcp") ? IPPROTO_TCP : IPPROTO_UDP;
	} else if (!strcasecmp(v, "fwm")) {
		if (vs && !vs->is_fwmark)
			return fail(p, "protocol: fwm needs a fwmark virtual "
				    "(virtual = <mark>)");
		*proto = 0;
	} else {
		return fail(p, "protocol: unknown protocol '%s' (expected tcp, udp or fwm)",
			    v);
	}
	if (vs)
		p->proto_line[p->cur] = p->cx.line;
	return 0;
}

static int read_logfile(struct parser *p, const char *v, char **field)
{
	size_t i;

	if (!*v)
		return fail(p, "logfile: missing value");
	if (v[0] == '/') {
		p->cfg.log_syslog = false;
		p->cfg.log_facility = 0;
		return replace_str(p, field, v);
	}
	/* without a leading '/', ldirectord takes it as a syslog facility */
	for (i = 0; i < ARRAY_SIZE(facilities); i++) {
		if (!strcasecmp(v, facilities[i].name)) {
			p->cfg.log_syslog = true;
			p->cfg.log_facility = facilities[i].facility;
			return replace_str(p, field, v);
		}
	}
	return fail(p, "logfile: '%s' is neither an absolute path nor a syslog "
		    "facility", v);
}

/*
 * Read value v of option k into the struct at base (the config when
 * global, else a virtual).
 */
static int set_value(struct parser *p, const struct key *k, void *base,
		     bool global, char *raw)
{
	int off = global ? k->goff : k->voff;
	void *f = (char *)base + off;
	unsigned long n;
	double d;
	char *v = NULL;
	size_t i;
	int rc, port;

	if (k->kind == K_FALLBACK) {
		if (global)
			return read_fallback(p, raw, &p->cfg.has_fallback,
					     &p->cfg.fallback);
		return read_fallback(p, raw, &((struct ld_virtual *)base)->has_fallback,
				     &((struct ld_virtual *)base)->fallback);
	}
	rc = ld_unquote(&p->cx, k->name, raw, &v);
	if (rc)
		return rc;

	switch (k->kind) {
	case K_SECONDS:
	case K_SECONDS0:
		if (!ld_read_decimal(v, &d))
			return fail(p, "%s: '%s' is not a number of seconds", k->name, v);
		if (k->kind == K_SECONDS && d <= 0)
			return fail(p, "%s: must be greater than 0", k->name);
		*(double *)f = d;
		return 0;
	case K_COUNT:
		if (!ld_read_ulong(v, INT_MAX, &n) || n < 1)
			return fail(p, "%s: '%s' is not a positive integer", k->name, v);
		*(int *)f = (int)n;
		return 0;
	case K_UINT:
		if (!ld_read_ulong(v, UINT_MAX, &n))
			return fail(p, "%s: '%s' is not a number", k->name, v);
		*(unsigned *)f = (unsigned)n;
		return 0;
	case K_BOOL:
		if (!strcasecmp(v, "yes"))
			*(bool *)f = true;
		else if (!strcasecmp(v, "no"))
			*(bool *)f = false;
		else
			return fail(p, "%s: expected yes or no, not '%s'", k->name, v);
		return 0;
	case K_STRING:
		return replace_str(p, f, v);
	case K_SERVICE:
		for (i = 0; i < ARRAY_SIZE(services); i++)
			if (!strcasecmp(v, services[i].name))
				return replace_str(p, f, services[i].name);
		return fail(p, "service: unknown service '%s'", v);
	case K_HTTPMETHOD:
		if (!strcasecmp(v, "GET"))
			return replace_str(p, f, "GET");
		if (!strcasecmp(v, "HEAD"))
			return replace_str(p, f, "HEAD");
		return fail(p, "httpmethod: expected GET or HEAD, not '%s'", v);
	case K_DATAPATH: {
		static const char *const dps[] = {
			"auto", "xdp", "xdp-generic", "tc", "ipvs",
		};

		for (i = 0; i < ARRAY_SIZE(dps); i++)
			if (!strcmp(v, dps[i]))
				return replace_str(p, f, dps[i]);
		return fail(p, "datapath: expected auto, xdp, xdp-generic, tc "
			    "or ipvs, not '%s'", v);
	}
	case K_EMAILSTATUS:
		rc = read_emailstatus(p, v);
		return rc ? rc : replace_str(p, f, v);
	case K_LOGFILE:
		return read_logfile(p, v, f);
	case K_CHECKTYPE:
		if (global)
			return read_checktype(p, v, &p->cfg.checktype,
					      &p->cfg.check_combined_n);
		return read_checktype(p, v, &((struct ld_virtual *)base)->checktype,
				      &((struct ld_virtual *)base)->check_combined_n);
	case K_PORT:
		rc = read_port(p, k->name, v, &port);
		if (rc)
			return rc;
		if (!port)
			return fail(p, "%s: port 0", k->name);
		*(uint16_t *)f = (uint16_t)port;
		return 0;
	case K_SCHEDULER:
		for (i = 0; i < ARRAY_SIZE(schedulers); i++) {
			if (strcasecmp(v, schedulers[i]))
				continue;
			snprintf(f, LD_SCHED_MAX, "%s", schedulers[i]);
			return 0;
		}
		return fail(p, "scheduler: unknown scheduler '%s'", v);
	case K_PROTOCOL:
		return read_protocol(p, v, f);
	case K_NETMASK:
		return read_netmask(p, v, f);
	case K_TIMEOUTS:
		return read_timeouts(p, v, f);
	case K_EXECUTE:
		if (!*v)
			return fail(p, "execute: missing value");
		v = strdup(v);
		if (!v || push_str(&p->cfg.execute, &p->cfg.nexecute, v)) {
			free(v);
			return oom(p);
		}
		return 0;
	case K_FALLBACK:
	case K_REAL:
	case K_VIRTUAL:
		break;
	}
	return fail(p, "%s: internal error", k->name);
}

/* ---- virtual sections ---- */

/* virtual = ip:port | [ipv6]:port | fwmark */
static int open_virtual(struct parser *p, char *raw)
{
	struct ld_config *c = &p->cfg;
	struct ld_virtual *nv, *v;
	int (*nset)[NKEYS];
	int *nproto;
	struct ld_tok t[LD_MAX_TOKENS];
	struct ld_addr a;
	unsigned long mark;
	int n, port, rc;
	size_t i;

	rc = ld_tokenize(&p->cx, "virtual", raw, t, &n);
	if (rc)
		return rc;
	if (n != 1)
		return fail(p, "virtual: expected ip:port or a firewall mark");

	nv = realloc(c->virtuals, (c->nvirtuals + 1) * sizeof(*nv));
	if (!nv)
		return oom(p);
	c->virtuals = nv;
	nset = realloc(p->vset, (c->nvirtuals + 1) * sizeof(*nset));
	if (!nset)
		return oom(p);
	p->vset = nset;
	nproto = realloc(p->proto_line, (c->nvirtuals + 1) * sizeof(*nproto));
	if (!nproto)
		return oom(p);
	p->proto_line = nproto;

	v = &c->virtuals[c->nvirtuals];
	memset(v, 0, sizeof(*v));
	memset(p->vset[c->nvirtuals], 0, sizeof(p->vset[0]));
	p->proto_line[c->nvirtuals] = 0;
	p->cur = (long)c->nvirtuals++;
	v->line = p->cx.line;

	/* options only a virtual has get their defaults now */
	p->quiet = true;
	for (i = 0; i < NKEYS; i++) {
		char buf[64];

		if (keys[i].voff < 0 || keys[i].goff >= 0 || !keys[i].def)
			continue;
		snprintf(buf, sizeof(buf), "%s", keys[i].def);
		rc = set_value(p, &keys[i], v, false, buf);
		if (rc) {
			p->quiet = false;
			return rc;
		}
	}
	p->quiet = false;

	if (ld_all_digits(t[0].s)) {
		if (!ld_read_ulong(t[0].s, UINT32_MAX, &mark) || !mark)
			return fail(p, "virtual: bad firewall mark '%s'", t[0].s);
		v->is_fwmark = true;
		v->fwmark = (uint32_t)mark;
		v->protocol = 0;
		return 0;
	}
	rc = read_hostport(p, "virtual", t[0].s, &a, &port);
	if (rc)
		return rc;
	if (port < 0)
		return fail(p, "virtual %s: missing port", t[0].s);
	if (port == 0)
		return fail(p, "virtual %s: port 0", t[0].s);
	v->is_ipv6 = a.v6;
	v->addr = a.v4;
	v->addr6 = a.a6;
	v->port = (uint16_t)port;
	v->protocol = IPPROTO_TCP;
	return 0;
}

static int append_real(struct parser *p, struct ld_virtual *v,
		       const struct ld_real_entry *r)
{
	size_t n = v->nreals;

	/* room doubles at 4, 8, 16...: a range of 64k addresses costs 15
	 * reallocations, not 64k (each a copy of the whole array) */
	if (n == 0 || (n >= 4 && !(n & (n - 1)))) {
		struct ld_real_entry *nr = realloc(v->reals, (n ? 2 * n : 4) *
						   sizeof(*nr));

		if (!nr)
			return oom(p);
		v->reals = nr;
	}
	v->reals[v->nreals++] = *r;
	return 0;
}

/* A real= line as read: one entry for every address of its range. */
struct real_line {
	struct ld_real_entry tmpl;	/* port, forwarding, weight, line */
	struct ld_addr first, last;	/* the same when not a range */
	const char *request, *receive;	/* NULL when not given */
};

/* ip[->ip2][:port]: the addresses of a range and its one port. */
static int read_real_range(struct parser *p, struct ld_virtual *v, char *s,
			   struct real_line *rl)
{
	char *arrow = strstr(s, "->"), *right = NULL;
	int port1, port2 = -1, rc;

	if (arrow) {
		*arrow = '\0';
		right = arrow + 2;
	}
	rc = read_hostport(p, "real", s, &rl->first, &port1);
	if (rc)
		return rc;
	rl->last = rl->first;
	if (right) {
		rc = read_hostport(p, "real", right, &rl->last, &port2);
		if (rc)
			return rc;
		if (rl->first.v6 || rl->last.v6)
			return fail(p, "real: address ranges are only supported for IPv4");
		if (port1 >= 0 && port2 >= 0 && port1 != port2)
			return fail(p, "real: a range has one port, not %d and %d",
				    port1, port2);
	}
	if (port2 >= 0)
		port1 = port2;
	if (port1 == 0 && !v->is_fwmark)
		return fail(p, "real %s: port 0", s);
	rl->tmpl.port = port1 < 0 ? 0 : (uint16_t)port1;
	set_real_addr(&rl->tmpl, &rl->first);
	return 0;
}

/* [weight] ["request"[,] "receive"], after the forwarding method. */
static int read_real_tail(struct parser *p, const struct ld_tok *t, int n,
			  struct real_line *rl)
{
	int i = 2;
	unsigned long w;

	if (i < n && !t[i].quoted) {
		if (!ld_read_ulong(t[i].s, 65535, &w))
			return fail(p, "real: bad weight '%s' (expected 0..65535)",
				    t[i].s);
		rl->tmpl.weight = (int)w;
		i++;
	}
	if (n - i > 2)
		return fail(p, "real: too many fields after the forwarding method");
	for (int j = i; j < n; j++)
		if (!t[j].quoted)
			return fail(p, "real: unexpected '%s' (request and receive "
				    "must be quoted)", t[j].s);
	rl->request = i < n ? t[i].s : NULL;
	rl->receive = i + 1 < n ? t[i + 1].s : NULL;
	return 0;
}

/*
 * real = ip[->ip2][:port] gate|masq|ipip [weight] ["request"[,] "receive"]
 * Read and checked whole; expand_real() then adds its real servers.
 */
static int read_real_line(struct parser *p, struct ld_virtual *v, char *raw,
			  struct ld_tok *t, struct real_line *rl)
{
	int n, rc;

	*rl = (struct real_line){ .tmpl = { .line = p->cx.line, .weight = 1 } };
	rc = ld_tokenize(&p->cx, "real", raw, t, &n);
	if (rc)
		return rc;
	if (n < 1 || t[0].quoted)
		return fail(p, "real: missing address");
	if (n < 2 || t[1].quoted)
		return fail(p, "real: missing forwarding method (gate, masq or ipip)");
	rc = read_real_range(p, v, t[0].s, rl);
	if (!rc)
		rc = read_fwd(p, "real", t[1].s, &rl->tmpl.fwd);
	if (!rc)
		rc = read_real_tail(p, t, n, rl);
	if (rc)
		return rc;
	if (ntohl(rl->last.v4) < ntohl(rl->first.v4))
		return fail(p, "real: range ends before it starts");
	if (ntohl(rl->last.v4) - ntohl(rl->first.v4) >= LD_MAX_RANGE)
		return fail(p, "real: range of more than %d addresses", LD_MAX_RANGE);
	return 0;
}

/* One real server per address of the range, all with the same port. */
static int expand_real(struct parser *p, struct ld_virtual *v,
		       const struct real_line *rl)
{
	uint32_t first = rl->first.v6 ? 0 : ntohl(rl->first.v4);
	uint32_t last = rl->first.v6 ? 0 : ntohl(rl->last.v4);
	char buf[INET6_ADDRSTRLEN];

	for (uint32_t h = first;; h++) {
		struct ld_real_entry r = rl->tmpl;
		struct ld_addr a = rl->first;

		if (!a.v6)
			a.v4 = htonl(h);
		set_real_addr(&r, &a);
		addr_str(&a, buf, sizeof(buf));
		r.host = strdup(buf);
		if (rl->request)
			r.request = strdup(rl->request);
		if (rl->receive)
			r.receive = strdup(rl->receive);
		if (!r.host || (rl->request && !r.request) ||
		    (rl->receive && !r.receive) || append_real(p, v, &r)) {
			free_real(&r);
			return oom(p);
		}
		if (h == last)
			break;
	}
	return 0;
}

static int add_real(struct parser *p, struct ld_virtual *v, char *raw)
{
	struct ld_tok t[LD_MAX_TOKENS];
	struct real_line rl;
	int rc = read_real_line(p, v, raw, t, &rl);

	return rc ? rc : expand_real(p, v, &rl);
}

/* ---- resolving and checking the whole ---- */

/* Copy global option k into virtual v, which did not set it. */
static int inherit(struct parser *p, const struct key *k, struct ld_virtual *v)
{
	void *g = (char *)&p->cfg + k->goff;
	void *f = (char *)v + k->voff;

	switch (k->kind) {
	case K_SECONDS:
	case K_SECONDS0:
		*(double *)f = *(double *)g;
		return 0;
	case K_COUNT:
		*(int *)f = *(int *)g;
		return 0;
	case K_UINT:
		*(unsigned *)f = *(unsigned *)g;
		return 0;
	case K_BOOL:
		*(bool *)f = *(bool *)g;
		return 0;
	case K_PORT:
		*(uint16_t *)f = *(uint16_t *)g;
		return 0;
	case K_CHECKTYPE:
		v->checktype = p->cfg.checktype;
		v->check_combined_n = p->cfg.check_combined_n;
		return 0;
	case K_FALLBACK:
		if (!p->cfg.has_fallback)
			return 0;
		v->has_fallback = true;
		v->fallback = p->cfg.fallback;
		v->fallback.request = NULL;
		v->fallback.receive = NULL;
		v->fallback.host = strdup(p->cfg.fallback.host);
		return v->fallback.host ? 0 : oom(p);
	default:
		if (!is_string_kind(k->kind))
			return fail(p, "%s: internal error", k->name);
		if (!*(char **)g)
			return 0;
		*(char **)f = strdup(*(char **)g);
		return *(char **)f ? 0 : oom(p);
	}
}

/*
 * ldirectord: checktimeout defaults to negotiatetimeout, else 5 seconds;
 * negotiatetimeout to checktimeout, else 30; connecttimeout to checktimeout.
 */
static void resolve_timeouts(double *check, bool check_set, double *negotiate,
			     bool negotiate_set, double *connect, bool connect_set)
{
	if (!check_set)
		*check = negotiate_set ? *negotiate : 5;
	if (!negotiate_set)
		*negotiate = check_set ? *check : 30;
	if (!connect_set)
		*connect = *check;
}

static size_t key_index(const char *name)
{
	return (size_t)(find_key(name) - keys);
}

static const char *service_for_port(uint16_t port)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(port_services); i++)
		if (port_services[i].port == port)
			return port_services[i].service;
	return "none";
}

static bool service_supported(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(services); i++)
		if (!strcmp(services[i].name, name))
			return services[i].supported;
	return false;
}

static bool same_addr(bool v6a, uint32_t a, const struct in6_addr *a6,
		      bool v6b, uint32_t b, const struct in6_addr *b6)
{
	if (v6a != v6b)
		return false;
	return v6a ? !memcmp(a6, b6, sizeof(*a6)) : a == b;
}

/* Order of reals by address and port, ties by position (qsort_r). */
static int real_order(const void *a, const void *b, void *arg)
{
	const struct ld_real_entry *reals = arg;
	const struct ld_real_entry *x = &reals[*(const size_t *)a];
	const struct ld_real_entry *y = &reals[*(const size_t *)b];
	int c;

	if (x->is_ipv6 != y->is_ipv6)
		return x->is_ipv6 - y->is_ipv6;
	c = x->is_ipv6 ? memcmp(&x->addr6, &y->addr6, sizeof(x->addr6)) :
			 memcmp(&x->addr, &y->addr, sizeof(x->addr));
	if (c)
		return c;
	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

/*
 * A real listed twice (ranges make that easy) is refused at its second
 * line. Sorted, so a range of 64k addresses costs n log n and not n^2;
 * the message names the same pair a scan in file order would find first.
 */
static int check_duplicate_reals(struct parser *p, const struct ld_virtual *v)
{
	size_t *idx, first = SIZE_MAX, earlier = 0;

	if (v->nreals < 2)
		return 0;
	idx = malloc(v->nreals * sizeof(*idx));
	if (!idx)
		return oom(p);
	for (size_t i = 0; i < v->nreals; i++)
		idx[i] = i;
	qsort_r(idx, v->nreals, sizeof(*idx), real_order, v->reals);
	for (size_t i = 1, g = 0; i < v->nreals; i++) {
		const struct ld_real_entry *a = &v->reals[idx[g]];
		const struct ld_real_entry *b = &v->reals[idx[i]];

		if (a->port != b->port ||
		    !same_addr(a->is_ipv6, a->addr, &a->addr6,
			       b->is_ipv6, b->addr, &b->addr6)) {
			g = i;	/* a new group; its first is the earliest */
			continue;
		}
		/* in a group, the second in file order is the duplicate */
		if (i == g + 1 && idx[i] < first) {
			first = idx[i];
			earlier = idx[g];
		}
	}
	free(idx);
	if (first == SIZE_MAX)
		return 0;
	p->cx.line = v->reals[first].line;
	return fail(p, "real %s:%u: duplicate real server (already at line %d)",
		    v->reals[first].host, v->reals[first].port,
		    v->reals[earlier].line);
}

static void virtual_name(const struct ld_virtual *v, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (v->is_fwmark) {
		snprintf(buf, len, "fwmark %u", v->fwmark);
		return;
	}
	if (v->is_ipv6)
		inet_ntop(AF_INET6, &v->addr6, a, sizeof(a));
	else
		inet_ntop(AF_INET, &v->addr, a, sizeof(a));
	snprintf(buf, len, v->is_ipv6 ? "[%s]:%u/%s" : "%s:%u/%s", a, v->port,
		 v->protocol == IPPROTO_UDP ? "udp" : "tcp");
}

static int resolve_virtual(struct parser *p, size_t vi)
{
	struct ld_virtual *v = &p->cfg.virtuals[vi];
	const int *set = p->vset[vi];
	size_t i, ict, int_, ico;
	char name[80];
	int rc, line;

	for (i = 0; i < NKEYS; i++) {
		if (keys[i].goff < 0 || keys[i].voff < 0 || set[i])
			continue;
		rc = inherit(p, &keys[i], v);
		if (rc)
			return rc;
	}
	ict = key_index("checktimeout");
	int_ = key_index("negotiatetimeout");
	ico = key_index("connecttimeout");
	resolve_timeouts(&v->checktimeout, set[ict] || p->gset[ict],
			 &v->negotiatetimeout, set[int_] || p->gset[int_],
			 &v->connecttimeout, set[ico] || p->gset[ico]);

	if (v->has_fallback && !v->fallback.port)
		v->fallback.port = v->port;

	/* like ipvsadm, a real server without a port takes the virtual's */
	for (i = 0; i < v->nreals; i++) {
		struct ld_real_entry *r = &v->reals[i];

		if (!r->port)
			r->port = v->port;
		if (!v->is_fwmark && r->is_ipv6 != v->is_ipv6) {
			p->cx.line = r->line;
			return fail(p, "real %s: address family differs from the "
				    "virtual's (line %d)", r->host, v->line);
		}
	}
	rc = check_duplicate_reals(p, v);
	if (rc)
		return rc;

	if (!v->service) {
		uint16_t port = v->is_fwmark ? v->checkport : v->port;

		v->service = strdup(service_for_port(port));
		if (!v->service)
			return oom(p);
	}
	if ((v->checktype == LD_CHECK_NEGOTIATE ||
	     v->checktype == LD_CHECK_COMBINED) &&
	    !service_supported(v->service)) {
		i = key_index("service");
		line = set[i] ? set[i] : p->gset[i] ? p->gset[i] : v->line;
		snprintf(name, sizeof(name), "service:%s", v->service);
		rc = warn(p, line, name, "service %s: its negotiate check " NOT_YET,
			  v->service);
		if (rc)
			return rc;
	}

	/* same ip:port/protocol or same mark as an earlier virtual */
	for (i = 0; i < vi; i++) {
		const struct ld_virtual *o = &p->cfg.virtuals[i];
		bool dup;

		if (o->is_fwmark || v->is_fwmark)
			dup = o->is_fwmark && v->is_fwmark && o->fwmark == v->fwmark;
		else
			dup = o->port == v->port && o->protocol == v->protocol &&
			      same_addr(o->is_ipv6, o->addr, &o->addr6,
					v->is_ipv6, v->addr, &v->addr6);
		if (dup) {
			virtual_name(v, name, sizeof(name));
			p->cx.line = v->line;
			return fail(p, "duplicate virtual %s (already defined at line %d)",
				    name, o->line);
		}
	}
	return 0;
}

static int resolve(struct parser *p)
{
	size_t i, ict, int_, ico;
	int rc;

	for (i = 0; i < p->cfg.nvirtuals; i++) {
		rc = resolve_virtual(p, i);
		if (rc)
			return rc;
	}
	ict = key_index("checktimeout");
	int_ = key_index("negotiatetimeout");
	ico = key_index("connecttimeout");
	resolve_timeouts(&p->cfg.checktimeout, p->gset[ict],
			 &p->cfg.negotiatetimeout, p->gset[int_],
			 &p->cfg.connecttimeout, p->gset[ico]);
	return 0;
}

/* ---- lines ---- */

/* Cut a trailing comment (a '#' after a blank, outside quotes), trim. */
static int strip_value(struct parser *p, char *v)
{
	bool in_quote = false;
	char *s, *end;

	for (s = v; *s; s++) {
		if (*s == '"') {
			in_quote = !in_quote;
		} else if (*s == '#' && !in_quote &&
			   (s == v || isspace((unsigned char)s[-1]))) {
			*s = '\0';
			break;
		}
	}
	if (in_quote)
		return fail(p, "unterminated quote");
	end = v + strlen(v);
	while (end > v && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return 0;
}

static int parse_line(struct parser *p, char *s)
{
	const struct key *k;
	bool indented = isspace((unsigned char)*s);
	struct ld_virtual *v;
	char *name, *value, tag[32];
	size_t ki;
	int *setp, rc;

	while (isspace((unsigned char)*s))
		s++;
	if (!*s || *s == '#')
		return 0;	/* comments never end a virtual section */

	name = s;
	while (isalnum((unsigned char)*s) || *s == '_' || *s == '-')
		s++;
	if (s == name)
		return fail(p, "expected 'option = value'");
	value = s;
	while (isspace((unsigned char)*s))
		s++;
	if (*s != '=') {
		*value = '\0';
		return fail(p, "expected '=' after '%s'", name);
	}
	*value = '\0';
	value = s + 1;
	while (isspace((unsigned char)*value))
		value++;
	rc = strip_value(p, value);
	if (rc)
		return rc;

	k = find_key(name);
	if (!k)
		return fail(p, "unknown option '%s'", name);
	if (!*value)
		return fail(p, "%s: missing value", k->name);
	ki = (size_t)(k - keys);

	if (!indented)
		p->cur = -1;	/* a line at column 0 ends a virtual section */

	if (k->kind == K_VIRTUAL) {
		if (indented)
			return fail(p, "virtual must start at the beginning of the line");
		return open_virtual(p, value);
	}

	if (p->cur >= 0) {
		v = &p->cfg.virtuals[p->cur];
		if (k->kind == K_REAL)
			return add_real(p, v, value);
		if (k->voff < 0)
			return fail(p, "%s is a global option, not allowed in a "
				    "virtual section (virtual at line %d)",
				    k->name, v->line);
		setp = &p->vset[p->cur][ki];
	} else {
		if (k->kind == K_REAL)
			return fail(p, "real outside a virtual section");
		if (k->goff < 0 && k->kind != K_EXECUTE)
			return fail(p, "%s is only allowed in a virtual section",
				    k->name);
		v = NULL;
		setp = &p->gset[ki];
	}

	if (*setp && k->kind != K_EXECUTE) {
		rc = warn(p, p->cx.line, NULL,
			  "%s set again (first at line %d); the last value is used",
			  k->name, *setp);
		if (rc)
			return rc;
	}
	rc = set_value(p, k, v ? (void *)v : (void *)&p->cfg, !v, value);
	if (rc)
		return rc;
	*setp = p->cx.line;
	if (!k->warn)
		return 0;
	snprintf(tag, sizeof(tag), "key:%s", k->name);
	return warn(p, p->cx.line, tag, "%s %s", k->name, k->warn);
}

static int apply_global_defaults(struct parser *p)
{
	size_t i;
	int rc;

	p->quiet = true;
	for (i = 0; i < NKEYS; i++) {
		char buf[64];

		if (keys[i].goff < 0 || !keys[i].def)
			continue;
		snprintf(buf, sizeof(buf), "%s", keys[i].def);
		rc = set_value(p, &keys[i], &p->cfg, true, buf);
		if (rc)
			break;
	}
	p->quiet = false;
	return i == NKEYS ? 0 : rc;
}

static void parser_free(struct parser *p)
{
	size_t i;

	for (i = 0; i < p->ntags; i++)
		free(p->tags[i]);
	free(p->tags);
	free(p->vset);
	free(p->proto_line);
}

/* cfg_each_line() callback: a file with CRLF line ends reads the same. */
static int parse_crlf_line(void *arg, char *buf)
{
	size_t len = strlen(buf);

	if (len && buf[len - 1] == '\r')
		buf[len - 1] = '\0';
	return parse_line(arg, buf);
}

int ld_config_parse_string(const char *name, const char *text,
			   struct ld_config *cfg, char *err, size_t errlen)
{
	struct parser p = {
		.cx = { .name = name, .err = err, .errlen = errlen },
		.cur = -1,
	};
	int rc;

	p.cx.warnings = &p.cfg.warnings;
	p.cx.nwarnings = &p.cfg.nwarnings;

	if (err && errlen)
		err[0] = '\0';
	memset(cfg, 0, sizeof(*cfg));
	rc = apply_global_defaults(&p);
	p.cfg.path = strdup(name);
	if (!rc && !p.cfg.path)
		rc = oom(&p);

	if (!rc)
		rc = cfg_each_line(&p.cx, text, 0, parse_crlf_line, &p);
	if (!rc)
		rc = resolve(&p);

	parser_free(&p);
	if (rc) {
		ld_config_free(&p.cfg);
		return rc;
	}
	*cfg = p.cfg;
	return 0;
}

int ld_config_load(const char *path, struct ld_config *cfg,
		   char *err, size_t errlen)
{
	struct stat st;
	char *text = NULL;
	char none[1];
	int fd, rc = -EFBIG;

	memset(cfg, 0, sizeof(*cfg));
	if (!err || !errlen) {
		err = none;
		errlen = sizeof(none);
	}
	err[0] = '\0';
	fd = cfg_open(path, &st, err, errlen);
	if (fd < 0)
		return fd;
	if (S_ISREG(st.st_mode) && st.st_size <= LD_MAX_FILE)
		rc = cfg_read_fd(fd, LD_MAX_FILE, &text);
	close(fd);
	if (rc == -EFBIG) {
		snprintf(err, errlen, "%s: not a regular file of at most %d bytes",
			 path, LD_MAX_FILE);
		return -EINVAL;
	}
	if (rc) {
		snprintf(err, errlen, "%s: %s", path,
			 rc == -ENOMEM ? "out of memory" :
			 rc == -EINVAL ? "contains a NUL byte, not a text file" :
			 "read error");
		return rc == -ENOMEM || rc == -EINVAL ? rc : -EIO;
	}
	rc = ld_config_parse_string(path, text, cfg, err, errlen);
	cfg_free_text(text);
	return rc;
}
