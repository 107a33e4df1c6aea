// SPDX-License-Identifier: GPL-2.0
/* VIP addresses over rtnetlink and gratuitous ARP (see vip.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <net/ethernet.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <netpacket/packet.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>

#include "ha/vip.h"
#include "log.h"
#include "netif.h"

int vip_ctx_open(struct vip_ctx *c)
{
	int rc;

	c->nl = nl_socket_alloc();
	if (!c->nl)
		return -ENOMEM;
	rc = nl_connect(c->nl, NETLINK_ROUTE);
	if (rc) {
		nl_socket_free(c->nl);
		c->nl = NULL;
		return -EIO;
	}
	return 0;
}

void vip_ctx_close(struct vip_ctx *c)
{
	if (c->nl)
		nl_socket_free(c->nl);
	c->nl = NULL;
}

static int nl_errno(int nlerr)
{
	switch (-nlerr) {
	case NLE_EXIST: return -EEXIST;
	case NLE_NOADDR: return -EADDRNOTAVAIL;
	case NLE_NODEV: return -ENODEV;
	case NLE_PERM: return -EPERM;
	case NLE_NOMEM: return -ENOMEM;
	case NLE_OBJ_NOTFOUND: return -ENOENT;
	case NLE_INVAL: return -EINVAL;
	}
	return -EIO;
}

/* Our addresses on v's device whose subnet holds `addr`; or `addr` exactly
 * when exact. Returns the prefix found (>0), 0 if none, or -errno. */
static int find_addr(struct vip_ctx *c, int ifindex, uint32_t addr, bool exact)
{
	struct nl_cache *cache;
	struct nl_object *o;
	int found = 0, rc;

	rc = rtnl_addr_alloc_cache(c->nl, &cache);
	if (rc < 0)
		return nl_errno(rc);
	for (o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;
		struct nl_addr *local = rtnl_addr_get_local(a);
		int plen = rtnl_addr_get_prefixlen(a);
		uint32_t ip, mask;

		if (rtnl_addr_get_family(a) != AF_INET ||
		    rtnl_addr_get_ifindex(a) != ifindex || !local ||
		    nl_addr_get_len(local) != 4)
			continue;
		memcpy(&ip, nl_addr_get_binary_addr(local), 4);
		if (exact) {
			if (ip == addr) {
				found = plen ? plen : 32;
				break;
			}
			continue;
		}
		mask = plen ? htonl(~0u << (32 - plen)) : 0;
		if (plen && ip != addr && (ip & mask) == (addr & mask)) {
			found = plen;
			break;
		}
	}
	nl_cache_free(cache);
	return found;
}

int vip_resolve(struct vip_ctx *c, struct vip *v)
{
	char ifname[IF_NAMESIZE];
	char a[INET_ADDRSTRLEN];
	int rc;

	inet_ntop(AF_INET, &v->addr, a, sizeof(a));
	if (!v->dev[0]) {
		rc = netif_for_addr(v->addr, ifname);
		if (rc < 0) {
			xd_err("ha: %s: no interface reaches it: %s", a,
			       strerror(-rc));
			return rc;
		}
		snprintf(v->dev, sizeof(v->dev), "%s", ifname);
	}
	v->ifindex = if_nametoindex(v->dev);
	if (!v->ifindex) {
		xd_err("ha: %s: interface %s: %s", a, v->dev, strerror(errno));
		return -ENODEV;
	}
	if (!v->prefix) {
		rc = find_addr(c, v->ifindex, v->addr, false);
		v->prefix = rc > 0 ? rc : 32;
	}
	return 0;
}

static struct rtnl_addr *build(const struct vip *v)
{
	struct rtnl_addr *a = rtnl_addr_alloc();
	struct nl_addr *local;

	if (!a)
		return NULL;
	local = nl_addr_build(AF_INET, &v->addr, 4);
	if (!local) {
		rtnl_addr_put(a);
		return NULL;
	}
	nl_addr_set_prefixlen(local, v->prefix);
	rtnl_addr_set_ifindex(a, v->ifindex);
	rtnl_addr_set_family(a, AF_INET);
	rtnl_addr_set_local(a, local);
	rtnl_addr_set_prefixlen(a, v->prefix);
	nl_addr_put(local);
	if (v->broadcast) {
		struct nl_addr *b = nl_addr_build(AF_INET, &v->broadcast, 4);

		if (b) {
			rtnl_addr_set_broadcast(a, b);
			nl_addr_put(b);
		}
	}
	return a;
}

int vip_add(struct vip_ctx *c, const struct vip *v)
{
	struct rtnl_addr *a = build(v);
	int rc;

	if (!a)
		return -ENOMEM;
	rc = rtnl_addr_add(c->nl, a, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_addr_put(a);
	rc = rc < 0 ? nl_errno(rc) : 0;
	return rc == -EEXIST ? 0 : rc;
}

int vip_del(struct vip_ctx *c, const struct vip *v)
{
	struct rtnl_addr *a = build(v);
	int rc;

	if (!a)
		return -ENOMEM;
	rc = rtnl_addr_delete(c->nl, a, 0);
	rtnl_addr_put(a);
	rc = rc < 0 ? nl_errno(rc) : 0;
	return rc == -EADDRNOTAVAIL || rc == -ENOENT ? 0 : rc;
}

int vip_present(struct vip_ctx *c, const struct vip *v)
{
	int rc = find_addr(c, v->ifindex, v->addr, true);

	return rc < 0 ? rc : rc > 0;
}

struct arp_pkt {
	struct ether_header eth;
	struct arphdr arp;
	uint8_t sha[ETH_ALEN];
	uint8_t spa[4];
	uint8_t tha[ETH_ALEN];
	uint8_t tpa[4];
} __attribute__((packed));

int garp_send(int ifindex, uint32_t addr)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ARP),
		.sll_ifindex = ifindex,
		.sll_halen = ETH_ALEN,
	};
	struct ifreq ifr = { 0 };
	struct arp_pkt p;
	int fd, rc = 0;

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (!if_indextoname(ifindex, ifr.ifr_name) ||
	    ioctl(fd, SIOCGIFHWADDR, &ifr)) {
		rc = -errno;
		close(fd);
		return rc;
	}
	memset(sll.sll_addr, 0xff, ETH_ALEN);
	for (int op = ARPOP_REQUEST; op <= ARPOP_REPLY; op++) {
		memset(&p, 0, sizeof(p));
		memset(p.eth.ether_dhost, 0xff, ETH_ALEN);
		memcpy(p.eth.ether_shost, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
		p.eth.ether_type = htons(ETHERTYPE_ARP);
		p.arp.ar_hrd = htons(ARPHRD_ETHER);
		p.arp.ar_pro = htons(ETHERTYPE_IP);
		p.arp.ar_hln = ETH_ALEN;
		p.arp.ar_pln = 4;
		p.arp.ar_op = htons(op);
		memcpy(p.sha, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
		memcpy(p.spa, &addr, 4);
		/* Request: target unknown; reply: to everyone. */
		if (op == ARPOP_REPLY)
			memset(p.tha, 0xff, ETH_ALEN);
		memcpy(p.tpa, &addr, 4);
		if (sendto(fd, &p, sizeof(p), 0, (struct sockaddr *)&sll,
			   sizeof(sll)) < 0)
			rc = -errno;
	}
	close(fd);
	return rc;
}
