// SPDX-License-Identifier: GPL-2.0
/*
 * ipvsadm's listing habits for xdirectorctl, on the daemon's `list` reply
 * (an object with "services": [{proto, vip, port, sched, persistent,
 * reals: [{addr, port, fwd, weight, ...}]}]).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipvsadm.h"

static const char *str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static long long num(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

int list_filter(json_t *reply, const char *proto, const char *spec,
		char *err, size_t errlen)
{
	json_t *svcs = json_object_get(reply, "services"), *keep, *s;
	char addr[INET_ADDRSTRLEN + 1], *end;
	const char *colon = strrchr(spec, ':');
	struct in_addr a;
	unsigned long port;
	size_t i;

	if (!colon || (size_t)(colon - spec) >= sizeof(addr))
		goto bad;
	memcpy(addr, spec, colon - spec);
	addr[colon - spec] = 0;
	port = strtoul(colon + 1, &end, 10);
	if (inet_pton(AF_INET, addr, &a) != 1 || !colon[1] || *end ||
	    port > 65535)
		goto bad;
	keep = json_array();
	json_array_foreach(svcs, i, s)
		if (!strcmp(str(s, "proto"), proto) &&
		    !strcmp(str(s, "vip"), addr) && num(s, "port") == (long long)port)
			json_array_append(keep, s);
	if (!json_array_size(keep)) {
		json_decref(keep);
		snprintf(err, errlen, "%s %s: no such service", proto, spec);
		return -ENOENT;
	}
	json_object_set_new(reply, "services", keep);
	return 0;
bad:
	snprintf(err, errlen, "%s: expected VIP:PORT (an IPv4 address and a "
		 "port)", spec);
	return -EINVAL;
}

/* Address (host order), then port: numeric order, as ipvsadm --sort. */
static int cmp_endpoint(json_t *x, json_t *y, const char *ak, const char *pk)
{
	struct in_addr a = { 0 }, b = { 0 };

	inet_pton(AF_INET, str(x, ak), &a);
	inet_pton(AF_INET, str(y, ak), &b);
	if (ntohl(a.s_addr) != ntohl(b.s_addr))
		return ntohl(a.s_addr) < ntohl(b.s_addr) ? -1 : 1;
	return (num(x, pk) > num(y, pk)) - (num(x, pk) < num(y, pk));
}

static int cmp_service(const void *pa, const void *pb)
{
	json_t *x = *(json_t *const *)pa, *y = *(json_t *const *)pb;
	int c = strcmp(str(x, "proto"), str(y, "proto"));

	/* ipvsadm lists TCP before UDP */
	return c ? c : cmp_endpoint(x, y, "vip", "port");
}

static int cmp_real(const void *pa, const void *pb)
{
	return cmp_endpoint(*(json_t *const *)pa, *(json_t *const *)pb,
			    "addr", "port");
}

/* Replace arr's elements by the same, sorted. */
static void sort_array(json_t *arr, int (*cmp)(const void *, const void *))
{
	size_t n = json_array_size(arr);
	json_t **v = calloc(n ? n : 1, sizeof(*v));

	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(arr, i));
	qsort(v, n, sizeof(*v), cmp);
	json_array_clear(arr);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, v[i]);
	free(v);
}

void list_sort(json_t *reply)
{
	json_t *svcs = json_object_get(reply, "services"), *s;
	size_t i;

	sort_array(svcs, cmp_service);
	json_array_foreach(svcs, i, s)
		sort_array(json_object_get(s, "reals"), cmp_real);
}

const char *fmt_count(char *buf, size_t len, unsigned long long v, bool exact)
{
	static const char units[] = "KMGTPE";
	int u = -1;

	if (exact || v < 100000000ULL) {
		snprintf(buf, len, "%8llu", v);
		return buf;
	}
	while (v >= 10000000ULL && units[u + 1]) {
		v /= 1000;
		u++;
	}
	snprintf(buf, len, "%7llu%c", v, units[u]);
	return buf;
}

static const char *fwd_flag(const char *fwd)
{
	if (!strcmp(fwd, "Route") || !strcmp(fwd, "gate"))
		return "-g";
	if (!strcmp(fwd, "Tunnel") || !strcmp(fwd, "ipip"))
		return "-i";
	return "-m";
}

void print_save(FILE *out, json_t *reply)
{
	json_t *svcs = json_object_get(reply, "services"), *s, *r;
	size_t i, j;

	json_array_foreach(svcs, i, s) {
		const char *p = !strcmp(str(s, "proto"), "UDP") ? "-u" : "-t";

		fprintf(out, "-A %s %s:%lld -s %s", p, str(s, "vip"),
			num(s, "port"), str(s, "sched"));
		if (num(s, "persistent"))
			fprintf(out, " -p %lld", num(s, "persistent"));
		fprintf(out, "\n");
		json_array_foreach(json_object_get(s, "reals"), j, r)
			fprintf(out, "-a %s %s:%lld -r %s:%lld %s -w %lld\n", p,
				str(s, "vip"), num(s, "port"), str(r, "addr"),
				num(r, "port"), fwd_flag(str(r, "fwd")),
				num(r, "weight"));
	}
}
