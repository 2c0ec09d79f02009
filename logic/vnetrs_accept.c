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
	case VNETRS_REJECT_NEXTHOP_UNUSABLE:
		return "nexthop-unusable";
	case VNETRS_REJECT_LOST_PREFERENCE:
		return "lost-preference";
	case VNETRS_REJECT_USER_POLICY:
		return "user-policy";
	}
	return "unknown";
}

/* Are the host bits of addr under space all equal to bit (0 or 1)? */
static bool host_bits_all(const struct vnetrs_prefix *space,
			  const struct vnetrs_prefix *addr, int bit)
{
	unsigned int bits = space->family == VNETRS_AF_INET ? 32 : 128;

	for (unsigned int i = space->len; i < bits; i++)
		if (((addr->addr[i / 8] >> (7 - i % 8)) & 1) != bit)
			return false;
	return true;
}

bool vnetrs_nexthop_usable_in(const struct vnetrs_prefix *space,
			      const struct vnetrs_prefix *host)
{
	unsigned int bits = space->family == VNETRS_AF_INET ? 32 : 128;

	/* A /31 or /32 (/127, /128) has no network or broadcast address. */
	if (space->len + 1u >= bits)
		return true;
	if (host_bits_all(space, host, 0))
		return false;
	return space->family != VNETRS_AF_INET ||
	       !host_bits_all(space, host, 1);
}

static enum vnetrs_verdict check_nexthop(const struct vnetrs_prefix *nh,
					 const struct vnetrs_accept_ctx *ctx)
{
	const struct vnetrs_prefix *space = NULL;

	/* The SDN can only send traffic to an address inside the VNet. */
	if (nh->family)
		for (size_t i = 0; i < ctx->n_aspaces && !space; i++)
			if (vnetrs_prefix_covers(&ctx->aspaces[i], nh))
				space = &ctx->aspaces[i];
	if (!space)
		return VNETRS_REJECT_NEXTHOP_OUTSIDE_VNET;
	if (!vnetrs_nexthop_usable_in(space, nh))
		return VNETRS_REJECT_NEXTHOP_UNUSABLE;
	/* The route server would be in the data path: it forwards nothing. */
	for (size_t i = 0; i < ctx->n_self; i++)
		if (vnetrs_prefix_equal(&ctx->self[i], nh))
			return VNETRS_REJECT_NEXTHOP_UNUSABLE;
	return VNETRS_ACCEPTED;
}

enum vnetrs_verdict vnetrs_accept(const struct vnetrs_route_in *r,
				  const struct vnetrs_accept_ctx *ctx)
{
	/* The VNet knows its own address spaces better than any peer: a
	 * route for them, or for a part of them, would steal VNet traffic. */
	for (size_t i = 0; i < ctx->n_aspaces; i++)
		if (vnetrs_prefix_covers(&ctx->aspaces[i], &r->prefix))
			return VNETRS_REJECT_OVERLAPS_VNET;
	for (size_t i = 0; i < r->as_path_len; i++)
		for (size_t j = 0; j < ctx->n_local_as; j++)
			if (r->as_path[i] == ctx->local_as[j])
				return VNETRS_REJECT_AS_LOOP;
	if (!ctx->check_nexthop)
		return VNETRS_ACCEPTED;
	return check_nexthop(&r->nexthop, ctx);
}
