// SPDX-License-Identifier: GPL-2.0
/*
 * The IPVS backend: the kernel's own load balancer, programmed over
 * generic netlink (family "IPVS", linux/ip_vs.h) with libnl-genl.
 *
 * xdirectord owns the kernel's IPVS table as it owns its BPF maps: each
 * apply reads the table back, and adds, edits or deletes only what
 * differs from the desired one (ipvs_plan.c). Editing a real's weight or
 * a service's scheduler keeps the connections IPVS already tracks, so a
 * reload or a health change never flushes anything.
 */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/ip_vs.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "backend/ipvs.h"
#include "backend/ipvs_plan.h"
#include "log.h"

/* The kernel's defaults, and the XDP datapath's (user/backend/xdp.c). */
#define IPVS_TIMEOUT_TCP	900
#define IPVS_TIMEOUT_TCP_FIN	120
#define IPVS_TIMEOUT_UDP	300

#define IPVS_CONN_PROC		"/proc/net/ip_vs_conn"

/* Every scheduler IPVS has (ip_vs_<name>.ko). */
static const char *const ipvs_scheds[] = {
	"rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq",
	"fo", "ovf", "mh", "twos",
};

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct ipvs_backend {
	struct backend base;
	struct nl_sock *sk;
	int family;
	/* the last table applied: the reasons shown per service */
	struct lb_table want;
	int sync_state;		/* IP_VS_STATE_* of the kernel's sync daemon */
};

static const struct backend_ops ipvs_ops;

static struct ipvs_backend *to_ipvs(struct backend *b)
{
	return (struct ipvs_backend *)b;
}

bool ipvs_sched_known(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(ipvs_scheds); i++)
		if (!strcmp(name, ipvs_scheds[i]))
			return true;
	return false;
}

/* ---- modules ---- */

static bool module_loaded(const char *name)
{
	char path[128];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return stat(path, &st) == 0;
}

/* modprobe (kmod) NAME [PARAM]; 0 if loaded already. */
static int load_module(const char *name, const char *param, char *err,
		       size_t errlen)
{
	char *argv[] = { "modprobe", (char *)name, (char *)param, NULL };
	extern char **environ;
	int status, rc;
	pid_t pid;

	if (module_loaded(name))
		return 0;
	rc = posix_spawnp(&pid, "modprobe", NULL, NULL, argv, environ);
	if (rc) {
		snprintf(err, errlen, "modprobe %s: %s", name, strerror(rc));
		return -rc;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status) || !module_loaded(name)) {
		snprintf(err, errlen, "modprobe %s failed: this kernel has no "
			 "%s module (see the log for modprobe's message)", name,
			 name);
		return -ENOENT;
	}
	return 0;
}

/* ip_vs_ftp's ports= as loaded, or "" when it is not. */
static void ftp_ports_loaded(char *buf, size_t len)
{
	FILE *f = fopen("/sys/module/ip_vs_ftp/parameters/ports", "re");

	buf[0] = 0;
	if (!f)
		return;
	if (!fgets(buf, (int)len, f))
		buf[0] = 0;
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
}

/*
 * ip_vs_ftp follows the FTP control ports it was loaded with: load it
 * with the configured ones. A module loaded by someone else with other
 * ports cannot be changed under its connections: say so.
 */
static int load_ftp(const struct lb_table *t, char *err, size_t errlen)
{
	char want[128] = "", have[130], param[160];

	for (size_t i = 0; i < t->nsvcs; i++) {
		const struct lb_service *s = &t->svcs[i];
		char port[8], padded[132];

		if (!s->ftp || s->dp != LB_DP_IPVS)
			continue;
		snprintf(port, sizeof(port), "%u", ntohs(s->port));
		snprintf(padded, sizeof(padded), ",%s,", want);
		snprintf(param, sizeof(param), ",%s,", port);
		if (strstr(padded, param))
			continue;	/* each port once */
		if (*want)
			strncat(want, ",", sizeof(want) - strlen(want) - 1);
		strncat(want, port, sizeof(want) - strlen(want) - 1);
	}
	if (!*want)
		return 0;
	ftp_ports_loaded(have, sizeof(have) - 2);
	if (!*have) {
		snprintf(param, sizeof(param), "ports=%s", want);
		return load_module("ip_vs_ftp", param, err, errlen);
	}
	/* ip_vs_ftp reads its ports once, at load */
	memmove(have + 1, have, strlen(have) + 1);
	have[0] = ',';
	strcat(have, ",");
	for (char *p = strtok(want, ","); p; p = strtok(NULL, ",")) {
		snprintf(param, sizeof(param), ",%s,", p);
		if (strstr(have, param))
			continue;
		have[strlen(have) - 1] = 0;
		snprintf(err, errlen, "ip_vs_ftp is loaded with ports=%s, without "
			 "FTP port %s; unload it (modprobe -r ip_vs_ftp) so that "
			 "xdirectord loads it with the configured ports",
			 have + 1, p);
		return -EBUSY;
	}
	return 0;
}

/* ---- netlink ---- */

struct nl_reply {
	int (*fn)(struct nlattr **attrs, void *arg);
	void *arg;
	int rc;			/* the callback's error, or the kernel's */
};

static int reply_valid(struct nl_msg *msg, void *arg)
{
	struct nl_reply *r = arg;
	struct nlattr *attrs[IPVS_CMD_ATTR_MAX + 1];
	int rc;

	rc = genlmsg_parse(nlmsg_hdr(msg), 0, attrs, IPVS_CMD_ATTR_MAX, NULL);
	if (rc) {
		r->rc = -EPROTO;
		return NL_STOP;
	}
	rc = r->fn ? r->fn(attrs, r->arg) : 0;
	if (rc) {
		r->rc = rc;
		return NL_STOP;
	}
	return NL_OK;
}

static int reply_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct nl_reply *r = arg;

	r->rc = e->error;	/* a negative errno */
	return NL_STOP;
}

static int reply_ack(struct nl_msg *msg, void *arg)
{
	return NL_STOP;
}

static int reply_finish(struct nl_msg *msg, void *arg)
{
	return NL_STOP;
}

static struct nl_msg *ipvs_msg(struct ipvs_backend *v, int cmd, int flags)
{
	struct nl_msg *m = nlmsg_alloc();

	if (m && !genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, v->family, 0,
			      flags | NLM_F_ACK, cmd, IPVS_GENL_VERSION)) {
		nlmsg_free(m);
		return NULL;
	}
	return m;
}

/* Send m (freed), read every reply into fn; 0 or a negative errno. */
static int ipvs_talk(struct ipvs_backend *v, struct nl_msg *m,
		     int (*fn)(struct nlattr **, void *), void *arg)
{
	struct nl_reply r = { fn, arg, 0 };
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	int rc;

	if (!cb) {
		nlmsg_free(m);
		return -ENOMEM;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, reply_valid, &r);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, reply_ack, &r);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, reply_finish, &r);
	nl_cb_err(cb, NL_CB_CUSTOM, reply_error, &r);
	rc = nl_send_auto(v->sk, m);
	nlmsg_free(m);
	if (rc < 0) {
		nl_cb_put(cb);
		return -EIO;
	}
	rc = nl_recvmsgs(v->sk, cb);
	nl_cb_put(cb);
	if (r.rc)
		return r.rc;
	return rc < 0 ? -EIO : 0;
}

/* ---- messages ---- */

static int svc_af(const struct lb_service *s)
{
	return s->af == AF_INET6 ? AF_INET6 : AF_INET;
}

static void put_addr(struct nl_msg *m, int type, int af, uint32_t a4,
		     const struct in6_addr *a6)
{
	struct in6_addr buf = { 0 };

	if (af == AF_INET6)
		buf = *a6;
	else
		memcpy(&buf, &a4, sizeof(a4));
	nla_put(m, type, sizeof(buf), &buf);
}

/* The attributes naming a service. */
static int put_svc_id(struct nl_msg *m, const struct lb_service *s)
{
	nla_put_u16(m, IPVS_SVC_ATTR_AF, (uint16_t)svc_af(s));
	if (s->fwmark)
		return nla_put_u32(m, IPVS_SVC_ATTR_FWMARK, s->fwmark);
	nla_put_u16(m, IPVS_SVC_ATTR_PROTOCOL, s->proto);
	put_addr(m, IPVS_SVC_ATTR_ADDR, svc_af(s), s->vip, &s->vip6);
	return nla_put_u16(m, IPVS_SVC_ATTR_PORT, s->port);	/* network order */
}

static uint32_t svc_flags(const struct lb_service *s)
{
	uint32_t f = 0;

	if (s->persistent)
		f |= IP_VS_SVC_F_PERSISTENT;
	if (s->ops)
		f |= IP_VS_SVC_F_ONEPACKET;
	if (s->hash_port)
		f |= IP_VS_SVC_F_SCHED_SH_PORT;
	return f;
}

int ipvs_put_service(struct nl_msg *m, const struct lb_service *s, bool full)
{
	struct nlattr *nest = nla_nest_start(m, IPVS_CMD_ATTR_SERVICE);
	struct ip_vs_flags fl = {
		.flags = svc_flags(s),
		/* HASHED is the kernel's own */
		.mask = ~(uint32_t)IP_VS_SVC_F_HASHED,
	};

	if (!nest)
		return -EMSGSIZE;
	put_svc_id(m, s);
	if (full) {
		nla_put_string(m, IPVS_SVC_ATTR_SCHED_NAME, s->sched);
		nla_put(m, IPVS_SVC_ATTR_FLAGS, sizeof(fl), &fl);
		nla_put_u32(m, IPVS_SVC_ATTR_TIMEOUT, s->persistent);
		nla_put_u32(m, IPVS_SVC_ATTR_NETMASK, ipvs_svc_netmask(s));
	}
	return nla_nest_end(m, nest) ? -EMSGSIZE : 0;
}

static uint32_t fwd_method(enum lb_fwd fwd)
{
	switch (fwd) {
	case LB_FWD_GATE:
		return IP_VS_CONN_F_DROUTE;
	case LB_FWD_IPIP:
		return IP_VS_CONN_F_TUNNEL;
	case LB_FWD_MASQ:
		break;
	}
	return IP_VS_CONN_F_MASQ;
}

int ipvs_put_dest(struct nl_msg *m, const struct lb_service *s,
		  const struct lb_real *r, bool full)
{
	struct nlattr *nest = nla_nest_start(m, IPVS_CMD_ATTR_DEST);

	if (!nest)
		return -EMSGSIZE;
	put_addr(m, IPVS_DEST_ATTR_ADDR, svc_af(s), r->addr, &r->addr6);
	nla_put_u16(m, IPVS_DEST_ATTR_PORT, r->port);
	nla_put_u16(m, IPVS_DEST_ATTR_ADDR_FAMILY, (uint16_t)svc_af(s));
	if (full) {
		nla_put_u32(m, IPVS_DEST_ATTR_FWD_METHOD, fwd_method(r->fwd));
		nla_put_u32(m, IPVS_DEST_ATTR_WEIGHT, r->weight);
		nla_put_u32(m, IPVS_DEST_ATTR_U_THRESH, 0);
		nla_put_u32(m, IPVS_DEST_ATTR_L_THRESH, 0);
		if (r->fwd == LB_FWD_IPIP)
			nla_put_u8(m, IPVS_DEST_ATTR_TUN_TYPE,
				   IP_VS_CONN_F_TUNNEL_TYPE_IPIP);
	}
	return nla_nest_end(m, nest) ? -EMSGSIZE : 0;
}

/* ---- reading the kernel's table ---- */

static struct nla_policy stats_policy[IPVS_STATS_ATTR_MAX + 1] = {
	[IPVS_STATS_ATTR_CONNS] = { .type = NLA_U64 },
	[IPVS_STATS_ATTR_INPKTS] = { .type = NLA_U64 },
	[IPVS_STATS_ATTR_OUTPKTS] = { .type = NLA_U64 },
	[IPVS_STATS_ATTR_INBYTES] = { .type = NLA_U64 },
	[IPVS_STATS_ATTR_OUTBYTES] = { .type = NLA_U64 },
};

static void read_stats(struct nlattr *a, struct xd_counters *c)
{
	struct nlattr *st[IPVS_STATS_ATTR_MAX + 1];

	memset(c, 0, sizeof(*c));
	if (!a || nla_parse_nested(st, IPVS_STATS_ATTR_MAX, a, stats_policy))
		return;
#define U64(x) (st[x] ? nla_get_u64(st[x]) : 0)
	c->conns = U64(IPVS_STATS_ATTR_CONNS);
	c->pkts_in = U64(IPVS_STATS_ATTR_INPKTS);
	c->pkts_out = U64(IPVS_STATS_ATTR_OUTPKTS);
	c->bytes_in = U64(IPVS_STATS_ATTR_INBYTES);
	c->bytes_out = U64(IPVS_STATS_ATTR_OUTBYTES);
#undef U64
}

static void get_addr(struct nlattr *a, int af, uint32_t *a4,
		     struct in6_addr *a6)
{
	struct in6_addr buf = { 0 };

	if (a)
		nla_memcpy(&buf, a, sizeof(buf));
	if (af == AF_INET6)
		*a6 = buf;
	else
		memcpy(a4, &buf, sizeof(*a4));
}

/* One service of a GET_SERVICE dump, into an lb_service. */
int ipvs_parse_service(struct nlattr *nest, struct lb_service *s,
		       struct xd_counters *stats)
{
	struct nlattr *a[IPVS_SVC_ATTR_MAX + 1];
	struct ip_vs_flags fl = { 0 };

	memset(s, 0, sizeof(*s));
	if (!nest || nla_parse_nested(a, IPVS_SVC_ATTR_MAX, nest, NULL) ||
	    !a[IPVS_SVC_ATTR_AF])
		return -EPROTO;
	s->af = (uint8_t)nla_get_u16(a[IPVS_SVC_ATTR_AF]);
	s->dp = LB_DP_IPVS;
	if (a[IPVS_SVC_ATTR_FWMARK])
		s->fwmark = nla_get_u32(a[IPVS_SVC_ATTR_FWMARK]);
	if (!s->fwmark) {
		get_addr(a[IPVS_SVC_ATTR_ADDR], s->af, &s->vip, &s->vip6);
		if (a[IPVS_SVC_ATTR_PROTOCOL])
			s->proto = (uint8_t)nla_get_u16(a[IPVS_SVC_ATTR_PROTOCOL]);
		if (a[IPVS_SVC_ATTR_PORT])
			s->port = nla_get_u16(a[IPVS_SVC_ATTR_PORT]);
	}
	if (a[IPVS_SVC_ATTR_SCHED_NAME])
		nla_strlcpy(s->sched, a[IPVS_SVC_ATTR_SCHED_NAME],
			    sizeof(s->sched));
	if (a[IPVS_SVC_ATTR_FLAGS])
		nla_memcpy(&fl, a[IPVS_SVC_ATTR_FLAGS], sizeof(fl));
	if ((fl.flags & IP_VS_SVC_F_PERSISTENT) && a[IPVS_SVC_ATTR_TIMEOUT])
		s->persistent = nla_get_u32(a[IPVS_SVC_ATTR_TIMEOUT]);
	s->ops = fl.flags & IP_VS_SVC_F_ONEPACKET;
	s->hash_port = fl.flags & IP_VS_SVC_F_SCHED_SH_PORT;
	if (a[IPVS_SVC_ATTR_NETMASK])
		s->netmask = nla_get_u32(a[IPVS_SVC_ATTR_NETMASK]);
	if (stats)
		read_stats(a[IPVS_SVC_ATTR_STATS64], stats);
	return 0;
}

int ipvs_parse_dest(struct nlattr *nest, const struct lb_service *s,
		    struct lb_real *r, int64_t *active, int64_t *inactive,
		    struct xd_counters *stats)
{
	struct nlattr *a[IPVS_DEST_ATTR_MAX + 1];
	uint32_t fwd;

	memset(r, 0, sizeof(*r));
	if (!nest || nla_parse_nested(a, IPVS_DEST_ATTR_MAX, nest, NULL) ||
	    !a[IPVS_DEST_ATTR_ADDR])
		return -EPROTO;
	get_addr(a[IPVS_DEST_ATTR_ADDR], svc_af(s), &r->addr, &r->addr6);
	if (a[IPVS_DEST_ATTR_PORT])
		r->port = nla_get_u16(a[IPVS_DEST_ATTR_PORT]);
	if (a[IPVS_DEST_ATTR_WEIGHT])
		r->weight = nla_get_u32(a[IPVS_DEST_ATTR_WEIGHT]);
	fwd = a[IPVS_DEST_ATTR_FWD_METHOD] ?
	      nla_get_u32(a[IPVS_DEST_ATTR_FWD_METHOD]) & IP_VS_CONN_F_FWD_MASK :
	      IP_VS_CONN_F_MASQ;
	r->fwd = fwd == IP_VS_CONN_F_DROUTE ? LB_FWD_GATE :
		 fwd == IP_VS_CONN_F_TUNNEL ? LB_FWD_IPIP : LB_FWD_MASQ;
	r->local_node = fwd == IP_VS_CONN_F_LOCALNODE;
	if (active)
		*active = a[IPVS_DEST_ATTR_ACTIVE_CONNS] ?
			  nla_get_u32(a[IPVS_DEST_ATTR_ACTIVE_CONNS]) : 0;
	if (inactive)
		*inactive = a[IPVS_DEST_ATTR_INACT_CONNS] ?
			    nla_get_u32(a[IPVS_DEST_ATTR_INACT_CONNS]) : 0;
	if (stats)
		read_stats(a[IPVS_DEST_ATTR_STATS64], stats);
	return 0;
}

/* The kernel's table with counters: a snapshot without reasons. */
struct read_ctx {
	struct backend_svc_stat *svcs;
	size_t n, cap;
	struct backend_svc_stat *cur;	/* the service whose dests come */
};

static int svc_cb(struct nlattr **attrs, void *arg)
{
	struct read_ctx *x = arg;
	struct backend_svc_stat *s;

	if (x->n == x->cap) {
		size_t ncap = x->cap ? x->cap * 2 : 16;
		struct backend_svc_stat *n = realloc(x->svcs, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		x->svcs = n;
		x->cap = ncap;
	}
	s = &x->svcs[x->n];
	memset(s, 0, sizeof(*s));
	if (ipvs_parse_service(attrs[IPVS_CMD_ATTR_SERVICE], &s->svc,
			       &s->counters))
		return -EPROTO;
	s->id = (uint32_t)x->n++;
	return 0;
}

static int dest_cb(struct nlattr **attrs, void *arg)
{
	struct read_ctx *x = arg;
	struct backend_svc_stat *s = x->cur;
	struct backend_real_stat *r, *n;

	n = realloc(s->reals, (s->nreals + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	s->reals = n;
	r = &s->reals[s->nreals];
	memset(r, 0, sizeof(*r));
	if (ipvs_parse_dest(attrs[IPVS_CMD_ATTR_DEST], &s->svc, &r->real,
			    &r->active, &r->inactive, &r->counters))
		return -EPROTO;
	r->id = (uint32_t)s->nreals++;
	r->in_use = true;
	return 0;
}

static void read_ctx_free(struct read_ctx *x)
{
	for (size_t i = 0; i < x->n; i++)
		free(x->svcs[i].reals);
	free(x->svcs);
	memset(x, 0, sizeof(*x));
}

static int read_table(struct ipvs_backend *v, struct read_ctx *x)
{
	struct nl_msg *m = ipvs_msg(v, IPVS_CMD_GET_SERVICE, NLM_F_DUMP);
	int rc;

	memset(x, 0, sizeof(*x));
	if (!m)
		return -ENOMEM;
	rc = ipvs_talk(v, m, svc_cb, x);
	for (size_t i = 0; !rc && i < x->n; i++) {
		m = ipvs_msg(v, IPVS_CMD_GET_DEST, NLM_F_DUMP);
		if (!m || ipvs_put_service(m, &x->svcs[i].svc, false)) {
			nlmsg_free(m);
			rc = -ENOMEM;
			break;
		}
		x->cur = &x->svcs[i];
		rc = ipvs_talk(v, m, dest_cb, x);
	}
	if (rc)
		read_ctx_free(x);
	return rc;
}

/* The read-back table as an lb_table pointing into x (not to be freed). */
static int as_table(struct read_ctx *x, struct lb_table *t)
{
	t->nsvcs = x->n;
	t->svcs = calloc(x->n ? x->n : 1, sizeof(*t->svcs));
	if (!t->svcs)
		return -ENOMEM;
	for (size_t i = 0; i < x->n; i++) {
		struct backend_svc_stat *s = &x->svcs[i];

		t->svcs[i] = s->svc;
		t->svcs[i].nreals = s->nreals;
		t->svcs[i].reals = calloc(s->nreals ? s->nreals : 1,
					  sizeof(struct lb_real));
		if (!t->svcs[i].reals) {
			t->nsvcs = i;
			lb_table_free(t);
			return -ENOMEM;
		}
		for (size_t j = 0; j < s->nreals; j++)
			t->svcs[i].reals[j] = s->reals[j].real;
	}
	return 0;
}

/* ---- apply ---- */

static int validate(const struct lb_table *t, char *err, size_t errlen)
{
	for (size_t i = 0; i < t->nsvcs; i++) {
		const struct lb_service *s = &t->svcs[i];
		char name[80];

		lb_service_str(s, name, sizeof(name));
		if (!ipvs_sched_known(s->sched)) {
			snprintf(err, errlen, "%s:%d: virtual %s: IPVS has no "
				 "scheduler '%s'", s->file ? s->file : "?",
				 s->line, name, s->sched);
			return -EINVAL;
		}
		if (!s->fwmark && s->proto != IPPROTO_TCP &&
		    s->proto != IPPROTO_UDP) {
			snprintf(err, errlen, "%s:%d: virtual %s: protocol %u "
				 "is not TCP or UDP", s->file ? s->file : "?",
				 s->line, name, s->proto);
			return -EINVAL;
		}
	}
	return 0;
}

static int load_modules(const struct lb_table *t, char *err, size_t errlen)
{
	int rc = 0;

	for (size_t i = 0; !rc && i < t->nsvcs; i++) {
		char mod[32];

		snprintf(mod, sizeof(mod), "ip_vs_%s", t->svcs[i].sched);
		rc = load_module(mod, NULL, err, errlen);
	}
	return rc ? rc : load_ftp(t, err, errlen);
}

static int run_op(struct ipvs_backend *v, const struct ipvs_op *op)
{
	static const int cmds[] = {
		[IPVS_OP_DEL_SVC] = IPVS_CMD_DEL_SERVICE,
		[IPVS_OP_ADD_SVC] = IPVS_CMD_NEW_SERVICE,
		[IPVS_OP_EDIT_SVC] = IPVS_CMD_SET_SERVICE,
		[IPVS_OP_DEL_DEST] = IPVS_CMD_DEL_DEST,
		[IPVS_OP_ADD_DEST] = IPVS_CMD_NEW_DEST,
		[IPVS_OP_EDIT_DEST] = IPVS_CMD_SET_DEST,
	};
	bool svc_full = op->kind == IPVS_OP_ADD_SVC || op->kind == IPVS_OP_EDIT_SVC;
	struct nl_msg *m = ipvs_msg(v, cmds[op->kind], 0);

	if (!m)
		return -ENOMEM;
	if (ipvs_put_service(m, op->svc, svc_full) ||
	    (op->real && ipvs_put_dest(m, op->svc, op->real,
				       op->kind != IPVS_OP_DEL_DEST))) {
		nlmsg_free(m);
		return -EMSGSIZE;
	}
	return ipvs_talk(v, m, NULL, NULL);
}

static void describe_op(const struct ipvs_op *op, char *buf, size_t len)
{
	char svc[80], real[INET6_ADDRSTRLEN] = "";

	lb_service_str(op->svc, svc, sizeof(svc));
	if (op->real)
		lb_real_addr_str(op->svc, op->real, real, sizeof(real));
	if (op->real)
		snprintf(buf, len, "%s %s:%u of %s", ipvs_op_name(op->kind),
			 real, ntohs(op->real->port), svc);
	else
		snprintf(buf, len, "%s %s", ipvs_op_name(op->kind), svc);
}

static int set_timeouts(struct ipvs_backend *v)
{
	struct nl_msg *m = ipvs_msg(v, IPVS_CMD_SET_CONFIG, 0);

	if (!m)
		return -ENOMEM;
	nla_put_u32(m, IPVS_CMD_ATTR_TIMEOUT_TCP, IPVS_TIMEOUT_TCP);
	nla_put_u32(m, IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, IPVS_TIMEOUT_TCP_FIN);
	nla_put_u32(m, IPVS_CMD_ATTR_TIMEOUT_UDP, IPVS_TIMEOUT_UDP);
	return ipvs_talk(v, m, NULL, NULL);
}

static int copy_table(const struct lb_table *src, struct lb_table *dst)
{
	memset(dst, 0, sizeof(*dst));
	dst->svcs = calloc(src->nsvcs ? src->nsvcs : 1, sizeof(*dst->svcs));
	if (!dst->svcs)
		return -ENOMEM;
	for (size_t i = 0; i < src->nsvcs; i++) {
		struct lb_service *d = &dst->svcs[dst->nsvcs++];

		*d = src->svcs[i];
		d->reals = calloc(d->nreals ? d->nreals : 1, sizeof(*d->reals));
		if (!d->reals) {
			lb_table_free(dst);
			return -ENOMEM;
		}
		memcpy(d->reals, src->svcs[i].reals,
		       d->nreals * sizeof(*d->reals));
	}
	return 0;
}

static int ipvs_apply(struct backend *b, const struct lb_table *t, char *err,
		      size_t errlen)
{
	struct ipvs_backend *v = to_ipvs(b);
	struct lb_table have, copy;
	struct ipvs_plan plan;
	struct read_ctx x;
	int rc;

	rc = validate(t, err, errlen);
	if (!rc)
		rc = load_modules(t, err, errlen);
	if (rc)
		return rc;
	rc = read_table(v, &x);
	if (rc) {
		snprintf(err, errlen, "IPVS: read the kernel's table: %s",
			 strerror(-rc));
		return rc;
	}
	rc = as_table(&x, &have);
	if (!rc)
		rc = ipvs_plan_build(t, &have, &plan);
	if (rc) {
		snprintf(err, errlen, "IPVS: plan: %s", strerror(-rc));
		goto out_have;
	}
	for (size_t i = 0; i < plan.nops; i++) {
		char what[200];

		describe_op(&plan.ops[i], what, sizeof(what));
		rc = run_op(v, &plan.ops[i]);
		if (rc) {
			snprintf(err, errlen, "IPVS: %s: %s", what, strerror(-rc));
			break;
		}
		xd_dbg("IPVS: %s", what);
	}
	ipvs_plan_free(&plan);
	if (!rc && !copy_table(t, &copy)) {
		lb_table_free(&v->want);
		v->want = copy;
	}
out_have:
	lb_table_free(&have);
	read_ctx_free(&x);
	return rc;
}

/* ---- reading for the CLI ---- */

static const struct lb_service *wanted(struct ipvs_backend *v,
				       const struct lb_service *s)
{
	for (size_t i = 0; i < v->want.nsvcs; i++)
		if (ipvs_svc_same_id(&v->want.svcs[i], s))
			return &v->want.svcs[i];
	return NULL;
}

static int ipvs_snapshot(struct backend *b, struct backend_snapshot *s)
{
	struct ipvs_backend *v = to_ipvs(b);
	struct read_ctx x;
	int rc;

	memset(s, 0, sizeof(*s));
	rc = read_table(v, &x);
	if (rc)
		return rc;
	s->svcs = x.svcs;
	s->nsvcs = x.n;
	for (size_t i = 0; i < s->nsvcs; i++) {
		struct lb_service *svc = &s->svcs[i].svc;
		const struct lb_service *w = wanted(v, svc);

		snprintf(svc->dp_why, sizeof(svc->dp_why), "%s",
			 w ? w->dp_why : "in the kernel's table, not configured");
		if (w) {
			svc->ftp = w->ftp;
			svc->file = w->file;
			svc->line = w->line;
		}
	}
	return 0;
}

/* /proc/net/ip_vs_conn's state names, as ours. */
static int conn_state(const char *name, uint8_t proto)
{
	static const struct { const char *name; int state; } m[] = {
		{ "ESTABLISHED", XD_TCP_ESTABLISHED }, { "SYN_RECV", XD_TCP_SYN_RECV },
		{ "SYN_SENT", XD_TCP_SYN_RECV }, { "SYNACK", XD_TCP_SYN_RECV },
		{ "FIN_WAIT", XD_TCP_FIN_WAIT }, { "CLOSE_WAIT", XD_TCP_FIN_WAIT },
		{ "LAST_ACK", XD_TCP_FIN_WAIT }, { "TIME_WAIT", XD_TCP_TIME_WAIT },
		{ "CLOSE", XD_TCP_CLOSE },
	};

	if (proto == IPPROTO_UDP)
		return XD_UDP;
	for (size_t i = 0; i < ARRAY_SIZE(m); i++)
		if (!strcmp(name, m[i].name))
			return m[i].state;
	return XD_TCP_NONE;
}

/* One line of /proc/net/ip_vs_conn (IPv4: addresses and ports in hex).
 * 1: a connection; 0: not one (header, template, IPv6). */
int ipvs_parse_conn_line(const char *line, struct backend_conn *c)
{
	char pro[8], state[16];
	unsigned ca, cp, va, vp, da, dp;
	unsigned long expires;

	if (sscanf(line, "%7s %8X %4X %8X %4X %8X %4X %15s %lu", pro, &ca, &cp,
		   &va, &vp, &da, &dp, state, &expires) != 9)
		return 0;
	memset(c, 0, sizeof(*c));
	if (!strcmp(pro, "TCP"))
		c->key.proto = IPPROTO_TCP;
	else if (!strcmp(pro, "UDP"))
		c->key.proto = IPPROTO_UDP;
	else
		return 0;	/* persistence templates ("IP") and others */
	c->key.saddr = htonl(ca);
	c->key.sport = htons((uint16_t)cp);
	c->key.daddr = htonl(va);
	c->key.dport = htons((uint16_t)vp);
	c->conn.raddr = htonl(da);
	c->conn.rport = htons((uint16_t)dp);
	c->conn.state = (uint8_t)conn_state(state, c->key.proto);
	c->expires_in_ms = (uint64_t)expires * 1000;
	return 1;
}

static int ipvs_conns(struct backend *b, backend_conn_cb cb, void *arg)
{
	FILE *f = fopen(IPVS_CONN_PROC, "re");
	char line[512];
	int rc = 0;

	if (!f)
		return -errno;
	while (!rc && fgets(line, sizeof(line), f)) {
		struct backend_conn c;

		if (ipvs_parse_conn_line(line, &c) == 1)
			rc = cb(&c, arg);
	}
	fclose(f);
	return rc > 0 ? 1 : rc;
}

/* ---- the kernel's sync daemon ---- */

static int daemon_msg(struct ipvs_backend *v, int cmd, int state,
		      const struct ipvs_sync_opts *o)
{
	struct nl_msg *m = ipvs_msg(v, cmd, 0);
	struct nlattr *nest;

	if (!m)
		return -ENOMEM;
	nest = nla_nest_start(m, IPVS_CMD_ATTR_DAEMON);
	nla_put_u32(m, IPVS_DAEMON_ATTR_STATE, (uint32_t)state);
	if (cmd == IPVS_CMD_NEW_DAEMON) {
		nla_put_string(m, IPVS_DAEMON_ATTR_MCAST_IFN, o->ifname);
		nla_put_u32(m, IPVS_DAEMON_ATTR_SYNC_ID, o->syncid);
		if (o->port)
			nla_put_u16(m, IPVS_DAEMON_ATTR_MCAST_PORT, o->port);
	}
	nla_nest_end(m, nest);
	return ipvs_talk(v, m, NULL, NULL);
}

static const char *sync_state_name(int state)
{
	return state == IP_VS_STATE_MASTER ? "master" :
	       state == IP_VS_STATE_BACKUP ? "backup" : "none";
}

/*
 * As LVSSyncDaemonSwap: stop the daemon of the old role, start the one
 * of the new (1 master, 2 backup, 0 none). The kernel keeps the
 * connections a backup daemon received when it stops, so the new
 * master carries them on.
 */
int ipvs_backend_sync_role(struct backend *b, int role,
			   const struct ipvs_sync_opts *o, char *err,
			   size_t errlen)
{
	struct ipvs_backend *v = to_ipvs(b);
	int want = role == 1 ? IP_VS_STATE_MASTER :
		   role == 2 ? IP_VS_STATE_BACKUP : IP_VS_STATE_NONE;
	int rc;

	if (want == v->sync_state)
		return 0;
	if (want && (!o || !o->ifname || !*o->ifname)) {
		snprintf(err, errlen, "IPVS sync daemon: no sync interface "
			 "configured (syncinterface= in ldirectord.cf, or "
			 "--sync-dev)");
		return -EINVAL;
	}
	if (v->sync_state) {
		rc = daemon_msg(v, IPVS_CMD_DEL_DAEMON, v->sync_state, o);
		if (rc && rc != -ESRCH) {
			snprintf(err, errlen, "IPVS sync daemon: stop %s: %s",
				 sync_state_name(v->sync_state), strerror(-rc));
			return rc;
		}
		v->sync_state = IP_VS_STATE_NONE;
	}
	if (want) {
		rc = daemon_msg(v, IPVS_CMD_NEW_DAEMON, want, o);
		/* an earlier daemon of ours left it running */
		if (rc == -EEXIST)
			rc = 0;
		if (rc) {
			snprintf(err, errlen, "IPVS sync daemon: start %s on %s "
				 "(sync id %u): %s", sync_state_name(want),
				 o->ifname, o->syncid, strerror(-rc));
			return rc;
		}
		v->sync_state = want;
	}
	xd_info("IPVS sync daemon: %s%s%s", sync_state_name(want),
		want ? " on " : "", want ? o->ifname : "");
	return 0;
}

const char *ipvs_backend_sync_state(struct backend *b)
{
	return sync_state_name(to_ipvs(b)->sync_state);
}

/* ---- the rest of backend_ops ---- */

static void ipvs_maintain(struct backend *b)
{
	/* the kernel expires its own connections */
}

static int ipvs_install_conn(struct backend *b,
			     const struct backend_sync_conn *c)
{
	return -ENOTSUP;	/* the kernel's sync daemon does this */
}

static int ipvs_set_events(struct backend *b, bool on)
{
	return -ENOTSUP;
}

static int ipvs_no_fd(struct backend *b)
{
	return -ENOTSUP;
}

static int flush(struct ipvs_backend *v)
{
	struct nl_msg *m = ipvs_msg(v, IPVS_CMD_FLUSH, 0);

	return m ? ipvs_talk(v, m, NULL, NULL) : -ENOMEM;
}

static void ipvs_close(struct backend *b, bool detach)
{
	struct ipvs_backend *v = to_ipvs(b);
	char err[256];

	if (detach) {
		int rc = flush(v);

		if (rc)
			xd_err("IPVS: flush the table: %s", strerror(-rc));
		if (ipvs_backend_sync_role(b, 0, NULL, err, sizeof(err)))
			xd_err("%s", err);
	}
	lb_table_free(&v->want);
	nl_socket_free(v->sk);
	free(v);
}

static const struct backend_ops ipvs_ops = {
	.name = "ipvs",
	.apply = ipvs_apply,
	.snapshot = ipvs_snapshot,
	.conns = ipvs_conns,
	.maintain = ipvs_maintain,
	.install_conn = ipvs_install_conn,
	.set_events = ipvs_set_events,
	.events_fd = ipvs_no_fd,
	.peer_acks_fd = ipvs_no_fd,
	.close = ipvs_close,
};

/* The running daemon's role, as the kernel reports it (GET_DAEMON). */
static int daemon_cb(struct nlattr **attrs, void *arg)
{
	struct nlattr *a[IPVS_DAEMON_ATTR_MAX + 1];
	int *state = arg;

	if (attrs[IPVS_CMD_ATTR_DAEMON] &&
	    !nla_parse_nested(a, IPVS_DAEMON_ATTR_MAX,
			      attrs[IPVS_CMD_ATTR_DAEMON], NULL) &&
	    a[IPVS_DAEMON_ATTR_STATE])
		*state |= (int)nla_get_u32(a[IPVS_DAEMON_ATTR_STATE]);
	return 0;
}

int ipvs_backend_open(struct backend **out, char *err, size_t errlen)
{
	struct ipvs_backend *v;
	struct nl_msg *m;
	int rc;

	*out = NULL;
	rc = load_module("ip_vs", NULL, err, errlen);
	if (rc) {
		snprintf(err, errlen, "IPVS: this kernel has no ip_vs module "
			 "(modprobe ip_vs failed)");
		return rc;
	}
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->base.ops = &ipvs_ops;
	v->sk = nl_socket_alloc();
	if (!v->sk || genl_connect(v->sk)) {
		snprintf(err, errlen, "IPVS: generic netlink socket: %s",
			 strerror(errno));
		rc = -EIO;
		goto fail;
	}
	v->family = genl_ctrl_resolve(v->sk, IPVS_GENL_NAME);
	if (v->family < 0) {
		snprintf(err, errlen, "IPVS: this kernel has no IPVS generic "
			 "netlink family (ip_vs not built in or not loadable)");
		rc = -ENOENT;
		goto fail;
	}
	/* a dump is as large as the kernel makes it */
	nl_socket_set_msg_buf_size(v->sk, 64 * 1024);
	rc = set_timeouts(v);
	if (rc) {
		snprintf(err, errlen, "IPVS: set connection timeouts: %s",
			 strerror(-rc));
		goto fail;
	}
	m = ipvs_msg(v, IPVS_CMD_GET_DAEMON, NLM_F_DUMP);
	if (m)
		ipvs_talk(v, m, daemon_cb, &v->sync_state);
	/* a restart keeps what the last daemon set up: resumed */
	v->base.resumed = true;
	*out = &v->base;
	return 0;
fail:
	nl_socket_free(v->sk);
	free(v);
	return rc;
}
