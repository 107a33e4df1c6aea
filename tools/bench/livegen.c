// SPDX-License-Identifier: GPL-2.0
/*
 * livegen: packets per second through a box on one CPU, with live traffic.
 *
 * In the generator's namespace, BPF_PROG_RUN with
 * BPF_F_TEST_XDP_LIVE_FRAMES transmits UDP frames out of -i (a veth whose
 * peer is the box under test); in the sink's namespace an XDP program on
 * -I counts and drops what arrives. The process is pinned to -c: veth
 * hands frames to its peer by scheduling the peer's NAPI on the sending
 * CPU, and the kernel runs pending softirqs when the generator re-enables
 * bottom halves after each batch, so generator, box and sink all run on
 * that one CPU. ns/packet = elapsed time / packets that reached the sink;
 * the box's own cost is that minus the same figure with the sink attached
 * directly to the box's input (run.sh does the subtraction).
 *
 *   livegen -G /run/netns/GEN -i IF -S /run/netns/SINK -I IF
 *           --smac MAC --dmac MAC --src IP --dst IP [--dport N]
 *           [-f flows] [-n packets] [-r rounds] [-c cpu] [-t name]
 *           [-o file.csv]
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "livegen.h"		/* before the skeleton: it names livegen_cfg */
#include "bench/livegen.skel.h"
#include "bench_util.h"

#define MAX_ROUNDS 16

static int enter_netns(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;

	if (fd < 0 || setns(fd, CLONE_NEWNET)) {
		rc = -errno;
		fprintf(stderr, "livegen: enter %s: %s\n", path, strerror(errno));
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

static int parse_mac(const char *s, uint8_t mac[ETH_ALEN])
{
	unsigned int m[ETH_ALEN];

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4],
		   &m[5]) != ETH_ALEN)
		return -EINVAL;
	for (int i = 0; i < ETH_ALEN; i++)
		mac[i] = m[i];
	return 0;
}

static uint64_t sink_total(int fd, int ncpus)
{
	uint64_t v[ncpus], sum = 0;
	uint32_t zero = 0;

	if (bpf_map_lookup_elem(fd, &zero, v))
		return 0;
	for (int i = 0; i < ncpus; i++)
		sum += v[i];
	return sum;
}

/* NET_RX softirqs per CPU so far; returns how many CPUs were read. */
static int net_rx_softirqs(uint64_t *v, int max)
{
	char line[4096], *p, *end;
	FILE *f = fopen("/proc/softirqs", "r");
	int n = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		p = strstr(line, "NET_RX:");
		if (!p)
			continue;
		p += strlen("NET_RX:");
		while (n < max) {
			uint64_t x = strtoull(p, &end, 10);

			if (end == p)
				break;
			v[n++] = x;
			p = end;
		}
		break;
	}
	fclose(f);
	return n;
}

static void usage(void)
{
	fprintf(stderr, "usage: livegen -G GEN_NETNS -i IF -S SINK_NETNS -I IF "
		"--smac MAC --dmac MAC --src IP --dst IP [--dport N]\n"
		"               [-f flows] [-n packets] [-r rounds] [-c cpu] "
		"[-t name] [-o file.csv]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "smac", required_argument, NULL, 'm' },
		{ "dmac", required_argument, NULL, 'M' },
		{ "src", required_argument, NULL, 's' },
		{ "dst", required_argument, NULL, 'd' },
		{ "dport", required_argument, NULL, 'p' },
		{ 0 }
	};
	const char *gen_ns = NULL, *gen_if = NULL, *sink_ns = NULL;
	const char *sink_if = NULL, *name = "run", *csv = NULL;
	struct bench_flow f = { .proto = IPPROTO_UDP, .dport = htons(9) };
	unsigned int packets = 2000000, rounds = 3, flows = 64;
	double ns[MAX_ROUNDS], mpps[MAX_ROUNDS], sent_ratio[MAX_ROUNDS];
	uint64_t rx0[256] = {}, rx1[256] = {}, rx_all = 0;
	int nrx;
	struct bpf_link *link = NULL;
	struct livegen_bpf *sk;
	int cpu = 1, opt, ncpus, gen_idx, sink_idx, rc = 1;
	bool have_src = false, have_dst = false;

	while ((opt = getopt_long(argc, argv, "G:i:S:I:f:n:r:c:t:o:h", lopts,
				  NULL)) != -1) {
		switch (opt) {
		case 'G': gen_ns = optarg; break;
		case 'i': gen_if = optarg; break;
		case 'S': sink_ns = optarg; break;
		case 'I': sink_if = optarg; break;
		case 'f': flows = strtoul(optarg, NULL, 0); break;
		case 'n': packets = strtoul(optarg, NULL, 0); break;
		case 'r': rounds = strtoul(optarg, NULL, 0); break;
		case 'c': cpu = atoi(optarg); break;
		case 't': name = optarg; break;
		case 'o': csv = optarg; break;
		case 'm': if (parse_mac(optarg, f.smac)) usage(); break;
		case 'M': if (parse_mac(optarg, f.dmac)) usage(); break;
		case 's': have_src = inet_pton(AF_INET, optarg, &f.saddr) == 1; break;
		case 'd': have_dst = inet_pton(AF_INET, optarg, &f.daddr) == 1; break;
		case 'p': f.dport = htons(atoi(optarg)); break;
		default: usage();
		}
	}
	if (!gen_ns || !gen_if || !sink_ns || !sink_if || !have_src ||
	    !have_dst || !flows || !packets || !rounds || rounds > MAX_ROUNDS)
		usage();
	if (bench_csv_open(csv) || bench_pin_cpu(cpu))
		return 1;
	ncpus = libbpf_num_possible_cpus();

	sk = livegen_bpf__open_and_load();
	if (!sk) {
		fprintf(stderr, "livegen: load livegen.bpf.o: %s\n", strerror(errno));
		return 1;
	}
	bench_build_pkt(sk->bss->cfg.pkt, LIVEGEN_PKT_LEN, &f);
	sk->bss->cfg.nflows = flows;

	if (enter_netns(sink_ns))
		goto out;
	sink_idx = if_nametoindex(sink_if);
	if (!sink_idx) {
		fprintf(stderr, "livegen: %s in %s: %s\n", sink_if, sink_ns,
			strerror(errno));
		goto out;
	}
	link = bpf_program__attach_xdp(sk->progs.sink, sink_idx);
	if (!link) {
		fprintf(stderr, "livegen: %s: attach sink: %s\n", sink_if,
			strerror(errno));
		goto out;
	}
	if (enter_netns(gen_ns))
		goto out;
	gen_idx = if_nametoindex(gen_if);
	if (!gen_idx) {
		fprintf(stderr, "livegen: %s in %s: %s\n", gen_if, gen_ns,
			strerror(errno));
		goto out;
	}

	nrx = net_rx_softirqs(rx0, 256);
	for (unsigned int r = 0; r < rounds; r++) {
		uint8_t data[LIVEGEN_PKT_LEN];
		struct xdp_md ctx = { .data_end = LIVEGEN_PKT_LEN,
				      .ingress_ifindex = gen_idx };
		LIBBPF_OPTS(bpf_test_run_opts, o,
			.data_in = data, .data_size_in = sizeof(data),
			.ctx_in = &ctx, .ctx_size_in = sizeof(ctx),
			.repeat = packets, .flags = BPF_F_TEST_XDP_LIVE_FRAMES,
			.batch_size = 64,
		);
		uint64_t c0, c1, t0, t1;

		memcpy(data, sk->bss->cfg.pkt, sizeof(data));
		c0 = sink_total(bpf_map__fd(sk->maps.sink_count), ncpus);
		t0 = bench_ns(CLOCK_MONOTONIC);
		if (bpf_prog_test_run_opts(bpf_program__fd(sk->progs.gen), &o)) {
			fprintf(stderr, "livegen: BPF_PROG_RUN live frames on "
				"%s: %s\n", gen_if, strerror(errno));
			goto out;
		}
		t1 = bench_ns(CLOCK_MONOTONIC);
		usleep(20000);	/* anything still queued reaches the sink */
		c1 = sink_total(bpf_map__fd(sk->maps.sink_count), ncpus);
		if (c1 - c0 < packets / 100) {
			fprintf(stderr, "livegen: %s: only %llu of %u packets "
				"reached the sink\n", name,
				(unsigned long long)(c1 - c0), packets);
			goto out;
		}
		ns[r] = (double)(t1 - t0) / (c1 - c0);
		mpps[r] = (c1 - c0) / ((t1 - t0) / 1e3);
		sent_ratio[r] = (double)(c1 - c0) / packets;
	}
	/* The method's premise: the receive softirqs ran on our CPU. */
	if (net_rx_softirqs(rx1, 256) == nrx && cpu < nrx) {
		for (int i = 0; i < nrx; i++)
			rx_all += rx1[i] - rx0[i];
		if (rx_all) {
			double share = (double)(rx1[cpu] - rx0[cpu]) / rx_all;

			printf("%s: %.1f%% of the NET_RX softirqs ran on CPU %d\n",
			       name, 100 * share, cpu);
			bench_csv_row("live", name, "netrx_on_cpu", share, "x");
		}
	}
	{
		double n = bench_median(ns, rounds), m = bench_median(mpps, rounds);
		double d = bench_median(sent_ratio, rounds);

		printf("%s: %.1f ns/packet, %.2f Mpps on CPU %d, %.1f%% of the "
		       "generated packets delivered (%u packets x %u rounds, "
		       "median)\n", name, n, m, cpu, 100 * d, packets, rounds);
		bench_csv_row("live", name, "total_ns_per_pkt", n, "ns");
		bench_csv_row("live", name, "mpps", m, "Mpps");
		bench_csv_row("live", name, "delivered_ratio", d, "x");
	}
	rc = 0;
out:
	bpf_link__destroy(link);
	livegen_bpf__destroy(sk);
	return rc;
}
