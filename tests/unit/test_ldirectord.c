// SPDX-License-Identifier: GPL-2.0
/*
 * ldirectord.cf parser: ldirectord's documented example files parse into the
 * expected structs with globals folded into each virtual, and every broken
 * file fails with the exact file:line of the mistake and no result.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <cmocka.h>

#include "config/ldirectord.h"
#include "test_util.h"

static char errbuf[512];

static void load_ok(const char *file, struct ld_config *cfg)
{
	int rc = ld_config_load(test_data("ldirectord", file), cfg, errbuf,
				sizeof(errbuf));

	if (rc)
		fail_msg("%s: %s", file, errbuf);
}

static void parse_ok(const char *text, struct ld_config *cfg)
{
	int rc = ld_config_parse_string("t.cf", text, cfg, errbuf, sizeof(errbuf));

	if (rc)
		fail_msg("unexpected error: %s", errbuf);
}

static void test_http_masq(void **state)
{
	struct ld_config cfg;
	struct ld_virtual *v;

	load_ok("http-masq.cf", &cfg);
	assert_true(cfg.autoreload);
	assert_string_equal(cfg.logfile, "/var/log/ldirectord.log");
	assert_false(cfg.log_syslog);
	assert_int_equal(cfg.nvirtuals, 1);
	v = &cfg.virtuals[0];
	assert_int_equal(v->line, 10);
	assert_false(v->is_fwmark);
	assert_int_equal(v->addr, ip("192.168.6.240"));
	assert_int_equal(v->port, 80);
	assert_int_equal(v->protocol, IPPROTO_TCP);
	assert_string_equal(v->scheduler, "rr");
	assert_string_equal(v->service, "http");
	assert_string_equal(v->request, "index.html");
	assert_string_equal(v->receive, "Test Page");
	assert_string_equal(v->virtualhost, "some.domain.com.au");
	assert_string_equal(v->httpmethod, "GET");
	assert_int_equal(v->checktype, LD_CHECK_NEGOTIATE);
	/* checktimeout=3 globally; negotiatetimeout falls back to it */
	assert_true(v->checktimeout == 3.0);
	assert_true(v->negotiatetimeout == 3.0);
	assert_true(v->connecttimeout == 3.0);
	assert_true(v->checkinterval == 1.0);
	assert_false(v->quiescent);

	assert_int_equal(v->nreals, 2);
	assert_string_equal(v->reals[0].host, "192.168.6.2");
	assert_int_equal(v->reals[0].addr, ip("192.168.6.2"));
	assert_int_equal(v->reals[0].port, 80);
	assert_int_equal(v->reals[0].fwd, LD_FWD_MASQ);
	assert_int_equal(v->reals[0].weight, 1);
	assert_null(v->reals[0].request);
	assert_null(v->reals[0].receive);
	assert_int_equal(v->reals[0].line, 11);
	assert_int_equal(v->reals[1].weight, 3);
	assert_string_equal(v->reals[1].request, "/health.html");
	assert_string_equal(v->reals[1].receive, "I am alive");

	assert_true(v->has_fallback);
	assert_int_equal(v->fallback.addr, ip("127.0.0.1"));
	assert_int_equal(v->fallback.port, 80);
	assert_int_equal(v->fallback.fwd, LD_FWD_MASQ);
	assert_int_equal(v->fallback.line, 13);
	assert_int_equal(cfg.nwarnings, 0);
	ld_config_free(&cfg);
	assert_null(cfg.virtuals);
}

static const struct ld_virtual *find_vport(const struct ld_config *cfg,
					   uint16_t port)
{
	size_t i;

	for (i = 0; i < cfg->nvirtuals; i++)
		if (!cfg->virtuals[i].is_fwmark && cfg->virtuals[i].port == port)
			return &cfg->virtuals[i];
	fail_msg("no virtual on port %u", port);
	return NULL;
}

static void test_sample(void **state)
{
	struct ld_config cfg;
	const struct ld_virtual *v;
	size_t i;

	load_ok("sample.cf", &cfg);
	assert_int_equal(cfg.nvirtuals, 7);
	assert_true(cfg.log_syslog);
	assert_int_equal(cfg.log_facility, LOG_LOCAL0);
	assert_string_equal(cfg.logfile, "local0");
	assert_true(cfg.quiescent);
	assert_false(cfg.has_fallback);

	/* http, gate, with a per-virtual fallback */
	v = find_vport(&cfg, 80);
	assert_int_equal(v->nreals, 3);
	assert_int_equal(v->reals[2].addr, ip("192.168.6.6"));
	assert_int_equal(v->reals[2].fwd, LD_FWD_GATE);
	assert_true(v->has_fallback);
	assert_int_equal(v->fallback.fwd, LD_FWD_GATE);
	assert_true(v->quiescent);	/* from the global */
	assert_int_equal(v->persistent, 0);

	/* the range expands to three reals with the same port and weight */
	v = find_vport(&cfg, 443);
	assert_int_equal(v->nreals, 3);
	for (i = 0; i < 3; i++) {
		char want[32];

		snprintf(want, sizeof(want), "192.168.1.%zu", 10 + i);
		assert_string_equal(v->reals[i].host, want);
		assert_int_equal(v->reals[i].addr, ip(want));
		assert_int_equal(v->reals[i].port, 443);
		assert_int_equal(v->reals[i].weight, 2);
		assert_int_equal(v->reals[i].fwd, LD_FWD_MASQ);
	}
	assert_string_equal(v->scheduler, "wlc");
	assert_string_equal(v->service, "https");
	assert_int_equal(v->persistent, 600);
	assert_int_equal(v->netmask, ip("255.255.255.0"));

	/* "ftp" is resolved through /etc/services; a real without a port
	 * takes the virtual's, as ipvsadm does */
	v = find_vport(&cfg, 21);
	assert_int_equal(v->addr, ip("192.168.6.241"));
	assert_string_equal(v->login, "anonymous");
	assert_string_equal(v->passwd, "anon@anon.anon");
	assert_int_equal(v->checktype, LD_CHECK_COMBINED);
	assert_int_equal(v->check_combined_n, 3);
	assert_int_equal(v->reals[1].port, 21);
	assert_string_equal(v->scheduler, "sh");

	v = find_vport(&cfg, 53);
	assert_int_equal(v->protocol, IPPROTO_UDP);
	assert_string_equal(v->service, "dns");
	assert_int_equal(v->checktype, LD_CHECK_PING);

	/* the fwmark service */
	for (v = NULL, i = 0; i < cfg.nvirtuals; i++)
		if (cfg.virtuals[i].is_fwmark)
			v = &cfg.virtuals[i];
	assert_non_null(v);
	assert_int_equal(v->fwmark, 1);
	assert_int_equal(v->protocol, 0);
	assert_int_equal(v->checkport, 80);
	assert_string_equal(v->service, "http");
	assert_int_equal(v->reals[0].port, 0);
	assert_int_equal(v->checktype, LD_CHECK_CONNECT);
	assert_string_equal(v->scheduler, "lblc");

	/* service derived from port 3306; weight 0 is allowed */
	v = find_vport(&cfg, 3306);
	assert_string_equal(v->service, "mysql");
	assert_string_equal(v->database, "database_name");
	assert_int_equal(v->reals[1].weight, 0);
	assert_false(v->quiescent);

	v = find_vport(&cfg, 22);
	assert_string_equal(v->service, "none");
	assert_int_equal(v->checktype, LD_CHECK_EXTERNAL);
	assert_string_equal(v->checkcommand, "/usr/local/bin/check-ssh");
	/* no negotiatetimeout anywhere: it follows this virtual's checktimeout */
	assert_true(v->checktimeout == 7.0);
	assert_true(v->negotiatetimeout == 7.0);
	assert_true(v->connecttimeout == 7.0);

	/* what xdirector does not do yet is said once, with its line; gate,
	 * fwmark, lblc, persistent and netmask run on IPVS (the controller
	 * places them, or refuses them where IPVS is not in use) */
	assert_true(has_warning(&cfg, "sample.cf:84: service mysql"));
	assert_int_equal(count_warnings(&cfg, "forwarding method"), 0);
	/* every IPVS scheduler runs in the BPF datapath: no warning */
	assert_int_equal(count_warnings(&cfg, "scheduler"), 0);
	assert_int_equal(cfg.nwarnings, 1);
	ld_config_free(&cfg);
}

static void test_inheritance(void **state)
{
	struct ld_config cfg;
	const struct ld_virtual *a, *b;

	load_ok("inherit.cf", &cfg);
	assert_int_equal(cfg.nvirtuals, 2);
	a = &cfg.virtuals[0];
	b = &cfg.virtuals[1];

	/* negotiatetimeout given alone is also checktimeout's default */
	assert_true(cfg.negotiatetimeout == 20.0);
	assert_true(cfg.checktimeout == 20.0);
	assert_true(a->negotiatetimeout == 20.0);
	assert_true(a->checktimeout == 20.0);
	assert_true(a->connecttimeout == 20.0);
	assert_true(a->checkinterval == 2.5);
	assert_int_equal(a->failurecount, 3);
	assert_int_equal(a->checktype, LD_CHECK_CONNECT);
	assert_false(a->cleanstop);
	assert_true(a->quiescent);
	assert_true(a->has_fallback);
	assert_int_equal(a->fallback.addr, ip("10.0.0.250"));
	assert_int_equal(a->fallback.port, 8080);
	assert_string_equal(a->fallback.host, "10.0.0.250");
	assert_ptr_not_equal(a->fallback.host, cfg.fallback.host);
	assert_string_equal(a->fallbackcommand, "/usr/local/sbin/sorry");
	assert_string_equal(a->service, "http");

	assert_true(b->checktimeout == 4.0);
	assert_true(b->negotiatetimeout == 20.0);
	assert_true(b->connecttimeout == 1.5);
	assert_true(b->checkinterval == 6.0);
	assert_int_equal(b->failurecount, 1);
	assert_int_equal(b->checktype, LD_CHECK_NEGOTIATE);
	assert_string_equal(b->service, "https");
	assert_false(b->quiescent);
	assert_true(b->cleanstop);
	/* a fallback without a port takes the virtual's */
	assert_int_equal(b->fallback.addr, ip("127.0.0.1"));
	assert_int_equal(b->fallback.port, 8443);
	assert_string_equal(b->fallbackcommand, "/bin/true");
	assert_int_equal(cfg.nwarnings, 1);
	assert_true(has_warning(&cfg, "inherit.cf:9: fallbackcommand"));
	ld_config_free(&cfg);
}

/* xdirector's own global keys. */
static void test_own_keys(void **state)
{
	struct ld_config cfg;

	parse_ok("checkreuse=yes\nmetrics=127.0.0.1:9101\n"
		 "virtual=10.0.0.1:80\n\treal=10.0.0.2:80 masq\n", &cfg);
	assert_true(cfg.checkreuse);
	assert_string_equal(cfg.metrics, "127.0.0.1:9101");
	assert_int_equal(cfg.nwarnings, 0);
	/* no timeout= line: every one 0, the datapath's default */
	assert_int_equal(cfg.timeout[0] | cfg.timeout[1] | cfg.timeout[2], 0);
	ld_config_free(&cfg);

	/* timeout = tcp tcpfin udp, as ipvsadm --set; 0 keeps a default */
	parse_ok("timeout = 600  0\t30\n"
		 "virtual=10.0.0.1:80\n\treal=10.0.0.2:80 masq\n", &cfg);
	assert_int_equal(cfg.timeout[0], 600);
	assert_int_equal(cfg.timeout[1], 0);
	assert_int_equal(cfg.timeout[2], 30);
	assert_int_equal(cfg.nwarnings, 0);
	ld_config_free(&cfg);
}

static void test_defaults(void **state)
{
	struct ld_config cfg;
	const struct ld_virtual *v;

	parse_ok("virtual=10.0.0.1:80\n\treal=10.0.0.2:80 masq\n", &cfg);
	assert_string_equal(cfg.path, "t.cf");
	assert_false(cfg.autoreload);
	assert_false(cfg.quiescent);
	assert_false(cfg.readdquiescent);
	assert_true(cfg.cleanstop);
	assert_false(cfg.supervised);
	assert_false(cfg.checkreuse);	/* a fresh connection per check */
	assert_null(cfg.metrics);
	assert_string_equal(cfg.logfile, "/var/log/ldirectord.log");
	assert_string_equal(cfg.emailalertstatus, "all");
	assert_int_equal(cfg.nexecute, 0);
	v = &cfg.virtuals[0];
	assert_true(v->checkinterval == 10.0);
	assert_true(v->checktimeout == 5.0);
	assert_true(v->negotiatetimeout == 30.0);
	assert_true(v->connecttimeout == 5.0);
	assert_int_equal(v->failurecount, 1);
	assert_int_equal(v->checktype, LD_CHECK_NEGOTIATE);
	assert_string_equal(v->service, "http");
	assert_string_equal(v->scheduler, "wrr");
	assert_int_equal(v->protocol, IPPROTO_TCP);
	assert_false(v->quiescent);
	assert_true(v->cleanstop);
	assert_string_equal(v->httpmethod, "GET");
	assert_int_equal(v->netmask, 0xffffffff);
	assert_int_equal(v->persistent, 0);
	assert_int_equal(v->checkport, 0);
	assert_null(v->request);
	assert_null(v->receive);
	assert_false(v->has_fallback);
	assert_int_equal(v->reals[0].weight, 1);
	assert_int_equal(cfg.nwarnings, 0);
	ld_config_free(&cfg);
}

static void test_service_from_port(void **state)
{
	static const struct {
		const char *port;
		const char *service;
	} cases[] = {
		{ "21", "ftp" }, { "25", "smtp" }, { "53", "dns" },
		{ "110", "pop" }, { "143", "imap" }, { "389", "ldap" },
		{ "443", "https" }, { "993", "imaps" }, { "995", "pops" },
		{ "587", "submission" }, { "8080", "none" },
	};
	struct ld_config cfg;
	char text[128];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "virtual=10.0.0.1:%s\n", cases[i].port);
		parse_ok(text, &cfg);
		assert_string_equal(cfg.virtuals[0].service, cases[i].service);
		ld_config_free(&cfg);
	}
}

static void test_comments_and_quotes(void **state)
{
	struct ld_config cfg;
	const struct ld_virtual *v;

	parse_ok("# header\r\n"
		 "checktimeout = 2   # seconds\r\n"
		 "\r\n"
		 "virtual=10.0.0.1:80\t# web\n"
		 "   # an indented comment\n"
		 "# a comment at column 0 does not end the section\n"
		 "\n"
		 "\treal=10.0.0.2:80 masq 5 \"/a#b\",\"ok # really\"  # trailing\n"
		 "\treal = 10.0.0.3:80 masq \"/only-request\"\n"
		 "\treal = 10.0.0.4:80 masq \"/x\" \"y\"\n"
		 "\treceive=\"price#1\"\n"
		 "\trequest=/plain\n"
		 "\tcheckcommand=/usr/bin/check -v\n", &cfg);
	assert_true(cfg.checktimeout == 2.0);
	assert_int_equal(cfg.nvirtuals, 1);
	v = &cfg.virtuals[0];
	assert_int_equal(v->nreals, 3);
	assert_int_equal(v->reals[0].weight, 5);
	assert_string_equal(v->reals[0].request, "/a#b");
	assert_string_equal(v->reals[0].receive, "ok # really");
	assert_string_equal(v->reals[1].request, "/only-request");
	assert_null(v->reals[1].receive);
	assert_int_equal(v->reals[1].weight, 1);
	assert_string_equal(v->reals[2].request, "/x");
	assert_string_equal(v->reals[2].receive, "y");
	assert_string_equal(v->receive, "price#1");
	assert_string_equal(v->request, "/plain");
	assert_string_equal(v->checkcommand, "/usr/bin/check -v");
	assert_int_equal(v->reals[2].line, 10);
	ld_config_free(&cfg);
}

static void test_globals_after_sections(void **state)
{
	struct ld_config cfg;

	/* a line at column 0 ends the section; globals apply to all */
	parse_ok("virtual=10.0.0.1:80\n"
		 "\treal=10.0.0.2:80 masq\n"
		 "checkinterval=3\n"
		 "virtual=10.0.0.1:81\n"
		 "\treal=10.0.0.2:81 masq\n", &cfg);
	assert_int_equal(cfg.nvirtuals, 2);
	assert_int_equal(cfg.virtuals[0].nreals, 1);
	assert_true(cfg.virtuals[0].checkinterval == 3.0);
	assert_true(cfg.virtuals[1].checkinterval == 3.0);
	ld_config_free(&cfg);
}

static void test_fwmark_and_ipv6(void **state)
{
	struct ld_config cfg;
	const struct ld_virtual *v;
	struct in6_addr a6;

	parse_ok("virtual=100\n"
		 "\treal=10.0.0.2 masq\n"
		 "\treal=10.0.0.3 masq\n"
		 "virtual=[2001:db8::1]:443\n"
		 "\treal=[2001:db8::10]:8443 masq\n"
		 "virtual=[2001:db8::1]:80\n"
		 "\treal=[2001:db8::10]:80 masq\n", &cfg);
	v = &cfg.virtuals[0];
	assert_true(v->is_fwmark);
	assert_int_equal(v->fwmark, 100);
	assert_int_equal(v->protocol, 0);
	assert_int_equal(v->reals[1].port, 0);
	assert_string_equal(v->service, "none");

	v = &cfg.virtuals[1];
	assert_true(v->is_ipv6);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::1", &a6), 1);
	assert_memory_equal(&v->addr6, &a6, sizeof(a6));
	assert_int_equal(v->port, 443);
	assert_true(v->reals[0].is_ipv6);
	assert_int_equal(v->reals[0].port, 8443);
	assert_string_equal(v->reals[0].host, "2001:db8::10");

	/* both run on IPVS: nothing to warn about here */
	assert_int_equal(cfg.nwarnings, 0);
	ld_config_free(&cfg);
}

static void test_warnings_once(void **state)
{
	struct ld_config cfg;

	parse_ok("emailalert=\"root@example.com\"\n"
		 "emailalertfreq=3600\n"
		 "emailalertstatus=starting,running\n"
		 "emailalertfrom=lvs@example.com\n"
		 "smtp=192.168.0.1\n"
		 "supervised=yes\n"
		 "execute=\"other.cf\"\n"
		 "execute=\"third.cf\"\n"
		 "virtual=10.0.0.1:80\n"
		 "\treal=10.0.0.2:80 ipip\n"
		 "\treal=10.0.0.3:80 ipip\n"
		 "\temailalert=\"web@example.com\"\n"
		 "\tscheduler=nq\n"
		 "virtual=10.0.0.1:81\n"
		 "\treal=10.0.0.2:81 ipip\n"
		 "\tscheduler=nq\n"
		 "\tservice=radius\n"
		 "\tchecktimeout=1\n"
		 "\tchecktimeout=2\n", &cfg);
	assert_true(has_warning(&cfg, "t.cf:1: emailalert is not implemented"));
	assert_int_equal(count_warnings(&cfg, "emailalert is"), 1);
	assert_true(has_warning(&cfg, "t.cf:2: emailalertfreq"));
	assert_true(has_warning(&cfg, "t.cf:3: emailalertstatus"));
	assert_true(has_warning(&cfg, "t.cf:4: emailalertfrom"));
	assert_true(has_warning(&cfg, "t.cf:5: smtp"));
	assert_true(has_warning(&cfg, "t.cf:6: supervised"));
	assert_true(has_warning(&cfg, "t.cf:7: execute"));
	assert_int_equal(count_warnings(&cfg, "execute"), 1);
	/* ipip and nq run on IPVS */
	assert_int_equal(count_warnings(&cfg, "ipip"), 0);
	assert_int_equal(count_warnings(&cfg, "scheduler nq"), 0);
	assert_true(has_warning(&cfg, "t.cf:17: service radius"));
	assert_true(has_warning(&cfg, "t.cf:19: checktimeout set again (first at line 18)"));
	assert_int_equal(cfg.nwarnings, 9);
	assert_int_equal(cfg.nexecute, 2);
	assert_string_equal(cfg.execute[1], "third.cf");
	assert_true(cfg.supervised);
	assert_true(cfg.virtuals[1].checktimeout == 2.0);
	assert_string_equal(cfg.virtuals[0].emailalert, "web@example.com");
	assert_string_equal(cfg.virtuals[1].emailalert, "root@example.com");
	ld_config_free(&cfg);
}

static void test_loopback_fallback_gate_not_warned(void **state)
{
	struct ld_config cfg;

	/* IPVS delivers to a local address whatever the method */
	parse_ok("fallback=127.0.0.1:80\n"
		 "virtual=10.0.0.1:80\n"
		 "\treal=10.0.0.2:80 masq\n", &cfg);
	assert_int_equal(cfg.fallback.fwd, LD_FWD_GATE);
	assert_int_equal(cfg.nwarnings, 0);
	ld_config_free(&cfg);
}

struct bad_case {
	const char *text;
	const char *where;	/* exact "t.cf:N: " prefix */
	const char *what;	/* part of the message */
};

static const struct bad_case bad_cases[] = {
	{ "checktimeout=3\nfrobnicate=1\n", "t.cf:2: ", "unknown option 'frobnicate'" },
	{ "virtual=10.0.0.1:80\n\treel=10.0.0.2:80 masq\n", "t.cf:2: ", "unknown option 'reel'" },
	{ "virtual=10.0.0.1\n", "t.cf:1: ", "missing port" },
	{ "virtual=10.0.0.1:\n", "t.cf:1: ", "missing port" },
	{ "virtual=10.0.0.1:0\n", "t.cf:1: ", "port 0" },
	{ "virtual=10.0.0.1:nosuchservice\n", "t.cf:1: ", "unknown port or service name" },
	{ "virtual=10.0.0.1:80\n\treal=10.0.0.2:80 masq 70000\n", "t.cf:2: ", "bad weight '70000'" },
	{ "virtual=10.0.0.1:80\n\treal=10.0.0.2:80 masq -1\n", "t.cf:2: ", "bad weight '-1'" },
	{ "virtual=10.0.0.1:80\n\treal=10.0.0.2:80 masq heavy\n", "t.cf:2: ", "bad weight 'heavy'" },
	{ "real=10.0.0.2:80 masq\n", "t.cf:1: ", "real outside a virtual section" },
	{ "virtual=10.0.0.1:80\n\treal=10.0.0.2:80 masq\nreal=10.0.0.3:80 masq\n",
	  "t.cf:3: ", "real outside a virtual section" },
	{ "virtual=10.0.0.256:80\n", "t.cf:1: ", "bad IP address '10.0.0.256'" },
	{ "virtual=10.0.0.1:80\n\treal=10.0.0:80 masq\n", "t.cf:2: ", "bad IP address '10.0.0'" },
	{ "virtual=www.example.com:80\n", "t.cf:1: ", "host names are not supported" },
	{ "virtual=2001:db8::1:80\n", "t.cf:1: ", "brackets" },
	{ "virtual=[2001:db8::zz]:80\n", "t.cf:1: ", "bad IPv6 address" },
	{ "virtual=10.0.0.1:80\n\treal=10.0.0.2:80 masq\n\n"
	  "virtual=10.0.0.1:80\n\treal=10.0.0.3:80 masq\n",
	  "t.cf:4: ", "duplicate virtual 10.0.0.1:80/tcp (already defined at line 1)" },
	{ "virtual=7\nvirtual=7\n", "t.cf:2: ", "duplicate virtual fwmark 7 (already defined at line 1)" },
	{ "virtual=10.0.0.1:80\n\treal=10.0.0.2:80 masq\n\treal=10.0.0.2:80 masq 2\n",
	  "t.cf:3: ", "duplicate real server (already at line 2)" },
	{ "virtual=10.0.0.1:80\n\treal=10.0.0.1->10.0.0.3:80 masq\n\treal=10.0.0.2:80 masq\n",
	  "t.cf:3: ", "duplicate real server (already at line 2)" },
	/* the first duplicate in file order is the one named, wherever the
	 * sort puts it; 64k reals are checked in n log n */
	{ "virtual=10.0.0.1:80\n\treal=10.1.0.0->10.1.255.254:80 masq\n"
	  "\treal=10.2.0.9:80 masq\n\treal=10.1.200.3:80 masq\n"
	  "\treal=10.2.0.9:80 masq\n\treal=10.1.0.7:80 masq\n",
	  "t.cf:4: ", "real 10.1.200.3:80: duplicate real server (already at line 2)" },
	{ "autoreload=maybe\n", "t.cf:1: ", "autoreload: expected yes or no, not 'maybe'" },
	{ "virtual=10.0.0.1:80\n\tquiescent=1\n", "t.cf:2: ", "quiescent: expected yes or no" },
	{ "virtual=10.0.0.1:80\n\trequest=\"/index.html\n", "t.cf:2: ", "unterminated quote" },
	{ "virtual=10.0.0.1:80\n\treal=10.0.0.2:80 masq \"/a\", \"b\n", "t.cf:2: ", "unterminated quote" },
	{ "virtual=10.0.0.1:80\n\trequest=\"/a\" x\n", "t.cf:2: ", "unexpected text after a closing quote" },
	{ "virtual=10.0.0.1:80\n\treal=10.0.0.2:80\n", "t.cf:2: ", "missing forwarding method" },
	{ "virtual=10.0.0.1:80\n\treal=10.0.0.2:80 nat\n", "t.cf:2: ", "unknown forwarding method 'nat'" },
	{ "virtual=10.0.0.1:80\n\treal=10.0.0.2:80 masq 1 /index.html\n", "t.cf:2: ", "must be quoted" },
	{ "virtual=10.0.0.1:80\n\treal=10.0.0.2:80 masq \"a\" 2\n", "t.cf:2: ", "unexpected '2' (request and receive must be quoted)" },
	{ "virtual=10.0.0.1:80\n\treal=10.0.0.2:80 masq \"a\" \"b\" \"c\"\n", "t.cf:2: ", "too many fields" },
	{ "virtual=10.0.0.1:80\n\treal=10.0.0.2:0 masq\n", "t.cf:2: ", "real 10.0.0.2: port 0" },
	{ "virtual=10.0.0.1:80\n\treal=10.0.0.5->10.0.0.3:80 masq\n", "t.cf:2: ", "range ends before it starts" },
	{ "virtual=10.0.0.1:80\n\treal=10.0.0.3:80->10.0.0.5:81 masq\n", "t.cf:2: ", "a range has one port" },
	{ "virtual=10.0.0.1:80\n\treal=10.0.0.0->10.2.0.0:80 masq\n", "t.cf:2: ", "range of more than" },
	{ "virtual=10.0.0.1:80\n\treal=[2001:db8::1]:80 masq\n", "t.cf:2: ", "address family differs" },
	{ "checktimeout=0\n", "t.cf:1: ", "checktimeout: must be greater than 0" },
	{ "virtual=10.0.0.1:80\n\tnegotiatetimeout=-5\n", "t.cf:2: ", "'-5' is not a number of seconds" },
	{ "checkinterval=5s\n", "t.cf:1: ", "'5s' is not a number of seconds" },
	{ "failurecount=0\n", "t.cf:1: ", "failurecount: '0' is not a positive integer" },
	{ "failurecount=1.5\n", "t.cf:1: ", "is not a positive integer" },
	{ "virtual=10.0.0.1:80\n\tautoreload=yes\n", "t.cf:2: ", "autoreload is a global option" },
	{ "request=\"/\"\n", "t.cf:1: ", "request is only allowed in a virtual section" },
	{ "\tvirtual=10.0.0.1:80\n", "t.cf:1: ", "virtual must start at the beginning" },
	{ "virtual=10.0.0.1:80\n\tchecktype=sometimes\n", "t.cf:2: ", "unknown check type 'sometimes'" },
	{ "virtual=10.0.0.1:80\n\tchecktype=0\n", "t.cf:2: ", "unknown check type '0'" },
	{ "virtual=10.0.0.1:80\n\tscheduler=fastest\n", "t.cf:2: ", "unknown scheduler 'fastest'" },
	{ "virtual=10.0.0.1:80\n\tservice=gopher\n", "t.cf:2: ", "unknown service 'gopher'" },
	{ "virtual=10.0.0.1:80\n\tprotocol=fwm\n", "t.cf:2: ", "fwm needs a fwmark virtual" },
	{ "virtual=3\n\tprotocol=tcp\n", "t.cf:2: ", "a fwmark virtual takes protocol fwm" },
	{ "virtual=10.0.0.1:80\n\tprotocol=sctp\n", "t.cf:2: ", "unknown protocol 'sctp'" },
	{ "virtual=10.0.0.1:80\n\tnetmask=255.0.255.0\n", "t.cf:2: ", "not a contiguous netmask" },
	{ "virtual=10.0.0.1:80\n\tnetmask=24\n", "t.cf:2: ", "bad netmask" },
	{ "virtual=10.0.0.1:80\n\thttpmethod=POST\n", "t.cf:2: ", "expected GET or HEAD" },
	{ "virtual=10.0.0.1:80\n\tcheckport=0\n", "t.cf:2: ", "checkport: port 0" },
	{ "virtual=10.0.0.1:80\n\tpersistent=forever\n", "t.cf:2: ", "persistent: 'forever' is not a number" },
	{ "logfile=\"ldirectord.log\"\n", "t.cf:1: ", "neither an absolute path nor a syslog facility" },
	{ "emailalertstatus=none,starting\n", "t.cf:1: ", "'none' cannot be combined" },
	{ "emailalertstatus=sometimes\n", "t.cf:1: ", "unknown state 'sometimes'" },
	{ "fallback=127.0.0.1:80 masq extra\n", "t.cf:1: ", "fallback: expected ip:port" },
	{ "fallback=127.0.0.1:80 tunnel\n", "t.cf:1: ", "unknown forwarding method 'tunnel'" },
	{ "checktimeout\n", "t.cf:1: ", "expected '=' after 'checktimeout'" },
	{ "checktimeout=\n", "t.cf:1: ", "checktimeout: missing value" },
	{ "checktimeout= # nothing\n", "t.cf:1: ", "checktimeout: missing value" },
	{ "= 3\n", "t.cf:1: ", "expected 'option = value'" },
	{ "virtual=0\n", "t.cf:1: ", "bad firewall mark '0'" },
	{ "virtual=10.0.0.1:80 10.0.0.2:80\n", "t.cf:1: ", "virtual: expected ip:port" },
	{ "\ntimeout=900 120\n", "t.cf:2: ", "timeout: expected three values, tcp tcpfin udp" },
	{ "timeout=900 120 300 5\n", "t.cf:1: ", "timeout: more than three values" },
	{ "timeout=900 2m 300\n", "t.cf:1: ", "timeout: tcpfin '2m' is not a number of seconds from 0 to 2147483" },
	{ "timeout=900 120 2147484\n", "t.cf:1: ", "timeout: udp '2147484' is not a number" },
	{ "timeout=-1 120 300\n", "t.cf:1: ", "timeout: tcp '-1' is not a number" },
	{ "virtual=10.0.0.1:80\n\ttimeout=1 2 3\n", "t.cf:2: ", "timeout" },
};

static void test_bad_files(void **state)
{
	struct ld_config cfg;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];

		memset(&cfg, 0x5a, sizeof(cfg));
		errbuf[0] = '\0';
		rc = ld_config_parse_string("t.cf", c->text, &cfg, errbuf,
					    sizeof(errbuf));
		if (rc != -EINVAL)
			fail_msg("case %zu (%s): rc %d, want -EINVAL (err '%s')",
				 i, c->what, rc, errbuf);
		if (strncmp(errbuf, c->where, strlen(c->where)) ||
		    !strstr(errbuf, c->what))
			fail_msg("case %zu: got '%s', want '%s...%s'", i, errbuf,
				 c->where, c->what);
		/* nothing is returned on failure */
		assert_null(cfg.virtuals);
		assert_int_equal(cfg.nvirtuals, 0);
		assert_null(cfg.warnings);
		assert_null(cfg.path);
	}
}

static void test_load_broken_file(void **state)
{
	struct ld_config cfg;
	const char *path = test_data("ldirectord", "broken.cf");
	char want[PATH_MAX + 64];
	int rc;

	rc = ld_config_load(path, &cfg, errbuf, sizeof(errbuf));
	assert_int_equal(rc, -EINVAL);
	snprintf(want, sizeof(want), "%s:6: unknown option 'reel'", path);
	assert_string_equal(errbuf, want);
	assert_null(cfg.virtuals);
}

static void test_load_missing_file(void **state)
{
	struct ld_config cfg;
	int rc;

	rc = ld_config_load("/nonexistent/ldirectord.cf", &cfg, errbuf,
			    sizeof(errbuf));
	assert_int_equal(rc, -ENOENT);
	assert_non_null(strstr(errbuf, "/nonexistent/ldirectord.cf: "));
	assert_null(cfg.virtuals);
}

static void test_names(void **state)
{
	assert_string_equal(ld_fwd_name(LD_FWD_GATE), "gate");
	assert_string_equal(ld_fwd_name(LD_FWD_MASQ), "masq");
	assert_string_equal(ld_checktype_name(LD_CHECK_EXTERNAL_PERL), "external-perl");
	assert_string_equal(ld_checktype_name(LD_CHECK_COMBINED), "combined");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_http_masq),
		cmocka_unit_test(test_sample),
		cmocka_unit_test(test_inheritance),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_own_keys),
		cmocka_unit_test(test_service_from_port),
		cmocka_unit_test(test_comments_and_quotes),
		cmocka_unit_test(test_globals_after_sections),
		cmocka_unit_test(test_fwmark_and_ipv6),
		cmocka_unit_test(test_warnings_once),
		cmocka_unit_test(test_loopback_fallback_gate_not_warned),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_load_broken_file),
		cmocka_unit_test(test_load_missing_file),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests_name("ldirectord", tests, NULL, NULL);
}
