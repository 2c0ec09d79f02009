// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: route-server instances, their address spaces and peers (vnetrs_instance.c).
 */
#ifndef VNETRS_INSTANCE_H
#define VNETRS_INSTANCE_H

#include "vnetrs.h"

struct bgp;
struct peer;

/* Instances (vnetrs_instance.c). */
struct vnetrs_instance *vnetrs_instance_find(const char *vrf);
struct vnetrs_instance *vnetrs_instance_get(const char *vrf);
void vnetrs_instance_free(struct vnetrs_instance *inst);
struct bgp *vnetrs_instance_bgp(const struct vnetrs_instance *inst);
/* The route server of a BGP instance, if it has one. */
struct vnetrs_instance *vnetrs_instance_of(const struct bgp *bgp);
/* The VRF name under which a BGP instance keys its route server. */
const char *vnetrs_bgp_vrf_name(const struct bgp *bgp);

struct vnetrs_aspace *vnetrs_aspace_find(struct vnetrs_instance *inst,
					 const struct vnetrs_prefix *p);
struct vnetrs_aspace *vnetrs_aspace_add(struct vnetrs_instance *inst,
					const struct vnetrs_prefix *p);
void vnetrs_aspace_del(struct vnetrs_instance *inst,
		       struct vnetrs_aspace *aspace);

struct vnetrs_peer *vnetrs_peer_find(struct vnetrs_instance *inst,
				     const char *addr);
struct vnetrs_peer *vnetrs_peer_add(struct vnetrs_instance *inst,
				    const char *addr);
/* Forget vp (its bgpd neighbor stays: see vnetrs_peer_unconfigure). */
void vnetrs_peer_del(struct vnetrs_peer *vp);
/* Delete the bgpd neighbor of vp, as "no neighbor" does. */
void vnetrs_peer_unconfigure(struct vnetrs_peer *vp);
void vnetrs_peer_set_description(struct vnetrs_peer *vp, const char *desc);
/* Create or adopt the bgpd neighbor of vp and apply its settings. */
void vnetrs_peer_sync(struct vnetrs_peer *vp);
/* The bgpd neighbor of vp, or NULL if there is none (yet). */
struct peer *vnetrs_peer_bgp(const struct vnetrs_peer *vp);
/* The route-server peer behind a bgpd neighbor, if it is one. */
struct vnetrs_peer *vnetrs_peer_of(const struct peer *peer);
/* The same, when the caller knows the instance of peer's bgp (a walk of
 * its table): no lookup of the instance by VRF name per path. */
struct vnetrs_peer *vnetrs_peer_in(struct vnetrs_instance *inst,
				   const struct peer *peer);
/* Number of NVA peers (those max-peers limits). */
size_t vnetrs_instance_nva_count(const struct vnetrs_instance *inst);

struct vnetrs_peer_counters {
	uint32_t established; /* times the session reached Established */
	uint32_t learned;     /* prefixes accepted, IPv4 + IPv6 unicast */
	uint32_t advertised;  /* prefixes advertised, IPv4 + IPv6 unicast */
	/* The same by address family: [0] IPv4, [1] IPv6 unicast. */
	uint32_t learned_af[2];
	uint32_t advertised_af[2];
};

/* Why the session is down, "" while it is up or never went down. */
const char *vnetrs_peer_last_reset(const struct vnetrs_peer *vp);

/* Session state with FRR's names ("Established"...), "NoNeighbor" if the
 * bgpd neighbor does not exist. */
const char *vnetrs_peer_session_state(const struct vnetrs_peer *vp);
void vnetrs_peer_counters(const struct vnetrs_peer *vp,
			  struct vnetrs_peer_counters *c);

/* Remove the route server of vrf from the configuration (its BGP instance
 * is being deleted; vnetrs_nb_config.c). */
void vnetrs_instance_purge(const char *vrf);

#endif /* VNETRS_INSTANCE_H */
