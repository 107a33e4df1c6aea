// SPDX-License-Identifier: GPL-2.0
/*
 * Harness of the packet tests. Each case gets a datapath of its own,
 * loaded and filled through the real XDP backend (xdp_backend_open, then
 * apply) with its maps pinned under our bpffs; teardown unpins it all, so
 * no state leaks from one case into the next.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <xdirector/hash.h>
#include "backend/backend.h"
#include "harness.h"

const struct dp dp_xdp = { .name = "xdp", .tc = false };
const struct dp dp_tc = { .name = "tc", .tc = true };

int case_setup(void **state)
{
	static unsigned int seq;
	struct tcase *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	t->dp = *state;
	snprintf(t->pin, sizeof(t->pin), "%s/case%u", env.bpffs, seq++);
	*state = t;
	return 0;
}

int case_teardown(void **state)
{
	struct tcase *t = *state;

	if (t->b)
		t->b->ops->close(t->b, true);
	free(t);
	return 0;
}

/* ---- SETUP ----------------------------------------------------------- */

void case_apply(struct tcase *t, struct lb_service *svcs, size_t n)
{
	struct lb_table table = { .svcs = svcs, .nsvcs = n };
	char err[256] = "";
	int rc;

	if (!t->b) {
		struct backend_opts o = {
			.bpffs = t->pin,
			.mode = DP_AUTO,
			.conn_max = 65536,
			.no_attach = true,
		};

		rc = xdp_backend_open(&o, &t->b, err, sizeof(err));
		if (rc)
			fail_msg("xdp_backend_open: %s (%d)", err, rc);
		/* What attaching would record; no_attach leaves it to us. */
		if_mac_set(t, env.ext_ifindex, mac_ext);
		if_mac_set(t, env.int_ifindex, mac_int);
	}
	rc = t->b->ops->apply(t->b, &table, err, sizeof(err));
	if (rc)
		fail_msg("apply: %s (%d)", err, rc);
}

void case_apply_tcp80(struct tcase *t, const char *sched, struct lb_real *reals,
		      size_t n)
{
	struct lb_service svc = {
		.vip = ip4(VIP),
		.port = htons(80),
		.proto = IPPROTO_TCP,
		.reals = reals,
		.nreals = n,
	};

	snprintf(svc.sched, sizeof(svc.sched), "%s", sched);
	case_apply(t, &svc, 1);
}

int case_map_fd(struct tcase *t, const char *name)
{
	int fd;

	assert_non_null(t->b);
	fd = xdp_backend_map_fd(t->b, name);
	if (fd < 0)
		fail_msg("map %s: %s", name, strerror(-fd));
	return fd;
}

uint32_t real_id_of(struct tcase *t, const char *addr, uint16_t port)
{
	struct backend_snapshot s;
	uint32_t a = ip4(addr), id = XD_MAX_REALS;

	assert_int_equal(t->b->ops->snapshot(t->b, &s), 0);
	for (size_t i = 0; i < s.nsvcs && id == XD_MAX_REALS; i++)
		for (size_t j = 0; j < s.svcs[i].nreals; j++) {
			const struct backend_real_stat *r = &s.svcs[i].reals[j];

			if (r->real.addr == a && r->real.port == htons(port)) {
				id = r->id;
				break;
			}
		}
	backend_snapshot_free(&s);
	if (id == XD_MAX_REALS)
		fail_msg("real %s:%u is not in the datapath", addr, port);
	return id;
}

struct xd_real_conns real_conns_get(struct tcase *t, uint32_t id)
{
	struct xd_real_conns rc;

	assert_int_equal(bpf_map_lookup_elem(case_map_fd(t, "real_conns"), &id,
					     &rc), 0);
	return rc;
}

void real_conns_set(struct tcase *t, uint32_t id, int64_t active,
		    int64_t inactive)
{
	struct xd_real_conns rc = { .active = active, .inactive = inactive };

	assert_int_equal(bpf_map_update_elem(case_map_fd(t, "real_conns"), &id,
					     &rc, BPF_ANY), 0);
}

struct xd_real_slot real_get(struct tcase *t, uint32_t id)
{
	struct xd_real_slot r;

	assert_int_equal(bpf_map_lookup_elem(case_map_fd(t, "reals"), &id, &r),
			 0);
	return r;
}

struct xd_conn_key conn_key(const char *client, uint16_t sport,
			    uint16_t vport, uint8_t proto)
{
	return (struct xd_conn_key){
		.saddr = ip4(client),
		.daddr = ip4(VIP),
		.sport = htons(sport),
		.dport = htons(vport),
		.proto = proto,
	};
}

bool conn_get(struct tcase *t, const char *client, uint16_t sport,
	      uint16_t vport, uint8_t proto, struct xd_conn *out)
{
	struct xd_conn_key k = conn_key(client, sport, vport, proto);

	return bpf_map_lookup_elem(case_map_fd(t, "conn_table"), &k, out) == 0;
}

size_t conn_count(struct tcase *t)
{
	int fd = case_map_fd(t, "conn_table");
	struct xd_conn_key k, next;
	void *prev = NULL;
	size_t n = 0;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		n++;
		k = next;
		prev = &k;
	}
	return n;
}

void if_mac_set(struct tcase *t, int ifindex, const uint8_t *mac)
{
	struct xd_if_mac m = { .mtu = 1500 };
	uint32_t idx = ifindex;

	memcpy(m.mac, mac, sizeof(m.mac));
	assert_int_equal(bpf_map_update_elem(case_map_fd(t, "if_macs"), &idx,
					     &m, BPF_ANY), 0);
}

void timeout_set(struct tcase *t, int state, uint64_t ns)
{
	int fd = case_map_fd(t, "params");
	struct xd_params p;
	uint32_t zero = 0;

	assert_int_equal(bpf_map_lookup_elem(fd, &zero, &p), 0);
	p.timeout_ns[state] = ns;
	assert_int_equal(bpf_map_update_elem(fd, &zero, &p, BPF_ANY), 0);
}

uint32_t ring_expect(struct tcase *t, uint16_t vport, uint8_t proto,
		     const char *client, uint16_t sport)
{
	struct xd_svc_key sk = { .vip = ip4(VIP), .port = htons(vport),
				 .proto = proto };
	struct xd_svc svc;
	uint32_t h, idx;
	uint64_t id;

	assert_int_equal(bpf_map_lookup_elem(case_map_fd(t, "services"), &sk,
					     &svc), 0);
	assert_true(svc.ring_len > 0 && svc.ring_len <= XD_RING_SIZE);
	h = xd_flow_hash(ip4(client), htons(sport),
			 svc.flags & XD_SVC_F_HASH_PORT);
	idx = svc.id * XD_RING_SIZE + h % svc.ring_len;
	assert_int_equal(bpf_map_lookup_elem(case_map_fd(t, "sched_ring"), &idx,
					     &id), 0);
	return (uint32_t)id;
}

/* ---- PKTGEN ---------------------------------------------------------- */

static struct pkt_spec ipv4_spec(const char *src, const char *dst,
				 const uint8_t *smac, const uint8_t *dmac,
				 uint8_t proto)
{
	struct pkt_spec s = {
		.ethertype = ETH_P_IP,
		.saddr = ip4(src),
		.daddr = ip4(dst),
		.ttl = 64,
		.proto = proto,
		.ip_id = 0x1c46,
		.frag = 0x4000,		/* DF */
	};

	memcpy(s.smac, smac, 6);
	memcpy(s.dmac, dmac, 6);
	return s;
}

struct pkt_spec tcp_to_vip(const char *client, uint16_t sport, uint16_t vport,
			   uint8_t flags)
{
	struct pkt_spec s = ipv4_spec(client, VIP, mac_client, mac_ext,
				      IPPROTO_TCP);

	s.sport = sport;
	s.dport = vport;
	s.tcp_flags = flags;
	s.seq = 0x11223344;
	s.ack_seq = flags & F_ACK ? 0x55667788 : 0;
	return s;
}

struct pkt_spec udp_to_vip(const char *client, uint16_t sport, uint16_t vport)
{
	static const char payload[] = "query #1";
	struct pkt_spec s = ipv4_spec(client, VIP, mac_client, mac_ext,
				      IPPROTO_UDP);

	s.sport = sport;
	s.dport = vport;
	s.payload = payload;
	s.payload_len = sizeof(payload) - 1;
	return s;
}

struct pkt_spec tcp_from_real(const char *real, uint16_t rport,
			      const char *client, uint16_t cport, uint8_t flags)
{
	struct pkt_spec s = ipv4_spec(real, client, mac_int_peer, mac_int,
				      IPPROTO_TCP);

	s.sport = rport;
	s.dport = cport;
	s.tcp_flags = flags;
	s.seq = 0x99aabbcc;
	s.ack_seq = flags & F_ACK ? 0x11223345 : 0;
	return s;
}

struct pkt_spec udp_from_real(const char *real, uint16_t rport,
			      const char *client, uint16_t cport)
{
	static const char payload[] = "answer #1, longer";
	struct pkt_spec s = ipv4_spec(real, client, mac_int_peer, mac_int,
				      IPPROTO_UDP);

	s.sport = rport;
	s.dport = cport;
	s.payload = payload;
	s.payload_len = sizeof(payload) - 1;
	return s;
}

struct pkt_spec fwd_to_real(const struct pkt_spec *in, const char *real,
			    uint16_t rport)
{
	struct pkt_spec s = *in;
	const uint8_t *mac = neigh_mac(real);

	s.daddr = ip4(real);
	s.dport = rport;
	s.ttl = in->ttl - 1;
	/* Without a neighbour the MACs stay as they came (no fib MACs). */
	if (mac) {
		memcpy(s.dmac, mac, 6);
		memcpy(s.smac, strcmp(real, REAL_EXT) ? mac_int : mac_ext, 6);
	}
	return s;
}

struct pkt_spec fwd_to_client(const struct pkt_spec *in, uint16_t vport)
{
	struct pkt_spec s = *in;
	char client[INET_ADDRSTRLEN];
	const uint8_t *mac;

	inet_ntop(AF_INET, &in->daddr, client, sizeof(client));
	mac = neigh_mac(client);
	s.saddr = ip4(VIP);
	s.sport = vport;
	s.ttl = in->ttl - 1;
	if (mac) {
		memcpy(s.dmac, mac, 6);
		memcpy(s.smac, mac_ext, 6);
	}
	return s;
}

/* ---- run ------------------------------------------------------------- */

static void reasons_zero(struct tcase *t)
{
	int fd = case_map_fd(t, "reason_stats");
	struct xd_reason_count *z = calloc(env.ncpus, sizeof(*z));

	assert_non_null(z);
	for (uint32_t i = 0; i < XD_REASON_MAX; i++)
		assert_int_equal(bpf_map_update_elem(fd, &i, z, BPF_ANY), 0);
	free(z);
}

static void reasons_read(struct tcase *t, uint64_t *pkts)
{
	int fd = case_map_fd(t, "reason_stats");
	struct xd_reason_count *v = calloc(env.ncpus, sizeof(*v));

	assert_non_null(v);
	for (uint32_t i = 0; i < XD_REASON_MAX; i++) {
		pkts[i] = 0;
		assert_int_equal(bpf_map_lookup_elem(fd, &i, v), 0);
		for (int c = 0; c < env.ncpus; c++)
			pkts[i] += v[c].pkts;
	}
	free(v);
}

static void run_prog(struct tcase *t, enum side side, int ifindex,
		     const uint8_t *pkt, size_t len, uint32_t gso_size,
		     uint32_t gso_segs, struct run *r);

void run_pkt(struct tcase *t, enum side side, int ifindex, const uint8_t *pkt,
	     size_t len, struct run *r)
{
	run_prog(t, side, ifindex, pkt, len, 0, 0, r);
}

void run_pkt_gso(struct tcase *t, enum side side, const uint8_t *pkt,
		 size_t len, uint32_t gso_size, uint32_t gso_segs,
		 struct run *r)
{
	assert_true(t->dp->tc);
	run_prog(t, side, 0, pkt, len, gso_size, gso_segs, r);
}

static void run_prog(struct tcase *t, enum side side, int ifindex,
		     const uint8_t *pkt, size_t len, uint32_t gso_size,
		     uint32_t gso_segs, struct run *r)
{
	static const char *const suffix[] = {
		[SIDE_EXT] = "_ext", [SIDE_INT] = "_int", [SIDE_BOTH] = "_both",
	};
	char name[32];
	struct xdp_md xctx = { .data_end = len };
	struct __sk_buff sctx = {};
	int fd, rc;
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.data_in = pkt,
		.data_size_in = len,
		.data_out = r->out,
		.data_size_out = sizeof(r->out),
		.repeat = 1,
	);

	if (!t->b)
		case_apply(t, NULL, 0);
	if (!ifindex)
		ifindex = side == SIDE_INT ? env.int_ifindex : env.ext_ifindex;
	snprintf(name, sizeof(name), "%s%s", t->dp->name, suffix[side]);
	fd = xdp_backend_prog_fd(t->b, name);
	if (fd < 0)
		fail_msg("program %s: %s", name, strerror(-fd));

	if (t->dp->tc) {
		/* skb->dev and skb->ingress_ifindex, as on a real ingress. */
		sctx.ifindex = ifindex;
		sctx.ingress_ifindex = ifindex;
		sctx.gso_size = gso_size;
		sctx.gso_segs = gso_segs;
		o.ctx_in = &sctx;
		o.ctx_size_in = sizeof(sctx);
	} else {
		xctx.ingress_ifindex = ifindex;
		o.ctx_in = &xctx;
		o.ctx_size_in = sizeof(xctx);
	}
	memset(r->out, 0, sizeof(r->out));
	reasons_zero(t);
	rc = bpf_prog_test_run_opts(fd, &o);
	if (rc)
		fail_msg("BPF_PROG_TEST_RUN %s: %s", name, strerror(errno));
	r->ret = o.retval;
	r->len = o.data_size_out;
	reasons_read(t, r->reasons);
}

void run_spec(struct tcase *t, enum side side, const struct pkt_spec *s,
	      struct run *r)
{
	uint8_t buf[PKT_MAX];
	size_t len = pkt_build(s, buf);

	run_pkt(t, side, 0, buf, len, r);
}

/* ---- CHECK ----------------------------------------------------------- */

int verdict_code(const struct tcase *t, enum verdict v)
{
	switch (v) {
	case V_PASS:
		return t->dp->tc ? TC_ACT_OK : XDP_PASS;
	case V_DROP:
		return t->dp->tc ? TC_ACT_SHOT : XDP_DROP;
	case V_FWD:
		return t->dp->tc ? TC_ACT_REDIRECT : XDP_REDIRECT;
	case V_TX:
		return t->dp->tc ? TC_ACT_REDIRECT : XDP_TX;
	}
	return -1;
}

static const char *verdict_name(const struct tcase *t, int code)
{
	if (t->dp->tc)
		switch (code) {
		case TC_ACT_OK: return "TC_ACT_OK";
		case TC_ACT_SHOT: return "TC_ACT_SHOT";
		case TC_ACT_REDIRECT: return "TC_ACT_REDIRECT";
		default: return "TC_ACT_?";
		}
	switch (code) {
	case XDP_ABORTED: return "XDP_ABORTED";
	case XDP_DROP: return "XDP_DROP";
	case XDP_PASS: return "XDP_PASS";
	case XDP_TX: return "XDP_TX";
	case XDP_REDIRECT: return "XDP_REDIRECT";
	default: return "XDP_?";
	}
}

static void failf(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void failf(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint_error(fmt, ap);
	va_end(ap);
	print_error("\n");
	_fail(file, line);
}

void expect_verdict_at(struct tcase *t, const struct run *r, enum verdict v,
		       const char *file, int line)
{
	int want = verdict_code(t, v);

	if (r->ret != want)
		failf(file, line, "verdict %s (%d), expected %s (%d)",
		      verdict_name(t, r->ret), r->ret, verdict_name(t, want),
		      want);
}

void expect_reason_at(const struct run *r, int reason, const char *file,
		      int line)
{
	char got[256] = "";
	size_t n = 0;
	bool ok = true;

	for (int i = 0; i < XD_REASON_MAX; i++) {
		if (r->reasons[i] != (uint64_t)(i == reason))
			ok = false;
		if (r->reasons[i] && n < sizeof(got))
			n += snprintf(got + n, sizeof(got) - n, " %s=%llu",
				      xd_reason_name(i),
				      (unsigned long long)r->reasons[i]);
	}
	if (!ok)
		failf(file, line, "reason_stats counted:%s; expected %s=1 only",
		      n ? got : " nothing", xd_reason_name(reason));
}

static void hexdump(const char *title, const uint8_t *p, size_t len,
		    const uint8_t *other, size_t olen)
{
	print_error("# %s (%zu bytes; * differs)\n", title, len);
	for (size_t i = 0; i < len; i += 16) {
		char line[128];
		int n = snprintf(line, sizeof(line), "#   %04zx:", i);

		for (size_t j = i; j < i + 16 && j < len; j++)
			n += snprintf(line + n, sizeof(line) - n, "%c%02x",
				      j >= olen || other[j] != p[j] ? '*' : ' ',
				      p[j]);
		print_error("%s\n", line);
	}
}

/* A whole, unfragmented IPv4 packet: its checksums must verify. The
 * deliberately malformed inputs are judged by the byte comparison only. */
static bool csum_checkable(const uint8_t *p, size_t len)
{
	size_t ihl, tot;

	if (len < 34 || p[12] != 0x08 || p[13] != 0x00 || (p[14] >> 4) != 4)
		return false;
	ihl = (p[14] & 0x0f) * 4;
	tot = (size_t)p[16] << 8 | p[17];
	return ihl >= 20 && tot >= ihl && 14 + tot <= len &&
	       !(p[20] & 0x3f) && !p[21];
}

void expect_bytes_at(const struct run *r, const uint8_t *exp, size_t len,
		     const char *file, int line)
{
	char why[128];

	if (r->len != len || memcmp(r->out, exp, len)) {
		size_t i = 0;

		while (i < len && i < r->len && r->out[i] == exp[i])
			i++;
		hexdump("output", r->out, r->len, exp, len);
		hexdump("expected", exp, len, r->out, r->len);
		failf(file, line, "output packet differs from the expected one "
		      "at byte %zu (lengths %u and %zu)", i, r->len, len);
	}
	if (csum_checkable(exp, len) &&
	    pkt_check_csums(r->out, r->len, why, sizeof(why)))
		failf(file, line, "output packet: %s", why);
}

void expect_spec_at(const struct run *r, const struct pkt_spec *exp,
		    const char *file, int line)
{
	uint8_t buf[PKT_MAX];
	size_t len = pkt_build(exp, buf);

	expect_bytes_at(r, buf, len, file, line);
}
