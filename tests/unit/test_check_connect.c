// SPDX-License-Identifier: GPL-2.0
/*
 * connect checks: TCP accepted / refused / timed out, UDP answered by
 * silence (a bound socket) or refused (ICMP port unreachable).
 */
#include "test_check_util.h"

static struct ev_loop *loop;

static int setup(void **state)
{
	loop = ev_default_loop(0);
	xd_log_set_level(LOG_WARNING);
	return 0;
}

static struct t_event run_one(struct check_spec *s, double secs)
{
	struct t_rec *r = calloc(1, sizeof(*r));
	struct check_manager *m = check_manager_new(loop, t_record, r);
	struct t_event ev = { .why = "no result" };

	assert_int_equal(check_manager_set(m, s, 1), 0);
	t_run_until(loop, r, 1, secs);
	if (r->n)
		ev = r->ev[0];
	check_manager_free(m);
	free(r);
	return ev;
}

static void test_tcp_accepted_refused(void **state)
{
	uint16_t port;
	int l = t_bind("127.0.0.5", SOCK_STREAM, &port);
	struct check_spec sp = t_spec(CHECK_CONNECT, SVC_NONE, t_ip("127.0.0.5"),
				      port);
	struct t_event ev = run_one(&sp, 2);

	assert_true(ev.up);
	assert_string_equal(ev.why, "connect: ok");
	close(l);
	ev = run_one(&sp, 2);
	assert_false(ev.up);
	assert_non_null(strstr(ev.why, "refused"));
	/* checkport overrides the real's port */
	l = t_bind("127.0.0.5", SOCK_STREAM, &port);
	sp.checkport = port;
	sp.rport = 1;
	assert_true(run_one(&sp, 2).up);
	close(l);
}

/* A listener with a full backlog leaves SYNs unanswered: the connect
 * timeout, not the check timeout, applies. */
static void test_tcp_timeout(void **state)
{
	uint16_t port;
	int l = t_bind("127.0.0.5", SOCK_STREAM, &port), fill[8];
	struct check_spec sp = t_spec(CHECK_CONNECT, SVC_NONE, t_ip("127.0.0.5"),
				      port);
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(port),
				   .sin_addr.s_addr = t_ip("127.0.0.5") };
	struct t_event ev;
	double t0;

	listen(l, 0);	/* backlog 0: one pending connection fills it */
	for (int i = 0; i < 8; i++) {
		fill[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		connect(fill[i], (struct sockaddr *)&sin, sizeof(sin));
	}
	usleep(50000);
	sp.connect_timeout = 0.4;
	sp.timeout = 5;
	t0 = ev_time();
	ev = run_one(&sp, 3);
	assert_false(ev.up);
	assert_non_null(strstr(ev.why, "timed out"));
	/* not before the connect timeout (how much later is the machine's) */
	assert_true(ev.time - t0 >= 0.35);
	for (int i = 0; i < 8; i++)
		close(fill[i]);
	close(l);
}

static void test_udp(void **state)
{
	uint16_t port;
	int u = t_bind("127.0.0.5", SOCK_DGRAM, &port);
	struct check_spec sp = t_spec(CHECK_CONNECT, SVC_NONE, t_ip("127.0.0.5"),
				      port);
	struct t_event ev;

	sp.proto = IPPROTO_UDP;
	sp.timeout = 0.3;
	ev = run_one(&sp, 2);
	assert_true(ev.up);
	close(u);
	ev = run_one(&sp, 2);
	assert_false(ev.up);
	assert_non_null(strstr(ev.why, "refused"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_accepted_refused),
		cmocka_unit_test(test_tcp_timeout),
		cmocka_unit_test(test_udp),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
