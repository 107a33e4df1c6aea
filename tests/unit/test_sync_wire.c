// SPDX-License-Identifier: GPL-2.0
/*
 * Sync datagrams (user/sync/sync_wire.c): build/parse round trips with
 * every authkeys method, refusal of truncated, corrupted, forged and
 * unknown-key datagrams, entry range checks, and bulk chunk compression
 * including a decompression bomb.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <zlib.h>
#include <cmocka.h>

#include "sync/sync_wire.h"

static struct authkeys keys_for(const char *text)
{
	struct authkeys ak;
	char err[256];

	assert_int_equal(authkeys_parse_string("authkeys", text, &ak, err,
					       sizeof(err)), 0);
	return ak;
}

static struct backend_sync_conn sample_entry(uint32_t i)
{
	struct backend_sync_conn c = {
		.key = { .saddr = htonl(0xc0a80a0a + (i >> 16)),
			 .daddr = htonl(0xc0a80a64), .sport = htons(1024 + (i & 0xffff) % 60000),
			 .dport = htons(80), .proto = IPPROTO_TCP },
		.raddr = htonl(0x0a00000b + (i & 1)), .rport = htons(80),
		.state = XD_TCP_ESTABLISHED, .flags = XD_CONN_F_FIN_IN,
		.idle_ms = 1234 + i,
	};

	return c;
}

static void round_trip_with(const char *text, size_t maclen)
{
	struct authkeys ak = keys_for(text);
	const struct auth_key *k = authkeys_active(&ak);
	struct sync_hdr h = { .type = SYNC_MSG_CONN, .gen = 0x0102030405060708ULL,
			      .seq = 42, .aux1 = 7, .aux2 = 9, .count = 2 };
	uint8_t payload[2 * SYNC_ENTRY_LEN], buf[1500];
	struct sync_msg m;
	enum sync_drop why;
	int len;

	snprintf(h.node, sizeof(h.node), "dir1");
	for (int i = 0; i < 2; i++) {
		struct backend_sync_conn c = sample_entry(i);

		sync_entry_encode(payload + i * SYNC_ENTRY_LEN, &c);
	}
	len = sync_msg_build(buf, sizeof(buf), &h, payload, sizeof(payload), k);
	assert_int_equal(len, SYNC_HDR_LEN + 4 + sizeof(payload) + maclen);
	assert_int_equal(sync_overhead(4, k), SYNC_HDR_LEN + 4 + maclen);
	assert_int_equal(sync_msg_parse(buf, len, &ak, &m, &why), 0);
	assert_int_equal(m.h.type, SYNC_MSG_CONN);
	assert_true(m.h.gen == 0x0102030405060708ULL);
	assert_int_equal(m.h.seq, 42);
	assert_int_equal(m.h.aux1, 7);
	assert_int_equal(m.h.aux2, 9);
	assert_int_equal(m.h.count, 2);
	assert_string_equal(m.h.node, "dir1");
	assert_int_equal(m.plen, sizeof(payload));
	assert_memory_equal(m.payload, payload, sizeof(payload));
	authkeys_free(&ak);
}

static void test_round_trip_methods(void **state)
{
	round_trip_with("auth 1\n1 crc\n", 4);
	round_trip_with("auth 2\n2 md5 secret\n", 16);
	round_trip_with("auth 3\n3 sha1 secret\n", 20);
	round_trip_with("auth 4\n4 sha256 secret\n", 32);
}

static int build_sample(uint8_t *buf, size_t cap, const struct auth_key *k)
{
	struct sync_hdr h = { .type = SYNC_MSG_CONN, .gen = 1, .seq = 1,
			      .count = 1 };
	uint8_t payload[SYNC_ENTRY_LEN];
	struct backend_sync_conn c = sample_entry(1);

	snprintf(h.node, sizeof(h.node), "dir1");
	sync_entry_encode(payload, &c);
	return sync_msg_build(buf, cap, &h, payload, sizeof(payload), k);
}

static void test_truncated(void **state)
{
	struct authkeys ak = keys_for("auth 1\n1 sha1 secret\n");
	uint8_t buf[512];
	int len = build_sample(buf, sizeof(buf), authkeys_active(&ak));
	struct sync_msg m;
	enum sync_drop why;

	assert_true(len > 0);
	for (int l = 0; l < len; l++) {
		assert_int_equal(sync_msg_parse(buf, l, &ak, &m, &why), -1);
		assert_int_equal(why, l < SYNC_HDR_LEN ? SYNC_DROP_SHORT :
				 SYNC_DROP_LENGTH);
	}
	/* A byte too many is as wrong as one too few. */
	assert_int_equal(sync_msg_parse(buf, len + 1, &ak, &m, &why), -1);
	assert_int_equal(why, SYNC_DROP_LENGTH);
	authkeys_free(&ak);
}

static void test_every_byte_flip_refused(void **state)
{
	struct authkeys ak = keys_for("auth 1\n1 sha256 secret\n");
	uint8_t buf[512];
	int len = build_sample(buf, sizeof(buf), authkeys_active(&ak));
	struct sync_msg m;
	enum sync_drop why;

	for (int i = 0; i < len; i++) {
		buf[i] ^= 0x01;
		assert_int_equal(sync_msg_parse(buf, len, &ak, &m, &why), -1);
		buf[i] ^= 0x01;
	}
	assert_int_equal(sync_msg_parse(buf, len, &ak, &m, &why), 0);
	authkeys_free(&ak);
}

static void test_forged_and_unknown_key(void **state)
{
	struct authkeys ours = keys_for("auth 1\n1 sha1 secret\n");
	struct authkeys theirs = keys_for("auth 1\n1 sha1 guessed\n");
	struct authkeys other_idx = keys_for("auth 5\n5 sha1 secret\n");
	struct authkeys two = keys_for("auth 1\n1 sha1 secret\n5 sha1 secret\n");
	uint8_t buf[512];
	struct sync_msg m;
	enum sync_drop why;
	int len;

	len = build_sample(buf, sizeof(buf), authkeys_active(&theirs));
	assert_int_equal(sync_msg_parse(buf, len, &ours, &m, &why), -1);
	assert_int_equal(why, SYNC_DROP_MAC);

	len = build_sample(buf, sizeof(buf), authkeys_active(&other_idx));
	assert_int_equal(sync_msg_parse(buf, len, &ours, &m, &why), -1);
	assert_int_equal(why, SYNC_DROP_KEY);
	/* Every listed key is accepted on input (key rollover). */
	assert_int_equal(sync_msg_parse(buf, len, &two, &m, &why), 0);
	authkeys_free(&ours);
	authkeys_free(&theirs);
	authkeys_free(&other_idx);
	authkeys_free(&two);
}

static void test_header_checks(void **state)
{
	struct authkeys ak = keys_for("auth 1\n1 sha1 secret\n");
	uint8_t buf[512], junk[100];
	int len = build_sample(buf, sizeof(buf), authkeys_active(&ak));
	struct sync_msg m;
	enum sync_drop why;

	memset(junk, 0xab, sizeof(junk));
	assert_int_equal(sync_msg_parse(junk, sizeof(junk), &ak, &m, &why), -1);
	assert_int_equal(why, SYNC_DROP_MAGIC);
	buf[4] = 2;
	assert_int_equal(sync_msg_parse(buf, len, &ak, &m, &why), -1);
	assert_int_equal(why, SYNC_DROP_VERSION);
	buf[4] = SYNC_VERSION;
	buf[5] = SYNC_MSG_MAX;
	assert_int_equal(sync_msg_parse(buf, len, &ak, &m, &why), -1);
	assert_int_equal(why, SYNC_DROP_TYPE);
	buf[5] = 0;
	assert_int_equal(sync_msg_parse(buf, len, &ak, &m, &why), -1);
	assert_int_equal(why, SYNC_DROP_TYPE);
	buf[5] = SYNC_MSG_CONN;
	buf[7] = 0;	/* no node name */
	assert_int_equal(sync_msg_parse(buf, len, &ak, &m, &why), -1);
	assert_int_equal(why, SYNC_DROP_LENGTH);
	authkeys_free(&ak);
}

static void test_build_limits(void **state)
{
	struct authkeys ak = keys_for("auth 1\n1 sha1 secret\n");
	const struct auth_key *k = authkeys_active(&ak);
	struct sync_hdr h = { .type = SYNC_MSG_CONN };
	uint8_t buf[100], payload[200] = { 0 };

	assert_int_equal(sync_msg_build(buf, sizeof(buf), &h, NULL, 0, k), -EINVAL);
	snprintf(h.node, sizeof(h.node), "dir1");
	assert_int_equal(sync_msg_build(buf, sizeof(buf), &h, payload,
					sizeof(payload), k), -EMSGSIZE);
	assert_int_equal(sync_msg_build(buf, sizeof(buf), &h, NULL, 0, k),
			 SYNC_HDR_LEN + 4 + 20);
	authkeys_free(&ak);
}

static void test_entry_round_trip(void **state)
{
	struct backend_sync_conn in = sample_entry(77), out;
	uint8_t p[SYNC_ENTRY_LEN];

	sync_entry_encode(p, &in);
	sync_entry_decode(p, &out);
	assert_memory_equal(&in.key, &out.key, sizeof(in.key));
	assert_int_equal(in.raddr, out.raddr);
	assert_int_equal(in.rport, out.rport);
	assert_int_equal(in.state, out.state);
	assert_int_equal(in.flags, out.flags);
	assert_int_equal(in.idle_ms, out.idle_ms);
	assert_int_equal(sync_entry_check(&out), SYNC_ENTRY_OK);
	/* Idle times beyond 32 bits saturate rather than wrap. */
	in.idle_ms = 1ULL << 40;
	sync_entry_encode(p, &in);
	sync_entry_decode(p, &out);
	assert_int_equal(out.idle_ms, UINT32_MAX);
}

static void test_entry_checks(void **state)
{
	struct backend_sync_conn c = sample_entry(1), bad;
	uint8_t p[SYNC_ENTRY_LEN];

	bad = c; bad.state = XD_TCP_NONE;
	assert_int_equal(sync_entry_check(&bad), SYNC_ENTRY_BAD_STATE);
	bad = c; bad.state = XD_STATE_MAX;
	assert_int_equal(sync_entry_check(&bad), SYNC_ENTRY_BAD_STATE);
	bad = c; bad.state = XD_UDP;	/* TCP in UDP's state */
	assert_int_equal(sync_entry_check(&bad), SYNC_ENTRY_BAD_STATE);
	bad = c; bad.key.proto = IPPROTO_UDP;	/* UDP in a TCP state */
	assert_int_equal(sync_entry_check(&bad), SYNC_ENTRY_BAD_STATE);
	bad.state = XD_UDP;
	assert_int_equal(sync_entry_check(&bad), SYNC_ENTRY_OK);
	bad = c; bad.key.proto = IPPROTO_ICMP;
	assert_int_equal(sync_entry_check(&bad), SYNC_ENTRY_BAD_PROTO);
	bad = c; bad.raddr = 0;
	assert_int_equal(sync_entry_check(&bad), SYNC_ENTRY_BAD_ADDR);
	bad = c; bad.key.sport = 0;
	assert_int_equal(sync_entry_check(&bad), SYNC_ENTRY_BAD_ADDR);
	bad = c; bad.flags = XD_CONN_F_SYNCED;
	assert_int_equal(sync_entry_check(&bad), SYNC_ENTRY_BAD_FLAGS);
	/* Non-zero padding is refused, not ignored. */
	sync_entry_encode(p, &c);
	p[22] = 1;
	sync_entry_decode(p, &bad);
	assert_int_equal(sync_entry_check(&bad), SYNC_ENTRY_BAD_FLAGS);
}

static void test_chunk_round_trip(void **state)
{
	size_t n = SYNC_CHUNK_ENTRIES_MAX, rawlen = n * SYNC_ENTRY_LEN;
	uint8_t *raw = malloc(rawlen), *back = malloc(rawlen), *z = malloc(rawlen);
	int zlen;

	for (size_t i = 0; i < n; i++) {
		struct backend_sync_conn c = sample_entry(i);

		sync_entry_encode(raw + i * SYNC_ENTRY_LEN, &c);
	}
	zlen = sync_chunk_compress(raw, n, z, rawlen);
	assert_true(zlen > 0);
	/* A real table compresses: at least 2x. */
	assert_true((size_t)zlen * 2 < rawlen);
	assert_int_equal(sync_chunk_decompress(z, zlen, n, back), 0);
	assert_memory_equal(raw, back, rawlen);
	/* The count must match the inflated size exactly. */
	assert_int_equal(sync_chunk_decompress(z, zlen, n - 1, back), -EBADMSG);
	assert_int_equal(sync_chunk_decompress(z, zlen, 0, back), -EBADMSG);
	assert_int_equal(sync_chunk_decompress(z, zlen - 1, n, back), -EBADMSG);
	memset(z, 0x5a, 64);
	assert_int_equal(sync_chunk_decompress(z, 64, 10, back), -EBADMSG);
	/* Does not fit: -ENOSPC, so the caller sends fewer entries. */
	assert_int_equal(sync_chunk_compress(raw, n, z, 100), -ENOSPC);
	free(raw);
	free(back);
	free(z);
}

static void test_decompression_bomb(void **state)
{
	/* 16 MB of zeros deflate to a few KB: the receiver must stop at
	 * its buffer, not inflate it all. */
	size_t big = 16u << 20;
	uint8_t *zeros = calloc(1, big), *z = malloc(big / 100);
	uint8_t *back = malloc((size_t)SYNC_CHUNK_ENTRIES_MAX * SYNC_ENTRY_LEN);
	uLongf zlen = big / 100;

	assert_int_equal(compress2(z, &zlen, zeros, big, 9), Z_OK);
	assert_int_equal(sync_chunk_decompress(z, zlen, SYNC_CHUNK_ENTRIES_MAX,
					       back), -EBADMSG);
	free(zeros);
	free(z);
	free(back);
}

/* A sealed payload: no entry byte in clear on the wire, a different key
 * stream for every (generation, sequence) and sender, the plaintext back
 * after parse, and a flipped ciphertext bit caught by the MAC. */
static void test_sealed_payload(void **state)
{
	struct authkeys ak = keys_for("auth 1\n1 sha256 cluster\n");
	const struct auth_key *k = authkeys_active(&ak);
	struct sync_hdr h = { .type = SYNC_MSG_CONN, .gen = 77, .seq = 5,
			      .count = 4, .flags = SYNC_F_SEALED };
	uint8_t payload[4 * SYNC_ENTRY_LEN], a[1500], b[1500];
	size_t off;
	struct sync_msg m;
	enum sync_drop why;
	int la, lb;

	snprintf(h.node, sizeof(h.node), "dir1");
	off = SYNC_HDR_LEN + 4;
	for (int i = 0; i < 4; i++) {
		struct backend_sync_conn c = sample_entry(i);

		sync_entry_encode(payload + i * SYNC_ENTRY_LEN, &c);
	}
	la = sync_msg_build(a, sizeof(a), &h, payload, sizeof(payload), k);
	assert_true(la > 0);
	assert_int_equal(a[38] << 8 | a[39], SYNC_F_SEALED);
	/* not one 4-byte run of an entry (the VIP, say) shows */
	for (size_t i = 0; i + 4 <= sizeof(payload); i++)
		assert_null(memmem(a + off, sizeof(payload), payload + i, 4));
	/* the next message, or another sender, uses another key stream */
	h.seq = 6;
	lb = sync_msg_build(b, sizeof(b), &h, payload, sizeof(payload), k);
	assert_int_equal(la, lb);
	assert_memory_not_equal(a + off, b + off, sizeof(payload));
	h.seq = 5;
	snprintf(h.node, sizeof(h.node), "dir2");
	lb = sync_msg_build(b, sizeof(b), &h, payload, sizeof(payload), k);
	assert_memory_not_equal(a + off, b + off, sizeof(payload));
	/* parse gives the plaintext, marked sealed, the flag taken off */
	memcpy(b, a, la);
	assert_int_equal(sync_msg_parse(b, la, &ak, &m, &why), 0);
	assert_true(m.sealed);
	assert_int_equal(m.h.flags, 0);
	assert_int_equal(m.plen, sizeof(payload));
	assert_memory_equal(m.payload, payload, sizeof(payload));
	/* tampered ciphertext */
	memcpy(b, a, la);
	b[off + 3] ^= 0x20;
	assert_int_equal(sync_msg_parse(b, la, &ak, &m, &why), -1);
	assert_int_equal(why, SYNC_DROP_MAC);
	authkeys_free(&ak);
}

/* crc has no secret to derive a key from: sealing is refused. */
static void test_sealed_needs_a_secret(void **state)
{
	struct authkeys ak = keys_for("auth 1\n1 crc\n");
	struct sync_hdr h = { .type = SYNC_MSG_CONN, .gen = 1, .seq = 1,
			      .count = 1, .flags = SYNC_F_SEALED };
	uint8_t payload[SYNC_ENTRY_LEN] = { 1 }, buf[1500];

	snprintf(h.node, sizeof(h.node), "dir1");
	assert_int_equal(sync_msg_build(buf, sizeof(buf), &h, payload,
					sizeof(payload), authkeys_active(&ak)),
			 -EINVAL);
	authkeys_free(&ak);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_methods),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_every_byte_flip_refused),
		cmocka_unit_test(test_forged_and_unknown_key),
		cmocka_unit_test(test_header_checks),
		cmocka_unit_test(test_build_limits),
		cmocka_unit_test(test_entry_round_trip),
		cmocka_unit_test(test_entry_checks),
		cmocka_unit_test(test_chunk_round_trip),
		cmocka_unit_test(test_decompression_bomb),
		cmocka_unit_test(test_sealed_payload),
		cmocka_unit_test(test_sealed_needs_a_secret),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
