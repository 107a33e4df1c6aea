// SPDX-License-Identifier: GPL-2.0
/*
 * xdirectorctl's ipvsadm habits (tools/xdirectorctl/ipvsadm.c) on a list
 * reply as the daemon sends it: the -t/-u service filter and its errors,
 * --sort's numeric order (TCP before UDP, 10.0.0.9 before 10.0.0.10),
 * ipvsadm -S lines, and counters scaled or --exact.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../tools/xdirectorctl/ipvsadm.c"

/* Services out of order, reals out of order, one UDP and one gate real. */
static const char *const reply_text =
"{\"ok\": true, \"services\": ["
" {\"proto\": \"UDP\", \"vip\": \"192.168.10.100\", \"port\": 53, \"sched\": \"rr\","
"  \"reals\": [{\"addr\": \"10.0.0.11\", \"port\": 53, \"fwd\": \"Masq\", \"weight\": 1}]},"
" {\"proto\": \"TCP\", \"vip\": \"192.168.10.100\", \"port\": 8080, \"sched\": \"wrr\","
"  \"reals\": [{\"addr\": \"10.0.0.10\", \"port\": 80, \"fwd\": \"Masq\", \"weight\": 2},"
"             {\"addr\": \"10.0.0.9\", \"port\": 80, \"fwd\": \"Route\", \"weight\": 0}]},"
" {\"proto\": \"TCP\", \"vip\": \"192.168.10.20\", \"port\": 80, \"sched\": \"rr\","
"  \"reals\": []},"
" {\"proto\": \"TCP\", \"vip\": \"192.168.10.100\", \"port\": 80, \"sched\": \"mh\","
"  \"reals\": [{\"addr\": \"10.0.0.12\", \"port\": 80, \"fwd\": \"Masq\", \"weight\": 1}]}"
"]}";

static json_t *reply(void)
{
	json_error_t e;
	json_t *r = json_loads(reply_text, 0, &e);

	if (!r)
		fail_msg("test reply: %s", e.text);
	return r;
}

static char *save_text(json_t *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	print_save(f, r);
	fclose(f);
	return buf;
}

static void test_filter_keeps_one_service(void **state)
{
	json_t *r = reply(), *svcs;
	char err[128];

	assert_int_equal(list_filter(r, "TCP", "192.168.10.100:8080", err,
				     sizeof(err)), 0);
	svcs = json_object_get(r, "services");
	assert_int_equal(json_array_size(svcs), 1);
	assert_string_equal(str(json_array_get(svcs, 0), "sched"), "wrr");
	json_decref(r);
}

static void test_filter_protocol_matters(void **state)
{
	json_t *r = reply();
	char err[128];

	/* 192.168.10.100:53 exists as UDP only */
	assert_int_equal(list_filter(r, "TCP", "192.168.10.100:53", err,
				     sizeof(err)), -ENOENT);
	assert_string_equal(err, "TCP 192.168.10.100:53: no such service");
	/* the reply is left whole on a refusal */
	assert_int_equal(json_array_size(json_object_get(r, "services")), 4);
	assert_int_equal(list_filter(r, "UDP", "192.168.10.100:53", err,
				     sizeof(err)), 0);
	assert_int_equal(json_array_size(json_object_get(r, "services")), 1);
	json_decref(r);
}

static void test_filter_bad_specs(void **state)
{
	static const char *const bad[] = { "192.168.10.100", "192.168.10.100:",
		"192.168.10.100:x", "192.168.10.100:65536", "host:80", ":80",
		"192.168.10.1000:80" };
	char err[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *r = reply();

		assert_int_equal(list_filter(r, "TCP", bad[i], err,
					     sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, "expected VIP:PORT"));
		json_decref(r);
	}
}

static void test_sort_numeric(void **state)
{
	json_t *r = reply(), *svcs, *reals;

	list_sort(r);
	svcs = json_object_get(r, "services");
	/* TCP first; 192.168.10.20 < 192.168.10.100 as numbers; 80 < 8080 */
	assert_string_equal(str(json_array_get(svcs, 0), "vip"), "192.168.10.20");
	assert_int_equal(num(json_array_get(svcs, 1), "port"), 80);
	assert_int_equal(num(json_array_get(svcs, 2), "port"), 8080);
	assert_string_equal(str(json_array_get(svcs, 3), "proto"), "UDP");
	reals = json_object_get(json_array_get(svcs, 2), "reals");
	assert_string_equal(str(json_array_get(reals, 0), "addr"), "10.0.0.9");
	assert_string_equal(str(json_array_get(reals, 1), "addr"), "10.0.0.10");
	json_decref(r);
}

static void test_save_is_ipvsadm_S(void **state)
{
	json_t *r = reply();
	char *text;

	list_sort(r);
	text = save_text(r);
	assert_string_equal(text,
		"-A -t 192.168.10.20:80 -s rr\n"
		"-A -t 192.168.10.100:80 -s mh\n"
		"-a -t 192.168.10.100:80 -r 10.0.0.12:80 -m -w 1\n"
		"-A -t 192.168.10.100:8080 -s wrr\n"
		"-a -t 192.168.10.100:8080 -r 10.0.0.9:80 -g -w 0\n"
		"-a -t 192.168.10.100:8080 -r 10.0.0.10:80 -m -w 2\n"
		"-A -u 192.168.10.100:53 -s rr\n"
		"-a -u 192.168.10.100:53 -r 10.0.0.11:53 -m -w 1\n");
	free(text);
	json_decref(r);
}

static void test_counts_scaled_or_exact(void **state)
{
	char b[32];

	assert_string_equal(fmt_count(b, sizeof(b), 0, false), "       0");
	assert_string_equal(fmt_count(b, sizeof(b), 99999999ULL, false), "99999999");
	assert_string_equal(fmt_count(b, sizeof(b), 100000000ULL, false), " 100000K");
	assert_string_equal(fmt_count(b, sizeof(b), 12345678901ULL, false), "  12345M");
	assert_string_equal(fmt_count(b, sizeof(b), 12345678901ULL, true), "12345678901");
	assert_string_equal(fmt_count(b, sizeof(b), 18446744073709551615ULL, false),
			    "  18446P");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filter_keeps_one_service),
		cmocka_unit_test(test_filter_protocol_matters),
		cmocka_unit_test(test_filter_bad_specs),
		cmocka_unit_test(test_sort_numeric),
		cmocka_unit_test(test_save_is_ipvsadm_S),
		cmocka_unit_test(test_counts_scaled_or_exact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
