// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "attach.h"
#include "log.h"
#include "netif.h"

/* Newer than this system's uapi headers (kernel 6.6 and later). */
#define XD_BPF_TCX_INGRESS	46

/* Pin file prefix per hook. A link is pinned as itself; a clsact filter
 * is no link, so its program is pinned as the marker that it is ours. */
static const char *const pin_prefix[] = {
	[HOOK_XDP_DRV] = "xdp",
	[HOOK_XDP_SKB] = "xdpgeneric",
	[HOOK_TCX] = "tc",
	[HOOK_CLSACT] = "clsact",
};

/* What TC mode uses on this kernel, found by attach_probe(). */
static enum dp_hook tc_hook = HOOK_NONE;
static const char *tc_hook_why = "";

const char *dp_mode_name(enum dp_mode mode)
{
	switch (mode) {
	case DP_AUTO:
		return "auto";
	case DP_XDP:
		return "xdp";
	case DP_XDP_GENERIC:
		return "xdp-generic";
	case DP_TC:
		return "tc";
	}
	return "?";
}

const char *dp_hook_name(enum dp_hook hook)
{
	switch (hook) {
	case HOOK_NONE:
		return "none";
	case HOOK_XDP_DRV:
		return "xdp-link";
	case HOOK_XDP_SKB:
		return "xdp-generic-link";
	case HOOK_TCX:
		return "tcx-link";
	case HOOK_CLSACT:
		return "clsact";
	}
	return "?";
}

static enum dp_mode hook_mode(enum dp_hook hook)
{
	switch (hook) {
	case HOOK_XDP_DRV:
		return DP_XDP;
	case HOOK_XDP_SKB:
		return DP_XDP_GENERIC;
	case HOOK_TCX:
	case HOOK_CLSACT:
		return DP_TC;
	default:
		return DP_AUTO;
	}
}

/*
 * tcx (Linux 6.6) is probed by asking for a tcx link on ifindex 0: a kernel
 * that knows tcx looks the device up and says ENODEV; an older one refuses
 * the attach type itself (EINVAL). Nothing gets attached either way.
 */
enum dp_hook attach_probe(int tc_prog_fd)
{
	static char why[160];
	struct utsname u;
	int fd;

	if (tc_hook != HOOK_NONE)
		return tc_hook;
	if (uname(&u))
		snprintf(u.release, sizeof(u.release), "?");
	fd = bpf_link_create(tc_prog_fd, 0, XD_BPF_TCX_INGRESS, NULL);
	if (fd >= 0)
		close(fd);
	if (fd >= 0 || fd == -ENODEV) {
		tc_hook = HOOK_TCX;
		snprintf(why, sizeof(why), "tcx links (Linux %s has them)",
			 u.release);
	} else {
		tc_hook = HOOK_CLSACT;
		snprintf(why, sizeof(why), "clsact: no tcx links in Linux %s "
			 "(they need 6.6; the probe got: %s)", u.release,
			 strerror(-fd));
	}
	tc_hook_why = why;
	xd_info("tc mode attaches through %s", why);
	return tc_hook;
}

const char *attach_tc_hook_why(void)
{
	return tc_hook_why;
}

static enum dp_hook mode_hook(enum dp_mode mode)
{
	switch (mode) {
	case DP_XDP:
		return HOOK_XDP_DRV;
	case DP_XDP_GENERIC:
		return HOOK_XDP_SKB;
	case DP_TC:
		return tc_hook == HOOK_CLSACT ? HOOK_CLSACT : HOOK_TCX;
	default:
		return HOOK_NONE;
	}
}

int dp_mode_parse(const char *s, enum dp_mode *mode)
{
	for (int m = DP_AUTO; m <= DP_TC; m++)
		if (!strcmp(s, dp_mode_name(m))) {
			*mode = m;
			return 0;
		}
	return -EINVAL;
}

enum dp_mode dp_mode_resolve(enum dp_mode want, const char *ifname,
			     const char **why)
{
	if (want != DP_AUTO) {
		*why = "as configured";
		return want;
	}
	/* On virtual devices native XDP cannot see CHECKSUM_PARTIAL and
	 * turns off GSO/GRO; a TC program is both correct and faster. */
	if (!netif_is_physical(ifname)) {
		*why = "virtual device";
		return DP_TC;
	}
	*why = "physical device";
	return DP_XDP;
}

/* bpffs refuses names with a dot: "eth0.100" is pinned as "tc_eth0+100". */
static void pin_path(char *buf, size_t len, const char *dir,
		     const char *ifname, enum dp_hook hook)
{
	char name[IF_NAMESIZE];

	snprintf(name, sizeof(name), "%s", ifname);
	for (char *p = name; *p; p++)
		if (*p == '.')
			*p = '+';
	snprintf(buf, len, "%s/%s_%s", dir, pin_prefix[hook], name);
}

static enum dp_hook attached_hook(const char *links_dir, const char *ifname)
{
	char path[512];

	for (int h = HOOK_XDP_DRV; h <= HOOK_CLSACT; h++) {
		pin_path(path, sizeof(path), links_dir, ifname, h);
		if (access(path, F_OK) == 0)
			return h;
	}
	return HOOK_NONE;
}

enum dp_mode attached_mode(const char *links_dir, const char *ifname)
{
	return hook_mode(attached_hook(links_dir, ifname));
}

/* Our filter: handle 1, priority 1 on the ingress of clsact. Replacing
 * it swaps the program atomically, as a link update does. */
static int tc_clsact_attach(int ifindex, int prog_fd)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = 1, .priority = 1,
			    .prog_fd = prog_fd, .flags = BPF_TC_F_REPLACE);
	int err = bpf_tc_hook_create(&hook);

	if (err && err != -EEXIST)
		return err;
	return bpf_tc_attach(&hook, &opts);
}

static int tc_clsact_detach(int ifindex)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = 1, .priority = 1);

	return bpf_tc_detach(&hook, &opts);
}

/* Attach through a fresh hook; returns the fd to pin (a link, or for
 * clsact the program as the marker), or -errno. */
static int hook_create(int ifindex, enum dp_hook hook, int prog_fd)
{
	DECLARE_LIBBPF_OPTS(bpf_link_create_opts, opts);
	int err;

	switch (hook) {
	case HOOK_XDP_DRV:
		opts.flags = XDP_FLAGS_DRV_MODE;
		return bpf_link_create(prog_fd, ifindex, BPF_XDP, &opts);
	case HOOK_XDP_SKB:
		opts.flags = XDP_FLAGS_SKB_MODE;
		return bpf_link_create(prog_fd, ifindex, BPF_XDP, &opts);
	case HOOK_TCX:
		return bpf_link_create(prog_fd, ifindex, XD_BPF_TCX_INGRESS, NULL);
	case HOOK_CLSACT:
		err = tc_clsact_attach(ifindex, prog_fd);
		if (err)
			return err;
		err = dup(prog_fd);
		return err < 0 ? -errno : err;
	default:
		return -EINVAL;
	}
}

/* Undo the hook pinned at path, then the pin. */
static int remove_pinned(const char *path, int ifindex, enum dp_hook hook)
{
	int fd;

	if (access(path, F_OK))
		return -errno;
	if (hook == HOOK_CLSACT) {
		if (ifindex)
			tc_clsact_detach(ifindex);
	} else {
		fd = bpf_obj_get(path);
		if (fd >= 0) {
			bpf_link_detach(fd);
			close(fd);
		}
	}
	if (unlink(path))
		return -errno;
	return 0;
}

/* Restart on the same hook: put prog_fd into what is there. */
static int hook_update(const char *path, int ifindex, enum dp_hook hook,
		       int prog_fd)
{
	int fd, err;

	if (hook == HOOK_CLSACT) {
		err = tc_clsact_attach(ifindex, prog_fd);
		if (err)
			return err;
		/* The marker now names the running program. */
		unlink(path);
		return bpf_obj_pin(prog_fd, path);
	}
	fd = bpf_obj_get(path);
	if (fd < 0)
		return fd;
	err = bpf_link_update(fd, prog_fd, NULL);
	close(fd);
	return err;
}

int attach_iface(const char *links_dir, const char *ifname, enum dp_mode mode,
		 struct bpf_program *xdp, struct bpf_program *tc,
		 enum dp_mode *got, enum dp_hook *got_hook)
{
	struct bpf_program *prog = mode == DP_TC ? tc : xdp;
	int ifindex = if_nametoindex(ifname);
	int prog_fd = bpf_program__fd(prog);
	enum dp_hook hook, old;
	char path[512];
	int fd, err;

	if (!ifindex)
		return -errno;
	if (mode == DP_TC)
		attach_probe(prog_fd);
	hook = mode_hook(mode);
	old = attached_hook(links_dir, ifname);
	if (mkdir(links_dir, 0700) && errno != EEXIST)
		return -errno;
	pin_path(path, sizeof(path), links_dir, ifname, hook);

	if (old == hook) {
		/* Restart: put the new program into the existing hook. */
		err = hook_update(path, ifindex, hook, prog_fd);
		if (!err) {
			*got = mode;
			*got_hook = hook;
			return 0;
		}
		xd_warn("%s: cannot update the pinned %s %s: %s; re-attaching",
			ifname, dp_hook_name(hook), path, strerror(-err));
		remove_pinned(path, ifindex, old);
		old = HOOK_NONE;
	}

	fd = hook_create(ifindex, hook, prog_fd);
	if (fd < 0)
		return fd;
	err = bpf_obj_pin(fd, path);
	close(fd);
	if (err) {
		if (hook == HOOK_CLSACT)
			tc_clsact_detach(ifindex);
		return err;
	}
	/* The new attachment is live; only now remove one of another hook. */
	if (old != HOOK_NONE) {
		char old_path[512];

		pin_path(old_path, sizeof(old_path), links_dir, ifname, old);
		remove_pinned(old_path, ifindex, old);
	}
	*got = mode;
	*got_hook = hook;
	return 0;
}

int detach_iface(const char *links_dir, const char *ifname)
{
	enum dp_hook old = attached_hook(links_dir, ifname);
	char path[512];

	if (old == HOOK_NONE)
		return 0;
	pin_path(path, sizeof(path), links_dir, ifname, old);
	return remove_pinned(path, if_nametoindex(ifname), old);
}
