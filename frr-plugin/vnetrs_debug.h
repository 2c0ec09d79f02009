// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: logging and debugging (vnetrs_debug.c), as FRR daemons do it.
 *
 * Every log line of the module starts with "vnetrs: ", written once here
 * (vnetrs_info() and friends). Debug messages belong to a category, each
 * switched on for the terminal ("debug ..." in enable mode) or in the
 * configuration (in config mode: written to the running-config):
 *
 *	debug bgp vnet-route-server [sdn|policy|effective]
 *
 * sdn: batches, stream consumers and listeners; policy: the route-maps,
 * guarded commands and neighbor settings the module owns; effective: the
 * effective route table's changes and convergence.
 */
#ifndef VNETRS_DEBUG_H
#define VNETRS_DEBUG_H

#include "lib/log.h"

struct vty;

/* The categories; which are on (either mode), kept by vnetrs_debug.c so
 * that a check is one load (lib/debug.h is not included here: bgpd's
 * bgp_debug.h defines some of its names too). */
#define VNETRS_DBG_sdn 0x1u
#define VNETRS_DBG_policy 0x2u
#define VNETRS_DBG_effective 0x4u
extern uint32_t vnetrs_debug_on_mask;

#define VNETRS_LOG_PREFIX "vnetrs: "

#define vnetrs_err(fmt, ...) zlog_err(VNETRS_LOG_PREFIX fmt, ##__VA_ARGS__)
#define vnetrs_warn(fmt, ...) zlog_warn(VNETRS_LOG_PREFIX fmt, ##__VA_ARGS__)
#define vnetrs_notice(fmt, ...)                                                \
	zlog_notice(VNETRS_LOG_PREFIX fmt, ##__VA_ARGS__)
#define vnetrs_info(fmt, ...) zlog_info(VNETRS_LOG_PREFIX fmt, ##__VA_ARGS__)

/* Is category cat (sdn, policy, effective) on, in either mode? */
#define VNETRS_DEBUG_ON(cat) (vnetrs_debug_on_mask & VNETRS_DBG_##cat)
/* A debug message of category cat. */
#define VNETRS_DEBUG(cat, fmt, ...)                                            \
	do {                                                                   \
		if (VNETRS_DEBUG_ON(cat))                                      \
			zlog_debug(VNETRS_LOG_PREFIX fmt, ##__VA_ARGS__);      \
	} while (0)

/* Register the debug categories with libfrr ("debug all", the
 * running-config). */
void vnetrs_debug_init(void);
/* Switch category name (NULL: all) on or off in the mode of vty's node.
 * Returns false if name is no category. */
bool vnetrs_debug_set(struct vty *vty, const char *name, bool on);
/* "show debugging bgp vnet-route-server": what is on, and how. */
void vnetrs_debug_show(struct vty *vty);
/* Any category on (for the show commands' JSON). */
bool vnetrs_debug_any(void);

#endif /* VNETRS_DEBUG_H */
