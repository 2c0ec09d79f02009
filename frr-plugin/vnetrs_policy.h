// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: the route-maps and neighbor settings of route-server peers (vnetrs_policy.c).
 */
#ifndef VNETRS_POLICY_H
#define VNETRS_POLICY_H

#include "vnetrs.h"

struct attr;
struct peer;
struct prefix;
struct route_map_index;

/* Policy: route-maps and neighbor settings (vnetrs_policy.c). */
void vnetrs_policy_init(void);
/* The module's route-maps without a user's map, those missing (at start,
 * or after vnetrs_owned.c removed an edited one). */
void vnetrs_policy_rmaps_create(void);
/* Apply the route-server settings to the neighbor of vp; created says
 * whether the module just created it (defaults then apply too). */
void vnetrs_policy_apply(struct vnetrs_peer *vp, struct peer *peer,
			 bool created);
/* The rules changed (address spaces, limits): re-run the inbound policy
 * over every peer's received routes. */
void vnetrs_policy_reevaluate(struct vnetrs_instance *inst);
/* The exchange matrix changed: re-run the outbound policy. */
void vnetrs_policy_readvertise(struct vnetrs_instance *inst);
/* Apply route-limit to every peer of inst. */
void vnetrs_policy_limits(struct vnetrs_instance *inst);
/* The verdict on a route vp sent, with the user's inbound route-map
 * applied to a copy of attr after the rules: ACCEPTED, a rule's reason, or
 * VNETRS_REJECT_USER_POLICY. */
enum vnetrs_verdict vnetrs_policy_verdict(const struct vnetrs_peer *vp,
					  struct peer *peer,
					  const struct prefix *p,
					  const struct attr *attr);
/* The route-map names the module puts on the neighbor of vp. */
const char *vnetrs_policy_rmap_in(const struct vnetrs_peer *vp, char *buf,
				  size_t len);
const char *vnetrs_policy_rmap_out(const struct vnetrs_peer *vp, char *buf,
				   size_t len);
/* Is name one of the module's own route-maps ("vnetrs-...")? */
bool vnetrs_policy_owns_rmap(const char *name);
/* Are the set rules of index the module's own (none, or its one
 * "set vnet-route-server")? */
bool vnetrs_policy_own_sets(const struct route_map_index *index);
/* A maintenance ended (or bgpd exits): drop the attributes remembered
 * for it (at exit, without touching bgpd's, already freed). */
void vnetrs_policy_drain_forget(bool exiting);
/* Set the user's route-map of vp for a direction (NULL: none). */
void vnetrs_policy_user_rmap_set(struct vnetrs_peer *vp, bool inbound,
				 const char *name);

#endif /* VNETRS_POLICY_H */
