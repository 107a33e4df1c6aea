// SPDX-License-Identifier: GPL-2.0
/* The sync module: creation, roles, status. See sync.h, docs/sync.md. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <arpa/inet.h>

#include "log.h"
#include "sync/sync_int.h"

uint64_t sync_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

uint64_t sync_real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

const char *sync_role_name(enum sync_role role)
{
	switch (role) {
	case SYNC_MASTER:
		return "master";
	case SYNC_BACKUP:
		return "backup";
	case SYNC_NONE:
		break;
	}
	return "none";
}

int sync_role_parse(const char *name, enum sync_role *role)
{
	if (!strcasecmp(name, "master"))
		*role = SYNC_MASTER;
	else if (!strcasecmp(name, "backup"))
		*role = SYNC_BACKUP;
	else if (!strcasecmp(name, "none"))
		*role = SYNC_NONE;
	else
		return -EINVAL;
	return 0;
}

static int copy_keys(struct authkeys *dst, const struct authkeys *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->keys = calloc(src->nkeys ? src->nkeys : 1, sizeof(*dst->keys));
	if (!dst->keys)
		return -ENOMEM;
	dst->active = src->active;
	for (size_t i = 0; i < src->nkeys; i++) {
		dst->keys[i] = src->keys[i];
		dst->keys[i].secret = NULL;
		if (src->keys[i].secret &&
		    !(dst->keys[i].secret = strdup(src->keys[i].secret))) {
			dst->nkeys = i;
			return -ENOMEM;
		}
		dst->nkeys = i + 1;
	}
	return 0;
}

static int alloc_buffers(struct sync *s)
{
	s->rx_msgs = calloc(SYNC_RX_BATCH, sizeof(*s->rx_msgs));
	s->rx_iov = calloc(SYNC_RX_BATCH, sizeof(*s->rx_iov));
	s->rx_buf = malloc((size_t)SYNC_RX_BATCH * (SYNC_DGRAM_MAX + 1));
	s->rx_ctl = calloc(SYNC_RX_BATCH, SYNC_RX_CTL_LEN);
	s->raw = malloc((size_t)SYNC_CHUNK_ENTRIES_MAX * SYNC_ENTRY_LEN);
	s->tx_buf = malloc(SYNC_DGRAM_MAX);
	s->batch = malloc(s->payload_max);
	if (!s->rx_msgs || !s->rx_iov || !s->rx_buf || !s->rx_ctl || !s->raw ||
	    !s->tx_buf || !s->batch)
		return -ENOMEM;
	return 0;
}

struct sync *sync_new(struct ev_loop *loop, struct backend *b,
		      const struct sync_opts *o)
{
	struct sync *s = calloc(1, sizeof(*s));
	size_t over;

	if (!s)
		return NULL;
	s->fd = -1;
	s->loop = loop;
	s->b = b;
	snprintf(s->node, sizeof(s->node), "%s", o->node ? o->node : "");
	s->nodelen = strlen(s->node);
	if (!s->nodelen || (o->node && strlen(o->node) > SYNC_NODE_MAX)) {
		xd_err("sync: node name '%s': expected 1 to %d characters",
		       o->node ? o->node : "", SYNC_NODE_MAX);
		goto fail;
	}
	if (!o->keys || copy_keys(&s->keys, o->keys) ||
	    !(s->sign_key = authkeys_active(&s->keys))) {
		xd_err("sync: no active authentication key (authkeys)");
		goto fail;
	}
	if (o->seal && (!s->sign_key->secret || !s->sign_key->secret[0])) {
		xd_err("sync: encrypting sync needs a keyed authkeys method "
		       "(md5, sha1, sha256), not crc");
		goto fail;
	}
	s->seal = o->seal;
	s->port = o->port ? o->port : SYNC_DEFAULT_PORT;
	s->peer_port = o->peer_port ? o->peer_port : s->port;
	s->mtu = o->mtu ? o->mtu : 1500;
	over = 20 + 8 + sync_overhead(s->nodelen, s->sign_key);
	if (s->mtu > 65535 || s->mtu < over + 4 * SYNC_ENTRY_LEN) {
		xd_err("sync: mtu %u: expected %zu to 65535", s->mtu,
		       over + 4 * SYNC_ENTRY_LEN);
		goto fail;
	}
	s->payload_max = s->mtu - over;
	s->conn_per_msg = s->payload_max / SYNC_ENTRY_LEN;
	s->bulk_bytes_per_tick = o->bulk_bytes_per_tick ?
				 o->bulk_bytes_per_tick : SYNC_DEFAULT_BULK_BYTES;
	s->refresh_s = o->refresh_s ? o->refresh_s : SYNC_DEFAULT_REFRESH_S;
	s->test_bulk_delay_s = o->test_bulk_delay_ms / 1000.0;
	if (o->test_bulk_delay_ms)
		xd_warn("sync: answering connection table requests %u ms late "
			"(XD_TEST_BULK_DELAY_MS, for tests only)",
			o->test_bulk_delay_ms);
	/* Generations must grow across restarts: the boot's wall-clock
	 * time in microseconds does, as long as the clock is sane. */
	s->gen = sync_real_ns() / 1000;
	if (alloc_buffers(s))
		goto fail;
	if (sync_net_open(s, o))
		goto fail;
	ev_io_init(&s->rx_io, sync_rx_cb, s->fd, EV_READ);
	s->rx_io.data = s;
	ev_io_start(loop, &s->rx_io);
	sync_master_init(s);
	sync_backup_init(s);
	xd_info("sync: node %s, UDP port %u, %zu entries per message, "
		"bulk %u bytes per %.0f ms", s->node, s->port, s->conn_per_msg,
		s->bulk_bytes_per_tick, SYNC_TICK_S * 1000);
	return s;
fail:
	sync_free(s);
	return NULL;
}

int sync_set_role(struct sync *s, enum sync_role role)
{
	enum sync_role old = s->role;
	int rc = 0;

	if (role == old)
		return 0;
	if (role != SYNC_NONE && role != SYNC_MASTER && role != SYNC_BACKUP)
		return -EINVAL;
	if (old == SYNC_MASTER)
		sync_master_stop(s);
	else if (old == SYNC_BACKUP)
		sync_backup_stop(s);
	s->role = role;
	if (role == SYNC_MASTER) {
		rc = sync_master_start(s);
		if (rc)
			s->role = SYNC_NONE;
	} else if (role == SYNC_BACKUP) {
		/* The datapath may still be on from an earlier life. */
		s->b->ops->set_events(s->b, false);
		sync_backup_start(s);
	} else {
		s->b->ops->set_events(s->b, false);
	}
	xd_info("sync: role %s -> %s%s", sync_role_name(old),
		sync_role_name(s->role), rc ? " (failed)" : "");
	return rc;
}

enum sync_role sync_get_role(const struct sync *s)
{
	return s->role;
}

static const char *bb_name(enum backup_bulk_state b)
{
	switch (b) {
	case BB_WANTED:
		return "wanted";
	case BB_REQUESTED:
		return "requested";
	case BB_DONE:
		return "done";
	case BB_NONE:
		break;
	}
	return "none";
}

void sync_status_json(struct sync *s, json_t *out)
{
	const struct sync_stats *t = &s->st;
	json_t *drops = json_object(), *peers = json_array();
	uint64_t dropped = 0;
	ev_tstamp now = ev_now(s->loop);

	for (int i = 0; i < SYNC_DROP_MAX; i++) {
		json_object_set_new(drops, sync_drop_name(i),
				    json_integer((json_int_t)t->rx_drop[i]));
		dropped += t->rx_drop[i];
	}
	for (size_t i = 0; i < s->npeers; i++) {
		const struct sync_peer *p = &s->peers[i];
		char a[INET_ADDRSTRLEN] = "";

		inet_ntop(AF_INET, &p->addr.sin_addr, a, sizeof(a));
		json_array_append_new(peers, json_pack(
			"{s:s, s:s, s:I, s:f}", "node", p->node, "addr", a,
			"generation", (json_int_t)p->rw.gen,
			"last_rx_ago_s", now - p->last_rx));
	}
#define SET(k, v) json_object_set_new(out, k, v)
#define SETI(k, v) SET(k, json_integer((json_int_t)(v)))
	SET("role", json_string(sync_role_name(s->role)));
	SET("encrypted", json_boolean(s->seal));
	SETI("port", s->port);
	SETI("generation", s->gen);
	SET("lag_ms", json_real(t->lag_ms));
	SET("lag_max_ms", json_real(t->lag_max_ms));
	SETI("sent", t->tx_msgs);
	SETI("sent_bytes", t->tx_bytes);
	SETI("sent_entries", t->tx_entries);
	SETI("send_errors", t->tx_errors);
	SETI("received", t->rx_msgs);
	SETI("received_bytes", t->rx_bytes);
	SETI("received_own", t->rx_own);
	SETI("dropped", dropped);
	SET("drops", drops);
	SETI("installed", t->installed);
	SET("rejected", json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}",
		"unknown_service", (json_int_t)t->rej_unknown,
		"bad_state", (json_int_t)t->rej_state,
		"bad_proto", (json_int_t)t->rej_proto,
		"bad_addr", (json_int_t)t->rej_addr,
		"bad_flags", (json_int_t)t->rej_flags,
		"install_errors", (json_int_t)t->install_errors));
	SETI("events", t->events);
	SETI("gaps", t->gaps);
	SETI("lost_messages", t->lost_msgs);
	SET("bulk", json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
			      "s:f, s:I, s:I, s:I}",
		"state", bb_name(s->bb),
		"requests_sent", (json_int_t)t->bulk_req_sent,
		"requests_received", (json_int_t)t->bulk_req_rx,
		"served", (json_int_t)t->bulk_served,
		"aborted", (json_int_t)t->bulk_aborted,
		"completed", (json_int_t)t->bulk_done,
		"incomplete", (json_int_t)t->bulk_incomplete,
		"timeouts", (json_int_t)t->bulk_timeouts,
		"refreshes", (json_int_t)t->refreshes,
		"last_duration_s", t->last_bulk_s,
		"last_entries", (json_int_t)t->last_bulk_entries,
		"chunks_received", (json_int_t)t->bulk_chunks_rx,
		"entries_received", (json_int_t)t->bulk_entries_rx));
	SET("peers", peers);
#undef SETI
#undef SET
}

void sync_free(struct sync *s)
{
	if (!s)
		return;
	if (s->rx_io.data) {	/* fully started */
		if (s->role == SYNC_MASTER)
			sync_master_stop(s);
		else if (s->role == SYNC_BACKUP)
			sync_backup_stop(s);
		sync_master_fini(s);
		ev_io_stop(s->loop, &s->rx_io);
	}
	sync_net_close(s);
	authkeys_free(&s->keys);
	free(s->rx_msgs);
	free(s->rx_iov);
	free(s->rx_buf);
	free(s->rx_ctl);
	free(s->raw);
	free(s->tx_buf);
	free(s->batch);
	free(s);
}
