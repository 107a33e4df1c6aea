// SPDX-License-Identifier: GPL-2.0
/* Owners of real server addresses (user/backend/real_addrs.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <xdirector/datapath.h>
#include "backend/real_addrs.h"

static struct xd_real_slot slot(const char *ip, uint16_t port,
				uint16_t vport, uint16_t flags)
{
	struct xd_real_slot r = {
		.port = htons(port), .flags = flags, .vport = htons(vport),
		.proto = IPPROTO_TCP,
	};

	inet_pton(AF_INET, ip, &r.addr);
	inet_pton(AF_INET, "192.168.10.100", &r.vip);
	return r;
}

/* Two reals of their own: each owns its address, nothing shared. */
static void test_own_addresses(void **state)
{
	struct xd_real_slot r[] = {
		slot("10.0.0.11", 8080, 80, XD_REAL_F_IN_USE),
		slot("10.0.0.12", 8080, 80, XD_REAL_F_IN_USE),
	};
	uint32_t ids[] = { 4, 9 };
	bool owns[16] = {};
	struct ra_entry *e;
	size_t n;

	assert_int_equal(real_addrs_plan(r, ids, 2, owns, &e, &n), 0);
	assert_int_equal(n, 2);
	assert_true(owns[4] && owns[9]);
	assert_int_equal(e[0].val.flags, 0);
	assert_int_equal(e[1].val.flags, 0);
	assert_int_equal(e[0].val.vport, htons(80));
	free(e);
}

/* One address in three services: the slot that owned it keeps it even
 * with a lower id in use next to it; the entry is marked shared and
 * names the owner's service. Without an owner, the lowest in-use slot
 * wins over a detached one. */
static void test_shared_address(void **state)
{
	struct xd_real_slot r[] = {
		slot("10.0.0.11", 8080, 80, XD_REAL_F_IN_USE),
		slot("10.0.0.11", 8080, 81, XD_REAL_F_OWNS_ADDR),  /* detached */
		slot("10.0.0.11", 8080, 82, XD_REAL_F_IN_USE),
	};
	uint32_t ids[] = { 1, 2, 3 };
	bool owns[8] = {};
	struct ra_entry *e;
	size_t n;

	assert_int_equal(real_addrs_plan(r, ids, 3, owns, &e, &n), 0);
	assert_int_equal(n, 1);
	assert_false(owns[1]);
	assert_true(owns[2]);
	assert_false(owns[3]);
	assert_int_equal(e[0].val.vport, htons(81));
	assert_int_equal(e[0].val.flags, XD_RA_F_SHARED);
	free(e);

	r[1].flags = 0;		/* detached, owner of nothing */
	r[0].flags = XD_REAL_F_IN_USE;
	ids[0] = 5;		/* the in-use slot with the higher id */
	assert_int_equal(real_addrs_plan(r, ids, 3, owns, &e, &n), 0);
	assert_int_equal(n, 1);
	assert_true(owns[3]);
	assert_false(owns[5]);
	assert_false(owns[2]);
	assert_int_equal(e[0].val.vport, htons(82));
	free(e);
}

/* Same address and port over TCP and UDP: two addresses, two owners. */
static void test_proto_apart(void **state)
{
	struct xd_real_slot r[] = {
		slot("10.0.0.11", 53, 53, XD_REAL_F_IN_USE),
		slot("10.0.0.11", 53, 53, XD_REAL_F_IN_USE),
	};
	uint32_t ids[] = { 0, 1 };
	bool owns[2] = {};
	struct ra_entry *e;
	size_t n;

	r[1].proto = IPPROTO_UDP;
	assert_int_equal(real_addrs_plan(r, ids, 2, owns, &e, &n), 0);
	assert_int_equal(n, 2);
	assert_true(owns[0] && owns[1]);
	assert_int_equal(e[0].val.flags | e[1].val.flags, 0);
	free(e);
}

static void test_empty(void **state)
{
	struct ra_entry *e;
	size_t n = 7;

	assert_int_equal(real_addrs_plan(NULL, NULL, 0, NULL, &e, &n), 0);
	assert_int_equal(n, 0);
	free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_own_addresses),
		cmocka_unit_test(test_shared_address),
		cmocka_unit_test(test_proto_apart),
		cmocka_unit_test(test_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
