// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: what the module owns stays owned (vnetrs_owned.c).
 */
#ifndef VNETRS_OWNED_H
#define VNETRS_OWNED_H

#include "vnetrs.h"

/* What the module owns stays owned (vnetrs_owned.c): the neighbor
 * settings of route-server peers, the module's route-maps, the rules'
 * view of the route server itself. */
void vnetrs_owned_start(struct vnetrs_instance *inst);
void vnetrs_owned_stop(struct vnetrs_instance *inst);
/* Check now (after a command that may have changed something). */
void vnetrs_owned_check_soon(void);

#endif /* VNETRS_OWNED_H */
