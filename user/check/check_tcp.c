// SPDX-License-Identifier: GPL-2.0
/*
 * simpletcp check: connect, send `request`, read until the `receive` regex
 * matches what arrived (pass), the peer closes without a match (fail) or the
 * negotiate timeout expires (fail). Without `receive` a successful send is
 * enough. `request` may use the escapes \r \n \t \\ so that line-based
 * protocols can be spoken.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "check/check_int.h"

static char *unescape(const char *s, size_t *len)
{
	char *out = malloc(strlen(s) + 1), *o = out;

	if (!out)
		return NULL;
	for (; *s; s++) {
		if (*s != '\\' || !s[1]) {
			*o++ = *s;
			continue;
		}
		switch (*++s) {
		case 'r': *o++ = '\r'; break;
		case 'n': *o++ = '\n'; break;
		case 't': *o++ = '\t'; break;
		case '\\': *o++ = '\\'; break;
		default: *o++ = '\\'; *o++ = *s; break;
		}
	}
	*len = o - out;
	return out;
}

static void tcp_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct check *c = w->data;

	if (c->has_regex)
		check_finish(c, false, "simpletcp: \"%s\" not received within %.1fs",
			     c->spec.receive, check_negotiate_timeout(c));
	else
		check_finish(c, false, "simpletcp: timed out after %.1fs",
			     check_negotiate_timeout(c));
}

static void tcp_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct check *c = w->data;
	char buf[4096];
	ssize_t n;

	for (;;) {
		n = recv(c->fd, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			check_finish(c, false, "simpletcp: recv: %s",
				     strerror(errno));
			return;
		}
		if (n == 0) {
			check_finish(c, false,
				     "simpletcp: closed before \"%s\" was received",
				     c->spec.receive);
			return;
		}
		if (!check_buf_append(c, buf, n)) {
			check_finish(c, false, "simpletcp: \"%s\" not in the first %d bytes",
				     c->spec.receive, CHECK_BUF_MAX);
			return;
		}
		if (check_receive_matches(c, c->buf)) {
			check_finish(c, true, "simpletcp: receive matched");
			return;
		}
	}
}

static void tcp_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct check *c = w->data;
	ssize_t n;

	if (c->sent == 0 && c->outlen == 0) {
		/* connected? nothing to send, so ask SO_ERROR */
		int err = 0;
		socklen_t l = sizeof(err);

		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
		if (err) {
			check_finish(c, false, "simpletcp: connect: %s",
				     strerror(err));
			return;
		}
	}
	while (c->sent < c->outlen) {
		n = send(c->fd, c->out + c->sent, c->outlen - c->sent,
			 MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			check_finish(c, false, "simpletcp: %s", strerror(errno));
			return;
		}
		c->sent += n;
	}
	if (!c->has_regex) {
		check_finish(c, true, "simpletcp: connected and sent");
		return;
	}
	check_io_start(c, EV_READ, tcp_read_cb);
}

int check_tcp_start(struct check *c)
{
	bool in_progress;
	int fd;

	if (c->spec.request && c->spec.request[0]) {
		c->out = unescape(c->spec.request, &c->outlen);
		if (!c->out)
			return -ENOMEM;
	}
	fd = check_socket_connect(c, SOCK_STREAM, &in_progress);
	if (fd < 0) {
		check_finish(c, false, "simpletcp: connect: %s", strerror(-fd));
		return 0;
	}
	c->fd = fd;
	check_tmo_start(c, check_negotiate_timeout(c), tcp_timeout_cb);
	check_io_start(c, EV_WRITE, tcp_write_cb);
	return 0;
}

void check_tcp_cancel(struct check *c)
{
	check_fd_cleanup(c);
}
