/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the peer-message fuzz targets. A random datagram almost never
 * carries a valid MAC, so the parser would stop there; half the inputs
 * are therefore signed with the test key first (input byte 0 chooses),
 * which lets the fuzzer reach everything behind the MAC check too.
 */
#ifndef XD_FUZZ_WIRE_H
#define XD_FUZZ_WIRE_H

#include <stdint.h>
#include <stdlib.h>

#include "config/authkeys.h"
#include "ha/auth.h"

static struct authkeys fuzz_keys;

static inline const struct auth_key *fuzz_key(void)
{
	char err[128];

	if (!fuzz_keys.nkeys &&
	    authkeys_parse_string("authkeys", "auth 1\n1 sha1 fuzz\n",
				  &fuzz_keys, err, sizeof(err)))
		abort();
	return authkeys_active(&fuzz_keys);
}

/* Append the MAC of buf[0..len) at buf + len; returns the new length. */
static inline size_t fuzz_sign(uint8_t *buf, size_t len, size_t cap)
{
	size_t maclen = cap - len;

	if (auth_sign(fuzz_key(), buf, len, buf + len, &maclen))
		abort();
	return len + maclen;
}

#endif
