// SPDX-License-Identifier: GPL-2.0
/* Scheduler ring layouts: rr, wrr (IPVS order), sh buckets, Maglev. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <arpa/inet.h>

#include <xdirector/datapath.h>
#include "backend/sched_ring.h"

static uint32_t ring[XD_RING_SIZE];

static void member(struct ring_member *m, uint32_t id, uint32_t w, const char *ip)
{
	m->id = id;
	m->weight = w;
	inet_pton(AF_INET, ip, &m->addr);
	m->port = htons(80);
}

static void test_rr_skips_quiescent(void **state)
{
	struct ring_member m[3];

	member(&m[0], 7, 1, "10.0.0.11");
	member(&m[1], 8, 0, "10.0.0.12");	/* quiescent */
	member(&m[2], 9, 5, "10.0.0.13");
	assert_int_equal(ring_build_rr(m, 3, ring, XD_RING_SIZE), 2);
	assert_int_equal(ring[0], 7);
	assert_int_equal(ring[1], 9);
}

/* IPVS wrr with weights 3 and 1: a a a b, i.e. the heavier one is
 * chosen while the bar is above the lighter one's weight. */
static void test_wrr_order(void **state)
{
	struct ring_member m[2];
	const uint32_t want[] = { 1, 1, 1, 2 };

	member(&m[0], 1, 3, "10.0.0.11");
	member(&m[1], 2, 1, "10.0.0.12");
	assert_int_equal(ring_build_wrr(m, 2, ring, XD_RING_SIZE), 4);
	assert_memory_equal(ring, want, sizeof(want));
}

static void test_wrr_interleaves(void **state)
{
	struct ring_member m[3];
	const uint32_t want[] = { 1, 1, 2, 1, 2, 3 };	/* weights 3,2,1 */

	member(&m[0], 1, 3, "10.0.0.11");
	member(&m[1], 2, 2, "10.0.0.12");
	member(&m[2], 3, 1, "10.0.0.13");
	assert_int_equal(ring_build_wrr(m, 3, ring, XD_RING_SIZE), 6);
	assert_memory_equal(ring, want, sizeof(want));
}

static void test_wrr_gcd_and_scaling(void **state)
{
	struct ring_member m[2];
	size_t n;

	member(&m[0], 1, 200, "10.0.0.11");
	member(&m[1], 2, 100, "10.0.0.12");
	assert_int_equal(ring_build_wrr(m, 2, ring, XD_RING_SIZE), 3);
	/* Weights too large for the ring are scaled, keeping the ratio. */
	member(&m[0], 1, 65535, "10.0.0.11");
	member(&m[1], 2, 65534, "10.0.0.12");
	n = ring_build_wrr(m, 2, ring, XD_RING_SIZE);
	assert_true(n <= XD_RING_SIZE && n > XD_RING_SIZE / 2);
}

static size_t count(uint32_t id, size_t n)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		c += ring[i] == id;
	return c;
}

/* dh: members in turn whatever their weight, a quiescent one included
 * (its destinations then get nothing, as in IPVS), the ring filled. */
static void test_dh_ignores_weights(void **state)
{
	struct ring_member m[3];
	size_t n;

	(void)state;
	member(&m[0], 1, 5, "10.0.0.11");
	member(&m[1], 2, 0, "10.0.0.12");
	member(&m[2], 3, 1, "10.0.0.13");
	n = ring_build_dh(m, 3, ring, XD_RING_SIZE);
	assert_int_equal(n, XD_RING_SIZE);
	for (size_t i = 0; i < 9; i++)
		assert_int_equal(ring[i], i % 3 + 1);
	assert_int_equal(count(1, n), (XD_RING_SIZE + 2) / 3);
	assert_int_equal(count(2, n), (XD_RING_SIZE + 1) / 3);
	assert_int_equal(count(3, n), XD_RING_SIZE / 3);
	assert_int_equal(ring_build_dh(m, 0, ring, XD_RING_SIZE), 0);
}

/* twos: the weights themselves (no gcd: IPVS's extra draw for the first
 * member depends on their scale), the first weighted member one more. */
static void test_twos_draw_layout(void **state)
{
	struct ring_member m[3];
	size_t n;

	(void)state;
	member(&m[0], 1, 0, "10.0.0.11");
	member(&m[1], 2, 2, "10.0.0.12");
	member(&m[2], 3, 4, "10.0.0.13");
	n = ring_build_twos(m, 3, ring, XD_RING_SIZE);
	assert_int_equal(n, 7);
	assert_int_equal(count(2, n), 3);
	assert_int_equal(count(3, n), 4);
	assert_int_equal(count(1, n), 0);
	m[1].weight = 0;
	m[2].weight = 0;
	assert_int_equal(ring_build_twos(m, 3, ring, XD_RING_SIZE), 0);
	/* Too heavy for the ring: scaled, the proportions kept. */
	m[1].weight = 30000;
	m[2].weight = 10000;
	n = ring_build_twos(m, 3, ring, XD_RING_SIZE);
	assert_true(n <= XD_RING_SIZE && n > XD_RING_SIZE - 10);
	assert_true(count(2, n) > 3 * count(3, n) - 5 &&
		    count(2, n) < 3 * count(3, n) + 5);
}

static void test_sh_weighted_buckets(void **state)
{
	struct ring_member m[2];
	size_t n, a, b;

	member(&m[0], 1, 2, "10.0.0.11");
	member(&m[1], 2, 1, "10.0.0.12");
	n = ring_build_sh(m, 2, ring, XD_RING_SIZE);
	assert_int_equal(n, XD_RING_SIZE);
	a = count(1, n);
	b = count(2, n);
	assert_int_equal(a + b, n);
	assert_true(a > 2 * b - 3 && a < 2 * b + 3);
	assert_int_equal(ring[0], 1);
	assert_int_equal(ring[1], 1);
	assert_int_equal(ring[2], 2);
}

static void test_maglev_fills_and_balances(void **state)
{
	struct ring_member m[4];
	char ip[16];
	size_t n;

	for (int i = 0; i < 4; i++) {
		snprintf(ip, sizeof(ip), "10.0.0.%d", 11 + i);
		member(&m[i], 100 + i, 1, ip);
	}
	n = ring_build_maglev(m, 4, ring, XD_RING_SIZE);
	assert_int_equal(n, XD_RING_SIZE);
	for (int i = 0; i < 4; i++) {
		size_t c = count(100 + i, n);

		assert_true(c >= XD_RING_SIZE / 4 - 2 && c <= XD_RING_SIZE / 4 + 2);
	}
}

static void test_maglev_weights(void **state)
{
	struct ring_member m[2];
	size_t a, b;

	member(&m[0], 1, 3, "10.0.0.11");
	member(&m[1], 2, 1, "10.0.0.12");
	ring_build_maglev(m, 2, ring, XD_RING_SIZE);
	a = count(1, XD_RING_SIZE);
	b = count(2, XD_RING_SIZE);
	assert_int_equal(a + b, XD_RING_SIZE);
	assert_true(a > 2.9 * b && a < 3.1 * b);
}

/* Removing one of five members moves only about its own share. */
static void test_maglev_minimal_disruption(void **state)
{
	static uint32_t before[XD_RING_SIZE];
	struct ring_member m[5];
	size_t moved = 0;
	char ip[16];

	for (int i = 0; i < 5; i++) {
		snprintf(ip, sizeof(ip), "10.0.0.%d", 11 + i);
		member(&m[i], i, 1, ip);
	}
	ring_build_maglev(m, 5, before, XD_RING_SIZE);
	m[2].weight = 0;
	ring_build_maglev(m, 5, ring, XD_RING_SIZE);
	assert_int_equal(count(2, XD_RING_SIZE), 0);
	for (size_t i = 0; i < XD_RING_SIZE; i++)
		if (before[i] != 2 && before[i] != ring[i])
			moved++;
	/* Maglev's bound is loose; a third of the survivors' slots at most */
	assert_true(moved < XD_RING_SIZE * 4 / 5 / 3);
}

static void test_empty_pools(void **state)
{
	struct ring_member m[1];

	member(&m[0], 1, 0, "10.0.0.11");
	assert_int_equal(ring_build_rr(m, 1, ring, XD_RING_SIZE), 0);
	assert_int_equal(ring_build_wrr(m, 1, ring, XD_RING_SIZE), 0);
	assert_int_equal(ring_build_sh(m, 1, ring, XD_RING_SIZE), 0);
	assert_int_equal(ring_build_maglev(m, 1, ring, XD_RING_SIZE), 0);
	assert_int_equal(ring_build_maglev(m, 0, ring, XD_RING_SIZE), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rr_skips_quiescent),
		cmocka_unit_test(test_wrr_order),
		cmocka_unit_test(test_wrr_interleaves),
		cmocka_unit_test(test_wrr_gcd_and_scaling),
		cmocka_unit_test(test_sh_weighted_buckets),
		cmocka_unit_test(test_dh_ignores_weights),
		cmocka_unit_test(test_twos_draw_layout),
		cmocka_unit_test(test_maglev_fills_and_balances),
		cmocka_unit_test(test_maglev_weights),
		cmocka_unit_test(test_maglev_minimal_disruption),
		cmocka_unit_test(test_empty_pools),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
