// SPDX-License-Identifier: GPL-2.0
/*
 * Receiving sync datagrams. Cheap checks first, the MAC before any byte
 * of the payload is trusted, the replay window after the MAC (so forged
 * packets cannot move it), and a bounded amount of work per wake-up so
 * that a flood cannot keep the loop from the heartbeats.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"
#include "sync/sync_int.h"

static struct sync_peer *peer_get(struct sync *s, const char *node)
{
	struct sync_peer *p;
	size_t oldest = 0;

	for (size_t i = 0; i < s->npeers; i++)
		if (!strcmp(s->peers[i].node, node))
			return &s->peers[i];
	if (s->npeers < SYNC_MAX_PEERS) {
		p = &s->peers[s->npeers++];
	} else {
		/* Only authenticated senders get here: reuse the quietest. */
		for (size_t i = 1; i < s->npeers; i++)
			if (s->peers[i].last_rx < s->peers[oldest].last_rx)
				oldest = i;
		p = &s->peers[oldest];
	}
	memset(p, 0, sizeof(*p));
	snprintf(p->node, sizeof(p->node), "%s", node);
	replay_init(&p->rw);
	xd_info("sync: peer %s seen", node);
	return p;
}

static bool role_accepts(enum sync_role role, int type)
{
	switch (type) {
	case SYNC_MSG_CONN:
	case SYNC_MSG_BULK:
	case SYNC_MSG_BULK_END:
		return role == SYNC_BACKUP;
	case SYNC_MSG_BULK_REQ:
		return role == SYNC_MASTER;
	}
	return false;
}

size_t sync_rx_one(struct sync *s, uint8_t *buf, size_t len,
		   const struct sockaddr_in *from, uint64_t rx_realtime_ns)
{
	enum sync_drop why;
	struct sync_peer *p;
	struct sync_msg m;

	s->st.rx_msgs++;
	s->st.rx_bytes += len;
	if (sync_msg_parse(buf, len, &s->keys, &m, &why)) {
		s->st.rx_drop[why]++;
		return 0;
	}
	/* Our own broadcasts come back. Only a datagram the MAC proved is
	 * believed to be one: a forged one naming us is a MAC drop. */
	if (!strcmp(m.h.node, s->node)) {
		s->st.rx_own++;
		return 0;
	}
	/* With sealing on, the table never travels in clear: a peer that
	 * does not seal is refused (and counted), not believed. */
	if (s->seal && m.plen && !m.sealed) {
		s->st.rx_drop[SYNC_DROP_CLEAR]++;
		return 0;
	}
	p = peer_get(s, m.h.node);
	if (replay_check_and_update(&p->rw, m.h.gen, m.h.seq)) {
		s->st.rx_drop[SYNC_DROP_REPLAY]++;
		return 0;
	}
	p->last_rx = ev_now(s->loop);
	if (from)
		p->addr = *from;
	if (!role_accepts(s->role, m.h.type)) {
		s->st.rx_drop[SYNC_DROP_ROLE]++;
		return 0;
	}
	switch (m.h.type) {
	case SYNC_MSG_CONN:
		sync_backup_conn(s, p, &m, rx_realtime_ns);
		return m.h.count;
	case SYNC_MSG_BULK:
		sync_backup_bulk(s, &m);
		return m.h.count;
	case SYNC_MSG_BULK_END:
		sync_backup_bulk_end(s, &m);
		return 0;
	case SYNC_MSG_BULK_REQ:
		if (m.plen || !from) {
			s->st.rx_drop[SYNC_DROP_PAYLOAD]++;
			return 0;
		}
		s->st.bulk_req_rx++;
		sync_master_bulk_request(s, m.h.aux1, from);
		return 0;
	}
	return 0;
}

static uint64_t rx_stamp(struct msghdr *mh)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPNS) {
			struct timespec ts;

			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
		}
	return 0;
}

void sync_rx_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct sync *s = w->data;
	size_t msgs = 0, entries = 0;
	struct sockaddr_in from[SYNC_RX_BATCH];

	while (msgs < SYNC_RX_MSGS_BUDGET && entries < SYNC_RX_ENTRIES_BUDGET) {
		int n;

		for (int i = 0; i < SYNC_RX_BATCH; i++) {
			struct msghdr *mh = &s->rx_msgs[i].msg_hdr;

			s->rx_iov[i].iov_base = s->rx_buf + (size_t)i * (SYNC_DGRAM_MAX + 1);
			s->rx_iov[i].iov_len = SYNC_DGRAM_MAX + 1;
			memset(mh, 0, sizeof(*mh));
			mh->msg_name = &from[i];
			mh->msg_namelen = sizeof(from[i]);
			mh->msg_iov = &s->rx_iov[i];
			mh->msg_iovlen = 1;
			mh->msg_control = s->rx_ctl + (size_t)i * SYNC_RX_CTL_LEN;
			mh->msg_controllen = SYNC_RX_CTL_LEN;
		}
		n = recvmmsg(s->fd, s->rx_msgs, SYNC_RX_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0) {
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				xd_warn("sync: receive: %s", strerror(errno));
			return;
		}
		for (int i = 0; i < n; i++) {
			struct msghdr *mh = &s->rx_msgs[i].msg_hdr;
			size_t len = s->rx_msgs[i].msg_len;

			if (mh->msg_flags & MSG_TRUNC) {
				s->st.rx_msgs++;
				s->st.rx_drop[SYNC_DROP_LENGTH]++;
				continue;
			}
			entries += sync_rx_one(s, s->rx_iov[i].iov_base, len,
					       mh->msg_namelen >= sizeof(from[i]) ?
					       &from[i] : NULL, rx_stamp(mh));
		}
		msgs += n;
		if (n < SYNC_RX_BATCH)
			return;
	}
	/* Budget spent with data left: the level-triggered watcher brings
	 * us back after the loop has served everything else. */
}
