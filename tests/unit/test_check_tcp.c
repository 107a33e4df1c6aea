// SPDX-License-Identifier: GPL-2.0
/*
 * simpletcp send/expect: the server answers "+PONG" to "PING\r\n" after a
 * split write, "-ERR" to anything else, and "SILENT" gets no answer.
 */
#include "test_check_util.h"

static void pong_conn(int fd, void *arg)
{
	char buf[256];
	size_t len = 0;

	while (len + 1 < sizeof(buf)) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);

		if (n <= 0)
			return;
		len += n;
		buf[len] = '\0';
		if (strstr(buf, "\r\n"))
			break;
	}
	if (!strcmp(buf, "PING\r\n")) {
		t_write_all(fd, "+PO", 3);
		usleep(50000);
		t_write_all(fd, "NG\r\n", 4);
	} else if (!strncmp(buf, "SILENT", 6)) {
		sleep(30);
	} else {
		t_write_all(fd, "-ERR\r\n", 6);
	}
}

static struct ev_loop *loop;

static struct t_event run_tcp(struct tsrv *s, const char *req, const char *rcv)
{
	struct t_rec *r = calloc(1, sizeof(*r));
	struct check_manager *m = check_manager_new(loop, t_record, r);
	struct check_spec sp = t_spec(CHECK_NEGOTIATE, SVC_SIMPLETCP, s->ip,
				      s->port);
	struct t_event ev = { .why = "no result" };

	sp.request = (char *)req;
	sp.receive = (char *)rcv;
	sp.negotiate_timeout = 0.5;
	assert_int_equal(check_manager_set(m, &sp, 1), 0);
	t_run_until(loop, r, 1, 3);
	if (r->n)
		ev = r->ev[0];
	check_manager_free(m);
	free(r);
	return ev;
}

static void test_simpletcp(void **state)
{
	struct tsrv s;
	struct t_event ev;

	loop = ev_default_loop(0);
	xd_log_set_level(LOG_WARNING);
	t_server_start(&s, "127.0.0.7", SOCK_STREAM, pong_conn, NULL);
	ev = run_tcp(&s, "PING\\r\\n", "^\\+PONG");
	assert_true(ev.up);
	assert_string_equal(ev.why, "simpletcp: receive matched");
	/* the server closes after -ERR: no match */
	ev = run_tcp(&s, "HELLO\\r\\n", "^\\+PONG");
	assert_false(ev.up);
	assert_non_null(strstr(ev.why, "closed"));
	ev = run_tcp(&s, "SILENT\\r\\n", "PONG");
	assert_false(ev.up);
	assert_non_null(strstr(ev.why, "not received"));
	/* no receive: connecting and sending is enough */
	assert_true(run_tcp(&s, "HELLO\\r\\n", NULL).up);
	t_server_stop(&s);
	ev = run_tcp(&s, "PING\\r\\n", "PONG");
	assert_false(ev.up);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simpletcp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
