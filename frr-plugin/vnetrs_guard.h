// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: native bgpd commands that would undo the guarantees are refused (vnetrs_guard.c).
 */
#ifndef VNETRS_GUARD_H
#define VNETRS_GUARD_H

#include "vnetrs.h"

/* Native bgpd commands that would undo the module's guarantees are
 * refused (vnetrs_guard.c). */
void vnetrs_guard_init(void);
void vnetrs_guard_fini(void);

#endif /* VNETRS_GUARD_H */
