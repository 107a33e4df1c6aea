// SPDX-License-Identifier: GPL-2.0
/* Prometheus text exposition (version 0.0.4) of the datapath counters. */
#include <stdio.h>
#include <stdlib.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include "ctl/metrics.h"

static void svc_labels(char *buf, size_t len, const struct lb_service *s)
{
	char vip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &s->vip, vip, sizeof(vip));
	snprintf(buf, len, "proto=\"%s\",vip=\"%s\",port=\"%u\"",
		 s->proto == IPPROTO_UDP ? "udp" : "tcp", vip, ntohs(s->port));
}

struct metric {
	const char *name;
	const char *help;
	const char *type;
};

static const struct metric counter_metrics[] = {
	{ "connections_total", "Connections scheduled.", "counter" },
	{ "packets_in_total", "Packets client to real server.", "counter" },
	{ "bytes_in_total", "Bytes client to real server.", "counter" },
	{ "packets_out_total", "Packets real server to client.", "counter" },
	{ "bytes_out_total", "Bytes real server to client.", "counter" },
	{ "drops_total", "Packets dropped.", "counter" },
};

static unsigned long long counter_at(const struct xd_counters *c, int i)
{
	const uint64_t v[] = { c->conns, c->pkts_in, c->bytes_in, c->pkts_out,
			       c->bytes_out, c->drops };
	return v[i];
}

char *metrics_text(struct backend *b)
{
	struct backend_snapshot snap;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (b->ops->snapshot(b, &snap))
		return NULL;
	f = open_memstream(&buf, &len);
	if (!f) {
		backend_snapshot_free(&snap);
		return NULL;
	}
	fprintf(f, "# HELP xdirector_packets_total Packets by datapath verdict.\n"
		   "# TYPE xdirector_packets_total counter\n");
	for (int r = 0; r < XD_REASON_MAX; r++)
		fprintf(f, "xdirector_packets_total{reason=\"%s\"} %llu\n",
			xd_reason_name(r), (unsigned long long)snap.reasons[r].pkts);
	fprintf(f, "# HELP xdirector_flow_cache_hits_total Established and reply packets forwarded from the per-CPU flow cache.\n"
		   "# TYPE xdirector_flow_cache_hits_total counter\n"
		   "xdirector_flow_cache_hits_total %llu\n"
		   "# HELP xdirector_flow_cache_misses_total Established and reply packets forwarded through the connection table.\n"
		   "# TYPE xdirector_flow_cache_misses_total counter\n"
		   "xdirector_flow_cache_misses_total %llu\n"
		   "# HELP xdirector_flow_cache_flushes_total Times every CPU's flow cache was emptied.\n"
		   "# TYPE xdirector_flow_cache_flushes_total counter\n"
		   "xdirector_flow_cache_flushes_total %llu\n",
		(unsigned long long)snap.flow_hits,
		(unsigned long long)snap.flow_misses,
		(unsigned long long)snap.flow_flushes);
	for (size_t m = 0; m < sizeof(counter_metrics) / sizeof(counter_metrics[0]); m++) {
		fprintf(f, "# HELP xdirector_service_%s %s\n# TYPE xdirector_service_%s %s\n",
			counter_metrics[m].name, counter_metrics[m].help,
			counter_metrics[m].name, counter_metrics[m].type);
		for (size_t i = 0; i < snap.nsvcs; i++) {
			char l[128];

			svc_labels(l, sizeof(l), &snap.svcs[i].svc);
			fprintf(f, "xdirector_service_%s{%s} %llu\n",
				counter_metrics[m].name, l,
				counter_at(&snap.svcs[i].counters, (int)m));
		}
		fprintf(f, "# HELP xdirector_real_%s %s\n# TYPE xdirector_real_%s %s\n",
			counter_metrics[m].name, counter_metrics[m].help,
			counter_metrics[m].name, counter_metrics[m].type);
		for (size_t i = 0; i < snap.nsvcs; i++)
			for (size_t j = 0; j < snap.svcs[i].nreals; j++) {
				const struct backend_real_stat *r = &snap.svcs[i].reals[j];
				char l[128], rip[INET_ADDRSTRLEN];

				svc_labels(l, sizeof(l), &snap.svcs[i].svc);
				inet_ntop(AF_INET, &r->real.addr, rip, sizeof(rip));
				fprintf(f, "xdirector_real_%s{%s,real=\"%s:%u\"} %llu\n",
					counter_metrics[m].name, l, rip,
					ntohs(r->real.port),
					counter_at(&r->counters, (int)m));
			}
	}
	fprintf(f, "# HELP xdirector_real_active_connections Established connections.\n"
		   "# TYPE xdirector_real_active_connections gauge\n");
	for (size_t i = 0; i < snap.nsvcs; i++)
		for (size_t j = 0; j < snap.svcs[i].nreals; j++) {
			const struct backend_real_stat *r = &snap.svcs[i].reals[j];
			char l[128], rip[INET_ADDRSTRLEN];

			svc_labels(l, sizeof(l), &snap.svcs[i].svc);
			inet_ntop(AF_INET, &r->real.addr, rip, sizeof(rip));
			fprintf(f, "xdirector_real_active_connections{%s,real=\"%s:%u\"} %lld\n"
				   "xdirector_real_inactive_connections{%s,real=\"%s:%u\"} %lld\n"
				   "xdirector_real_weight{%s,real=\"%s:%u\"} %u\n",
				l, rip, ntohs(r->real.port), (long long)r->active,
				l, rip, ntohs(r->real.port), (long long)r->inactive,
				l, rip, ntohs(r->real.port), r->real.weight);
		}
	fclose(f);
	backend_snapshot_free(&snap);
	return buf;
}
