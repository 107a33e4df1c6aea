// SPDX-License-Identifier: GPL-2.0
/*
 * Sync in xdirectord: read authkeys and ha.cf from the configuration
 * directory, open the module, and arbitrate between membership's roles
 * and the operator's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <arpa/inet.h>

#include "log.h"
#include "sync/sync_int.h"

void sync_ha_role_cb(void *arg, int role)
{
	struct sync *s = arg;

	if (role < SYNC_NONE || role > SYNC_BACKUP)
		return;
	s->ha_role = role;
	if (s->pinned) {
		xd_info("sync: membership says %s; role pinned to %s by the "
			"operator", sync_role_name(role), sync_role_name(s->role));
		return;
	}
	sync_set_role(s, role);
}

void sync_ha_table_cb(void *arg, uint64_t *serving, uint64_t *holding,
		      uint32_t *entries)
{
	struct sync *s = arg;

	*serving = s->role == SYNC_MASTER ? s->gen : 0;
	*holding = 0;
	*entries = 0;
	if (s->role == SYNC_BACKUP && s->bb == BB_DONE) {
		*holding = s->bb_table_gen;
		*entries = s->st.last_bulk_entries > UINT32_MAX ? UINT32_MAX :
			   (uint32_t)s->st.last_bulk_entries;
	}
}

int sync_set_role_manual(struct sync *s, const char *name)
{
	enum sync_role role;

	if (!strcmp(name, "auto")) {
		s->pinned = false;
		return sync_set_role(s, s->ha_role);
	}
	if (sync_role_parse(name, &role))
		return -EINVAL;
	s->pinned = true;
	return sync_set_role(s, role);
}

static bool file_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

int sync_daemon_open(struct sync **out, struct ev_loop *loop,
		     struct backend *b, const char *cfg_dir, const char *node,
		     const struct sync_cli *cli, char *err, size_t errlen)
{
	struct sync_opts o = { .node = node, .dev = cli->dev,
			       .port = (uint16_t)cli->port,
			       .refresh_s = cli->refresh_s,
			       .seal = cli->seal };
	struct ha_config hacf = { 0 };
	struct authkeys ak = { 0 };
	char path[512];
	enum sync_role role = SYNC_NONE;
	bool have_hacf = false;
	const char *delay;
	struct stat st;
	int rc = 0;

	*out = NULL;
	if (cli->role && sync_role_parse(cli->role, &role)) {
		snprintf(err, errlen, "--sync-role %s: expected master, backup "
			 "or none", cli->role);
		return -EINVAL;
	}
	if (cli->peer && inet_pton(AF_INET, cli->peer, &o.peer) != 1) {
		snprintf(err, errlen, "--sync-peer %s: expected an IPv4 address",
			 cli->peer);
		return -EINVAL;
	}
	if (cli->port > 65535) {
		snprintf(err, errlen, "--sync-port %u: expected 1 to 65535",
			 cli->port);
		return -EINVAL;
	}
	delay = getenv("XD_TEST_BULK_DELAY_MS");
	if (delay && *delay) {
		char *end;
		unsigned long ms = strtoul(delay, &end, 10);

		if (*end || ms > 600000) {
			snprintf(err, errlen, "XD_TEST_BULK_DELAY_MS=%s: "
				 "expected 0 to 600000 (ms)", delay);
			return -EINVAL;
		}
		o.test_bulk_delay_ms = (uint32_t)ms;
	}
	snprintf(path, sizeof(path), "%s/authkeys", cfg_dir);
	if (stat(cfg_dir, &st) || !S_ISDIR(st.st_mode) || !file_exists(path)) {
		if (!cli->role)
			return 0;	/* no cluster, no sync */
		snprintf(err, errlen, "%s: sync needs the cluster key "
			 "(--sync-role was given)", path);
		return -ENOENT;
	}
	rc = authkeys_load(path, &ak, err, errlen);
	if (rc)
		return rc;
	snprintf(path, sizeof(path), "%s/ha.cf", cfg_dir);
	if (file_exists(path)) {
		rc = ha_config_load(path, &hacf, err, errlen);
		if (rc)
			goto out;
		have_hacf = true;
		o.hacf = &hacf;
	}
	o.keys = &ak;
	*out = sync_new(loop, b, &o);
	if (!*out) {
		snprintf(err, errlen, "sync: cannot start (see above)");
		rc = -EIO;
		goto out;
	}
	if (cli->role) {
		(*out)->pinned = true;
		sync_set_role(*out, role);
	}
out:
	if (have_hacf)
		ha_config_free(&hacf);
	authkeys_free(&ak);
	return rc;
}
