// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: which routes the route server accepts from a peer, and why not.
 *
 * Plain C, unit-tested. The reason codes are the contract of the
 * "rejected-routes" show commands and YANG state (SPEC §2, §3).
 */
#ifndef VNETRS_ACCEPT_H
#define VNETRS_ACCEPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vnetrs_prefix.h"

enum vnetrs_verdict {
	VNETRS_ACCEPTED = 0,
	/* Equal to or longer than a VNet or peered address space. */
	VNETRS_REJECT_OVERLAPS_VNET,
	/* The route server's own AS is in the AS path. */
	VNETRS_REJECT_AS_LOOP,
	/* The next hop is outside every address space of the VNet. */
	VNETRS_REJECT_NEXTHOP_OUTSIDE_VNET,
	/* The peer sent more routes than route-limit allows. */
	VNETRS_REJECT_ROUTE_LIMIT,
	/* Accepted, but another source won the prefix (routing-preference). */
	VNETRS_REJECT_LOST_PREFERENCE,
};

/* The reason code shown to users: "overlaps-vnet", "as-loop", ... */
const char *vnetrs_verdict2str(enum vnetrs_verdict v);

/* A route as the acceptance rules see it. */
struct vnetrs_route_in {
	struct vnetrs_prefix prefix;
	/* Next hop as a host prefix (/32 or /128); len 0 and family 0 when
	 * the route has none. */
	struct vnetrs_prefix nexthop;
	/* Every AS number in the path, sets included, in any order. */
	const uint32_t *as_path;
	size_t as_path_len;
};

/*
 * Apply the acceptance rules, in this order: overlaps-vnet, as-loop,
 * nexthop-outside-vnet. aspaces holds the VNet's own and peered address
 * spaces (a next hop in a peered VNet is reachable over the peering).
 * check_nexthop is false for peers whose next hops are not VNet addresses
 * (gateways).
 */
enum vnetrs_verdict vnetrs_accept(const struct vnetrs_route_in *r,
				  const struct vnetrs_prefix *aspaces,
				  size_t n_aspaces, uint32_t local_as,
				  bool check_nexthop);

#endif /* VNETRS_ACCEPT_H */
