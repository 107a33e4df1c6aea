/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the check tests: tiny servers forked on loopback (each in its
 * own process group, killed by id at teardown), a recorder for state
 * callbacks and loop runners with a deadline.
 */
#ifndef TEST_CHECK_UTIL_H
#define TEST_CHECK_UTIL_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "check/check.h"
#include "log.h"

struct tsrv {
	pid_t pid;
	int fd;
	uint16_t port;
	uint32_t ip;		/* network order */
};

static inline uint32_t t_ip(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

/* A socket bound to ip on a free port; type SOCK_STREAM listens. */
static inline int t_bind(const char *ip, int type, uint16_t *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t l = sizeof(sin);
	int one = 1, fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sin.sin_addr.s_addr = t_ip(ip);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	if (type == SOCK_STREAM)
		assert_int_equal(listen(fd, 512), 0);
	getsockname(fd, (struct sockaddr *)&sin, &l);
	*port = ntohs(sin.sin_port);
	return fd;
}

/* A TCP port on ip where nothing listens and no TIME_WAIT lingers: bound
 * without SO_REUSEADDR, then closed. */
static inline uint16_t t_free_port(const char *ip)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t l = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	sin.sin_addr.s_addr = t_ip(ip);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	getsockname(fd, (struct sockaddr *)&sin, &l);
	close(fd);
	return ntohs(sin.sin_port);
}

typedef void (*t_conn_fn)(int fd, void *arg);

/* Fork a server: stream servers fork again per connection and call fn on
 * it; datagram servers call fn(fd) once and fn loops itself. */
static inline void t_server_start(struct tsrv *s, const char *ip, int type,
				  t_conn_fn fn, void *arg)
{
	s->ip = t_ip(ip);
	s->fd = t_bind(ip, type, &s->port);
	s->pid = fork();
	assert_true(s->pid >= 0);
	if (s->pid == 0) {
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		signal(SIGCHLD, SIG_IGN);	/* auto-reap connection children */
		if (type != SOCK_STREAM) {
			fn(s->fd, arg);
			_exit(0);
		}
		for (;;) {
			int c = accept(s->fd, NULL, NULL);

			if (c < 0)
				continue;
			if (fork() == 0) {
				close(s->fd);
				fn(c, arg);
				close(c);
				_exit(0);
			}
			close(c);
		}
	}
	setpgid(s->pid, s->pid);
}

static inline void t_server_stop(struct tsrv *s)
{
	if (s->pid > 0) {
		kill(-s->pid, SIGKILL);
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
	}
	if (s->fd >= 0)
		close(s->fd);
	s->pid = -1;
	s->fd = -1;
}

/* Read an HTTP request head into buf; returns its length. */
static inline int t_read_head(int fd, char *buf, size_t cap)
{
	size_t len = 0;

	while (len + 1 < cap) {
		ssize_t n = read(fd, buf + len, cap - 1 - len);

		if (n <= 0)
			break;
		len += n;
		buf[len] = '\0';
		if (strstr(buf, "\r\n\r\n"))
			break;
	}
	buf[len] = '\0';
	return len;
}

static inline void t_write_all(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t n = write(fd, s, len);

		if (n <= 0)
			return;
		s += n;
		len -= n;
	}
}

/*
 * HTTP server. Paths: /ok (200 "status: alive"), /bad (500), /hang (never
 * answers), /echo (200, body is the request head), /flag (200 while the file
 * named by arg exists, else 503). Every answer carries X-Method.
 */
static inline void t_http_conn(int fd, void *arg)
{
	char req[4096], method[16] = "", path[256] = "", resp[8192];
	const char *body = "", *status = "200 OK";

	t_read_head(fd, req, sizeof(req));
	sscanf(req, "%15s %255s", method, path);
	if (!strcmp(path, "/ok")) {
		body = "status: alive\n";
	} else if (!strcmp(path, "/bad")) {
		status = "500 Internal Server Error";
		body = "broken\n";
	} else if (!strcmp(path, "/hang")) {
		sleep(60);
		return;
	} else if (!strcmp(path, "/echo")) {
		body = req;
	} else if (!strcmp(path, "/flag")) {
		if (access((const char *)arg, F_OK) == 0) {
			body = "flag up\n";
		} else {
			status = "503 Service Unavailable";
			body = "flag down\n";
		}
	} else {
		status = "404 Not Found";
		body = "no such page\n";
	}
	snprintf(resp, sizeof(resp),
		 "HTTP/1.1 %s\r\nContent-Type: text/plain\r\nX-Method: %s\r\n"
		 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
		 status, method, strlen(body),
		 strcmp(method, "HEAD") ? body : "");
	t_write_all(fd, resp, strlen(resp));
}

/* ---- state callback recorder ---- */

#define T_MAX_EVENTS	256

struct t_event {
	uint32_t rip;
	uint16_t rport;
	bool up;
	double time;
	char why[128];
};

struct t_rec {
	struct t_event ev[T_MAX_EVENTS];
	int n;
};

static inline void t_record(void *arg, const struct check_spec *spec, bool up,
			    const char *why)
{
	struct t_rec *r = arg;

	if (r->n >= T_MAX_EVENTS)
		return;
	r->ev[r->n].rip = spec->rip;
	r->ev[r->n].rport = spec->rport;
	r->ev[r->n].up = up;
	r->ev[r->n].time = ev_time();
	snprintf(r->ev[r->n].why, sizeof(r->ev[r->n].why), "%s", why);
	r->n++;
}

/* Last event for (rip, rport), or NULL. */
static inline struct t_event *t_last(struct t_rec *r, uint32_t rip,
				     uint16_t rport)
{
	for (int i = r->n - 1; i >= 0; i--)
		if (r->ev[i].rip == rip && r->ev[i].rport == rport)
			return &r->ev[i];
	return NULL;
}

static inline int t_count(struct t_rec *r, uint32_t rip, uint16_t rport)
{
	int n = 0;

	for (int i = 0; i < r->n; i++)
		n += r->ev[i].rip == rip && r->ev[i].rport == rport;
	return n;
}

static inline void t_stop_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	ev_break(loop, EVBREAK_ONE);
}

/* Run the loop for secs. */
static inline void t_run_for(struct ev_loop *loop, double secs)
{
	ev_timer t;

	ev_timer_init(&t, t_stop_cb, secs, 0);
	ev_timer_start(loop, &t);
	ev_run(loop, 0);
	ev_timer_stop(loop, &t);
}

/* Run until at least `want` events are recorded or secs pass; returns the
 * number of events. */
static inline int t_run_until(struct ev_loop *loop, struct t_rec *r, int want,
			      double secs)
{
	double end = ev_time() + secs;

	while (r->n < want && ev_time() < end)
		t_run_for(loop, 0.01);
	return r->n;
}

/* A spec with test-friendly timings. */
static inline struct check_spec t_spec(enum check_type type,
				       enum check_service svc, uint32_t rip,
				       uint16_t rport)
{
	struct check_spec s = {
		.vip = t_ip("127.0.0.100"), .vport = 80, .proto = 6,
		.rip = rip, .rport = rport, .type = type, .service = svc,
		.interval = 0.2, .timeout = 1.0, .failurecount = 1,
	};
	return s;
}

static inline const struct check_status *t_status(struct check_manager *m,
						  size_t i)
{
	static struct check_status st[64];

	check_manager_status(m, st, 64);
	return &st[i];
}

#endif
