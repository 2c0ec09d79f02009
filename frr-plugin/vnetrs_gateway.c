// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: the virtual network gateways the route server peers with
 * (ExpressRoute, VPN).
 *
 * A gateway is one to two instances, each a route-server peer of the
 * gateway's role: they share struct vnetrs_peer with the NVAs, and this
 * file holds what differs for them. The configuration names a gateway as a
 * whole (vnetrs_nb_config.c validates it), so its instances are added and
 * removed together here; and a gateway without remote-as is in the route
 * server's own AS, an iBGP neighbor, where an NVA always has an AS of its
 * own.
 */
#include <zebra.h>

#include "lib/log.h"
#include "lib/sockunion.h"

#include "bgpd/bgpd.h"

#include "vnetrs.h"
#include "vnetrs_debug.h"
#include "vnetrs_gateway.h"
#include "vnetrs_instance.h"

/* Is vp one of the n addresses? */
static bool gateway_listed(const struct vnetrs_peer *vp,
			   const char *const *addrs, size_t n)
{
	union sockunion su;

	for (size_t i = 0; i < n; i++)
		if (str2sockunion(addrs[i], &su) == 0 &&
		    sockunion_same(&su, &vp->su))
			return true;
	return false;
}

/* The instance of the gateway of role at addr, created if new; NULL when
 * addr is a peer of another role. */
static struct vnetrs_peer *gateway_instance(struct vnetrs_instance *inst,
					    enum vnetrs_role role,
					    const char *addr)
{
	struct vnetrs_peer *vp = vnetrs_peer_find(inst, addr);

	if (vp && vp->role != role) {
		/* Validation keeps NVA and gateway addresses apart. */
		vnetrs_err("gateway address %s is a %s peer", addr,
			 vnetrs_role2str(vp->role));
		return NULL;
	}
	if (!vp) {
		vp = vnetrs_peer_add(inst, addr);
		if (vp)
			vp->role = role;
	}
	return vp;
}

void vnetrs_gateway_set(struct vnetrs_instance *inst, enum vnetrs_role role,
			const char *const *addrs, size_t n, uint32_t remote_as)
{
	struct vnetrs_peer *vp;

	/* Instances no longer listed go, with their sessions. */
	frr_each_safe (vnetrs_peers, &inst->peers, vp) {
		if (vp->role != role || gateway_listed(vp, addrs, n))
			continue;
		vnetrs_peer_unconfigure(vp);
		vnetrs_peer_del(vp);
	}
	for (size_t i = 0; i < n; i++) {
		vp = gateway_instance(inst, role, addrs[i]);
		if (!vp)
			continue;
		vp->remote_as = remote_as;
		vnetrs_peer_sync(vp);
	}
}

bool vnetrs_peer_as_is_ours(const struct vnetrs_peer *vp,
			    const struct peer *peer)
{
	if (!vp->remote_as)
		return peer->as_type == AS_INTERNAL;
	return peer->as_type == AS_SPECIFIED && peer->as == vp->remote_as;
}

uint32_t vnetrs_peer_asn(const struct vnetrs_peer *vp)
{
	struct bgp *bgp = vnetrs_instance_bgp(vp->inst);

	if (vp->remote_as || !bgp)
		return vp->remote_as;
	return bgp->as;
}
