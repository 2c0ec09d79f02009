// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: bgpd's structures read into the logic's plain types (vnetrs_bgp.c).
 */
#ifndef VNETRS_BGP_H
#define VNETRS_BGP_H

#include "vnetrs.h"

struct attr;
struct bgp;
struct bgp_dest;
struct bgp_path_info;
struct ipaddr;
struct peer;
struct prefix;

/* Reading bgpd's structures into the logic's types (vnetrs_bgp.c). */
void vnetrs_prefix_from_frr(const struct prefix *p,
			    struct vnetrs_prefix *vpfx);
void vnetrs_prefix_to_frr(const struct vnetrs_prefix *vpfx, struct prefix *p);
afi_t vnetrs_prefix_afi(const struct vnetrs_prefix *p);
/* A host prefix (/32, /128) to and from libfrr's address type. */
void vnetrs_host_to_ipaddr(const struct vnetrs_prefix *host, struct ipaddr *ip);
void vnetrs_host_from_ipaddr(const struct ipaddr *ip,
			     struct vnetrs_prefix *host);
/* The next hop of a route of family afi as a host prefix. */
void vnetrs_attr_nexthop(afi_t afi, const struct attr *attr,
			 struct vnetrs_prefix *nh);
/* The address bgpd puts as next hop when it advertises itself to peer. */
void vnetrs_local_nexthop(const struct peer *peer, afi_t afi,
			  struct vnetrs_prefix *nh);
/* The path of peer in dest, unless it is being removed (a peer has one
 * path per prefix). */
struct bgp_path_info *vnetrs_path_of(struct bgp_dest *dest,
				     const struct peer *peer);
/* Where a path of a route-server instance comes from. */
enum vnetrs_source vnetrs_source_of(const struct vnetrs_instance *inst,
				    const struct peer *peer);
/* The same for a path of prefix p: the route server's own routes count as
 * LOCAL only when they are its address spaces; anything else it
 * originates (network, redistribute, aggregate-address) is OTHER and
 * relayed to no route-server peer (it would draw traffic to a router
 * that forwards nothing). */
enum vnetrs_source vnetrs_path_source(struct vnetrs_instance *inst,
				      const struct bgp_path_info *pi,
				      const struct prefix *p);

/* Visit every destination of the IPv4 and IPv6 unicast RIBs of bgp. */
typedef void (*vnetrs_rib_visit_cb)(struct bgp_dest *dest, afi_t afi,
				    void *arg);
void vnetrs_rib_walk(struct bgp *bgp, vnetrs_rib_visit_cb visit, void *arg);

#endif /* VNETRS_BGP_H */
