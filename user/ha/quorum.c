// SPDX-License-Identifier: GPL-2.0
/* Ping nodes for the HA quorum (see quorum.h). Raw ICMP socket, replies
 * matched by our identifier and the source address. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "config/hacf.h"
#include "ha/quorum.h"
#include "log.h"
#include "wire.h"

uint64_t ha_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


static void evaluate(struct ha_quorum *q, uint64_t now)
{
	const struct ha_config *c = q->cfg;
	unsigned up = 0;
	size_t k = 0;
	bool all_answered = true;

	for (size_t g = 0; g < c->npings; g++) {
		bool gup = false;

		for (size_t i = 0; i < c->pings[g].naddrs; i++, k++)
			if (q->last_reply[k] &&
			    now - q->last_reply[k] < c->deadping_ms)
				gup = true;
		if (gup != q->group_up[g])
			xd_info("ha: ping %s %s", c->pings[g].name,
				gup ? "reachable" : "unreachable");
		q->group_up[g] = gup;
		up += gup;
		all_answered &= gup;
	}
	if (!q->known && (all_answered || now - q->start_ms >= c->deadping_ms))
		q->known = true;
	if (up != q->up || q->known) {
		q->up = up;
		q->cb(q->arg, q->known, up);
	}
}

static void read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ha_quorum *q = w->data;
	uint8_t buf[1500];
	struct sockaddr_in from;
	socklen_t flen;
	ssize_t n;

	for (;;) {
		const struct iphdr *ip = (const void *)buf;
		const struct icmphdr *icmp;
		size_t hl;

		flen = sizeof(from);
		n = recvfrom(q->fd, buf, sizeof(buf), 0,
			     (struct sockaddr *)&from, &flen);
		if (n < 0)
			break;
		if ((size_t)n < sizeof(*ip))
			continue;
		hl = ip->ihl * 4u;
		if ((size_t)n < hl + sizeof(*icmp))
			continue;
		icmp = (const void *)(buf + hl);
		if (icmp->type != ICMP_ECHOREPLY ||
		    icmp->un.echo.id != htons(q->id))
			continue;
		for (size_t k = 0, g = 0; g < q->cfg->npings; g++)
			for (size_t i = 0; i < q->cfg->pings[g].naddrs; i++, k++)
				if (q->cfg->pings[g].addrs[i] ==
				    from.sin_addr.s_addr)
					q->last_reply[k] = ha_now_ms();
	}
	evaluate(q, ha_now_ms());
}

static void timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct ha_quorum *q = w->data;

	for (size_t g = 0; g < q->cfg->npings; g++)
		for (size_t i = 0; i < q->cfg->pings[g].naddrs; i++) {
			struct {
				struct icmphdr h;
				uint8_t data[16];
			} pkt = { 0 };
			struct sockaddr_in to = {
				.sin_family = AF_INET,
				.sin_addr.s_addr = q->cfg->pings[g].addrs[i],
			};

			pkt.h.type = ICMP_ECHO;
			pkt.h.un.echo.id = htons(q->id);
			pkt.h.un.echo.sequence = htons(q->seq++);
			memcpy(pkt.data, "xdirector-ha", 12);
			pkt.h.checksum = inet_csum(&pkt, sizeof(pkt));
			/* Unreachable nodes fail here or stay silent: both
			 * just leave last_reply old. */
			sendto(q->fd, &pkt, sizeof(pkt), 0,
			       (struct sockaddr *)&to, sizeof(to));
		}
	evaluate(q, ha_now_ms());
}

int quorum_start(struct ha_quorum *q, struct ev_loop *loop,
		 const struct ha_config *cfg, quorum_cb cb, void *arg)
{
	double every = cfg->keepalive_ms / 1000.0;

	memset(q, 0, sizeof(*q));
	q->fd = -1;
	q->loop = loop;
	q->cfg = cfg;
	q->cb = cb;
	q->arg = arg;
	q->known = true;
	if (!cfg->npings)
		return 0;
	q->known = false;
	for (size_t g = 0; g < cfg->npings; g++)
		q->naddrs += cfg->pings[g].naddrs;
	q->last_reply = calloc(q->naddrs ? q->naddrs : 1, sizeof(uint64_t));
	q->group_up = calloc(cfg->npings, sizeof(bool));
	if (!q->last_reply || !q->group_up)
		return -ENOMEM;
	q->fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
		       IPPROTO_ICMP);
	if (q->fd < 0) {
		int rc = -errno;

		xd_err("ha: ping nodes: raw ICMP socket: %s", strerror(errno));
		return rc;
	}
	q->id = (uint16_t)(getpid() ^ 0x4841);
	q->start_ms = ha_now_ms();
	ev_io_init(&q->io, read_cb, q->fd, EV_READ);
	q->io.data = q;
	ev_io_start(loop, &q->io);
	if (every < 0.05)
		every = 0.05;
	ev_timer_init(&q->timer, timer_cb, 0, every);
	q->timer.data = q;
	ev_timer_start(loop, &q->timer);
	return 0;
}

void quorum_stop(struct ha_quorum *q)
{
	if (q->fd >= 0) {
		ev_io_stop(q->loop, &q->io);
		ev_timer_stop(q->loop, &q->timer);
		close(q->fd);
	}
	q->fd = -1;
	free(q->last_reply);
	free(q->group_up);
	q->last_reply = NULL;
	q->group_up = NULL;
}
