// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the convergence rule that holds SDN snapshots after a
 * start (logic/vnetrs_converge.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "logic/vnetrs_converge.h"

#define UNUSED __attribute__((unused))

static const struct vnetrs_conv_params *D = &vnetrs_conv_defaults;

static bool conv(const struct vnetrs_conv_peer *p, size_t n, uint64_t ms,
		 bool busy, long *waiting)
{
	const char *why = NULL;
	bool done = vnetrs_converged(D, p, n, ms, busy, waiting, &why);

	if (done)
		assert_non_null(why);
	return done;
}

static void no_peer_converges_at_once(void **state UNUSED)
{
	long w;

	assert_true(conv(NULL, 0, 0, false, &w));
	assert_int_equal(w, -1);
}

static void busy_holds_it_back(void **state UNUSED)
{
	long w;

	assert_false(conv(NULL, 0, 100, true, &w));
	assert_int_equal(w, -1);
	/* ... but not past the time limit. */
	assert_true(conv(NULL, 0, VNETRS_CONV_MAX_WAIT_MS, true, &w));
}

static void end_of_rib_ends_the_wait(void **state UNUSED)
{
	struct vnetrs_conv_peer p[2] = {
		{.session = VNETRS_CONV_UP, .eor_expected = true, .eor = true},
		{.session = VNETRS_CONV_UP, .eor_expected = true,
		 .quiet_ms = 30000},
	};
	long w;

	/* The second is quiet but announced End-of-RIB: waited for. */
	assert_false(conv(p, 2, 1000, false, &w));
	assert_int_equal(w, 1);
	p[1].eor = true;
	assert_true(conv(p, 2, 1000, false, &w));
}

static void peer_without_graceful_restart_needs_quiet(void **state UNUSED)
{
	struct vnetrs_conv_peer p = {.session = VNETRS_CONV_UP,
				     .quiet_ms = VNETRS_CONV_QUIET_MS - 1};
	long w;

	assert_false(conv(&p, 1, 5000, false, &w));
	assert_int_equal(w, 0);
	p.quiet_ms = VNETRS_CONV_QUIET_MS;
	assert_true(conv(&p, 1, 5000, false, &w));
}

static void down_peer_waited_for_until_connect_wait(void **state UNUSED)
{
	struct vnetrs_conv_peer p[2] = {
		{.session = VNETRS_CONV_UP, .eor = true},
		{.session = VNETRS_CONV_DOWN},
	};
	long w;

	assert_false(conv(p, 2, VNETRS_CONV_CONNECT_WAIT_MS - 1, false, &w));
	assert_int_equal(w, 1);
	assert_true(conv(p, 2, VNETRS_CONV_CONNECT_WAIT_MS, false, &w));
}

static void opening_peer_waited_for_until_the_limit(void **state UNUSED)
{
	struct vnetrs_conv_peer p = {.session = VNETRS_CONV_OPENING};
	long w;

	assert_false(conv(&p, 1, VNETRS_CONV_CONNECT_WAIT_MS + 1, false, &w));
	assert_int_equal(w, 0);
	assert_true(conv(&p, 1, VNETRS_CONV_MAX_WAIT_MS, false, &w));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(no_peer_converges_at_once),
		cmocka_unit_test(busy_holds_it_back),
		cmocka_unit_test(end_of_rib_ends_the_wait),
		cmocka_unit_test(peer_without_graceful_restart_needs_quiet),
		cmocka_unit_test(down_peer_waited_for_until_connect_wait),
		cmocka_unit_test(opening_peer_waited_for_until_the_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
