// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: what the module owns stays owned.
 *
 * The route server's guarantees rest on settings that live in bgpd's own
 * configuration objects: the route-maps of route-server neighbors, their
 * flags (soft-reconfiguration, next hop unchanged, maximum-prefix), their
 * AS and address families, and the module's route-maps. vnetrs_guard.c
 * refuses the native commands that would change them; this file notices
 * whatever still does (a path the guard does not see), puts the module's
 * setting back, logs it once with the reason, and keeps a warning on the
 * peer for the show commands while bgpd's configuration disagrees.
 *
 * It also keeps the acceptance rules' view of the route server itself
 * current: every AS it presents (its own, a confederation's, a neighbor's
 * local-as) and its own addresses (a next hop no VM may use).
 */
#include <zebra.h>

#include "lib/if.h"
#include "lib/log.h"
#include "lib/routemap.h"
#include "vnetrs_compat_event.h"
#include "lib/vrf.h"

#include "bgpd/bgpd.h"
#include "bgpd/bgp_route.h"

#include "vnetrs.h"
#include "vnetrs_compat_bgp.h"
#include "vnetrs_compat_if.h"
#include "vnetrs_bgp.h"
#include "vnetrs_debug.h"
#include "vnetrs_effective.h"
#include "vnetrs_gateway.h"
#include "vnetrs_instance.h"
#include "vnetrs_owned.h"
#include "vnetrs_policy.h"

DEFINE_MTYPE_STATIC(VNETRS, VNETRS_IDENTITY, "vnetrs route server identity");

/* Seconds between two checks when nothing asks for one sooner. */
#define OWNED_INTERVAL 2

/* Appends a reason to a warning, "; " between reasons. */
static void reason_add(char *buf, size_t len, const char *fmt, ...)
	PRINTFRR(3, 4);

static void reason_add(char *buf, size_t len, const char *fmt, ...)
{
	char one[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintfrr(one, sizeof(one), fmt, ap);
	va_end(ap);
	if (*buf)
		strlcat(buf, "; ", len);
	strlcat(buf, one, len);
}

/*
 * The identity: every AS the route server presents and its own addresses.
 * Returns whether it changed (the rules must then run again).
 */
static bool as_add(uint32_t **arr, size_t *n, size_t *cap, uint32_t as)
{
	for (size_t i = 0; i < *n; i++)
		if ((*arr)[i] == as)
			return false;
	if (*n == *cap) {
		*cap = *cap ? 2 * *cap : 8;
		*arr = XREALLOC(MTYPE_VNETRS_IDENTITY, *arr,
				*cap * sizeof(**arr));
	}
	(*arr)[(*n)++] = as;
	return true;
}

static void self_add(struct vnetrs_prefix **arr, size_t *n, size_t *cap,
		     const struct prefix *host)
{
	struct vnetrs_prefix p;

	if (host->family != AF_INET && host->family != AF_INET6)
		return;
	vnetrs_prefix_from_frr(host, &p);
	p.len = host->family == AF_INET ? 32 : 128;
	for (size_t i = 0; i < *n; i++)
		if (vnetrs_prefix_equal(&(*arr)[i], &p))
			return;
	if (*n == *cap) {
		*cap = *cap ? 2 * *cap : 8;
		*arr = XREALLOC(MTYPE_VNETRS_IDENTITY, *arr,
				*cap * sizeof(**arr));
	}
	(*arr)[(*n)++] = p;
}

/* bgpd puts a neighbor's local-as in front of the paths it receives from
 * it, unless told no-prepend. */
static uint32_t local_as_prepended(const struct peer *peer)
{
	if (!peer->change_local_as ||
	    CHECK_FLAG(peer->flags, PEER_FLAG_LOCAL_AS_NO_PREPEND))
		return 0;
	return peer->change_local_as;
}

static bool identity_refresh(struct vnetrs_instance *inst, struct bgp *bgp)
{
	uint32_t *as = NULL;
	struct vnetrs_prefix *self = NULL;
	size_t n_as = 0, cap_as = 0, n_self = 0, cap_self = 0;
	struct vnetrs_peer *vp;
	struct vrf *vrf = vrf_lookup_by_id(bgp->vrf_id);
	struct interface *ifp;
	bool changed, changed_prepend = false;

	as_add(&as, &n_as, &cap_as, bgp->as);
	if (CHECK_FLAG(bgp->config, BGP_CONFIG_CONFEDERATION) && bgp->confed_id)
		as_add(&as, &n_as, &cap_as, bgp->confed_id);
	frr_each (vnetrs_peers, &inst->peers, vp) {
		struct peer *peer = vnetrs_peer_bgp(vp);
		struct prefix host;

		if (!peer)
			continue;
		if (peer->change_local_as)
			as_add(&as, &n_as, &cap_as, peer->change_local_as);
		changed_prepend |= vp->prepended_as != local_as_prepended(peer);
		vp->prepended_as = local_as_prepended(peer);
		if (vnetrs_peer_su_local(peer)) {
			sockunion2hostprefix(vnetrs_peer_su_local(peer), &host);
			self_add(&self, &n_self, &cap_self, &host);
		}
	}
	if (vrf)
		FOR_ALL_INTERFACES (vrf, ifp) {
			struct connected *c;

			vnetrs_if_connected_each(ifp, c)
				self_add(&self, &n_self, &cap_self, c->address);
		}

	changed =
		changed_prepend || n_as != inst->n_presented_as ||
		n_self != inst->n_self ||
		(n_as && memcmp(as, inst->presented_as, n_as * sizeof(*as))) ||
		(n_self && memcmp(self, inst->self, n_self * sizeof(*self)));
	XFREE(MTYPE_VNETRS_IDENTITY, inst->presented_as);
	XFREE(MTYPE_VNETRS_IDENTITY, inst->self);
	inst->presented_as = as;
	inst->n_presented_as = n_as;
	inst->self = self;
	inst->n_self = n_self;
	return changed;
}

/*
 * One peer: where its bgpd neighbor disagrees with the module. Writes the
 * reasons to buf ("" if none); restorable says whether the module's
 * settings can simply be applied again.
 */
static void peer_drift(struct vnetrs_peer *vp, struct peer *peer, char *buf,
		       size_t len, bool *restorable)
{
	char in[VNETRS_RMAP_NAME_MAX], out[VNETRS_RMAP_NAME_MAX];
	const char *want_in = vnetrs_policy_rmap_in(vp, in, sizeof(in));
	const char *want_out = vnetrs_policy_rmap_out(vp, out, sizeof(out));

	*buf = '\0';
	*restorable = true;
	if (peer->group) {
		reason_add(buf, len, "member of peer-group %s",
			   peer->group->name);
		*restorable = false;
	}
	if (!vnetrs_peer_as_is_ours(vp, peer)) {
		if (vp->remote_as)
			reason_add(buf, len, "remote-as %u instead of %u",
				   peer->as, vp->remote_as);
		else
			reason_add(buf, len, "remote-as not internal");
	}
	for (afi_t afi = AFI_IP; afi <= AFI_IP6; afi++) {
		struct bgp_filter *f = &peer->filter[afi][SAFI_UNICAST];
		uint64_t flags = peer->af_flags[afi][SAFI_UNICAST];
		const char *fam = afi2str(afi);

		for (safi_t safi = SAFI_UNICAST + 1; safi < SAFI_MAX; safi++)
			if (peer->afc[afi][safi]) {
				reason_add(
					buf, len,
					"activated in %s %s, where the route server has no rules",
					fam, safi2str(safi));
				*restorable = false;
			}
		if (!peer->afc[afi][SAFI_UNICAST])
			continue;
		if (!f->map[RMAP_IN].name ||
		    strcmp(f->map[RMAP_IN].name, want_in))
			reason_add(buf, len, "%s route-map in %s", fam,
				   f->map[RMAP_IN].name ? f->map[RMAP_IN].name
							: "removed");
		if (!f->map[RMAP_OUT].name ||
		    strcmp(f->map[RMAP_OUT].name, want_out))
			reason_add(buf, len, "%s route-map out %s", fam,
				   f->map[RMAP_OUT].name ? f->map[RMAP_OUT].name
							 : "removed");
		if (!CHECK_FLAG(flags, PEER_FLAG_SOFT_RECONFIG))
			reason_add(buf, len,
				   "%s soft-reconfiguration inbound removed",
				   fam);
		if (!CHECK_FLAG(flags, PEER_FLAG_NEXTHOP_UNCHANGED))
			reason_add(buf, len,
				   "%s attribute-unchanged next-hop removed",
				   fam);
		if (CHECK_FLAG(flags, PEER_FLAG_NEXTHOP_SELF |
					      PEER_FLAG_FORCE_NEXTHOP_SELF))
			reason_add(buf, len, "%s next-hop-self", fam);
		if (CHECK_FLAG(flags, PEER_FLAG_RSERVER_CLIENT))
			reason_add(buf, len, "%s route-server-client", fam);
		if (CHECK_FLAG(flags, PEER_FLAG_DEFAULT_ORIGINATE))
			reason_add(buf, len, "%s default-originate", fam);
		if (!CHECK_FLAG(flags, PEER_FLAG_MAX_PREFIX) ||
		    peer->pmax[afi][SAFI_UNICAST] != vp->inst->route_limit)
			reason_add(
				buf, len,
				"%s maximum-prefix differs from route-limit %u",
				fam, vp->inst->route_limit);
	}
}

static void peer_check(struct vnetrs_peer *vp)
{
	struct peer *peer = vnetrs_peer_bgp(vp);
	char drift[sizeof(vp->warning)];
	bool restorable;

	if (!peer) {
		/* "no neighbor" got past the guard: the peer comes back. */
		if (vnetrs_instance_bgp(vp->inst)) {
			vnetrs_warn(
				"peer %s: its bgpd neighbor was removed; re-creating it (remove the peer with 'no peer %s' under vnet-route-server)",
				vp->addr, vp->addr);
			vnetrs_peer_sync(vp);
		}
		return;
	}
	peer_drift(vp, peer, drift, sizeof(drift), &restorable);
	if (!*drift) {
		if (*vp->warning)
			vnetrs_info(
				"peer %s: configuration consistent again",
				vp->addr);
		vp->warning[0] = '\0';
		return;
	}
	/* The module's settings applied again put back what can be (and
	 * log each user's setting they replace). */
	if (restorable) {
		vnetrs_warn(
			"peer %s: its neighbor differs from the route server's settings (%s): restoring them",
			vp->addr, drift);
		vnetrs_peer_sync(vp);
		peer_drift(vp, peer, drift, sizeof(drift), &restorable);
	}
	if (*drift && strcmp(drift, vp->warning))
		vnetrs_warn(
			"peer %s: %s: the route server's rules do not cover this",
			vp->addr, drift);
	strlcpy(vp->warning, drift, sizeof(vp->warning));
}

/* The module's own route-maps: one or two entries, as vnetrs_policy.c
 * makes them (a match each, and their own set). An edit that got past
 * the guard is undone. */
static void rmaps_check(void)
{
	struct route_map *map, *next;

	for (map = route_map_master.head; map; map = next) {
		struct route_map_index *first = map->head;
		unsigned int n = 0;

		next = map->next;
		if (!vnetrs_policy_owns_rmap(map->name) || map->deleted)
			continue;
		for (struct route_map_index *i = map->head; i; i = i->next)
			n++;
		if (first && first->type == RMAP_PERMIT && first->pref == 10 &&
		    vnetrs_policy_own_sets(first) && first->match_list.head &&
		    !first->match_list.head->next &&
		    (n == 1 ? !first->nextrm
			    : n == 2 && first->nextrm &&
				      first->next->type == RMAP_PERMIT &&
				      first->next->pref == 20 &&
				      vnetrs_policy_own_sets(first->next)))
			continue;
		vnetrs_warn(
			"route-map %s was changed; it belongs to the route server and is restored",
			map->name);
		route_map_delete(map);
		vnetrs_policy_rmaps_create();
		/* Composed maps come back when their peers are checked. */
	}
}

static void instance_check(struct vnetrs_instance *inst)
{
	struct bgp *bgp = vnetrs_instance_bgp(inst);
	struct vnetrs_peer *vp;

	if (!bgp)
		return;
	if (identity_refresh(inst, bgp)) {
		VNETRS_DEBUG(policy, 
			"the route server's ASes or addresses changed: the rules run again");
		vnetrs_policy_reevaluate(inst);
		vnetrs_effective_mark_all(inst);
	}
	frr_each (vnetrs_peers, &inst->peers, vp)
		peer_check(vp);
}

static vnetrs_event *t_check;

static void owned_check(vnetrs_event *t)
{
	struct vnetrs_instance *inst;

	/* With no route server left, the check stops until one comes. */
	if (vnetrs_exiting || bm->terminating ||
	    !vnetrs_instances_count(&vnetrs_instances))
		return;
	rmaps_check();
	frr_each (vnetrs_instances, &vnetrs_instances, inst)
		instance_check(inst);
	event_add_timer(bm->master, owned_check, NULL, OWNED_INTERVAL,
			 &t_check);
}

void vnetrs_owned_check_soon(void)
{
	EVENT_OFF(t_check);
	event_add_event(bm->master, owned_check, NULL, 0, &t_check);
}

void vnetrs_owned_start(struct vnetrs_instance *inst)
{
	vnetrs_owned_check_soon();
}

void vnetrs_owned_stop(struct vnetrs_instance *inst)
{
	XFREE(MTYPE_VNETRS_IDENTITY, inst->presented_as);
	XFREE(MTYPE_VNETRS_IDENTITY, inst->self);
	inst->n_presented_as = 0;
	inst->n_self = 0;
}
