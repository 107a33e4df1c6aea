// SPDX-License-Identifier: GPL-2.0
/*
 * Negotiate checks through libcurl against servers forked on loopback:
 * http receive match/mismatch, status codes, the virtualhost Host header,
 * HEAD, a hanging server timing out while another check completes, https
 * (openssl s_server, when the openssl tool is there), smtp, pop3, imap, ftp.
 */
#include "test_check_util.h"

static struct ev_loop *loop;

static int setup(void **state)
{
	loop = ev_default_loop(0);
	xd_log_set_level(LOG_WARNING);
	return 0;
}

/* Run one spec until its first result; returns that event. */
static struct t_event run_one(struct check_spec *s, double secs)
{
	struct t_rec *r = calloc(1, sizeof(*r));
	struct check_manager *m = check_manager_new(loop, t_record, r);
	struct t_event ev = { .why = "no result" };

	assert_non_null(m);
	assert_int_equal(check_manager_set(m, s, 1), 0);
	t_run_until(loop, r, 1, secs);
	if (r->n)
		ev = r->ev[0];
	check_manager_free(m);
	free(r);
	return ev;
}

static struct check_spec http_spec(struct tsrv *s, const char *req,
				   const char *receive)
{
	struct check_spec sp = t_spec(CHECK_NEGOTIATE, SVC_HTTP, s->ip, s->port);

	sp.request = (char *)req;
	sp.receive = (char *)receive;
	return sp;
}

static void test_http_receive_match(void **state)
{
	struct tsrv s;
	struct check_spec sp;
	struct t_event ev;

	t_server_start(&s, "127.0.0.1", SOCK_STREAM, t_http_conn, NULL);
	sp = http_spec(&s, "/ok", "al[iv]+e$");
	ev = run_one(&sp, 3);
	assert_true(ev.up);
	assert_non_null(strstr(ev.why, "200"));

	sp = http_spec(&s, "/ok", "dead");
	ev = run_one(&sp, 3);
	assert_false(ev.up);
	assert_non_null(strstr(ev.why, "not matched"));

	/* no receive: any 2xx will do, but not a 500 or a 404 */
	sp = http_spec(&s, "/ok", NULL);
	assert_true(run_one(&sp, 3).up);
	sp = http_spec(&s, "/bad", NULL);
	ev = run_one(&sp, 3);
	assert_false(ev.up);
	assert_non_null(strstr(ev.why, "500"));
	sp = http_spec(&s, "missing", NULL);
	assert_false(run_one(&sp, 3).up);
	t_server_stop(&s);
}

static void test_http_virtualhost(void **state)
{
	struct tsrv s;
	struct check_spec sp;

	t_server_start(&s, "127.0.0.2", SOCK_STREAM, t_http_conn, NULL);
	sp = http_spec(&s, "/echo", "Host: www\\.example\\.com\r?$");
	sp.virtualhost = "www.example.com";
	assert_true(run_one(&sp, 3).up);
	/* without virtualhost the Host header is the real's address */
	sp.virtualhost = NULL;
	assert_false(run_one(&sp, 3).up);
	sp.receive = "Host: 127\\.0\\.0\\.2:";
	assert_true(run_one(&sp, 3).up);
	/* the request line names the path */
	sp.receive = "^GET /echo HTTP/1\\.1";
	assert_true(run_one(&sp, 3).up);
	t_server_stop(&s);
}

static void test_http_head(void **state)
{
	struct tsrv s;
	struct check_spec sp;

	t_server_start(&s, "127.0.0.1", SOCK_STREAM, t_http_conn, NULL);
	sp = http_spec(&s, "/ok", "X-Method: HEAD");
	sp.httpmethod = "HEAD";
	assert_true(run_one(&sp, 3).up);
	/* GET matches the body, not the headers */
	sp.httpmethod = "GET";
	assert_false(run_one(&sp, 3).up);
	sp.receive = "alive";
	assert_true(run_one(&sp, 3).up);
	/* and HEAD gets no body */
	sp.httpmethod = "HEAD";
	assert_false(run_one(&sp, 3).up);
	/* HEAD still needs a 2xx */
	sp = http_spec(&s, "/bad", NULL);
	sp.httpmethod = "HEAD";
	assert_false(run_one(&sp, 3).up);
	t_server_stop(&s);
}

/* A server that accepts and never answers fails after the negotiate
 * timeout, and meanwhile the loop serves another check. */
static void test_http_timeout_loop_free(void **state)
{
	struct tsrv s;
	struct check_spec sp[2];
	struct t_rec *r = calloc(1, sizeof(*r));
	struct check_manager *m = check_manager_new(loop, t_record, r);
	struct t_event *hang, *ok;
	double t0;

	t_server_start(&s, "127.0.0.1", SOCK_STREAM, t_http_conn, NULL);
	sp[0] = http_spec(&s, "/hang", NULL);
	sp[0].rip = t_ip("127.0.0.1");
	sp[0].negotiate_timeout = 1.0;
	sp[0].interval = 5;
	sp[1] = http_spec(&s, "/ok", "alive");
	sp[1].rport = s.port;
	sp[1].checkport = s.port;
	sp[1].rport = 1;	/* distinct identity, same server via checkport */
	sp[1].interval = 0.1;
	t0 = ev_time();
	assert_int_equal(check_manager_set(m, sp, 2), 0);
	t_run_until(loop, r, 2, 4);
	hang = t_last(r, sp[0].rip, sp[0].rport);
	ok = t_last(r, sp[1].rip, 1);
	assert_non_null(hang);
	assert_non_null(ok);
	assert_false(hang->up);
	assert_true(ok->up);
	/* not before the timeout; upper bounds would measure the machine */
	assert_true(hang->time - t0 >= 0.9);
	assert_non_null(strstr(hang->why, "imeout"));
	check_manager_free(m);
	free(r);
	t_server_stop(&s);
}

static void test_http_refused(void **state)
{
	struct check_spec sp = t_spec(CHECK_NEGOTIATE, SVC_HTTP, t_ip("127.0.0.1"),
				      t_free_port("127.0.0.1"));
	struct t_event ev = run_one(&sp, 3);

	assert_false(ev.up);
	assert_non_null(strstr(ev.why, "http:"));
}

/* 200 with the contents of the file named by arg as the body. */
static void file_body_conn(int fd, void *arg)
{
	char req[4096], body[256] = "", resp[1024];
	FILE *f = fopen((const char *)arg, "r");
	size_t n = 0;

	t_read_head(fd, req, sizeof(req));
	if (f) {
		n = fread(body, 1, sizeof(body) - 1, f);
		fclose(f);
	}
	body[n] = '\0';
	snprintf(resp, sizeof(resp),
		 "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n"
		 "Connection: close\r\n\r\n%s", n, body);
	t_write_all(fd, resp, strlen(resp));
}

static void put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Run until the check's result has been `up` for a later run than now. */
static bool wait_state(struct t_rec *r, uint32_t rip, uint16_t rport, bool up,
		       double secs)
{
	double end = ev_time() + secs;
	int n0 = r->n;

	while (ev_time() < end) {
		struct t_event *e;

		t_run_for(loop, 0.02);
		e = t_last(r, rip, rport);
		if (r->n > n0 && e && e->up == up)
			return true;
	}
	return false;
}

/* A check keeps its curl handle and buffer from run to run: each run must
 * judge its own response only (a body that matched before must not leak
 * into the next run), in both connection modes. */
static void run_repeated(bool reuse)
{
	char path[] = "/tmp/xd_check_bodyXXXXXX";
	int fd = mkstemp(path);
	struct tsrv s;
	struct check_spec sp;
	struct t_rec *r = calloc(1, sizeof(*r));
	struct check_manager *m = check_manager_new(loop, t_record, r);
	struct check_counters cnt;

	assert_true(fd >= 0);
	close(fd);
	put_file(path, "state: good\n");
	t_server_start(&s, "127.0.0.1", SOCK_STREAM, file_body_conn, path);
	check_manager_set_conn_reuse(m, reuse);
	sp = http_spec(&s, "/", "state: good");
	sp.interval = 0.05;
	assert_int_equal(check_manager_set(m, &sp, 1), 0);
	assert_true(wait_state(r, sp.rip, sp.rport, true, 3));
	/* a shorter body: a stale "good" past its end would still match */
	put_file(path, "bad\n");
	assert_true(wait_state(r, sp.rip, sp.rport, false, 3));
	assert_non_null(strstr(t_last(r, sp.rip, sp.rport)->why, "not matched"));
	put_file(path, "state: good\n");
	assert_true(wait_state(r, sp.rip, sp.rport, true, 3));
	check_manager_counters(m, &cnt);
	assert_true(cnt.started >= 3);
	/* removing a check with its handle kept (or in flight) is clean */
	assert_int_equal(check_manager_set(m, NULL, 0), 0);
	check_manager_free(m);
	free(r);
	t_server_stop(&s);
	unlink(path);
}

static void test_http_repeated_runs(void **state)
{
	run_repeated(false);
}

static void test_http_repeated_runs_reuse(void **state)
{
	run_repeated(true);
}

/* More checks than curl shards: every one gets its result. */
static void test_http_many_checks(void **state)
{
	enum { N = 40 };
	struct tsrv s;
	struct check_spec sp[N];
	struct t_rec *r = calloc(1, sizeof(*r));
	struct check_manager *m = check_manager_new(loop, t_record, r);

	t_server_start(&s, "127.0.0.1", SOCK_STREAM, t_http_conn, NULL);
	for (int i = 0; i < N; i++) {
		sp[i] = http_spec(&s, "/ok", "alive");
		sp[i].checkport = s.port;
		sp[i].rport = 1000 + i;		/* distinct identities */
		if (i % 2)
			sp[i].request = "/bad";
		sp[i].timeout = 5;	/* 40 forks at once on a busy machine */
	}
	assert_int_equal(check_manager_set(m, sp, N), 0);
	assert_int_equal(t_run_until(loop, r, N, 10), N);
	for (int i = 0; i < N; i++) {
		struct t_event *e = t_last(r, sp[i].rip, sp[i].rport);

		assert_non_null(e);
		if (e->up != (i % 2 == 0))
			print_message("check %d: %s\n", i, e->why);
		assert_int_equal(e->up, i % 2 == 0);
	}
	/* drop half of them while they run, keep the rest going */
	assert_int_equal(check_manager_set(m, sp, N / 2), 0);
	t_run_for(loop, 0.3);
	assert_int_equal(t_count(r, sp[N - 1].rip, sp[N - 1].rport), 1);
	check_manager_free(m);
	free(r);
	t_server_stop(&s);
}

/* https: openssl s_server -www answers GET / with a status page. Without
 * certificate verification, as ldirectord. */
static void test_https(void **state)
{
	char dir[] = "/tmp/xd-check-tls-XXXXXX", cmd[512], port[16];
	struct check_spec sp;
	struct t_event ev;
	uint16_t p;
	pid_t pid;

	if (access("/usr/bin/openssl", X_OK)) {
		skip();
		return;
	}
	assert_non_null(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd),
		 "cd %s && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
		 "-nodes -keyout k.pem -out c.pem -days 1 -subj /CN=real >/dev/null 2>&1",
		 dir);
	assert_int_equal(system(cmd), 0);
	p = t_free_port("127.0.0.1");
	snprintf(port, sizeof(port), "127.0.0.1:%u", p);
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		assert_int_equal(chdir(dir), 0);
		freopen("/dev/null", "w", stdout);
		freopen("/dev/null", "w", stderr);
		execlp("openssl", "openssl", "s_server", "-accept", port,
		       "-cert", "c.pem", "-key", "k.pem", "-www", "-quiet",
		       (char *)NULL);
		_exit(127);
	}
	sp = t_spec(CHECK_NEGOTIATE, SVC_HTTPS, t_ip("127.0.0.1"), p);
	sp.request = "/";
	sp.receive = "s_server";
	/* s_server needs a moment to listen */
	for (int i = 0; i < 50; i++) {
		ev = run_one(&sp, 3);
		if (ev.up)
			break;
		usleep(100000);
	}
	if (!ev.up)
		print_error("https: %s\n", ev.why);
	assert_true(ev.up);
	sp.receive = "nothing like this";
	assert_false(run_one(&sp, 3).up);
	/* plain http against a TLS port fails */
	sp.service = SVC_HTTP;
	sp.receive = NULL;
	assert_false(run_one(&sp, 3).up);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* ---- line protocols ---- */

static int t_getline(int fd, char *buf, size_t cap)
{
	size_t len = 0;

	while (len + 1 < cap) {
		char ch;

		if (read(fd, &ch, 1) != 1)
			return -1;
		buf[len++] = ch;
		if (ch == '\n')
			break;
	}
	buf[len] = '\0';
	return len;
}

static void t_say(int fd, const char *s)
{
	t_write_all(fd, s, strlen(s));
}

/* SMTP: arg is the greeting. */
static void smtp_conn(int fd, void *arg)
{
	char line[512];

	t_say(fd, arg);
	while (t_getline(fd, line, sizeof(line)) > 0) {
		if (!strncasecmp(line, "EHLO", 4))
			t_say(fd, "250-real.test\r\n250 HELP\r\n");
		else if (!strncasecmp(line, "HELO", 4))
			t_say(fd, "250 real.test\r\n");
		else if (!strncasecmp(line, "QUIT", 4)) {
			t_say(fd, "221 bye\r\n");
			return;
		} else
			t_say(fd, "502 no\r\n");
	}
}

static void test_smtp(void **state)
{
	struct tsrv s;
	struct check_spec sp;
	struct t_event ev;

	t_server_start(&s, "127.0.0.3", SOCK_STREAM, smtp_conn,
		       "220 real.test ESMTP ready\r\n");
	sp = t_spec(CHECK_NEGOTIATE, SVC_SMTP, s.ip, s.port);
	ev = run_one(&sp, 3);
	assert_true(ev.up);
	t_server_stop(&s);

	t_server_start(&s, "127.0.0.3", SOCK_STREAM, smtp_conn,
		       "554 go away\r\n");
	sp = t_spec(CHECK_NEGOTIATE, SVC_SMTP, s.ip, s.port);
	ev = run_one(&sp, 3);
	assert_false(ev.up);
	t_server_stop(&s);
}

/* POP3 with USER/PASS; arg is the accepted password. */
static void pop_conn(int fd, void *arg)
{
	char line[512];

	t_say(fd, "+OK POP3 ready\r\n");
	while (t_getline(fd, line, sizeof(line)) > 0) {
		if (!strncasecmp(line, "CAPA", 4))
			t_say(fd, "+OK\r\nUSER\r\n.\r\n");
		else if (!strncasecmp(line, "USER ", 5))
			t_say(fd, "+OK\r\n");
		else if (!strncasecmp(line, "PASS ", 5)) {
			line[strcspn(line, "\r\n")] = '\0';
			t_say(fd, strcmp(line + 5, arg) ? "-ERR denied\r\n" :
				  "+OK logged in\r\n");
		} else if (!strncasecmp(line, "QUIT", 4)) {
			t_say(fd, "+OK bye\r\n");
			return;
		} else
			t_say(fd, "-ERR unknown\r\n");
	}
}

static void test_pop(void **state)
{
	struct tsrv s;
	struct check_spec sp;

	t_server_start(&s, "127.0.0.3", SOCK_STREAM, pop_conn, "sesame");
	sp = t_spec(CHECK_NEGOTIATE, SVC_POP, s.ip, s.port);
	assert_true(run_one(&sp, 3).up);		/* greeting only */
	sp.login = "alice";
	sp.passwd = "sesame";
	assert_true(run_one(&sp, 3).up);
	sp.passwd = "wrong";
	assert_false(run_one(&sp, 3).up);
	t_server_stop(&s);
}

/* IMAP LOGIN; arg is the accepted password. */
static void imap_conn(int fd, void *arg)
{
	char line[512], tag[32], cmd[32], out[600];

	t_say(fd, "* OK IMAP4rev1 ready\r\n");
	while (t_getline(fd, line, sizeof(line)) > 0) {
		if (sscanf(line, "%31s %31s", tag, cmd) != 2)
			continue;
		if (!strcasecmp(cmd, "CAPABILITY")) {
			snprintf(out, sizeof(out),
				 "* CAPABILITY IMAP4rev1\r\n%s OK done\r\n", tag);
		} else if (!strcasecmp(cmd, "LOGIN")) {
			snprintf(out, sizeof(out), "%s %s\r\n", tag,
				 strstr(line, (char *)arg) ? "OK in" : "NO denied");
		} else if (!strcasecmp(cmd, "LOGOUT")) {
			snprintf(out, sizeof(out), "* BYE\r\n%s OK bye\r\n", tag);
			t_say(fd, out);
			return;
		} else {
			snprintf(out, sizeof(out), "%s BAD what\r\n", tag);
		}
		t_say(fd, out);
	}
}

static void test_imap(void **state)
{
	struct tsrv s;
	struct check_spec sp;

	t_server_start(&s, "127.0.0.3", SOCK_STREAM, imap_conn, "sesame");
	sp = t_spec(CHECK_NEGOTIATE, SVC_IMAP, s.ip, s.port);
	sp.login = "alice";
	sp.passwd = "sesame";
	assert_true(run_one(&sp, 3).up);
	sp.passwd = "wrong";
	assert_false(run_one(&sp, 3).up);
	t_server_stop(&s);
}

/* FTP: enough of RFC 959 + EPSV for curl to log in and RETR one file.
 * arg is the file's content; the file is called "probe.txt". */
static void ftp_conn(int fd, void *arg)
{
	char line[512], out[128];
	int data_fd = -1;

	t_say(fd, "220 ftp ready\r\n");
	while (t_getline(fd, line, sizeof(line)) > 0) {
		if (!strncasecmp(line, "USER", 4)) {
			t_say(fd, "331 password please\r\n");
		} else if (!strncasecmp(line, "PASS", 4)) {
			t_say(fd, "230 in\r\n");
		} else if (!strncasecmp(line, "PWD", 3)) {
			t_say(fd, "257 \"/\"\r\n");
		} else if (!strncasecmp(line, "EPSV", 4)) {
			struct sockaddr_in a;
			socklen_t l = sizeof(a);
			uint16_t p;

			getsockname(fd, (struct sockaddr *)&a, &l);
			data_fd = t_bind(inet_ntoa(a.sin_addr), SOCK_STREAM, &p);
			snprintf(out, sizeof(out),
				 "229 Entering Extended Passive Mode (|||%u|)\r\n", p);
			t_say(fd, out);
		} else if (!strncasecmp(line, "TYPE", 4)) {
			t_say(fd, "200 ok\r\n");
		} else if (!strncasecmp(line, "SIZE", 4)) {
			if (strstr(line, "probe.txt")) {
				snprintf(out, sizeof(out), "213 %zu\r\n",
					 strlen(arg));
				t_say(fd, out);
			} else {
				t_say(fd, "550 no such file\r\n");
			}
		} else if (!strncasecmp(line, "RETR", 4)) {
			int c;

			if (!strstr(line, "probe.txt") || data_fd < 0) {
				t_say(fd, "550 no such file\r\n");
				continue;
			}
			t_say(fd, "150 here it comes\r\n");
			c = accept(data_fd, NULL, NULL);
			t_say(c, arg);
			close(c);
			close(data_fd);
			data_fd = -1;
			t_say(fd, "226 done\r\n");
		} else if (!strncasecmp(line, "QUIT", 4)) {
			t_say(fd, "221 bye\r\n");
			return;
		} else {
			t_say(fd, "502 not implemented\r\n");
		}
	}
}

static void test_ftp(void **state)
{
	struct tsrv s;
	struct check_spec sp;
	struct t_event ev;

	t_server_start(&s, "127.0.0.4", SOCK_STREAM, ftp_conn,
		       "probe content: healthy\n");
	sp = t_spec(CHECK_NEGOTIATE, SVC_FTP, s.ip, s.port);
	sp.request = "probe.txt";
	sp.receive = "healthy";
	ev = run_one(&sp, 3);
	assert_true(ev.up);
	sp.receive = "sick";
	assert_false(run_one(&sp, 3).up);
	sp.request = "missing.txt";
	sp.receive = NULL;
	assert_false(run_one(&sp, 3).up);
	t_server_stop(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_http_receive_match),
		cmocka_unit_test(test_http_virtualhost),
		cmocka_unit_test(test_http_head),
		cmocka_unit_test(test_http_timeout_loop_free),
		cmocka_unit_test(test_http_refused),
		cmocka_unit_test(test_http_repeated_runs),
		cmocka_unit_test(test_http_repeated_runs_reuse),
		cmocka_unit_test(test_http_many_checks),
		cmocka_unit_test(test_https),
		cmocka_unit_test(test_smtp),
		cmocka_unit_test(test_pop),
		cmocka_unit_test(test_imap),
		cmocka_unit_test(test_ftp),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
