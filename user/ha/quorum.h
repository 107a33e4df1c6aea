/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ha.cf's ping nodes and ping groups: each is echoed every keepalive; a
 * group is up while one of its addresses answered within deadping. The
 * count of up groups is the node's connectivity, compared with the
 * peer's so a director that lost its uplink does not take over.
 */
#ifndef XD_HA_QUORUM_H
#define XD_HA_QUORUM_H

#include <stdbool.h>
#include <stdint.h>
#include <ev.h>

struct ha_config;

typedef void (*quorum_cb)(void *arg, bool known, unsigned up);

struct ha_quorum {
	struct ev_loop *loop;
	const struct ha_config *cfg;
	int fd;
	ev_io io;
	ev_timer timer;
	uint16_t id, seq;
	uint64_t start_ms;
	uint64_t *last_reply;	/* per address, groups flattened */
	size_t naddrs;
	bool *group_up;
	bool known;
	unsigned up;
	quorum_cb cb;
	void *arg;
};

/* No-op (up = 0, known) when cfg has no ping nodes. */
int quorum_start(struct ha_quorum *q, struct ev_loop *loop,
		 const struct ha_config *cfg, quorum_cb cb, void *arg);
void quorum_stop(struct ha_quorum *q);

uint64_t ha_now_ms(void);

#endif
