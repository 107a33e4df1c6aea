/* SPDX-License-Identifier: GPL-2.0 */
/* Prometheus text exposition of the datapath counters (metrics.c). */
#ifndef XD_CTL_METRICS_H
#define XD_CTL_METRICS_H

#include "backend/backend.h"

/* The text, malloc'd; NULL if the datapath cannot be read. */
char *metrics_text(struct backend *b);

#endif
