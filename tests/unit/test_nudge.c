// SPDX-License-Identifier: GPL-2.0
/* The packets nudge sends: probes and ICMP host unreachables. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "sync/nudge.h"
#include "wire.h"

static uint32_t a4(const char *s)
{
	uint32_t a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a;
}

static void expect_addr(const uint8_t *p, const char *s)
{
	uint32_t a = a4(s);

	assert_memory_equal(p, &a, 4);
}

/* Independent of the builder: a 16-bit one's complement sum over the
 * pseudo header and the segment must fold to 0xffff. */
static uint16_t tcp_sum(const uint8_t *ip)
{
	uint32_t sum = 0;
	size_t len = get16(ip + 2) - 20;
	const uint8_t *th = ip + 20;

	for (int i = 12; i < 20; i += 2)
		sum += get16(ip + i);
	sum += IPPROTO_TCP + len;
	for (size_t i = 0; i < len; i += 2)
		sum += get16(th + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

static void probe_is_a_valid_pure_ack(void **state)
{
	uint8_t p[NUDGE_PROBE_LEN];

	(void)state;
	nudge_build_probe(p, a4("192.168.10.10"), htons(40000),
			  a4("10.0.0.11"), htons(8080), 0x01020304, 0xa0b0c0d0);
	assert_int_equal(p[0], 0x45);
	assert_int_equal(get16(p + 2), 40);
	assert_int_equal(p[9], IPPROTO_TCP);
	assert_int_not_equal(p[8], 0);
	expect_addr(p + 12, "192.168.10.10");
	expect_addr(p + 16, "10.0.0.11");
	assert_int_equal(inet_csum(p, 20), 0);		/* header checksum */
	assert_int_equal(get16(p + 20), 40000);
	assert_int_equal(get16(p + 22), 8080);
	assert_int_equal(get32(p + 24), 0x01020304);
	assert_int_equal(get32(p + 28), 0xa0b0c0d0);
	assert_int_equal(p[32] >> 4, 5);		/* no options */
	assert_int_equal(p[33], 0x10);			/* ACK only */
	assert_int_equal(get16(p + 34), 0xffff);
	assert_int_equal(tcp_sum(p), 0xffff);
}

static void icmp_quotes_the_segment(void **state)
{
	uint8_t m[NUDGE_ICMP_LEN];
	const uint8_t *q = m + 8;

	(void)state;
	nudge_build_icmp(m, a4("192.168.10.10"), htons(40000),
			 a4("192.168.10.100"), htons(80), 123456789);
	assert_int_equal(m[0], 3);			/* unreachable */
	assert_int_equal(m[1], 1);			/* host */
	assert_int_equal(inet_csum(m, sizeof(m)), 0);
	assert_int_equal(get32(m + 4), 0);		/* unused */
	assert_int_equal(q[0], 0x45);
	assert_int_equal(q[9], IPPROTO_TCP);
	assert_int_equal(inet_csum(q, 20), 0);
	expect_addr(q + 12, "192.168.10.10");
	expect_addr(q + 16, "192.168.10.100");
	assert_int_equal(get16(q + 20), 40000);
	assert_int_equal(get16(q + 22), 80);
	assert_int_equal(get32(q + 24), 123456789);
}

/* A client's ACK tells the real server's oldest unacknowledged byte: the
 * ICMP goes to the real server and quotes its segment to the client. A
 * real server's ACK, the other way round, quoting the client's segment
 * to the VIP. */
static void icmp_goes_to_the_other_endpoint(void **state)
{
	struct xd_peer_ack a = {
		.key = { .saddr = a4("192.168.10.10"),
			 .daddr = a4("192.168.10.100"), .sport = htons(40000),
			 .dport = htons(80), .proto = IPPROTO_TCP },
		.raddr = a4("10.0.0.11"), .rport = htons(8080),
		.from_client = 1, .seq = htonl(5), .ack = htonl(777),
	};
	uint8_t m[NUDGE_ICMP_LEN];
	const uint8_t *q = m + 8;

	(void)state;
	assert_int_equal(nudge_icmp_for(&a, m), a4("10.0.0.11"));
	expect_addr(q + 12, "10.0.0.11");
	expect_addr(q + 16, "192.168.10.10");
	assert_int_equal(get16(q + 20), 8080);
	assert_int_equal(get16(q + 22), 40000);
	assert_int_equal(get32(q + 24), 777);
	assert_int_equal(inet_csum(m, sizeof(m)), 0);

	a.from_client = 0;
	a.ack = htonl(0xfffffff0);
	assert_int_equal(nudge_icmp_for(&a, m), a4("192.168.10.10"));
	expect_addr(q + 12, "192.168.10.10");
	expect_addr(q + 16, "192.168.10.100");
	assert_int_equal(get16(q + 20), 40000);
	assert_int_equal(get16(q + 22), 80);
	assert_int_equal(get32(q + 24), 0xfffffff0);
	assert_int_equal(inet_csum(m, sizeof(m)), 0);
}

/* One ICMP per backoff step the endpoints can have taken while the peer
 * was silent, plus one. */
static void repeats_follow_the_outage(void **state)
{
	(void)state;
	assert_int_equal(nudge_repeats(0.1), 1);
	assert_int_equal(nudge_repeats(0.3), 2);
	assert_int_equal(nudge_repeats(0.5), 3);	/* 0.2, 0.4 passed */
	assert_int_equal(nudge_repeats(1.0), 4);
	assert_int_equal(nudge_repeats(10), 7);
	assert_int_equal(nudge_repeats(1000), NUDGE_ICMP_REPEAT);
	assert_int_equal(nudge_repeats(-1), NUDGE_ICMP_REPEAT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(probe_is_a_valid_pure_ack),
		cmocka_unit_test(icmp_quotes_the_segment),
		cmocka_unit_test(icmp_goes_to_the_other_endpoint),
		cmocka_unit_test(repeats_follow_the_outage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
