// SPDX-License-Identifier: GPL-2.0
/*
 * external check: run `checkcommand <vip> <vport> <rip> <rport>` as
 * ldirectord does; exit status 0 means up. The command runs in its own
 * process group so that a timeout kills it and whatever it started.
 * Completion comes from an ev_child watcher, hence the default loop.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "check/check_int.h"
#include "log.h"

#define MAX_ARGS	32

extern char **environ;

static void ext_child_cb(struct ev_loop *loop, ev_child *w, int revents)
{
	struct check *c = w->data;
	int st = w->rstatus;

	c->pid = -1;	/* reaped: nothing left to kill */
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		check_finish(c, true, "external: exit 0");
	else if (WIFEXITED(st))
		check_finish(c, false, "external: exit %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		check_finish(c, false, "external: killed by signal %d",
			     WTERMSIG(st));
}

static void ext_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct check *c = w->data;

	check_finish(c, false, "external: timed out after %.1fs, killed",
		     check_timeout(c));
}

int check_external_start(struct check *c)
{
	struct check_manager *m = c->m;
	char *cmd, *argv[MAX_ARGS + 5], *save = NULL;
	char vip[INET_ADDRSTRLEN], rip[INET_ADDRSTRLEN], vport[8], rport[8];
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, dfl;
	int argc = 0, err;
	pid_t pid;

	if (!ev_is_default_loop(m->loop)) {
		if (!m->warned_ext_loop)
			xd_err("external checks need libev's default loop");
		m->warned_ext_loop = true;
		check_finish(c, false, "external: not on the default loop");
		return 0;
	}
	cmd = strdup(c->spec.checkcommand && c->spec.checkcommand[0] ?
		     c->spec.checkcommand : "/bin/true");
	if (!cmd)
		return -ENOMEM;
	/* a command with arguments of its own is split on blanks */
	for (char *t = strtok_r(cmd, " \t", &save); t && argc < MAX_ARGS;
	     t = strtok_r(NULL, " \t", &save))
		argv[argc++] = t;
	inet_ntop(AF_INET, &c->spec.vip, vip, sizeof(vip));
	inet_ntop(AF_INET, &c->spec.rip, rip, sizeof(rip));
	snprintf(vport, sizeof(vport), "%u", c->spec.vport);
	snprintf(rport, sizeof(rport), "%u", c->spec.rport);
	argv[argc++] = vip;
	argv[argc++] = vport;
	argv[argc++] = rip;
	argv[argc++] = rport;
	argv[argc] = NULL;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	sigaddset(&dfl, SIGCHLD);
	sigaddset(&dfl, SIGTERM);
	sigaddset(&dfl, SIGINT);
	sigaddset(&dfl, SIGHUP);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &dfl);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
				 POSIX_SPAWN_SETSIGMASK |
				 POSIX_SPAWN_SETSIGDEF);
	err = posix_spawnp(&pid, argv[0], &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (err) {
		check_finish(c, false, "external: %s: %s", argv[0],
			     strerror(err));
		free(cmd);
		return 0;
	}
	free(cmd);
	c->pid = pid;
	ev_child_init(&c->child, ext_child_cb, pid, 0);
	c->child.data = c;
	ev_child_start(m->loop, &c->child);
	check_tmo_start(c, check_timeout(c), ext_timeout_cb);
	return 0;
}

void check_external_cancel(struct check *c)
{
	ev_child_stop(c->m->loop, &c->child);
	ev_timer_stop(c->m->loop, &c->tmo);
	/* libev reaps every child on SIGCHLD, so no zombie is left behind */
	if (c->pid > 0)
		kill(-c->pid, SIGKILL);
	c->pid = -1;
}
