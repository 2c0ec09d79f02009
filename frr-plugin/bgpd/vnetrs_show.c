// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: show commands ("show bgp vnet-route-server ...").
 *
 * JSON keys are lower-case and dash-separated; prefixes are always
 * "A.B.C.D/L" or "X:X::X/L" strings; session states use FRR's names.
 */
#include <zebra.h>

#include "lib/routemap.h"

#include "lib/command.h"
#include "lib/json.h"
#include "lib/vty.h"

#include "bgpd/bgpd.h"
#include "bgpd/bgp_aspath.h"
#include "bgpd/bgp_attr.h"

#include "../../logic/vnetrs_prefix.h"
#include "../vnetrs.h"
#include "vnetrs_cli.h"
#include "../vnetrs_bgp.h"
#include "../vnetrs_debug.h"
#include "../vnetrs_effective.h"
#include "../vnetrs_gateway.h"
#include "../vnetrs_instance.h"
#include "../vnetrs_route_views.h"
#include "../vnetrs_stream.h"

#ifndef VTYSH_EXTRACT_PL
#include "vnetrs_show_clippy.c"
#endif

#define SHOW_VNETRS_STR                                                        \
	SHOW_STR BGP_STR "VNet route server\n"

static json_object *aspaces_json(struct vnetrs_instance *inst)
{
	json_object *arr = json_object_new_array();
	struct vnetrs_aspace *aspace;
	char buf[VNETRS_PREFIX_STRLEN];

	frr_each (vnetrs_aspaces, &inst->aspaces, aspace) {
		json_object *o = json_object_new_object();

		json_object_string_add(
			o, "prefix",
			vnetrs_prefix2str(&aspace->prefix, buf, sizeof(buf)));
		json_object_boolean_add(o, "peered", aspace->peered);
		json_object_array_add(arr, o);
	}
	return arr;
}

/* A user's route-map on a peer; a missing one denies everything. */
static void user_rmap_json(json_object *o, const char *key, const char *name)
{
	json_object *m;

	if (!name)
		return;
	m = json_object_new_object();
	json_object_string_add(m, "name", name);
	json_object_boolean_add(m, "exists",
				route_map_lookup_by_name(name) != NULL);
	json_object_object_add(o, key, m);
}

static void user_rmap_text(struct vty *vty, const char *dir, const char *name)
{
	if (name)
		vty_out(vty, "      route-map %s: %s%s\n", dir, name,
			route_map_lookup_by_name(name)
				? ""
				: " (does not exist: denies every route)");
}

/* Counts by address family (unicast): "ipv4", "ipv6". */
static json_object *afi_counts_json(const uint32_t af[2])
{
	json_object *o = json_object_new_object();

	json_object_int_add(o, "ipv4", af[0]);
	json_object_int_add(o, "ipv6", af[1]);
	return o;
}

/* Every reason, zero included, so a metric exists before its first route. */
static json_object *rejected_by_json(const struct vnetrs_peer *vp)
{
	json_object *o = json_object_new_object();

	for (size_t i = 0; i < VNETRS_REJECT_REASONS; i++)
		json_object_int_add(o, vnetrs_rejected_reason_name(i),
				    vp->rejected_by[i]);
	return o;
}

static json_object *peers_json(struct vnetrs_instance *inst)
{
	json_object *arr = json_object_new_array();
	struct vnetrs_peer *vp;

	frr_each (vnetrs_peers, &inst->peers, vp) {
		json_object *o = json_object_new_object();
		struct vnetrs_peer_counters c;

		vnetrs_peer_counters(vp, &c);
		json_object_string_add(o, "address", vp->addr);
		json_object_string_add(o, "role", vnetrs_role2str(vp->role));
		json_object_int_add(o, "remote-as", vnetrs_peer_asn(vp));
		if (vp->description)
			json_object_string_add(o, "description",
					       vp->description);
		json_object_string_add(o, "state",
				       vnetrs_peer_session_state(vp));
		json_object_int_add(o, "established-count", c.established);
		json_object_int_add(o, "routes-learned", c.learned);
		json_object_int_add(o, "routes-advertised", c.advertised);
		json_object_int_add(o, "routes-rejected", vp->rejected);
		json_object_object_add(o, "routes-learned-by-afi",
				       afi_counts_json(c.learned_af));
		json_object_object_add(o, "routes-advertised-by-afi",
				       afi_counts_json(c.advertised_af));
		json_object_object_add(o, "routes-rejected-by-reason",
				       rejected_by_json(vp));
		if (*vnetrs_peer_last_reset(vp))
			json_object_string_add(o, "last-reset",
					       vnetrs_peer_last_reset(vp));
		user_rmap_json(o, "route-map-in", vp->rmap_in);
		user_rmap_json(o, "route-map-out", vp->rmap_out);
		if (*vp->warning)
			json_object_string_add(o, "warning", vp->warning);
		json_object_array_add(arr, o);
	}
	return arr;
}

/* Graceful maintenance: "draining" or "off", and since when (the last
 * change in this bgpd; none yet: "" and 0). */
static const char *maintenance_state(const struct vnetrs_instance *inst)
{
	return inst->maintenance ? "draining" : "off";
}

static const char *maintenance_since(const struct vnetrs_instance *inst,
				     char *buf, size_t len, int64_t *secs)
{
	struct tm tm;

	*secs = 0;
	buf[0] = '\0';
	if (!inst->maintenance_wall)
		return buf;
	*secs = monotime_since(&inst->maintenance_since, NULL) / 1000000;
	gmtime_r(&inst->maintenance_wall, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

static json_object *maintenance_json(const struct vnetrs_instance *inst)
{
	json_object *o = json_object_new_object();
	char since[32];
	int64_t secs;

	json_object_string_add(o, "state", maintenance_state(inst));
	maintenance_since(inst, since, sizeof(since), &secs);
	if (since[0]) {
		json_object_string_add(o, "since", since);
		json_object_int_add(o, "seconds", secs);
	}
	return o;
}

/* Kept as the table changes (route_replace()): no walk at 1M routes. */
static json_object *by_source_json(const struct vnetrs_instance *inst)
{
	json_object *o = json_object_new_object();

	for (int src = VNETRS_SOURCE_LOCAL; src <= VNETRS_SOURCE_OTHER; src++)
		json_object_int_add(o, vnetrs_source2str(src),
				    inst->routes_by_source[src]);
	return o;
}

static void show_summary_text(struct vty *vty, struct vnetrs_instance *inst,
			      struct bgp *bgp)
{
	char since[32];
	int64_t secs;

	struct vnetrs_aspace *aspace;
	struct vnetrs_peer *vp;
	char buf[VNETRS_PREFIX_STRLEN];

	vty_out(vty, "VNet route server, VRF %s\n", inst->vrf);
	if (bgp)
		vty_out(vty, "  Local AS %u, router-id %pI4\n", bgp->as,
			&bgp->router_id);
	vty_out(vty, "  Address spaces: %zu\n",
		vnetrs_aspaces_count(&inst->aspaces));
	frr_each (vnetrs_aspaces, &inst->aspaces, aspace)
		vty_out(vty, "    %s%s\n",
			vnetrs_prefix2str(&aspace->prefix, buf, sizeof(buf)),
			aspace->peered ? " (peered)" : "");
	vty_out(vty, "  Route limit %u per peer and address family%s\n",
		inst->route_limit,
		inst->route_limit_warning_only ? " (warning-only)" : "");
	vty_out(vty, "  Routing preference %s, branch-to-branch %s\n",
		vnetrs_preference2str(inst->preference),
		inst->branch_to_branch ? "on" : "off");
	maintenance_since(inst, since, sizeof(since), &secs);
	if (inst->maintenance)
		vty_out(vty,
			"  Maintenance: draining since %s (%" PRId64
			" s): routes advertised with GRACEFUL_SHUTDOWN, SDN consumers told\n",
			since, secs);
	else if (since[0])
		vty_out(vty, "  Maintenance: off since %s (%" PRId64 " s)\n",
			since, secs);
	else
		vty_out(vty, "  Maintenance: off\n");
	vty_out(vty, "  Effective routes: %zu\n",
		vnetrs_routes_count(&inst->routes));
	vty_out(vty, "  Peers: %zu (max-peers %u)\n",
		vnetrs_peers_count(&inst->peers), inst->max_peers);
	if (!vnetrs_peers_count(&inst->peers))
		return;
	vty_out(vty, "    %-39s %-12s %10s %-12s %8s %10s %8s  %s\n",
		"Address", "Role", "AS", "State", "Learned", "Advertised",
		"Rejected", "Description");
	frr_each (vnetrs_peers, &inst->peers, vp) {
		struct vnetrs_peer_counters c;

		vnetrs_peer_counters(vp, &c);
		vty_out(vty, "    %-39s %-12s %10u %-12s %8u %10u %8u  %s\n",
			vp->addr, vnetrs_role2str(vp->role),
			vnetrs_peer_asn(vp), vnetrs_peer_session_state(vp),
			c.learned, c.advertised, vp->rejected,
			vp->description ? vp->description : "");
		if (*vnetrs_peer_last_reset(vp))
			vty_out(vty, "      last reset: %s\n",
				vnetrs_peer_last_reset(vp));
		user_rmap_text(vty, "in", vp->rmap_in);
		user_rmap_text(vty, "out", vp->rmap_out);
		if (*vp->warning)
			vty_out(vty, "      warning: %s\n", vp->warning);
	}
}

/*
 * The route server the show commands are about. They name no VRF, as
 * bgpd's "show bgp" without "vrf NAME": the default VRF's. This is the one
 * place that says so; the commands read the VRF (and the BGP instance)
 * from the instance found here.
 */
static struct vnetrs_instance *shown_instance(void)
{
	return vnetrs_instance_find(VRF_DEFAULT_NAME);
}

DEFPY(show_vnetrs, show_vnetrs_cmd, "show bgp vnet-route-server [json$json]",
      SHOW_VNETRS_STR JSON_STR)
{
	struct vnetrs_instance *inst = shown_instance();
	struct bgp *bgp = inst ? vnetrs_instance_bgp(inst) : NULL;
	json_object *o;

	if (inst) {
		vnetrs_effective_flush(inst);
		vnetrs_rejected_recount(inst);
	}
	if (!json) {
		if (!inst) {
			vty_out(vty, "%% VNet route server is not configured\n");
			return CMD_SUCCESS;
		}
		show_summary_text(vty, inst, bgp);
		return CMD_SUCCESS;
	}

	o = json_object_new_object();
	if (inst) {
		json_object_string_add(o, "vrf", inst->vrf);
		if (bgp) {
			json_object_int_add(o, "local-as", bgp->as);
			json_object_string_addf(o, "router-id", "%pI4",
						&bgp->router_id);
		}
		json_object_object_add(o, "address-spaces", aspaces_json(inst));
		json_object_int_add(o, "route-limit", inst->route_limit);
		json_object_boolean_add(o, "route-limit-warning-only",
					inst->route_limit_warning_only);
		json_object_int_add(o, "max-peers", inst->max_peers);
		json_object_string_add(o, "routing-preference",
				       vnetrs_preference2str(inst->preference));
		json_object_boolean_add(o, "branch-to-branch",
					inst->branch_to_branch);
		json_object_object_add(o, "maintenance",
				       maintenance_json(inst));
		json_object_int_add(o, "effective-route-count",
				    vnetrs_routes_count(&inst->routes));
		json_object_object_add(o, "effective-routes-by-source",
				       by_source_json(inst));
		json_object_boolean_add(o, "debug", vnetrs_debug_any());
		json_object_object_add(o, "peers", peers_json(inst));
	}
	vty_json(vty, o);
	return CMD_SUCCESS;
}

static const char *frr_prefix2str(const struct prefix *p, char *buf,
				  size_t len)
{
	struct vnetrs_prefix vpfx;

	vnetrs_prefix_from_frr(p, &vpfx);
	return vnetrs_prefix2str(&vpfx, buf, len);
}

/* The instance the show commands are about, or NULL with a message. */
static struct vnetrs_instance *show_instance(struct vty *vty, bool json)
{
	struct vnetrs_instance *inst = shown_instance();

	if (!inst) {
		if (json)
			vty_out(vty, "{}\n");
		else
			vty_out(vty,
				"%% VNet route server is not configured\n");
		return NULL;
	}
	vnetrs_effective_flush(inst);
	return inst;
}

static const char *path_as_str(const struct attr *attr)
{
	const char *s = aspath_print(attr->aspath);

	return s ? s : "";
}

/*
 * Effective routes.
 */
static json_object *eroute_json(const struct vnetrs_route *r)
{
	json_object *o = json_object_new_object();
	json_object *nhs = json_object_new_array();
	json_object *peers = json_object_new_array();
	char buf[VNETRS_PREFIX_STRLEN];

	json_object_string_add(o, "source", vnetrs_source2str(r->source));
	if (r->source == VNETRS_SOURCE_LOCAL)
		json_object_boolean_add(o, "peered", r->peered);
	for (size_t i = 0; i < r->n_paths; i++) {
		if (vnetrs_paths_new_nexthop(r->paths, i))
			json_object_array_add(
				nhs, json_object_new_string(vnetrs_addr2str(
					     &r->paths[i].nexthop, buf,
					     sizeof(buf))));
		json_object_array_add(peers,
				      json_object_new_string(vnetrs_addr2str(
					      &r->paths[i].peer, buf,
					      sizeof(buf))));
	}
	json_object_object_add(o, "next-hops", nhs);
	json_object_object_add(o, "peers", peers);
	if (r->n_paths)
		json_object_int_add(o, "as-path-length",
				    r->paths[0].as_path_len);
	return o;
}

DEFPY(show_vnetrs_effective, show_vnetrs_effective_cmd,
      "show bgp vnet-route-server effective-routes [json$json]",
      SHOW_VNETRS_STR "What the VNet's SDN is programmed with\n" JSON_STR)
{
	struct vnetrs_instance *inst = show_instance(vty, !!json);
	const struct vnetrs_route *r, **sorted;
	char pbuf[VNETRS_PREFIX_STRLEN], nbuf[VNETRS_PREFIX_STRLEN];
	size_t n;

	if (!inst)
		return CMD_SUCCESS;
	/* The table is a hash: shown in prefix order. */
	sorted = vnetrs_effective_sorted(inst, &n);
	if (json) {
		json_object *o = json_object_new_object();
		json_object *routes = json_object_new_object();

		json_object_string_add(o, "vrf", inst->vrf);
		json_object_int_add(o, "route-count", n);
		for (size_t k = 0; k < n; k++)
			json_object_object_add(routes,
					       vnetrs_prefix2str(&sorted[k]->prefix,
								 pbuf,
								 sizeof(pbuf)),
					       eroute_json(sorted[k]));
		XFREE(MTYPE_VNETRS_ROUTE, sorted);
		json_object_object_add(o, "routes", routes);
		vty_json(vty, o);
		return CMD_SUCCESS;
	}

	vty_out(vty, "Effective routes of the VNet (VRF %s): %zu\n", inst->vrf,
		n);
	vty_out(vty, "%-43s %-12s %-39s %-39s %s\n", "Prefix", "Source",
		"Next hop", "Peer", "AS path length");
	for (size_t k = 0; k < n; k++) {
		r = sorted[k];
		vnetrs_prefix2str(&r->prefix, pbuf, sizeof(pbuf));
		if (!r->n_paths) {
			vty_out(vty, "%-43s %-12s %s\n", pbuf,
				vnetrs_source2str(r->source),
				r->peered ? "(peered VNet)" : "(VNet)");
			continue;
		}
		for (size_t i = 0; i < r->n_paths; i++) {
			char peer[VNETRS_PREFIX_STRLEN];

			vty_out(vty, "%-43s %-12s %-39s %-39s %u\n",
				i ? "" : pbuf,
				i ? "" : vnetrs_source2str(r->source),
				vnetrs_addr2str(&r->paths[i].nexthop, nbuf,
					 sizeof(nbuf)),
				vnetrs_addr2str(&r->paths[i].peer, peer,
					 sizeof(peer)),
				r->paths[i].as_path_len);
		}
	}
	XFREE(MTYPE_VNETRS_ROUTE, sorted);
	return CMD_SUCCESS;
}

/*
 * Rejected routes.
 */
struct show_ctx {
	struct vty *vty;
	json_object *routes; /* NULL: text */
	size_t count;
	bool advertised;
};

static void rejected_cb(const struct vnetrs_route_view *v, void *arg)
{
	struct show_ctx *ctx = arg;
	char pbuf[VNETRS_PREFIX_STRLEN], nbuf[VNETRS_PREFIX_STRLEN];
	char reason[96];

	frr_prefix2str(v->prefix, pbuf, sizeof(pbuf));
	vnetrs_addr2str(&v->nexthop, nbuf, sizeof(nbuf));
	ctx->count++;
	if (ctx->routes) {
		json_object *o = json_object_new_object();

		json_object_string_add(o, "peer", v->vp->addr);
		json_object_string_add(o, "prefix", pbuf);
		json_object_string_add(o, "next-hop", nbuf);
		json_object_string_add(o, "as-path", path_as_str(v->attr));
		json_object_string_add(o, "reason", v->reason);
		if (v->policy)
			json_object_string_add(o, "route-map", v->policy);
		json_object_array_add(ctx->routes, o);
		return;
	}
	if (v->policy)
		snprintf(reason, sizeof(reason), "%s %s", v->reason, v->policy);
	else
		strlcpy(reason, v->reason, sizeof(reason));
	vty_out(ctx->vty, "%-39s %-43s %-39s %-22s %s\n", v->vp->addr, pbuf,
		nbuf, reason, path_as_str(v->attr));
}

DEFPY(show_vnetrs_rejected, show_vnetrs_rejected_cmd,
      "show bgp vnet-route-server rejected-routes [json$json]",
      SHOW_VNETRS_STR
      "Routes received from peers and not programmed, with the reason\n"
      JSON_STR)
{
	struct vnetrs_instance *inst = show_instance(vty, !!json);
	struct show_ctx ctx = {.vty = vty};
	json_object *o = NULL;

	if (!inst)
		return CMD_SUCCESS;
	if (json) {
		o = json_object_new_object();
		ctx.routes = json_object_new_array();
	} else {
		vty_out(vty, "%-39s %-43s %-39s %-22s %s\n", "Peer", "Prefix",
			"Next hop", "Reason", "AS path");
	}
	vnetrs_rejected_walk(inst, NULL, rejected_cb, &ctx);
	if (json) {
		json_object_string_add(o, "vrf", inst->vrf);
		json_object_int_add(o, "route-count", ctx.count);
		json_object_object_add(o, "routes", ctx.routes);
		vty_json(vty, o);
	} else {
		vty_out(vty, "Rejected routes: %zu\n", ctx.count);
	}
	return CMD_SUCCESS;
}

/*
 * A peer's learned and advertised routes (Azure's per-peer route lists).
 */
static void peer_route_cb(const struct vnetrs_route_view *v, void *arg)
{
	struct show_ctx *ctx = arg;
	char pbuf[VNETRS_PREFIX_STRLEN], nbuf[VNETRS_PREFIX_STRLEN];
	char path[256];
	struct peer *peer = vnetrs_peer_bgp(v->vp);

	frr_prefix2str(v->prefix, pbuf, sizeof(pbuf));
	vnetrs_addr2str(&v->nexthop, nbuf, sizeof(nbuf));
	/* Towards an eBGP peer bgpd puts its own AS first as it sends. */
	if (ctx->advertised && peer && peer->sort == BGP_PEER_EBGP) {
		const char *rest = path_as_str(v->attr);

		snprintf(path, sizeof(path), "%u%s%s", peer->local_as,
			 *rest ? " " : "", rest);
	} else {
		strlcpy(path, path_as_str(v->attr), sizeof(path));
	}
	ctx->count++;
	if (ctx->routes) {
		json_object *o = json_object_new_object();

		json_object_string_add(o, "next-hop", nbuf);
		json_object_string_add(o, "as-path", path);
		if (!ctx->advertised)
			json_object_boolean_add(o, "effective", v->effective);
		json_object_object_add(ctx->routes, pbuf, o);
		return;
	}
	vty_out(ctx->vty, "%-43s %-39s %-10s %s\n", pbuf, nbuf,
		ctx->advertised ? "" : (v->effective ? "yes" : "no"), path);
}

DEFPY(show_vnetrs_peer_routes, show_vnetrs_peer_routes_cmd,
      "show bgp vnet-route-server peer <A.B.C.D|X:X::X:X>$addr <learned-routes$learned|advertised-routes> [json$json]",
      SHOW_VNETRS_STR
      "A route-server peer\n"
      "Peer IPv4 address\n"
      "Peer IPv6 address\n"
      "Routes accepted from the peer\n"
      "Routes advertised to the peer\n"
      JSON_STR)
{
	struct vnetrs_instance *inst = show_instance(vty, !!json);
	struct show_ctx ctx = {.vty = vty, .advertised = !learned};
	struct vnetrs_peer *vp;
	json_object *o = NULL;

	if (!inst)
		return CMD_SUCCESS;
	vp = vnetrs_peer_find(inst, addr_str);
	if (!vp) {
		if (json)
			vty_out(vty, "{}\n");
		else
			vty_out(vty, "%% %s is not a route-server peer\n",
				addr_str);
		return CMD_WARNING;
	}
	if (json) {
		o = json_object_new_object();
		ctx.routes = json_object_new_object();
	} else {
		vty_out(vty, "%s routes of peer %s (%s, AS %u)\n",
			learned ? "Learned" : "Advertised", vp->addr,
			vnetrs_role2str(vp->role), vnetrs_peer_asn(vp));
		vty_out(vty, "%-43s %-39s %-10s %s\n", "Prefix", "Next hop",
			learned ? "Effective" : "", "AS path");
	}
	if (learned)
		vnetrs_learned_walk(vp, peer_route_cb, &ctx);
	else
		vnetrs_advertised_walk(vp, peer_route_cb, &ctx);
	if (json) {
		json_object_string_add(o, "peer", vp->addr);
		json_object_int_add(o, "route-count", ctx.count);
		json_object_object_add(o, "routes", ctx.routes);
		vty_json(vty, o);
	} else {
		vty_out(vty, "Total: %zu\n", ctx.count);
	}
	return CMD_SUCCESS;
}

/*
 * "show bgp vnet-route-server sdn": the stream's listeners and consumers.
 */
struct sdn_show {
	struct vty *vty;
	json_object *listeners; /* NULL: text */
	json_object *listener, *consumers;
};

static void sdn_listener_text(struct vty *vty,
			      const struct vnetrs_listener_info *li)
{
	vty_out(vty,
		"SDN stream %s %s: %" PRIu64 " connections, %" PRIu64
		" snapshots, %" PRIu64 " dropped as too slow, %" PRIu64
		" dropped on error, %" PRIu64 " dropped as silent\n",
		li->transport, li->where, li->accepted, li->snapshots,
		li->dropped_slow, li->dropped_error, li->dropped_silent);
	if (li->broken[0])
		vty_out(vty, "  BROKEN: %s\n", li->broken);
	for (size_t i = 0; i < li->n_counters; i++) {
		if (!li->counters[i].value)
			continue;
		if (strcmp(li->counters[i].name, "socket-recreated") == 0)
			vty_out(vty, "  socket file re-created %" PRIu64
				" time(s)\n", li->counters[i].value);
		else
			vty_out(vty, "  %s: %" PRIu64 "\n",
				li->counters[i].name, li->counters[i].value);
	}
	for (size_t i = 0; i < li->n_refused; i++)
		vty_out(vty, "  refused (%s): %" PRIu64 "\n",
			li->refused[i].name, li->refused[i].value);
	if (li->limit_below_snapshot)
		vty_out(vty,
			"  WARNING: queue-limit %zu KiB is below the snapshot (%zu KiB): consumers are dropped at every reconnect\n",
			li->queue_limit >> 10,
			(li->last_snapshot_bytes + 1023) >> 10);
	if (li->last_drop[0])
		vty_out(vty, "  last dropped %lld s ago: %s\n",
			(long long)(time(NULL) - li->last_drop_time),
			li->last_drop);
}

static json_object *sdn_listener_json(const struct vnetrs_listener_info *li)
{
	json_object *jl = json_object_new_object();
	json_object *jr = json_object_new_object();

	json_object_string_add(jl, "transport", li->transport);
	json_object_string_add(jl,
			       strcmp(li->transport, "unix") ? "address"
							     : "path",
			       li->where);
	json_object_int_add(jl, "queue-limit-kib", li->queue_limit >> 10);
	json_object_int_add(jl, "connections", li->accepted);
	json_object_int_add(jl, "snapshots", li->snapshots);
	json_object_int_add(jl, "dropped-slow", li->dropped_slow);
	json_object_int_add(jl, "dropped-error", li->dropped_error);
	json_object_int_add(jl, "dropped-silent", li->dropped_silent);
	json_object_int_add(jl, "last-snapshot-bytes", li->last_snapshot_bytes);
	json_object_boolean_add(jl, "queue-limit-below-snapshot",
				li->limit_below_snapshot);
	for (size_t i = 0; i < li->n_counters; i++)
		json_object_int_add(jl, li->counters[i].name,
				    li->counters[i].value);
	for (size_t i = 0; i < li->n_refused; i++)
		json_object_int_add(jr, li->refused[i].name,
				    li->refused[i].value);
	json_object_object_add(jl, "refused", jr);
	if (li->broken[0])
		json_object_string_add(jl, "broken", li->broken);
	if (li->last_drop[0]) {
		json_object_string_add(jl, "last-drop", li->last_drop);
		json_object_int_add(jl, "last-drop-time", li->last_drop_time);
	}
	return jl;
}

static void sdn_show_listener(const struct vnetrs_listener_info *li,
			      void *arg)
{
	struct sdn_show *ss = arg;

	if (!ss->listeners) {
		sdn_listener_text(ss->vty, li);
		return;
	}
	ss->listener = sdn_listener_json(li);
	ss->consumers = json_object_new_array();
}

static void sdn_show_consumer(const struct vnetrs_consumer_info *ci,
			      void *arg)
{
	struct sdn_show *ss = arg;
	json_object *o;

	if (!ss->listeners) {
		vty_out(ss->vty,
			"  %-32s %-17s seq sent %" PRIu64 " acked %" PRIu64
			", %" PRIu64 " batches, %zu bytes queued\n",
			ci->name, ci->state, ci->seq_sent, ci->seq_acked,
			ci->batches, ci->queued);
		if (ci->remote[0] || ci->identity[0])
			vty_out(ss->vty, "    from %s%s%s\n",
				ci->remote[0] ? ci->remote : "this machine",
				ci->identity[0] ? ", " : "", ci->identity);
		return;
	}
	o = json_object_new_object();
	json_object_string_add(o, "name", ci->name);
	json_object_string_add(o, "state", ci->state);
	json_object_string_add(o, "transport", ci->transport);
	if (ci->remote[0])
		json_object_string_add(o, "remote", ci->remote);
	if (ci->identity[0])
		json_object_string_add(o, "identity", ci->identity);
	json_object_int_add(o, "seq-sent", ci->seq_sent);
	json_object_int_add(o, "seq-acked", ci->seq_acked);
	json_object_int_add(o, "batches", ci->batches);
	json_object_int_add(o, "queue-bytes", ci->queued);
	json_object_int_add(o, "connected-since", ci->since);
	json_object_array_add(ss->consumers, o);
}

static void sdn_show_listener_end(void *arg)
{
	struct sdn_show *ss = arg;

	if (!ss->listeners)
		return;
	json_object_object_add(ss->listener, "consumers", ss->consumers);
	json_object_array_add(ss->listeners, ss->listener);
}

static const struct vnetrs_stream_walker sdn_show_walker = {
	.listener = sdn_show_listener,
	.consumer = sdn_show_consumer,
	.listener_end = sdn_show_listener_end,
};

static void sdn_show_convergence(struct vty *vty,
				 const struct vnetrs_instance *inst,
				 json_object *js)
{
	if (js) {
		json_object_boolean_add(js, "table-converged", inst->converged);
		if (inst->converged)
			json_object_int_add(js, "converged-after-ms",
					    inst->converged_ms);
	} else if (inst->converged) {
		vty_out(vty, "Table converged %.1f s after the start\n",
			inst->converged_ms / 1000.0);
	} else {
		vty_out(vty,
			"Table converging after the start: snapshots held\n");
	}
}

DEFPY(show_vnetrs_sdn, show_vnetrs_sdn_cmd,
      "show bgp vnet-route-server sdn [json$json]",
      SHOW_VNETRS_STR
      "SDN programming: batches, stream sockets and their consumers\n"
      JSON_STR)
{
	struct vnetrs_instance *inst = show_instance(vty, !!json);
	struct sdn_show ss = {.vty = vty};
	json_object *o;

	if (!inst)
		return CMD_SUCCESS;
	if (!json) {
		vty_out(vty, "SDN batches: %" PRIu64 ", last %" PRIu64
			", %zu changes pending\n",
			inst->sdn_batches, inst->sdn_seq,
			vnetrs_prefix_queue_count(&inst->pending));
		sdn_show_convergence(vty, inst, NULL);
		vnetrs_stream_walk(inst, &sdn_show_walker, &ss);
		return CMD_SUCCESS;
	}
	o = json_object_new_object();
	json_object_string_add(o, "vrf", inst->vrf);
	json_object_int_add(o, "batches", inst->sdn_batches);
	json_object_int_add(o, "seq", inst->sdn_seq);
	json_object_int_add(o, "pending", vnetrs_prefix_queue_count(&inst->pending));
	sdn_show_convergence(vty, inst, o);
	ss.listeners = json_object_new_array();
	vnetrs_stream_walk(inst, &sdn_show_walker, &ss);
	json_object_object_add(o, "listeners", ss.listeners);
	vty_json(vty, o);
	return CMD_SUCCESS;
}

void vnetrs_show_init(void)
{
	install_element(VIEW_NODE, &show_vnetrs_sdn_cmd);
	install_element(VIEW_NODE, &show_vnetrs_cmd);
	install_element(VIEW_NODE, &show_vnetrs_effective_cmd);
	install_element(VIEW_NODE, &show_vnetrs_rejected_cmd);
	install_element(VIEW_NODE, &show_vnetrs_peer_routes_cmd);
}
