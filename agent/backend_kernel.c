// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs-agent: the kernel backend (backend.h): the routes of one protocol
 * number in one table, over rtnetlink with libmnl.
 *
 * The agent owns the routes of its protocol in its table: it only reads,
 * adds, replaces and deletes those. Changes are sent in batches of
 * requests, each acknowledged: the answers are matched to the requests by
 * sequence number. A route the kernel does not have (as far as the agent
 * knows) is created exclusively (NLM_F_CREATE | NLM_F_EXCL): never a
 * duplicate, nor an IPv6 next hop appended to a route, nor someone else's
 * route of the same prefix and metric replaced. One it has is replaced
 * (NLM_F_CREATE | NLM_F_REPLACE). ECMP is one multipath route
 * (RTA_MULTIPATH), for IPv4 and IPv6 alike. A next hop of the other family
 * than the prefix's goes as RTA_VIA.
 *
 * The watch: a second socket in the route, link and address multicast
 * groups, with a large receive buffer. The kernel stamps a notification
 * with the port of the socket whose request caused it, so the agent's own
 * changes are skipped by their header alone. Links going down flush IPv4
 * routes without any route notification: link and address events are
 * reported as such, for the agent to check its routes.
 */
#include "agent/backend.h"

#include <errno.h>
#include <net/if.h>
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

/* Counts of one apply (also what the fuzz target checks). */
struct agent_nl_result {
	size_t failed;
	size_t taken;
};

struct nl_pending {
	size_t op; /* index in the ops */
	bool answered;
};

struct agent_nl {
	struct agent_backend base; /* first: the backend's interface */
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
	struct mnl_socket *watch; /* NULL without the watch */
	char *wbuf;		  /* its reads */
};

static int af_of(uint8_t family)
{
	return family == VNETRS_AF_INET ? AF_INET : AF_INET6;
}

static size_t alen_of(uint8_t family)
{
	return family == VNETRS_AF_INET ? 4 : 16;
}

static void nl_close(struct agent_nl *nl)
{
	if (!nl)
		return;
	if (nl->sock)
		mnl_socket_close(nl->sock);
	if (nl->watch)
		mnl_socket_close(nl->watch);
	free(nl->msg);
	free(nl->sbuf);
	free(nl->rbuf);
	free(nl->wbuf);
	free(nl);
}

/* The request socket: answers within NL_TIMEOUT_S. */
static int nl_open_requests(struct agent_nl *nl, char *err, size_t errlen)
{
	struct timeval tv = {.tv_sec = NL_TIMEOUT_S};
	int one = 1, rcvbuf = 1024 * 1024;

	nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl->sock) {
		snprintf(err, errlen, "netlink socket: %s", strerror(errno));
		return -1;
	}
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		snprintf(err, errlen, "netlink bind: %s", strerror(errno));
		return -1;
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
		return -1;
	}
	return 0;
}

/* The watch socket: non-blocking, in the route, link and address groups. */
static int nl_open_watch(struct agent_nl *nl, int size, char *err,
			 size_t errlen)
{
	static const unsigned int groups[] = {
		RTNLGRP_LINK,	    RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR,
		RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE,
	};
	size_t i;
	int fd;

	nl->wbuf = malloc(NL_RECV_MAX);
	nl->watch =
		mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!nl->wbuf || !nl->watch ||
	    mnl_socket_bind(nl->watch, 0, MNL_SOCKET_AUTOPID) < 0) {
		snprintf(err, errlen, "netlink watch socket: %s",
			 strerror(errno));
		return -1;
	}
	for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		if (mnl_socket_setsockopt(nl->watch, NETLINK_ADD_MEMBERSHIP,
					  (void *)&groups[i],
					  sizeof(groups[i])) < 0) {
			snprintf(err, errlen, "netlink watch group %u: %s",
				 groups[i], strerror(errno));
			return -1;
		}
	}
	/* Beyond the system's limit when allowed (CAP_NET_ADMIN). */
	fd = mnl_socket_get_fd(nl->watch);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) <
		    0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) < 0)
		agent_log(
			"netlink watch: cannot enlarge its receive buffer: %s",
			strerror(errno));
	return 0;
}

/* --- the backend's operations -------------------------------------------- */

static struct agent_nl *nl_of(struct agent_backend *b)
{
	return (struct agent_nl *)b;
}

static int kernel_dump(struct agent_backend *b, struct agent_table *t);
static void kernel_apply(struct agent_backend *b, struct agent_ops *ops);
static void kernel_watch_read(struct agent_backend *b);

static int kernel_watch_fd(const struct agent_backend *b)
{
	const struct agent_nl *nl = (const struct agent_nl *)b;

	return nl->watch ? mnl_socket_get_fd(nl->watch) : -1;
}

static void kernel_close(struct agent_backend *b)
{
	nl_close(nl_of(b));
}

static const struct agent_backend_ops kernel_ops = {
	.name = "kernel",
	.dump = kernel_dump,
	.apply = kernel_apply,
	.watch_fd = kernel_watch_fd,
	.watch_read = kernel_watch_read,
	.close = kernel_close,
};

struct agent_backend *
agent_backend_kernel_open(const struct agent_kernel_config *cfg,
			  const struct agent_backend_cb *cb, void *cb_arg,
			  char *err, size_t errlen)
{
	struct agent_nl *nl = calloc(1, sizeof(*nl));

	if (!nl) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	nl->base.ops = &kernel_ops;
	nl->base.cb = cb;
	nl->base.cb_arg = cb_arg;
	nl->protocol = cfg->protocol;
	nl->table = cfg->table;
	nl->metric = cfg->metric;
	nl->seq = (uint32_t)time(NULL);
	nl->msg = malloc(NL_MSG_MAX);
	nl->sbuf = malloc(NL_BATCH_BYTES);
	nl->rbuf = malloc(NL_RECV_MAX);
	if (!nl->msg || !nl->sbuf || !nl->rbuf) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (nl_open_requests(nl, err, errlen) < 0)
		goto fail;
	if (cfg->watch &&
	    nl_open_watch(nl, (int)cfg->watch_buffer, err, errlen) < 0)
		goto fail;
	return &nl->base;
fail:
	nl_close(nl);
	return NULL;
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

/*
 * A route message (RTM_NEWROUTE or RTM_DELROUTE) of table, whoever's:
 * its header, attributes (tb) and prefix. false for anything else (another
 * table or family, a cached clone, a malformed one).
 */
static bool route_head(const struct nlmsghdr *nlh, uint32_t table,
		       const struct rtmsg **rtmp, const struct nlattr **tb,
		       struct vnetrs_prefix *prefix)
{
	const struct rtmsg *rtm;
	uint32_t rt_table;
	size_t alen;

	if ((nlh->nlmsg_type != RTM_NEWROUTE &&
	     nlh->nlmsg_type != RTM_DELROUTE) ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm))
		return false;
	rtm = mnl_nlmsg_get_payload(nlh);
	if (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6)
		return false;
	if (rtm->rtm_flags & RTM_F_CLONED)
		return false;
	mnl_attr_parse(nlh, sizeof(*rtm), attr_cb, tb);
	rt_table = tb[RTA_TABLE] && mnl_attr_get_payload_len(tb[RTA_TABLE]) == 4
			   ? mnl_attr_get_u32(tb[RTA_TABLE])
			   : rtm->rtm_table;
	if (rt_table != table)
		return false;
	memset(prefix, 0, sizeof(*prefix));
	prefix->family =
		rtm->rtm_family == AF_INET ? VNETRS_AF_INET : VNETRS_AF_INET6;
	alen = alen_of(prefix->family);
	if (rtm->rtm_dst_len > alen * 8)
		return false;
	prefix->len = rtm->rtm_dst_len;
	if (tb[RTA_DST]) {
		if (mnl_attr_get_payload_len(tb[RTA_DST]) != alen)
			return false;
		memcpy(prefix->addr, mnl_attr_get_payload(tb[RTA_DST]), alen);
	}
	*rtmp = rtm;
	return true;
}

static void dump_route(struct dump_ctx *ctx, const struct nlmsghdr *nlh)
{
	const struct nlattr *tb[RTA_MAX + 1] = {};
	const struct rtmsg *rtm;
	struct vnetrs_prefix prefix;
	struct agent_route *r;
	uint32_t metric = 0;

	if (nlh->nlmsg_type != RTM_NEWROUTE ||
	    !route_head(nlh, ctx->nl->table, &rtm, tb, &prefix) ||
	    rtm->rtm_protocol != ctx->nl->protocol)
		return;
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
	/* (Rounded up in 64 bits: MNL_ALIGN() of such a length is 0.)
	 * libmnl reads a message's attributes up to its length rounded up
	 * to 4 (the kernel's are): the padding must be in the buffer too
	 * (fuzzing found a string attribute read past its end). */
	uint64_t padded;

	if (len < (int)sizeof(*nlh) || nlh->nlmsg_len < sizeof(*nlh))
		return false;
	padded = ((uint64_t)nlh->nlmsg_len + MNL_ALIGNTO - 1) &
		 ~(uint64_t)(MNL_ALIGNTO - 1);
	return padded <= (uint64_t)len;
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
				  mnl_nlmsg_get_payload_len(nlh) >=
						  sizeof(error)
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

static int kernel_dump(struct agent_backend *b, struct agent_table *t)
{
	struct agent_nl *nl = nl_of(b);
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

/* Failed operations logged one by one per apply, the rest counted. */
#define NL_LOG_FAILED_MAX 5

/* Mark op failed with the kernel's error (logged while few). */
static void op_failed(struct agent_nl *nl, struct agent_op *op, int error,
		      const char *reason, struct agent_nl_result *res)
{
	char obuf[640];

	op->result = AGENT_OP_FAILED;
	op->error = error < 0 && error > -4096 ? -error : 0;
	if (res->failed++ < NL_LOG_FAILED_MAX)
		agent_log("kernel: %s: %s%s%s", op2str(op, obuf, sizeof(obuf)),
			  nl_err2str(error), *reason ? ": " : "", reason);
	(void)nl;
}

/*
 * The answers in one read (len bytes at buf) to the batch of requests
 * pending in nl (ops[nl->pend[k].op] sent with sequence number
 * nl->first_seq + k): each op's result, counted into res;
 * tests/fuzz/fuzz_agent_netlink.c feeds it anything. Returns how many
 * requests got their (first) answer.
 */
static size_t ack_answers(struct agent_nl *nl, struct agent_ops *ops,
			  const void *buf, int len, struct agent_nl_result *res)
{
	const struct nlmsghdr *nlh;
	size_t answered = 0;

	for (nlh = buf; nl_msg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		const struct nlmsgerr *e;
		struct agent_op *op;
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
		    (op->type == AGENT_OP_DELETE && e->error == -ESRCH)) {
			op->result = AGENT_OP_DONE;
			continue;
		}
		if (op->type == AGENT_OP_ADD && e->error == -EEXIST) {
			/* Not ours (the agent knows its own): another owner's
			 * route of this prefix and metric, left alone. */
			op->result = AGENT_OP_TAKEN;
			op->error = EEXIST;
			res->taken++;
			continue;
		}
		op_failed(nl, op, e->error, ack_reason(nlh), res);
	}
	return answered;
}

static void watch_drain(struct agent_nl *nl);

/* Send the batch and read its answers into res. */
static void flush(struct agent_nl *nl, struct agent_ops *ops,
		  struct agent_nl_result *res)
{
	size_t answered = 0, k;
	int err;

	if (!nl->npend)
		return;
	if (mnl_socket_sendto(nl->sock, nl->sbuf, nl->slen) < 0) {
		err = errno;
		agent_log("kernel: sending %zu route changes: %s", nl->npend,
			  strerror(err));
		for (k = 0; k < nl->npend; k++)
			op_failed(nl, &ops->o[nl->pend[k].op], -err, "", res);
		goto out;
	}
	while (answered < nl->npend) {
		ssize_t n =
			mnl_socket_recvfrom(nl->sock, nl->rbuf, NL_RECV_MAX);

		if (n < 0) {
			err = errno;
			agent_log("kernel: %zu route changes unanswered: %s",
				  nl->npend - answered,
				  err == EAGAIN ? "timeout" : strerror(err));
			for (k = 0; k < nl->npend; k++)
				if (!nl->pend[k].answered)
					op_failed(nl, &ops->o[nl->pend[k].op],
						  -err, "", res);
			break;
		}
		answered += ack_answers(nl, ops, nl->rbuf, (int)n, res);
	}
out:
	nl->slen = 0;
	nl->npend = 0;
	/* The notifications of these changes: read now, not piled up. */
	watch_drain(nl);
}

static void kernel_apply(struct agent_backend *b, struct agent_ops *ops)
{
	struct agent_nl *nl = nl_of(b);
	struct agent_nl_result res = {0};
	char obuf[640];
	size_t i;

	for (i = 0; i < ops->n; i++) {
		struct agent_op *op = &ops->o[i];
		struct nlmsghdr *nlh = (struct nlmsghdr *)nl->msg;
		size_t len = build_request(nl, op);

		op->result = AGENT_OP_DONE;
		op->error = 0;
		if (!len) {
			op_failed(nl, op, -EMSGSIZE,
				  "too many next hops for one netlink request",
				  &res);
			continue;
		}
		agent_debug("kernel: %s", op2str(op, obuf, sizeof(obuf)));
		if (nl->npend == NL_BATCH_MAX ||
		    nl->slen + MNL_ALIGN(len) > NL_BATCH_BYTES)
			flush(nl, ops, &res);
		nlh->nlmsg_seq = ++nl->seq;
		if (!nl->npend)
			nl->first_seq = nl->seq;
		memcpy(nl->sbuf + nl->slen, nl->msg, len);
		nl->slen += MNL_ALIGN(len);
		nl->pend[nl->npend].op = i;
		nl->pend[nl->npend].answered = false;
		nl->npend++;
	}
	flush(nl, ops, &res);
	if (res.failed > NL_LOG_FAILED_MAX)
		agent_log("kernel: %zu more route changes failed",
			  res.failed - NL_LOG_FAILED_MAX);
}

/* --- the watch ------------------------------------------------------------ */

/* A route event of someone else's in our table. */
static void watch_route(struct agent_nl *nl, const struct nlmsghdr *nlh)
{
	const struct nlattr *tb[RTA_MAX + 1] = {};
	const struct rtmsg *rtm;
	struct vnetrs_prefix prefix;
	bool gone = nlh->nlmsg_type == RTM_DELROUTE;

	if (!route_head(nlh, nl->table, &rtm, tb, &prefix))
		return;
	if (rtm->rtm_protocol == nl->protocol)
		agent_backend_report(&nl->base, AGENT_EV_OWN_GONE, &prefix,
				     gone ? "a route of ours was removed"
					  : "a route of ours was changed");
	else
		agent_backend_report(&nl->base,
				     gone ? AGENT_EV_FOREIGN_GONE
					  : AGENT_EV_FOREIGN_ADDED,
				     &prefix,
				     gone ? "another owner's route was removed"
					  : "another owner's route was added");
}

/* A link or address event: reported with the interface's name and state. */
static void watch_link(struct agent_nl *nl, const struct nlmsghdr *nlh)
{
	char what[IF_NAMESIZE + 48], name[IF_NAMESIZE] = "?";
	unsigned int ifindex = 0;
	const char *state = "changed";

	if (nlh->nlmsg_type == RTM_NEWLINK || nlh->nlmsg_type == RTM_DELLINK) {
		const struct ifinfomsg *ifi;

		if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
			return;
		ifi = mnl_nlmsg_get_payload(nlh);
		ifindex = (unsigned int)ifi->ifi_index;
		state = nlh->nlmsg_type == RTM_DELLINK ? "removed"
			: (ifi->ifi_flags & IFF_UP) &&
					(ifi->ifi_flags & IFF_RUNNING)
				? "up"
				: "down";
	} else {
		const struct ifaddrmsg *ifa;

		if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifa))
			return;
		ifa = mnl_nlmsg_get_payload(nlh);
		ifindex = ifa->ifa_index;
		state = nlh->nlmsg_type == RTM_NEWADDR ? "address added"
						       : "address removed";
	}
	if (!if_indextoname(ifindex, name))
		snprintf(name, sizeof(name), "#%u", ifindex);
	snprintf(what, sizeof(what), "link %s %s", name, state);
	agent_backend_report(&nl->base, AGENT_EV_LINK, NULL, what);
}

/*
 * The events in one read of the watch socket (len bytes at buf; the fuzz
 * target feeds it anything): the agent's own are counted and skipped by
 * their header, the others reported.
 */
static void watch_events(struct agent_nl *nl, const void *buf, int len)
{
	const struct nlmsghdr *nlh;

	for (nlh = buf; nl_msg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		nl->base.stats.events++;
		if (nlh->nlmsg_pid == nl->portid && nl->portid) {
			nl->base.stats.own_events++;
			continue;
		}
		switch (nlh->nlmsg_type) {
		case RTM_NEWROUTE:
		case RTM_DELROUTE:
			watch_route(nl, nlh);
			break;
		case RTM_NEWLINK:
		case RTM_DELLINK:
		case RTM_NEWADDR:
		case RTM_DELADDR:
			watch_link(nl, nlh);
			break;
		default:
			break;
		}
	}
}

/* Read every pending event. */
static void watch_drain(struct agent_nl *nl)
{
	if (!nl->watch)
		return;
	for (;;) {
		ssize_t n = recv(mnl_socket_get_fd(nl->watch), nl->wbuf,
				 NL_RECV_MAX, MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ENOBUFS) {
			/* Events were lost; the socket goes on. */
			nl->base.stats.overflows++;
			agent_backend_report(&nl->base, AGENT_EV_OVERFLOW, NULL,
					     "netlink events lost (receive "
					     "buffer full)");
			continue;
		}
		if (n <= 0)
			return;
		watch_events(nl, nl->wbuf, (int)n);
	}
}

static void kernel_watch_read(struct agent_backend *b)
{
	watch_drain(nl_of(b));
}
