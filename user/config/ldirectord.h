/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ldirectord.cf parser: reads ldirectord(8)'s configuration file unchanged
 * into plain structs, validated whole. Either the whole file is accepted or
 * nothing is returned and err holds "file:line: what is wrong".
 *
 * Per-virtual options not given in a virtual section are resolved while
 * parsing (virtual value, else the global one, else ldirectord's default),
 * so consumers read final values from struct ld_virtual.
 *
 * Options xdirector parses but does not act on yet are listed in
 * cfg->warnings ("file:line: ..."), each reported once.
 */
#ifndef XD_CONFIG_LDIRECTORD_H
#define XD_CONFIG_LDIRECTORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#define LD_SCHED_MAX	16

enum ld_fwd {
	LD_FWD_MASQ,
	LD_FWD_GATE,
	LD_FWD_IPIP,
};

enum ld_checktype {
	LD_CHECK_CONNECT,
	LD_CHECK_NEGOTIATE,
	LD_CHECK_PING,
	LD_CHECK_EXTERNAL,
	LD_CHECK_EXTERNAL_PERL,
	LD_CHECK_OFF,		/* no checks, no real server is ever added */
	LD_CHECK_ON,		/* no checks, every real server is up */
	LD_CHECK_COMBINED,	/* checktype=N: N connect checks per negotiate */
};

struct ld_real_entry {
	char *host;		/* the address in text form (one per range address) */
	int line;
	bool is_ipv6;
	uint32_t addr;		/* IPv4, network order */
	struct in6_addr addr6;	/* when is_ipv6 */
	uint16_t port;		/* host order; gate/ipip without one take the
				 * virtual's port; 0 only for fwmark virtuals */
	enum ld_fwd fwd;
	int weight;		/* 0..65535, default 1 */
	char *request;		/* per-real overrides; NULL if not given */
	char *receive;
};

struct ld_virtual {
	int line;
	bool is_fwmark;
	uint32_t fwmark;
	bool is_ipv6;
	uint32_t addr;		/* IPv4, network order */
	struct in6_addr addr6;	/* when is_ipv6 */
	uint16_t port;		/* host order; 0 for fwmark */
	uint8_t protocol;	/* IPPROTO_TCP or IPPROTO_UDP; 0 for fwmark */
	char scheduler[LD_SCHED_MAX];

	struct ld_real_entry *reals;
	size_t nreals;
	bool has_fallback;
	struct ld_real_entry fallback;
	char *fallbackcommand;

	/* What to check and how. service is never NULL ("none" if unknown);
	 * service "none" with a negotiate check means "not monitored". */
	char *service;
	enum ld_checktype checktype;
	int check_combined_n;	/* for LD_CHECK_COMBINED */
	uint16_t checkport;	/* 0: the real server's port */
	char *request;		/* NULL: the check's own default */
	char *receive;		/* NULL: any answer will do */
	char *httpmethod;	/* "GET" or "HEAD" */
	char *virtualhost;
	char *login;
	char *passwd;
	char *database;
	char *secret;
	char *checkcommand;	/* for external checks; NULL if not given */
	double checkinterval;	/* all times in seconds */
	double checktimeout;
	double connecttimeout;
	double negotiatetimeout;
	int failurecount;
	int checkcount;		/* deprecated by ldirectord, kept as read */

	bool quiescent;
	bool cleanstop;
	bool ops;		/* one-packet scheduling (UDP) */
	unsigned persistent;	/* seconds, 0 = not persistent */
	uint32_t netmask;	/* persistence granularity, network order */

	char *emailalert;
	double emailalertfreq;
	char *emailalertstatus;
	char *monitorfile;
};

struct ld_config {
	char *path;

	/* Globals; those also allowed in virtual sections are already folded
	 * into each struct ld_virtual. */
	double checkinterval;
	double checktimeout;
	double connecttimeout;
	double negotiatetimeout;
	int failurecount;
	int checkcount;
	bool autoreload;
	bool quiescent;
	bool readdquiescent;
	bool cleanstop;
	bool supervised;
	bool fork;
	char *callback;
	char *logfile;		/* as written (quotes removed) */
	bool log_syslog;	/* logfile named a syslog facility */
	int log_facility;	/* LOG_* when log_syslog */
	char *maintenancedir;
	char *metrics;		/* xdirector: "addr:port" for /metrics, or NULL */
	bool checkreuse;	/* xdirector: reuse check connections (HTTP
				 * keep-alive...); ldirectord opens a fresh
				 * one per check, and so do we by default */
	char *fallbackcommand;
	bool has_fallback;
	struct ld_real_entry fallback;
	char *emailalert;
	double emailalertfreq;
	char *emailalertstatus;
	char *emailalertfrom;
	char *smtp;
	char **execute;
	size_t nexecute;
	char *service;		/* NULL: derived from each virtual's port */
	enum ld_checktype checktype;
	int check_combined_n;
	uint16_t checkport;

	struct ld_virtual *virtuals;
	size_t nvirtuals;

	char **warnings;	/* "file:line: message", each once */
	size_t nwarnings;
};

/* Returns 0, or -errno / -EINVAL with err filled with "path:line: message".
 * On failure cfg is left zeroed; on success free it with ld_config_free(). */
int ld_config_load(const char *path, struct ld_config *cfg,
		   char *err, size_t errlen);
/* Same, from memory; name is used in messages. */
int ld_config_parse_string(const char *name, const char *text,
			   struct ld_config *cfg, char *err, size_t errlen);
void ld_config_free(struct ld_config *cfg);

const char *ld_fwd_name(enum ld_fwd fwd);
const char *ld_checktype_name(enum ld_checktype type);

#endif
