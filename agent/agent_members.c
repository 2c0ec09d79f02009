// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs-agent: which route-server instances count in the merge
 * (agent_members.h).
 */
#include "agent/agent_members.h"

#include <string.h>

void agent_members_init(struct agent_members *ms, size_t n, uint32_t settle_ms)
{
	memset(ms, 0, sizeof(*ms));
	ms->n = n < AGENT_MEMBERS_MAX ? n : AGENT_MEMBERS_MAX;
	ms->settle_ms = settle_ms;
	ms->keep_ms = AGENT_KEEP_FOREVER;
}

void agent_members_keep(struct agent_members *ms, uint64_t keep_ms)
{
	ms->keep_ms = keep_ms;
}

static bool any_live(const struct agent_members *ms)
{
	size_t i;

	for (i = 0; i < ms->n; i++)
		if (ms->m[i].live)
			return true;
	return false;
}

/*
 * The keep timer follows liveness, not counting: an instance settling
 * is there, its routes are on their way; one live again cancels it.
 */
static void keep_update(struct agent_members *ms, bool live, uint64_t now)
{
	if (live) {
		ms->gone_ms = 0;
		ms->removed = false;
	} else if (!any_live(ms)) {
		/* 0 is "no timer": the clock may start at 0 in tests. */
		ms->gone_ms = now ? now : 1;
	}
}

/* Live and past its settling (or alone when it joined), drain or not. */
static bool eligible(const struct agent_members *ms, size_t i, uint64_t now)
{
	const struct agent_member *m = &ms->m[i];

	if (i >= ms->n || !m->live)
		return false;
	return m->joined_alone || now >= m->since_ms + ms->settle_ms;
}

bool agent_members_drained(const struct agent_members *ms, size_t i,
			   uint64_t now)
{
	size_t j;

	if (!eligible(ms, i, now) || !ms->m[i].draining)
		return false;
	for (j = 0; j < ms->n; j++)
		if (j != i && eligible(ms, j, now) && !ms->m[j].draining)
			return true;
	return false;
}

bool agent_members_counted(const struct agent_members *ms, size_t i,
			   uint64_t now)
{
	return eligible(ms, i, now) && !agent_members_drained(ms, i, now);
}

bool agent_members_drain(struct agent_members *ms, size_t i, bool draining,
			 uint64_t now)
{
	if (i >= ms->n || ms->m[i].draining == draining)
		return false;
	ms->m[i].draining = draining;
	ms->settle_until = now + ms->settle_ms;
	ms->end_pending = true;
	return true;
}

size_t agent_members_n_counted(const struct agent_members *ms, uint64_t now)
{
	size_t i, n = 0;

	for (i = 0; i < ms->n; i++)
		if (agent_members_counted(ms, i, now))
			n++;
	return n;
}

bool agent_members_set(struct agent_members *ms, size_t i, bool live,
		       uint64_t now)
{
	struct agent_member *m;

	if (i >= ms->n || ms->m[i].live == live)
		return false;
	m = &ms->m[i];
	if (live) {
		m->joined_alone = agent_members_n_counted(ms, now) == 0;
		m->since_ms = now;
	}
	m->live = live;
	keep_update(ms, live, now);
	ms->settle_until = now + ms->settle_ms;
	ms->end_pending = true;
	return true;
}

bool agent_members_settling(const struct agent_members *ms, uint64_t now)
{
	return ms->settle_until && now < ms->settle_until;
}

bool agent_members_hold(const struct agent_members *ms, uint64_t now)
{
	size_t counted = agent_members_n_counted(ms, now);

	/* Every instance counting: nothing to wait for, no one lags. None
	 * counting: keep what is there, unless it was removed on purpose. */
	if (counted == 0)
		return !ms->removed;
	return agent_members_settling(ms, now) && counted < ms->n;
}

uint64_t agent_members_deadline(const struct agent_members *ms)
{
	return ms->end_pending ? ms->settle_until : 0;
}

bool agent_members_settled(struct agent_members *ms, uint64_t now)
{
	if (!ms->end_pending || now < ms->settle_until)
		return false;
	ms->end_pending = false;
	return true;
}

enum agent_keep_state agent_members_keep_state(const struct agent_members *ms)
{
	if (!ms->gone_ms)
		return AGENT_KEEP_LIVE;
	if (ms->removed)
		return AGENT_KEEP_REMOVED;
	return ms->keep_ms == AGENT_KEEP_FOREVER ? AGENT_KEEP_HELD
						 : AGENT_KEEP_WAITING;
}

uint64_t agent_members_keep_deadline(const struct agent_members *ms)
{
	if (agent_members_keep_state(ms) != AGENT_KEEP_WAITING)
		return 0;
	return ms->gone_ms + ms->keep_ms;
}

bool agent_members_keep_expired(struct agent_members *ms, uint64_t now)
{
	uint64_t d = agent_members_keep_deadline(ms);

	if (!d || now < d)
		return false;
	ms->removed = true;
	return true;
}
