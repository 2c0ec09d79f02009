// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: the route server's model inside bgpd: its types.
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
#include "../logic/vnetrs_prefix_queue.h"

struct attr;
struct bgp;
struct bgp_dest;
struct bgp_path_info;
struct ipaddr;
struct peer;
#include "vnetrs_compat_event.h"

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

/* bgpd is exiting: free, notify nobody. */
extern bool vnetrs_exiting;

PREDECL_SORTLIST_UNIQ(vnetrs_aspaces);
PREDECL_SORTLIST_UNIQ(vnetrs_peers);
PREDECL_SORTLIST_UNIQ(vnetrs_instances);
PREDECL_HASH(vnetrs_routes);

/* One address space of the VNet (or of a peered VNet). */
struct vnetrs_aspace {
	struct vnetrs_aspaces_item item;
	struct vnetrs_prefix prefix;
	bool peered;
};

/* The reasons of the rejected-routes view: every rejecting verdict and
 * "filtered" (vnetrs_route_views.c). */
#define VNETRS_REJECT_REASONS (VNETRS_REJECT_USER_POLICY + 1)

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
	vnetrs_event *t_limit;
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
	 * vnetrs_rejected_recount() (what the summary shows), in all and
	 * by reason (index: vnetrs_rejected_reason_index()). */
	uint32_t rejected;
	uint32_t rejected_by[VNETRS_REJECT_REASONS];
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
	/* Graceful maintenance (RFC 8326): advertised routes carry
	 * GRACEFUL_SHUTDOWN and SDN consumers are told the instance drains;
	 * maintenance_since is when it last changed (monotonic). */
	bool maintenance;
	struct timeval maintenance_since;
	time_t maintenance_wall; /* the same, wall clock (0: never) */

	/* Effective route table, and the prefixes waiting to be recomputed
	 * (bursts of UPDATEs are coalesced into one run). */
	struct vnetrs_routes_head routes;
	struct vnetrs_prefix_queue dirty;
	vnetrs_event *t_effective;
	/* Entries of routes by source, kept by route_replace() so metrics
	 * need no walk of the table. */
	uint64_t routes_by_source[VNETRS_SOURCE_OTHER + 1];
	uint64_t effective_runs;
	uint64_t effective_changes;

	/* SDN: changes not yet sent as a batch, the last batch's number. */
	struct vnetrs_prefix_queue pending;
	vnetrs_event *t_sdn;
	uint64_t sdn_seq;
	uint64_t sdn_batches;
	/* After a start, SDN snapshots wait until the table has converged
	 * (vnetrs_converge.c); converged_ms says how long that took. */
	bool converged;
	struct timeval converge_start;
	int64_t converged_ms;
	vnetrs_event *t_converge;

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

/*
 * The effective table is a hash keyed by the prefix: it is looked up on
 * every recomputation and every streamed route (a million times at 1M
 * paths), where a tree's comparisons cost a tenth of bgpd's time. What
 * shows it in order sorts it then (vnetrs_effective_sorted()).
 */
int vnetrs_route_cmp(const struct vnetrs_route *a, const struct vnetrs_route *b);
int vnetrs_route_same(const struct vnetrs_route *a,
		      const struct vnetrs_route *b);
uint32_t vnetrs_route_hash(const struct vnetrs_route *r);
DECLARE_HASH(vnetrs_routes, struct vnetrs_route, item, vnetrs_route_same,
	     vnetrs_route_hash);


extern struct vnetrs_instances_head vnetrs_instances;

#define VNETRS_XPATH_BASE "/vnet-route-server:vnet-route-server"
#define VNETRS_XPATH_INSTANCE VNETRS_XPATH_BASE "/instance[vrf='%s']"

#endif /* VNETRS_H */
