// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "backend/verifier_log.h"

int verifier_log_attach(struct bpf_object *obj, char **logs, int max)
{
	struct bpf_program *prog;
	int n = 0;

	bpf_object__for_each_program(prog, obj) {
		if (n == max)
			return -E2BIG;
		/* Untouched pages of a zeroed allocation cost nothing. */
		logs[n] = calloc(1, XD_VERIFIER_LOG_SIZE);
		if (!logs[n])
			return -ENOMEM;
		bpf_program__set_log_buf(prog, logs[n++], XD_VERIFIER_LOG_SIZE);
	}
	return n;
}

const struct bpf_program *verifier_rejected(struct bpf_object *obj,
					    char **logs, int n,
					    const char **log)
{
	struct bpf_program *prog;
	int i = 0;

	/* libbpf fills a program's buffer only when that program failed. */
	bpf_object__for_each_program(prog, obj) {
		if (i >= n)
			break;
		if (logs[i] && logs[i][0] && bpf_program__fd(prog) < 0) {
			*log = logs[i];
			return prog;
		}
		i++;
	}
	return NULL;
}

void verifier_log_detach(struct bpf_object *obj, char **logs, int n)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj)
		bpf_program__set_log_buf(prog, NULL, 0);
	for (int i = 0; i < n; i++)
		free(logs[i]);
}

/* The statistics lines at a log's end say nothing about the reason. */
static bool stats_line(const char *p, size_t len)
{
	return (len >= 10 && !strncmp(p, "processed ", 10)) ||
	       (len >= 17 && !strncmp(p, "verification time", 17));
}

int verifier_log_tail(const char *log, int lines, char *out, size_t outlen)
{
	const char *end = log + strlen(log), *p = end, *start = end;
	int n = 0;
	size_t len;

	if (!outlen)
		return 0;
	/* Walk back over whole lines, skipping empty ones and, at the
	 * end, the statistics. */
	while (n < lines && p > log) {
		const char *eol = p;

		while (eol > log && eol[-1] == '\n')
			eol--;
		if (eol == log)
			break;
		p = eol;
		while (p > log && p[-1] != '\n')
			p--;
		if (n == 0 && stats_line(p, eol - p)) {
			end = p;
			continue;
		}
		start = p;
		n++;
	}
	/* start..end holds the n lines, maybe with blank ones between. */
	len = 0;
	for (const char *q = start; q < end;) {
		const char *eol = memchr(q, '\n', end - q);
		size_t full = eol ? (size_t)(eol - q) : (size_t)(end - q);
		size_t l = full;

		if (l && len + 1 < outlen) {
			if (len)
				out[len++] = '\n';
			if (l > outlen - 1 - len)
				l = outlen - 1 - len;
			memcpy(out + len, q, l);
			len += l;
		}
		q += full + 1;
	}
	out[len] = 0;
	return n;
}
