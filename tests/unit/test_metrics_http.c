// SPDX-License-Identifier: GPL-2.0
/*
 * The metrics endpoint keeps answering: after more clients than it has
 * slots connected and went away, and while one host holds idle
 * connections. A client thread does the connecting; the test thread runs
 * the event loop that serves, as the daemon's does.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "ctl/metrics_http.h"

static struct ev_loop *loop;
static ev_async done;
static struct sockaddr_in addr;
static int answered;		/* scrapes that got a 200 with the body */
static int hog_closed;		/* the hog's connections the server closed */

static char *text(void *arg)
{
	return strdup("xdirector_up 1\n");
}

static int dial(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* One scrape, with SO_RCVTIMEO as the bound: 1 if it was answered. */
static int scrape(void)
{
	struct timeval tv = { .tv_sec = 30 };
	char buf[1024];
	size_t got = 0;
	ssize_t n;
	int fd = dial();

	if (fd < 0)
		return 0;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (write(fd, "GET /metrics HTTP/1.0\r\n\r\n", 25) != 25) {
		close(fd);
		return 0;
	}
	while (got < sizeof(buf) - 1 &&
	       (n = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0)
		got += n;
	buf[got] = 0;
	close(fd);
	return !strncmp(buf, "HTTP/1.", 7) && !strncmp(buf + 8, " 200", 4) &&
	       strstr(buf, "xdirector_up 1") != NULL;
}

/* More idle connections than slots, all closed at once, then scrapes. */
static void *burst_then_scrape(void *arg)
{
	int fds[METRICS_CONN_MAX + 8];
	int n = 0;

	for (int i = 0; i < METRICS_CONN_MAX + 8; i++) {
		/* from several loopback addresses, past the per-host cap */
		struct sockaddr_in from = { .sin_family = AF_INET };
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		from.sin_addr.s_addr = htonl(0x7f000001 + 1 + i % 8);
		if (fd < 0 || bind(fd, (struct sockaddr *)&from, sizeof(from)) ||
		    connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		fds[n++] = fd;
	}
	usleep(200 * 1000);	/* let the server take them in */
	for (int i = 0; i < n; i++)
		close(fds[i]);
	for (int i = 0; i < 3; i++)
		answered += scrape();
	ev_async_send(loop, &done);
	return NULL;
}

/* One host holds more idle connections than it may: others still get in. */
static void *hog_then_scrape(void *arg)
{
	int fds[METRICS_CONN_MAX];
	int n = 0;

	for (int i = 0; i < METRICS_CONN_MAX; i++) {
		int fd = dial();	/* from 127.0.0.1 */

		if (fd >= 0)
			fds[n++] = fd;
	}
	/* the server refuses what is over the per-host cap at once; the
	 * rest it would close only when idle for 10 s */
	for (int tries = 0; tries < 2000; tries++) {
		char c;

		hog_closed = 0;
		for (int i = 0; i < n; i++)
			hog_closed += recv(fds[i], &c, 1,
					   MSG_DONTWAIT | MSG_PEEK) == 0;
		if (hog_closed >= METRICS_CONN_MAX - METRICS_PER_IP_MAX)
			break;
		usleep(10 * 1000);
	}
	/* scrape from another address while the hog holds its sockets */
	{
		struct sockaddr_in from = { .sin_family = AF_INET };
		struct timeval tv = { .tv_sec = 30 };
		char buf[512];
		ssize_t r = -1;
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		from.sin_addr.s_addr = htonl(0x7f000063);	/* 127.0.0.99 */
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		if (!bind(fd, (struct sockaddr *)&from, sizeof(from)) &&
		    !connect(fd, (struct sockaddr *)&addr, sizeof(addr)) &&
		    write(fd, "GET /metrics HTTP/1.0\r\n\r\n", 25) == 25)
			r = read(fd, buf, sizeof(buf) - 1);
		if (r > 12 && !strncmp(buf + 8, " 200", 4))
			answered++;
		close(fd);
	}
	for (int i = 0; i < n; i++)
		close(fds[i]);
	ev_async_send(loop, &done);
	return NULL;
}

static void done_cb(struct ev_loop *l, ev_async *w, int revents)
{
	ev_break(l, EVBREAK_ALL);
}

/* A free port: bind to 0, read it back, release it. */
static uint16_t free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	close(fd);
	return ntohs(sa.sin_port);
}

static void serve_while(void *(*client)(void *))
{
	struct metrics_http *m;
	char listen[32], err[128];
	pthread_t th;

	addr = (struct sockaddr_in){ .sin_family = AF_INET,
				     .sin_port = htons(free_port()) };
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	snprintf(listen, sizeof(listen), "0.0.0.0:%u", ntohs(addr.sin_port));
	loop = ev_loop_new(EVFLAG_AUTO);
	m = metrics_http_start(loop, listen, text, NULL, err, sizeof(err));
	assert_non_null(m);
	ev_async_init(&done, done_cb);
	ev_async_start(loop, &done);
	answered = 0;
	assert_int_equal(pthread_create(&th, NULL, client, NULL), 0);
	ev_run(loop, 0);
	pthread_join(th, NULL);
	metrics_http_stop(m);
	ev_loop_destroy(loop);
}

static void test_answers_after_burst(void **state)
{
	serve_while(burst_then_scrape);
	assert_int_equal(answered, 3);
}

static void test_one_host_cannot_hog(void **state)
{
	serve_while(hog_then_scrape);
	assert_int_equal(hog_closed, METRICS_CONN_MAX - METRICS_PER_IP_MAX);
	assert_int_equal(answered, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answers_after_burst),
		cmocka_unit_test(test_one_host_cannot_hog),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
