/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xdirectord -t: check a configuration as a start would, as nginx -t does,
 * without attaching, binding or changing anything.
 */
#ifndef XD_CFGCHECK_H
#define XD_CFGCHECK_H

#include <stdio.h>

/*
 * cfg: the configuration directory (ldirectord.cf, and ha.cf, haresources,
 * authkeys when ha.cf is there) or an ldirectord.cf file. node: this
 * director's name, as -N. Writes one line per file checked, each error as
 * "file:line: why" and a last line saying whether the test passed, all on
 * out. Returns 0 when a start with this configuration would get past
 * reading and planning it, 1 otherwise.
 */
int config_check(const char *cfg, const char *node, const char *rundir,
		 FILE *out);

#endif
