/* SPDX-License-Identifier: GPL-2.0 */
/* Which interface carries an address, and what kind of device it is. */
#ifndef XD_NETIF_H
#define XD_NETIF_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * The interface through which `addr` (network order) is reached: one with
 * that address or a connected subnet holding it, else the kernel's route.
 * Returns the ifindex and fills name, or a negative errno.
 */
int netif_for_addr(uint32_t addr, char name[IF_NAMESIZE]);

/* True for devices backed by hardware (they have a bus device in sysfs);
 * veth, bridges, tun and friends are virtual. */
bool netif_is_physical(const char *name);

#endif
