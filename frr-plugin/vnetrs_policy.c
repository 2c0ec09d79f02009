// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: the route server's policy, built from bgpd's own mechanisms.
 *
 * - A route-map match rule, "vnet-route-server", that runs the acceptance
 *   rules (inbound) or the exchange matrix (outbound), as bgpd_rpki adds
 *   "match rpki".
 * - Route-maps the module owns: "vnetrs-in" (permit what the rules accept)
 *   and "vnetrs-to-<role>" (permit what the matrix lets a peer of that role
 *   receive). Applied to route-server peers, they also satisfy
 *   "bgp ebgp-requires-policy".
 * - Neighbor settings: soft-reconfiguration inbound (rejected routes are
 *   kept and can be explained), maximum-prefix for route-limit, next hop
 *   unchanged towards NVAs (the route server stays out of the data path).
 */
#include <zebra.h>

#include "lib/log.h"
#include "lib/routemap.h"
#include "lib/thread.h"

#include "bgpd/bgpd.h"
#include "bgpd/bgp_packet.h"
#include "bgpd/bgp_route.h"
#include "bgpd/bgp_table.h"

#include "vnetrs.h"

DEFINE_MTYPE_STATIC(VNETRS, VNETRS_RMAP_RULE, "vnetrs route-map rule");

/* What a "match vnet-route-server ..." rule checks. */
struct match_rule {
	bool inbound;	      /* "accepted": the acceptance rules */
	enum vnetrs_role to;  /* "export-to ROLE": the exchange matrix */
};

static const char *const role_names[] = {
	[VNETRS_ROLE_NVA] = "nva",
	[VNETRS_ROLE_EXPRESSROUTE] = "expressroute",
	[VNETRS_ROLE_VPN] = "vpn",
};

static void *match_compile(const char *arg)
{
	struct match_rule *r;

	if (strcmp(arg, "accepted") == 0) {
		r = XCALLOC(MTYPE_VNETRS_RMAP_RULE, sizeof(*r));
		r->inbound = true;
		return r;
	}
	if (strncmp(arg, "export-to ", 10) == 0) {
		for (size_t i = 0; i < array_size(role_names); i++)
			if (strcmp(arg + 10, role_names[i]) == 0) {
				r = XCALLOC(MTYPE_VNETRS_RMAP_RULE, sizeof(*r));
				r->to = i;
				return r;
			}
	}
	return NULL;
}

static void match_free(void *rule)
{
	XFREE(MTYPE_VNETRS_RMAP_RULE, rule);
}

/* route-limit exceeded (without warning-only): close the session as
 * maximum-prefix does, and hold it down until the limit is raised or the
 * session cleared. */
static void limit_exceeded(struct thread *t)
{
	struct vnetrs_peer *vp = THREAD_ARG(t);
	struct peer *peer = vnetrs_peer_bgp(vp);
	afi_t afi = vp->limit_afi;
	uint32_t limit = vp->inst->route_limit;
	/* RFC 4486: AFI, SAFI and the limit. */
	uint8_t data[7] = {
		afi_int2iana(afi) >> 8, afi_int2iana(afi) & 0xff,
		safi_int2iana(SAFI_UNICAST), limit >> 24, limit >> 16,
		limit >> 8, limit,
	};

	if (!peer || !peer_established(peer))
		return;
	zlog_warn("vnetrs: peer %s sent more than route-limit %u routes: session closed",
		  vp->addr, vp->inst->route_limit);
	SET_FLAG(peer->sflags, PEER_STATUS_PREFIX_OVERFLOW);
	bgp_notify_send_with_data(peer, BGP_NOTIFY_CEASE,
				  BGP_NOTIFY_CEASE_MAX_PREFIX, data,
				  sizeof(data));
}

/*
 * A route beyond route-limit. With warning-only the session stays up,
 * routes above the limit are refused (and shown as rejected for
 * "route-limit"), updates to routes already accepted still pass. Without
 * it the first route beyond the limit closes the session: bgpd's own
 * maximum-prefix check runs before it counts the route at hand, so it lets
 * one route too many in and closes only at the next UPDATE.
 */
static bool over_limit(struct vnetrs_peer *vp, struct peer *peer,
		       const struct prefix *p, struct bgp_dest *dest)
{
	struct vnetrs_instance *inst = vp->inst;
	afi_t afi = family2afi(p->family);
	uint32_t count = peer->pcount[afi][SAFI_UNICAST];

	/* A route already accepted counts itself: when the limit is lowered,
	 * re-evaluation drops the excess and keeps exactly the limit. */
	if (dest && vnetrs_path_of(dest, peer) ? count <= inst->route_limit
					 : count < inst->route_limit)
		return false;
	if (!inst->route_limit_warning_only) {
		vp->limit_afi = afi;
		thread_add_event(bm->master, limit_exceeded, vp, 0,
				 &vp->t_limit);
		return true;
	}
	if (!vp->limit_logged) {
		zlog_warn("vnetrs: peer %s reached route-limit %u (%s): further routes are rejected",
			  vp->addr, inst->route_limit,
			  afi2str(afi));
		vp->limit_logged = true;
	}
	return true;
}

static enum route_map_cmd_result_t match_inbound(const struct prefix *p,
						 struct bgp_path_info *path)
{
	struct vnetrs_peer *vp = vnetrs_peer_of(path->peer);
	enum vnetrs_verdict v;

	/* Applied to a neighbor that is not a route-server peer. */
	if (!vp)
		return RMAP_NOMATCH;
	v = vnetrs_judge(vp, p, path->attr);
	if (v == VNETRS_ACCEPTED && over_limit(vp, path->peer, p, path->net))
		v = VNETRS_REJECT_ROUTE_LIMIT;
	if (v != VNETRS_ACCEPTED)
		VNETRS_DEBUG("%s: %pFX rejected: %s", vp->addr, p,
			     vnetrs_verdict2str(v));
	return v == VNETRS_ACCEPTED ? RMAP_MATCH : RMAP_NOMATCH;
}

/*
 * Outbound, bgpd hands the route-map a copy of the path being advertised
 * with the *destination* peer in it; the source is the selected path of
 * the destination (the one the copy was made from).
 */
static const struct bgp_path_info *
source_path(const struct bgp_path_info *copy)
{
	const struct bgp_path_info *pi;

	for (pi = bgp_dest_get_bgp_path_info(copy->net); pi; pi = pi->next)
		if (pi->flags == copy->flags && pi->type == copy->type &&
		    pi->sub_type == copy->sub_type && pi->mpath == copy->mpath &&
		    CHECK_FLAG(pi->flags, BGP_PATH_SELECTED))
			return pi;
	for (pi = bgp_dest_get_bgp_path_info(copy->net); pi; pi = pi->next)
		if (pi->flags == copy->flags && pi->type == copy->type &&
		    pi->sub_type == copy->sub_type && pi->mpath == copy->mpath)
			return pi;
	return NULL;
}

static enum route_map_cmd_result_t match_outbound(const struct match_rule *r,
						  struct bgp_path_info *copy)
{
	struct vnetrs_instance *inst = vnetrs_instance_of(copy->peer->bgp);
	const struct bgp_path_info *src;

	if (!inst || !copy->net)
		return RMAP_NOMATCH;
	src = source_path(copy);
	if (!src)
		return RMAP_NOMATCH;
	return vnetrs_exchange(vnetrs_source_of(inst, src->peer), r->to,
			       inst->branch_to_branch)
		       ? RMAP_MATCH
		       : RMAP_NOMATCH;
}

static enum route_map_cmd_result_t match_apply(void *rule,
					       const struct prefix *p,
					       void *object)
{
	const struct match_rule *r = rule;

	if (p->family != AF_INET && p->family != AF_INET6)
		return RMAP_NOMATCH;
	if (r->inbound)
		return match_inbound(p, object);
	return match_outbound(r, object);
}

static const struct route_map_rule_cmd match_vnetrs_cmd = {
	"vnet-route-server",
	match_apply,
	match_compile,
	match_free,
};

/* A route-map of one "permit 10" entry with one vnet-route-server match. */
static void rmap_create(const char *name, const char *arg)
{
	struct route_map *map = route_map_get(name);
	struct route_map_index *index;

	index = route_map_index_get(map, RMAP_PERMIT, 10);
	if (route_map_add_match(index, "vnet-route-server", arg,
				RMAP_EVENT_MATCH_ADDED) != RMAP_COMPILE_SUCCESS)
		zlog_err("vnetrs: could not set up route-map %s", name);
}

void vnetrs_policy_init(void)
{
	route_map_install_match(&match_vnetrs_cmd);
	rmap_create(VNETRS_RMAP_IN, "accepted");
	rmap_create(VNETRS_RMAP_TO_NVA, "export-to nva");
	rmap_create(VNETRS_RMAP_TO_ER, "export-to expressroute");
	rmap_create(VNETRS_RMAP_TO_VPN, "export-to vpn");
}

static const char *rmap_out_name(enum vnetrs_role role)
{
	switch (role) {
	case VNETRS_ROLE_NVA:
		return VNETRS_RMAP_TO_NVA;
	case VNETRS_ROLE_EXPRESSROUTE:
		return VNETRS_RMAP_TO_ER;
	case VNETRS_ROLE_VPN:
		return VNETRS_RMAP_TO_VPN;
	}
	return VNETRS_RMAP_TO_NVA;
}

static void rmap_set(struct peer *peer, afi_t afi, int direct,
		     const char *name)
{
	struct bgp_filter *filter = &peer->filter[afi][SAFI_UNICAST];

	if (filter->map[direct].name &&
	    strcmp(filter->map[direct].name, name) == 0)
		return;
	peer_route_map_set(peer, afi, SAFI_UNICAST, direct, name,
			   route_map_lookup_by_name(name));
}

static void af_flag_set(struct peer *peer, afi_t afi, uint64_t flag)
{
	if (!CHECK_FLAG(peer->af_flags[afi][SAFI_UNICAST], flag))
		peer_af_flag_set(peer, afi, SAFI_UNICAST, flag);
}

static void limit_apply(struct vnetrs_instance *inst, struct peer *peer,
			afi_t afi)
{
	bool warning = CHECK_FLAG(peer->af_flags[afi][SAFI_UNICAST],
				  PEER_FLAG_MAX_PREFIX_WARNING);

	if (CHECK_FLAG(peer->af_flags[afi][SAFI_UNICAST],
		       PEER_FLAG_MAX_PREFIX) &&
	    peer->pmax[afi][SAFI_UNICAST] == inst->route_limit &&
	    warning == inst->route_limit_warning_only)
		return;
	/* 75%: bgpd's usual threshold for its early warning. */
	peer_maximum_prefix_set(peer, afi, SAFI_UNICAST, inst->route_limit,
				MAXIMUM_PREFIX_THRESHOLD_DEFAULT,
				inst->route_limit_warning_only, 0, false);
}

void vnetrs_policy_apply(struct vnetrs_peer *vp, struct peer *peer,
			 bool created)
{
	afi_t own = vnetrs_prefix_afi(&vp->host);
	afi_t afi;

	if (created) {
		/* NVAs, and gateways in another AS, are eBGP off-link. */
		if (peer->sort == BGP_PEER_EBGP)
			peer_ebgp_multihop_set(peer, VNETRS_EBGP_MULTIHOP);
		peer_timers_set(peer, VNETRS_KEEPALIVE, VNETRS_HOLDTIME);
		/* The session carries the routes of its own family. */
		peer_activate(peer, own, SAFI_UNICAST);
		if (own == AFI_IP6)
			peer_deactivate(peer, AFI_IP, SAFI_UNICAST);
	}

	/* The module's policy, on every address family the neighbor uses. */
	for (afi = AFI_IP; afi <= AFI_IP6; afi++) {
		if (!peer->afc[afi][SAFI_UNICAST])
			continue;
		af_flag_set(peer, afi, PEER_FLAG_SOFT_RECONFIG);
		/* Relayed routes keep their next hop, towards every peer. */
		af_flag_set(peer, afi, PEER_FLAG_NEXTHOP_UNCHANGED);
		/* In the route server's AS, gateways learn each other's
		 * routes only by reflection (the matrix filters them). */
		if (vp->role != VNETRS_ROLE_NVA && peer->sort == BGP_PEER_IBGP)
			af_flag_set(peer, afi, PEER_FLAG_REFLECTOR_CLIENT);
		limit_apply(vp->inst, peer, afi);
		rmap_set(peer, afi, RMAP_IN, VNETRS_RMAP_IN);
		rmap_set(peer, afi, RMAP_OUT, rmap_out_name(vp->role));
	}
}

static void clear_soft(struct vnetrs_instance *inst, enum bgp_clear_type how)
{
	struct vnetrs_peer *vp;

	frr_each (vnetrs_peers, &inst->peers, vp) {
		struct peer *peer = vnetrs_peer_bgp(vp);

		if (!peer || !peer_established(peer))
			continue;
		for (afi_t afi = AFI_IP; afi <= AFI_IP6; afi++)
			if (peer->afc_nego[afi][SAFI_UNICAST])
				peer_clear_soft(peer, afi, SAFI_UNICAST, how);
	}
}

void vnetrs_policy_reevaluate(struct vnetrs_instance *inst)
{
	struct vnetrs_peer *vp;

	frr_each (vnetrs_peers, &inst->peers, vp)
		vp->limit_logged = false;
	clear_soft(inst, BGP_CLEAR_SOFT_IN);
}

void vnetrs_policy_readvertise(struct vnetrs_instance *inst)
{
	clear_soft(inst, BGP_CLEAR_SOFT_OUT);
}

void vnetrs_policy_limits(struct vnetrs_instance *inst)
{
	struct vnetrs_peer *vp;

	frr_each (vnetrs_peers, &inst->peers, vp) {
		struct peer *peer = vnetrs_peer_bgp(vp);
		bool was_down;

		if (!peer)
			continue;
		was_down = CHECK_FLAG(peer->sflags, PEER_STATUS_PREFIX_OVERFLOW);
		for (afi_t afi = AFI_IP; afi <= AFI_IP6; afi++)
			if (peer->afc[afi][SAFI_UNICAST])
				limit_apply(inst, peer, afi);
		/* A session an earlier limit tore down comes back under the
		 * new one (which tears it down again if still exceeded). */
		if (was_down &&
		    CHECK_FLAG(peer->sflags, PEER_STATUS_PREFIX_OVERFLOW)) {
			zlog_info("vnetrs: route-limit changed: restarting the session with %s",
				  vp->addr);
			peer_clear(peer, NULL);
		}
	}
}
