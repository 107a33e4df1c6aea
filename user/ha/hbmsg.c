// SPDX-License-Identifier: GPL-2.0
/* Heartbeat packet encoding, decoding and authentication. */
#include <errno.h>
#include <string.h>

#include "ha/hbmsg.h"
#include "wire.h"

static const char *const err_names[HBMSG_ERR_MAX] = {
	[HBMSG_OK] = "ok",
	[HBMSG_ERR_SHORT] = "truncated",
	[HBMSG_ERR_FORMAT] = "bad_format",
	[HBMSG_ERR_KEY] = "unknown_key",
	[HBMSG_ERR_AUTH] = "bad_auth",
};

const char *hbmsg_err_name(enum hbmsg_err e)
{
	return e < HBMSG_ERR_MAX ? err_names[e] : "?";
}

int hbmsg_encode(const struct hbmsg *m, const struct auth_key *key,
		 uint8_t *buf, size_t len)
{
	size_t nlen = strlen(m->node), maclen;
	int rc;

	if (!nlen || nlen > HBMSG_NODE_LEN || key->index < 0 ||
	    key->index > 255)
		return -EINVAL;
	if (len < HBMSG_HDR_LEN + auth_mac_len(key->method))
		return -ENOSPC;
	memset(buf, 0, HBMSG_HDR_LEN);
	put32(buf, HBMSG_MAGIC);
	buf[4] = HBMSG_VERSION;
	buf[5] = m->type;
	buf[6] = m->link;
	buf[7] = (uint8_t)key->index;
	put64(buf + 8, m->gen);
	put64(buf + 16, m->seq);
	memcpy(buf + 24, m->node, nlen);
	buf[56] = m->role;
	buf[57] = m->flags;
	buf[58] = m->pings_up;
	put32(buf + 60, m->epoch);
	put32(buf + 64, m->keepalive_ms);
	put64(buf + 68, m->table_gen);
	put32(buf + 76, m->table_entries);
	maclen = len - HBMSG_HDR_LEN;
	rc = auth_sign(key, buf, HBMSG_HDR_LEN, buf + HBMSG_HDR_LEN, &maclen);
	if (rc)
		return rc;
	return HBMSG_HDR_LEN + (int)maclen;
}

enum hbmsg_err hbmsg_decode(const uint8_t *buf, size_t len,
			    const struct authkeys *ak, struct hbmsg *m)
{
	const struct auth_key *key;
	size_t nlen, hlen;

	if (len < HBMSG_V1_HDR_LEN)
		return len < 4 || get32(buf) == HBMSG_MAGIC ?
			HBMSG_ERR_SHORT : HBMSG_ERR_FORMAT;
	if (get32(buf) != HBMSG_MAGIC ||
	    (buf[4] != HBMSG_VERSION && buf[4] != 1) ||
	    (buf[5] != HBMSG_HEARTBEAT && buf[5] != HBMSG_TAKEOVER))
		return HBMSG_ERR_FORMAT;
	hlen = buf[4] == 1 ? HBMSG_V1_HDR_LEN : HBMSG_HDR_LEN;
	key = authkeys_find(ak, buf[7]);
	if (!key)
		return HBMSG_ERR_KEY;
	/* The exact length: a cut MAC is as bad as none. */
	if (len != hlen + auth_mac_len(key->method))
		return HBMSG_ERR_SHORT;
	if (!auth_verify(key, buf, hlen, buf + hlen, len - hlen))
		return HBMSG_ERR_AUTH;
	/* Only now, with the sender proven, look at what it says. */
	nlen = strnlen((const char *)buf + 24, HBMSG_NODE_LEN);
	if (!nlen)
		return HBMSG_ERR_FORMAT;
	/* The name is padded with NULs: "dir1\0evil" is not "dir1". */
	for (size_t i = nlen; i < HBMSG_NODE_LEN; i++)
		if (buf[24 + i])
			return HBMSG_ERR_FORMAT;
	memset(m, 0, sizeof(*m));
	m->type = buf[5];
	m->link = buf[6];
	m->key_index = buf[7];
	m->gen = get64(buf + 8);
	m->seq = get64(buf + 16);
	memcpy(m->node, buf + 24, nlen);
	m->role = buf[56];
	m->flags = buf[57];
	m->pings_up = buf[58];
	m->epoch = get32(buf + 60);
	m->keepalive_ms = get32(buf + 64);
	if (hlen == HBMSG_HDR_LEN) {
		m->table_gen = get64(buf + 68);
		m->table_entries = get32(buf + 76);
	}
	return HBMSG_OK;
}
