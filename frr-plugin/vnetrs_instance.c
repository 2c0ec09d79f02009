// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: route-server instances, address spaces and peers, and the bgpd
 * neighbors behind the peers.
 */
#include <zebra.h>

#include "lib/log.h"
#include "lib/memory.h"
#include "lib/northbound.h"
#include "lib/northbound_cli.h"
#include "lib/sockunion.h"

#include "bgpd/bgpd.h"
#include "bgpd/bgp_debug.h"
#include "bgpd/bgp_fsm.h"
#include "bgpd/bgp_updgrp.h"

#include "vnetrs.h"
#include "vnetrs_compat_bgp.h"
#include "vnetrs_compat_nb.h"
#include "vnetrs_bgp.h"
#include "vnetrs_converge.h"
#include "vnetrs_debug.h"
#include "vnetrs_effective.h"
#include "vnetrs_gateway.h"
#include "vnetrs_instance.h"
#include "vnetrs_owned.h"
#include "vnetrs_policy.h"
#include "vnetrs_sdn.h"
#include "vnetrs_stream.h"

DEFINE_MGROUP(VNETRS, "vnetrs");
DEFINE_MTYPE(VNETRS, VNETRS_INSTANCE, "vnetrs instance");
DEFINE_MTYPE(VNETRS, VNETRS_ASPACE, "vnetrs address space");
DEFINE_MTYPE(VNETRS, VNETRS_PEER, "vnetrs peer");

struct vnetrs_instances_head vnetrs_instances =
	INIT_SORTLIST_UNIQ(vnetrs_instances);

int vnetrs_aspace_cmp(const struct vnetrs_aspace *a,
		      const struct vnetrs_aspace *b)
{
	return vnetrs_prefix_cmp(&a->prefix, &b->prefix);
}

int vnetrs_peer_cmp(const struct vnetrs_peer *a, const struct vnetrs_peer *b)
{
	return sockunion_cmp(&a->su, &b->su);
}

int vnetrs_instance_cmp(const struct vnetrs_instance *a,
			const struct vnetrs_instance *b)
{
	return strcmp(a->vrf, b->vrf);
}

struct vnetrs_instance *vnetrs_instance_find(const char *vrf)
{
	struct vnetrs_instance key = {};

	strlcpy(key.vrf, vrf, sizeof(key.vrf));
	return vnetrs_instances_find(&vnetrs_instances, &key);
}

struct vnetrs_instance *vnetrs_instance_get(const char *vrf)
{
	struct vnetrs_instance *inst = vnetrs_instance_find(vrf);

	if (inst)
		return inst;
	inst = XCALLOC(MTYPE_VNETRS_INSTANCE, sizeof(*inst));
	strlcpy(inst->vrf, vrf, sizeof(inst->vrf));
	vnetrs_aspaces_init(&inst->aspaces);
	vnetrs_peers_init(&inst->peers);
	vnetrs_routes_init(&inst->routes);
	vnetrs_prefix_queue_init(&inst->dirty, &vnetrs_dirty_memory);
	vnetrs_prefix_queue_init(&inst->pending, &vnetrs_pending_memory);
	inst->route_limit = VNETRS_ROUTE_LIMIT_DEFAULT;
	inst->max_peers = VNETRS_MAX_PEERS_DEFAULT;
	inst->preference = VNETRS_PREF_EXPRESSROUTE;
	vnetrs_instances_add(&vnetrs_instances, inst);
	vnetrs_converge_start(inst);
	vnetrs_owned_start(inst);
	return inst;
}

void vnetrs_instance_free(struct vnetrs_instance *inst)
{
	struct vnetrs_aspace *aspace;
	struct vnetrs_peer *vp;

	while ((vp = vnetrs_peers_first(&inst->peers)))
		vnetrs_peer_del(vp);
	while ((aspace = vnetrs_aspaces_first(&inst->aspaces)))
		vnetrs_aspace_del(inst, aspace);
	vnetrs_converge_fini(inst);
	vnetrs_owned_stop(inst);
	vnetrs_effective_fini(inst);
	/* Stream consumers are disconnected, not emptied: an agent keeps
	 * what it has until it hears from another instance. */
	vnetrs_stream_close_all(inst);
	vnetrs_sdn_fini(inst);
	vnetrs_aspaces_fini(&inst->aspaces);
	vnetrs_peers_fini(&inst->peers);
	vnetrs_routes_fini(&inst->routes);
	vnetrs_instances_del(&vnetrs_instances, inst);
	XFREE(MTYPE_VNETRS_INSTANCE, inst);
}

const char *vnetrs_bgp_vrf_name(const struct bgp *bgp)
{
	if (bgp->inst_type == BGP_INSTANCE_TYPE_DEFAULT || !bgp->name)
		return VRF_DEFAULT_NAME;
	return bgp->name;
}

struct bgp *vnetrs_instance_bgp(const struct vnetrs_instance *inst)
{
	if (strcmp(inst->vrf, VRF_DEFAULT_NAME) == 0)
		return bgp_get_default();
	return bgp_lookup_by_name(inst->vrf);
}

struct vnetrs_instance *vnetrs_instance_of(const struct bgp *bgp)
{
	if (vnetrs_instances_count(&vnetrs_instances) == 0)
		return NULL;
	return vnetrs_instance_find(vnetrs_bgp_vrf_name(bgp));
}

/* The acceptance rules read the address spaces as an array. */
static void aspace_array_rebuild(struct vnetrs_instance *inst)
{
	struct vnetrs_aspace *aspace;
	size_t n = 0;

	XFREE(MTYPE_VNETRS_ASPACE, inst->aspace_arr);
	inst->n_aspace_arr = vnetrs_aspaces_count(&inst->aspaces);
	if (!inst->n_aspace_arr)
		return;
	inst->aspace_arr = XCALLOC(MTYPE_VNETRS_ASPACE,
				   inst->n_aspace_arr *
					   sizeof(*inst->aspace_arr));
	frr_each (vnetrs_aspaces, &inst->aspaces, aspace)
		inst->aspace_arr[n++] = aspace->prefix;
}

struct vnetrs_aspace *vnetrs_aspace_find(struct vnetrs_instance *inst,
					 const struct vnetrs_prefix *p)
{
	struct vnetrs_aspace key = {.prefix = *p};

	return vnetrs_aspaces_find(&inst->aspaces, &key);
}

struct vnetrs_aspace *vnetrs_aspace_add(struct vnetrs_instance *inst,
					const struct vnetrs_prefix *p)
{
	struct vnetrs_aspace *aspace = vnetrs_aspace_find(inst, p);

	if (aspace)
		return aspace;
	aspace = XCALLOC(MTYPE_VNETRS_ASPACE, sizeof(*aspace));
	aspace->prefix = *p;
	vnetrs_aspaces_add(&inst->aspaces, aspace);
	aspace_array_rebuild(inst);
	return aspace;
}

void vnetrs_aspace_del(struct vnetrs_instance *inst,
		       struct vnetrs_aspace *aspace)
{
	vnetrs_aspaces_del(&inst->aspaces, aspace);
	XFREE(MTYPE_VNETRS_ASPACE, aspace);
	aspace_array_rebuild(inst);
}

struct vnetrs_peer *vnetrs_peer_find(struct vnetrs_instance *inst,
				     const char *addr)
{
	struct vnetrs_peer key = {};

	if (str2sockunion(addr, &key.su) < 0)
		return NULL;
	return vnetrs_peers_find(&inst->peers, &key);
}

struct vnetrs_peer *vnetrs_peer_add(struct vnetrs_instance *inst,
				    const char *addr)
{
	struct prefix host;
	struct vnetrs_peer *vp = vnetrs_peer_find(inst, addr);

	if (vp)
		return vp;
	vp = XCALLOC(MTYPE_VNETRS_PEER, sizeof(*vp));
	if (str2sockunion(addr, &vp->su) < 0) {
		/* YANG validation guarantees a valid address. */
		XFREE(MTYPE_VNETRS_PEER, vp);
		return NULL;
	}
	sockunion2str(&vp->su, vp->addr, sizeof(vp->addr));
	sockunion2hostprefix(&vp->su, &host);
	vnetrs_prefix_from_frr(&host, &vp->host);
	vp->inst = inst;
	vp->role = VNETRS_ROLE_NVA;
	vnetrs_peers_add(&inst->peers, vp);
	return vp;
}

struct peer *vnetrs_peer_bgp(const struct vnetrs_peer *vp)
{
	struct bgp *bgp = vnetrs_instance_bgp(vp->inst);
	union sockunion su = vp->su;
	struct peer *peer = bgp ? peer_lookup(bgp, &su) : NULL;

	/* A "bgp listen range" neighbor of the same address is not ours:
	 * the module's settings are on the configured neighbor only. */
	return peer && !peer_dynamic_neighbor(peer) ? peer : NULL;
}

struct vnetrs_peer *vnetrs_peer_of(const struct peer *peer)
{
	return vnetrs_peer_in(vnetrs_instance_of(peer->bgp), peer);
}

struct vnetrs_peer *vnetrs_peer_in(struct vnetrs_instance *inst,
				   const struct peer *peer)
{
	struct vnetrs_peer key = {};

	if (!inst || !vnetrs_peer_su(peer)->sa.sa_family ||
	    CHECK_FLAG(peer->flags, PEER_FLAG_DYNAMIC_NEIGHBOR))
		return NULL;
	key.su = *vnetrs_peer_su(peer);
	return vnetrs_peers_find(&inst->peers, &key);
}

size_t vnetrs_instance_nva_count(const struct vnetrs_instance *inst)
{
	const struct vnetrs_peer *vp;
	size_t n = 0;

	frr_each (vnetrs_peers_const, &inst->peers, vp)
		n += vp->role == VNETRS_ROLE_NVA;
	return n;
}

void vnetrs_peer_set_description(struct vnetrs_peer *vp, const char *desc)
{
	XFREE(MTYPE_VNETRS_PEER, vp->description);
	if (desc)
		vp->description = XSTRDUP(MTYPE_VNETRS_PEER, desc);
}

/*
 * Create the bgpd neighbor with the route-server settings, or adopt an
 * existing one: a neighbor the user configured natively (or that an earlier
 * run wrote to the config before our node) keeps its knobs; only its AS and
 * description follow the peer.
 */
void vnetrs_peer_sync(struct vnetrs_peer *vp)
{
	struct bgp *bgp = vnetrs_instance_bgp(vp->inst);
	struct peer *peer;
	as_t as = vp->remote_as;
	int as_type;
	bool created;
	int ret;

	if (!bgp) {
		vnetrs_warn("no BGP instance for VRF %s: peer %s not set up",
			  vp->inst->vrf, vp->addr);
		return;
	}

	peer = peer_lookup(bgp, &vp->su);
	created = !peer;
	/* remote_as 0: a gateway in the route server's own AS (iBGP). */
	as_type = vp->remote_as ? AS_SPECIFIED : AS_INTERNAL;
	if (!peer || !vnetrs_peer_as_is_ours(vp, peer)) {
		ret = vnetrs_peer_remote_as(bgp, &vp->su, &as, as_type);
		if (ret < 0) {
			vnetrs_err("cannot set up neighbor %s (AS %u): bgpd error %d",
				 vp->addr, vp->remote_as, ret);
			return;
		}
		peer = peer_lookup(bgp, &vp->su);
		if (peer && created)
			vnetrs_info("created neighbor %s AS %u (%s)",
				  vp->addr, peer->as, vnetrs_role2str(vp->role));
	}
	if (!peer)
		return;
	vnetrs_policy_apply(vp, peer, created);
	if (vp->description)
		peer_description_set(peer, vp->description);
	else if (peer->desc)
		peer_description_unset(peer);
}

void vnetrs_peer_unconfigure(struct vnetrs_peer *vp)
{
	struct peer *peer = vnetrs_peer_bgp(vp);

	if (peer && !peer_dynamic_neighbor(peer)) {
		struct peer *other = peer->doppelganger;

		vnetrs_info("removing neighbor %s", vp->addr);
		vnetrs_peer_notify_unconfig(peer);
		peer_delete(peer);
		if (other && vnetrs_peer_status(other) != Deleted) {
			vnetrs_peer_notify_unconfig(other);
			peer_delete(other);
		}
	}
}

void vnetrs_peer_del(struct vnetrs_peer *vp)
{
	EVENT_OFF(vp->t_limit);
	vnetrs_peers_del(&vp->inst->peers, vp);
	XFREE(MTYPE_VNETRS_PEER, vp->description);
	XFREE(MTYPE_VNETRS_PEER, vp->rmap_in);
	XFREE(MTYPE_VNETRS_PEER, vp->rmap_out);
	XFREE(MTYPE_VNETRS_PEER, vp);
}

const char *vnetrs_peer_last_reset(const struct vnetrs_peer *vp)
{
	struct peer *peer = vnetrs_peer_bgp(vp);

	if (!peer)
		return "";
	/* bgpd holds the session down until "clear bgp". */
	if (CHECK_FLAG(peer->sflags, PEER_STATUS_PREFIX_OVERFLOW))
		return "route-limit exceeded";
	/* While the session is up, an old reason would only mislead. */
	if (!peer->resettime || vnetrs_peer_is_established(peer))
		return "";
	return peer_down_str[peer->last_reset];
}

const char *vnetrs_peer_session_state(const struct vnetrs_peer *vp)
{
	struct peer *peer = vnetrs_peer_bgp(vp);

	if (!peer)
		return "NoNeighbor";
	return lookup_msg(bgp_status_msg, vnetrs_peer_status(peer), NULL);
}

void vnetrs_peer_counters(const struct vnetrs_peer *vp,
			  struct vnetrs_peer_counters *c)
{
	struct peer *peer = vnetrs_peer_bgp(vp);
	afi_t afi;

	memset(c, 0, sizeof(*c));
	if (!peer)
		return;
	c->established = peer->established;
	for (afi = AFI_IP; afi <= AFI_IP6; afi++) {
		struct peer_af *paf = peer_af_find(peer, afi, SAFI_UNICAST);

		c->learned_af[afi - AFI_IP] = peer->pcount[afi][SAFI_UNICAST];
		if (paf && PAF_SUBGRP(paf))
			c->advertised_af[afi - AFI_IP] =
				PAF_SUBGRP(paf)->scount;
		c->learned += c->learned_af[afi - AFI_IP];
		c->advertised += c->advertised_af[afi - AFI_IP];
	}
}

/*
 * The BGP instance of a route server is going away ("no router bgp"): drop
 * the route server's configuration with it, through a commit of our own, so
 * it does not come back with the next "router bgp". The shared candidate of
 * the vtys gets the same edit, or its next commit would restore the node.
 */
void vnetrs_instance_purge(const char *vrf)
{
	struct nb_context context = {.client = NB_CLIENT_NONE};
	char xpath[XPATH_MAXLEN], errmsg[BUFSIZ] = {};
	struct nb_config *candidate;
	struct lyd_node *dnode;
	int ret;

	snprintf(xpath, sizeof(xpath), VNETRS_XPATH_INSTANCE, vrf);
	candidate = nb_config_dup(running_config);
	dnode = yang_dnode_get(candidate->dnode, xpath);
	if (dnode) {
		lyd_free_tree(dnode);
		ret = vnetrs_nb_candidate_commit(&context, candidate,
						 "vnetrs: BGP instance deleted",
						 errmsg, sizeof(errmsg));
		if (ret != NB_OK && ret != NB_ERR_NO_CHANGES)
			vnetrs_err("could not remove the route server of VRF %s with its BGP instance: %s",
				 vrf, errmsg);
	}
	nb_config_free(candidate);

	dnode = yang_dnode_get(vty_shared_candidate_config->dnode, xpath);
	if (dnode)
		lyd_free_tree(dnode);
}
