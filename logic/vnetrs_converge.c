// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: has the effective route table converged after a start? (see the
 * header for why it matters).
 */
#include "logic/vnetrs_converge.h"

const struct vnetrs_conv_params vnetrs_conv_defaults = {
	.connect_wait_ms = VNETRS_CONV_CONNECT_WAIT_MS,
	.quiet_ms = VNETRS_CONV_QUIET_MS,
	.max_wait_ms = VNETRS_CONV_MAX_WAIT_MS,
};

/* Has this peer given all it will give for now? */
static bool peer_done(const struct vnetrs_conv_params *params,
		      const struct vnetrs_conv_peer *p, uint64_t elapsed_ms)
{
	switch (p->session) {
	case VNETRS_CONV_UP:
		if (p->eor)
			return true;
		/* A peer that announced graceful restart sends End-of-RIB:
		 * quiet moments while it sends are no proof of the end. */
		return !p->eor_expected && p->quiet_ms >= params->quiet_ms;
	case VNETRS_CONV_OPENING:
		/* On its way up: waited for, up to the time limit. */
		return false;
	case VNETRS_CONV_DOWN:
		break;
	}
	return elapsed_ms >= params->connect_wait_ms;
}

bool vnetrs_converged(const struct vnetrs_conv_params *params,
		      const struct vnetrs_conv_peer *peers, size_t n,
		      uint64_t elapsed_ms, bool busy, long *waiting,
		      const char **why)
{
	size_t i;
	bool any_down = false;

	*waiting = -1;
	if (elapsed_ms >= params->max_wait_ms) {
		*why = "time limit";
		return true;
	}
	for (i = 0; i < n; i++) {
		if (!peer_done(params, &peers[i], elapsed_ms)) {
			*waiting = (long)i;
			return false;
		}
		if (peers[i].session != VNETRS_CONV_UP)
			any_down = true;
	}
	if (busy)
		return false;
	*why = any_down ? "every peer that is up sent its routes"
			: "every peer sent its routes";
	return true;
}
