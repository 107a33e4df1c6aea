// SPDX-License-Identifier: GPL-2.0
/*
 * The test topology (drawn in harness.h), built in a private network and
 * mount namespace so nothing leaks to the host: veth pairs rather than
 * dummy devices, because dummy is NOARP and we want neighbour entries
 * with MACs of our choosing.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <bpf/libbpf.h>

#include "harness.h"

const uint8_t mac_ext[6] = { 0x02, 0x00, 0x00, 0x00, 0xe0, 0x01 };
const uint8_t mac_int[6] = { 0x02, 0x00, 0x00, 0x00, 0x10, 0x01 };
const uint8_t mac_int_peer[6] = { 0x02, 0x00, 0x00, 0x00, 0x10, 0x02 };
const uint8_t mac_client[6] = { 0x02, 0x00, 0x00, 0x00, 0xc1, 0x10 };
static const uint8_t mac_real_ext[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x50 };
static const uint8_t mac_real[3][6] = {
	{ 0x02, 0x00, 0x00, 0x00, 0x00, 0x11 },
	{ 0x02, 0x00, 0x00, 0x00, 0x00, 0x12 },
	{ 0x02, 0x00, 0x00, 0x00, 0x00, 0x13 },
};

struct test_env env;

static const char *const setup_cmds[] = {
	"ip link set lo up",
	"ip link add ext0 address 02:00:00:00:e0:01 type veth "
		"peer name ext0p address 02:00:00:00:e0:02",
	"ip link add int0 address 02:00:00:00:10:01 type veth "
		"peer name int0p address 02:00:00:00:10:02",
	"ip addr add 192.168.10.2/24 dev ext0",
	"ip addr add " VIP "/24 dev ext0",
	"ip addr add 10.0.0.1/24 dev int0",
	"ip link set ext0 up",
	"ip link set ext0p up",
	"ip link set int0 up",
	"ip link set int0p up",
	"ip neigh replace " CLIENT " lladdr 02:00:00:00:c1:10 dev ext0 nud permanent",
	"ip neigh replace " REAL_EXT " lladdr 02:00:00:00:00:50 dev ext0 nud permanent",
	"ip neigh replace " REAL1 " lladdr 02:00:00:00:00:11 dev int0 nud permanent",
	"ip neigh replace " REAL2 " lladdr 02:00:00:00:00:12 dev int0 nud permanent",
	"ip neigh replace " REAL3 " lladdr 02:00:00:00:00:13 dev int0 nud permanent",
};

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY), rc = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

const uint8_t *neigh_mac(const char *addr)
{
	if (!strcmp(addr, REAL1))
		return mac_real[0];
	if (!strcmp(addr, REAL2))
		return mac_real[1];
	if (!strcmp(addr, REAL3))
		return mac_real[2];
	if (!strcmp(addr, REAL_EXT))
		return mac_real_ext;
	if (!strcmp(addr, CLIENT))
		return mac_client;
	return NULL;
}

int env_init(void)
{
	char cmd[256];
	int rc;

	if (unshare(CLONE_NEWNET | CLONE_NEWNS)) {
		rc = -errno;
		fprintf(stderr, "# unshare(net, mount): %s (run as root)\n",
			strerror(errno));
		return rc;
	}
	/* Our bpffs mount must not propagate to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
		rc = -errno;
		fprintf(stderr, "# make mounts private: %s\n", strerror(errno));
		return rc;
	}
	/* No IPv6 chatter (DAD, router solicitations) on the veths. */
	write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
	for (size_t i = 0; i < sizeof(setup_cmds) / sizeof(setup_cmds[0]); i++) {
		snprintf(cmd, sizeof(cmd), "%s >/dev/null", setup_cmds[i]);
		if (system(cmd)) {
			fprintf(stderr, "# topology: '%s' failed\n", setup_cmds[i]);
			return -EIO;
		}
	}
	/* bpf_fib_lookup answers FWD_DISABLED unless forwarding is on. */
	if ((rc = write_file("/proc/sys/net/ipv4/ip_forward", "1")) ||
	    (rc = write_file("/proc/sys/net/ipv4/conf/all/forwarding", "1"))) {
		fprintf(stderr, "# enable forwarding: %s\n", strerror(-rc));
		return rc;
	}
	env.ext_ifindex = if_nametoindex("ext0");
	env.int_ifindex = if_nametoindex("int0");
	if (!env.ext_ifindex || !env.int_ifindex)
		return -ENODEV;

	snprintf(env.bpffs, sizeof(env.bpffs), "/tmp/xd-bpftest.XXXXXX");
	if (!mkdtemp(env.bpffs)) {
		rc = -errno;
		fprintf(stderr, "# mkdtemp: %s\n", strerror(errno));
		return rc;
	}
	if (mount("bpf", env.bpffs, "bpf", 0, NULL)) {
		rc = -errno;
		fprintf(stderr, "# mount bpffs on %s: %s\n", env.bpffs,
			strerror(errno));
		rmdir(env.bpffs);
		env.bpffs[0] = 0;
		return rc;
	}
	env.ncpus = libbpf_num_possible_cpus();
	return env.ncpus > 0 ? 0 : -EINVAL;
}

void env_fini(void)
{
	if (!env.bpffs[0])
		return;
	umount2(env.bpffs, MNT_DETACH);
	rmdir(env.bpffs);
	env.bpffs[0] = 0;
}
