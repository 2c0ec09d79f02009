// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: watching the effective route table converge after a start, so
 * that the SDN stream sends no snapshot of a half-filled table (the rule
 * is logic/vnetrs_converge.c; this reads bgpd's peers for it).
 */
#include <zebra.h>

#include "lib/log.h"
#include "lib/monotime.h"
#include "vnetrs_compat_event.h"
#include "lib/workqueue.h"

#include "bgpd/bgpd.h"
#include "bgpd/bgp_fsm.h"

#include "../logic/vnetrs_converge.h"
#include "vnetrs.h"
#include "vnetrs_compat_bgp.h"
#include "vnetrs_converge.h"
#include "vnetrs_debug.h"
#include "vnetrs_instance.h"
#include "vnetrs_sdn.h"

DEFINE_MTYPE_STATIC(VNETRS, VNETRS_CONVERGE, "vnetrs convergence inputs");

/* How often the peers are looked at while the table converges. */
#define CHECK_INTERVAL_MS 200

static enum vnetrs_conv_session session_of(const struct peer *peer)
{
	if (!peer)
		return VNETRS_CONV_DOWN;
	switch (vnetrs_peer_status(peer)) {
	case Established:
		return VNETRS_CONV_UP;
	case OpenSent:
	case OpenConfirm:
		return VNETRS_CONV_OPENING;
	default:
		return VNETRS_CONV_DOWN;
	}
}

static void conv_peer_fill(const struct peer *peer, time_t now,
			   struct vnetrs_conv_peer *cp)
{
	time_t last;

	cp->session = session_of(peer);
	if (cp->session != VNETRS_CONV_UP)
		return;
	cp->eor_expected = CHECK_FLAG(peer->cap, PEER_CAP_RESTART_RCV);
	cp->eor = true;
	for (afi_t afi = AFI_IP; afi <= AFI_IP6; afi++)
		if (peer->afc_nego[afi][SAFI_UNICAST] &&
		    !CHECK_FLAG(peer->af_sflags[afi][SAFI_UNICAST],
				PEER_STATUS_EOR_RECEIVED))
			cp->eor = false;
	last = peer->update_time > peer->uptime ? peer->update_time
						 : peer->uptime;
	cp->quiet_ms = now > last ? (uint64_t)(now - last) * 1000 : 0;
}

static void converge_check(vnetrs_event *t)
{
	struct vnetrs_instance *inst = EVENT_ARG(t);
	struct bgp *bgp = vnetrs_instance_bgp(inst);
	size_t n = vnetrs_peers_count(&inst->peers), i = 0;
	struct vnetrs_conv_peer *cps;
	const struct vnetrs_peer *vp;
	const char *why = NULL;
	int64_t elapsed = monotime_since(&inst->converge_start, NULL) / 1000;
	time_t now = monotime(NULL);
	bool busy, done;
	long waiting;

	cps = XCALLOC(MTYPE_VNETRS_CONVERGE, sizeof(*cps) * (n ? n : 1));
	frr_each (vnetrs_peers_const, &inst->peers, vp)
		conv_peer_fill(vnetrs_peer_bgp(vp), now, &cps[i++]);
	busy = vnetrs_prefix_queue_count(&inst->dirty) > 0 ||
	       (bgp && bgp->process_queue &&
		!work_queue_empty(bgp->process_queue));
	done = vnetrs_converged(&vnetrs_conv_defaults, cps, n,
				elapsed > 0 ? (uint64_t)elapsed : 0, busy,
				&waiting, &why);
	XFREE(MTYPE_VNETRS_CONVERGE, cps);
	if (!done) {
		if (VNETRS_DEBUG_ON(effective) && waiting >= 0) {
			i = 0;
			frr_each (vnetrs_peers_const, &inst->peers, vp)
				if (i++ == (size_t)waiting)
					VNETRS_DEBUG(effective, "table of %s converging: waiting for %s",
						     inst->vrf, vp->addr);
		}
		event_add_timer_msec(bm->master, converge_check, inst,
				      CHECK_INTERVAL_MS, &inst->t_converge);
		return;
	}
	inst->converged = true;
	inst->converged_ms = elapsed;
	vnetrs_info("effective route table of %s converged after %.1f s (%s): %zu routes; SDN snapshots may go out",
		  inst->vrf, elapsed / 1000.0, why,
		  vnetrs_routes_count(&inst->routes));
	vnetrs_sdn_table_is_converged(inst);
}

void vnetrs_converge_start(struct vnetrs_instance *inst)
{
	monotime(&inst->converge_start);
	inst->converged = false;
	/* Not at once: the configuration being read adds the peers. */
	event_add_timer_msec(bm->master, converge_check, inst,
			      CHECK_INTERVAL_MS, &inst->t_converge);
}

void vnetrs_converge_fini(struct vnetrs_instance *inst)
{
	EVENT_OFF(inst->t_converge);
}
