// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: which addresses a peer or a gateway instance may have.
 *
 * The route server creates bgpd neighbors for its NVA peers and gateway
 * instances itself, so it must refuse an address bgpd could not peer with
 * (not unicast, link-local, its own) with the reason. The rules are here,
 * plain C on struct vnetrs_prefix, so they are unit-tested without a bgpd;
 * the northbound only reads the configuration and the system for them.
 */
#ifndef VNETRS_ADDRESS_H
#define VNETRS_ADDRESS_H

#include <stdbool.h>
#include <stddef.h>

#include "vnetrs_prefix.h"

/* Parse a host address "A.B.C.D" or "X:X::X" into a /32 or /128. 0 or -1. */
int vnetrs_address_parse(const char *str, struct vnetrs_prefix *a);

/* Are a and b the same address (both parse)? */
bool vnetrs_address_same(const char *a, const char *b);

/*
 * What the route server knows of its own addresses, for one address asked
 * about: its router-id, and whether the address is on one of the
 * interfaces of its VRF (the caller reads the system for that).
 */
struct vnetrs_address_self {
	struct vnetrs_prefix router_id; /* a /32; family 0 when not known */
	bool on_interface;
};

/* Is a one of the route server's own addresses? */
bool vnetrs_address_is_self(const struct vnetrs_prefix *a,
			    const struct vnetrs_address_self *self);

/*
 * Can a BGP peer have the address str? "what" names the peer in the
 * message ("peer", "gateway vpn"). false with the reason in err: not an IP
 * address, not unicast (unspecified, broadcast, multicast, loopback,
 * IPv4-mapped), link-local, or, when self is given, an address of the
 * route server itself.
 */
bool vnetrs_address_check(const char *what, const char *str,
			  const struct vnetrs_address_self *self, char *err,
			  size_t errlen);

#endif /* VNETRS_ADDRESS_H */
