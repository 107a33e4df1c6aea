/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Attaching the datapath to an interface, through bpf links pinned under
 * the instance's bpffs directory so they outlive the daemon: a restart
 * swaps the program inside the existing link and no packet is missed.
 * Kernels without tcx (before 6.6) get a clsact filter instead, which
 * also outlives the daemon; its program is pinned as the marker, and a
 * restart replaces the filter's program in place.
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

/*
 * How a mode is attached: the kernel hook. TC uses a tcx link where the
 * kernel has them (Linux 6.6) and a clsact filter before; see
 * attach_probe().
 */
enum dp_hook {
	HOOK_NONE = 0,
	HOOK_XDP_DRV,	/* XDP link, driver mode */
	HOOK_XDP_SKB,	/* XDP link, generic mode */
	HOOK_TCX,	/* tcx ingress link */
	HOOK_CLSACT,	/* cls_bpf filter on the clsact qdisc */
};

const char *dp_mode_name(enum dp_mode mode);
const char *dp_hook_name(enum dp_hook hook);
int dp_mode_parse(const char *s, enum dp_mode *mode);

/* What auto picks for this interface, and why (for the log). */
enum dp_mode dp_mode_resolve(enum dp_mode want, const char *ifname,
			     const char **why);

/*
 * Find out once which hooks this kernel offers, with tc_prog_fd a loaded
 * TC program (nothing is attached). Logs the choice and its reason once;
 * later calls return the first answer. Returns the hook TC mode uses.
 */
enum dp_hook attach_probe(int tc_prog_fd);
/* Why TC mode uses the hook it does (after attach_probe). */
const char *attach_tc_hook_why(void);

/*
 * Attach `xdp` or `tc` (by mode) to ifname. links_dir is the pin
 * directory. On success *got holds the mode in use and *hook its hook.
 */
int attach_iface(const char *links_dir, const char *ifname, enum dp_mode mode,
		 struct bpf_program *xdp, struct bpf_program *tc,
		 enum dp_mode *got, enum dp_hook *hook);

/* Remove whatever this instance attached to ifname. */
int detach_iface(const char *links_dir, const char *ifname);

/* The mode of an existing pinned attachment, or DP_AUTO if none. */
enum dp_mode attached_mode(const char *links_dir, const char *ifname);

#endif
