// SPDX-License-Identifier: GPL-2.0
/*
 * HA glue: the heartbeat sockets (one per ha.cf link, bound to its
 * device), timers, and the membership state machine's actions applied to
 * the resources.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config/authkeys.h"
#include "config/hacf.h"
#include "config/haresources.h"
#include "ha/auth.h"
#include "ha/ha.h"
#include "ha/hbmsg.h"
#include "ha/membership.h"
#include "ha/quorum.h"
#include "ha/resources.h"
#include "log.h"

struct ha_link_io {
	const struct ha_link *cfg;
	int fd;
	ev_io io;
	char name[64];		/* "bcast eth0" */
	struct ha *ha;
	size_t index;
	unsigned long rx, tx, tx_err;
	bool tx_failing;
};

struct ha {
	struct ev_loop *loop;
	char dir[256], node[64], peer[64], rundir[256];
	struct ha_config cfg;
	struct ha_resources hr;
	struct authkeys ak;
	struct ha_res res;
	struct membership m;
	struct ha_quorum q;
	struct ha_link_io links[HA_MAX_LINKS];
	size_t nlinks;
	struct replay_window replay[HA_MAX_LINKS];	/* by sender link */
	uint64_t gen, seq;
	unsigned long drops[HBMSG_ERR_MAX];
	unsigned long drop_replay, drop_node, drop_link, rx_ok, rx_own;
	ev_timer hb_timer, tick_timer;
	bool started;
	ha_role_fn role_fn;
	void *role_arg;
	ha_takeover_fn takeover_fn;
	void *takeover_arg;
	ha_table_fn table_fn;
	void *table_arg;
};

static void apply(struct ha *ha, unsigned act);
static void refresh_table(struct ha *ha);

/* --- configuration ----------------------------------------------------- */

static int file_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

int ha_open(struct ha **hap, const char *dir, const char *node,
	    const char *rundir, char *err, size_t errlen)
{
	char path[600];
	struct ha *ha;
	int rc;

	*hap = NULL;
	snprintf(path, sizeof(path), "%s/ha.cf", dir);
	if (!file_exists(path))
		return 0;
	ha = calloc(1, sizeof(*ha));
	if (!ha)
		return -ENOMEM;
	snprintf(ha->dir, sizeof(ha->dir), "%s", dir);
	snprintf(ha->node, sizeof(ha->node), "%s", node);
	snprintf(ha->rundir, sizeof(ha->rundir), "%s", rundir);
	for (size_t i = 0; i < HA_MAX_LINKS; i++)
		ha->links[i].fd = -1;
	ha->q.fd = -1;

	rc = ha_config_load(path, &ha->cfg, err, errlen);
	if (rc)
		goto fail;
	for (size_t i = 0; i < ha->cfg.nwarnings; i++)
		xd_warn("%s", ha->cfg.warnings[i]);
	if (!ha_config_has_node(&ha->cfg, node)) {
		snprintf(err, errlen, "%s: this node (%s, see -N) is not a "
			 "`node` of the cluster", path, node);
		rc = -EINVAL;
		goto fail;
	}
	if (ha->cfg.nnodes != 2) {
		snprintf(err, errlen, "%s: %zu nodes; xdirectord runs a pair "
			 "of directors (two `node` names)", path,
			 ha->cfg.nnodes);
		rc = -EINVAL;
		goto fail;
	}
	for (size_t i = 0; i < 2; i++)
		if (strcasecmp(ha->cfg.nodes[i], node))
			snprintf(ha->peer, sizeof(ha->peer), "%s",
				 ha->cfg.nodes[i]);
	if (!ha->peer[0] || strlen(node) > HBMSG_NODE_LEN ||
	    strlen(ha->peer) > HBMSG_NODE_LEN) {
		snprintf(err, errlen, "%s: node names must differ and be at "
			 "most %d characters", path, HBMSG_NODE_LEN);
		rc = -EINVAL;
		goto fail;
	}
	if (!ha->cfg.nlinks || ha->cfg.nlinks > HA_MAX_LINKS) {
		snprintf(err, errlen, "%s: %zu communication links; need 1 to "
			 "%d (bcast, mcast, ucast)", path, ha->cfg.nlinks,
			 HA_MAX_LINKS);
		rc = -EINVAL;
		goto fail;
	}

	snprintf(path, sizeof(path), "%s/authkeys", dir);
	rc = authkeys_load(path, &ha->ak, err, errlen);
	if (rc)
		goto fail;
	for (size_t i = 0; i < ha->ak.nwarnings; i++)
		xd_warn("%s", ha->ak.warnings[i]);
	if (authkeys_active(&ha->ak)->method == AUTH_CRC)
		xd_warn("%s: crc authenticates nothing: anyone on the links "
			"can take the virtual IPs", path);

	snprintf(path, sizeof(path), "%s/haresources", dir);
	rc = ha_resources_load(path, &ha->hr, err, errlen);
	if (!rc)
		rc = ha_resources_check_nodes(&ha->hr, &ha->cfg, path, err,
					      errlen);
	if (!rc)
		rc = ha_res_build(&ha->res, &ha->hr, dir, err, errlen);
	if (rc)
		goto fail;
	*hap = ha;
	return 0;
fail:
	ha_close(ha);
	return rc;
}

const char *ha_ldirectord_file(const struct ha *ha)
{
	return ha && ha->res.ldirectord[0] ? ha->res.ldirectord : NULL;
}

/* A generation above any earlier run's, so the peer's replay window
 * restarts for us: the larger of the stored one + 1 and the clock. */
static uint64_t next_generation(const char *rundir)
{
	char path[600];
	struct timespec ts;
	unsigned long long stored = 0;
	uint64_t gen;
	FILE *f;

	snprintf(path, sizeof(path), "%s/ha.generation", rundir);
	f = fopen(path, "re");
	if (f) {
		if (fscanf(f, "%llu", &stored) != 1)
			stored = 0;
		fclose(f);
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	gen = (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	if (stored + 1 > gen)
		gen = stored + 1;
	f = fopen(path, "we");
	if (f) {
		fprintf(f, "%llu\n", (unsigned long long)gen);
		fclose(f);
	} else {
		xd_warn("ha: %s: %s (generation not saved)", path,
			strerror(errno));
	}
	return gen;
}

/* --- sending ----------------------------------------------------------- */

static bool link_dest(struct ha_link_io *l, struct sockaddr_in *to)
{
	const struct ha_link *c = l->cfg;

	memset(to, 0, sizeof(*to));
	to->sin_family = AF_INET;
	to->sin_port = htons(c->port);
	if (c->kind == HA_LINK_BCAST) {
		struct ifreq ifr = { 0 };

		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", c->dev);
		if (ioctl(l->fd, SIOCGIFBRDADDR, &ifr) == 0)
			*to = *(struct sockaddr_in *)&ifr.ifr_broadaddr;
		else
			to->sin_addr.s_addr = INADDR_BROADCAST;
		to->sin_family = AF_INET;
		to->sin_port = htons(c->port);
		if (!to->sin_addr.s_addr)
			to->sin_addr.s_addr = INADDR_BROADCAST;
	} else {
		to->sin_addr.s_addr = c->addr;
	}
	return true;
}

static void send_one(struct ha *ha, struct ha_link_io *l, uint8_t type)
{
	const struct auth_key *key = authkeys_active(&ha->ak);
	struct hbmsg msg = {
		.type = type,
		.link = (uint8_t)l->index,
		.gen = ha->gen,
		.seq = ++ha->seq,
		.role = ha->m.self.role,
		.flags = (ha->m.self.hold ? HBMSG_F_HOLD : 0) |
			 (ha->m.self.pings_known ? HBMSG_F_PINGS_KNOWN : 0) |
			 (ha->m.self.handover ? HBMSG_F_HANDOVER : 0),
		.pings_up = ha->m.self.pings_up,
		.epoch = ha->m.self.epoch,
		.keepalive_ms = ha->cfg.keepalive_ms,
		.table_gen = ha->m.self.table_gen,
		.table_entries = ha->m.self.table_entries,
	};
	uint8_t buf[HBMSG_MAX_LEN];
	struct sockaddr_in to;
	int n;

	if (l->fd < 0)
		return;
	/* ha_open checked it fits. */
	memcpy(msg.node, ha->node, strnlen(ha->node, HBMSG_NODE_LEN));
	n = hbmsg_encode(&msg, key, buf, sizeof(buf));
	if (n < 0) {
		l->tx_err++;
		return;
	}
	link_dest(l, &to);
	if (sendto(l->fd, buf, n, 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
		l->tx_err++;
		if (!l->tx_failing)
			xd_warn("ha: %s: send heartbeat: %s", l->name,
				strerror(errno));
		l->tx_failing = true;
		return;
	}
	if (l->tx_failing)
		xd_info("ha: %s: sending again", l->name);
	l->tx_failing = false;
	l->tx++;
}

static void send_all(struct ha *ha, uint8_t type)
{
	for (size_t i = 0; i < ha->nlinks; i++)
		send_one(ha, &ha->links[i], type);
}

/* --- receiving --------------------------------------------------------- */

static void handle_packet(struct ha *ha, struct ha_link_io *l,
			  const uint8_t *buf, size_t len)
{
	struct ha_node_info info;
	enum hbmsg_err e;
	struct hbmsg msg;

	e = hbmsg_decode(buf, len, &ha->ak, &msg);
	if (e != HBMSG_OK) {
		if (!ha->drops[e]++)
			xd_warn("ha: %s: dropped a heartbeat packet: %s (counted "
				"from now on)", l->name, hbmsg_err_name(e));
		return;
	}
	if (!strcasecmp(msg.node, ha->node)) {
		ha->rx_own++;	/* our own broadcast, looped back */
		return;
	}
	if (strcasecmp(msg.node, ha->peer)) {
		if (!ha->drop_node++)
			xd_warn("ha: %s: heartbeat from %s, not a node of this "
				"cluster: dropped", l->name, msg.node);
		return;
	}
	if (msg.link >= HA_MAX_LINKS) {
		ha->drop_link++;
		return;
	}
	if (replay_check_and_update(&ha->replay[msg.link], msg.gen,
				    msg.seq)) {
		if (!ha->drop_replay++)
			xd_warn("ha: %s: replayed heartbeat from %s (gen %llu "
				"seq %llu): dropped", l->name, msg.node,
				(unsigned long long)msg.gen,
				(unsigned long long)msg.seq);
		return;
	}
	ha->rx_ok++;
	l->rx++;
	memset(&info, 0, sizeof(info));
	info.role = msg.role <= HA_ROLE_LEAVING ? msg.role : HA_ROLE_STANDBY;
	info.hold = msg.flags & HBMSG_F_HOLD;
	info.pings_known = msg.flags & HBMSG_F_PINGS_KNOWN;
	info.pings_up = msg.pings_up;
	info.epoch = msg.epoch;
	info.handover = msg.flags & HBMSG_F_HANDOVER;
	info.table_gen = msg.table_gen;
	info.table_entries = msg.table_entries;
	refresh_table(ha);
	apply(ha, membership_rx(&ha->m, ha_now_ms(), l->index, &info,
				msg.type == HBMSG_TAKEOVER));
}

static void link_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ha_link_io *l = w->data;
	uint8_t buf[2048];

	for (int i = 0; i < 64; i++) {
		ssize_t n = recv(l->fd, buf, sizeof(buf), 0);

		if (n < 0)
			break;
		handle_packet(l->ha, l, buf, n);
	}
}

static int link_open(struct ha *ha, struct ha_link_io *l, char *err,
		     size_t errlen)
{
	const struct ha_link *c = l->cfg;
	struct sockaddr_in sa = {
		.sin_family = AF_INET,
		.sin_port = htons(c->port),
	};
	int one = 1, prio = 6, tos = IPTOS_LOWDELAY, ifindex, rcvbuf = 4 << 20;

	ifindex = if_nametoindex(c->dev);
	if (!ifindex) {
		snprintf(err, errlen, "ha.cf:%d: %s: %s", c->line, c->dev,
			 strerror(errno));
		return -ENODEV;
	}
	l->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (l->fd < 0)
		goto sockerr;
	if (setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    setsockopt(l->fd, SOL_SOCKET, SO_BINDTODEVICE, c->dev,
		       strlen(c->dev) + 1))
		goto sockerr;
	/* A burst of junk on the link must be queued and dropped by us, not
	 * overflow the default buffer and take real heartbeats with it. Root
	 * may exceed net.core.rmem_max; others get what they can. */
	if (setsockopt(l->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
		       sizeof(rcvbuf)))
		setsockopt(l->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
			   sizeof(rcvbuf));
	/* Heartbeats must not queue behind bulk traffic. */
	setsockopt(l->fd, SOL_SOCKET, SO_PRIORITY, &prio, sizeof(prio));
	setsockopt(l->fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos));
	if (c->kind == HA_LINK_BCAST &&
	    setsockopt(l->fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)))
		goto sockerr;
	if (c->kind == HA_LINK_MCAST) {
		struct ip_mreqn mr = {
			.imr_multiaddr.s_addr = c->addr,
			.imr_ifindex = ifindex,
		};
		int ttl = c->ttl, loop = c->loop;

		if (setsockopt(l->fd, IPPROTO_IP, IP_MULTICAST_IF, &mr,
			       sizeof(mr)) ||
		    setsockopt(l->fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl,
			       sizeof(ttl)) ||
		    setsockopt(l->fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop,
			       sizeof(loop)) ||
		    setsockopt(l->fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr,
			       sizeof(mr)))
			goto sockerr;
	}
	if (bind(l->fd, (struct sockaddr *)&sa, sizeof(sa)))
		goto sockerr;
	ev_io_init(&l->io, link_read_cb, l->fd, EV_READ);
	l->io.data = l;
	ev_io_start(ha->loop, &l->io);
	return 0;
sockerr:
	snprintf(err, errlen, "ha.cf:%d: %s: %s", c->line, l->name,
		 strerror(errno));
	return -errno;
}

/* --- actions and timers ------------------------------------------------ */

static void notify_role(struct ha *ha)
{
	if (ha->role_fn)
		ha->role_fn(ha->role_arg, ha_res_sync_role(&ha->res,
				ha->m.self.role == HA_ROLE_ACTIVE));
}

static void apply(struct ha *ha, unsigned act)
{
	if (act & HA_ACT_RELEASE)
		ha_res_release(&ha->res);
	if (act & HA_ACT_ACQUIRE) {
		ha_res_acquire(&ha->res);
		/* After the addresses and their gratuitous ARPs. */
		if (ha->takeover_fn && ha->m.peer_state == HA_PEER_DEAD)
			ha->takeover_fn(ha->takeover_arg,
					(ha_now_ms() - ha->m.peer_last_ms) / 1e3);
	} else if (act & HA_ACT_ANNOUNCE)
		ha_res_announce(&ha->res);
	if (act & HA_ACT_ROLE)
		notify_role(ha);
	if (act & HA_ACT_SEND_TAKEOVER)
		send_all(ha, HBMSG_TAKEOVER);
	if (act & HA_ACT_SEND)
		send_all(ha, HBMSG_HEARTBEAT);
	/* A release is told twice: one lost packet must not cost deadtime. */
	if (act & HA_ACT_RELEASE)
		send_all(ha, HBMSG_HEARTBEAT);
}

/* The tables sync has now, for the failback handshake. */
static void refresh_table(struct ha *ha)
{
	uint64_t serving = 0, holding = 0;
	uint32_t entries = 0;

	if (!ha->started)
		return;
	if (ha->table_fn)
		ha->table_fn(ha->table_arg, &serving, &holding, &entries);
	apply(ha, membership_set_table(&ha->m, ha_now_ms(), serving, holding,
				       entries));
}

static void hb_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	send_all(w->data, HBMSG_HEARTBEAT);
}

static void tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct ha *ha = w->data;

	refresh_table(ha);
	apply(ha, membership_tick(&ha->m, ha_now_ms()));
}

static void pings_cb(void *arg, bool known, unsigned up)
{
	struct ha *ha = arg;

	apply(ha, membership_set_pings(&ha->m, ha_now_ms(), known, up));
}

int ha_start(struct ha *ha, struct ev_loop *loop, char *err, size_t errlen)
{
	struct membership_cfg mc = {
		.keepalive_ms = ha->cfg.keepalive_ms,
		.warntime_ms = ha->cfg.warntime_ms,
		.deadtime_ms = ha->cfg.deadtime_ms,
		.initdead_ms = ha->cfg.initdead_ms,
		.auto_failback = ha->cfg.auto_failback,
		.self = ha->node,
		.peer = ha->peer,
		.nlinks = ha->cfg.nlinks,
		.nping_groups = ha->cfg.npings,
	};
	double tick;
	int rc;

	ha->loop = loop;
	rc = ha_res_open(&ha->res, loop, err, errlen);
	if (rc)
		return rc;
	mc.self_preferred = ha->res.preferred &&
			    !strcasecmp(ha->res.preferred, ha->node);
	mc.peer_preferred = ha->res.preferred &&
			    !strcasecmp(ha->res.preferred, ha->peer);
	ha->gen = next_generation(ha->rundir);
	for (size_t i = 0; i < HA_MAX_LINKS; i++)
		replay_init(&ha->replay[i]);
	ha->nlinks = ha->cfg.nlinks;
	for (size_t i = 0; i < ha->nlinks; i++) {
		struct ha_link_io *l = &ha->links[i];
		const struct ha_link *c = &ha->cfg.links[i];
		char a[INET_ADDRSTRLEN];

		l->cfg = c;
		l->ha = ha;
		l->index = i;
		inet_ntop(AF_INET, &c->addr, a, sizeof(a));
		snprintf(l->name, sizeof(l->name), "%s %s%s%s",
			 c->kind == HA_LINK_BCAST ? "bcast" :
			 c->kind == HA_LINK_MCAST ? "mcast" : "ucast", c->dev,
			 c->kind == HA_LINK_BCAST ? "" : " ",
			 c->kind == HA_LINK_BCAST ? "" : a);
		rc = link_open(ha, l, err, errlen);
		if (rc)
			return rc;
	}
	membership_init(&ha->m, &mc, ha_now_ms());
	rc = quorum_start(&ha->q, loop, &ha->cfg, pings_cb, ha);
	if (rc) {
		snprintf(err, errlen, "ha: ping nodes: %s", strerror(-rc));
		return rc;
	}
	ev_timer_init(&ha->hb_timer, hb_cb, 0, ha->cfg.keepalive_ms / 1000.0);
	ha->hb_timer.data = ha;
	ev_timer_start(loop, &ha->hb_timer);
	tick = ha->cfg.keepalive_ms / 4000.0;
	if (tick > 0.05)
		tick = 0.05;
	if (tick < 0.005)
		tick = 0.005;
	ev_timer_init(&ha->tick_timer, tick_cb, tick, tick);
	ha->tick_timer.data = ha;
	ev_timer_start(loop, &ha->tick_timer);
	ha->started = true;
	xd_info("ha: node %s, peer %s, %zu link(s), keepalive %u ms, deadtime "
		"%u ms, initdead %u ms, auto_failback %s, preferred %s",
		ha->node, ha->peer, ha->nlinks, ha->cfg.keepalive_ms,
		ha->cfg.deadtime_ms, ha->cfg.initdead_ms,
		ha->cfg.auto_failback ? "on" : "off",
		ha->res.preferred ? ha->res.preferred : "none");
	return 0;
}

void ha_shutdown(struct ha *ha)
{
	unsigned act;

	if (!ha || !ha->started)
		return;
	act = membership_leave(&ha->m, ha_now_ms());
	apply(ha, act);
	/* The loop has stopped: say goodbye a few more times directly. */
	for (int i = 0; i < 2; i++) {
		usleep(10000);
		send_all(ha, HBMSG_HEARTBEAT);
	}
	xd_info("ha: resources released, %s told", ha->peer);
}

void ha_close(struct ha *ha)
{
	if (!ha)
		return;
	if (ha->started) {
		ev_timer_stop(ha->loop, &ha->hb_timer);
		ev_timer_stop(ha->loop, &ha->tick_timer);
	}
	quorum_stop(&ha->q);
	for (size_t i = 0; i < HA_MAX_LINKS; i++) {
		if (ha->links[i].fd < 0)
			continue;
		ev_io_stop(ha->loop, &ha->links[i].io);
		close(ha->links[i].fd);
	}
	ha_res_free(&ha->res);
	ha_resources_free(&ha->hr);
	authkeys_free(&ha->ak);
	ha_config_free(&ha->cfg);
	free(ha);
}

/* --- operator commands and status -------------------------------------- */

int ha_standby(struct ha *ha, char *err, size_t errlen)
{
	unsigned act;
	int rc;

	refresh_table(ha);
	rc = membership_standby(&ha->m, ha_now_ms(), &act);

	if (rc == -EALREADY)
		snprintf(err, errlen, "not active: nothing to give up");
	else if (rc == -EAGAIN)
		snprintf(err, errlen, "peer %s is %s: refusing to leave the "
			 "resources unowned", ha->peer,
			 ha_peer_state_name(ha->m.peer_state));
	if (rc)
		return rc;
	apply(ha, act);
	return 0;
}

int ha_takeover(struct ha *ha, char *err, size_t errlen)
{
	unsigned act;
	int rc = membership_takeover(&ha->m, ha_now_ms(), &act);

	if (rc == -EALREADY)
		snprintf(err, errlen, "already active");
	else if (rc == -ENETUNREACH)
		snprintf(err, errlen, "no ping node reachable: not taking "
			 "over");
	else if (rc)
		snprintf(err, errlen, "%s", strerror(-rc));
	if (rc)
		return rc;
	apply(ha, act);
	return 0;
}

void ha_on_role_change(struct ha *ha, ha_role_fn fn, void *arg)
{
	ha->role_fn = fn;
	ha->role_arg = arg;
	notify_role(ha);
}

void ha_on_takeover_from_dead(struct ha *ha, ha_takeover_fn fn, void *arg)
{
	ha->takeover_fn = fn;
	ha->takeover_arg = arg;
}

void ha_on_table(struct ha *ha, ha_table_fn fn, void *arg)
{
	ha->table_fn = fn;
	ha->table_arg = arg;
}

/* The failback handshake: "giving" on the active node waiting for the
 * peer's table, "taking" on the standby the peer waits for. */
static json_t *handover_json(const struct membership *m, uint64_t now)
{
	const struct ha_handover *h = &m->ho;
	bool active = m->self.role == HA_ROLE_ACTIVE;

	return json_pack("{s:s, s:s, s:s, s:I, s:i, s:i, s:i,"
			 " s:{s:I, s:I, s:i, s:I, s:i}}",
		"state", !h->pending ? "none" : h->expired ? "postponed" :
			 "waiting",
		"direction", !h->pending ? "" : active ? "giving" : "taking",
		"reason", h->pending && h->why ? h->why : "",
		"waiting_ms", (json_int_t)(h->pending ? now - h->started_ms : 0),
		"wait_ms", (int)(m->cfg.table_wait_ms ? m->cfg.table_wait_ms :
				 HA_TABLE_WAIT_MS),
		"waits_expired", (int)h->waits_expired,
		"completed", (int)h->done,
		"table", "serving_generation", (json_int_t)m->serve_gen,
		"holding_generation", (json_int_t)m->self.table_gen,
		"holding_entries", (int)m->self.table_entries,
		"peer_holding_generation", (json_int_t)(m->peer_state ==
			HA_PEER_UP ? m->peer.table_gen : 0),
		"peer_holding_entries", (int)(m->peer_state == HA_PEER_UP ?
			m->peer.table_entries : 0));
}

json_t *ha_status_json(struct ha *ha)
{
	uint64_t now = ha_now_ms();
	const struct membership *m = &ha->m;
	json_t *links = json_array(), *drops, *pings = json_array();

	for (size_t i = 0; i < ha->nlinks; i++) {
		const struct ha_link_io *l = &ha->links[i];
		const struct ha_link_state *s = &m->links[i];

		json_array_append_new(links, json_pack(
			"{s:s, s:s, s:I, s:I, s:I, s:I}", "link", l->name,
			"state", !s->ever ? "never" : s->up ? "up" : "down",
			"last_heartbeat_ms_ago",
			(json_int_t)(s->ever ? (int64_t)(now - s->last_rx_ms) : -1),
			"rx", (json_int_t)l->rx, "tx", (json_int_t)l->tx,
			"tx_errors", (json_int_t)l->tx_err));
	}
	drops = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}",
			  "truncated", (json_int_t)ha->drops[HBMSG_ERR_SHORT],
			  "bad_format", (json_int_t)(ha->drops[HBMSG_ERR_FORMAT] +
						      ha->drop_link),
			  "unknown_key", (json_int_t)ha->drops[HBMSG_ERR_KEY],
			  "bad_auth", (json_int_t)ha->drops[HBMSG_ERR_AUTH],
			  "replayed", (json_int_t)ha->drop_replay,
			  "unknown_node", (json_int_t)ha->drop_node);
	for (size_t g = 0; g < ha->cfg.npings; g++)
		json_array_append_new(pings, json_pack("{s:s, s:b}",
			"name", ha->cfg.pings[g].name, "up",
			ha->q.group_up && ha->q.group_up[g]));
	return json_pack("{s:b, s:s, s:s, s:s, s:I, s:b, s:i, s:s, s:s, s:I,"
			 " s:b, s:b, s:s, s:{s:i, s:i, s:i, s:i}, s:o, s:o,"
			 " s:I, s:I, s:b, s:i, s:o, s:o, s:I, s:I, s:o}",
		"enabled", 1, "node", ha->node, "peer", ha->peer,
		"role", ha_role_name(m->self.role),
		"role_since_ms_ago", (json_int_t)(now - m->role_since_ms),
		"hold", m->self.hold, "epoch", (int)m->self.epoch,
		"peer_state", ha_peer_state_name(m->peer_state),
		"peer_role", m->peer_state == HA_PEER_UP ||
			     m->peer_state == HA_PEER_GONE ?
			     ha_role_name(m->peer.role) : "unknown",
		"peer_last_heartbeat_ms_ago", (json_int_t)(m->peer_last_ms ?
			(int64_t)(now - m->peer_last_ms) : -1),
		"auto_failback", ha->cfg.auto_failback,
		"preferred", m->cfg.self_preferred,
		"preferred_node", ha->res.preferred ? ha->res.preferred : "",
		"timers", "keepalive_ms", (int)ha->cfg.keepalive_ms,
		"warntime_ms", (int)ha->cfg.warntime_ms,
		"deadtime_ms", (int)ha->cfg.deadtime_ms,
		"initdead_ms", (int)ha->cfg.initdead_ms,
		"links", links, "dropped", drops,
		"rx_ok", (json_int_t)ha->rx_ok,
		"generation", (json_int_t)ha->gen,
		"quorum", membership_quorum(m), "pings_up", (int)m->self.pings_up,
		"pings", pings, "resources", ha_res_json(&ha->res),
		"takeovers", (json_int_t)m->takeovers,
		"releases", (json_int_t)m->releases,
		"handover", handover_json(m, now));
}
