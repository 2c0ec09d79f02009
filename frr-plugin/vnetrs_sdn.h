// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: the SDN pipeline's entry points inside the module
 * (vnetrs_sdn.c). The effective route table reports its changes here;
 * every consumer (other bgpd modules, the SDN stream) reads them through
 * the hook API of <vnetrs/sdn.h>, never through these functions.
 */
#ifndef VNETRS_SDN_INTERNAL_H
#define VNETRS_SDN_INTERNAL_H

struct vnetrs_instance;
struct vnetrs_prefix;
struct vnetrs_pq_memory;

/* The pending queue's memory (its own memory type). */
extern const struct vnetrs_pq_memory vnetrs_pending_memory;

/* The effective route of p changed (added, replaced or deleted). */
void vnetrs_sdn_changed(struct vnetrs_instance *inst,
			const struct vnetrs_prefix *p);
/* Send the pending changes now as one batch. */
void vnetrs_sdn_flush(struct vnetrs_instance *inst);
/* The table of inst converged after a start: tell the consumers. */
void vnetrs_sdn_table_is_converged(struct vnetrs_instance *inst);
/* The route server of inst goes: its consumers are left an empty table. */
void vnetrs_sdn_fini(struct vnetrs_instance *inst);
/* Free what the batch code keeps across instances (at exit). */
void vnetrs_sdn_cleanup(void);

#endif /* VNETRS_SDN_INTERNAL_H */
