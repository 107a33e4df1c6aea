// SPDX-License-Identifier: GPL-2.0
/*
 * check_scale: how much CPU do N services x M reals HTTP negotiate checks
 * cost, and how late do they start?
 *
 * A small epoll HTTP responder is forked into its own process, listening on
 * 127.0.1.1..127.0.1.M; this process runs the check manager in one libev
 * loop against it for D seconds, then prints key=value lines: CPU of the
 * checking process as % of one core, checks completed per second, and the
 * lateness (actual start - scheduled start) p50/p99/max.
 *
 *   check_scale [-s services] [-r reals] [-d seconds] [-i interval]
 *               [-p port] [-R] [-C ms] [-a cpu,cpu]
 *
 * -R: let libcurl reuse connections (ldirectord opens one per check).
 * -C: libev I/O collect interval (batches wake-ups; off by default).
 * -a: pin the checker and the responder to these CPUs, e.g. -a 0,1. Left
 *     free, the responder is woken from the checker's CPU and the scheduler
 *     often runs both there: the checker then gets half a core at best.
 */
#include <arpa/inet.h>
#include <sched.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check/check.h"
#include "log.h"

static const char response[] =
	"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 12\r\n"
	"\r\nstatus: OK\r\n";

/* ---- the HTTP responder (child process) ---- */

struct conn {
	int fd;
	size_t have;
	char buf[2048];
};

static int listen_on(uint32_t ip, uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(port),
				   .sin_addr.s_addr = ip };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(fd, 4096) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Answers every request head on a connection; closes when the client does,
 * so that TIME_WAIT stays on the checker's side as with a real server that
 * keeps connections open. */
static void responder(int *lfd, int nl, int ready_fd)
{
	struct epoll_event ev, evs[256];
	int ep = epoll_create1(0);

	for (int i = 0; i < nl; i++) {
		ev.events = EPOLLIN;
		ev.data.ptr = NULL;
		ev.data.u64 = (uint64_t)i << 1 | 1;	/* odd: listener */
		epoll_ctl(ep, EPOLL_CTL_ADD, lfd[i], &ev);
	}
	if (write(ready_fd, "r", 1) != 1)
		_exit(1);
	close(ready_fd);
	for (;;) {
		int n = epoll_wait(ep, evs, 256, -1);

		for (int i = 0; i < n; i++) {
			uint64_t tag = evs[i].data.u64;

			if (tag & 1) {
				int l = lfd[tag >> 1], fd;

				while ((fd = accept4(l, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					struct conn *c = calloc(1, sizeof(*c));

					c->fd = fd;
					ev.events = EPOLLIN;
					ev.data.ptr = c;
					epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
				}
				continue;
			}
			struct conn *c = evs[i].data.ptr;
			ssize_t r;

			for (;;) {
				r = read(c->fd, c->buf + c->have,
					 sizeof(c->buf) - 1 - c->have);
				if (r <= 0)
					break;
				c->have += r;
				c->buf[c->have] = '\0';
				char *end;

				while ((end = strstr(c->buf, "\r\n\r\n"))) {
					size_t used = end + 4 - c->buf;

					if (write(c->fd, response, sizeof(response) - 1) < 0)
						break;
					memmove(c->buf, c->buf + used, c->have - used + 1);
					c->have -= used;
				}
				if (c->have >= sizeof(c->buf) - 1)
					c->have = 0;
			}
			if (r == 0 || (r < 0 && errno != EAGAIN)) {
				close(c->fd);
				free(c);
			}
		}
	}
}

/* Pin the calling process to one CPU; -1 leaves it alone. */
static void pin(int cpu, const char *who)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		fprintf(stderr, "check_scale: pinning the %s to CPU %d: %s\n",
			who, cpu, strerror(errno));
}

/* ---- the checker ---- */

static double *late;
static size_t nlate, maxlate;
static size_t ups, downs;

static void start_hook(void *arg, double scheduled, double started)
{
	if (nlate < maxlate)
		late[nlate++] = started - scheduled;
}

static void state_cb(void *arg, const struct check_spec *spec, bool up,
		     const char *why)
{
	if (up)
		ups++;
	else
		downs++;
}

static void stop_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	ev_break(loop, EVBREAK_ALL);
}

/* checks in flight = started - finished, sampled every 100 ms */
static uint64_t inflight_max, inflight_sum, inflight_n;

static void sample_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct check_counters c;
	uint64_t f;

	check_manager_counters(w->data, &c);
	f = c.started - c.succeeded - c.failed;
	if (f > inflight_max)
		inflight_max = f;
	inflight_sum += f;
	inflight_n++;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double tv_sec(struct timeval tv)
{
	return tv.tv_sec + tv.tv_usec / 1e6;
}

static void usage(void)
{
	fprintf(stderr, "usage: check_scale [-s services] [-r reals] [-d seconds] "
		"[-i interval] [-p port] [-R] [-C collect_ms] "
		"[-a checker_cpu,responder_cpu]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	int services = 1000, reals = 10, duration = 20, port = 18080, opt;
	double interval = 1.0;
	bool reuse = false;
	double collect = 0;
	/* the responder on a CPU of its own: left free, the scheduler puts it
	 * on the checker's CPU (it is woken from there) and they share it */
	int cpu_checker = -1, cpu_responder = -1;
	struct rlimit rl;
	struct rusage ru0, ru1, ruc;
	struct check_counters cnt;
	struct check_manager *m;
	struct check_spec *specs;
	struct ev_loop *loop;
	ev_timer stop, sample;
	struct check_status *st;
	double *dur;
	size_t nst;
	int lfd[256], pipefd[2], status;
	double t0, t1, tset, cpu;
	pid_t pid;
	char ch;

	while ((opt = getopt(argc, argv, "s:r:d:i:p:C:a:Rh")) != -1) {
		switch (opt) {
		case 's': services = atoi(optarg); break;
		case 'r': reals = atoi(optarg); break;
		case 'd': duration = atoi(optarg); break;
		case 'i': interval = atof(optarg); break;
		case 'p': port = atoi(optarg); break;
		case 'R': reuse = true; break;
		case 'C': collect = atof(optarg) / 1e3; break;
		case 'a':
			if (sscanf(optarg, "%d,%d", &cpu_checker,
				   &cpu_responder) != 2)
				usage();
			break;
		default: usage();
		}
	}
	if (services < 1 || reals < 1 || reals > 250 || duration < 1 ||
	    interval <= 0)
		usage();
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		fprintf(stderr, "check_scale: raising the fd limit: %s\n",
			strerror(errno));

	for (int j = 0; j < reals; j++) {
		char ip[32];

		snprintf(ip, sizeof(ip), "127.0.1.%d", j + 1);
		lfd[j] = listen_on(inet_addr(ip), port);
		if (lfd[j] < 0) {
			fprintf(stderr, "check_scale: listen %s:%d: %s\n", ip,
				port, strerror(errno));
			return 1;
		}
	}
	if (pipe(pipefd) < 0)
		return 1;
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		prctl(PR_SET_NAME, "responder");	/* tells the two apart in perf */
		pin(cpu_responder, "responder");
		close(pipefd[0]);
		responder(lfd, reals, pipefd[1]);
		_exit(0);
	}
	close(pipefd[1]);
	if (read(pipefd[0], &ch, 1) != 1) {
		fprintf(stderr, "check_scale: responder did not start\n");
		return 1;
	}
	for (int j = 0; j < reals; j++)
		close(lfd[j]);

	pin(cpu_checker, "checker");
	xd_log_set_level(LOG_WARNING);
	loop = ev_default_loop(0);
	/* batch I/O: fewer wake-ups at up to `collect` seconds of delay */
	if (collect > 0)
		ev_set_io_collect_interval(loop, collect);
	m = check_manager_new(loop, state_cb, NULL);
	if (!m)
		return 1;
	check_manager_set_conn_reuse(m, reuse);
	check_manager_set_start_hook(m, start_hook, NULL);
	maxlate = (size_t)((duration / interval + 2) * services * reals);
	late = calloc(maxlate, sizeof(*late));
	specs = calloc((size_t)services * reals, sizeof(*specs));
	if (!late || !specs)
		return 1;
	for (int i = 0; i < services; i++) {
		for (int j = 0; j < reals; j++) {
			struct check_spec *s = &specs[(size_t)i * reals + j];
			char ip[32];

			snprintf(ip, sizeof(ip), "127.0.1.%d", j + 1);
			s->vip = htonl(0x0a000000 + i / 1000);	/* identity only */
			s->vport = 1 + i % 1000;
			s->proto = IPPROTO_TCP;
			s->rip = inet_addr(ip);
			s->rport = port;
			s->type = CHECK_NEGOTIATE;
			s->service = SVC_HTTP;
			s->request = "/";
			s->receive = "status: OK";
			s->interval = interval;
			s->timeout = 5;
			s->failurecount = 1;
		}
	}

	/* measured from when the checks are in place: setting 10,000 of them
	 * (regcomp and all) is a one-off, reported apart */
	tset = ev_time();
	if (check_manager_set(m, specs, (size_t)services * reals) < 0)
		return 1;
	getrusage(RUSAGE_SELF, &ru0);
	t0 = ev_time();
	tset = t0 - tset;
	ev_timer_init(&stop, stop_cb, duration, 0);
	ev_timer_start(loop, &stop);
	ev_timer_init(&sample, sample_cb, 0.1, 0.1);
	sample.data = m;
	ev_timer_start(loop, &sample);
	ev_run(loop, 0);
	t1 = ev_time();
	getrusage(RUSAGE_SELF, &ru1);
	check_manager_counters(m, &cnt);
	/* how long each check's last run took, start to result */
	st = calloc((size_t)services * reals, sizeof(*st));
	dur = calloc((size_t)services * reals, sizeof(*dur));
	if (!st || !dur)
		return 1;
	nst = check_manager_status(m, st, (size_t)services * reals);
	for (size_t i = 0; i < nst; i++)
		dur[i] = st[i].last_duration;
	qsort(dur, nst, sizeof(*dur), cmp_double);

	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	getrusage(RUSAGE_CHILDREN, &ruc);

	cpu = tv_sec(ru1.ru_utime) - tv_sec(ru0.ru_utime) +
	      tv_sec(ru1.ru_stime) - tv_sec(ru0.ru_stime);
	qsort(late, nlate, sizeof(*late), cmp_double);
	printf("checks=%d\n", services * reals);
	printf("services=%d\nreals=%d\ninterval_s=%.3f\nduration_s=%.2f\n",
	       services, reals, interval, t1 - t0);
	printf("set_ms=%.1f\n", tset * 1e3);
	printf("conn_reuse=%d\n", reuse);
	printf("cpu_pinning=%d,%d\n", cpu_checker, cpu_responder);
	printf("io_collect_ms=%.3f\n", collect * 1e3);
	printf("cpu_checker_pct=%.1f\n", 100.0 * cpu / (t1 - t0));
	printf("cpu_checker_user_s=%.2f\ncpu_checker_sys_s=%.2f\n",
	       tv_sec(ru1.ru_utime) - tv_sec(ru0.ru_utime),
	       tv_sec(ru1.ru_stime) - tv_sec(ru0.ru_stime));
	if (cnt.succeeded + cnt.failed)
		printf("cpu_per_check_us=%.1f\n",
		       1e6 * cpu / (cnt.succeeded + cnt.failed));
	printf("rss_checker_max_mb=%.1f\n", ru1.ru_maxrss / 1024.0);
	printf("cpu_responder_pct=%.1f\n",
	       100.0 * (tv_sec(ruc.ru_utime) + tv_sec(ruc.ru_stime)) / (t1 - t0));
	printf("checks_started=%llu\n", (unsigned long long)cnt.started);
	printf("checks_ok=%llu\nchecks_failed=%llu\nchecks_skipped_busy=%llu\n",
	       (unsigned long long)cnt.succeeded,
	       (unsigned long long)cnt.failed,
	       (unsigned long long)cnt.skipped_busy);
	printf("checks_per_s=%.0f\n",
	       (cnt.succeeded + cnt.failed) / (t1 - t0));
	printf("expected_per_s=%.0f\n", services * reals / interval);
	printf("reals_up=%zu\nreals_down_events=%zu\n", ups, downs);
	if (nlate) {
		printf("late_p50_ms=%.3f\n", 1e3 * late[nlate / 2]);
		printf("late_p99_ms=%.3f\n", 1e3 * late[nlate * 99 / 100]);
		printf("late_max_ms=%.3f\n", 1e3 * late[nlate - 1]);
	}
	if (nst) {
		printf("duration_p50_ms=%.3f\n", 1e3 * dur[nst / 2]);
		printf("duration_p99_ms=%.3f\n", 1e3 * dur[nst * 99 / 100]);
		printf("duration_max_ms=%.3f\n", 1e3 * dur[nst - 1]);
	}
	if (inflight_n)
		printf("inflight_avg=%.0f\ninflight_max=%llu\n",
		       (double)inflight_sum / inflight_n,
		       (unsigned long long)inflight_max);
	check_manager_free(m);
	free(st);
	free(dur);
	free(specs);
	free(late);
	return cnt.failed ? 1 : 0;
}
