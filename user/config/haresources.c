// SPDX-License-Identifier: GPL-2.0
/*
 * haresources parser. Words are separated by blanks, '#' starts a
 * comment, a trailing '\' joins the next line to the group. Resource
 * words are Agent::arg::arg; the whole file is parsed before anything is
 * handed back.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/cfgutil.h"
#include "config/haresources.h"
#include "config/hacf.h"

#define HR_MAX_LINE	4096
#define HR_MAX_ARGS	8
#define HR_SUPPORTED	"IPaddr, IPaddr2, ldirectord, LVSSyncDaemonSwap"

struct hr_parser {
	struct cfg_ctx cx;
	struct ha_resources res;
	struct ha_group *cur;	/* group being read, NULL between lines */
};

#define perr(p, ...)	cfg_err(&(p)->cx, __VA_ARGS__)

/* A prefix length "24" or a contiguous dotted netmask "255.255.255.0". */
static int parse_prefix(const char *s, uint8_t *prefix)
{
	uint32_t mask;
	char *end;
	long v;

	if (strchr(s, '.')) {
		if (cfg_parse_ipv4(s, &mask))
			return -EINVAL;
		mask = ntohl(mask);
		if (mask == 0 || (~mask & (~mask + 1)) != 0)
			return -EINVAL;
		*prefix = 32 - __builtin_ctz(mask);
		return 0;
	}
	v = strtol(s, &end, 10);
	if (end == s || *end || v < 1 || v > 32)
		return -EINVAL;
	*prefix = v;
	return 0;
}

/* ip[/cidr-or-netmask[/dev[/broadcast]]]; empty fields mean "derive". */
static int parse_ipaddr(struct hr_parser *p, struct ha_resource *r,
			const char *agent, const char *spec)
{
	char buf[128], *f[5], *s;
	int nf = 0;

	if (strlen(spec) >= sizeof(buf))
		return perr(p, -EINVAL, "%s: argument too long", agent);
	snprintf(buf, sizeof(buf), "%s", spec);
	for (s = buf; nf < 5; nf++) {
		f[nf] = s;
		s = strchr(s, '/');
		if (!s) {
			nf++;
			break;
		}
		*s++ = '\0';
	}
	if (nf > 4)
		return perr(p, -EINVAL,
			    "%s::%s: expected ip[/cidr[/dev[/broadcast]]]",
			    agent, spec);
	if (cfg_parse_ipv4(f[0], &r->addr))
		return perr(p, -EINVAL, "%s: '%s' is not an IPv4 address",
			    agent, f[0]);
	if (nf > 1 && *f[1] && parse_prefix(f[1], &r->prefix))
		return perr(p, -EINVAL,
			    "%s: '%s' is not a prefix length (1-32) or netmask",
			    agent, f[1]);
	if (nf > 2 && strlen(f[2]) >= sizeof(r->dev))
		return perr(p, -EINVAL, "%s: interface name '%s' too long",
			    agent, f[2]);
	if (nf > 2)
		snprintf(r->dev, sizeof(r->dev), "%s", f[2]);
	if (nf > 3 && *f[3] && cfg_parse_ipv4(f[3], &r->broadcast))
		return perr(p, -EINVAL,
			    "%s: broadcast '%s' is not an IPv4 address",
			    agent, f[3]);
	r->kind = HA_RES_IPADDR;
	r->arg = strdup(agent);
	return r->arg ? 0 : perr(p, -ENOMEM, "out of memory");
}

static const struct ha_resource *find_addr(const struct ha_resources *res,
					   uint32_t addr)
{
	size_t g, i;

	for (g = 0; g < res->ngroups; g++)
		for (i = 0; i < res->groups[g].nres; i++)
			if (res->groups[g].res[i].kind == HA_RES_IPADDR &&
			    res->groups[g].res[i].addr == addr)
				return &res->groups[g].res[i];
	return NULL;
}

/* Split "Agent::a::b" in place; returns the number of arguments. */
static int split_agent(char *word, char **args)
{
	int n = 0;
	char *s = word, *sep;

	while ((sep = strstr(s, "::")) != NULL) {
		*sep = '\0';
		s = sep + 2;
		if (n == HR_MAX_ARGS)
			return -E2BIG;
		args[n++] = s;
	}
	return n;
}

static int parse_resource(struct hr_parser *p, const char *word)
{
	struct ha_group *g = p->cur;
	struct ha_resource *r, tmp = { .line = p->cx.line };
	const struct ha_resource *dup;
	char buf[HR_MAX_LINE], *args[HR_MAX_ARGS];
	const char *agent;
	int nargs, rc;

	snprintf(buf, sizeof(buf), "%s", word);
	agent = buf;
	nargs = split_agent(buf, args);
	if (nargs < 0)
		return perr(p, -EINVAL, "'%s': too many arguments", word);

	/* heartbeat reads a resource that starts with a digit as IPaddr. */
	if (isdigit((unsigned char)agent[0]) && nargs == 0) {
		rc = parse_ipaddr(p, &tmp, "IPaddr", agent);
	} else if (strcmp(agent, "IPaddr") == 0 ||
		   strcmp(agent, "IPaddr2") == 0) {
		if (nargs != 1)
			return perr(p, -EINVAL,
				    "%s: expected %s::ip[/cidr[/dev[/broadcast]]]",
				    agent, agent);
		rc = parse_ipaddr(p, &tmp, agent, args[0]);
	} else if (strcmp(agent, "ldirectord") == 0) {
		if (nargs > 1 || (nargs == 1 && !*args[0]))
			return perr(p, -EINVAL,
				    "ldirectord: expected ldirectord[::configfile]");
		tmp.kind = HA_RES_LDIRECTORD;
		rc = 0;
		if (nargs == 1) {
			tmp.arg = strdup(args[0]);
			rc = tmp.arg ? 0 : perr(p, -ENOMEM, "out of memory");
		}
	} else if (strcmp(agent, "LVSSyncDaemonSwap") == 0) {
		if (nargs != 1 || (strcmp(args[0], "master") != 0 &&
				   strcmp(args[0], "backup") != 0))
			return perr(p, -EINVAL,
				    "LVSSyncDaemonSwap: expected LVSSyncDaemonSwap::master or ::backup");
		tmp.kind = HA_RES_LVSSYNC;
		tmp.arg = strdup(args[0]);
		rc = tmp.arg ? 0 : perr(p, -ENOMEM, "out of memory");
	} else {
		return perr(p, -ENOTSUP,
			    "unknown resource agent '%s' (supported: " HR_SUPPORTED ")",
			    agent);
	}
	if (rc) {
		free(tmp.arg);
		return rc;
	}

	if (tmp.kind == HA_RES_IPADDR) {
		dup = find_addr(&p->res, tmp.addr);
		if (dup) {
			char a[INET_ADDRSTRLEN];

			inet_ntop(AF_INET, &tmp.addr, a, sizeof(a));
			free(tmp.arg);
			return perr(p, -EINVAL, "address %s already used at line %d",
				    a, dup->line);
		}
	}
	if (cfg_push((void **)&g->res, &g->nres, sizeof(*r))) {
		free(tmp.arg);
		return perr(p, -ENOMEM, "out of memory");
	}
	g->res[g->nres - 1] = tmp;
	return 0;
}

static int start_group(struct hr_parser *p, const char *node)
{
	struct ha_group *g;

	if (cfg_push((void **)&p->res.groups, &p->res.ngroups, sizeof(*g)))
		return perr(p, -ENOMEM, "out of memory");
	g = &p->res.groups[p->res.ngroups - 1];
	g->line = p->cx.line;
	g->node = strdup(node);
	if (!g->node)
		return perr(p, -ENOMEM, "out of memory");
	p->cur = g;
	return 0;
}

static int end_group(struct hr_parser *p)
{
	struct ha_group *g = p->cur;

	p->cur = NULL;
	if (g && g->nres == 0) {
		p->cx.line = g->line;
		return perr(p, -EINVAL, "node %s has no resources", g->node);
	}
	return 0;
}

static int parse_line(void *arg, char *buf)
{
	struct hr_parser *p = arg;
	size_t len;
	bool cont = false;
	char *w;
	int rc;

	cfg_cut_comment(buf);
	buf = cfg_trim(buf);
	len = strlen(buf);
	if (len && buf[len - 1] == '\\') {
		buf[--len] = '\0';
		cont = true;
	}

	while ((w = cfg_next_word(&buf)) != NULL) {
		rc = p->cur ? parse_resource(p, w) : start_group(p, w);
		if (rc)
			return rc;
	}
	if (!cont && p->cur)
		return end_group(p);
	return 0;
}

void ha_resources_free(struct ha_resources *res)
{
	size_t g, i;

	if (!res)
		return;
	for (g = 0; g < res->ngroups; g++) {
		for (i = 0; i < res->groups[g].nres; i++)
			free(res->groups[g].res[i].arg);
		free(res->groups[g].res);
		free(res->groups[g].node);
	}
	free(res->groups);
	memset(res, 0, sizeof(*res));
}

int ha_resources_parse_string(const char *name, const char *text,
			      struct ha_resources *res,
			      char *err, size_t errlen)
{
	struct hr_parser p = {
		.cx = {
			.name = name ? name : "haresources",
			.err = err,
			.errlen = errlen,
		},
	};
	int rc;

	memset(res, 0, sizeof(*res));
	if (err && errlen)
		err[0] = '\0';

	rc = cfg_each_line(&p.cx, text, CFG_MAX_LINE, parse_line, &p);
	/* A '\' on the last line leaves the group open. */
	if (!rc && p.cur)
		rc = end_group(&p);
	if (rc) {
		ha_resources_free(&p.res);
		return rc;
	}
	*res = p.res;
	return 0;
}

int ha_resources_load(const char *path, struct ha_resources *res,
		      char *err, size_t errlen)
{
	char *text = NULL;
	int rc;

	memset(res, 0, sizeof(*res));
	rc = cfg_read_file(path, &text, err, errlen);
	if (rc)
		return rc;
	rc = ha_resources_parse_string(path, text, res, err, errlen);
	cfg_free_text(text);
	return rc;
}

int ha_resources_check_nodes(const struct ha_resources *res,
			     const struct ha_config *cfg, const char *name,
			     char *err, size_t errlen)
{
	size_t g;

	for (g = 0; g < res->ngroups; g++) {
		if (!ha_config_has_node(cfg, res->groups[g].node)) {
			snprintf(err, errlen,
				 "%s:%d: node %s is not a 'node' in ha.cf",
				 name ? name : "haresources",
				 res->groups[g].line, res->groups[g].node);
			return -EINVAL;
		}
	}
	return 0;
}
