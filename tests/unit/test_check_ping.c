// SPDX-License-Identifier: GPL-2.0
/*
 * ping checks against loopback addresses: replies are matched to the check
 * that sent them, several pings in flight at once.
 */
#include "test_check_util.h"

static void test_ping_loopback(void **state)
{
	struct ev_loop *loop = ev_default_loop(0);
	struct t_rec r = { 0 };
	struct check_manager *m = check_manager_new(loop, t_record, &r);
	struct check_spec sp[3];
	struct check_status st[3];

	xd_log_set_level(LOG_WARNING);
	for (int i = 0; i < 3; i++) {
		char ip[32];

		snprintf(ip, sizeof(ip), "127.0.0.%d", i + 1);
		sp[i] = t_spec(CHECK_PING, SVC_NONE, t_ip(ip), 0);
		sp[i].interval = 0.2;
	}
	assert_int_equal(check_manager_set(m, sp, 3), 0);
	assert_int_equal(t_run_until(loop, &r, 3, 3), 3);
	for (int i = 0; i < 3; i++) {
		struct t_event *e = t_last(&r, sp[i].rip, 0);

		assert_non_null(e);
		assert_true(e->up);
		assert_string_equal(e->why, "ping: echo reply");
	}
	/* keeps passing, each reply goes to its own check */
	t_run_for(loop, 0.5);
	check_manager_status(m, st, 3);
	for (int i = 0; i < 3; i++) {
		assert_true(st[i].up);
		assert_int_equal(st[i].fails, 0);
		assert_true(st[i].last_duration > 0);
	}
	assert_int_equal(r.n, 3);
	check_manager_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ping_loopback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
