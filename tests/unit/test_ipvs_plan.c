// SPDX-License-Identifier: GPL-2.0
/*
 * The IPVS backend's diff (user/backend/ipvs_plan.c): the kernel's table
 * as read back against the desired one gives only the changes, in an
 * order the kernel accepts, and nothing when they are equal.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <arpa/inet.h>

#include "backend/ipvs_plan.h"

static uint32_t ip(const char *s)
{
	uint32_t a;

	inet_pton(AF_INET, s, &a);
	return a;
}

static struct lb_real R1 = { .port = 0x5000, .fwd = LB_FWD_MASQ, .weight = 1 };
static struct lb_real R2 = { .port = 0x5000, .fwd = LB_FWD_GATE, .weight = 2 };

/* One TCP service with reals a, b (either may be NULL). */
static void svc(struct lb_service *s, struct lb_real *reals,
		const struct lb_real *a, const struct lb_real *b)
{
	memset(s, 0, sizeof(*s));
	s->af = AF_INET;
	s->vip = ip("192.168.10.100");
	s->port = htons(80);
	s->proto = IPPROTO_TCP;
	strcpy(s->sched, "wlc");
	s->reals = reals;
	if (a)
		reals[s->nreals++] = *a;
	if (b)
		reals[s->nreals++] = *b;
}

static void setup_reals(void)
{
	R1.addr = ip("10.0.0.11");
	R2.addr = ip("10.0.0.12");
}

static void test_equal_tables_no_ops(void **state)
{
	struct lb_real wr[2], hr[2];
	struct lb_service w, h;
	struct lb_table want = { .svcs = &w, .nsvcs = 1 }, have = { .svcs = &h, .nsvcs = 1 };
	struct ipvs_plan p;

	setup_reals();
	svc(&w, wr, &R1, &R2);
	svc(&h, hr, &R2, &R1);	/* order does not matter */
	assert_int_equal(ipvs_plan_build(&want, &have, &p), 0);
	assert_int_equal(p.nops, 0);
	ipvs_plan_free(&p);
}

static void test_new_service_then_its_reals(void **state)
{
	struct lb_real wr[2];
	struct lb_service w;
	struct lb_table want = { .svcs = &w, .nsvcs = 1 }, have = { .svcs = NULL };
	struct ipvs_plan p;

	setup_reals();
	svc(&w, wr, &R1, &R2);
	assert_int_equal(ipvs_plan_build(&want, &have, &p), 0);
	assert_int_equal(p.nops, 3);
	assert_int_equal(p.ops[0].kind, IPVS_OP_ADD_SVC);
	assert_ptr_equal(p.ops[0].svc, &w);
	assert_int_equal(p.ops[1].kind, IPVS_OP_ADD_DEST);
	assert_ptr_equal(p.ops[1].real, &wr[0]);
	assert_int_equal(p.ops[2].kind, IPVS_OP_ADD_DEST);
	assert_ptr_equal(p.ops[2].real, &wr[1]);
	ipvs_plan_free(&p);
}

/* A health flip or a weight reload edits the real in place: no delete,
 * so IPVS keeps its connections. */
static void test_weight_change_is_an_edit(void **state)
{
	struct lb_real wr[2], hr[2], q = R1;
	struct lb_service w, h;
	struct lb_table want = { .svcs = &w, .nsvcs = 1 }, have = { .svcs = &h, .nsvcs = 1 };
	struct ipvs_plan p;

	setup_reals();
	q = R1;
	q.weight = 0;		/* quiescent */
	svc(&w, wr, &q, &R2);
	svc(&h, hr, &R1, &R2);
	assert_int_equal(ipvs_plan_build(&want, &have, &p), 0);
	assert_int_equal(p.nops, 1);
	assert_int_equal(p.ops[0].kind, IPVS_OP_EDIT_DEST);
	assert_int_equal(p.ops[0].real->weight, 0);
	ipvs_plan_free(&p);
}

static void test_real_leaves_and_service_goes(void **state)
{
	struct lb_real wr[2], hr[2], h2r[2];
	struct lb_service w, h[2];
	struct lb_table want = { .svcs = &w, .nsvcs = 1 }, have = { .svcs = h, .nsvcs = 2 };
	struct ipvs_plan p;

	setup_reals();
	svc(&w, wr, &R1, NULL);
	svc(&h[0], hr, &R1, &R2);
	svc(&h[1], h2r, &R1, NULL);
	h[1].port = htons(443);
	assert_int_equal(ipvs_plan_build(&want, &have, &p), 0);
	assert_int_equal(p.nops, 2);
	/* services go first (their reals with them), then per service */
	assert_int_equal(p.ops[0].kind, IPVS_OP_DEL_SVC);
	assert_ptr_equal(p.ops[0].svc, &h[1]);
	assert_int_equal(p.ops[1].kind, IPVS_OP_DEL_DEST);
	assert_int_equal(p.ops[1].real->addr, R2.addr);
	ipvs_plan_free(&p);
}

/* Scheduler, persistence, netmask and flags: one SET_SERVICE; the
 * identity (family, protocol, address, port, mark) is not editable. */
static void test_service_attrs_edit_identity_replaces(void **state)
{
	struct lb_real wr[2], hr[2];
	struct lb_service w, h;
	struct lb_table want = { .svcs = &w, .nsvcs = 1 }, have = { .svcs = &h, .nsvcs = 1 };
	struct ipvs_plan p;

	setup_reals();
	svc(&w, wr, &R1, NULL);
	svc(&h, hr, &R1, NULL);
	w.persistent = 300;
	w.netmask = ip("255.255.255.0");
	h.netmask = 0xffffffff;	/* the kernel's read-back of "none" */
	strcpy(w.sched, "lblc");
	assert_int_equal(ipvs_plan_build(&want, &have, &p), 0);
	assert_int_equal(p.nops, 1);
	assert_int_equal(p.ops[0].kind, IPVS_OP_EDIT_SVC);
	ipvs_plan_free(&p);

	/* only the netmask's default: equal */
	svc(&w, wr, &R1, NULL);
	assert_int_equal(ipvs_plan_build(&want, &have, &p), 0);
	assert_int_equal(p.nops, 0);
	ipvs_plan_free(&p);

	w.proto = IPPROTO_UDP;
	assert_int_equal(ipvs_plan_build(&want, &have, &p), 0);
	assert_int_equal(p.nops, 3);
	assert_int_equal(p.ops[0].kind, IPVS_OP_DEL_SVC);
	assert_int_equal(p.ops[1].kind, IPVS_OP_ADD_SVC);
	assert_int_equal(p.ops[2].kind, IPVS_OP_ADD_DEST);
	ipvs_plan_free(&p);
}

/* The kernel reports a real on the director's own address as local
 * delivery: that is what was asked, whatever the method. */
static void test_local_node_matches(void **state)
{
	struct lb_real wr[1], hr[1], local = R2;
	struct lb_service w, h;
	struct lb_table want = { .svcs = &w, .nsvcs = 1 }, have = { .svcs = &h, .nsvcs = 1 };
	struct ipvs_plan p;

	setup_reals();
	local = R2;
	local.fwd = LB_FWD_MASQ;
	local.local_node = true;
	svc(&w, wr, &R2, NULL);
	svc(&h, hr, &local, NULL);
	assert_int_equal(ipvs_plan_build(&want, &have, &p), 0);
	assert_int_equal(p.nops, 0);
	ipvs_plan_free(&p);

	/* a method that really changed is edited */
	local.local_node = false;
	svc(&h, hr, &local, NULL);
	assert_int_equal(ipvs_plan_build(&want, &have, &p), 0);
	assert_int_equal(p.nops, 1);
	assert_int_equal(p.ops[0].kind, IPVS_OP_EDIT_DEST);
	ipvs_plan_free(&p);
}

static void test_ipv6_and_fwmark_identity(void **state)
{
	struct lb_service a = { .af = AF_INET6, .port = 80, .proto = 6 };
	struct lb_service b = a;
	struct lb_service m1 = { .af = AF_INET, .fwmark = 7 };
	struct lb_service m2 = m1;

	inet_pton(AF_INET6, "2001:db8::1", &a.vip6);
	inet_pton(AF_INET6, "2001:db8::2", &b.vip6);
	assert_false(ipvs_svc_same_id(&a, &b));
	b.vip6 = a.vip6;
	assert_true(ipvs_svc_same_id(&a, &b));
	assert_int_equal(ipvs_svc_netmask(&a), 128);

	m2.port = 99;	/* a mark's service has no port to compare */
	assert_true(ipvs_svc_same_id(&m1, &m2));
	m2.af = AF_INET6;
	assert_false(ipvs_svc_same_id(&m1, &m2));
	m2.af = AF_INET;
	m2.fwmark = 8;
	assert_false(ipvs_svc_same_id(&m1, &m2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_equal_tables_no_ops),
		cmocka_unit_test(test_new_service_then_its_reals),
		cmocka_unit_test(test_weight_change_is_an_edit),
		cmocka_unit_test(test_real_leaves_and_service_goes),
		cmocka_unit_test(test_service_attrs_edit_identity_replaces),
		cmocka_unit_test(test_local_node_matches),
		cmocka_unit_test(test_ipv6_and_fwmark_identity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
