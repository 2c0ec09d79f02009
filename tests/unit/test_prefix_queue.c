// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The queue of distinct prefixes (logic/vnetrs_prefix_queue.c): the
 * module's dirty and pending sets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "logic/vnetrs_prefix_queue.h"

/* Prefix number i (below 2^24): IPv4 /24s, every eighth an IPv6 /48. */
static struct vnetrs_prefix nth(uint32_t i)
{
	struct vnetrs_prefix p = {0};

	if (i % 8 == 7) {
		p.family = VNETRS_AF_INET6;
		p.len = 48;
		p.addr[0] = 0x20;
		p.addr[1] = 0x01;
		p.addr[2] = 0x0d;
		p.addr[3] = (uint8_t)(i >> 16);
		p.addr[4] = (uint8_t)(i >> 8);
		p.addr[5] = (uint8_t)i;
		return p;
	}
	p.family = VNETRS_AF_INET;
	p.len = 24;
	p.addr[0] = (uint8_t)(11 + (i >> 16));
	p.addr[1] = (uint8_t)(i >> 8);
	p.addr[2] = (uint8_t)i;
	return p;
}

/* Which nth() a prefix is (the inverse, for the model's checks). */
static uint32_t index_of(const struct vnetrs_prefix *p)
{
	if (p->family == VNETRS_AF_INET6)
		return ((uint32_t)p->addr[3] << 16 | (uint32_t)p->addr[4] << 8 |
			p->addr[5]);
	return ((uint32_t)(p->addr[0] - 11) << 16) |
	       ((uint32_t)p->addr[1] << 8) | p->addr[2];
}

/* Memory through the queue's callbacks, counted. */
static long blocks;

static void *counting_resize(void *old, size_t size)
{
	if (!old)
		blocks++;
	return realloc(old, size);
}

static void counting_release(void *p)
{
	blocks--;
	free(p);
}

static const struct vnetrs_pq_memory counting = {
	.resize = counting_resize,
	.release = counting_release,
};

static void test_order_and_repeats(void **state __attribute__((unused)))
{
	struct vnetrs_prefix_queue q;
	struct vnetrs_prefix out[8], a = nth(1), b = nth(2), c = nth(7);

	vnetrs_prefix_queue_init(&q, &counting);
	assert_int_equal(vnetrs_prefix_queue_take(&q, out, 8), 0);
	assert_true(vnetrs_prefix_queue_push(&q, &a));
	assert_true(vnetrs_prefix_queue_push(&q, &b));
	assert_false(vnetrs_prefix_queue_push(&q, &a));
	assert_true(vnetrs_prefix_queue_push(&q, &c));
	assert_false(vnetrs_prefix_queue_push(&q, &c));
	assert_int_equal(vnetrs_prefix_queue_count(&q), 3);
	assert_true(vnetrs_prefix_queue_contains(&q, &b));

	/* The first in first out; a taken prefix queues again at the back. */
	assert_int_equal(vnetrs_prefix_queue_take(&q, out, 1), 1);
	assert_true(vnetrs_prefix_equal(&out[0], &a));
	assert_false(vnetrs_prefix_queue_contains(&q, &a));
	assert_true(vnetrs_prefix_queue_push(&q, &a));
	assert_false(vnetrs_prefix_queue_push(&q, &b));
	assert_int_equal(vnetrs_prefix_queue_take(&q, out, 8), 3);
	assert_true(vnetrs_prefix_equal(&out[0], &b));
	assert_true(vnetrs_prefix_equal(&out[1], &c));
	assert_true(vnetrs_prefix_equal(&out[2], &a));
	assert_int_equal(vnetrs_prefix_queue_count(&q), 0);
	assert_false(vnetrs_prefix_queue_contains(&q, &c));

	/* Drained, it starts over. */
	assert_true(vnetrs_prefix_queue_push(&q, &c));
	vnetrs_prefix_queue_clear(&q);
	assert_int_equal(vnetrs_prefix_queue_count(&q), 0);
	assert_true(vnetrs_prefix_queue_push(&q, &c));
	vnetrs_prefix_queue_fini(&q);
	assert_int_equal(blocks, 0);
}

/*
 * A model: random pushes (most of them repeats) and takes of random size,
 * against an array and a flag per prefix, through many rebuilds, fifo
 * compactions and drains.
 */
static void test_against_model(void **state __attribute__((unused)))
{
	enum { N = 40000, OPS = 1500000 };
	struct vnetrs_prefix_queue q;
	static struct vnetrs_prefix out[25000];
	static uint32_t model[4 * N];
	static bool in[N];
	size_t mhead = 0, mtail = 0;
	uint32_t rnd = 12345;

	vnetrs_prefix_queue_init(&q, &counting);
	for (int op = 0; op < OPS; op++) {
		rnd = rnd * 1103515245u + 12345u;
		if ((rnd >> 16) % 1000 < 985) {
			/* Bursts of neighbours, as UPDATEs bring them. */
			uint32_t i = ((rnd >> 8) % N + (uint32_t)op % 7) % N;
			struct vnetrs_prefix p = nth(i);
			bool added = vnetrs_prefix_queue_push(&q, &p);

			assert_int_equal(added, !in[i]);
			if (added) {
				in[i] = true;
				if (mtail == 4 * N) {
					memmove(model, model + mhead,
						(mtail - mhead) * sizeof(*model));
					mtail -= mhead;
					mhead = 0;
				}
				model[mtail++] = i;
			}
		} else {
			size_t want = (rnd >> 4) % 25000, n;

			n = vnetrs_prefix_queue_take(&q, out, want);
			assert_int_equal(n, want < mtail - mhead ? want
								 : mtail - mhead);
			for (size_t k = 0; k < n; k++) {
				uint32_t i = model[mhead++];

				if (index_of(&out[k]) != i)
					fail_msg("op %d: took %u, expected %u", op,
						 index_of(&out[k]), i);
				in[i] = false;
			}
		}
		assert_int_equal(vnetrs_prefix_queue_count(&q), mtail - mhead);
	}
	for (uint32_t i = 0; i < N; i += 97) {
		struct vnetrs_prefix p = nth(i);

		assert_int_equal(vnetrs_prefix_queue_contains(&q, &p), in[i]);
	}
	vnetrs_prefix_queue_fini(&q);
	assert_int_equal(blocks, 0);
}

/* A burst of 300,000 then a small one: the memory of the large one goes. */
static void test_memory_after_a_burst(void **state __attribute__((unused)))
{
	struct vnetrs_prefix_queue q;
	static struct vnetrs_prefix out[1000];
	uint32_t big_mask, big_fifo;

	vnetrs_prefix_queue_init(&q, NULL);
	for (uint32_t i = 0; i < 300000; i++) {
		struct vnetrs_prefix p = nth(i % 250000);

		vnetrs_prefix_queue_push(&q, &p);
	}
	assert_int_equal(vnetrs_prefix_queue_count(&q), 250000);
	big_mask = q.mask;
	big_fifo = q.fifo_cap;
	assert_true(big_mask + 1 >= 2 * 250000);
	while (vnetrs_prefix_queue_take(&q, out, 1000))
		;
	for (uint32_t i = 0; i < 10; i++) {
		struct vnetrs_prefix p = nth(i);

		vnetrs_prefix_queue_push(&q, &p);
	}
	assert_int_equal(vnetrs_prefix_queue_take(&q, out, 1000), 10);
	assert_true(q.mask < big_mask);
	assert_true(q.fifo_cap < big_fifo);
	vnetrs_prefix_queue_fini(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_and_repeats),
		cmocka_unit_test(test_against_model),
		cmocka_unit_test(test_memory_after_a_burst),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
