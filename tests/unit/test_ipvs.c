// SPDX-License-Identifier: GPL-2.0
/*
 * The IPVS backend's messages (user/backend/ipvs.c) without a kernel
 * that has IPVS: the attributes NEW_SERVICE and NEW_DEST carry, byte
 * for byte where the kernel reads them raw, the read-back parsers, and
 * /proc/net/ip_vs_conn lines.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <linux/ip_vs.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "backend/ipvs.h"

static uint32_t ip(const char *s)
{
	uint32_t a;

	inet_pton(AF_INET, s, &a);
	return a;
}

static struct nlattr *nested(struct nl_msg *m, int type, struct nlattr **a,
			     int max)
{
	struct nlattr *n = nlmsg_find_attr(nlmsg_hdr(m), 0, type);

	assert_non_null(n);
	assert_int_equal(nla_parse_nested(a, max, n, NULL), 0);
	return n;
}

static void test_service_attrs(void **state)
{
	struct lb_service s = {
		.af = AF_INET, .vip = ip("192.168.10.100"), .port = htons(21),
		.proto = IPPROTO_TCP, .sched = "sh", .hash_port = true,
		.persistent = 300, .netmask = ip("255.255.255.0"),
	}, back;
	struct nlattr *a[IPVS_SVC_ATTR_MAX + 1], *n;
	struct nl_msg *m = nlmsg_alloc();
	struct ip_vs_flags fl;
	uint8_t addr[16] = { 192, 168, 10, 100 };

	assert_int_equal(ipvs_put_service(m, &s, true), 0);
	n = nested(m, IPVS_CMD_ATTR_SERVICE, a, IPVS_SVC_ATTR_MAX);
	assert_int_equal(nla_get_u16(a[IPVS_SVC_ATTR_AF]), AF_INET);
	assert_int_equal(nla_get_u16(a[IPVS_SVC_ATTR_PROTOCOL]), IPPROTO_TCP);
	/* the kernel copies the address as 16 bytes, the port as be16 */
	assert_int_equal(nla_len(a[IPVS_SVC_ATTR_ADDR]), 16);
	assert_memory_equal(nla_data(a[IPVS_SVC_ATTR_ADDR]), addr, 16);
	assert_memory_equal(nla_data(a[IPVS_SVC_ATTR_PORT]), "\0\25", 2);
	assert_null(a[IPVS_SVC_ATTR_FWMARK]);
	assert_string_equal(nla_get_string(a[IPVS_SVC_ATTR_SCHED_NAME]), "sh");
	memcpy(&fl, nla_data(a[IPVS_SVC_ATTR_FLAGS]), sizeof(fl));
	assert_int_equal(fl.flags, IP_VS_SVC_F_PERSISTENT |
			 IP_VS_SVC_F_SCHED_SH_PORT);
	assert_int_equal(fl.mask & IP_VS_SVC_F_HASHED, 0);
	assert_int_equal(nla_get_u32(a[IPVS_SVC_ATTR_TIMEOUT]), 300);
	assert_int_equal(nla_get_u32(a[IPVS_SVC_ATTR_NETMASK]),
			 ip("255.255.255.0"));

	/* what a GET_SERVICE dump returns reads back the same */
	assert_int_equal(ipvs_parse_service(n, &back, NULL), 0);
	assert_int_equal(back.vip, s.vip);
	assert_int_equal(back.port, s.port);
	assert_int_equal(back.proto, s.proto);
	assert_string_equal(back.sched, "sh");
	assert_int_equal(back.persistent, 300);
	assert_true(back.hash_port);
	assert_false(back.ops);
	assert_int_equal(back.dp, LB_DP_IPVS);
	nlmsg_free(m);

	/* an id alone (GET_DEST, DEL_SERVICE): no scheduler, no flags */
	m = nlmsg_alloc();
	assert_int_equal(ipvs_put_service(m, &s, false), 0);
	nested(m, IPVS_CMD_ATTR_SERVICE, a, IPVS_SVC_ATTR_MAX);
	assert_null(a[IPVS_SVC_ATTR_SCHED_NAME]);
	assert_null(a[IPVS_SVC_ATTR_FLAGS]);
	nlmsg_free(m);
}

static void test_fwmark_ipv6_service(void **state)
{
	struct lb_service s = { .af = AF_INET6, .fwmark = 7, .sched = "wrr",
				.ops = true }, back;
	struct nlattr *a[IPVS_SVC_ATTR_MAX + 1], *n;
	struct nl_msg *m = nlmsg_alloc();
	struct ip_vs_flags fl;

	assert_int_equal(ipvs_put_service(m, &s, true), 0);
	n = nested(m, IPVS_CMD_ATTR_SERVICE, a, IPVS_SVC_ATTR_MAX);
	assert_int_equal(nla_get_u16(a[IPVS_SVC_ATTR_AF]), AF_INET6);
	assert_int_equal(nla_get_u32(a[IPVS_SVC_ATTR_FWMARK]), 7);
	assert_null(a[IPVS_SVC_ATTR_ADDR]);
	assert_null(a[IPVS_SVC_ATTR_PORT]);
	memcpy(&fl, nla_data(a[IPVS_SVC_ATTR_FLAGS]), sizeof(fl));
	assert_int_equal(fl.flags, IP_VS_SVC_F_ONEPACKET);
	/* IPv6 persistence granularity is a prefix length */
	assert_int_equal(nla_get_u32(a[IPVS_SVC_ATTR_NETMASK]), 128);
	assert_int_equal(ipvs_parse_service(n, &back, NULL), 0);
	assert_int_equal(back.fwmark, 7);
	assert_int_equal(back.af, AF_INET6);
	assert_true(back.ops);
	nlmsg_free(m);
}

static void test_dest_attrs(void **state)
{
	static const struct {
		enum lb_fwd fwd;
		uint32_t method;
	} methods[] = {
		{ LB_FWD_MASQ, IP_VS_CONN_F_MASQ },
		{ LB_FWD_GATE, IP_VS_CONN_F_DROUTE },
		{ LB_FWD_IPIP, IP_VS_CONN_F_TUNNEL },
	};
	struct lb_service s = { .af = AF_INET6, .port = htons(80),
				.proto = IPPROTO_TCP, .sched = "rr" };

	for (size_t i = 0; i < 3; i++) {
		struct lb_real r = { .port = htons(8080), .fwd = methods[i].fwd,
				     .weight = 5 }, back;
		struct nlattr *a[IPVS_DEST_ATTR_MAX + 1], *n;
		struct nl_msg *m = nlmsg_alloc();

		inet_pton(AF_INET6, "2001:db8::11", &r.addr6);
		assert_int_equal(ipvs_put_dest(m, &s, &r, true), 0);
		n = nested(m, IPVS_CMD_ATTR_DEST, a, IPVS_DEST_ATTR_MAX);
		assert_memory_equal(nla_data(a[IPVS_DEST_ATTR_ADDR]), &r.addr6, 16);
		assert_memory_equal(nla_data(a[IPVS_DEST_ATTR_PORT]), "\x1f\x90", 2);
		assert_int_equal(nla_get_u32(a[IPVS_DEST_ATTR_FWD_METHOD]),
				 methods[i].method);
		assert_int_equal(nla_get_u32(a[IPVS_DEST_ATTR_WEIGHT]), 5);
		/* NEW_DEST is refused without both thresholds */
		assert_non_null(a[IPVS_DEST_ATTR_U_THRESH]);
		assert_non_null(a[IPVS_DEST_ATTR_L_THRESH]);
		assert_int_equal(nla_get_u16(a[IPVS_DEST_ATTR_ADDR_FAMILY]),
				 AF_INET6);
		assert_int_equal(ipvs_parse_dest(n, &s, &back, NULL, NULL, NULL), 0);
		assert_memory_equal(&back.addr6, &r.addr6, 16);
		assert_int_equal(back.port, r.port);
		assert_int_equal(back.fwd, r.fwd);
		assert_int_equal(back.weight, 5);
		assert_false(back.local_node);
		nlmsg_free(m);
	}
}

static void test_conn_lines(void **state)
{
	struct backend_conn c;

	assert_int_equal(ipvs_parse_conn_line("Pro FromIP   FPrt ToIP     TPrt "
		"DestIP   DPrt State       Expires PEName PEData\n", &c), 0);
	assert_int_equal(ipvs_parse_conn_line("TCP C0A80A01 D431 C0A80A64 0050 "
		"0A00000B 0050 ESTABLISHED     899\n", &c), 1);
	assert_int_equal(c.key.proto, IPPROTO_TCP);
	assert_int_equal(c.key.saddr, ip("192.168.10.1"));
	assert_int_equal(ntohs(c.key.sport), 0xd431);
	assert_int_equal(c.key.daddr, ip("192.168.10.100"));
	assert_int_equal(ntohs(c.key.dport), 80);
	assert_int_equal(c.conn.raddr, ip("10.0.0.11"));
	assert_int_equal(ntohs(c.conn.rport), 80);
	assert_int_equal(c.conn.state, XD_TCP_ESTABLISHED);
	assert_int_equal(c.expires_in_ms, 899000);

	assert_int_equal(ipvs_parse_conn_line("UDP C0A80A01 D431 C0A80A64 0035 "
		"0A00000B 0035 UDP             299\n", &c), 1);
	assert_int_equal(c.conn.state, XD_UDP);
	/* persistence templates are not connections */
	assert_int_equal(ipvs_parse_conn_line("IP  C0A80A00 0000 C0A80A64 0050 "
		"0A00000B 0050 NONE            299\n", &c), 0);
	assert_int_equal(ipvs_parse_conn_line("garbage\n", &c), 0);
}

static void test_schedulers(void **state)
{
	static const char *const all[] = {
		"rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed",
		"nq", "fo", "ovf", "mh", "twos",
	};

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		assert_true(ipvs_sched_known(all[i]));
	assert_false(ipvs_sched_known("wrrr"));
	assert_false(ipvs_sched_known(""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_service_attrs),
		cmocka_unit_test(test_fwmark_ipv6_service),
		cmocka_unit_test(test_dest_attrs),
		cmocka_unit_test(test_conn_lines),
		cmocka_unit_test(test_schedulers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
