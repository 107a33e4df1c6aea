// SPDX-License-Identifier: GPL-2.0
/* ldirectord.cf + real-server health -> the datapath's table. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "controller.h"

static const char *cf =
	"checkinterval=1\n"
	"virtual=192.168.10.100:80\n"
	"	real=10.0.0.11:80 masq 2\n"
	"	real=10.0.0.12:80 masq 1\n"
	"	fallback=127.0.0.1:80\n"
	"	scheduler=wlc\n"
	"	quiescent=%s\n"
	"virtual=192.168.10.100:53\n"
	"	real=10.0.0.11:53 masq\n"
	"	fallback=10.0.0.99:53 masq\n"
	"	protocol=udp\n"
	"	scheduler=sh\n"
	"virtual=7\n"
	"	real=10.0.0.11:80 gate\n";

static uint32_t ip(const char *s)
{
	uint32_t a;

	inet_pton(AF_INET, s, &a);
	return a;
}

struct fixture {
	struct controller c;
};

static void setup_ctl(struct controller *c, const char *quiescent)
{
	char text[2048], err[256];

	memset(c, 0, sizeof(*c));
	snprintf(text, sizeof(text), cf, quiescent);
	assert_int_equal(ld_config_parse_string("test.cf", text, &c->cfg, err,
						sizeof(err)), 0);
	c->have_cfg = true;
	c->health = calloc(3, sizeof(*c->health));
	c->nhealth = 3;
	c->health[0] = (struct real_health){ .vip = ip("192.168.10.100"),
		.vport = 80, .proto = IPPROTO_TCP, .rip = ip("10.0.0.11"),
		.rport = 80, .known = true, .up = true };
	c->health[1] = (struct real_health){ .vip = ip("192.168.10.100"),
		.vport = 80, .proto = IPPROTO_TCP, .rip = ip("10.0.0.12"),
		.rport = 80, .known = true, .up = true };
	c->health[2] = (struct real_health){ .vip = ip("192.168.10.100"),
		.vport = 53, .proto = IPPROTO_UDP, .rip = ip("10.0.0.11"),
		.rport = 53, .known = true, .up = true };
}

static void teardown_ctl(struct controller *c)
{
	ld_config_free(&c->cfg);
	free(c->health);
}

static void test_all_up(void **state)
{
	struct controller c;
	struct lb_table t;
	char err[512];

	setup_ctl(&c, "no");
	assert_int_equal(controller_build_table(&c, &t, err, sizeof(err)), 0);
	/* the fwmark virtual goes to IPVS, the others to BPF */
	assert_int_equal(t.nsvcs, 3);
	assert_int_equal(t.svcs[0].dp, LB_DP_BPF);
	assert_int_equal(t.svcs[1].dp, LB_DP_BPF);
	assert_int_equal(t.svcs[2].dp, LB_DP_IPVS);
	assert_string_equal(t.svcs[2].dp_why, "firewall-mark service");
	assert_int_equal(t.svcs[2].fwmark, 7);
	assert_int_equal(t.svcs[2].nreals, 1);
	assert_int_equal(t.svcs[2].reals[0].fwd, LB_FWD_GATE);
	/* not checked yet: listed at weight 0 */
	assert_int_equal(t.svcs[2].reals[0].weight, 0);
	assert_int_equal(t.svcs[0].vip, ip("192.168.10.100"));
	assert_int_equal(t.svcs[0].port, htons(80));
	assert_int_equal(t.svcs[0].proto, IPPROTO_TCP);
	assert_string_equal(t.svcs[0].sched, "wlc");
	assert_false(t.svcs[0].local);
	assert_int_equal(t.svcs[0].nreals, 2);
	assert_int_equal(t.svcs[0].reals[0].addr, ip("10.0.0.11"));
	assert_int_equal(t.svcs[0].reals[0].weight, 2);
	assert_int_equal(t.svcs[0].reals[1].weight, 1);
	assert_int_equal(t.svcs[1].proto, IPPROTO_UDP);
	assert_int_equal(t.svcs[1].nreals, 1);
	lb_table_free(&t);
	teardown_ctl(&c);
}

static void test_down_removed_or_quiesced(void **state)
{
	struct controller c;
	struct lb_table t;
	char err[512];

	setup_ctl(&c, "no");
	c.health[1].up = false;
	assert_int_equal(controller_build_table(&c, &t, err, sizeof(err)), 0);
	assert_int_equal(t.svcs[0].nreals, 1);
	assert_int_equal(t.svcs[0].reals[0].addr, ip("10.0.0.11"));
	lb_table_free(&t);
	teardown_ctl(&c);

	setup_ctl(&c, "yes");
	c.health[1].up = false;
	assert_int_equal(controller_build_table(&c, &t, err, sizeof(err)), 0);
	assert_int_equal(t.svcs[0].nreals, 2);
	assert_int_equal(t.svcs[0].reals[1].addr, ip("10.0.0.12"));
	assert_int_equal(t.svcs[0].reals[1].weight, 0);
	lb_table_free(&t);
	teardown_ctl(&c);
}

static void test_unknown_health_weight_zero(void **state)
{
	struct controller c;
	struct lb_table t;
	char err[512];

	setup_ctl(&c, "no");
	c.health[0].known = false;
	assert_int_equal(controller_build_table(&c, &t, err, sizeof(err)), 0);
	/* listed, but at weight 0 until its first check passes */
	assert_int_equal(t.svcs[0].nreals, 2);
	assert_int_equal(t.svcs[0].reals[0].addr, ip("10.0.0.11"));
	assert_int_equal(t.svcs[0].reals[0].weight, 0);
	assert_int_equal(t.svcs[0].reals[1].weight, 1);
	lb_table_free(&t);
	teardown_ctl(&c);
}

static void test_fallback_local_and_remote(void **state)
{
	struct controller c;
	struct lb_table t;
	char err[512];

	setup_ctl(&c, "yes");
	c.health[0].up = false;
	c.health[1].up = false;
	c.health[2].up = false;
	assert_int_equal(controller_build_table(&c, &t, err, sizeof(err)), 0);
	/* quiescent reals stay at weight 0; the local fallback answers */
	assert_true(t.svcs[0].local);
	assert_int_equal(t.svcs[0].nreals, 2);
	assert_int_equal(t.svcs[0].reals[0].weight, 0);
	/* a remote fallback joins the pool as a masq real */
	assert_false(t.svcs[1].local);
	assert_int_equal(t.svcs[1].nreals, 1);
	assert_int_equal(t.svcs[1].reals[0].addr, ip("10.0.0.99"));
	assert_int_equal(t.svcs[1].reals[0].weight, 1);
	lb_table_free(&t);
	teardown_ctl(&c);

	/* one real back: the fallback is withdrawn */
	setup_ctl(&c, "yes");
	c.health[0].up = false;
	assert_int_equal(controller_build_table(&c, &t, err, sizeof(err)), 0);
	assert_false(t.svcs[0].local);
	lb_table_free(&t);
	teardown_ctl(&c);
}

static const char *ipvs_cf =
	"checktype=on\n"
	"virtual=192.168.10.100:80\n"
	"	real=10.0.0.11:80 gate 3\n"
	"	real=10.0.0.12:80 ipip\n"
	"	fallback=10.0.0.99:80\n"
	"	persistent=300\n"
	"	netmask=255.255.255.0\n"
	"	scheduler=lblc\n"
	"virtual=[2001:db8::1]:443\n"
	"	real=[2001:db8::11]:443 masq\n"
	"virtual=192.168.10.100:21\n"
	"	real=10.0.0.11:21 masq\n"
	"	service=ftp\n"
	"virtual=192.168.10.100:8080\n"
	"	real=10.0.0.11:8080 masq\n";

/* Parsed, and every IPv4 real's health as checktype says (what
 * controller_load sets for on and off). */
static void parse_only(struct controller *c, const char *text)
{
	char err[256];

	memset(c, 0, sizeof(*c));
	assert_int_equal(ld_config_parse_string("test.cf", text, &c->cfg, err,
						sizeof(err)), 0);
	c->have_cfg = true;
	c->health = calloc(16, sizeof(*c->health));
	for (size_t i = 0; i < c->cfg.nvirtuals; i++) {
		const struct ld_virtual *v = &c->cfg.virtuals[i];

		for (size_t j = 0; j < v->nreals; j++) {
			if (v->reals[j].is_ipv6)
				continue;
			c->health[c->nhealth++] = (struct real_health){
				.vip = v->addr, .vport = v->port,
				.proto = v->protocol, .rip = v->reals[j].addr,
				.rport = v->reals[j].port, .known = true,
				.up = v->checktype == LD_CHECK_ON };
		}
	}
}

static void free_ctl(struct controller *c)
{
	ld_config_free(&c->cfg);
	free(c->health);
}

/* What only IPVS runs goes there, with the reason; the rest stays. */
static void test_placement(void **state)
{
	struct controller c;
	struct lb_table t;
	char err[512];

	parse_only(&c, ipvs_cf);
	assert_int_equal(controller_build_table(&c, &t, err, sizeof(err)), 0);
	assert_int_equal(t.nsvcs, 4);

	assert_int_equal(t.svcs[0].dp, LB_DP_IPVS);
	/* lblc runs in the BPF datapath; persistence does not yet */
	assert_string_equal(t.svcs[0].dp_why, "persistent service");
	assert_string_equal(t.svcs[0].sched, "lblc");
	assert_int_equal(t.svcs[0].persistent, 300);
	assert_int_equal(t.svcs[0].netmask, ip("255.255.255.0"));
	assert_int_equal(t.svcs[0].line, 2);
	/* checktype=on: both in service; no health entry needed */
	assert_int_equal(t.svcs[0].nreals, 2);
	assert_int_equal(t.svcs[0].reals[0].fwd, LB_FWD_GATE);
	assert_int_equal(t.svcs[0].reals[0].weight, 3);
	assert_int_equal(t.svcs[0].reals[1].fwd, LB_FWD_IPIP);

	assert_int_equal(t.svcs[1].dp, LB_DP_IPVS);
	assert_int_equal(t.svcs[1].af, AF_INET6);
	assert_string_equal(t.svcs[1].dp_why, "IPv6 service");
	assert_int_equal(t.svcs[1].nreals, 1);
	assert_int_equal(t.svcs[1].reals[0].addr6.s6_addr[15], 0x11);
	assert_int_equal(t.svcs[1].netmask, 128);

	assert_int_equal(t.svcs[2].dp, LB_DP_IPVS);
	assert_true(t.svcs[2].ftp);
	assert_non_null(strstr(t.svcs[2].dp_why, "FTP"));

	assert_int_equal(t.svcs[3].dp, LB_DP_BPF);
	assert_false(t.svcs[3].ftp);
	lb_table_free(&t);
	free_ctl(&c);
}

/* IPVS's fallback keeps ldirectord's method (gate by default) and a
 * local one is a real like any other: IPVS delivers it locally. */
static void test_ipvs_fallback(void **state)
{
	struct controller c;
	struct lb_table t;
	char err[512];

	parse_only(&c, "checktype=off\n"
		       "virtual=192.168.10.100:80\n"
		       "	real=10.0.0.11:80 gate\n"
		       "	fallback=127.0.0.1:80\n"
		       "	persistent=60\n");
	assert_int_equal(controller_build_table(&c, &t, err, sizeof(err)), 0);
	assert_int_equal(t.svcs[0].dp, LB_DP_IPVS);
	assert_false(t.svcs[0].local);
	assert_int_equal(t.svcs[0].nreals, 1);
	assert_int_equal(t.svcs[0].reals[0].addr, ip("127.0.0.1"));
	assert_int_equal(t.svcs[0].reals[0].fwd, LB_FWD_GATE);
	assert_int_equal(t.svcs[0].reals[0].weight, 1);
	lb_table_free(&t);
	free_ctl(&c);
}

static const struct backend_ops bpf_only_ops = { .name = "xdp" };

/* A director with the BPF datapath alone refuses what only IPVS runs,
 * with file:line; FTP keeps its control connection and says why. */
static void test_refused_without_ipvs(void **state)
{
	struct backend bpf_only = { .ops = &bpf_only_ops };
	struct controller c;
	struct lb_table t;
	char err[512];

	parse_only(&c, "checktype=on\n"
		       "virtual=192.168.10.100:21\n"
		       "	real=10.0.0.11:21 masq\n"
		       "virtual=192.168.10.100:80\n"
		       "	real=10.0.0.11:80 masq\n"
		       "	persistent=300\n");
	c.backend = &bpf_only;
	assert_int_equal(controller_build_table(&c, &t, err, sizeof(err)),
			 -EOPNOTSUPP);
	assert_string_equal(err, "test.cf:4: virtual 192.168.10.100:80: "
			    "persistent service; the BPF datapath cannot run "
			    "it yet, and IPVS is not in use here");
	free_ctl(&c);

	parse_only(&c, "checktype=on\n"
		       "virtual=192.168.10.100:21\n"
		       "	real=10.0.0.11:21 masq\n");
	c.backend = &bpf_only;
	assert_int_equal(controller_build_table(&c, &t, err, sizeof(err)), 0);
	assert_int_equal(t.svcs[0].dp, LB_DP_BPF);
	assert_string_equal(t.svcs[0].dp_why, "BPF datapath; FTP data "
			    "connections need IPVS, unavailable");
	lb_table_free(&t);
	free_ctl(&c);
}

static void test_ipv6_reals_need_unchecked(void **state)
{
	struct controller c;
	struct lb_table t;
	char err[512];

	parse_only(&c, "virtual=[2001:db8::1]:80\n"
		       "	real=[2001:db8::11]:80 masq\n"
		       "	checktype=connect\n");
	assert_int_equal(controller_build_table(&c, &t, err, sizeof(err)),
			 -EOPNOTSUPP);
	assert_string_equal(err, "test.cf:1: virtual [2001:db8::1]:80: IPv6 "
			    "real servers cannot be health-checked yet; use "
			    "checktype=on or off");
	free_ctl(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_up),
		cmocka_unit_test(test_placement),
		cmocka_unit_test(test_ipvs_fallback),
		cmocka_unit_test(test_refused_without_ipvs),
		cmocka_unit_test(test_ipv6_reals_need_unchecked),
		cmocka_unit_test(test_down_removed_or_quiesced),
		cmocka_unit_test(test_unknown_health_weight_zero),
		cmocka_unit_test(test_fallback_local_and_remote),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
