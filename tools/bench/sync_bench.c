// SPDX-License-Identifier: GPL-2.0
/*
 * sync_bench: how fast does connection sync go, and how far behind is the
 * standby?
 *
 * Two sync instances on loopback (127.0.0.2 master, 127.0.0.3 backup),
 * each on its own thread and event loop, as on two machines. The master
 * is fed synthetic datapath events (no packets, no BPF on its side) at
 * -r RATE per second (0: as fast as it goes); the backup installs them
 * into a real XDP backend's maps (-b xdp, no program attached, needs root
 * and a bpffs) or a counting mock (-b mock). Then the master is given a
 * table of -B entries and the backup, restarted, pulls it in bulk.
 * Prints key=value lines:
 *   incr_entries, incr_seconds, incr_install_rate (entries/s installed),
 *   incr_lost, incr_lag_p50_ms / p99 / max (feed -> install, per entry),
 *   incr_cpu_master_pct, incr_cpu_backup_pct (% of one core),
 *   bulk_entries, bulk_seconds (request -> last entry installed),
 *   bulk_rate, bulk_bytes (on the wire), bulk_cpu_master_pct, ...
 *
 *   sync_bench [-n EVENTS] [-r RATE] [-B BULK_ENTRIES] [-b xdp|mock]
 *              [-P BULK_BYTES_PER_10MS] [-p PORT] [-F BPFFS_DIR]
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "log.h"
#include "sync/sync_int.h"

#define VIP	htonl(0xc0a80a64)
#define R1	htonl(0x0a00000b)
#define R2	htonl(0x0a00000c)
#define CLIENT_BASE	0x0b000000u

static uint64_t now_ns(void)
{
	return sync_mono_ns();
}

/* ---- backends -------------------------------------------------------- */

struct bench_be {
	struct backend b;
	struct backend *real;		/* xdp, or NULL: count only */
	struct backend_conn *table;	/* master: what conns() walks */
	size_t ntable;
	atomic_size_t installed;
	uint64_t *t_install;		/* per event index */
	size_t nidx;
};

static int be_install(struct backend *b, const struct backend_sync_conn *c)
{
	struct bench_be *m = (struct bench_be *)b;
	uint32_t i = ntohl(c->key.saddr) - CLIENT_BASE;
	int rc = m->real ? m->real->ops->install_conn(m->real, c) : 0;

	if (rc)
		return rc;
	if (m->t_install && i < m->nidx && !m->t_install[i])
		m->t_install[i] = now_ns();
	atomic_fetch_add_explicit(&m->installed, 1, memory_order_relaxed);
	return 0;
}

static int be_set_events(struct backend *b, bool on)
{
	struct bench_be *m = (struct bench_be *)b;

	return m->real ? m->real->ops->set_events(m->real, on) : 0;
}

static int be_events_fd(struct backend *b)
{
	return -ENOTSUP;
}

static int be_conns(struct backend *b, backend_conn_cb cb, void *arg)
{
	struct bench_be *m = (struct bench_be *)b;

	for (size_t i = 0; i < m->ntable; i++) {
		int rc = cb(&m->table[i], arg);

		if (rc)
			return rc;
	}
	return 0;
}

static const struct backend_ops bench_ops = {
	.name = "bench",
	.install_conn = be_install,
	.set_events = be_set_events,
	.events_fd = be_events_fd,
	.conns = be_conns,
};

static int open_xdp(const char *bpffs, size_t conn_max, struct backend **out)
{
	struct backend_opts bo = { .bpffs = bpffs, .mode = DP_XDP,
				   .conn_max = (uint32_t)conn_max,
				   .no_attach = true };
	struct lb_real reals[2] = {
		{ .addr = R1, .port = htons(80), .fwd = LB_FWD_MASQ, .weight = 1 },
		{ .addr = R2, .port = htons(80), .fwd = LB_FWD_MASQ, .weight = 1 },
	};
	struct lb_service svc = { .vip = VIP, .port = htons(80),
				  .proto = IPPROTO_TCP, .sched = "rr",
				  .reals = reals, .nreals = 2 };
	struct lb_table t = { .svcs = &svc, .nsvcs = 1 };
	char err[512];
	int rc;

	rc = xdp_backend_open(&bo, out, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "sync_bench: %s\n", err);
		return rc;
	}
	rc = (*out)->ops->apply(*out, &t, err, sizeof(err));
	if (rc)
		fprintf(stderr, "sync_bench: apply: %s\n", err);
	return rc;
}

/* ---- the two sides, each on a thread ---------------------------------- */

struct side {
	struct ev_loop *loop;
	struct sync *s;
	struct bench_be be;
	pthread_t th;
	ev_async stop, kick;
	void (*kick_fn)(struct side *);
	struct rusage ru0, ru1;
	bool measure;
};

static void stop_cb(struct ev_loop *loop, ev_async *w, int revents)
{
	ev_break(loop, EVBREAK_ALL);
}

static void kick_cb(struct ev_loop *loop, ev_async *w, int revents)
{
	struct side *sd = w->data;

	if (sd->kick_fn)
		sd->kick_fn(sd);
	sd->kick_fn = NULL;
}

static void *side_main(void *arg)
{
	struct side *sd = arg;

	ev_run(sd->loop, 0);
	return NULL;
}

/* Run fn on the side's thread (sync is not thread-safe). */
static void on_side(struct side *sd, void (*fn)(struct side *))
{
	sd->kick_fn = fn;
	ev_async_send(sd->loop, &sd->kick);
	while (sd->kick_fn)
		usleep(100);
}

static void ru_start(struct side *sd)
{
	getrusage(RUSAGE_THREAD, &sd->ru0);
}

static void ru_stop(struct side *sd)
{
	getrusage(RUSAGE_THREAD, &sd->ru1);
}

static double cpu_s(const struct side *sd)
{
	const struct rusage *a = &sd->ru0, *b = &sd->ru1;

	return (b->ru_utime.tv_sec - a->ru_utime.tv_sec) +
	       (b->ru_utime.tv_usec - a->ru_utime.tv_usec) / 1e6 +
	       (b->ru_stime.tv_sec - a->ru_stime.tv_sec) +
	       (b->ru_stime.tv_usec - a->ru_stime.tv_usec) / 1e6;
}

/* ---- feeding the master ----------------------------------------------- */

static struct {
	size_t n, rate, fed;
	uint64_t *t_feed;
	uint64_t start_ns, end_ns;
	ev_timer tick;
	ev_idle idle;
	atomic_bool done;
} feed;

static void feed_some(struct side *sd, size_t k)
{
	uint64_t t = now_ns();

	for (size_t j = 0; j < k && feed.fed < feed.n; j++, feed.fed++) {
		size_t i = feed.fed;
		struct xd_conn_event ev = {
			.key = { .saddr = htonl(CLIENT_BASE + (uint32_t)i),
				 .daddr = VIP, .sport = htons(1024 + i % 60000),
				 .dport = htons(80), .proto = IPPROTO_TCP },
			.conn = { .raddr = i & 1 ? R2 : R1, .rport = htons(80),
				  .state = XD_TCP_ESTABLISHED, .last_seen_ns = t },
			.type = XD_EV_NEW,
		};

		feed.t_feed[i] = t;
		sync_feed_event(sd->s, &ev);
	}
	sync_flush(sd->s);
	if (feed.fed >= feed.n && !atomic_load(&feed.done)) {
		feed.end_ns = now_ns();
		ev_timer_stop(sd->loop, &feed.tick);
		ev_idle_stop(sd->loop, &feed.idle);
		atomic_store(&feed.done, true);
	}
}

static void feed_tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct side *sd = w->data;
	/* Catch up to where the rate says we should be. */
	double el = (now_ns() - feed.start_ns) / 1e9;
	size_t want = (size_t)(el * feed.rate);

	if (want > feed.fed)
		feed_some(sd, want - feed.fed);
}

static void feed_idle_cb(struct ev_loop *loop, ev_idle *w, int revents)
{
	feed_some(w->data, 2000);
}

static void start_feed(struct side *sd)
{
	feed.start_ns = now_ns();
	if (feed.rate) {
		ev_timer_init(&feed.tick, feed_tick_cb, 0.001, 0.001);
		feed.tick.data = sd;
		ev_timer_start(sd->loop, &feed.tick);
	} else {
		ev_idle_init(&feed.idle, feed_idle_cb);
		feed.idle.data = sd;
		ev_idle_start(sd->loop, &feed.idle);
	}
}

static void role_master(struct side *sd) { sync_set_role(sd->s, SYNC_MASTER); }
static void role_backup(struct side *sd) { sync_set_role(sd->s, SYNC_BACKUP); }
static void role_none(struct side *sd) { sync_set_role(sd->s, SYNC_NONE); }
static void do_ru_start(struct side *sd) { ru_start(sd); }
static void do_ru_stop(struct side *sd) { ru_stop(sd); }

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int make_side(struct side *sd, const char *node, uint32_t self,
		     uint32_t peer, uint16_t port, uint32_t bulk_bytes,
		     const struct authkeys *ak)
{
	struct sync_opts o = { .node = node, .keys = ak, .peer = htonl(peer),
			       .port = port, .bind_addr = htonl(self),
			       .bulk_bytes_per_tick = bulk_bytes,
			       .refresh_s = UINT32_MAX };

	sd->loop = ev_loop_new(EVFLAG_AUTO);
	sd->be.b.ops = &bench_ops;
	sd->s = sync_new(sd->loop, &sd->be.b, &o);
	if (!sd->s)
		return -1;
	ev_async_init(&sd->stop, stop_cb);
	ev_async_start(sd->loop, &sd->stop);
	ev_async_init(&sd->kick, kick_cb);
	sd->kick.data = sd;
	ev_async_start(sd->loop, &sd->kick);
	return pthread_create(&sd->th, NULL, side_main, sd);
}

static void usage(void)
{
	fprintf(stderr, "usage: sync_bench [-n EVENTS] [-r RATE] [-B BULK] "
		"[-b xdp|mock] [-P BYTES_PER_10MS] [-p PORT] [-F BPFFS_DIR]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	size_t n = 1000000, bulk_n = 1000000, rate = 0;
	const char *be = "xdp", *bpffs = "/sys/fs/bpf/xd_sync_bench";
	uint32_t bulk_bytes = 0;
	uint16_t port = 18848;
	struct side M = { 0 }, S = { 0 };
	struct backend *xdp = NULL;
	struct authkeys ak;
	char err[256];
	int c;

	while ((c = getopt(argc, argv, "n:r:B:b:P:p:F:h")) != -1) {
		switch (c) {
		case 'n': n = strtoul(optarg, NULL, 10); break;
		case 'r': rate = strtoul(optarg, NULL, 10); break;
		case 'B': bulk_n = strtoul(optarg, NULL, 10); break;
		case 'b': be = optarg; break;
		case 'P': bulk_bytes = strtoul(optarg, NULL, 10); break;
		case 'p': port = (uint16_t)atoi(optarg); break;
		case 'F': bpffs = optarg; break;
		default: usage();
		}
	}
	if (!n || (strcmp(be, "xdp") && strcmp(be, "mock")))
		usage();
	xd_log_set_level(LOG_WARNING);
	{
		struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };

		setrlimit(RLIMIT_MEMLOCK, &rl);
	}
	if (authkeys_parse_string("bench", "auth 1\n1 sha1 bench-secret\n",
				  &ak, err, sizeof(err)))
		return 1;
	if (!strcmp(be, "xdp")) {
		size_t need = (n > bulk_n ? n : bulk_n) * 5 / 4 + 1024;

		if (open_xdp(bpffs, need, &xdp))
			return 1;
		S.be.real = xdp;
	}
	feed.n = n;
	feed.rate = rate;
	feed.t_feed = calloc(n, sizeof(uint64_t));
	S.be.t_install = calloc(n, sizeof(uint64_t));
	S.be.nidx = n;
	if (make_side(&M, "master", 0x7f000002, 0x7f000003, port, bulk_bytes, &ak) ||
	    make_side(&S, "backup", 0x7f000003, 0x7f000002, port, bulk_bytes, &ak)) {
		fprintf(stderr, "sync_bench: cannot start the two sides\n");
		return 1;
	}
	printf("backend=%s\nevents=%zu\nrate=%zu\nbulk=%zu\n", be, n, rate,
	       bulk_n);

	/* ---- incremental ---- */
	on_side(&M, role_master);
	on_side(&S, role_backup);
	usleep(300000);		/* the backup's (empty) bulk */
	{
		uint64_t t0, tend, last = 0;
		size_t inst, lost = 0, k = 0;
		uint64_t *lat = malloc(n * sizeof(uint64_t));
		size_t prev = 0;
		int still = 0;

		atomic_store(&S.be.installed, 0);
		on_side(&M, do_ru_start);
		on_side(&S, do_ru_start);
		t0 = now_ns();
		on_side(&M, start_feed);
		/* Until everything arrived, or nothing moved for 2 s. */
		for (;;) {
			usleep(10000);
			inst = atomic_load(&S.be.installed);
			if (atomic_load(&feed.done) && inst >= n)
				break;
			if (inst == prev && atomic_load(&feed.done) && ++still > 200)
				break;
			if (inst != prev)
				still = 0;
			prev = inst;
		}
		on_side(&M, do_ru_stop);
		on_side(&S, do_ru_stop);
		for (size_t i = 0; i < n; i++) {
			if (!S.be.t_install[i]) {
				lost++;
				continue;
			}
			if (S.be.t_install[i] > last)
				last = S.be.t_install[i];
			lat[k++] = S.be.t_install[i] - feed.t_feed[i];
		}
		tend = last ? last : now_ns();
		qsort(lat, k, sizeof(*lat), cmp_u64);
		printf("incr_entries=%zu\n", n);
		printf("incr_feed_seconds=%.3f\n", (feed.end_ns - t0) / 1e9);
		printf("incr_seconds=%.3f\n", (tend - t0) / 1e9);
		printf("incr_install_rate=%.0f\n", (n - lost) / ((tend - t0) / 1e9));
		printf("incr_lost=%zu\n", lost);
		printf("incr_gaps=%llu\n", (unsigned long long)S.s->st.gaps);
		if (k) {
			printf("incr_lag_p50_ms=%.2f\n", lat[k / 2] / 1e6);
			printf("incr_lag_p99_ms=%.2f\n", lat[k * 99 / 100] / 1e6);
			printf("incr_lag_max_ms=%.2f\n", lat[k - 1] / 1e6);
		}
		printf("incr_msgs=%llu\n", (unsigned long long)M.s->st.tx_msgs);
		printf("incr_cpu_master_pct=%.0f\n",
		       100 * cpu_s(&M) / ((tend - t0) / 1e9));
		printf("incr_cpu_backup_pct=%.0f\n",
		       100 * cpu_s(&S) / ((tend - t0) / 1e9));
		free(lat);
	}

	/* ---- bulk: the master holds bulk_n connections, the backup
	 * restarts its role and pulls them ---- */
	if (bulk_n) {
		uint64_t now = now_ns(), t0, t1;
		uint64_t bytes0, done0;

		on_side(&S, role_none);
		M.be.table = calloc(bulk_n, sizeof(*M.be.table));
		M.be.ntable = bulk_n;
		for (size_t i = 0; i < bulk_n; i++) {
			struct backend_conn *b = &M.be.table[i];

			b->key = (struct xd_conn_key){
				.saddr = htonl(CLIENT_BASE + 0x01000000u + (uint32_t)i),
				.daddr = VIP, .sport = htons(1024 + i % 60000),
				.dport = htons(80), .proto = IPPROTO_TCP };
			b->conn.raddr = i & 1 ? R2 : R1;
			b->conn.rport = htons(80);
			b->conn.state = i % 5 ? XD_TCP_ESTABLISHED : XD_TCP_TIME_WAIT;
			b->conn.last_seen_ns = now - (i % 30000) * 1000000ULL;
		}
		S.be.t_install = NULL;
		atomic_store(&S.be.installed, 0);
		bytes0 = M.s->st.tx_bytes;
		done0 = S.s->st.bulk_done;
		on_side(&M, do_ru_start);
		on_side(&S, do_ru_start);
		t0 = now_ns();
		on_side(&S, role_backup);
		while (S.s->st.bulk_done == done0 && now_ns() - t0 < 60000000000ULL)
			usleep(2000);
		t1 = now_ns();
		on_side(&M, do_ru_stop);
		on_side(&S, do_ru_stop);
		printf("bulk_entries=%zu\n", bulk_n);
		printf("bulk_installed=%zu\n", atomic_load(&S.be.installed));
		printf("bulk_complete=%d\n", S.s->st.bulk_done > done0);
		printf("bulk_seconds=%.3f\n", (t1 - t0) / 1e9);
		printf("bulk_rate=%.0f\n", atomic_load(&S.be.installed) / ((t1 - t0) / 1e9));
		printf("bulk_bytes=%llu\n", (unsigned long long)(M.s->st.tx_bytes - bytes0));
		printf("bulk_bytes_per_entry=%.1f\n",
		       (double)(M.s->st.tx_bytes - bytes0) / bulk_n);
		printf("bulk_chunks=%llu\n", (unsigned long long)S.s->st.bulk_chunks_rx);
		printf("bulk_requests=%llu\n", (unsigned long long)S.s->st.bulk_req_sent);
		printf("bulk_cpu_master_pct=%.0f\n", 100 * cpu_s(&M) / ((t1 - t0) / 1e9));
		printf("bulk_cpu_backup_pct=%.0f\n", 100 * cpu_s(&S) / ((t1 - t0) / 1e9));
	}

	ev_async_send(M.loop, &M.stop);
	ev_async_send(S.loop, &S.stop);
	pthread_join(M.th, NULL);
	pthread_join(S.th, NULL);
	sync_free(M.s);
	sync_free(S.s);
	if (xdp)
		xdp->ops->close(xdp, true);
	authkeys_free(&ak);
	return 0;
}
