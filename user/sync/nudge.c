// SPDX-License-Identifier: GPL-2.0
/* Nudge the endpoints of synced connections after a takeover: nudge.h. */
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "log.h"
#include "wire.h"
#include "sync/nudge.h"
#include "sync/sync_int.h"

/* linux/icmp.h's, whose other definitions clash with glibc's. */
#ifndef ICMP_FILTER
#define ICMP_FILTER	1
#endif

struct nudge {
	struct ev_loop *loop;
	struct backend *b;
	int raw_fd;		/* IPPROTO_RAW: probes, our own IP header */
	int icmp_fd;		/* IPPROTO_ICMP: the kernel picks the source */
	struct ring_buffer *rb;
	ev_io rb_io;

	pthread_t thread;
	bool thread_joinable;
	atomic_bool cancel;
	atomic_bool probing;		/* the thread runs */
	_Atomic double probed_at;	/* ev_time() the last run finished */
	bool ever;

	/* written by the thread */
	atomic_uint_fast64_t conns, probes, probe_errors;
	/* written by the loop */
	uint64_t runs, reports, reports_late, icmps, icmp_errors;
	double last_start, silent_s;
	int repeats;			/* ICMPs per report this run */
};

/* ---- packets ------------------------------------------------------- */

void nudge_build_probe(uint8_t *buf, uint32_t saddr, uint16_t sport,
		       uint32_t daddr, uint16_t dport, uint32_t seq,
		       uint32_t ack)
{
	uint8_t pseudo[12 + 20];
	uint8_t *ip = buf, *th = buf + 20;

	memset(buf, 0, NUDGE_PROBE_LEN);
	ip[0] = 0x45;
	put16(ip + 2, NUDGE_PROBE_LEN);
	ip[8] = 64;
	ip[9] = IPPROTO_TCP;
	memcpy(ip + 12, &saddr, 4);
	memcpy(ip + 16, &daddr, 4);
	memcpy(ip + 10, (uint16_t[]){ inet_csum(ip, 20) }, 2);

	memcpy(th, &sport, 2);
	memcpy(th + 2, &dport, 2);
	put32(th + 4, seq);
	put32(th + 8, ack);
	th[12] = 5 << 4;
	th[13] = 0x10;		/* ACK */
	/* A full window: if the segment were ever taken as in-window, it
	 * could not shrink the endpoint's view of its peer's window. */
	put16(th + 14, 0xffff);

	memcpy(pseudo, ip + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_TCP;
	put16(pseudo + 10, 20);
	memcpy(pseudo + 12, th, 20);
	memcpy(th + 16, (uint16_t[]){ inet_csum(pseudo, sizeof(pseudo)) }, 2);
}

void nudge_build_icmp(uint8_t *buf, uint32_t qsaddr, uint16_t qsport,
		      uint32_t qdaddr, uint16_t qdport, uint32_t seq)
{
	uint8_t *q = buf + 8;

	memset(buf, 0, NUDGE_ICMP_LEN);
	buf[0] = ICMP_DEST_UNREACH;
	buf[1] = ICMP_HOST_UNREACH;
	/* The quoted datagram: the endpoint's own segment, as it sent it. */
	q[0] = 0x45;
	put16(q + 2, 40);
	q[8] = 64;
	q[9] = IPPROTO_TCP;
	memcpy(q + 12, &qsaddr, 4);
	memcpy(q + 16, &qdaddr, 4);
	memcpy(q + 10, (uint16_t[]){ inet_csum(q, 20) }, 2);
	memcpy(q + 20, &qsport, 2);
	memcpy(q + 22, &qdport, 2);
	put32(q + 24, seq);
	memcpy(buf + 2, (uint16_t[]){ inet_csum(buf, NUDGE_ICMP_LEN) }, 2);
}

uint32_t nudge_icmp_for(const struct xd_peer_ack *a, uint8_t *buf)
{
	uint32_t ack = ntohl(a->ack);

	if (a->from_client) {
		/* The client has everything before ack: the real server's
		 * oldest unacknowledged byte, in its segment to the client. */
		nudge_build_icmp(buf, a->raddr, a->rport, a->key.saddr,
				 a->key.sport, ack);
		return a->raddr;
	}
	/* And the other way: the client's segment as it sent it, to the
	 * VIP. */
	nudge_build_icmp(buf, a->key.saddr, a->key.sport, a->key.daddr,
			 a->key.dport, ack);
	return a->key.saddr;
}

/* ---- probing thread ------------------------------------------------ */

struct probe_run {
	struct nudge *n;
	uint64_t start_ns;
	uint64_t sent;
};

/* count copies of buf to daddr in one system call; returns how many went. */
static int send_copies(int fd, const uint8_t *buf, size_t len, uint32_t daddr,
		       int count)
{
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_addr.s_addr = daddr };
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct mmsghdr m[NUDGE_ICMP_REPEAT];
	int rc;

	if (count > NUDGE_ICMP_REPEAT)
		count = NUDGE_ICMP_REPEAT;
	for (int i = 0; i < count; i++)
		m[i] = (struct mmsghdr){ .msg_hdr = {
			.msg_name = &to, .msg_namelen = sizeof(to),
			.msg_iov = &iov, .msg_iovlen = 1 } };
	rc = sendmmsg(fd, m, count, 0);
	return rc < 0 ? 0 : rc;
}

/* Keep to NUDGE_PROBE_RATE: the links also carry heartbeats. */
static void pace(struct probe_run *r)
{
	uint64_t due = r->start_ns + r->sent * 1000000000ull / NUDGE_PROBE_RATE;
	uint64_t now = sync_mono_ns();
	struct timespec ts;

	if (due <= now)
		return;
	ts.tv_sec = (due - now) / 1000000000ull;
	ts.tv_nsec = (due - now) % 1000000000ull;
	nanosleep(&ts, NULL);
}

static void send_probe(struct nudge *n, uint32_t saddr, uint16_t sport,
		       uint32_t daddr, uint16_t dport, uint32_t seq,
		       uint32_t ack)
{
	uint8_t pkt[NUDGE_PROBE_LEN];

	nudge_build_probe(pkt, saddr, sport, daddr, dport, seq, ack);
	if (send_copies(n->raw_fd, pkt, sizeof(pkt), daddr, 1) != 1)
		atomic_fetch_add(&n->probe_errors, 1);
	else
		atomic_fetch_add(&n->probes, 1);
}

static int probe_conn(const struct backend_conn *c, void *arg)
{
	struct probe_run *r = arg;
	struct nudge *n = r->n;
	uint32_t rnd[2];

	if (atomic_load_explicit(&n->cancel, memory_order_relaxed))
		return 1;
	if (c->key.proto != IPPROTO_TCP ||
	    c->conn.state != XD_TCP_ESTABLISHED ||
	    !(c->conn.flags & XD_CONN_F_SYNCED))
		return 0;
	/* Random numbers: out of the endpoint's window but for a chance
	 * of about window/2^32, and harmless then (see nudge_build_probe). */
	if (getrandom(rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd)) {
		rnd[0] = (uint32_t)random();
		rnd[1] = (uint32_t)random();
	}
	atomic_fetch_add(&n->conns, 1);
	/* To the real server as the client, to the client as the VIP. */
	send_probe(n, c->key.saddr, c->key.sport, c->conn.raddr, c->conn.rport,
		   rnd[0], rnd[1]);
	send_probe(n, c->key.daddr, c->key.dport, c->key.saddr, c->key.sport,
		   rnd[1], rnd[0]);
	r->sent += 2;
	if (!(r->sent % 1024))
		pace(r);
	return 0;
}

static void *probe_thread(void *arg)
{
	struct nudge *n = arg;
	struct probe_run r = { .n = n };

	r.start_ns = sync_mono_ns();
	n->b->ops->conns(n->b, probe_conn, &r);
	atomic_store(&n->probed_at, ev_time());
	atomic_store(&n->probing, false);
	return NULL;
}

static void join_thread(struct nudge *n)
{
	if (!n->thread_joinable)
		return;
	atomic_store(&n->cancel, true);
	pthread_join(n->thread, NULL);
	n->thread_joinable = false;
}

int nudge_repeats(double silent_s)
{
	int k;

	if (silent_s < 0)
		return NUDGE_ICMP_REPEAT;
	if (silent_s <= 0.2)
		return 1;
	k = 1 + (int)ceil(log2(silent_s / 0.2));
	return k > NUDGE_ICMP_REPEAT ? NUDGE_ICMP_REPEAT : k;
}

void nudge_start(struct nudge *n, double silent_s)
{
	if (!n)
		return;
	n->silent_s = silent_s;
	n->repeats = nudge_repeats(silent_s);
	join_thread(n);
	atomic_store(&n->cancel, false);
	atomic_store(&n->conns, 0);
	atomic_store(&n->probes, 0);
	atomic_store(&n->probe_errors, 0);
	n->reports = n->reports_late = n->icmps = n->icmp_errors = 0;
	n->runs++;
	n->ever = true;
	n->last_start = ev_time();
	atomic_store(&n->probing, true);
	if (pthread_create(&n->thread, NULL, probe_thread, n)) {
		atomic_store(&n->probing, false);
		atomic_store(&n->probed_at, ev_time());
		xd_err("nudge: cannot start the probing thread");
		return;
	}
	n->thread_joinable = true;
	xd_info("nudge: probing synced connections after the takeover");
}

void nudge_takeover_cb(void *arg, double silent_s)
{
	nudge_start(arg, silent_s);
}

/* ---- ACK reports --------------------------------------------------- */

static bool accepting(struct nudge *n)
{
	return n->ever && (atomic_load(&n->probing) ||
			   ev_time() - atomic_load(&n->probed_at) <
				   NUDGE_WINDOW_S);
}

static int report_cb(void *ctx, void *data, size_t len)
{
	struct nudge *n = ctx;
	uint8_t icmp[NUDGE_ICMP_LEN];
	uint32_t to;
	int sent;

	if (len < sizeof(struct xd_peer_ack))
		return 0;
	if (!accepting(n)) {
		n->reports_late++;
		return 0;
	}
	n->reports++;
	to = nudge_icmp_for(data, icmp);
	sent = send_copies(n->icmp_fd, icmp, sizeof(icmp), to, n->repeats);
	n->icmps += sent;
	n->icmp_errors += n->repeats - sent;
	return 0;
}

static void rb_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct nudge *n = w->data;

	ring_buffer__consume(n->rb);
}

struct nudge *nudge_new(struct ev_loop *loop, struct backend *b)
{
	uint32_t none = ~0u;	/* one bit per ICMP type: filter them all */
	struct nudge *n;
	int fd;

	if (!b->ops->peer_acks_fd || (fd = b->ops->peer_acks_fd(b)) < 0)
		return NULL;
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->loop = loop;
	n->b = b;
	n->raw_fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	n->icmp_fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
			    IPPROTO_ICMP);
	if (n->raw_fd < 0 || n->icmp_fd < 0) {
		xd_warn("nudge: raw sockets: %s; connections resume after "
			"the endpoints' own retransmission timers",
			strerror(errno));
		goto fail;
	}
	/* Send only: every ICMP the host receives would queue here too. */
	setsockopt(n->icmp_fd, SOL_RAW, ICMP_FILTER, &none, sizeof(none));
	n->rb = ring_buffer__new(fd, report_cb, n, NULL);
	if (!n->rb) {
		xd_warn("nudge: peer ACK ring: %s", strerror(errno));
		goto fail;
	}
	ev_io_init(&n->rb_io, rb_cb, ring_buffer__epoll_fd(n->rb), EV_READ);
	n->rb_io.data = n;
	ev_io_start(loop, &n->rb_io);
	return n;
fail:
	if (n->raw_fd >= 0)
		close(n->raw_fd);
	if (n->icmp_fd >= 0)
		close(n->icmp_fd);
	free(n);
	return NULL;
}

void nudge_status_json(struct nudge *n, json_t *out)
{
	json_t *o;

	if (!n)
		return;
	o = json_pack("{s:I, s:b, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:i}",
		      "runs", (json_int_t)n->runs,
		      "probing", atomic_load(&n->probing),
		      "accepting", accepting(n),
		      "conns", (json_int_t)atomic_load(&n->conns),
		      "probes", (json_int_t)atomic_load(&n->probes),
		      "probe_errors", (json_int_t)atomic_load(&n->probe_errors),
		      "reports", (json_int_t)n->reports,
		      "reports_late", (json_int_t)n->reports_late,
		      "icmps", (json_int_t)n->icmps,
		      "icmp_errors", (json_int_t)n->icmp_errors,
		      "icmps_per_report", n->repeats);
	if (o && n->ever) {
		json_object_set_new(o, "last_start", json_real(n->last_start));
		if (n->silent_s >= 0)
			json_object_set_new(o, "peer_silent_s",
					    json_real(n->silent_s));
	}
	if (o)
		json_object_set_new(out, "nudge", o);
}

void nudge_free(struct nudge *n)
{
	if (!n)
		return;
	join_thread(n);
	ev_io_stop(n->loop, &n->rb_io);
	ring_buffer__free(n->rb);
	close(n->raw_fd);
	close(n->icmp_fd);
	free(n);
}
