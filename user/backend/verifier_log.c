// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "backend/verifier_log.h"

void verifier_log_attach(struct bpf_object *obj, char *log)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj)
		bpf_program__set_log_buf(prog, log, XD_VERIFIER_LOG_SIZE);
}

const struct bpf_program *verifier_rejected(struct bpf_object *obj,
					    const char *log)
{
	struct bpf_program *prog;

	if (!log || !log[0])
		return NULL;
	/* libbpf loads in object order and stops at the first failure. */
	bpf_object__for_each_program(prog, obj)
		if (bpf_program__autoload(prog) && bpf_program__fd(prog) < 0)
			return prog;
	return NULL;
}

int verifier_log_tail(const char *log, int lines, char *out, size_t outlen)
{
	const char *end = log + strlen(log), *p = end, *start = end;
	int n = 0;
	size_t len;

	if (!outlen)
		return 0;
	/* Walk back over whole lines, skipping empty ones. */
	while (n < lines && p > log) {
		const char *eol = p;

		while (eol > log && eol[-1] == '\n')
			eol--;
		if (eol == log)
			break;
		p = eol;
		while (p > log && p[-1] != '\n')
			p--;
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
