// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: has the effective route table converged after a start?
 *
 * Right after bgpd starts, its table fills as the peers' sessions come up
 * and send their routes. A snapshot taken then tells an SDN consumer to
 * delete every route that is merely late, and the VMs lose them until the
 * routes arrive. The SDN stream therefore holds its snapshots until the
 * table has converged: every route-server peer has sent End-of-RIB, or
 * (when it does not announce graceful restart, so sends no End-of-RIB) has
 * been quiet for a while after its session came up, or did not bring its
 * session up in time; and no route waits to be processed. It waits at most
 * max_wait_ms in all.
 *
 * Plain C, no FRR types: the module fills the inputs from bgpd's peers.
 */
#ifndef VNETRS_CONVERGE_H
#define VNETRS_CONVERGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum vnetrs_conv_session {
	VNETRS_CONV_DOWN,    /* Idle, Connect, Active */
	VNETRS_CONV_OPENING, /* OpenSent, OpenConfirm */
	VNETRS_CONV_UP,	     /* Established */
};

struct vnetrs_conv_peer {
	enum vnetrs_conv_session session;
	/* It announced graceful restart, so it sends End-of-RIB. */
	bool eor_expected;
	/* End-of-RIB received for every family of the session. */
	bool eor;
	/* Since its last UPDATE (or since Established if none). */
	uint64_t quiet_ms;
};

struct vnetrs_conv_params {
	/* A session not up by then is not waited for. */
	uint64_t connect_wait_ms;
	/* A peer without End-of-RIB is done when quiet this long. */
	uint64_t quiet_ms;
	/* Converged at the latest then, whatever the peers do. */
	uint64_t max_wait_ms;
};

#define VNETRS_CONV_CONNECT_WAIT_MS 10000
#define VNETRS_CONV_QUIET_MS 2000
#define VNETRS_CONV_MAX_WAIT_MS 60000

extern const struct vnetrs_conv_params vnetrs_conv_defaults;

/*
 * Converged, elapsed_ms after the start, with routes still being processed
 * (busy) or not? When not, *waiting is the index of a peer waited for, or
 * -1 when only busy holds it back. When converged, *why says why in a few
 * words ("every peer sent its routes", "time limit"...).
 */
bool vnetrs_converged(const struct vnetrs_conv_params *params,
		      const struct vnetrs_conv_peer *peers, size_t n,
		      uint64_t elapsed_ms, bool busy, long *waiting,
		      const char **why);

#endif /* VNETRS_CONVERGE_H */
