// SPDX-License-Identifier: GPL-2.0
/*
 * Message authentication: HMAC known answers from RFC 2202 (MD5, SHA-1)
 * and RFC 4231 (SHA-256), crc32's check value, verify rejecting tampered
 * messages, MACs and keys, and the 64-entry replay window.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "ha/auth.h"

static size_t unhex(const char *hex, uint8_t *out)
{
	size_t n = 0;
	unsigned int b;

	for (; hex[0] && hex[1]; hex += 2) {
		assert_int_equal(sscanf(hex, "%2x", &b), 1);
		out[n++] = b;
	}
	return n;
}

static void check_kat(enum auth_method m, const char *secret,
		      const void *msg, size_t len, const char *hex)
{
	struct auth_key key = { .index = 1, .method = m,
				.secret = (char *)secret };
	uint8_t want[AUTH_MAC_MAX], mac[AUTH_MAC_MAX];
	size_t wantlen = unhex(hex, want), maclen = sizeof(mac);

	assert_int_equal(auth_sign(&key, msg, len, mac, &maclen), 0);
	assert_int_equal(maclen, wantlen);
	assert_int_equal(maclen, auth_mac_len(m));
	assert_memory_equal(mac, want, wantlen);
	assert_true(auth_verify(&key, msg, len, want, wantlen));
}

static void test_hmac_md5_rfc2202(void **state)
{
	char k1[17], k3[17];
	uint8_t d3[50];

	memset(k1, 0x0b, 16);
	k1[16] = '\0';
	check_kat(AUTH_MD5, k1, "Hi There", 8,
		  "9294727a3638bb1c13f48ef8158bfc9d");
	check_kat(AUTH_MD5, "Jefe", "what do ya want for nothing?", 28,
		  "750c783e6ab0b503eaa86e310a5db738");
	memset(k3, 0xaa, 16);
	k3[16] = '\0';
	memset(d3, 0xdd, sizeof(d3));
	check_kat(AUTH_MD5, k3, d3, sizeof(d3),
		  "56be34521d144c88dbb8c733f0e8b3f6");
}

static void test_hmac_sha1_rfc2202(void **state)
{
	char k1[21], k3[21];
	uint8_t d3[50];

	memset(k1, 0x0b, 20);
	k1[20] = '\0';
	check_kat(AUTH_SHA1, k1, "Hi There", 8,
		  "b617318655057264e28bc0b6fb378c8ef146be00");
	check_kat(AUTH_SHA1, "Jefe", "what do ya want for nothing?", 28,
		  "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
	memset(k3, 0xaa, 20);
	k3[20] = '\0';
	memset(d3, 0xdd, sizeof(d3));
	check_kat(AUTH_SHA1, k3, d3, sizeof(d3),
		  "125d7342b9ac11cd91a39af48aa17b4f63f175d3");
}

static void test_hmac_sha256_rfc4231(void **state)
{
	char k1[21], k3[21];
	uint8_t d3[50];

	memset(k1, 0x0b, 20);
	k1[20] = '\0';
	check_kat(AUTH_SHA256, k1, "Hi There", 8,
		  "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	check_kat(AUTH_SHA256, "Jefe", "what do ya want for nothing?", 28,
		  "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	memset(k3, 0xaa, 20);
	k3[20] = '\0';
	memset(d3, 0xdd, sizeof(d3));
	check_kat(AUTH_SHA256, k3, d3, sizeof(d3),
		  "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
}

static void test_crc32(void **state)
{
	/* the CRC-32 check value, big-endian on the wire */
	check_kat(AUTH_CRC, NULL, "123456789", 9, "cbf43926");
}

static void test_mac_len_and_buffer(void **state)
{
	struct auth_key key = { .method = AUTH_SHA256, .secret = "k" };
	struct auth_key nosecret = { .method = AUTH_SHA1 };
	uint8_t mac[AUTH_MAC_MAX];
	size_t maclen;

	assert_int_equal(auth_mac_len(AUTH_CRC), 4);
	assert_int_equal(auth_mac_len(AUTH_MD5), 16);
	assert_int_equal(auth_mac_len(AUTH_SHA1), 20);
	assert_int_equal(auth_mac_len(AUTH_SHA256), 32);

	maclen = 31;
	assert_int_equal(auth_sign(&key, "x", 1, mac, &maclen), -ENOSPC);
	maclen = sizeof(mac);
	assert_int_equal(auth_sign(&nosecret, "x", 1, mac, &maclen), -EINVAL);

	/* empty message is fine */
	maclen = sizeof(mac);
	assert_int_equal(auth_sign(&key, NULL, 0, mac, &maclen), 0);
	assert_true(auth_verify(&key, NULL, 0, mac, maclen));
}

static void test_verify_rejects(void **state)
{
	static const enum auth_method methods[] = {
		AUTH_CRC, AUTH_MD5, AUTH_SHA1, AUTH_SHA256,
	};
	uint8_t msg[64], mac[AUTH_MAC_MAX], bad[AUTH_MAC_MAX];
	size_t i, bit, maclen;

	for (i = 0; i < sizeof(msg); i++)
		msg[i] = i * 7;

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		struct auth_key key = { .method = methods[i], .secret = "right" };
		struct auth_key wrong = { .method = methods[i], .secret = "wrong" };

		maclen = sizeof(mac);
		assert_int_equal(auth_sign(&key, msg, sizeof(msg), mac, &maclen), 0);
		assert_true(auth_verify(&key, msg, sizeof(msg), mac, maclen));

		/* every single-bit flip of the MAC is caught */
		for (bit = 0; bit < maclen * 8; bit++) {
			memcpy(bad, mac, maclen);
			bad[bit / 8] ^= 1u << (bit % 8);
			assert_false(auth_verify(&key, msg, sizeof(msg), bad, maclen));
		}
		/* a flipped bit in the message */
		msg[10] ^= 0x20;
		assert_false(auth_verify(&key, msg, sizeof(msg), mac, maclen));
		msg[10] ^= 0x20;
		/* truncated, over-long and missing MACs */
		assert_false(auth_verify(&key, msg, sizeof(msg), mac, maclen - 1));
		assert_false(auth_verify(&key, msg, sizeof(msg), mac, 0));
		assert_false(auth_verify(&key, msg, sizeof(msg), NULL, maclen));
		if (maclen < sizeof(bad)) {
			memcpy(bad, mac, maclen);
			bad[maclen] = 0;
			assert_false(auth_verify(&key, msg, sizeof(msg), bad, maclen + 1));
		}
		/* a shorter message */
		assert_false(auth_verify(&key, msg, sizeof(msg) - 1, mac, maclen));
		/* the wrong key: crc has no key, so it cannot tell */
		if (methods[i] != AUTH_CRC)
			assert_false(auth_verify(&wrong, msg, sizeof(msg), mac, maclen));
	}

	/* same secret, other method */
	{
		struct auth_key k1 = { .method = AUTH_SHA1, .secret = "s" };
		struct auth_key k256 = { .method = AUTH_SHA256, .secret = "s" };

		maclen = sizeof(mac);
		assert_int_equal(auth_sign(&k256, msg, sizeof(msg), mac, &maclen), 0);
		assert_false(auth_verify(&k1, msg, sizeof(msg), mac, 20));
		assert_false(auth_verify(&k1, msg, sizeof(msg), mac, maclen));
	}
}

static void test_replay_in_order(void **state)
{
	struct replay_window w;
	uint64_t s;

	replay_init(&w);
	for (s = 1; s <= 200; s++)
		assert_int_equal(replay_check_and_update(&w, 7, s), 0);
	assert_int_equal(replay_check_and_update(&w, 7, 200), -1);
	assert_int_equal(replay_check_and_update(&w, 7, 199), -1);
	assert_int_equal(replay_check_and_update(&w, 7, 1), -1);
}

static void test_replay_out_of_order(void **state)
{
	struct replay_window w;

	replay_init(&w);
	assert_int_equal(replay_check_and_update(&w, 1, 10), 0);
	assert_int_equal(replay_check_and_update(&w, 1, 8), 0);
	assert_int_equal(replay_check_and_update(&w, 1, 8), -1);
	assert_int_equal(replay_check_and_update(&w, 1, 9), 0);
	assert_int_equal(replay_check_and_update(&w, 1, 9), -1);
	assert_int_equal(replay_check_and_update(&w, 1, 10), -1);
	assert_int_equal(replay_check_and_update(&w, 1, 12), 0);
	assert_int_equal(replay_check_and_update(&w, 1, 11), 0);
	assert_int_equal(replay_check_and_update(&w, 1, 11), -1);
	/* 8 and 9 are still remembered after the window moved */
	assert_int_equal(replay_check_and_update(&w, 1, 8), -1);
	assert_int_equal(replay_check_and_update(&w, 1, 7), 0);
}

static void test_replay_window_edge(void **state)
{
	struct replay_window w;

	replay_init(&w);
	assert_int_equal(replay_check_and_update(&w, 1, 100), 0);
	/* 100 - 63 is the oldest slot still inside the window */
	assert_int_equal(replay_check_and_update(&w, 1, 37), 0);
	assert_int_equal(replay_check_and_update(&w, 1, 37), -1);
	assert_int_equal(replay_check_and_update(&w, 1, 36), -1);
	assert_int_equal(replay_check_and_update(&w, 1, 0), -1);

	/* a jump beyond the window forgets everything before it */
	assert_int_equal(replay_check_and_update(&w, 1, 1000), 0);
	assert_int_equal(replay_check_and_update(&w, 1, 990), 0);
	assert_int_equal(replay_check_and_update(&w, 1, 936), -1);
	assert_int_equal(replay_check_and_update(&w, 1, 937), 0);
	/* a jump of exactly 64 shifts the old top out */
	assert_int_equal(replay_check_and_update(&w, 1, 1064), 0);
	assert_int_equal(replay_check_and_update(&w, 1, 1000), -1);
	assert_int_equal(replay_check_and_update(&w, 1, 1001), 0);
}

static void test_replay_generation(void **state)
{
	struct replay_window w;

	replay_init(&w);
	assert_int_equal(replay_check_and_update(&w, 5, 1000), 0);
	/* the peer restarted: a new generation starts its seq over */
	assert_int_equal(replay_check_and_update(&w, 6, 0), 0);
	assert_int_equal(replay_check_and_update(&w, 6, 1), 0);
	assert_int_equal(replay_check_and_update(&w, 6, 0), -1);
	/* nothing from the previous boot is accepted any more */
	assert_int_equal(replay_check_and_update(&w, 5, 1001), -1);
	assert_int_equal(replay_check_and_update(&w, 5, 5000), -1);
	assert_int_equal(replay_check_and_update(&w, 6, 2), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hmac_md5_rfc2202),
		cmocka_unit_test(test_hmac_sha1_rfc2202),
		cmocka_unit_test(test_hmac_sha256_rfc4231),
		cmocka_unit_test(test_crc32),
		cmocka_unit_test(test_mac_len_and_buffer),
		cmocka_unit_test(test_verify_rejects),
		cmocka_unit_test(test_replay_in_order),
		cmocka_unit_test(test_replay_out_of_order),
		cmocka_unit_test(test_replay_window_edge),
		cmocka_unit_test(test_replay_generation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
