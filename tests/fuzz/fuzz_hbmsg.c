// SPDX-License-Identifier: GPL-2.0
/* Heartbeat packets: decode any datagram, signed or not; whatever decodes
 * encodes back to the same header (a version 1 one to its 68 bytes). */
#include <string.h>

#include "fuzz_wire.h"
#include "ha/hbmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t buf[HBMSG_MAX_LEN + 64], again[HBMSG_MAX_LEN];
	struct hbmsg m;
	size_t len;
	int n;

	if (size < 1)
		return 0;
	len = size - 1 < sizeof(buf) ? size - 1 : sizeof(buf);
	memcpy(buf, data + 1, len);
	if (data[0] & 1) {
		/* signed: the header as given, padded, then our MAC (over a
		 * version 1 header if byte 4 says so) */
		if (len < HBMSG_HDR_LEN)
			memset(buf + len, 0, HBMSG_HDR_LEN - len);
		buf[7] = (uint8_t)fuzz_key()->index;
		len = fuzz_sign(buf, buf[4] == 1 ? HBMSG_V1_HDR_LEN :
				HBMSG_HDR_LEN, sizeof(buf));
	}
	fuzz_key();
	if (hbmsg_decode(buf, len, &fuzz_keys, &m) != HBMSG_OK)
		return 0;
	/* Every field decode returns says back what was sent; byte 59 is
	 * reserved (not read), and the MAC follows from the rest. */
	n = hbmsg_encode(&m, fuzz_key(), again, sizeof(again));
	again[59] = buf[59];
	if (buf[4] == 1) {
		/* version 1 holds no table; we answer in version 2 */
		again[4] = 1;
		if (m.table_gen || m.table_entries ||
		    memcmp(again, buf, HBMSG_V1_HDR_LEN))
			abort();
	} else if (n != (int)len || memcmp(again, buf, HBMSG_HDR_LEN)) {
		abort();
	}
	return 0;
}
