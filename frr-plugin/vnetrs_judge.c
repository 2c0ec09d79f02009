// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: the acceptance rules applied to a bgpd path.
 *
 * The rules themselves are plain C (logic/vnetrs_accept.c); this file
 * gathers what they need from bgpd's structures and the instance (address
 * spaces, the ASes and addresses the route server presents) and asks them.
 * The inbound policy, the effective table and the rejected-routes view all
 * judge through vnetrs_judge, so they never disagree.
 */
#include <zebra.h>

#include "lib/memory.h"
#include "lib/prefix.h"

#include "bgpd/bgpd.h"
#include "bgpd/bgp_aspath.h"
#include "bgpd/bgp_attr.h"

#include "vnetrs.h"
#include "vnetrs_bgp.h"
#include "vnetrs_instance.h"
#include "vnetrs_judge.h"

DEFINE_MTYPE_STATIC(VNETRS, VNETRS_JUDGE_ASPATH, "vnetrs AS path being judged");

/*
 * The acceptance rules want the ASNs of the path as an array; a path is
 * rarely longer than a few hops, so a stack buffer nearly always does.
 */
#define ASLIST_INLINE 64

static size_t aspath_len(const struct aspath *aspath)
{
	size_t n = 0;

	for (const struct assegment *seg = aspath ? aspath->segments : NULL;
	     seg; seg = seg->next)
		n += seg->length;
	return n;
}

static void aspath_copy(const struct aspath *aspath, uint32_t *out)
{
	size_t n = 0;

	for (const struct assegment *seg = aspath ? aspath->segments : NULL;
	     seg; seg = seg->next)
		for (unsigned int i = 0; i < seg->length; i++)
			out[n++] = seg->as[i];
}

enum vnetrs_verdict vnetrs_judge(const struct vnetrs_peer *vp,
				 const struct prefix *p,
				 const struct attr *attr)
{
	const struct vnetrs_instance *inst = vp->inst;
	struct bgp *bgp = vnetrs_instance_bgp(inst);
	uint32_t inline_asns[ASLIST_INLINE], *asns = inline_asns;
	uint32_t own_as = bgp ? bgp->as : 0;
	struct vnetrs_route_in r = {};
	struct vnetrs_accept_ctx ctx = {
		.aspaces = inst->aspace_arr,
		.n_aspaces = inst->n_aspace_arr,
		.local_as = inst->presented_as,
		.n_local_as = inst->n_presented_as,
		.self = inst->self,
		.n_self = inst->n_self,
		.check_nexthop = vp->role == VNETRS_ROLE_NVA,
	};
	enum vnetrs_verdict v;

	/* Until vnetrs_owned.c has looked, the route server's AS at least. */
	if (!ctx.n_local_as) {
		ctx.local_as = &own_as;
		ctx.n_local_as = 1;
	}

	vnetrs_prefix_from_frr(p, &r.prefix);
	vnetrs_attr_nexthop(family2afi(p->family), attr, &r.nexthop);
	r.as_path_len = aspath_len(attr->aspath);
	if (r.as_path_len > ASLIST_INLINE)
		asns = XMALLOC(MTYPE_VNETRS_JUDGE_ASPATH, r.as_path_len * sizeof(*asns));
	aspath_copy(attr->aspath, asns);
	r.as_path = asns;
	/* The AS bgpd prepended itself (the peer's local-as) is no loop. */
	if (vp->prepended_as && r.as_path_len && asns[0] == vp->prepended_as) {
		r.as_path++;
		r.as_path_len--;
	}

	v = vnetrs_accept(&r, &ctx);
	if (asns != inline_asns)
		XFREE(MTYPE_VNETRS_JUDGE_ASPATH, asns);
	return v;
}
