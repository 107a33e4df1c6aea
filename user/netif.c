// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <unistd.h>

#include "netif.h"

static int netif_by_subnet(uint32_t addr, char name[IF_NAMESIZE])
{
	struct ifaddrs *ifa_list, *ifa;
	int best_len = -1, idx = -ENOENT;

	if (getifaddrs(&ifa_list))
		return -errno;
	for (ifa = ifa_list; ifa; ifa = ifa->ifa_next) {
		const struct sockaddr_in *a, *m;
		uint32_t mask;
		int len;

		if (!ifa->ifa_addr || ifa->ifa_addr->sa_family != AF_INET ||
		    !ifa->ifa_netmask || !(ifa->ifa_flags & IFF_UP))
			continue;
		a = (const void *)ifa->ifa_addr;
		m = (const void *)ifa->ifa_netmask;
		mask = m->sin_addr.s_addr;
		if ((a->sin_addr.s_addr & mask) != (addr & mask))
			continue;
		len = __builtin_popcount(mask);
		if (a->sin_addr.s_addr == addr)
			len = 33;	/* the address itself wins */
		if (len > best_len) {
			best_len = len;
			snprintf(name, IF_NAMESIZE, "%s", ifa->ifa_name);
			idx = if_nametoindex(ifa->ifa_name);
			if (!idx)
				idx = -errno;
		}
	}
	freeifaddrs(ifa_list);
	return idx;
}

/*
 * Ask the kernel's routing table, as `ip route get` would: a connected UDP
 * socket (no packet is sent) learns the source address the route picks,
 * and that address names the interface.
 */
static int netif_by_route(uint32_t addr, char name[IF_NAMESIZE])
{
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons(9),
				   .sin_addr.s_addr = addr };
	struct sockaddr_in src;
	socklen_t len = sizeof(src);
	int fd, err = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&dst, sizeof(dst)) ||
	    getsockname(fd, (struct sockaddr *)&src, &len))
		err = -errno;
	close(fd);
	if (err)
		return err;
	return netif_by_subnet(src.sin_addr.s_addr, name);
}

int netif_for_addr(uint32_t addr, char name[IF_NAMESIZE])
{
	int idx = netif_by_subnet(addr, name);

	if (idx > 0)
		return idx;
	return netif_by_route(addr, name);
}

bool netif_is_physical(const char *name)
{
	struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr = { .ifr_data = (void *)&info };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool physical = false;

	/* Asked through a socket, so it answers for this network namespace
	 * (sysfs may show another one under `nsenter --net`). Virtual
	 * drivers (veth, bridge, tun, dummy, ...) report no bus. */
	if (fd < 0)
		return false;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, SIOCETHTOOL, &ifr) == 0)
		physical = info.bus_info[0] != 0 &&
			   strcmp(info.bus_info, "N/A") != 0;
	close(fd);
	return physical;
}
