// SPDX-License-Identifier: GPL-2.0
/*
 * ping check: one ICMP echo per run, answered within checktimeout.
 * All ping checks share one ICMP socket: an unprivileged ping socket
 * (SOCK_DGRAM, IPPROTO_ICMP) when net.ipv4.ping_group_range allows it, else a
 * raw socket. Replies are matched by identifier (raw only: the kernel owns
 * it on ping sockets), sequence number (one slot per check in flight), a
 * per-manager cookie in the payload and the source address.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check/check_int.h"
#include "wire.h"
#include "log.h"

#define PING_SLOTS	65536

struct ping_payload {
	uint64_t cookie;
	uint32_t rip;
	uint32_t pad;
};


static void ping_handle(struct check_manager *m, const uint8_t *pkt, size_t len,
			uint32_t from)
{
	const struct icmphdr *icmp;
	struct ping_payload pl;
	struct check *c;

	if (m->ping_raw) {
		const struct iphdr *ip = (const void *)pkt;
		size_t hl;

		if (len < sizeof(*ip))
			return;
		hl = ip->ihl * 4u;
		if (hl < sizeof(*ip) || len < hl)
			return;
		pkt += hl;
		len -= hl;
	}
	if (len < sizeof(*icmp) + sizeof(pl))
		return;
	icmp = (const void *)pkt;
	if (icmp->type != ICMP_ECHOREPLY)
		return;
	if (m->ping_raw && icmp->un.echo.id != htons(m->ping_id))
		return;
	memcpy(&pl, pkt + sizeof(*icmp), sizeof(pl));
	if (pl.cookie != m->ping_cookie)
		return;
	c = m->ping_slots[ntohs(icmp->un.echo.sequence)];
	if (!c || c->spec.rip != from || pl.rip != from)
		return;
	check_finish(c, true, "ping: echo reply");
}

static void ping_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct check_manager *m = w->data;
	uint8_t buf[2048];

	for (int i = 0; i < 1024; i++) {
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(m->ping_fd, buf, sizeof(buf), 0,
				     (struct sockaddr *)&from, &fl);

		if (n < 0)
			break;
		ping_handle(m, buf, n, from.sin_addr.s_addr);
	}
}

static int ping_open(struct check_manager *m)
{
	int fd, rcvbuf = 1 << 20;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    IPPROTO_ICMP);
	if (fd >= 0) {
		m->ping_raw = false;
		xd_info("ping checks use an unprivileged ICMP socket");
	} else {
		int err = errno;

		fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
			    IPPROTO_ICMP);
		if (fd < 0) {
			int err2 = errno;

			xd_err("ping: ICMP socket: %s; raw socket: %s",
			       strerror(err), strerror(err2));
			return -err2;
		}
		m->ping_raw = true;
		xd_info("ping checks use a raw ICMP socket (ping socket: %s)",
			strerror(err));
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	m->ping_slots = calloc(PING_SLOTS, sizeof(*m->ping_slots));
	if (!m->ping_slots) {
		close(fd);
		return -ENOMEM;
	}
	if (getrandom(&m->ping_cookie, sizeof(m->ping_cookie), 0) !=
	    sizeof(m->ping_cookie))
		m->ping_cookie = (uint64_t)getpid() * 0x9e3779b97f4a7c15ULL ^
				 (uint64_t)(ev_time() * 1e6);
	m->ping_id = (uint16_t)(m->ping_cookie >> 48);
	m->ping_fd = fd;
	ev_io_init(&m->ping_io, ping_read_cb, fd, EV_READ);
	m->ping_io.data = m;
	ev_io_start(m->loop, &m->ping_io);
	return 0;
}

static void ping_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct check *c = w->data;

	check_finish(c, false, "ping: no reply within %.1fs", check_timeout(c));
}

int check_ping_start(struct check *c)
{
	struct check_manager *m = c->m;
	struct {
		struct icmphdr icmp;
		struct ping_payload pl;
	} pkt;
	struct sockaddr_in to = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = c->spec.rip,
	};
	unsigned tries;
	int err;

	if (m->ping_fd < 0) {
		err = ping_open(m);
		if (err)
			return err;
	}
	/* a free sequence slot; 65536 pings in flight is not a real case */
	for (tries = 0; tries < PING_SLOTS; tries++)
		if (!m->ping_slots[++m->ping_next_seq])
			break;
	if (tries == PING_SLOTS)
		return -EBUSY;
	c->ping_seq = m->ping_next_seq;
	m->ping_slots[c->ping_seq] = c;

	memset(&pkt, 0, sizeof(pkt));
	pkt.icmp.type = ICMP_ECHO;
	pkt.icmp.un.echo.id = htons(m->ping_id);
	pkt.icmp.un.echo.sequence = htons(c->ping_seq);
	pkt.pl.cookie = m->ping_cookie;
	pkt.pl.rip = c->spec.rip;
	pkt.icmp.checksum = inet_csum(&pkt, sizeof(pkt));
	check_tmo_start(c, check_timeout(c), ping_timeout_cb);
	if (sendto(m->ping_fd, &pkt, sizeof(pkt), 0, (struct sockaddr *)&to,
		   sizeof(to)) < 0) {
		err = errno;
		check_finish(c, false, "ping: send: %s", strerror(err));
	}
	return 0;
}

void check_ping_cancel(struct check *c)
{
	struct check_manager *m = c->m;

	if (m->ping_slots && m->ping_slots[c->ping_seq] == c)
		m->ping_slots[c->ping_seq] = NULL;
	ev_timer_stop(m->loop, &c->tmo);
}

void check_ping_free(struct check_manager *m)
{
	if (m->ping_fd >= 0) {
		ev_io_stop(m->loop, &m->ping_io);
		close(m->ping_fd);
	}
	m->ping_fd = -1;
	free(m->ping_slots);
	m->ping_slots = NULL;
}
