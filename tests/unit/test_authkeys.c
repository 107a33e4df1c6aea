// SPDX-License-Identifier: GPL-2.0
/*
 * authkeys parser: the sample file at mode 600, refusal of any mode that
 * lets group or others in, crc's warning, and errors with file:line.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "config/authkeys.h"
#include "test_util.h"

/* Copy a data file to a fresh temp file with the given mode. */
static void copy_to_temp(const char *src, char *tmpl, mode_t mode)
{
	char buf[4096];
	ssize_t n;
	int in, out;

	in = open(src, O_RDONLY);
	assert_true(in >= 0);
	out = mkstemp(tmpl);
	assert_true(out >= 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		assert_int_equal(write(out, buf, n), n);
	close(in);
	assert_int_equal(fchmod(out, mode), 0);
	close(out);
}

static void expect_error(const char *text, const char *want)
{
	struct authkeys ak;
	char err[512];
	int rc = authkeys_parse_string("ak", text, &ak, err, sizeof(err));

	if (rc == 0 || !strstr(err, want))
		fail_msg("parse of:\n%s\nrc=%d err='%s', wanted '%s'",
			 text, rc, err, want);
	assert_null(ak.keys);
	assert_int_equal(ak.nkeys, 0);
}

static void test_sample_mode_600(void **state)
{
	char tmp[] = "/tmp/xd-authkeys-XXXXXX";
	const struct auth_key *k;
	struct authkeys ak;
	char err[512];

	copy_to_temp(test_data("ha", "authkeys"), tmp, 0600);
	assert_int_equal(authkeys_load(tmp, &ak, err, sizeof(err)), 0);
	unlink(tmp);

	assert_int_equal(ak.active, 2);
	assert_int_equal(ak.nkeys, 3);
	assert_int_equal(ak.nwarnings, 0);
	k = authkeys_active(&ak);
	assert_non_null(k);
	assert_int_equal(k->index, 2);
	assert_int_equal(k->method, AUTH_SHA1);
	assert_string_equal(k->secret, "Correct Horse Battery Staple");
	assert_int_equal(k->line, 4);

	k = authkeys_find(&ak, 1);
	assert_int_equal(k->method, AUTH_MD5);
	assert_string_equal(k->secret, "an old secret");
	k = authkeys_find(&ak, 3);
	assert_int_equal(k->method, AUTH_SHA256);
	/* the secret is the rest of the line: '#' is not a comment there */
	assert_string_equal(k->secret, "s3cr3t#not-a-comment");
	assert_null(authkeys_find(&ak, 4));
	assert_string_equal(auth_method_name(AUTH_SHA256), "sha256");
	authkeys_free(&ak);
	assert_null(ak.keys);
}

static void test_refuses_open_modes(void **state)
{
	static const mode_t bad[] = { 0644, 0640, 0604, 0660, 0602, 0620, 0700 | 0004 };
	static const mode_t good[] = { 0600, 0400 };
	struct authkeys ak;
	char err[512], want[128];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char tmp[] = "/tmp/xd-authkeys-XXXXXX";

		copy_to_temp(test_data("ha", "authkeys"), tmp, bad[i]);
		assert_int_equal(authkeys_load(tmp, &ak, err, sizeof(err)),
				 -EPERM);
		snprintf(want, sizeof(want), "%s: mode %04o", tmp,
			 (unsigned)bad[i]);
		if (!strstr(err, want) || !strstr(err, "must be 600"))
			fail_msg("mode %o: err '%s'", bad[i], err);
		assert_null(ak.keys);
		unlink(tmp);
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char tmp[] = "/tmp/xd-authkeys-XXXXXX";

		copy_to_temp(test_data("ha", "authkeys"), tmp, good[i]);
		assert_int_equal(authkeys_load(tmp, &ak, err, sizeof(err)), 0);
		assert_int_equal(ak.nkeys, 3);
		authkeys_free(&ak);
		unlink(tmp);
	}
}

static void test_load_errors(void **state)
{
	char tmp[] = "/tmp/xd-authkeys-XXXXXX";
	struct authkeys ak;
	char err[512], want[PATH_MAX + 64];

	assert_int_equal(authkeys_load("/nonexistent/authkeys", &ak, err,
				       sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/authkeys"));

	assert_non_null(mkdtemp(tmp));
	assert_int_equal(chmod(tmp, 0700), 0);
	assert_int_equal(authkeys_load(tmp, &ak, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not a regular file"));
	rmdir(tmp);

	/* parse errors from a file carry the file's name and line */
	{
		char tmp2[] = "/tmp/xd-authkeys-XXXXXX";

		copy_to_temp(test_data("ha", "authkeys.bad-method"), tmp2,
			     0600);
		assert_int_equal(authkeys_load(tmp2, &ak, err, sizeof(err)),
				 -EINVAL);
		snprintf(want, sizeof(want),
			 "%s:2: key 1: unknown method 'sha512' (crc, md5, sha1, sha256)",
			 tmp2);
		assert_string_equal(err, want);
		unlink(tmp2);
	}
}

static void test_crc_warns(void **state)
{
	struct authkeys ak;
	char err[512];

	assert_int_equal(authkeys_parse_string("ak", "auth 1\n1 crc\n", &ak,
					       err, sizeof(err)), 0);
	assert_int_equal(ak.keys[0].method, AUTH_CRC);
	assert_null(ak.keys[0].secret);
	assert_int_equal(ak.nwarnings, 1);
	assert_true(has_warning(&ak, "ak:2: key 1: crc is not authentication"));
	authkeys_free(&ak);

	assert_int_equal(authkeys_parse_string("ak", "1 CRC junk\nauth 1\n", &ak,
					       err, sizeof(err)), 0);
	assert_int_equal(ak.nwarnings, 2);
	assert_true(has_warning(&ak, "ak:1: key 1: crc takes no secret"));
	authkeys_free(&ak);
}

static void test_parse_forms(void **state)
{
	struct authkeys ak;
	char err[512];

	assert_int_equal(authkeys_parse_string("ak",
		"# comment\n\n  auth   15\n   15   SHA256   \t key with  spaces \r\n"
		"0 md5 zero\n", &ak, err, sizeof(err)), 0);
	assert_int_equal(ak.active, 15);
	assert_int_equal(ak.nkeys, 2);
	assert_int_equal(authkeys_active(&ak)->method, AUTH_SHA256);
	assert_string_equal(authkeys_active(&ak)->secret, "key with  spaces");
	assert_string_equal(authkeys_find(&ak, 0)->secret, "zero");
	authkeys_free(&ak);
}

static void test_errors(void **state)
{
	expect_error("1 sha1 x\n", "ak: no 'auth N' line selects a key");
	expect_error("", "ak: no 'auth N' line");
	expect_error("auth 3\n1 sha1 x\n", "ak:1: auth 3: no key 3 is defined");
	expect_error("auth 1\n1 sha1\n", "ak:2: key 1: sha1 needs a secret");
	expect_error("auth 1\n1 md5   \n", "ak:2: key 1: md5 needs a secret");
	expect_error("auth 1\n1 sha256\n", "ak:2: key 1: sha256 needs a secret");
	expect_error("auth 1\n1 blowfish k\n", "ak:2: key 1: unknown method 'blowfish'");
	expect_error("auth 1\n1\n", "ak:2: key 1: missing method");
	expect_error("auth 1\n1 sha1 a\n1 md5 b\n", "ak:3: key 1 already defined at line 2");
	expect_error("auth 1\n16 sha1 a\n", "ak:2: '16' is neither 'auth' nor a key index");
	expect_error("auth 1\nkey sha1 a\n", "ak:2: 'key' is neither");
	expect_error("auth\n", "ak:1: auth: missing key index");
	expect_error("auth x\n", "ak:1: auth: 'x' is not a key index");
	expect_error("auth 1 2\n", "ak:1: auth: too many arguments");
	expect_error("auth 1\nauth 1\n1 sha1 a\n", "ak:2: auth: already set at line 1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sample_mode_600),
		cmocka_unit_test(test_refuses_open_modes),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_crc_warns),
		cmocka_unit_test(test_parse_forms),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
