/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The harness of the BPF packet tests: the namespace topology, one
 * datapath per case loaded through the real XDP backend, running a packet
 * with BPF_PROG_TEST_RUN, and the CHECK helpers.
 *
 * Topology (a private network namespace, built by env_init):
 *
 *   clients 192.168.10.0/24            real servers 10.0.0.0/24
 *        ext0p ---veth--- ext0 [director] int0 ---veth--- int0p
 *                 192.168.10.2/24          10.0.0.1/24
 *                 VIP 192.168.10.100/24
 *
 * Permanent neighbours: CLIENT and REAL_EXT on ext0, REAL1..3 on int0.
 * CLIENT_NN and REAL_NN have none (bpf_fib_lookup says NO_NEIGH);
 * REAL_UNROUTED has no route at all. The director's MACs are fixed
 * (mac_ext, mac_int), so expected frames can be built in advance.
 */
#ifndef XD_TEST_HARNESS_H
#define XD_TEST_HARNESS_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <xdirector/datapath.h>
#include "lb.h"
#include "pktgen.h"

#define VIP		"192.168.10.100"
#define CLIENT		"192.168.10.10"
#define CLIENT_NN	"192.168.10.20"
#define REAL1		"10.0.0.11"
#define REAL2		"10.0.0.12"
#define REAL3		"10.0.0.13"
#define REAL_NN		"10.0.0.19"
#define REAL_EXT	"192.168.10.50"	/* one-arm: reached through ext0 */
#define REAL_UNROUTED	"172.16.0.5"

extern const uint8_t mac_ext[6], mac_int[6];	/* director's interfaces */
extern const uint8_t mac_client[6];		/* CLIENT's neighbour entry */
extern const uint8_t mac_int_peer[6];		/* a real's frames come from */

struct test_env {
	int ext_ifindex, int_ifindex;
	char bpffs[64];		/* our own bpffs mount */
	int ncpus;		/* possible CPUs, for per-CPU maps */
};
extern struct test_env env;

/* Network namespace, interfaces, neighbours, bpffs. 0 or -errno. */
int env_init(void);
void env_fini(void);

/* The MAC of a neighbour of the topology (REAL1..3, REAL_EXT, CLIENT),
 * or NULL for an address without a neighbour entry. */
const uint8_t *neigh_mac(const char *addr);

/* ---- the attach flavour under test --------------------------------- */

struct dp {
	const char *name;	/* "xdp" or "tc": program name prefix */
	bool tc;
};
extern const struct dp dp_xdp, dp_tc;

/* Which program runs a packet (*_ext, *_int, *_both): the same bits as
 * the datapath's sides (bpf/director.bpf.c). */
enum side { SIDE_EXT = 1, SIDE_INT = 2, SIDE_BOTH = SIDE_EXT | SIDE_INT };
/* V_FWD: XDP_REDIRECT / TC_ACT_REDIRECT; V_TX: XDP_TX (out the way it
 * came) / TC_ACT_REDIRECT. */
enum verdict { V_PASS, V_DROP, V_FWD, V_TX };

struct tcase {
	const struct dp *dp;
	struct backend *b;
	char pin[128];
};

int case_setup(void **state);
int case_teardown(void **state);

/* Every case runs against the XDP and the TC entry points. */
#define DP_CASES(f)							\
	{ #f "/xdp", f, case_setup, case_teardown, (void *)&dp_xdp },	\
	{ #f "/tc", f, case_setup, case_teardown, (void *)&dp_tc }

/* A case only the XDP entry point can run. */
#define XDP_CASE(f) \
	{ #f "/xdp", f, case_setup, case_teardown, (void *)&dp_xdp }

/* A case only the TC entry point can run. */
#define TC_CASE(f) \
	{ #f "/tc", f, case_setup, case_teardown, (void *)&dp_tc }

/* ---- SETUP ----------------------------------------------------------- */

#define REAL(a, p, w) \
	{ .addr = ip4(a), .port = htons(p), .fwd = LB_FWD_MASQ, .weight = (w) }

/* Loads the datapath on first use, then applies the services. */
void case_apply(struct tcase *t, struct lb_service *svcs, size_t n);
/* One TCP service VIP:80 with the given scheduler and reals. */
void case_apply_tcp80(struct tcase *t, const char *sched,
		      struct lb_real *reals, size_t n);
int case_map_fd(struct tcase *t, const char *name);

uint32_t real_id_of(struct tcase *t, const char *addr, uint16_t port);
struct xd_real_conns real_conns_get(struct tcase *t, uint32_t id);
void real_conns_set(struct tcase *t, uint32_t id, int64_t active,
		    int64_t inactive);
struct xd_real_slot real_get(struct tcase *t, uint32_t id);
/* conn_table's key of client:sport -> VIP:vport. */
struct xd_conn_key conn_key(const char *client, uint16_t sport,
			    uint16_t vport, uint8_t proto);
/* The connection client:sport -> VIP:vport; false if none. */
bool conn_get(struct tcase *t, const char *client, uint16_t sport,
	      uint16_t vport, uint8_t proto, struct xd_conn *out);
size_t conn_count(struct tcase *t);
/* Records an interface's MAC in if_macs, as attaching does (XDP has no
 * pkt_type; the datapath compares the destination MAC with this). */
void if_mac_set(struct tcase *t, int ifindex, const uint8_t *mac);
/* Overrides the idle timeout of a state (params map). */
void timeout_set(struct tcase *t, int state, uint64_t ns);
/* sh/mh: the real id the hash ring holds for this client, computed
 * from headers/xdirector/hash.h and the ring read back from sched_ring. */
uint32_t ring_expect(struct tcase *t, uint16_t vport, uint8_t proto,
		     const char *client, uint16_t sport);

/* ---- PKTGEN ---------------------------------------------------------- */

/* client:sport -> VIP:vport as it arrives on ext0. */
struct pkt_spec tcp_to_vip(const char *client, uint16_t sport, uint16_t vport,
			   uint8_t flags);
struct pkt_spec udp_to_vip(const char *client, uint16_t sport, uint16_t vport);
/* real:rport -> client:cport as it arrives on int0. */
struct pkt_spec tcp_from_real(const char *real, uint16_t rport,
			      const char *client, uint16_t cport, uint8_t flags);
struct pkt_spec udp_from_real(const char *real, uint16_t rport,
			      const char *client, uint16_t cport);
/* What a client packet must look like on its way to real:rport. */
struct pkt_spec fwd_to_real(const struct pkt_spec *in, const char *real,
			    uint16_t rport);
/* What a real server's packet must look like on its way to the client. */
struct pkt_spec fwd_to_client(const struct pkt_spec *in, uint16_t vport);

/* ---- run and CHECK ----------------------------------------------------- */

struct run {
	int ret;			/* the program's return value */
	uint8_t out[PKT_MAX];
	uint32_t len;
	uint64_t reasons[XD_REASON_MAX];	/* packets counted by this run */
};

/* Runs the prog of this side for t's flavour, on a packet arriving on
 * ifindex (ext0 for SIDE_EXT, int0 for SIDE_INT if 0). */
void run_pkt(struct tcase *t, enum side side, int ifindex, const uint8_t *pkt,
	     size_t len, struct run *r);
/* TC only: the skb as GRO hands it over, gso_segs segments of gso_size. */
void run_pkt_gso(struct tcase *t, enum side side, const uint8_t *pkt,
		 size_t len, uint32_t gso_size, uint32_t gso_segs,
		 struct run *r);
void run_spec(struct tcase *t, enum side side, const struct pkt_spec *s,
	      struct run *r);

int verdict_code(const struct tcase *t, enum verdict v);

/*
 * CHECK. Each reports the caller's file:line on failure.
 *   expect_verdict  the program returned the code of v for t's flavour
 *   expect_reason   exactly one packet was counted, under reason
 *   expect_bytes    the output frame equals exp byte for byte; for IPv4,
 *                   both checksums are also recomputed in full
 *   expect_spec     expect_bytes against a frame built from a pkt_spec
 *   expect_result   reason, verdict and whole packet (spec or bytes)
 */
#define expect_verdict(t, r, v) \
	expect_verdict_at(t, r, v, __FILE__, __LINE__)
#define expect_reason(r, reason) \
	expect_reason_at(r, reason, __FILE__, __LINE__)
#define expect_bytes(r, exp, len) \
	expect_bytes_at(r, exp, len, __FILE__, __LINE__)
#define expect_spec(r, exp) \
	expect_spec_at(r, exp, __FILE__, __LINE__)
#define expect_result(t, r, v, reason, exp) \
	do { \
		expect_reason(r, reason); \
		expect_verdict(t, r, v); \
		expect_spec(r, exp); \
	} while (0)
#define expect_result_bytes(t, r, v, reason, exp, len) \
	do { \
		expect_reason(r, reason); \
		expect_verdict(t, r, v); \
		expect_bytes(r, exp, len); \
	} while (0)

void expect_verdict_at(struct tcase *t, const struct run *r, enum verdict v,
		       const char *file, int line);
void expect_reason_at(const struct run *r, int reason, const char *file,
		      int line);
void expect_bytes_at(const struct run *r, const uint8_t *exp, size_t len,
		     const char *file, int line);
void expect_spec_at(const struct run *r, const struct pkt_spec *exp,
		    const char *file, int line);

/* Case tables, one per file. */
extern const struct CMUnitTest sched_cases[], conn_cases[], nat_cases[],
	parse_cases[];
extern const size_t sched_cases_n, conn_cases_n, nat_cases_n, parse_cases_n;

#endif
