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
 * Give every program of obj the buffer log (XD_VERIFIER_LOG_SIZE bytes,
 * zeroed). libbpf leaves it empty while loads succeed and, when one fails,
 * loads that program again with logging into it.
 */
void verifier_log_attach(struct bpf_object *obj, char *log);

/* After a failed load: the program the verifier rejected (the first one
 * not loaded, if log holds its log), or NULL for any other failure. */
const struct bpf_program *verifier_rejected(struct bpf_object *obj,
					    const char *log);

/*
 * Copy the last `lines` non-empty lines of log into out, joined by
 * "\n" (no trailing newline). Returns how many lines were copied.
 */
int verifier_log_tail(const char *log, int lines, char *out, size_t outlen);

#endif
