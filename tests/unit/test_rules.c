// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the route rules: acceptance with reason codes, and the
 * choice among paths (routing preference, AS-path length, ECMP).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "logic/vnetrs_accept.h"
#include "logic/vnetrs_choice.h"
#include "logic/vnetrs_exchange.h"
#include "logic/vnetrs_prefix.h"

#define UNUSED __attribute__((unused))

static struct vnetrs_prefix P(const char *s)
{
	struct vnetrs_prefix p;
	char err[128];

	assert_int_equal(vnetrs_prefix_parse(s, &p, err, sizeof(err)), 0);
	return p;
}

/* VNet 10.1.0.0/16, peered 10.2.0.0/16, IPv6 2001:db8:1::/48; AS 65515,
 * presented as 65100 too (a neighbor's local-as); the route server at
 * 10.1.0.4 and 2001:db8:1::a. */
static struct vnetrs_prefix aspaces[3];
static struct vnetrs_prefix self[2];
static const uint32_t local_as[] = {65515, 65100};

static struct vnetrs_accept_ctx ctx(size_t n_aspaces, bool check_nexthop)
{
	return (struct vnetrs_accept_ctx){
		.aspaces = aspaces,
		.n_aspaces = n_aspaces,
		.local_as = local_as,
		.n_local_as = 2,
		.self = self,
		.n_self = 2,
		.check_nexthop = check_nexthop,
	};
}

static int setup_aspaces(void **state UNUSED)
{
	aspaces[0] = P("10.1.0.0/16");
	aspaces[1] = P("10.2.0.0/16");
	aspaces[2] = P("2001:db8:1::/48");
	self[0] = P("10.1.0.4/32");
	self[1] = P("2001:db8:1::a/128");
	return 0;
}

static enum vnetrs_verdict judge(const char *prefix, const char *nexthop,
				 const uint32_t *path, size_t len)
{
	struct vnetrs_route_in r = {
		.prefix = P(prefix),
		.as_path = path,
		.as_path_len = len,
	};

	if (nexthop)
		r.nexthop = P(nexthop);
	struct vnetrs_accept_ctx c = ctx(3, true);

	return vnetrs_accept(&r, &c);
}

static void test_accept_valid_routes(void **state UNUSED)
{
	static const uint32_t p1[] = {65001};
	static const uint32_t p2[] = {65002, 65002, 65002};

	/* The overview: on-premises via SD-WAN, default via the firewall. */
	assert_int_equal(judge("10.250.0.0/16", "10.1.1.4/32", p1, 1),
			 VNETRS_ACCEPTED);
	assert_int_equal(judge("0.0.0.0/0", "10.1.1.5/32", p2, 3),
			 VNETRS_ACCEPTED);
	/* A supernet of the VNet is not "equal or longer". */
	assert_int_equal(judge("10.0.0.0/8", "10.1.1.4/32", p1, 1),
			 VNETRS_ACCEPTED);
	/* Next hop in a peered VNet, IPv6 route and next hop. */
	assert_int_equal(judge("10.251.0.0/16", "10.2.0.9/32", p1, 1),
			 VNETRS_ACCEPTED);
	assert_int_equal(judge("2001:db8:99::/48", "2001:db8:1::4/128", p1, 1),
			 VNETRS_ACCEPTED);
	/* An empty AS path (iBGP gateway) has no loop. */
	assert_int_equal(judge("10.252.0.0/16", "10.1.254.4/32", NULL, 0),
			 VNETRS_ACCEPTED);
}

static void test_reject_overlaps_vnet(void **state UNUSED)
{
	static const uint32_t p1[] = {65001};

	assert_int_equal(judge("10.1.0.0/16", "10.1.1.4/32", p1, 1),
			 VNETRS_REJECT_OVERLAPS_VNET);
	assert_int_equal(judge("10.1.5.0/24", "10.1.1.4/32", p1, 1),
			 VNETRS_REJECT_OVERLAPS_VNET);
	assert_int_equal(judge("10.2.3.4/32", "10.1.1.4/32", p1, 1),
			 VNETRS_REJECT_OVERLAPS_VNET);
	assert_int_equal(judge("2001:db8:1:5::/64", "2001:db8:1::4/128", p1,
			       1),
			 VNETRS_REJECT_OVERLAPS_VNET);
	assert_string_equal(vnetrs_verdict2str(VNETRS_REJECT_OVERLAPS_VNET),
			    "overlaps-vnet");
}

static void test_reject_as_loop(void **state UNUSED)
{
	static const uint32_t loop[] = {65001, 65515, 65010};
	static const uint32_t last[] = {65001, 65515};

	assert_int_equal(judge("10.250.0.0/16", "10.1.1.4/32", loop, 3),
			 VNETRS_REJECT_AS_LOOP);
	assert_int_equal(judge("10.250.0.0/16", "10.1.1.4/32", last, 2),
			 VNETRS_REJECT_AS_LOOP);
	assert_string_equal(vnetrs_verdict2str(VNETRS_REJECT_AS_LOOP),
			    "as-loop");
}

/* Every AS the route server presents counts: a neighbor's local-as too. */
static void test_reject_as_loop_local_as(void **state UNUSED)
{
	static const uint32_t via_local_as[] = {65001, 65100};
	static const uint32_t other[] = {65001, 65101};

	assert_int_equal(judge("10.250.0.0/16", "10.1.1.4/32", via_local_as,
			       2),
			 VNETRS_REJECT_AS_LOOP);
	assert_int_equal(judge("10.250.0.0/16", "10.1.1.4/32", other, 2),
			 VNETRS_ACCEPTED);
}

/* Inside the VNet, but no VM can send there. */
static void test_reject_nexthop_unusable(void **state UNUSED)
{
	static const uint32_t p1[] = {65001};
	struct vnetrs_prefix s31 = P("10.9.0.0/31"), h = P("10.9.0.0/32");

	/* The address space's network and broadcast addresses. */
	assert_int_equal(judge("10.250.0.0/16", "10.1.0.0/32", p1, 1),
			 VNETRS_REJECT_NEXTHOP_UNUSABLE);
	assert_int_equal(judge("10.250.0.0/16", "10.1.255.255/32", p1, 1),
			 VNETRS_REJECT_NEXTHOP_UNUSABLE);
	assert_int_equal(judge("10.250.0.0/16", "10.2.255.255/32", p1, 1),
			 VNETRS_REJECT_NEXTHOP_UNUSABLE);
	assert_int_equal(judge("2001:db8:99::/48", "2001:db8:1::/128", p1, 1),
			 VNETRS_REJECT_NEXTHOP_UNUSABLE);
	/* IPv6 has no broadcast: the all-ones address is a host. */
	assert_int_equal(judge("2001:db8:99::/48",
			       "2001:db8:1:ffff:ffff:ffff:ffff:ffff/128", p1,
			       1),
			 VNETRS_ACCEPTED);
	/* The route server itself forwards nothing. */
	assert_int_equal(judge("10.250.0.0/16", "10.1.0.4/32", p1, 1),
			 VNETRS_REJECT_NEXTHOP_UNUSABLE);
	assert_int_equal(judge("2001:db8:99::/48", "2001:db8:1::a/128", p1, 1),
			 VNETRS_REJECT_NEXTHOP_UNUSABLE);
	/* Link-local: never inside an address space. */
	assert_int_equal(judge("2001:db8:99::/48", "fe80::1/128", p1, 1),
			 VNETRS_REJECT_NEXTHOP_OUTSIDE_VNET);
	/* A /31 has no network or broadcast address. */
	assert_true(vnetrs_nexthop_usable_in(&s31, &h));
	assert_string_equal(vnetrs_verdict2str(VNETRS_REJECT_NEXTHOP_UNUSABLE),
			    "nexthop-unusable");
	assert_string_equal(vnetrs_verdict2str(VNETRS_REJECT_USER_POLICY),
			    "user-policy");
}

static void test_reject_nexthop_outside(void **state UNUSED)
{
	static const uint32_t p1[] = {65001};

	assert_int_equal(judge("10.250.0.0/16", "192.0.2.1/32", p1, 1),
			 VNETRS_REJECT_NEXTHOP_OUTSIDE_VNET);
	/* No next hop at all, or one of the other family. */
	assert_int_equal(judge("10.250.0.0/16", NULL, p1, 1),
			 VNETRS_REJECT_NEXTHOP_OUTSIDE_VNET);
	assert_int_equal(judge("2001:db8:99::/48", "2001:db8:2::4/128", p1, 1),
			 VNETRS_REJECT_NEXTHOP_OUTSIDE_VNET);
	assert_string_equal(
		vnetrs_verdict2str(VNETRS_REJECT_NEXTHOP_OUTSIDE_VNET),
		"nexthop-outside-vnet");
}

static void test_reject_order_and_gateways(void **state UNUSED)
{
	static const uint32_t loop[] = {65515};
	struct vnetrs_route_in r = {
		.prefix = P("10.1.5.0/24"),
		.nexthop = P("192.0.2.1/32"),
		.as_path = loop,
		.as_path_len = 1,
	};
	struct vnetrs_accept_ctx all = ctx(3, true), gw = ctx(3, false),
				 none = ctx(0, true);

	/* Several faults: the first rule names the reason. */
	assert_int_equal(vnetrs_accept(&r, &all),
			 VNETRS_REJECT_OVERLAPS_VNET);
	r.prefix = P("10.250.0.0/16");
	assert_int_equal(vnetrs_accept(&r, &all),
			 VNETRS_REJECT_AS_LOOP);
	/* A gateway's next hop is not checked against the VNet. */
	r.as_path_len = 0;
	assert_int_equal(vnetrs_accept(&r, &gw),
			 VNETRS_ACCEPTED);
	/* No address space at all: every next hop is outside. */
	assert_int_equal(vnetrs_accept(&r, &none),
			 VNETRS_REJECT_NEXTHOP_OUTSIDE_VNET);
	assert_string_equal(vnetrs_verdict2str(VNETRS_REJECT_ROUTE_LIMIT),
			    "route-limit");
	assert_string_equal(vnetrs_verdict2str(VNETRS_REJECT_LOST_PREFERENCE),
			    "lost-preference");
}

/*
 * Which of the paths vnetrs_select_paths() chose, as a string of 0/1 in
 * the order given: each path gets its index as peer and next hop, so the
 * chosen ones can be found after they moved to the front.
 */
static const char *chosen(const struct vnetrs_path *in, size_t n,
			  enum vnetrs_preference pref)
{
	static char buf[32];
	struct vnetrs_path p[16];
	size_t count;

	for (size_t i = 0; i < n; i++) {
		p[i] = in[i];
		p[i].peer = (struct vnetrs_prefix){
			.family = VNETRS_AF_INET, .len = 32, .addr = {10, 0, 0, i}};
		p[i].nexthop = p[i].peer;
		buf[i] = '0';
	}
	buf[n] = '\0';
	count = vnetrs_select_paths(p, n, pref);
	for (size_t i = 0; i < count; i++)
		buf[p[i].peer.addr[3]] = '1';
	return buf;
}

#define NVA(len) {.role = VNETRS_ROLE_NVA, .as_path_len = (len)}
#define ER(len) {.role = VNETRS_ROLE_EXPRESSROUTE, .as_path_len = (len)}
#define VPN(len) {.role = VNETRS_ROLE_VPN, .as_path_len = (len)}

static void test_choose_ecmp_and_prepend(void **state UNUSED)
{
	/* Two SD-WAN instances, equal paths (different ASNs): ECMP. */
	struct vnetrs_path ecmp[] = {NVA(1), NVA(1)};
	/* Active-passive: the prepended instance loses. */
	struct vnetrs_path ap[] = {NVA(1), NVA(3)};
	struct vnetrs_path three[] = {NVA(2), NVA(2), NVA(4)};

	assert_string_equal(chosen(ecmp, 2, VNETRS_PREF_EXPRESSROUTE), "11");
	assert_string_equal(chosen(ap, 2, VNETRS_PREF_EXPRESSROUTE), "10");
	assert_string_equal(chosen(three, 3, VNETRS_PREF_AS_PATH), "110");
	assert_int_equal(vnetrs_select_paths(NULL, 0, VNETRS_PREF_AS_PATH), 0);
}

static void test_choose_preference(void **state UNUSED)
{
	struct vnetrs_path c[] = {ER(3), NVA(1)};
	struct vnetrs_path vpn_nva[] = {VPN(1), NVA(1), NVA(2), ER(1)};
	struct vnetrs_path tie[] = {NVA(2), ER(2)};
	struct vnetrs_path er_only[] = {ER(2), ER(2)};

	/* Default: ExpressRoute wins whatever its path length. */
	assert_string_equal(chosen(c, 2, VNETRS_PREF_EXPRESSROUTE), "10");
	/* vpn-nva: the NVA wins. */
	assert_string_equal(chosen(c, 2, VNETRS_PREF_VPN_NVA), "01");
	/* as-path: the shorter path wins whatever the source. */
	assert_string_equal(chosen(c, 2, VNETRS_PREF_AS_PATH), "01");
	/* VPN versus NVA: by AS-path length, equal lengths both. */
	assert_string_equal(chosen(vpn_nva, 4, VNETRS_PREF_VPN_NVA), "1100");
	/* Under as-path a tie goes to ExpressRoute. */
	assert_string_equal(chosen(tie, 2, VNETRS_PREF_AS_PATH), "01");
	/* A preferred class that is absent does not leave the prefix out. */
	assert_string_equal(chosen(er_only, 2, VNETRS_PREF_VPN_NVA), "11");
	assert_string_equal(chosen(c + 1, 1, VNETRS_PREF_EXPRESSROUTE), "1");
	assert_string_equal(vnetrs_preference2str(VNETRS_PREF_VPN_NVA),
			    "vpn-nva");
	assert_string_equal(vnetrs_role2str(VNETRS_ROLE_EXPRESSROUTE),
			    "expressroute");
}

static struct vnetrs_path PATH(enum vnetrs_role role, uint32_t len,
			       const char *peer, const char *nexthop)
{
	return (struct vnetrs_path){
		.role = role,
		.as_path_len = len,
		.peer = P(peer),
		.nexthop = P(nexthop),
	};
}

static void test_select_paths_ecmp_set(void **state UNUSED)
{
	/* Arrival order is not the programmed order: next hop sorts. */
	struct vnetrs_path p[] = {
		PATH(VNETRS_ROLE_NVA, 3, "10.1.1.9/32", "10.1.1.9/32"),
		PATH(VNETRS_ROLE_NVA, 1, "10.1.1.6/32", "10.1.1.6/32"),
		PATH(VNETRS_ROLE_NVA, 1, "10.1.1.5/32", "10.1.1.5/32"),
		/* Two peers announcing one load-balancer next hop. */
		PATH(VNETRS_ROLE_NVA, 1, "10.1.1.8/32", "10.1.1.100/32"),
		PATH(VNETRS_ROLE_NVA, 1, "10.1.1.7/32", "10.1.1.100/32"),
	};
	char buf[VNETRS_PREFIX_STRLEN];
	size_t n = vnetrs_select_paths(p, 5, VNETRS_PREF_EXPRESSROUTE);

	assert_int_equal(n, 4);
	assert_string_equal(vnetrs_prefix2str(&p[0].nexthop, buf, sizeof(buf)),
			    "10.1.1.5/32");
	assert_string_equal(vnetrs_prefix2str(&p[1].nexthop, buf, sizeof(buf)),
			    "10.1.1.6/32");
	assert_string_equal(vnetrs_prefix2str(&p[2].peer, buf, sizeof(buf)),
			    "10.1.1.7/32");
	assert_string_equal(vnetrs_prefix2str(&p[3].peer, buf, sizeof(buf)),
			    "10.1.1.8/32");
	/* The passive (prepended) path is kept behind the chosen ones. */
	assert_int_equal(p[4].as_path_len, 3);
	assert_int_equal(vnetrs_paths_nexthops(p, n), 3);
	assert_int_equal(vnetrs_paths_nexthops(p, 0), 0);
	assert_int_equal(vnetrs_select_paths(p, 0, VNETRS_PREF_AS_PATH), 0);
}

static void test_select_paths_preference(void **state UNUSED)
{
	struct vnetrs_path p[] = {
		PATH(VNETRS_ROLE_NVA, 1, "10.1.1.4/32", "10.1.1.4/32"),
		PATH(VNETRS_ROLE_EXPRESSROUTE, 3, "10.1.254.4/32",
		     "10.1.254.4/32"),
	};

	assert_int_equal(vnetrs_select_paths(p, 2, VNETRS_PREF_EXPRESSROUTE),
			 1);
	assert_int_equal(p[0].role, VNETRS_ROLE_EXPRESSROUTE);
	assert_int_equal(vnetrs_select_paths(p, 2, VNETRS_PREF_VPN_NVA), 1);
	assert_int_equal(p[0].role, VNETRS_ROLE_NVA);
	assert_int_equal(vnetrs_select_paths(p, 2, VNETRS_PREF_AS_PATH), 1);
	assert_int_equal(p[0].role, VNETRS_ROLE_NVA);
}

/* Do the paths of highest local preference equal the chosen ones? */
static bool local_pref_agrees(const struct vnetrs_path *in, size_t n,
			      enum vnetrs_preference pref)
{
	const char *want = chosen(in, n, pref);
	uint32_t best = 0;

	for (size_t i = 0; i < n; i++) {
		uint32_t lp =
			vnetrs_local_pref(pref, in[i].role, in[i].as_path_len);

		best = lp > best ? lp : best;
	}
	for (size_t i = 0; i < n; i++) {
		bool top = vnetrs_local_pref(pref, in[i].role,
					     in[i].as_path_len) == best;

		if (top != (want[i] == '1'))
			return false;
	}
	return true;
}

/*
 * bgpd's best path must be one the route server chose, whatever the mix:
 * every set of up to three paths (any role, AS paths of 0 to 3 hops).
 */
static void test_local_pref_equals_choice(void **state UNUSED)
{
	static const enum vnetrs_role roles[] = {
		VNETRS_ROLE_NVA, VNETRS_ROLE_EXPRESSROUTE, VNETRS_ROLE_VPN};
	enum { KINDS = 3 * 4 };
	struct vnetrs_path p[3] = {};

	for (enum vnetrs_preference pref = VNETRS_PREF_EXPRESSROUTE;
	     pref <= VNETRS_PREF_AS_PATH; pref++)
		for (size_t n = 1; n <= 3; n++)
			for (size_t k = 0; k < KINDS * KINDS * KINDS; k++) {
				size_t code = k;

				for (size_t i = 0; i < n; i++, code /= KINDS) {
					p[i].role = roles[code % KINDS / 4];
					p[i].as_path_len = code % 4;
				}
				assert_true(local_pref_agrees(p, n, pref));
			}
	/* Far beyond what a message carries, lengths still compare. */
	assert_true(
		vnetrs_local_pref(VNETRS_PREF_AS_PATH, VNETRS_ROLE_NVA, 16000) >
		vnetrs_local_pref(VNETRS_PREF_AS_PATH, VNETRS_ROLE_EXPRESSROUTE,
				  16001));
	assert_int_equal(vnetrs_local_pref(VNETRS_PREF_EXPRESSROUTE,
					   VNETRS_ROLE_EXPRESSROUTE, 2),
			 299996);
}

static void test_exchange_matrix(void **state UNUSED)
{
	enum vnetrs_role nva = VNETRS_ROLE_NVA, er = VNETRS_ROLE_EXPRESSROUTE,
			 vpn = VNETRS_ROLE_VPN;

	for (int b2b = 0; b2b <= 1; b2b++) {
		/* Address spaces go to everyone, NVA routes to NVAs. */
		assert_true(vnetrs_exchange(VNETRS_SOURCE_LOCAL, nva, b2b));
		assert_true(vnetrs_exchange(VNETRS_SOURCE_LOCAL, er, b2b));
		assert_true(vnetrs_exchange(VNETRS_SOURCE_LOCAL, vpn, b2b));
		assert_true(vnetrs_exchange(VNETRS_SOURCE_NVA, nva, b2b));
		/* Never back to the other instance of the same gateway, and
		 * nothing from neighbors outside the route server. */
		assert_false(vnetrs_exchange(VNETRS_SOURCE_EXPRESSROUTE, er,
					     b2b));
		assert_false(vnetrs_exchange(VNETRS_SOURCE_VPN, vpn, b2b));
		assert_false(vnetrs_exchange(VNETRS_SOURCE_OTHER, nva, b2b));
		/* Branch to branch: the toggle decides. */
		assert_int_equal(vnetrs_exchange(VNETRS_SOURCE_NVA, er, b2b),
				 b2b);
		assert_int_equal(vnetrs_exchange(VNETRS_SOURCE_NVA, vpn, b2b),
				 b2b);
		assert_int_equal(vnetrs_exchange(VNETRS_SOURCE_EXPRESSROUTE,
						 nva, b2b),
				 b2b);
		assert_int_equal(vnetrs_exchange(VNETRS_SOURCE_EXPRESSROUTE,
						 vpn, b2b),
				 b2b);
		assert_int_equal(vnetrs_exchange(VNETRS_SOURCE_VPN, er, b2b),
				 b2b);
		assert_int_equal(vnetrs_exchange(VNETRS_SOURCE_VPN, nva, b2b),
				 b2b);
	}
	assert_string_equal(vnetrs_source2str(vnetrs_role2source(vpn)), "vpn");
	assert_string_equal(vnetrs_source2str(VNETRS_SOURCE_LOCAL), "local");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accept_valid_routes),
		cmocka_unit_test(test_reject_overlaps_vnet),
		cmocka_unit_test(test_reject_as_loop),
		cmocka_unit_test(test_reject_as_loop_local_as),
		cmocka_unit_test(test_reject_nexthop_outside),
		cmocka_unit_test(test_reject_nexthop_unusable),
		cmocka_unit_test(test_reject_order_and_gateways),
		cmocka_unit_test(test_choose_ecmp_and_prepend),
		cmocka_unit_test(test_choose_preference),
		cmocka_unit_test(test_select_paths_ecmp_set),
		cmocka_unit_test(test_select_paths_preference),
		cmocka_unit_test(test_local_pref_equals_choice),
		cmocka_unit_test(test_exchange_matrix),
	};

	return cmocka_run_group_tests_name("vnetrs route rules", tests,
					   setup_aspaces, NULL);
}
