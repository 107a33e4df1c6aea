/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Telling a verifier rejection from other load failures, and reporting it
 * as what it is: the program, the kernel release, the log's last lines.
 */
#ifndef XD_VERIFIER_LOG_H
#define XD_VERIFIER_LOG_H

#include <stddef.h>
#include <bpf/libbpf.h>

/* Big enough for a rejection's log at level 1 on our programs; kernels
 * before 6.4 keep the head of a log that does not fit, not the tail. */
#define XD_VERIFIER_LOG_SIZE	(16u << 20)

/*
 * Give every program of obj its own log buffer (XD_VERIFIER_LOG_SIZE
 * bytes, zeroed; up to max, stored in logs). libbpf leaves them empty
 * while loads succeed; when a program fails it loads it again with
 * logging into that program's buffer. Returns how many, or -errno.
 */
int verifier_log_attach(struct bpf_object *obj, char **logs, int max);

/* After a failed load: the program the verifier rejected, with *log its
 * log, or NULL for any other failure (maps, pins, memory). */
const struct bpf_program *verifier_rejected(struct bpf_object *obj,
					    char **logs, int n,
					    const char **log);

/* Take the buffers back from the programs and free them. */
void verifier_log_detach(struct bpf_object *obj, char **logs, int n);

/*
 * Copy the last `lines` non-empty lines of log into out, joined by
 * "\n" (no trailing newline), leaving out the statistics lines at the
 * end ("processed N insns", "verification time"). Returns how many
 * lines were copied.
 */
int verifier_log_tail(const char *log, int lines, char *out, size_t outlen);

#endif
