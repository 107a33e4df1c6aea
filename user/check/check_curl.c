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

/*
 * Transfers are spread over a few multi handles: libcurl keeps per-host
 * connection lists in each multi that it scans linearly, so one multi with
 * thousands of transfers in flight to the same real servers gets slower the
 * further it falls behind. Shards keep those lists short.
 */
#define CURL_SHARDS	CHECK_CURL_SHARDS

struct curl_shard {
	struct curl_glue *g;
	CURLM *multi;
	ev_timer timer;
};

struct curl_glue {
	struct check_manager *m;
	struct curl_shard shard[CURL_SHARDS];
	long maxconnects;
	bool has_ldap;
};

struct curl_sock {
	ev_io io;
	struct curl_shard *sh;
	curl_socket_t fd;
	int events;
};

static struct curl_shard *check_shard(struct check *c)
{
	return &c->m->curl->shard[c->curl_shard];
}

static void process_done(struct curl_shard *sh)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(sh->multi, &left))) {
		struct check *c = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&c);
		if (!c || c->easy != msg->easy_handle || !c->easy_added)
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
	struct curl_shard *sh = cs->sh;
	int action = (revents & EV_READ ? CURL_CSELECT_IN : 0) |
		     (revents & EV_WRITE ? CURL_CSELECT_OUT : 0);
	int running;

	/* cs may be freed inside socket_action (CURL_POLL_REMOVE) */
	curl_multi_socket_action(sh->multi, cs->fd, action, &running);
	process_done(sh);
}

static void timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct curl_shard *sh = w->data;
	int running;

	curl_multi_socket_action(sh->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	process_done(sh);
}

static int socket_fn(CURL *easy, curl_socket_t s, int what, void *userp,
		     void *socketp)
{
	struct curl_shard *sh = userp;
	struct ev_loop *loop = sh->g->m->loop;
	struct curl_sock *cs = socketp;
	int events = 0;

	if (what == CURL_POLL_REMOVE) {
		if (cs) {
			ev_io_stop(loop, &cs->io);
			curl_multi_assign(sh->multi, s, NULL);
			free(cs);
		}
		return 0;
	}
	if (!cs) {
		cs = calloc(1, sizeof(*cs));
		if (!cs)
			return -1;
		cs->sh = sh;
		cs->fd = s;
		ev_init(&cs->io, sock_io_cb);
		curl_multi_assign(sh->multi, s, cs);
	}
	if (what & CURL_POLL_IN)
		events |= EV_READ;
	if (what & CURL_POLL_OUT)
		events |= EV_WRITE;
	/* an unchanged interest set costs no epoll_ctl */
	if (ev_is_active(&cs->io) && cs->events == events)
		return 0;
	ev_io_stop(loop, &cs->io);
	ev_io_set(&cs->io, s, events);
	ev_io_start(loop, &cs->io);
	cs->events = events;
	return 0;
}

static int timer_fn(CURLM *multi, long timeout_ms, void *userp)
{
	struct curl_shard *sh = userp;
	struct ev_loop *loop = sh->g->m->loop;

	ev_timer_stop(loop, &sh->timer);
	if (timeout_ms >= 0) {
		ev_timer_set(&sh->timer, timeout_ms / 1000.0, 0);
		ev_timer_start(loop, &sh->timer);
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
	for (int i = 0; i < CURL_SHARDS; i++) {
		struct curl_shard *sh = &g->shard[i];

		sh->g = g;
		sh->multi = curl_multi_init();
		if (!sh->multi) {
			while (i--)
				curl_multi_cleanup(g->shard[i].multi);
			free(g);
			return -ENOMEM;
		}
		curl_multi_setopt(sh->multi, CURLMOPT_SOCKETFUNCTION, socket_fn);
		curl_multi_setopt(sh->multi, CURLMOPT_SOCKETDATA, sh);
		curl_multi_setopt(sh->multi, CURLMOPT_TIMERFUNCTION, timer_fn);
		curl_multi_setopt(sh->multi, CURLMOPT_TIMERDATA, sh);
		ev_init(&sh->timer, timer_cb);
		sh->timer.data = sh;
	}
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
	for (int i = 0; i < CURL_SHARDS; i++) {
		ev_timer_stop(m->loop, &g->shard[i].timer);
		curl_multi_cleanup(g->shard[i].multi);
	}
	free(g);
	m->curl = NULL;
}

void check_curl_tune(struct check_manager *m, size_t nchecks)
{
	struct curl_glue *g = m->curl;
	/* with reuse, room to keep one idle connection per check; without,
	 * libcurl's default (0: four per transfer in flight) */
	long maxconn = m->conn_reuse ? (long)(nchecks / CURL_SHARDS) + 16 : 0;

	if (maxconn == g->maxconnects)
		return;
	g->maxconnects = maxconn;
	for (int i = 0; i < CURL_SHARDS; i++)
		curl_multi_setopt(g->shard[i].multi, CURLMOPT_MAXCONNECTS, maxconn);
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

/* One easy handle per check, set up at its first run and kept: the spec of
 * a check never changes, and re-adding a handle saves its allocations. */
static int easy_setup(struct check *c, enum check_service svc)
{
	struct check_manager *m = c->m;
	char url[2048];
	CURL *e;
	int err;

	err = build_url(c, svc, url, sizeof(url));
	if (err)
		return err;
	e = curl_easy_init();
	if (!e)
		return -ENOMEM;
	c->easy = e;
	c->easy_reuse = m->conn_reuse;
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, c);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	/* no proxy from the environment: ldirectord's LWP does not use one */
	curl_easy_setopt(e, CURLOPT_PROXY, "");
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
			if (!h) {
				check_curl_destroy(c);
				return -ENOMEM;
			}
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
	return 0;
}

int check_curl_start(struct check *c)
{
	enum check_service svc = check_effective_service(c);
	int err;

	c->run_svc = svc;
	if (!scheme(svc))
		return -EPROTONOSUPPORT;
	if (c->easy && c->easy_reuse != c->m->conn_reuse)
		check_curl_destroy(c);
	if (!c->easy) {
		err = easy_setup(c, svc);
		if (err)
			return err;
	}
	c->len = 0;
	if (c->buf)
		c->buf[0] = '\0';
	if (curl_multi_add_handle(check_shard(c)->multi, c->easy) != CURLM_OK)
		return -ENOMEM;
	c->easy_added = true;
	return 0;
}

void check_curl_cancel(struct check *c)
{
	if (c->easy_added) {
		curl_multi_remove_handle(check_shard(c)->multi, c->easy);
		c->easy_added = false;
	}
	/* a small buffer is kept for the next run, a large one is not */
	if (c->cap > 4096) {
		free(c->buf);
		c->buf = NULL;
		c->len = c->cap = 0;
	}
}

void check_curl_destroy(struct check *c)
{
	check_curl_cancel(c);
	if (c->easy) {
		curl_easy_cleanup(c->easy);
		c->easy = NULL;
	}
	curl_slist_free_all(c->headers);
	c->headers = NULL;
	/* cancel keeps a small buffer for the next run: there is none */
	free(c->buf);
	c->buf = NULL;
	c->len = c->cap = 0;
}
