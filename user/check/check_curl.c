// SPDX-License-Identifier: GPL-2.0
/*
 * Negotiate checks for every protocol libcurl speaks (http https ftp smtp
 * pop imap ldap), through one curl multi handle driven by the libev loop
 * (CURLMOPT_SOCKETFUNCTION / CURLMOPT_TIMERFUNCTION).
 *
 * http(s): 2xx and the body (HEAD: the headers) matches `receive`.
 * ftp: log in (anonymous by default), fetch `request`, match `receive`.
 * smtp pop imap: connect, greeting and login (when given), nothing more.
 * ldap: fetch ldap://real/`request`, match `receive`.
 * Certificates are not verified, as ldirectord does not.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/check_int.h"
#include "log.h"

struct curl_glue {
	struct check_manager *m;
	CURLM *multi;
	ev_timer timer;
	bool has_ldap;
};

struct curl_sock {
	ev_io io;
	struct curl_glue *g;
	curl_socket_t fd;
};

static void process_done(struct curl_glue *g)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(g->multi, &left))) {
		struct check *c = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&c);
		if (!c || c->easy != msg->easy_handle)
			continue;
		enum check_service svc = c->run_svc;
		CURLcode res = msg->data.result;
		long code = 0;

		if (res != CURLE_OK) {
			check_finish(c, false, "%s: %s", check_service_name(svc),
				     curl_easy_strerror(res));
			continue;
		}
		curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &code);
		if ((svc == SVC_HTTP || svc == SVC_HTTPS) &&
		    (code < 200 || code > 299)) {
			check_finish(c, false, "%s: status %ld",
				     check_service_name(svc), code);
			continue;
		}
		if (!check_receive_matches(c, c->buf)) {
			check_finish(c, false, "%s: %ld, receive \"%s\" not matched",
				     check_service_name(svc), code,
				     c->spec.receive);
			continue;
		}
		if (code)
			check_finish(c, true, "%s: %ld%s",
				     check_service_name(svc), code,
				     c->has_regex ? ", receive matched" : "");
		else
			check_finish(c, true, "%s: ok%s", check_service_name(svc),
				     c->has_regex ? ", receive matched" : "");
	}
}

static void sock_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct curl_sock *cs = (struct curl_sock *)w;
	struct curl_glue *g = cs->g;
	int action = (revents & EV_READ ? CURL_CSELECT_IN : 0) |
		     (revents & EV_WRITE ? CURL_CSELECT_OUT : 0);
	int running;

	/* cs may be freed inside socket_action (CURL_POLL_REMOVE) */
	curl_multi_socket_action(g->multi, cs->fd, action, &running);
	process_done(g);
}

static void timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct curl_glue *g = w->data;
	int running;

	curl_multi_socket_action(g->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	process_done(g);
}

static int socket_fn(CURL *easy, curl_socket_t s, int what, void *userp,
		     void *socketp)
{
	struct curl_glue *g = userp;
	struct curl_sock *cs = socketp;
	int events = 0;

	if (what == CURL_POLL_REMOVE) {
		if (cs) {
			ev_io_stop(g->m->loop, &cs->io);
			curl_multi_assign(g->multi, s, NULL);
			free(cs);
		}
		return 0;
	}
	if (!cs) {
		cs = calloc(1, sizeof(*cs));
		if (!cs)
			return -1;
		cs->g = g;
		cs->fd = s;
		ev_init(&cs->io, sock_io_cb);
		curl_multi_assign(g->multi, s, cs);
	}
	if (what & CURL_POLL_IN)
		events |= EV_READ;
	if (what & CURL_POLL_OUT)
		events |= EV_WRITE;
	ev_io_stop(g->m->loop, &cs->io);
	ev_io_set(&cs->io, s, events);
	ev_io_start(g->m->loop, &cs->io);
	return 0;
}

static int timer_fn(CURLM *multi, long timeout_ms, void *userp)
{
	struct curl_glue *g = userp;

	ev_timer_stop(g->m->loop, &g->timer);
	if (timeout_ms >= 0) {
		ev_timer_set(&g->timer, timeout_ms / 1000.0, 0);
		ev_timer_start(g->m->loop, &g->timer);
	}
	return 0;
}

int check_curl_init(struct check_manager *m)
{
	static bool global_done;
	const curl_version_info_data *vi;
	struct curl_glue *g;

	if (!global_done) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return -EIO;
		global_done = true;
	}
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->m = m;
	g->multi = curl_multi_init();
	if (!g->multi) {
		free(g);
		return -ENOMEM;
	}
	curl_multi_setopt(g->multi, CURLMOPT_SOCKETFUNCTION, socket_fn);
	curl_multi_setopt(g->multi, CURLMOPT_SOCKETDATA, g);
	curl_multi_setopt(g->multi, CURLMOPT_TIMERFUNCTION, timer_fn);
	curl_multi_setopt(g->multi, CURLMOPT_TIMERDATA, g);
	ev_init(&g->timer, timer_cb);
	g->timer.data = g;
	vi = curl_version_info(CURLVERSION_NOW);
	for (const char *const *p = vi->protocols; p && *p; p++)
		if (!strcmp(*p, "ldap"))
			g->has_ldap = true;
	m->curl = g;
	return 0;
}

void check_curl_free(struct check_manager *m)
{
	struct curl_glue *g = m->curl;

	if (!g)
		return;
	ev_timer_stop(m->loop, &g->timer);
	curl_multi_cleanup(g->multi);
	free(g);
	m->curl = NULL;
}

bool check_curl_supports(struct check_manager *m, enum check_service svc)
{
	return svc != SVC_LDAP || m->curl->has_ldap;
}

static size_t write_fn(char *data, size_t size, size_t nmemb, void *userp)
{
	struct check *c = userp;

	/* past the cap the rest is dropped: the check matches what it kept */
	check_buf_append(c, data, size * nmemb);
	return size * nmemb;
}

static const char *scheme(enum check_service svc)
{
	switch (svc) {
	case SVC_HTTP: return "http";
	case SVC_HTTPS: return "https";
	case SVC_FTP: return "ftp";
	case SVC_SMTP: return "smtp";
	case SVC_POP: return "pop3";
	case SVC_POPS: return "pop3s";
	case SVC_IMAP: return "imap";
	case SVC_IMAPS: return "imaps";
	case SVC_LDAP: return "ldap";
	default: return NULL;
	}
}

static int build_url(struct check *c, enum check_service svc, char *url,
		     size_t len)
{
	const char *req = c->spec.request ? c->spec.request : "";
	char ip[INET_ADDRSTRLEN];
	int n;

	/* ldirectord accepts a full URL as the request */
	if (strstr(req, "://"))
		n = snprintf(url, len, "%s", req);
	else {
		inet_ntop(AF_INET, &c->spec.rip, ip, sizeof(ip));
		while (*req == '/')
			req++;
		n = snprintf(url, len, "%s://%s:%u/%s", scheme(svc), ip,
			     check_port(c), req);
	}
	return n > 0 && (size_t)n < len ? 0 : -ENAMETOOLONG;
}

int check_curl_start(struct check *c)
{
	struct check_manager *m = c->m;
	enum check_service svc;
	char url[2048];
	CURL *e;
	int err;

	svc = check_effective_service(c);
	c->run_svc = svc;
	if (!scheme(svc))
		return -EPROTONOSUPPORT;
	err = build_url(c, svc, url, sizeof(url));
	if (err)
		return err;
	e = curl_easy_init();
	if (!e)
		return -ENOMEM;
	c->easy = e;
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, c);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	/* probes read little; a small buffer keeps 10,000 checks cheap */
	curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 4096L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_fn);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS,
			 (long)(check_negotiate_timeout(c) * 1000));
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
			 (long)(check_connect_timeout(c) * 1000));
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR,
			 "http,https,ftp,smtp,pop3,pop3s,imap,imaps,ldap");
	if (!m->conn_reuse) {
		/* ldirectord opens a fresh connection for every check */
		curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
		curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
	}
	switch (svc) {
	case SVC_HTTP:
	case SVC_HTTPS:
		curl_easy_setopt(e, CURLOPT_USERAGENT, "xdirectord");
		curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
		curl_easy_setopt(e, CURLOPT_MAXREDIRS, 7L);
		curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
		if (c->spec.httpmethod && !strcasecmp(c->spec.httpmethod, "HEAD")) {
			curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
			/* HEAD has no body: receive is matched on the headers */
			curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, write_fn);
			curl_easy_setopt(e, CURLOPT_HEADERDATA, c);
		}
		if (c->spec.virtualhost && c->spec.virtualhost[0]) {
			char host[512];
			struct curl_slist *h;

			snprintf(host, sizeof(host), "Host: %s",
				 c->spec.virtualhost);
			h = curl_slist_append(NULL, host);
			if (!h)
				return -ENOMEM;
			c->headers = h;
			curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
		}
		break;
	case SVC_FTP:
		curl_easy_setopt(e, CURLOPT_USERNAME,
				 c->spec.login && c->spec.login[0] ?
				 c->spec.login : "anonymous");
		curl_easy_setopt(e, CURLOPT_PASSWORD,
				 c->spec.passwd ? c->spec.passwd :
				 "xdirectord@localhost");
		/* nothing to fetch: log in only */
		if (!c->spec.request || !c->spec.request[0])
			curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
		break;
	case SVC_SMTP:
	case SVC_POP:
	case SVC_POPS:
	case SVC_IMAP:
	case SVC_IMAPS:
		if (c->spec.login && c->spec.login[0]) {
			curl_easy_setopt(e, CURLOPT_USERNAME, c->spec.login);
			curl_easy_setopt(e, CURLOPT_PASSWORD,
					 c->spec.passwd ? c->spec.passwd : "");
		}
		/* greeting (and login) is the whole check */
		curl_easy_setopt(e, CURLOPT_CONNECT_ONLY, 1L);
		break;
	default:
		break;
	}
	if (curl_multi_add_handle(m->curl->multi, e) != CURLM_OK)
		return -ENOMEM;
	return 0;
}

void check_curl_cancel(struct check *c)
{
	if (c->easy) {
		curl_multi_remove_handle(c->m->curl->multi, c->easy);
		curl_easy_cleanup(c->easy);
		c->easy = NULL;
	}
	curl_slist_free_all(c->headers);
	c->headers = NULL;
	free(c->buf);
	c->buf = NULL;
	c->len = c->cap = 0;
}
