// SPDX-License-Identifier: GPL-2.0
/* Sync datagrams: parse any datagram, signed or not; a parsed one's
 * payload is inflated and its entries decoded and range-checked as the
 * standby does. */
#include <string.h>

#include "fuzz_wire.h"
#include "sync/sync_wire.h"

static uint8_t raw[SYNC_CHUNK_ENTRIES_MAX * SYNC_ENTRY_LEN];

static void entries(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct backend_sync_conn c;

		sync_entry_decode(p + i * SYNC_ENTRY_LEN, &c);
		(void)sync_entry_check(&c);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[SYNC_DGRAM_MAX + 64];
	struct sync_msg m;
	enum sync_drop why;
	size_t len;

	if (size < 1)
		return 0;
	len = size - 1 < SYNC_DGRAM_MAX ? size - 1 : SYNC_DGRAM_MAX;
	memcpy(buf, data + 1, len);
	if (data[0] & 1) {
		if (len < SYNC_HDR_LEN)
			return 0;
		buf[6] = (uint8_t)fuzz_key()->index;
		len = fuzz_sign(buf, len, sizeof(buf));
	} else {
		fuzz_key();
	}
	if (sync_msg_parse(buf, len, &fuzz_keys, &m, &why)) {
		if ((unsigned)why >= SYNC_DROP_MAX)
			abort();
		return 0;
	}
	if (m.h.flags & SYNC_F_ZLIB) {
		if (m.h.count <= SYNC_CHUNK_ENTRIES_MAX &&
		    !sync_chunk_decompress(m.payload, m.plen, m.h.count, raw))
			entries(raw, m.h.count);
	} else if (m.plen == (size_t)m.h.count * SYNC_ENTRY_LEN) {
		entries(m.payload, m.h.count);
	}
	return 0;
}
