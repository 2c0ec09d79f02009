// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: the route server's policy, built from bgpd's own mechanisms.
 *
 * - A route-map match rule, "vnet-route-server", that runs the acceptance
 *   rules (inbound) or the exchange matrix (outbound), as bgpd_rpki adds
 *   "match rpki".
 * - A route-map set rule, "vnet-route-server", that sets the local
 *   preference (inbound) so that bgpd's best path, hence what peers
 *   receive, is the path the routing preference chooses
 *   (vnetrs_local_pref()), and keeps that ranking from iBGP peers
 *   (outbound).
 * - Route-maps the module owns: "vnetrs-in" (permit what the rules accept)
 *   and "vnetrs-to-<role>" (permit what the matrix lets a peer of that role
 *   receive). Applied to route-server peers, they also satisfy
 *   "bgp ebgp-requires-policy".
 * - Neighbor settings: soft-reconfiguration inbound (rejected routes are
 *   kept and can be explained), maximum-prefix for route-limit, next hop
 *   unchanged towards NVAs (the route server stays out of the data path).
 */
#include <zebra.h>

#include "lib/jhash.h"
#include "lib/log.h"
#include "lib/routemap.h"
#include "vnetrs_compat_event.h"

#include "bgpd/bgpd.h"
#include "bgpd/bgp_aspath.h"
#include "bgpd/bgp_attr.h"
#include "bgpd/bgp_community.h"
#include "bgpd/bgp_packet.h"
#include "bgpd/bgp_route.h"
#include "bgpd/bgp_table.h"

#include "vnetrs.h"
#include "vnetrs_compat_bgp.h"
#include "vnetrs_bgp.h"
#include "vnetrs_debug.h"
#include "vnetrs_instance.h"
#include "vnetrs_judge.h"
#include "vnetrs_policy.h"

DEFINE_MTYPE_STATIC(VNETRS, VNETRS_RMAP_RULE, "vnetrs route-map rule");
DEFINE_MTYPE_STATIC(VNETRS, VNETRS_DRAIN_MEMO, "vnetrs maintenance attribute");

/*
 * What a "match vnet-route-server ..." rule checks:
 *   accepted                  the acceptance rules and route-limit
 *   export-to ROLE            the exchange matrix towards a peer of ROLE
 *   still-accepted after MAP  after the user's MAP ran: the rules again
 *   still-exported after MAP  after the user's MAP ran: next hop untouched
 * The "after MAP" forms also fail when MAP does not exist, as a
 * neighbor's missing route-map denies everything in bgpd.
 */
enum match_kind {
	MATCH_ACCEPTED,
	MATCH_EXPORT_TO,
	MATCH_STILL_ACCEPTED,
	MATCH_STILL_EXPORTED,
};

struct match_rule {
	enum match_kind kind;
	enum vnetrs_role to;
	char *after; /* the user's route-map */
};

static bool role_parse(const char *s, enum vnetrs_role *role)
{
	for (enum vnetrs_role r = VNETRS_ROLE_NVA; r <= VNETRS_ROLE_VPN; r++)
		if (strcmp(s, vnetrs_role2str(r)) == 0) {
			*role = r;
			return true;
		}
	return false;
}

static void *match_compile(const char *arg)
{
	struct match_rule r = {}, *rule;
	const char *after = NULL;

	if (strcmp(arg, "accepted") == 0)
		r.kind = MATCH_ACCEPTED;
	else if (strncmp(arg, "export-to ", 10) == 0 &&
		 role_parse(arg + 10, &r.to))
		r.kind = MATCH_EXPORT_TO;
	else if (strncmp(arg, "still-accepted after ", 21) == 0) {
		r.kind = MATCH_STILL_ACCEPTED;
		after = arg + 21;
	} else if (strncmp(arg, "still-exported after ", 21) == 0) {
		r.kind = MATCH_STILL_EXPORTED;
		after = arg + 21;
	} else
		return NULL;
	if (after && !*after)
		return NULL;
	rule = XCALLOC(MTYPE_VNETRS_RMAP_RULE, sizeof(*rule));
	*rule = r;
	if (after)
		rule->after = XSTRDUP(MTYPE_VNETRS_RMAP_RULE, after);
	return rule;
}

static void match_free(void *rule)
{
	struct match_rule *r = rule;

	XFREE(MTYPE_VNETRS_RMAP_RULE, r->after);
	XFREE(MTYPE_VNETRS_RMAP_RULE, r);
}

/* route-limit exceeded (without warning-only): close the session as
 * maximum-prefix does, and hold it down until the limit is raised or the
 * session cleared. */
static void limit_exceeded(vnetrs_event *t)
{
	struct vnetrs_peer *vp = EVENT_ARG(t);
	struct peer *peer = vnetrs_peer_bgp(vp);
	afi_t afi = vp->limit_afi;
	uint32_t limit = vp->inst->route_limit;
	/* RFC 4486: AFI, SAFI and the limit. */
	uint8_t data[7] = {
		afi_int2iana(afi) >> 8, afi_int2iana(afi) & 0xff,
		safi_int2iana(SAFI_UNICAST), limit >> 24, limit >> 16,
		limit >> 8, limit,
	};

	if (!peer || !vnetrs_peer_is_established(peer))
		return;
	vnetrs_warn("peer %s sent more than route-limit %u routes: session closed",
		  vp->addr, vp->inst->route_limit);
	SET_FLAG(peer->sflags, PEER_STATUS_PREFIX_OVERFLOW);
	vnetrs_notify_send_with_data(peer, BGP_NOTIFY_CEASE,
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
		event_add_event(bm->master, limit_exceeded, vp, 0,
				 &vp->t_limit);
		return true;
	}
	if (!vp->limit_logged) {
		vnetrs_warn("peer %s reached route-limit %u (%s): further routes are rejected",
			  vp->addr, inst->route_limit,
			  afi2str(afi));
		vp->limit_logged = true;
	}
	return true;
}

static enum route_map_cmd_result_t match_inbound(const struct prefix *p,
						 struct bgp_path_info *path,
						 bool with_limit)
{
	struct vnetrs_peer *vp = vnetrs_peer_of(path->peer);
	enum vnetrs_verdict v;

	/* Applied to a neighbor that is not a route-server peer. */
	if (!vp)
		return RMAP_NOMATCH;
	v = vnetrs_judge(vp, p, path->attr);
	if (with_limit && v == VNETRS_ACCEPTED &&
	    over_limit(vp, path->peer, p, path->net))
		v = VNETRS_REJECT_ROUTE_LIMIT;
	if (v != VNETRS_ACCEPTED)
		VNETRS_DEBUG(policy, "%s: %pFX rejected: %s%s", vp->addr, p,
			     vnetrs_verdict2str(v),
			     with_limit ? "" : " (after the user's route-map)");
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
	enum vnetrs_source from;

	if (!inst || !copy->net)
		return RMAP_NOMATCH;
	src = source_path(copy);
	if (!src)
		return RMAP_NOMATCH;
	from = vnetrs_path_source(inst, src, bgp_dest_get_prefix(copy->net));
	if (r->kind == MATCH_EXPORT_TO)
		return vnetrs_exchange(from, r->to, inst->branch_to_branch)
			       ? RMAP_MATCH
			       : RMAP_NOMATCH;
	/* After the user's map: a relayed route keeps its next hop (the
	 * route server is never in the data path). Its own address spaces
	 * are advertised with itself as next hop anyway. */
	if (from == VNETRS_SOURCE_LOCAL)
		return RMAP_MATCH;
	if (CHECK_FLAG(copy->attr->rmap_change_flags,
		       BATTR_RMAP_NEXTHOP_PEER_ADDRESS) ||
	    copy->attr->nexthop.s_addr != src->attr->nexthop.s_addr ||
	    memcmp(&copy->attr->mp_nexthop_global,
		   &src->attr->mp_nexthop_global,
		   sizeof(src->attr->mp_nexthop_global)) ||
	    copy->attr->mp_nexthop_global_in.s_addr !=
		    src->attr->mp_nexthop_global_in.s_addr) {
		VNETRS_DEBUG(policy, "%pFX to %s: the route-map %s changed the next hop: not advertised",
			     bgp_dest_get_prefix(copy->net), copy->peer->host,
			     r->after);
		return RMAP_NOMATCH;
	}
	return RMAP_MATCH;
}

static enum route_map_cmd_result_t match_apply(void *rule,
					       const struct prefix *p,
					       void *object)
{
	const struct match_rule *r = rule;

	if (p->family != AF_INET && p->family != AF_INET6)
		return RMAP_NOMATCH;
	/* The user's map is gone: deny, as bgpd does for a neighbor's. */
	if (r->after && !route_map_lookup_by_name(r->after))
		return RMAP_NOMATCH;
	switch (r->kind) {
	case MATCH_ACCEPTED:
		return match_inbound(p, object, true);
	case MATCH_STILL_ACCEPTED:
		return match_inbound(p, object, false);
	case MATCH_EXPORT_TO:
	case MATCH_STILL_EXPORTED:
		return match_outbound(r, object);
	}
	return RMAP_NOMATCH;
}

static const struct route_map_rule_cmd match_vnetrs_cmd = {
	"vnet-route-server",
	match_apply,
	match_compile,
	match_free,
};

/*
 * What a "set vnet-route-server ..." rule does:
 *   routing-preference     inbound: the local preference of
 *                          vnetrs_local_pref(), so that bgpd's best path
 *                          is one the route server chooses
 *   ibgp-local-preference  outbound: towards an iBGP peer (a gateway in
 *                          the route server's AS), bgpd's default instead
 *   ibgp-local-preference maintenance
 *                          outbound, both: the above, then what
 *                          "maintenance" does
 *   maintenance            outbound, while the instance is in graceful
 *                          maintenance (RFC 8326): GRACEFUL_SHUTDOWN added
 *                          to the route's communities, and towards eBGP
 *                          peers the AS the peer sees prepended once (an
 *                          NVA with no policy of its own then prefers the
 *                          other instance's shorter path), towards iBGP
 *                          peers local preference 0
 * The ranking is the route server's own business: sent to an iBGP
 * gateway, a local preference above the gateway's own would make it
 * prefer a route via the route server to its own branch's, and withdraw
 * its own path from the route server. Towards it, paths keep the default
 * bgpd gave them before the ranking (eBGP peers never receive it).
 */
enum set_kind {
	SET_ROUTING_PREFERENCE,
	SET_IBGP_DEFAULT,
	SET_IBGP_DEFAULT_MAINTENANCE,
	SET_MAINTENANCE,
};

static void *set_compile(const char *arg)
{
	enum set_kind k, *rule;

	if (strcmp(arg, "routing-preference") == 0)
		k = SET_ROUTING_PREFERENCE;
	else if (strcmp(arg, "ibgp-local-preference") == 0)
		k = SET_IBGP_DEFAULT;
	else if (strcmp(arg, "ibgp-local-preference maintenance") == 0)
		k = SET_IBGP_DEFAULT_MAINTENANCE;
	else if (strcmp(arg, "maintenance") == 0)
		k = SET_MAINTENANCE;
	else
		return NULL;
	rule = XCALLOC(MTYPE_VNETRS_RMAP_RULE, sizeof(*rule));
	*rule = k;
	return rule;
}

static void set_free(void *rule)
{
	XFREE(MTYPE_VNETRS_RMAP_RULE, rule);
}

static void local_pref_set(struct attr *attr, uint32_t lp)
{
	attr->local_pref = lp;
	attr->flag |= ATTR_FLAG_BIT(BGP_ATTR_LOCAL_PREF);
}

/* Inbound, path->peer is the peer that sent the route. */
static void rank(struct bgp_path_info *path)
{
	struct vnetrs_peer *vp = vnetrs_peer_of(path->peer);
	uint32_t hops;

	if (!vp)
		return;
	/* The same AS-path length the effective table judges by. */
	hops = aspath_count_hops(path->attr->aspath);
	local_pref_set(path->attr,
		       vnetrs_local_pref(vp->inst->preference, vp->role, hops));
}

/* Outbound, path->peer is the destination. */
static void unrank(struct bgp_path_info *path)
{
	struct peer *peer = path->peer;

	if (peer->sort == BGP_PEER_IBGP || peer->sort == BGP_PEER_CONFED)
		local_pref_set(path->attr, peer->bgp->default_local_pref);
}

/*
 * What maintenance sends instead of an interned AS path or community:
 * interned too, and remembered per original (which the memo holds a
 * reference on, so its address cannot be reused for another meanwhile).
 * bgpd 8.4 does not free the attributes a route-map allocated when it
 * suppresses an UPDATE identical to the last one sent
 * (bgp_adj_out_set_subgroup); interned ones are only referenced there.
 * The memos are dropped when a maintenance ends.
 */
PREDECL_HASH(drain_memos);
struct drain_memo {
	struct drain_memos_item item;
	bool aspath;	 /* an AS path (else a community, from may be NULL) */
	uint32_t as;	 /* the AS prepended */
	void *from, *to; /* interned, one reference each */
};

static int drain_memo_cmp(const struct drain_memo *a,
			  const struct drain_memo *b)
{
	if (a->aspath != b->aspath)
		return a->aspath ? 1 : -1;
	if (a->as != b->as)
		return a->as < b->as ? -1 : 1;
	if (a->from != b->from)
		return (uintptr_t)a->from < (uintptr_t)b->from ? -1 : 1;
	return 0;
}

static uint32_t drain_memo_hash(const struct drain_memo *m)
{
	uintptr_t p = (uintptr_t)m->from;

	return jhash_3words((uint32_t)p, (uint32_t)((uint64_t)p >> 32),
			    m->as ^ m->aspath, 0x4d41494e);
}

DECLARE_HASH(drain_memos, struct drain_memo, item, drain_memo_cmp,
	     drain_memo_hash);

static struct drain_memos_head drain_memos = INIT_HASH(drain_memos);

static struct drain_memo *memo_find(bool aspath, uint32_t as, void *from)
{
	struct drain_memo key = {.aspath = aspath, .as = as, .from = from};

	return drain_memos_find(&drain_memos, &key);
}

static void *memo_add(bool aspath, uint32_t as, void *from, void *to)
{
	struct drain_memo *m = XCALLOC(MTYPE_VNETRS_DRAIN_MEMO, sizeof(*m));

	m->aspath = aspath;
	m->as = as;
	m->from = from;
	m->to = to;
	if (aspath)
		((struct aspath *)from)->refcnt++;
	else if (from)
		((struct community *)from)->refcnt++;
	drain_memos_add(&drain_memos, m);
	return to;
}

void vnetrs_policy_drain_forget(bool exiting)
{
	struct drain_memo *m;

	while ((m = drain_memos_pop(&drain_memos))) {
		/* At exit bgpd has freed every interned attribute already. */
		if (!exiting && m->aspath) {
			struct aspath *from = m->from, *to = m->to;

			aspath_unintern(&from);
			aspath_unintern(&to);
		} else if (!exiting) {
			struct community *from = m->from, *to = m->to;

			if (from)
				community_unintern(&from);
			community_unintern(&to);
		}
		XFREE(MTYPE_VNETRS_DRAIN_MEMO, m);
	}
}

/* GRACEFUL_SHUTDOWN added to the communities of attr. */
static void drain_community(struct attr *attr)
{
	struct community *old = bgp_attr_get_community(attr);
	struct drain_memo *m;
	struct attr tmp = {};

	if (old && !old->refcnt) {
		/* Made by a route-map before this one (the user's): interned
		 * here (bgpd would free it with attr, or leak it with a
		 * suppressed UPDATE), then as any other; the memo keeps its
		 * own reference. */
		old = community_intern(old);
		bgp_attr_set_community(attr, old);
		drain_community(attr);
		community_unintern(&old);
		return;
	}
	m = memo_find(false, 0, old);
	if (m) {
		bgp_attr_set_community(attr, m->to);
		return;
	}
	/* bgpd's helper merges into a new community (an interned one is
	 * left alone). */
	bgp_attr_set_community(&tmp, old);
	bgp_attr_add_gshut_community(&tmp);
	bgp_attr_set_community(
		attr, memo_add(false, 0, old,
			       community_intern(bgp_attr_get_community(&tmp))));
}

/* as prepended once to the AS path of attr. */
static void drain_aspath(struct attr *attr, uint32_t as)
{
	struct aspath *old = attr->aspath;
	struct drain_memo *m;

	if (!old->refcnt) {
		/* The user's map made it: as for communities. */
		old = aspath_intern(old);
		attr->aspath = old;
		drain_aspath(attr, as);
		aspath_unintern(&old);
		return;
	}
	m = memo_find(true, as, old);
	attr->aspath =
		m ? m->to
		  : memo_add(
			    true, as, old,
			    aspath_intern(aspath_add_seq(aspath_dup(old), as)));
}

/*
 * Outbound, in graceful maintenance (RFC 8326). bgpd's own helper adds
 * GRACEFUL_SHUTDOWN to whatever communities the route has (and sets the
 * local preference to 0, which only iBGP peers receive). An NVA honours
 * the community only with a policy of its own; what moves it with its
 * default policy is the longer AS path: the AS it peers with, once more
 * (bgpd adds it once itself when it sends the route).
 */
static void drain(struct bgp_path_info *path)
{
	struct peer *peer = path->peer;
	struct vnetrs_instance *inst = vnetrs_instance_of(peer->bgp);
	struct attr *attr = path->attr;

	if (!inst || !inst->maintenance)
		return;
	drain_community(attr);
	if (peer->sort == BGP_PEER_EBGP)
		drain_aspath(attr, peer->local_as);
	else
		local_pref_set(attr, BGP_GSHUT_LOCAL_PREF);
}

static enum route_map_cmd_result_t set_apply(void *rule, const struct prefix *p,
					     void *object)
{
	const enum set_kind *kind = rule;

	switch (*kind) {
	case SET_ROUTING_PREFERENCE:
		rank(object);
		break;
	case SET_IBGP_DEFAULT:
		unrank(object);
		break;
	case SET_IBGP_DEFAULT_MAINTENANCE:
		unrank(object);
		drain(object);
		break;
	case SET_MAINTENANCE:
		drain(object);
		break;
	}
	return RMAP_OKAY;
}

static const struct route_map_rule_cmd set_vnetrs_cmd = {
	"vnet-route-server",
	set_apply,
	set_compile,
	set_free,
};

bool vnetrs_policy_own_sets(const struct route_map_index *index)
{
	const struct route_map_rule *set = index->set_list.head;

	return !set || (!set->next && set->cmd == &set_vnetrs_cmd);
}

/*
 * The module's route-maps. Without a user's map, one "permit 10" entry
 * with one vnet-route-server match and one set. With one (USER):
 *   permit 10: match the rules (or the matrix); call USER; on-match next
 *   permit 20: match the rules again on what USER made of the route
 * so the rules come first, the user's map may deny or set attributes, and
 * nothing it sets can undo a rule. "call" also makes bgpd re-run the
 * policy when USER changes. Inbound, the set is on the last entry, so
 * the user's map cannot undo the routing preference; outbound on the
 * first, so a local preference the user's map sets stands, and the
 * maintenance marks on the last, so the user's map cannot drop them.
 */
static void rmap_add_match(struct route_map_index *index, const char *arg,
			   const char *name)
{
	if (route_map_add_match(index, "vnet-route-server", arg,
				RMAP_EVENT_MATCH_ADDED) != RMAP_COMPILE_SUCCESS)
		vnetrs_err("could not set up route-map %s", name);
}

static void rmap_add_set(struct route_map_index *index, const char *arg,
			 const char *name)
{
	if (route_map_add_set(index, "vnet-route-server", arg) !=
	    RMAP_COMPILE_SUCCESS)
		vnetrs_err("could not set up route-map %s", name);
}

static void rmap_create(const char *name, const char *arg, bool inbound,
			const char *user, const char *recheck)
{
	const char *set = inbound ? "routing-preference"
			  : user  ? "ibgp-local-preference"
				  : "ibgp-local-preference maintenance";
	struct route_map *map;
	struct route_map_index *index;
	char buf[VNETRS_RMAP_NAME_MAX + 32];

	if (route_map_lookup_by_name(name))
		return;
	map = route_map_get(name);
	index = route_map_index_get(map, RMAP_PERMIT, 10);
	rmap_add_match(index, arg, name);
	if (!user || !inbound)
		rmap_add_set(index, set, name);
	if (!user)
		return;
	index->nextrm = XSTRDUP(MTYPE_ROUTE_MAP_NAME, user);
	route_map_upd8_dependency(RMAP_EVENT_CALL_ADDED, user, name);
	index->exitpolicy = RMAP_NEXT;
	index = route_map_index_get(map, RMAP_PERMIT, 20);
	snprintf(buf, sizeof(buf), "%s after %s", recheck, user);
	rmap_add_match(index, buf, name);
	rmap_add_set(index, inbound ? set : "maintenance", name);
}

void vnetrs_policy_rmaps_create(void)
{
	rmap_create(VNETRS_RMAP_IN, "accepted", true, NULL, NULL);
	rmap_create(VNETRS_RMAP_TO_NVA, "export-to nva", false, NULL, NULL);
	rmap_create(VNETRS_RMAP_TO_ER, "export-to expressroute", false, NULL,
		    NULL);
	rmap_create(VNETRS_RMAP_TO_VPN, "export-to vpn", false, NULL, NULL);
}

void vnetrs_policy_init(void)
{
	route_map_install_match(&match_vnetrs_cmd);
	route_map_install_set(&set_vnetrs_cmd);
	vnetrs_policy_rmaps_create();
}

bool vnetrs_policy_owns_rmap(const char *name)
{
	return strncmp(name, "vnetrs-", 7) == 0;
}

static const char *rmap_out_base(enum vnetrs_role role)
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

const char *vnetrs_policy_rmap_in(const struct vnetrs_peer *vp, char *buf,
				  size_t len)
{
	if (!vp->rmap_in)
		return VNETRS_RMAP_IN;
	snprintf(buf, len, "%s-via-%s", VNETRS_RMAP_IN, vp->rmap_in);
	rmap_create(buf, "accepted", true, vp->rmap_in, "still-accepted");
	return buf;
}

/* Peers with different maps out go to different update-groups, so a
 * user's map per peer is applied per peer. */
const char *vnetrs_policy_rmap_out(const struct vnetrs_peer *vp, char *buf,
				   size_t len)
{
	char arg[64];

	if (!vp->rmap_out)
		return rmap_out_base(vp->role);
	snprintf(buf, len, "%s-via-%s", rmap_out_base(vp->role), vp->rmap_out);
	snprintf(arg, sizeof(arg), "export-to %s", vnetrs_role2str(vp->role));
	rmap_create(buf, arg, false, vp->rmap_out, "still-exported");
	return buf;
}

void vnetrs_policy_user_rmap_set(struct vnetrs_peer *vp, bool inbound,
				 const char *name)
{
	char **slot = inbound ? &vp->rmap_in : &vp->rmap_out;

	XFREE(MTYPE_VNETRS_PEER, *slot);
	if (name)
		*slot = XSTRDUP(MTYPE_VNETRS_PEER, name);
}

enum vnetrs_verdict vnetrs_policy_verdict(const struct vnetrs_peer *vp,
					  struct peer *peer,
					  const struct prefix *p,
					  const struct attr *attr)
{
	enum vnetrs_verdict v = vnetrs_judge(vp, p, attr);
	struct bgp_path_info path = {};
	struct route_map *map;
	struct attr copy;
	route_map_result_t ret;

	if (v != VNETRS_ACCEPTED || !vp->rmap_in)
		return v;
	map = route_map_lookup_by_name(vp->rmap_in);
	if (!map)
		return VNETRS_REJECT_USER_POLICY;
	copy = *attr;
	path.peer = peer;
	path.attr = &copy;
	ret = route_map_apply(map, p, &path);
	if (ret == RMAP_DENYMATCH)
		v = VNETRS_REJECT_USER_POLICY;
	else
		v = vnetrs_judge(vp, p, &copy);
	bgp_attr_flush(&copy);
	return v;
}

/* A setting of the user's the module replaces is said, never lost
 * silently: it came from a native line (an adopted neighbor's, or one the
 * guard did not see). */
static void replaced(const struct vnetrs_peer *vp, afi_t afi,
		     const char *what)
{
	vnetrs_warn("peer %s: %s %s; the route server's settings are restored (use the commands under vnet-route-server)",
		  vp->addr, afi2str(afi), what);
}

static void rmap_set(const struct vnetrs_peer *vp, struct peer *peer,
		     afi_t afi, int direct, const char *name)
{
	struct bgp_filter *filter = &peer->filter[afi][SAFI_UNICAST];
	const char *had = filter->map[direct].name;
	char what[VNETRS_RMAP_NAME_MAX + 32];

	if (had && strcmp(had, name) == 0)
		return;
	if (had && !vnetrs_policy_owns_rmap(had)) {
		snprintf(what, sizeof(what), "route-map %s %s", had,
			 direct == RMAP_IN ? "in" : "out");
		replaced(vp, afi, what);
	}
	peer_route_map_set(peer, afi, SAFI_UNICAST, direct, name,
			   route_map_lookup_by_name(name));
}

/* Settings that would put the route server in the data path or undo its
 * loop protection. */
static void forbidden_unset(const struct vnetrs_peer *vp, struct peer *peer,
			    afi_t afi)
{
	static const struct {
		uint64_t flag;
		const char *what;
	} forbidden[] = {
		{PEER_FLAG_NEXTHOP_SELF, "next-hop-self"},
		{PEER_FLAG_FORCE_NEXTHOP_SELF, "next-hop-self force"},
		{PEER_FLAG_RSERVER_CLIENT, "route-server-client"},
	};

	for (size_t i = 0; i < array_size(forbidden); i++)
		if (CHECK_FLAG(peer->af_flags[afi][SAFI_UNICAST],
			       forbidden[i].flag)) {
			replaced(vp, afi, forbidden[i].what);
			peer_af_flag_unset(peer, afi, SAFI_UNICAST,
					   forbidden[i].flag);
		}
	if (CHECK_FLAG(peer->af_flags[afi][SAFI_UNICAST],
		       PEER_FLAG_DEFAULT_ORIGINATE)) {
		replaced(vp, afi, "default-originate");
		peer_default_originate_unset(peer, afi, SAFI_UNICAST);
	}
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
	char in[VNETRS_RMAP_NAME_MAX], out[VNETRS_RMAP_NAME_MAX];
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
		forbidden_unset(vp, peer, afi);
		limit_apply(vp->inst, peer, afi);
		rmap_set(vp, peer, afi, RMAP_IN,
			 vnetrs_policy_rmap_in(vp, in, sizeof(in)));
		rmap_set(vp, peer, afi, RMAP_OUT,
			 vnetrs_policy_rmap_out(vp, out, sizeof(out)));
	}
}

static void clear_soft(struct vnetrs_instance *inst, enum bgp_clear_type how)
{
	struct vnetrs_peer *vp;

	frr_each (vnetrs_peers, &inst->peers, vp) {
		struct peer *peer = vnetrs_peer_bgp(vp);

		if (!peer || !vnetrs_peer_is_established(peer))
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
			vnetrs_info("route-limit changed: restarting the session with %s",
				  vp->addr);
			peer_clear(peer, NULL);
		}
	}
}
