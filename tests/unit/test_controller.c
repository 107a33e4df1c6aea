// SPDX-License-Identifier: GPL-2.0
/* ldirectord.cf + real-server health -> the datapath's table. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

	setup_ctl(&c, "no");
	assert_int_equal(controller_build_table(&c, &t), 0);
	/* the fwmark virtual is not served by the XDP datapath */
	assert_int_equal(t.nsvcs, 2);
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

	setup_ctl(&c, "no");
	c.health[1].up = false;
	assert_int_equal(controller_build_table(&c, &t), 0);
	assert_int_equal(t.svcs[0].nreals, 1);
	assert_int_equal(t.svcs[0].reals[0].addr, ip("10.0.0.11"));
	lb_table_free(&t);
	teardown_ctl(&c);

	setup_ctl(&c, "yes");
	c.health[1].up = false;
	assert_int_equal(controller_build_table(&c, &t), 0);
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

	setup_ctl(&c, "no");
	c.health[0].known = false;
	assert_int_equal(controller_build_table(&c, &t), 0);
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

	setup_ctl(&c, "yes");
	c.health[0].up = false;
	c.health[1].up = false;
	c.health[2].up = false;
	assert_int_equal(controller_build_table(&c, &t), 0);
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
	assert_int_equal(controller_build_table(&c, &t), 0);
	assert_false(t.svcs[0].local);
	lb_table_free(&t);
	teardown_ctl(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_up),
		cmocka_unit_test(test_down_removed_or_quiesced),
		cmocka_unit_test(test_unknown_health_weight_zero),
		cmocka_unit_test(test_fallback_local_and_remote),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
