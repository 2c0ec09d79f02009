// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs-agent: the kernel's routes over rtnetlink, with libmnl
 * (agent_netlink.h).
 *
 * Changes are sent in batches of requests, each acknowledged: the answers
 * are matched to the requests by sequence number. A route the kernel does
 * not have (as far as the agent knows) is created exclusively
 * (NLM_F_CREATE | NLM_F_EXCL): never a duplicate, nor an IPv6 next hop
 * appended to a route, nor someone else's route of the same prefix and
 * metric replaced. One it has is replaced (NLM_F_CREATE | NLM_F_REPLACE).
 * ECMP is one multipath route (RTA_MULTIPATH), for IPv4 and IPv6 alike. A
 * next hop of the other family than the prefix's goes as RTA_VIA.
 */
#include "agent/agent_netlink.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "agent/agent.h"

/* One request: a route with up to 2048 IPv6 next hops (two instances'
 * 1024 each) is below 60 KiB. */
#define NL_MSG_MAX (72 * 1024)
/* Requests sent at once, before reading their answers (below the socket's
 * default send buffer). */
#define NL_BATCH_BYTES (128 * 1024)
#define NL_BATCH_MAX 64
/* Large enough for any dump message. */
#define NL_RECV_MAX (128 * 1024)
/* The longest the agent waits for the kernel's answer. */
#define NL_TIMEOUT_S 5
/* An RTA_MULTIPATH attribute's length is 16 bits. */
#define NL_ATTR_MAX_LEN 0xffff
/* IPv6 routes added with metric 0 get this one. */
#define IP6_DEFAULT_METRIC 1024

struct nl_pending {
	size_t op; /* index in the ops */
	bool answered;
};

struct agent_nl {
	struct mnl_socket *sock;
	unsigned int portid;
	uint32_t seq;
	uint8_t protocol;
	uint32_t table;
	uint32_t metric;
	char *msg;  /* one request being built */
	char *sbuf; /* requests of the batch */
	size_t slen;
	char *rbuf;	    /* answers */
	uint32_t first_seq; /* the batch's first request */
	struct nl_pending pend[NL_BATCH_MAX];
	size_t npend;
};

static int af_of(uint8_t family)
{
	return family == VNETRS_AF_INET ? AF_INET : AF_INET6;
}

static size_t alen_of(uint8_t family)
{
	return family == VNETRS_AF_INET ? 4 : 16;
}

struct agent_nl *agent_nl_open(uint8_t protocol, uint32_t table,
			       uint32_t metric, char *err, size_t errlen)
{
	struct agent_nl *nl = calloc(1, sizeof(*nl));
	struct timeval tv = {.tv_sec = NL_TIMEOUT_S};
	int one = 1, rcvbuf = 1024 * 1024;

	if (!nl) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	nl->protocol = protocol;
	nl->table = table;
	nl->metric = metric;
	nl->seq = (uint32_t)time(NULL);
	nl->msg = malloc(NL_MSG_MAX);
	nl->sbuf = malloc(NL_BATCH_BYTES);
	nl->rbuf = malloc(NL_RECV_MAX);
	if (!nl->msg || !nl->sbuf || !nl->rbuf) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl->sock) {
		snprintf(err, errlen, "netlink socket: %s", strerror(errno));
		goto fail;
	}
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		snprintf(err, errlen, "netlink bind: %s", strerror(errno));
		goto fail;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	/* Short answers (no copy of the request), with the kernel's reason
	 * for an error; both optional. */
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	/* Never wait forever for an answer. */
	if (setsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET, SO_RCVTIMEO,
		       &tv, sizeof(tv)) < 0 ||
	    setsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET, SO_RCVBUF,
		       &rcvbuf, sizeof(rcvbuf)) < 0) {
		snprintf(err, errlen, "netlink setsockopt: %s",
			 strerror(errno));
		goto fail;
	}
	return nl;
fail:
	agent_nl_close(nl);
	return NULL;
}

void agent_nl_close(struct agent_nl *nl)
{
	if (!nl)
		return;
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl->msg);
	free(nl->sbuf);
	free(nl->rbuf);
	free(nl);
}

/* --- reading the kernel's routes ------------------------------------------ */

struct dump_ctx {
	struct agent_nl *nl;
	struct agent_table *t;
	struct vnetrs_prefix *nh; /* next hops of the route being read */
	size_t n_nh, nh_cap;
	bool odd;
};

static int attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type <= RTA_MAX)
		tb[type] = attr;
	return MNL_CB_OK;
}

static void ctx_add_nh(struct dump_ctx *ctx, int af, const void *addr,
		       size_t len)
{
	struct vnetrs_prefix *nh;

	if ((af != AF_INET || len != 4) && (af != AF_INET6 || len != 16)) {
		ctx->odd = true;
		return;
	}
	if (ctx->n_nh == ctx->nh_cap) {
		size_t cap = ctx->nh_cap ? ctx->nh_cap * 2 : 16;

		nh = realloc(ctx->nh, cap * sizeof(*nh));
		if (!nh) {
			agent_log("out of memory");
			abort();
		}
		ctx->nh = nh;
		ctx->nh_cap = cap;
	}
	nh = &ctx->nh[ctx->n_nh++];
	memset(nh, 0, sizeof(*nh));
	nh->family = af == AF_INET ? VNETRS_AF_INET : VNETRS_AF_INET6;
	nh->len = (uint8_t)(len * 8);
	memcpy(nh->addr, addr, len);
}

/* The gateway (RTA_GATEWAY, or RTA_VIA) of one next hop. */
static void ctx_add_gateway(struct dump_ctx *ctx, int af,
			    const struct nlattr *const *tb)
{
	if (tb[RTA_GATEWAY]) {
		ctx_add_nh(ctx, af, mnl_attr_get_payload(tb[RTA_GATEWAY]),
			   mnl_attr_get_payload_len(tb[RTA_GATEWAY]));
	} else if (tb[RTA_VIA] && mnl_attr_get_payload_len(tb[RTA_VIA]) >=
					  sizeof(struct rtvia)) {
		const struct rtvia *via = mnl_attr_get_payload(tb[RTA_VIA]);

		ctx_add_nh(ctx, via->rtvia_family, via->rtvia_addr,
			   mnl_attr_get_payload_len(tb[RTA_VIA]) -
				   sizeof(struct rtvia));
	} else {
		/* A device route, not one via a gateway. */
		ctx->odd = true;
	}
}

static void ctx_add_multipath(struct dump_ctx *ctx, int af,
			      const struct nlattr *mp)
{
	const uint8_t *p = mnl_attr_get_payload(mp);
	size_t left = mnl_attr_get_payload_len(mp);

	while (left >= sizeof(struct rtnexthop)) {
		const struct rtnexthop *rtnh = (const void *)p;
		const struct nlattr *tb[RTA_MAX + 1] = {};
		size_t len = rtnh->rtnh_len;

		if (len < sizeof(*rtnh) || len > left) {
			ctx->odd = true;
			return;
		}
		/* A weight other than 1 is not what the agent programs. */
		if (rtnh->rtnh_hops)
			ctx->odd = true;
		if (len > RTNH_ALIGN(sizeof(*rtnh)))
			mnl_attr_parse_payload(p + RTNH_ALIGN(sizeof(*rtnh)),
					       len - RTNH_ALIGN(sizeof(*rtnh)),
					       attr_cb, tb);
		ctx_add_gateway(ctx, af, tb);
		len = RTNH_ALIGN(len);
		if (len >= left)
			break;
		p += len;
		left -= len;
	}
}

static void dump_route(struct dump_ctx *ctx, const struct nlmsghdr *nlh)
{
	const struct nlattr *tb[RTA_MAX + 1] = {};
	const struct rtmsg *rtm;
	struct vnetrs_prefix prefix;
	struct agent_route *r;
	uint32_t table, metric = 0;
	size_t alen;

	if (nlh->nlmsg_type != RTM_NEWROUTE ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm))
		return;
	rtm = mnl_nlmsg_get_payload(nlh);
	if (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6)
		return;
	if (rtm->rtm_protocol != ctx->nl->protocol ||
	    (rtm->rtm_flags & RTM_F_CLONED))
		return;
	mnl_attr_parse(nlh, sizeof(*rtm), attr_cb, tb);
	table = tb[RTA_TABLE] && mnl_attr_get_payload_len(tb[RTA_TABLE]) == 4
			? mnl_attr_get_u32(tb[RTA_TABLE])
			: rtm->rtm_table;
	if (table != ctx->nl->table)
		return;

	memset(&prefix, 0, sizeof(prefix));
	prefix.family =
		rtm->rtm_family == AF_INET ? VNETRS_AF_INET : VNETRS_AF_INET6;
	alen = alen_of(prefix.family);
	if (rtm->rtm_dst_len > alen * 8)
		return;
	prefix.len = rtm->rtm_dst_len;
	if (tb[RTA_DST]) {
		if (mnl_attr_get_payload_len(tb[RTA_DST]) != alen)
			return;
		memcpy(prefix.addr, mnl_attr_get_payload(tb[RTA_DST]), alen);
	}
	if (tb[RTA_PRIORITY] && mnl_attr_get_payload_len(tb[RTA_PRIORITY]) == 4)
		metric = mnl_attr_get_u32(tb[RTA_PRIORITY]);
	/* The kernel gives IPv6 routes added with metric 0 its default. */
	if (prefix.family == VNETRS_AF_INET6 && ctx->nl->metric == 0 &&
	    metric == IP6_DEFAULT_METRIC)
		metric = 0;

	ctx->n_nh = 0;
	ctx->odd = rtm->rtm_type != RTN_UNICAST || rtm->rtm_tos != 0;
	if (tb[RTA_MULTIPATH])
		ctx_add_multipath(ctx, rtm->rtm_family, tb[RTA_MULTIPATH]);
	else
		ctx_add_gateway(ctx, rtm->rtm_family, tb);
	if (!ctx->n_nh)
		ctx->odd = true;

	r = agent_route_new(&prefix, VNETRS_SOURCE_OTHER, ctx->nh, ctx->n_nh);
	r->metric = metric;
	r->odd = ctx->odd;
	agent_kernel_add(ctx->t, r);
}

/* The kernel's error code in an answer: -errno. (Negating INT_MIN, which
 * no kernel sends, would be undefined.) */
static const char *nl_err2str(int error)
{
	if (error < 0 && error > -4096)
		return strerror(-error);
	return "not an error code";
}

/*
 * Is there a whole message at nlh, in len bytes? As mnl_nlmsg_ok(), which
 * compares the length as a signed int: a length of 0xfffffffd or more
 * passes it, and mnl_nlmsg_next() then steps by 0, forever.
 */
static bool nl_msg_ok(const struct nlmsghdr *nlh, int len)
{
	return len >= (int)sizeof(*nlh) && nlh->nlmsg_len >= sizeof(*nlh) &&
	       nlh->nlmsg_len <= (unsigned int)len;
}

/*
 * The messages of one read of a dump's answers (len bytes at buf, as the
 * kernel sent them; tests/fuzz/fuzz_agent_netlink.c feeds it anything).
 * Routes go to ctx->t; *interrupted is set when the kernel says the dump
 * was interrupted. Returns 1 when the dump goes on in the next read, 0 at
 * its end, -1 on an error (logged).
 */
static int dump_answers(struct dump_ctx *ctx, uint32_t seq, const void *buf,
			int len, bool *interrupted)
{
	const struct nlmsghdr *nlh;

	for (nlh = buf; nl_msg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != ctx->nl->portid)
			continue; /* a late answer to something else */
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
			*interrupted = true;
		if (nlh->nlmsg_type == NLMSG_DONE) {
			int error = 0;

			/* A dump can end with an error too: e.g. a route too
			 * large for the kernel's dump buffer (EMSGSIZE), the
			 * rest untold. */
			if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(error))
				memcpy(&error, mnl_nlmsg_get_payload(nlh),
				       sizeof(error));
			if (error < 0) {
				agent_log("kernel: route dump: %s",
					  nl_err2str(error));
				return -1;
			}
			return 0;
		}
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			int error = 0;

			if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(error))
				memcpy(&error, mnl_nlmsg_get_payload(nlh),
				       sizeof(error));
			agent_log("kernel: route dump: %s",
				  mnl_nlmsg_get_payload_len(nlh) >= sizeof(error)
					  ? nl_err2str(error)
					  : "truncated error answer");
			return -1;
		}
		if (!*interrupted)
			dump_route(ctx, nlh);
	}
	return 1;
}

/* Returns 0, -1 on error, -2 when the dump was interrupted (the routes
 * changed meanwhile: dump again). */
static int dump_family(struct agent_nl *nl, int af, struct dump_ctx *ctx)
{
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	bool interrupted = false;
	uint32_t seq;

	memset(nl->msg, 0, MNL_ALIGN(sizeof(*nlh)) + MNL_ALIGN(sizeof(*rtm)));
	nlh = mnl_nlmsg_put_header(nl->msg);
	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq = ++nl->seq;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)af;

	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0) {
		agent_log("kernel: route dump request: %s", strerror(errno));
		return -1;
	}
	for (;;) {
		ssize_t n =
			mnl_socket_recvfrom(nl->sock, nl->rbuf, NL_RECV_MAX);
		int ret;

		if (n < 0) {
			agent_log("kernel: route dump: %s",
				  errno == EAGAIN ? "no answer"
						  : strerror(errno));
			return -1;
		}
		ret = dump_answers(ctx, seq, nl->rbuf, (int)n, &interrupted);
		if (ret < 0)
			return -1;
		if (ret == 0)
			return interrupted ? -2 : 0;
	}
}

int agent_nl_dump(struct agent_nl *nl, struct agent_table *t)
{
	struct dump_ctx ctx = {.nl = nl, .t = t};
	int tries, ret = -1;

	for (tries = 0; tries < 5; tries++) {
		agent_table_clear(t);
		ret = dump_family(nl, AF_INET, &ctx);
		if (ret == 0)
			ret = dump_family(nl, AF_INET6, &ctx);
		if (ret != -2)
			break;
		agent_debug("kernel: route dump interrupted, again");
	}
	free(ctx.nh);
	if (ret == -2)
		agent_log("kernel: route dump interrupted %d times", tries);
	if (ret != 0) {
		agent_table_clear(t);
		return -1;
	}
	agent_kernel_sort(t);
	return 0;
}

/* --- changing routes ------------------------------------------------------ */

/* A next hop: RTA_GATEWAY, or RTA_VIA when its family is not the route's. */
static bool put_gateway(struct nlmsghdr *nlh, size_t size, uint8_t family,
			const struct vnetrs_prefix *nh)
{
	union {
		struct rtvia via;
		uint8_t bytes[sizeof(struct rtvia) + 16];
	} u;
	size_t alen = alen_of(nh->family);

	if (nh->family == family)
		return mnl_attr_put_check(nlh, size, RTA_GATEWAY, alen,
					  nh->addr);
	memset(&u, 0, sizeof(u));
	u.via.rtvia_family = (__kernel_sa_family_t)af_of(nh->family);
	memcpy(u.bytes + sizeof(struct rtvia), nh->addr, alen);
	return mnl_attr_put_check(nlh, size, RTA_VIA,
				  sizeof(struct rtvia) + alen, u.bytes);
}

static bool put_multipath(struct nlmsghdr *nlh, size_t size,
			  const struct agent_route *r)
{
	struct nlattr *nest;
	uint32_t i;

	nest = mnl_attr_nest_start_check(nlh, size, RTA_MULTIPATH);
	if (!nest)
		return false;
	/* rtnexthop entries, not nested attributes. */
	nest->nla_type = RTA_MULTIPATH;
	for (i = 0; i < r->n_nh; i++) {
		struct rtnexthop *rtnh;

		if (nlh->nlmsg_len + RTNH_ALIGN(sizeof(*rtnh)) > size)
			return false;
		rtnh = mnl_nlmsg_get_payload_tail(nlh);
		memset(rtnh, 0, RTNH_ALIGN(sizeof(*rtnh)));
		nlh->nlmsg_len += RTNH_ALIGN(sizeof(*rtnh));
		if (!put_gateway(nlh, size, r->prefix.family, &r->nh[i]))
			return false;
		rtnh->rtnh_len =
			(unsigned short)((char *)mnl_nlmsg_get_payload_tail(
						 nlh) -
					 (char *)rtnh);
	}
	if ((char *)mnl_nlmsg_get_payload_tail(nlh) - (char *)nest >
	    NL_ATTR_MAX_LEN)
		return false;
	mnl_attr_nest_end(nlh, nest);
	return true;
}

/* The request for op into nl->msg (its seq is set when sent); its length,
 * or 0 when it does not fit. */
static size_t build_request(struct agent_nl *nl, const struct agent_op *op)
{
	const struct agent_route *r = op->route;
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	bool add = op->type != AGENT_OP_DELETE;

	memset(nl->msg, 0, MNL_ALIGN(sizeof(*nlh)) + MNL_ALIGN(sizeof(*rtm)));
	nlh = mnl_nlmsg_put_header(nl->msg);
	nlh->nlmsg_type = add ? RTM_NEWROUTE : RTM_DELROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	if (op->type == AGENT_OP_ADD)
		nlh->nlmsg_flags |= NLM_F_CREATE | NLM_F_EXCL;
	else if (op->type == AGENT_OP_REPLACE)
		nlh->nlmsg_flags |= NLM_F_CREATE | NLM_F_REPLACE;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)af_of(r->prefix.family);
	rtm->rtm_dst_len = r->prefix.len;
	rtm->rtm_table = nl->table < 256 ? (uint8_t)nl->table : RT_TABLE_UNSPEC;
	rtm->rtm_protocol = nl->protocol;
	if (add) {
		rtm->rtm_scope = RT_SCOPE_UNIVERSE;
		rtm->rtm_type = RTN_UNICAST;
	} else {
		/* Whatever its scope and type: it is ours (protocol). */
		rtm->rtm_scope = RT_SCOPE_NOWHERE;
		rtm->rtm_type = RTN_UNSPEC;
	}
	if (!mnl_attr_put_check(nlh, NL_MSG_MAX, RTA_DST,
				alen_of(r->prefix.family), r->prefix.addr) ||
	    !mnl_attr_put_u32_check(nlh, NL_MSG_MAX, RTA_TABLE, nl->table) ||
	    !mnl_attr_put_u32_check(nlh, NL_MSG_MAX, RTA_PRIORITY, op->metric))
		return 0;
	if (add) {
		if (r->n_nh == 1) {
			if (!put_gateway(nlh, NL_MSG_MAX, r->prefix.family,
					 &r->nh[0]))
				return 0;
		} else if (!put_multipath(nlh, NL_MSG_MAX, r)) {
			return 0;
		}
	}
	return nlh->nlmsg_len;
}

static const char *op2str(const struct agent_op *op, char *buf, size_t len)
{
	char rbuf[512];

	if (op->type == AGENT_OP_DELETE)
		snprintf(buf, len, "delete %s metric %u",
			 agent_route2str(op->route, rbuf, sizeof(rbuf)),
			 op->metric);
	else
		snprintf(buf, len, "%s %s", agent_op2str(op->type),
			 agent_route2str(op->route, rbuf, sizeof(rbuf)));
	return buf;
}

/* The kernel's reason in an error answer (extended ACK), or "". */
struct ack_ctx {
	const char *msg;
};

static int ack_attr_cb(const struct nlattr *attr, void *data)
{
	struct ack_ctx *ctx = data;

	if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
		ctx->msg = mnl_attr_get_str(attr);
	return MNL_CB_OK;
}

static const char *ack_reason(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	struct ack_ctx ctx = {.msg = ""};
	size_t off = sizeof(*e);

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return "";
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		/* The request is echoed whole: its header at least. */
		if (e->msg.nlmsg_len < sizeof(struct nlmsghdr))
			return "";
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	}
	if (MNL_ALIGN(off) >= mnl_nlmsg_get_payload_len(nlh))
		return "";
	mnl_attr_parse(nlh, (unsigned int)off, ack_attr_cb, &ctx);
	return ctx.msg;
}

/*
 * The answers in one read (len bytes at buf) to the batch of requests
 * pending in nl (ops[nl->pend[k].op] sent with sequence number
 * nl->first_seq + k), counted into res; tests/fuzz/fuzz_agent_netlink.c
 * feeds it anything. Returns how many requests got their (first) answer.
 */
static size_t ack_answers(struct agent_nl *nl, const struct agent_ops *ops,
			  const void *buf, int len, struct agent_nl_result *res)
{
	const struct nlmsghdr *nlh;
	size_t answered = 0;
	char obuf[640];

	for (nlh = buf; nl_msg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		const struct nlmsgerr *e;
		const struct agent_op *op;
		uint32_t k = nlh->nlmsg_seq - nl->first_seq;

		if (nlh->nlmsg_type != NLMSG_ERROR ||
		    nlh->nlmsg_pid != nl->portid || k >= nl->npend ||
		    nl->pend[k].answered ||
		    mnl_nlmsg_get_payload_len(nlh) < sizeof(*e))
			continue;
		nl->pend[k].answered = true;
		answered++;
		e = mnl_nlmsg_get_payload(nlh);
		op = &ops->o[nl->pend[k].op];
		if (e->error == 0 ||
		    (op->type == AGENT_OP_DELETE && e->error == -ESRCH))
			continue;
		if (op->type == AGENT_OP_ADD && e->error == -EEXIST) {
			res->taken++;
			agent_log("kernel: %s: a route of this prefix and metric is there already, left as it is",
				  op2str(op, obuf, sizeof(obuf)));
			continue;
		}
		res->failed++;
		agent_log("kernel: %s: %s%s%s", op2str(op, obuf, sizeof(obuf)),
			  nl_err2str(e->error), *ack_reason(nlh) ? ": " : "",
			  ack_reason(nlh));
	}
	return answered;
}

/* Send the batch and read its answers into res. */
static void flush(struct agent_nl *nl, const struct agent_ops *ops,
		  struct agent_nl_result *res)
{
	size_t answered = 0;

	if (!nl->npend)
		return;
	if (mnl_socket_sendto(nl->sock, nl->sbuf, nl->slen) < 0) {
		agent_log("kernel: sending %zu route changes: %s", nl->npend,
			  strerror(errno));
		res->failed += nl->npend;
		goto out;
	}
	while (answered < nl->npend) {
		ssize_t n =
			mnl_socket_recvfrom(nl->sock, nl->rbuf, NL_RECV_MAX);

		if (n < 0) {
			agent_log("kernel: %zu route changes unanswered: %s",
				  nl->npend - answered,
				  errno == EAGAIN ? "timeout"
						  : strerror(errno));
			res->failed += nl->npend - answered;
			break;
		}
		answered += ack_answers(nl, ops, nl->rbuf, (int)n, res);
	}
out:
	nl->slen = 0;
	nl->npend = 0;
}

void agent_nl_apply(struct agent_nl *nl, const struct agent_ops *ops,
		    struct agent_nl_result *res)
{
	char obuf[640];
	size_t i;

	memset(res, 0, sizeof(*res));
	for (i = 0; i < ops->n; i++) {
		const struct agent_op *op = &ops->o[i];
		struct nlmsghdr *nlh = (struct nlmsghdr *)nl->msg;
		size_t len = build_request(nl, op);

		if (!len) {
			agent_log(
				"kernel: %s: too many next hops for one "
				"netlink request",
				op2str(op, obuf, sizeof(obuf)));
			res->failed++;
			continue;
		}
		agent_debug("kernel: %s", op2str(op, obuf, sizeof(obuf)));
		if (nl->npend == NL_BATCH_MAX ||
		    nl->slen + MNL_ALIGN(len) > NL_BATCH_BYTES)
			flush(nl, ops, res);
		nlh->nlmsg_seq = ++nl->seq;
		if (!nl->npend)
			nl->first_seq = nl->seq;
		memcpy(nl->sbuf + nl->slen, nl->msg, len);
		nl->slen += MNL_ALIGN(len);
		nl->pend[nl->npend].op = i;
		nl->pend[nl->npend].answered = false;
		nl->npend++;
	}
	flush(nl, ops, res);
}
