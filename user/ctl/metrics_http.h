/* SPDX-License-Identifier: GPL-2.0 */
/* GET /metrics over HTTP (libmicrohttpd), served from our event loop. */
#ifndef XD_METRICS_HTTP_H
#define XD_METRICS_HTTP_H

#include <ev.h>

struct metrics_http;

/* Open connections at once: in all, and from one client address (idle
 * ones close after 10 s). */
#define METRICS_CONN_MAX	64
#define METRICS_PER_IP_MAX	16

/* listen is "ADDR:PORT". text() returns a malloc'd exposition or NULL. */
struct metrics_http *metrics_http_start(struct ev_loop *loop, const char *listen,
					char *(*text)(void *arg), void *arg,
					char *err, size_t errlen);
void metrics_http_stop(struct metrics_http *m);

#endif
