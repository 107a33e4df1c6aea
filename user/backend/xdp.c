// SPDX-License-Identifier: GPL-2.0
/*
 * The XDP/TC backend: loads bpf/director.bpf.c with its maps pinned under
 * the instance's bpffs directory, attaches it, and keeps the maps equal to
 * the desired table.
 *
 * Ids: a service and a real server keep their slot for as long as they
 * exist, and across daemon restarts (the slots are read back from the
 * pinned maps), because live connections name them. A removed real keeps
 * its slot, detached, so that adding it back resumes its connections; a
 * detached slot is reused for another real only once no connection counts
 * against it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <net/if.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "director.skel.h"
#include "backend/backend.h"
#include "backend/real_addrs.h"
#include "backend/sched_ring.h"
#include "backend/verifier_log.h"
#include "log.h"
#include "netif.h"
#include "util.h"

#define NSEC_PER_SEC	1000000000ULL
/* An entry is swept this long after its timeout, so a packet that is
 * reviving it in the datapath at that moment does not race the sweep. */
#define SWEEP_GRACE_NS	(2 * NSEC_PER_SEC)
#define SWEEP_BATCH	1024
#define SWEEP_BUDGET	(16 * SWEEP_BATCH)

struct svc_slot {
	bool used;
	struct xd_svc_key key;
	struct xd_svc val;
	char sched[16];
	bool hash_port, local;
};

struct real_copy {
	bool used;		/* in use or detached */
	struct xd_real_slot val;
};

/*
 * A walk of conn_table in batches of SWEEP_BATCH (one system call each,
 * not two per entry), resumable: a hash map's batch token is a bucket
 * index. Used by the sweeper (a budget per tick) and by conns().
 */
struct conn_batch {
	__u32 token;
	bool started;
	struct xd_conn_key *keys;	/* SWEEP_BATCH */
	struct xd_conn *vals;
};

/* Idle timeout per connection state, in ns. */
struct timeouts {
	uint64_t ns[XD_STATE_MAX];
};
struct xdp_backend;
struct backend_snapshot;
static void snapshot_timeouts(struct xdp_backend *x, struct backend_snapshot *s);

struct xdp_backend {
	struct backend base;
	struct director_bpf *skel;
	char bpffs[256];
	char links_dir[300];
	enum dp_mode mode;
	bool no_attach;
	struct svc_slot svcs[XD_MAX_SERVICES];
	struct real_copy *reals;	/* XD_MAX_REALS */
	struct xd_real_conns *conns_mm;	/* mmapped real_conns */
	uint64_t *ring_mm;		/* mmapped sched_ring */
	uint32_t *epoch_mm;		/* mmapped flow_epoch */
	uint64_t flushes;		/* flow_cache_flush() calls */
	struct backend_iface ifaces[XD_MAX_IFACES];
	size_t nifaces;
	int ncpus;
	/* sweeper position in conn_table (a hash map's batch token is a
	 * bucket index) and reply_table; a batch's keys and values */
	struct conn_batch sweep_batch;
	struct xd_reply_key sweep_reply_key;
	bool sweep_reply_started;
	uint64_t swept;
	struct timeouts sweep_timeouts;	/* read_timeouts() before a sweep */
	/* real_addrs as last written (NULL: as a previous daemon left it) */
	struct ra_entry *ra;
	size_t nra;
};

static const struct backend_ops xdp_ops;

static struct xdp_backend *to_xdp(struct backend *b)
{
	return (struct xdp_backend *)b;
}

static uint64_t mono_coarse_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static int write_params(struct xdp_backend *x, uint32_t conn_max)
{
	struct xd_params p = { .conn_max = conn_max };
	uint32_t zero = 0;

	for (int i = 0; i < XD_STATE_MAX; i++)
		p.timeout_ns[i] = xd_default_timeout_s(i) * NSEC_PER_SEC;
	return bpf_map__update_elem(x->skel->maps.params, &zero, sizeof(zero),
				    &p, sizeof(p), BPF_ANY);
}

static void *map_mmap(struct bpf_map *map, size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       bpf_map__fd(map), 0);

	return p == MAP_FAILED ? NULL : p;
}

/*
 * Every CPU's flow cache forgets every flow (bpf/flow_cache.h): after any
 * write to services, reals or conn_table, which the cached flows would
 * not see otherwise until the next clock tick.
 */
static void flow_cache_flush(struct xdp_backend *x)
{
	if (x->epoch_mm)
		__atomic_fetch_add(x->epoch_mm, 1, __ATOMIC_SEQ_CST);
	x->flushes++;
}

/* What the datapath counted for the flow cache, summed over CPUs. */
static void flow_cache_snapshot(struct xdp_backend *x, struct backend_snapshot *s)
{
	struct xd_flow_cache_count *fc = calloc(x->ncpus, sizeof(*fc));
	uint32_t zero = 0;

	s->flow_flushes = x->flushes;
	if (!fc || bpf_map__lookup_elem(x->skel->maps.flow_cache_stats, &zero,
					sizeof(zero), fc,
					x->ncpus * sizeof(*fc), 0)) {
		free(fc);
		return;
	}
	for (int c = 0; c < x->ncpus; c++) {
		s->flow_hits += fc[c].hits;
		s->flow_misses += fc[c].misses;
		s->flow_flushes += fc[c].flushes;
	}
	free(fc);
}

void xdp_backend_flow_cache_flush(struct backend *b)
{
	if (b->ops == &xdp_ops)
		flow_cache_flush(to_xdp(b));
}

/* Rebuild slot ownership from pinned maps left by an earlier daemon. */
static int restore_state(struct xdp_backend *x)
{
	int sfd = bpf_map__fd(x->skel->maps.services);
	int rfd = bpf_map__fd(x->skel->maps.reals);
	struct xd_svc_key key, next;
	struct xd_svc val;
	int nsvc = 0, nreal = 0;
	void *prev = NULL;

	while (bpf_map_get_next_key(sfd, prev, &next) == 0) {
		if (bpf_map_lookup_elem(sfd, &next, &val) == 0 &&
		    val.id < XD_MAX_SERVICES) {
			struct svc_slot *s = &x->svcs[val.id];

			s->used = true;
			s->key = next;
			s->val = val;
			snprintf(s->sched, sizeof(s->sched), "%s",
				 lb_sched_name(val.sched));
			s->hash_port = val.flags & XD_SVC_F_HASH_PORT;
			s->local = val.flags & XD_SVC_F_LOCAL;
			nsvc++;
		}
		key = next;
		prev = &key;
	}
	for (uint32_t id = 0; id < XD_MAX_REALS; id++) {
		struct xd_real_slot r;

		if (bpf_map_lookup_elem(rfd, &id, &r) || (!r.addr && !r.port))
			continue;
		x->reals[id].used = true;
		x->reals[id].val = r;
		nreal++;
	}
	if (nsvc || nreal)
		xd_info("resumed datapath state from %s: %d services, %d real slots",
			x->bpffs, nsvc, nreal);
	return 0;
}

/*
 * Load the programs (and create or reuse the pinned maps). A program the
 * verifier rejects is reported with its name, the kernel release and the
 * log's last lines, in err and in the log; any other failure leaves err
 * empty for the caller to explain.
 */
static int load_datapath(struct xdp_backend *x, char *err, size_t errlen)
{
	const struct bpf_program *bad;
	char tail[2048], last[512];
	char *logs[16] = { NULL };
	const char *log = NULL;
	struct utsname u;
	int nlogs, rc;

	err[0] = 0;
	nlogs = verifier_log_attach(x->skel->obj, logs, 16);
	if (nlogs < 0) {
		/* Load anyway; a rejection is then reported by errno only. */
		verifier_log_detach(x->skel->obj, logs, 16);
		nlogs = 0;
	}
	rc = director_bpf__load(x->skel);
	bad = rc ? verifier_rejected(x->skel->obj, logs, nlogs, &log) : NULL;
	if (bad) {
		if (uname(&u))
			snprintf(u.release, sizeof(u.release), "?");
		verifier_log_tail(log, 12, tail, sizeof(tail));
		xd_err("BPF verifier log of %s on Linux %s, last lines:",
		       bpf_program__name(bad), u.release);
		for (char *line = strtok(tail, "\n"); line;
		     line = strtok(NULL, "\n"))
			xd_err("  %s", line);
		verifier_log_tail(log, 2, last, sizeof(last));
		for (char *c = last; *c; c++)
			if (*c == '\n')
				*c = ' ';
		snprintf(err, errlen, "the BPF verifier of Linux %s rejected "
			 "program %s (%s): %s", u.release,
			 bpf_program__name(bad), strerror(-rc), last);
		rc = -EACCES;
	}
	verifier_log_detach(x->skel->obj, logs, nlogs);
	return rc;
}

int xdp_backend_open(const struct backend_opts *opts, struct backend **out,
		     char *err, size_t errlen)
{
	bool made_dir = false, made_maps_dir = false;
	char maps_dir[300];
	struct xdp_backend *x;
	int rc;

	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->base.ops = &xdp_ops;
	x->mode = opts->mode;
	x->no_attach = opts->no_attach;
	x->reals = calloc(XD_MAX_REALS, sizeof(*x->reals));
	x->ncpus = libbpf_num_possible_cpus();
	snprintf(x->bpffs, sizeof(x->bpffs), "%s", opts->bpffs);
	snprintf(maps_dir, sizeof(maps_dir), "%s/" XD_PIN_MAPS_SUBDIR, x->bpffs);
	snprintf(x->links_dir, sizeof(x->links_dir), "%s/" XD_PIN_LINKS_SUBDIR,
		 x->bpffs);
	if (!x->reals || x->ncpus <= 0) {
		rc = -ENOMEM;
		goto fail;
	}
	made_dir = access(x->bpffs, F_OK) != 0;
	made_maps_dir = access(maps_dir, F_OK) != 0;
	rc = mkdir_p(maps_dir, 0700);
	if (rc) {
		snprintf(err, errlen, "%s: cannot create pin directory: %s "
			 "(is bpffs mounted on /sys/fs/bpf?)", maps_dir,
			 strerror(-rc));
		goto fail;
	}

	{
		char probe[400];

		snprintf(probe, sizeof(probe), "%s/services", maps_dir);
		x->base.resumed = access(probe, F_OK) == 0;
	}
	{
		DECLARE_LIBBPF_OPTS(bpf_object_open_opts, oo,
				    .pin_root_path = maps_dir);

		x->skel = director_bpf__open_opts(&oo);
	}
	if (!x->skel) {
		rc = -errno;
		snprintf(err, errlen, "open BPF object: %s", strerror(-rc));
		goto fail;
	}
	bpf_map__set_max_entries(x->skel->maps.conn_table, opts->conn_max);
	bpf_map__set_max_entries(x->skel->maps.reply_table, opts->conn_max);
	rc = load_datapath(x, err, errlen);
	if (rc == -EACCES && err[0])
		goto fail;	/* a verifier rejection, reported as such */
	if (rc) {
		snprintf(err, errlen, "load BPF datapath (pins in %s): %s; if "
			 "maps pinned by another version or with another "
			 "--conn-max are there, stop that instance cleanly or "
			 "remove %s", maps_dir, strerror(-rc), x->bpffs);
		goto fail;
	}
	/* The hook tc mode will use, found and logged once. */
	attach_probe(bpf_program__fd(x->skel->progs.tc_int));
	x->conns_mm = map_mmap(x->skel->maps.real_conns,
			       XD_MAX_REALS * sizeof(struct xd_real_conns));
	x->ring_mm = map_mmap(x->skel->maps.sched_ring,
			      (size_t)XD_MAX_SERVICES * XD_RING_SIZE * sizeof(uint64_t));
	x->epoch_mm = map_mmap(x->skel->maps.flow_epoch, sizeof(uint32_t));
	if (!x->conns_mm || !x->ring_mm || !x->epoch_mm) {
		rc = -errno;
		snprintf(err, errlen, "mmap datapath arrays: %s", strerror(-rc));
		goto fail;
	}
	rc = write_params(x, opts->conn_max);
	if (rc) {
		snprintf(err, errlen, "write datapath parameters: %s",
			 strerror(-rc));
		goto fail;
	}
	restore_state(x);
	*out = &x->base;
	return 0;
fail:
	xdp_ops.close(&x->base, false);
	/* A failed load unpins what it pinned; the directories this call
	 * made go too (rmdir refuses any that something was put in since). */
	if (made_maps_dir)
		rmdir(maps_dir);
	if (made_dir)
		rmdir(opts->bpffs);
	return rc;
}

/* ---- applying a table ---------------------------------------------- */

static bool key_eq(const struct xd_svc_key *a, const struct xd_svc_key *b)
{
	return a->vip == b->vip && a->port == b->port && a->proto == b->proto;
}

static int find_svc(struct xdp_backend *x, const struct xd_svc_key *k)
{
	for (int i = 0; i < XD_MAX_SERVICES; i++)
		if (x->svcs[i].used && key_eq(&x->svcs[i].key, k))
			return i;
	return -1;
}

static int find_real(struct xdp_backend *x, uint32_t svc_id, uint32_t addr,
		     uint16_t port)
{
	for (int i = 0; i < XD_MAX_REALS; i++) {
		struct real_copy *r = &x->reals[i];

		if (r->used && r->val.svc_id == svc_id && r->val.addr == addr &&
		    r->val.port == port)
			return i;
	}
	return -1;
}

static bool real_slot_idle(struct xdp_backend *x, int id)
{
	return __atomic_load_n(&x->conns_mm[id].active, __ATOMIC_RELAXED) <= 0 &&
	       __atomic_load_n(&x->conns_mm[id].inactive, __ATOMIC_RELAXED) <= 0;
}

/* A free slot: never used, or detached with no connection left. */
static int alloc_real(struct xdp_backend *x, const bool *claimed)
{
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < XD_MAX_REALS; i++) {
			struct real_copy *r = &x->reals[i];

			if (claimed[i])
				continue;
			if (pass == 0 && !r->used)
				return i;
			if (pass == 1 && r->used &&
			    !(r->val.flags & XD_REAL_F_IN_USE) &&
			    real_slot_idle(x, i))
				return i;
		}
	return -1;
}

struct plan_svc {
	int id;
	int sched;
	uint32_t *real_ids;	/* one per lb_service.reals entry */
};

static int write_real(struct xdp_backend *x, uint32_t id,
		      const struct xd_real_slot *r)
{
	int rc = bpf_map__update_elem(x->skel->maps.reals, &id, sizeof(id), r,
				      sizeof(*r), BPF_ANY);

	if (!rc) {
		x->reals[id].used = r->addr || r->port;
		x->reals[id].val = *r;
	}
	return rc;
}

static size_t build_ring(const struct lb_service *s, int sched,
			 const uint32_t *ids, uint32_t *ring)
{
	struct ring_member *m = calloc(s->nreals ? s->nreals : 1, sizeof(*m));
	size_t len = 0;

	if (!m)
		return 0;
	for (size_t i = 0; i < s->nreals; i++) {
		m[i].id = ids[i];
		m[i].weight = s->reals[i].weight;
		m[i].addr = s->reals[i].addr;
		m[i].port = s->reals[i].port;
	}
	switch (sched) {
	case XD_SCHED_RR:
		len = ring_build_rr(m, s->nreals, ring, XD_RING_SIZE);
		break;
	case XD_SCHED_WRR:
		len = ring_build_wrr(m, s->nreals, ring, XD_RING_SIZE);
		break;
	case XD_SCHED_SH:
		len = ring_build_sh(m, s->nreals, ring, XD_RING_SIZE);
		break;
	case XD_SCHED_MH:
		len = ring_build_maglev(m, s->nreals, ring, XD_RING_SIZE);
		break;
	case XD_SCHED_DH:
		len = ring_build_dh(m, s->nreals, ring, XD_RING_SIZE);
		break;
	case XD_SCHED_TWOS:
		len = ring_build_twos(m, s->nreals, ring, XD_RING_SIZE);
		break;
	default:
		break;	/* the others scan the counts: no ring */
	}
	free(m);
	return len;
}

static int validate_table(const struct lb_table *t, char *err, size_t errlen)
{
	size_t total = 0;

	if (t->nsvcs > XD_MAX_SERVICES) {
		snprintf(err, errlen, "%zu virtual services; the datapath holds "
			 "at most %d", t->nsvcs, XD_MAX_SERVICES);
		return -E2BIG;
	}
	for (size_t i = 0; i < t->nsvcs; i++) {
		const struct lb_service *s = &t->svcs[i];
		char vip[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &s->vip, vip, sizeof(vip));
		if (lb_sched_from_name(s->sched) < 0) {
			snprintf(err, errlen, "%s:%u: scheduler '%s' is not "
				 "supported by the XDP datapath (rr wrr lc wlc "
				 "sh mh sed nq dh lblc lblcr fo ovf twos)", vip,
				 ntohs(s->port), s->sched);
			return -EINVAL;
		}
		if (s->proto != IPPROTO_TCP && s->proto != IPPROTO_UDP) {
			snprintf(err, errlen, "%s:%u: protocol %u not supported",
				 vip, ntohs(s->port), s->proto);
			return -EINVAL;
		}
		if (s->nreals > XD_MAX_REALS_PER_SVC) {
			snprintf(err, errlen, "%s:%u: %zu real servers; at most "
				 "%d per service", vip, ntohs(s->port),
				 s->nreals, XD_MAX_REALS_PER_SVC);
			return -E2BIG;
		}
		for (size_t j = 0; j < s->nreals; j++)
			if (s->reals[j].fwd != LB_FWD_MASQ) {
				snprintf(err, errlen, "%s:%u: forwarding method "
					 "%s is not supported by the XDP "
					 "datapath (masq only)", vip,
					 ntohs(s->port),
					 lb_fwd_name(s->reals[j].fwd));
				return -EINVAL;
			}
		for (size_t j = 0; j < i; j++)
			if (t->svcs[j].vip == s->vip &&
			    t->svcs[j].port == s->port &&
			    t->svcs[j].proto == s->proto) {
				snprintf(err, errlen, "%s:%u: service listed twice",
					 vip, ntohs(s->port));
				return -EEXIST;
			}
		total += s->nreals;
	}
	if (total > XD_MAX_REALS) {
		snprintf(err, errlen, "%zu real servers in all; the datapath "
			 "holds at most %d", total, XD_MAX_REALS);
		return -E2BIG;
	}
	return 0;
}

/* Which interfaces the table needs, and with which role. */
static int plan_ifaces(const struct lb_table *t,
		       struct backend_iface *want, size_t *nwant,
		       char *err, size_t errlen)
{
	size_t n = 0;

	for (size_t i = 0; i < t->nsvcs; i++) {
		const struct lb_service *s = &t->svcs[i];

		for (size_t j = 0; j <= s->nreals; j++) {
			uint32_t addr = j == 0 ? s->vip : s->reals[j - 1].addr;
			char name[IF_NAMESIZE] = "";
			size_t k;
			int idx;

			if (j > 0 && s->local)
				continue;
			idx = netif_for_addr(addr, name);
			if (idx <= 0) {
				char a[INET_ADDRSTRLEN];

				inet_ntop(AF_INET, &addr, a, sizeof(a));
				snprintf(err, errlen, "%s: no interface reaches "
					 "it: %s", a, strerror(idx ? -idx : ENOENT));
				return idx ? idx : -ENOENT;
			}
			if (!strcmp(name, "lo"))
				continue;
			for (k = 0; k < n; k++)
				if (want[k].ifindex == idx)
					break;
			if (k == n) {
				if (n == XD_MAX_IFACES) {
					snprintf(err, errlen, "too many interfaces");
					return -E2BIG;
				}
				memset(&want[n], 0, sizeof(want[n]));
				snprintf(want[n].name, IF_NAMESIZE, "%s", name);
				want[n].ifindex = idx;
				n++;
			}
			if (j == 0)
				want[k].ext = true;
			else
				want[k].in = true;
		}
	}
	*nwant = n;
	return 0;
}

static bool backend_has_iface(struct xdp_backend *x, int ifindex)
{
	for (size_t i = 0; i < x->nifaces; i++)
		if (x->ifaces[i].ifindex == ifindex)
			return true;
	return false;
}

static int record_mac(struct xdp_backend *x, const struct backend_iface *w)
{
	struct ifreq ifr = {};
	struct xd_if_mac m = {};
	uint32_t idx = w->ifindex;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", w->name);
	rc = ioctl(fd, SIOCGIFHWADDR, &ifr) ? -errno : 0;
	if (!rc)
		memcpy(m.mac, ifr.ifr_hwaddr.sa_data, sizeof(m.mac));
	if (!rc && ioctl(fd, SIOCGIFMTU, &ifr) == 0 && ifr.ifr_mtu < 65536)
		m.mtu = ifr.ifr_mtu;
	close(fd);
	if (rc)
		return rc;
	if (!m.mtu)
		m.mtu = 1500;	/* 0 marks an unused if_mac_slots slot */
	if (idx < XD_IF_MAC_SLOTS) {
		rc = bpf_map__update_elem(x->skel->maps.if_mac_slots, &idx,
					  sizeof(idx), &m, sizeof(m), BPF_ANY);
		if (rc)
			return rc;
	}
	return bpf_map__update_elem(x->skel->maps.if_macs, &idx, sizeof(idx),
				    &m, sizeof(m), BPF_ANY);
}

static int attach_ifaces(struct xdp_backend *x, struct backend_iface *want,
			 size_t nwant, char *err, size_t errlen)
{
	struct director_bpf *sk = x->skel;
	bool fresh[XD_MAX_IFACES] = {};

	for (size_t i = 0; i < nwant; i++)
		fresh[i] = attached_mode(x->links_dir, want[i].name) == DP_AUTO &&
			   !backend_has_iface(x, want[i].ifindex);
	for (size_t i = 0; i < nwant; i++) {
		struct backend_iface *w = &want[i];
		struct bpf_program *xp, *tp;
		enum dp_mode mode, got;
		enum dp_hook hook;
		int rc;

		if (w->ext && w->in) {
			xp = sk->progs.xdp_both;
			tp = sk->progs.tc_both;
		} else if (w->ext) {
			xp = sk->progs.xdp_ext;
			tp = sk->progs.tc_ext;
		} else {
			xp = sk->progs.xdp_int;
			tp = sk->progs.tc_int;
		}
		mode = dp_mode_resolve(x->mode, w->name, &w->why);
		rc = attach_iface(x->links_dir, w->name, mode, xp, tp, &got,
				  &hook);
		if (rc && x->mode == DP_AUTO && mode != DP_TC) {
			xd_warn("%s: native XDP attach failed (%s); using TC",
				w->name, strerror(-rc));
			w->why = "native XDP refused";
			rc = attach_iface(x->links_dir, w->name, DP_TC, xp, tp,
					  &got, &hook);
		}
		if (rc) {
			snprintf(err, errlen, "%s: attach %s datapath: %s",
				 w->name, dp_mode_name(mode), strerror(-rc));
			/* Undo what this call attached; keep what ran before. */
			for (size_t j = 0; j < i; j++)
				if (fresh[j])
					detach_iface(x->links_dir, want[j].name);
			return rc;
		}
		w->mode = got;
		w->hook = hook;
		w->hook_why = got == DP_TC ? attach_tc_hook_why() : "";
		if (record_mac(x, w))
			xd_warn("%s: MAC unknown; flooded frames are not told "
				"apart in XDP mode", w->name);
		xd_info("%s: datapath attached in %s mode by %s (%s%s%s; %s)",
			w->name, dp_mode_name(got), dp_hook_name(hook),
			w->ext ? "external" : "", w->ext && w->in ? "+" : "",
			w->in ? "internal" : "", w->why);
	}
	/* Interfaces no longer needed keep running until the daemon stops:
	 * their connections may still be draining. */
	for (size_t i = 0; i < x->nifaces; i++) {
		size_t k;

		for (k = 0; k < nwant; k++)
			if (want[k].ifindex == x->ifaces[i].ifindex)
				break;
		if (k == nwant && nwant < XD_MAX_IFACES)
			want[nwant++] = x->ifaces[i];
	}
	memcpy(x->ifaces, want, nwant * sizeof(*want));
	x->nifaces = nwant;
	return 0;
}

/*
 * Applying a table is a plan, then its phases. The plan gives every
 * service and real its id and works out the slots as they will be, who
 * owns each real address and which interfaces are needed, touching
 * nothing. The phases then write it in an order that keeps the datapath
 * consistent at every step: interfaces attached before any map is filled
 * (a refusal leaves the maps as they were), reals that gain weight before
 * the services and rings that name them, and last the reals that lose
 * weight or go, so no ring ever points at a real that cannot take a
 * connection.
 */
struct apply_plan {
	const struct lb_table *t;
	struct plan_svc *svcs;		/* one per t->svcs */
	bool *svc_claimed;		/* XD_MAX_SERVICES: slot in the table */
	bool *claimed;			/* XD_MAX_REALS: slot in the table */
	bool *fresh;			/* XD_MAX_REALS: slot takes a new real */
	bool *owns;			/* XD_MAX_REALS: slot owns its address */
	struct xd_real_slot *next;		/* XD_MAX_REALS: slots as they will be */
	uint32_t *ring;			/* XD_RING_SIZE: build_ring's output */
	struct backend_iface *want;	/* XD_MAX_IFACES: interfaces needed */
	size_t nwant;
	struct ra_entry *ra;		/* real_addrs as it will be */
	size_t nra;
};

static void plan_free(struct apply_plan *p)
{
	if (p->svcs)
		for (size_t i = 0; i < p->t->nsvcs; i++)
			free(p->svcs[i].real_ids);
	free(p->svcs);
	free(p->svc_claimed);
	free(p->claimed);
	free(p->fresh);
	free(p->owns);
	free(p->next);
	free(p->ring);
	free(p->want);
	free(p->ra);
}

/* On failure, what was allocated is left for plan_free(). */
static int plan_alloc(struct apply_plan *p, const struct lb_table *t)
{
	*p = (struct apply_plan){ .t = t };
	p->svcs = calloc(t->nsvcs ? t->nsvcs : 1, sizeof(*p->svcs));
	p->svc_claimed = calloc(XD_MAX_SERVICES, sizeof(*p->svc_claimed));
	p->claimed = calloc(XD_MAX_REALS, sizeof(*p->claimed));
	p->fresh = calloc(XD_MAX_REALS, sizeof(*p->fresh));
	p->owns = calloc(XD_MAX_REALS, sizeof(*p->owns));
	p->next = malloc(XD_MAX_REALS * sizeof(*p->next));
	p->ring = calloc(XD_RING_SIZE, sizeof(*p->ring));
	p->want = calloc(XD_MAX_IFACES, sizeof(*p->want));
	if (!p->svcs || !p->svc_claimed || !p->claimed || !p->fresh ||
	    !p->owns || !p->next || !p->ring || !p->want)
		return -ENOMEM;
	for (size_t i = 0; i < t->nsvcs; i++) {
		size_t n = t->svcs[i].nreals;

		p->svcs[i].real_ids = calloc(n ? n : 1, sizeof(uint32_t));
		if (!p->svcs[i].real_ids)
			return -ENOMEM;
	}
	return 0;
}

/* A service that exists keeps its slot; a new one takes a free slot. */
static int plan_svc_ids(struct xdp_backend *x, struct apply_plan *p,
			char *err, size_t errlen)
{
	const struct lb_table *t = p->t;

	for (size_t i = 0; i < t->nsvcs; i++) {
		const struct lb_service *s = &t->svcs[i];
		struct xd_svc_key k = { .vip = s->vip, .port = s->port,
					.proto = s->proto };
		int id = find_svc(x, &k);

		if (id >= 0)
			p->svc_claimed[id] = true;
		p->svcs[i].id = id;
		p->svcs[i].sched = lb_sched_from_name(s->sched);
	}
	for (size_t i = 0; i < t->nsvcs; i++) {
		if (p->svcs[i].id >= 0)
			continue;
		for (int id = 0; id < XD_MAX_SERVICES; id++)
			if (!x->svcs[id].used && !p->svc_claimed[id]) {
				p->svc_claimed[id] = true;
				p->svcs[i].id = id;
				break;
			}
		if (p->svcs[i].id < 0) {
			snprintf(err, errlen, "no free service slot");
			return -ENOSPC;
		}
	}
	return 0;
}

/* Reals that exist keep their slots, claimed first so that a new real
 * never takes a live slot; -1 marks a real that has none yet. */
static int plan_existing_reals(struct xdp_backend *x, struct apply_plan *p,
			       char *err, size_t errlen)
{
	for (size_t i = 0; i < p->t->nsvcs; i++) {
		const struct lb_service *s = &p->t->svcs[i];

		for (size_t j = 0; j < s->nreals; j++) {
			int id = find_real(x, p->svcs[i].id, s->reals[j].addr,
					   s->reals[j].port);

			if (id >= 0 && p->claimed[id]) {
				snprintf(err, errlen, "real server listed twice "
					 "in one service");
				return -EEXIST;
			}
			p->svcs[i].real_ids[j] = id;
			if (id >= 0)
				p->claimed[id] = true;
		}
	}
	return 0;
}

static int plan_new_reals(struct xdp_backend *x, struct apply_plan *p,
			  char *err, size_t errlen)
{
	for (size_t i = 0; i < p->t->nsvcs; i++) {
		struct plan_svc *ps = &p->svcs[i];

		for (size_t j = 0; j < p->t->svcs[i].nreals; j++) {
			int id;

			if ((int)ps->real_ids[j] >= 0)
				continue;
			id = alloc_real(x, p->claimed);
			if (id < 0) {
				snprintf(err, errlen, "no free real-server slot");
				return -ENOSPC;
			}
			p->claimed[id] = true;
			ps->real_ids[j] = id;
		}
	}
	return 0;
}

/* The slots as they will be: a real that goes keeps its slot, detached;
 * a slot is fresh when it takes a real it did not hold, and then forgets
 * whether it owned its address. */
static void plan_next_reals(struct xdp_backend *x, struct apply_plan *p)
{
	for (uint32_t id = 0; id < XD_MAX_REALS; id++) {
		if (!x->reals[id].used)
			continue;
		p->next[id] = x->reals[id].val;
		if (!p->claimed[id])
			p->next[id].flags &= ~XD_REAL_F_IN_USE;
	}
	for (size_t i = 0; i < p->t->nsvcs; i++) {
		const struct lb_service *s = &p->t->svcs[i];
		uint32_t svc_id = p->svcs[i].id;

		for (size_t j = 0; j < s->nreals; j++) {
			const struct lb_real *lr = &s->reals[j];
			uint32_t id = p->svcs[i].real_ids[j];
			const struct real_copy *cur = &x->reals[id];
			bool fresh = !cur->used || cur->val.svc_id != svc_id ||
				     cur->val.addr != lr->addr ||
				     cur->val.port != lr->port;

			p->fresh[id] = fresh;
			p->next[id] = (struct xd_real_slot){
				.addr = lr->addr,
				.port = lr->port,
				.flags = XD_REAL_F_IN_USE | (fresh ? 0 :
					 cur->val.flags & XD_REAL_F_OWNS_ADDR),
				.svc_id = svc_id,
				.vip = s->vip,
				.vport = s->port,
				.proto = s->proto,
			};
		}
	}
}

/* Which slot owns each real address, among every slot that will be used. */
static int plan_addr_owners(struct xdp_backend *x, struct apply_plan *p)
{
	uint32_t *ids = malloc(XD_MAX_REALS * sizeof(*ids));
	struct xd_real_slot *cand = malloc(XD_MAX_REALS * sizeof(*cand));
	size_t n = 0;
	int rc = -ENOMEM;

	if (ids && cand) {
		for (uint32_t id = 0; id < XD_MAX_REALS; id++)
			if (x->reals[id].used || p->claimed[id]) {
				ids[n] = id;
				cand[n++] = p->next[id];
			}
		rc = real_addrs_plan(cand, ids, n, p->owns, &p->ra, &p->nra);
	}
	free(ids);
	free(cand);
	return rc;
}

/* The whole plan, touching nothing; *p is for plan_free() either way. */
static int make_plan(struct xdp_backend *x, const struct lb_table *t,
		     struct apply_plan *p, char *err, size_t errlen)
{
	int rc = plan_alloc(p, t);

	if (!rc)
		rc = plan_svc_ids(x, p, err, errlen);
	if (!rc)
		rc = plan_existing_reals(x, p, err, errlen);
	if (!rc)
		rc = plan_new_reals(x, p, err, errlen);
	if (!rc && !x->no_attach)
		rc = plan_ifaces(t, p->want, &p->nwant, err, errlen);
	if (rc)
		return rc;
	plan_next_reals(x, p);
	return plan_addr_owners(x, p);
}

/*
 * The vips map counts the services on each VIP address; the datapath
 * answers for an address while it has an entry. delta is +1 or -1.
 */
static int vip_ref(struct xdp_backend *x, uint32_t vip, int delta)
{
	int fd = bpf_map__fd(x->skel->maps.vips);
	uint32_t cnt = 0;
	int rc = bpf_map_lookup_elem(fd, &vip, &cnt);

	if (rc && rc != -ENOENT)
		return rc;
	if (delta < 0 && rc == -ENOENT)
		return 0;
	if (delta < 0 && cnt <= 1)
		return bpf_map_delete_elem(fd, &vip);
	cnt += delta;
	return bpf_map_update_elem(fd, &vip, &cnt, BPF_ANY);
}

/* An address's entry goes in before a slot is marked as its owner, so no
 * connection is written without a way back; then the slots that stay but
 * gain or lose ownership. */
static int write_addr_owners(struct xdp_backend *x, struct apply_plan *p)
{
	int ra_fd = bpf_map__fd(x->skel->maps.real_addrs);
	int rc = real_addrs_write(ra_fd, x->ra, x->nra, p->ra, p->nra);

	for (uint32_t id = 0; !rc && id < XD_MAX_REALS; id++) {
		struct xd_real_slot r = x->reals[id].val;
		uint16_t own = p->owns[id] ? XD_REAL_F_OWNS_ADDR : 0;

		if (!x->reals[id].used || (p->claimed[id] && p->fresh[id]) ||
		    (r.flags & XD_REAL_F_OWNS_ADDR) == own)
			continue;
		r.flags = (r.flags & ~XD_REAL_F_OWNS_ADDR) | own;
		rc = write_real(x, id, &r);
	}
	return rc;
}

/* A real of the table before any ring names it: written now if it is
 * fresh, back, or keeps or gains weight; one losing weight waits for
 * write_reals_losing(). */
static int write_real_gaining(struct xdp_backend *x, struct apply_plan *p,
			      uint32_t id, uint32_t weight)
{
	const struct real_copy *cur = &x->reals[id];
	bool in_use = cur->val.flags & XD_REAL_F_IN_USE;
	struct xd_real_slot r = p->next[id];

	r.weight = weight;
	if (p->owns[id])
		r.flags |= XD_REAL_F_OWNS_ADDR;
	else
		r.flags &= ~XD_REAL_F_OWNS_ADDR;
	if (p->fresh[id]) {
		/* A recycled slot starts from zero counts. */
		x->conns_mm[id].active = 0;
		x->conns_mm[id].inactive = 0;
	}
	if (!p->fresh[id] && in_use &&
	    (r.weight < cur->val.weight || r.weight == 0))
		return 0;
	return write_real(x, id, &r);
}

static int write_reals_gaining(struct xdp_backend *x, struct apply_plan *p)
{
	for (size_t i = 0; i < p->t->nsvcs; i++) {
		const struct lb_service *s = &p->t->svcs[i];

		for (size_t j = 0; j < s->nreals; j++) {
			int rc = write_real_gaining(x, p, p->svcs[i].real_ids[j],
						    s->reals[j].weight);

			if (rc)
				return rc;
		}
	}
	return 0;
}

/* The ring into the mmapped sched_ring: when it shrinks, the shorter
 * length is published before the slots past it go stale; when it grows,
 * the slots are filled before the longer length goes out. */
static int write_ring(struct xdp_backend *x, const struct xd_svc_key *k,
		      const struct xd_svc *v, const uint32_t *ring)
{
	struct svc_slot *slot = &x->svcs[v->id];
	uint64_t *dst = x->ring_mm + (size_t)v->id * XD_RING_SIZE;

	if (slot->used && v->ring_len < slot->val.ring_len) {
		struct xd_svc tmp = slot->val;
		int rc;

		tmp.ring_len = v->ring_len;
		rc = bpf_map__update_elem(x->skel->maps.services, k,
					  sizeof(*k), &tmp, sizeof(tmp),
					  BPF_ANY);
		if (rc)
			return rc;
	}
	for (size_t r = 0; r < v->ring_len; r++)
		if (dst[r] != ring[r])
			__atomic_store_n(&dst[r], ring[r], __ATOMIC_RELAXED);
	return 0;
}

/* One service: its ring, its list of reals, its entry, and its VIP's
 * count when the service is new. */
static int write_service(struct xdp_backend *x, struct apply_plan *p,
			 size_t i)
{
	const struct lb_service *s = &p->t->svcs[i];
	const struct plan_svc *ps = &p->svcs[i];
	struct svc_slot *slot = &x->svcs[ps->id];
	struct xd_svc_key k = { .vip = s->vip, .port = s->port,
				.proto = s->proto };
	struct xd_svc v = {
		.id = ps->id,
		.sched = ps->sched,
		.flags = (s->hash_port ? XD_SVC_F_HASH_PORT : 0) |
			 (s->local ? XD_SVC_F_LOCAL : 0),
		.nreals = s->nreals,
	};
	struct xd_svc_reals list = {};
	uint32_t sid = v.id;
	int rc;

	for (size_t j = 0; j < s->nreals; j++)
		list.ids[j] = ps->real_ids[j];
	v.ring_len = build_ring(s, v.sched, ps->real_ids, p->ring);
	rc = write_ring(x, &k, &v, p->ring);
	if (!rc)
		rc = bpf_map__update_elem(x->skel->maps.svc_reals, &sid,
					  sizeof(sid), &list, sizeof(list),
					  BPF_ANY);
	if (!rc)
		rc = bpf_map__update_elem(x->skel->maps.services, &k, sizeof(k),
					  &v, sizeof(v), BPF_ANY);
	if (!rc && !slot->used)
		rc = vip_ref(x, k.vip, +1);
	if (rc)
		return rc;
	slot->used = true;
	slot->key = k;
	slot->val = v;
	snprintf(slot->sched, sizeof(slot->sched), "%s", s->sched);
	slot->hash_port = s->hash_port;
	slot->local = s->local;
	return 0;
}

static int write_services(struct xdp_backend *x, struct apply_plan *p)
{
	for (size_t i = 0; i < p->t->nsvcs; i++) {
		int rc = write_service(x, p, i);

		if (rc)
			return rc;
	}
	return 0;
}

/* Reals that lost weight now take no new connections. */
static int write_reals_losing(struct xdp_backend *x, struct apply_plan *p)
{
	for (size_t i = 0; i < p->t->nsvcs; i++) {
		const struct lb_service *s = &p->t->svcs[i];

		for (size_t j = 0; j < s->nreals; j++) {
			uint32_t id = p->svcs[i].real_ids[j];
			struct xd_real_slot r = x->reals[id].val;
			int rc;

			if (r.weight == s->reals[j].weight &&
			    (r.flags & XD_REAL_F_IN_USE))
				continue;
			r.weight = s->reals[j].weight;
			r.flags |= XD_REAL_F_IN_USE;
			rc = write_real(x, id, &r);
			if (rc)
				return rc;
		}
	}
	return 0;
}

static int remove_services(struct xdp_backend *x, struct apply_plan *p)
{
	for (int id = 0; id < XD_MAX_SERVICES; id++) {
		struct svc_slot *slot = &x->svcs[id];
		int rc;

		if (!slot->used || p->svc_claimed[id])
			continue;
		rc = bpf_map__delete_elem(x->skel->maps.services, &slot->key,
					  sizeof(slot->key), 0);
		if (!rc || rc == -ENOENT)
			rc = vip_ref(x, slot->key.vip, -1);
		if (rc)
			return rc;
		slot->used = false;
	}
	return 0;
}

/* Reals that are gone: detached, the slot kept for their connections. */
static int detach_reals(struct xdp_backend *x, struct apply_plan *p)
{
	for (uint32_t id = 0; id < XD_MAX_REALS; id++) {
		struct xd_real_slot r = x->reals[id].val;
		int rc;

		if (!x->reals[id].used || p->claimed[id] ||
		    !(r.flags & XD_REAL_F_IN_USE))
			continue;
		r.flags &= ~XD_REAL_F_IN_USE;
		r.weight = 0;
		rc = write_real(x, id, &r);
		if (rc)
			return rc;
	}
	return 0;
}

/* Addresses no slot has any more go last; then real_addrs is as planned. */
static int prune_addrs(struct xdp_backend *x, struct apply_plan *p)
{
	int ra_fd = bpf_map__fd(x->skel->maps.real_addrs);
	int rc = real_addrs_prune(ra_fd, x->ra, x->nra, p->ra, p->nra);

	if (rc)
		return rc;
	free(x->ra);
	x->ra = p->ra;
	x->nra = p->nra;
	p->ra = NULL;
	return 0;
}

/* The map-writing phases, in order (see apply_plan). */
static int (*const write_phases[])(struct xdp_backend *, struct apply_plan *) = {
	write_addr_owners,
	write_reals_gaining,
	write_services,
	write_reals_losing,
	remove_services,
	detach_reals,
	prune_addrs,
};

/* The states ipvsadm --set's three timeouts govern (enum lb_timeout). */
static const uint32_t timeout_state[LB_TIMEOUTS] = {
	[LB_TIMEOUT_TCP] = XD_TCP_ESTABLISHED,
	[LB_TIMEOUT_TCPFIN] = XD_TCP_FIN_WAIT,
	[LB_TIMEOUT_UDP] = XD_UDP,
};

/* The table's timeouts into params, which the datapath reads for every
 * packet: live connections take the new value at their next packet. */
static int write_timeouts(struct xdp_backend *x, const struct lb_table *t)
{
	struct xd_params p = {};
	uint32_t zero = 0;
	int rc = bpf_map__lookup_elem(x->skel->maps.params, &zero,
				      sizeof(zero), &p, sizeof(p), 0);

	if (rc)
		return rc;
	for (int i = 0; i < LB_TIMEOUTS; i++) {
		uint32_t st = timeout_state[i];

		p.timeout_ns[st] = (t->timeout_s[i] ? t->timeout_s[i] :
				    xd_default_timeout_s(st)) * NSEC_PER_SEC;
	}
	return bpf_map__update_elem(x->skel->maps.params, &zero, sizeof(zero),
				    &p, sizeof(p), BPF_ANY);
}

static int xdp_apply(struct backend *b, const struct lb_table *t, char *err,
		     size_t errlen)
{
	struct xdp_backend *x = to_xdp(b);
	struct apply_plan p;
	int rc = validate_table(t, err, errlen);

	if (rc)
		return rc;
	rc = make_plan(x, t, &p, err, errlen);
	if (!rc && !x->no_attach)
		rc = attach_ifaces(x, p.want, p.nwant, err, errlen);
	for (size_t i = 0; !rc && i < ARRAY_SIZE(write_phases); i++) {
		rc = write_phases[i](x, &p);
		if (rc)
			snprintf(err, errlen, "datapath map update failed "
				 "midway: %s", strerror(-rc));
	}
	if (!rc) {
		rc = write_timeouts(x, t);
		if (rc)
			snprintf(err, errlen, "datapath timeouts: %s",
				 strerror(-rc));
	}
	flow_cache_flush(x);
	plan_free(&p);
	return rc;
}

/* ---- reading back ---------------------------------------------------- */

static void sum_counters(const struct xd_counters *percpu, int ncpus,
			 struct xd_counters *out)
{
	memset(out, 0, sizeof(*out));
	for (int c = 0; c < ncpus; c++) {
		out->pkts_in += percpu[c].pkts_in;
		out->bytes_in += percpu[c].bytes_in;
		out->pkts_out += percpu[c].pkts_out;
		out->bytes_out += percpu[c].bytes_out;
		out->conns += percpu[c].conns;
		out->drops += percpu[c].drops;
	}
}

static int xdp_snapshot(struct backend *b, struct backend_snapshot *s)
{
	struct xdp_backend *x = to_xdp(b);
	struct director_bpf *sk = x->skel;
	struct xd_counters *pc = calloc(x->ncpus, sizeof(*pc));
	struct xd_reason_count *rc = calloc(x->ncpus, sizeof(*rc));
	size_t n = 0;

	memset(s, 0, sizeof(*s));
	s->svcs = calloc(XD_MAX_SERVICES, sizeof(*s->svcs));
	s->ifaces = calloc(x->nifaces ? x->nifaces : 1, sizeof(*s->ifaces));
	if (!pc || !rc || !s->svcs || !s->ifaces) {
		free(pc);
		free(rc);
		backend_snapshot_free(s);
		return -ENOMEM;
	}
	memcpy(s->ifaces, x->ifaces, x->nifaces * sizeof(*x->ifaces));
	s->nifaces = x->nifaces;
	for (uint32_t r = 0; r < XD_REASON_MAX; r++) {
		if (bpf_map__lookup_elem(sk->maps.reason_stats, &r, sizeof(r), rc,
					 x->ncpus * sizeof(*rc), 0))
			continue;
		for (int c = 0; c < x->ncpus; c++) {
			s->reasons[r].pkts += rc[c].pkts;
			s->reasons[r].bytes += rc[c].bytes;
		}
	}
	flow_cache_snapshot(x, s);
	snapshot_timeouts(x, s);
	for (uint32_t id = 0; id < XD_MAX_SERVICES; id++) {
		struct svc_slot *slot = &x->svcs[id];
		struct backend_svc_stat *st;
		struct xd_svc_reals list;

		if (!slot->used)
			continue;
		st = &s->svcs[n++];
		st->id = id;
		st->svc.vip = slot->key.vip;
		st->svc.port = slot->key.port;
		st->svc.proto = slot->key.proto;
		snprintf(st->svc.sched, sizeof(st->svc.sched), "%s", slot->sched);
		st->svc.hash_port = slot->hash_port;
		st->svc.local = slot->local;
		if (!bpf_map__lookup_elem(sk->maps.svc_stats, &id, sizeof(id), pc,
					  x->ncpus * sizeof(*pc), 0))
			sum_counters(pc, x->ncpus, &st->counters);
		if (bpf_map__lookup_elem(sk->maps.svc_reals, &id, sizeof(id),
					 &list, sizeof(list), 0))
			continue;
		st->reals = calloc(slot->val.nreals ? slot->val.nreals : 1,
				   sizeof(*st->reals));
		if (!st->reals)
			continue;
		for (uint32_t j = 0; j < slot->val.nreals &&
				     j < XD_MAX_REALS_PER_SVC; j++) {
			uint32_t rid = list.ids[j];
			struct backend_real_stat *rs = &st->reals[st->nreals++];
			const struct xd_real_slot *rv = &x->reals[rid].val;

			rs->id = rid;
			rs->real.addr = rv->addr;
			rs->real.port = rv->port;
			rs->real.weight = rv->weight;
			rs->real.fwd = LB_FWD_MASQ;
			rs->in_use = rv->flags & XD_REAL_F_IN_USE;
			rs->active = __atomic_load_n(&x->conns_mm[rid].active,
						     __ATOMIC_RELAXED);
			rs->inactive = __atomic_load_n(&x->conns_mm[rid].inactive,
						       __ATOMIC_RELAXED);
			if (!bpf_map__lookup_elem(sk->maps.real_stats, &rid,
						  sizeof(rid), pc,
						  x->ncpus * sizeof(*pc), 0))
				sum_counters(pc, x->ncpus, &rs->counters);
		}
	}
	s->nsvcs = n;
	free(pc);
	free(rc);
	return 0;
}

void backend_snapshot_free(struct backend_snapshot *s)
{
	if (s->svcs)
		for (size_t i = 0; i < s->nsvcs; i++)
			free(s->svcs[i].reals);
	free(s->svcs);
	free(s->ifaces);
	memset(s, 0, sizeof(*s));
}

/* The idle timeouts as the datapath reads them (bpf/conn.h), so that
 * the daemon's view of a connection agrees with the datapath's; read
 * again before each walk of conn_table, into the walk's own copy (conns()
 * may run on a sync thread while the loop sweeps). */
static void read_timeouts(struct xdp_backend *x, struct timeouts *to)
{
	struct xd_params p = {};
	uint32_t zero = 0;

	/* On failure p stays zero: the defaults, as the datapath does. */
	bpf_map__lookup_elem(x->skel->maps.params, &zero, sizeof(zero), &p,
			     sizeof(p), 0);
	for (uint32_t s = 0; s < XD_STATE_MAX; s++)
		to->ns[s] = p.timeout_ns[s] ? p.timeout_ns[s] :
			    xd_default_timeout_s(s) * NSEC_PER_SEC;
}

static void snapshot_timeouts(struct xdp_backend *x, struct backend_snapshot *s)
{
	struct timeouts to;

	read_timeouts(x, &to);
	for (int i = 0; i < LB_TIMEOUTS; i++)
		s->timeout_s[i] = to.ns[timeout_state[i]] / NSEC_PER_SEC;
}

static uint64_t timeout_ns(const struct timeouts *to, uint32_t state)
{
	return state < XD_STATE_MAX ? to->ns[state] : 0;
}

static int conn_batch_init(struct conn_batch *cb)
{
	if (cb->keys)
		return 0;
	cb->keys = calloc(SWEEP_BATCH, sizeof(*cb->keys));
	cb->vals = calloc(SWEEP_BATCH, sizeof(*cb->vals));
	if (cb->keys && cb->vals)
		return 0;
	free(cb->keys);
	free(cb->vals);
	cb->keys = NULL;
	cb->vals = NULL;
	return -ENOMEM;
}

static void conn_batch_free(struct conn_batch *cb)
{
	free(cb->keys);
	free(cb->vals);
}

/* The next batch into cb->keys/vals: how many (0 to SWEEP_BATCH), and
 * *end set once the table is done (the walk restarts next time), or a
 * negative errno. */
static int conn_batch_next(int fd, struct conn_batch *cb, bool *end)
{
	__u32 in = cb->token, out = 0, count = SWEEP_BATCH;
	int rc;

	rc = bpf_map_lookup_batch(fd, cb->started ? &in : NULL, &out,
				  cb->keys, cb->vals, &count, NULL);
	*end = rc == -ENOENT;
	if (rc && rc != -ENOENT) {
		cb->started = false;
		return rc;
	}
	cb->started = !*end;
	cb->token = out;
	return count;
}

/* Its own walk: it may run on the sync's bulk thread beside the sweeper. */
static int xdp_conns(struct backend *b, backend_conn_cb cb, void *arg)
{
	struct xdp_backend *x = to_xdp(b);
	int fd = bpf_map__fd(x->skel->maps.conn_table);
	uint64_t now = mono_coarse_ns();
	struct conn_batch walk = { 0 };
	struct timeouts to;
	bool end = false;
	int rc = 0;

	if (conn_batch_init(&walk))
		return -ENOMEM;
	read_timeouts(x, &to);
	while (!end && !rc) {
		int got = conn_batch_next(fd, &walk, &end);

		if (got < 0) {
			rc = got;
			break;
		}
		for (int i = 0; i < got && !rc; i++) {
			struct backend_conn c = { .key = walk.keys[i],
						  .conn = walk.vals[i] };
			uint64_t deadline = c.conn.last_seen_ns +
					    timeout_ns(&to, c.conn.state);

			if (c.conn.state == XD_TCP_NONE || deadline <= now)
				continue;
			c.expires_in_ms = (deadline - now) / 1000000;
			rc = cb(&c, arg);
		}
	}
	conn_batch_free(&walk);
	return rc;
}

/* ---- housekeeping ---------------------------------------------------- */

static void uncount(struct xdp_backend *x, const struct xd_conn *c)
{
	struct xd_real_conns *rc;

	if (c->state == XD_TCP_NONE || c->real_id >= XD_MAX_REALS)
		return;
	rc = &x->conns_mm[c->real_id];
	if (c->state == XD_TCP_ESTABLISHED)
		__atomic_fetch_sub(&rc->active, 1, __ATOMIC_RELAXED);
	else
		__atomic_fetch_sub(&rc->inactive, 1, __ATOMIC_RELAXED);
}

static bool conn_dead(struct xdp_backend *x, const struct xd_conn *c,
		      uint64_t now)
{
	return now > c->last_seen_ns +
		     timeout_ns(&x->sweep_timeouts, c->state) + SWEEP_GRACE_NS;
}

static void sweep_conn(struct xdp_backend *x, int fd, int rfd,
		       const struct xd_conn_key *k, const struct xd_conn *c,
		       uint64_t now)
{
	struct xd_reply_key rk = {
		.saddr = c->raddr, .daddr = k->saddr,
		.sport = c->rport, .dport = k->sport,
		.proto = k->proto,
	};
	struct xd_conn again;
	struct xd_reply rv;

	if (!conn_dead(x, c, now))
		return;
	/* Look again right before deleting: a packet may have revived it
	 * since. */
	if (bpf_map_lookup_elem(fd, k, &again) ||
	    again.last_seen_ns != c->last_seen_ns || again.state != c->state)
		return;
	if (bpf_map_delete_elem(fd, k))
		return;
	uncount(x, c);
	x->swept++;
	if (bpf_map_lookup_elem(rfd, &rk, &rv) || rv.vip != k->daddr ||
	    rv.vport != k->dport || bpf_map_delete_elem(rfd, &rk))
		return;
	/* The client may have reused the port for a new flow to the same
	 * real since the entry went: its twin, identical, was just deleted
	 * with the old one's. Put it back rather than let its replies miss. */
	if (bpf_map_lookup_elem(fd, k, &again) == 0 &&
	    again.raddr == c->raddr && again.rport == c->rport)
		bpf_map_update_elem(rfd, &rk, &rv, BPF_ANY);
}

/*
 * Under one new connection per request the table holds tens of thousands
 * of live entries; one entry at a time cost the daemon about a tenth of a
 * CPU.
 */
static void sweep_conns(struct xdp_backend *x, uint64_t now)
{
	int fd = bpf_map__fd(x->skel->maps.conn_table);
	int rfd = bpf_map__fd(x->skel->maps.reply_table);
	struct conn_batch *cb = &x->sweep_batch;
	uint64_t swept = x->swept;
	bool end = false;

	if (conn_batch_init(cb))
		return;
	for (int n = 0; n < SWEEP_BUDGET && !end; n += SWEEP_BATCH) {
		int got = conn_batch_next(fd, cb, &end);

		if (got < 0) {
			xd_warn("conn_table: batch lookup: %s", strerror(-got));
			break;
		}
		for (int i = 0; i < got; i++)
			sweep_conn(x, fd, rfd, &cb->keys[i], &cb->vals[i], now);
	}
	/* A deleted entry was idle past its timeout, so no cache should
	 * hold it; one flush per pass makes sure at no cost. */
	if (x->swept != swept)
		flow_cache_flush(x);
}

/* Reply entries whose connection went away (replaced, or evicted). */
static void sweep_replies(struct xdp_backend *x)
{
	int fd = bpf_map__fd(x->skel->maps.conn_table);
	int rfd = bpf_map__fd(x->skel->maps.reply_table);
	struct xd_reply_key next;

	for (int n = 0; n < SWEEP_BUDGET; n++) {
		struct xd_conn_key ck;
		struct xd_reply rv;
		struct xd_conn c;

		if (bpf_map_get_next_key(rfd, x->sweep_reply_started ?
					 &x->sweep_reply_key : NULL, &next)) {
			x->sweep_reply_started = false;
			return;
		}
		x->sweep_reply_key = next;
		x->sweep_reply_started = true;
		if (bpf_map_lookup_elem(rfd, &next, &rv))
			continue;
		ck = (struct xd_conn_key){ .saddr = next.daddr, .daddr = rv.vip,
					   .sport = next.dport, .dport = rv.vport,
					   .proto = next.proto };
		if (bpf_map_lookup_elem(fd, &ck, &c) == 0 &&
		    c.raddr == next.saddr && c.rport == next.sport)
			continue;
		bpf_map_delete_elem(rfd, &next);
	}
}

static void xdp_maintain(struct backend *b)
{
	struct xdp_backend *x = to_xdp(b);
	uint64_t now = mono_coarse_ns();

	read_timeouts(x, &x->sweep_timeouts);
	sweep_conns(x, now);
	sweep_replies(x);
}

static void xdp_close(struct backend *b, bool detach)
{
	struct xdp_backend *x = to_xdp(b);

	if (detach) {
		for (size_t i = 0; i < x->nifaces; i++)
			detach_iface(x->links_dir, x->ifaces[i].name);
		if (x->skel)
			bpf_object__unpin_maps(x->skel->obj, NULL);
		rmdir(x->links_dir);
		{
			char maps_dir[300];

			snprintf(maps_dir, sizeof(maps_dir), "%s/"
				 XD_PIN_MAPS_SUBDIR, x->bpffs);
			rmdir(maps_dir);
		}
		rmdir(x->bpffs);
	}
	if (x->conns_mm)
		munmap(x->conns_mm, XD_MAX_REALS * sizeof(struct xd_real_conns));
	if (x->ring_mm)
		munmap(x->ring_mm,
		       (size_t)XD_MAX_SERVICES * XD_RING_SIZE * sizeof(uint64_t));
	if (x->epoch_mm)
		munmap(x->epoch_mm, sizeof(uint32_t));
	director_bpf__destroy(x->skel);
	conn_batch_free(&x->sweep_batch);
	free(x->ra);
	free(x->reals);
	free(x);
}

/* ---- sync ------------------------------------------------------------ */

static int xdp_install_conn(struct backend *b, const struct backend_sync_conn *sc)
{
	struct xdp_backend *x = to_xdp(b);
	struct xd_svc_key sk = { .vip = sc->key.daddr, .port = sc->key.dport,
				 .proto = sc->key.proto };
	int fd = bpf_map__fd(x->skel->maps.conn_table);
	int rfd = bpf_map__fd(x->skel->maps.reply_table);
	struct xd_reply_key rk = {
		.saddr = sc->raddr, .daddr = sc->key.saddr,
		.sport = sc->rport, .dport = sc->key.sport,
		.proto = sc->key.proto,
	};
	struct xd_reply rv = { .vip = sc->key.daddr, .vport = sc->key.dport };
	struct xd_conn c = {}, old;
	uint64_t now = mono_coarse_ns(), idle = sc->idle_ms * 1000000ULL;
	int sid, rid, rc;

	if (sc->state == XD_TCP_NONE || sc->state >= XD_STATE_MAX)
		return -EINVAL;
	sid = find_svc(x, &sk);
	if (sid < 0)
		return -ENOENT;
	rid = find_real(x, sid, sc->raddr, sc->rport);
	if (rid < 0)
		return -ENOENT;
	c.raddr = sc->raddr;
	c.rport = sc->rport;
	c.state = sc->state;
	c.flags = sc->flags | XD_CONN_F_SYNCED;
	c.real_id = rid;
	c.svc_id = sid;
	c.last_seen_ns = now > idle ? now - idle : 0;
	/* An owner's replies find the connection without a reply entry. */
	if (!(x->reals[rid].val.flags & XD_REAL_F_OWNS_ADDR)) {
		rc = bpf_map_update_elem(rfd, &rk, &rv, BPF_ANY);
		if (rc)
			return rc;
	}
	if (bpf_map_lookup_elem(fd, &sc->key, &old) == 0)
		uncount(x, &old);
	rc = bpf_map_update_elem(fd, &sc->key, &c, BPF_ANY);
	flow_cache_flush(x);
	if (rc)
		return rc;
	if (c.state == XD_TCP_ESTABLISHED)
		__atomic_fetch_add(&x->conns_mm[rid].active, 1, __ATOMIC_RELAXED);
	else
		__atomic_fetch_add(&x->conns_mm[rid].inactive, 1, __ATOMIC_RELAXED);
	return 0;
}

static int xdp_set_events(struct backend *b, bool on)
{
	struct xdp_backend *x = to_xdp(b);
	uint32_t zero = 0, v = on;

	return bpf_map__update_elem(x->skel->maps.sync_on, &zero, sizeof(zero),
				    &v, sizeof(v), BPF_ANY);
}

static int xdp_events_fd(struct backend *b)
{
	return bpf_map__fd(to_xdp(b)->skel->maps.conn_events);
}

static int xdp_peer_acks_fd(struct backend *b)
{
	return bpf_map__fd(to_xdp(b)->skel->maps.peer_acks);
}

static const struct backend_ops xdp_ops = {
	.install_conn = xdp_install_conn,
	.set_events = xdp_set_events,
	.events_fd = xdp_events_fd,
	.peer_acks_fd = xdp_peer_acks_fd,
	.name = "xdp",
	.apply = xdp_apply,
	.snapshot = xdp_snapshot,
	.conns = xdp_conns,
	.maintain = xdp_maintain,
	.close = xdp_close,
};

int xdp_backend_prog_fd(struct backend *b, const char *name)
{
	struct bpf_program *p;

	if (b->ops != &xdp_ops)
		return -ENOENT;
	p = bpf_object__find_program_by_name(to_xdp(b)->skel->obj, name);
	return p ? bpf_program__fd(p) : -ENOENT;
}

int xdp_backend_map_fd(struct backend *b, const char *name)
{
	struct bpf_map *m;

	if (b->ops != &xdp_ops)
		return -ENOENT;
	m = bpf_object__find_map_by_name(to_xdp(b)->skel->obj, name);
	return m ? bpf_map__fd(m) : -ENOENT;
}

/* xdirectord -t: what apply would refuse, without a backend. */
int xdp_validate_table(const struct lb_table *t, char *err, size_t errlen)
{
	return validate_table(t, err, errlen);
}
