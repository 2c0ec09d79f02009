// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: SDN programming, the effective route table's changes as batches.
 *
 * Every change to the effective route table (vnetrs_effective.c) marks its
 * prefix pending. An event then sends the pending prefixes as one batch:
 * begin, each prefix as it now is (or deleted), commit. The effective
 * table is recomputed in runs of many prefixes, so a burst of UPDATEs
 * becomes few large batches. Consumers are the hook API (<vnetrs/sdn.h>,
 * for other bgpd modules) and the stream (vnetrs_sdn_stream.c).
 */
#include <zebra.h>

#include "lib/hook.h"
#include "lib/ipaddr.h"
#include "lib/log.h"
#include "lib/thread.h"

#include "bgpd/bgpd.h"

#include "vnetrs.h"
#include "vnetrs_sdn_stream.h"
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

int vnetrs_pending_cmp(const struct vnetrs_pending *a,
		       const struct vnetrs_pending *b)
{
	return vnetrs_prefix_cmp(&a->prefix, &b->prefix);
}

uint32_t vnetrs_pending_hash(const struct vnetrs_pending *p)
{
	uint32_t h = p->prefix.family * 131u + p->prefix.len;

	for (size_t i = 0; i < sizeof(p->prefix.addr); i++)
		h = h * 31u + p->prefix.addr[i];
	return h;
}

/* Next hops of the hook API, reused from one route to the next. */
static struct ipaddr *nh_buf;
static size_t nh_cap;

static void host2ipaddr(const struct vnetrs_prefix *host, struct ipaddr *ip)
{
	memset(ip, 0, sizeof(*ip));
	if (host->family == VNETRS_AF_INET) {
		ip->ipa_type = IPADDR_V4;
		memcpy(&ip->ipaddr_v4, host->addr, 4);
	} else {
		ip->ipa_type = IPADDR_V6;
		memcpy(&ip->ipaddr_v6, host->addr, 16);
	}
}

/* One route of the table to the hook consumers (r NULL: p is deleted). */
static void hook_route(struct vnetrs_instance *inst,
		       const struct vnetrs_prefix *p,
		       const struct vnetrs_route *r)
{
	struct vnetrs_sdn_entry out = {};
	size_t n = 0;

	vnetrs_prefix_to_frr(p, &out.prefix);
	if (!r) {
		hook_call(vnetrs_sdn_route, inst->vrf, &out, true);
		return;
	}
	if (r->n_paths > nh_cap) {
		nh_cap = MAX(r->n_paths, 2 * nh_cap);
		nh_buf = XREALLOC(MTYPE_VNETRS_PENDING, nh_buf,
				  nh_cap * sizeof(*nh_buf));
	}
	/* Paths are ordered by next hop: one entry per distinct next hop. */
	for (size_t i = 0; i < r->n_paths; i++)
		if (vnetrs_paths_new_nexthop(r->paths, i))
			host2ipaddr(&r->paths[i].nexthop, &nh_buf[n++]);
	out.source = (enum vnetrs_sdn_source)r->source;
	out.peered = r->peered;
	out.as_path_len = r->n_paths ? r->paths[0].as_path_len : 0;
	out.n_nexthops = n;
	out.nexthops = nh_buf;
	hook_call(vnetrs_sdn_route, inst->vrf, &out, false);
}

/*
 * Empty the pending set into an array, in one pass over its buckets:
 * popping one at a time rescans, for every prefix, the buckets the earlier
 * pops emptied (the hash's pop starts at bucket 0), which is quadratic in
 * a large batch (the benchmark's W2 spent a fifth of bgpd's time there).
 */
static struct vnetrs_pending **pending_take_all(struct vnetrs_instance *inst,
						unsigned int count)
{
	struct vnetrs_pending **all = XMALLOC(MTYPE_TMP, count * sizeof(*all));
	struct vnetrs_pending *pd;
	unsigned int n = 0;

	frr_each (vnetrs_pending, &inst->pending, pd)
		all[n++] = pd;
	for (unsigned int i = 0; i < n; i++)
		vnetrs_pending_del(&inst->pending, all[i]);
	return all;
}

void vnetrs_sdn_flush(struct vnetrs_instance *inst)
{
	struct vnetrs_stream_batch *stream;
	struct vnetrs_pending **all;
	unsigned int count;

	THREAD_OFF(inst->t_sdn);
	count = vnetrs_pending_count(&inst->pending);
	if (!count)
		return;
	inst->sdn_seq++;
	inst->sdn_batches++;
	hook_call(vnetrs_sdn_begin, inst->vrf, inst->sdn_seq, false);
	stream = vnetrs_stream_begin(inst, inst->sdn_seq, count);
	all = pending_take_all(inst, count);
	for (unsigned int i = 0; i < count; i++) {
		const struct vnetrs_route *r =
			vnetrs_effective_lookup(inst, &all[i]->prefix);

		hook_route(inst, &all[i]->prefix, r);
		vnetrs_stream_route(stream, &all[i]->prefix, r);
		XFREE(MTYPE_VNETRS_PENDING, all[i]);
	}
	XFREE(MTYPE_TMP, all);
	hook_call(vnetrs_sdn_commit, inst->vrf, inst->sdn_seq, count);
	vnetrs_stream_commit(inst, stream);
	VNETRS_DEBUG("SDN batch %" PRIu64 " of VRF %s: %u changes",
		     inst->sdn_seq, inst->vrf, count);
}

static void sdn_flush_event(struct thread *t)
{
	vnetrs_sdn_flush(THREAD_ARG(t));
}

void vnetrs_sdn_changed(struct vnetrs_instance *inst,
			const struct vnetrs_prefix *p)
{
	struct vnetrs_pending key = {.prefix = *p}, *pd;

	if (!vnetrs_pending_find(&inst->pending, &key)) {
		pd = XMALLOC(MTYPE_VNETRS_PENDING, sizeof(*pd));
		pd->prefix = *p;
		vnetrs_pending_add(&inst->pending, pd);
	}
	thread_add_event(bm->master, sdn_flush_event, inst, 0, &inst->t_sdn);
}

int vnetrs_sdn_resync(const char *vrf)
{
	struct vnetrs_instance *inst = vnetrs_instance_find(vrf);
	const struct vnetrs_route *r;
	unsigned int count = 0;

	if (!inst)
		return -1;
	/* Pending changes first: the snapshot then holds them, and the
	 * sequence stays one batch after another. */
	vnetrs_effective_flush(inst);
	vnetrs_sdn_flush(inst);
	inst->sdn_seq++;
	inst->sdn_batches++;
	hook_call(vnetrs_sdn_begin, inst->vrf, inst->sdn_seq, true);
	frr_each (vnetrs_routes_const, &inst->routes, r) {
		hook_route(inst, &r->prefix, r);
		count++;
	}
	hook_call(vnetrs_sdn_commit, inst->vrf, inst->sdn_seq, count);
	return 0;
}

void vnetrs_sdn_fini(struct vnetrs_instance *inst)
{
	struct vnetrs_pending *pd;

	THREAD_OFF(inst->t_sdn);
	vnetrs_stream_close_all(inst);
	while ((pd = vnetrs_pending_pop(&inst->pending)))
		XFREE(MTYPE_VNETRS_PENDING, pd);
	/* The route server goes: consumers are left with an empty table. */
	if (!vnetrs_exiting && !bm->terminating) {
		inst->sdn_seq++;
		hook_call(vnetrs_sdn_begin, inst->vrf, inst->sdn_seq, true);
		hook_call(vnetrs_sdn_commit, inst->vrf, inst->sdn_seq, 0);
	}
}

void vnetrs_sdn_cleanup(void)
{
	XFREE(MTYPE_VNETRS_PENDING, nh_buf);
	nh_cap = 0;
}
