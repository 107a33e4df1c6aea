// SPDX-License-Identifier: GPL-2.0
/*
 * ha.cf parser: the LVS seed and heartbeat's sample file parse to the
 * expected values; defaults, time units, validation and every error
 * carry file:line.
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
#include <syslog.h>
#include <unistd.h>
#include <cmocka.h>

#include "config/hacf.h"
#include "test_util.h"

/* Parse text expecting failure; err must contain want. */
static void expect_error(const char *text, const char *want)
{
	struct ha_config c;
	char err[512];
	int rc;

	rc = ha_config_parse_string("t.cf", text, &c, err, sizeof(err));
	if (rc == 0 || !strstr(err, want))
		fail_msg("parse of:\n%s\nrc=%d err='%s', wanted '%s'",
			 text, rc, err, want);
	assert_true(rc < 0);
	/* nothing half-applied */
	assert_null(c.nodes);
	assert_null(c.links);
	assert_null(c.warnings);
	assert_int_equal(c.nnodes, 0);
	ha_config_free(&c);
}

static void parse_ok(const char *text, struct ha_config *c)
{
	char err[512];
	int rc = ha_config_parse_string("t.cf", text, c, err, sizeof(err));

	if (rc)
		fail_msg("parse failed: %s", err);
}

#define BASE "bcast eth0\nnode a b\nauto_failback on\n"

static void test_lvs_seed(void **state)
{
	struct ha_config c;
	char err[512];

	assert_int_equal(ha_config_load(test_data("ha", "ha.cf"), &c, err,
					sizeof(err)), 0);
	assert_int_equal(c.keepalive_ms, 100);
	assert_int_equal(c.deadtime_ms, 500);
	assert_int_equal(c.warntime_ms, 300);
	assert_int_equal(c.initdead_ms, 1000);
	assert_int_equal(c.deadping_ms, 500);
	assert_int_equal(c.udpport, 694);
	assert_false(c.auto_failback);
	assert_int_equal(c.logfacility, LOG_LOCAL0);
	assert_int_equal(c.nlinks, 2);
	assert_int_equal(c.links[0].kind, HA_LINK_BCAST);
	assert_string_equal(c.links[0].dev, "eth0");
	assert_int_equal(c.links[0].port, 694);
	assert_int_equal(c.links[0].line, 9);
	assert_int_equal(c.links[1].kind, HA_LINK_BCAST);
	assert_string_equal(c.links[1].dev, "eth1");
	assert_int_equal(c.nnodes, 2);
	assert_string_equal(c.nodes[0], "director1");
	assert_string_equal(c.nodes[1], "director2");
	assert_true(ha_config_has_node(&c, "DIRECTOR2"));
	assert_false(ha_config_has_node(&c, "director3"));
	if (c.nwarnings)
		fail_msg("unexpected warning: %s", c.warnings[0]);
	ha_config_free(&c);
}

static void test_heartbeat_sample(void **state)
{
	const char *path = test_data("ha", "ha.cf.heartbeat-sample");
	struct ha_config c;
	char err[512], want[PATH_MAX + 64];

	assert_int_equal(ha_config_load(path, &c, err, sizeof(err)), 0);
	assert_int_equal(c.keepalive_ms, 2000);
	assert_int_equal(c.deadtime_ms, 30000);
	assert_int_equal(c.warntime_ms, 10000);
	assert_int_equal(c.initdead_ms, 120000);
	assert_true(c.auto_failback);
	assert_string_equal(c.logfile, "/var/log/ha-log");
	assert_string_equal(c.debugfile, "/var/log/ha-debug");
	assert_int_equal(c.debug, 1);
	assert_false(c.use_logd);

	assert_int_equal(c.nlinks, 3);
	assert_int_equal(c.links[0].kind, HA_LINK_BCAST);
	assert_int_equal(c.links[1].kind, HA_LINK_MCAST);
	assert_string_equal(c.links[1].dev, "eth0");
	assert_int_equal(c.links[1].addr, ip("225.0.0.1"));
	assert_int_equal(c.links[1].port, 694);
	assert_int_equal(c.links[1].ttl, 1);
	assert_false(c.links[1].loop);
	assert_int_equal(c.links[2].kind, HA_LINK_UCAST);
	assert_int_equal(c.links[2].addr, ip("192.168.1.2"));
	assert_int_equal(c.links[2].port, 694);
	assert_int_equal(c.links[2].line, 29);

	assert_int_equal(c.nnodes, 2);
	assert_string_equal(c.nodes[0], "ken3");
	assert_string_equal(c.nodes[1], "kathy");

	assert_int_equal(c.npings, 2);
	assert_string_equal(c.pings[0].name, "10.10.10.254");
	assert_int_equal(c.pings[0].naddrs, 1);
	assert_int_equal(c.pings[0].addrs[0], ip("10.10.10.254"));
	assert_string_equal(c.pings[1].name, "group1");
	assert_int_equal(c.pings[1].naddrs, 2);
	assert_int_equal(c.pings[1].addrs[1], ip("10.10.10.253"));

	/* recognized-but-ignored directives are reported with file:line */
	snprintf(want, sizeof(want), "%s:21: baud", path);
	assert_true(has_warning(&c, want));
	snprintf(want, sizeof(want), "%s:23: serial", path);
	assert_true(has_warning(&c, want));
	snprintf(want, sizeof(want), "%s:37: respawn", path);
	assert_true(has_warning(&c, want));
	snprintf(want, sizeof(want), "%s:38: apiauth", path);
	assert_true(has_warning(&c, want));
	snprintf(want, sizeof(want), "%s:42: compression", path);
	assert_true(has_warning(&c, want));
	assert_int_equal(c.nwarnings, 6);
	ha_config_free(&c);
}

static void test_unknown_directive_file(void **state)
{
	const char *path = test_data("ha", "ha.cf.bad-unknown");
	struct ha_config c;
	char err[512], want[PATH_MAX + 64];

	assert_int_equal(ha_config_load(path, &c, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want),
		 "%s:5: unknown directive 'hearbeat_interval'", path);
	assert_string_equal(err, want);
	assert_int_equal(c.nnodes, 0);
}

static void test_missing_file(void **state)
{
	struct ha_config c;
	char err[512];

	assert_int_equal(ha_config_load("/nonexistent/ha.cf", &c, err,
					sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/ha.cf"));
}

static void test_defaults(void **state)
{
	struct ha_config c;

	parse_ok(BASE, &c);
	assert_int_equal(c.keepalive_ms, 2000);
	assert_int_equal(c.deadtime_ms, 30000);
	assert_int_equal(c.warntime_ms, 30000);
	assert_int_equal(c.initdead_ms, 30000);
	assert_int_equal(c.udpport, 694);
	assert_int_equal(c.logfacility, -1);
	assert_null(c.logfile);
	assert_int_equal(c.nwarnings, 0);
	ha_config_free(&c);
}

static void check_keepalive(const char *val, uint32_t want)
{
	char text[256];
	struct ha_config c;

	snprintf(text, sizeof(text), BASE "keepalive %s\n", val);
	parse_ok(text, &c);
	if (c.keepalive_ms != want)
		fail_msg("keepalive %s: got %u ms, want %u", val,
			 c.keepalive_ms, want);
	ha_config_free(&c);
}

static void test_time_units(void **state)
{
	check_keepalive("1", 1000);
	check_keepalive("1.5", 1500);
	check_keepalive("0.25", 250);
	check_keepalive(".2", 200);
	check_keepalive("200ms", 200);
	check_keepalive("2s", 2000);
	check_keepalive("1500us", 2);	/* rounds up, never to 0 */
	check_keepalive("2.5ms", 3);

	expect_error(BASE "keepalive 2m\n", "t.cf:4: keepalive: '2m' is not a time");
	expect_error(BASE "keepalive abc\n", "t.cf:4: keepalive: 'abc' is not a time");
	expect_error(BASE "keepalive\n", "t.cf:4: keepalive: missing argument");
	expect_error(BASE "keepalive 1 2\n", "t.cf:4: keepalive: too many arguments");
	expect_error(BASE "keepalive 0\n", "t.cf:4: keepalive: must be greater than 0");
	expect_error(BASE "deadtime 99999999999\n", "t.cf:4: deadtime: '99999999999' is out of range");
}

static void test_comments_and_blanks(void **state)
{
	struct ha_config c;

	parse_ok("# comment\n\n   \t\nkeepalive 1 # one second\n"
		 "bcast eth0 # first\r\nnode a # and\nnode b\n"
		 "auto_failback on", &c);
	assert_int_equal(c.keepalive_ms, 1000);
	assert_int_equal(c.nnodes, 2);
	assert_int_equal(c.nlinks, 1);
	assert_string_equal(c.links[0].dev, "eth0");
	ha_config_free(&c);
}

static void test_auto_failback(void **state)
{
	struct ha_config c;

	parse_ok("bcast eth0\nnode a b\n", &c);
	assert_true(c.auto_failback);
	assert_true(has_warning(&c, "auto_failback not set"));
	ha_config_free(&c);

	parse_ok("bcast eth0\nnode a b\nauto_failback legacy\n", &c);
	assert_true(c.auto_failback);
	assert_true(has_warning(&c, "t.cf:3: auto_failback legacy"));
	ha_config_free(&c);

	parse_ok("bcast eth0\nnode a b\nnice_failback on\n", &c);
	assert_false(c.auto_failback);
	assert_true(has_warning(&c, "t.cf:3: nice_failback is deprecated"));
	ha_config_free(&c);

	expect_error("auto_failback maybe\n", "t.cf:1: auto_failback: 'maybe'");
	expect_error("auto_failback on\nnice_failback on\n",
		     "t.cf:2: nice_failback: conflicts with auto_failback at line 1");
}

static void test_crm(void **state)
{
	struct ha_config c;

	parse_ok(BASE "crm off\n", &c);
	ha_config_free(&c);
	parse_ok(BASE "crm no\n", &c);
	ha_config_free(&c);
	expect_error(BASE "crm on\n", "t.cf:4: crm on: the heartbeat v2 CRM");
	expect_error(BASE "crm yes\n", "t.cf:4: crm yes: the heartbeat v2 CRM");
	expect_error(BASE "crm respawn\n", "not supported");
	expect_error(BASE "pacemaker on\n", "t.cf:4: pacemaker on");
}

static void test_required(void **state)
{
	struct ha_config c;

	expect_error("node a b\nauto_failback on\n", "t.cf: no communication link");
	expect_error("bcast eth0\nauto_failback on\n", "t.cf: no 'node' line");

	parse_ok("bcast eth0\nnode solo\nauto_failback on\n", &c);
	assert_true(has_warning(&c, "1 node(s) listed"));
	ha_config_free(&c);

	parse_ok("bcast eth0\nnode a b\nnode c\nnode a\nauto_failback on\n", &c);
	assert_int_equal(c.nnodes, 3);
	assert_true(has_warning(&c, "t.cf:4: node a listed twice"));
	assert_true(has_warning(&c, "3 node(s) listed"));
	ha_config_free(&c);
}

static void test_timing_validation(void **state)
{
	struct ha_config c;

	expect_error(BASE "keepalive 2\ndeadtime 1\n",
		     "t.cf:5: deadtime 1s must be greater than keepalive 2s");
	expect_error(BASE "keepalive 40\n",
		     "t.cf:4: deadtime 30s must be greater than keepalive 40s");
	expect_error(BASE "deadtime 10\ninitdead 5\n",
		     "t.cf:5: initdead 5s must not be less than deadtime 10s");

	parse_ok(BASE "keepalive 1\ndeadtime 1500ms\n", &c);
	assert_true(has_warning(&c, "t.cf:5: deadtime 1500ms is less than twice keepalive 1s"));
	ha_config_free(&c);

	parse_ok(BASE "keepalive 1\ndeadtime 10\nwarntime 12\n", &c);
	assert_true(has_warning(&c, "t.cf:6: warntime 12s should be between keepalive 1s and deadtime 10s"));
	ha_config_free(&c);

	parse_ok(BASE "keepalive 1\ndeadtime 10\nwarntime 500ms\n", &c);
	assert_true(has_warning(&c, "t.cf:6: warntime 500ms should be between"));
	ha_config_free(&c);

	parse_ok(BASE "deadtime 10\ninitdead 15\n", &c);
	assert_int_equal(c.initdead_ms, 15000);
	assert_true(has_warning(&c, "t.cf:5: initdead 15s is less than twice deadtime 10s"));
	ha_config_free(&c);

	parse_ok(BASE "keepalive 1\ndeadtime 10\nwarntime 5\ninitdead 20\n", &c);
	assert_int_equal(c.nwarnings, 0);
	ha_config_free(&c);
}

static void test_links(void **state)
{
	struct ha_config c;

	parse_ok("node a b\nauto_failback on\nmcast eth1 239.1.2.3 5000 4 1\n"
		 "ucast eth2 10.0.0.2\nudp eth3\n", &c);
	assert_int_equal(c.nlinks, 3);
	assert_int_equal(c.links[0].kind, HA_LINK_MCAST);
	assert_int_equal(c.links[0].addr, ip("239.1.2.3"));
	assert_int_equal(c.links[0].port, 5000);
	assert_int_equal(c.links[0].ttl, 4);
	assert_true(c.links[0].loop);
	assert_int_equal(c.links[1].kind, HA_LINK_UCAST);
	assert_string_equal(c.links[1].dev, "eth2");
	assert_int_equal(c.links[1].port, 694);
	assert_int_equal(c.links[2].kind, HA_LINK_BCAST);
	assert_string_equal(c.links[2].dev, "eth3");
	ha_config_free(&c);

	expect_error(BASE "mcast eth0 10.0.0.1 694 1 0\n",
		     "t.cf:4: mcast: '10.0.0.1' is not an IPv4 multicast group");
	expect_error(BASE "mcast eth0 225.0.0.1 694 0 0\n", "t.cf:4: mcast: ttl '0'");
	expect_error(BASE "mcast eth0 225.0.0.1 694 1 2\n", "t.cf:4: mcast: loop '2'");
	expect_error(BASE "mcast eth0 225.0.0.1 70000 1 0\n", "t.cf:4: mcast: '70000' is not a port");
	expect_error(BASE "mcast eth0 225.0.0.1 694 1\n", "t.cf:4: mcast: missing argument");
	expect_error(BASE "ucast eth0 peer.example\n",
		     "t.cf:4: ucast: 'peer.example' is not an IPv4 address");
	expect_error(BASE "ucast eth0\n", "t.cf:4: ucast: missing argument");
	expect_error(BASE "bcast averyveryverylongifname\n", "t.cf:4: bcast: interface name");
	expect_error(BASE "bcast\n", "t.cf:4: bcast: missing argument");
	expect_error(BASE "udpport 0\n", "t.cf:4: udpport: '0' is not a port");
}

static void test_udpport_order(void **state)
{
	struct ha_config c;

	parse_ok("udpport 1001\nbcast eth0\nnode a b\nauto_failback on\n", &c);
	assert_int_equal(c.links[0].port, 1001);
	assert_int_equal(c.nwarnings, 0);
	ha_config_free(&c);

	parse_ok("bcast eth0\nudpport 1001\nnode a b\nauto_failback on\n", &c);
	assert_int_equal(c.links[0].port, 1001);
	assert_true(has_warning(&c, "t.cf:2: udpport after bcast/ucast (line 1)"));
	ha_config_free(&c);
}

static void test_duplicates(void **state)
{
	expect_error(BASE "keepalive 1\nkeepalive 2\n",
		     "t.cf:5: keepalive: already set at line 4");
	expect_error(BASE "ping 10.0.0.1\nping 10.0.0.1\n",
		     "t.cf:5: ping node '10.0.0.1' already defined at line 4");
	expect_error(BASE "ping_group g 10.0.0.1\nping_group g 10.0.0.2\n",
		     "t.cf:5: ping node 'g' already defined at line 4");
}

static void test_misc_directives(void **state)
{
	struct ha_config c;

	parse_ok(BASE "logfacility none\nuse_logd yes\ndebug 3\n"
		 "realtime on\ncoredumps true\nautojoin none\nuuidfrom nodename\n"
		 "hopfudge 1\ndeadping 5\n", &c);
	assert_int_equal(c.logfacility, -1);
	assert_true(c.use_logd);
	assert_int_equal(c.debug, 3);
	assert_int_equal(c.deadping_ms, 5000);
	assert_true(has_warning(&c, "t.cf:5: use_logd"));
	assert_true(has_warning(&c, "t.cf:7: realtime: not implemented"));
	assert_true(has_warning(&c, "t.cf:8: coredumps"));
	assert_true(has_warning(&c, "t.cf:9: autojoin"));
	assert_true(has_warning(&c, "t.cf:10: uuidfrom"));
	assert_true(has_warning(&c, "t.cf:11: hopfudge"));
	ha_config_free(&c);

	expect_error(BASE "logfacility local9\n", "t.cf:4: logfacility: unknown facility 'local9'");
	expect_error(BASE "debug -1\n", "t.cf:4: debug:");
	expect_error(BASE "ping 10.0.0\n", "t.cf:4: '10.0.0' is not an IPv4 address");
	expect_error(BASE "ping_group g\n", "t.cf:4: ping_group: missing argument");
	expect_error(BASE "ping_group g 10.0.0.1 nope\n", "t.cf:4: 'nope' is not an IPv4 address");
	expect_error(BASE "Keepalive 2\n", "t.cf:4: unknown directive 'Keepalive'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lvs_seed),
		cmocka_unit_test(test_heartbeat_sample),
		cmocka_unit_test(test_unknown_directive_file),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_time_units),
		cmocka_unit_test(test_comments_and_blanks),
		cmocka_unit_test(test_auto_failback),
		cmocka_unit_test(test_crm),
		cmocka_unit_test(test_required),
		cmocka_unit_test(test_timing_validation),
		cmocka_unit_test(test_links),
		cmocka_unit_test(test_udpport_order),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_misc_directives),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
