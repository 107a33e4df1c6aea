/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The control socket: a Unix stream socket in the run directory. A client
 * sends one JSON request line ({"cmd": "list", ...}) and reads one JSON
 * reply; the daemon then closes. Replies are written without blocking the
 * event loop.
 */
#ifndef XD_CTL_SERVER_H
#define XD_CTL_SERVER_H

#include <ev.h>
#include <jansson.h>

/* Returns the reply (owned by the caller), never NULL. */
typedef json_t *(*ctl_handler)(void *arg, const char *cmd, json_t *req);

struct ctl_server {
	struct ev_loop *loop;
	ev_io accept_w;
	int fd;
	char path[512];
	ctl_handler handler;
	void *arg;
};

int ctl_server_open(struct ctl_server *s, struct ev_loop *loop,
		    const char *path, ctl_handler handler, void *arg);
void ctl_server_close(struct ctl_server *s);

/* Helpers for handlers. */
json_t *ctl_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
