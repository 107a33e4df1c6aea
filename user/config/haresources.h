/* SPDX-License-Identifier: GPL-2.0 */
/*
 * heartbeat v1 haresources, read unchanged. Each line (a trailing '\'
 * continues it) is a resource group: the preferred node, then resources
 * in start order. xdirectord runs the agents an LVS director pair uses:
 * IPaddr / IPaddr2 (a bare address means IPaddr), ldirectord and
 * LVSSyncDaemonSwap. Any other agent is an error.
 */
#ifndef XD_CONFIG_HARESOURCES_H
#define XD_CONFIG_HARESOURCES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ha_config;

enum ha_resource_kind {
	HA_RES_IPADDR,		/* IPaddr, IPaddr2 or a bare address */
	HA_RES_LDIRECTORD,
	HA_RES_LVSSYNC,
};

struct ha_resource {
	enum ha_resource_kind kind;
	uint32_t addr;		/* network order */
	uint8_t prefix;		/* 0: derive from the route to addr */
	char dev[16];		/* "" : derive from the route to addr */
	uint32_t broadcast;	/* network order, 0 when not given */
	char *arg;		/* ldirectord: config file as written, NULL
				 * for the default; LVSSync: "master" or
				 * "backup"; IPaddr: the agent name */
	int line;
};

struct ha_group {
	char *node;		/* preferred node */
	struct ha_resource *res;
	size_t nres;
	int line;
};

struct ha_resources {
	struct ha_group *groups;
	size_t ngroups;
};

/*
 * Parse a whole haresources. On failure *res is left empty and err holds
 * "file:line: what is wrong". Returns 0 or a negative errno.
 */
int ha_resources_load(const char *path, struct ha_resources *res,
		      char *err, size_t errlen);
int ha_resources_parse_string(const char *name, const char *text,
			      struct ha_resources *res,
			      char *err, size_t errlen);
void ha_resources_free(struct ha_resources *res);

/* Each group's node must be a `node` of ha.cf, as heartbeat requires. */
int ha_resources_check_nodes(const struct ha_resources *res,
			     const struct ha_config *cfg, const char *name,
			     char *err, size_t errlen);

#endif
