/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The backend the daemon runs (select.c): the BPF backend, the IPVS
 * backend or both, each service on the one that can run it.
 */
#ifndef XD_BACKEND_SELECT_H
#define XD_BACKEND_SELECT_H

#include "backend/backend.h"

/* What a director can run, for backend_place_with(). */
struct backend_avail {
	bool bpf, ipvs;
	bool ipvs_only;			/* everything on IPVS */
	const char *bpf_why_not;	/* why everything is on IPVS */
	const char *ipvs_why_not;	/* "is not available: ..." */
};

int backend_select_open(const struct backend_opts *opts, struct backend **out,
			char *err, size_t errlen);

/*
 * Where a service runs: bpf_limit is NULL when the BPF datapath can run
 * it, else why not ("firewall-mark service"). Sets *dp and why (shown
 * per service), or returns -EOPNOTSUPP with err saying why neither can.
 * b NULL: a director with both datapaths (unit tests).
 */
int backend_place(struct backend *b, const char *bpf_limit,
		  enum lb_datapath *dp, char *why, size_t whylen, char *err,
		  size_t errlen);
int backend_place_with(const struct backend_avail *a, const char *bpf_limit,
		       enum lb_datapath *dp, char *why, size_t whylen,
		       char *err, size_t errlen);

/* The parts in use, or NULL. */
struct backend *backend_select_ipvs(struct backend *b);
struct backend *backend_select_bpf(struct backend *b);
/* Why everything runs on IPVS in auto mode, or NULL. */
const char *backend_select_why_not_bpf(struct backend *b);

#endif
