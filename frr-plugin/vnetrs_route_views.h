// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: the routes of a peer as the show commands explain them (vnetrs_route_views.c).
 */
#ifndef VNETRS_ROUTE_VIEWS_H
#define VNETRS_ROUTE_VIEWS_H

#include "vnetrs.h"

struct attr;
struct bgp;
struct bgp_dest;
struct prefix;

/* The routes of a peer as the show commands explain them
 * (vnetrs_route_views.c). */
struct vnetrs_route_view {
	struct vnetrs_peer *vp;
	const struct prefix *prefix;
	const struct attr *attr; /* as received, or as advertised */
	struct vnetrs_prefix nexthop;
	const char *reason; /* rejected: the reason code */
	const char *policy; /* rejected for user-policy: the route-map */
	bool effective;	    /* learned: among the programmed paths */
};
typedef void (*vnetrs_route_view_cb)(const struct vnetrs_route_view *v,
				     void *arg);
/* Routes received from peers (only: one peer, or all when NULL) and not
 * programmed. */
void vnetrs_rejected_walk(struct vnetrs_instance *inst,
			  const struct vnetrs_peer *only,
			  vnetrs_route_view_cb cb, void *arg);
void vnetrs_learned_walk(struct vnetrs_peer *vp, vnetrs_route_view_cb cb,
			 void *arg);
void vnetrs_advertised_walk(struct vnetrs_peer *vp, vnetrs_route_view_cb cb,
			    void *arg);
/* Routes of vp in vnetrs_rejected_walk() (one walk for one peer). */
uint32_t vnetrs_peer_rejected_count(const struct vnetrs_peer *vp);
/* Set every peer's rejected count of inst, in one walk for all. */
void vnetrs_rejected_recount(struct vnetrs_instance *inst);
/* The reason of vnetrs_peer's rejected_by[i] ("filtered", "as-loop"...). */
const char *vnetrs_rejected_reason_name(size_t i);

#endif /* VNETRS_ROUTE_VIEWS_H */
