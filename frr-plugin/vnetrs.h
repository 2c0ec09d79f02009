// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: the route server's configuration model inside bgpd.
 *
 * The northbound callbacks (vnetrs_nb_config.c) keep these structures in
 * step with the YANG running configuration; the CLI, the show commands and
 * the route logic read them. One vnetrs_instance exists per BGP instance
 * that has a "vnet-route-server" node, keyed by the instance's VRF name.
 */
#ifndef VNETRS_H
#define VNETRS_H

#include "memory.h"
#include "typesafe.h"
#include "sockunion.h"
#include "vrf.h"

#include "../logic/vnetrs_choice.h"
#include "../logic/vnetrs_prefix.h"

struct bgp;
struct peer;

DECLARE_MGROUP(VNETRS);
DECLARE_MTYPE(VNETRS_INSTANCE);
DECLARE_MTYPE(VNETRS_ASPACE);
DECLARE_MTYPE(VNETRS_PEER);

#ifndef VNETRS_VERSION
#define VNETRS_VERSION "unknown"
#endif

/* Defaults of Azure Route Server for route-server peerings. */
#define VNETRS_KEEPALIVE 60
#define VNETRS_HOLDTIME 180
#define VNETRS_EBGP_MULTIHOP 255

PREDECL_SORTLIST_UNIQ(vnetrs_aspaces);
PREDECL_SORTLIST_UNIQ(vnetrs_peers);
PREDECL_SORTLIST_UNIQ(vnetrs_instances);

/* One address space of the VNet (or of a peered VNet). */
struct vnetrs_aspace {
	struct vnetrs_aspaces_item item;
	struct vnetrs_prefix prefix;
	bool peered;
};

/* One route-server peer (an NVA; gateways later share the structure). */
struct vnetrs_peer {
	struct vnetrs_peers_item item;
	struct vnetrs_instance *inst;
	union sockunion su;
	char addr[INET6_ADDRSTRLEN];
	uint32_t remote_as;
	char *description;
	enum vnetrs_role role;
};

struct vnetrs_instance {
	struct vnetrs_instances_item item;
	char vrf[VRF_NAMSIZ];
	struct vnetrs_aspaces_head aspaces;
	struct vnetrs_peers_head peers;
};

int vnetrs_aspace_cmp(const struct vnetrs_aspace *a,
		      const struct vnetrs_aspace *b);
int vnetrs_peer_cmp(const struct vnetrs_peer *a, const struct vnetrs_peer *b);
int vnetrs_instance_cmp(const struct vnetrs_instance *a,
			const struct vnetrs_instance *b);

DECLARE_SORTLIST_UNIQ(vnetrs_aspaces, struct vnetrs_aspace, item,
		      vnetrs_aspace_cmp);
DECLARE_SORTLIST_UNIQ(vnetrs_peers, struct vnetrs_peer, item,
		      vnetrs_peer_cmp);
DECLARE_SORTLIST_UNIQ(vnetrs_instances, struct vnetrs_instance, item,
		      vnetrs_instance_cmp);

extern struct vnetrs_instances_head vnetrs_instances;

/* Instances (vnetrs_instance.c). */
struct vnetrs_instance *vnetrs_instance_find(const char *vrf);
struct vnetrs_instance *vnetrs_instance_get(const char *vrf);
void vnetrs_instance_free(struct vnetrs_instance *inst);
struct bgp *vnetrs_instance_bgp(const struct vnetrs_instance *inst);
/* The VRF name under which a BGP instance keys its route server. */
const char *vnetrs_bgp_vrf_name(const struct bgp *bgp);

struct vnetrs_aspace *vnetrs_aspace_find(struct vnetrs_instance *inst,
					 const struct vnetrs_prefix *p);
struct vnetrs_aspace *vnetrs_aspace_add(struct vnetrs_instance *inst,
					const struct vnetrs_prefix *p);
void vnetrs_aspace_del(struct vnetrs_instance *inst,
		       struct vnetrs_aspace *as);

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

struct vnetrs_peer_counters {
	uint32_t established; /* times the session reached Established */
	uint32_t learned;     /* prefixes accepted, IPv4 + IPv6 unicast */
	uint32_t advertised;  /* prefixes advertised, IPv4 + IPv6 unicast */
};

/* Session state with FRR's names ("Established"...), "NoNeighbor" if the
 * bgpd neighbor does not exist. */
const char *vnetrs_peer_session_state(const struct vnetrs_peer *vp);
void vnetrs_peer_counters(const struct vnetrs_peer *vp,
			  struct vnetrs_peer_counters *c);

/* Remove the route server of vrf from the configuration (its BGP instance
 * is being deleted). */
void vnetrs_instance_purge(const char *vrf);

/* Northbound glue (vnetrs_nb.c, vnetrs_yang.c). */
extern const struct frr_yang_module_info vnetrs_yang_info;
int vnetrs_yang_load(const struct frr_yang_module_info *info);

/* CLI (bgpd/vnetrs_vty.c, bgpd/vnetrs_show.c). */
void vnetrs_vty_init(void);
void vnetrs_show_init(void);
int vnetrs_config_write(struct bgp *bgp, struct vty *vty);

#define VNETRS_XPATH_BASE "/vnet-route-server:vnet-route-server"
#define VNETRS_XPATH_INSTANCE VNETRS_XPATH_BASE "/instance[vrf='%s']"

#endif /* VNETRS_H */
