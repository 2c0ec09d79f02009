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
 * (NLM_F_CREATE | NLM_F_REPLACE). A next hop of the other family than
 * the prefix's goes as RTA_VIA.
 *
 * ECMP goes through nexthop objects (RTA_NH_ID) when the kernel has them
 * (--nexthop-groups): one object per gateway (on the device the kernel's
 * lookup gives), one group per distinct next-hop set, counted by the
 * routes using it; marked with our protocol and numbered in a block of
 * ids of our table's. Every dump reads them first, ours rebuilt from what
 * the kernel has (so a restart adopts them, and a route through a group of
 * the right gateways is correct). Objects go in the batch before the
 * routes needing them and are deleted once no route uses them, after. A
 * group whose every route moves to one new set gets its members replaced
 * in place: a failover is one message. Without them (or with
 * --nexthop-groups off), ECMP is one multipath route (RTA_MULTIPATH), for
 * IPv4 and IPv6 alike.
 *
 * The watch: a second socket in the route, link, address (and nexthop)
 * multicast groups, with a large receive buffer. The kernel stamps a
 * notification with the port of the socket whose request caused it, so the
 * agent's own changes are skipped by their header alone. Links going down
 * flush IPv4 routes without any route notification: link and address
 * events are reported as such, for the agent to check its routes. So does
 * deleting a nexthop object (IPv6 routes through it get an RTM_DELROUTE,
 * IPv4 ones none): someone else's change of an object of ours is reported
 * too.
 */
#include "agent/backend.h"

#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/nexthop.h>
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
	size_t nh_failed; /* nexthop objects not created or deleted */
	size_t fallback;  /* ECMP routes written as multipath routes */
};

/* What a request of the batch is: a route operation, or the creation or
 * deletion of a nexthop object (obj). */
enum pend_kind {
	PEND_ROUTE = 0,
	PEND_NH_NEW,
	PEND_NH_DEL,
	PEND_NH_SET, /* a group's members replaced in place */
};

struct nh_obj;

struct nl_pending {
	size_t op; /* PEND_ROUTE: index in the ops */
	bool answered;
	enum pend_kind kind;
	/* PEND_ROUTE: the object the route is written with (NULL: none);
	 * else the object created or deleted. */
	struct nh_obj *obj;
};

/* --- nexthop objects ------------------------------------------------------ */


/*
 * A nexthop object of ours: one gateway on its device, or a group of those.
 * Its key is the next-hop set of the routes using it (one gateway for a
 * single object), sorted as a route's; a group's members follow the key.
 */
enum nh_state {
	NH_OK,	   /* in the kernel, as far as the agent knows */
	NH_NEW,	   /* its creation is sent, unanswered */
	NH_FAILED, /* not created (error): routes needing it fail, retried */
	NH_ODD,	   /* of ours, but not what the agent writes: deleted unused */
	NH_GONE,   /* deleted: freed after the batch */
};

struct nh_obj {
	uint32_t id;
	uint32_t refs; /* routes of ours using it, and groups having it */
	enum nh_state state;
	int error;	  /* NH_FAILED: an errno */
	bool group;	  /* a group (also an odd one) */
	bool holds;	  /* holds a reference on each member */
	bool rekeyed;	  /* its members replaced in this apply */
	size_t mark;	  /* during an apply: scratch */
	uint32_t ifindex; /* one gateway: its device */
	uint32_t n_nh;	  /* 0 for an odd one */
	struct vnetrs_prefix *nh;
	struct nh_obj **member;
	struct nh_obj *next_id, *next_key; /* hash chains */
};

struct nh_table {
	struct nh_obj **by_id, **by_key;
	size_t nbuckets; /* a power of 2, or 0 */
	size_t n, groups;
};

/* Which object a route of ours (prefix, metric) is written with: released
 * when the route moves or goes. */
struct rt_ref {
	struct vnetrs_prefix prefix;
	uint32_t metric;
	struct nh_obj *obj;
	struct rt_ref *next;
};

struct rt_map {
	struct rt_ref **b;
	size_t nbuckets, n;
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
	/* Nexthop objects: nhg when routes are written through them;
	 * nh_known when the kernel has them (ours are read, and left-overs
	 * cleaned up, either way); nhg_why: why not. */
	enum agent_nhg_mode nhg_mode;
	bool nhg, nh_known;
	/* The routes' references are all counted (a dump read them all):
	 * unused objects may go. */
	bool rt_known;
	bool dumped; /* once */
	char nhg_why[96];
	struct nh_table objs;
	struct rt_map routes;
	/* Our ids: id_base to id_base + NH_BLOCK - 1; those another program
	 * holds there (sorted), skipped. */
	uint32_t id_base, id_next;
	uint32_t *foreign;
	size_t nforeign, foreign_cap;
	uint64_t nh_created, nh_deleted, nh_failed, nh_replaced;
};

static void nh_answer(struct agent_nl *nl, const struct nl_pending *p,
		      int error, const char *reason,
		      struct agent_nl_result *res);
static void routes_moved(struct agent_nl *nl, const struct agent_ops *ops);

static int af_of(uint8_t family)
{
	return family == VNETRS_AF_INET ? AF_INET : AF_INET6;
}

static size_t alen_of(uint8_t family)
{
	return family == VNETRS_AF_INET ? 4 : 16;
}


/* Each agent (table and protocol) takes ids from a block of its own,
 * above those zebra allocates (below 2^28 and its protocols' ranges): a
 * table below 32768 is its block's number, others hash into one. The last
 * id of the block is the one probed at start. */
#define NH_ID_TOP 0x80000000u
#define NH_BLOCK 0x10000u
#define NH_PROBE_ID(nl) ((nl)->id_base + NH_BLOCK - 1)

static uint32_t nh_block_base(uint32_t table)
{
	uint32_t b = table;

	if (table >= 0x8000)
		b = ((table * 0x9e3779b1u) >> 17) | 0x4000;
	return NH_ID_TOP | ((b & 0x7fff) << 16);
}

static bool nh_in_block(const struct agent_nl *nl, uint32_t id)
{
	return id - nl->id_base < NH_BLOCK;
}

static uint32_t nh_key_hash(const struct vnetrs_prefix *nh, uint32_t n)
{
	uint32_t h = n * 0x9e3779b1u, i;

	for (i = 0; i < n; i++) {
		h ^= vnetrs_prefix_hash(&nh[i]);
		h = (h << 13 | h >> 19) * 0x85ebca6bu;
	}
	return h ^ (h >> 16);
}

static bool nh_key_equal(const struct nh_obj *o, const struct vnetrs_prefix *nh,
			 uint32_t n)
{
	uint32_t i;

	if (o->n_nh != n)
		return false;
	for (i = 0; i < n; i++)
		if (!vnetrs_prefix_equal(&o->nh[i], &nh[i]))
			return false;
	return true;
}

static struct nh_obj *nh_find_id(const struct nh_table *t, uint32_t id)
{
	struct nh_obj *o;

	if (!t->nbuckets)
		return NULL;
	for (o = t->by_id[id & (t->nbuckets - 1)]; o; o = o->next_id)
		if (o->id == id)
			return o;
	return NULL;
}

static struct nh_obj *nh_find_key(const struct nh_table *t,
				  const struct vnetrs_prefix *nh, uint32_t n)
{
	struct nh_obj *o;

	if (!t->nbuckets || !n)
		return NULL;
	for (o = t->by_key[nh_key_hash(nh, n) & (t->nbuckets - 1)]; o;
	     o = o->next_key)
		if (nh_key_equal(o, nh, n))
			return o;
	return NULL;
}

static void *nh_alloc(size_t size)
{
	void *p = calloc(1, size ? size : 1);

	if (!p) {
		agent_log("out of memory");
		abort();
	}
	return p;
}

static void nh_link(struct nh_table *t, struct nh_obj *o)
{
	size_t k;

	k = o->id & (t->nbuckets - 1);
	o->next_id = t->by_id[k];
	t->by_id[k] = o;
	/* An odd object has no key: never reused, only deleted. */
	o->next_key = NULL;
	if (o->n_nh) {
		k = nh_key_hash(o->nh, o->n_nh) & (t->nbuckets - 1);
		o->next_key = t->by_key[k];
		t->by_key[k] = o;
	}
}

static void nh_insert(struct nh_table *t, struct nh_obj *o)
{
	if (t->n >= t->nbuckets) {
		size_t old = t->nbuckets, i;
		struct nh_obj **by_id = t->by_id;

		t->nbuckets = old ? old * 2 : 64;
		t->by_id = nh_alloc(t->nbuckets * sizeof(*t->by_id));
		t->by_key = (free(t->by_key),
			     nh_alloc(t->nbuckets * sizeof(*t->by_key)));
		for (i = 0; i < old; i++) {
			struct nh_obj *p = by_id[i], *next;

			for (; p; p = next) {
				next = p->next_id;
				nh_link(t, p);
			}
		}
		free(by_id);
	}
	nh_link(t, o);
	t->n++;
	t->groups += o->group;
}

static void nh_unlink(struct nh_table *t, struct nh_obj *o)
{
	struct nh_obj **pp;

	for (pp = &t->by_id[o->id & (t->nbuckets - 1)]; *pp;
	     pp = &(*pp)->next_id)
		if (*pp == o) {
			*pp = o->next_id;
			break;
		}
	if (o->n_nh)
		for (pp = &t->by_key[nh_key_hash(o->nh, o->n_nh) &
				     (t->nbuckets - 1)];
		     *pp; pp = &(*pp)->next_key)
			if (*pp == o) {
				*pp = o->next_key;
				break;
			}
	t->n--;
	t->groups -= o->group;
}

static struct nh_obj *nh_obj_new(const struct vnetrs_prefix *nh, uint32_t n,
				 bool group)
{
	struct nh_obj *o = nh_alloc(sizeof(*o));

	o->n_nh = n;
	o->group = group;
	o->nh = nh_alloc(n * sizeof(*o->nh));
	if (n)
		memcpy(o->nh, nh, n * sizeof(*o->nh));
	if (group)
		o->member = nh_alloc(n * sizeof(*o->member));
	return o;
}

/* Out of the table and freed, its members released. */
static void nh_obj_drop(struct nh_table *t, struct nh_obj *o)
{
	uint32_t i;

	nh_unlink(t, o);
	if (o->holds)
		for (i = 0; i < o->n_nh; i++)
			o->member[i]->refs--;
	free(o->nh);
	free(o->member);
	free(o);
}

static void nh_table_clear(struct nh_table *t)
{
	size_t i;

	for (i = 0; i < t->nbuckets; i++) {
		struct nh_obj *o = t->by_id[i], *next;

		for (; o; o = next) {
			next = o->next_id;
			free(o->nh);
			free(o->member);
			free(o);
		}
	}
	free(t->by_id);
	free(t->by_key);
	memset(t, 0, sizeof(*t));
}

/* Every object, into a new array (*n of them): to walk while changing. */
static struct nh_obj **nh_list(const struct nh_table *t, size_t *n)
{
	struct nh_obj **v = nh_alloc(t->n * sizeof(*v)), *o;
	size_t i;

	*n = 0;
	for (i = 0; i < t->nbuckets; i++)
		for (o = t->by_id[i]; o; o = o->next_id)
			v[(*n)++] = o;
	return v;
}

/* --- which object each route of ours uses --------------------------------- */

static size_t rt_bucket(const struct rt_map *m, const struct vnetrs_prefix *p,
			uint32_t metric)
{
	return (vnetrs_prefix_hash(p) ^ (metric * 0x9e3779b1u)) &
	       (m->nbuckets - 1);
}

static struct rt_ref **rt_find(struct rt_map *m, const struct vnetrs_prefix *p,
			       uint32_t metric)
{
	struct rt_ref **pp;

	if (!m->nbuckets)
		return NULL;
	for (pp = &m->b[rt_bucket(m, p, metric)]; *pp; pp = &(*pp)->next)
		if ((*pp)->metric == metric &&
		    vnetrs_prefix_equal(&(*pp)->prefix, p))
			return pp;
	return NULL;
}

/* The route (p, metric) is gone. */
static void rt_del(struct rt_map *m, const struct vnetrs_prefix *p,
		   uint32_t metric)
{
	struct rt_ref **pp = rt_find(m, p, metric), *r;

	if (!pp)
		return;
	r = *pp;
	*pp = r->next;
	r->obj->refs--;
	free(r);
	m->n--;
}

/* The route (p, metric) is now written with obj (NULL: none). */
static void rt_set(struct rt_map *m, const struct vnetrs_prefix *p,
		   uint32_t metric, struct nh_obj *obj)
{
	struct rt_ref **pp = rt_find(m, p, metric), *r;

	if (pp && obj) {
		(*pp)->obj->refs--;
		(*pp)->obj = obj;
		obj->refs++;
		return;
	}
	if (!obj) {
		rt_del(m, p, metric);
		return;
	}
	if (m->n >= m->nbuckets) {
		size_t old = m->nbuckets, i;
		struct rt_ref **b = m->b;

		m->nbuckets = old ? old * 2 : 1024;
		m->b = nh_alloc(m->nbuckets * sizeof(*m->b));
		for (i = 0; i < old; i++) {
			struct rt_ref *q = b[i], *next;

			for (; q; q = next) {
				size_t k = rt_bucket(m, &q->prefix, q->metric);

				next = q->next;
				q->next = m->b[k];
				m->b[k] = q;
			}
		}
		free(b);
	}
	r = nh_alloc(sizeof(*r));
	r->prefix = *p;
	r->metric = metric;
	r->obj = obj;
	obj->refs++;
	r->next = m->b[rt_bucket(m, p, metric)];
	m->b[rt_bucket(m, p, metric)] = r;
	m->n++;
}

static void rt_clear(struct rt_map *m)
{
	size_t i;

	for (i = 0; i < m->nbuckets; i++) {
		struct rt_ref *r = m->b[i], *next;

		for (; r; r = next) {
			next = r->next;
			free(r);
		}
	}
	free(m->b);
	memset(m, 0, sizeof(*m));
}

static void nl_close(struct agent_nl *nl)
{
	if (!nl)
		return;
	rt_clear(&nl->routes);
	nh_table_clear(&nl->objs);
	free(nl->foreign);
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
	/* Someone deleting an object of ours takes its routes along, IPv4
	 * ones without a route event. */
	if (nl->nh_known) {
		unsigned int g = RTNLGRP_NEXTHOP;

		if (mnl_socket_setsockopt(nl->watch, NETLINK_ADD_MEMBERSHIP,
					  &g, sizeof(g)) < 0) {
			snprintf(err, errlen, "netlink watch group %u: %s", g,
				 strerror(errno));
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

static void kernel_status(const struct agent_backend *b, FILE *f,
			  uint64_t now)
{
	const struct agent_nl *nl = (const struct agent_nl *)b;

	(void)now;
	if (!nl->nhg) {
		fprintf(f, "nexthop groups: off (%s): multipath routes\n",
			nl->nhg_why);
		return;
	}
	fprintf(f,
		"nexthop groups: on: %zu objects of ours (%zu groups), ids "
		"%" PRIu32 "-%" PRIu32 ", %" PRIu64 " created, %" PRIu64
		" deleted, %" PRIu64 " groups replaced in place, %" PRIu64
		" failures\n",
		nl->objs.n, nl->objs.groups, nl->id_base,
		nl->id_base + NH_BLOCK - 2, nl->nh_created, nl->nh_deleted,
		nl->nh_replaced, nl->nh_failed);
}

static const struct agent_backend_ops kernel_ops = {
	.name = "kernel",
	.dump = kernel_dump,
	.apply = kernel_apply,
	.watch_fd = kernel_watch_fd,
	.watch_read = kernel_watch_read,
	.close = kernel_close,
	.status = kernel_status,
};

/* --- reading the kernel's routes ------------------------------------------ */

/* A nexthop object as a dump shows it, whoever's. */
struct nh_seen {
	uint32_t id;
	uint8_t protocol;
	bool odd; /* not one the agent writes (a weight, blackhole, ...) */
	bool group;
	struct vnetrs_prefix gw;
	uint32_t ifindex;
	uint32_t *member; /* a group's ids */
	uint32_t n_member;
};

struct dump_ctx {
	struct agent_nl *nl;
	struct agent_table *t;
	struct vnetrs_prefix *nh; /* next hops of the route being read */
	size_t n_nh, nh_cap;
	bool odd;
	/* A nexthop dump: the objects read. */
	bool nexthops;
	struct nh_seen *seen;
	size_t nseen, seen_cap;
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
	struct nh_obj *obj;
	uint32_t metric = 0, i;

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
	if (tb[RTA_NH_ID] && mnl_attr_get_payload_len(tb[RTA_NH_ID]) == 4) {
		/* Through a nexthop object: its next hops are those of ours
		 * it is (the kernel may add them as RTA_MULTIPATH too, in
		 * its compat mode: ignored). Another's object, an odd one
		 * of ours, a single one (the agent writes a gateway), or
		 * objects while the agent writes multipath routes:
		 * rewritten. */
		obj = nh_find_id(&ctx->nl->objs,
				 mnl_attr_get_u32(tb[RTA_NH_ID]));
		if (obj) {
			for (i = 0; i < obj->n_nh; i++)
				ctx_add_nh(ctx, af_of(obj->nh[i].family),
					   obj->nh[i].addr,
					   alen_of(obj->nh[i].family));
			rt_set(&ctx->nl->routes, &prefix, metric, obj);
		}
		if (!obj || obj->state != NH_OK || !obj->group ||
		    !ctx->nl->nhg)
			ctx->odd = true;
	} else {
		if (tb[RTA_MULTIPATH])
			ctx_add_multipath(ctx, rtm->rtm_family,
					  tb[RTA_MULTIPATH]);
		else
			ctx_add_gateway(ctx, rtm->rtm_family, tb);
		/* ECMP is written anew through a group. */
		if (ctx->nl->nhg && ctx->n_nh > 1)
			ctx->odd = true;
	}
	if (!ctx->n_nh)
		ctx->odd = true;

	r = agent_route_new(&prefix, VNETRS_SOURCE_OTHER, ctx->nh, ctx->n_nh);
	r->metric = metric;
	r->odd = ctx->odd;
	agent_kernel_add(ctx->t, r);
}

static int nh_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type <= NHA_MAX)
		tb[type] = attr;
	return MNL_CB_OK;
}

/* One object of a nexthop dump, whoever's, into ctx->seen. */
static void dump_nexthop(struct dump_ctx *ctx, const struct nlmsghdr *nlh)
{
	const struct nlattr *tb[NHA_MAX + 1] = {};
	const struct nhmsg *nhm;
	struct nh_seen *s;

	if (nlh->nlmsg_type != RTM_NEWNEXTHOP ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*nhm))
		return;
	nhm = mnl_nlmsg_get_payload(nlh);
	mnl_attr_parse(nlh, sizeof(*nhm), nh_attr_cb, tb);
	if (!tb[NHA_ID] || mnl_attr_get_payload_len(tb[NHA_ID]) != 4)
		return;
	if (ctx->nseen == ctx->seen_cap) {
		ctx->seen_cap = ctx->seen_cap ? ctx->seen_cap * 2 : 64;
		ctx->seen = realloc(ctx->seen,
				    ctx->seen_cap * sizeof(*ctx->seen));
		if (!ctx->seen) {
			agent_log("out of memory");
			abort();
		}
	}
	s = &ctx->seen[ctx->nseen++];
	memset(s, 0, sizeof(*s));
	s->id = mnl_attr_get_u32(tb[NHA_ID]);
	s->protocol = nhm->nh_protocol;
	/* Only plain gateways on a device, and multipath groups of them
	 * with weight 1, are the agent's kind. */
	s->odd = tb[NHA_BLACKHOLE] || tb[NHA_FDB] || tb[NHA_ENCAP] ||
		 tb[NHA_RES_GROUP] ||
		 (tb[NHA_GROUP_TYPE] &&
		  (mnl_attr_get_payload_len(tb[NHA_GROUP_TYPE]) != 2 ||
		   mnl_attr_get_u16(tb[NHA_GROUP_TYPE]) !=
			   NEXTHOP_GRP_TYPE_MPATH));
	if (tb[NHA_GROUP]) {
		const struct nexthop_grp *g = mnl_attr_get_payload(tb[NHA_GROUP]);
		uint32_t n = mnl_attr_get_payload_len(tb[NHA_GROUP]) / sizeof(*g),
			 i;

		s->group = true;
		s->member = nh_alloc(n * sizeof(*s->member));
		s->n_member = n;
		for (i = 0; i < n; i++) {
			struct nexthop_grp e;

			memcpy(&e, &g[i], sizeof(e));
			s->member[i] = e.id;
			/* weight is the weight minus one. */
			if (e.weight)
				s->odd = true;
		}
		if (!n)
			s->odd = true;
		return;
	}
	if (!tb[NHA_GATEWAY] || !tb[NHA_OIF] ||
	    mnl_attr_get_payload_len(tb[NHA_OIF]) != 4) {
		s->odd = true;
		return;
	}
	s->ifindex = mnl_attr_get_u32(tb[NHA_OIF]);
	{
		struct dump_ctx one = {0};

		/* Checked and converted as a route's gateway. */
		ctx_add_nh(&one, nhm->nh_family,
			   mnl_attr_get_payload(tb[NHA_GATEWAY]),
			   mnl_attr_get_payload_len(tb[NHA_GATEWAY]));
		if (one.n_nh == 1)
			s->gw = one.nh[0];
		else
			s->odd = true;
		free(one.nh);
	}
}

static int seen_cmp_id(const void *a, const void *b)
{
	uint32_t x = ((const struct nh_seen *)a)->id,
		 y = ((const struct nh_seen *)b)->id;

	return x < y ? -1 : x > y;
}

static int prefix_cmp(const void *a, const void *b)
{
	return vnetrs_prefix_cmp(a, b);
}

/*
 * The agent's objects are the kernel's, as just dumped (seen): ours are
 * those of our protocol in our block, adopted (a previous run's too);
 * another program's ids in the block are avoided. The routes' references
 * are counted again by the route dump that follows.
 */
static void nh_rebuild(struct agent_nl *nl, struct nh_seen *seen, size_t n)
{
	struct nh_obj *o;
	size_t i;
	uint32_t j;

	rt_clear(&nl->routes);
	nh_table_clear(&nl->objs);
	nl->nforeign = 0;
	if (n)
		qsort(seen, n, sizeof(*seen), seen_cmp_id);
	for (i = 0; i < n; i++) {
		struct nh_seen *s = &seen[i];

		if (!nh_in_block(nl, s->id))
			continue;
		if (s->protocol != nl->protocol) {
			if (nl->nforeign == nl->foreign_cap) {
				nl->foreign_cap = nl->foreign_cap
							  ? nl->foreign_cap * 2
							  : 16;
				nl->foreign = realloc(
					nl->foreign,
					nl->foreign_cap * sizeof(*nl->foreign));
				if (!nl->foreign) {
					agent_log("out of memory");
					abort();
				}
			}
			nl->foreign[nl->nforeign++] = s->id; /* sorted */
			continue;
		}
		if (s->group)
			continue;
		o = nh_obj_new(&s->gw, s->odd ? 0 : 1, false);
		o->id = s->id;
		o->ifindex = s->ifindex;
		o->state = s->odd || nh_find_key(&nl->objs, &s->gw, 1)
				   ? NH_ODD
				   : NH_OK;
		if (o->state == NH_ODD)
			o->n_nh = 0; /* a duplicate is deleted too */
		nh_insert(&nl->objs, o);
	}
	for (i = 0; i < n; i++) {
		struct nh_seen *s = &seen[i];
		struct vnetrs_prefix *key;
		bool odd = s->odd;

		if (!nh_in_block(nl, s->id) || s->protocol != nl->protocol ||
		    !s->group)
			continue;
		key = nh_alloc(s->n_member * sizeof(*key));
		for (j = 0; j < s->n_member && !odd; j++) {
			struct nh_obj *m = nh_find_id(&nl->objs, s->member[j]);

			if (!m || m->state != NH_OK)
				odd = true;
			else
				key[j] = m->nh[0];
		}
		qsort(key, s->n_member, sizeof(*key), prefix_cmp);
		for (j = 1; j < s->n_member && !odd; j++)
			if (vnetrs_prefix_equal(&key[j - 1], &key[j]))
				odd = true;
		if (!odd && nh_find_key(&nl->objs, key, s->n_member))
			odd = true;
		o = nh_obj_new(key, odd ? 0 : s->n_member, true);
		free(key);
		o->id = s->id;
		o->state = odd ? NH_ODD : NH_OK;
		for (j = 0; j < o->n_nh; j++) {
			o->member[j] = nh_find_key(&nl->objs, &o->nh[j], 1);
			o->member[j]->refs++;
		}
		o->holds = !odd;
		nh_insert(&nl->objs, o);
	}
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
				agent_log("kernel: %s dump: %s",
					  ctx->nexthops ? "nexthop" : "route",
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
			/* A kernel without nexthop objects says so here,
			 * quietly: the open probes it. */
			if (ctx->nexthops && error == -EOPNOTSUPP)
				return -1;
			agent_log("kernel: %s dump: %s",
				  ctx->nexthops ? "nexthop" : "route",
				  mnl_nlmsg_get_payload_len(nlh) >=
						  sizeof(error)
					  ? nl_err2str(error)
					  : "truncated error answer");
			return -1;
		}
		if (*interrupted)
			continue;
		if (ctx->nexthops)
			dump_nexthop(ctx, nlh);
		else
			dump_route(ctx, nlh);
	}
	return 1;
}

/* A dump of the routes of family af, or (ctx->nexthops) of every nexthop
 * object. Returns 0, -1 on error, -2 when the dump was interrupted (the
 * routes changed meanwhile: dump again). */
static int dump_family(struct agent_nl *nl, int af, struct dump_ctx *ctx)
{
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	struct nhmsg *nhm;
	bool interrupted = false;
	uint32_t seq;

	memset(nl->msg, 0, MNL_ALIGN(sizeof(*nlh)) + MNL_ALIGN(sizeof(*rtm)));
	nlh = mnl_nlmsg_put_header(nl->msg);
	nlh->nlmsg_type = ctx->nexthops ? RTM_GETNEXTHOP : RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq = ++nl->seq;
	if (ctx->nexthops) {
		nhm = mnl_nlmsg_put_extra_header(nlh, sizeof(*nhm));
		nhm->nh_family = AF_UNSPEC;
	} else {
		rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
		rtm->rtm_family = (uint8_t)af;
	}

	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0) {
		agent_log("kernel: dump request: %s", strerror(errno));
		return -1;
	}
	for (;;) {
		ssize_t n =
			mnl_socket_recvfrom(nl->sock, nl->rbuf, NL_RECV_MAX);
		int ret;

		if (n < 0) {
			agent_log("kernel: dump: %s",
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

/* The kernel's nexthop objects, ours rebuilt from them (nh_rebuild()).
 * Nothing without them. Returns as dump_family(). */
static int nh_dump(struct agent_nl *nl)
{
	struct dump_ctx ctx = {.nl = nl, .nexthops = true};
	size_t i;
	int ret;

	nl->rt_known = false;
	if (!nl->nh_known)
		return 0;
	ret = dump_family(nl, AF_UNSPEC, &ctx);
	if (ret == 0)
		nh_rebuild(nl, ctx.seen, ctx.nseen);
	for (i = 0; i < ctx.nseen; i++)
		free(ctx.seen[i].member);
	free(ctx.seen);
	return ret;
}

static void nh_gc(struct agent_nl *nl, struct agent_nl_result *res);

static int kernel_dump(struct agent_backend *b, struct agent_table *t)
{
	struct agent_nl *nl = nl_of(b);
	struct dump_ctx ctx = {.nl = nl, .t = t};
	struct agent_nl_result res = {0};
	int tries, ret = -1;

	for (tries = 0; tries < 5; tries++) {
		agent_table_clear(t);
		/* The objects first: the routes are read through them. */
		ret = nh_dump(nl);
		if (ret == 0)
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
	nl->rt_known = true;
	/* At start, objects of ours no route uses are a previous run's
	 * left-overs. Later, the reconcile's apply deletes what it leaves
	 * unused: not here, where objects whose routes someone removed are
	 * about to be used again. */
	if (!nl->dumped)
		nh_gc(nl, &res);
	nl->dumped = true;
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

/* The request for op into nl->msg (its seq is set when sent), through
 * the nexthop object obj if not NULL; its length, or 0 when it does not
 * fit. */
static size_t build_request(struct agent_nl *nl, const struct agent_op *op,
			    const struct nh_obj *obj)
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
	if (add && obj) {
		if (!mnl_attr_put_u32_check(nlh, NL_MSG_MAX, RTA_NH_ID,
					    obj->id))
			return 0;
	} else if (add) {
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
		if (nl->pend[k].kind != PEND_ROUTE) {
			nh_answer(nl, &nl->pend[k], e->error,
				  e->error ? ack_reason(nlh) : "", res);
			continue;
		}
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

/* A request of the batch unanswered or unsent. */
static void pend_failed(struct agent_nl *nl, struct agent_ops *ops, size_t k,
			int error, struct agent_nl_result *res)
{
	if (nl->pend[k].kind == PEND_ROUTE)
		op_failed(nl, &ops->o[nl->pend[k].op], error, "", res);
	else
		nh_answer(nl, &nl->pend[k], error, "", res);
}

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
			pend_failed(nl, ops, k, -err, res);
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
					pend_failed(nl, ops, k, -err, res);
			break;
		}
		answered += ack_answers(nl, ops, nl->rbuf, (int)n, res);
	}
out:
	routes_moved(nl, ops);
	nl->slen = 0;
	nl->npend = 0;
	/* The notifications of these changes: read now, not piled up. */
	watch_drain(nl);
}

/* --- nexthop objects: creating and deleting them -------------------------- */

static void pend_add(struct agent_nl *nl, struct agent_ops *ops,
		     struct agent_nl_result *res, size_t len,
		     enum pend_kind kind, size_t op, struct nh_obj *obj);

/* A request about object o into nl->msg: its creation (new) or deletion;
 * its length, or 0 when it does not fit. */
static size_t nh_build(struct agent_nl *nl, const struct nh_obj *o, bool new,
		       bool replace)
{
	struct nlmsghdr *nlh;
	struct nhmsg *nhm;
	uint32_t i;

	memset(nl->msg, 0, MNL_ALIGN(sizeof(*nlh)) + MNL_ALIGN(sizeof(*nhm)));
	nlh = mnl_nlmsg_put_header(nl->msg);
	nlh->nlmsg_type = new ? RTM_NEWNEXTHOP : RTM_DELNEXTHOP;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	/* Never someone else's id taken over; replace: ours, in place. */
	if (new)
		nlh->nlmsg_flags |= replace ? NLM_F_REPLACE
					    : NLM_F_CREATE | NLM_F_EXCL;
	nhm = mnl_nlmsg_put_extra_header(nlh, sizeof(*nhm));
	/* (A deletion's header must be all zeros.) */
	if (new)
		nhm->nh_protocol = nl->protocol;
	if (!mnl_attr_put_u32_check(nlh, NL_MSG_MAX, NHA_ID, o->id))
		return 0;
	if (!new)
		return nlh->nlmsg_len;
	if (!o->group) {
		nhm->nh_family = (uint8_t)af_of(o->nh[0].family);
		if (!mnl_attr_put_u32_check(nlh, NL_MSG_MAX, NHA_OIF,
					    o->ifindex) ||
		    !mnl_attr_put_check(nlh, NL_MSG_MAX, NHA_GATEWAY,
					alen_of(o->nh[0].family),
					o->nh[0].addr))
			return 0;
		return nlh->nlmsg_len;
	}
	nhm->nh_family = AF_UNSPEC;
	if (nlh->nlmsg_len + MNL_ATTR_HDRLEN +
		    o->n_nh * sizeof(struct nexthop_grp) >
	    NL_MSG_MAX)
		return 0;
	{
		struct nlattr *a = mnl_nlmsg_get_payload_tail(nlh);
		struct nexthop_grp *g;

		a->nla_type = NHA_GROUP;
		a->nla_len = (uint16_t)(MNL_ATTR_HDRLEN +
					o->n_nh * sizeof(struct nexthop_grp));
		g = (struct nexthop_grp *)((char *)a + MNL_ATTR_HDRLEN);
		memset(g, 0, o->n_nh * sizeof(*g));
		for (i = 0; i < o->n_nh; i++)
			g[i].id = o->member[i]->id; /* weight 0: 1 */
		nlh->nlmsg_len += MNL_ALIGN(a->nla_len);
	}
	return nlh->nlmsg_len;
}

/*
 * One request (nl->msg, len bytes) with a sequence number of its own, its
 * answer awaited: @answer sees each message of that number and returns 1 to
 * read on, or the result, 0 or -errno. The batch must be empty.
 */
static int nl_request(struct agent_nl *nl, size_t len,
		      int (*answer)(const struct nlmsghdr *a, void *arg),
		      void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)nl->msg;
	uint32_t seq = ++nl->seq;

	nlh->nlmsg_seq = seq;
	if (mnl_socket_sendto(nl->sock, nl->msg, len) < 0)
		return -errno;
	for (;;) {
		ssize_t n =
			mnl_socket_recvfrom(nl->sock, nl->rbuf, NL_RECV_MAX);
		const struct nlmsghdr *a;
		int left = (int)n;

		if (n < 0)
			return -errno;
		for (a = (void *)nl->rbuf; nl_msg_ok(a, left);
		     a = mnl_nlmsg_next(a, &left)) {
			int rc;

			if (a->nlmsg_seq != seq)
				continue;
			rc = answer(a, arg);
			if (rc <= 0)
				return rc;
		}
	}
}

/* The kernel's error (ACK) message: its error, else read on. */
static int nl_answer_ack(const struct nlmsghdr *a, void *arg)
{
	int error;

	(void)arg;
	if (a->nlmsg_type != NLMSG_ERROR ||
	    mnl_nlmsg_get_payload_len(a) < sizeof(struct nlmsgerr))
		return 1;
	memcpy(&error, mnl_nlmsg_get_payload(a), sizeof(error));
	return error <= 0 ? error : -EPROTO;
}

/* One request, acknowledged: 0 or -errno. */
static int nl_talk(struct agent_nl *nl, size_t len)
{
	return nl_request(nl, len, nl_answer_ack, NULL);
}

/* RTM_GETROUTE's answer: the route's output interface, or the error. */
static int nh_answer_route(const struct nlmsghdr *a, void *arg)
{
	const struct nlattr *tb[RTA_MAX + 1] = {};
	const struct rtmsg *r;
	uint32_t *ifindex = arg;
	int error;

	if (a->nlmsg_type == NLMSG_ERROR) {
		if (mnl_nlmsg_get_payload_len(a) < sizeof(error))
			return -EPROTO;
		memcpy(&error, mnl_nlmsg_get_payload(a), sizeof(error));
		return error < 0 ? error : -EPROTO;
	}
	if (a->nlmsg_type != RTM_NEWROUTE ||
	    mnl_nlmsg_get_payload_len(a) < sizeof(*r))
		return 1;
	r = mnl_nlmsg_get_payload(a);
	mnl_attr_parse(a, sizeof(*r), attr_cb, tb);
	if (r->rtm_type != RTN_UNICAST || !tb[RTA_OIF] ||
	    mnl_attr_get_payload_len(tb[RTA_OIF]) != 4)
		return -ENETUNREACH;
	*ifindex = mnl_attr_get_u32(tb[RTA_OIF]);
	return 0;
}

/*
 * The device a gateway is reached through (a nexthop object needs one; a
 * route's gateway is resolved by the kernel): the kernel's route lookup.
 * The batch must be empty. 0 or -errno.
 */
static int nh_resolve(struct agent_nl *nl, const struct vnetrs_prefix *gw,
		      uint32_t *ifindex)
{
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;

	memset(nl->msg, 0, MNL_ALIGN(sizeof(*nlh)) + MNL_ALIGN(sizeof(*rtm)));
	nlh = mnl_nlmsg_put_header(nl->msg);
	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)af_of(gw->family);
	rtm->rtm_dst_len = (uint8_t)(alen_of(gw->family) * 8);
	mnl_attr_put(nlh, RTA_DST, alen_of(gw->family), gw->addr);
	return nl_request(nl, nlh->nlmsg_len, nh_answer_route, ifindex);
}

static bool nh_foreign_has(const struct agent_nl *nl, uint32_t id)
{
	size_t lo = 0, hi = nl->nforeign;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (nl->foreign[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < nl->nforeign && nl->foreign[lo] == id;
}

/* A free id of our block, or 0. */
static uint32_t nh_alloc_id(struct agent_nl *nl)
{
	uint32_t tries;

	for (tries = 0; tries < NH_BLOCK; tries++) {
		uint32_t id = nl->id_base + (nl->id_next++ % (NH_BLOCK - 1));

		if (!nh_find_id(&nl->objs, id) && !nh_foreign_has(nl, id))
			return id;
	}
	return 0;
}

static void nh_fail(struct agent_nl *nl, struct nh_obj *o, int error,
		    const char *reason, struct agent_nl_result *res)
{
	char pbuf[VNETRS_PREFIX_STRLEN], *slash;

	o->state = NH_FAILED;
	o->error = error < 0 && error > -4096 ? -error : EIO;
	nl->nh_failed++;
	if (res->nh_failed++ >= NL_LOG_FAILED_MAX)
		return;
	if (o->n_nh)
		vnetrs_prefix2str(&o->nh[0], pbuf, sizeof(pbuf));
	else
		snprintf(pbuf, sizeof(pbuf), "?");
	slash = strchr(pbuf, '/');
	if (slash)
		*slash = '\0';
	agent_log("kernel: nexthop %s%s%s (id %u): %s%s%s",
		  o->group ? "group of " : "via ", pbuf,
		  o->group ? ",..." : "", o->id, nl_err2str(error),
		  *reason ? ": " : "", reason);
}

/*
 * The object of next-hop set nh (n of them): ours already, or created now
 * (its members first; the requests go in the batch before the route's).
 * NH_FAILED when it cannot be (its error says why).
 */
static struct nh_obj *nh_get(struct agent_nl *nl, struct agent_ops *ops,
			     struct agent_nl_result *res,
			     const struct vnetrs_prefix *nh, uint32_t n)
{
	struct nh_obj *o = nh_find_key(&nl->objs, nh, n);
	uint32_t i;
	size_t len;
	int err;

	if (o)
		return o;
	o = nh_obj_new(nh, n, n > 1);
	if (n > 1) {
		for (i = 0; i < n; i++)
			o->member[i] = nh_get(nl, ops, res, &nh[i], 1);
		/* (After every get: a resolution flushes the batch.) */
		for (i = 0; i < n; i++)
			if (o->member[i]->state == NH_FAILED) {
				o->state = NH_FAILED;
				o->error = o->member[i]->error;
				nh_insert(&nl->objs, o);
				return o;
			}
		for (i = 0; i < n; i++)
			o->member[i]->refs++;
		o->holds = true;
	} else {
		/* A lookup's answer must not mix with the batch's. */
		if (nl->npend)
			flush(nl, ops, res);
		err = nh_resolve(nl, nh, &o->ifindex);
		if (err) {
			nh_insert(&nl->objs, o);
			nh_fail(nl, o, err, "no device reaches it", res);
			return o;
		}
	}
	o->id = nh_alloc_id(nl);
	nh_insert(&nl->objs, o);
	len = o->id ? nh_build(nl, o, true, false) : 0;
	if (!len) {
		nh_fail(nl, o, o->id ? -EMSGSIZE : -ENOSPC,
			o->id ? "too many members" : "no free id", res);
		return o;
	}
	o->state = NH_NEW;
	pend_add(nl, ops, res, len, PEND_NH_NEW, 0, o);
	return o;
}

/*
 * Delete the objects no route of ours uses (groups first: then their
 * members are unused too), and forget those never created. Only when
 * every route's reference is known.
 */
static void nh_gc(struct agent_nl *nl, struct agent_nl_result *res)
{
	struct nh_obj **v;
	size_t n, i;
	int pass;

	if (!nl->rt_known || !nl->objs.n)
		return;
	for (pass = 0; pass < 2; pass++) {
		v = nh_list(&nl->objs, &n);
		for (i = 0; i < n; i++) {
			struct nh_obj *o = v[i];
			size_t len;

			if (o->refs || o->group != (pass == 0))
				continue;
			if (o->state == NH_FAILED) {
				o->state = NH_GONE;
				continue;
			}
			len = nh_build(nl, o, false, false);
			if (len)
				pend_add(nl, NULL, res, len, PEND_NH_DEL, 0, o);
		}
		flush(nl, NULL, res);
		for (i = 0; i < n; i++)
			if (v[i]->state == NH_GONE)
				nh_obj_drop(&nl->objs, v[i]);
		free(v);
	}
}

/* The answer to a request about an object (the fuzz target's requests
 * are routes only). */
static void nh_answer(struct agent_nl *nl, const struct nl_pending *p,
		      int error, const char *reason,
		      struct agent_nl_result *res)
{
	struct nh_obj *o = p->obj;
	uint32_t i;

	if (p->kind == PEND_NH_SET) {
		if (error == 0) {
			nl->nh_replaced++;
			return;
		}
		/* Not replaced: its routes are moved as usual, it is left
		 * to be deleted once they have. */
		nl->nh_failed++;
		if (res->nh_failed++ < NL_LOG_FAILED_MAX)
			agent_log("kernel: replacing the members of nexthop "
				  "group %u: %s%s%s",
				  o->id, nl_err2str(error), *reason ? ": " : "",
				  reason);
		nh_unlink(&nl->objs, o);
		for (i = 0; i < o->n_nh; i++)
			o->member[i]->refs--;
		o->holds = false;
		o->n_nh = 0;
		o->state = NH_ODD;
		o->rekeyed = false;
		nh_insert(&nl->objs, o);
		return;
	}
	if (p->kind == PEND_NH_NEW) {
		if (error == 0) {
			o->state = NH_OK;
			nl->nh_created++;
		} else {
			nh_fail(nl, o, error, reason, res);
		}
		return;
	}
	if (error == 0 || error == -ENOENT) {
		o->state = NH_GONE;
		nl->nh_deleted++;
		return;
	}
	nl->nh_failed++;
	if (res->nh_failed++ < NL_LOG_FAILED_MAX)
		agent_log("kernel: deleting nexthop id %u: %s%s%s", o->id,
			  nl_err2str(error), *reason ? ": " : "", reason);
}

/* After a batch's answers: which object each route of ours now uses. */
static void routes_moved(struct agent_nl *nl, const struct agent_ops *ops)
{
	size_t k;

	for (k = 0; k < nl->npend; k++) {
		const struct nl_pending *p = &nl->pend[k];
		const struct agent_op *op;

		if (p->kind != PEND_ROUTE || !ops)
			continue;
		op = &ops->o[p->op];
		if (op->result != AGENT_OP_DONE)
			continue;
		if (op->type == AGENT_OP_DELETE)
			rt_del(&nl->routes, &op->route->prefix, op->metric);
		else
			rt_set(&nl->routes, &op->route->prefix, op->metric,
			       p->obj);
	}
}

/*
 * A failover: every route through group x moves to the same new next-hop
 * set, of which there is no group yet. x's members are replaced in place,
 * one message, and its routes need none (NVA failover: 250,000 routes of
 * one group, one request). Those requests are answered before the routes'
 * are written: a refused one moves the routes as usual.
 */
static void nh_rekey(struct agent_nl *nl, struct agent_ops *ops,
		     struct agent_nl_result *res)
{
	struct cand {
		struct nh_obj *x;
		const struct agent_route *to;
		size_t n;
		bool mixed;
	} *v = NULL;
	size_t nv = 0, cap = 0, i, logged = 0;
	uint32_t j;

	for (i = 0; i < ops->n; i++) {
		const struct agent_route *r = ops->o[i].route;
		struct rt_ref **pp;
		struct nh_obj *x;

		if (ops->o[i].type != AGENT_OP_REPLACE || r->n_nh < 2)
			continue;
		pp = rt_find(&nl->routes, &r->prefix, ops->o[i].metric);
		if (!pp || !(x = (*pp)->obj)->group || x->state != NH_OK ||
		    nh_find_key(&nl->objs, r->nh, r->n_nh))
			continue;
		if (x->mark) {
			struct cand *c = &v[x->mark - 1];

			for (j = 0; j < r->n_nh && !c->mixed; j++)
				c->mixed = c->to->n_nh != r->n_nh ||
					   !vnetrs_prefix_equal(&c->to->nh[j],
								&r->nh[j]);
			c->n++;
			continue;
		}
		if (nv == cap) {
			cap = cap ? cap * 2 : 16;
			v = realloc(v, cap * sizeof(*v));
			if (!v) {
				agent_log("out of memory");
				abort();
			}
		}
		v[nv] = (struct cand){.x = x, .to = r, .n = 1};
		x->mark = ++nv;
	}
	for (i = 0; i < nv; i++) {
		struct nh_obj *x = v[i].x, **member;
		const struct agent_route *to = v[i].to;
		bool failed = false;
		size_t len;

		x->mark = 0;
		/* Some of its routes stay, or go elsewhere; or another
		 * group just took this set. */
		if (v[i].mixed || v[i].n != x->refs ||
		    nh_find_key(&nl->objs, to->nh, to->n_nh))
			continue;
		member = nh_alloc(to->n_nh * sizeof(*member));
		for (j = 0; j < to->n_nh; j++)
			member[j] = nh_get(nl, ops, res, &to->nh[j], 1);
		for (j = 0; j < to->n_nh; j++)
			failed |= member[j]->state == NH_FAILED;
		if (failed) {
			free(member);
			continue;
		}
		nh_unlink(&nl->objs, x);
		for (j = 0; j < x->n_nh; j++)
			x->member[j]->refs--;
		free(x->nh);
		free(x->member);
		x->nh = nh_alloc(to->n_nh * sizeof(*x->nh));
		memcpy(x->nh, to->nh, to->n_nh * sizeof(*x->nh));
		x->n_nh = to->n_nh;
		x->member = member;
		for (j = 0; j < x->n_nh; j++)
			member[j]->refs++;
		x->rekeyed = true;
		nh_insert(&nl->objs, x);
		len = nh_build(nl, x, true, true);
		if (!len) {
			/* (Cannot be: it was created with as many.) */
			x->rekeyed = false;
			continue;
		}
		if (logged++ < NL_LOG_FAILED_MAX)
			agent_log("kernel: nexthop group %u: its %zu routes "
				  "move to other next hops together: its "
				  "members replaced in place",
				  x->id, v[i].n);
		pend_add(nl, ops, res, len, PEND_NH_SET, 0, x);
	}
	free(v);
	flush(nl, ops, res);
}

static void nh_rekeyed_clear(struct agent_nl *nl)
{
	struct nh_obj *o;
	size_t i;

	for (i = 0; i < nl->objs.nbuckets; i++)
		for (o = nl->objs.by_id[i]; o; o = o->next_id)
			o->rekeyed = false;
}

/* The request in nl->msg (len bytes) into the batch (sent first if full). */
static void pend_add(struct agent_nl *nl, struct agent_ops *ops,
		     struct agent_nl_result *res, size_t len,
		     enum pend_kind kind, size_t op, struct nh_obj *obj)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)nl->msg;

	/* (flush() leaves nl->msg alone.) */
	if (nl->npend == NL_BATCH_MAX ||
	    nl->slen + MNL_ALIGN(len) > NL_BATCH_BYTES)
		flush(nl, ops, res);
	nlh->nlmsg_seq = ++nl->seq;
	if (!nl->npend)
		nl->first_seq = nl->seq;
	memcpy(nl->sbuf + nl->slen, nl->msg, len);
	nl->slen += MNL_ALIGN(len);
	nl->pend[nl->npend].op = op;
	nl->pend[nl->npend].answered = false;
	nl->pend[nl->npend].kind = kind;
	nl->pend[nl->npend].obj = obj;
	nl->npend++;
}

static void kernel_apply(struct agent_backend *b, struct agent_ops *ops)
{
	struct agent_nl *nl = nl_of(b);
	struct agent_nl_result res = {0};
	char obuf[640];
	size_t i;

	if (nl->nhg)
		nh_rekey(nl, ops, &res);
	for (i = 0; i < ops->n; i++) {
		struct agent_op *op = &ops->o[i];
		struct nh_obj *obj = NULL;
		struct rt_ref **pp;
		size_t len;

		op->result = AGENT_OP_DONE;
		op->error = 0;
		/* ECMP through a group; a single next hop stays a gateway
		 * (an object would save the kernel nothing). */
		if (op->type != AGENT_OP_DELETE && nl->nhg &&
		    op->route->n_nh > 1) {
			/* Its group before the route (in the batch). */
			obj = nh_get(nl, ops, &res, op->route->nh,
				     op->route->n_nh);
			if (obj->state == NH_FAILED) {
				/* A gateway the kernel's lookup gives no
				 * device for may still be one the route's
				 * own table reaches (connected there only,
				 * a VRF's): the kernel resolves a multipath
				 * route's gateways in its table. */
				if (res.fallback++ < NL_LOG_FAILED_MAX)
					agent_log("kernel: %s: no group (%s): "
						  "a multipath route",
						  op2str(op, obuf,
							 sizeof(obuf)),
						  strerror(obj->error));
				obj = NULL;
			} else {
				/* Through a group replaced in place:
				 * done. */
				pp = rt_find(&nl->routes, &op->route->prefix,
					     op->metric);
				if (obj->rekeyed && pp && (*pp)->obj == obj)
					continue;
			}
		}
		len = build_request(nl, op, obj);
		if (!len) {
			op_failed(nl, op, -EMSGSIZE,
				  "too many next hops for one netlink request",
				  &res);
			continue;
		}
		agent_debug("kernel: %s", op2str(op, obuf, sizeof(obuf)));
		pend_add(nl, ops, &res, len, PEND_ROUTE, i, obj);
	}
	flush(nl, ops, &res);
	nh_rekeyed_clear(nl);
	/* Objects the routes moved from, after they moved. */
	nh_gc(nl, &res);
	if (res.failed > NL_LOG_FAILED_MAX)
		agent_log("kernel: %zu more route changes failed",
			  res.failed - NL_LOG_FAILED_MAX);
	if (res.fallback > NL_LOG_FAILED_MAX)
		agent_log("kernel: %zu more ECMP routes without a group: "
			  "multipath routes",
			  res.fallback - NL_LOG_FAILED_MAX);
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

/* A nexthop event of someone else's: about an object of ours? */
static void watch_nexthop(struct agent_nl *nl, const struct nlmsghdr *nlh)
{
	const struct nlattr *tb[NHA_MAX + 1] = {};
	const struct nhmsg *nhm;
	char what[80];
	uint32_t id;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*nhm))
		return;
	nhm = mnl_nlmsg_get_payload(nlh);
	mnl_attr_parse(nlh, sizeof(*nhm), nh_attr_cb, tb);
	if (!tb[NHA_ID] || mnl_attr_get_payload_len(tb[NHA_ID]) != 4)
		return;
	id = mnl_attr_get_u32(tb[NHA_ID]);
	if (!nh_find_id(&nl->objs, id) &&
	    !(nhm->nh_protocol == nl->protocol && nh_in_block(nl, id)))
		return;
	snprintf(what, sizeof(what), "nexthop id %" PRIu32 " of ours %s", id,
		 nlh->nlmsg_type == RTM_DELNEXTHOP ? "was removed"
						   : "was changed");
	agent_backend_report(&nl->base, AGENT_EV_OBJECT, NULL, what);
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
		case RTM_NEWNEXTHOP:
		case RTM_DELNEXTHOP:
			watch_nexthop(nl, nlh);
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

/* --- opening ------------------------------------------------------------- */

/*
 * Has the kernel nexthop objects? A dump of them works (0, or -errno).
 * VNETRS_AGENT_TEST_NO_NEXTHOPS (tests only) plays a kernel without.
 */
static int nh_probe_dump(struct agent_nl *nl)
{
	struct dump_ctx ctx = {.nl = nl, .nexthops = true};
	size_t i;
	int ret;

	if (getenv("VNETRS_AGENT_TEST_NO_NEXTHOPS"))
		return -EOPNOTSUPP;
	ret = dump_family(nl, AF_UNSPEC, &ctx);
	for (i = 0; i < ctx.nseen; i++)
		free(ctx.seen[i].member);
	free(ctx.seen);
	return ret == 0 ? 0 : -EOPNOTSUPP;
}

/* Can we create one? A blackhole object of ours (the block's last id),
 * deleted at once. 0 or -errno. */
static int nh_probe_create(struct agent_nl *nl)
{
	struct nlmsghdr *nlh;
	struct nhmsg *nhm;
	int err;

	memset(nl->msg, 0, MNL_ALIGN(sizeof(*nlh)) + MNL_ALIGN(sizeof(*nhm)));
	nlh = mnl_nlmsg_put_header(nl->msg);
	nlh->nlmsg_type = RTM_NEWNEXTHOP;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE |
			   NLM_F_EXCL;
	nhm = mnl_nlmsg_put_extra_header(nlh, sizeof(*nhm));
	nhm->nh_family = AF_INET;
	nhm->nh_protocol = nl->protocol;
	mnl_attr_put_u32(nlh, NHA_ID, NH_PROBE_ID(nl));
	mnl_attr_put(nlh, NHA_BLACKHOLE, 0, NULL);
	err = nl_talk(nl, nlh->nlmsg_len);
	if (err == -EEXIST)
		return 0; /* someone's (a probe of a crashed run) */
	if (err)
		return err;
	memset(nl->msg, 0, MNL_ALIGN(sizeof(*nlh)) + MNL_ALIGN(sizeof(*nhm)));
	nlh = mnl_nlmsg_put_header(nl->msg);
	nlh->nlmsg_type = RTM_DELNEXTHOP;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nhm = mnl_nlmsg_put_extra_header(nlh, sizeof(*nhm));
	mnl_attr_put_u32(nlh, NHA_ID, NH_PROBE_ID(nl));
	err = nl_talk(nl, nlh->nlmsg_len);
	if (err)
		agent_log("kernel: deleting the probe nexthop id %u: %s",
			  NH_PROBE_ID(nl), nl_err2str(err));
	return 0;
}

/* Whether routes go through nexthop objects (logged once). -1 when
 * --nexthop-groups on cannot be. */
static int nh_setup(struct agent_nl *nl, char *err, size_t errlen)
{
	int ret;

	nl->id_base = nh_block_base(nl->table);
	nl->nh_known = nh_probe_dump(nl) == 0;
	if (nl->nhg_mode == AGENT_NHG_OFF) {
		snprintf(nl->nhg_why, sizeof(nl->nhg_why),
			 "--nexthop-groups off");
		return 0;
	}
	ret = nl->nh_known ? nh_probe_create(nl) : -EOPNOTSUPP;
	if (ret == 0) {
		nl->nhg = true;
		agent_log("kernel: routes go through nexthop objects (ids "
			  "%u-%u, protocol %u)",
			  nl->id_base, nl->id_base + NH_BLOCK - 2,
			  nl->protocol);
		return 0;
	}
	snprintf(nl->nhg_why, sizeof(nl->nhg_why),
		 "the kernel has no nexthop objects: %s", nl_err2str(ret));
	if (nl->nhg_mode == AGENT_NHG_ON) {
		snprintf(err, errlen, "--nexthop-groups on: %s",
			 nl->nhg_why);
		return -1;
	}
	agent_log("kernel: %s: ECMP routes are multipath routes", nl->nhg_why);
	return 0;
}

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
	nl->nhg_mode = cfg->nexthop_groups;
	if (nh_setup(nl, err, errlen) < 0)
		goto fail;
	if (cfg->watch &&
	    nl_open_watch(nl, (int)cfg->watch_buffer, err, errlen) < 0)
		goto fail;
	return &nl->base;
fail:
	nl_close(nl);
	return NULL;
}
