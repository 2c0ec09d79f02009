// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: the routes of one peer as the show commands explain them:
 * learned (accepted), advertised, and rejected with a reason. Each view is
 * one visit per destination of the unicast RIBs (vnetrs_rib_walk(), in
 * the bgpd adapter).
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
#include "vnetrs_bgp.h"
#include "vnetrs_effective.h"
#include "vnetrs_instance.h"
#include "vnetrs_judge.h"
#include "vnetrs_policy.h"
#include "vnetrs_route_views.h"

/* An advertised route without a next hop of its own is sent with bgpd's. */
static bool prefix_is_zero(const struct vnetrs_prefix *p)
{
	for (size_t i = 0; i < sizeof(p->addr); i++)
		if (p->addr[i])
			return false;
	return true;
}

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

/*
 * Fill in v->reason (and v->policy) for what the peer sent in ain, or
 * return false when the route is programmed: it is not rejected then.
 */
static bool rejected_reason(struct bgp_dest *dest, struct bgp_adj_in *ain,
			    struct vnetrs_route_view *v)
{
	const struct vnetrs_peer *vp = v->vp;
	struct bgp_path_info *pi = vnetrs_path_of(dest, ain->peer);
	enum vnetrs_verdict verdict;

	/* Not a path bgpd can use: its inbound policy refused it. */
	if (!pi || CHECK_FLAG(pi->flags, BGP_PATH_UNUSEABLE)) {
		v->reason = refusal(vp, ain->peer, v->prefix, ain->attr,
				    &v->policy);
		return true;
	}
	if (programmed(vp->inst, vp, v->prefix))
		return false;
	/* In bgpd's table but refused by the rules (vnetrs_effective.c),
	 * or accepted and not chosen. */
	verdict = vnetrs_judge(vp, v->prefix, pi->attr);
	if (verdict == VNETRS_ACCEPTED)
		verdict = VNETRS_REJECT_LOST_PREFERENCE;
	v->reason = vnetrs_verdict2str(verdict);
	return true;
}

struct rejected_walk {
	struct vnetrs_instance *inst;
	const struct vnetrs_peer *only;
	vnetrs_route_view_cb cb;
	void *arg;
};

static void rejected_visit(struct bgp_dest *dest, afi_t afi, void *arg)
{
	struct rejected_walk *w = arg;

	for (struct bgp_adj_in *ain = dest->adj_in; ain; ain = ain->next) {
		struct vnetrs_route_view v = {
			.vp = vnetrs_peer_in(w->inst, ain->peer),
			.prefix = bgp_dest_get_prefix(dest),
			.attr = ain->attr,
		};

		if (!v.vp || (w->only && v.vp != w->only))
			continue;
		if (!rejected_reason(dest, ain, &v))
			continue;
		vnetrs_attr_nexthop(afi, ain->attr, &v.nexthop);
		w->cb(&v, w->arg);
	}
}

void vnetrs_rejected_walk(struct vnetrs_instance *inst,
			  const struct vnetrs_peer *only,
			  vnetrs_route_view_cb cb, void *arg)
{
	struct bgp *bgp = vnetrs_instance_bgp(inst);
	struct rejected_walk w = {
		.inst = inst,
		.only = only,
		.cb = cb,
		.arg = arg,
	};

	if (!bgp)
		return;
	vnetrs_effective_flush(inst);
	vnetrs_rib_walk(bgp, rejected_visit, &w);
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

/* "filtered" (refused by bgpd or a native knob) takes index 0, the place
 * of VNETRS_ACCEPTED, which is never a reason. */
const char *vnetrs_rejected_reason_name(size_t i)
{
	return i ? vnetrs_verdict2str(i) : "filtered";
}

static size_t reason_index(const char *reason)
{
	for (size_t i = 1; i < VNETRS_REJECT_REASONS; i++)
		if (strcmp(reason, vnetrs_verdict2str(i)) == 0)
			return i;
	return 0;
}

static void tally_cb(const struct vnetrs_route_view *v, void *arg)
{
	v->vp->rejected++;
	v->vp->rejected_by[reason_index(v->reason)]++;
}

/*
 * The summary's counts, for every peer in one walk (a walk per peer cost
 * routes x peers). They are not kept up to date as routes come and go:
 * the module is not told of every change to the set. A route refused by
 * bgpd before the inbound route-map (its own AS-loop check, a
 * distribute-list), the withdrawal of a route that never became a path,
 * and a session reset all change adj-in without a path changing, so
 * neither the route-map nor the bgp_process hook sees them; a counter
 * kept from those would drift. Counted when asked, the number is always
 * the view's.
 */
void vnetrs_rejected_recount(struct vnetrs_instance *inst)
{
	struct vnetrs_peer *vp;

	frr_each (vnetrs_peers, &inst->peers, vp) {
		vp->rejected = 0;
		memset(vp->rejected_by, 0, sizeof(vp->rejected_by));
	}
	vnetrs_rejected_walk(inst, NULL, tally_cb, NULL);
}

/* A learned or advertised walk: the routes of one peer. */
struct peer_walk {
	struct vnetrs_peer *vp;
	struct peer *peer;
	vnetrs_route_view_cb cb;
	void *arg;
};

static void learned_visit(struct bgp_dest *dest, afi_t afi, void *arg)
{
	struct peer_walk *w = arg;
	const struct prefix *p = bgp_dest_get_prefix(dest);

	for (struct bgp_path_info *pi = bgp_dest_get_bgp_path_info(dest); pi;
	     pi = pi->next) {
		struct vnetrs_route_view v = {
			.vp = w->vp,
			.prefix = p,
			.attr = pi->attr,
		};

		if (pi->peer != w->peer ||
		    CHECK_FLAG(pi->flags, BGP_PATH_UNUSEABLE))
			continue;
		v.effective = programmed(w->vp->inst, w->vp, p);
		vnetrs_attr_nexthop(afi, pi->attr, &v.nexthop);
		w->cb(&v, w->arg);
	}
}

/* Visit the RIB for the routes of vp (nothing without its neighbor). */
static void peer_rib_walk(struct vnetrs_peer *vp, vnetrs_rib_visit_cb visit,
			  vnetrs_route_view_cb cb, void *arg)
{
	struct bgp *bgp = vnetrs_instance_bgp(vp->inst);
	struct peer_walk w = {
		.vp = vp,
		.peer = vnetrs_peer_bgp(vp),
		.cb = cb,
		.arg = arg,
	};

	if (bgp && w.peer)
		vnetrs_rib_walk(bgp, visit, &w);
}

void vnetrs_learned_walk(struct vnetrs_peer *vp, vnetrs_route_view_cb cb,
			 void *arg)
{
	vnetrs_effective_flush(vp->inst);
	peer_rib_walk(vp, learned_visit, cb, arg);
}

static void advertised_visit(struct bgp_dest *dest, afi_t afi, void *arg)
{
	struct peer_walk *w = arg;
	struct peer_af *paf = peer_af_find(w->peer, afi, SAFI_UNICAST);
	struct update_subgroup *subgrp = paf ? PAF_SUBGRP(paf) : NULL;
	struct bgp_adj_out *adj;

	if (!subgrp)
		return;
	RB_FOREACH (adj, bgp_adj_out_rb, &dest->adj_out) {
		struct vnetrs_route_view v = {
			.vp = w->vp,
			.prefix = bgp_dest_get_prefix(dest),
			.attr = adj->attr,
		};

		if (adj->subgroup != subgrp || !adj->attr)
			continue;
		vnetrs_attr_nexthop(afi, adj->attr, &v.nexthop);
		/* bgpd fills in its own address as it writes the UPDATE. */
		if (prefix_is_zero(&v.nexthop) || !v.nexthop.family)
			vnetrs_local_nexthop(w->peer, afi, &v.nexthop);
		w->cb(&v, w->arg);
	}
}

void vnetrs_advertised_walk(struct vnetrs_peer *vp, vnetrs_route_view_cb cb,
			    void *arg)
{
	peer_rib_walk(vp, advertised_visit, cb, arg);
}
