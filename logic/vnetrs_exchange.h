// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: the exchange matrix, which routes go to which kind of peer.
 *
 * SPEC §2: address spaces go to everyone; NVA routes go to other NVAs;
 * between NVAs and gateways, and between ExpressRoute and VPN, routes pass
 * only with branch-to-branch. Plain C, unit-tested.
 */
#ifndef VNETRS_EXCHANGE_H
#define VNETRS_EXCHANGE_H

#include <stdbool.h>

#include "vnetrs_choice.h"

/* Where a route the route server holds comes from. */
enum vnetrs_source {
	/* The route server itself: address spaces, own and peered. */
	VNETRS_SOURCE_LOCAL = 0,
	VNETRS_SOURCE_NVA,
	VNETRS_SOURCE_EXPRESSROUTE,
	VNETRS_SOURCE_VPN,
	/* A bgpd neighbor that is not a route-server peer. */
	VNETRS_SOURCE_OTHER,
};

enum vnetrs_source vnetrs_role2source(enum vnetrs_role role);
/* "local", "nva", "expressroute", "vpn", "other" */
const char *vnetrs_source2str(enum vnetrs_source src);

/* May a route from src be advertised to a peer of role to? */
bool vnetrs_exchange(enum vnetrs_source src, enum vnetrs_role to,
		     bool branch_to_branch);

#endif /* VNETRS_EXCHANGE_H */
