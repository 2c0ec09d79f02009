// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: the bgpd internals that differ between the FRR series we build
 * against, behind one name each.
 *
 * FRR 10 keeps a peer's session (FSM status, remote address, socket) in
 * peer->connection; 8.4 has them in struct peer itself. Calls whose
 * signature changed are wrapped with the arguments vnetrs uses.
 */
#ifndef VNETRS_COMPAT_BGP_H
#define VNETRS_COMPAT_BGP_H

#include "bgpd/bgpd.h"
#include "bgpd/bgp_packet.h"
#include "bgpd/bgp_route.h"

/* FRR 8.4's extract.pl preprocesses our CLI files without our flags. */
#if !defined(VNETRS_FRR_MAJOR) && !defined(VTYSH_EXTRACT_PL)
#error "VNETRS_FRR_MAJOR is not set: build through configure"
#endif

#if VNETRS_FRR_MAJOR >= 10

static inline enum bgp_fsm_status vnetrs_peer_status(const struct peer *peer)
{
	return peer->connection->status;
}

static inline union sockunion *vnetrs_peer_su(const struct peer *peer)
{
	return &peer->connection->su;
}

/* The local address of the session (NULL while it is down). */
static inline union sockunion *vnetrs_peer_su_local(const struct peer *peer)
{
	return peer->connection->su_local;
}

static inline bool vnetrs_peer_is_established(const struct peer *peer)
{
	return peer_established(peer->connection);
}

static inline void vnetrs_notify_send_with_data(struct peer *peer,
						uint8_t code, uint8_t sub_code,
						uint8_t *data, size_t datalen)
{
	bgp_notify_send_with_data(peer->connection, code, sub_code, data,
				  datalen);
}

static inline void vnetrs_peer_notify_unconfig(struct peer *peer)
{
	peer_notify_unconfig(peer->connection);
}

/* 10 also keeps the AS as typed (asdot or plain) for running-config. */
static inline int vnetrs_peer_remote_as(struct bgp *bgp, union sockunion *su,
					as_t *as, int as_type)
{
	char as_str[16];

	snprintf(as_str, sizeof(as_str), "%u", *as);
	return peer_remote_as(bgp, su, NULL, as, as_type,
			      as_type == AS_SPECIFIED ? as_str : NULL);
}

static inline void vnetrs_static_withdraw(struct bgp *bgp,
					  const struct prefix *p, afi_t afi,
					  safi_t safi)
{
	bgp_static_withdraw(bgp, p, afi, safi, NULL);
}

#else /* FRR 8 */

static inline enum bgp_fsm_status vnetrs_peer_status(const struct peer *peer)
{
	return peer->status;
}

static inline union sockunion *vnetrs_peer_su(const struct peer *peer)
{
	return (union sockunion *)&peer->su;
}

static inline union sockunion *vnetrs_peer_su_local(const struct peer *peer)
{
	return peer->su_local;
}

static inline bool vnetrs_peer_is_established(const struct peer *peer)
{
	return peer_established((struct peer *)peer);
}

static inline void vnetrs_notify_send_with_data(struct peer *peer,
						uint8_t code, uint8_t sub_code,
						uint8_t *data, size_t datalen)
{
	bgp_notify_send_with_data(peer, code, sub_code, data, datalen);
}

static inline void vnetrs_peer_notify_unconfig(struct peer *peer)
{
	peer_notify_unconfig(peer);
}

static inline int vnetrs_peer_remote_as(struct bgp *bgp, union sockunion *su,
					as_t *as, int as_type)
{
	return peer_remote_as(bgp, su, NULL, as, as_type);
}

static inline void vnetrs_static_withdraw(struct bgp *bgp,
					  const struct prefix *p, afi_t afi,
					  safi_t safi)
{
	bgp_static_withdraw(bgp, p, afi, safi);
}

#endif

#endif /* VNETRS_COMPAT_BGP_H */
