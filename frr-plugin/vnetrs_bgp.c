// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: reading bgpd's structures (prefixes, attributes, neighbors,
 * paths) into the plain types of the route server's logic. Decisions are
 * made elsewhere: the logic decides, vnetrs_judge.c applies the acceptance
 * rules to a bgpd path.
 */
#include <zebra.h>

#include "lib/ipaddr.h"
#include "lib/prefix.h"

#include "bgpd/bgpd.h"
#include "bgpd/bgp_attr.h"
#include "bgpd/bgp_route.h"
#include "bgpd/bgp_table.h"

#include "vnetrs.h"
#include "vnetrs_bgp.h"
#include "vnetrs_instance.h"

void vnetrs_prefix_from_frr(const struct prefix *p,
			    struct vnetrs_prefix *vpfx)
{
	memset(vpfx, 0, sizeof(*vpfx));
	vpfx->len = p->prefixlen;
	if (p->family == AF_INET) {
		vpfx->family = VNETRS_AF_INET;
		memcpy(vpfx->addr, &p->u.prefix4, 4);
	} else if (p->family == AF_INET6) {
		vpfx->family = VNETRS_AF_INET6;
		memcpy(vpfx->addr, &p->u.prefix6, 16);
	}
}

void vnetrs_prefix_to_frr(const struct vnetrs_prefix *vpfx, struct prefix *p)
{
	memset(p, 0, sizeof(*p));
	p->prefixlen = vpfx->len;
	if (vpfx->family == VNETRS_AF_INET) {
		p->family = AF_INET;
		memcpy(&p->u.prefix4, vpfx->addr, 4);
	} else {
		p->family = AF_INET6;
		memcpy(&p->u.prefix6, vpfx->addr, 16);
	}
}

void vnetrs_host_to_ipaddr(const struct vnetrs_prefix *host, struct ipaddr *ip)
{
	memset(ip, 0, sizeof(*ip));
	if (host->family == VNETRS_AF_INET) {
		ip->ipa_type = IPADDR_V4;
		memcpy(&ip->ipaddr_v4, host->addr, 4);
	} else {
		ip->ipa_type = IPADDR_V6;
		memcpy(&ip->ipaddr_v6, host->addr, 16);
	}
}

void vnetrs_host_from_ipaddr(const struct ipaddr *ip,
			     struct vnetrs_prefix *host)
{
	memset(host, 0, sizeof(*host));
	if (ip->ipa_type == IPADDR_V4) {
		host->family = VNETRS_AF_INET;
		host->len = 32;
		memcpy(host->addr, &ip->ipaddr_v4, 4);
	} else {
		host->family = VNETRS_AF_INET6;
		host->len = 128;
		memcpy(host->addr, &ip->ipaddr_v6, 16);
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
	struct vnetrs_prefix vpfx;

	if (pi->peer != pi->peer->bgp->peer_self)
		return vnetrs_source_of(inst, pi->peer);
	vnetrs_prefix_from_frr(p, &vpfx);
	if (pi->type == ZEBRA_ROUTE_BGP && pi->sub_type == BGP_ROUTE_STATIC &&
	    vnetrs_aspace_find(inst, &vpfx))
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

void vnetrs_rib_walk(struct bgp *bgp, vnetrs_rib_visit_cb visit, void *arg)
{
	for (afi_t afi = AFI_IP; afi <= AFI_IP6; afi++)
		for (struct bgp_dest *dest =
			     bgp_table_top(bgp->rib[afi][SAFI_UNICAST]);
		     dest; dest = bgp_route_next(dest))
			visit(dest, afi, arg);
}
