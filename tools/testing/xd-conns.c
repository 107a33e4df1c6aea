// SPDX-License-Identifier: GPL-2.0
/*
 * xd-conns: hold many long-lived TCP connections through the director to
 * xd-echod and report whether any broke. Used by the restart, failover and
 * sync tests: each connection reads the greeting ("hello from REAL"), then
 * sends a numbered line every INTERVAL ms and expects it echoed back.
 *
 *   xd-conns -c ADDR:PORT [-n CONNS] [-i INTERVAL_MS] [-d DURATION_S]
 *            [-r RATE] [-t TIMEOUT_MS] [-b SRCADDR] [-v]
 *
 * A connection is established once its greeting arrived; it is broken on
 * RST, EOF, a wrong echo, or no echo within TIMEOUT ms (default 3000). A
 * connection that never got its greeting within TIMEOUT counts as failed.
 * The last line printed is the summary, e.g.
 *   conns=1000 established=1000 broken=0 failed=0 sent=160000
 *   echoed=160000 max_stall_ms=12 served real1=500 real2=500
 * (one line). -v adds a "progress t=N ..." line every second. Exit status 0
 * only when every connection was established and none broke.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define INFLIGHT	64	/* unanswered lines per connection */
#define RBUF		512
#define MAX_NAMES	64
#define MAX_REPORTS	10	/* detailed messages about broken conns */

enum conn_state {
	C_IDLE,			/* not opened yet (ramp) */
	C_CONNECTING,
	C_GREETING,
	C_RUNNING,
	C_DONE,
	C_BROKEN,
	C_FAILED,
};

struct conn {
	int fd;
	enum conn_state state;
	uint64_t opened_us;
	uint64_t next_send_us;
	uint64_t sent_us[INFLIGHT];
	uint32_t seq_sent;	/* lines sent */
	uint32_t seq_acked;	/* lines echoed back */
	int name;		/* index in names[], -1 before greeting */
	char rbuf[RBUF];
	size_t rlen;
};

static struct {
	struct sockaddr_in dst, src;
	int have_src;
	int nconns;
	int interval_ms;
	int duration_s;
	int rate;
	int timeout_ms;
	int verbose;
} opt = {
	.nconns = 100, .interval_ms = 50, .duration_s = 10, .timeout_ms = 3000,
};

static struct conn *conns;
static char *names[MAX_NAMES];
static int served[MAX_NAMES];
static int nnames;
static int epfd;
static uint64_t start_us;
static uint64_t n_sent, n_echoed, max_stall_us;
static int n_established, n_broken, n_failed, n_reports;
static volatile sig_atomic_t interrupted;

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void on_signal(int sig)
{
	interrupted = 1;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: xd-conns -c ADDR:PORT [-n CONNS] [-i INTERVAL_MS] "
		"[-d DURATION_S] [-r RATE] [-t TIMEOUT_MS] [-b SRCADDR] [-v]\n");
	exit(2);
}

static int parse_addr_port(const char *s, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	long port;

	if (!colon || colon - s >= (long)sizeof(host))
		return -EINVAL;
	memcpy(host, s, colon - s);
	host[colon - s] = '\0';
	port = strtol(colon + 1, NULL, 10);
	if (port <= 0 || port > 65535)
		return -EINVAL;
	sa->sin_family = AF_INET;
	sa->sin_port = htons(port);
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -EINVAL;
}

static int name_index(const char *name)
{
	for (int i = 0; i < nnames; i++)
		if (!strcmp(names[i], name))
			return i;
	if (nnames == MAX_NAMES)
		return MAX_NAMES - 1;
	names[nnames] = strdup(name);
	return names[nnames] ? nnames++ : -1;
}

static const char *conn_name(struct conn *c)
{
	return c->name >= 0 ? names[c->name] : "?";
}

static void conn_end(struct conn *c, enum conn_state state, const char *why)
{
	int idx = (int)(c - conns);

	if (c->fd >= 0) {
		epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
		c->fd = -1;
	}
	if (state == C_BROKEN)
		n_broken++;
	else if (state == C_FAILED)
		n_failed++;
	if (why && n_reports++ < MAX_REPORTS)
		fprintf(stderr, "xd-conns: conn %d (%s): %s: %s at %.3f s\n",
			idx, conn_name(c),
			state == C_BROKEN ? "broken" : "failed", why,
			(now_us() - start_us) / 1e6);
	c->state = state;
}

static void conn_open(struct conn *c, uint64_t now)
{
	struct epoll_event ev = { .events = EPOLLOUT | EPOLLIN,
				  .data.ptr = c };
	int fd, one = 1;

	c->opened_us = now;
	c->name = -1;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		c->fd = -1;
		conn_end(c, C_FAILED, strerror(errno));
		return;
	}
	c->fd = fd;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (opt.have_src &&
	    bind(fd, (struct sockaddr *)&opt.src, sizeof(opt.src)) < 0) {
		conn_end(c, C_FAILED, strerror(errno));
		return;
	}
	if (connect(fd, (struct sockaddr *)&opt.dst, sizeof(opt.dst)) < 0 &&
	    errno != EINPROGRESS) {
		conn_end(c, C_FAILED, strerror(errno));
		return;
	}
	c->state = C_CONNECTING;
	epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

static void conn_send(struct conn *c, uint64_t now)
{
	char line[64];
	int len = snprintf(line, sizeof(line), "c%ld s%u\n",
			   (long)(c - conns), c->seq_sent);
	ssize_t n = send(c->fd, line, len, MSG_NOSIGNAL);

	if (n < 0 && errno == EAGAIN)
		return;		/* try again next tick */
	if (n != len) {
		conn_end(c, C_BROKEN, n < 0 ? strerror(errno) : "short write");
		return;
	}
	c->sent_us[c->seq_sent % INFLIGHT] = now;
	c->seq_sent++;
	n_sent++;
}

/* One complete line from the server. */
static void conn_line(struct conn *c, const char *line, uint64_t now)
{
	char want[64];
	uint64_t stall;

	if (c->state == C_GREETING) {
		if (strncmp(line, "hello from ", 11)) {
			conn_end(c, C_FAILED, "bad greeting");
			return;
		}
		c->name = name_index(line + 11);
		if (c->name >= 0)
			served[c->name]++;
		c->state = C_RUNNING;
		n_established++;
		/* Spread the first line over one interval. */
		c->next_send_us = now + (uint64_t)(rand() %
				  (opt.interval_ms * 1000 + 1));
		return;
	}
	if (c->seq_acked == c->seq_sent) {
		conn_end(c, C_BROKEN, "unexpected data");
		return;
	}
	snprintf(want, sizeof(want), "c%ld s%u", (long)(c - conns),
		 c->seq_acked);
	if (strcmp(line, want)) {
		conn_end(c, C_BROKEN, "wrong echo");
		return;
	}
	stall = now - c->sent_us[c->seq_acked % INFLIGHT];
	if (stall > max_stall_us)
		max_stall_us = stall;
	c->seq_acked++;
	n_echoed++;
}

static void conn_readable(struct conn *c, uint64_t now)
{
	for (;;) {
		ssize_t n = recv(c->fd, c->rbuf + c->rlen,
				 sizeof(c->rbuf) - 1 - c->rlen, 0);
		char *nl, *p;

		if (n == 0) {
			conn_end(c, c->state == C_GREETING ? C_FAILED : C_BROKEN,
				 "EOF from server");
			return;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				conn_end(c, c->state == C_GREETING ?
					 C_FAILED : C_BROKEN, strerror(errno));
			return;
		}
		c->rlen += n;
		c->rbuf[c->rlen] = '\0';
		p = c->rbuf;
		while ((nl = strchr(p, '\n'))) {
			*nl = '\0';
			conn_line(c, p, now);
			if (c->fd < 0)
				return;
			p = nl + 1;
		}
		c->rlen -= p - c->rbuf;
		memmove(c->rbuf, p, c->rlen);
		if (c->rlen >= sizeof(c->rbuf) - 1) {
			conn_end(c, C_BROKEN, "line too long");
			return;
		}
	}
}

static void conn_event(struct conn *c, uint32_t events, uint64_t now)
{
	if (c->state == C_CONNECTING) {
		int err = 0;
		socklen_t len = sizeof(err);
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };

		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
		if (err) {
			conn_end(c, C_FAILED, strerror(err));
			return;
		}
		if (!(events & (EPOLLOUT | EPOLLIN)))
			return;
		c->state = C_GREETING;
		epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
	}
	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
		conn_readable(c, now);
}

/* Timers: open (ramp), send, and time out. Returns 1 while work remains. */
static int tick(uint64_t now, int sending)
{
	uint64_t timeout_us = (uint64_t)opt.timeout_ms * 1000;
	uint64_t interval_us = (uint64_t)opt.interval_ms * 1000;
	int busy = 0;

	for (int i = 0; i < opt.nconns; i++) {
		struct conn *c = &conns[i];

		switch (c->state) {
		case C_IDLE:
			if (!sending)
				break;
			busy = 1;
			if (!opt.rate ||
			    now >= start_us + (uint64_t)i * 1000000 / opt.rate)
				conn_open(c, now);
			break;
		case C_CONNECTING:
		case C_GREETING:
			busy = 1;
			if (now - c->opened_us > timeout_us)
				conn_end(c, C_FAILED, c->state == C_CONNECTING ?
					 "connect timeout" : "no greeting");
			break;
		case C_RUNNING:
			if (c->seq_acked != c->seq_sent) {
				busy = 1;
				if (now - c->sent_us[c->seq_acked % INFLIGHT] >
				    timeout_us) {
					conn_end(c, C_BROKEN, "echo timeout");
					break;
				}
			}
			if (sending && now >= c->next_send_us &&
			    c->seq_sent - c->seq_acked < INFLIGHT) {
				conn_send(c, now);
				c->next_send_us += interval_us;
				if (c->next_send_us < now)
					c->next_send_us = now + interval_us;
			}
			break;
		default:
			break;
		}
	}
	return busy;
}

static void print_counts(const char *prefix)
{
	printf("%sconns=%d established=%d broken=%d failed=%d sent=%llu "
	       "echoed=%llu max_stall_ms=%llu served", prefix, opt.nconns,
	       n_established, n_broken, n_failed, (unsigned long long)n_sent,
	       (unsigned long long)n_echoed,
	       (unsigned long long)(max_stall_us + 999) / 1000);
	for (int i = 0; i < nnames; i++)
		printf(" %s=%d", names[i], served[i]);
	printf("\n");
	fflush(stdout);
}

static void raise_nofile(int need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)need) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int main(int argc, char **argv)
{
	struct epoll_event evs[256];
	struct sigaction act;
	uint64_t end_us, drain_end_us, next_report;
	int o, have_dst = 0, sending = 1;

	while ((o = getopt(argc, argv, "c:n:i:d:r:t:b:vh")) != -1) {
		switch (o) {
		case 'c':
			if (parse_addr_port(optarg, &opt.dst) < 0) {
				fprintf(stderr, "xd-conns: bad ADDR:PORT %s\n",
					optarg);
				return 2;
			}
			have_dst = 1;
			break;
		case 'n':
			opt.nconns = atoi(optarg);
			break;
		case 'i':
			opt.interval_ms = atoi(optarg);
			break;
		case 'd':
			opt.duration_s = atoi(optarg);
			break;
		case 'r':
			opt.rate = atoi(optarg);
			break;
		case 't':
			opt.timeout_ms = atoi(optarg);
			break;
		case 'b':
			opt.src.sin_family = AF_INET;
			if (inet_pton(AF_INET, optarg, &opt.src.sin_addr) != 1) {
				fprintf(stderr, "xd-conns: bad address %s\n",
					optarg);
				return 2;
			}
			opt.have_src = 1;
			break;
		case 'v':
			opt.verbose = 1;
			break;
		default:
			usage();
		}
	}
	if (!have_dst || optind != argc || opt.nconns <= 0 ||
	    opt.interval_ms <= 0 || opt.duration_s <= 0 || opt.rate < 0 ||
	    opt.timeout_ms <= 0)
		usage();

	memset(&act, 0, sizeof(act));
	act.sa_handler = on_signal;
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);
	signal(SIGPIPE, SIG_IGN);
	raise_nofile(opt.nconns + 64);
	srand((unsigned)getpid());
	conns = calloc(opt.nconns, sizeof(*conns));
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (!conns || epfd < 0) {
		fprintf(stderr, "xd-conns: %s\n", strerror(errno));
		return 1;
	}
	for (int i = 0; i < opt.nconns; i++)
		conns[i].fd = -1;

	start_us = now_us();
	end_us = start_us + (uint64_t)opt.duration_s * 1000000;
	drain_end_us = 0;
	next_report = start_us + 1000000;
	for (;;) {
		uint64_t now = now_us();
		int n, busy;

		if (sending && (now >= end_us || interrupted)) {
			/* Stop sending; let answers in flight arrive. */
			sending = 0;
			drain_end_us = now + (uint64_t)opt.timeout_ms * 1000;
		}
		busy = tick(now, sending);
		if (!sending && (!busy || now >= drain_end_us))
			break;
		if (opt.verbose && now >= next_report) {
			char prefix[32];

			snprintf(prefix, sizeof(prefix), "progress t=%llu ",
				 (unsigned long long)(now - start_us) / 1000000);
			print_counts(prefix);
			next_report += 1000000;
		}
		n = epoll_wait(epfd, evs, 256, 2);
		now = now_us();
		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;

			if (c->fd >= 0)
				conn_event(c, evs[i].events, now);
		}
	}
	/* Whatever did not get its greeting or its echoes by now is lost. */
	for (int i = 0; i < opt.nconns; i++) {
		struct conn *c = &conns[i];

		if (c->state == C_CONNECTING || c->state == C_GREETING)
			conn_end(c, C_FAILED, "no greeting before the end");
		else if (c->state == C_IDLE)
			conn_end(c, C_FAILED, "never opened");
		else if (c->state == C_RUNNING && c->seq_acked != c->seq_sent)
			conn_end(c, C_BROKEN, "echo missing at the end");
		else if (c->state == C_RUNNING)
			conn_end(c, C_DONE, NULL);
	}
	print_counts("");
	return n_broken || n_failed ? 1 : 0;
}
