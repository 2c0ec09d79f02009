// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: northbound configuration callbacks.
 *
 * NB_EV_VALIDATE refuses what the route server cannot take (reserved ASNs,
 * overlapping address spaces, ...) with a message for the user, before any
 * state changes; NB_EV_APPLY then keeps the vnetrs structures and the bgpd
 * neighbors in step with the running configuration. The rules of an entry
 * on its own (a VPN gateway's two addresses, ...) are pre_validate
 * callbacks: they read the candidate's entry, and the CLI runs them at once
 * for a line of a file (vnetrs_nb_entry_check()).
 */
#include <zebra.h>

#include "lib/log.h"
#include "lib/northbound.h"
#include "lib/northbound_cli.h"
#include "lib/yang.h"

#include "bgpd/bgpd.h"
#include "bgpd/bgp_zebra.h"

#include "../logic/vnetrs_address.h"
#include "../logic/vnetrs_asn.h"
#include "../logic/vnetrs_prefix.h"
#include "vnetrs.h"
#include "vnetrs_debug.h"
#include "vnetrs_effective.h"
#include "vnetrs_gateway.h"
#include "vnetrs_instance.h"
#include "vnetrs_origin.h"
#include "vnetrs_policy.h"
#include "vnetrs_nb.h"
#include "vnetrs_stream.h"

/* The BGP instance the route-server instance above dnode belongs to. */
static struct bgp *dnode_bgp(const struct lyd_node *dnode)
{
	const struct lyd_node *idn = yang_dnode_get_parent(dnode, "instance");
	const char *vrf;

	if (!idn)
		return NULL;
	vrf = yang_dnode_get_string(idn, "./vrf");
	if (strcmp(vrf, VRF_DEFAULT_NAME) == 0)
		return bgp_get_default();
	return bgp_lookup_by_name(vrf);
}

/*
 * Can a peer or gateway instance have the address str (the rules are in
 * logic/vnetrs_address.c)? Here the system is read for them: is str the
 * router-id of bgp, or on an interface of its VRF? bgpd refuses such a
 * neighbor ("Can not configure the local system as neighbor"); the module
 * creates its neighbors itself and must refuse them too.
 */
static bool address_check(struct bgp *bgp, const char *what, const char *str,
			  char *errmsg, size_t len)
{
	struct vnetrs_address_self self = {};
	struct vnetrs_prefix a;
	struct in6_addr a6;
	struct in_addr a4;

	if (!bgp || vnetrs_address_parse(str, &a) < 0)
		return vnetrs_address_check(what, str, NULL, errmsg, len);
	if (a.family == VNETRS_AF_INET) {
		memcpy(&a4, a.addr, sizeof(a4));
		self.on_interface = !!if_lookup_by_ipv4_exact(&a4, bgp->vrf_id);
		self.router_id.family = VNETRS_AF_INET;
		self.router_id.len = 32;
		memcpy(self.router_id.addr, &bgp->router_id, sizeof(a4));
	} else {
		memcpy(&a6, a.addr, sizeof(a6));
		self.on_interface =
			!!if_lookup_by_ipv6_exact(&a6, 0, bgp->vrf_id);
	}
	return vnetrs_address_check(what, str, &self, errmsg, len);
}

/*
 * Instance.
 */
int vnetrs_instance_create(struct nb_cb_create_args *args)
{
	const char *vrf = yang_dnode_get_string(args->dnode, "./vrf");
	struct vnetrs_instance *inst;

	switch (args->event) {
	case NB_EV_VALIDATE:
		if (!dnode_bgp(args->dnode)) {
			snprintf(args->errmsg, args->errmsg_len,
				 "no BGP instance for VRF %s: configure 'router bgp' first",
				 vrf);
			return NB_ERR_VALIDATION;
		}
		return NB_OK;
	case NB_EV_PREPARE:
	case NB_EV_ABORT:
		return NB_OK;
	case NB_EV_APPLY:
		break;
	}
	inst = vnetrs_instance_get(vrf);
	inst->route_limit =
		yang_dnode_get_uint32(args->dnode, "./route-limit/limit");
	inst->route_limit_warning_only =
		yang_dnode_get_bool(args->dnode, "./route-limit/warning-only");
	inst->max_peers = yang_dnode_get_uint16(args->dnode, "./max-peers");
	nb_running_set_entry(args->dnode, inst);
	vnetrs_info("route server enabled for VRF %s", vrf);
	return NB_OK;
}

int vnetrs_instance_destroy(struct nb_cb_destroy_args *args)
{
	struct vnetrs_instance *inst;
	struct vnetrs_aspace *as;
	struct vnetrs_peer *vp;

	if (args->event != NB_EV_APPLY)
		return NB_OK;
	inst = nb_running_unset_entry(args->dnode);
	frr_each (vnetrs_peers, &inst->peers, vp)
		vnetrs_peer_unconfigure(vp);
	frr_each (vnetrs_aspaces, &inst->aspaces, as)
		vnetrs_origin_withdraw(inst, as);
	vnetrs_info("route server disabled for VRF %s", inst->vrf);
	vnetrs_instance_free(inst);
	return NB_OK;
}

/*
 * Limits.
 */
int vnetrs_route_limit_modify(struct nb_cb_modify_args *args)
{
	struct vnetrs_instance *inst;

	if (args->event != NB_EV_APPLY)
		return NB_OK;
	inst = nb_running_get_entry(args->dnode, NULL, true);
	inst->route_limit = yang_dnode_get_uint32(args->dnode, NULL);
	vnetrs_policy_limits(inst);
	/* warning-only refuses routes at the limit: a higher limit lets
	 * refused routes in. */
	if (inst->route_limit_warning_only)
		vnetrs_policy_reevaluate(inst);
	return NB_OK;
}

int vnetrs_route_limit_warning_modify(struct nb_cb_modify_args *args)
{
	struct vnetrs_instance *inst;

	if (args->event != NB_EV_APPLY)
		return NB_OK;
	inst = nb_running_get_entry(args->dnode, NULL, true);
	inst->route_limit_warning_only = yang_dnode_get_bool(args->dnode, NULL);
	vnetrs_policy_limits(inst);
	vnetrs_policy_reevaluate(inst);
	return NB_OK;
}

static int count_cb(const struct lyd_node *dnode, void *arg)
{
	(*(uint32_t *)arg)++;
	return YANG_ITER_CONTINUE;
}

/* NVA peers of the route-server instance dnode (gateways are counted
 * apart: they are not peers in this list). */
static uint32_t nva_peers(const struct lyd_node *instance)
{
	uint32_t n = 0;

	yang_dnode_iterate(count_cb, &n, instance, "./peer");
	return n;
}

int vnetrs_max_peers_modify(struct nb_cb_modify_args *args)
{
	uint16_t max = yang_dnode_get_uint16(args->dnode, NULL);
	struct vnetrs_instance *inst;
	uint32_t n;

	switch (args->event) {
	case NB_EV_VALIDATE:
		n = nva_peers(lyd_parent(args->dnode));
		if (n > max) {
			snprintf(args->errmsg, args->errmsg_len,
				 "max-peers %u: the route server has %u NVA peers; remove peers first",
				 max, n);
			return NB_ERR_VALIDATION;
		}
		return NB_OK;
	case NB_EV_PREPARE:
	case NB_EV_ABORT:
		return NB_OK;
	case NB_EV_APPLY:
		break;
	}
	inst = nb_running_get_entry(args->dnode, NULL, true);
	inst->max_peers = max;
	return NB_OK;
}

/*
 * Toggles.
 */
int vnetrs_b2b_modify(struct nb_cb_modify_args *args)
{
	struct vnetrs_instance *inst;
	bool on;

	if (args->event != NB_EV_APPLY)
		return NB_OK;
	inst = nb_running_get_entry(args->dnode, NULL, true);
	on = yang_dnode_get_bool(args->dnode, NULL);
	if (inst->branch_to_branch == on)
		return NB_OK;
	inst->branch_to_branch = on;
	vnetrs_info("branch-to-branch %s for VRF %s", on ? "on" : "off",
		  inst->vrf);
	/* The outbound policy runs again: adds and withdraws, no reset. */
	vnetrs_policy_readvertise(inst);
	return NB_OK;
}

/*
 * Graceful maintenance (RFC 8326): peers are sent every route again, with
 * GRACEFUL_SHUTDOWN and the longer AS path (vnetrs_policy.c), without a
 * session reset; SDN consumers hear that the instance drains.
 */
int vnetrs_maintenance_modify(struct nb_cb_modify_args *args)
{
	struct vnetrs_instance *inst;
	bool on;

	if (args->event != NB_EV_APPLY)
		return NB_OK;
	inst = nb_running_get_entry(args->dnode, NULL, true);
	on = yang_dnode_get_bool(args->dnode, NULL);
	if (inst->maintenance == on)
		return NB_OK;
	inst->maintenance = on;
	inst->maintenance_wall = time(NULL);
	monotime(&inst->maintenance_since);
	if (on)
		vnetrs_info(
			"maintenance started for VRF %s: routes are advertised with GRACEFUL_SHUTDOWN, SDN consumers are told this instance drains",
			inst->vrf);
	else
		vnetrs_info(
			"maintenance ended for VRF %s: routes are advertised as usual, SDN consumers are told this instance no longer drains",
			inst->vrf);
	vnetrs_policy_readvertise(inst);
	if (!on)
		vnetrs_policy_drain_forget(false);
	vnetrs_stream_drain_changed(inst);
	return NB_OK;
}

int vnetrs_preference_modify(struct nb_cb_modify_args *args)
{
	struct vnetrs_instance *inst;
	const char *pref;

	if (args->event != NB_EV_APPLY)
		return NB_OK;
	inst = nb_running_get_entry(args->dnode, NULL, true);
	pref = yang_dnode_get_string(args->dnode, NULL);
	if (strcmp(pref, "vpn-nva") == 0)
		inst->preference = VNETRS_PREF_VPN_NVA;
	else if (strcmp(pref, "as-path") == 0)
		inst->preference = VNETRS_PREF_AS_PATH;
	else
		inst->preference = VNETRS_PREF_EXPRESSROUTE;
	vnetrs_effective_mark_all(inst);
	/* The inbound policy ranks paths by it (local preference): run it
	 * again, so bgpd's best path, hence what peers receive, follows. */
	vnetrs_policy_reevaluate(inst);
	return NB_OK;
}

/*
 * Gateways: the route server peers with each instance of the gateway.
 */
static enum vnetrs_role gateway_role(const struct lyd_node *gw)
{
	return strcmp(yang_dnode_get_string(gw, "./type"), "vpn") == 0
		       ? VNETRS_ROLE_VPN
		       : VNETRS_ROLE_EXPRESSROUTE;
}

struct addr_ctx {
	const char *addrs[2];
	size_t n;
	size_t total;
};

static int gw_addr_cb(const struct lyd_node *dnode, void *arg)
{
	struct addr_ctx *ctx = arg;

	if (ctx->n < array_size(ctx->addrs))
		ctx->addrs[ctx->n++] = yang_dnode_get_string(dnode, NULL);
	ctx->total++;
	return YANG_ITER_CONTINUE;
}

/* Is addr one of the NVA peers (candidate configuration of instance)? */
static bool is_nva_peer(const struct lyd_node *instance, const char *addr)
{
	const struct lyd_node *dnode;

	LY_LIST_FOR (lyd_child(instance), dnode)
		if (strcmp(dnode->schema->name, "peer") == 0 &&
		    vnetrs_address_same(
			    addr, yang_dnode_get_string(dnode, "./address")))
			return true;
	return false;
}

static const char *gateway_owning(const struct lyd_node *instance,
				  const char *addr,
				  const struct lyd_node *except);

/*
 * A gateway entry on its own, in the candidate: one or two addresses, two
 * for a VPN gateway. A pre_validate callback, as the number of addresses
 * also changes when one is removed (a VPN gateway replaced by one with a
 * single address), where no callback sees the candidate's entry.
 */
int vnetrs_gateway_pre_validate(struct nb_cb_pre_validate_args *args)
{
	const char *type = yang_dnode_get_string(args->dnode, "./type");
	struct addr_ctx ctx = {};

	yang_dnode_iterate(gw_addr_cb, &ctx, args->dnode, "./address");
	if (ctx.total > 2) {
		snprintf(args->errmsg, args->errmsg_len,
			 "gateway %s: give one or two addresses (its instances)",
			 type);
		return NB_ERR_VALIDATION;
	}
	if (strcmp(type, "vpn") == 0 && ctx.total != 2) {
		snprintf(args->errmsg, args->errmsg_len,
			 "gateway vpn%s%s: a VPN gateway must be active-active: give the addresses of both its instances",
			 ctx.n ? " " : "", ctx.n ? ctx.addrs[0] : "");
		return NB_ERR_VALIDATION;
	}
	return NB_OK;
}

/*
 * The checks of an address added to a gateway entry (which is also when
 * the gateway is created) against the rest of the configuration.
 */
static int gateway_check(const struct lyd_node *gw, const char *addr,
			 char *errmsg, size_t errlen)
{
	const char *type = yang_dnode_get_string(gw, "./type");
	const char *other;
	char what[32];

	snprintf(what, sizeof(what), "gateway %s", type);
	if (!address_check(dnode_bgp(gw), what, addr, errmsg, errlen))
		return NB_ERR_VALIDATION;
	if (is_nva_peer(lyd_parent(gw), addr)) {
		snprintf(errmsg, errlen, "gateway %s %s: %s is an NVA peer",
			 type, addr, addr);
		return NB_ERR_VALIDATION;
	}
	other = gateway_owning(lyd_parent(gw), addr, gw);
	if (other) {
		snprintf(errmsg, errlen,
			 "gateway %s %s: %s is an instance of the %s gateway",
			 type, addr, addr, other);
		return NB_ERR_VALIDATION;
	}
	return NB_OK;
}

int vnetrs_gateway_create(struct nb_cb_create_args *args)
{
	return NB_OK;
}

int vnetrs_gateway_destroy(struct nb_cb_destroy_args *args)
{
	if (args->event != NB_EV_APPLY)
		return NB_OK;
	vnetrs_gateway_set(nb_running_get_entry(args->dnode, NULL, true),
			   gateway_role(args->dnode), NULL, 0, 0);
	return NB_OK;
}

/* Addresses and AS are applied together, once the entry is complete. */
void vnetrs_gateway_apply_finish(struct nb_cb_apply_finish_args *args)
{
	struct addr_ctx ctx = {};
	uint32_t asn = 0;

	yang_dnode_iterate(gw_addr_cb, &ctx, args->dnode, "./address");
	if (yang_dnode_exists(args->dnode, "./remote-as"))
		asn = yang_dnode_get_uint32(args->dnode, "./remote-as");
	vnetrs_gateway_set(nb_running_get_entry(args->dnode, NULL, true),
			   gateway_role(args->dnode), ctx.addrs, ctx.n, asn);
}

int vnetrs_gateway_address_create(struct nb_cb_create_args *args)
{
	if (args->event != NB_EV_VALIDATE)
		return NB_OK;
	return gateway_check(lyd_parent(args->dnode),
			     yang_dnode_get_string(args->dnode, NULL),
			     args->errmsg, args->errmsg_len);
}

int vnetrs_gateway_address_destroy(struct nb_cb_destroy_args *args)
{
	return NB_OK;
}

int vnetrs_gateway_remote_as_modify(struct nb_cb_modify_args *args)
{
	uint32_t asn = yang_dnode_get_uint32(args->dnode, NULL);
	struct bgp *bgp;
	char err[192];

	if (args->event != NB_EV_VALIDATE)
		return NB_OK;
	bgp = dnode_bgp(args->dnode);
	/* The route server's own AS is fine for a gateway: iBGP. */
	if (bgp && asn == bgp->as)
		return NB_OK;
	if (!vnetrs_asn_check(asn, bgp ? bgp->as : 0, false, err,
			      sizeof(err))) {
		snprintf(args->errmsg, args->errmsg_len, "gateway %s: %s",
			 yang_dnode_get_string(args->dnode, "../type"), err);
		return NB_ERR_VALIDATION;
	}
	return NB_OK;
}

int vnetrs_gateway_remote_as_destroy(struct nb_cb_destroy_args *args)
{
	return NB_OK;
}

/*
 * Address spaces.
 */
struct overlap_ctx {
	const struct lyd_node *self;
	struct vnetrs_prefix p;
	char other[VNETRS_PREFIX_STRLEN];
};

static int aspace_overlap_cb(const struct lyd_node *dnode, void *arg)
{
	struct overlap_ctx *ctx = arg;
	struct vnetrs_prefix q;
	char err[128];

	if (dnode == ctx->self)
		return YANG_ITER_CONTINUE;
	if (vnetrs_prefix_parse(yang_dnode_get_string(dnode, "./prefix"), &q,
				err, sizeof(err)) < 0)
		return YANG_ITER_CONTINUE;
	if (vnetrs_prefix_overlaps(&ctx->p, &q)) {
		vnetrs_prefix2str(&q, ctx->other, sizeof(ctx->other));
		return YANG_ITER_STOP;
	}
	return YANG_ITER_CONTINUE;
}

int vnetrs_aspace_create(struct nb_cb_create_args *args)
{
	const char *str = yang_dnode_get_string(args->dnode, "./prefix");
	struct vnetrs_instance *inst;
	struct vnetrs_aspace *as;
	struct overlap_ctx ctx = {.self = args->dnode};
	struct vnetrs_prefix range;
	const char *why;
	char err[128];

	switch (args->event) {
	case NB_EV_VALIDATE:
		if (vnetrs_prefix_parse(str, &ctx.p, err, sizeof(err)) < 0) {
			snprintf(args->errmsg, args->errmsg_len,
				 "address-space %s", err);
			return NB_ERR_VALIDATION;
		}
		if (ctx.p.len == 0) {
			snprintf(args->errmsg, args->errmsg_len,
				 "address-space %s: the default route cannot be an address space",
				 str);
			return NB_ERR_VALIDATION;
		}
		why = vnetrs_prefix_reserved(&ctx.p, &range);
		if (why) {
			snprintf(args->errmsg, args->errmsg_len,
				 "address-space %s overlaps %s, %s, which a VNet cannot use",
				 str,
				 vnetrs_prefix2str(&range, ctx.other,
						   sizeof(ctx.other)),
				 why);
			return NB_ERR_VALIDATION;
		}
		yang_dnode_iterate(aspace_overlap_cb, &ctx,
				   lyd_parent(args->dnode), "./address-space");
		if (ctx.other[0]) {
			snprintf(args->errmsg, args->errmsg_len,
				 "address-space %s overlaps address-space %s",
				 str, ctx.other);
			return NB_ERR_VALIDATION;
		}
		return NB_OK;
	case NB_EV_PREPARE:
	case NB_EV_ABORT:
		return NB_OK;
	case NB_EV_APPLY:
		break;
	}
	if (vnetrs_prefix_parse(str, &ctx.p, err, sizeof(err)) < 0)
		return NB_ERR_INCONSISTENCY; /* validated above */
	inst = nb_running_get_entry(args->dnode, NULL, true);
	as = vnetrs_aspace_add(inst, &ctx.p);
	as->peered = yang_dnode_get_bool(args->dnode, "./peered");
	nb_running_set_entry(args->dnode, as);
	vnetrs_effective_aspace_set(inst, as);
	vnetrs_origin_update(inst, as);
	/* Routes for the new space, or inside it, are rejected from now. */
	vnetrs_policy_reevaluate(inst);
	return NB_OK;
}

int vnetrs_aspace_destroy(struct nb_cb_destroy_args *args)
{
	struct vnetrs_instance *inst;
	struct vnetrs_aspace *as;

	if (args->event != NB_EV_APPLY)
		return NB_OK;
	as = nb_running_unset_entry(args->dnode);
	inst = nb_running_get_entry(lyd_parent(args->dnode), NULL, true);
	vnetrs_origin_withdraw(inst, as);
	vnetrs_effective_aspace_unset(inst, as);
	vnetrs_aspace_del(inst, as);
	vnetrs_policy_reevaluate(inst);
	return NB_OK;
}

int vnetrs_aspace_peered_modify(struct nb_cb_modify_args *args)
{
	struct vnetrs_aspace *as;

	if (args->event != NB_EV_APPLY)
		return NB_OK;
	as = nb_running_get_entry(args->dnode, NULL, true);
	as->peered = yang_dnode_get_bool(args->dnode, NULL);
	/* leaf -> address-space -> instance */
	vnetrs_effective_aspace_set(
		nb_running_get_entry(lyd_parent(lyd_parent(args->dnode)), NULL,
				     true),
		as);
	return NB_OK;
}

/*
 * Peers.
 */
#define PEER_DESC_MAX 80

/* A peer entry on its own: its description is not too long. */
int vnetrs_peer_pre_validate(struct nb_cb_pre_validate_args *args)
{
	const char *desc;

	if (!yang_dnode_exists(args->dnode, "./description"))
		return NB_OK;
	desc = yang_dnode_get_string(args->dnode, "./description");
	if (strlen(desc) <= PEER_DESC_MAX)
		return NB_OK;
	snprintf(args->errmsg, args->errmsg_len,
		 "peer %s: description is %zu characters, at most %d are allowed",
		 yang_dnode_get_string(args->dnode, "./address"), strlen(desc),
		 PEER_DESC_MAX);
	return NB_ERR_VALIDATION;
}

/*
 * The type of the gateway of instance (candidate configuration) that lists
 * addr, other than the gateway except; NULL when there is none.
 */
static const char *gateway_owning(const struct lyd_node *instance,
				  const char *addr,
				  const struct lyd_node *except)
{
	const struct lyd_node *gw, *a;

	LY_LIST_FOR (lyd_child(instance), gw) {
		if (gw == except || strcmp(gw->schema->name, "gateway") != 0)
			continue;
		LY_LIST_FOR (lyd_child(gw), a)
			if (strcmp(a->schema->name, "address") == 0 &&
			    vnetrs_address_same(addr,
						yang_dnode_get_string(a, NULL)))
				return yang_dnode_get_string(gw, "./type");
	}
	return NULL;
}

/* Is the remote-as of the peer entry dnode one an NVA can have? */
static bool peer_asn_valid(const struct lyd_node *dnode, struct bgp *bgp,
			   char *errmsg, size_t errlen)
{
	char err[192];

	if (!yang_dnode_exists(dnode, "./remote-as"))
		return true; /* mandatory: libyang says so */
	if (vnetrs_asn_check(yang_dnode_get_uint32(dnode, "./remote-as"),
			     bgp ? bgp->as : 0, true, err, sizeof(err)))
		return true;
	snprintf(errmsg, errlen, "peer %s: %s",
		 yang_dnode_get_string(dnode, "./address"), err);
	return false;
}

int vnetrs_peer_create(struct nb_cb_create_args *args)
{
	const char *addr = yang_dnode_get_string(args->dnode, "./address");
	struct vnetrs_instance *inst;
	struct vnetrs_peer *vp;

	switch (args->event) {
	case NB_EV_VALIDATE: {
		struct bgp *bgp = dnode_bgp(args->dnode);
		union sockunion su;
		struct peer *peer;

		const struct lyd_node *idn = lyd_parent(args->dnode);
		uint32_t max = yang_dnode_get_uint16(idn, "./max-peers");
		uint32_t n = nva_peers(idn);

		const char *gw_type;

		if (!address_check(bgp, "peer", addr, args->errmsg,
				   args->errmsg_len))
			return NB_ERR_VALIDATION;
		gw_type = gateway_owning(idn, addr, NULL);
		if (gw_type) {
			snprintf(args->errmsg, args->errmsg_len,
				 "peer %s: %s is a gateway instance (of the %s gateway)",
				 addr, addr, gw_type);
			return NB_ERR_VALIDATION;
		}
		if (bgp && str2sockunion(addr, &su) == 0 &&
		    (peer = peer_lookup(bgp, &su)) && peer->group) {
			snprintf(args->errmsg, args->errmsg_len,
				 "peer %s: neighbor %s is a member of peer-group %s; remove it from the group first",
				 addr, addr, peer->group->name);
			return NB_ERR_VALIDATION;
		}
		/* What is wrong with the peer itself is said before the
		 * limit: its AS is validated again with the leaf. */
		if (!peer_asn_valid(args->dnode, bgp, args->errmsg,
				    args->errmsg_len))
			return NB_ERR_VALIDATION;
		if (n > max) {
			snprintf(args->errmsg, args->errmsg_len,
				 "peer %s: max-peers %u reached: the route server already has %u NVA peers (remove one, or raise max-peers)",
				 addr, max, n - 1);
			return NB_ERR_VALIDATION;
		}
		return NB_OK;
	}
	case NB_EV_PREPARE:
	case NB_EV_ABORT:
		return NB_OK;
	case NB_EV_APPLY:
		break;
	}
	inst = nb_running_get_entry(args->dnode, NULL, true);
	vp = vnetrs_peer_add(inst, addr);
	if (!vp)
		return NB_ERR_INCONSISTENCY;
	nb_running_set_entry(args->dnode, vp);
	return NB_OK;
}

int vnetrs_peer_destroy(struct nb_cb_destroy_args *args)
{
	struct vnetrs_peer *vp;

	if (args->event != NB_EV_APPLY)
		return NB_OK;
	vp = nb_running_unset_entry(args->dnode);
	vnetrs_peer_unconfigure(vp);
	vnetrs_peer_del(vp);
	return NB_OK;
}

/* All leaves of the peer are applied: bring the bgpd neighbor in line. */
void vnetrs_peer_apply_finish(struct nb_cb_apply_finish_args *args)
{
	vnetrs_peer_sync(nb_running_get_entry(args->dnode, NULL, true));
}

int vnetrs_peer_remote_as_modify(struct nb_cb_modify_args *args)
{
	uint32_t asn = yang_dnode_get_uint32(args->dnode, NULL);
	struct vnetrs_peer *vp;

	switch (args->event) {
	case NB_EV_VALIDATE:
		if (!peer_asn_valid(lyd_parent(args->dnode),
				    dnode_bgp(args->dnode), args->errmsg,
				    args->errmsg_len))
			return NB_ERR_VALIDATION;
		return NB_OK;
	case NB_EV_PREPARE:
	case NB_EV_ABORT:
		return NB_OK;
	case NB_EV_APPLY:
		break;
	}
	vp = nb_running_get_entry(args->dnode, NULL, true);
	vp->remote_as = asn;
	return NB_OK;
}

int vnetrs_peer_description_modify(struct nb_cb_modify_args *args)
{
	if (args->event != NB_EV_APPLY)
		return NB_OK;
	vnetrs_peer_set_description(nb_running_get_entry(args->dnode, NULL,
							 true),
				    yang_dnode_get_string(args->dnode, NULL));
	return NB_OK;
}

int vnetrs_peer_description_destroy(struct nb_cb_destroy_args *args)
{
	if (args->event != NB_EV_APPLY)
		return NB_OK;
	vnetrs_peer_set_description(nb_running_get_entry(args->dnode, NULL,
							 true),
				    NULL);
	return NB_OK;
}

/* route-map-in or route-map-out of a peer: the leaf's name says which. */
static bool rmap_leaf_inbound(const struct lyd_node *dnode)
{
	return strcmp(dnode->schema->name, "route-map-in") == 0;
}

int vnetrs_peer_rmap_modify(struct nb_cb_modify_args *args)
{
	const char *name = yang_dnode_get_string(args->dnode, NULL);

	switch (args->event) {
	case NB_EV_VALIDATE:
		if (vnetrs_policy_owns_rmap(name)) {
			snprintf(args->errmsg, args->errmsg_len,
				 "peer %s: route-map %s belongs to the route server (names starting with 'vnetrs-' are reserved): name your own route-map",
				 yang_dnode_get_string(lyd_parent(args->dnode),
						       "./address"),
				 name);
			return NB_ERR_VALIDATION;
		}
		return NB_OK;
	case NB_EV_PREPARE:
	case NB_EV_ABORT:
		return NB_OK;
	case NB_EV_APPLY:
		break;
	}
	vnetrs_policy_user_rmap_set(nb_running_get_entry(args->dnode, NULL,
							 true),
				    rmap_leaf_inbound(args->dnode), name);
	return NB_OK;
}

int vnetrs_peer_rmap_destroy(struct nb_cb_destroy_args *args)
{
	if (args->event != NB_EV_APPLY)
		return NB_OK;
	vnetrs_policy_user_rmap_set(nb_running_get_entry(args->dnode, NULL,
							 true),
				    rmap_leaf_inbound(args->dnode), NULL);
	return NB_OK;
}

/*
 * The checks of the entries under dnode on their own (their pre_validate
 * callbacks) run now, before the commit that would run them anyway: the
 * CLI refuses a file's line with them at once (see refuse() there).
 */
int vnetrs_nb_entry_check(const struct lyd_node *dnode, char *errmsg,
			  size_t errlen)
{
	struct nb_cb_pre_validate_args args = {
		.errmsg = errmsg,
		.errmsg_len = errlen,
	};
	const struct lyd_node *node;
	struct nb_node *nb_node;

	LYD_TREE_DFS_BEGIN (dnode, node) {
		nb_node = node->schema->priv;
		args.dnode = node;
		if (nb_node && nb_node->cbs.pre_validate &&
		    nb_node->cbs.pre_validate(&args) != NB_OK)
			return NB_ERR_VALIDATION;
		LYD_TREE_DFS_END(dnode, node);
	}
	return NB_OK;
}
