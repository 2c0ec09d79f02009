// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: the VNet's address spaces, advertised as the route server's own
 * routes.
 *
 * They enter the BGP table as static routes, as "network" statements do,
 * but from a bgp_static the module owns: they appear in no "network" line,
 * and they follow "address-space" at once, with no session reset. The
 * route server has no route for the address space in its own RIB (the VNet
 * is the SDN's), so bgpd's import check must not hold them back.
 */
#include <zebra.h>

#include "bgpd/bgpd.h"
#include "bgpd/bgp_route.h"
#include "bgpd/bgp_table.h"

#include "vnetrs.h"
#include "vnetrs_compat_bgp.h"
#include "vnetrs_bgp.h"
#include "vnetrs_debug.h"
#include "vnetrs_instance.h"
#include "vnetrs_origin.h"

/* A "network" statement of the user's for the same prefix? */
static struct bgp_static *user_static(struct bgp *bgp, afi_t afi,
				      const struct prefix *p)
{
	struct bgp_dest *dest;
	struct bgp_static *st = NULL;

	dest = bgp_node_lookup(bgp->route[afi][SAFI_UNICAST], p);
	if (dest) {
		st = bgp_dest_get_bgp_static_info(dest);
		bgp_dest_unlock_node(dest);
	}
	return st;
}

void vnetrs_origin_update(struct vnetrs_instance *inst,
			  const struct vnetrs_aspace *aspace)
{
	struct bgp *bgp = vnetrs_instance_bgp(inst);
	afi_t afi = vnetrs_prefix_afi(&aspace->prefix);
	struct bgp_static st = {.label_index = BGP_INVALID_LABEL_INDEX};
	bool import_check;
	struct prefix p;

	if (!bgp)
		return;
	vnetrs_prefix_to_frr(&aspace->prefix, &p);
	/* The user's own "network" owns the path: leave it as configured. */
	if (user_static(bgp, afi, &p))
		return;
	import_check = CHECK_FLAG(bgp->flags, BGP_FLAG_IMPORT_CHECK);
	UNSET_FLAG(bgp->flags, BGP_FLAG_IMPORT_CHECK);
	bgp_static_update(bgp, &p, &st, afi, SAFI_UNICAST);
	if (import_check)
		SET_FLAG(bgp->flags, BGP_FLAG_IMPORT_CHECK);
	VNETRS_DEBUG(policy, "advertising address space %pFX", &p);
}

void vnetrs_origin_withdraw(struct vnetrs_instance *inst,
			    const struct vnetrs_aspace *aspace)
{
	struct bgp *bgp = vnetrs_instance_bgp(inst);
	afi_t afi = vnetrs_prefix_afi(&aspace->prefix);
	struct prefix p;

	if (!bgp)
		return;
	vnetrs_prefix_to_frr(&aspace->prefix, &p);
	if (user_static(bgp, afi, &p))
		return;
	vnetrs_static_withdraw(bgp, &p, afi, SAFI_UNICAST);
	VNETRS_DEBUG(policy, "withdrawing address space %pFX", &p);
}
