// SPDX-License-Identifier: GPL-2.0
/*
 * haresources parser: the LVS seed group, every IPaddr form, line
 * continuation, and errors naming the agent or field with file:line.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "config/hacf.h"
#include "config/haresources.h"
#include "test_util.h"

static void parse_ok(const char *text, struct ha_resources *r)
{
	char err[512];
	int rc = ha_resources_parse_string("hr", text, r, err, sizeof(err));

	if (rc)
		fail_msg("parse failed: %s", err);
}

static void expect_error(const char *text, const char *want)
{
	struct ha_resources r;
	char err[512];
	int rc = ha_resources_parse_string("hr", text, &r, err, sizeof(err));

	if (rc == 0 || !strstr(err, want))
		fail_msg("parse of:\n%s\nrc=%d err='%s', wanted '%s'",
			 text, rc, err, want);
	assert_null(r.groups);
	assert_int_equal(r.ngroups, 0);
}

static void test_lvs_seed(void **state)
{
	struct ha_resources r;
	struct ha_group *g;
	char err[512];

	assert_int_equal(ha_resources_load(test_data("ha", "haresources"), &r,
					   err, sizeof(err)), 0);
	assert_int_equal(r.ngroups, 1);
	g = &r.groups[0];
	assert_string_equal(g->node, "director1");
	assert_int_equal(g->line, 2);
	assert_int_equal(g->nres, 4);

	assert_int_equal(g->res[0].kind, HA_RES_IPADDR);
	assert_int_equal(g->res[0].addr, ip("192.168.10.100"));
	assert_int_equal(g->res[0].prefix, 24);
	assert_string_equal(g->res[0].dev, "eth0");
	assert_int_equal(g->res[0].broadcast, 0);
	assert_string_equal(g->res[0].arg, "IPaddr2");

	assert_int_equal(g->res[1].kind, HA_RES_IPADDR);
	assert_int_equal(g->res[1].addr, ip("10.0.0.1"));
	assert_int_equal(g->res[1].prefix, 24);
	assert_string_equal(g->res[1].dev, "eth1");

	assert_int_equal(g->res[2].kind, HA_RES_LDIRECTORD);
	assert_string_equal(g->res[2].arg, "ldirectord.cf");

	assert_int_equal(g->res[3].kind, HA_RES_LVSSYNC);
	assert_string_equal(g->res[3].arg, "master");
	assert_int_equal(g->res[3].line, 2);
	ha_resources_free(&r);
	assert_null(r.groups);
}

static void test_ipaddr_forms(void **state)
{
	struct ha_resources r;
	struct ha_resource *res;

	parse_ok("node1 10.0.0.5 10.0.0.6/25 IPaddr::10.0.0.7/255.255.255.0/eth0/10.0.0.255 "
		 "IPaddr2::10.0.0.8//eth2 IPaddr::10.0.0.9/32 ldirectord "
		 "ldirectord::/etc/ha.d/ldirectord.cf LVSSyncDaemonSwap::backup\n", &r);
	assert_int_equal(r.ngroups, 1);
	assert_int_equal(r.groups[0].nres, 8);
	res = r.groups[0].res;

	assert_int_equal(res[0].kind, HA_RES_IPADDR);
	assert_int_equal(res[0].addr, ip("10.0.0.5"));
	assert_int_equal(res[0].prefix, 0);	/* derive */
	assert_string_equal(res[0].dev, "");
	assert_string_equal(res[0].arg, "IPaddr");

	assert_int_equal(res[1].addr, ip("10.0.0.6"));
	assert_int_equal(res[1].prefix, 25);

	assert_int_equal(res[2].addr, ip("10.0.0.7"));
	assert_int_equal(res[2].prefix, 24);
	assert_string_equal(res[2].dev, "eth0");
	assert_int_equal(res[2].broadcast, ip("10.0.0.255"));

	assert_int_equal(res[3].prefix, 0);
	assert_string_equal(res[3].dev, "eth2");
	assert_string_equal(res[3].arg, "IPaddr2");

	assert_int_equal(res[4].prefix, 32);

	assert_int_equal(res[5].kind, HA_RES_LDIRECTORD);
	assert_null(res[5].arg);
	assert_string_equal(res[6].arg, "/etc/ha.d/ldirectord.cf");
	assert_int_equal(res[7].kind, HA_RES_LVSSYNC);
	assert_string_equal(res[7].arg, "backup");
	ha_resources_free(&r);
}

static void test_continuation_and_groups(void **state)
{
	struct ha_resources r;

	parse_ok("# two groups\n"
		 "director1 10.0.0.1 \\\n"
		 "\t10.0.0.2   \\\n"
		 "   ldirectord::a.cf # trailing comment\n"
		 "\n"
		 "director2 10.0.1.1\n", &r);
	assert_int_equal(r.ngroups, 2);
	assert_string_equal(r.groups[0].node, "director1");
	assert_int_equal(r.groups[0].line, 2);
	assert_int_equal(r.groups[0].nres, 3);
	assert_int_equal(r.groups[0].res[0].line, 2);
	assert_int_equal(r.groups[0].res[1].line, 3);
	assert_int_equal(r.groups[0].res[2].line, 4);
	assert_string_equal(r.groups[0].res[2].arg, "a.cf");
	assert_string_equal(r.groups[1].node, "director2");
	assert_int_equal(r.groups[1].line, 6);
	assert_int_equal(r.groups[1].nres, 1);
	ha_resources_free(&r);

	/* a backslash on the last line just ends the group */
	parse_ok("d1 10.0.0.1 \\", &r);
	assert_int_equal(r.groups[0].nres, 1);
	ha_resources_free(&r);

	/* an empty file is no group, as in heartbeat */
	parse_ok("# nothing\n\n", &r);
	assert_int_equal(r.ngroups, 0);
	ha_resources_free(&r);
}

static void test_unknown_agent_file(void **state)
{
	const char *path = test_data("ha", "haresources.bad-agent");
	struct ha_resources r;
	char err[512], want[PATH_MAX + 128];

	assert_int_equal(ha_resources_load(path, &r, err, sizeof(err)),
			 -ENOTSUP);
	snprintf(want, sizeof(want),
		 "%s:3: unknown resource agent 'Filesystem' (supported: "
		 "IPaddr, IPaddr2, ldirectord, LVSSyncDaemonSwap)", path);
	assert_string_equal(err, want);
	assert_int_equal(r.ngroups, 0);
}

static void test_errors(void **state)
{
	expect_error("n1 httpd\n", "hr:1: unknown resource agent 'httpd'");
	expect_error("n1 10.0.0.1\nn2 IPaddr2::10.0.0.300/24\n",
		     "hr:2: IPaddr2: '10.0.0.300' is not an IPv4 address");
	expect_error("n1 IPaddr2::10.0.0.1/33\n",
		     "hr:1: IPaddr2: '33' is not a prefix length");
	expect_error("n1 IPaddr2::10.0.0.1/0\n", "hr:1: IPaddr2: '0'");
	expect_error("n1 IPaddr::10.0.0.1/255.0.255.0\n",
		     "hr:1: IPaddr: '255.0.255.0' is not a prefix length (1-32) or netmask");
	expect_error("n1 IPaddr2::10.0.0.1/24/averyveryverylongifname\n",
		     "hr:1: IPaddr2: interface name");
	expect_error("n1 IPaddr2::10.0.0.1/24/eth0/10.0.0.x\n",
		     "hr:1: IPaddr2: broadcast '10.0.0.x'");
	expect_error("n1 IPaddr2::10.0.0.1/24/eth0/10.0.0.255/extra\n",
		     "hr:1: IPaddr2::10.0.0.1/24/eth0/10.0.0.255/extra: expected");
	expect_error("n1 IPaddr2\n", "hr:1: IPaddr2: expected IPaddr2::ip");
	expect_error("n1 IPaddr2::10.0.0.1::24\n", "hr:1: IPaddr2: expected");
	expect_error("n1 10.0.0.1 \\\n  LVSSyncDaemonSwap::primary\n",
		     "hr:2: LVSSyncDaemonSwap: expected LVSSyncDaemonSwap::master or ::backup");
	expect_error("n1 LVSSyncDaemonSwap\n", "hr:1: LVSSyncDaemonSwap: expected");
	expect_error("n1 ldirectord::a::b\n", "hr:1: ldirectord: expected");
	expect_error("n1 10.0.0.1\nn2\n", "hr:2: node n2 has no resources");
	expect_error("n1 10.0.0.1\nn2 IPaddr2::10.0.0.1/24/eth0\n",
		     "hr:2: address 10.0.0.1 already used at line 1");
}

static void test_check_nodes(void **state)
{
	struct ha_resources r;
	struct ha_config c;
	char err[512];

	assert_int_equal(ha_config_parse_string("ha.cf",
		"bcast eth0\nnode director1 director2\nauto_failback off\n",
		&c, err, sizeof(err)), 0);

	parse_ok("director1 10.0.0.1\n", &r);
	assert_int_equal(ha_resources_check_nodes(&r, &c, "hr", err,
						  sizeof(err)), 0);
	ha_resources_free(&r);

	parse_ok("\ndirector1 10.0.0.1\ndirector3 10.0.0.2\n", &r);
	assert_int_equal(ha_resources_check_nodes(&r, &c, "hr", err,
						  sizeof(err)), -EINVAL);
	assert_string_equal(err, "hr:3: node director3 is not a 'node' in ha.cf");
	ha_resources_free(&r);
	ha_config_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lvs_seed),
		cmocka_unit_test(test_ipaddr_forms),
		cmocka_unit_test(test_continuation_and_groups),
		cmocka_unit_test(test_unknown_agent_file),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_check_nodes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
