// SPDX-License-Identifier: GPL-2.0
/*
 * xd-probe: measure how long a service is unreachable, for the failover
 * tests. Starts a request every INTERVAL ms for DURATION seconds, each on
 * its own connection (so each is a fresh pick through the director) and
 * each failing unless answered within TIMEOUT ms:
 *   http  TCP connect, "GET / HTTP/1.0", a "200" status line (default)
 *   tcp   TCP connect and at least one byte received (xd-echod's greeting)
 *   udp   one datagram, any reply
 * Prints one machine-readable line on stdout:
 *   sent=N ok=N failed=N max_gap_ms=G outage_ms=O outages=K recovered=0|1
 *   real1=A real2=B ...     (http: which body answered)
 * max_gap_ms is the longest time between the starts of two consecutive
 * successful requests; outage_ms is that minus the interval (0 when
 * nothing failed), i.e. how long new requests failed.
 *
 *   xd-probe -c ADDR:PORT [-m http|tcp|udp] [-i MS] [-d S] [-t MS]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum mode { M_HTTP, M_TCP, M_UDP };

struct attempt {
	double start;
	int fd;
	bool sent_req, done, ok, status_ok;
	char body[64];
	size_t blen;
};

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	stopping = 1;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void usage(void)
{
	fprintf(stderr, "usage: xd-probe -c ADDR:PORT [-m http|tcp|udp] "
		"[-i INTERVAL_MS] [-d SECONDS] [-t TIMEOUT_MS]\n");
	exit(2);
}

static int start_attempt(struct attempt *a, const struct sockaddr_in *sa,
			 enum mode m)
{
	int fd = socket(AF_INET, (m == M_UDP ? SOCK_DGRAM : SOCK_STREAM) |
			SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	a->start = now_ms();
	a->fd = fd;
	if (fd < 0)
		return -1;
	if (m != M_UDP) {
		struct linger lg = { 1, 0 };

		/* RST on close: thousands of TIME_WAITs would exhaust
		 * the client's ports in a long run. */
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	}
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) &&
	    errno != EINPROGRESS) {
		close(fd);
		a->fd = -1;
		return -1;
	}
	if (m == M_UDP) {
		if (send(fd, "xd-probe\n", 9, 0) < 0) {
			close(fd);
			a->fd = -1;
			return -1;
		}
		a->sent_req = true;
	}
	return 0;
}

static void finish(struct attempt *a, bool ok)
{
	if (a->fd >= 0)
		close(a->fd);
	a->fd = -1;
	a->done = true;
	a->ok = ok;
}

static void progress(struct attempt *a, short rev, enum mode m,
		     const char *host)
{
	char buf[512];
	ssize_t n;

	if (!a->sent_req && (rev & POLLOUT)) {
		int err = 0;
		socklen_t el = sizeof(err);

		getsockopt(a->fd, SOL_SOCKET, SO_ERROR, &err, &el);
		if (err) {
			finish(a, false);
			return;
		}
		if (m == M_HTTP) {
			int len = snprintf(buf, sizeof(buf), "GET / HTTP/1.0\r\n"
					   "Host: %s\r\n\r\n", host);

			if (send(a->fd, buf, len, MSG_NOSIGNAL) != len) {
				finish(a, false);
				return;
			}
		}
		a->sent_req = true;
	}
	if (!(rev & (POLLIN | POLLHUP | POLLERR)))
		return;
	for (;;) {
		n = recv(a->fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0)
			break;
		if (!a->blen) {
			/* The status line decides; keep it to check at EOF. */
			a->status_ok = n >= 12 && !strncmp(buf, "HTTP/1.", 7) &&
				       !strncmp(buf + 8, " 200", 4);
		}
		/* Keep the last bytes: the body names the real server. */
		if ((size_t)n >= sizeof(a->body) - 1) {
			memcpy(a->body, buf + n - (sizeof(a->body) - 1),
			       sizeof(a->body) - 1);
			a->blen = sizeof(a->body) - 1;
		} else {
			size_t keep = sizeof(a->body) - 1 - n;

			if (a->blen > keep) {
				memmove(a->body, a->body + a->blen - keep, keep);
				a->blen = keep;
			}
			memcpy(a->body + a->blen, buf, n);
			a->blen += n;
		}
		a->body[a->blen] = 0;
		if (m != M_HTTP) {
			finish(a, true);
			return;
		}
	}
	if (m == M_HTTP)
		finish(a, a->status_ok);
	else
		finish(a, false);
}

int main(int argc, char **argv)
{
	double interval = 10, duration = 5, timeout = 300, t0, next, end;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct attempt *att;
	enum mode m = M_HTTP;
	size_t max, n = 0;
	char host[64] = "";
	int c;

	while ((c = getopt(argc, argv, "c:m:i:d:t:")) != -1) {
		switch (c) {
		case 'c': {
			char *colon = strrchr(optarg, ':');

			if (!colon || colon - optarg >= (long)sizeof(host))
				usage();
			memcpy(host, optarg, colon - optarg);
			host[colon - optarg] = 0;
			if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
				usage();
			sa.sin_port = htons(atoi(colon + 1));
			break;
		}
		case 'm':
			m = !strcmp(optarg, "udp") ? M_UDP :
			    !strcmp(optarg, "tcp") ? M_TCP :
			    !strcmp(optarg, "http") ? M_HTTP : (usage(), M_HTTP);
			break;
		case 'i': interval = atof(optarg); break;
		case 'd': duration = atof(optarg); break;
		case 't': timeout = atof(optarg); break;
		default: usage();
		}
	}
	if (!host[0] || interval < 1 || duration <= 0 || timeout < 1)
		usage();
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);
	max = (size_t)(duration * 1000 / interval) + 2;
	att = calloc(max, sizeof(*att));
	if (!att)
		return 1;

	t0 = now_ms();
	next = t0;
	end = t0 + duration * 1000;
	for (;;) {
		struct pollfd pfd[1024];
		size_t idx[1024], np = 0, open = 0;
		double t = now_ms(), wait;

		if (stopping && end > t)
			end = t;
		while (t >= next && next < end && n < max) {
			if (start_attempt(&att[n], &sa, m))
				finish(&att[n], false);
			n++;
			next += interval;
		}
		for (size_t i = 0; i < n; i++) {
			struct attempt *a = &att[i];

			if (a->done || a->fd < 0)
				continue;
			if (t - a->start > timeout) {
				finish(a, false);
				continue;
			}
			open++;
			if (np < 1024) {
				pfd[np].fd = a->fd;
				pfd[np].events = POLLIN | (a->sent_req ? 0 : POLLOUT);
				idx[np++] = i;
			}
		}
		if (!open && (next >= end || n >= max))
			break;
		wait = (next < end ? next : t + 5) - t;
		if (wait < 0)
			wait = 0;
		if (wait > 5)
			wait = 5;
		if (poll(pfd, np, (int)wait + (wait > 0)) < 0 && errno != EINTR)
			break;
		for (size_t k = 0; k < np; k++)
			if (pfd[k].revents)
				progress(&att[idx[k]], pfd[k].revents, m, host);
	}

	{
		size_t ok = 0, outages = 0, r1 = 0, r2 = 0, other = 0;
		double last_ok = -1, max_gap = 0, first = n ? att[0].start : t0;
		bool in_fail = false, recovered = true;

		for (size_t i = 0; i < n; i++) {
			struct attempt *a = &att[i];

			if (!a->ok) {
				if (!in_fail)
					outages++;
				in_fail = true;
				continue;
			}
			ok++;
			if (strstr(a->body, "real1"))
				r1++;
			else if (strstr(a->body, "real2"))
				r2++;
			else
				other++;
			if (max_gap < a->start - (last_ok < 0 ? first : last_ok))
				max_gap = a->start - (last_ok < 0 ? first : last_ok);
			last_ok = a->start;
			in_fail = false;
		}
		if (in_fail || !ok) {
			double tail = (n ? att[n - 1].start : t0) -
				      (last_ok < 0 ? first : last_ok) + interval;

			recovered = false;
			if (tail > max_gap)
				max_gap = tail;
		}
		printf("sent=%zu ok=%zu failed=%zu max_gap_ms=%.0f outage_ms=%.0f "
		       "outages=%zu recovered=%d real1=%zu real2=%zu other=%zu\n",
		       n, ok, n - ok, max_gap,
		       ok == n ? 0.0 : max_gap - interval > 0 ? max_gap - interval : max_gap,
		       outages, recovered, r1, r2, other);
	}
	return 0;
}
