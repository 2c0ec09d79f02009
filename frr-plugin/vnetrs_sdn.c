// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: SDN programming, the effective route table's changes as batches.
 *
 * Every change to the effective route table (vnetrs_effective.c) marks its
 * prefix pending. An event then sends the pending prefixes as one batch:
 * begin, each prefix as it now is (or deleted), commit. The effective
 * table is recomputed in runs of many prefixes, so a burst of UPDATEs
 * becomes few large batches. Every consumer reads them through the hook
 * API (<vnetrs/sdn.h>): other bgpd modules and the module's own SDN stream
 * (vnetrs_stream.c) alike. The one snapshot walk serves both a resync
 * (to every consumer) and one consumer's own snapshot request.
 */
#include <zebra.h>

#include "lib/hook.h"
#include "lib/ipaddr.h"
#include "lib/log.h"
#include "vnetrs_compat_event.h"

#include "bgpd/bgpd.h"

#include "vnetrs.h"
#include "vnetrs_bgp.h"
#include "vnetrs_debug.h"
#include "vnetrs_instance.h"
#include "vnetrs_sdn.h"
#include "vnetrs/sdn.h"

DEFINE_MTYPE_STATIC(VNETRS, VNETRS_PENDING, "vnetrs SDN pending change");

DEFINE_HOOK(vnetrs_sdn_begin, (const char *vrf, uint64_t seq, bool snapshot),
	    (vrf, seq, snapshot));
DEFINE_HOOK(vnetrs_sdn_route,
	    (const char *vrf, const struct vnetrs_sdn_entry *route,
	     bool deleted),
	    (vrf, route, deleted));
DEFINE_HOOK(vnetrs_sdn_commit,
	    (const char *vrf, uint64_t seq, unsigned int count),
	    (vrf, seq, count));
DEFINE_HOOK(vnetrs_sdn_table_converged, (const char *vrf), (vrf));

static void *pending_resize(void *old, size_t size)
{
	return XREALLOC(MTYPE_VNETRS_PENDING, old, size);
}

static void pending_release(void *block)
{
	XFREE(MTYPE_VNETRS_PENDING, block);
}

const struct vnetrs_pq_memory vnetrs_pending_memory = {
	.resize = pending_resize,
	.release = pending_release,
};

/* Next hops of the hook API, reused from one route to the next. */
static struct ipaddr *nh_buf;
static size_t nh_cap;

/*
 * Where a batch goes: every consumer through the hooks, or (rcv set) the
 * one consumer that asked for a snapshot.
 */
struct sink {
	const struct vnetrs_sdn_receiver *rcv;
	void *arg;
};
static const struct sink to_hooks;

static void sink_begin(const struct sink *s, const char *vrf, uint64_t seq,
		       bool snapshot)
{
	if (s->rcv)
		s->rcv->begin(s->arg, vrf, seq, snapshot);
	else
		hook_call(vnetrs_sdn_begin, vrf, seq, snapshot);
}

static void sink_commit(const struct sink *s, const char *vrf, uint64_t seq,
			unsigned int count)
{
	if (s->rcv)
		s->rcv->commit(s->arg, vrf, seq, count);
	else
		hook_call(vnetrs_sdn_commit, vrf, seq, count);
}

static enum vnetrs_sdn_source sdn_source(enum vnetrs_source src)
{
	switch (src) {
	case VNETRS_SOURCE_NVA:
		return VNETRS_SDN_NVA;
	case VNETRS_SOURCE_EXPRESSROUTE:
		return VNETRS_SDN_EXPRESSROUTE;
	case VNETRS_SOURCE_VPN:
		return VNETRS_SDN_VPN;
	case VNETRS_SOURCE_LOCAL:
	case VNETRS_SOURCE_OTHER:
		break;
	}
	/* OTHER is never in the table: the route server relays it nowhere. */
	return VNETRS_SDN_LOCAL;
}

/* One route of the table, as consumers see it (r NULL: p is deleted). */
static void sink_route(const struct sink *s, const char *vrf,
		       const struct vnetrs_prefix *p,
		       const struct vnetrs_route *r)
{
	struct vnetrs_sdn_entry out = {};
	size_t n = 0;

	vnetrs_prefix_to_frr(p, &out.prefix);
	if (r) {
		if (r->n_paths > nh_cap) {
			nh_cap = MAX(r->n_paths, 2 * nh_cap);
			nh_buf = XREALLOC(MTYPE_VNETRS_PENDING, nh_buf,
					  nh_cap * sizeof(*nh_buf));
		}
		/* Paths are ordered by next hop: one per distinct next hop. */
		for (size_t i = 0; i < r->n_paths; i++)
			if (vnetrs_paths_new_nexthop(r->paths, i))
				vnetrs_host_to_ipaddr(&r->paths[i].nexthop,
						      &nh_buf[n++]);
		out.source = sdn_source(r->source);
		out.peered = r->peered;
		out.as_path_len = r->n_paths ? r->paths[0].as_path_len : 0;
		out.n_nexthops = n;
		out.nexthops = nh_buf;
	}
	if (s->rcv)
		s->rcv->route(s->arg, vrf, &out, !r);
	else
		hook_call(vnetrs_sdn_route, vrf, &out, !r);
}

static const struct vnetrs_route *table_find(struct vnetrs_instance *inst,
					     const struct vnetrs_prefix *p)
{
	struct vnetrs_route key = {.prefix = *p};

	return vnetrs_routes_const_find(&inst->routes, &key);
}

void vnetrs_sdn_flush(struct vnetrs_instance *inst)
{
	struct vnetrs_prefix *all;
	unsigned int count;

	EVENT_OFF(inst->t_sdn);
	count = vnetrs_prefix_queue_count(&inst->pending);
	if (!count)
		return;
	inst->sdn_seq++;
	inst->sdn_batches++;
	sink_begin(&to_hooks, inst->vrf, inst->sdn_seq, false);
	/* In the order the routes changed. */
	all = XMALLOC(MTYPE_VNETRS_PENDING, count * sizeof(*all));
	vnetrs_prefix_queue_take(&inst->pending, all, count);
	for (unsigned int i = 0; i < count; i++)
		sink_route(&to_hooks, inst->vrf, &all[i],
			   table_find(inst, &all[i]));
	XFREE(MTYPE_VNETRS_PENDING, all);
	sink_commit(&to_hooks, inst->vrf, inst->sdn_seq, count);
	VNETRS_DEBUG(sdn, "SDN batch %" PRIu64 " of VRF %s: %u changes",
		     inst->sdn_seq, inst->vrf, count);
}

static void sdn_flush_event(vnetrs_event *t)
{
	vnetrs_sdn_flush(EVENT_ARG(t));
}

void vnetrs_sdn_changed(struct vnetrs_instance *inst,
			const struct vnetrs_prefix *p)
{
	vnetrs_prefix_queue_push(&inst->pending, p);
	if (!inst->t_sdn)
		event_add_event(bm->master, sdn_flush_event, inst, 0,
				&inst->t_sdn);
}

/* The one snapshot: the whole table as batch seq, to s. */
static void snapshot(struct vnetrs_instance *inst, const struct sink *s,
		     uint64_t seq)
{
	const struct vnetrs_route *r;
	unsigned int count = 0;

	sink_begin(s, inst->vrf, seq, true);
	frr_each (vnetrs_routes_const, &inst->routes, r) {
		sink_route(s, inst->vrf, &r->prefix, r);
		count++;
	}
	sink_commit(s, inst->vrf, seq, count);
}

int vnetrs_sdn_resync(const char *vrf)
{
	struct vnetrs_instance *inst = vnetrs_instance_find(vrf);

	if (!inst)
		return -1;
	/* Pending changes first: the sequence stays one batch after
	 * another. */
	vnetrs_sdn_flush(inst);
	inst->sdn_seq++;
	inst->sdn_batches++;
	snapshot(inst, &to_hooks, inst->sdn_seq);
	return 0;
}

int vnetrs_sdn_snapshot(const char *vrf, const struct vnetrs_sdn_receiver *rcv,
			void *arg)
{
	struct vnetrs_instance *inst = vnetrs_instance_find(vrf);
	struct sink s = {.rcv = rcv, .arg = arg};

	if (!inst)
		return -1;
	vnetrs_sdn_flush(inst);
	/* Sequence numbers start at 1: a snapshot before any batch is 1. */
	if (inst->sdn_seq == 0)
		inst->sdn_seq = 1;
	snapshot(inst, &s, inst->sdn_seq);
	return 0;
}

int vnetrs_sdn_converged(const char *vrf)
{
	struct vnetrs_instance *inst = vnetrs_instance_find(vrf);

	return inst ? inst->converged : -1;
}

void vnetrs_sdn_table_is_converged(struct vnetrs_instance *inst)
{
	hook_call(vnetrs_sdn_table_converged, inst->vrf);
}

void vnetrs_sdn_fini(struct vnetrs_instance *inst)
{
	EVENT_OFF(inst->t_sdn);
	vnetrs_prefix_queue_fini(&inst->pending);
	/* The route server goes: consumers are left with an empty table. */
	if (!vnetrs_exiting && !bm->terminating) {
		inst->sdn_seq++;
		sink_begin(&to_hooks, inst->vrf, inst->sdn_seq, true);
		sink_commit(&to_hooks, inst->vrf, inst->sdn_seq, 0);
	}
}

void vnetrs_sdn_cleanup(void)
{
	XFREE(MTYPE_VNETRS_PENDING, nh_buf);
	nh_cap = 0;
}
