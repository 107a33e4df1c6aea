/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The IPVS backend's diff: what to add, edit and delete so that the
 * kernel's table (as read back) becomes the desired one. Pure: no
 * netlink here, so the unit tests run it on any kernel.
 */
#ifndef XD_IPVS_PLAN_H
#define XD_IPVS_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "lb.h"

enum ipvs_op_kind {
	IPVS_OP_DEL_SVC,
	IPVS_OP_ADD_SVC,
	IPVS_OP_EDIT_SVC,
	IPVS_OP_DEL_DEST,
	IPVS_OP_ADD_DEST,
	IPVS_OP_EDIT_DEST,
};

/* svc and real point into the desired table, except for deletions,
 * which point into the kernel's. */
struct ipvs_op {
	enum ipvs_op_kind kind;
	const struct lb_service *svc;
	const struct lb_real *real;
};

struct ipvs_plan {
	struct ipvs_op *ops;
	size_t nops;
};

/* Deletions of services first, then per desired service: add or edit
 * it, delete the reals it no longer has, add and edit the others. */
int ipvs_plan_build(const struct lb_table *want, const struct lb_table *have,
		    struct ipvs_plan *p);
void ipvs_plan_free(struct ipvs_plan *p);
const char *ipvs_op_name(enum ipvs_op_kind k);

/* The same kernel service (family, and mark or protocol/address/port). */
bool ipvs_svc_same_id(const struct lb_service *a, const struct lb_service *b);
/* The netmask IPVS stores for s: 0 reads as a host mask. */
uint32_t ipvs_svc_netmask(const struct lb_service *s);

#endif
