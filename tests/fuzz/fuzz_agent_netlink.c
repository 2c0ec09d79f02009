// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: vnetrs-agent's reading of the kernel's rtnetlink
 * messages (agent/backend_kernel.c, included here for its static parsers):
 * a route dump's messages (dump_answers(), dump_route(): attributes,
 * RTA_MULTIPATH, RTA_VIA), the acknowledgements of a batch of route
 * changes (ack_answers(), ack_reason(): extended ACK attributes) and the
 * watch's route, link, address and nexthop events (watch_events()); and
 * a nexthop dump (dump_nexthop()) the agent's objects are rebuilt from
 * (nh_rebuild()), the route dump then read through them.
 *
 * Input: byte 0 picks the parser (0 mod 3: dump, 1: acks, 2: events), byte 1 a
 * setting (the agent's metric, bit 1 a nexthop dump first, bit 2 groups
 * on; the number of pending requests), byte 2
 * where the answers are cut in two reads; the rest are the answers, as
 * the kernel would send them. Invariants: the routes read are well formed
 * (family, prefix length, next hops), an answer counts once, every count
 * stays within the requests.
 */
#include "agent/backend_kernel.c"

#include "tests/fuzz/fuzz.h"

#define FUZZ_PORTID 0x4321u
#define FUZZ_SEQ 0x1000u
#define FUZZ_PROTO 245
#define FUZZ_TABLE 254

static void check_table(const struct agent_table *t)
{
	char buf[512];

	for (size_t i = 0; i < t->n; i++) {
		const struct agent_route *r = t->r[i];

		FUZZ_CHECK(r->prefix.family == VNETRS_AF_INET ||
			   r->prefix.family == VNETRS_AF_INET6);
		FUZZ_CHECK(r->prefix.len <=
			   (r->prefix.family == VNETRS_AF_INET ? 32 : 128));
		for (size_t j = 0; j < r->n_nh; j++)
			FUZZ_CHECK(r->nh[j].family == VNETRS_AF_INET ||
				   r->nh[j].family == VNETRS_AF_INET6);
		FUZZ_CHECK(r->n_nh || r->odd);
		if (i)
			FUZZ_CHECK(vnetrs_prefix_cmp(&t->r[i - 1]->prefix,
						     &r->prefix) <= 0);
		agent_route2str(r, buf, sizeof(buf));
	}
}

/* The objects rebuilt: each of ours in its block, a group's members its
 * key's single objects, each counted; found by id and by key. */
static void check_objects(const struct agent_nl *nl)
{
	size_t n = 0, groups = 0;

	for (size_t i = 0; i < nl->objs.nbuckets; i++)
		for (const struct nh_obj *o = nl->objs.by_id[i]; o;
		     o = o->next_id) {
			n++;
			groups += o->group;
			FUZZ_CHECK(nh_in_block(nl, o->id));
			FUZZ_CHECK(nh_find_id(&nl->objs, o->id));
			FUZZ_CHECK(o->state == NH_OK || o->state == NH_ODD);
			if (!o->n_nh)
				continue;
			FUZZ_CHECK(nh_find_key(&nl->objs, o->nh, o->n_nh) == o);
			if (!o->group)
				continue;
			FUZZ_CHECK(o->holds && o->n_nh);
			for (uint32_t j = 0; j < o->n_nh; j++) {
				FUZZ_CHECK(!o->member[j]->group);
				FUZZ_CHECK(o->member[j]->refs > 0);
				FUZZ_CHECK(vnetrs_prefix_equal(
					&o->member[j]->nh[0], &o->nh[j]));
			}
		}
	FUZZ_CHECK(n == nl->objs.n && groups == nl->objs.groups);
}

static void fuzz_dump(struct agent_nl *nl, const uint8_t *buf, size_t len,
		      size_t cut, bool nh)
{
	struct agent_table t, want;
	struct agent_ops ops;
	struct dump_ctx ctx = {.nl = nl, .t = &t};
	bool interrupted = false;
	int ret = 1;

	agent_table_init(&t);
	agent_table_init(&want);
	if (cut > len)
		cut = len;
	if (nh) {
		/* The same answers read as a nexthop dump first: the
		 * objects of ours the routes are read through. */
		struct dump_ctx nctx = {.nl = nl, .nexthops = true};

		ret = dump_answers(&nctx, FUZZ_SEQ, buf, (int)cut, &interrupted);
		if (ret == 1 && len > cut)
			ret = dump_answers(&nctx, FUZZ_SEQ, buf + cut,
					   (int)(len - cut), &interrupted);
		nh_rebuild(nl, nctx.seen, nctx.nseen);
		for (size_t i = 0; i < nctx.nseen; i++)
			free(nctx.seen[i].member);
		free(nctx.seen);
		check_objects(nl);
		interrupted = false;
		ret = 1;
	}
	/* Two reads, as two recvfrom() of one dump. */
	ret = dump_answers(&ctx, FUZZ_SEQ, buf, (int)cut, &interrupted);
	FUZZ_CHECK(ret >= -1 && ret <= 1);
	if (ret == 1 && len > cut) {
		ret = dump_answers(&ctx, FUZZ_SEQ, buf + cut, (int)(len - cut),
				   &interrupted);
		FUZZ_CHECK(ret >= -1 && ret <= 1);
	}
	free(ctx.nh);
	agent_kernel_sort(&t);
	check_table(&t);
	if (getenv("FUZZ_DEBUG")) {
		fprintf(stderr, "dump: %d, %zu routes\n", ret, t.n);
		agent_table_print(stderr, &t);
	}
	/* What the agent does with a kernel table: diff it with what it
	 * wants (nothing: every route of its protocol goes). */
	agent_ops_init(&ops);
	agent_diff(&want, &t, true, nl->metric, &ops);
	FUZZ_CHECK(ops.adds == 0 && ops.replaces == 0);
	FUZZ_CHECK(ops.deletes == t.n && ops.n == t.n);
	agent_ops_clear(&ops);
	agent_table_clear(&t);
	rt_clear(&nl->routes);
	nh_table_clear(&nl->objs);
	free(nl->foreign);
}

static void fuzz_acks(struct agent_nl *nl, uint8_t setting, const uint8_t *buf,
		      size_t len, size_t cut)
{
	struct agent_ops ops;
	struct agent_nl_result res = {};
	size_t answered = 0, results = 0;

	agent_ops_init(&ops);
	nl->npend = setting % NL_BATCH_MAX + 1;
	nl->first_seq = FUZZ_SEQ;
	for (size_t k = 0; k < nl->npend; k++) {
		struct vnetrs_prefix p = {.family = VNETRS_AF_INET, .len = 24};
		struct vnetrs_prefix nh = {.family = VNETRS_AF_INET, .len = 32};
		struct agent_op *op;

		p.addr[0] = 10, p.addr[1] = (uint8_t)k;
		nh.addr[0] = 10, nh.addr[3] = (uint8_t)(k + 1);
		if (ops.n == ops.cap) {
			ops.cap = ops.cap ? ops.cap * 2 : 8;
			ops.o = realloc(ops.o, ops.cap * sizeof(*ops.o));
			FUZZ_CHECK(ops.o);
		}
		op = &ops.o[ops.n++];
		op->type = (enum agent_op_type)(k % 3);
		op->route = agent_route_new(&p, VNETRS_SOURCE_NVA, &nh, 1);
		op->metric = 20;
		op->result = AGENT_OP_DONE;
		op->error = 0;
		nl->pend[k].op = k;
		nl->pend[k].answered = false;
	}
	if (cut > len)
		cut = len;
	answered += ack_answers(nl, &ops, buf, (int)cut, &res);
	answered += ack_answers(nl, &ops, buf + cut, (int)(len - cut), &res);
	if (getenv("FUZZ_DEBUG"))
		fprintf(stderr, "acks: %zu answered, %zu failed, %zu taken\n",
			answered, res.failed, res.taken);
	FUZZ_CHECK(answered <= nl->npend);
	FUZZ_CHECK(res.failed + res.taken <= answered);
	for (size_t k = 0; k < ops.n; k++)
		results += ops.o[k].result != AGENT_OP_DONE;
	FUZZ_CHECK(results == res.failed + res.taken);
	for (size_t k = 0, n = 0; k < nl->npend; k++) {
		n += nl->pend[k].answered;
		if (k == nl->npend - 1)
			FUZZ_CHECK(n == answered);
	}
	nl->npend = 0;
	agent_ops_clear(&ops);
}

static size_t n_events;

/* The watch's reports: well formed, counted. */
static void on_event(void *arg, enum agent_backend_event ev,
		     const struct vnetrs_prefix *p, const char *what)
{
	char buf[VNETRS_PREFIX_STRLEN];

	FUZZ_CHECK(what && *what);
	if (ev == AGENT_EV_OWN_GONE || ev == AGENT_EV_FOREIGN_ADDED ||
	    ev == AGENT_EV_FOREIGN_GONE) {
		FUZZ_CHECK(p);
		FUZZ_CHECK(p->len <= (p->family == VNETRS_AF_INET ? 32 : 128));
		vnetrs_prefix2str(p, buf, sizeof(buf));
	}
	n_events++;
	(void)arg;
}

static const struct agent_backend_cb fuzz_cb = {.event = on_event};

static void fuzz_events(struct agent_nl *nl, const uint8_t *buf, size_t len,
			size_t cut)
{
	n_events = 0;
	nl->base.cb = &fuzz_cb;
	if (cut > len)
		cut = len;
	watch_events(nl, buf, (int)cut);
	watch_events(nl, buf + cut, (int)(len - cut));
	FUZZ_CHECK(n_events <= nl->base.stats.events);
	FUZZ_CHECK(nl->base.stats.own_events <= nl->base.stats.events);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct agent_nl nl = {.portid = FUZZ_PORTID,
			      .protocol = FUZZ_PROTO,
			      .table = FUZZ_TABLE};
	uint8_t *buf;
	size_t len, cut;

	if (size < 3)
		return 0;
	len = size - 3;
	/* Aligned as the agent's receive buffer, and exactly as long as the
	 * answers: reading past them is a report. */
	buf = malloc(len ? len : 1);
	FUZZ_CHECK(buf);
	memcpy(buf, data + 3, len);
	cut = (size_t)data[2] * 4;
	if (data[0] % 3 == 0) {
		nl.metric = data[1] % 2 ? 20 : 0;
		nl.nhg = data[1] & 4;
		nl.id_base = nh_block_base(FUZZ_TABLE);
		fuzz_dump(&nl, buf, len, cut, data[1] & 2);
	} else if (data[0] % 3 == 1) {
		fuzz_acks(&nl, data[1], buf, len, cut);
	} else {
		fuzz_events(&nl, buf, len, cut);
	}
	free(buf);
	return 0;
}

/* --- seeds: answers as the kernel gives them ------------------------------ */

static char seed[8192];
static size_t seed_len;

static struct nlmsghdr *seed_msg(uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(seed + seed_len);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = FUZZ_SEQ;
	nlh->nlmsg_pid = FUZZ_PORTID;
	return nlh;
}

static void seed_end(struct nlmsghdr *nlh)
{
	seed_len += MNL_ALIGN(nlh->nlmsg_len);
}

static void seed_route(uint8_t family, uint8_t dst_len, const void *dst,
		       int n_gw, const void *gw, uint8_t gw_family)
{
	struct nlmsghdr *nlh = seed_msg(RTM_NEWROUTE, NLM_F_MULTI);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	size_t alen = family == AF_INET ? 4 : 16;
	size_t glen = gw_family == AF_INET ? 4 : 16;

	rtm->rtm_family = family;
	rtm->rtm_dst_len = dst_len;
	rtm->rtm_table = FUZZ_TABLE;
	rtm->rtm_protocol = FUZZ_PROTO;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put_u32(nlh, RTA_TABLE, FUZZ_TABLE);
	mnl_attr_put_u32(nlh, RTA_PRIORITY, 20);
	if (dst_len)
		mnl_attr_put(nlh, RTA_DST, alen, dst);
	if (n_gw == 1 && gw_family == family) {
		mnl_attr_put(nlh, RTA_GATEWAY, glen, gw);
	} else if (n_gw == 1) {
		uint8_t v[sizeof(struct rtvia) + 16] = {};
		struct rtvia *via = (struct rtvia *)v;

		via->rtvia_family = gw_family;
		memcpy(v + sizeof(struct rtvia), gw, glen);
		mnl_attr_put(nlh, RTA_VIA, sizeof(struct rtvia) + glen, v);
	} else if (n_gw > 1) {
		struct nlattr *mp = mnl_attr_nest_start(nlh, RTA_MULTIPATH);

		for (int i = 0; i < n_gw; i++) {
			struct rtnexthop *rtnh =
				(void *)((char *)nlh + nlh->nlmsg_len);

			memset(rtnh, 0, sizeof(*rtnh));
			nlh->nlmsg_len += RTNH_ALIGN(sizeof(*rtnh));
			mnl_attr_put(nlh, RTA_GATEWAY, glen,
				     (const uint8_t *)gw + i * glen);
			rtnh->rtnh_len =
				(unsigned short)((char *)nlh + nlh->nlmsg_len -
						 (char *)rtnh);
		}
		mnl_attr_nest_end(nlh, mp);
	}
	seed_end(nlh);
}

static size_t seed_last;

/* A nexthop object of id (in our block, + off): a gateway, or a group of
 * members (ids + off). */
static void seed_nexthop(uint32_t off, const void *gw, uint8_t family,
			 const uint32_t *member, int n)
{
	uint32_t base = nh_block_base(FUZZ_TABLE);
	struct nlmsghdr *nlh;
	struct nhmsg *nhm;

	seed_last = seed_len;
	nlh = seed_msg(RTM_NEWNEXTHOP, NLM_F_MULTI);
	nhm = mnl_nlmsg_put_extra_header(nlh, sizeof(*nhm));
	nhm->nh_protocol = FUZZ_PROTO;
	mnl_attr_put_u32(nlh, NHA_ID, base + off);
	if (n) {
		struct nexthop_grp g[8] = {};

		for (int i = 0; i < n; i++)
			g[i].id = base + member[i];
		mnl_attr_put(nlh, NHA_GROUP, n * sizeof(g[0]), g);
	} else {
		nhm->nh_family = family;
		mnl_attr_put_u32(nlh, NHA_OIF, 2);
		mnl_attr_put(nlh, NHA_GATEWAY, family == AF_INET ? 4 : 16, gw);
	}
	seed_end(nlh);
}

static void seed_route_nhid(uint8_t family, uint8_t dst_len, const void *dst,
			    uint32_t off)
{
	struct nlmsghdr *nlh = seed_msg(RTM_NEWROUTE, NLM_F_MULTI);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

	rtm->rtm_family = family;
	rtm->rtm_dst_len = dst_len;
	rtm->rtm_table = FUZZ_TABLE;
	rtm->rtm_protocol = FUZZ_PROTO;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put_u32(nlh, RTA_TABLE, FUZZ_TABLE);
	mnl_attr_put_u32(nlh, RTA_PRIORITY, 20);
	mnl_attr_put(nlh, RTA_DST, family == AF_INET ? 4 : 16, dst);
	mnl_attr_put_u32(nlh, RTA_NH_ID, nh_block_base(FUZZ_TABLE) + off);
	seed_end(nlh);
}

static void seed_done(int error)
{
	struct nlmsghdr *nlh = seed_msg(NLMSG_DONE, NLM_F_MULTI);
	int *e = mnl_nlmsg_put_extra_header(nlh, sizeof(int));

	*e = error;
	seed_end(nlh);
}

static void seed_ack(uint32_t seq, int error, const char *reason)
{
	struct nlmsghdr *nlh = seed_msg(NLMSG_ERROR, 0);
	struct nlmsgerr *e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));

	nlh->nlmsg_seq = seq;
	e->error = error;
	e->msg.nlmsg_len = sizeof(struct nlmsghdr);
	e->msg.nlmsg_seq = seq;
	if (error) {
		nlh->nlmsg_flags |= NLM_F_CAPPED;
		if (reason) {
			nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
			mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, reason);
		}
	}
	seed_end(nlh);
}

static void seed_emit(fuzz_emit_fn emit, const char *name, uint8_t mode,
		      uint8_t setting, uint8_t cut)
{
	static uint8_t out[sizeof(seed) + 3];

	out[0] = mode, out[1] = setting, out[2] = cut;
	memcpy(out + 3, seed, seed_len);
	emit(name, out, seed_len + 3);
	seed_len = 0;
}

void fuzz_seeds(fuzz_emit_fn emit)
{
	const uint8_t dst4[4] = {10, 250, 0, 0},
		      gw4[8] = {10, 1, 1, 4, 10, 1, 1, 5};
	const uint8_t dst6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 9};
	uint8_t gw6[32] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 4,
			   0x20, 0x01, 0x0d, 0xb8, 0, 1, [31] = 5};

	seed_route(AF_INET, 16, dst4, 1, gw4, AF_INET);
	seed_route(AF_INET, 0, NULL, 2, gw4, AF_INET);
	seed_done(0);
	seed_emit(emit, "dump-ipv4", 0, 1, 0);

	seed_route(AF_INET6, 48, dst6, 2, gw6, AF_INET6);
	seed_route(AF_INET, 16, dst4, 1, gw6, AF_INET6);
	seed_route(AF_INET6, 0, NULL, 1, gw6, AF_INET6);
	seed_done(0);
	seed_emit(emit, "dump-ipv6-via", 0, 0, 0);

	seed_route(AF_INET, 16, dst4, 1, gw4, AF_INET);
	seed_done(-EMSGSIZE);
	seed_emit(emit, "dump-error", 0, 1, 0);

	/* Nexthop objects of ours (two gateways, their group), another's in
	 * the block, a route through the group. */
	seed_nexthop(0, gw4, AF_INET, NULL, 0);
	seed_nexthop(1, gw4 + 4, AF_INET, NULL, 0);
	seed_nexthop(2, NULL, 0, (const uint32_t[]){0, 1}, 2);
	seed_nexthop(3, gw4, AF_INET, NULL, 0);
	((struct nhmsg *)mnl_nlmsg_get_payload(
		 (struct nlmsghdr *)(seed + seed_last)))
		->nh_protocol = 99;
	seed_route_nhid(AF_INET, 16, dst4, 2);
	seed_done(0);
	seed_emit(emit, "dump-nexthops", 0, 7, 0);

	seed_ack(FUZZ_SEQ, 0, NULL);
	seed_ack(FUZZ_SEQ + 1, -ENETUNREACH, "Nexthop has invalid gateway");
	seed_ack(FUZZ_SEQ + 2, -ESRCH, NULL);
	seed_ack(FUZZ_SEQ + 3, -EEXIST, NULL);
	seed_emit(emit, "acks", 1, 3, 0);

	/* Events: someone else's route of ours removed, another owner's
	 * added, the agent's own (skipped). */
	seed_route(AF_INET, 16, dst4, 1, gw4, AF_INET);
	((struct nlmsghdr *)seed)->nlmsg_type = RTM_DELROUTE;
	((struct nlmsghdr *)seed)->nlmsg_pid = 77;
	seed_route(AF_INET6, 48, dst6, 2, gw6, AF_INET6);
	seed_emit(emit, "events", 2, 0, 0);
}
