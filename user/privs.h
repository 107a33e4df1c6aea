/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Least privilege: once the datapath is attached and every socket is open,
 * the daemon keeps only the capabilities its running work needs and can
 * never gain more (no_new_privs).
 */
#ifndef XD_PRIVS_H
#define XD_PRIVS_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Keep CAP_NET_ADMIN (addresses, routes, netlink, attaching to interfaces
 * on reload), CAP_NET_RAW (gratuitous ARP, ping checks, the nudge's raw
 * sockets), CAP_NET_BIND_SERVICE (heartbeat's port 694 and a low metrics
 * port on reload), CAP_BPF and CAP_PERFMON (maps, and programs on
 * interfaces added by a reload); CAP_SYS_MODULE too when kernel modules
 * may still have to be loaded (the IPVS backend's schedulers). Everything
 * else leaves the effective, permitted, inheritable and bounding sets, so
 * the programs we run (external checks) cannot have it either; then
 * no_new_privs. Returns 0 or a negative errno with err saying what failed.
 */
int privs_drop(bool modules, char *err, size_t errlen);

/* The capabilities privs_drop keeps, as text ("cap_net_admin,..."). */
const char *privs_kept(bool modules);

#endif
