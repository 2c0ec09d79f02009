// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: which of several routes for one prefix the VNet's SDN gets.
 *
 * Longest match is the data plane's business (every prefix is programmed);
 * this decides among the paths of one prefix, by the route server's
 * routing preference and AS-path length, and keeps every path of the
 * winning length (ECMP, whatever the neighbor AS). Plain C, unit-tested.
 */
#ifndef VNETRS_CHOICE_H
#define VNETRS_CHOICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a route-server peer is, hence where its routes come from. */
enum vnetrs_role {
	VNETRS_ROLE_NVA = 0,
	VNETRS_ROLE_EXPRESSROUTE,
	VNETRS_ROLE_VPN,
};

enum vnetrs_preference {
	/* ExpressRoute over VPN and NVA (the default, as in Azure). */
	VNETRS_PREF_EXPRESSROUTE = 0,
	/* VPN and NVA over ExpressRoute. */
	VNETRS_PREF_VPN_NVA,
	/* Shortest AS path whatever the source; ExpressRoute breaks ties. */
	VNETRS_PREF_AS_PATH,
};

struct vnetrs_candidate {
	enum vnetrs_role role;	/* in */
	uint32_t as_path_len;	/* in: as bgpd counts it (a set counts 1) */
	bool selected;		/* out */
};

/*
 * Mark the candidates the SDN gets for this prefix. VPN versus NVA is
 * always decided by AS-path length; equal lengths are all kept (ECMP).
 * Returns how many were selected (0 only when n is 0).
 */
size_t vnetrs_choose(struct vnetrs_candidate *c, size_t n,
		     enum vnetrs_preference pref);

const char *vnetrs_preference2str(enum vnetrs_preference pref);
/* "nva", "expressroute", "vpn" */
const char *vnetrs_role2str(enum vnetrs_role role);

#endif /* VNETRS_CHOICE_H */
