// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: a queue of distinct prefixes (vnetrs_prefix_queue.h).
 */
#include "vnetrs_prefix_queue.h"

#include <stdlib.h>
#include <string.h>

struct vnetrs_pq_slot {
	struct vnetrs_prefix p;
	uint32_t hash;
	uint32_t seq; /* its place in the fifo: queued while >= head */
	uint32_t gen; /* in use when the table's generation */
};

/* The smallest table and fifo: 32 KiB and 18 KiB. */
#define PQ_MIN 1024u

static void *default_resize(void *old, size_t size)
{
	void *p = realloc(old, size);

	if (!p)
		abort();
	return p;
}

static const struct vnetrs_pq_memory default_memory = {
	.resize = default_resize,
	.release = free,
};

void vnetrs_prefix_queue_init(struct vnetrs_prefix_queue *q,
			      const struct vnetrs_pq_memory *mem)
{
	memset(q, 0, sizeof(*q));
	q->mem = mem ? mem : &default_memory;
}

void vnetrs_prefix_queue_fini(struct vnetrs_prefix_queue *q)
{
	const struct vnetrs_pq_memory *mem = q->mem;

	if (q->slots)
		mem->release(q->slots);
	if (q->fifo)
		mem->release(q->fifo);
	vnetrs_prefix_queue_init(q, mem);
}

static uint32_t pow2_at_least(size_t n)
{
	uint32_t c = PQ_MIN;

	while (c < n)
		c <<= 1;
	return c;
}

/* Empty the table: a new generation, or zeroes when the count wraps. */
static void table_empty(struct vnetrs_prefix_queue *q)
{
	q->used = 0;
	if (++q->gen == 0) {
		memset(q->slots, 0, (size_t)(q->mask + 1) * sizeof(*q->slots));
		q->gen = 1;
	}
}

/* A table of cap slots, empty. */
static void table_alloc(struct vnetrs_prefix_queue *q, uint32_t cap)
{
	if (!q->slots || q->mask + 1 != cap) {
		if (q->slots)
			q->mem->release(q->slots);
		q->slots = q->mem->resize(NULL, (size_t)cap * sizeof(*q->slots));
		memset(q->slots, 0, (size_t)cap * sizeof(*q->slots));
		q->mask = cap - 1;
		q->gen = 1;
		q->used = 0;
		return;
	}
	table_empty(q);
}

static bool queued(const struct vnetrs_prefix_queue *q,
		   const struct vnetrs_pq_slot *s)
{
	return s->seq >= q->head && s->seq < q->tail;
}

/* The queued prefixes moved to the fifo's front, the table rebuilt for
 * them at most half full. */
static void rebuild(struct vnetrs_prefix_queue *q)
{
	uint32_t live = q->tail - q->head;

	if (q->head) {
		memmove(q->fifo, q->fifo + q->head, (size_t)live * sizeof(*q->fifo));
		q->head = 0;
		q->tail = live;
	}
	table_alloc(q, pow2_at_least(2 * ((size_t)live + 1)));
	for (uint32_t seq = 0; seq < live; seq++) {
		const struct vnetrs_prefix *p = &q->fifo[seq];
		uint32_t h = vnetrs_prefix_hash(p), i = h & q->mask;

		while (q->slots[i].gen == q->gen)
			i = (i + 1) & q->mask;
		q->slots[i] = (struct vnetrs_pq_slot){
			.p = *p, .hash = h, .seq = seq, .gen = q->gen};
		q->used++;
	}
}

/* Room for one more prefix at the fifo's tail. */
static void fifo_room(struct vnetrs_prefix_queue *q)
{
	if (q->tail < q->fifo_cap)
		return;
	/* Half of it taken already: moving the rest to the front makes room
	 * (their places change, so the table is rebuilt with them). */
	if (q->head && q->head >= q->fifo_cap / 2) {
		rebuild(q);
		return;
	}
	q->fifo_cap = q->fifo_cap ? 2 * q->fifo_cap : PQ_MIN;
	q->fifo = q->mem->resize(q->fifo, (size_t)q->fifo_cap * sizeof(*q->fifo));
}

bool vnetrs_prefix_queue_push(struct vnetrs_prefix_queue *q,
			      const struct vnetrs_prefix *p)
{
	uint32_t h = vnetrs_prefix_hash(p), i;
	struct vnetrs_pq_slot *s, *reuse = NULL;

	/* At most three quarters of the slots in use, taken ones included:
	 * probes stay short. */
	if (!q->slots || 4 * ((size_t)q->used + 1) > 3 * ((size_t)q->mask + 1))
		rebuild(q);
	fifo_room(q);
	for (i = h & q->mask;; i = (i + 1) & q->mask) {
		s = &q->slots[i];
		if (s->gen != q->gen)
			break;
		if (!queued(q, s)) {
			/* Taken: its slot is free for reuse, but p may be
			 * further along. */
			if (!reuse)
				reuse = s;
			continue;
		}
		if (s->hash == h && vnetrs_prefix_equal(&s->p, p))
			return false;
	}
	if (reuse)
		s = reuse;
	else
		q->used++;
	*s = (struct vnetrs_pq_slot){
		.p = *p, .hash = h, .seq = q->tail, .gen = q->gen};
	q->fifo[q->tail++] = *p;
	return true;
}

bool vnetrs_prefix_queue_contains(const struct vnetrs_prefix_queue *q,
				  const struct vnetrs_prefix *p)
{
	uint32_t h, i;

	if (!q->slots || q->head == q->tail)
		return false;
	h = vnetrs_prefix_hash(p);
	for (i = h & q->mask; q->slots[i].gen == q->gen; i = (i + 1) & q->mask) {
		const struct vnetrs_pq_slot *s = &q->slots[i];

		if (queued(q, s) && s->hash == h &&
		    vnetrs_prefix_equal(&s->p, p))
			return true;
	}
	return false;
}

/* Drained: empty at no cost, and give back the memory of a burst much
 * larger than the last one. */
static void drained(struct vnetrs_prefix_queue *q)
{
	uint32_t last = q->tail;

	q->head = q->tail = 0;
	if (q->slots && q->mask + 1 > PQ_MIN && (size_t)last * 16 < q->mask + 1)
		table_alloc(q, pow2_at_least(2 * ((size_t)last + 1)));
	else if (q->slots)
		table_empty(q);
	if (q->fifo_cap > PQ_MIN && (size_t)last * 8 < q->fifo_cap) {
		q->fifo_cap = pow2_at_least(2 * (size_t)last);
		q->fifo = q->mem->resize(q->fifo,
					 (size_t)q->fifo_cap * sizeof(*q->fifo));
	}
}

size_t vnetrs_prefix_queue_take(struct vnetrs_prefix_queue *q,
				struct vnetrs_prefix *out, size_t max)
{
	size_t n = vnetrs_prefix_queue_count(q);

	if (n > max)
		n = max;
	if (!n)
		return 0;
	memcpy(out, q->fifo + q->head, n * sizeof(*out));
	q->head += (uint32_t)n;
	if (q->head == q->tail)
		drained(q);
	return n;
}

void vnetrs_prefix_queue_clear(struct vnetrs_prefix_queue *q)
{
	q->head = q->tail;
	if (q->slots || q->fifo)
		drained(q);
}
