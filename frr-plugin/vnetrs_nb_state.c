// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: northbound state callbacks ("show yang operational-data").
 */
#include <zebra.h>

#include "lib/northbound.h"
#include "lib/yang.h"

#include "vnetrs.h"
#include "vnetrs_bgp.h"
#include "vnetrs_effective.h"
#include "vnetrs_instance.h"
#include "vnetrs_route_views.h"
#include "vnetrs_nb.h"

DEFINE_MTYPE_STATIC(VNETRS, VNETRS_STATE_SNAPSHOT,
		    "vnetrs operational-data snapshot");

/*
 * Instance list.
 */
const void *vnetrs_instance_get_next(struct nb_cb_get_next_args *args)
{
	if (!args->list_entry)
		return vnetrs_instances_first(&vnetrs_instances);
	return vnetrs_instances_next(&vnetrs_instances,
				     (struct vnetrs_instance *)args->list_entry);
}

int vnetrs_instance_get_keys(struct nb_cb_get_keys_args *args)
{
	const struct vnetrs_instance *inst = args->list_entry;

	args->keys->num = 1;
	strlcpy(args->keys->key[0], inst->vrf, sizeof(args->keys->key[0]));
	return NB_OK;
}

const void *vnetrs_instance_lookup_entry(struct nb_cb_lookup_entry_args *args)
{
	return vnetrs_instance_find(args->keys->key[0]);
}

/*
 * Peer list.
 */
const void *vnetrs_peer_get_next(struct nb_cb_get_next_args *args)
{
	struct vnetrs_instance *inst =
		(struct vnetrs_instance *)args->parent_list_entry;

	if (!args->list_entry)
		return vnetrs_peers_first(&inst->peers);
	return vnetrs_peers_next(&inst->peers,
				 (struct vnetrs_peer *)args->list_entry);
}

int vnetrs_peer_get_keys(struct nb_cb_get_keys_args *args)
{
	const struct vnetrs_peer *vp = args->list_entry;

	args->keys->num = 1;
	strlcpy(args->keys->key[0], vp->addr, sizeof(args->keys->key[0]));
	return NB_OK;
}

const void *vnetrs_peer_lookup_entry(struct nb_cb_lookup_entry_args *args)
{
	struct vnetrs_instance *inst =
		(struct vnetrs_instance *)args->parent_list_entry;

	return vnetrs_peer_find(inst, args->keys->key[0]);
}

/*
 * Peer state leaves.
 */
struct yang_data *vnetrs_peer_state_role_get(struct nb_cb_get_elem_args *args)
{
	const struct vnetrs_peer *vp = args->list_entry;

	return yang_data_new_string(args->xpath, vnetrs_role2str(vp->role));
}

struct yang_data *
vnetrs_peer_state_session_get(struct nb_cb_get_elem_args *args)
{
	return yang_data_new_string(args->xpath,
				    vnetrs_peer_session_state(args->list_entry));
}

struct yang_data *
vnetrs_peer_state_established_get(struct nb_cb_get_elem_args *args)
{
	struct vnetrs_peer_counters c;

	vnetrs_peer_counters(args->list_entry, &c);
	return yang_data_new_uint32(args->xpath, c.established);
}

struct yang_data *
vnetrs_peer_state_learned_get(struct nb_cb_get_elem_args *args)
{
	struct vnetrs_peer_counters c;

	vnetrs_peer_counters(args->list_entry, &c);
	return yang_data_new_uint32(args->xpath, c.learned);
}

struct yang_data *
vnetrs_peer_state_advertised_get(struct nb_cb_get_elem_args *args)
{
	struct vnetrs_peer_counters c;

	vnetrs_peer_counters(args->list_entry, &c);
	return yang_data_new_uint32(args->xpath, c.advertised);
}

struct yang_data *
vnetrs_peer_state_rejected_get(struct nb_cb_get_elem_args *args)
{
	const struct vnetrs_peer *vp = args->list_entry;

	return yang_data_new_uint32(args->xpath,
				    vnetrs_peer_rejected_count(vp));
}

struct yang_data *
vnetrs_peer_state_last_reset_get(struct nb_cb_get_elem_args *args)
{
	const char *why = vnetrs_peer_last_reset(args->list_entry);

	return *why ? yang_data_new_string(args->xpath, why) : NULL;
}

/*
 * Effective routes: the table itself is the list.
 */
const void *vnetrs_eroute_get_next(struct nb_cb_get_next_args *args)
{
	struct vnetrs_instance *inst =
		(struct vnetrs_instance *)args->parent_list_entry;

	if (!args->list_entry) {
		vnetrs_effective_flush(inst);
		return vnetrs_routes_first(&inst->routes);
	}
	return vnetrs_routes_next(&inst->routes,
				  (struct vnetrs_route *)args->list_entry);
}

int vnetrs_eroute_get_keys(struct nb_cb_get_keys_args *args)
{
	const struct vnetrs_route *r = args->list_entry;

	args->keys->num = 1;
	vnetrs_prefix2str(&r->prefix, args->keys->key[0],
			  sizeof(args->keys->key[0]));
	return NB_OK;
}

const void *vnetrs_eroute_lookup_entry(struct nb_cb_lookup_entry_args *args)
{
	const struct vnetrs_instance *inst = args->parent_list_entry;
	struct vnetrs_prefix p;
	char err[128];

	if (vnetrs_prefix_parse(args->keys->key[0], &p, err, sizeof(err)) < 0)
		return NULL;
	return vnetrs_effective_lookup(inst, &p);
}

struct yang_data *vnetrs_eroute_prefix_get(struct nb_cb_get_elem_args *args)
{
	const struct vnetrs_route *r = args->list_entry;
	char buf[VNETRS_PREFIX_STRLEN];

	return yang_data_new_string(args->xpath,
				    vnetrs_prefix2str(&r->prefix, buf,
						      sizeof(buf)));
}

struct yang_data *vnetrs_eroute_source_get(struct nb_cb_get_elem_args *args)
{
	const struct vnetrs_route *r = args->list_entry;

	return yang_data_new_string(args->xpath, vnetrs_source2str(r->source));
}

/*
 * The leaf-lists iterate over the route's paths: next-hop skips repeated
 * next hops (paths are ordered by next hop), peer lists every path.
 */
const void *vnetrs_eroute_nexthop_get_next(struct nb_cb_get_next_args *args)
{
	const struct vnetrs_route *r = args->parent_list_entry;
	const struct vnetrs_path *p = args->list_entry;

	if (!r->n_paths)
		return NULL;
	if (!p)
		return &r->paths[0];
	for (size_t i = p - r->paths + 1; i < r->n_paths; i++)
		if (vnetrs_paths_new_nexthop(r->paths, i))
			return &r->paths[i];
	return NULL;
}

static struct yang_data *host_data(const char *xpath,
				   const struct vnetrs_prefix *host)
{
	char buf[VNETRS_PREFIX_STRLEN];

	return yang_data_new_string(xpath,
				    vnetrs_addr2str(host, buf, sizeof(buf)));
}

struct yang_data *vnetrs_eroute_nexthop_get(struct nb_cb_get_elem_args *args)
{
	const struct vnetrs_path *p = args->list_entry;

	return host_data(args->xpath, &p->nexthop);
}

const void *vnetrs_eroute_peer_get_next(struct nb_cb_get_next_args *args)
{
	const struct vnetrs_route *r = args->parent_list_entry;
	const struct vnetrs_path *p = args->list_entry;

	if (!r->n_paths)
		return NULL;
	if (!p)
		return &r->paths[0];
	return p + 1 < r->paths + r->n_paths ? p + 1 : NULL;
}

struct yang_data *vnetrs_eroute_peer_get(struct nb_cb_get_elem_args *args)
{
	const struct vnetrs_path *p = args->list_entry;

	return host_data(args->xpath, &p->peer);
}

struct yang_data *vnetrs_eroute_aspath_get(struct nb_cb_get_elem_args *args)
{
	const struct vnetrs_route *r = args->list_entry;

	if (!r->n_paths)
		return NULL;
	return yang_data_new_uint32(args->xpath, r->paths[0].as_path_len);
}

/*
 * Rejected routes are worked out from adj-in when asked (vnetrs_route_views.c):
 * a walk of the operational data takes a snapshot at its first entry.
 */
struct rroute {
	char peer[INET6_ADDRSTRLEN];
	char prefix[VNETRS_PREFIX_STRLEN];
	char nexthop[VNETRS_PREFIX_STRLEN];
	const char *reason;
};

static struct rroute *snap;
static size_t snap_n, snap_cap;

static void snap_add(const struct vnetrs_route_view *v, void *arg)
{
	struct rroute *e;
	struct vnetrs_prefix p;

	if (snap_n == snap_cap) {
		snap_cap = snap_cap ? 2 * snap_cap : 64;
		snap = XREALLOC(MTYPE_VNETRS_STATE_SNAPSHOT, snap, snap_cap * sizeof(*snap));
	}
	e = &snap[snap_n++];
	strlcpy(e->peer, v->vp->addr, sizeof(e->peer));
	vnetrs_prefix_from_frr(v->prefix, &p);
	vnetrs_prefix2str(&p, e->prefix, sizeof(e->prefix));
	vnetrs_addr2str(&v->nexthop, e->nexthop, sizeof(e->nexthop));
	e->reason = v->reason;
}

static void snap_take(struct vnetrs_instance *inst)
{
	snap_n = 0;
	vnetrs_rejected_walk(inst, NULL, snap_add, NULL);
}

const void *vnetrs_rroute_get_next(struct nb_cb_get_next_args *args)
{
	const struct rroute *e = args->list_entry;

	if (!e) {
		snap_take((struct vnetrs_instance *)args->parent_list_entry);
		return snap_n ? &snap[0] : NULL;
	}
	return e + 1 < snap + snap_n ? e + 1 : NULL;
}

int vnetrs_rroute_get_keys(struct nb_cb_get_keys_args *args)
{
	const struct rroute *e = args->list_entry;

	args->keys->num = 2;
	strlcpy(args->keys->key[0], e->peer, sizeof(args->keys->key[0]));
	strlcpy(args->keys->key[1], e->prefix, sizeof(args->keys->key[1]));
	return NB_OK;
}

const void *vnetrs_rroute_lookup_entry(struct nb_cb_lookup_entry_args *args)
{
	snap_take((struct vnetrs_instance *)args->parent_list_entry);
	for (size_t i = 0; i < snap_n; i++)
		if (strcmp(snap[i].peer, args->keys->key[0]) == 0 &&
		    strcmp(snap[i].prefix, args->keys->key[1]) == 0)
			return &snap[i];
	return NULL;
}

struct yang_data *vnetrs_rroute_peer_get(struct nb_cb_get_elem_args *args)
{
	const struct rroute *e = args->list_entry;

	return yang_data_new_string(args->xpath, e->peer);
}

struct yang_data *vnetrs_rroute_prefix_get(struct nb_cb_get_elem_args *args)
{
	const struct rroute *e = args->list_entry;

	return yang_data_new_string(args->xpath, e->prefix);
}

struct yang_data *vnetrs_rroute_reason_get(struct nb_cb_get_elem_args *args)
{
	const struct rroute *e = args->list_entry;

	return yang_data_new_string(args->xpath, e->reason);
}

struct yang_data *vnetrs_rroute_nexthop_get(struct nb_cb_get_elem_args *args)
{
	const struct rroute *e = args->list_entry;

	return e->nexthop[0] ? yang_data_new_string(args->xpath, e->nexthop)
			     : NULL;
}

void vnetrs_nb_state_cleanup(void)
{
	XFREE(MTYPE_VNETRS_STATE_SNAPSHOT, snap);
	snap_n = snap_cap = 0;
}
