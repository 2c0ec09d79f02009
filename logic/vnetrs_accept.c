// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: acceptance rules (see vnetrs_accept.h).
 */
#include "vnetrs_accept.h"

const char *vnetrs_verdict2str(enum vnetrs_verdict v)
{
	switch (v) {
	case VNETRS_ACCEPTED:
		return "accepted";
	case VNETRS_REJECT_OVERLAPS_VNET:
		return "overlaps-vnet";
	case VNETRS_REJECT_AS_LOOP:
		return "as-loop";
	case VNETRS_REJECT_NEXTHOP_OUTSIDE_VNET:
		return "nexthop-outside-vnet";
	case VNETRS_REJECT_ROUTE_LIMIT:
		return "route-limit";
	case VNETRS_REJECT_LOST_PREFERENCE:
		return "lost-preference";
	}
	return "unknown";
}

enum vnetrs_verdict vnetrs_accept(const struct vnetrs_route_in *r,
				  const struct vnetrs_prefix *aspaces,
				  size_t n_aspaces, uint32_t local_as,
				  bool check_nexthop)
{
	bool nh_inside = false;

	/* The VNet knows its own address spaces better than any peer: a
	 * route for them, or for a part of them, would steal VNet traffic. */
	for (size_t i = 0; i < n_aspaces; i++)
		if (vnetrs_prefix_covers(&aspaces[i], &r->prefix))
			return VNETRS_REJECT_OVERLAPS_VNET;

	for (size_t i = 0; i < r->as_path_len; i++)
		if (r->as_path[i] == local_as)
			return VNETRS_REJECT_AS_LOOP;

	if (!check_nexthop)
		return VNETRS_ACCEPTED;
	/* The SDN can only send traffic to an address inside the VNet. */
	if (r->nexthop.family)
		for (size_t i = 0; i < n_aspaces && !nh_inside; i++)
			nh_inside = vnetrs_prefix_covers(&aspaces[i],
							 &r->nexthop);
	return nh_inside ? VNETRS_ACCEPTED : VNETRS_REJECT_NEXTHOP_OUTSIDE_VNET;
}
