// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs-agent: keeping a data plane equal to what the agent wants
 * (agent_sync.h).
 */
#include "agent/agent_sync.h"

#include <inttypes.h>
#include <string.h>

#include "agent/agent.h"

void agent_sync_init(struct agent_sync *s, struct agent_backend *be,
		     uint32_t metric, uint32_t max_nh)
{
	memset(s, 0, sizeof(*s));
	s->be = be;
	s->metric = metric;
	s->max_nh = max_nh;
	s->retry_ms = AGENT_SYNC_RETRY_MIN_MS;
	agent_table_init(&s->desired);
	agent_plist_init(&s->conflicts);
}

void agent_sync_fini(struct agent_sync *s)
{
	agent_table_clear(&s->desired);
	agent_plist_clear(&s->conflicts);
}

/* --- prefixes another owner holds ---------------------------------------- */

/* Index of the first conflict not below p. */
static size_t conflict_lower(const struct agent_plist *l,
			     const struct vnetrs_prefix *p)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (vnetrs_prefix_cmp(&l->p[mid], p) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool conflict_has(const struct agent_plist *l,
			 const struct vnetrs_prefix *p)
{
	size_t i = conflict_lower(l, p);

	return i < l->n && vnetrs_prefix_equal(&l->p[i], p);
}

/* Note p as held by another owner; true when it is new. */
static bool conflict_add(struct agent_plist *l, const struct vnetrs_prefix *p)
{
	size_t i = conflict_lower(l, p);

	if (i < l->n && vnetrs_prefix_equal(&l->p[i], p))
		return false;
	agent_plist_add(l, p); /* room at the end, then in order */
	memmove(&l->p[i + 1], &l->p[i], (l->n - 1 - i) * sizeof(l->p[0]));
	l->p[i] = *p;
	return true;
}

static bool conflict_del(struct agent_plist *l, const struct vnetrs_prefix *p)
{
	size_t i = conflict_lower(l, p);

	if (i == l->n || !vnetrs_prefix_equal(&l->p[i], p))
		return false;
	memmove(&l->p[i], &l->p[i + 1], (l->n - 1 - i) * sizeof(l->p[0]));
	l->n--;
	return true;
}

/* Conflicts of prefixes no longer desired are no one's concern. */
static void conflicts_prune(struct agent_sync *s)
{
	size_t i, n = 0;

	for (i = 0; i < s->conflicts.n; i++)
		if (agent_route_programmable(
			    agent_table_find(&s->desired, &s->conflicts.p[i])))
			s->conflicts.p[n++] = s->conflicts.p[i];
	s->conflicts.n = n;
}

/* --- carrying out operations --------------------------------------------- */

struct apply_counts {
	size_t failed, taken, resolved;
};

/* What one operation's result means for the conflicts and failures. */
static void account_op(struct agent_sync *s, const struct agent_op *op,
		       struct apply_counts *n)
{
	char pbuf[VNETRS_PREFIX_STRLEN];
	const struct vnetrs_prefix *p = &op->route->prefix;

	switch (op->result) {
	case AGENT_OP_DONE:
		if (op->type != AGENT_OP_DELETE &&
		    conflict_del(&s->conflicts, p)) {
			n->resolved++;
			agent_log(
				"%s: the other owner's route is gone: ours "
				"is installed",
				vnetrs_prefix2str(p, pbuf, sizeof(pbuf)));
		}
		break;
	case AGENT_OP_TAKEN:
		n->taken++;
		if (!conflict_add(&s->conflicts, p))
			break;
		s->stats.conflicts_seen++;
		if (s->be->ops->conflict)
			agent_log(
				"%s: %s is there: left alone, ours goes in "
				"once it is gone",
				vnetrs_prefix2str(p, pbuf, sizeof(pbuf)),
				s->be->ops->conflict);
		else
			agent_log(
				"%s: another owner's route of this prefix and "
				"metric %" PRIu32
				" is there: left alone, ours goes in once it "
				"is gone",
				vnetrs_prefix2str(p, pbuf, sizeof(pbuf)),
				op->metric);
		break;
	case AGENT_OP_FAILED:
		n->failed++;
		s->stats.failed_ops++;
		break;
	}
}

/*
 * After an attempt: failures are retried with backoff. A reconcile saw
 * everything (whole): its failures are all that fail now; a partial change
 * adds its own to those still waiting for their retry.
 */
static void schedule_retry(struct agent_sync *s, size_t failed, bool whole)
{
	s->failing = whole ? failed : s->failing + failed;
	if (!s->failing) {
		s->retry_ms = AGENT_SYNC_RETRY_MIN_MS;
		return;
	}
	agent_sync_check_at(s, agent_now_ms() + s->retry_ms,
			    "retrying failed operations");
	s->retry_ms *= 2;
	if (s->retry_ms > AGENT_SYNC_RETRY_MAX_MS)
		s->retry_ms = AGENT_SYNC_RETRY_MAX_MS;
}

/* Carry out ops, log it, account for each result. */
static void apply_ops(struct agent_sync *s, struct agent_ops *ops,
		      const char *what, struct apply_counts *n)
{
	char fbuf[96] = "";
	size_t i;

	memset(n, 0, sizeof(*n));
	if (ops->n)
		s->be->ops->apply(s->be, ops);
	for (i = 0; i < ops->n; i++)
		account_op(s, &ops->o[i], n);
	if (n->failed || n->taken)
		snprintf(fbuf, sizeof(fbuf),
			 " (%zu failed, %zu held by another owner)", n->failed,
			 n->taken);
	agent_log("%s: %zu adds, %zu replaces, %zu deletes%s", what, ops->adds,
		  ops->replaces, ops->deletes, fbuf);
	if (ops->capped)
		agent_log("%zu routes have more than %" PRIu32
			  " next hops: programmed with their first %" PRIu32,
			  ops->capped, ops->max_nh, ops->max_nh);
}

/* After desired changed and the operations were carried out (whole: by
 * a reconcile). */
static void after_change(struct agent_sync *s, const struct apply_counts *n,
			 bool whole)
{
	s->programmed = true;
	conflicts_prune(s);
	if (whole || n->failed)
		schedule_retry(s, n->failed, whole);
}

/* Adds of routes the data plane had lost while desired had them. */
static size_t count_restored(const struct agent_sync *s,
			     const struct agent_ops *ops)
{
	size_t i, n = 0;

	if (!s->programmed)
		return 0;
	for (i = 0; i < ops->n; i++)
		if (ops->o[i].type != AGENT_OP_DELETE &&
		    ops->o[i].result == AGENT_OP_DONE &&
		    agent_table_find(&s->desired, &ops->o[i].route->prefix))
			n++;
	return n;
}

void agent_sync_reconcile(struct agent_sync *s, struct agent_table *target,
			  bool keep_stale, const char *why)
{
	struct agent_table have;
	struct agent_ops ops;
	struct apply_counts n;
	uint64_t start = agent_now_ms();
	bool readable;
	size_t kept = 0;
	char what[200];

	s->check_ms = 0;
	s->stats.reconciles++;
	agent_table_init(&have);
	agent_ops_init(&ops);
	ops.max_nh = s->max_nh;
	readable = s->be->ops->dump(s->be, &have) == 0;
	if (!readable)
		/* What is missing is added; the rest waits for the retry. */
		agent_table_clear(&have);
	agent_diff(target, &have, true, s->metric, &ops);
	if (keep_stale || !readable)
		kept = agent_ops_drop(&ops, AGENT_OP_DELETE);
	snprintf(what, sizeof(what),
		 "reconcile (%s): %zu routes wanted, %zu found%s", why,
		 agent_table_programmable(target), have.n,
		 readable ? "" : " (unreadable)");
	apply_ops(s, &ops, what, &n);
	if (kept && readable)
		agent_log(
			"reconcile: %zu routes of ours not wanted now are "
			"kept for the moment",
			kept);
	s->stats.restored += count_restored(s, &ops);
	agent_table_swap(&s->desired, target);
	agent_table_clear(target);
	after_change(s, &n, readable);
	if (!readable)
		agent_sync_check_at(s, agent_now_ms() + AGENT_SYNC_RETRY_MIN_MS,
				    "the data plane's routes were unreadable");

	s->last.at_ms = agent_now_ms();
	snprintf(s->last.cause, sizeof(s->last.cause), "%s", why);
	s->last.wanted = agent_table_programmable(&s->desired);
	s->last.found = have.n;
	s->last.adds = ops.adds;
	s->last.replaces = ops.replaces;
	s->last.deletes = ops.deletes;
	s->last.failed = n.failed;
	s->last.taken = n.taken;
	s->last.kept = kept;
	s->last.took_ms = s->last.at_ms - start;
	agent_ops_clear(&ops);
	agent_table_clear(&have);
}

void agent_sync_set(struct agent_sync *s, struct agent_table *target,
		    const char *why)
{
	struct agent_ops ops;
	struct apply_counts n;
	char what[200];

	agent_ops_init(&ops);
	ops.max_nh = s->max_nh;
	agent_diff(target, &s->desired, false, s->metric, &ops);
	snprintf(what, sizeof(what), "%s: %zu routes wanted", why,
		 agent_table_programmable(target));
	apply_ops(s, &ops, what, &n);
	agent_table_swap(&s->desired, target);
	agent_table_clear(target);
	after_change(s, &n, false);
	agent_ops_clear(&ops);
}

void agent_sync_update(struct agent_sync *s,
		       const struct agent_table *const *tabs, size_t ntabs,
		       const struct agent_plist *changed, const char *why)
{
	struct agent_ops ops;
	struct apply_counts n;

	agent_ops_init(&ops);
	ops.max_nh = s->max_nh;
	agent_update(&s->desired, tabs, ntabs, changed, s->metric, &ops);
	apply_ops(s, &ops, why, &n);
	after_change(s, &n, false);
	agent_ops_clear(&ops);
}

/* --- what changed underneath --------------------------------------------- */

uint64_t agent_sync_deadline(const struct agent_sync *s)
{
	return s->check_ms;
}

void agent_sync_check_at(struct agent_sync *s, uint64_t when, const char *why)
{
	if (s->check_ms && s->check_ms <= when)
		return;
	s->check_ms = when;
	snprintf(s->check_why, sizeof(s->check_why), "%s", why);
}

/* Does the event concern what the agent programmed? */
static bool event_matters(const struct agent_sync *s,
			  enum agent_backend_event ev,
			  const struct vnetrs_prefix *p)
{
	if (!s->programmed)
		return false;
	switch (ev) {
	case AGENT_EV_OWN_GONE:
	case AGENT_EV_FOREIGN_ADDED:
		return agent_route_programmable(
			agent_table_find(&s->desired, p));
	case AGENT_EV_FOREIGN_GONE:
		return conflict_has(&s->conflicts, p);
	case AGENT_EV_LINK:
	case AGENT_EV_OBJECT:
	case AGENT_EV_OVERFLOW:
	case AGENT_EV_RECONNECT:
		return true;
	}
	return false;
}

static void on_backend_event(void *arg, enum agent_backend_event ev,
			     const struct vnetrs_prefix *p, const char *what)
{
	struct agent_sync *s = arg;
	char pbuf[VNETRS_PREFIX_STRLEN], why[160];

	if (!event_matters(s, ev, p))
		return;
	if (p)
		snprintf(why, sizeof(why), "%s: %s",
			 vnetrs_prefix2str(p, pbuf, sizeof(pbuf)), what);
	else
		snprintf(why, sizeof(why), "%s", what);
	agent_debug("data plane event: %s", why);
	/* A link back may make failed next hops usable: retry at once. */
	if (ev == AGENT_EV_LINK || ev == AGENT_EV_RECONNECT)
		s->retry_ms = AGENT_SYNC_RETRY_MIN_MS;
	agent_sync_check_at(s, agent_now_ms() + AGENT_SYNC_COALESCE_MS, why);
}

const struct agent_backend_cb agent_sync_backend_cb = {
	.event = on_backend_event,
};

/* --- status --------------------------------------------------------------- */

static void status_conflicts(const struct agent_sync *s, FILE *f)
{
	const char *what = s->be->ops->conflict;
	char pbuf[VNETRS_PREFIX_STRLEN];
	size_t i;

	if (!what)
		what = "another owner's route of the prefix and metric";
	if (s->conflicts.n)
		fprintf(f,
			"conflicts: %zu now, %" PRIu64
			" seen (%s: left alone)\n",
			s->conflicts.n, s->stats.conflicts_seen, what);
	else
		fprintf(f, "conflicts: 0 now, %" PRIu64 " seen\n",
			s->stats.conflicts_seen);
	for (i = 0; i < s->conflicts.n && i < 20; i++)
		fprintf(f, "  %s\n",
			vnetrs_prefix2str(&s->conflicts.p[i], pbuf,
					  sizeof(pbuf)));
	if (s->conflicts.n > 20)
		fprintf(f, "  ... and %zu more\n", s->conflicts.n - 20);
}

void agent_sync_status(const struct agent_sync *s, FILE *f, uint64_t now)
{
	const struct agent_backend_stats *bs = &s->be->stats;

	fprintf(f, "data plane: %s\n", s->be->ops->name);
	if (s->be->ops->status)
		s->be->ops->status(s->be, f, now);
	fprintf(f, "routes programmed: %zu\n",
		s->programmed ? agent_table_programmable(&s->desired) : 0);
	status_conflicts(s, f);
	fprintf(f, "failed operations: %zu now, %" PRIu64 " in total\n",
		s->failing, s->stats.failed_ops);
	fprintf(f, "routes restored: %" PRIu64 "\n", s->stats.restored);
	fprintf(f, "reconciles: %" PRIu64 "\n", s->stats.reconciles);
	if (s->last.at_ms)
		fprintf(f,
			"last reconcile: %.1f s ago, cause: %s; %zu wanted, "
			"%zu found, %zu adds, %zu replaces, %zu deletes, "
			"%zu failed, %zu held by another owner, %zu kept; "
			"took %" PRIu64 " ms\n",
			(double)(now - s->last.at_ms) / 1000.0, s->last.cause,
			s->last.wanted, s->last.found, s->last.adds,
			s->last.replaces, s->last.deletes, s->last.failed,
			s->last.taken, s->last.kept, s->last.took_ms);
	else
		fprintf(f, "last reconcile: none yet\n");
	if (s->check_ms)
		fprintf(f, "next check: in %" PRIu64 " ms (%s)\n",
			s->check_ms > now ? s->check_ms - now : 0,
			s->check_why);
	fprintf(f,
		"data plane events: %" PRIu64 " read, %" PRIu64
		" of them the agent's own, %" PRIu64 " overflows\n",
		bs->events, bs->own_events, bs->overflows);
}
