// SPDX-License-Identifier: GPL-2.0
/* HMAC / crc32 message authentication and the replay window. */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <zlib.h>

#include "ha/auth.h"

static const EVP_MD *auth_md(enum auth_method m)
{
	switch (m) {
	case AUTH_MD5:
		return EVP_md5();
	case AUTH_SHA1:
		return EVP_sha1();
	case AUTH_SHA256:
		return EVP_sha256();
	case AUTH_CRC:
		break;
	}
	return NULL;
}

size_t auth_mac_len(enum auth_method m)
{
	switch (m) {
	case AUTH_CRC:
		return 4;
	case AUTH_MD5:
		return 16;
	case AUTH_SHA1:
		return 20;
	case AUTH_SHA256:
		return 32;
	}
	return 0;
}

int auth_sign(const struct auth_key *key, const void *msg, size_t len,
	      uint8_t *mac, size_t *maclen)
{
	size_t need = auth_mac_len(key->method);
	const EVP_MD *md;
	unsigned int outlen = 0;
	uLong crc;

	if (!need)
		return -EINVAL;
	if (*maclen < need)
		return -ENOSPC;

	if (key->method == AUTH_CRC) {
		/* zlib's crc32 takes a uInt length: feed large inputs in parts. */
		const uint8_t *p = msg;
		size_t left = len;

		crc = crc32(0L, Z_NULL, 0);
		while (left) {
			uInt chunk = left > 0x40000000u ? 0x40000000u : left;

			crc = crc32(crc, p, chunk);
			p += chunk;
			left -= chunk;
		}
		mac[0] = crc >> 24;
		mac[1] = crc >> 16;
		mac[2] = crc >> 8;
		mac[3] = crc;
		*maclen = 4;
		return 0;
	}

	md = auth_md(key->method);
	if (!key->secret || !md)
		return -EINVAL;
	if (!HMAC(md, key->secret, (int)strlen(key->secret),
		  len ? msg : (const void *)"", len, mac, &outlen) ||
	    outlen != need)
		return -EIO;
	*maclen = outlen;
	return 0;
}

bool auth_verify(const struct auth_key *key, const void *msg, size_t len,
		 const uint8_t *mac, size_t maclen)
{
	uint8_t want[AUTH_MAC_MAX];
	size_t wantlen = sizeof(want);
	bool ok;

	if (!mac || maclen != auth_mac_len(key->method))
		return false;
	if (auth_sign(key, msg, len, want, &wantlen))
		return false;
	ok = wantlen == maclen && CRYPTO_memcmp(want, mac, maclen) == 0;
	OPENSSL_cleanse(want, sizeof(want));
	return ok;
}

void replay_init(struct replay_window *w)
{
	memset(w, 0, sizeof(*w));
}

int replay_check_and_update(struct replay_window *w, uint64_t gen,
			    uint64_t seq)
{
	uint64_t diff;

	/* First message, or the peer restarted: start a fresh window. */
	if (!w->valid || gen > w->gen) {
		w->valid = true;
		w->gen = gen;
		w->top = seq;
		w->seen = 1;
		return 0;
	}
	if (gen < w->gen)
		return -1;

	if (seq > w->top) {
		diff = seq - w->top;
		w->seen = diff >= REPLAY_WINDOW ? 1 : (w->seen << diff) | 1;
		w->top = seq;
		return 0;
	}
	diff = w->top - seq;
	if (diff >= REPLAY_WINDOW)
		return -1;
	if (w->seen & (1ULL << diff))
		return -1;
	w->seen |= 1ULL << diff;
	return 0;
}
