// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: reading bgpd's structures (prefixes, attributes, neighbors) into
 * the plain types of the route server's logic, and the acceptance rules
 * applied to a received route.
 */
#include <zebra.h>

#include "lib/prefix.h"

#include "bgpd/bgpd.h"
#include "bgpd/bgp_aspath.h"
#include "bgpd/bgp_attr.h"
#include "bgpd/bgp_route.h"
#include "bgpd/bgp_table.h"

#include "vnetrs.h"

void vnetrs_prefix_from_frr(const struct prefix *p, struct vnetrs_prefix *vp)
{
	memset(vp, 0, sizeof(*vp));
	vp->len = p->prefixlen;
	if (p->family == AF_INET) {
		vp->family = VNETRS_AF_INET;
		memcpy(vp->addr, &p->u.prefix4, 4);
	} else if (p->family == AF_INET6) {
		vp->family = VNETRS_AF_INET6;
		memcpy(vp->addr, &p->u.prefix6, 16);
	}
}

void vnetrs_prefix_to_frr(const struct vnetrs_prefix *vp, struct prefix *p)
{
	memset(p, 0, sizeof(*p));
	p->prefixlen = vp->len;
	if (vp->family == VNETRS_AF_INET) {
		p->family = AF_INET;
		memcpy(&p->u.prefix4, vp->addr, 4);
	} else {
		p->family = AF_INET6;
		memcpy(&p->u.prefix6, vp->addr, 16);
	}
}

afi_t vnetrs_prefix_afi(const struct vnetrs_prefix *p)
{
	return p->family == VNETRS_AF_INET ? AFI_IP : AFI_IP6;
}

static void host_prefix(int family, const void *addr, struct vnetrs_prefix *nh)
{
	memset(nh, 0, sizeof(*nh));
	if (family == AF_INET) {
		nh->family = VNETRS_AF_INET;
		nh->len = 32;
		memcpy(nh->addr, addr, 4);
	} else {
		nh->family = VNETRS_AF_INET6;
		nh->len = 128;
		memcpy(nh->addr, addr, 16);
	}
}

void vnetrs_attr_nexthop(afi_t afi, const struct attr *attr,
			 struct vnetrs_prefix *nh)
{
	memset(nh, 0, sizeof(*nh));
	/* An IPv4 route may carry an IPv6 next hop (RFC 8950). */
	if (afi == AFI_IP &&
	    CHECK_FLAG(attr->flag, ATTR_FLAG_BIT(BGP_ATTR_NEXT_HOP)))
		host_prefix(AF_INET, &attr->nexthop, nh);
	else if (attr->mp_nexthop_len >= BGP_ATTR_NHLEN_IPV6_GLOBAL)
		host_prefix(AF_INET6, &attr->mp_nexthop_global, nh);
	else if (attr->mp_nexthop_len == BGP_ATTR_NHLEN_IPV4)
		host_prefix(AF_INET, &attr->mp_nexthop_global_in, nh);
}

/*
 * The acceptance rules want the ASNs of the path as an array; a path is
 * rarely longer than a few hops, so a stack buffer nearly always does.
 */
#define ASLIST_INLINE 64

static size_t aspath_len(const struct aspath *aspath)
{
	size_t n = 0;

	for (const struct assegment *seg = aspath ? aspath->segments : NULL;
	     seg; seg = seg->next)
		n += seg->length;
	return n;
}

static void aspath_copy(const struct aspath *aspath, uint32_t *out)
{
	size_t n = 0;

	for (const struct assegment *seg = aspath ? aspath->segments : NULL;
	     seg; seg = seg->next)
		for (unsigned int i = 0; i < seg->length; i++)
			out[n++] = seg->as[i];
}

enum vnetrs_verdict vnetrs_judge(const struct vnetrs_peer *vp,
				 const struct prefix *p,
				 const struct attr *attr)
{
	const struct vnetrs_instance *inst = vp->inst;
	struct bgp *bgp = vnetrs_instance_bgp(inst);
	uint32_t inline_as[ASLIST_INLINE], *as = inline_as;
	uint32_t own_as = bgp ? bgp->as : 0;
	struct vnetrs_route_in r = {};
	struct vnetrs_accept_ctx ctx = {
		.aspaces = inst->aspace_arr,
		.n_aspaces = inst->n_aspace_arr,
		.local_as = inst->presented_as,
		.n_local_as = inst->n_presented_as,
		.self = inst->self,
		.n_self = inst->n_self,
		.check_nexthop = vp->role == VNETRS_ROLE_NVA,
	};
	enum vnetrs_verdict v;

	/* Until vnetrs_owned.c has looked, the route server's AS at least. */
	if (!ctx.n_local_as) {
		ctx.local_as = &own_as;
		ctx.n_local_as = 1;
	}

	vnetrs_prefix_from_frr(p, &r.prefix);
	vnetrs_attr_nexthop(family2afi(p->family), attr, &r.nexthop);
	r.as_path_len = aspath_len(attr->aspath);
	if (r.as_path_len > ASLIST_INLINE)
		as = XMALLOC(MTYPE_TMP, r.as_path_len * sizeof(*as));
	aspath_copy(attr->aspath, as);
	r.as_path = as;
	/* The AS bgpd prepended itself (the peer's local-as) is no loop. */
	if (vp->prepended_as && r.as_path_len && as[0] == vp->prepended_as) {
		r.as_path++;
		r.as_path_len--;
	}

	v = vnetrs_accept(&r, &ctx);
	if (as != inline_as)
		XFREE(MTYPE_TMP, as);
	return v;
}

struct bgp_path_info *vnetrs_path_of(struct bgp_dest *dest,
				     const struct peer *peer)
{
	for (struct bgp_path_info *pi = bgp_dest_get_bgp_path_info(dest); pi;
	     pi = pi->next)
		if (pi->peer == peer && !CHECK_FLAG(pi->flags, BGP_PATH_REMOVED))
			return pi;
	return NULL;
}

enum vnetrs_source vnetrs_source_of(const struct vnetrs_instance *inst,
				    const struct peer *peer)
{
	struct vnetrs_peer *vp;

	if (peer == peer->bgp->peer_self)
		return VNETRS_SOURCE_LOCAL;
	vp = vnetrs_peer_of(peer);
	if (!vp || vp->inst != inst)
		return VNETRS_SOURCE_OTHER;
	return vnetrs_role2source(vp->role);
}

enum vnetrs_source vnetrs_path_source(struct vnetrs_instance *inst,
				      const struct bgp_path_info *pi,
				      const struct prefix *p)
{
	struct vnetrs_prefix vp;

	if (pi->peer != pi->peer->bgp->peer_self)
		return vnetrs_source_of(inst, pi->peer);
	vnetrs_prefix_from_frr(p, &vp);
	if (pi->type == ZEBRA_ROUTE_BGP && pi->sub_type == BGP_ROUTE_STATIC &&
	    vnetrs_aspace_find(inst, &vp))
		return VNETRS_SOURCE_LOCAL;
	return VNETRS_SOURCE_OTHER;
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
