/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Attaching the datapath to an interface, through bpf links pinned under
 * the instance's bpffs directory so they outlive the daemon: a restart
 * swaps the program inside the existing link and no packet is missed.
 */
#ifndef XD_ATTACH_H
#define XD_ATTACH_H

#include <stdbool.h>
#include <bpf/libbpf.h>

enum dp_mode {
	DP_AUTO = 0,
	DP_XDP,		/* native (driver) XDP */
	DP_XDP_GENERIC,	/* XDP in the generic (skb) path */
	DP_TC,		/* TC ingress (tcx link, or clsact via netlink) */
};

const char *dp_mode_name(enum dp_mode mode);
int dp_mode_parse(const char *s, enum dp_mode *mode);

/* What auto picks for this interface, and why (for the log). */
enum dp_mode dp_mode_resolve(enum dp_mode want, const char *ifname,
			     const char **why);

/*
 * Attach `xdp` or `tc` (by mode) to ifname. links_dir is the pin
 * directory. On success *got holds the mode in use.
 */
int attach_iface(const char *links_dir, const char *ifname, enum dp_mode mode,
		 struct bpf_program *xdp, struct bpf_program *tc,
		 enum dp_mode *got);

/* Remove whatever this instance attached to ifname. */
int detach_iface(const char *links_dir, const char *ifname);

/* The mode of an existing pinned attachment, or DP_AUTO if none. */
enum dp_mode attached_mode(const char *links_dir, const char *ifname);

#endif
