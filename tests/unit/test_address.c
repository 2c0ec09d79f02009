// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the address rules for peers and gateway instances
 * (logic/vnetrs_address.c): the messages are the ones the user reads when
 * a "peer" or "gateway" command is refused, so they are checked too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "logic/vnetrs_address.h"

#define UNUSED __attribute__((unused))

static void usable(const char *addr)
{
	char err[256] = "";

	if (!vnetrs_address_check("peer", addr, NULL, err, sizeof(err)))
		fail_msg("%s refused: %s", addr, err);
}

static void refused(const char *what, const char *addr,
		    const struct vnetrs_address_self *self, const char *expect)
{
	char err[256] = "";

	if (vnetrs_address_check(what, addr, self, err, sizeof(err)))
		fail_msg("%s %s accepted", what, addr);
	if (!strstr(err, expect))
		fail_msg("%s %s: '%s' does not say '%s'", what, addr, err,
			 expect);
}

static void parse_host_addresses(void **state UNUSED)
{
	struct vnetrs_prefix a;

	assert_int_equal(vnetrs_address_parse("10.1.0.4", &a), 0);
	assert_int_equal(a.family, VNETRS_AF_INET);
	assert_int_equal(a.len, 32);
	assert_int_equal(vnetrs_address_parse("2001:DB8::4", &a), 0);
	assert_int_equal(a.family, VNETRS_AF_INET6);
	assert_int_equal(a.len, 128);
	assert_int_equal(vnetrs_address_parse("10.1.0.300", &a), -1);
	assert_int_equal(vnetrs_address_parse("10.1.0", &a), -1);
	assert_int_equal(vnetrs_address_parse("10.1.0.4/32", &a), -1);
	assert_int_equal(vnetrs_address_parse("", &a), -1);
	assert_int_equal(vnetrs_address_parse(NULL, &a), -1);
}

static void same_address_whatever_the_spelling(void **state UNUSED)
{
	assert_true(vnetrs_address_same("2001:db8::4", "2001:DB8:0::4"));
	assert_true(vnetrs_address_same("10.1.0.4", "10.1.0.4"));
	assert_false(vnetrs_address_same("10.1.0.4", "10.1.0.5"));
	assert_false(vnetrs_address_same("10.1.0.4", "::ffff:10.1.0.4"));
	assert_false(vnetrs_address_same("bad", "bad"));
}

static void unicast_addresses_usable(void **state UNUSED)
{
	usable("10.1.0.20");
	usable("1.0.0.0");
	usable("223.255.255.254");
	usable("128.0.0.1");
	usable("2001:db8:1::20");
	usable("::2");
	usable("fec0::1"); /* site-local, deprecated but not link-local */
	usable("fe7f::1");
}

static void not_unicast_refused(void **state UNUSED)
{
	const char *bad[] = {
		"0.0.0.0",
		"255.255.255.255",
		"127.0.0.1",
		"127.255.0.9",
		"224.0.0.5",
		"239.255.255.255",
		"::",
		"::1",
		"ff02::1",
		"ff00::",
		"::ffff:10.1.0.20",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refused("peer", bad[i], NULL,
			"not a unicast address a BGP peer can use");
	refused("gateway expressroute", "224.0.0.1", NULL,
		"gateway expressroute 224.0.0.1: not a unicast address");
}

static void malformed_refused(void **state UNUSED)
{
	refused("peer", "10.1.0.300", NULL,
		"peer 10.1.0.300: not an IP address");
	refused("peer", "10.1.0.20/32", NULL, "not an IP address");
	refused("gateway vpn", "vpn1", NULL, "gateway vpn vpn1: not an IP");
}

static void link_local_refused(void **state UNUSED)
{
	refused("peer", "fe80::1", NULL,
		"peer fe80::1: link-local addresses cannot be used: the route server peers over multihop BGP");
	refused("peer", "febf:ffff::1", NULL, "link-local");
}

static void own_addresses_refused(void **state UNUSED)
{
	struct vnetrs_address_self self = {};
	char err[256];

	assert_int_equal(vnetrs_address_parse("10.1.0.4", &self.router_id), 0);
	refused("peer", "10.1.0.4", &self,
		"peer 10.1.0.4: 10.1.0.4 is an address of the route server itself");
	assert_true(vnetrs_address_check("peer", "10.1.0.5", &self, err,
					 sizeof(err)));
	assert_true(vnetrs_address_check("peer", "2001:db8::4", &self, err,
					 sizeof(err)));
	self.on_interface = true;
	refused("gateway expressroute", "2001:db8::4", &self,
		"2001:db8::4 is an address of the route server itself");
	/* Not unicast says more than "it is ours". */
	refused("peer", "127.0.0.1", &self, "not a unicast address");
}

static void self_without_router_id(void **state UNUSED)
{
	struct vnetrs_address_self self = {};
	struct vnetrs_prefix a;

	assert_int_equal(vnetrs_address_parse("0.0.0.0", &a), 0);
	assert_false(vnetrs_address_is_self(&a, &self));
	self.on_interface = true;
	assert_true(vnetrs_address_is_self(&a, &self));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_host_addresses),
		cmocka_unit_test(same_address_whatever_the_spelling),
		cmocka_unit_test(unicast_addresses_usable),
		cmocka_unit_test(not_unicast_refused),
		cmocka_unit_test(malformed_refused),
		cmocka_unit_test(link_local_refused),
		cmocka_unit_test(own_addresses_refused),
		cmocka_unit_test(self_without_router_id),
	};

	return cmocka_run_group_tests_name("vnetrs addresses", tests, NULL,
					   NULL);
}
