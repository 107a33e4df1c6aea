// SPDX-License-Identifier: GPL-2.0
/*
 * Sync sockets: one UDP socket on the sync port receives everything and
 * sends unicast; broadcast and multicast links of ha.cf get a socket of
 * their own bound to the link's device, as heartbeat sends its beats.
 */
#include <errno.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/socket.h>

#include "log.h"
#include "sync/sync_int.h"

#define SYNC_RCVBUF	(32 << 20)	/* a bulk burst waits here, not lost */
#define SYNC_SNDBUF	(4 << 20)

static void set_bufs(int fd, int opt_force, int opt, int size)
{
	/* Root may exceed net.core.*mem_max; others get what they can. */
	if (setsockopt(fd, SOL_SOCKET, opt_force, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, opt, &size, sizeof(size));
}

static int udp_socket(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	set_bufs(fd, SO_SNDBUFFORCE, SO_SNDBUF, SYNC_SNDBUF);
	return fd;
}

static int add_dest(struct sync *s, int fd, uint32_t addr, uint16_t port,
		    const char *what)
{
	struct sync_dest *d;

	if (s->ndests >= SYNC_MAX_DESTS) {
		xd_warn("sync: more than %d destinations, %s ignored",
			SYNC_MAX_DESTS, what);
		if (fd != s->fd)
			close(fd);
		return -E2BIG;
	}
	d = &s->dests[s->ndests++];
	d->fd = fd;
	d->sa = (struct sockaddr_in){ .sin_family = AF_INET,
				      .sin_addr.s_addr = addr,
				      .sin_port = htons(port) };
	snprintf(d->what, sizeof(d->what), "%s", what);
	return 0;
}

static int dev_socket(const char *dev, const char *what)
{
	int fd = udp_socket(), one = 1;

	if (fd < 0)
		return fd;
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev, strlen(dev) + 1) ||
	    setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one))) {
		int e = -errno;

		xd_err("sync: %s: bind to device %s: %s", what, dev,
		       strerror(errno));
		close(fd);
		return e;
	}
	return fd;
}

static int add_bcast(struct sync *s, const char *dev)
{
	char what[48];
	int fd;

	snprintf(what, sizeof(what), "bcast %s", dev);
	fd = dev_socket(dev, what);
	if (fd < 0)
		return fd;
	return add_dest(s, fd, INADDR_BROADCAST, s->peer_port, what);
}

static int add_mcast(struct sync *s, const struct ha_link *l)
{
	struct ip_mreqn mr = { .imr_multiaddr.s_addr = l->addr,
			       .imr_ifindex = (int)if_nametoindex(l->dev) };
	int ttl = l->ttl ? l->ttl : 1, loop = l->loop;
	char what[48], group[INET_ADDRSTRLEN];
	int fd;

	inet_ntop(AF_INET, &l->addr, group, sizeof(group));
	snprintf(what, sizeof(what), "mcast %s %s", l->dev, group);
	if (!mr.imr_ifindex) {
		xd_err("sync: %s: no such device", what);
		return -ENODEV;
	}
	fd = dev_socket(l->dev, what);
	if (fd < 0)
		return fd;
	if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mr, sizeof(mr)) ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl)) ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof(loop)) ||
	    setsockopt(s->fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof(mr))) {
		int e = -errno;

		xd_err("sync: %s: %s", what, strerror(errno));
		close(fd);
		return e;
	}
	return add_dest(s, fd, l->addr, s->peer_port, what);
}

static int add_ucast(struct sync *s, uint32_t addr)
{
	char what[48], a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &addr, a, sizeof(a));
	/* One ha.cf serves both nodes: it lists our own address too. */
	if (sync_is_local_addr(s, addr)) {
		xd_dbg("sync: ucast %s is ours, not sending there", a);
		return 0;
	}
	snprintf(what, sizeof(what), "ucast %s", a);
	return add_dest(s, s->fd, addr, s->peer_port, what);
}

static void load_local_addrs(struct sync *s)
{
	struct ifaddrs *ifa, *i;

	s->nlocal = 0;
	if (getifaddrs(&ifa))
		return;
	for (i = ifa; i && s->nlocal < 64; i = i->ifa_next)
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET)
			s->local_addrs[s->nlocal++] =
				((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr;
	freeifaddrs(ifa);
}

bool sync_is_local_addr(const struct sync *s, uint32_t addr)
{
	for (size_t i = 0; i < s->nlocal; i++)
		if (s->local_addrs[i] == addr)
			return true;
	return false;
}

int sync_net_open(struct sync *s, const struct sync_opts *o)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = o->bind_addr,
				  .sin_port = htons(s->port) };
	int one = 1, rc = 0;

	load_local_addrs(s);
	s->fd = udp_socket();
	if (s->fd < 0) {
		xd_err("sync: socket: %s", strerror(-s->fd));
		return s->fd;
	}
	set_bufs(s->fd, SO_RCVBUFFORCE, SO_RCVBUF, SYNC_RCVBUF);
	setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(s->fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
	if (bind(s->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		rc = -errno;
		xd_err("sync: bind UDP port %u: %s", s->port, strerror(errno));
		return rc;
	}

	if (o->peer) {
		rc = add_ucast(s, o->peer);
	} else if (o->dev) {
		rc = add_bcast(s, o->dev);
	} else if (o->hacf) {
		for (size_t i = 0; i < o->hacf->nlinks && !rc; i++) {
			const struct ha_link *l = &o->hacf->links[i];

			switch (l->kind) {
			case HA_LINK_BCAST:
				rc = add_bcast(s, l->dev);
				break;
			case HA_LINK_MCAST:
				rc = add_mcast(s, l);
				break;
			case HA_LINK_UCAST:
				rc = add_ucast(s, l->addr);
				break;
			}
		}
	}
	if (rc)
		return rc;
	if (!s->ndests)
		xd_warn("sync: no destination (no link in ha.cf, no sync "
			"interface or peer): only answering bulk requests");
	for (size_t i = 0; i < s->ndests; i++)
		xd_info("sync: sending to %s port %u", s->dests[i].what,
			s->peer_port);
	return 0;
}

void sync_net_close(struct sync *s)
{
	for (size_t i = 0; i < s->ndests; i++)
		if (s->dests[i].fd != s->fd && s->dests[i].fd >= 0)
			close(s->dests[i].fd);
	s->ndests = 0;
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

static int send_one(struct sync *s, int fd, const struct sockaddr_in *to,
		    size_t len)
{
	ssize_t n = sendto(fd, s->tx_buf, len, 0, (const struct sockaddr *)to,
			   sizeof(*to));

	if (n < 0) {
		/* Counted, not logged per packet: a dead link would flood. */
		s->st.tx_errors++;
		return -errno;
	}
	s->st.tx_msgs++;
	s->st.tx_bytes += len;
	return 0;
}

int sync_send(struct sync *s, struct sync_hdr *h, const void *payload,
	      size_t plen, const struct sockaddr_in *to)
{
	int len, rc = 0, ok = 0;

	memcpy(h->node, s->node, s->nodelen + 1);
	h->gen = s->gen;
	h->seq = ++s->seq;
	if (s->seal && plen)
		h->flags |= SYNC_F_SEALED;
	len = sync_msg_build(s->tx_buf, SYNC_DGRAM_MAX, h, payload, plen,
			     s->sign_key);
	if (len < 0) {
		s->st.tx_errors++;
		return len;
	}
	s->last_tx = ev_now(s->loop);
	if (to)
		return send_one(s, s->fd, to, (size_t)len);
	for (size_t i = 0; i < s->ndests; i++) {
		int r = send_one(s, s->dests[i].fd, &s->dests[i].sa, (size_t)len);

		if (r)
			rc = r;
		else
			ok++;
	}
	return ok ? 0 : rc;
}
