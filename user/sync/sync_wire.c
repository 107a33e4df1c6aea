// SPDX-License-Identifier: GPL-2.0
/* Sync datagrams: build, check, parse; entries; bulk chunk compression. */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <zlib.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/core_names.h>

#include "ha/auth.h"
#include "sync/sync_wire.h"
#include "wire.h"







const char *sync_drop_name(enum sync_drop d)
{
	static const char *const names[SYNC_DROP_MAX] = {
		[SYNC_DROP_SHORT] = "short",
		[SYNC_DROP_MAGIC] = "magic",
		[SYNC_DROP_VERSION] = "version",
		[SYNC_DROP_TYPE] = "type",
		[SYNC_DROP_KEY] = "key",
		[SYNC_DROP_LENGTH] = "length",
		[SYNC_DROP_MAC] = "mac",
		[SYNC_DROP_REPLAY] = "replay",
		[SYNC_DROP_ROLE] = "role",
		[SYNC_DROP_PAYLOAD] = "payload",
		[SYNC_DROP_CLEAR] = "clear",
	};

	return (unsigned)d < SYNC_DROP_MAX ? names[d] : "?";
}

const char *sync_msg_name(int type)
{
	switch (type) {
	case SYNC_MSG_CONN:
		return "CONN";
	case SYNC_MSG_BULK_REQ:
		return "BULK_REQ";
	case SYNC_MSG_BULK:
		return "BULK";
	case SYNC_MSG_BULK_END:
		return "BULK_END";
	}
	return "?";
}

size_t sync_overhead(size_t nodelen, const struct auth_key *key)
{
	return SYNC_HDR_LEN + nodelen + auth_mac_len(key->method);
}

int sync_msg_build(uint8_t *buf, size_t cap, const struct sync_hdr *h,
		   const void *payload, size_t plen,
		   const struct auth_key *key)
{
	size_t nodelen = strnlen(h->node, SYNC_NODE_MAX + 1);
	size_t maclen = auth_mac_len(key->method), len;
	int rc;

	if (!nodelen || nodelen > SYNC_NODE_MAX || plen > 0xffff || !maclen)
		return -EINVAL;
	len = SYNC_HDR_LEN + nodelen + plen;
	if (len + maclen > cap || len + maclen > SYNC_DGRAM_MAX)
		return -EMSGSIZE;
	put32(buf, SYNC_MAGIC);
	buf[4] = SYNC_VERSION;
	buf[5] = h->type;
	buf[6] = (uint8_t)key->index;
	buf[7] = (uint8_t)nodelen;
	put64(buf + 8, h->gen);
	put64(buf + 16, h->seq);
	put32(buf + 24, h->aux1);
	put32(buf + 28, h->aux2);
	put32(buf + 32, h->count);
	put16(buf + 36, (uint16_t)plen);
	put16(buf + 38, h->flags);
	memcpy(buf + SYNC_HDR_LEN, h->node, nodelen);
	if (plen)
		memcpy(buf + SYNC_HDR_LEN + nodelen, payload, plen);
	if (h->flags & SYNC_F_SEALED) {
		rc = sync_payload_crypt(key, h->node, h->gen, h->seq,
					buf + SYNC_HDR_LEN + nodelen, plen);
		if (rc)
			return rc;
	}
	rc = auth_sign(key, buf, len, buf + len, &maclen);
	if (rc)
		return rc;
	return (int)(len + maclen);
}

int sync_msg_parse(uint8_t *buf, size_t len, const struct authkeys *ak,
		   struct sync_msg *m, enum sync_drop *why)
{
	const struct auth_key *key;
	size_t nodelen, plen, maclen, body;

	if (len < SYNC_HDR_LEN) {
		*why = SYNC_DROP_SHORT;
		return -1;
	}
	if (get32(buf) != SYNC_MAGIC) {
		*why = SYNC_DROP_MAGIC;
		return -1;
	}
	if (buf[4] != SYNC_VERSION) {
		*why = SYNC_DROP_VERSION;
		return -1;
	}
	if (buf[5] < SYNC_MSG_CONN || buf[5] >= SYNC_MSG_MAX) {
		*why = SYNC_DROP_TYPE;
		return -1;
	}
	key = authkeys_find(ak, buf[6]);
	if (!key || !(maclen = auth_mac_len(key->method))) {
		*why = SYNC_DROP_KEY;
		return -1;
	}
	nodelen = buf[7];
	plen = get16(buf + 36);
	body = SYNC_HDR_LEN + nodelen + plen;
	if (!nodelen || nodelen > SYNC_NODE_MAX || body + maclen != len) {
		*why = SYNC_DROP_LENGTH;
		return -1;
	}
	if (!auth_verify(key, buf, body, buf + body, maclen)) {
		*why = SYNC_DROP_MAC;
		return -1;
	}
	memset(m, 0, sizeof(*m));
	m->h.type = buf[5];
	m->h.key = buf[6];
	m->h.gen = get64(buf + 8);
	m->h.seq = get64(buf + 16);
	m->h.aux1 = get32(buf + 24);
	m->h.aux2 = get32(buf + 28);
	m->h.count = get32(buf + 32);
	m->h.flags = get16(buf + 38);
	memcpy(m->h.node, buf + SYNC_HDR_LEN, nodelen);
	m->h.node[nodelen] = 0;
	if (strlen(m->h.node) != nodelen) {	/* embedded NUL */
		*why = SYNC_DROP_LENGTH;
		return -1;
	}
	m->payload = buf + SYNC_HDR_LEN + nodelen;
	m->plen = plen;
	if (m->h.flags & SYNC_F_SEALED) {
		if (sync_payload_crypt(key, m->h.node, m->h.gen, m->h.seq,
				       buf + SYNC_HDR_LEN + nodelen, plen)) {
			*why = SYNC_DROP_KEY;	/* crc: nothing to derive from */
			return -1;
		}
		m->h.flags &= ~SYNC_F_SEALED;
		m->sealed = true;
	}
	return 0;
}

/* The payload key of one sender run: HKDF-SHA256(secret, salt, node|gen). */
static int derive_key(const struct auth_key *key, const char *node,
		      uint64_t gen, uint8_t out[32])
{
	static const char salt[] = "xdirector sync payload v1";
	uint8_t info[SYNC_NODE_MAX + 8];
	size_t nlen = strnlen(node, SYNC_NODE_MAX);
	OSSL_PARAM params[5], *p = params;
	EVP_KDF_CTX *kctx;
	EVP_KDF *kdf;
	int ok;

	memcpy(info, node, nlen);
	put64(info + nlen, gen);
	kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	EVP_KDF_free(kdf);
	if (!kctx)
		return -EIO;
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
						"SHA256", 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
						 key->secret,
						 strlen(key->secret));
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
						 (void *)salt, sizeof(salt) - 1);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info,
						 nlen + 8);
	*p = OSSL_PARAM_construct_end();
	ok = EVP_KDF_derive(kctx, out, 32, params) == 1;
	EVP_KDF_CTX_free(kctx);
	return ok ? 0 : -EIO;
}

int sync_payload_crypt(const struct auth_key *key, const char *node,
		       uint64_t gen, uint64_t seq, uint8_t *p, size_t len)
{
	uint8_t k[32], iv[16] = { 0 };
	EVP_CIPHER_CTX *ctx;
	int out = 0, ok, rc;

	if (!key->secret || !key->secret[0])
		return -EINVAL;
	if (!len)
		return 0;
	rc = derive_key(key, node, gen, k);
	if (rc)
		return rc;
	/* counter block: the sequence number, then the block index */
	put64(iv, seq);
	ctx = EVP_CIPHER_CTX_new();
	ok = ctx && EVP_EncryptInit_ex(ctx, EVP_aes_256_ctr(), NULL, k, iv) &&
	     EVP_EncryptUpdate(ctx, p, &out, p, (int)len) && out == (int)len;
	EVP_CIPHER_CTX_free(ctx);
	OPENSSL_cleanse(k, sizeof(k));
	return ok ? 0 : -EIO;
}

void sync_entry_encode(uint8_t *p, const struct backend_sync_conn *c)
{
	uint64_t idle = c->idle_ms > UINT32_MAX ? UINT32_MAX : c->idle_ms;

	/* Addresses and ports are already in network order: copy bytes. */
	memcpy(p, &c->key.saddr, 4);
	memcpy(p + 4, &c->key.daddr, 4);
	memcpy(p + 8, &c->key.sport, 2);
	memcpy(p + 10, &c->key.dport, 2);
	memcpy(p + 12, &c->raddr, 4);
	memcpy(p + 16, &c->rport, 2);
	p[18] = c->key.proto;
	p[19] = c->state;
	p[20] = c->flags;
	p[21] = p[22] = p[23] = 0;
	put32(p + 24, (uint32_t)idle);
}

void sync_entry_decode(const uint8_t *p, struct backend_sync_conn *c)
{
	memset(c, 0, sizeof(*c));
	memcpy(&c->key.saddr, p, 4);
	memcpy(&c->key.daddr, p + 4, 4);
	memcpy(&c->key.sport, p + 8, 2);
	memcpy(&c->key.dport, p + 10, 2);
	memcpy(&c->raddr, p + 12, 4);
	memcpy(&c->rport, p + 16, 2);
	c->key.proto = p[18];
	c->state = p[19];
	c->flags = p[20];
	/* Non-zero padding is refused by sync_entry_check via flags' bits:
	 * fold it in so a sender bug is visible rather than ignored. */
	if (p[21] | p[22] | p[23])
		c->flags |= 0x80;
	c->idle_ms = get32(p + 24);
}

enum sync_bad_entry sync_entry_check(const struct backend_sync_conn *c)
{
	if (c->key.proto == IPPROTO_TCP) {
		if (c->state < XD_TCP_SYN_RECV || c->state > XD_TCP_CLOSE)
			return SYNC_ENTRY_BAD_STATE;
	} else if (c->key.proto == IPPROTO_UDP) {
		if (c->state != XD_UDP)
			return SYNC_ENTRY_BAD_STATE;
	} else {
		return SYNC_ENTRY_BAD_PROTO;
	}
	if (!c->key.saddr || !c->key.daddr || !c->raddr || !c->key.sport ||
	    !c->key.dport || !c->rport)
		return SYNC_ENTRY_BAD_ADDR;
	if (c->flags & ~(XD_CONN_F_FIN_IN | XD_CONN_F_FIN_OUT))
		return SYNC_ENTRY_BAD_FLAGS;
	return SYNC_ENTRY_OK;
}

int sync_chunk_compress(const uint8_t *raw, size_t n, uint8_t *out,
			size_t cap)
{
	uLongf outlen = cap;
	int rc;

	if (n > SYNC_CHUNK_ENTRIES_MAX)
		return -EINVAL;
	/* Level 1: the table is very regular, and speed matters more
	 * than the last few percent. */
	rc = compress2(out, &outlen, raw, n * SYNC_ENTRY_LEN, 1);
	if (rc == Z_BUF_ERROR)
		return -ENOSPC;
	if (rc != Z_OK)
		return -EIO;
	return (int)outlen;
}

int sync_chunk_decompress(const uint8_t *in, size_t len, uint32_t count,
			  uint8_t *raw)
{
	uLongf rawlen = (uLongf)SYNC_CHUNK_ENTRIES_MAX * SYNC_ENTRY_LEN;

	if (!count || count > SYNC_CHUNK_ENTRIES_MAX)
		return -EBADMSG;
	/* The output buffer bounds the work: a "zip bomb" stops at it. */
	if (uncompress(raw, &rawlen, in, len) != Z_OK ||
	    rawlen != (uLongf)count * SYNC_ENTRY_LEN)
		return -EBADMSG;
	return 0;
}
