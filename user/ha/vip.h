/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Virtual IP addresses the active director owns: added and removed over
 * rtnetlink (libnl-route), announced with gratuitous ARP so neighbours
 * (clients, and real servers whose gateway is a VIP) switch at once.
 */
#ifndef XD_HA_VIP_H
#define XD_HA_VIP_H

#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>

struct nl_sock;

struct vip {
	uint32_t addr;		/* network order */
	uint8_t prefix;		/* resolved: never 0 after vip_resolve */
	uint32_t broadcast;	/* network order, 0: none */
	char dev[IF_NAMESIZE];
	int ifindex;
};

struct vip_ctx {
	struct nl_sock *nl;
};

int vip_ctx_open(struct vip_ctx *c);
void vip_ctx_close(struct vip_ctx *c);

/* Fill a missing device (the route to addr) and prefix (that of the
 * device's subnet holding addr, else 32), as IPaddr2 does. */
int vip_resolve(struct vip_ctx *c, struct vip *v);
/* Add: an address already there is fine. */
int vip_add(struct vip_ctx *c, const struct vip *v);
/* Remove: an address already gone is fine. */
int vip_del(struct vip_ctx *c, const struct vip *v);
/* 1 if the address is on its device, 0 if not, or a negative errno. */
int vip_present(struct vip_ctx *c, const struct vip *v);

/* One gratuitous ARP request and one reply for addr out of ifindex. */
int garp_send(int ifindex, uint32_t addr);

#endif
