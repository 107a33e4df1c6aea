// SPDX-License-Identifier: GPL-2.0
/*
 * libmicrohttpd runs without threads of its own: its epoll fd is watched
 * by our libev loop, so a scrape reads the datapath from the same thread
 * that changes it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <microhttpd.h>

#include "ctl/metrics_http.h"
#include "log.h"

struct metrics_http {
	struct ev_loop *loop;
	struct MHD_Daemon *mhd;
	ev_io io;
	ev_timer timer;
	char *(*text)(void *arg);
	void *arg;
};

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn,
			      const char *url, const char *method,
			      const char *version, const char *upload,
			      size_t *upload_len, void **con_cls)
{
	struct metrics_http *m = cls;
	struct MHD_Response *resp;
	enum MHD_Result rc;
	unsigned status = MHD_HTTP_OK;
	char *body = NULL;

	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		status = MHD_HTTP_METHOD_NOT_ALLOWED;
		body = strdup("only GET\n");
	} else if (strcmp(url, "/metrics")) {
		status = MHD_HTTP_NOT_FOUND;
		body = strdup("see /metrics\n");
	} else {
		body = m->text(m->arg);
		if (!body) {
			status = MHD_HTTP_INTERNAL_SERVER_ERROR;
			body = strdup("datapath unreadable\n");
		}
	}
	if (!body)
		return MHD_NO;
	resp = MHD_create_response_from_buffer(strlen(body), body,
					       MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(resp, "Content-Type",
				"text/plain; version=0.0.4; charset=utf-8");
	rc = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return rc;
}

static void rearm(struct metrics_http *m)
{
	MHD_UNSIGNED_LONG_LONG ms;

	ev_timer_stop(m->loop, &m->timer);
	if (MHD_get_timeout(m->mhd, &ms) == MHD_YES) {
		ev_timer_set(&m->timer, ms / 1000.0, 0.0);
		ev_timer_start(m->loop, &m->timer);
	}
}

static unsigned connections(struct metrics_http *m)
{
	const union MHD_DaemonInfo *i =
		MHD_get_daemon_info(m->mhd, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);

	return i ? i->num_connections : 0;
}

/*
 * At its connection limit libmicrohttpd stops watching the listening
 * socket, and starts again only in a later pass, once connections have
 * gone: nothing would wake us for that pass (no fd ready, no timeout), and
 * new scrapes waited in the backlog until some other event. So a pass
 * that closed connections is followed by another.
 */
static void run(struct metrics_http *m)
{
	for (int i = 0; i < 4; i++) {
		unsigned before = connections(m);

		MHD_run(m->mhd);
		if (connections(m) >= before)
			break;
	}
	rearm(m);
}

static void io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	run(w->data);
}

static void timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	run(w->data);
}

struct metrics_http *metrics_http_start(struct ev_loop *loop, const char *listen,
					char *(*text)(void *arg), void *arg,
					char *err, size_t errlen)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	char host[64];
	const char *colon = strrchr(listen, ':');
	const union MHD_DaemonInfo *info;
	struct metrics_http *m;
	unsigned long port;
	char *end;

	if (!colon || (size_t)(colon - listen) >= sizeof(host)) {
		snprintf(err, errlen, "metrics=%s: expected ADDR:PORT", listen);
		return NULL;
	}
	memcpy(host, listen, colon - listen);
	host[colon - listen] = 0;
	port = strtoul(colon + 1, &end, 10);
	if (*end || !port || port > 65535 ||
	    inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		snprintf(err, errlen, "metrics=%s: expected IPv4-ADDR:PORT", listen);
		return NULL;
	}
	sa.sin_port = htons(port);
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->loop = loop;
	m->text = text;
	m->arg = arg;
	m->mhd = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, NULL,
				  NULL, handle, m,
				  MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned)METRICS_CONN_MAX,
				  /* one host cannot hold every slot */
				  MHD_OPTION_PER_IP_CONNECTION_LIMIT,
				  (unsigned)METRICS_PER_IP_MAX,
				  MHD_OPTION_END);
	if (!m->mhd) {
		snprintf(err, errlen, "metrics=%s: cannot listen (address in use "
			 "or not local?)", listen);
		free(m);
		return NULL;
	}
	info = MHD_get_daemon_info(m->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	ev_io_init(&m->io, io_cb, info->epoll_fd, EV_READ);
	m->io.data = m;
	ev_io_start(loop, &m->io);
	ev_timer_init(&m->timer, timer_cb, 0.0, 0.0);
	m->timer.data = m;
	rearm(m);
	xd_info("metrics served on http://%s/metrics", listen);
	return m;
}

void metrics_http_stop(struct metrics_http *m)
{
	if (!m)
		return;
	ev_io_stop(m->loop, &m->io);
	ev_timer_stop(m->loop, &m->timer);
	MHD_stop_daemon(m->mhd);
	free(m);
}
