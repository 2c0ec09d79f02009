// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: addresses of peers and gateway instances (see vnetrs_address.h).
 *
 * The rules once lived in the northbound callbacks on FRR's sockunion;
 * here they decide on struct vnetrs_prefix alone, for the unit tests.
 */
#include "vnetrs_address.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int vnetrs_address_parse(const char *str, struct vnetrs_prefix *a)
{
	memset(a, 0, sizeof(*a));
	if (!str)
		return -1;
	if (inet_pton(AF_INET, str, a->addr) == 1) {
		a->family = VNETRS_AF_INET;
		a->len = 32;
		return 0;
	}
	if (inet_pton(AF_INET6, str, a->addr) == 1) {
		a->family = VNETRS_AF_INET6;
		a->len = 128;
		return 0;
	}
	return -1;
}

bool vnetrs_address_same(const char *a, const char *b)
{
	struct vnetrs_prefix pa, pb;

	return vnetrs_address_parse(a, &pa) == 0 &&
	       vnetrs_address_parse(b, &pb) == 0 &&
	       vnetrs_prefix_equal(&pa, &pb);
}

static bool v4_unicast(const uint8_t *b)
{
	static const uint8_t bcast[4] = {255, 255, 255, 255};
	static const uint8_t zero[4];

	/* 0.0.0.0, 255.255.255.255, 224.0.0.0/4, 127.0.0.0/8 */
	return memcmp(b, zero, 4) != 0 && memcmp(b, bcast, 4) != 0 &&
	       (b[0] & 0xf0) != 224 && b[0] != 127;
}

static bool v6_unicast(const uint8_t *b)
{
	static const uint8_t mapped[12] = {[10] = 0xff, [11] = 0xff};
	static const uint8_t zero[15];

	/* ::, ::1, ff00::/8, ::ffff:0:0/96 */
	if (memcmp(b, zero, 15) == 0 && (b[15] == 0 || b[15] == 1))
		return false;
	return b[0] != 0xff && memcmp(b, mapped, 12) != 0;
}

/* fe80::/10 */
static bool v6_link_local(const uint8_t *b)
{
	return b[0] == 0xfe && (b[1] & 0xc0) == 0x80;
}

bool vnetrs_address_is_self(const struct vnetrs_prefix *a,
			    const struct vnetrs_address_self *self)
{
	return self->on_interface || vnetrs_prefix_equal(a, &self->router_id);
}

bool vnetrs_address_check(const char *what, const char *str,
			  const struct vnetrs_address_self *self, char *err,
			  size_t errlen)
{
	struct vnetrs_prefix a;
	bool v4;

	if (vnetrs_address_parse(str, &a) < 0) {
		snprintf(err, errlen, "%s %s: not an IP address", what, str);
		return false;
	}
	v4 = a.family == VNETRS_AF_INET;
	if (v4 ? !v4_unicast(a.addr) : !v6_unicast(a.addr)) {
		snprintf(err, errlen,
			 "%s %s: not a unicast address a BGP peer can use",
			 what, str);
		return false;
	}
	if (!v4 && v6_link_local(a.addr)) {
		snprintf(
			err, errlen,
			"%s %s: link-local addresses cannot be used: the route server peers over multihop BGP",
			what, str);
		return false;
	}
	if (self && vnetrs_address_is_self(&a, self)) {
		snprintf(err, errlen,
			 "%s %s: %s is an address of the route server itself",
			 what, str, str);
		return false;
	}
	return true;
}
