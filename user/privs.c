// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "privs.h"

static const cap_value_t kept[] = {
	CAP_NET_ADMIN, CAP_NET_RAW, CAP_NET_BIND_SERVICE, CAP_BPF, CAP_PERFMON,
	CAP_SYS_MODULE,		/* last: only with modules */
};

static size_t nkept(bool modules)
{
	return sizeof(kept) / sizeof(kept[0]) - !modules;
}

static bool is_kept(cap_value_t c, bool modules)
{
	for (size_t i = 0; i < nkept(modules); i++)
		if (kept[i] == c)
			return true;
	return false;
}

const char *privs_kept(bool modules)
{
	return modules ? "cap_net_admin,cap_net_raw,cap_net_bind_service,"
			 "cap_bpf,cap_perfmon,cap_sys_module" :
			 "cap_net_admin,cap_net_raw,cap_net_bind_service,"
			 "cap_bpf,cap_perfmon";
}

int privs_drop(bool modules, char *err, size_t errlen)
{
	cap_t caps;
	int rc = 0;

	/* The bounding set first: dropping from it takes CAP_SETPCAP, which
	 * the next step gives up. */
	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++) {
		if (is_kept(c, modules) || !CAP_IS_SUPPORTED(c))
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) && errno != EINVAL) {
			rc = -errno;
			snprintf(err, errlen, "drop %s from the bounding set: %s",
				 cap_to_name(c), strerror(errno));
			return rc;
		}
	}
	caps = cap_init();	/* all clear */
	if (!caps ||
	    cap_set_flag(caps, CAP_EFFECTIVE, (int)nkept(modules), kept, CAP_SET) ||
	    cap_set_flag(caps, CAP_PERMITTED, (int)nkept(modules), kept, CAP_SET) ||
	    cap_set_proc(caps)) {
		rc = -errno;
		snprintf(err, errlen, "keep only %s: %s", privs_kept(modules),
			 strerror(errno));
	}
	cap_free(caps);
	if (rc)
		return rc;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		rc = -errno;
		snprintf(err, errlen, "set no_new_privs: %s", strerror(errno));
	}
	return rc;
}
