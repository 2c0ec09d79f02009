// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs-agent: the OVN northbound backend (backend.h).
 *
 * The routes are Logical_Router_Static_Route rows of one logical router:
 * ip_prefix, nexthop, policy "dst-ip", and external_ids
 * "vnetrs-agent" = OWNER, the mark of the rows this agent wrote. ECMP is
 * one row per next hop, as "ovn-nbctl --ecmp lr-route-add" makes them. The
 * agent only ever inserts rows with its mark and removes rows with its
 * mark (from the router's static_routes, a strong reference set: a row no
 * router holds is deleted by the database); it never modifies a row.
 *
 * The database is followed by one "monitor" (RFC 7047) of the routers'
 * names and static_routes and of the static routes' columns: a cache of
 * them is what dump() reads and what apply() compares with. Updates show
 * what others do:
 * - a row of ours removed or changed by someone else: AGENT_EV_OWN_GONE;
 *   the rows the agent deletes itself are known by their uuid and skipped;
 * - another owner's row (no mark, or another agent's) of a prefix
 *   appearing or going: AGENT_EV_FOREIGN_ADDED / _GONE;
 * - the connection back (its monitor's first reply), or the router
 *   appearing: AGENT_EV_RECONNECT, a full reconcile above.
 *
 * apply() sends one transaction per AGENT_OVN_TXN_ROWS rows at most, all at
 * once, and waits for their replies (at most AGENT_OVN_TXN_MS after the
 * last one), reading the connection meanwhile: the interface above is
 * synchronous, like the kernel's netlink acknowledgements. A database that
 * stops answering is dropped (and
 * reconnected), so a hung one stalls the agent's loop once, not at every
 * batch: until it answers a monitor again, operations fail at once and are
 * retried above. Each transaction first checks ("wait") that the
 * router still has its name, so rows never land on another router. An
 * operation is done when its transaction committed; refused or unanswered,
 * it failed (retried above with backoff). ovsdb-server sends a session's
 * pending monitor updates before any reply to it, so when a transaction's
 * reply comes, the cache already holds the rows it inserted and has lost
 * those it removed: the next batch is built on what the database holds.
 *
 * Another owner's row of the same prefix (an operator's static route,
 * dst-ip, main route table) holds the prefix: the add is AGENT_OP_TAKEN
 * and nothing is written, as the kernel refuses an add over another
 * protocol's route. Mixing our rows into an operator's ECMP set would
 * change where the operator's traffic goes.
 */
#include "agent/backend.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "agent/ovsdb.h"

#define NB_DB "OVN_Northbound"
#define T_ROUTER "Logical_Router"
#define T_ROUTE "Logical_Router_Static_Route"
/* Rows inserted or removed by one transaction, at most. */
#define AGENT_OVN_TXN_ROWS 1000
/* The longest apply() waits for the next reply. */
#define AGENT_OVN_TXN_MS 2000

/* One Logical_Router_Static_Route row, as monitored. */
struct ovn_row {
	struct ovn_row *next; /* in its hash bucket */
	char uuid[37];
	char *ip_prefix, *nexthop, *policy, *route_table, *output_port;
	char *mark;	/* external_ids:vnetrs-agent, or NULL */
	bool deleting;	/* the agent removes it: its going is ours */
	bool in_router; /* in our router's static_routes */
	bool seen;	/* (scratch) */
};

struct ovn_router {
	char uuid[37];
	char *name;
	char (*routes)[37]; /* static_routes */
	size_t n, cap;
};

/* A transaction on its way. */
struct ovn_txn {
	int64_t id;
	size_t op_from, op_to; /* the agent operations it carries */
	size_t nops;	       /* OVSDB operations sent */
	char (*dels)[37];      /* rows it removes */
	size_t ndels;
	bool answered, ok;
};

enum router_state { ROUTER_UNKNOWN, ROUTER_MISSING, ROUTER_OK, ROUTER_DUP };

struct agent_ovn {
	struct agent_backend base; /* first: the backend's interface */
	struct agent_ovn_config cfg;
	struct agent_tls_config tls;
	struct ovsdb_remotes remotes;
	struct ovsdb_conn conn;
	int64_t monitor_id;
	bool synced; /* the monitor's first reply is in */
	/* The cache. */
	struct ovn_row **bucket;
	size_t nbucket, nrows;
	struct ovn_router **routers;
	size_t nrouters;
	enum router_state rstate;
	const struct ovn_router *router; /* ROUTER_OK */
	/* The transactions of the apply() under way. */
	struct ovn_txn *txns;
	size_t ntxns, txcap;
	/* For the log and the status. */
	char last_down[256];
	size_t last_down_remote;
	char last_refusal[512];
	uint64_t state_ms;
	uint64_t txn_ok, txn_refused, rows_inserted, rows_removed;
};

static struct agent_ovn *ovn_of(const struct agent_backend *b)
{
	return (struct agent_ovn *)b;
}

static char *xstrdup(const char *s)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		abort();
	return d;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		abort();
	return p;
}

static bool streq(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* --- the cache of rows ---------------------------------------------------- */

static size_t uuid_hash(const char *uuid, size_t nbucket)
{
	uint64_t h = 1469598103934665603ULL;

	while (*uuid)
		h = (h ^ (unsigned char)*uuid++) * 1099511628211ULL;
	return (size_t)(h & (nbucket - 1));
}

static struct ovn_row *row_find(const struct agent_ovn *o, const char *uuid)
{
	struct ovn_row *r;

	if (!o->nbucket)
		return NULL;
	for (r = o->bucket[uuid_hash(uuid, o->nbucket)]; r; r = r->next)
		if (!strcmp(r->uuid, uuid))
			return r;
	return NULL;
}

static void rows_grow(struct agent_ovn *o)
{
	size_t nb = o->nbucket ? o->nbucket * 2 : 1024, i;
	struct ovn_row **b = calloc(nb, sizeof(*b));

	if (!b)
		abort();
	for (i = 0; i < o->nbucket; i++) {
		struct ovn_row *r = o->bucket[i], *next;

		for (; r; r = next) {
			size_t h = uuid_hash(r->uuid, nb);

			next = r->next;
			r->next = b[h];
			b[h] = r;
		}
	}
	free(o->bucket);
	o->bucket = b;
	o->nbucket = nb;
}

static struct ovn_row *row_add(struct agent_ovn *o, const char *uuid)
{
	struct ovn_row *r = calloc(1, sizeof(*r));
	size_t h;

	if (!r)
		abort();
	if (o->nrows >= o->nbucket)
		rows_grow(o);
	snprintf(r->uuid, sizeof(r->uuid), "%s", uuid);
	h = uuid_hash(uuid, o->nbucket);
	r->next = o->bucket[h];
	o->bucket[h] = r;
	o->nrows++;
	return r;
}

static void row_free(struct ovn_row *r)
{
	free(r->ip_prefix);
	free(r->nexthop);
	free(r->policy);
	free(r->route_table);
	free(r->output_port);
	free(r->mark);
	free(r);
}

static void row_del(struct agent_ovn *o, const char *uuid)
{
	struct ovn_row **pp;

	if (!o->nbucket)
		return;
	for (pp = &o->bucket[uuid_hash(uuid, o->nbucket)]; *pp;
	     pp = &(*pp)->next) {
		if (!strcmp((*pp)->uuid, uuid)) {
			struct ovn_row *r = *pp;

			*pp = r->next;
			row_free(r);
			o->nrows--;
			return;
		}
	}
}

static void router_free(struct ovn_router *r)
{
	free(r->name);
	free(r->routes);
	free(r);
}

static void cache_clear(struct agent_ovn *o)
{
	size_t i;

	for (i = 0; i < o->nbucket; i++) {
		struct ovn_row *r = o->bucket[i], *next;

		for (; r; r = next) {
			next = r->next;
			row_free(r);
		}
		o->bucket[i] = NULL;
	}
	o->nrows = 0;
	for (i = 0; i < o->nrouters; i++)
		router_free(o->routers[i]);
	o->nrouters = 0;
	o->router = NULL;
}

/* --- what a row means ----------------------------------------------------- */

/* Ours: our mark with our owner. */
static bool row_ours(const struct agent_ovn *o, const struct ovn_row *r)
{
	return r->mark && !strcmp(r->mark, o->cfg.owner);
}

/* An ip_prefix as OVN writes it: "A.B.C.D/L", or an address alone for a
 * host route (ovn-nbctl stores "10.0.0.1" for 10.0.0.1/32). */
static bool parse_ip_prefix(const char *s, struct vnetrs_prefix *p)
{
	char buf[VNETRS_PREFIX_STRLEN + 8], err[128];

	if (!s || strlen(s) >= VNETRS_PREFIX_STRLEN)
		return false;
	if (strchr(s, '/'))
		snprintf(buf, sizeof(buf), "%s", s);
	else
		snprintf(buf, sizeof(buf), "%s/%d", s,
			 strchr(s, ':') ? 128 : 32);
	return vnetrs_prefix_parse(buf, p, err, sizeof(err)) == 0;
}

static bool parse_addr(const char *s, struct vnetrs_prefix *p)
{
	return s && !strchr(s, '/') && parse_ip_prefix(s, p);
}

/* Does a row route p's traffic by destination in the main route table
 * (the only rows the agent writes, and those another owner's row of the
 * same prefix competes with)? */
static bool row_dst_main(const struct ovn_row *r)
{
	return (!r->policy || !strcmp(r->policy, "dst-ip")) &&
	       (!r->route_table || !*r->route_table);
}

/* A row of ours exactly as the agent writes them (else the prefix's route
 * is odd: replaced). */
static bool row_plain(const struct ovn_row *r)
{
	struct vnetrs_prefix nh;

	return row_dst_main(r) && !r->output_port &&
	       parse_addr(r->nexthop, &nh);
}

/* --- monitor updates ------------------------------------------------------ */

static void report(struct agent_ovn *o, enum agent_backend_event ev,
		   const struct ovn_row *r, const char *what)
{
	struct vnetrs_prefix p;

	if (!parse_ip_prefix(r->ip_prefix, &p))
		return;
	agent_backend_report(&o->base, ev, &p, what);
}

static char *col_string(struct json_object *row, const char *col, char *old,
			bool *changed)
{
	struct json_object *v;
	const char *s;

	if (!json_object_object_get_ex(row, col, &v))
		return old; /* not in this update: unchanged */
	s = ovsdb_datum_string(v);
	if (streq(s, old))
		return old;
	*changed = true;
	free(old);
	return xstrdup(s);
}

/* Columns of a row's "new" into r; true when a column that matters
 * changed. */
static bool row_fill(const struct agent_ovn *o, struct ovn_row *r,
		     struct json_object *row)
{
	struct json_object *v;
	bool changed = false;

	r->ip_prefix = col_string(row, "ip_prefix", r->ip_prefix, &changed);
	r->nexthop = col_string(row, "nexthop", r->nexthop, &changed);
	r->policy = col_string(row, "policy", r->policy, &changed);
	r->route_table =
		col_string(row, "route_table", r->route_table, &changed);
	r->output_port =
		col_string(row, "output_port", r->output_port, &changed);
	if (json_object_object_get_ex(row, "external_ids", &v)) {
		const char *m = ovsdb_datum_map_get(v, AGENT_OVN_MARK_KEY);

		if (!streq(m, r->mark)) {
			changed = true;
			free(r->mark);
			r->mark = xstrdup(m);
		}
	}
	(void)o;
	return changed;
}

static void route_update(struct agent_ovn *o, const char *uuid,
			 struct json_object *old, struct json_object *new,
			 bool initial)
{
	struct ovn_row *r = row_find(o, uuid);
	bool was_ours, changed;

	if (!initial)
		o->base.stats.events++;
	if (!new) { /* deleted */
		if (!r)
			return;
		if (!initial && row_ours(o, r) && r->deleting) {
			o->base.stats.own_events++;
		} else if (!initial && row_ours(o, r)) {
			report(o, AGENT_EV_OWN_GONE, r,
			       "a row of ours removed by someone else");
		} else if (!initial && row_dst_main(r)) {
			report(o, AGENT_EV_FOREIGN_GONE, r,
			       "another owner's row removed");
		}
		row_del(o, uuid);
		return;
	}
	if (!r || !old) { /* inserted (a row already known: refreshed) */
		if (!r)
			r = row_add(o, uuid);
		row_fill(o, r, new);
		if (initial)
			return;
		if (row_ours(o, r))
			o->base.stats.own_events++;
		else if (row_dst_main(r))
			report(o, AGENT_EV_FOREIGN_ADDED, r,
			       "another owner's row added");
		return;
	}
	/* Modified: the agent never modifies a row. */
	was_ours = row_ours(o, r);
	if (was_ours && !initial)
		report(o, AGENT_EV_OWN_GONE, r,
		       "a row of ours changed by someone else");
	changed = row_fill(o, r, new);
	if (!initial && changed && !row_ours(o, r) && row_dst_main(r))
		report(o, AGENT_EV_FOREIGN_ADDED, r,
		       "another owner's row changed");
}

static struct ovn_router *router_find(const struct agent_ovn *o,
				      const char *uuid, size_t *idx)
{
	size_t i;

	for (i = 0; i < o->nrouters; i++) {
		if (!strcmp(o->routers[i]->uuid, uuid)) {
			if (idx)
				*idx = i;
			return o->routers[i];
		}
	}
	return NULL;
}

static void add_route_uuid(void *arg, const char *uuid)
{
	struct ovn_router *r = arg;

	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		r->routes = xrealloc(r->routes, r->cap * sizeof(r->routes[0]));
	}
	snprintf(r->routes[r->n++], sizeof(r->routes[0]), "%s", uuid);
}

static void router_update(struct agent_ovn *o, const char *uuid,
			  struct json_object *new)
{
	struct ovn_router *r;
	struct json_object *v;
	size_t idx;

	r = router_find(o, uuid, &idx);
	if (!new) {
		if (r) {
			router_free(r);
			o->routers[idx] = o->routers[--o->nrouters];
		}
		return;
	}
	if (!r) {
		r = calloc(1, sizeof(*r));
		if (!r)
			abort();
		snprintf(r->uuid, sizeof(r->uuid), "%s", uuid);
		o->routers = xrealloc(
			o->routers, (o->nrouters + 1) * sizeof(o->routers[0]));
		o->routers[o->nrouters++] = r;
	}
	if (json_object_object_get_ex(new, "name", &v)) {
		free(r->name);
		r->name = xstrdup(ovsdb_datum_string(v));
	}
	if (json_object_object_get_ex(new, "static_routes", &v)) {
		r->n = 0;
		ovsdb_datum_uuids(v, add_route_uuid, r);
	}
}

/* Which router is ours now; say when that changes. */
static void router_check(struct agent_ovn *o, bool initial)
{
	const struct ovn_router *found = NULL;
	enum router_state st;
	size_t i, n = 0;

	for (i = 0; i < o->nrouters; i++) {
		if (streq(o->routers[i]->name, o->cfg.router)) {
			found = o->routers[i];
			n++;
		}
	}
	st = n == 1 ? ROUTER_OK : n ? ROUTER_DUP : ROUTER_MISSING;
	o->router = st == ROUTER_OK ? found : NULL;
	if (st == o->rstate)
		return;
	if (st == ROUTER_MISSING)
		agent_log(
			"OVN NB %s: no logical router named '%s': its "
			"routes are not written until it exists",
			ovsdb_conn_remote(&o->conn), o->cfg.router);
	else if (st == ROUTER_DUP)
		agent_log(
			"OVN NB %s: %zu logical routers are named '%s': "
			"routes are not written until one is left",
			ovsdb_conn_remote(&o->conn), n, o->cfg.router);
	else if (o->rstate != ROUTER_UNKNOWN)
		agent_log("OVN NB %s: logical router '%s' is there (%s)",
			  ovsdb_conn_remote(&o->conn), o->cfg.router,
			  found->uuid);
	if (st == ROUTER_OK && !initial)
		agent_backend_report(&o->base, AGENT_EV_RECONNECT, NULL,
				     "the logical router is there");
	o->rstate = st;
}

/* Our router's rows, flagged in_router; a row of ours that left its set
 * (without being deleted: another router holds it too) is gone for us. */
static void router_rows_mark(struct agent_ovn *o, bool initial)
{
	const struct ovn_router *rt = o->router;
	struct ovn_row *r;
	size_t i;

	for (i = 0; rt && i < rt->n; i++)
		if ((r = row_find(o, rt->routes[i])))
			r->seen = true;
	for (i = 0; i < o->nbucket; i++) {
		for (r = o->bucket[i]; r; r = r->next) {
			if (r->in_router && !r->seen && !initial && rt &&
			    row_ours(o, r) && !r->deleting)
				report(o, AGENT_EV_OWN_GONE, r,
				       "a row of ours taken off the router");
			r->in_router = r->seen;
			r->seen = false;
		}
	}
}

/* Apply one table-updates object. -1 when malformed. */
static int apply_updates(struct agent_ovn *o, struct json_object *tu,
			 bool initial)
{
	struct json_object *rows;

	if (!json_object_is_type(tu, json_type_object))
		return -1;
	if (json_object_object_get_ex(tu, T_ROUTER, &rows)) {
		if (!json_object_is_type(rows, json_type_object))
			return -1;
		json_object_object_foreach(rows, uuid, ru)
		{
			struct json_object *new = NULL;

			if (!ovsdb_uuid_valid(uuid) ||
			    !json_object_is_type(ru, json_type_object))
				return -1;
			json_object_object_get_ex(ru, "new", &new);
			router_update(o, uuid, new);
		}
	}
	if (json_object_object_get_ex(tu, T_ROUTE, &rows)) {
		if (!json_object_is_type(rows, json_type_object))
			return -1;
		json_object_object_foreach(rows, uuid, ru)
		{
			struct json_object *old = NULL, *new = NULL;

			if (!ovsdb_uuid_valid(uuid) ||
			    !json_object_is_type(ru, json_type_object))
				return -1;
			json_object_object_get_ex(ru, "old", &old);
			json_object_object_get_ex(ru, "new", &new);
			if (new && !json_object_is_type(new, json_type_object))
				return -1;
			route_update(o, uuid, old, new, initial);
		}
	}
	router_check(o, initial);
	router_rows_mark(o, initial);
	return 0;
}

/* --- the connection ------------------------------------------------------- */

static struct json_object *monitor_params(void)
{
	static const char *const route_cols[] = {
		"ip_prefix",   "nexthop",     "policy",
		"route_table", "output_port", "external_ids",
	};
	struct json_object *p = json_object_new_array();
	struct json_object *req = json_object_new_object();
	struct json_object *lr = json_object_new_object();
	struct json_object *lrs = json_object_new_object();
	struct json_object *cols = json_object_new_array();
	size_t i;

	json_object_array_add(cols, json_object_new_string("name"));
	json_object_array_add(cols, json_object_new_string("static_routes"));
	json_object_object_add(lr, "columns", cols);
	cols = json_object_new_array();
	for (i = 0; i < sizeof(route_cols) / sizeof(route_cols[0]); i++)
		json_object_array_add(cols,
				      json_object_new_string(route_cols[i]));
	json_object_object_add(lrs, "columns", cols);
	json_object_object_add(req, T_ROUTER, lr);
	json_object_object_add(req, T_ROUTE, lrs);
	json_object_array_add(p, json_object_new_string(NB_DB));
	json_object_array_add(p, json_object_new_string("vnetrs-agent"));
	json_object_array_add(p, req);
	return p;
}

static void on_up(void *arg)
{
	struct agent_ovn *o = arg;

	o->monitor_id = ovsdb_conn_send(&o->conn, "monitor", monitor_params());
}

static void on_down(void *arg, bool was_up, const char *why)
{
	struct agent_ovn *o = arg;
	size_t i;

	o->synced = false;
	o->monitor_id = 0;
	for (i = 0; i < o->ntxns; i++)
		o->txns[i].answered = true; /* failed */
	if (was_up) {
		agent_log("OVN NB %s: connection lost: %s; reconnecting",
			  ovsdb_conn_remote(&o->conn), why);
		o->state_ms = agent_now_ms();
	} else if (strcmp(why, o->last_down) ||
		   o->conn.cur != o->last_down_remote) {
		agent_log(
			"OVN NB %s: cannot connect: %s (retrying, up to "
			"every %d s; not logged again until it changes)",
			ovsdb_conn_remote(&o->conn), why,
			OVSDB_BACKOFF_MAX_MS / 1000);
	}
	snprintf(o->last_down, sizeof(o->last_down), "%s", why);
	o->last_down_remote = o->conn.cur;
}

static void on_monitor_reply(struct agent_ovn *o, const struct ovsdb_msg *m)
{
	char why[512];
	size_t i, ours = 0;

	o->monitor_id = 0;
	if (m->error) {
		snprintf(why, sizeof(why), "monitor refused: %s",
			 json_object_to_json_string(m->error));
		ovsdb_conn_drop(&o->conn, why);
		return;
	}
	cache_clear(o);
	o->rstate = ROUTER_UNKNOWN;
	if (apply_updates(o, m->result, true) < 0) {
		ovsdb_conn_drop(&o->conn, "a malformed monitor reply");
		return;
	}
	o->synced = true;
	o->state_ms = agent_now_ms();
	o->last_down[0] = '\0';
	for (i = 0; o->router && i < o->router->n; i++) {
		const struct ovn_row *r = row_find(o, o->router->routes[i]);

		ours += r && row_ours(o, r);
	}
	agent_log("OVN NB %s: connected; router '%s': %s, %zu rows of ours",
		  ovsdb_conn_remote(&o->conn), o->cfg.router,
		  o->router ? "there" : "missing", ours);
	agent_backend_report(&o->base, AGENT_EV_RECONNECT, NULL,
			     "OVN NB connected");
}

static struct ovn_txn *txn_by_id(struct agent_ovn *o, int64_t id)
{
	size_t i;

	for (i = 0; i < o->ntxns; i++)
		if (o->txns[i].id == id)
			return &o->txns[i];
	return NULL;
}

static void on_txn_reply(struct agent_ovn *o, struct ovn_txn *t,
			 const struct ovsdb_msg *m)
{
	char why[512];

	t->answered = true;
	t->ok = ovsdb_txn_check(m->result, m->error, t->nops, why,
				sizeof(why)) == 0;
	if (t->ok) {
		o->txn_ok++;
		if (o->last_refusal[0])
			agent_log("OVN NB %s: transactions are accepted again",
				  ovsdb_conn_remote(&o->conn));
		o->last_refusal[0] = '\0';
		return;
	}
	o->txn_refused++;
	if (strcmp(why, o->last_refusal))
		agent_log(
			"OVN NB %s: transaction refused: %s (retried; not "
			"logged again until it changes)",
			ovsdb_conn_remote(&o->conn), why);
	snprintf(o->last_refusal, sizeof(o->last_refusal), "%s", why);
}

static void on_msg(void *arg, const struct ovsdb_msg *m)
{
	struct agent_ovn *o = arg;
	struct ovn_txn *t;

	if (m->kind == OVSDB_MSG_REPLY) {
		if (o->monitor_id && m->id_num == o->monitor_id)
			on_monitor_reply(o, m);
		else if ((t = txn_by_id(o, m->id_num)))
			on_txn_reply(o, t, m);
		return;
	}
	if (m->method && !strcmp(m->method, "update") && o->synced) {
		if (json_object_array_length(m->params) != 2 ||
		    apply_updates(o, json_object_array_get_idx(m->params, 1),
				  false) < 0)
			ovsdb_conn_drop(&o->conn, "a malformed update");
		return;
	}
	/* Anything else (a request we do not serve) is ignored. */
}

static const struct ovsdb_conn_cb conn_cb = {
	.up = on_up,
	.msg = on_msg,
	.down = on_down,
};

/* --- dump ----------------------------------------------------------------- */

struct nh_entry {
	struct vnetrs_prefix prefix, nh;
	bool odd;
};

static int nh_cmp(const void *a, const void *b)
{
	const struct nh_entry *x = a, *y = b;
	int c = vnetrs_prefix_cmp(&x->prefix, &y->prefix);

	return c ? c : vnetrs_prefix_cmp(&x->nh, &y->nh);
}

/* Our rows of the router, one entry each, sorted. NULL when unreadable. */
static struct nh_entry *our_entries(struct agent_ovn *o, size_t *n)
{
	const struct ovn_router *rt = o->router;
	struct nh_entry *e;
	size_t i;

	*n = 0;
	if (!o->synced || !rt)
		return NULL;
	e = xrealloc(NULL, (rt->n + 1) * sizeof(*e));
	for (i = 0; i < rt->n; i++) {
		const struct ovn_row *r = row_find(o, rt->routes[i]);
		struct nh_entry *x = &e[*n];

		if (!r || !row_ours(o, r) ||
		    !parse_ip_prefix(r->ip_prefix, &x->prefix))
			continue;
		x->odd = !row_plain(r);
		if (!parse_addr(r->nexthop, &x->nh))
			memset(&x->nh, 0, sizeof(x->nh));
		(*n)++;
	}
	qsort(e, *n, sizeof(*e), nh_cmp);
	return e;
}

static int ovn_dump(struct agent_backend *b, struct agent_table *t)
{
	struct agent_ovn *o = ovn_of(b);
	struct vnetrs_prefix *nh;
	struct nh_entry *e;
	size_t n, i, j;

	agent_table_clear(t);
	e = our_entries(o, &n);
	if (!e)
		return -1;
	nh = xrealloc(NULL, (n + 1) * sizeof(*nh));
	for (i = 0; i < n; i = j) {
		struct agent_route *r;
		size_t k = 0;
		bool odd = false;

		for (j = i;
		     j < n && vnetrs_prefix_equal(&e[j].prefix, &e[i].prefix);
		     j++) {
			odd |= e[j].odd;
			/* Two rows of one next hop: one goes (odd). */
			if (k && vnetrs_prefix_equal(&nh[k - 1], &e[j].nh))
				odd = true;
			else if (e[j].nh.family)
				nh[k++] = e[j].nh;
		}
		r = agent_route_new(&e[i].prefix, VNETRS_SOURCE_OTHER, nh, k);
		r->metric = o->cfg.metric;
		r->odd = odd || !k;
		agent_kernel_add(t, r);
	}
	agent_kernel_sort(t);
	free(nh);
	free(e);
	return 0;
}

/* --- apply ---------------------------------------------------------------- */

/* The router's rows by prefix (ours and others'), for apply(). */
struct pfx_row {
	struct vnetrs_prefix prefix;
	struct ovn_row *row;
};

static int pfx_cmp(const void *a, const void *b)
{
	const struct pfx_row *x = a, *y = b;

	return vnetrs_prefix_cmp(&x->prefix, &y->prefix);
}

static struct pfx_row *pfx_index(struct agent_ovn *o, size_t *n)
{
	const struct ovn_router *rt = o->router;
	struct pfx_row *ix = xrealloc(NULL, (rt->n + 1) * sizeof(*ix));
	size_t i;

	*n = 0;
	for (i = 0; i < rt->n; i++) {
		struct ovn_row *r = row_find(o, rt->routes[i]);

		if (r && parse_ip_prefix(r->ip_prefix, &ix[*n].prefix)) {
			ix[*n].row = r;
			(*n)++;
		}
	}
	qsort(ix, *n, sizeof(*ix), pfx_cmp);
	return ix;
}

/* The index range of prefix p. */
static size_t pfx_range(const struct pfx_row *ix, size_t n,
			const struct vnetrs_prefix *p, size_t *end)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (vnetrs_prefix_cmp(&ix[mid].prefix, p) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (*end = lo; *end < n && vnetrs_prefix_equal(&ix[*end].prefix, p);
	     (*end)++)
		;
	return lo;
}

/* One transaction being built. */
struct txn_build {
	struct json_object *ops; /* ["OVN_Northbound", op...] */
	struct json_object *ins; /* named uuids for static_routes */
	struct json_object *del; /* uuids removed from it */
	size_t rows, named;
	struct ovn_txn t;
};

static void txn_begin(struct agent_ovn *o, struct txn_build *tb, size_t op_from)
{
	struct json_object *wait = json_object_new_object();
	struct json_object *cols = json_object_new_array();
	struct json_object *rows = json_object_new_array();
	struct json_object *row = json_object_new_object();

	memset(tb, 0, sizeof(*tb));
	tb->ops = json_object_new_array();
	tb->ins = json_object_new_array();
	tb->del = json_object_new_array();
	tb->t.op_from = tb->t.op_to = op_from;
	json_object_array_add(tb->ops, json_object_new_string(NB_DB));
	/* The router still has its name, or nothing is written. */
	json_object_object_add(wait, "op", json_object_new_string("wait"));
	json_object_object_add(wait, "timeout", json_object_new_int(0));
	json_object_object_add(wait, "table", json_object_new_string(T_ROUTER));
	json_object_object_add(wait, "where",
			       ovsdb_where_uuid(o->router->uuid));
	json_object_array_add(cols, json_object_new_string("name"));
	json_object_object_add(wait, "columns", cols);
	json_object_object_add(wait, "until", json_object_new_string("=="));
	json_object_object_add(row, "name",
			       json_object_new_string(o->cfg.router));
	json_object_array_add(rows, row);
	json_object_object_add(wait, "rows", rows);
	json_object_array_add(tb->ops, wait);
}

static void txn_insert(struct agent_ovn *o, struct txn_build *tb,
		       const struct vnetrs_prefix *p,
		       const struct vnetrs_prefix *nh)
{
	struct json_object *op = json_object_new_object();
	struct json_object *row = json_object_new_object();
	char pbuf[VNETRS_PREFIX_STRLEN], nbuf[VNETRS_PREFIX_STRLEN], name[32];

	snprintf(name, sizeof(name), "r%zu", tb->named++);
	json_object_object_add(row, "ip_prefix",
			       json_object_new_string(vnetrs_prefix2str(
				       p, pbuf, sizeof(pbuf))));
	json_object_object_add(row, "nexthop",
			       json_object_new_string(vnetrs_addr2str(
				       nh, nbuf, sizeof(nbuf))));
	json_object_object_add(row, "policy", json_object_new_string("dst-ip"));
	json_object_object_add(
		row, "external_ids",
		ovsdb_map1_new(AGENT_OVN_MARK_KEY, o->cfg.owner));
	json_object_object_add(op, "op", json_object_new_string("insert"));
	json_object_object_add(op, "table", json_object_new_string(T_ROUTE));
	json_object_object_add(op, "row", row);
	json_object_object_add(op, "uuid-name", json_object_new_string(name));
	json_object_array_add(tb->ops, op);
	json_object_array_add(tb->ins, ovsdb_named_uuid_new(name));
	tb->rows++;
}

static void txn_remove(struct txn_build *tb, struct ovn_row *r)
{
	json_object_array_add(tb->del, ovsdb_uuid_new(r->uuid));
	tb->t.dels =
		xrealloc(tb->t.dels, (tb->t.ndels + 1) * sizeof(tb->t.dels[0]));
	snprintf(tb->t.dels[tb->t.ndels++], sizeof(tb->t.dels[0]), "%s",
		 r->uuid);
	r->deleting = true;
	tb->rows++;
}

/* Send it (or drop it when empty). */
static void txn_send(struct agent_ovn *o, struct txn_build *tb)
{
	struct json_object *op, *muts, *m;

	if (!tb->rows) {
		json_object_put(tb->ops);
		json_object_put(tb->ins);
		json_object_put(tb->del);
		free(tb->t.dels);
		tb->t.id = 0;
		tb->t.answered = tb->t.ok = true;
	} else {
		op = json_object_new_object();
		muts = json_object_new_array();
		if (json_object_array_length(tb->del)) {
			m = json_object_new_array();
			json_object_array_add(
				m, json_object_new_string("static_routes"));
			json_object_array_add(m,
					      json_object_new_string("delete"));
			json_object_array_add(m, ovsdb_set_new(tb->del));
			json_object_array_add(muts, m);
		} else {
			json_object_put(tb->del);
		}
		if (json_object_array_length(tb->ins)) {
			m = json_object_new_array();
			json_object_array_add(
				m, json_object_new_string("static_routes"));
			json_object_array_add(m,
					      json_object_new_string("insert"));
			json_object_array_add(m, ovsdb_set_new(tb->ins));
			json_object_array_add(muts, m);
		} else {
			json_object_put(tb->ins);
		}
		json_object_object_add(op, "op",
				       json_object_new_string("mutate"));
		json_object_object_add(op, "table",
				       json_object_new_string(T_ROUTER));
		json_object_object_add(op, "where",
				       ovsdb_where_uuid(o->router->uuid));
		json_object_object_add(op, "mutations", muts);
		json_object_array_add(tb->ops, op);
		/* The operations, without the database name. */
		tb->t.nops = json_object_array_length(tb->ops) - 1;
		tb->t.id = ovsdb_conn_send(&o->conn, "transact", tb->ops);
		tb->t.answered = tb->t.id < 0;
		tb->t.ok = false;
	}
	if (o->ntxns == o->txcap) {
		o->txcap = o->txcap ? o->txcap * 2 : 8;
		o->txns = xrealloc(o->txns, o->txcap * sizeof(o->txns[0]));
	}
	o->txns[o->ntxns++] = tb->t;
}

/* One agent operation into tb: its result when not up to the
 * transaction (taken). */
static void op_build(struct agent_ovn *o, struct txn_build *tb,
		     struct agent_op *op, const struct pfx_row *ix, size_t nix)
{
	const struct agent_route *want = op->route;
	const struct vnetrs_prefix *p = &want->prefix;
	size_t i, j, end, start = pfx_range(ix, nix, p, &end);
	bool foreign = false, ours = false;

	op->result = AGENT_OP_DONE;
	op->error = 0;
	for (i = start; i < end; i++) {
		if (row_ours(o, ix[i].row))
			ours = true;
		else if (row_dst_main(ix[i].row))
			foreign = true;
	}
	if (op->type != AGENT_OP_DELETE && foreign && !ours) {
		op->result = AGENT_OP_TAKEN;
		return;
	}
	/* Our rows not wanted (or odd, or a second of a next hop) go. */
	for (i = start; i < end; i++) {
		struct ovn_row *r = ix[i].row;
		struct vnetrs_prefix nh;
		bool keep = false;

		if (!row_ours(o, r) || r->deleting)
			continue;
		if (op->type != AGENT_OP_DELETE && row_plain(r) &&
		    parse_addr(r->nexthop, &nh)) {
			for (j = 0; j < want->n_nh; j++)
				keep |= vnetrs_prefix_equal(&want->nh[j], &nh);
			/* An earlier row of this next hop is kept already? */
			for (j = start; keep && j < i; j++) {
				struct vnetrs_prefix nh2;

				if (row_ours(o, ix[j].row) &&
				    !ix[j].row->deleting &&
				    row_plain(ix[j].row) &&
				    parse_addr(ix[j].row->nexthop, &nh2) &&
				    vnetrs_prefix_equal(&nh, &nh2))
					keep = false;
			}
		}
		if (!keep)
			txn_remove(tb, r);
	}
	if (op->type == AGENT_OP_DELETE)
		return;
	/* Next hops without a row of ours: inserted. */
	for (j = 0; j < want->n_nh; j++) {
		bool have = false;

		for (i = start; i < end && !have; i++) {
			struct vnetrs_prefix nh;
			struct ovn_row *r = ix[i].row;

			have = row_ours(o, r) && !r->deleting && row_plain(r) &&
			       parse_addr(r->nexthop, &nh) &&
			       vnetrs_prefix_equal(&want->nh[j], &nh);
		}
		if (!have)
			txn_insert(o, tb, p, &want->nh[j]);
	}
}

/*
 * Wait for every transaction's reply, reading the connection. The server
 * commits a batch's transactions one after another, so a large batch takes
 * as long as it takes: the deadline is AGENT_OVN_TXN_MS after the last
 * reply (or the start), and only a server that answers nothing for that
 * long is dropped.
 */
static void txns_wait(struct agent_ovn *o)
{
	uint64_t deadline = agent_now_ms() + AGENT_OVN_TXN_MS;
	size_t answered = 0;

	for (;;) {
		struct pollfd pfd = {.fd = -1};
		uint64_t now = agent_now_ms();
		size_t i, n = 0;
		int r;

		for (i = 0; i < o->ntxns; i++)
			n += o->txns[i].answered;
		if (n == o->ntxns)
			return;
		if (n > answered) {
			answered = n;
			deadline = now + AGENT_OVN_TXN_MS;
		}
		if (now >= deadline) {
			ovsdb_conn_drop(&o->conn,
					"no transaction reply within 2 s");
			return;
		}
		pfd.fd = ovsdb_conn_fd(&o->conn, &pfd.events);
		if (pfd.fd < 0)
			return; /* down: on_down() failed them */
		r = poll(&pfd, 1, (int)(deadline - now));
		if (r < 0 && errno != EINTR)
			return;
		ovsdb_conn_run(&o->conn, r > 0 ? pfd.revents : 0,
			       agent_now_ms());
	}
}

static void ovn_apply(struct agent_backend *b, struct agent_ops *ops)
{
	struct agent_ovn *o = ovn_of(b);
	struct txn_build tb;
	struct pfx_row *ix;
	size_t nix, i, k;

	if (!o->synced || !o->router) {
		for (i = 0; i < ops->n; i++) {
			ops->o[i].result = AGENT_OP_FAILED;
			ops->o[i].error = o->synced ? ENOENT : ENOTCONN;
		}
		return;
	}
	ix = pfx_index(o, &nix);
	o->ntxns = 0;
	txn_begin(o, &tb, 0);
	for (i = 0; i < ops->n; i++) {
		op_build(o, &tb, &ops->o[i], ix, nix);
		tb.t.op_to = i + 1;
		if (tb.rows >= AGENT_OVN_TXN_ROWS && i + 1 < ops->n) {
			txn_send(o, &tb);
			txn_begin(o, &tb, i + 1);
		}
	}
	txn_send(o, &tb);
	free(ix);
	/* Written now, rather than at the next turn of the loop. */
	ovsdb_conn_run(&o->conn, 0, agent_now_ms());
	txns_wait(o);
	for (k = 0; k < o->ntxns; k++) {
		struct ovn_txn *t = &o->txns[k];

		if (t->ok) {
			for (i = 0; i < t->ndels; i++)
				o->rows_removed++;
		} else {
			/* Its removals did not happen. */
			for (i = 0; i < t->ndels; i++) {
				struct ovn_row *r = row_find(o, t->dels[i]);

				if (r)
					r->deleting = false;
			}
		}
		for (i = t->op_from; i < t->op_to; i++) {
			if (t->ok || ops->o[i].result == AGENT_OP_TAKEN)
				continue;
			ops->o[i].result = AGENT_OP_FAILED;
			ops->o[i].error = EIO;
		}
		free(t->dels);
	}
	o->ntxns = 0;
}

/* --- the loop ------------------------------------------------------------- */

static int ovn_watch_fd(const struct agent_backend *b)
{
	short ev;

	return ovsdb_conn_fd(&ovn_of(b)->conn, &ev);
}

static short ovn_watch_events(const struct agent_backend *b)
{
	short ev;

	ovsdb_conn_fd(&ovn_of(b)->conn, &ev);
	return ev;
}

static uint64_t ovn_deadline(const struct agent_backend *b)
{
	return ovsdb_conn_deadline(&ovn_of(b)->conn);
}

static void ovn_run(struct agent_backend *b, short revents, uint64_t now)
{
	ovsdb_conn_run(&ovn_of(b)->conn, revents, now);
}

static void ovn_watch_read(struct agent_backend *b)
{
	ovn_run(b, POLLIN, agent_now_ms());
}

static void ovn_status(const struct agent_backend *b, FILE *f, uint64_t now)
{
	const struct agent_ovn *o = ovn_of(b);
	size_t i, ours = 0, others = 0;

	fprintf(f, "OVN NB %s: %s%s, %" PRIu64 " connects\n",
		ovsdb_conn_remote(&o->conn), ovsdb_state2str(o->conn.state),
		o->conn.state == OVSDB_UP && !o->synced ? " (monitor pending)"
							: "",
		o->conn.connects);
	if (o->remotes.n > 1)
		fprintf(f, "  remote %zu of %zu: %s\n", o->conn.cur + 1,
			o->remotes.n, o->cfg.remote);
	if (o->conn.state != OVSDB_UP && o->last_down[0])
		fprintf(f, "  last failure: %s\n", o->last_down);
	for (i = 0; o->router && i < o->router->n; i++) {
		const struct ovn_row *r = row_find(o, o->router->routes[i]);

		if (r && row_ours(o, r))
			ours++;
		else
			others++;
	}
	fprintf(f, "  router '%s': %s", o->cfg.router,
		!o->synced		  ? "unknown"
		: o->rstate == ROUTER_OK  ? "there"
		: o->rstate == ROUTER_DUP ? "several of that name"
					  : "missing");
	if (o->router)
		fprintf(f, ", %zu rows of ours (%s=%s), %zu other rows", ours,
			AGENT_OVN_MARK_KEY, o->cfg.owner, others);
	fprintf(f, "\n");
	fprintf(f,
		"  transactions: %" PRIu64 " committed, %" PRIu64
		" refused; rows removed %" PRIu64 "\n",
		o->txn_ok, o->txn_refused, o->rows_removed);
	if (o->last_refusal[0])
		fprintf(f, "  last refusal: %s\n", o->last_refusal);
	(void)now;
}

static void ovn_close(struct agent_backend *b)
{
	struct agent_ovn *o = ovn_of(b);

	ovsdb_conn_fini(&o->conn);
	ovsdb_remotes_free(&o->remotes);
	cache_clear(o);
	free(o->bucket);
	free(o->routers);
	free(o->txns);
	free(o);
}

static const struct agent_backend_ops ovn_ops = {
	.name = "ovn",
	.conflict =
		"another owner's row of this prefix (dst-ip, main "
		"route table) on the router",
	.dump = ovn_dump,
	.apply = ovn_apply,
	.watch_fd = ovn_watch_fd,
	.watch_read = ovn_watch_read,
	.close = ovn_close,
	.watch_events = ovn_watch_events,
	.deadline = ovn_deadline,
	.run = ovn_run,
	.status = ovn_status,
};

struct agent_backend *agent_backend_ovn_open(const struct agent_ovn_config *cfg,
					     const struct agent_backend_cb *cb,
					     void *cb_arg, char *err,
					     size_t errlen)
{
	struct agent_ovn *o = calloc(1, sizeof(*o));

	if (!o)
		abort();
	o->cfg = *cfg;
	o->tls.cert = cfg->cert;
	o->tls.key = cfg->key;
	o->tls.ca = cfg->ca;
	if (ovsdb_remotes_parse(&o->remotes, cfg->remote, &o->tls, err,
				errlen) < 0) {
		free(o);
		return NULL;
	}
	o->base.ops = &ovn_ops;
	o->base.cb = cb;
	o->base.cb_arg = cb_arg;
	ovsdb_conn_init(&o->conn, &o->remotes, &conn_cb, o);
	/* The first attempt at the first turn of the loop. */
	o->conn.retry_ms = 0;
	return &o->base;
}

void agent_ovn_print_rows(const struct agent_ovn_config *cfg,
			  const struct agent_table *t, FILE *f)
{
	char pbuf[VNETRS_PREFIX_STRLEN], nbuf[VNETRS_PREFIX_STRLEN];
	size_t i, j;

	for (i = 0; i < t->n; i++) {
		const struct agent_route *r = t->r[i];

		vnetrs_prefix2str(&r->prefix, pbuf, sizeof(pbuf));
		if (!agent_route_programmable(r)) {
			fprintf(f, "# %s %s: not written (%s)\n", pbuf,
				vnetrs_source2str(r->source),
				r->source == VNETRS_SOURCE_LOCAL
					? "an address space: the router's "
					  "own subnets"
					: "no next hop");
			continue;
		}
		for (j = 0; j < r->n_nh; j++)
			fprintf(f,
				"router %s: Logical_Router_Static_Route "
				"ip_prefix=%s nexthop=%s policy=dst-ip "
				"external_ids:%s=%s\n",
				cfg->router, pbuf,
				vnetrs_addr2str(&r->nh[j], nbuf, sizeof(nbuf)),
				AGENT_OVN_MARK_KEY, cfg->owner);
	}
}
