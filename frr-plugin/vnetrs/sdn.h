// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs SDN hook API: how another bgpd module programs an SDN from the
 * route server's effective route table.
 *
 * Installed as <vnetrs/sdn.h>. A consumer is a bgpd module loaded after
 * vnetrs ("bgpd -M vnetrs -M mysdn"); it registers these hooks from its
 * init function:
 *
 *	hook_register(vnetrs_sdn_begin, my_begin);
 *	hook_register(vnetrs_sdn_route, my_route);
 *	hook_register(vnetrs_sdn_commit, my_commit);
 *
 * Changes come as batches: begin, then one vnetrs_sdn_route call per
 * changed prefix (added or replaced: the route as it now is; deleted:
 * deleted is true and only the prefix is meaningful), then commit. A burst
 * of BGP updates is coalesced into few large batches. Sequence numbers
 * grow by one per batch and per VRF. A consumer that starts late, or lost
 * track, calls vnetrs_sdn_resync(): it gets a snapshot batch (snapshot is
 * true: the batch replaces everything it holds for that VRF). Every
 * registered consumer sees every batch, snapshots included.
 *
 * A consumer that needs the table for itself alone (a client of its own
 * connecting late, say) calls vnetrs_sdn_snapshot() with callbacks of its
 * own: only it gets that snapshot. After a start, the table fills while
 * the peers send their routes; a snapshot taken then would delete from a
 * data plane what is only late. vnetrs_sdn_converged() says whether the
 * table has converged, and the vnetrs_sdn_table_converged hook fires when
 * it does.
 *
 * The callbacks run in bgpd's main thread and must not block: queue the
 * work and return. They return 0.
 */
#ifndef VNETRS_SDN_H
#define VNETRS_SDN_H

#include <stdbool.h>
#include <stdint.h>

#include "hook.h"
#include "ipaddr.h"
#include "prefix.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Where a route comes from (the "source" of effective-routes). */
enum vnetrs_sdn_source {
	VNETRS_SDN_LOCAL = 0, /* an address space of the VNet (or peered) */
	VNETRS_SDN_NVA = 1,
	VNETRS_SDN_EXPRESSROUTE = 2,
	VNETRS_SDN_VPN = 3,
};

struct vnetrs_sdn_entry {
	struct prefix prefix;
	enum vnetrs_sdn_source source;
	bool peered;		/* LOCAL: a peered VNet's address space */
	uint32_t as_path_len;
	unsigned int n_nexthops; /* ECMP members; 0 for address spaces */
	const struct ipaddr *nexthops;
};

DECLARE_HOOK(vnetrs_sdn_begin, (const char *vrf, uint64_t seq, bool snapshot),
	     (vrf, seq, snapshot));
DECLARE_HOOK(vnetrs_sdn_route,
	     (const char *vrf, const struct vnetrs_sdn_entry *route,
	      bool deleted),
	     (vrf, route, deleted));
DECLARE_HOOK(vnetrs_sdn_commit,
	     (const char *vrf, uint64_t seq, unsigned int count),
	     (vrf, seq, count));

/* The table of vrf converged after the route server started. */
DECLARE_HOOK(vnetrs_sdn_table_converged, (const char *vrf), (vrf));

/* Deliver the whole table of vrf ("default") as a snapshot batch through
 * the hooks. Returns -1 if vrf has no route server. */
int vnetrs_sdn_resync(const char *vrf);

/* Callbacks of one consumer, for vnetrs_sdn_snapshot(); the same meaning
 * as the hooks, with the consumer's arg first. */
struct vnetrs_sdn_receiver {
	int (*begin)(void *arg, const char *vrf, uint64_t seq, bool snapshot);
	int (*route)(void *arg, const char *vrf,
		     const struct vnetrs_sdn_entry *route, bool deleted);
	int (*commit)(void *arg, const char *vrf, uint64_t seq,
		      unsigned int count);
};

/*
 * Deliver the whole table of vrf as a snapshot batch to rcv only. Changes
 * not yet sent go to the hooks first, as a batch of their own, so the
 * snapshot is the table as of the last batch: its seq is that batch's
 * (the next batch the hooks see has a higher one). Returns -1 if vrf has
 * no route server.
 */
int vnetrs_sdn_snapshot(const char *vrf, const struct vnetrs_sdn_receiver *rcv,
			void *arg);

/* 1 if the table of vrf has converged since the start, 0 if not yet, -1
 * if vrf has no route server. */
int vnetrs_sdn_converged(const char *vrf);

#ifdef __cplusplus
}
#endif

#endif /* VNETRS_SDN_H */
