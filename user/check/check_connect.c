// SPDX-License-Identifier: GPL-2.0
/*
 * connect check: a non-blocking TCP connect to real:checkport within the
 * connect timeout. For UDP services a datagram is sent to a connected UDP
 * socket: an ICMP port unreachable comes back as ECONNREFUSED and fails the
 * check; silence or an answer within a short grace period passes it.
 * Also the fd/timer helpers the other socket probes share.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check/check_int.h"

/* How long a UDP connect check waits for an ICMP error before passing. */
#define UDP_GRACE	1.0

int check_socket_connect(struct check *c, int type, bool *in_progress)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(check_port(c)),
		.sin_addr.s_addr = c->spec.rip,
	};
	int fd, err;

	fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	*in_progress = false;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		if (errno != EINPROGRESS) {
			err = -errno;
			close(fd);
			return err;
		}
		*in_progress = true;
	}
	return fd;
}

void check_io_start(struct check *c, int events, check_io_cb cb)
{
	ev_io_stop(c->m->loop, &c->io);
	ev_io_init(&c->io, cb, c->fd, events);
	c->io.data = c;
	ev_io_start(c->m->loop, &c->io);
}

void check_tmo_start(struct check *c, double secs, check_tmo_cb cb)
{
	ev_timer_stop(c->m->loop, &c->tmo);
	ev_timer_init(&c->tmo, cb, secs, 0);
	c->tmo.data = c;
	ev_timer_start(c->m->loop, &c->tmo);
}

void check_fd_cleanup(struct check *c)
{
	ev_io_stop(c->m->loop, &c->io);
	ev_timer_stop(c->m->loop, &c->tmo);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->buf);
	c->buf = NULL;
	c->len = c->cap = 0;
	free(c->out);
	c->out = NULL;
	c->outlen = c->sent = 0;
}

bool check_buf_append(struct check *c, const void *data, size_t len)
{
	if (c->len + len + 1 > c->cap) {
		size_t cap = c->cap ? c->cap : 1024;
		char *nb;

		while (cap < c->len + len + 1)
			cap *= 2;
		if (cap > CHECK_BUF_MAX + 1)
			cap = CHECK_BUF_MAX + 1;
		if (c->len + len + 1 > cap)
			len = cap - c->len - 1;
		nb = realloc(c->buf, cap);
		if (!nb)
			return false;
		c->buf = nb;
		c->cap = cap;
	}
	memcpy(c->buf + c->len, data, len);
	c->len += len;
	c->buf[c->len] = '\0';
	return c->len < CHECK_BUF_MAX;
}

static void connect_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct check *c = w->data;

	check_finish(c, false, "connect: timed out after %.1fs",
		     check_connect_timeout(c));
}

static void tcp_connected_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct check *c = w->data;
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err)
		check_finish(c, false, "connect: %s", strerror(err));
	else
		check_finish(c, true, "connect: ok");
}

static void udp_grace_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	check_finish(w->data, true, "udp: no ICMP error");
}

static void udp_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct check *c = w->data;
	char buf[512];
	ssize_t n = recv(c->fd, buf, sizeof(buf), 0);

	if (n >= 0)
		check_finish(c, true, "udp: answered");
	else if (errno != EAGAIN && errno != EINTR)
		check_finish(c, false, "udp: %s", strerror(errno));
}

static int udp_start(struct check *c)
{
	bool in_progress;
	int fd = check_socket_connect(c, SOCK_DGRAM, &in_progress);
	double grace = check_connect_timeout(c);

	if (fd < 0)
		return fd;
	c->fd = fd;
	/* an empty datagram is enough to draw a port unreachable */
	if (send(fd, "", 0, 0) < 0 && errno != EAGAIN) {
		int err = errno;

		check_finish(c, false, "udp: %s", strerror(err));
		return 0;
	}
	if (grace > UDP_GRACE)
		grace = UDP_GRACE;
	check_io_start(c, EV_READ, udp_read_cb);
	check_tmo_start(c, grace, udp_grace_cb);
	return 0;
}

int check_connect_start(struct check *c)
{
	bool in_progress;
	int fd;

	if (c->spec.proto == IPPROTO_UDP)
		return udp_start(c);
	fd = check_socket_connect(c, SOCK_STREAM, &in_progress);
	if (fd < 0) {
		check_finish(c, false, "connect: %s", strerror(-fd));
		return 0;
	}
	c->fd = fd;
	if (!in_progress) {
		check_finish(c, true, "connect: ok");
		return 0;
	}
	check_io_start(c, EV_WRITE, tcp_connected_cb);
	check_tmo_start(c, check_connect_timeout(c), connect_timeout_cb);
	return 0;
}

void check_connect_cancel(struct check *c)
{
	check_fd_cleanup(c);
}
