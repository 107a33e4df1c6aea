/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ipvsadm's listing habits on a `list` reply: a service filter (-t/-u
 * VIP:PORT), --sort, --exact numbers and --save in ipvsadm -S syntax, so
 * that an operator can diff the output against the old IPVS director's.
 */
#ifndef XD_CTL_IPVSADM_H
#define XD_CTL_IPVSADM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <jansson.h>

/* Keep only the service proto ("TCP"/"UDP") spec ("VIP:PORT"). Returns 0,
 * or -EINVAL (spec malformed) / -ENOENT (no such service) with err set. */
int list_filter(json_t *reply, const char *proto, const char *spec,
		char *err, size_t errlen);
/* Services by protocol, address, port; each one's reals by address, port. */
void list_sort(json_t *reply);
/* A counter in 8 columns: exact, or scaled to K, M, G, T when it is wider,
 * as ipvsadm prints without --exact. buf holds at least 24 bytes. */
const char *fmt_count(char *buf, size_t len, unsigned long long v,
		      bool exact);
/* The table as ipvsadm -S -n prints it: each service's -A line, then
 * its reals' -a lines. */
void print_save(FILE *out, json_t *reply);

#endif
