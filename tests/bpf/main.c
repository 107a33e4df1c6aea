// SPDX-License-Identifier: GPL-2.0
/*
 * bpf_packet_tests: runs every packet case (test_*.c) against the XDP and
 * the TC entry points of bpf/director.bpf.c. Needs root. The namespace
 * and bpffs are private to this process and vanish with it.
 *
 *   XD_BPF_TESTS=substring   run only the cases whose name contains it
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "log.h"

/* Per-CPU maps (rr_cursor, reason_stats) must see one CPU throughout:
 * pin the process to the first CPU it may use. */
static int pin_cpu(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set))
		return -1;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set)) {
			CPU_ZERO(&set);
			CPU_SET(c, &set);
			return sched_setaffinity(0, sizeof(set), &set);
		}
	return -1;
}

int main(void)
{
	const struct { const struct CMUnitTest *t; size_t n; } groups[] = {
		{ parse_cases, parse_cases_n },
		{ sched_cases, sched_cases_n },
		{ conn_cases, conn_cases_n },
		{ nat_cases, nat_cases_n },
	};
	const char *filter = getenv("XD_BPF_TESTS");
	const char *shard_env = getenv("XD_BPF_SHARD");
	unsigned shard = 0, nshards = 1;
	struct CMUnitTest *all;
	struct timespec t0, t1;
	size_t n = 0, cap = 0, k = 0;
	int rc;

	/* XD_BPF_SHARD=K/N: only every Nth selected case from the Kth
	 * (0-based), so N processes can share the cases (slow VMs). */
	if (shard_env && (sscanf(shard_env, "%u/%u", &shard, &nshards) != 2 ||
			  !nshards || shard >= nshards)) {
		printf("not ok 1 - bpf_packet_tests: XD_BPF_SHARD=%s is not "
		       "K/N with K < N\n", shard_env);
		return 1;
	}
	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++)
		cap += groups[g].n;
	all = calloc(cap, sizeof(*all));
	if (!all)
		return 1;
	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++)
		for (size_t i = 0; i < groups[g].n; i++)
			if (!filter || strstr(groups[g].t[i].name, filter))
				if (k++ % nshards == shard)
					all[n++] = groups[g].t[i];

	xd_log_set_level(LOG_WARNING);	/* the backend's info lines are noise */
	if (geteuid() != 0) {
		printf("1..0 # SKIP bpf_packet_tests need root\n");
		return 1;
	}
	if (pin_cpu())
		fprintf(stderr, "# could not pin to one CPU; rr cases may fail\n");
	rc = env_init();
	if (rc) {
		env_fini();
		printf("not ok 1 - bpf_packet_tests setup: %s\n", strerror(-rc));
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = _cmocka_run_group_tests("bpf_packet_tests", all, n, NULL, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fprintf(stderr, "# %zu cases in %.1f s\n", n,
		(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	env_fini();
	free(all);
	return rc ? 1 : 0;
}
