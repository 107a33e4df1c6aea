/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The sync protocol's datagrams: encoding, decoding, signing. Pure
 * functions over byte buffers, no sockets, so they can be tested alone.
 * The format is described in docs/sync.md and below.
 *
 * Every datagram (all integers big-endian):
 *   0  magic    u32  "XDSY"
 *   4  version  u8   1
 *   5  type     u8   enum sync_msg_type
 *   6  key      u8   authkeys index of the signing key
 *   7  nodelen  u8   1..SYNC_NODE_MAX
 *   8  gen      u64  sender's per-boot generation (grows at each start)
 *  16  seq      u64  sender's message counter within gen (all types)
 *  24  aux1     u32  CONN: stream seq; BULK_REQ, BULK, BULK_END: bulk id
 *  28  aux2     u32  CONN: batch age ms; BULK: chunk index;
 *                    BULK_END: chunks sent
 *  32  count    u32  CONN, BULK: entries; BULK_END: entries sent
 *  36  plen     u16  payload bytes
 *  38  flags    u16  SYNC_F_ZLIB: payload is zlib-compressed;
 *                     SYNC_F_SEALED: payload encrypted (after compression)
 *  40  node     nodelen bytes, the sender's node name (no NUL)
 *      payload  plen bytes: count entries of SYNC_ENTRY_LEN, or zlib of them
 *      mac      auth_mac_len(key's method) bytes over everything before it
 * The datagram must be exactly that long: anything else is dropped.
 *
 * An entry (SYNC_ENTRY_LEN bytes; addresses and ports as on the wire):
 *   0 client addr, 4 vip, 8 client port, 10 vport, 12 real addr,
 *  16 real port, 18 proto, 19 state (enum xd_tcp_state), 20 flags
 *  (XD_CONN_F_FIN_*), 21..23 zero, 24 idle ms (u32, time since the
 *  connection's last packet on the sender).
 */
#ifndef XD_SYNC_WIRE_H
#define XD_SYNC_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/backend.h"
#include "config/authkeys.h"

#define SYNC_MAGIC		0x58445359u	/* "XDSY" */
#define SYNC_VERSION		1
#define SYNC_HDR_LEN		40
#define SYNC_NODE_MAX		64
#define SYNC_ENTRY_LEN		28
#define SYNC_DGRAM_MAX		65507	/* largest UDP payload */
/* Entries one compressed BULK chunk may carry: bounds decompression. */
#define SYNC_CHUNK_ENTRIES_MAX	2048
#define SYNC_F_ZLIB		0x0001
#define SYNC_F_SEALED		0x0002	/* payload encrypted: sync_payload_crypt */

enum sync_msg_type {
	SYNC_MSG_CONN = 1,	/* incremental: new connections, state changes */
	SYNC_MSG_BULK_REQ,	/* standby -> active: send me the whole table */
	SYNC_MSG_BULK,		/* active -> standby: one chunk of the table */
	SYNC_MSG_BULK_END,	/* active -> standby: that was all of it */
	SYNC_MSG_MAX,
};

struct sync_hdr {
	uint8_t type;
	uint8_t key;
	uint64_t gen;
	uint64_t seq;
	uint32_t aux1;
	uint32_t aux2;
	uint32_t count;
	uint16_t flags;
	char node[SYNC_NODE_MAX + 1];
};

/* A decoded, not yet validated, message: views into the datagram. */
struct sync_msg {
	struct sync_hdr h;	/* flags without SYNC_F_SEALED */
	bool sealed;		/* the payload came encrypted */
	const uint8_t *payload;
	size_t plen;
};

/* Why a datagram was refused, in the order the checks run. */
enum sync_drop {
	SYNC_DROP_SHORT = 0,	/* shorter than a header */
	SYNC_DROP_MAGIC,
	SYNC_DROP_VERSION,
	SYNC_DROP_TYPE,
	SYNC_DROP_KEY,		/* key index not in authkeys */
	SYNC_DROP_LENGTH,	/* lengths do not add up to the datagram's */
	SYNC_DROP_MAC,		/* forged or corrupted */
	SYNC_DROP_REPLAY,	/* duplicate, too old, older generation */
	SYNC_DROP_ROLE,		/* not for a director in our role */
	SYNC_DROP_PAYLOAD,	/* count/payload inconsistent, bad zlib */
	SYNC_DROP_CLEAR,	/* payload in clear where sealing is required */
	SYNC_DROP_MAX,
};

const char *sync_drop_name(enum sync_drop d);
const char *sync_msg_name(int type);

/*
 * Build a datagram: header, node, payload, MAC with key. With
 * SYNC_F_SEALED in h->flags the payload is encrypted first (a key method
 * with a secret is needed: not crc). Returns its length, or a negative
 * errno (-EMSGSIZE if it does not fit in cap).
 */
int sync_msg_build(uint8_t *buf, size_t cap, const struct sync_hdr *h,
		   const void *payload, size_t plen,
		   const struct auth_key *key);

/*
 * Check and decode a datagram, cheapest checks first; the MAC is checked
 * before anything in the payload is looked at. A sealed payload is
 * decrypted in place. Returns 0, or -1 with *why set.
 */
int sync_msg_parse(uint8_t *buf, size_t len, const struct authkeys *ak,
		   struct sync_msg *m, enum sync_drop *why);

/*
 * Encrypt or decrypt (the same operation) len bytes at p in place:
 * AES-256-CTR under a key derived with HKDF-SHA256 from key's secret for
 * the sender's (node, generation), the counter starting at the message's
 * sequence number. A sender never repeats (generation, sequence), so no
 * key stream is used twice; the MAC over the ciphertext authenticates it.
 * Returns 0, -EINVAL for a key without a secret (crc), or -EIO.
 */
int sync_payload_crypt(const struct auth_key *key, const char *node,
		       uint64_t gen, uint64_t seq, uint8_t *p, size_t len);

/* Bytes a datagram takes besides its payload. */
size_t sync_overhead(size_t nodelen, const struct auth_key *key);

/* One entry to and from its wire form. */
void sync_entry_encode(uint8_t *p, const struct backend_sync_conn *c);
void sync_entry_decode(const uint8_t *p, struct backend_sync_conn *c);

/* Why an entry was refused. */
enum sync_bad_entry {
	SYNC_ENTRY_OK = 0,
	SYNC_ENTRY_BAD_PROTO,
	SYNC_ENTRY_BAD_STATE,
	SYNC_ENTRY_BAD_ADDR,
	SYNC_ENTRY_BAD_FLAGS,
};

/* Range checks of a decoded entry; SYNC_ENTRY_OK when it may be installed. */
enum sync_bad_entry sync_entry_check(const struct backend_sync_conn *c);

/*
 * Compress n encoded entries (n * SYNC_ENTRY_LEN bytes at raw) into out.
 * Returns the compressed length, or -ENOSPC if it does not fit in cap.
 */
int sync_chunk_compress(const uint8_t *raw, size_t n, uint8_t *out,
			size_t cap);
/*
 * Inflate a BULK payload that claims count entries into raw (room for
 * SYNC_CHUNK_ENTRIES_MAX entries). The result must be exactly count
 * entries long. Returns 0 or -EBADMSG.
 */
int sync_chunk_decompress(const uint8_t *in, size_t len, uint32_t count,
			  uint8_t *raw);

#endif
