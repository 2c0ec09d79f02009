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
	/* The next hop is inside the VNet but no VM can send to it: an
	 * address space's network or broadcast address, or the route
	 * server's own address (it forwards nothing). */
	VNETRS_REJECT_NEXTHOP_UNUSABLE,
	/* The peer sent more routes than route-limit allows. */
	VNETRS_REJECT_ROUTE_LIMIT,
	/* Accepted, but another source won the prefix (routing-preference). */
	VNETRS_REJECT_LOST_PREFERENCE,
	/* The rules accept it; the user's route-map on the peer denies it. */
	VNETRS_REJECT_USER_POLICY,
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

/* What the rules compare a route with. */
struct vnetrs_accept_ctx {
	/* The VNet's own and peered address spaces (a next hop in a peered
	 * VNet is reachable over the peering). */
	const struct vnetrs_prefix *aspaces;
	size_t n_aspaces;
	/* Every AS the route server presents: its own, and a neighbor's
	 * local-as. A path through any of them is a loop. */
	const uint32_t *local_as;
	size_t n_local_as;
	/* The route server's own addresses (host prefixes). */
	const struct vnetrs_prefix *self;
	size_t n_self;
	/* false for peers whose next hops are not VNet addresses
	 * (gateways). */
	bool check_nexthop;
};

/*
 * Apply the acceptance rules, in this order: overlaps-vnet, as-loop,
 * nexthop-outside-vnet, nexthop-unusable.
 */
enum vnetrs_verdict vnetrs_accept(const struct vnetrs_route_in *r,
				  const struct vnetrs_accept_ctx *ctx);

/*
 * Can a VM send to host, an address inside space? Not to the space's
 * network address, nor to its broadcast address (IPv4), for spaces where
 * those are not hosts (shorter than /31, /127).
 */
bool vnetrs_nexthop_usable_in(const struct vnetrs_prefix *space,
			      const struct vnetrs_prefix *host);

#endif /* VNETRS_ACCEPT_H */
