/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The heartbeat packet between the two directors: who sends, on which of
 * its links, its (generation, sequence) for the replay guard, its role and
 * what the peer needs to decide who owns the resources, then a MAC with
 * an authkeys key. All integers big-endian; fixed layout, no padding:
 *
 *	0  magic "XDHB"     4  version      5  type        6  link
 *	7  key index        8  generation  16  sequence   24  node[32]
 *	56 role            57  flags       58  pings_up   59  reserved
 *	60 epoch           64  keepalive_ms
 *	68 table_gen       76  table_entries              80  MAC
 *
 * Version 2 added table_gen and table_entries: the connection table the
 * sender holds from its peer, for the failback handshake (docs/sync.md).
 * Version 1 packets (68-byte header, MAC right after keepalive_ms) are
 * still accepted, as holding no table, so that a director can be upgraded
 * while its peer runs the older version; we send version 2 only.
 */
#ifndef XD_HA_HBMSG_H
#define XD_HA_HBMSG_H

#include <stddef.h>
#include <stdint.h>

#include "config/authkeys.h"
#include "ha/auth.h"

#define HBMSG_MAGIC		0x58444842u	/* "XDHB" */
#define HBMSG_VERSION		2
#define HBMSG_HDR_LEN		80
#define HBMSG_V1_HDR_LEN	68
#define HBMSG_MAX_LEN		(HBMSG_HDR_LEN + AUTH_MAC_MAX)
#define HBMSG_NODE_LEN		32

enum hbmsg_type {
	HBMSG_HEARTBEAT = 1,
	HBMSG_TAKEOVER = 2,	/* "give me the resources" (hb_takeover) */
};

#define HBMSG_F_HOLD		0x01	/* operator standby: does not want them */
#define HBMSG_F_PINGS_KNOWN	0x02	/* pings_up is meaningful */
#define HBMSG_F_HANDOVER	0x04	/* active: hands the resources over as
					 * soon as the peer holds its table */

struct hbmsg {
	uint8_t type;
	uint8_t link;		/* sender's link index */
	uint8_t key_index;	/* filled by encode, read by decode */
	uint64_t gen;
	uint64_t seq;
	char node[HBMSG_NODE_LEN + 1];
	uint8_t role;		/* enum ha_role */
	uint8_t flags;
	uint8_t pings_up;
	uint32_t epoch;
	uint32_t keepalive_ms;
	/* The sync generation of the peer's connection table that the
	 * sender holds complete (0: none), and its entries. */
	uint64_t table_gen;
	uint32_t table_entries;
};

/* Why decode refused a packet; the caller counts each. */
enum hbmsg_err {
	HBMSG_OK = 0,
	HBMSG_ERR_SHORT,	/* truncated, or longer than its MAC says */
	HBMSG_ERR_FORMAT,	/* bad magic, version, type or node name */
	HBMSG_ERR_KEY,		/* key index authkeys does not list */
	HBMSG_ERR_AUTH,		/* MAC does not verify: forged or unsigned */
	HBMSG_ERR_MAX,
};

const char *hbmsg_err_name(enum hbmsg_err e);

/*
 * Encode and sign m with key into buf. Returns the length, or a negative
 * errno (-ENOSPC, -EINVAL for a node name too long, auth errors).
 */
int hbmsg_encode(const struct hbmsg *m, const struct auth_key *key,
		 uint8_t *buf, size_t len);

/* Parse and verify against any key in ak. Fills m only on HBMSG_OK. */
enum hbmsg_err hbmsg_decode(const uint8_t *buf, size_t len,
			    const struct authkeys *ak, struct hbmsg *m);

#endif
