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
 * applies whole at once). When no instance counts, nothing is removed at
 * all.
 */
#ifndef AGENT_MEMBERS_H
#define AGENT_MEMBERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AGENT_MEMBERS_MAX 2

struct agent_member {
	bool live;
	uint64_t since_ms; /* when it became live */
	bool joined_alone; /* no other instance counted then: counts at once */
};

struct agent_members {
	struct agent_member m[AGENT_MEMBERS_MAX];
	size_t n;
	uint32_t settle_ms;
	uint64_t settle_until; /* the end of the settling (0: none yet) */
	bool end_pending;      /* the end of the settling is not handled */
};

void agent_members_init(struct agent_members *ms, size_t n, uint32_t settle_ms);
/*
 * Instance i is live, or not, at now. Returns true when that changes the
 * set of live instances (the settling starts again).
 */
bool agent_members_set(struct agent_members *ms, size_t i, bool live,
		       uint64_t now);
/* Does instance i count in the merge at now? */
bool agent_members_counted(const struct agent_members *ms, size_t i,
			   uint64_t now);
size_t agent_members_n_counted(const struct agent_members *ms, uint64_t now);
/* Removing nothing (settling while not every instance counts, or no
 * instance counts)? */
bool agent_members_hold(const struct agent_members *ms, uint64_t now);
bool agent_members_settling(const struct agent_members *ms, uint64_t now);
/* When the settling ends and the exact merge is due (0: not pending). */
uint64_t agent_members_deadline(const struct agent_members *ms);
/* At the deadline: true once per settling (then reconcile exactly). */
bool agent_members_settled(struct agent_members *ms, uint64_t now);

#endif /* AGENT_MEMBERS_H */
