// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: watching the effective route table converge after a start (vnetrs_converge.c).
 */
#ifndef VNETRS_CONVERGE_H
#define VNETRS_CONVERGE_H

#include "vnetrs.h"

/* Convergence after a start (vnetrs_converge.c). */
void vnetrs_converge_start(struct vnetrs_instance *inst);
void vnetrs_converge_fini(struct vnetrs_instance *inst);

#endif /* VNETRS_CONVERGE_H */
