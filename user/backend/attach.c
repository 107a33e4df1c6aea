// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "attach.h"
#include "log.h"
#include "netif.h"

/* Newer than this system's uapi headers (kernel 6.6 and later). */
#define XD_BPF_TCX_INGRESS	46

/* Pin file suffix per mode. The clsact fallback (kernels before tcx) is
 * not a link and has no pin; BPF_TC_F_REPLACE makes re-attaching safe. */
static const char *const pin_suffix[] = {
	[DP_XDP] = "xdp",
	[DP_XDP_GENERIC] = "xdpgeneric",
	[DP_TC] = "tc",
};

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
		     const char *ifname, enum dp_mode mode)
{
	char name[IF_NAMESIZE];

	snprintf(name, sizeof(name), "%s", ifname);
	for (char *p = name; *p; p++)
		if (*p == '.')
			*p = '+';
	snprintf(buf, len, "%s/%s_%s", dir, pin_suffix[mode], name);
}

enum dp_mode attached_mode(const char *links_dir, const char *ifname)
{
	char path[512];

	for (int m = DP_XDP; m <= DP_TC; m++) {
		pin_path(path, sizeof(path), links_dir, ifname, m);
		if (access(path, F_OK) == 0)
			return m;
	}
	return DP_AUTO;
}

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

/* Create a fresh link for mode; returns its fd, or -errno. For TC on a
 * kernel without tcx, falls back to clsact and returns 0 (no link). */
static int link_create(int ifindex, const char *ifname, enum dp_mode mode,
		       int prog_fd)
{
	DECLARE_LIBBPF_OPTS(bpf_link_create_opts, opts);
	int fd;

	switch (mode) {
	case DP_XDP:
		opts.flags = XDP_FLAGS_DRV_MODE;
		return bpf_link_create(prog_fd, ifindex, BPF_XDP, &opts);
	case DP_XDP_GENERIC:
		opts.flags = XDP_FLAGS_SKB_MODE;
		return bpf_link_create(prog_fd, ifindex, BPF_XDP, &opts);
	case DP_TC:
		fd = bpf_link_create(prog_fd, ifindex, XD_BPF_TCX_INGRESS, NULL);
		if (fd >= 0 || (fd != -EINVAL && fd != -EOPNOTSUPP))
			return fd;
		xd_warn("%s: tcx links unsupported by this kernel (%s); "
			"attaching through clsact", ifname, strerror(-fd));
		fd = tc_clsact_attach(ifindex, prog_fd);
		return fd < 0 ? fd : 0;
	default:
		return -EINVAL;
	}
}

static int remove_pinned(const char *path, int ifindex, enum dp_mode mode)
{
	struct stat st;
	int fd;

	if (stat(path, &st))
		return -errno;
	fd = bpf_obj_get(path);
	if (fd >= 0) {
		bpf_link_detach(fd);
		close(fd);
	}
	if (unlink(path))
		return -errno;
	return 0;
}

int attach_iface(const char *links_dir, const char *ifname, enum dp_mode mode,
		 struct bpf_program *xdp, struct bpf_program *tc,
		 enum dp_mode *got)
{
	struct bpf_program *prog = mode == DP_TC ? tc : xdp;
	int ifindex = if_nametoindex(ifname);
	int prog_fd = bpf_program__fd(prog);
	enum dp_mode old = attached_mode(links_dir, ifname);
	char path[512];
	int fd, err;

	if (!ifindex)
		return -errno;
	if (mkdir(links_dir, 0700) && errno != EEXIST)
		return -errno;
	pin_path(path, sizeof(path), links_dir, ifname, mode);

	if (old == mode) {
		/* Restart: put the new program into the existing link. */
		fd = bpf_obj_get(path);
		if (fd >= 0) {
			err = bpf_link_update(fd, prog_fd, NULL);
			close(fd);
			if (!err) {
				*got = mode;
				return 0;
			}
			xd_warn("%s: cannot update pinned link %s: %s; re-attaching",
				ifname, path, strerror(-err));
		}
		remove_pinned(path, ifindex, old);
		old = DP_AUTO;
	}

	fd = link_create(ifindex, ifname, mode, prog_fd);
	if (fd < 0)
		return fd;
	if (fd > 0) {
		err = bpf_obj_pin(fd, path);
		close(fd);
		if (err)
			return err;
	}
	/* The new attachment is live; only now remove one of another mode. */
	if (old != DP_AUTO) {
		char old_path[512];

		pin_path(old_path, sizeof(old_path), links_dir, ifname, old);
		remove_pinned(old_path, ifindex, old);
	}
	*got = mode;
	return 0;
}

int detach_iface(const char *links_dir, const char *ifname)
{
	enum dp_mode old = attached_mode(links_dir, ifname);
	int ifindex = if_nametoindex(ifname);
	char path[512];

	if (old == DP_AUTO) {
		/* Possibly a clsact attachment (no link to pin) */
		if (ifindex)
			tc_clsact_detach(ifindex);
		return 0;
	}
	pin_path(path, sizeof(path), links_dir, ifname, old);
	return remove_pinned(path, ifindex, old);
}
