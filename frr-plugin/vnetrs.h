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

#include "log.h"
#include "memory.h"
#include "prefix.h"
#include "typesafe.h"
#include "sockunion.h"
#include "vrf.h"

#include "../logic/vnetrs_accept.h"
#include "../logic/vnetrs_choice.h"
#include "../logic/vnetrs_exchange.h"
#include "../logic/vnetrs_prefix.h"

struct attr;
struct bgp;
struct bgp_dest;
struct bgp_path_info;
struct ipaddr;
struct peer;
struct thread;

DECLARE_MGROUP(VNETRS);
DECLARE_MTYPE(VNETRS_INSTANCE);
DECLARE_MTYPE(VNETRS_ASPACE);
DECLARE_MTYPE(VNETRS_PEER);
DECLARE_MTYPE(VNETRS_ROUTE);
DECLARE_MTYPE(VNETRS_DIRTY);

#ifndef VNETRS_VERSION
#define VNETRS_VERSION "unknown"
#endif

/* Defaults of Azure Route Server for route-server peerings. */
#define VNETRS_KEEPALIVE 60
#define VNETRS_HOLDTIME 180
#define VNETRS_EBGP_MULTIHOP 255
/* Route-limit: routes accepted per peer and address family. */
#define VNETRS_ROUTE_LIMIT_DEFAULT 4000
/* At most this many NVA peers (gateways are not counted). */
#define VNETRS_MAX_PEERS_DEFAULT 8

/* The route-maps the module owns and applies to route-server peers. They
 * live in bgpd's route-map table (see "show route-map") but not in the
 * configuration: the module recreates them at every start. */
#define VNETRS_RMAP_IN "vnetrs-in"
#define VNETRS_RMAP_TO_NVA "vnetrs-to-nva"
#define VNETRS_RMAP_TO_ER "vnetrs-to-expressroute"
#define VNETRS_RMAP_TO_VPN "vnetrs-to-vpn"
/* A module route-map name composed with a user's ("vnetrs-in-via-X"). */
#define VNETRS_RMAP_NAME_MAX 128

extern bool vnetrs_debug;
/* bgpd is exiting: free, notify nobody. */
extern bool vnetrs_exiting;
#define VNETRS_DEBUG(fmt, ...)                                                 \
	do {                                                                   \
		if (vnetrs_debug)                                              \
			zlog_debug("vnetrs: " fmt, ##__VA_ARGS__);             \
	} while (0)

PREDECL_SORTLIST_UNIQ(vnetrs_aspaces);
PREDECL_SORTLIST_UNIQ(vnetrs_peers);
PREDECL_SORTLIST_UNIQ(vnetrs_instances);
PREDECL_RBTREE_UNIQ(vnetrs_routes);
PREDECL_HASH(vnetrs_dirty);
PREDECL_HASH(vnetrs_pending);

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
	struct vnetrs_prefix host; /* su as a host prefix, for the logic */
	char addr[INET6_ADDRSTRLEN];
	uint32_t remote_as; /* 0: the route server's own AS (gateways) */
	char *description;
	enum vnetrs_role role;
	/* route-limit warning-only: excess routes logged once per burst. */
	bool limit_logged;
	/* route-limit: the session is closed from this event (not from
	 * inside bgpd's UPDATE processing), for the limit of this family. */
	struct thread *t_limit;
	afi_t limit_afi;
	/* The neighbor's local-as, when bgpd prepends it to what the peer
	 * sends (the path's first AS, not a loop); 0 otherwise. */
	uint32_t prepended_as;
	/* The user's route-maps on this peer, applied after the rules
	 * ("peer ADDR route-map NAME in|out"); NULL: none. */
	char *rmap_in;
	char *rmap_out;
	/* Where the bgpd neighbor disagrees with what the module owns (set
	 * by vnetrs_owned.c, shown by the show commands until the
	 * configuration is consistent); "" when all is well. */
	char warning[256];
	/* Its routes in the rejected-routes view, as of the last
	 * vnetrs_rejected_recount() (what the summary shows). */
	uint32_t rejected;
};

/*
 * One route of the effective route table: what the VNet's SDN is
 * programmed with for a prefix. Address spaces are LOCAL with no paths;
 * a learned prefix holds its chosen paths (every ECMP member), ordered by
 * next hop.
 */
struct vnetrs_route {
	struct vnetrs_routes_item item;
	struct vnetrs_prefix prefix;
	enum vnetrs_source source;
	bool peered; /* LOCAL: a peered VNet's address space */
	uint16_t n_paths;
	struct vnetrs_path paths[];
};

/* A prefix whose effective route must be recomputed. */
struct vnetrs_dirty {
	struct vnetrs_dirty_item item;
	struct prefix prefix;
};

/* A prefix whose effective route changed since the last SDN batch. */
struct vnetrs_pending {
	struct vnetrs_pending_item item;
	struct vnetrs_prefix prefix;
};

struct vnetrs_instance {
	struct vnetrs_instances_item item;
	char vrf[VRF_NAMSIZ];
	struct vnetrs_aspaces_head aspaces;
	struct vnetrs_peers_head peers;
	/* The address spaces as an array, for the acceptance rules. */
	struct vnetrs_prefix *aspace_arr;
	size_t n_aspace_arr;

	uint32_t route_limit;
	bool route_limit_warning_only;
	uint32_t max_peers;
	enum vnetrs_preference preference;
	bool branch_to_branch;

	/* Effective route table, and the prefixes waiting to be recomputed
	 * (bursts of UPDATEs are coalesced into one run). */
	struct vnetrs_routes_head routes;
	struct vnetrs_dirty_head dirty;
	struct thread *t_effective;
	uint64_t effective_runs;
	uint64_t effective_changes;

	/* SDN: changes not yet sent as a batch, the last batch's number. */
	struct vnetrs_pending_head pending;
	struct thread *t_sdn;
	uint64_t sdn_seq;
	uint64_t sdn_batches;
	/* After a start, SDN snapshots wait until the table has converged
	 * (vnetrs_converge.c); converged_ms says how long that took. */
	bool converged;
	struct timeval converge_start;
	int64_t converged_ms;
	struct thread *t_converge;

	/* What the route server is, as the acceptance rules see it: every
	 * AS it presents (its own, neighbors' local-as) and its own
	 * addresses (vnetrs_owned.c keeps them current). */
	uint32_t *presented_as;
	size_t n_presented_as;
	struct vnetrs_prefix *self;
	size_t n_self;
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

int vnetrs_route_cmp(const struct vnetrs_route *a, const struct vnetrs_route *b);
DECLARE_RBTREE_UNIQ(vnetrs_routes, struct vnetrs_route, item,
		    vnetrs_route_cmp);

int vnetrs_dirty_cmp(const struct vnetrs_dirty *a, const struct vnetrs_dirty *b);
uint32_t vnetrs_dirty_hash(const struct vnetrs_dirty *d);
DECLARE_HASH(vnetrs_dirty, struct vnetrs_dirty, item, vnetrs_dirty_cmp,
	     vnetrs_dirty_hash);

int vnetrs_pending_cmp(const struct vnetrs_pending *a,
		       const struct vnetrs_pending *b);
uint32_t vnetrs_pending_hash(const struct vnetrs_pending *p);
DECLARE_HASH(vnetrs_pending, struct vnetrs_pending, item, vnetrs_pending_cmp,
	     vnetrs_pending_hash);

extern struct vnetrs_instances_head vnetrs_instances;

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
/* Number of NVA peers (those max-peers limits). */
size_t vnetrs_instance_nva_count(const struct vnetrs_instance *inst);

struct vnetrs_peer_counters {
	uint32_t established; /* times the session reached Established */
	uint32_t learned;     /* prefixes accepted, IPv4 + IPv6 unicast */
	uint32_t advertised;  /* prefixes advertised, IPv4 + IPv6 unicast */
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

/* Gateways: ExpressRoute and VPN gateway instances, route-server peers
 * of their role (vnetrs_gateway.c). */
/* Make the gateway of role (expressroute, vpn) peer with exactly the
 * addresses given, in AS remote_as (0: iBGP). n 0 removes it. */
void vnetrs_gateway_set(struct vnetrs_instance *inst, enum vnetrs_role role,
			const char *const *addrs, size_t n, uint32_t remote_as);
/* Is the bgpd neighbor of vp in the AS the module gives it (remote_as,
 * or "internal" for a gateway in the route server's AS)? */
bool vnetrs_peer_as_is_ours(const struct vnetrs_peer *vp,
			    const struct peer *peer);
/* The AS of vp: a gateway without remote-as is in the route server's. */
uint32_t vnetrs_peer_asn(const struct vnetrs_peer *vp);

/* Reading bgpd's structures into the logic's types (vnetrs_bgp.c). */
void vnetrs_prefix_from_frr(const struct prefix *p,
			    struct vnetrs_prefix *vpfx);
void vnetrs_prefix_to_frr(const struct vnetrs_prefix *vpfx, struct prefix *p);
afi_t vnetrs_prefix_afi(const struct vnetrs_prefix *p);
/* A host prefix (/32, /128) to and from libfrr's address type. */
void vnetrs_host_to_ipaddr(const struct vnetrs_prefix *host, struct ipaddr *ip);
void vnetrs_host_from_ipaddr(const struct ipaddr *ip,
			     struct vnetrs_prefix *host);
/* The next hop of a route of family afi as a host prefix. */
void vnetrs_attr_nexthop(afi_t afi, const struct attr *attr,
			 struct vnetrs_prefix *nh);
/* The address bgpd puts as next hop when it advertises itself to peer. */
void vnetrs_local_nexthop(const struct peer *peer, afi_t afi,
			  struct vnetrs_prefix *nh);
/* The path of peer in dest, unless it is being removed (a peer has one
 * path per prefix). */
struct bgp_path_info *vnetrs_path_of(struct bgp_dest *dest,
				     const struct peer *peer);
/* Where a path of a route-server instance comes from. */
enum vnetrs_source vnetrs_source_of(const struct vnetrs_instance *inst,
				    const struct peer *peer);
/* The same for a path of prefix p: the route server's own routes count as
 * LOCAL only when they are its address spaces; anything else it
 * originates (network, redistribute, aggregate-address) is OTHER and
 * relayed to no route-server peer (it would draw traffic to a router
 * that forwards nothing). */
enum vnetrs_source vnetrs_path_source(struct vnetrs_instance *inst,
				      const struct bgp_path_info *pi,
				      const struct prefix *p);

/* The acceptance rules applied to a bgpd path (vnetrs_judge.c): the
 * verdict on a route from vp (limits aside). */
enum vnetrs_verdict vnetrs_judge(const struct vnetrs_peer *vp,
				 const struct prefix *p,
				 const struct attr *attr);

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
/* Set the user's route-map of vp for a direction (NULL: none). */
void vnetrs_policy_user_rmap_set(struct vnetrs_peer *vp, bool inbound,
				 const char *name);

/* What the module owns stays owned (vnetrs_owned.c): the neighbor
 * settings of route-server peers, the module's route-maps, the rules'
 * view of the route server itself. */
void vnetrs_owned_start(struct vnetrs_instance *inst);
void vnetrs_owned_stop(struct vnetrs_instance *inst);
/* Check now (after a command that may have changed something). */
void vnetrs_owned_check_soon(void);

/* Native bgpd commands that would undo the module's guarantees are
 * refused (vnetrs_guard.c). */
void vnetrs_guard_init(void);
void vnetrs_guard_fini(void);

/* Address spaces advertised as the route server's own routes
 * (vnetrs_origin.c). */
void vnetrs_origin_update(struct vnetrs_instance *inst,
			  const struct vnetrs_aspace *aspace);
void vnetrs_origin_withdraw(struct vnetrs_instance *inst,
			    const struct vnetrs_aspace *aspace);

/* Effective route table (vnetrs_effective.c). */
void vnetrs_effective_init(void);
void vnetrs_effective_mark(struct vnetrs_instance *inst,
			   const struct prefix *p);
/* Recompute every learned route (routing preference, roles changed). */
void vnetrs_effective_mark_all(struct vnetrs_instance *inst);
void vnetrs_effective_aspace_set(struct vnetrs_instance *inst,
				 const struct vnetrs_aspace *aspace);
void vnetrs_effective_aspace_unset(struct vnetrs_instance *inst,
				   const struct vnetrs_aspace *aspace);
/* Process the pending prefixes now (show commands, tests). */
void vnetrs_effective_flush(struct vnetrs_instance *inst);
void vnetrs_effective_fini(struct vnetrs_instance *inst);
/* Free what the table code keeps across instances (at exit). */
void vnetrs_effective_cleanup(void);
const struct vnetrs_route *
vnetrs_effective_lookup(const struct vnetrs_instance *inst,
			const struct vnetrs_prefix *p);

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
/* Visit every destination of the IPv4 and IPv6 unicast RIBs of bgp. */
typedef void (*vnetrs_rib_visit_cb)(struct bgp_dest *dest, afi_t afi,
				    void *arg);
void vnetrs_rib_walk(struct bgp *bgp, vnetrs_rib_visit_cb visit, void *arg);

/* Convergence after a start (vnetrs_converge.c). */
void vnetrs_converge_start(struct vnetrs_instance *inst);
void vnetrs_converge_fini(struct vnetrs_instance *inst);

/* Northbound glue (vnetrs_nb.c, vnetrs_yang.c). */
extern const struct frr_yang_module_info vnetrs_yang_info;
int vnetrs_yang_load(const struct frr_yang_module_info *info);

/* Free the operational-data snapshot (at exit). */
void vnetrs_nb_state_cleanup(void);

/* CLI (bgpd/vnetrs_vty.c, bgpd/vnetrs_show.c). */
void vnetrs_vty_init(void);
void vnetrs_show_init(void);
int vnetrs_config_write(struct bgp *bgp, struct vty *vty);

#define VNETRS_XPATH_BASE "/vnet-route-server:vnet-route-server"
#define VNETRS_XPATH_INSTANCE VNETRS_XPATH_BASE "/instance[vrf='%s']"

#endif /* VNETRS_H */
