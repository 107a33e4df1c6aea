// SPDX-License-Identifier: GPL-2.0
/*
 * dns check: one A query for `request` over UDP to real:checkport. A
 * response with our id passes; when `receive` is given one of the answers
 * (an A record's address, or a CNAME/PTR name) must also match it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "check/check_int.h"
#include "log.h"

#define DNS_HDR		12
#define DNS_TYPE_A	1
#define DNS_TYPE_CNAME	5
#define DNS_TYPE_PTR	12

/* Build a query for name, type A, recursion desired. Returns its length. */
static int dns_build_query(uint16_t id, const char *name, uint8_t *out,
			   size_t cap)
{
	size_t pos = DNS_HDR;
	const char *p = name;

	if (cap < DNS_HDR + 5 + 1)
		return -ENOSPC;
	memset(out, 0, DNS_HDR);
	out[0] = id >> 8;
	out[1] = id & 0xff;
	out[2] = 0x01;			/* RD */
	out[5] = 1;			/* QDCOUNT */
	while (*p) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);

		if (l == 0 || l > 63 || pos + 1 + l + 5 > cap)
			return -EINVAL;
		out[pos++] = l;
		memcpy(out + pos, p, l);
		pos += l;
		p += l;
		if (*p == '.')
			p++;
	}
	out[pos++] = 0;
	out[pos++] = 0;
	out[pos++] = DNS_TYPE_A;
	out[pos++] = 0;
	out[pos++] = 1;			/* class IN */
	return pos;
}

/* Skip a (possibly compressed) name; returns the offset after it or -1. */
static int dns_skip_name(const uint8_t *pkt, int len, int pos)
{
	while (pos < len) {
		uint8_t l = pkt[pos];

		if (l == 0)
			return pos + 1;
		if ((l & 0xc0) == 0xc0)
			return pos + 2 <= len ? pos + 2 : -1;
		pos += 1 + l;
	}
	return -1;
}

/* Decode a name to dotted text, following compression pointers. */
static int dns_read_name(const uint8_t *pkt, int len, int pos, char *out,
			 size_t cap)
{
	size_t o = 0;
	int hops = 0;

	while (pos < len && hops < 32) {
		uint8_t l = pkt[pos];

		if (l == 0) {
			if (o == 0) {
				snprintf(out, cap, ".");	/* the root */
				return 0;
			}
			out[o - 1] = '\0';		/* drop the last dot */
			return 0;
		}
		if ((l & 0xc0) == 0xc0) {
			if (pos + 1 >= len)
				return -1;
			pos = (l & 0x3f) << 8 | pkt[pos + 1];
			hops++;
			continue;
		}
		if (pos + 1 + l > len || o + l + 2 > cap)
			return -1;
		memcpy(out + o, pkt + pos + 1, l);
		o += l;
		out[o++] = '.';
		pos += 1 + l;
	}
	return -1;
}

/* Does any answer record match receive? */
static bool dns_answer_matches(struct check *c, const uint8_t *pkt, int len)
{
	int qd = pkt[4] << 8 | pkt[5], an = pkt[6] << 8 | pkt[7];
	int pos = DNS_HDR;

	for (int i = 0; i < qd; i++) {
		pos = dns_skip_name(pkt, len, pos);
		if (pos < 0 || pos + 4 > len)
			return false;
		pos += 4;
	}
	for (int i = 0; i < an; i++) {
		int type, rdlen;
		char text[256];

		pos = dns_skip_name(pkt, len, pos);
		if (pos < 0 || pos + 10 > len)
			return false;
		type = pkt[pos] << 8 | pkt[pos + 1];
		rdlen = pkt[pos + 8] << 8 | pkt[pos + 9];
		pos += 10;
		if (pos + rdlen > len)
			return false;
		text[0] = '\0';
		if (type == DNS_TYPE_A && rdlen == 4)
			inet_ntop(AF_INET, pkt + pos, text, sizeof(text));
		else if (type == DNS_TYPE_CNAME || type == DNS_TYPE_PTR)
			if (dns_read_name(pkt, len, pos, text, sizeof(text)) < 0)
				text[0] = '\0';
		if (text[0] && check_receive_matches(c, text))
			return true;
		pos += rdlen;
	}
	return false;
}

static void dns_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct check *c = w->data;

	check_finish(c, false, "dns: no answer within %.1fs",
		     check_negotiate_timeout(c));
}

static void dns_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct check *c = w->data;
	uint8_t pkt[4096];
	ssize_t n;

	for (;;) {
		n = recv(c->fd, pkt, sizeof(pkt), 0);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			check_finish(c, false, "dns: %s", strerror(errno));
			return;
		}
		/* stray datagrams (wrong id, not a response) are ignored */
		if (n < DNS_HDR || (pkt[0] << 8 | pkt[1]) != c->dns_id ||
		    !(pkt[2] & 0x80))
			continue;
		break;
	}
	if (!c->has_regex) {
		check_finish(c, true, "dns: answered (rcode %d)", pkt[3] & 0xf);
		return;
	}
	if ((pkt[3] & 0xf) != 0) {
		check_finish(c, false, "dns: rcode %d", pkt[3] & 0xf);
		return;
	}
	if (dns_answer_matches(c, pkt, n))
		check_finish(c, true, "dns: answer matched");
	else
		check_finish(c, false, "dns: no answer matches \"%s\"",
			     c->spec.receive);
}

int check_dns_start(struct check *c)
{
	struct check_manager *m = c->m;
	const char *name = c->spec.request && c->spec.request[0] ?
			   c->spec.request : "localhost";
	uint8_t q[512];
	bool in_progress;
	int len, fd;

	if (c->spec.proto == IPPROTO_TCP && !m->warned_dns_tcp) {
		xd_warn("dns checks always query over UDP");
		m->warned_dns_tcp = true;
	}
	if (getrandom(&c->dns_id, sizeof(c->dns_id), GRND_NONBLOCK) !=
	    sizeof(c->dns_id))
		c->dns_id = (uint16_t)(random() & 0xffff);
	len = dns_build_query(c->dns_id, name, q, sizeof(q));
	if (len < 0) {
		check_finish(c, false, "dns: bad query name \"%s\"", name);
		return 0;
	}
	fd = check_socket_connect(c, SOCK_DGRAM, &in_progress);
	if (fd < 0)
		return fd;
	c->fd = fd;
	if (send(fd, q, len, 0) < 0) {
		check_finish(c, false, "dns: send: %s", strerror(errno));
		return 0;
	}
	check_io_start(c, EV_READ, dns_read_cb);
	check_tmo_start(c, check_negotiate_timeout(c), dns_timeout_cb);
	return 0;
}

void check_dns_cancel(struct check *c)
{
	check_fd_cleanup(c);
}
