// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of vnetrs-agent's --connect syntax (agent/agent_transport.c):
 * a Unix socket path or tls://HOST[:PORT], what each becomes, and the
 * mistakes that must be configuration errors rather than connections that
 * never work.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "agent/agent_transport.h"

#define UNUSED __attribute__((unused))

static struct agent_endpoint parse_ok(const char *spec)
{
	struct agent_endpoint ep;
	char err[160];

	if (agent_endpoint_parse(&ep, spec, err, sizeof(err)) != 0)
		fail_msg("%s: %s", spec, err);
	return ep;
}

static void tls_ok(const char *spec, const char *host, const char *port,
		   bool is_ip)
{
	struct agent_endpoint ep = parse_ok(spec);

	assert_int_equal(ep.kind, AGENT_TP_TLS);
	assert_string_equal(ep.host, host);
	assert_string_equal(ep.port, port);
	assert_int_equal(ep.host_is_ip, is_ip);
	assert_ptr_equal(ep.spec, spec);
}

static void test_tls_urls(void **state UNUSED)
{
	tls_ok("tls://192.0.2.1:7179", "192.0.2.1", "7179", true);
	tls_ok("tls://192.0.2.1", "192.0.2.1", "7179", true);
	tls_ok("tls://[2001:db8::1]:7180", "2001:db8::1", "7180", true);
	tls_ok("tls://[2001:db8::1]", "2001:db8::1", "7179", true);
	tls_ok("tls://rs1.example:1", "rs1.example", "1", false);
	tls_ok("tls://rs1.example", "rs1.example", "7179", false);
}

static void test_unix_paths(void **state UNUSED)
{
	struct agent_endpoint ep = parse_ok("/run/frr/rs1-sdn.sock");

	assert_int_equal(ep.kind, AGENT_TP_UNIX);
	assert_string_equal(ep.spec, "/run/frr/rs1-sdn.sock");
	/* A relative path with a colon is still a path. */
	ep = parse_ok("rs1:sdn.sock");
	assert_int_equal(ep.kind, AGENT_TP_UNIX);
}

static void bad(const char *spec, const char *why)
{
	struct agent_endpoint ep;
	char err[160] = "";

	if (agent_endpoint_parse(&ep, spec, err, sizeof(err)) == 0)
		fail_msg("%s accepted", spec);
	if (!strstr(err, why))
		fail_msg("%s: '%s' lacks '%s'", spec, err, why);
}

static void test_mistakes(void **state UNUSED)
{
	bad("tls://2001:db8::1:7179", "in brackets");
	bad("tls://[2001:db8::1", "without ']'");
	bad("tls://[rs1.example]:7179", "not an IPv6 address");
	bad("tls://rs1.example:", "PORT");
	bad("tls://rs1.example:0", "PORT");
	bad("tls://rs1.example:65536", "PORT");
	bad("tls://rs1.example:80x", "PORT");
	bad("tls://[2001:db8::1]x", "PORT");
	bad("tls://:7179", "host");
	bad("tls://", "host");
	bad("https://rs1.example", "no other scheme");
	bad("", "socket path");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tls_urls),
		cmocka_unit_test(test_unix_paths),
		cmocka_unit_test(test_mistakes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
