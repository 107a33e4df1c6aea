// SPDX-License-Identifier: GPL-2.0
/*
 * external checks: ldirectord's arguments (vip vport rip rport), exit codes,
 * a missing command, and a hanging command killed at the timeout while
 * another check keeps running.
 */
#include <fcntl.h>
#include <sys/stat.h>

#include "test_check_util.h"

static struct ev_loop *loop;
static char dir[] = "/tmp/xd-check-ext-XXXXXX";
static char script[128], args_file[128];

static int setup(void **state)
{
	FILE *f;

	loop = ev_default_loop(0);
	xd_log_set_level(LOG_WARNING);
	assert_non_null(mkdtemp(dir));
	snprintf(script, sizeof(script), "%s/check.sh", dir);
	snprintf(args_file, sizeof(args_file), "%s/args", dir);
	f = fopen(script, "w");
	/* exit with the code named by the real port's last digit; 9 hangs */
	fprintf(f, "#!/bin/sh\necho \"$@\" > %s\n"
		"case $4 in *9) echo $$ > %s.pid; exec sleep 30;; esac\n"
		"exit $(( $4 %% 10 ))\n", args_file, args_file);
	fclose(f);
	chmod(script, 0755);
	return 0;
}

static int teardown(void **state)
{
	unlink(script);
	unlink(args_file);
	rmdir(dir);
	return 0;
}

static struct t_event run_ext(const char *cmd, uint16_t rport, double secs)
{
	struct t_rec *r = calloc(1, sizeof(*r));
	struct check_manager *m = check_manager_new(loop, t_record, r);
	struct check_spec sp = t_spec(CHECK_EXTERNAL, SVC_NONE, t_ip("127.0.0.8"),
				      rport);
	struct t_event ev = { .why = "no result" };

	sp.checkcommand = (char *)cmd;
	sp.vport = 8080;
	assert_int_equal(check_manager_set(m, &sp, 1), 0);
	t_run_until(loop, r, 1, secs);
	if (r->n)
		ev = r->ev[0];
	check_manager_free(m);
	free(r);
	return ev;
}

static void test_exit_codes_and_args(void **state)
{
	struct t_event ev;
	char args[128] = "";
	FILE *f;

	ev = run_ext(script, 80, 3);
	assert_true(ev.up);
	f = fopen(args_file, "r");
	assert_non_null(f);
	assert_non_null(fgets(args, sizeof(args), f));
	fclose(f);
	assert_string_equal(args, "127.0.0.100 8080 127.0.0.8 80\n");

	ev = run_ext(script, 83, 3);
	assert_false(ev.up);
	assert_string_equal(ev.why, "external: exit 3");

	ev = run_ext("/nonexistent/check", 80, 3);
	assert_false(ev.up);
	/* posix_spawn reports it, or (under valgrind) the child's 127 */
	assert_true(strstr(ev.why, "No such file") ||
		    !strcmp(ev.why, "external: exit 127"));
}

static void test_timeout_kills(void **state)
{
	struct t_rec r = { 0 };
	struct check_manager *m = check_manager_new(loop, t_record, &r);
	struct check_spec sp[2];
	struct t_event *hang, *ok;
	double t0 = ev_time();

	sp[0] = t_spec(CHECK_EXTERNAL, SVC_NONE, t_ip("127.0.0.8"), 89);
	sp[0].checkcommand = script;
	sp[0].timeout = 0.5;
	sp[0].interval = 10;
	sp[1] = t_spec(CHECK_EXTERNAL, SVC_NONE, t_ip("127.0.0.8"), 70);
	sp[1].checkcommand = script;
	assert_int_equal(check_manager_set(m, sp, 2), 0);
	t_run_until(loop, &r, 2, 30);
	hang = t_last(&r, sp[0].rip, 89);
	ok = t_last(&r, sp[1].rip, 70);
	assert_non_null(hang);
	assert_non_null(ok);
	assert_true(ok->up);
	assert_false(hang->up);
	/* not before its timeout; how much later depends on the machine's
	 * load, so only the reason and the kill below are asserted */
	assert_true(hang->time - t0 >= 0.45);
	assert_non_null(strstr(hang->why, "timed out"));
	check_manager_free(m);
	/* the hanging command was killed and reaped: its pid is gone */
	{
		char pidf[160];
		int pid = 0;
		FILE *f;

		snprintf(pidf, sizeof(pidf), "%s.pid", args_file);
		f = fopen(pidf, "r");
		assert_non_null(f);
		assert_int_equal(fscanf(f, "%d", &pid), 1);
		fclose(f);
		unlink(pidf);
		for (int i = 0; i < 50 && kill(pid, 0) == 0; i++)
			t_run_for(loop, 0.02);
		assert_int_equal(kill(pid, 0), -1);
		assert_int_equal(errno, ESRCH);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_codes_and_args),
		cmocka_unit_test(test_timeout_kills),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
