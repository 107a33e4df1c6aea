// SPDX-License-Identifier: GPL-2.0
/*
 * xdirectord -t. The same steps a start takes before it touches the system:
 * ha.cf, authkeys and haresources (ha_open), the ldirectord.cf they name,
 * the table it gives (controller_build_table) and the datapath's limits
 * (xdp_validate_table). Nothing is attached, bound or pinned.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "backend/backend.h"
#include "cfgcheck.h"
#include "controller.h"
#include "ha/ha.h"
#include "lb.h"

/* The virtual section a table service came from, for its line number. */
static const struct ld_virtual *virtual_of(const struct ld_config *cfg,
					   const struct lb_service *s)
{
	for (size_t i = 0; i < cfg->nvirtuals; i++) {
		const struct ld_virtual *v = &cfg->virtuals[i];

		if (!v->is_fwmark && !v->is_ipv6 && v->addr == s->vip &&
		    htons(v->port) == s->port && v->protocol == s->proto)
			return v;
	}
	return NULL;
}

/*
 * What the datapath would refuse: each service alone first, so that the
 * error names its virtual= line, then the whole table (totals, duplicates).
 */
static int check_table(const struct ld_config *cfg, char *err, size_t errlen)
{
	struct controller c = { .cfg = *cfg, .have_cfg = true };
	struct lb_table t;
	char why[512];
	int rc = controller_build_table(&c, &t);

	if (rc) {
		snprintf(err, errlen, "%s: %s", cfg->path, strerror(-rc));
		return rc;
	}
	for (size_t i = 0; i < t.nsvcs && !rc; i++) {
		struct lb_table one = { .svcs = &t.svcs[i], .nsvcs = 1 };
		const struct ld_virtual *v = virtual_of(cfg, &t.svcs[i]);

		rc = xdp_validate_table(&one, why, sizeof(why));
		if (rc)
			snprintf(err, errlen, "%s:%d: %s", cfg->path,
				 v ? v->line : 0, why);
	}
	if (!rc) {
		rc = xdp_validate_table(&t, why, sizeof(why));
		if (rc)
			snprintf(err, errlen, "%s: %s", cfg->path, why);
	}
	lb_table_free(&t);
	return rc;
}

static int check_ldirectord(const char *path, FILE *out)
{
	struct ld_config cfg;
	char err[1024];
	int rc = ld_config_load(path, &cfg, err, sizeof(err));

	if (rc) {
		fprintf(out, "xdirectord: %s\n", err);
		return rc;
	}
	for (size_t i = 0; i < cfg.nwarnings; i++)
		fprintf(out, "xdirectord: warning: %s\n", cfg.warnings[i]);
	rc = check_table(&cfg, err, sizeof(err));
	if (rc)
		fprintf(out, "xdirectord: %s\n", err);
	else
		fprintf(out, "xdirectord: %s: %zu virtual services, ok\n",
			path, cfg.nvirtuals);
	ld_config_free(&cfg);
	return rc;
}

int config_check(const char *cfg, const char *node, const char *rundir,
		 FILE *out)
{
	char ldcf[600], err[1024];
	struct ha *ha = NULL;
	struct stat st;
	int rc;

	if (stat(cfg, &st)) {
		fprintf(out, "xdirectord: %s: %s\n", cfg, strerror(errno));
		goto failed;
	}
	snprintf(ldcf, sizeof(ldcf), S_ISDIR(st.st_mode) ? "%s/ldirectord.cf"
		 : "%s", cfg);
	if (S_ISDIR(st.st_mode)) {
		/* ha_open reads ha.cf, authkeys and haresources, or returns
		 * no ha when ha.cf is absent (a single director). */
		rc = ha_open(&ha, cfg, node, rundir, err, sizeof(err));
		if (rc) {
			fprintf(out, "xdirectord: %s\n", err);
			goto failed;
		}
		if (ha)
			fprintf(out, "xdirectord: %s/ha.cf, authkeys, "
				"haresources: node %s, ok\n", cfg, node);
		if (ha_ldirectord_file(ha))
			snprintf(ldcf, sizeof(ldcf), "%s",
				 ha_ldirectord_file(ha));
		ha_close(ha);
	}
	if (check_ldirectord(ldcf, out))
		goto failed;
	fprintf(out, "xdirectord: configuration %s test is successful\n", cfg);
	return 0;
failed:
	fprintf(out, "xdirectord: configuration %s test failed\n", cfg);
	return 1;
}
