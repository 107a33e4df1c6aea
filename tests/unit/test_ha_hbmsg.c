// SPDX-License-Identifier: GPL-2.0
/*
 * Heartbeat packets: encode/decode round trip under each method, and
 * rejection of what must never be acted on: forged (wrong key), unsigned
 * (no MAC), truncated, padded, tampered, unknown key index, bad magic.
 * Plus the replay guard as the receiver applies it per sender link.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ha/hbmsg.h"

static struct authkeys ak;

static int setup(void **state)
{
	char err[256];

	return authkeys_parse_string("authkeys", "auth 1\n1 sha1 secret\n"
				     "2 md5 other\n3 sha256 third\n",
				     &ak, err, sizeof(err));
}

static int teardown(void **state)
{
	authkeys_free(&ak);
	return 0;
}

static struct hbmsg sample(void)
{
	struct hbmsg m = {
		.type = HBMSG_HEARTBEAT, .link = 1, .gen = 1700000000123ull,
		.seq = 42, .role = 2, .flags = HBMSG_F_HOLD, .pings_up = 3,
		.epoch = 7, .keepalive_ms = 100,
		.table_gen = 1764990000123456ull, .table_entries = 100000,
	};

	strcpy(m.node, "dir2");
	return m;
}

static void test_roundtrip_each_key(void **state)
{
	for (int idx = 1; idx <= 3; idx++) {
		struct hbmsg m = sample(), out;
		uint8_t buf[HBMSG_MAX_LEN];
		int n = hbmsg_encode(&m, authkeys_find(&ak, idx), buf,
				     sizeof(buf));

		assert_true(n > HBMSG_HDR_LEN);
		assert_int_equal(n, HBMSG_HDR_LEN +
			auth_mac_len(authkeys_find(&ak, idx)->method));
		assert_int_equal(hbmsg_decode(buf, n, &ak, &out), HBMSG_OK);
		assert_string_equal(out.node, "dir2");
		assert_int_equal(out.key_index, idx);
		assert_int_equal(out.gen, m.gen);
		assert_int_equal(out.seq, 42);
		assert_int_equal(out.link, 1);
		assert_int_equal(out.role, 2);
		assert_int_equal(out.flags, HBMSG_F_HOLD);
		assert_int_equal(out.pings_up, 3);
		assert_int_equal(out.epoch, 7);
		assert_int_equal(out.keepalive_ms, 100);
		assert_int_equal(out.table_gen, m.table_gen);
		assert_int_equal(out.table_entries, 100000);
	}
}

static void test_forged_key_rejected(void **state)
{
	struct auth_key wrong = { .index = 1, .method = AUTH_SHA1,
				  .secret = "not-the-secret" };
	struct hbmsg m = sample(), out;
	uint8_t buf[HBMSG_MAX_LEN];
	int n = hbmsg_encode(&m, &wrong, buf, sizeof(buf));

	assert_true(n > 0);
	assert_int_equal(hbmsg_decode(buf, n, &ak, &out), HBMSG_ERR_AUTH);
}

static void test_unsigned_and_truncated_rejected(void **state)
{
	struct hbmsg m = sample(), out;
	uint8_t buf[HBMSG_MAX_LEN + 8];
	int n = hbmsg_encode(&m, authkeys_find(&ak, 1), buf, sizeof(buf));

	/* No MAC at all, a MAC cut short, a header cut short, nothing. */
	assert_int_equal(hbmsg_decode(buf, HBMSG_HDR_LEN, &ak, &out),
			 HBMSG_ERR_SHORT);
	assert_int_equal(hbmsg_decode(buf, n - 1, &ak, &out), HBMSG_ERR_SHORT);
	assert_int_equal(hbmsg_decode(buf, 30, &ak, &out), HBMSG_ERR_SHORT);
	assert_int_equal(hbmsg_decode(buf, 2, &ak, &out), HBMSG_ERR_SHORT);
	/* Trailing bytes are not ignored either. */
	buf[n] = 0;
	assert_int_equal(hbmsg_decode(buf, n + 1, &ak, &out), HBMSG_ERR_SHORT);
	assert_int_equal(hbmsg_decode(buf, n, &ak, &out), HBMSG_OK);
}

static void test_tampered_rejected(void **state)
{
	struct hbmsg m = sample(), out;
	uint8_t buf[HBMSG_MAX_LEN];
	int n = hbmsg_encode(&m, authkeys_find(&ak, 1), buf, sizeof(buf));

	/* Every byte of header and MAC is covered. */
	for (int i = 8; i < n; i++) {
		buf[i] ^= 0x01;
		assert_int_not_equal(hbmsg_decode(buf, n, &ak, &out), HBMSG_OK);
		buf[i] ^= 0x01;
	}
	buf[7] = 9;		/* key index authkeys does not list */
	assert_int_equal(hbmsg_decode(buf, n, &ak, &out), HBMSG_ERR_KEY);
	buf[7] = 1;
	buf[0] = 'Y';
	assert_int_equal(hbmsg_decode(buf, n, &ak, &out), HBMSG_ERR_FORMAT);
}

/* A version 1 sender (an older xdirectord during an upgrade): its 68-byte
 * header is accepted, as holding no table, when its MAC verifies; an
 * unknown version is refused. */
static void test_version1_accepted(void **state)
{
	const struct auth_key *key = authkeys_find(&ak, 1);
	struct hbmsg m = sample(), out;
	uint8_t buf[HBMSG_MAX_LEN];
	size_t maclen = sizeof(buf) - HBMSG_V1_HDR_LEN;
	int n = hbmsg_encode(&m, key, buf, sizeof(buf));

	assert_true(n > 0);
	buf[4] = 1;
	assert_int_equal(auth_sign(key, buf, HBMSG_V1_HDR_LEN,
				   buf + HBMSG_V1_HDR_LEN, &maclen), 0);
	n = HBMSG_V1_HDR_LEN + (int)maclen;
	assert_int_equal(hbmsg_decode(buf, n, &ak, &out), HBMSG_OK);
	assert_string_equal(out.node, "dir2");
	assert_int_equal(out.role, 2);
	assert_int_equal(out.epoch, 7);
	assert_int_equal(out.keepalive_ms, 100);
	assert_int_equal(out.table_gen, 0);
	assert_int_equal(out.table_entries, 0);
	/* Signed over 68 bytes, it is no version 2 packet, nor padded. */
	buf[4] = 2;
	assert_int_not_equal(hbmsg_decode(buf, n, &ak, &out), HBMSG_OK);
	buf[4] = 1;
	buf[n] = 0;
	assert_int_equal(hbmsg_decode(buf, n + 1, &ak, &out), HBMSG_ERR_SHORT);
	buf[4] = 3;
	assert_int_equal(hbmsg_decode(buf, n, &ak, &out), HBMSG_ERR_FORMAT);
}

static void test_encode_limits(void **state)
{
	struct hbmsg m = sample();
	uint8_t buf[HBMSG_MAX_LEN];

	assert_int_equal(hbmsg_encode(&m, authkeys_find(&ak, 1), buf,
				      HBMSG_HDR_LEN + 10), -ENOSPC);
	m.node[0] = 0;
	assert_int_equal(hbmsg_encode(&m, authkeys_find(&ak, 1), buf,
				      sizeof(buf)), -EINVAL);
}

/* A correctly signed heartbeat whose node field is "dir1\0evil" names no
 * node of ours: the padding after the name must be NULs. */
static void test_node_name_exact(void **state)
{
	struct hbmsg m = sample(), out;
	uint8_t buf[HBMSG_MAX_LEN];
	const struct auth_key *key = authkeys_find(&ak, 1);
	size_t maclen = sizeof(buf) - HBMSG_HDR_LEN;
	int n = hbmsg_encode(&m, key, buf, sizeof(buf));

	memcpy(buf + 24, "dir1\0evil", 9);
	assert_int_equal(auth_sign(key, buf, HBMSG_HDR_LEN, buf + HBMSG_HDR_LEN,
				   &maclen), 0);
	assert_int_equal(HBMSG_HDR_LEN + maclen, n);
	assert_int_equal(hbmsg_decode(buf, n, &ak, &out), HBMSG_ERR_FORMAT);
	/* the same bytes without the tail are accepted */
	memset(buf + 28, 0, 5);
	maclen = sizeof(buf) - HBMSG_HDR_LEN;
	assert_int_equal(auth_sign(key, buf, HBMSG_HDR_LEN, buf + HBMSG_HDR_LEN,
				   &maclen), 0);
	assert_int_equal(hbmsg_decode(buf, n, &ak, &out), HBMSG_OK);
	assert_string_equal(out.node, "dir1");
}

/* What the receiver does: a window per sender link. A capture replayed,
 * even much later, is refused; a restart (new generation) is accepted. */
static void test_replayed_capture_rejected(void **state)
{
	struct replay_window w;
	struct hbmsg m = sample(), out;
	uint8_t cap[HBMSG_MAX_LEN], buf[HBMSG_MAX_LEN];
	int capn, n;

	replay_init(&w);
	capn = hbmsg_encode(&m, authkeys_find(&ak, 1), cap, sizeof(cap));
	assert_int_equal(hbmsg_decode(cap, capn, &ak, &out), HBMSG_OK);
	assert_int_equal(replay_check_and_update(&w, out.gen, out.seq), 0);
	for (int i = 0; i < 200; i++) {
		m.seq++;
		n = hbmsg_encode(&m, authkeys_find(&ak, 1), buf, sizeof(buf));
		assert_int_equal(hbmsg_decode(buf, n, &ak, &out), HBMSG_OK);
		assert_int_equal(replay_check_and_update(&w, out.gen, out.seq), 0);
		assert_int_equal(replay_check_and_update(&w, out.gen, out.seq), -1);
	}
	assert_int_equal(hbmsg_decode(cap, capn, &ak, &out), HBMSG_OK);
	assert_int_equal(replay_check_and_update(&w, out.gen, out.seq), -1);
	m.gen++;
	m.seq = 1;
	n = hbmsg_encode(&m, authkeys_find(&ak, 1), buf, sizeof(buf));
	assert_int_equal(hbmsg_decode(buf, n, &ak, &out), HBMSG_OK);
	assert_int_equal(replay_check_and_update(&w, out.gen, out.seq), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_each_key),
		cmocka_unit_test(test_forged_key_rejected),
		cmocka_unit_test(test_unsigned_and_truncated_rejected),
		cmocka_unit_test(test_tampered_rejected),
		cmocka_unit_test(test_version1_accepted),
		cmocka_unit_test(test_encode_limits),
		cmocka_unit_test(test_replayed_capture_rejected),
		cmocka_unit_test(test_node_name_exact),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
