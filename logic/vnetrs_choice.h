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

#include "vnetrs_prefix.h"

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

/* One accepted path of a prefix, from a route-server peer. */
struct vnetrs_path {
	enum vnetrs_role role;
	uint32_t as_path_len;
	struct vnetrs_prefix peer;    /* the peer's address, host prefix */
	struct vnetrs_prefix nexthop; /* host prefix */
};

/*
 * The paths the SDN gets for one prefix. The routing preference picks the
 * class of source that may win (ExpressRoute, or VPN and NVA together; a
 * preferred class that is absent does not leave the prefix out); within
 * it the shortest AS path wins, and every path of that length is kept
 * (ECMP, whatever the neighbor AS). VPN versus NVA is therefore always
 * decided by AS-path length. The chosen paths move to the front of p,
 * ordered by next hop then peer (a stable order, so an unchanged set
 * compares equal); the others follow in their original order. Returns how
 * many were chosen (0 only when n is 0).
 */
size_t vnetrs_select_paths(struct vnetrs_path *p, size_t n,
			   enum vnetrs_preference pref);

/*
 * The local preference that makes bgpd's best path one vnetrs_select_paths()
 * chooses, for a path from a peer of role with an AS path of as_path_len
 * hops (aspath_count_hops): among a prefix's paths, those of the highest
 * local preference are exactly the chosen ones. bgpd compares local
 * preference before AS-path length, origin and eBGP/iBGP, so those cannot
 * overturn the choice; paths of equal local preference are all chosen, so
 * whatever bgpd's later tie-breakers pick is too. The preferred class gets
 * VNETRS_LOCAL_PREF_CLASS more; each hop costs 2; under as-path
 * ExpressRoute gets 1 more (it wins a tie of lengths).
 */
uint32_t vnetrs_local_pref(enum vnetrs_preference pref, enum vnetrs_role role,
			   uint32_t as_path_len);

#define VNETRS_LOCAL_PREF_BASE 100000
#define VNETRS_LOCAL_PREF_CLASS 200000
/* Hops beyond this compare equal; no BGP message can carry that many. */
#define VNETRS_LOCAL_PREF_HOPS_MAX 49999

/* Order of paths: next hop, then peer, then role and AS-path length. */
int vnetrs_path_cmp(const struct vnetrs_path *a, const struct vnetrs_path *b);

/* Among paths ordered by vnetrs_path_cmp, does p[i] start a next hop of
 * its own (one not seen in p[0..i-1])? Walks over the distinct next hops. */
bool vnetrs_paths_new_nexthop(const struct vnetrs_path *p, size_t i);

/* Distinct next hops among n paths ordered by vnetrs_path_cmp. */
size_t vnetrs_paths_nexthops(const struct vnetrs_path *p, size_t n);

const char *vnetrs_preference2str(enum vnetrs_preference pref);
/* "nva", "expressroute", "vpn" */
const char *vnetrs_role2str(enum vnetrs_role role);

#endif /* VNETRS_CHOICE_H */
