// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: the effective route table, what the VNet's SDN is programmed
 * with.
 *
 * It holds the address spaces (LOCAL) and, for every prefix learned from
 * route-server peers, the paths vnetrs_select_paths() chooses: routing
 * preference, then the shortest AS path, every path of that length kept
 * (ECMP). The choice is the route server's own and does not depend on
 * bgpd's best path, and every path is judged by the acceptance rules here
 * too: nothing in bgpd's configuration can let a path the rules refuse
 * into the VNet.
 *
 * bgpd's bgp_process hook marks a prefix dirty when one of its paths
 * changes; an event then recomputes the dirty prefixes in one run, so a
 * burst of UPDATEs costs one pass over the prefixes it touched. At that
 * point bgpd has finished with the UPDATE: the paths are in the table,
 * withdrawn ones flagged removed.
 */
#include <zebra.h>

#include "lib/hook.h"
#include "lib/log.h"
#include "vnetrs_compat_event.h"

#include "bgpd/bgpd.h"
#include "bgpd/bgp_aspath.h"
#include "bgpd/bgp_attr.h"
#include "bgpd/bgp_route.h"
#include "bgpd/bgp_table.h"

#include "vnetrs.h"
#include "vnetrs_bgp.h"
#include "vnetrs_debug.h"
#include "vnetrs_effective.h"
#include "vnetrs_instance.h"
#include "vnetrs_judge.h"
#include "vnetrs_sdn.h"

DEFINE_MTYPE(VNETRS, VNETRS_ROUTE, "vnetrs effective route");
DEFINE_MTYPE(VNETRS, VNETRS_DIRTY, "vnetrs pending prefix");

/* Prefixes recomputed per event; the rest waits for the next one, so a
 * full table does not hold bgpd's event loop for long. */
#define EFFECTIVE_BATCH 20000

int vnetrs_route_cmp(const struct vnetrs_route *a, const struct vnetrs_route *b)
{
	return vnetrs_prefix_cmp(&a->prefix, &b->prefix);
}

/* The hash's equality: 0 when the prefixes are the same. */
int vnetrs_route_same(const struct vnetrs_route *a,
		      const struct vnetrs_route *b)
{
	return !vnetrs_prefix_equal(&a->prefix, &b->prefix);
}

uint32_t vnetrs_route_hash(const struct vnetrs_route *r)
{
	return vnetrs_prefix_hash(&r->prefix);
}

static void *dirty_resize(void *old, size_t size)
{
	return XREALLOC(MTYPE_VNETRS_DIRTY, old, size);
}

static void dirty_release(void *block)
{
	XFREE(MTYPE_VNETRS_DIRTY, block);
}

const struct vnetrs_pq_memory vnetrs_dirty_memory = {
	.resize = dirty_resize,
	.release = dirty_release,
};

static int route_ptr_cmp(const void *a, const void *b)
{
	return vnetrs_route_cmp(*(const struct vnetrs_route *const *)a,
				*(const struct vnetrs_route *const *)b);
}

const struct vnetrs_route **
vnetrs_effective_sorted(const struct vnetrs_instance *inst, size_t *n)
{
	size_t count = vnetrs_routes_count(&inst->routes), i = 0;
	const struct vnetrs_route **all, *r;

	*n = 0;
	if (!count)
		return NULL;
	all = XMALLOC(MTYPE_VNETRS_ROUTE, count * sizeof(*all));
	frr_each (vnetrs_routes_const, &inst->routes, r)
		all[i++] = r;
	qsort(all, i, sizeof(*all), route_ptr_cmp);
	*n = i;
	return all;
}

const struct vnetrs_route *
vnetrs_effective_lookup(const struct vnetrs_instance *inst,
			const struct vnetrs_prefix *p)
{
	struct vnetrs_route key = {.prefix = *p};

	return vnetrs_routes_const_find(&inst->routes, &key);
}

static struct vnetrs_route *route_find(struct vnetrs_instance *inst,
				       const struct vnetrs_prefix *p)
{
	struct vnetrs_route key = {.prefix = *p};

	return vnetrs_routes_find(&inst->routes, &key);
}

static struct vnetrs_route *route_new(const struct vnetrs_prefix *p,
				      enum vnetrs_source source,
				      const struct vnetrs_path *paths, size_t n)
{
	struct vnetrs_route *r;

	r = XCALLOC(MTYPE_VNETRS_ROUTE, sizeof(*r) + n * sizeof(r->paths[0]));
	r->prefix = *p;
	r->source = source;
	r->n_paths = n;
	if (n)
		memcpy(r->paths, paths, n * sizeof(r->paths[0]));
	return r;
}

static bool route_equal(const struct vnetrs_route *a,
			const struct vnetrs_route *b)
{
	if (a->source != b->source || a->peered != b->peered ||
	    a->n_paths != b->n_paths)
		return false;
	for (size_t i = 0; i < a->n_paths; i++)
		if (vnetrs_path_cmp(&a->paths[i], &b->paths[i]))
			return false;
	return true;
}

/*
 * Put r in the table in place of whatever route it had for the prefix, or
 * remove the prefix when r is NULL. Every change to the table goes
 * through here.
 */
static void route_replace(struct vnetrs_instance *inst,
			  const struct vnetrs_prefix *p, struct vnetrs_route *r)
{
	struct vnetrs_route *old = route_find(inst, p);

	if (old && r && route_equal(old, r)) {
		XFREE(MTYPE_VNETRS_ROUTE, r);
		return;
	}
	if (!old && !r)
		return;
	if (old) {
		vnetrs_routes_del(&inst->routes, old);
		inst->routes_by_source[old->source]--;
		XFREE(MTYPE_VNETRS_ROUTE, old);
	}
	if (r) {
		vnetrs_routes_add(&inst->routes, r);
		inst->routes_by_source[r->source]++;
	}
	inst->effective_changes++;
	vnetrs_sdn_changed(inst, p);
	if (VNETRS_DEBUG_ON(effective)) {
		char buf[VNETRS_PREFIX_STRLEN];

		vnetrs_prefix2str(p, buf, sizeof(buf));
		zlog_debug(VNETRS_LOG_PREFIX "effective route %s %s (%u next hops)", buf,
			   r ? (old ? "replaced" : "added") : "deleted",
			   r ? (unsigned int)vnetrs_paths_nexthops(r->paths,
								   r->n_paths)
			     : 0);
	}
}

/* Room for the candidate paths of one prefix, reused from one to the next. */
static struct vnetrs_path *cand;
static size_t cand_cap;

static void cand_reserve(size_t n)
{
	if (n <= cand_cap)
		return;
	cand_cap = MAX(n, 2 * cand_cap);
	cand = XREALLOC(MTYPE_VNETRS_ROUTE, cand, cand_cap * sizeof(*cand));
}

/* Recompute the effective route of one prefix from the BGP table. */
static void effective_update(struct vnetrs_instance *inst, struct bgp *bgp,
			     const struct vnetrs_prefix *vpfx)
{
	struct prefix frr_pfx, *p = &frr_pfx;
	struct bgp_dest *dest;
	size_t n = 0, chosen;
	afi_t afi;

	/* An address space is the VNet's own, whatever peers say. */
	if (vnetrs_aspace_find(inst, vpfx))
		return;

	vnetrs_prefix_to_frr(vpfx, p);
	afi = family2afi(p->family);
	dest = bgp_node_lookup(bgp->rib[afi][SAFI_UNICAST], p);
	if (dest) {
		for (struct bgp_path_info *pi = bgp_dest_get_bgp_path_info(dest);
		     pi; pi = pi->next) {
			struct vnetrs_peer *vp;

			if (CHECK_FLAG(pi->flags, BGP_PATH_UNUSEABLE))
				continue;
			vp = vnetrs_peer_in(inst, pi->peer);
			if (!vp)
				continue;
			/* The rules hold whatever bgpd's configuration lets
			 * into its table (vnetrs_owned.c restores the
			 * module's policy; this makes sure meanwhile). */
			if (vnetrs_judge(vp, p, pi->attr) != VNETRS_ACCEPTED)
				continue;
			cand_reserve(n + 1);
			cand[n] = (struct vnetrs_path){
				.role = vp->role,
				.as_path_len = aspath_count_hops(
					pi->attr->aspath),
				.peer = vp->host,
			};
			vnetrs_attr_nexthop(afi, pi->attr, &cand[n].nexthop);
			n++;
		}
		bgp_dest_unlock_node(dest);
	}

	chosen = vnetrs_select_paths(cand, n, inst->preference);
	route_replace(inst, vpfx,
		      chosen ? route_new(vpfx,
					 vnetrs_role2source(cand[0].role),
					 cand, chosen)
			     : NULL);
}

/*
 * Recompute up to EFFECTIVE_BATCH dirty prefixes, the first marked first;
 * returns how many.
 */
static size_t effective_batch(struct vnetrs_instance *inst)
{
	struct bgp *bgp = vnetrs_instance_bgp(inst);
	size_t count = vnetrs_prefix_queue_count(&inst->dirty), n;
	struct vnetrs_prefix *take;

	if (!count)
		return 0;
	count = MIN(count, EFFECTIVE_BATCH);
	take = XMALLOC(MTYPE_VNETRS_DIRTY, count * sizeof(*take));
	n = vnetrs_prefix_queue_take(&inst->dirty, take, count);
	for (size_t i = 0; bgp && i < n; i++)
		effective_update(inst, bgp, &take[i]);
	XFREE(MTYPE_VNETRS_DIRTY, take);
	return n;
}

void vnetrs_effective_flush(struct vnetrs_instance *inst)
{
	while (effective_batch(inst))
		;
}

static void effective_run(vnetrs_event *t)
{
	struct vnetrs_instance *inst = EVENT_ARG(t);

	inst->effective_runs++;
	effective_batch(inst);
	if (vnetrs_prefix_queue_count(&inst->dirty))
		event_add_event(bm->master, effective_run, inst, 0,
				 &inst->t_effective);
}

void vnetrs_effective_mark(struct vnetrs_instance *inst,
			   const struct prefix *p)
{
	struct vnetrs_prefix vp;

	vnetrs_prefix_from_frr(p, &vp);
	vnetrs_prefix_queue_push(&inst->dirty, &vp);
	/* Scheduled once for the whole burst: the event's pointer says so
	 * without taking the event loop's lock for each path. */
	if (!inst->t_effective)
		event_add_event(bm->master, effective_run, inst, 0,
				&inst->t_effective);
}

static void mark_visit(struct bgp_dest *dest, afi_t afi, void *arg)
{
	if (bgp_dest_has_bgp_path_info_data(dest))
		vnetrs_effective_mark(arg, bgp_dest_get_prefix(dest));
}

void vnetrs_effective_mark_all(struct vnetrs_instance *inst)
{
	struct bgp *bgp = vnetrs_instance_bgp(inst);
	struct vnetrs_route *r;
	struct prefix p;

	if (!bgp)
		return;
	vnetrs_rib_walk(bgp, mark_visit, inst);
	/* And whatever the table holds that bgpd no longer has. */
	frr_each (vnetrs_routes, &inst->routes, r)
		if (r->source != VNETRS_SOURCE_LOCAL) {
			vnetrs_prefix_to_frr(&r->prefix, &p);
			vnetrs_effective_mark(inst, &p);
		}
}

void vnetrs_effective_aspace_set(struct vnetrs_instance *inst,
				 const struct vnetrs_aspace *aspace)
{
	struct vnetrs_route *r;

	r = route_new(&aspace->prefix, VNETRS_SOURCE_LOCAL, NULL, 0);
	r->peered = aspace->peered;
	route_replace(inst, &aspace->prefix, r);
}

void vnetrs_effective_aspace_unset(struct vnetrs_instance *inst,
				   const struct vnetrs_aspace *aspace)
{
	struct prefix p;

	route_replace(inst, &aspace->prefix, NULL);
	/* Peers may hold routes for it, no longer rejected. */
	vnetrs_prefix_to_frr(&aspace->prefix, &p);
	vnetrs_effective_mark(inst, &p);
}

void vnetrs_effective_fini(struct vnetrs_instance *inst)
{
	struct vnetrs_route *r;

	EVENT_OFF(inst->t_effective);
	vnetrs_prefix_queue_fini(&inst->dirty);
	/* Not _pop(): a hash's pop rescans from its first bucket each time
	 * (quadratic in a full table). */
	frr_each_safe (vnetrs_routes, &inst->routes, r) {
		vnetrs_routes_del(&inst->routes, r);
		XFREE(MTYPE_VNETRS_ROUTE, r);
	}
	memset(inst->routes_by_source, 0, sizeof(inst->routes_by_source));
}

void vnetrs_effective_cleanup(void)
{
	XFREE(MTYPE_VNETRS_ROUTE, cand);
	cand_cap = 0;
}

/*
 * bgpd calls this for every change to a path of dest, before it runs its
 * own best-path selection.
 */
static int effective_bgp_process(struct bgp *bgp, afi_t afi, safi_t safi,
				 struct bgp_dest *dest, struct peer *peer,
				 bool withdraw)
{
	struct vnetrs_instance *inst;

	if (safi != SAFI_UNICAST || (afi != AFI_IP && afi != AFI_IP6))
		return 0;
	inst = vnetrs_instance_of(bgp);
	if (!inst)
		return 0;
	/* Not only route-server peers: a peer just removed from the route
	 * server has its paths withdrawn after it left the peer list. */
	vnetrs_effective_mark(inst, bgp_dest_get_prefix(dest));
	return 0;
}

void vnetrs_effective_init(void)
{
	hook_register(bgp_process, effective_bgp_process);
}
