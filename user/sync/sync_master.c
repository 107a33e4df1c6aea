// SPDX-License-Identifier: GPL-2.0
/*
 * The active director's side: read the datapath's connection events,
 * batch them into CONN messages (as many as fit in a datagram), and
 * serve bulk transfers of the whole table, zlib-compressed and paced by
 * a token bucket so a transfer never crowds out the heartbeats.
 *
 * The table walk of a bulk runs on a thread (the backend's conns() walks
 * the whole map and would block the loop for a second at 1M entries);
 * everything else, sending included, stays on the loop.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/libbpf.h>

#include "log.h"
#include "sync/sync_int.h"

/* ---- incremental: datapath events -> CONN messages ------------------ */

static void send_batch(struct sync *s)
{
	struct sync_hdr h = { .type = SYNC_MSG_CONN };
	ev_tstamp age;

	if (!s->nbatch)
		return;
	ev_now_update(s->loop);
	age = ev_now(s->loop) - s->batch_first;
	h.aux1 = s->stream_seq++;
	h.aux2 = age > 0 ? (uint32_t)(age * 1000) : 0;
	h.count = (uint32_t)s->nbatch;
	sync_send(s, &h, s->batch, s->nbatch * SYNC_ENTRY_LEN, NULL);
	s->st.tx_entries += s->nbatch;
	s->nbatch = 0;
}

static void batch_add(struct sync *s, const struct backend_sync_conn *c)
{
	if (!s->nbatch)
		s->batch_first = ev_time();
	sync_entry_encode(s->batch + s->nbatch * SYNC_ENTRY_LEN, c);
	if (++s->nbatch >= s->conn_per_msg)
		send_batch(s);
}

void sync_feed_event(struct sync *s, const struct xd_conn_event *ev)
{
	uint64_t now = sync_mono_ns();
	struct backend_sync_conn c = {
		.key = ev->key,
		.raddr = ev->conn.raddr,
		.rport = ev->conn.rport,
		.state = ev->conn.state,
		.flags = ev->conn.flags & (XD_CONN_F_FIN_IN | XD_CONN_F_FIN_OUT),
		.idle_ms = now > ev->conn.last_seen_ns ?
			   (now - ev->conn.last_seen_ns) / 1000000 : 0,
	};

	s->st.events++;
	if (s->role != SYNC_MASTER || c.state == XD_TCP_NONE)
		return;
	batch_add(s, &c);
}

void sync_flush(struct sync *s)
{
	send_batch(s);
}

static int ring_cb(void *ctx, void *data, size_t len)
{
	if (len >= sizeof(struct xd_conn_event))
		sync_feed_event(ctx, data);
	return 0;
}

static void rb_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct sync *s = w->data;

	/* The ring is bounded (XD_EVENTS_BYTES), and so is this. */
	ring_buffer__consume(s->rb);
	send_batch(s);
}

/* Nothing sent for a while: an empty CONN tells the standby how many
 * were sent, so a lost last message is noticed within a second. */
static void keepalive_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct sync *s = w->data;
	struct sync_hdr h = { .type = SYNC_MSG_CONN };

	if (s->role != SYNC_MASTER)
		return;
	send_batch(s);
	if (ev_now(loop) - s->last_tx < SYNC_KEEPALIVE_S * 0.9)
		return;
	h.aux1 = s->stream_seq;
	sync_send(s, &h, NULL, 0, NULL);
}

/* ---- bulk: snapshot on a thread, paced chunks on the loop ----------- */

static int snap_cb(const struct backend_conn *c, void *arg)
{
	struct sync_bulk_job *j = arg;
	struct sync_snap *sn = &j->snap;
	struct backend_sync_conn *e;

	if (atomic_load_explicit(&j->cancel, memory_order_relaxed))
		return 1;
	if (sn->n == sn->cap) {
		size_t cap = sn->cap ? sn->cap * 2 : 65536;
		void *v = realloc(sn->v, cap * sizeof(*sn->v));

		if (!v)
			return -ENOMEM;
		sn->v = v;
		sn->cap = cap;
	}
	e = &sn->v[sn->n++];
	e->key = c->key;
	e->raddr = c->conn.raddr;
	e->rport = c->conn.rport;
	e->state = c->conn.state;
	e->flags = c->conn.flags & (XD_CONN_F_FIN_IN | XD_CONN_F_FIN_OUT);
	e->idle_ms = sn->taken_ns > c->conn.last_seen_ns ?
		     (sn->taken_ns - c->conn.last_seen_ns) / 1000000 : 0;
	return 0;
}

struct snap_arg {
	struct sync *s;
};

static void *snap_thread(void *arg)
{
	struct sync *s = arg;
	int rc;

	s->job.snap.taken_ns = sync_mono_ns();
	rc = s->b->ops->conns(s->b, snap_cb, &s->job);
	if (rc < 0)
		xd_warn("sync: reading the connection table: %s",
			strerror(-rc));
	ev_async_send(s->loop, &s->bulk_ready);
	return NULL;
}

static void job_reset(struct sync *s)
{
	struct sync_bulk_job *j = &s->job;

	ev_timer_stop(s->loop, &s->bulk_tick);
	ev_timer_stop(s->loop, &s->bulk_delay);
	free(j->snap.v);
	memset(&j->snap, 0, sizeof(j->snap));
	j->phase = BULK_IDLE;
	j->pos = 0;
	j->chunks = 0;
}

/* Wait for the walker (cancelled), then forget the job. */
static void job_abort(struct sync *s)
{
	struct sync_bulk_job *j = &s->job;

	if (j->thread_running) {
		atomic_store(&j->cancel, true);
		pthread_join(j->thread, NULL);
		j->thread_running = false;
	}
	if (j->phase != BULK_IDLE)
		s->st.bulk_aborted++;
	job_reset(s);
}

static void snap_begin(struct sync *s)
{
	struct sync_bulk_job *j = &s->job;
	int rc;

	atomic_store(&j->cancel, false);
	rc = pthread_create(&j->thread, NULL, snap_thread, s);
	if (rc) {
		xd_err("sync: bulk transfer: cannot start a thread: %s",
		       strerror(rc));
		job_reset(s);
		return;
	}
	j->thread_running = true;
}

static void bulk_delay_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct sync *s = w->data;

	if (s->job.phase == BULK_SNAPSHOT && !s->job.thread_running)
		snap_begin(s);
}

static void job_start(struct sync *s, uint32_t id, const struct sockaddr_in *to)
{
	struct sync_bulk_job *j = &s->job;

	j->id = id;
	j->to_all = !to;
	if (to)
		j->to = *to;
	j->started = ev_now(s->loop);
	j->phase = BULK_SNAPSHOT;
	j->tokens = s->bulk_bytes_per_tick;
	if (!j->chunk_est)
		j->chunk_est = 64;
	if (id && s->test_bulk_delay_s > 0) {
		/* Test-only: hold an answer back (docs/sync.md). */
		ev_timer_set(&s->bulk_delay, s->test_bulk_delay_s, 0);
		ev_timer_start(s->loop, &s->bulk_delay);
		return;
	}
	snap_begin(s);
}

static void bulk_ready_cb(struct ev_loop *loop, ev_async *w, int revents)
{
	struct sync *s = w->data;
	struct sync_bulk_job *j = &s->job;

	if (!j->thread_running)
		return;
	pthread_join(j->thread, NULL);
	j->thread_running = false;
	if (atomic_load(&j->cancel) || s->role != SYNC_MASTER) {
		job_reset(s);
		return;
	}
	xd_dbg("sync: bulk %u: %zu connections read in %.3f s", j->id,
	       j->snap.n, ev_time() - j->started);
	j->phase = BULK_SENDING;
	ev_timer_start(loop, &s->bulk_tick);
	ev_feed_event(loop, &s->bulk_tick, EV_TIMER);
}

static void send_end(struct sync *s)
{
	struct sync_bulk_job *j = &s->job;
	struct sync_hdr h = { .type = SYNC_MSG_BULK_END, .aux1 = j->id,
			      .aux2 = j->chunks, .count = (uint32_t)j->snap.n };

	sync_send(s, &h, NULL, 0, j->to_all ? NULL : &j->to);
	if (j->id)
		s->st.bulk_served++;
	else
		s->st.refreshes++;
	xd_dbg("sync: bulk %u: %zu entries in %u chunks, %.3f s", j->id,
	       j->snap.n, j->chunks, ev_time() - j->started);
}

/* Encode and compress the next chunk into payload; 0 or -errno. */
static int next_chunk(struct sync *s, uint8_t *payload, size_t *plen,
		      size_t *n)
{
	struct sync_bulk_job *j = &s->job;
	uint64_t extra_ms = (sync_mono_ns() - j->snap.taken_ns) / 1000000;
	size_t want = j->chunk_est, left = j->snap.n - j->pos;
	uint8_t raw[SYNC_CHUNK_ENTRIES_MAX * SYNC_ENTRY_LEN];

	for (;;) {
		int clen;

		if (want > left)
			want = left;
		if (want > SYNC_CHUNK_ENTRIES_MAX)
			want = SYNC_CHUNK_ENTRIES_MAX;
		for (size_t i = 0; i < want; i++) {
			struct backend_sync_conn c = j->snap.v[j->pos + i];

			/* Idle grows while the chunk waits its turn. */
			c.idle_ms += extra_ms;
			sync_entry_encode(raw + i * SYNC_ENTRY_LEN, &c);
		}
		clen = sync_chunk_compress(raw, want, payload, s->payload_max);
		if (clen >= 0) {
			/* Aim the next chunk at ~90% of a datagram. */
			size_t est = want * s->payload_max * 9 / 10 /
				     (size_t)(clen ? clen : 1);

			if (want == left && est < j->chunk_est)
				est = j->chunk_est;	/* short tail */
			j->chunk_est = est < 8 ? 8 : est > SYNC_CHUNK_ENTRIES_MAX ?
				       SYNC_CHUNK_ENTRIES_MAX : est;
			*plen = (size_t)clen;
			*n = want;
			return 0;
		}
		if (clen != -ENOSPC || want == 1)
			return clen;
		want = want * 3 / 4;
		if (!want)
			want = 1;
	}
}

static void bulk_tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct sync *s = w->data;
	struct sync_bulk_job *j = &s->job;
	double cap = 2.0 * s->bulk_bytes_per_tick;
	uint8_t payload[SYNC_DGRAM_MAX];

	if (j->phase != BULK_SENDING) {
		ev_timer_stop(loop, w);
		return;
	}
	j->tokens += s->bulk_bytes_per_tick;
	if (j->tokens > cap)
		j->tokens = cap;
	while (j->tokens > 0 && j->pos < j->snap.n) {
		struct sync_hdr h = { .type = SYNC_MSG_BULK, .aux1 = j->id,
				      .aux2 = j->chunks, .flags = SYNC_F_ZLIB };
		size_t plen, n;
		int rc = next_chunk(s, payload, &plen, &n);

		if (rc) {
			xd_err("sync: bulk %u: compress: %s", j->id,
			       strerror(-rc));
			job_reset(s);
			return;
		}
		h.count = (uint32_t)n;
		sync_send(s, &h, payload, plen, j->to_all ? NULL : &j->to);
		j->tokens -= (double)(plen + sync_overhead(s->nodelen, s->sign_key));
		j->pos += n;
		j->chunks++;
		s->st.tx_entries += n;
	}
	if (j->pos >= j->snap.n) {
		send_end(s);
		job_reset(s);
	}
}

void sync_master_bulk_request(struct sync *s, uint32_t id,
			      const struct sockaddr_in *from)
{
	struct sockaddr_in to = *from;
	struct sync_bulk_job *j = &s->job;

	/* Answer on the sync port, whatever port the request left from
	 * (broadcast links send from their own sockets). */
	to.sin_port = htons(s->peer_port);
	if (j->phase == BULK_SNAPSHOT && j->id == id)
		return;
	if (j->phase == BULK_SNAPSHOT) {
		/* The walk under way is as fresh as a new one: retarget it. */
		j->id = id;
		j->to_all = false;
		j->to = to;
		return;
	}
	if (j->phase == BULK_SENDING)
		job_abort(s);
	xd_info("sync: bulk transfer %u requested by %s", id,
		inet_ntoa(from->sin_addr));
	job_start(s, id, &to);
}

static void refresh_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct sync *s = w->data;

	if (s->role == SYNC_MASTER && s->job.phase == BULK_IDLE && s->ndests)
		job_start(s, 0, NULL);
}

/* ---- role ------------------------------------------------------------ */

int sync_master_start(struct sync *s)
{
	int fd = s->b->ops->events_fd(s->b), rc;

	if (fd == -ENOTSUP) {
		/* Tests and benchmarks feed events with sync_feed_event(). */
		xd_warn("sync: the %s datapath reports no connection events: "
			"sending bulk transfers only", s->b->ops->name);
	} else if (fd < 0) {
		xd_err("sync: datapath connection events: %s", strerror(-fd));
		return fd;
	} else {
		s->rb = ring_buffer__new(fd, ring_cb, s, NULL);
		if (!s->rb) {
			rc = errno ? -errno : -EINVAL;
			xd_err("sync: connection events ring buffer: %s",
			       strerror(-rc));
			return rc;
		}
		/* Events from before we were active are stale: drop them. */
		ring_buffer__consume(s->rb);
		s->nbatch = 0;
		ev_io_init(&s->rb_io, rb_cb, ring_buffer__epoll_fd(s->rb),
			   EV_READ);
		s->rb_io.data = s;
		ev_io_start(s->loop, &s->rb_io);
	}
	rc = s->b->ops->set_events(s->b, true);
	if (rc && rc != -ENOTSUP) {
		xd_err("sync: turning connection events on: %s", strerror(-rc));
		sync_master_stop(s);
		return rc;
	}
	ev_timer_start(s->loop, &s->keepalive);
	if (s->refresh_s != UINT32_MAX) {
		ev_timer_set(&s->refresh, s->refresh_s, s->refresh_s);
		ev_timer_start(s->loop, &s->refresh);
	}
	return 0;
}

void sync_master_stop(struct sync *s)
{
	s->b->ops->set_events(s->b, false);
	if (s->rb) {
		ev_io_stop(s->loop, &s->rb_io);
		/* What the datapath reported up to now still goes out. */
		ring_buffer__consume(s->rb);
		send_batch(s);
		ring_buffer__free(s->rb);
		s->rb = NULL;
	}
	s->nbatch = 0;
	ev_timer_stop(s->loop, &s->keepalive);
	ev_timer_stop(s->loop, &s->refresh);
	job_abort(s);
}

void sync_master_init(struct sync *s)
{
	ev_timer_init(&s->keepalive, keepalive_cb, SYNC_KEEPALIVE_S,
		      SYNC_KEEPALIVE_S);
	s->keepalive.data = s;
	ev_init(&s->refresh, refresh_cb);
	s->refresh.data = s;
	ev_timer_init(&s->bulk_tick, bulk_tick_cb, SYNC_TICK_S, SYNC_TICK_S);
	s->bulk_tick.data = s;
	ev_init(&s->bulk_delay, bulk_delay_cb);
	s->bulk_delay.data = s;
	ev_async_init(&s->bulk_ready, bulk_ready_cb);
	s->bulk_ready.data = s;
	ev_async_start(s->loop, &s->bulk_ready);
}

void sync_master_fini(struct sync *s)
{
	job_abort(s);
	ev_async_stop(s->loop, &s->bulk_ready);
	ev_timer_stop(s->loop, &s->bulk_tick);
}
