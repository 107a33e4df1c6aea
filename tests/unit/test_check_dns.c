// SPDX-License-Identifier: GPL-2.0
/*
 * dns checks against a tiny UDP responder: www.example.com has A 192.0.2.7
 * (answered with a compressed name), alias.example.com is a CNAME,
 * silent.example.com is never answered, anything else is NXDOMAIN. The
 * responder first sends a datagram with a wrong id, which must be ignored.
 */
#include "test_check_util.h"

static void dns_responder(int fd, void *arg)
{
	uint8_t q[512], a[600];
	struct sockaddr_in from;
	socklen_t fl;

	for (;;) {
		char name[256] = "";
		size_t pos = 12, o = 0, qend;
		ssize_t n;

		fl = sizeof(from);
		n = recvfrom(fd, q, sizeof(q), 0, (struct sockaddr *)&from, &fl);
		if (n < 17)
			continue;
		while (pos < (size_t)n && q[pos]) {
			memcpy(name + o, q + pos + 1, q[pos]);
			o += q[pos];
			name[o++] = '.';
			pos += 1 + q[pos];
		}
		name[o ? o - 1 : 0] = '\0';
		qend = pos + 5;
		if (!strcmp(name, "silent.example.com"))
			continue;
		memcpy(a, q, qend);
		/* a decoy with the wrong id first */
		a[0] ^= 0xff;
		sendto(fd, a, qend, 0, (struct sockaddr *)&from, fl);
		a[0] ^= 0xff;
		a[2] = 0x81;
		a[3] = 0x80;
		a[6] = a[7] = a[8] = a[9] = a[10] = a[11] = 0;
		pos = qend;
		if (!strcmp(name, "www.example.com")) {
			const uint8_t rr[] = { 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60,
					       0, 4, 192, 0, 2, 7 };

			a[7] = 1;
			memcpy(a + pos, rr, sizeof(rr));
			pos += sizeof(rr);
		} else if (!strcmp(name, "alias.example.com")) {
			const uint8_t rr[] = { 0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 60,
					       0, 6, 3, 'w', 'e', 'b', 0xc0, 18 };

			a[7] = 1;
			memcpy(a + pos, rr, sizeof(rr));
			pos += sizeof(rr);
		} else {
			a[3] = 0x83;	/* NXDOMAIN */
		}
		sendto(fd, a, pos, 0, (struct sockaddr *)&from, fl);
	}
}

static struct ev_loop *loop;
static struct tsrv srv;

static int setup(void **state)
{
	loop = ev_default_loop(0);
	xd_log_set_level(LOG_WARNING);
	t_server_start(&srv, "127.0.0.6", SOCK_DGRAM, dns_responder, NULL);
	return 0;
}

static int teardown(void **state)
{
	t_server_stop(&srv);
	return 0;
}

static struct t_event run_dns(const char *request, const char *receive)
{
	struct t_rec *r = calloc(1, sizeof(*r));
	struct check_manager *m = check_manager_new(loop, t_record, r);
	struct check_spec sp = t_spec(CHECK_NEGOTIATE, SVC_DNS, srv.ip, srv.port);
	struct t_event ev = { .why = "no result" };

	sp.proto = IPPROTO_UDP;
	sp.request = (char *)request;
	sp.receive = (char *)receive;
	sp.negotiate_timeout = 0.5;
	assert_int_equal(check_manager_set(m, &sp, 1), 0);
	t_run_until(loop, r, 1, 3);
	if (r->n)
		ev = r->ev[0];
	check_manager_free(m);
	free(r);
	return ev;
}

static void test_dns(void **state)
{
	struct t_event ev;

	ev = run_dns("www.example.com", "^192\\.0\\.2\\.7$");
	assert_true(ev.up);
	assert_string_equal(ev.why, "dns: answer matched");
	ev = run_dns("www.example.com", "^192\\.0\\.2\\.8$");
	assert_false(ev.up);
	/* any answer will do without receive, even NXDOMAIN */
	assert_true(run_dns("nothing.example.com", NULL).up);
	assert_false(run_dns("nothing.example.com", ".").up);
	/* CNAME target is matched as a name */
	assert_true(run_dns("alias.example.com", "^web\\.example\\.com$").up);
	ev = run_dns("silent.example.com", NULL);
	assert_false(ev.up);
	assert_non_null(strstr(ev.why, "no answer"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dns),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
