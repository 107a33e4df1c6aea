// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include "backend/ipvs_plan.h"

static int svc_af(const struct lb_service *s)
{
	return s->af == AF_INET6 ? AF_INET6 : AF_INET;
}

bool ipvs_svc_same_id(const struct lb_service *a, const struct lb_service *b)
{
	if (svc_af(a) != svc_af(b) || a->fwmark != b->fwmark)
		return false;
	if (a->fwmark)
		return true;
	if (a->proto != b->proto || a->port != b->port)
		return false;
	if (svc_af(a) == AF_INET6)
		return !memcmp(&a->vip6, &b->vip6, sizeof(a->vip6));
	return a->vip == b->vip;
}

uint32_t ipvs_svc_netmask(const struct lb_service *s)
{
	if (svc_af(s) == AF_INET6)
		return s->netmask ? s->netmask : 128;
	return s->netmask ? s->netmask : 0xffffffff;
}

/* What SET_SERVICE can change in place. */
static bool svc_same_attrs(const struct lb_service *a,
			   const struct lb_service *b)
{
	return !strcmp(a->sched, b->sched) &&
	       a->persistent == b->persistent &&
	       ipvs_svc_netmask(a) == ipvs_svc_netmask(b) &&
	       a->ops == b->ops && a->hash_port == b->hash_port;
}

static bool real_same_id(const struct lb_service *s, const struct lb_real *a,
			 const struct lb_real *b)
{
	if (a->port != b->port)
		return false;
	if (svc_af(s) == AF_INET6)
		return !memcmp(&a->addr6, &b->addr6, sizeof(a->addr6));
	return a->addr == b->addr;
}

/* The kernel turns the method of a real on one of the director's own
 * addresses into local delivery: that matches whatever was asked. */
static bool real_same_attrs(const struct lb_real *want,
			    const struct lb_real *have)
{
	return want->weight == have->weight &&
	       (want->fwd == have->fwd || have->local_node);
}

static const struct lb_service *find_svc(const struct lb_table *t,
					 const struct lb_service *s)
{
	for (size_t i = 0; i < t->nsvcs; i++)
		if (ipvs_svc_same_id(&t->svcs[i], s))
			return &t->svcs[i];
	return NULL;
}

static const struct lb_real *find_real(const struct lb_service *s,
				       const struct lb_real *r)
{
	for (size_t i = 0; i < s->nreals; i++)
		if (real_same_id(s, &s->reals[i], r))
			return &s->reals[i];
	return NULL;
}

static int push(struct ipvs_plan *p, size_t *cap, enum ipvs_op_kind kind,
		const struct lb_service *svc, const struct lb_real *real)
{
	if (p->nops == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct ipvs_op *n = realloc(p->ops, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		p->ops = n;
		*cap = ncap;
	}
	p->ops[p->nops++] = (struct ipvs_op){ kind, svc, real };
	return 0;
}

static int plan_reals(struct ipvs_plan *p, size_t *cap,
		      const struct lb_service *want,
		      const struct lb_service *have)
{
	int rc = 0;

	for (size_t i = 0; have && !rc && i < have->nreals; i++)
		if (!find_real(want, &have->reals[i]))
			rc = push(p, cap, IPVS_OP_DEL_DEST, want, &have->reals[i]);
	for (size_t i = 0; !rc && i < want->nreals; i++) {
		const struct lb_real *r = &want->reals[i];
		const struct lb_real *old = have ? find_real(have, r) : NULL;

		if (!old)
			rc = push(p, cap, IPVS_OP_ADD_DEST, want, r);
		else if (!real_same_attrs(r, old))
			rc = push(p, cap, IPVS_OP_EDIT_DEST, want, r);
	}
	return rc;
}

int ipvs_plan_build(const struct lb_table *want, const struct lb_table *have,
		    struct ipvs_plan *p)
{
	size_t cap = 0;
	int rc = 0;

	memset(p, 0, sizeof(*p));
	for (size_t i = 0; !rc && i < have->nsvcs; i++)
		if (!find_svc(want, &have->svcs[i]))
			rc = push(p, &cap, IPVS_OP_DEL_SVC, &have->svcs[i], NULL);
	for (size_t i = 0; !rc && i < want->nsvcs; i++) {
		const struct lb_service *s = &want->svcs[i];
		const struct lb_service *old = find_svc(have, s);

		if (!old)
			rc = push(p, &cap, IPVS_OP_ADD_SVC, s, NULL);
		else if (!svc_same_attrs(s, old))
			rc = push(p, &cap, IPVS_OP_EDIT_SVC, s, NULL);
		if (!rc)
			rc = plan_reals(p, &cap, s, old);
	}
	if (rc)
		ipvs_plan_free(p);
	return rc;
}

void ipvs_plan_free(struct ipvs_plan *p)
{
	free(p->ops);
	p->ops = NULL;
	p->nops = 0;
}

const char *ipvs_op_name(enum ipvs_op_kind k)
{
	static const char *const names[] = {
		[IPVS_OP_DEL_SVC] = "delete service",
		[IPVS_OP_ADD_SVC] = "add service",
		[IPVS_OP_EDIT_SVC] = "edit service",
		[IPVS_OP_DEL_DEST] = "delete real server",
		[IPVS_OP_ADD_DEST] = "add real server",
		[IPVS_OP_EDIT_DEST] = "edit real server",
	};

	return k <= IPVS_OP_EDIT_DEST ? names[k] : "?";
}
