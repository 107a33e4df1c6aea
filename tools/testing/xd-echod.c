// SPDX-License-Identifier: GPL-2.0
/*
 * xd-echod: line echo server for the end-to-end tests. Runs on the real
 * servers; greets every TCP connection with "hello from NAME\n" so a test
 * knows which real it reached, then echoes every byte back unchanged.
 * With -u it also echoes UDP datagrams on the same port.
 *
 *   xd-echod -p PORT [-u] [-n NAME] [-b ADDR]
 *
 * Quiet unless something fails; exits 0 on SIGTERM or SIGINT.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define OUT_MAX		65536	/* stop reading a client while this is queued */
#define READ_CHUNK	16384

struct client {
	char *out;		/* bytes not yet written back */
	size_t out_len;
	int open;
};

static volatile sig_atomic_t stopping;
static struct client *clients;
static int max_fds;
static int epfd;

static void on_signal(int sig)
{
	stopping = 1;
}

static void usage(void)
{
	fprintf(stderr, "usage: xd-echod -p PORT [-u] [-n NAME] [-b ADDR]\n");
	exit(2);
}

static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
		max_fds = rl.rlim_cur > 1048576 ? 1048576 : (int)rl.rlim_cur;
	}
	if (max_fds < 1024)
		max_fds = 1024;
}

static int open_socket(int type, struct sockaddr_in *sa)
{
	int one = 1;
	int fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)sa, sizeof(*sa)) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 4096) < 0)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static void client_close(int fd)
{
	epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
	close(fd);
	free(clients[fd].out);
	memset(&clients[fd], 0, sizeof(clients[fd]));
}

/* Queue bytes for fd after what is pending; returns -ENOMEM when full. */
static int client_queue(int fd, const char *buf, size_t len)
{
	struct client *c = &clients[fd];

	if (!c->out) {
		c->out = malloc(OUT_MAX + READ_CHUNK);
		if (!c->out)
			return -ENOMEM;
	}
	if (c->out_len + len > OUT_MAX + READ_CHUNK)
		return -ENOMEM;
	memcpy(c->out + c->out_len, buf, len);
	c->out_len += len;
	return 0;
}

/* Write what is queued; watch for EPOLLOUT (and stop reading) meanwhile. */
static int client_flush(int fd)
{
	struct client *c = &clients[fd];
	struct epoll_event ev = { .data.fd = fd };

	while (c->out_len) {
		ssize_t n = write(fd, c->out, c->out_len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			return -errno;
		}
		memmove(c->out, c->out + n, c->out_len - n);
		c->out_len -= n;
	}
	ev.events = c->out_len >= OUT_MAX ? EPOLLOUT :
		    c->out_len ? EPOLLIN | EPOLLOUT : EPOLLIN;
	epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev);
	return 0;
}

static void client_read(int fd)
{
	char buf[READ_CHUNK];

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n == 0) {
			client_close(fd);
			return;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				client_close(fd);
			else if (client_flush(fd) < 0)
				client_close(fd);
			return;
		}
		if (client_queue(fd, buf, n) < 0 || client_flush(fd) < 0) {
			client_close(fd);
			return;
		}
		if (clients[fd].out_len >= OUT_MAX)
			return;
	}
}

static void accept_all(int lfd, const char *greeting)
{
	for (;;) {
		struct epoll_event ev = { .events = EPOLLIN };
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN)
				fprintf(stderr, "xd-echod: accept: %s\n",
					strerror(errno));
			return;
		}
		if (fd >= max_fds) {
			close(fd);
			continue;
		}
		clients[fd].open = 1;
		ev.data.fd = fd;
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ||
		    client_queue(fd, greeting, strlen(greeting)) < 0 ||
		    client_flush(fd) < 0)
			client_close(fd);
	}
}

static void udp_echo(int ufd)
{
	char buf[65536];

	for (;;) {
		struct sockaddr_in from;
		socklen_t flen = sizeof(from);
		ssize_t n = recvfrom(ufd, buf, sizeof(buf), 0,
				     (struct sockaddr *)&from, &flen);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		sendto(ufd, buf, n, 0, (struct sockaddr *)&from, flen);
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	char name[256] = "", greeting[300];
	struct epoll_event evs[256];
	struct sigaction act;
	int port = 0, udp = 0, opt, lfd, ufd = -1;

	while ((opt = getopt(argc, argv, "p:un:b:h")) != -1) {
		switch (opt) {
		case 'p':
			port = atoi(optarg);
			break;
		case 'u':
			udp = 1;
			break;
		case 'n':
			snprintf(name, sizeof(name), "%s", optarg);
			break;
		case 'b':
			if (inet_pton(AF_INET, optarg, &sa.sin_addr) != 1) {
				fprintf(stderr, "xd-echod: bad address %s\n",
					optarg);
				return 2;
			}
			break;
		default:
			usage();
		}
	}
	if (port <= 0 || port > 65535 || optind != argc)
		usage();
	if (!name[0] && gethostname(name, sizeof(name) - 1) < 0)
		strcpy(name, "unknown");
	snprintf(greeting, sizeof(greeting), "hello from %s\n", name);
	sa.sin_port = htons(port);

	memset(&act, 0, sizeof(act));
	act.sa_handler = on_signal;	/* no SA_RESTART: epoll_wait returns */
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);
	signal(SIGPIPE, SIG_IGN);
	raise_nofile();
	clients = calloc(max_fds, sizeof(*clients));
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (!clients || epfd < 0) {
		fprintf(stderr, "xd-echod: %s\n", strerror(errno));
		return 1;
	}

	lfd = open_socket(SOCK_STREAM, &sa);
	if (lfd < 0) {
		fprintf(stderr, "xd-echod: tcp port %d: %s\n", port,
			strerror(-lfd));
		return 1;
	}
	epoll_ctl(epfd, EPOLL_CTL_ADD, lfd,
		  &(struct epoll_event){ .events = EPOLLIN, .data.fd = lfd });
	if (udp) {
		ufd = open_socket(SOCK_DGRAM, &sa);
		if (ufd < 0) {
			fprintf(stderr, "xd-echod: udp port %d: %s\n", port,
				strerror(-ufd));
			return 1;
		}
		epoll_ctl(epfd, EPOLL_CTL_ADD, ufd,
			  &(struct epoll_event){ .events = EPOLLIN,
						 .data.fd = ufd });
	}

	while (!stopping) {
		int n = epoll_wait(epfd, evs, 256, 1000);

		if (n < 0 && errno != EINTR) {
			fprintf(stderr, "xd-echod: epoll_wait: %s\n",
				strerror(errno));
			return 1;
		}
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == lfd)
				accept_all(lfd, greeting);
			else if (fd == ufd)
				udp_echo(ufd);
			else if (evs[i].events & (EPOLLERR | EPOLLHUP))
				client_close(fd);
			else if (!clients[fd].open)
				continue;
			else if (evs[i].events & EPOLLOUT &&
				 client_flush(fd) < 0)
				client_close(fd);
			else if (evs[i].events & EPOLLIN)
				client_read(fd);
		}
	}
	return 0;
}
