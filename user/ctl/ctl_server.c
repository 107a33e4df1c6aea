// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl/ctl_server.h"
#include "log.h"

#define CTL_MAX_REQUEST	65536

struct ctl_client {
	struct ctl_server *srv;
	ev_io io;
	int fd;
	char *in;
	size_t in_len;
	char *out;
	size_t out_len, out_off;
	ev_timer deadline;
};

static void client_free(struct ctl_client *c)
{
	ev_io_stop(c->srv->loop, &c->io);
	ev_timer_stop(c->srv->loop, &c->deadline);
	close(c->fd);
	free(c->in);
	free(c->out);
	free(c);
}

json_t *ctl_error(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return json_pack("{s:b, s:s}", "ok", 0, "error", buf);
}

static void client_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ctl_client *c = w->data;

	while (c->out_off < c->out_len) {
		ssize_t n = write(c->fd, c->out + c->out_off,
				  c->out_len - c->out_off);

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			client_free(c);
			return;
		}
		c->out_off += n;
	}
	client_free(c);
}

static void client_reply(struct ctl_client *c, json_t *reply)
{
	c->out = json_dumps(reply, JSON_COMPACT);
	json_decref(reply);
	if (!c->out) {
		client_free(c);
		return;
	}
	c->out_len = strlen(c->out);
	/* A newline ends the reply for line-oriented readers. */
	c->out = realloc(c->out, c->out_len + 2);
	c->out[c->out_len++] = '\n';
	ev_io_stop(c->srv->loop, &c->io);
	ev_io_init(&c->io, client_write_cb, c->fd, EV_WRITE);
	c->io.data = c;
	ev_io_start(c->srv->loop, &c->io);
}

static void client_request(struct ctl_client *c)
{
	json_error_t jerr;
	json_t *req, *reply;
	const char *cmd;

	req = json_loadb(c->in, c->in_len, 0, &jerr);
	if (!req || !json_is_object(req)) {
		client_reply(c, ctl_error("bad request: %s",
					  req ? "not an object" : jerr.text));
		json_decref(req);
		return;
	}
	cmd = json_string_value(json_object_get(req, "cmd"));
	if (!cmd)
		reply = ctl_error("bad request: no \"cmd\"");
	else
		reply = c->srv->handler(c->srv->arg, cmd, req);
	json_decref(req);
	client_reply(c, reply);
}

static void client_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ctl_client *c = w->data;
	char buf[4096];
	ssize_t n = read(c->fd, buf, sizeof(buf));
	char *nl;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		client_free(c);
		return;
	}
	if (c->in_len + n > CTL_MAX_REQUEST) {
		client_reply(c, ctl_error("request too large"));
		return;
	}
	c->in = realloc(c->in, c->in_len + n + 1);
	memcpy(c->in + c->in_len, buf, n);
	c->in_len += n;
	c->in[c->in_len] = 0;
	nl = memchr(c->in, '\n', c->in_len);
	if (nl) {
		c->in_len = nl - c->in;
		client_request(c);
	}
}

static void client_deadline_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	client_free(w->data);
}

static void accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ctl_server *s = w->data;
	struct ctl_client *c;
	int fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return;
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	c->srv = s;
	c->fd = fd;
	ev_io_init(&c->io, client_read_cb, fd, EV_READ);
	c->io.data = c;
	ev_io_start(loop, &c->io);
	/* A client that stalls is dropped rather than kept forever. */
	ev_timer_init(&c->deadline, client_deadline_cb, 30.0, 0.0);
	c->deadline.data = c;
	ev_timer_start(loop, &c->deadline);
}

int ctl_server_open(struct ctl_server *s, struct ev_loop *loop,
		    const char *path, ctl_handler handler, void *arg)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int rc;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	snprintf(s->path, sizeof(s->path), "%s", path);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	s->loop = loop;
	s->handler = handler;
	s->arg = arg;
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		return -errno;
	unlink(path);
	if (bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(s->fd, 64)) {
		rc = -errno;
		close(s->fd);
		s->fd = -1;
		return rc;
	}
	chmod(path, 0600);
	ev_io_init(&s->accept_w, accept_cb, s->fd, EV_READ);
	s->accept_w.data = s;
	ev_io_start(loop, &s->accept_w);
	return 0;
}

void ctl_server_close(struct ctl_server *s)
{
	if (s->fd < 0)
		return;
	ev_io_stop(s->loop, &s->accept_w);
	close(s->fd);
	unlink(s->path);
	s->fd = -1;
}
