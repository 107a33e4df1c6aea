// SPDX-License-Identifier: GPL-2.0
/*
 * xdirectorctl: the operator's view of a running xdirectord, over its
 * control socket. Listings follow ipvsadm's layout; --json prints the
 * daemon's reply as it is.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>

#include "ipvsadm.h"

#define DEFAULT_RUNDIR "/run/xdirector"

struct opts {
	const char *rundir;
	bool json;
	bool numeric;
	bool stats;
	bool rate;
	double interval;
	/* ipvsadm habits (ipvsadm.h) */
	bool sort, exact, save;
	const char *svc_proto;	/* "TCP"/"UDP" with -t/-u */
	const char *svc_spec;	/* VIP:PORT */
};

static void usage(FILE *out)
{
	fprintf(out,
"usage: xdirectorctl [--rundir DIR] [--json] COMMAND [options]\n"
"commands:\n"
"  list [-n] [--stats | --rate [--interval S] | --save]\n"
"       [-t|-u VIP:PORT] [--sort] [--exact]\n"
"                           the table, as ipvsadm -L; --save as ipvsadm -S\n"
"  zero                     zero the counters list --stats shows, as\n"
"                           ipvsadm -Z (metrics stay monotonic)\n"
"  conns                    connection entries, as ipvsadm -L -c\n"
"  status                   datapath mode per interface, health, counters\n"
"  reload                   re-read the configuration\n"
"  standby                  give the virtual IPs to the peer (hb_standby)\n"
"  takeover                 take the virtual IPs from the peer (hb_takeover)\n"
"  metrics                  Prometheus text exposition\n"
"  sync-role ROLE           connection sync: master, backup, none (pinned)\n"
"                           or auto (membership decides)\n"
"  nudge                    make the endpoints of synced connections\n"
"                           retransmit now (after moving the VIPs by hand)\n"
"options:\n"
"  --rundir DIR             the daemon's run directory (default " DEFAULT_RUNDIR ")\n"
"  --json                   print the daemon's JSON reply\n");
}

/* Send one request, return the parsed reply or NULL (message printed). */
static json_t *request(const struct opts *o, json_t *req)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *line = json_dumps(req, JSON_COMPACT);
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap);
	json_error_t jerr;
	json_t *reply = NULL;
	int fd;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/xdirectord.sock",
		 o->rundir);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "xdirectorctl: %s: %s (is xdirectord running?)\n",
			sa.sun_path, strerror(errno));
		goto out;
	}
	if (write(fd, line, strlen(line)) < 0 || write(fd, "\n", 1) < 0) {
		fprintf(stderr, "xdirectorctl: send: %s\n", strerror(errno));
		goto out;
	}
	for (;;) {
		ssize_t n;

		if (len + 4096 > cap) {
			cap *= 2;
			buf = realloc(buf, cap);
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
	}
	reply = json_loadb(buf, len, 0, &jerr);
	if (!reply)
		fprintf(stderr, "xdirectorctl: bad reply from daemon: %s\n",
			jerr.text);
out:
	if (fd >= 0)
		close(fd);
	free(line);
	free(buf);
	return reply;
}

static json_t *call(const struct opts *o, const char *cmd)
{
	json_t *req = json_pack("{s:s}", "cmd", cmd);
	json_t *reply = request(o, req);

	json_decref(req);
	if (!reply)
		return NULL;
	if (!json_is_true(json_object_get(reply, "ok"))) {
		const char *e = json_string_value(json_object_get(reply, "error"));

		fprintf(stderr, "xdirectorctl: %s: %s\n", cmd, e ? e : "failed");
		json_decref(reply);
		return NULL;
	}
	return reply;
}

static const char *sget(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static long long iget(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static void addr_port(char *buf, size_t len, json_t *o, const char *a,
		      const char *p)
{
	snprintf(buf, len, "%s:%lld", sget(o, a), iget(o, p));
}

static long long stat_of(json_t *o, const char *k)
{
	return iget(json_object_get(o, "stats"), k);
}

static void print_list(json_t *reply)
{
	json_t *svcs = json_object_get(reply, "services"), *s;
	size_t i;

	printf("IP Virtual Server version 1.2.1 (xdirector)\n"
	       "Prot LocalAddress:Port Scheduler Flags\n"
	       "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n");
	json_array_foreach(svcs, i, s) {
		json_t *reals = json_object_get(s, "reals"), *r;
		char va[64];
		size_t j;

		addr_port(va, sizeof(va), s, "vip", "port");
		printf("%-4s %s %s%s\n", sget(s, "proto"), va, sget(s, "sched"),
		       json_is_true(json_object_get(s, "local_fallback")) ?
		       " (local fallback)" : "");
		json_array_foreach(reals, j, r) {
			char ra[64];

			addr_port(ra, sizeof(ra), r, "addr", "port");
			printf("  -> %-28s %-7s %-6lld %-10lld %-10lld\n", ra,
			       sget(r, "fwd"), iget(r, "weight"),
			       iget(r, "active"), iget(r, "inactive"));
		}
	}
}

/* Five counters in ipvsadm's columns. */
static void print_counts(json_t *o, bool exact)
{
	static const char *const keys[] = { "conns", "pkts_in", "pkts_out",
					    "bytes_in", "bytes_out" };
	char buf[32];

	for (size_t k = 0; k < 5; k++)
		printf(" %s", fmt_count(buf, sizeof(buf), stat_of(o, keys[k]),
					exact));
	printf("\n");
}

static void print_stats(json_t *reply, bool exact)
{
	json_t *svcs = json_object_get(reply, "services"), *s;
	size_t i;

	printf("IP Virtual Server version 1.2.1 (xdirector)\n"
	       "Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes\n"
	       "  -> RemoteAddress:Port\n");
	json_array_foreach(svcs, i, s) {
		json_t *reals = json_object_get(s, "reals"), *r;
		char va[64];
		size_t j;

		addr_port(va, sizeof(va), s, "vip", "port");
		printf("%-4s %-28s", sget(s, "proto"), va);
		print_counts(s, exact);
		json_array_foreach(reals, j, r) {
			char ra[64];

			addr_port(ra, sizeof(ra), r, "addr", "port");
			printf("  -> %-28s", ra);
			print_counts(r, exact);
		}
	}
}

/* -t/-u and --sort on a list reply; 1 when the filter refuses. */
static int list_habits(const struct opts *o, json_t *reply)
{
	char err[256];

	if (o->svc_spec &&
	    list_filter(reply, o->svc_proto, o->svc_spec, err, sizeof(err))) {
		fprintf(stderr, "xdirectorctl: %s\n", err);
		return 1;
	}
	if (o->sort)
		list_sort(reply);
	return 0;
}

/* Rates from two snapshots `interval` seconds apart. Matching is by
 * position: the table seldom changes within a second, and a changed
 * service or real is matched by address below. */
static json_t *find_same(json_t *arr, json_t *o, const char *a, const char *p)
{
	json_t *x;
	size_t i;

	json_array_foreach(arr, i, x)
		if (!strcmp(sget(x, a), sget(o, a)) && iget(x, p) == iget(o, p) &&
		    !strcmp(sget(x, "proto"), sget(o, "proto")))
			return x;
	return NULL;
}

static double rate(json_t *now, json_t *before, const char *k, double dt)
{
	if (!before)
		return 0;
	return (stat_of(now, k) - stat_of(before, k)) / dt;
}

static void rate_fields(json_t *o, json_t *b, double dt, char *buf, size_t len)
{
	snprintf(buf, len, "%8.0f %8.0f %8.0f %8.0f %8.0f",
		 rate(o, b, "conns", dt), rate(o, b, "pkts_in", dt),
		 rate(o, b, "pkts_out", dt), rate(o, b, "bytes_in", dt),
		 rate(o, b, "bytes_out", dt));
}

static void add_rates(json_t *o, json_t *b, double dt)
{
	json_t *r = json_pack("{s:f, s:f, s:f, s:f, s:f}",
			      "cps", rate(o, b, "conns", dt),
			      "inpps", rate(o, b, "pkts_in", dt),
			      "outpps", rate(o, b, "pkts_out", dt),
			      "inbps", rate(o, b, "bytes_in", dt),
			      "outbps", rate(o, b, "bytes_out", dt));

	json_object_set_new(o, "rates", r);
}

static int do_rate(const struct opts *o)
{
	struct timespec a, b;
	json_t *r1, *r2, *s;
	double dt;
	size_t i;

	clock_gettime(CLOCK_MONOTONIC, &a);
	r1 = call(o, "list");
	if (!r1)
		return 1;
	usleep((useconds_t)(o->interval * 1e6));
	r2 = call(o, "list");
	clock_gettime(CLOCK_MONOTONIC, &b);
	if (!r2) {
		json_decref(r1);
		return 1;
	}
	if (list_habits(o, r2)) {
		json_decref(r1);
		json_decref(r2);
		return 1;
	}
	dt = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	if (!o->json)
		printf("IP Virtual Server version 1.2.1 (xdirector), rates over %.1f s\n"
		       "Prot LocalAddress:Port                 CPS    InPPS   OutPPS    InBPS   OutBPS\n"
		       "  -> RemoteAddress:Port\n", dt);
	json_array_foreach(json_object_get(r2, "services"), i, s) {
		json_t *sb = find_same(json_object_get(r1, "services"), s, "vip", "port");
		json_t *reals = json_object_get(s, "reals"), *r;
		char va[64], f[128];
		size_t j;

		addr_port(va, sizeof(va), s, "vip", "port");
		rate_fields(s, sb, dt, f, sizeof(f));
		add_rates(s, sb, dt);
		if (!o->json)
			printf("%-4s %-28s %s\n", sget(s, "proto"), va, f);
		json_array_foreach(reals, j, r) {
			json_t *rb = sb ? find_same(json_object_get(sb, "reals"), r,
						    "addr", "port") : NULL;
			char ra[64];

			addr_port(ra, sizeof(ra), r, "addr", "port");
			rate_fields(r, rb, dt, f, sizeof(f));
			add_rates(r, rb, dt);
			if (!o->json)
				printf("  -> %-28s %s\n", ra, f);
		}
	}
	if (o->json) {
		json_dumpf(r2, stdout, JSON_INDENT(2));
		putchar('\n');
	}
	json_decref(r1);
	json_decref(r2);
	return 0;
}

static void print_conns(json_t *reply)
{
	json_t *c;
	size_t i;

	printf("IPVS connection entries\n"
	       "pro expire state       source                virtual               destination\n");
	json_array_foreach(json_object_get(reply, "conns"), i, c) {
		char src[64], vip[64], dst[64];
		long long ms = iget(c, "expires_ms");

		addr_port(src, sizeof(src), c, "client", "client_port");
		addr_port(vip, sizeof(vip), c, "vip", "port");
		addr_port(dst, sizeof(dst), c, "real", "real_port");
		printf("%-3s %02lld:%02lld  %-11s %-21s %-21s %s\n",
		       sget(c, "proto"), ms / 60000, ms / 1000 % 60,
		       sget(c, "state"), src, vip, dst);
	}
}

static void print_ha(json_t *ha);
static void print_sync(json_t *sy);	/* sync */

static void print_status(json_t *reply)
{
	json_t *x, *reasons;
	const char *k;
	size_t i;

	printf("node:        %s\n", sget(reply, "node"));
	printf("pid:         %lld\n", iget(reply, "pid"));
	printf("config:      %s (reloads: %lld)\n", sget(reply, "config"),
	       iget(reply, "reloads"));
	printf("backend:     %s, pins in %s\n", sget(reply, "backend"),
	       sget(reply, "bpffs"));
	printf("datapath:\n");
	json_array_foreach(json_object_get(reply, "datapath"), i, x) {
		const char *hw = sget(x, "hook_why");

		printf("  %-12s %-4s %-17s %-18s (%s%s%s)\n", sget(x, "ifname"),
		       sget(x, "mode"), sget(x, "hook"), sget(x, "role"),
		       sget(x, "why"), *hw ? "; " : "", hw);
	}
	printf("real servers:\n");
	json_array_foreach(json_object_get(reply, "health"), i, x) {
		char va[64], ra[64];
		time_t since = (time_t)json_real_value(json_object_get(x, "since"));
		char when[32];

		addr_port(va, sizeof(va), x, "vip", "port");
		addr_port(ra, sizeof(ra), x, "real", "real_port");
		strftime(when, sizeof(when), "%F %T", localtime(&since));
		printf("  %s %-21s -> %-21s %-7s since %s  %s\n",
		       sget(x, "proto"), va, ra, sget(x, "health"), when,
		       sget(x, "last_result"));
	}
	printf("packets by verdict:\n");
	reasons = json_object_get(reply, "reasons");
	json_object_foreach(reasons, k, x)
		if (iget(x, "pkts"))
			printf("  %-20s %12lld pkts %14lld bytes\n", k,
			       iget(x, "pkts"), iget(x, "bytes"));
	x = json_object_get(reply, "flow_cache");
	if (x)
		printf("flow cache:  %lld hits, %lld through the connection "
		       "table, emptied %lld times\n", iget(x, "hits"),
		       iget(x, "misses"), iget(x, "flushes"));
	print_ha(json_object_get(reply, "ha"));
	print_sync(json_object_get(reply, "sync"));	/* sync */
}

/* --- HA part of status (user/ha/ha.h's ha_status_json) --- */
static void print_ha(json_t *ha)
{
	json_t *x, *t = json_object_get(ha, "timers");
	json_t *dr = json_object_get(ha, "dropped");
	json_t *res = json_object_get(ha, "resources");
	const char *k;
	size_t i;

	if (!json_is_true(json_object_get(ha, "enabled"))) {
		printf("ha:          off (no ha.cf)\n");
		return;
	}
	printf("ha:          %s%s%s, epoch %lld, for %.1f s\n",
	       sget(ha, "role"),
	       json_is_true(json_object_get(ha, "hold")) ? " (held by standby)" : "",
	       json_is_true(json_object_get(ha, "preferred")) ? ", preferred node" : "",
	       iget(ha, "epoch"), iget(ha, "role_since_ms_ago") / 1000.0);
	printf("  peer:      %s %s (%s), last heartbeat %lld ms ago\n",
	       sget(ha, "peer"), sget(ha, "peer_state"), sget(ha, "peer_role"),
	       iget(ha, "peer_last_heartbeat_ms_ago"));
	printf("  timers:    keepalive %lld ms, warntime %lld ms, deadtime %lld ms, "
	       "initdead %lld ms, auto_failback %s\n",
	       iget(t, "keepalive_ms"), iget(t, "warntime_ms"),
	       iget(t, "deadtime_ms"), iget(t, "initdead_ms"),
	       json_is_true(json_object_get(ha, "auto_failback")) ? "on" : "off");
	json_array_foreach(json_object_get(ha, "links"), i, x)
		printf("  link:      %-22s %-5s last heartbeat %5lld ms ago  rx %lld tx %lld "
		       "tx errors %lld\n", sget(x, "link"), sget(x, "state"),
		       iget(x, "last_heartbeat_ms_ago"), iget(x, "rx"),
		       iget(x, "tx"), iget(x, "tx_errors"));
	json_array_foreach(json_object_get(ha, "pings"), i, x)
		printf("  ping:      %-22s %s\n", sget(x, "name"),
		       json_is_true(json_object_get(x, "up")) ? "reachable" : "unreachable");
	json_array_foreach(json_object_get(res, "vips"), i, x)
		printf("  vip:       %s/%lld dev %s %s\n", sget(x, "addr"),
		       iget(x, "prefix"), sget(x, "dev"),
		       json_is_true(json_object_get(x, "present")) ? "present" : "absent");
	printf("  sync role: LVSSyncDaemonSwap %s\n", sget(res, "lvssync"));
	printf("  dropped:  ");
	json_object_foreach(dr, k, x)
		printf(" %s %lld", k, (long long)json_integer_value(x));
	printf("\n");
}

/* --- sync part of status (user/sync/sync.h's sync_status_json) --- */
static void print_sync(json_t *sy)
{
	json_t *bulk = json_object_get(sy, "bulk"), *rej, *x;
	const char *k;
	size_t i;

	if (!json_is_true(json_object_get(sy, "enabled"))) {
		printf("sync:        off (no authkeys)\n");
		return;
	}
	rej = json_object_get(sy, "rejected");
	printf("sync:        %s, UDP port %lld, lag %.1f ms (max %.1f ms)\n",
	       sget(sy, "role"), iget(sy, "port"),
	       json_number_value(json_object_get(sy, "lag_ms")),
	       json_number_value(json_object_get(sy, "lag_max_ms")));
	printf("  messages:  sent %lld (%lld entries, %lld errors), received "
	       "%lld, dropped %lld\n", iget(sy, "sent"), iget(sy, "sent_entries"),
	       iget(sy, "send_errors"), iget(sy, "received"),
	       iget(sy, "dropped"));
	printf("  entries:   installed %lld, rejected: unknown service %lld, "
	       "bad state %lld, other %lld\n", iget(sy, "installed"),
	       iget(rej, "unknown_service"), iget(rej, "bad_state"),
	       iget(rej, "bad_proto") + iget(rej, "bad_addr") +
	       iget(rej, "bad_flags") + iget(rej, "install_errors"));
	printf("  stream:    %lld gaps, %lld messages lost, %lld events read\n",
	       iget(sy, "gaps"), iget(sy, "lost_messages"), iget(sy, "events"));
	printf("  bulk:      %s; requests sent %lld received %lld, served %lld, "
	       "completed %lld (last %lld entries in %.3f s), refreshes %lld\n",
	       sget(bulk, "state"), iget(bulk, "requests_sent"),
	       iget(bulk, "requests_received"), iget(bulk, "served"),
	       iget(bulk, "completed"), iget(bulk, "last_entries"),
	       json_number_value(json_object_get(bulk, "last_duration_s")),
	       iget(bulk, "refreshes"));
	json_array_foreach(json_object_get(sy, "peers"), i, x)
		printf("  peer:      %s at %s, last message %.1f s ago\n",
		       sget(x, "node"), sget(x, "addr"),
		       json_number_value(json_object_get(x, "last_rx_ago_s")));
	printf("  drops:    ");
	json_object_foreach(json_object_get(sy, "drops"), k, x)
		if (json_integer_value(x))
			printf(" %s %lld", k, (long long)json_integer_value(x));
	printf("\n");
	x = json_object_get(sy, "nudge");
	if (x)
		printf("  nudge:     %lld run(s)%s; last: %lld connections, %lld "
		       "probes (%lld errors), %lld ACK reports (%lld late), "
		       "%lld ICMPs (%lld errors)\n", iget(x, "runs"),
		       json_is_true(json_object_get(x, "probing")) ?
		       ", probing" : "", iget(x, "conns"), iget(x, "probes"),
		       iget(x, "probe_errors"), iget(x, "reports"),
		       iget(x, "reports_late"), iget(x, "icmps"),
		       iget(x, "icmp_errors"));
}

static int do_sync_role(const struct opts *o, const char *role)
{
	json_t *req, *reply;
	const char *e;

	if (!role) {
		fprintf(stderr, "xdirectorctl: sync-role: expected master, "
			"backup, none or auto\n");
		return 2;
	}
	req = json_pack("{s:s, s:s}", "cmd", "sync-role", "role", role);
	reply = request(o, req);
	json_decref(req);
	if (!reply)
		return 1;
	if (!json_is_true(json_object_get(reply, "ok"))) {
		e = json_string_value(json_object_get(reply, "error"));
		fprintf(stderr, "xdirectorctl: sync-role: %s\n", e ? e : "failed");
		json_decref(reply);
		return 1;
	}
	if (o->json) {
		json_dumpf(reply, stdout, JSON_INDENT(2));
		putchar('\n');
	} else {
		json_object_set_new(json_object_get(reply, "sync"), "enabled",
				    json_true());
		print_sync(json_object_get(reply, "sync"));
	}
	json_decref(reply);
	return 0;
}
/* --- end sync --- */

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "rundir", required_argument, NULL, 'R' },
		{ "json", no_argument, NULL, 'j' },
		{ "numeric", no_argument, NULL, 'n' },
		{ "stats", no_argument, NULL, 's' },
		{ "rate", no_argument, NULL, 'r' },
		{ "interval", required_argument, NULL, 'i' },
		{ "tcp-service", required_argument, NULL, 't' },
		{ "udp-service", required_argument, NULL, 'u' },
		{ "sort", no_argument, NULL, 0x4901 },
		{ "exact", no_argument, NULL, 'x' },
		{ "save", no_argument, NULL, 'S' },
		{ "zero", no_argument, NULL, 'Z' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct opts o = { .rundir = DEFAULT_RUNDIR, .interval = 1.0 };
	const char *cmd = NULL;
	const char *sync_arg = NULL;	/* sync */
	json_t *reply;
	int c;

	/* Options may come before or after the command. */
	while (optind < argc) {
		c = getopt_long(argc, argv, "+njhxSZt:u:", lopts, NULL);
		if (c == -1) {
			/* --- sync: `sync-role ROLE` takes one argument --- */
			if (cmd && !strcmp(cmd, "sync-role") && !sync_arg) {
				sync_arg = argv[optind++];
				continue;
			}
			/* --- end sync --- */
			if (cmd) {
				fprintf(stderr, "xdirectorctl: unexpected argument '%s'\n",
					argv[optind]);
				return 2;
			}
			cmd = argv[optind++];
			continue;
		}
		switch (c) {
		case 'R': o.rundir = optarg; break;
		case 'j': o.json = true; break;
		case 'n': o.numeric = true; break;
		case 's': o.stats = true; break;
		case 'r': o.rate = true; break;
		case 't':
		case 'u':
			o.svc_proto = c == 't' ? "TCP" : "UDP";
			o.svc_spec = optarg;
			break;
		case 0x4901: o.sort = true; break;
		case 'x': o.exact = true; break;
		case 'S': o.save = true; break;
		case 'Z':
			if (cmd && strcmp(cmd, "zero")) {
				fprintf(stderr, "xdirectorctl: -Z with '%s'\n", cmd);
				return 2;
			}
			cmd = "zero";
			break;
		case 'i': {
			char *end;

			o.interval = strtod(optarg, &end);
			if (*end || o.interval < 0.1 || o.interval > 60) {
				fprintf(stderr, "xdirectorctl: --interval %s: expected "
					"seconds from 0.1 to 60\n", optarg);
				return 2;
			}
			break;
		}
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!cmd) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(cmd, "list") && o.rate)
		return do_rate(&o);
	/* --- sync --- */
	if (!strcmp(cmd, "sync-role"))
		return do_sync_role(&o, sync_arg);
	/* --- end sync --- */
	if (strcmp(cmd, "list") && strcmp(cmd, "conns") && strcmp(cmd, "status") &&
	    strcmp(cmd, "reload") && strcmp(cmd, "metrics") &&
	    strcmp(cmd, "standby") && strcmp(cmd, "takeover") &&
	    strcmp(cmd, "nudge") && strcmp(cmd, "zero")) {
		fprintf(stderr, "xdirectorctl: unknown command '%s'\n", cmd);
		usage(stderr);
		return 2;
	}
	reply = call(&o, cmd);
	if (!reply)
		return 1;
	if (!strcmp(cmd, "list") && list_habits(&o, reply)) {
		json_decref(reply);
		return 1;
	}
	if (o.json) {
		json_dumpf(reply, stdout, JSON_INDENT(2));
		putchar('\n');
	} else if (!strcmp(cmd, "list")) {
		if (o.save)
			print_save(stdout, reply);
		else if (o.stats)
			print_stats(reply, o.exact);
		else
			print_list(reply);
	} else if (!strcmp(cmd, "conns")) {
		print_conns(reply);
	} else if (!strcmp(cmd, "status")) {
		print_status(reply);
	} else if (!strcmp(cmd, "metrics")) {
		fputs(sget(reply, "text"), stdout);
	} else if (!strcmp(cmd, "reload")) {
		printf("reloaded\n");
	} else if (!strcmp(cmd, "standby") || !strcmp(cmd, "takeover")) {
		print_ha(json_object_get(reply, "ha"));
	} else if (!strcmp(cmd, "zero")) {
		printf("counters zeroed\n");
	} else if (!strcmp(cmd, "nudge")) {
		printf("nudging: probing synced connections\n");
	}
	json_decref(reply);
	return 0;
}
