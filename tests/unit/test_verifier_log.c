// SPDX-License-Identifier: GPL-2.0
/* The verifier log's last lines, as a rejection report quotes them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "backend/verifier_log.h"

/* The end of Linux 6.1's log for xdp_int before the conn.h fix. */
static const char log61[] =
	"; if (p && p->timeout_ns[state])\n"
	"876: (0f) r0 += r1                    ; R0_w=map_value(off=0,ks=4,vs=64,umax=2040)\n"
	"877: (79) r1 = *(u64 *)(r0 +0)\n"
	"invalid access to map value, value_size=64 off=2040 size=8\n"
	"R0 max value is outside of the allowed memory range\n"
	"processed 1315 insns (limit 1000000) max_states_per_insn 2 total_states 76\n";

static void test_last_lines(void **state)
{
	char out[512];

	assert_int_equal(verifier_log_tail(log61, 3, out, sizeof(out)), 3);
	assert_string_equal(out,
		"invalid access to map value, value_size=64 off=2040 size=8\n"
		"R0 max value is outside of the allowed memory range\n"
		"processed 1315 insns (limit 1000000) max_states_per_insn 2 total_states 76");
}

static void test_blank_lines_skipped(void **state)
{
	char out[64];

	assert_int_equal(verifier_log_tail("a\n\nb\n\n\nc\n\n", 2, out,
					   sizeof(out)), 2);
	assert_string_equal(out, "b\nc");
	assert_int_equal(verifier_log_tail("only\n", 5, out, sizeof(out)), 1);
	assert_string_equal(out, "only");
	assert_int_equal(verifier_log_tail("no newline at end", 1, out,
					   sizeof(out)), 1);
	assert_string_equal(out, "no newline at end");
}

static void test_empty_log(void **state)
{
	char out[16] = "junk";

	assert_int_equal(verifier_log_tail("", 3, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(verifier_log_tail("\n\n", 3, out, sizeof(out)), 0);
	assert_string_equal(out, "");
}

/* A short buffer gets a terminated prefix of the lines, never more. */
static void test_truncated_to_buffer(void **state)
{
	char out[12];

	memset(out, 'x', sizeof(out));
	verifier_log_tail("first line\nsecond line\n", 2, out, sizeof(out));
	assert_int_equal(strlen(out), sizeof(out) - 1);
	assert_string_equal(out, "first line\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_last_lines),
		cmocka_unit_test(test_blank_lines_skipped),
		cmocka_unit_test(test_empty_log),
		cmocka_unit_test(test_truncated_to_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
