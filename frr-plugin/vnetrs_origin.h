// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: address spaces advertised as the route server's own routes (vnetrs_origin.c).
 */
#ifndef VNETRS_ORIGIN_H
#define VNETRS_ORIGIN_H

#include "vnetrs.h"

/* Address spaces advertised as the route server's own routes
 * (vnetrs_origin.c). */
void vnetrs_origin_update(struct vnetrs_instance *inst,
			  const struct vnetrs_aspace *aspace);
void vnetrs_origin_withdraw(struct vnetrs_instance *inst,
			    const struct vnetrs_aspace *aspace);

#endif /* VNETRS_ORIGIN_H */
