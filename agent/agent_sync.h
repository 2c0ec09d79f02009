// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs-agent: keeping a data plane equal to what the agent wants,
 * whatever else happens to it.
 *
 * One mechanism above the backends (backend.h), whichever data plane it
 * is: it holds the desired routes, turns each change of them into
 * operations for the backend, reconciles the backend's routes with them
 * (add what is missing, replace what differs, delete what is stale), and
 * takes the backend's reports of what changed underneath it:
 * - a route of ours removed or changed by someone else: checked and put
 *   back (a reconcile, moments later, coalescing a burst);
 * - links or addresses changed, or events lost: the same check;
 * - an add that failed (a next hop not reachable yet): retried at the
 *   next such event, and on a timer with backoff;
 * - another owner's route of the same prefix and metric: never fought.
 *   Logged once, counted, shown; ours goes in once theirs is gone.
 * Which routes are desired is decided by the caller (the merge of the
 * route-server instances, agent_main.c).
 */
#ifndef AGENT_SYNC_H
#define AGENT_SYNC_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "agent/agent_table.h"
#include "agent/backend.h"

/* A check this long after the first event of a burst (coalescing it). */
#define AGENT_SYNC_COALESCE_MS 20
/* Failed operations are retried after 1 s, doubling up to 30 s (and at
 * once after a link or address event). */
#define AGENT_SYNC_RETRY_MIN_MS 1000
#define AGENT_SYNC_RETRY_MAX_MS 30000

struct agent_sync_stats {
	uint64_t reconciles;
	uint64_t restored;	 /* routes put back after others removed them */
	uint64_t failed_ops;	 /* operations that failed, in total */
	uint64_t conflicts_seen; /* prefixes found held by another owner */
};

/* The last reconcile, for the status. */
struct agent_sync_last {
	uint64_t at_ms; /* 0: none yet */
	char cause[128];
	size_t wanted, found;
	size_t adds, replaces, deletes, failed, taken, kept;
	uint64_t took_ms;
};

struct agent_sync {
	struct agent_backend *be;
	uint32_t metric;
	uint32_t max_nh; /* next hops per route at most (0: no limit) */
	/* What the data plane should hold of ours; valid once programmed. */
	struct agent_table desired;
	bool programmed;
	/* Prefixes another owner's route holds (sorted, distinct). */
	struct agent_plist conflicts;
	/* Operations that failed at their last attempt. */
	size_t failing;
	/* A check is due then (0: none), for check_why. */
	uint64_t check_ms;
	char check_why[160];
	uint32_t retry_ms;
	struct agent_sync_stats stats;
	struct agent_sync_last last;
};

void agent_sync_init(struct agent_sync *s, struct agent_backend *be,
		     uint32_t metric, uint32_t max_nh);
void agent_sync_fini(struct agent_sync *s);

/* The backend callback: give it s as its argument. */
extern const struct agent_backend_cb agent_sync_backend_cb;

/*
 * Make the data plane hold target (taken: target is emptied): read the
 * backend's routes, add, replace and delete (but keep_stale: no delete).
 * If the backend's routes cannot be read, only adds are attempted and a
 * check is scheduled. why: for the log and the status.
 */
void agent_sync_reconcile(struct agent_sync *s, struct agent_table *target,
			  bool keep_stale, const char *why);

/* From the desired table to target (taken), without reading the backend:
 * only the difference is carried out. */
void agent_sync_set(struct agent_sync *s, struct agent_table *target,
		    const char *why);

/*
 * The instances' tables changed at changed: their merge (tabs: NULL
 * entries skipped; add the desired table itself to keep what it holds)
 * replaces the desired routes of those prefixes, and the difference is
 * carried out.
 */
void agent_sync_update(struct agent_sync *s,
		       const struct agent_table *const *tabs, size_t ntabs,
		       const struct agent_plist *changed, const char *why);

/* A check of the data plane is due (0: none). */
uint64_t agent_sync_deadline(const struct agent_sync *s);
/* Schedule one at when (kept if one is due earlier). */
void agent_sync_check_at(struct agent_sync *s, uint64_t when, const char *why);

/* Its part of vnetrs-agent --status. */
void agent_sync_status(const struct agent_sync *s, FILE *f, uint64_t now);

#endif /* AGENT_SYNC_H */
