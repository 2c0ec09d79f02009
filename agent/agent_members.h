// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs-agent: which route-server instances count in the merge, and the
 * settling after that set changes.
 *
 * Plain C on times given by the caller, unit-tested without sockets
 * (tests/unit/test_agent_table.c). An instance is live when its snapshot
 * came and its stream is not silent (agent_conn.c). A live instance
 * counts in the merge, except while it settles: when it becomes live
 * while another instance counts, its routes wait settle_ms before they
 * are added (a route server back from a hang holds an old table, which
 * its next batches correct). When the set of live instances changes, the
 * agent settles for settle_ms: it removes nothing until then (a lagging
 * instance catches up on routes the other had, an instance back from a
 * hang withdraws what it must), then reconciles with the exact merge.
 * Once every instance counts again there is nothing left to wait for: the
 * settling no longer holds removals (a lone instance's new snapshot
 * applies whole at once). When no instance counts, nothing is removed
 * for keep_ms (--keep-routes; AGENT_KEEP_FOREVER: never): past it, the
 * routes go, and the next instance to become live programs them again.
 *
 * An instance may drain (graceful maintenance, the DRAINING flag of its
 * stream): while another instance counts and does not drain, a draining
 * one does not count, so stopping it changes nothing; alone (or with
 * only draining or settling others), it still counts: a drain never
 * drops routes by itself. A drain starting or ending settles as a
 * change of liveness does.
 */
#ifndef AGENT_MEMBERS_H
#define AGENT_MEMBERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AGENT_MEMBERS_MAX 2
/* keep_ms: the routes stay however long no instance is live. */
#define AGENT_KEEP_FOREVER UINT64_MAX

struct agent_member {
	bool live;
	uint64_t since_ms; /* when it became live */
	bool joined_alone; /* no other instance counted then: counts at once */
	bool draining;	   /* it says it drains (maintenance) */
};

struct agent_members {
	struct agent_member m[AGENT_MEMBERS_MAX];
	size_t n;
	uint32_t settle_ms;
	uint64_t settle_until; /* the end of the settling (0: none yet) */
	bool end_pending;      /* the end of the settling is not handled */
	/*
	 * With no instance live, the routes are kept keep_ms from gone_ms
	 * (0: some instance is live, or none ever was: a start removes
	 * nothing it did not program), then removed (until one is live).
	 */
	uint64_t keep_ms;
	uint64_t gone_ms;
	bool removed;
};

/* What happened to the routes of the agent when no instance is live. */
enum agent_keep_state {
	AGENT_KEEP_LIVE,    /* some instance is live (or none ever was) */
	AGENT_KEEP_WAITING, /* none is: kept until the deadline */
	AGENT_KEEP_HELD,    /* none is: kept forever */
	AGENT_KEEP_REMOVED, /* none was for keep_ms: removed */
};

void agent_members_init(struct agent_members *ms, size_t n, uint32_t settle_ms);
/* --keep-routes: how long the routes stay with no instance live (ms, or
 * AGENT_KEEP_FOREVER, the default of agent_members_init). */
void agent_members_keep(struct agent_members *ms, uint64_t keep_ms);
/*
 * Instance i is live, or not, at now. Returns true when that changes the
 * set of live instances (the settling starts again).
 */
bool agent_members_set(struct agent_members *ms, size_t i, bool live,
		       uint64_t now);
/*
 * Instance i drains, or no longer does, at now. Returns true when that
 * changed (the settling starts again: the merge may change).
 */
bool agent_members_drain(struct agent_members *ms, size_t i, bool draining,
			 uint64_t now);
/* Is instance i live, draining, and left out of the merge for another
 * instance at now? */
bool agent_members_drained(const struct agent_members *ms, size_t i,
			   uint64_t now);
/* Does instance i count in the merge at now? */
bool agent_members_counted(const struct agent_members *ms, size_t i,
			   uint64_t now);
size_t agent_members_n_counted(const struct agent_members *ms, uint64_t now);
/* Removing nothing (settling while not every instance counts, or no
 * instance counts and the routes are not removed)? */
bool agent_members_hold(const struct agent_members *ms, uint64_t now);
bool agent_members_settling(const struct agent_members *ms, uint64_t now);
/* When the settling ends and the exact merge is due (0: not pending). */
uint64_t agent_members_deadline(const struct agent_members *ms);
/* At the deadline: true once per settling (then reconcile exactly). */
bool agent_members_settled(struct agent_members *ms, uint64_t now);


enum agent_keep_state agent_members_keep_state(const struct agent_members *ms);
/* When the routes kept with no instance live are due to go (0: not). */
uint64_t agent_members_keep_deadline(const struct agent_members *ms);
/* At that deadline: true once (then remove the routes). */
bool agent_members_keep_expired(struct agent_members *ms, uint64_t now);

#endif /* AGENT_MEMBERS_H */
