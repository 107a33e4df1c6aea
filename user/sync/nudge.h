/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Nudge: after a takeover from a dead peer, make the endpoints of the
 * synced TCP connections retransmit what the dead director swallowed now,
 * instead of after their exponential backoff (200, 400, 800 ms, ...).
 *
 * For each synced ESTABLISHED connection the new active director sends
 * each endpoint a zero-length segment with a sequence number outside its
 * window, as the other endpoint would; TCP answers that with an ACK of
 * what it has received (RFC 9293 3.10.7.4). The datapath reports the
 * first pure ACK each way (struct xd_peer_ack); its ack number is the
 * other endpoint's oldest unacknowledged byte if data was lost. An ICMP
 * host unreachable quoting exactly that sequence number lets the other
 * endpoint undo one step of backoff per message and retransmit at once
 * (RFC 6069, Linux since 2.6.33); any other endpoint ignores it.
 * See docs/sync.md.
 */
#ifndef XD_NUDGE_H
#define XD_NUDGE_H

#include <stdbool.h>
#include <stdint.h>
#include <ev.h>
#include <jansson.h>

#include <xdirector/datapath.h>
#include "backend/backend.h"

/* ICMPs per report, at most: one backoff step each (8: RTO up to 51 s). */
#define NUDGE_ICMP_REPEAT	8
/* ACK reports are acted on this long after the probes went out. */
#define NUDGE_WINDOW_S		5.0
/* Probes per second at most (two per connection). */
#define NUDGE_PROBE_RATE	200000

struct nudge;

/* NULL with the reason logged when raw sockets cannot be opened (the
 * daemon runs without nudging), or when the backend has no peer-ACK
 * reports. */
struct nudge *nudge_new(struct ev_loop *loop, struct backend *b);
/* Takeover from a dead peer: probe every synced established TCP
 * connection (on a thread, paced), then act on the ACK reports for
 * NUDGE_WINDOW_S. silent_s is how long the peer has been silent (< 0:
 * unknown): it bounds how far the endpoints can have backed off, hence
 * how many ICMPs each needs. A run in progress is restarted. */
void nudge_start(struct nudge *n, double silent_s);
/* ha_on_takeover_from_dead's hook: nudge_start(arg, silent_s). */
void nudge_takeover_cb(void *arg, double silent_s);
/* ICMPs per report after silent_s seconds (< 0: NUDGE_ICMP_REPEAT): TCP
 * retransmits at about 0.2, 0.4, 0.8 s... after a loss, each doubling the
 * timeout; one more for the retransmission still to come. */
int nudge_repeats(double silent_s);
/* Adds "nudge": {...} to out (an object). */
void nudge_status_json(struct nudge *n, json_t *out);
void nudge_free(struct nudge *n);

/*
 * Packet builders, exposed for the unit tests. Addresses and ports in
 * network order.
 *
 * nudge_build_probe: IPv4 + TCP (40 bytes into buf) from saddr:sport to
 * daddr:dport, ACK only, the given seq/ack (host order), checksums set.
 * nudge_build_icmp: ICMP host unreachable (36 bytes) quoting an IPv4
 * header from qsaddr to qdaddr, TCP, and the first 8 bytes of a TCP
 * header qsport -> qdport with sequence number seq (host order).
 */
#define NUDGE_PROBE_LEN	40
#define NUDGE_ICMP_LEN	36
void nudge_build_probe(uint8_t *buf, uint32_t saddr, uint16_t sport,
		       uint32_t daddr, uint16_t dport, uint32_t seq,
		       uint32_t ack);
void nudge_build_icmp(uint8_t *buf, uint32_t qsaddr, uint16_t qsport,
		      uint32_t qdaddr, uint16_t qdport, uint32_t seq);

/* Where the ICMP for a report goes and what it quotes: to the endpoint
 * that did not send the ACK. Returns the destination (network order). */
uint32_t nudge_icmp_for(const struct xd_peer_ack *a, uint8_t *buf);

#endif
