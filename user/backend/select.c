// SPDX-License-Identifier: GPL-2.0
/*
 * Which datapath runs what. The daemon talks to one backend, this one;
 * it holds the BPF backend (xdp.c), the IPVS backend (ipvs.c), or both,
 * and splits the desired table between them by each service's lb_service
 * .dp, which backend_place() decided when the controller built it.
 *
 *   --datapath ipvs       everything on IPVS
 *   --datapath xdp|tc|..  everything on BPF; a service it cannot run is
 *                         refused
 *   --datapath auto       BPF, with IPVS for the services BPF cannot run
 *                         yet (opened the first time one is configured);
 *                         everything on IPVS when BPF cannot load or
 *                         attach here
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/ipvs.h"
#include "backend/ipvs_plan.h"
#include "backend/select.h"
#include "log.h"

struct select_backend {
	struct backend base;
	struct backend_opts opts;
	struct backend *bpf;		/* NULL: not in use */
	struct backend *ipvs;		/* NULL: not open (yet) */
	struct backend_avail avail;
	char bpf_why_not[256];
	char ipvs_why_not[320];
	/* the services last applied, without their reals: each one's
	 * datapath reason for the snapshot */
	struct lb_service *placed;
	size_t nplaced;
};

static const struct backend_ops select_ops;

static struct select_backend *to_sel(struct backend *b)
{
	return (struct select_backend *)b;
}

int backend_place_with(const struct backend_avail *a, const char *bpf_limit,
		       enum lb_datapath *dp, char *why, size_t whylen,
		       char *err, size_t errlen)
{
	if (a->ipvs_only) {
		*dp = LB_DP_IPVS;
		snprintf(why, whylen, "%s", a->bpf_why_not ? a->bpf_why_not :
			 "--datapath ipvs");
		return 0;
	}
	if (!bpf_limit) {
		*dp = LB_DP_BPF;
		snprintf(why, whylen, "BPF datapath");
		return 0;
	}
	if (a->ipvs) {
		*dp = LB_DP_IPVS;
		snprintf(why, whylen, "%s", bpf_limit);
		return 0;
	}
	snprintf(err, errlen, "%s; the BPF datapath cannot run it yet, and "
		 "IPVS %s", bpf_limit, a->ipvs_why_not ? a->ipvs_why_not :
		 "is not in use (--datapath auto or ipvs)");
	return -EOPNOTSUPP;
}

/* In auto mode IPVS is opened the first time a service needs it. */
static void open_ipvs_lazily(struct select_backend *s)
{
	char err[256];
	int rc;

	if (s->ipvs || s->avail.ipvs_why_not || s->opts.mode != DP_AUTO)
		return;
	rc = ipvs_backend_open(&s->ipvs, err, sizeof(err));
	if (rc) {
		snprintf(s->ipvs_why_not, sizeof(s->ipvs_why_not),
			 "is not available: %s", err);
		s->avail.ipvs_why_not = s->ipvs_why_not;
		xd_warn("%s", err);
		return;
	}
	s->avail.ipvs = true;
	xd_info("IPVS opened for the services the BPF datapath cannot run");
}

int backend_place(struct backend *b, const char *bpf_limit,
		  enum lb_datapath *dp, char *why, size_t whylen, char *err,
		  size_t errlen)
{
	static const struct backend_avail both = { .bpf = true, .ipvs = true };
	static const struct backend_avail bpf_only = {
		.bpf = true, .ipvs_why_not = "is not in use here",
	};
	struct select_backend *s;

	/* no backend (unit tests of the table): a director with both */
	if (!b)
		return backend_place_with(&both, bpf_limit, dp, why, whylen,
					  err, errlen);
	if (b->ops != &select_ops)
		return backend_place_with(&bpf_only, bpf_limit, dp, why, whylen,
					  err, errlen);
	s = to_sel(b);
	if (bpf_limit)
		open_ipvs_lazily(s);
	return backend_place_with(&s->avail, bpf_limit, dp, why, whylen, err,
				  errlen);
}

/* ---- splitting the table ---- */

/* The services of t that run on dp, sharing t's reals (not to be freed
 * with lb_table_free: free(part->svcs) only). */
static int part_of(const struct lb_table *t, enum lb_datapath dp,
		   struct lb_table *part)
{
	*part = (struct lb_table){ .nsvcs = 0 };
	/* the table's settings go with every part */
	memcpy(part->timeout_s, t->timeout_s, sizeof(part->timeout_s));
	part->svcs = calloc(t->nsvcs ? t->nsvcs : 1, sizeof(*part->svcs));
	if (!part->svcs)
		return -ENOMEM;
	for (size_t i = 0; i < t->nsvcs; i++)
		if (t->svcs[i].dp == dp)
			part->svcs[part->nsvcs++] = t->svcs[i];
	return 0;
}

static int apply_part(struct backend *sub, const struct lb_table *t,
		      enum lb_datapath dp, char *err, size_t errlen)
{
	struct lb_table part;
	int rc = part_of(t, dp, &part);

	if (rc)
		return rc;
	rc = sub->ops->apply(sub, &part, err, errlen);
	free(part.svcs);
	return rc;
}

/*
 * auto, and the BPF datapath failed to attach: run everything on IPVS
 * from now on, if this kernel has it.
 */
static bool fall_back_to_ipvs(struct select_backend *s, const char *bpf_err)
{
	char err[256];

	if (s->opts.mode != DP_AUTO)
		return false;
	if (!s->ipvs && ipvs_backend_open(&s->ipvs, err, sizeof(err))) {
		xd_warn("%s", err);
		return false;
	}
	snprintf(s->bpf_why_not, sizeof(s->bpf_why_not),
		 "BPF datapath unavailable: %s", bpf_err);
	xd_warn("%s: running every service on IPVS", s->bpf_why_not);
	s->bpf->ops->close(s->bpf, true);
	s->bpf = NULL;
	s->avail = (struct backend_avail){
		.ipvs = true, .ipvs_only = true, .bpf_why_not = s->bpf_why_not,
	};
	return true;
}

static const struct lb_service *placed_as(const struct select_backend *s,
					   const struct lb_service *svc)
{
	for (size_t i = 0; i < s->nplaced; i++)
		if (ipvs_svc_same_id(&s->placed[i], svc))
			return &s->placed[i];
	return NULL;
}

/*
 * Remember where each service went. An FTP service left on the BPF
 * datapath is said once, when it gets there: its logins work, its
 * transfers do not.
 */
static void remember(struct select_backend *s, const struct lb_table *t)
{
	struct lb_service *n = calloc(t->nsvcs ? t->nsvcs : 1, sizeof(*n));

	if (!n)
		return;
	for (size_t i = 0; i < t->nsvcs; i++) {
		const struct lb_service *old = placed_as(s, &t->svcs[i]);
		char name[80];

		n[i] = t->svcs[i];
		n[i].reals = NULL;
		n[i].nreals = 0;
		if (!n[i].ftp || n[i].dp != LB_DP_BPF ||
		    (old && old->dp == LB_DP_BPF))
			continue;
		lb_service_str(&n[i], name, sizeof(name));
		xd_warn("%s:%d: virtual %s: FTP data connections (passive and "
			"active) need IPVS's ip_vs_ftp, and IPVS %s: only the "
			"control connection is balanced", n[i].file ? n[i].file : "?",
			n[i].line, name, s->ipvs_why_not[0] ? s->ipvs_why_not :
			"is not in use");
	}
	free(s->placed);
	s->placed = n;
	s->nplaced = t->nsvcs;
}

static int sel_apply(struct backend *b, const struct lb_table *t, char *err,
		     size_t errlen)
{
	struct select_backend *s = to_sel(b);
	bool need_ipvs = false;
	int rc = 0;

	for (size_t i = 0; i < t->nsvcs; i++)
		need_ipvs |= t->svcs[i].dp == LB_DP_IPVS;
	if (need_ipvs && !s->ipvs) {
		snprintf(err, errlen, "IPVS %s", s->ipvs_why_not[0] ?
			 s->ipvs_why_not : "is not open");
		return -EOPNOTSUPP;
	}
	/* IPVS first: a service moving from BPF to IPVS is served by one
	 * of them all along */
	if (s->ipvs)
		rc = apply_part(s->ipvs, t, LB_DP_IPVS, err, errlen);
	if (!rc && s->bpf) {
		rc = apply_part(s->bpf, t, LB_DP_BPF, err, errlen);
		/* a table placed for BPF is placed again by the controller */
		if (rc && fall_back_to_ipvs(s, err))
			return -EAGAIN;
	}
	if (!rc)
		remember(s, t);
	return rc;
}

/* ---- reading: both backends' services in one snapshot ---- */

static int merge(struct backend_snapshot *into, struct backend_snapshot *from)
{
	struct backend_svc_stat *n;

	n = realloc(into->svcs, (into->nsvcs + from->nsvcs + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	into->svcs = n;
	memcpy(&into->svcs[into->nsvcs], from->svcs,
	       from->nsvcs * sizeof(*n));
	into->nsvcs += from->nsvcs;
	free(from->svcs);
	from->svcs = NULL;
	from->nsvcs = 0;
	return 0;
}

static int sel_snapshot(struct backend *b, struct backend_snapshot *out)
{
	struct select_backend *s = to_sel(b);
	struct backend_snapshot v;
	int rc;

	memset(out, 0, sizeof(*out));
	if (s->bpf) {
		rc = s->bpf->ops->snapshot(s->bpf, out);
		if (rc)
			return rc;
		for (size_t i = 0; i < out->nsvcs; i++) {
			struct lb_service *svc = &out->svcs[i].svc;
			const struct lb_service *p = placed_as(s, svc);

			svc->dp = LB_DP_BPF;
			snprintf(svc->dp_why, sizeof(svc->dp_why), "%s",
				 p ? p->dp_why : "BPF datapath");
		}
	}
	if (!s->ipvs)
		return 0;
	rc = s->ipvs->ops->snapshot(s->ipvs, &v);
	if (!rc && !s->bpf)
		memcpy(out->timeout_s, v.timeout_s, sizeof(out->timeout_s));
	if (!rc)
		rc = merge(out, &v);
	backend_snapshot_free(&v);
	if (rc)
		backend_snapshot_free(out);
	return rc;
}

static int sel_conns(struct backend *b, backend_conn_cb cb, void *arg)
{
	struct select_backend *s = to_sel(b);
	int rc = 0;

	if (s->bpf)
		rc = s->bpf->ops->conns(s->bpf, cb, arg);
	if (rc == 0 && s->ipvs)
		rc = s->ipvs->ops->conns(s->ipvs, cb, arg);
	return rc;
}

static void sel_maintain(struct backend *b)
{
	struct select_backend *s = to_sel(b);

	if (s->bpf)
		s->bpf->ops->maintain(s->bpf);
}

/* Our own sync carries the BPF datapath's connections; IPVS's are the
 * kernel's sync daemon's. */
static int sel_install_conn(struct backend *b, const struct backend_sync_conn *c)
{
	struct select_backend *s = to_sel(b);

	return s->bpf ? s->bpf->ops->install_conn(s->bpf, c) : -ENOTSUP;
}

static int sel_set_events(struct backend *b, bool on)
{
	struct select_backend *s = to_sel(b);

	return s->bpf ? s->bpf->ops->set_events(s->bpf, on) : -ENOTSUP;
}

static int sel_events_fd(struct backend *b)
{
	struct select_backend *s = to_sel(b);

	return s->bpf ? s->bpf->ops->events_fd(s->bpf) : -ENOTSUP;
}

static int sel_peer_acks_fd(struct backend *b)
{
	struct select_backend *s = to_sel(b);

	return s->bpf ? s->bpf->ops->peer_acks_fd(s->bpf) : -ENOTSUP;
}

static void sel_close(struct backend *b, bool detach)
{
	struct select_backend *s = to_sel(b);

	if (s->bpf)
		s->bpf->ops->close(s->bpf, detach);
	if (s->ipvs)
		s->ipvs->ops->close(s->ipvs, detach);
	free(s->placed);
	free(s);
}

static const struct backend_ops select_ops = {
	.name = "select",
	.apply = sel_apply,
	.snapshot = sel_snapshot,
	.conns = sel_conns,
	.maintain = sel_maintain,
	.install_conn = sel_install_conn,
	.set_events = sel_set_events,
	.events_fd = sel_events_fd,
	.peer_acks_fd = sel_peer_acks_fd,
	.close = sel_close,
};

int backend_select_open(const struct backend_opts *opts, struct backend **out,
			char *err, size_t errlen)
{
	struct select_backend *s = calloc(1, sizeof(*s));
	int rc;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	s->base.ops = &select_ops;
	s->opts = *opts;
	if (opts->ipvs_only) {
		rc = ipvs_backend_open(&s->ipvs, err, errlen);
		if (rc)
			goto fail;
		s->avail = (struct backend_avail){ .ipvs = true, .ipvs_only = true };
		s->base.resumed = s->ipvs->resumed;
		*out = &s->base;
		return 0;
	}
	rc = xdp_backend_open(opts, &s->bpf, err, errlen);
	if (rc && opts->mode == DP_AUTO) {
		snprintf(s->bpf_why_not, sizeof(s->bpf_why_not),
			 "BPF datapath unavailable: %s", err);
		rc = ipvs_backend_open(&s->ipvs, err, errlen);
		if (rc) {
			char ipvs_err[256];

			snprintf(ipvs_err, sizeof(ipvs_err), "%s", err);
			snprintf(err, errlen, "%s; and %s", s->bpf_why_not,
				 ipvs_err);
			goto fail;
		}
		xd_warn("%s: running every service on IPVS", s->bpf_why_not);
		s->avail = (struct backend_avail){
			.ipvs = true, .ipvs_only = true,
			.bpf_why_not = s->bpf_why_not,
		};
		s->base.resumed = s->ipvs->resumed;
		*out = &s->base;
		return 0;
	}
	if (rc)
		goto fail;
	s->avail.bpf = true;
	if (opts->mode != DP_AUTO) {
		snprintf(s->ipvs_why_not, sizeof(s->ipvs_why_not),
			 "is not in use with --datapath %s",
			 dp_mode_name(opts->mode));
		s->avail.ipvs_why_not = s->ipvs_why_not;
	}
	s->base.resumed = s->bpf->resumed;
	*out = &s->base;
	return 0;
fail:
	free(s);
	return rc;
}

struct backend *backend_select_ipvs(struct backend *b)
{
	return b && b->ops == &select_ops ? to_sel(b)->ipvs : NULL;
}

struct backend *backend_select_bpf(struct backend *b)
{
	return b && b->ops == &select_ops ? to_sel(b)->bpf : NULL;
}

const char *backend_select_why_not_bpf(struct backend *b)
{
	return b && b->ops == &select_ops && to_sel(b)->bpf_why_not[0] ?
	       to_sel(b)->bpf_why_not : NULL;
}
