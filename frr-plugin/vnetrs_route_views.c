// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: the routes of one peer as the route server explains them:
 * learned (accepted), advertised, and rejected with a reason.
 *
 * Rejected routes are not copied anywhere: route-server peers keep what
 * they sent in bgpd's adj-in (soft-reconfiguration inbound), and the reason
 * is worked out when asked, from the same rules the inbound policy runs.
 * A route the peer withdraws leaves adj-in, so nothing stale is shown, and
 * the reason is always that of the current rules.
 */
#include <zebra.h>

#include "bgpd/bgpd.h"
#include "bgpd/bgp_advertise.h"
#include "bgpd/bgp_attr.h"
#include "bgpd/bgp_route.h"
#include "bgpd/bgp_table.h"
#include "bgpd/bgp_updgrp.h"

#include "vnetrs.h"

/* Is the route vp sent for prefix p among the chosen paths? */
static bool programmed(const struct vnetrs_instance *inst,
		       const struct vnetrs_peer *vp, const struct prefix *p)
{
	struct vnetrs_prefix vpfx;
	const struct vnetrs_route *r;

	vnetrs_prefix_from_frr(p, &vpfx);
	r = vnetrs_effective_lookup(inst, &vpfx);
	if (!r)
		return false;
	for (size_t i = 0; i < r->n_paths; i++)
		if (vnetrs_prefix_equal(&r->paths[i].peer, &vp->host))
			return true;
	return false;
}

/* Why a route vp sent is not in the BGP table. */
static const char *refusal(const struct vnetrs_peer *vp, struct peer *peer,
			   const struct prefix *p, const struct attr *attr,
			   const char **policy)
{
	const struct vnetrs_instance *inst = vp->inst;
	enum vnetrs_verdict v = vnetrs_policy_verdict(vp, peer, p, attr);
	afi_t afi = family2afi(p->family);

	if (v == VNETRS_REJECT_USER_POLICY)
		*policy = vp->rmap_in;
	if (v != VNETRS_ACCEPTED)
		return vnetrs_verdict2str(v);
	if (inst->route_limit_warning_only &&
	    peer->pcount[afi][SAFI_UNICAST] >= inst->route_limit)
		return vnetrs_verdict2str(VNETRS_REJECT_ROUTE_LIMIT);
	/* The rules accept it: another filter of bgpd's or the user's
	 * (native neighbor knobs, an invalid attribute) refused it. */
	return "filtered";
}

void vnetrs_rejected_walk(struct vnetrs_instance *inst,
			  const struct vnetrs_peer *only,
			  vnetrs_route_view_cb cb, void *arg)
{
	struct bgp *bgp = vnetrs_instance_bgp(inst);

	if (!bgp)
		return;
	vnetrs_effective_flush(inst);
	for (afi_t afi = AFI_IP; afi <= AFI_IP6; afi++) {
		struct bgp_table *table = bgp->rib[afi][SAFI_UNICAST];

		for (struct bgp_dest *dest = bgp_table_top(table); dest;
		     dest = bgp_route_next(dest)) {
			const struct prefix *p = bgp_dest_get_prefix(dest);

			for (struct bgp_adj_in *ain = dest->adj_in; ain;
			     ain = ain->next) {
				struct vnetrs_route_view v = {
					.prefix = p,
					.attr = ain->attr,
				};
				struct bgp_path_info *pi;

				v.vp = vnetrs_peer_of(ain->peer);
				if (!v.vp || v.vp->inst != inst ||
				    (only && v.vp != only))
					continue;
				/* A path of the peer that bgpd can use? */
				pi = vnetrs_path_of(dest, ain->peer);
				if (pi &&
				    !CHECK_FLAG(pi->flags, BGP_PATH_UNUSEABLE)) {
					enum vnetrs_verdict verdict;

					if (programmed(inst, v.vp, p))
						continue;
					/* In bgpd's table but refused by
					 * the rules (vnetrs_effective.c). */
					verdict = vnetrs_judge(v.vp, p,
							       pi->attr);
					if (verdict == VNETRS_ACCEPTED)
						verdict =
							VNETRS_REJECT_LOST_PREFERENCE;
					v.reason = vnetrs_verdict2str(verdict);
				} else {
					v.reason = refusal(v.vp, ain->peer, p,
							   ain->attr,
							   &v.policy);
				}
				vnetrs_attr_nexthop(afi, ain->attr, &v.nexthop);
				cb(&v, arg);
			}
		}
	}
}

static void count_cb(const struct vnetrs_route_view *v, void *arg)
{
	(*(uint32_t *)arg)++;
}

uint32_t vnetrs_peer_rejected_count(const struct vnetrs_peer *vp)
{
	uint32_t n = 0;

	vnetrs_rejected_walk(vp->inst, vp, count_cb, &n);
	return n;
}

void vnetrs_learned_walk(struct vnetrs_peer *vp, vnetrs_route_view_cb cb,
			 void *arg)
{
	struct bgp *bgp = vnetrs_instance_bgp(vp->inst);
	struct peer *peer = vnetrs_peer_bgp(vp);

	if (!bgp || !peer)
		return;
	vnetrs_effective_flush(vp->inst);
	for (afi_t afi = AFI_IP; afi <= AFI_IP6; afi++) {
		struct bgp_table *table = bgp->rib[afi][SAFI_UNICAST];

		for (struct bgp_dest *dest = bgp_table_top(table); dest;
		     dest = bgp_route_next(dest)) {
			const struct prefix *p = bgp_dest_get_prefix(dest);

			for (struct bgp_path_info *pi =
				     bgp_dest_get_bgp_path_info(dest);
			     pi; pi = pi->next) {
				struct vnetrs_route_view v = {
					.vp = vp,
					.prefix = p,
					.attr = pi->attr,
				};

				if (pi->peer != peer ||
				    CHECK_FLAG(pi->flags, BGP_PATH_UNUSEABLE))
					continue;
				v.effective = programmed(vp->inst, vp, p);
				vnetrs_attr_nexthop(afi, pi->attr, &v.nexthop);
				cb(&v, arg);
			}
		}
	}
}

void vnetrs_advertised_walk(struct vnetrs_peer *vp, vnetrs_route_view_cb cb,
			    void *arg)
{
	struct bgp *bgp = vnetrs_instance_bgp(vp->inst);
	struct peer *peer = vnetrs_peer_bgp(vp);

	if (!bgp || !peer)
		return;
	for (afi_t afi = AFI_IP; afi <= AFI_IP6; afi++) {
		struct bgp_table *table = bgp->rib[afi][SAFI_UNICAST];
		struct peer_af *paf = peer_af_find(peer, afi, SAFI_UNICAST);
		struct update_subgroup *subgrp = paf ? PAF_SUBGRP(paf) : NULL;

		if (!subgrp)
			continue;
		for (struct bgp_dest *dest = bgp_table_top(table); dest;
		     dest = bgp_route_next(dest)) {
			struct bgp_adj_out *adj;

			RB_FOREACH (adj, bgp_adj_out_rb, &dest->adj_out) {
				struct vnetrs_route_view v = {
					.vp = vp,
					.prefix = bgp_dest_get_prefix(dest),
					.attr = adj->attr,
				};

				if (adj->subgroup != subgrp || !adj->attr)
					continue;
				vnetrs_attr_nexthop(afi, adj->attr,
						    &v.nexthop);
				/* bgpd fills in its own address as it
				 * writes the UPDATE. */
				if (vnetrs_prefix_is_zero(&v.nexthop) ||
				    !v.nexthop.family)
					vnetrs_local_nexthop(peer, afi,
							     &v.nexthop);
				cb(&v, arg);
			}
		}
	}
}

bool vnetrs_prefix_is_zero(const struct vnetrs_prefix *p)
{
	for (size_t i = 0; i < sizeof(p->addr); i++)
		if (p->addr[i])
			return false;
	return true;
}

void vnetrs_local_nexthop(const struct peer *peer, afi_t afi,
			  struct vnetrs_prefix *nh)
{
	struct prefix p = {};

	if (afi == AFI_IP) {
		p.family = AF_INET;
		p.prefixlen = IPV4_MAX_BITLEN;
		p.u.prefix4 = peer->nexthop.v4;
	} else {
		p.family = AF_INET6;
		p.prefixlen = IPV6_MAX_BITLEN;
		p.u.prefix6 = peer->nexthop.v6_global;
	}
	vnetrs_prefix_from_frr(&p, nh);
}
