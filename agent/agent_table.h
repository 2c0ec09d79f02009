// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs-agent: route tables, their merge and their diff.
 *
 * Plain C with no netlink or socket types, so what the agent decides to
 * program is unit-tested without a kernel (tests/unit/test_agent_table.c):
 * - a table per route-server instance, changed by the batches it sends;
 * - the merged (desired) table: per prefix, the union of the next hops of
 *   the instances that hold it;
 * - the operations (add, replace, delete) that turn the kernel's routes, or
 *   a previous desired table, into the desired one.
 * Out of memory aborts: the agent cannot do anything sensible without it.
 */
#ifndef AGENT_TABLE_H
#define AGENT_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "logic/vnetrs_exchange.h"
#include "logic/vnetrs_prefix.h"

/*
 * One route: a prefix and its next hops (host addresses, sorted by
 * vnetrs_prefix_cmp, distinct). One allocation; immutable once built.
 */
struct agent_route {
	struct vnetrs_prefix prefix;
	enum vnetrs_source source;
	/* Kernel routes only: the route's metric (RTA_PRIORITY), and whether
	 * it is something the agent would not program (another route type,
	 * a next hop without gateway, a weight): such a route always differs
	 * from a desired one. 0 and false elsewhere. */
	uint32_t metric;
	bool odd;
	uint32_t n_nh;
	struct vnetrs_prefix nh[];
};

/* A route with n_nh next hops (sorted and made distinct here; their len is
 * set to 32 or 128). */
struct agent_route *agent_route_new(const struct vnetrs_prefix *prefix,
				    enum vnetrs_source source,
				    const struct vnetrs_prefix *nh,
				    size_t n_nh);
struct agent_route *agent_route_dup(const struct agent_route *r);
void agent_route_free(struct agent_route *r);
/* Does the agent program it (a route with next hops, not an address
 * space)? */
bool agent_route_programmable(const struct agent_route *r);
/* Same next hops (and neither odd)? */
bool agent_route_same_nh(const struct agent_route *a,
			 const struct agent_route *b);
/*
 * "PREFIX via NH[,NH...]", "PREFIX local", or "PREFIX SOURCE without next
 * hop"; in len bytes, cut with "..." when longer. Returns buf.
 */
const char *agent_route2str(const struct agent_route *r, char *buf, size_t len);
/* The same, whole, and a newline. */
void agent_route_print(FILE *f, const struct agent_route *r);

/* A list of prefixes. */
struct agent_plist {
	struct vnetrs_prefix *p;
	size_t n, cap;
};

void agent_plist_init(struct agent_plist *l);
void agent_plist_add(struct agent_plist *l, const struct vnetrs_prefix *p);
void agent_plist_clear(struct agent_plist *l);

/*
 * A table: routes sorted by prefix. An instance's and the desired table
 * hold one route per prefix; a kernel table may hold several (one per
 * metric), sorted by metric within a prefix.
 */
struct agent_table {
	struct agent_route **r;
	size_t n, cap;
};

void agent_table_init(struct agent_table *t);
/* Free every route; the table is empty (and reusable). */
void agent_table_clear(struct agent_table *t);
/* Exchange the contents of two tables. */
void agent_table_swap(struct agent_table *a, struct agent_table *b);
/* The (first) route of prefix p, or NULL. */
const struct agent_route *agent_table_find(const struct agent_table *t,
					   const struct vnetrs_prefix *p);
size_t agent_table_programmable(const struct agent_table *t);
/* Every route, one per line (agent_route_print). */
void agent_table_print(FILE *f, const struct agent_table *t);

/*
 * A kernel table is filled in any order with agent_kernel_add() (the table
 * takes r), then agent_kernel_sort(): by prefix then metric. Several
 * routes of one prefix and metric stay several (IPv4 allows that: a
 * prepended or appended route).
 */
void agent_kernel_add(struct agent_table *t, struct agent_route *r);
void agent_kernel_sort(struct agent_table *t);

/* A batch being received: its changes in order. */
struct agent_change {
	struct vnetrs_prefix prefix;
	struct agent_route *route; /* NULL: delete the prefix */
	size_t order;
};

struct agent_batch {
	struct agent_change *c;
	size_t n, cap;
	size_t adds, dels;
};

void agent_batch_init(struct agent_batch *b);
/* Drop every change (a partial batch); the batch is empty. */
void agent_batch_clear(struct agent_batch *b);
/* ROUTE_ADD: the batch takes r. */
void agent_batch_add(struct agent_batch *b, struct agent_route *r);
/* ROUTE_DEL. */
void agent_batch_del(struct agent_batch *b, const struct vnetrs_prefix *p);

/*
 * Apply a committed batch to t. A snapshot replaces the table with its
 * routes; an incremental batch adds, replaces or deletes the prefixes it
 * names, the last change of a prefix winning (deleting a prefix t does not
 * have is no error). The batch's routes move into t and the batch is
 * empty afterwards. changed (may be NULL) gets the prefixes the batch
 * named, sorted and distinct (for a snapshot, also those it dropped).
 */
void agent_table_apply(struct agent_table *t, struct agent_batch *b,
		       bool snapshot, struct agent_plist *changed);

/*
 * Merging the instances' tables (NULL entries are skipped: an instance
 * without a table). For a prefix held by at least one: the union of the
 * next hops of the holders; its source is the first holder's with next
 * hops, else the first holder's (local when every holder says local).
 * Returns NULL when no table holds p.
 */
struct agent_route *agent_merge_one(const struct agent_table *const *tabs,
				    size_t ntabs,
				    const struct vnetrs_prefix *p);
/* Every prefix of every table, into out (emptied first). */
void agent_merge_all(const struct agent_table *const *tabs, size_t ntabs,
		     struct agent_table *out);

enum agent_op_type {
	AGENT_OP_ADD,
	AGENT_OP_REPLACE,
	AGENT_OP_DELETE,
};

/* How a backend carried out an operation. */
enum agent_op_result {
	AGENT_OP_DONE = 0,
	/* An add found another owner's route of that prefix and metric: it
	 * is left alone. */
	AGENT_OP_TAKEN,
	/* Refused or unanswered: error says why (an errno, or 0). */
	AGENT_OP_FAILED,
};

/* One kernel operation: route is a copy the list owns (for a delete, the
 * route that is there), metric the one to add with or to delete; result
 * and error are set by the backend that carries it out. */
struct agent_op {
	enum agent_op_type type;
	struct agent_route *route;
	uint32_t metric;
	enum agent_op_result result;
	int error;
};

struct agent_ops {
	struct agent_op *o;
	size_t n, cap;
	size_t adds, replaces, deletes;
	/* Set before a diff, 0 for no limit: routes are programmed with at
	 * most max_nh next hops (the first ones, in their order), and
	 * compared so. capped counts the routes cut. */
	uint32_t max_nh;
	size_t capped;
};

void agent_ops_init(struct agent_ops *ops);
void agent_ops_clear(struct agent_ops *ops);
const char *agent_op2str(enum agent_op_type type);
/* Remove the operations of type from ops; returns how many. */
size_t agent_ops_drop(struct agent_ops *ops, enum agent_op_type type);

/*
 * The operations turning have into want, appended to ops (see its
 * max_nh), in prefix order. Only want's programmable routes count. have is
 * either the kernel's table (match_metric: a route of another metric than
 * metric is deleted, whatever it is, and so are several routes of metric
 * for one prefix, before the wanted one is added) or a desired table the
 * kernel was programmed with (!match_metric: its programmable routes are
 * what the kernel has, with metric).
 */
void agent_diff(const struct agent_table *want, const struct agent_table *have,
		bool match_metric, uint32_t metric, struct agent_ops *ops);

/*
 * The operation turning the kernel's route old into new (either NULL or
 * not programmable: none there, none wanted), appended to ops if any.
 */
void agent_diff_one(const struct agent_route *old,
		    const struct agent_route *new, uint32_t metric,
		    struct agent_ops *ops);

/*
 * After the instances' tables changed at the prefixes changed: recompute
 * the merged entry of each into desired, and append to ops what turns the
 * kernel (programmed with desired) into the new desired table.
 */
void agent_update(struct agent_table *desired,
		  const struct agent_table *const *tabs, size_t ntabs,
		  const struct agent_plist *changed, uint32_t metric,
		  struct agent_ops *ops);

#endif /* AGENT_TABLE_H */
