// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: the effective route table (vnetrs_effective.c).
 */
#ifndef VNETRS_EFFECTIVE_H
#define VNETRS_EFFECTIVE_H

#include "vnetrs.h"

struct prefix;

/* Effective route table (vnetrs_effective.c). */
void vnetrs_effective_init(void);
void vnetrs_effective_mark(struct vnetrs_instance *inst,
			   const struct prefix *p);
/* Recompute every learned route (routing preference, roles changed). */
void vnetrs_effective_mark_all(struct vnetrs_instance *inst);
void vnetrs_effective_aspace_set(struct vnetrs_instance *inst,
				 const struct vnetrs_aspace *aspace);
void vnetrs_effective_aspace_unset(struct vnetrs_instance *inst,
				   const struct vnetrs_aspace *aspace);
/* Process the pending prefixes now (show commands, tests). */
void vnetrs_effective_flush(struct vnetrs_instance *inst);
void vnetrs_effective_fini(struct vnetrs_instance *inst);
/* The dirty queue's memory (MTYPE_VNETRS_DIRTY). */
extern const struct vnetrs_pq_memory vnetrs_dirty_memory;

/* Free what the table code keeps across instances (at exit). */
void vnetrs_effective_cleanup(void);
const struct vnetrs_route *
vnetrs_effective_lookup(const struct vnetrs_instance *inst,
			const struct vnetrs_prefix *p);
/*
 * The table in prefix order (family, address, length), for what shows it
 * to people: an array of *n routes to XFREE(MTYPE_VNETRS_ROUTE), NULL when
 * empty. Valid until the table changes.
 */
const struct vnetrs_route **
vnetrs_effective_sorted(const struct vnetrs_instance *inst, size_t *n);

#endif /* VNETRS_EFFECTIVE_H */
