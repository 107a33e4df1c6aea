// SPDX-License-Identifier: GPL-2.0
/*
 * The check manager: ldirectord's failurecount and recovery logic, the
 * first result deciding the initial state, on/off, combined connect +
 * negotiate, start spreading, and reconfiguration that keeps the state of
 * unchanged checks and is all-or-nothing.
 */
#include <fcntl.h>
#include <math.h>

#include "test_check_util.h"

static struct ev_loop *loop;

static int setup(void **state)
{
	loop = ev_default_loop(0);
	xd_log_set_level(LOG_WARNING);
	return 0;
}

static void test_on_off(void **state)
{
	struct t_rec r = { 0 };
	struct check_manager *m = check_manager_new(loop, t_record, &r);
	struct check_spec sp[2] = {
		t_spec(CHECK_ON, SVC_NONE, t_ip("127.0.0.1"), 1),
		t_spec(CHECK_OFF, SVC_NONE, t_ip("127.0.0.1"), 2),
	};

	assert_int_equal(check_manager_set(m, sp, 2), 0);
	/* nothing is reported from inside check_manager_set */
	assert_int_equal(r.n, 0);
	t_run_for(loop, 0.5);
	assert_int_equal(r.n, 2);
	assert_true(t_last(&r, sp[0].rip, 1)->up);
	assert_false(t_last(&r, sp[1].rip, 2)->up);
	assert_true(t_status(m, 0)->known);
	check_manager_free(m);
}

/* failurecount=3: down only on the third consecutive failure; one success
 * brings it back. The server answers 200 while the flag file exists. */
static void test_failurecount(void **state)
{
	char flag[] = "/tmp/xd-check-flag-XXXXXX";
	struct t_rec r = { 0 };
	struct check_manager *m = check_manager_new(loop, t_record, &r);
	struct check_spec sp;
	struct tsrv s;
	int fd = mkstemp(flag);

	assert_true(fd >= 0);
	close(fd);
	t_server_start(&s, "127.0.0.1", SOCK_STREAM, t_http_conn, flag);
	sp = t_spec(CHECK_NEGOTIATE, SVC_HTTP, s.ip, s.port);
	sp.request = "/flag";
	sp.failurecount = 3;
	sp.interval = 0.1;
	assert_int_equal(check_manager_set(m, &sp, 1), 0);
	assert_int_equal(t_run_until(loop, &r, 1, 3), 1);
	assert_true(r.ev[0].up);

	unlink(flag);
	/* watch the failures build up without a state change */
	for (int i = 0; i < 100 && t_status(m, 0)->fails < 2; i++)
		t_run_for(loop, 0.02);
	assert_int_equal(t_status(m, 0)->fails, 2);
	assert_true(t_status(m, 0)->up);
	assert_int_equal(r.n, 1);
	assert_int_equal(t_run_until(loop, &r, 2, 3), 2);
	assert_false(r.ev[1].up);
	assert_int_equal(t_status(m, 0)->fails, 3);
	assert_non_null(strstr(r.ev[1].why, "503"));

	fd = open(flag, O_CREAT | O_WRONLY, 0600);
	close(fd);
	assert_int_equal(t_run_until(loop, &r, 3, 3), 3);
	assert_true(r.ev[2].up);
	assert_int_equal(t_status(m, 0)->fails, 0);
	/* three failures take at least two intervals after the success */
	assert_true(r.ev[1].time - r.ev[0].time >= 0.15);

	check_manager_free(m);
	t_server_stop(&s);
	unlink(flag);
}

/* The first result decides even with failurecount > 1. */
static void test_first_result_decides(void **state)
{
	struct t_rec r = { 0 };
	struct check_manager *m = check_manager_new(loop, t_record, &r);
	struct check_spec sp = t_spec(CHECK_CONNECT, SVC_NONE, t_ip("127.0.0.1"),
				      t_free_port("127.0.0.1"));

	sp.failurecount = 5;
	assert_int_equal(check_manager_set(m, &sp, 1), 0);
	assert_false(t_status(m, 0)->known);
	assert_int_equal(t_run_until(loop, &r, 1, 2), 1);
	assert_false(r.ev[0].up);
	assert_int_equal(t_status(m, 0)->fails, 1);
	assert_true(t_status(m, 0)->known);
	/* further failures report nothing new */
	t_run_for(loop, 0.5);
	assert_int_equal(r.n, 1);
	assert_true(t_status(m, 0)->fails >= 2);
	check_manager_free(m);
}

/* checktype = 2: connect, connect, negotiate, ... A server whose page is a
 * 500 passes the connects and fails the negotiate. */
static void test_combined(void **state)
{
	struct t_rec r = { 0 };
	struct check_manager *m = check_manager_new(loop, t_record, &r);
	struct check_spec sp;
	struct check_counters cnt;
	struct tsrv s;

	t_server_start(&s, "127.0.0.1", SOCK_STREAM, t_http_conn, NULL);
	sp = t_spec(CHECK_COMBINED, SVC_HTTP, s.ip, s.port);
	sp.combined_n = 2;
	sp.request = "/bad";
	sp.interval = 0.1;
	assert_int_equal(check_manager_set(m, &sp, 1), 0);
	assert_int_equal(t_run_until(loop, &r, 2, 3), 2);
	assert_true(r.ev[0].up);
	assert_non_null(strstr(r.ev[0].why, "connect"));
	assert_false(r.ev[1].up);
	assert_non_null(strstr(r.ev[1].why, "http"));
	check_manager_counters(m, &cnt);
	assert_int_equal(cnt.succeeded, 2);
	assert_int_equal(cnt.failed, 1);
	check_manager_free(m);
	t_server_stop(&s);
}

/* Reload: unchanged checks keep state and report nothing, removed ones stop,
 * new ones start; a bad spec changes nothing. */
static void test_reconfigure(void **state)
{
	struct t_rec r = { 0 };
	struct check_manager *m = check_manager_new(loop, t_record, &r);
	struct check_spec a, b, c, set2[3], bad[2];
	uint16_t pa, pb;
	int la = t_bind("127.0.0.1", SOCK_STREAM, &pa);
	int lb = t_bind("127.0.0.1", SOCK_STREAM, &pb);
	double last_a;
	struct check_status st[4];

	a = t_spec(CHECK_CONNECT, SVC_NONE, t_ip("127.0.0.1"), pa);
	b = t_spec(CHECK_CONNECT, SVC_NONE, t_ip("127.0.0.1"), pb);
	c = t_spec(CHECK_CONNECT, SVC_NONE, t_ip("127.0.0.1"),
		   t_free_port("127.0.0.1"));
	/* a separately allocated copy of a: strings compare by value */
	a.request = "x";
	set2[1] = a;
	set2[1].request = strdup("x");
	assert_int_equal(check_manager_set(m, (struct check_spec[]){ a, b }, 2), 0);
	assert_int_equal(t_run_until(loop, &r, 2, 2), 2);
	assert_true(t_last(&r, a.rip, pa)->up);
	assert_true(t_last(&r, b.rip, pb)->up);
	t_run_for(loop, 0.3);
	last_a = t_status(m, 0)->last_time;

	set2[0] = c;
	set2[2] = c;
	set2[2].rport = 9;	/* not listening either, refused */
	assert_int_equal(check_manager_set(m, set2, 3), 0);
	assert_int_equal(check_manager_status(m, st, 4), 3);
	assert_true(st[1].known);
	assert_true(st[1].up);
	assert_true(st[1].last_time >= last_a);
	assert_false(st[0].known);
	assert_false(st[2].known);
	assert_int_equal(t_run_until(loop, &r, 4, 2), 4);
	t_run_for(loop, 0.3);
	/* a: no second event; b: nothing after removal; c and c': down */
	assert_int_equal(t_count(&r, a.rip, pa), 1);
	assert_int_equal(t_count(&r, b.rip, pb), 1);
	assert_false(t_last(&r, c.rip, c.rport)->up);
	assert_false(t_last(&r, c.rip, 9)->up);
	assert_true(t_status(m, 1)->last_time > last_a);

	/* all-or-nothing: the second spec's regex does not compile */
	bad[0] = a;
	bad[1] = b;
	bad[1].receive = "([unclosed";
	assert_int_equal(check_manager_set(m, bad, 2), -EINVAL);
	assert_int_equal(check_manager_status(m, st, 4), 3);
	assert_int_equal(st[0].spec->rport, c.rport);

	/* everything removed */
	assert_int_equal(check_manager_set(m, NULL, 0), 0);
	assert_int_equal(check_manager_status(m, st, 4), 0);
	free(set2[1].request);
	check_manager_free(m);
	close(la);
	close(lb);
}

/* Reconfiguring from inside the state callback is allowed. */
struct reentry {
	struct check_manager *m;
	int calls;
};

static void reentry_cb(void *arg, const struct check_spec *spec, bool up,
		       const char *why)
{
	struct reentry *re = arg;

	re->calls++;
	assert_int_equal(check_manager_set(re->m, NULL, 0), 0);
}

static void test_set_from_callback(void **state)
{
	struct reentry re = { 0 };
	struct check_spec sp[2] = {
		t_spec(CHECK_CONNECT, SVC_NONE, t_ip("127.0.0.1"),
		       t_free_port("127.0.0.1")),
		t_spec(CHECK_ON, SVC_NONE, t_ip("127.0.0.1"), 7),
	};

	re.m = check_manager_new(loop, reentry_cb, &re);
	assert_int_equal(check_manager_set(re.m, sp, 2), 0);
	t_run_for(loop, 0.5);
	assert_int_equal(re.calls, 1);
	assert_int_equal(check_manager_status(re.m, NULL, 0), 0);
	check_manager_free(re.m);
}

/* Many checks added at once start spread over the interval. The buckets
 * use the time each start was scheduled for, not when the loop got to it, so
 * a busy machine cannot move a start into the next bucket; the loop only has
 * to get through all of them. */
static double starts[400];
static int nstarts;

static void start_hook(void *arg, double scheduled, double started)
{
	if (nstarts < 400)
		starts[nstarts++] = scheduled;
}

static void test_spread(void **state)
{
	struct check_manager *m = check_manager_new(loop, NULL, NULL);
	struct check_spec sp[200];
	int buckets[10] = { 0 }, first = 0;
	double t0;
	uint16_t port;
	int l = t_bind("127.0.0.1", SOCK_STREAM, &port);

	for (int i = 0; i < 200; i++) {
		sp[i] = t_spec(CHECK_CONNECT, SVC_NONE, t_ip("127.0.0.1"), port);
		sp[i].vport = i + 1;
		sp[i].interval = 1.0;
	}
	nstarts = 0;
	check_manager_set_start_hook(m, start_hook, NULL);
	assert_int_equal(check_manager_set(m, sp, 200), 0);
	/* check_manager_set spreads from its own "now", which is the loop's
	 * time until the loop runs again */
	t0 = ev_now(loop);
	for (int tries = 0; tries < 3000 && first < 200; tries++) {
		t_run_for(loop, 0.01);
		first = 0;
		for (int i = 0; i < nstarts; i++)
			first += starts[i] < t0 + 1.0;
	}
	assert_int_equal(first, 200);
	for (int i = 0; i < nstarts; i++) {
		int b = (int)((starts[i] - t0) * 10);

		if (starts[i] < t0 + 1.0) {
			assert_in_range(b, 0, 9);
			buckets[b]++;
		}
	}
	/* 20 per 100 ms if even: allow some slack, forbid clumping */
	for (int i = 0; i < 10; i++)
		assert_in_range(buckets[i], 17, 23);
	check_manager_free(m);
	close(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_on_off),
		cmocka_unit_test(test_failurecount),
		cmocka_unit_test(test_first_result_decides),
		cmocka_unit_test(test_combined),
		cmocka_unit_test(test_reconfigure),
		cmocka_unit_test(test_set_from_callback),
		cmocka_unit_test(test_spread),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
