// SPDX-License-Identifier: GPL-2.0
/*
 * xdirectord: start-up, the event loop, signals.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>
#include <bpf/libbpf.h>

#include "cfgcheck.h"
#include "daemon.h"
#include "ctl/metrics.h"
#include "ha/ha.h"
#include "log.h"
#include "service.h"
#include "sync/nudge.h"
#include "sync/sync.h"
#include "util.h"

#define DEFAULT_RUNDIR	"/run/xdirector"
#define DEFAULT_BPFFS	"/sys/fs/bpf/xdirector"

static void usage(FILE *out)
{
	fprintf(out,
"usage: xdirectord -c DIR [options]\n"
"  -c, --config DIR       configuration directory (ldirectord.cf, ha.cf, ...)\n"
"                         or the ldirectord.cf file itself\n"
"  -N, --node NAME        this director's node name (default: uname -n)\n"
"  -t, --test             check the configuration and exit (0: it would\n"
"                         start); attaches nothing\n"
"  -f, --foreground       stay in the foreground, log to stderr\n"
"  -d, --debug            log debug messages\n"
"      --rundir DIR       control socket and pid file (default " DEFAULT_RUNDIR ")\n"
"      --bpffs DIR        pin directory of this instance (default " DEFAULT_BPFFS ")\n"
"      --datapath MODE    auto | xdp | xdp-generic | tc (default auto)\n"
"      --conn-max N       connection table size (default %d)\n"
"      --sync-role ROLE   pin the connection-sync role: master | backup |\n"
"                         none (default: membership decides)\n"
"      --sync-dev IFNAME  send sync on IFNAME (broadcast), not ha.cf's links\n"
"      --sync-peer ADDR   send sync to ADDR (unicast), not ha.cf's links\n"
"      --sync-port N      sync UDP port (default 8848)\n"
"      --sync-refresh S   active director: full resync every S seconds (default 60)\n"
"      --no-nudge         after taking over from a dead peer, do not make the\n"
"                         synced connections' endpoints retransmit at once\n"
"  -h, --help\n", XD_DEFAULT_CONN_MAX);
}

static int libbpf_log(enum libbpf_print_level level, const char *fmt,
		      va_list ap)
{
	char *buf = NULL;
	size_t n;

	if (level == LIBBPF_DEBUG || vasprintf(&buf, fmt, ap) < 0)
		return 0;
	n = strlen(buf);
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = 0;
	xd_log(level == LIBBPF_WARN ? LOG_WARNING : LOG_INFO, "%s", buf);
	free(buf);
	return 0;
}

/*
 * The pin directory must be on a bpf filesystem that outlives us, or a
 * restart would not find the datapath. A fresh boot may not have one on
 * /sys/fs/bpf yet: mount it there. Note that `ip netns exec` gives its
 * command a private /sys, so a bpffs mounted there would vanish with the
 * daemon: point --bpffs at a bpffs mounted outside /sys instead.
 */
static int ensure_bpffs(const char *dir)
{
	char path[512];
	struct statfs st;

	snprintf(path, sizeof(path), "%s", dir);
	while (statfs(path, &st)) {
		char *slash = strrchr(path, '/');

		if (!slash || slash == path) {
			snprintf(path, sizeof(path), "/");
			if (statfs(path, &st))
				return -errno;
			break;
		}
		*slash = 0;
	}
	if (st.f_type == BPF_FS_MAGIC)
		return 0;
	if (strncmp(dir, "/sys/fs/bpf/", 12)) {
		xd_err("%s: not on a bpf filesystem; mount one first "
		       "(mount -t bpf bpf DIR)", dir);
		return -EINVAL;
	}
	if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700")) {
		xd_err("/sys/fs/bpf: not a bpf filesystem and mounting one "
		       "failed: %s", strerror(errno));
		return -errno;
	}
	xd_warn("mounted a bpffs on /sys/fs/bpf; if this runs under "
		"`ip netns exec`, that mount is private and pins will not "
		"outlive the daemon");
	return 0;
}

static double now_unix(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void stop_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct daemon *d = w->data;

	xd_info("signal %d: stopping", w->signum);
	service_notify_stopping(&d->svc);
	ev_break(loop, EVBREAK_ALL);
}

static void hup_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct daemon *d = w->data;
	json_t *r = daemon_command(d, "reload", NULL);

	json_decref(r);
}

static void maintain_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct daemon *d = w->data;

	d->backend->ops->maintain(d->backend);
	controller_tick(&d->controller);
}

static char *daemon_metrics(void *arg)
{
	struct daemon *d = arg;

	return metrics_text(d->backend);
}

/* After each successful (re)load: follow metrics= from the file. */
static void config_loaded(void *arg)
{
	struct daemon *d = arg;
	const char *want = d->controller.cfg.metrics ? d->controller.cfg.metrics : "";
	char err[256];

	service_notify_status(&d->svc);
	if (!strcmp(want, d->metrics_listen))
		return;
	metrics_http_stop(d->metrics);
	d->metrics = NULL;
	snprintf(d->metrics_listen, sizeof(d->metrics_listen), "%s", want);
	if (!*want)
		return;
	d->metrics = metrics_http_start(d->loop, want, daemon_metrics, d, err,
					sizeof(err));
	if (!d->metrics)
		xd_err("%s", err);
}

static int write_pidfile(const char *rundir)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/xdirectord.pid", rundir);
	f = fopen(path, "we");
	if (!f)
		return -errno;
	fprintf(f, "%d\n", (int)getpid());
	fclose(f);
	return 0;
}

static int config_path(const char *cfg, char *out, size_t len)
{
	struct stat st;

	if (stat(cfg, &st)) {
		xd_err("%s: %s", cfg, strerror(errno));
		return -errno;
	}
	if (S_ISDIR(st.st_mode))
		snprintf(out, len, "%s/ldirectord.cf", cfg);
	else
		snprintf(out, len, "%s", cfg);
	return 0;
}

/* --- sync: --sync-* options (user/sync/sync.h) --- */
static struct sync_cli sync_cli;
/* --- end sync --- */

/* A decimal option value from min to max; anything else is refused. */
static int parse_num_opt(const char *opt, const char *arg, unsigned long min,
			 unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v = strtoul(arg, &end, 10);

	if (*end || v < min || v > max) {
		fprintf(stderr, "xdirectord: --%s %s: expected a number from "
			"%lu to %lu\n", opt, arg, min, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/* An option whose argument is copied into a fixed-size field. */
struct str_opt {
	int c;
	char *buf;
	size_t len;
};

static bool set_str_opt(const struct str_opt *t, size_t n, int c,
			const char *arg)
{
	for (size_t i = 0; i < n; i++) {
		if (t[i].c == c) {
			snprintf(t[i].buf, t[i].len, "%s", arg);
			return true;
		}
	}
	return false;
}

static int parse_args(struct daemon *d, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "node", required_argument, NULL, 'N' },
		{ "test", no_argument, NULL, 't' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "debug", no_argument, NULL, 'd' },
		{ "rundir", required_argument, NULL, 'R' },
		{ "bpffs", required_argument, NULL, 'B' },
		{ "datapath", required_argument, NULL, 'M' },
		{ "conn-max", required_argument, NULL, 'C' },
		/* --- sync --- */
		{ "sync-role", required_argument, NULL, 0x5301 },
		{ "sync-dev", required_argument, NULL, 0x5302 },
		{ "sync-peer", required_argument, NULL, 0x5303 },
		{ "sync-port", required_argument, NULL, 0x5304 },
		{ "sync-refresh", required_argument, NULL, 0x5305 },
		{ "no-nudge", no_argument, NULL, 0x5306 },
		/* --- end sync --- */
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const struct str_opt str_opts[] = {
		{ 'c', d->cfg_dir, sizeof(d->cfg_dir) },
		{ 'N', d->node, sizeof(d->node) },
		{ 'R', d->rundir, sizeof(d->rundir) },
		{ 'B', d->bpffs, sizeof(d->bpffs) },
	};
	struct utsname u;
	int c;

	snprintf(d->rundir, sizeof(d->rundir), "%s", DEFAULT_RUNDIR);
	snprintf(d->bpffs, sizeof(d->bpffs), "%s", DEFAULT_BPFFS);
	d->bopts.conn_max = XD_DEFAULT_CONN_MAX;
	if (uname(&u) == 0)
		snprintf(d->node, sizeof(d->node), "%s", u.nodename);

	while ((c = getopt_long(argc, argv, "c:N:tfdh", opts, NULL)) != -1) {
		if (set_str_opt(str_opts, sizeof(str_opts) / sizeof(str_opts[0]),
				c, optarg))
			continue;
		switch (c) {
		case 't':
			d->test_config = true;
			break;
		case 'f':
			d->foreground = true;
			break;
		case 'd':
			xd_log_set_level(LOG_DEBUG);
			break;
		case 'M':
			if (dp_mode_parse(optarg, &d->bopts.mode)) {
				fprintf(stderr, "xdirectord: --datapath %s: expected "
					"auto, xdp, xdp-generic or tc\n", optarg);
				return -EINVAL;
			}
			break;
		case 'C': {
			unsigned long v;

			if (parse_num_opt("conn-max", optarg, 1024, 1UL << 28, &v))
				return -EINVAL;
			d->bopts.conn_max = v;
			break;
		}
		/* --- sync --- */
		case 0x5301:
			sync_cli.role = optarg;
			break;
		case 0x5302:
			sync_cli.dev = optarg;
			break;
		case 0x5303:
			sync_cli.peer = optarg;
			break;
		case 0x5304:
		case 0x5305: {
			unsigned long v;

			if (parse_num_opt(c == 0x5304 ? "sync-port" : "sync-refresh",
					  optarg, 1, 65535, &v))
				return -EINVAL;
			if (c == 0x5304)
				sync_cli.port = v;
			else
				sync_cli.refresh_s = v;
			break;
		}
		case 0x5306:
			d->no_nudge = true;
			break;
		/* --- end sync --- */
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "xdirectord: unexpected argument '%s'\n",
			argv[optind]);
		return -EINVAL;
	}
	if (!d->cfg_dir[0]) {
		fprintf(stderr, "xdirectord: -c DIR is required\n");
		usage(stderr);
		return -EINVAL;
	}
	d->bopts.bpffs = d->bpffs;
	return 0;
}

/* Log where ldirectord.cf's logfile= says, once the daemon runs detached. */
static void setup_logging(struct daemon *d)
{
	const struct ld_config *cfg = &d->controller.cfg;

	if (d->foreground)
		return;
	if (cfg->log_syslog)
		xd_log_open(XD_LOG_SYSLOG, cfg->log_facility, NULL);
	else if (cfg->logfile && cfg->logfile[0])
		xd_log_open(XD_LOG_FILE, 0, cfg->logfile);
	else
		xd_log_open(XD_LOG_SYSLOG, LOG_DAEMON, NULL);
}

/*
 * Start-up failed once the control socket is open: undo in reverse order.
 * The datapath is left serving, as a non-clean stop leaves it.
 */
static int start_failed(struct daemon *d, const char *err)
{
	xd_err("%s", err);
	ha_close(d->ha);
	ctl_server_close(&d->ctl_srv);
	controller_fini(&d->controller);
	d->backend->ops->close(d->backend, false);
	return 1;
}

int main(int argc, char **argv)
{
	static struct daemon d;
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
	char err[1024], cfg_file[512], sock[512];
	bool clean;
	int rc;

	if (parse_args(&d, argc, argv))
		return 2;
	if (d.test_config)
		return config_check(d.cfg_dir, d.node, d.rundir, stderr);
	libbpf_set_print(libbpf_log);
	setrlimit(RLIMIT_MEMLOCK, &rl);
	signal(SIGPIPE, SIG_IGN);
	d.started_at = now_unix();

	if (config_path(d.cfg_dir, cfg_file, sizeof(cfg_file)))
		return 1;
	/* HA: ha.cf, haresources, authkeys beside ldirectord.cf. Read before
	 * anything starts; haresources may name the ldirectord.cf to run. */
	if (strcmp(cfg_file, d.cfg_dir) &&
	    ha_open(&d.ha, d.cfg_dir, d.node, d.rundir, err, sizeof(err))) {
		xd_err("%s", err);
		return 1;
	}
	if (ha_ldirectord_file(d.ha))
		snprintf(cfg_file, sizeof(cfg_file), "%s",
			 ha_ldirectord_file(d.ha));
	if (ensure_bpffs(d.bpffs))
		return 1;
	rc = mkdir_p(d.rundir, 0755);
	if (rc) {
		xd_err("%s: cannot create run directory: %s", d.rundir,
		       strerror(-rc));
		return 1;
	}
	d.loop = ev_default_loop(EVFLAG_AUTO);
	rc = xdp_backend_open(&d.bopts, &d.backend, err, sizeof(err));
	if (rc) {
		xd_err("%s", err);
		return 1;
	}
	rc = controller_init(&d.controller, d.loop, d.backend, cfg_file);
	d.controller.on_loaded = config_loaded;
	d.controller.on_loaded_arg = &d;
	if (!rc)
		rc = controller_load(&d.controller, err, sizeof(err));
	if (rc) {
		xd_err("%s", err);
		/* An earlier daemon's datapath keeps running untouched; one
		 * this start created is removed, pins included. */
		d.backend->ops->close(d.backend, !d.backend->resumed);
		return 1;
	}
	snprintf(sock, sizeof(sock), "%s/xdirectord.sock", d.rundir);
	rc = ctl_server_open(&d.ctl_srv, d.loop, sock, daemon_command, &d);
	if (rc) {
		xd_err("%s: control socket: %s", sock, strerror(-rc));
		controller_fini(&d.controller);
		d.backend->ops->close(d.backend, !d.backend->resumed);
		return 1;
	}
	/* Detach only now, so that a bad configuration or a datapath the
	 * kernel refuses is reported on the terminal with a failing exit
	 * status; the sync and HA parts start threads and sockets after. */
	if (!d.foreground) {
		if (daemon(0, 0)) {
			xd_err("daemon: %s", strerror(errno));
			return 1;
		}
		ev_loop_fork(d.loop);
	}
	setup_logging(&d);
	write_pidfile(d.rundir);
	/* --- sync: before HA starts, so its first role reaches us --- */
	rc = sync_daemon_open(&d.sync, d.loop, d.backend, d.cfg_dir, d.node,
			      &sync_cli, err, sizeof(err));
	if (rc)
		return start_failed(&d, err);
	if (d.sync && d.ha)
		ha_on_role_change(d.ha, sync_ha_role_cb, d.sync);
	if (d.sync && !d.no_nudge)
		d.nudge = nudge_new(d.loop, d.backend);
	if (d.nudge && d.ha)
		ha_on_takeover_from_dead(d.ha, nudge_takeover_cb, d.nudge);
	/* --- end sync --- */
	/* HA after the datapath and checks run: a takeover serves at once. */
	if (d.ha && ha_start(d.ha, d.loop, err, sizeof(err)))
		return start_failed(&d, err);

	ev_signal_init(&d.sig_term, stop_cb, SIGTERM);
	ev_signal_init(&d.sig_int, stop_cb, SIGINT);
	d.sig_term.data = d.sig_int.data = &d;
	ev_signal_init(&d.sig_hup, hup_cb, SIGHUP);
	d.sig_hup.data = &d;
	ev_signal_start(d.loop, &d.sig_term);
	ev_signal_start(d.loop, &d.sig_int);
	ev_signal_start(d.loop, &d.sig_hup);
	ev_timer_init(&d.maintain, maintain_cb, 1.0, 1.0);
	d.maintain.data = &d;
	ev_timer_start(d.loop, &d.maintain);

	xd_info("xdirectord running: node %s, config %s, bpffs %s, control %s",
		d.node, cfg_file, d.bpffs, sock);
	/* The datapath is attached and HA runs: READY for systemd once the
	 * first check verdicts are in. */
	service_notify_start(&d.svc, d.loop, &d.controller);
	ev_run(d.loop, 0);

	/* Give up the VIPs and tell the peer before anything else stops. */
	ha_shutdown(d.ha);
	ha_close(d.ha);
	d.ha = NULL;
	/* --- sync --- */
	nudge_free(d.nudge);
	d.nudge = NULL;
	sync_free(d.sync);
	d.sync = NULL;
	/* --- end sync --- */

	/* ldirectord's cleanstop: remove the table on a deliberate stop,
	 * or leave it serving for the next daemon. */
	clean = d.controller.cfg.cleanstop;
	xd_info("%s the datapath", clean ? "removing" : "leaving in place");
	ctl_server_close(&d.ctl_srv);
	metrics_http_stop(d.metrics);
	controller_fini(&d.controller);
	d.backend->ops->close(d.backend, clean);
	{
		char pid[512];

		snprintf(pid, sizeof(pid), "%s/xdirectord.pid", d.rundir);
		unlink(pid);
	}
	return 0;
}
