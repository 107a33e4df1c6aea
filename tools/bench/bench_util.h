/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers shared by the benchmark tools: results as CSV rows,
 * medians, CPU pinning, test packets. Header-only: each tool is one
 * compilation unit.
 */
#ifndef XD_BENCH_UTIL_H
#define XD_BENCH_UTIL_H

#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>

/* Rows "section,case,metric,value,unit" appended to this file, if set. */
static FILE *bench_csv;

static inline int bench_csv_open(const char *path)
{
	if (!path)
		return 0;
	bench_csv = fopen(path, "a");
	if (!bench_csv) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -errno;
	}
	return 0;
}

static inline void bench_csv_row(const char *section, const char *name,
				 const char *metric, double value,
				 const char *unit)
{
	if (!bench_csv)
		return;
	fprintf(bench_csv, "%s,%s,%s,%.3f,%s\n", section, name, metric, value,
		unit);
	fflush(bench_csv);
}

static inline int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median of n values; sorts v. */
static inline double bench_median(double *v, int n)
{
	if (n <= 0)
		return 0;
	qsort(v, n, sizeof(*v), bench_cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static inline uint64_t bench_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static inline int bench_pin_cpu(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		fprintf(stderr, "pin to CPU %d: %s\n", cpu, strerror(errno));
		return -errno;
	}
	return 0;
}

static inline uint16_t bench_csum16(const void *p, size_t len)
{
	const uint16_t *w = p;
	uint32_t sum = 0;

	for (; len > 1; len -= 2)
		sum += *w++;
	if (len)
		sum += *(const uint8_t *)w;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

struct bench_flow {
	uint8_t smac[ETH_ALEN], dmac[ETH_ALEN];
	uint32_t saddr, daddr;		/* network order */
	uint16_t sport, dport;		/* network order */
	uint8_t proto;			/* IPPROTO_TCP or IPPROTO_UDP */
	uint8_t tcp_flags;
};

/*
 * Ethernet + IPv4 (valid header checksum) + TCP or UDP into buf, padded
 * with zeros to len. The L4 checksum is left 0: nothing on the paths we
 * measure verifies it (UDP 0 means "no checksum").
 */
static inline void bench_build_pkt(uint8_t *buf, size_t len,
				   const struct bench_flow *f)
{
	struct ethhdr *eth = (void *)buf;
	struct iphdr *iph = (void *)(eth + 1);

	memset(buf, 0, len);
	memcpy(eth->h_dest, f->dmac, ETH_ALEN);
	memcpy(eth->h_source, f->smac, ETH_ALEN);
	eth->h_proto = htons(ETH_P_IP);
	iph->version = 4;
	iph->ihl = 5;
	iph->tot_len = htons(len - sizeof(*eth));
	iph->ttl = 64;
	iph->protocol = f->proto;
	iph->saddr = f->saddr;
	iph->daddr = f->daddr;
	iph->check = bench_csum16(iph, sizeof(*iph));
	if (f->proto == IPPROTO_TCP) {
		struct tcphdr *th = (void *)(iph + 1);

		th->source = f->sport;
		th->dest = f->dport;
		th->seq = htonl(1);
		th->doff = 5;
		((uint8_t *)th)[13] = f->tcp_flags;
		th->window = htons(65535);
	} else {
		struct udphdr *uh = (void *)(iph + 1);

		uh->source = f->sport;
		uh->dest = f->dport;
		uh->len = htons(len - sizeof(*eth) - sizeof(*iph));
	}
}

#endif
