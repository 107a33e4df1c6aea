// SPDX-License-Identifier: GPL-2.0
/*
 * The standby's side: install what the active director sends, notice
 * lost messages by their stream sequence numbers, and ask for the whole
 * table (bulk) on start, on a gap, or when the active one restarted.
 */
#include <errno.h>
#include <string.h>

#include "log.h"
#include "sync/sync_int.h"

void sync_install_entries(struct sync *s, const uint8_t *raw, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct backend_sync_conn c;
		int rc;

		sync_entry_decode(raw + i * SYNC_ENTRY_LEN, &c);
		switch (sync_entry_check(&c)) {
		case SYNC_ENTRY_OK:
			break;
		case SYNC_ENTRY_BAD_PROTO:
			s->st.rej_proto++;
			continue;
		case SYNC_ENTRY_BAD_STATE:
			s->st.rej_state++;
			continue;
		case SYNC_ENTRY_BAD_ADDR:
			s->st.rej_addr++;
			continue;
		case SYNC_ENTRY_BAD_FLAGS:
			s->st.rej_flags++;
			continue;
		}
		rc = s->b->ops->install_conn(s->b, &c);
		if (!rc)
			s->st.installed++;
		else if (rc == -ENOENT)
			s->st.rej_unknown++;	/* service/real not here */
		else
			s->st.install_errors++;
	}
}

static void send_request(struct sync *s)
{
	struct sync_hdr h = { .type = SYNC_MSG_BULK_REQ };
	ev_tstamp now;

	/* We may be called before the loop ran (start-up): fresh time. */
	ev_now_update(s->loop);
	now = ev_now(s->loop);

	/* Ids differ across our restarts too: mix in the generation. */
	s->bb_id = (uint32_t)(s->gen * 2654435761u) + ++s->req_counter;
	if (!s->bb_id)
		s->bb_id = ++s->req_counter;
	h.aux1 = s->bb_id;
	s->bb = BB_REQUESTED;
	s->bb_asked = s->bb_progress = now;
	s->bb_chunks = 0;
	s->bb_entries = 0;
	s->bb_dirty = false;
	s->bb_unknown0 = s->st.rej_unknown;
	s->st.bulk_req_sent++;
	sync_send(s, &h, NULL, 0, NULL);
	xd_dbg("sync: asked for the connection table (id %u)", s->bb_id);
}

void sync_backup_want_bulk(struct sync *s, const char *why)
{
	if (s->role != SYNC_BACKUP)
		return;
	if (s->bb == BB_REQUESTED) {
		/* The transfer under way may predate the loss: ask again
		 * when it ends. */
		s->bb_dirty = true;
		return;
	}
	xd_info("sync: %s: asking for the connection table", why);
	s->bb = BB_WANTED;
	if (ev_now(s->loop) - s->bb_asked >= SYNC_BULK_MIN_GAP_S)
		send_request(s);
}

static void bb_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct sync *s = w->data;
	ev_tstamp now = ev_now(loop);

	if (s->role != SYNC_BACKUP)
		return;
	if (s->bb == BB_WANTED && now - s->bb_asked >= SYNC_BULK_MIN_GAP_S) {
		send_request(s);
	} else if (s->bb == BB_REQUESTED &&
		   now - s->bb_progress >= SYNC_BULK_RETRY_S) {
		/* Nobody answered (no active director yet, or the request
		 * or the end was lost): ask again. */
		s->st.bulk_timeouts++;
		send_request(s);
	}
}

static void note_lag(struct sync *s, uint32_t batch_age_ms,
		     uint64_t rx_realtime_ns)
{
	double lag = batch_age_ms;

	if (rx_realtime_ns) {
		uint64_t now = sync_real_ns();

		if (now > rx_realtime_ns)
			lag += (now - rx_realtime_ns) / 1e6;
	}
	s->st.lag_ms = lag;
	if (lag > s->st.lag_max_ms)
		s->st.lag_max_ms = lag;
}

/*
 * A CONN message with count entries carries stream seq aux1; an empty
 * one (keepalive) says aux1 messages were sent so far. A jump means
 * messages were lost.
 */
static void check_stream(struct sync *s, struct sync_peer *p,
			 const struct sync_msg *m)
{
	uint32_t seq = m->h.aux1;
	int32_t ahead;

	if (!p->stream_valid || p->gen != m->h.gen) {
		bool restarted = p->stream_valid;

		p->stream_valid = true;
		p->gen = m->h.gen;
		p->next_stream = m->h.count ? seq + 1 : seq;
		/* An active director that restarted lost the events of its
		 * downtime; one we never heard may have a table already. */
		if (restarted)
			sync_backup_want_bulk(s, "active director restarted");
		else if (s->bb == BB_NONE)
			sync_backup_want_bulk(s, "new active director");
		return;
	}
	ahead = (int32_t)(seq - p->next_stream);
	if (ahead > 0) {
		s->st.gaps++;
		s->st.lost_msgs += (uint32_t)ahead;
		sync_backup_want_bulk(s, "sync messages lost");
	}
	if (ahead >= 0)
		p->next_stream = m->h.count ? seq + 1 : seq;
	/* ahead < 0: reordered, already counted as lost: keep the data. */
}

void sync_backup_conn(struct sync *s, struct sync_peer *p,
		      const struct sync_msg *m, uint64_t rx_realtime_ns)
{
	if (m->h.flags || m->h.count > SYNC_DGRAM_MAX / SYNC_ENTRY_LEN ||
	    m->plen != (size_t)m->h.count * SYNC_ENTRY_LEN) {
		s->st.rx_drop[SYNC_DROP_PAYLOAD]++;
		return;
	}
	check_stream(s, p, m);
	sync_install_entries(s, m->payload, m->h.count);
	if (m->h.count)
		note_lag(s, m->h.aux2, rx_realtime_ns);
}

void sync_backup_bulk(struct sync *s, const struct sync_msg *m)
{
	if (!(m->h.flags & SYNC_F_ZLIB) || m->h.flags & ~SYNC_F_ZLIB ||
	    sync_chunk_decompress(m->payload, m->plen, m->h.count, s->raw)) {
		s->st.rx_drop[SYNC_DROP_PAYLOAD]++;
		return;
	}
	s->st.bulk_chunks_rx++;
	s->st.bulk_entries_rx += m->h.count;
	/* Refreshes (id 0) and answers to others install all the same. */
	if (s->bb == BB_REQUESTED && m->h.aux1 == s->bb_id) {
		s->bb_chunks++;
		s->bb_entries += m->h.count;
		s->bb_progress = ev_now(s->loop);
	}
	sync_install_entries(s, s->raw, m->h.count);
}

void sync_backup_bulk_end(struct sync *s, const struct sync_msg *m)
{
	ev_tstamp now = ev_now(s->loop);

	if (m->plen || m->h.flags) {
		s->st.rx_drop[SYNC_DROP_PAYLOAD]++;
		return;
	}
	if (s->bb != BB_REQUESTED || m->h.aux1 != s->bb_id)
		return;
	if (s->bb_chunks != m->h.aux2 || s->bb_entries != m->h.count) {
		xd_warn("sync: connection table incomplete (%u of %u chunks, "
			"%llu of %u entries): asking again", s->bb_chunks,
			m->h.aux2, (unsigned long long)s->bb_entries,
			m->h.count);
		s->st.bulk_incomplete++;
		s->bb = BB_WANTED;
		return;		/* the timer asks after SYNC_BULK_MIN_GAP_S */
	}
	s->st.bulk_done++;
	s->st.last_bulk_s = now - s->bb_asked;
	s->st.last_bulk_entries = s->bb_entries;
	xd_info("sync: connection table received: %llu entries in %.3f s",
		(unsigned long long)s->bb_entries, s->st.last_bulk_s);
	s->bb = BB_DONE;
	s->bb_table_gen = m->h.gen;
	if (s->bb_dirty) {
		sync_backup_want_bulk(s, "messages lost during the transfer");
	} else if (s->st.rej_unknown > s->bb_unknown0 &&
		   s->bb_unknown_retries < 3) {
		/* Right after our start the health checks may not have
		 * added every real yet: try again a few times. */
		s->bb_unknown_retries++;
		s->bb = BB_WANTED;
	}
}

void sync_backup_init(struct sync *s)
{
	ev_timer_init(&s->bb_timer, bb_timer_cb, 0.25, 0.25);
	s->bb_timer.data = s;
}

void sync_backup_start(struct sync *s)
{
	s->bb = BB_NONE;
	s->bb_asked = -1e9;
	s->bb_unknown_retries = 0;
	for (size_t i = 0; i < s->npeers; i++)
		s->peers[i].stream_valid = false;
	ev_timer_start(s->loop, &s->bb_timer);
	sync_backup_want_bulk(s, "standby role");
}

void sync_backup_stop(struct sync *s)
{
	ev_timer_stop(s->loop, &s->bb_timer);
	s->bb = BB_NONE;
}
