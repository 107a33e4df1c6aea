// SPDX-License-Identifier: GPL-2.0
/*
 * Where a service runs (user/backend/select.c's backend_place_with): BPF
 * when it can, IPVS when BPF cannot and IPVS is there, everything on IPVS
 * when asked or when BPF is unavailable, and a refusal naming both
 * reasons when neither can.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>

#include "backend/select.h"

struct placed {
	int rc;
	enum lb_datapath dp;
	char why[96], err[256];
};

static struct placed place(const struct backend_avail *a, const char *limit)
{
	struct placed p = { .dp = (enum lb_datapath)-1 };

	p.rc = backend_place_with(a, limit, &p.dp, p.why, sizeof(p.why), p.err,
				  sizeof(p.err));
	return p;
}

static void test_both(void **state)
{
	const struct backend_avail both = { .bpf = true, .ipvs = true };
	struct placed p = place(&both, NULL);

	assert_int_equal(p.rc, 0);
	assert_int_equal(p.dp, LB_DP_BPF);
	assert_string_equal(p.why, "BPF datapath");
	p = place(&both, "firewall-mark service");
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.dp, LB_DP_IPVS);
	assert_string_equal(p.why, "firewall-mark service");
}

static void test_ipvs_only(void **state)
{
	const struct backend_avail asked = { .ipvs = true, .ipvs_only = true };
	const struct backend_avail no_bpf = {
		.ipvs = true, .ipvs_only = true,
		.bpf_why_not = "BPF datapath unavailable: eth0: attach: EPERM",
	};
	struct placed p = place(&asked, NULL);

	assert_int_equal(p.rc, 0);
	assert_int_equal(p.dp, LB_DP_IPVS);
	assert_string_equal(p.why, "--datapath ipvs");
	p = place(&no_bpf, NULL);
	assert_int_equal(p.dp, LB_DP_IPVS);
	assert_string_equal(p.why, "BPF datapath unavailable: eth0: attach: EPERM");
}

static void test_neither(void **state)
{
	const struct backend_avail bpf_only = {
		.bpf = true, .ipvs_why_not = "is not available: no ip_vs module",
	};
	struct placed p = place(&bpf_only, NULL);

	assert_int_equal(p.rc, 0);
	assert_int_equal(p.dp, LB_DP_BPF);
	p = place(&bpf_only, "IPv6 service");
	assert_int_equal(p.rc, -EOPNOTSUPP);
	assert_string_equal(p.err, "IPv6 service; the BPF datapath cannot run "
			    "it yet, and IPVS is not available: no ip_vs module");
}

/* No backend: the unit tests' director with both datapaths. */
static void test_no_backend(void **state)
{
	enum lb_datapath dp;
	char why[96], err[256];

	assert_int_equal(backend_place(NULL, "scheduler lblc", &dp, why,
				       sizeof(why), err, sizeof(err)), 0);
	assert_int_equal(dp, LB_DP_IPVS);
	assert_null(backend_select_ipvs(NULL));
	assert_null(backend_select_bpf(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_both),
		cmocka_unit_test(test_ipvs_only),
		cmocka_unit_test(test_neither),
		cmocka_unit_test(test_no_backend),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
