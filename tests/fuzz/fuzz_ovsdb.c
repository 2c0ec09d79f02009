// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: vnetrs-agent reading an OVSDB server (agent/ovsdb.c,
 * and agent/backend_ovn.c, included for its static functions): the bytes
 * an ovsdb-server sends, cut into chunks anywhere, through the framing,
 * the JSON-RPC message parser, a transaction reply's check, and the OVN
 * backend's cache (the first reply as a monitor's initial contents, every
 * "update" notification after it), then dump() and the rows a change
 * would insert and remove.
 *
 * Input: a first byte giving the chunk size (1 to 256), then the stream.
 * Invariants: the cache's row count is its rows; dump() lists our rows
 * only, sorted, each route with distinct next hops; building a replace
 * and a delete for every route dumped never touches a row that is not
 * ours, and never deletes one twice.
 */
#include <string.h>

#include "agent/backend_ovn.c"
#include "tests/fuzz/fuzz.h"

static void on_event(void *arg, enum agent_backend_event ev,
		     const struct vnetrs_prefix *p, const char *what)
{
	char buf[VNETRS_PREFIX_STRLEN];

	(void)arg;
	(void)ev;
	if (p)
		vnetrs_prefix2str(p, buf, sizeof(buf));
	FUZZ_CHECK(what != NULL);
}

static const struct agent_backend_cb event_cb = {.event = on_event};

struct fz {
	struct agent_ovn *o;
	size_t values;
	bool bad;
};

static void on_value(void *arg, struct json_object *obj)
{
	struct fz *f = arg;
	struct agent_ovn *o = f->o;
	struct ovsdb_msg m;
	char why[256];

	f->values++;
	if (ovsdb_msg_parse(obj, &m, why, sizeof(why)) < 0) {
		json_object_put(obj);
		return;
	}
	if (m.kind == OVSDB_MSG_REPLY) {
		ovsdb_txn_check(m.result, m.error, 3, why, sizeof(why));
		if (!o->synced && !m.error) {
			cache_clear(o);
			o->rstate = ROUTER_UNKNOWN;
			if (apply_updates(o, m.result, true) == 0)
				o->synced = true;
		}
	} else if (o->synced && m.method && !strcmp(m.method, "update") &&
		   json_object_array_length(m.params) == 2) {
		apply_updates(o, json_object_array_get_idx(m.params, 1), false);
	}
	json_object_put(obj);
}

static size_t cache_count(const struct agent_ovn *o)
{
	size_t i, n = 0;

	for (i = 0; i < o->nbucket; i++)
		for (const struct ovn_row *r = o->bucket[i]; r; r = r->next)
			n++;
	return n;
}

/* A replace of every route dumped (next hops moved by one), then a
 * delete: only our rows are removed, none twice. */
static void check_ops(struct agent_ovn *o, const struct agent_table *t)
{
	struct txn_build tb;
	struct pfx_row *ix;
	size_t nix, i, j, k;

	if (!o->router)
		return;
	ix = pfx_index(o, &nix);
	for (k = 0; k < 2; k++) {
		txn_begin(o, &tb, 0);
		for (i = 0; i < t->n; i++) {
			struct agent_route *r = agent_route_dup(t->r[i]);
			struct agent_op op = {
				.type = k ? AGENT_OP_DELETE : AGENT_OP_REPLACE,
				.route = r,
			};

			if (!k && r->n_nh)
				r->nh[0].addr[15] ^= 1;
			op_build(o, &tb, &op, ix, nix);
			agent_route_free(r);
		}
		for (i = 0; i < tb.t.ndels; i++) {
			struct ovn_row *r = row_find(o, tb.t.dels[i]);

			FUZZ_CHECK(r && row_ours(o, r));
			for (j = 0; j < i; j++)
				FUZZ_CHECK(strcmp(tb.t.dels[i], tb.t.dels[j]));
			r->deleting = false;
		}
		json_object_put(tb.ops);
		json_object_put(tb.ins);
		json_object_put(tb.del);
		free(tb.t.dels);
	}
	free(ix);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct agent_ovn_config cfg = {
		.remote = "unix:/nonexistent",
		.router = "lr0",
		.owner = "hv1",
		.metric = 20,
	};
	struct fz f = {0};
	struct agent_table t;
	char err[256], why[256];
	size_t chunk, off;
	int r;

	if (!size)
		return 0;
	chunk = (size_t)data[0] + 1;
	data++;
	size--;
	f.o = ovn_of(agent_backend_ovn_open(&cfg, &event_cb, NULL, err,
					    sizeof(err)));
	FUZZ_CHECK(f.o != NULL);
	for (off = 0; off < size && !f.bad; off += chunk) {
		size_t n = size - off < chunk ? size - off : chunk;

		if (ovsdb_framer_feed(&f.o->conn.fr, (const char *)data + off,
				      n, on_value, &f, why, sizeof(why)) < 0)
			f.bad = true;
	}
	FUZZ_CHECK(cache_count(f.o) == f.o->nrows);
	agent_table_init(&t);
	r = ovn_dump(&f.o->base, &t);
	FUZZ_CHECK(r == 0 || t.n == 0);
	for (size_t i = 0; i < t.n; i++) {
		FUZZ_CHECK(t.r[i]->metric == 20);
		if (i)
			FUZZ_CHECK(vnetrs_prefix_cmp(&t.r[i - 1]->prefix,
						     &t.r[i]->prefix) < 0);
		for (size_t j = 1; j < t.r[i]->n_nh; j++)
			FUZZ_CHECK(vnetrs_prefix_cmp(&t.r[i]->nh[j - 1],
						     &t.r[i]->nh[j]) < 0);
	}
	if (r == 0)
		check_ops(f.o, &t);
	agent_table_clear(&t);
	ovn_close(&f.o->base);
	return 0;
}

#define U(n) "6b8c1a2e-0d1f-4c5a-9e3b-7f2d4a6c8e0" #n
#define UR "0b8c1a2e-0d1f-4c5a-9e3b-7f2d4a6c8e00"
#define ROW(pfx, nh, ids)                                                      \
	"{\"new\":{\"ip_prefix\":\"" pfx "\",\"nexthop\":\"" nh                \
	"\",\"policy\":\"dst-ip\",\"route_table\":\"\",\"output_port\":"       \
	"[\"set\",[]],\"external_ids\":[\"map\",[" ids "]]}}"
#define OURS "[\"vnetrs-agent\",\"hv1\"]"

static const char monitor_reply[] =
	"{\"id\":1,\"error\":null,\"result\":{\"Logical_Router\":{\"" UR
	"\":{\"new\":{\"name\":\"lr0\",\"static_routes\":[\"set\",[[\"uuid\","
	"\"" U(1) "\"],[\"uuid\",\"" U(2) "\"],[\"uuid\",\"" U(3) "\"],"
	"[\"uuid\",\"" U(4) "\"]]]}}},\"Logical_Router_Static_Route\":{"
	"\"" U(1) "\":" ROW("10.250.0.0/16", "10.1.1.4", OURS) ","
	"\"" U(2) "\":" ROW("10.250.0.0/16", "10.1.1.5", OURS) ","
	"\"" U(3) "\":" ROW("2001:db8:99::/48", "2001:db8:1::4", OURS) ","
	"\"" U(4) "\":" ROW("192.168.0.0/16", "10.1.1.99", "") "}}}\n";

static const char updates[] =
	"{\"method\":\"update\",\"params\":[\"vnetrs-agent\",{"
	"\"Logical_Router_Static_Route\":{\"" U(1) "\":{\"old\":{}},"
	"\"" U(5) "\":" ROW("10.9.9.9", "10.1.1.9", OURS) "}}],\"id\":null}"
	"{\"method\":\"echo\",\"params\":[],\"id\":\"echo\"}"
	"{\"id\":2,\"error\":null,\"result\":[{},{\"uuid\":[\"uuid\",\"" U(6)
	"\"]},{\"count\":1}]}"
	"{\"method\":\"update\",\"params\":[\"vnetrs-agent\",{"
	"\"Logical_Router\":{\"" UR "\":{\"new\":{\"name\":\"lr0\","
	"\"static_routes\":[\"set\",[[\"uuid\",\"" U(2) "\"],[\"uuid\",\"" U(5)
	"\"]]]}}}}],\"id\":null}";

static const char refused[] =
	"{\"id\":1,\"result\":null,\"error\":{\"error\":\"unknown database\","
	"\"details\":\"OVN_Northbound\"}}"
	"{\"id\":2,\"error\":null,\"result\":[{\"error\":\"timed out\"},null]}";

void fuzz_seeds(fuzz_emit_fn emit)
{
	static const struct {
		const char *name;
		uint8_t chunk;
		const char *a, *b;
	} seeds[] = {
		{"monitor-whole", 255, monitor_reply, ""},
		{"monitor-updates-7", 6, monitor_reply, updates},
		{"monitor-updates-1", 0, monitor_reply, updates},
		{"refused", 31, refused, ""},
	};
	char buf[8192];

	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		int n = snprintf(buf, sizeof(buf), "%c%s%s",
				 (char)seeds[i].chunk, seeds[i].a, seeds[i].b);

		/* A chunk byte of 0 ends the string: write it in after. */
		buf[0] = (char)seeds[i].chunk;
		emit(seeds[i].name, buf, (size_t)n);
	}
}
