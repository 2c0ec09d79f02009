// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: ExpressRoute and VPN gateways (vnetrs_gateway.c).
 */
#ifndef VNETRS_GATEWAY_H
#define VNETRS_GATEWAY_H

#include "vnetrs.h"

struct peer;

/* Gateways: ExpressRoute and VPN gateway instances, route-server peers
 * of their role (vnetrs_gateway.c). */
/* Make the gateway of role (expressroute, vpn) peer with exactly the
 * addresses given, in AS remote_as (0: iBGP). n 0 removes it. */
void vnetrs_gateway_set(struct vnetrs_instance *inst, enum vnetrs_role role,
			const char *const *addrs, size_t n, uint32_t remote_as);
/* Is the bgpd neighbor of vp in the AS the module gives it (remote_as,
 * or "internal" for a gateway in the route server's AS)? */
bool vnetrs_peer_as_is_ours(const struct vnetrs_peer *vp,
			    const struct peer *peer);
/* The AS of vp: a gateway without remote-as is in the route server's. */
uint32_t vnetrs_peer_asn(const struct vnetrs_peer *vp);

#endif /* VNETRS_GATEWAY_H */
