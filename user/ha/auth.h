/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Message authentication between the two directors (heartbeat and sync
 * packets): HMAC-MD5/SHA1/SHA256 with the authkeys secret, or crc32 when
 * the operator chose crc (integrity against corruption only). Plus a
 * replay guard over the peer's (generation, sequence) numbers.
 */
#ifndef XD_HA_AUTH_H
#define XD_HA_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/authkeys.h"

#define AUTH_MAC_MAX	32	/* SHA-256 */

/* Bytes of MAC the method produces: 4 (crc), 16, 20 or 32; 0 if unknown. */
size_t auth_mac_len(enum auth_method m);

/*
 * Sign msg with key. *maclen is the size of mac on entry and the MAC's
 * length on return. Returns 0, -ENOSPC if mac is too small, -EINVAL for a
 * key without a secret, or -EIO if libcrypto fails.
 */
int auth_sign(const struct auth_key *key, const void *msg, size_t len,
	      uint8_t *mac, size_t *maclen);

/* true only if mac is the full, correct MAC; compared in constant time. */
bool auth_verify(const struct auth_key *key, const void *msg, size_t len,
		 const uint8_t *mac, size_t maclen);

#define REPLAY_WINDOW	64

/*
 * The peer's last accepted (generation, seq) and which of the 64
 * sequence numbers up to it were seen, as IPsec's anti-replay window.
 * The generation grows at each peer restart.
 */
struct replay_window {
	uint64_t gen;
	uint64_t top;		/* highest seq accepted in gen */
	uint64_t seen;		/* bit i: top - i was accepted */
	bool valid;		/* false until the first message */
};

void replay_init(struct replay_window *w);
/*
 * Call only after auth_verify() succeeded, so forged packets cannot move
 * the window. Returns 0 (accept, window updated) or -1 (duplicate, older
 * than the window, or from an older generation).
 */
int replay_check_and_update(struct replay_window *w, uint64_t gen,
			    uint64_t seq);

#endif
