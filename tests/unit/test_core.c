// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of vnetrs' pure decision code: no bgpd needed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "logic/vnetrs_asn.h"
#include "logic/vnetrs_prefix.h"

static struct vnetrs_prefix P(const char *s)
{
	struct vnetrs_prefix p;
	char err[128];

	assert_int_equal(vnetrs_prefix_parse(s, &p, err, sizeof(err)), 0);
	return p;
}

static void parse_error(const char *s, const char *expect)
{
	struct vnetrs_prefix p;
	char err[128] = "";

	assert_int_equal(vnetrs_prefix_parse(s, &p, err, sizeof(err)), -1);
	if (!strstr(err, expect))
		fail_msg("'%s': error '%s' does not say '%s'", s, err, expect);
}

static void test_prefix_parse_valid(void **state __attribute__((unused)))
{
	char buf[VNETRS_PREFIX_STRLEN];
	struct vnetrs_prefix p = P("10.1.0.0/16");

	assert_int_equal(p.family, VNETRS_AF_INET);
	assert_int_equal(p.len, 16);
	assert_string_equal(vnetrs_prefix2str(&p, buf, sizeof(buf)),
			    "10.1.0.0/16");

	p = P("0.0.0.0/0");
	assert_string_equal(vnetrs_prefix2str(&p, buf, sizeof(buf)),
			    "0.0.0.0/0");

	p = P("2001:DB8:0:0::/64");
	assert_int_equal(p.family, VNETRS_AF_INET6);
	assert_string_equal(vnetrs_prefix2str(&p, buf, sizeof(buf)),
			    "2001:db8::/64");

	p = P("10.1.2.4/32");
	assert_int_equal(p.len, 32);
	p = P("::/0");
	assert_int_equal(p.len, 0);
}

static void test_prefix_parse_invalid(void **state __attribute__((unused)))
{
	parse_error("10.1.0.0", "not a prefix");
	parse_error("/16", "not a prefix");
	parse_error("10.1.0/16", "not a valid");
	parse_error("10.1.0.256/24", "not a valid");
	parse_error("10.1.0.0/33", "0 to 32");
	parse_error("10.1.0.0/", "no prefix length");
	parse_error("10.1.0.0/1x", "0 to 32");
	parse_error("2001:db8::/129", "0 to 128");
	parse_error("10.1.0.1/16", "did you mean 10.1.0.0/16");
	parse_error("2001:db8::1/64", "did you mean 2001:db8::/64");
	parse_error("10.1.128.0/17x", "0 to 32");
	parse_error(NULL, "not a prefix");
}

static void test_prefix_covers_overlaps(void **state __attribute__((unused)))
{
	struct vnetrs_prefix a = P("10.1.0.0/16"), b = P("10.1.5.0/24"),
			     c = P("10.2.0.0/16"), d = P("0.0.0.0/0"),
			     e = P("10.0.0.0/15"), v6 = P("2001:db8::/32"),
			     v6b = P("2001:db8:1::/48");

	assert_true(vnetrs_prefix_covers(&a, &b));
	assert_false(vnetrs_prefix_covers(&b, &a));
	assert_true(vnetrs_prefix_covers(&a, &a));
	assert_false(vnetrs_prefix_covers(&a, &c));
	assert_true(vnetrs_prefix_covers(&d, &a));
	/* 10.0.0.0/15 holds 10.0.0.0 - 10.1.255.255. */
	assert_true(vnetrs_prefix_covers(&e, &a));
	assert_false(vnetrs_prefix_covers(&e, &c));

	assert_true(vnetrs_prefix_overlaps(&a, &b));
	assert_true(vnetrs_prefix_overlaps(&b, &a));
	assert_false(vnetrs_prefix_overlaps(&a, &c));
	assert_true(vnetrs_prefix_overlaps(&v6, &v6b));
	/* Families never overlap, not even the two default routes. */
	assert_false(vnetrs_prefix_overlaps(&d, &v6));
	assert_true(vnetrs_prefix_equal(&a, &a));
	assert_false(vnetrs_prefix_equal(&a, &e));
}

/* The order tables are sorted and searched by: family, then the address
 * byte by byte (the first byte most significant, in either 64-bit half),
 * then the length. */
static void test_prefix_order(void **state __attribute__((unused)))
{
	static const char *const sorted[] = {
		"0.0.0.0/0",	   "10.0.0.0/8",      "10.0.0.0/16",
		"10.0.1.0/24",	   "10.0.255.0/24",   "10.1.0.0/16",
		"192.0.2.0/24",	   "255.255.255.255/32",
		"::/0",		   "2001:db8::/32",   "2001:db8::/64",
		"2001:db8::1:0:0/96", "2001:db8:0:1::/64", "2001:db9::/32",
		"fe80::/64",	   "ffff::/16",
	};
	size_t n = sizeof(sorted) / sizeof(sorted[0]);

	for (size_t i = 0; i < n; i++) {
		struct vnetrs_prefix a = P(sorted[i]);

		assert_int_equal(vnetrs_prefix_cmp(&a, &a), 0);
		assert_true(vnetrs_prefix_equal(&a, &a));
		for (size_t j = i + 1; j < n; j++) {
			struct vnetrs_prefix b = P(sorted[j]);

			if (vnetrs_prefix_cmp(&a, &b) >= 0 ||
			    vnetrs_prefix_cmp(&b, &a) <= 0)
				fail_msg("%s is not before %s", sorted[i],
					 sorted[j]);
			assert_false(vnetrs_prefix_equal(&a, &b));
		}
	}
}

/* The hash keys the module's effective table: equal prefixes hash alike,
 * and a full table of neighbouring prefixes spreads over the top bits
 * (FRR's typesafe hashes take the bucket from them). */
static void test_prefix_hash(void **state __attribute__((unused)))
{
	enum { SHIFT = 18, N = 1 << SHIFT };
	static uint16_t buckets[N];
	struct vnetrs_prefix a = P("10.1.2.0/24"), b = P("10.1.2.0/24");
	struct vnetrs_prefix c = P("10.1.2.0/23"), d = P("2001:db8::/64");
	struct vnetrs_prefix e = P("2001:db8:0:0:1::/80");
	size_t used = 0, most = 0;

	assert_int_equal(vnetrs_prefix_hash(&a), vnetrs_prefix_hash(&b));
	assert_int_not_equal(vnetrs_prefix_hash(&a), vnetrs_prefix_hash(&c));
	assert_int_not_equal(vnetrs_prefix_hash(&d), vnetrs_prefix_hash(&e));

	/* 2^18 /24s of 10.0.0.0/8 and beyond, as many buckets: a uniform
	 * hash leaves about 1/e of them empty and none with many. */
	memset(buckets, 0, sizeof(buckets));
	for (uint32_t i = 0; i < N; i++) {
		struct vnetrs_prefix p = {.family = VNETRS_AF_INET, .len = 24};
		uint32_t net = (10u << 24) + (i << 8);

		p.addr[0] = (uint8_t)(net >> 24);
		p.addr[1] = (uint8_t)(net >> 16);
		p.addr[2] = (uint8_t)(net >> 8);
		buckets[vnetrs_prefix_hash(&p) >> (32 - SHIFT)]++;
	}
	for (size_t i = 0; i < N; i++) {
		used += buckets[i] > 0;
		most = buckets[i] > most ? buckets[i] : most;
	}
	if (used < N / 2 || most > 12)
		fail_msg("%zu of %d buckets used, at most %zu in one", used, N,
			 most);
}

static void test_prefix_reserved(void **state __attribute__((unused)))
{
	static const char *const refused[] = {
		"0.0.0.0/8",	   "127.0.0.0/8",      "169.254.0.0/16",
		"224.0.0.0/4",	   "239.1.0.0/16",     "240.0.0.0/4",
		"255.255.255.255/32", "168.63.129.16/32", "168.63.0.0/16",
		"::/128",	   "::1/128",	       "::ffff:0:0/96",
		"fe80::/10",	   "ff02::/16",
	};
	static const char *const accepted[] = {
		"10.1.0.0/16",	  "192.168.0.0/24", "100.64.0.0/10",
		"172.16.0.0/12",  "168.63.130.0/24", "2001:db8:1::/48",
		"fd00::/8",
	};
	struct vnetrs_prefix p, range;

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		p = P(refused[i]);
		if (!vnetrs_prefix_reserved(&p, &range))
			fail_msg("%s is not refused", refused[i]);
		assert_true(vnetrs_prefix_overlaps(&p, &range));
	}
	for (size_t i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
		p = P(accepted[i]);
		if (vnetrs_prefix_reserved(&p, NULL))
			fail_msg("%s is refused: %s", accepted[i],
				 vnetrs_prefix_reserved(&p, NULL));
	}
}

static void test_asn_reserved(void **state __attribute__((unused)))
{
	static const uint32_t reserved[] = {0,     8074,  8075,  12076, 23456,
					    64496, 64511, 65517, 65520, 65535,
					    65536, 65551, 4294967295u};
	static const uint32_t usable[] = {1,	 8073,	8076,  12075, 12077,
					  64495, 64512, 65001, 65515, 65516,
					  65521, 65534, 65552, 4200000000u};
	char err[192];

	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		assert_non_null(vnetrs_asn_reserved_reason(reserved[i]));
		assert_false(vnetrs_asn_check(reserved[i], 65515, true, err,
					      sizeof(err)));
		assert_non_null(strstr(err, "cannot be used"));
	}
	for (size_t i = 0; i < sizeof(usable) / sizeof(usable[0]); i++) {
		if (vnetrs_asn_reserved_reason(usable[i]))
			fail_msg("AS %u wrongly reserved", usable[i]);
	}
	assert_true(vnetrs_asn_check(65001, 65515, true, err, sizeof(err)));
	assert_true(vnetrs_asn_check(4200000000u, 65515, true, err,
				     sizeof(err)));
}

static void test_asn_local(void **state __attribute__((unused)))
{
	char err[192];

	assert_false(vnetrs_asn_check(65515, 65515, true, err, sizeof(err)));
	assert_non_null(strstr(err, "own AS"));
	/* iBGP peers (gateways) may share the local AS. */
	assert_true(vnetrs_asn_check(65515, 65515, false, err, sizeof(err)));
	/* Unknown local AS: only the reserved list applies. */
	assert_true(vnetrs_asn_check(65515, 0, true, err, sizeof(err)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefix_parse_valid),
		cmocka_unit_test(test_prefix_parse_invalid),
		cmocka_unit_test(test_prefix_covers_overlaps),
		cmocka_unit_test(test_prefix_order),
		cmocka_unit_test(test_prefix_hash),
		cmocka_unit_test(test_prefix_reserved),
		cmocka_unit_test(test_asn_reserved),
		cmocka_unit_test(test_asn_local),
	};

	return cmocka_run_group_tests_name("vnetrs core", tests, NULL, NULL);
}
