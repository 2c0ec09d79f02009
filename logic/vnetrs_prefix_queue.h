// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: a queue of distinct prefixes, taken out in the order they were
 * first put in.
 *
 * The module marks a prefix each time one of its paths changes (a million
 * times for a million paths) and recomputes the marked prefixes later, in
 * batches: the queue absorbs the repeats of a prefix still waiting, and
 * hands the prefixes back in the order of the UPDATEs that brought them,
 * while bgpd's memory for them is likely still in the CPU's caches. The
 * SDN stream's batch of changed prefixes is the same kind of set.
 *
 * Membership is an open-addressing hash table whose slots hold the prefix
 * itself, so checking a prefix costs one cache line in the common case
 * (a chained hash of separately allocated items costs two or three).
 * Slots of prefixes already taken out are reused; the table is rebuilt
 * when they crowd it, and emptied at no cost when the queue drains.
 *
 * Plain C with no FRR types; the memory functions can be the module's (so
 * its memory shows in bgpd's "show memory").
 */
#ifndef VNETRS_PREFIX_QUEUE_H
#define VNETRS_PREFIX_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vnetrs_prefix.h"

struct vnetrs_pq_slot;

/* How the queue gets and gives back memory: realloc() semantics (NULL
 * old: new block; never returns NULL) and free(). */
struct vnetrs_pq_memory {
	void *(*resize)(void *old, size_t size);
	void (*release)(void *block);
};

struct vnetrs_prefix_queue {
	const struct vnetrs_pq_memory *mem;
	/* The table: a power of two of slots; a slot is in use when its
	 * generation is the table's (emptying it = a new generation). */
	struct vnetrs_pq_slot *slots;
	uint32_t mask;
	uint32_t gen;
	uint32_t used; /* slots of this generation, queued or taken */
	/* The prefixes in order: [head, tail) are queued. */
	struct vnetrs_prefix *fifo;
	uint32_t head, tail, fifo_cap;
};

/* mem NULL: malloc's. */
void vnetrs_prefix_queue_init(struct vnetrs_prefix_queue *q,
			      const struct vnetrs_pq_memory *mem);
void vnetrs_prefix_queue_fini(struct vnetrs_prefix_queue *q);

/* Queue p unless it is queued already; true when it was added. */
bool vnetrs_prefix_queue_push(struct vnetrs_prefix_queue *q,
			      const struct vnetrs_prefix *p);

/* Take up to max prefixes from the front into out; returns how many. A
 * prefix taken can be pushed again (it then queues at the back). */
size_t vnetrs_prefix_queue_take(struct vnetrs_prefix_queue *q,
				struct vnetrs_prefix *out, size_t max);

bool vnetrs_prefix_queue_contains(const struct vnetrs_prefix_queue *q,
				  const struct vnetrs_prefix *p);

static inline size_t
vnetrs_prefix_queue_count(const struct vnetrs_prefix_queue *q)
{
	return q->tail - q->head;
}

/* Drop everything queued. */
void vnetrs_prefix_queue_clear(struct vnetrs_prefix_queue *q);

#endif /* VNETRS_PREFIX_QUEUE_H */
