/* SPDX-License-Identifier: GPL-2.0 */
/*
 * heartbeat's ha.cf, read unchanged: timing, communication links, cluster
 * nodes, ping nodes and logging. Directives heartbeat knows but xdirectord
 * does not implement are accepted with a file:line warning; unknown ones
 * are errors.
 */
#ifndef XD_CONFIG_HACF_H
#define XD_CONFIG_HACF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* heartbeat's documented defaults */
#define HA_DEFAULT_KEEPALIVE_MS	2000
#define HA_DEFAULT_DEADTIME_MS	30000
#define HA_DEFAULT_UDPPORT	694

#define HA_IFNAMSIZ		16

struct ha_link {
	enum { HA_LINK_BCAST, HA_LINK_MCAST, HA_LINK_UCAST } kind;
	char dev[HA_IFNAMSIZ];
	uint32_t addr;		/* ucast peer or mcast group, network order */
	uint16_t port;		/* host order; udpport for bcast/ucast */
	uint8_t ttl;		/* mcast only */
	bool loop;		/* mcast only */
	int line;
};

/* A ping node (`ping ip`, named by its address) or a `ping_group`. */
struct ha_ping_group {
	char *name;
	uint32_t *addrs;	/* network order */
	size_t naddrs;
	int line;
};

struct ha_config {
	uint32_t keepalive_ms;
	uint32_t warntime_ms;
	uint32_t deadtime_ms;
	uint32_t initdead_ms;
	uint32_t deadping_ms;	/* ping nodes; deadtime unless set */
	uint16_t udpport;
	bool auto_failback;

	char **nodes;
	size_t nnodes;

	struct ha_link *links;
	size_t nlinks;

	struct ha_ping_group *pings;
	size_t npings;

	char *logfile;		/* NULL when not set */
	char *debugfile;
	int logfacility;	/* LOG_* facility; -1 when unset or "none" */
	bool use_logd;
	int debug;		/* heartbeat debug level, 0 when off */

	char **warnings;	/* "file:line: ..." messages for the operator */
	size_t nwarnings;
};

/*
 * Parse and validate a whole ha.cf. On success *cfg owns the result; on
 * failure *cfg is left empty (safe to ha_config_free) and err holds
 * "file:line: what is wrong". Returns 0 or a negative errno.
 */
int ha_config_load(const char *path, struct ha_config *cfg,
		   char *err, size_t errlen);
/* name is used in messages in place of a file name. */
int ha_config_parse_string(const char *name, const char *text,
			   struct ha_config *cfg, char *err, size_t errlen);
void ha_config_free(struct ha_config *cfg);

/* true if name is one of cfg's nodes (heartbeat compares case-blind). */
bool ha_config_has_node(const struct ha_config *cfg, const char *name);

#endif
