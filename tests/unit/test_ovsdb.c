// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of vnetrs-agent's OVSDB client (agent/ovsdb.c) and of the OVN
 * backend's decisions (agent/backend_ovn.c, included here for its static
 * functions): the framing of concatenated JSON values cut anywhere, the
 * messages, the datums, a transaction's reply judged, the remotes; then
 * the cache a monitor reply and updates build, what dump() lists, which
 * rows a change inserts and removes (and whose rows it never touches), and
 * the events others' changes report.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "agent/backend_ovn.c"

bool agent_verbose;

void agent_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

uint64_t agent_now_ms(void)
{
	return 1000;
}

/* --- framing ------------------------------------------------------------- */

struct got {
	char s[8][256];
	size_t n;
};

static void collect(void *arg, struct json_object *o)
{
	struct got *g = arg;

	assert_true(g->n < 8);
	snprintf(g->s[g->n++], sizeof(g->s[0]), "%s",
		 json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
}

static const char stream[] =
	"{\"id\":1,\"result\":{\"a\":[\"set\",[]]},\"error\":null}\n"
	"  {\"method\":\"echo\",\"params\":[\"x\\\"}{\"],\"id\":\"echo\"}"
	"{\"method\":\"update\",\"params\":[\"m\",{\"T\":{}}],\"id\":null}\r\n";

static void expect_stream(const struct got *g)
{
	assert_int_equal(g->n, 3);
	assert_string_equal(g->s[0],
			    "{\"id\":1,\"result\":{\"a\":[\"set\",[]]},"
			    "\"error\":null}");
	assert_string_equal(g->s[1],
			    "{\"method\":\"echo\",\"params\":"
			    "[\"x\\\"}{\"],\"id\":\"echo\"}");
	assert_string_equal(g->s[2],
			    "{\"method\":\"update\",\"params\":"
			    "[\"m\",{\"T\":{}}],\"id\":null}");
}

static void test_framing_chunks(void **state __attribute__((unused)))
{
	size_t len = strlen(stream), cut, cut2, i;
	char why[128];

	/* Every cut in two, and every cut in three. */
	for (cut = 0; cut <= len; cut++) {
		for (cut2 = cut; cut2 <= len; cut2 += 7) {
			struct ovsdb_framer f;
			struct got g = {.n = 0};

			ovsdb_framer_init(&f);
			assert_int_equal(ovsdb_framer_feed(&f, stream, cut,
							   collect, &g, why,
							   sizeof(why)),
					 0);
			assert_int_equal(ovsdb_framer_feed(
						 &f, stream + cut, cut2 - cut,
						 collect, &g, why, sizeof(why)),
					 0);
			assert_int_equal(ovsdb_framer_feed(
						 &f, stream + cut2, len - cut2,
						 collect, &g, why, sizeof(why)),
					 0);
			expect_stream(&g);
			ovsdb_framer_fini(&f);
		}
	}
	/* One byte at a time. */
	{
		struct ovsdb_framer f;
		struct got g = {.n = 0};

		ovsdb_framer_init(&f);
		for (i = 0; i < len; i++)
			assert_int_equal(ovsdb_framer_feed(&f, stream + i, 1,
							   collect, &g, why,
							   sizeof(why)),
					 0);
		expect_stream(&g);
		ovsdb_framer_fini(&f);
	}
}

static void feed_bad(const char *s, const char *why_part)
{
	struct ovsdb_framer f;
	struct got g = {.n = 0};
	char why[128] = "";

	ovsdb_framer_init(&f);
	assert_int_equal(ovsdb_framer_feed(&f, s, strlen(s), collect, &g, why,
					   sizeof(why)),
			 -1);
	assert_non_null(strstr(why, why_part));
	ovsdb_framer_fini(&f);
}

static void test_framing_bad(void **state __attribute__((unused)))
{
	feed_bad("{\"a\":1}]", "not JSON");
	feed_bad("[1,2]", "no object");
	feed_bad("{\"a\" 1}", "not JSON");
	feed_bad("\"str\"{}", "no object");
}

/* --- messages and datums ------------------------------------------------- */

static struct json_object *js(const char *s)
{
	struct json_object *o = json_tokener_parse(s);

	if (!o)
		fail_msg("bad JSON in the test: %s", s);
	return o;
}

static void test_messages(void **state __attribute__((unused)))
{
	struct json_object *o;
	struct ovsdb_msg m;
	char why[128];

	o = js("{\"method\":\"echo\",\"params\":[],\"id\":\"e1\"}");
	assert_int_equal(ovsdb_msg_parse(o, &m, why, sizeof(why)), 0);
	assert_int_equal(m.kind, OVSDB_MSG_REQUEST);
	assert_string_equal(m.method, "echo");
	json_object_put(o);

	o = js("{\"method\":\"update\",\"params\":[null,{}],\"id\":null}");
	assert_int_equal(ovsdb_msg_parse(o, &m, why, sizeof(why)), 0);
	assert_int_equal(m.kind, OVSDB_MSG_NOTIFY);
	json_object_put(o);

	o = js("{\"id\":7,\"result\":[{}],\"error\":null}");
	assert_int_equal(ovsdb_msg_parse(o, &m, why, sizeof(why)), 0);
	assert_int_equal(m.kind, OVSDB_MSG_REPLY);
	assert_int_equal(m.id_num, 7);
	assert_null(m.error);
	json_object_put(o);

	o = js("{\"id\":8,\"result\":null,\"error\":\"unknown method\"}");
	assert_int_equal(ovsdb_msg_parse(o, &m, why, sizeof(why)), 0);
	assert_non_null(m.error);
	json_object_put(o);

	o = js("{\"method\":3,\"params\":[]}");
	assert_int_equal(ovsdb_msg_parse(o, &m, why, sizeof(why)), -1);
	json_object_put(o);
	o = js("{\"method\":\"x\",\"params\":{}}");
	assert_int_equal(ovsdb_msg_parse(o, &m, why, sizeof(why)), -1);
	json_object_put(o);
	o = js("{\"hello\":1}");
	assert_int_equal(ovsdb_msg_parse(o, &m, why, sizeof(why)), -1);
	json_object_put(o);
}

static void count_uuid(void *arg, const char *uuid)
{
	(*(int *)arg)++;
	assert_true(ovsdb_uuid_valid(uuid));
}

#define U1 "6b8c1a2e-0d1f-4c5a-9e3b-7f2d4a6c8e01"
#define U2 "6b8c1a2e-0d1f-4c5a-9e3b-7f2d4a6c8e02"
#define U3 "6b8c1a2e-0d1f-4c5a-9e3b-7f2d4a6c8e03"
#define U4 "6b8c1a2e-0d1f-4c5a-9e3b-7f2d4a6c8e04"
#define U5 "6b8c1a2e-0d1f-4c5a-9e3b-7f2d4a6c8e05"
#define U6 "6b8c1a2e-0d1f-4c5a-9e3b-7f2d4a6c8e06"
#define UR "0b8c1a2e-0d1f-4c5a-9e3b-7f2d4a6c8e00"

static void test_datums(void **state __attribute__((unused)))
{
	struct json_object *o;
	int n;

	o = js("\"dst-ip\"");
	assert_string_equal(ovsdb_datum_string(o), "dst-ip");
	json_object_put(o);
	o = js("[\"set\",[]]");
	assert_null(ovsdb_datum_string(o));
	json_object_put(o);
	o = js("[\"set\",[\"lrp0\"]]");
	assert_string_equal(ovsdb_datum_string(o), "lrp0");
	json_object_put(o);

	o = js("[\"map\",[[\"a\",\"1\"],[\"vnetrs-agent\",\"hv1\"]]]");
	assert_string_equal(ovsdb_datum_map_get(o, "vnetrs-agent"), "hv1");
	assert_null(ovsdb_datum_map_get(o, "b"));
	json_object_put(o);
	o = js("[\"map\",[]]");
	assert_null(ovsdb_datum_map_get(o, "vnetrs-agent"));
	json_object_put(o);

	n = 0;
	o = js("[\"set\",[[\"uuid\",\"" U1 "\"],[\"uuid\",\"" U2 "\"]]]");
	assert_int_equal(ovsdb_datum_uuids(o, count_uuid, &n), 0);
	assert_int_equal(n, 2);
	json_object_put(o);
	n = 0;
	o = js("[\"uuid\",\"" U1 "\"]");
	assert_int_equal(ovsdb_datum_uuids(o, count_uuid, &n), 0);
	assert_int_equal(n, 1);
	json_object_put(o);
	o = js("[\"set\",[[\"uuid\",\"not-a-uuid\"]]]");
	assert_int_equal(ovsdb_datum_uuids(o, count_uuid, &n), -1);
	json_object_put(o);
	assert_false(ovsdb_uuid_valid("6b8c1a2e-0d1f-4c5a-9e3b-7f2d4a6c8e0"));
	assert_false(ovsdb_uuid_valid("6b8c1a2e+0d1f-4c5a-9e3b-7f2d4a6c8e01"));
}

static void test_txn_check(void **state __attribute__((unused)))
{
	struct json_object *r;
	char why[256];

	r = js("[{},{\"uuid\":[\"uuid\",\"" U1 "\"]},{\"count\":1}]");
	assert_int_equal(ovsdb_txn_check(r, NULL, 3, why, sizeof(why)), 0);
	/* Fewer results than operations: not done. */
	assert_int_equal(ovsdb_txn_check(r, NULL, 4, why, sizeof(why)), -1);
	json_object_put(r);

	r = js("[{\"error\":\"timed out\",\"details\":\"\\\"wait\\\" timed "
	       "out\"},null,null]");
	assert_int_equal(ovsdb_txn_check(r, NULL, 3, why, sizeof(why)), -1);
	assert_string_equal(why, "operation 1: timed out (\"wait\" timed out)");
	json_object_put(r);

	r = js("[{},{},{\"error\":\"referential integrity violation\"}]");
	assert_int_equal(ovsdb_txn_check(r, NULL, 2, why, sizeof(why)), -1);
	assert_string_equal(why, "commit: referential integrity violation");
	json_object_put(r);

	r = js("{\"error\":\"unknown database\",\"details\":\"X\"}");
	assert_int_equal(ovsdb_txn_check(NULL, r, 2, why, sizeof(why)), -1);
	assert_string_equal(why, "unknown database (X)");
	json_object_put(r);
}

static void test_remotes(void **state __attribute__((unused)))
{
	struct agent_tls_config tls = {0};
	struct agent_endpoint ep;
	char why[160];

	assert_int_equal(ovsdb_remote_parse("unix:/run/ovn/ovnnb_db.sock", &ep,
					    &tls, why, sizeof(why)),
			 0);
	assert_int_equal(ep.kind, AGENT_TP_UNIX);
	assert_string_equal(ep.spec, "/run/ovn/ovnnb_db.sock");

	assert_int_equal(ovsdb_remote_parse("tcp:192.0.2.1:6641", &ep, &tls,
					    why, sizeof(why)),
			 0);
	assert_int_equal(ep.kind, AGENT_TP_TCP);
	assert_string_equal(ep.host, "192.0.2.1");
	assert_string_equal(ep.port, "6641");

	assert_int_equal(ovsdb_remote_parse("ssl:[2001:db8::1]:6641", &ep, &tls,
					    why, sizeof(why)),
			 0);
	assert_int_equal(ep.kind, AGENT_TP_TLS);
	assert_true(ep.ovs_tls);
	assert_string_equal(ep.host, "2001:db8::1");

	assert_int_equal(ovsdb_remote_parse("tcp:192.0.2.1", &ep, &tls, why,
					    sizeof(why)),
			 -1);
	assert_int_equal(ovsdb_remote_parse("tcp:2001:db8::1:6641", &ep, &tls,
					    why, sizeof(why)),
			 -1);
	assert_non_null(strstr(why, "brackets"));
	assert_int_equal(ovsdb_remote_parse("tcp:192.0.2.1:70000", &ep, &tls,
					    why, sizeof(why)),
			 -1);
	assert_int_equal(
		ovsdb_remote_parse("unix:", &ep, &tls, why, sizeof(why)), -1);
	assert_int_equal(ovsdb_remote_parse("/run/ovn/ovnnb_db.sock", &ep, &tls,
					    why, sizeof(why)),
			 -1);
	assert_int_equal(
		ovsdb_remote_parse("ptcp:6641", &ep, &tls, why, sizeof(why)),
		-1);
}

static void test_remote_lists(void **state __attribute__((unused)))
{
	struct agent_tls_config tls = {0};
	struct ovsdb_remotes r;
	char why[160];

	assert_int_equal(ovsdb_remotes_parse(&r,
					     "tcp:192.0.2.1:6641,tcp:192.0.2.2:"
					     "6641,unix:/run/ovn/nb.sock",
					     &tls, why, sizeof(why)),
			 0);
	assert_int_equal(r.n, 3);
	assert_string_equal(r.name[1], "tcp:192.0.2.2:6641");
	assert_string_equal(r.ep[1].host, "192.0.2.2");
	assert_string_equal(r.ep[2].spec, "/run/ovn/nb.sock");
	assert_false(ovsdb_remotes_tls(&r));
	ovsdb_remotes_free(&r);

	assert_int_equal(ovsdb_remotes_parse(&r, "unix:/a,ssl:192.0.2.1:6641",
					     &tls, why, sizeof(why)),
			 0);
	assert_true(ovsdb_remotes_tls(&r));
	ovsdb_remotes_free(&r);

	assert_int_equal(ovsdb_remotes_parse(&r, "unix:/a,bogus", &tls, why,
					     sizeof(why)),
			 -1);
	assert_string_equal(why,
			    "bogus: expected unix:PATH, tcp:IP:PORT or "
			    "ssl:IP:PORT");
	assert_int_equal(r.n, 0);
	assert_int_equal(
		ovsdb_remotes_parse(&r, "unix:/a,", &tls, why, sizeof(why)),
		-1);
	assert_int_equal(ovsdb_remotes_parse(&r,
					     "unix:/1,unix:/2,unix:/3,unix:/4,"
					     "unix:/5,unix:/6,unix:/7,unix:/8,"
					     "unix:/9",
					     &tls, why, sizeof(why)),
			 -1);
	assert_string_equal(why, "at most 8 remotes");
}

static void test_request_encoding(void **state __attribute__((unused)))
{
	struct json_object *p = json_object_new_array();
	size_t len;
	char *s;

	json_object_array_add(p, json_object_new_string("OVN_Northbound"));
	json_object_array_add(p, ovsdb_where_uuid(U1));
	json_object_array_add(p, ovsdb_map1_new("vnetrs-agent", "hv1"));
	json_object_array_add(p, ovsdb_set_new(json_object_new_array()));
	json_object_array_add(p, ovsdb_named_uuid_new("r0"));
	s = ovsdb_request_str("transact", p, 42, &len);
	assert_string_equal(
		s,
		"{\"method\":\"transact\",\"params\":[\"OVN_Northbound\","
		"[[\"_uuid\",\"==\",[\"uuid\",\"" U1
		"\"]]],"
		"[\"map\",[[\"vnetrs-agent\",\"hv1\"]]],[\"set\",[]],"
		"[\"named-uuid\",\"r0\"]],\"id\":42}");
	assert_int_equal(len, strlen(s));
	free(s);
}

/* --- the backend's decisions --------------------------------------------- */

struct events {
	int own_gone, foreign_added, foreign_gone, reconnect;
	char last[VNETRS_PREFIX_STRLEN];
};

static void on_event(void *arg, enum agent_backend_event ev,
		     const struct vnetrs_prefix *p,
		     const char *what __attribute__((unused)))
{
	struct events *e = arg;

	if (p)
		vnetrs_prefix2str(p, e->last, sizeof(e->last));
	e->own_gone += ev == AGENT_EV_OWN_GONE;
	e->foreign_added += ev == AGENT_EV_FOREIGN_ADDED;
	e->foreign_gone += ev == AGENT_EV_FOREIGN_GONE;
	e->reconnect += ev == AGENT_EV_RECONNECT;
}

static const struct agent_backend_cb event_cb = {.event = on_event};

static const char initial[] =
	"{\"Logical_Router\":{\"" UR
	"\":{\"new\":{\"name\":\"lr0\","
	"\"static_routes\":[\"set\",[[\"uuid\",\"" U1 "\"],[\"uuid\",\"" U2
	"\"],[\"uuid\",\"" U3 "\"],[\"uuid\",\"" U4 "\"],[\"uuid\",\"" U5
	"\"]]]}}},"
	"\"Logical_Router_Static_Route\":{"
	/* ours: 10.250.0.0/16 via .4 and .5 (ECMP) */
	"\"" U1
	"\":{\"new\":{\"ip_prefix\":\"10.250.0.0/16\",\"nexthop\":"
	"\"10.1.1.4\",\"policy\":\"dst-ip\",\"route_table\":\"\","
	"\"output_port\":[\"set\",[]],\"external_ids\":[\"map\",[["
	"\"vnetrs-agent\",\"hv1\"]]]}},"
	"\"" U2
	"\":{\"new\":{\"ip_prefix\":\"10.250.0.0/16\",\"nexthop\":"
	"\"10.1.1.5\",\"policy\":[\"set\",[]],\"route_table\":\"\","
	"\"output_port\":[\"set\",[]],\"external_ids\":[\"map\",[["
	"\"vnetrs-agent\",\"hv1\"]]]}},"
	/* ours: IPv6 */
	"\"" U3
	"\":{\"new\":{\"ip_prefix\":\"2001:db8:99::/48\",\"nexthop\":"
	"\"2001:db8:1::4\",\"policy\":\"dst-ip\",\"route_table\":\"\","
	"\"output_port\":[\"set\",[]],\"external_ids\":[\"map\",[["
	"\"vnetrs-agent\",\"hv1\"]]]}},"
	/* an operator's: 192.168.0.0/16 */
	"\"" U4
	"\":{\"new\":{\"ip_prefix\":\"192.168.0.0/16\",\"nexthop\":"
	"\"10.1.1.99\",\"policy\":[\"set\",[]],\"route_table\":\"\","
	"\"output_port\":[\"set\",[]],\"external_ids\":[\"map\",[]]}},"
	/* another agent's host route (ovn-nbctl's form: no /32) */
	"\"" U5
	"\":{\"new\":{\"ip_prefix\":\"10.9.9.9\",\"nexthop\":"
	"\"10.1.1.98\",\"policy\":\"dst-ip\",\"route_table\":\"\","
	"\"output_port\":[\"set\",[]],\"external_ids\":[\"map\",[["
	"\"vnetrs-agent\",\"hv2\"]]]}},"
	/* ours, but on no router we care about: not listed */
	"\"" U6
	"\":{\"new\":{\"ip_prefix\":\"10.6.0.0/16\",\"nexthop\":"
	"\"10.1.1.4\",\"policy\":\"dst-ip\",\"route_table\":\"\","
	"\"output_port\":[\"set\",[]],\"external_ids\":[\"map\",[["
	"\"vnetrs-agent\",\"hv1\"]]]}}}}";

static struct agent_ovn *backend_new(struct events *ev)
{
	struct agent_ovn_config cfg = {
		.remote = "unix:/nonexistent",
		.router = "lr0",
		.owner = "hv1",
		.metric = 20,
	};
	char err[128];
	struct agent_backend *b =
		agent_backend_ovn_open(&cfg, &event_cb, ev, err, sizeof(err));
	struct agent_ovn *o = ovn_of(b);
	struct json_object *tu = js(initial);

	assert_non_null(b);
	assert_int_equal(apply_updates(o, tu, true), 0);
	o->synced = true;
	json_object_put(tu);
	return o;
}

static struct vnetrs_prefix pfx(const char *s)
{
	struct vnetrs_prefix p;
	char err[128];

	if (vnetrs_prefix_parse(s, &p, err, sizeof(err)))
		fail_msg("%s: %s", s, err);
	return p;
}

static struct vnetrs_prefix host(const char *s)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%s/%d", s, strchr(s, ':') ? 128 : 32);
	return pfx(buf);
}

static struct agent_route *route(const char *prefix, const char *nh1,
				 const char *nh2)
{
	struct vnetrs_prefix p = pfx(prefix), nh[2];
	size_t n = 0;

	if (nh1)
		nh[n++] = host(nh1);
	if (nh2)
		nh[n++] = host(nh2);
	return agent_route_new(&p, VNETRS_SOURCE_NVA, nh, n);
}

static void test_backend_dump(void **state __attribute__((unused)))
{
	struct events ev = {0};
	struct agent_ovn *o = backend_new(&ev);
	struct agent_table t;
	char buf[256];

	agent_table_init(&t);
	assert_int_equal(ovn_dump(&o->base, &t), 0);
	/* Ours only, grouped per prefix: neither the operator's nor the
	 * other agent's nor a row on no router. */
	assert_int_equal(t.n, 2);
	assert_string_equal(agent_route2str(t.r[0], buf, sizeof(buf)),
			    "10.250.0.0/16 via 10.1.1.4,10.1.1.5");
	assert_int_equal(t.r[0]->metric, 20);
	assert_false(t.r[0]->odd);
	assert_string_equal(agent_route2str(t.r[1], buf, sizeof(buf)),
			    "2001:db8:99::/48 via 2001:db8:1::4");
	assert_int_equal(o->rstate, ROUTER_OK);
	assert_int_equal(ev.own_gone + ev.foreign_added + ev.reconnect, 0);
	agent_table_clear(&t);
	ovn_close(&o->base);
}

/* The transaction op_build() makes for one operation, as text. */
static const char *build(struct agent_ovn *o, enum agent_op_type type,
			 struct agent_route *r, enum agent_op_result *res,
			 size_t *rows)
{
	static char out[4096];
	struct agent_op op = {.type = type, .route = r, .metric = 20};
	struct txn_build tb;
	struct pfx_row *ix;
	size_t nix;

	ix = pfx_index(o, &nix);
	txn_begin(o, &tb, 0);
	op_build(o, &tb, &op, ix, nix);
	*res = op.result;
	*rows = tb.rows;
	snprintf(
		out, sizeof(out), "%s %s %s",
		json_object_to_json_string_ext(
			tb.ops, JSON_C_TO_STRING_PLAIN |
					JSON_C_TO_STRING_NOSLASHESCAPE),
		json_object_to_json_string_ext(tb.ins, JSON_C_TO_STRING_PLAIN),
		json_object_to_json_string_ext(tb.del, JSON_C_TO_STRING_PLAIN));
	json_object_put(tb.ops);
	json_object_put(tb.ins);
	json_object_put(tb.del);
	free(tb.t.dels);
	free(ix);
	agent_route_free(r);
	return out;
}

#define WAIT_OP                                                                \
	"[\"OVN_Northbound\",{\"op\":\"wait\",\"timeout\":0,\"table\":"        \
	"\"Logical_Router\",\"where\":[[\"_uuid\",\"==\",[\"uuid\",\"" UR      \
	"\"]]],\"columns\":[\"name\"],\"until\":\"==\",\"rows\":[{\"name\":"   \
	"\"lr0\"}]}"

static void test_backend_ops(void **state __attribute__((unused)))
{
	struct events ev = {0};
	struct agent_ovn *o = backend_new(&ev);
	enum agent_op_result res;
	size_t rows;
	const char *s;

	/* A new prefix: one insert per next hop, marked. */
	s = build(o, AGENT_OP_ADD, route("10.7.0.0/16", "10.1.1.4", "10.1.1.6"),
		  &res, &rows);
	assert_int_equal(res, AGENT_OP_DONE);
	assert_int_equal(rows, 2);
	assert_string_equal(
		s, WAIT_OP
		",{\"op\":\"insert\",\"table\":\"Logical_Router_Static_Route\","
		"\"row\":{\"ip_prefix\":\"10.7.0.0/16\",\"nexthop\":"
		"\"10.1.1.4\",\"policy\":\"dst-ip\",\"external_ids\":[\"map\","
		"[[\"vnetrs-agent\",\"hv1\"]]]},\"uuid-name\":\"r0\"},"
		"{\"op\":\"insert\",\"table\":\"Logical_Router_Static_Route\","
		"\"row\":{\"ip_prefix\":\"10.7.0.0/16\",\"nexthop\":"
		"\"10.1.1.6\",\"policy\":\"dst-ip\",\"external_ids\":[\"map\","
		"[[\"vnetrs-agent\",\"hv1\"]]]},\"uuid-name\":\"r1\"}] "
		"[[\"named-uuid\",\"r0\"],[\"named-uuid\",\"r1\"]] []");

	/* The operator's prefix: taken, nothing written. */
	s = build(o, AGENT_OP_ADD, route("192.168.0.0/16", "10.1.1.7", NULL),
		  &res, &rows);
	assert_int_equal(res, AGENT_OP_TAKEN);
	assert_int_equal(rows, 0);
	s = build(o, AGENT_OP_REPLACE,
		  route("192.168.0.0/16", "10.1.1.7", NULL), &res, &rows);
	assert_int_equal(res, AGENT_OP_TAKEN);

	/* Another agent's row is another owner's too. */
	s = build(o, AGENT_OP_ADD, route("10.9.9.9/32", "10.1.1.7", NULL), &res,
		  &rows);
	assert_int_equal(res, AGENT_OP_TAKEN);

	/* ECMP .4,.5 -> .5,.6: the row of .5 stays, .4's goes, .6 comes. */
	s = build(o, AGENT_OP_REPLACE,
		  route("10.250.0.0/16", "10.1.1.5", "10.1.1.6"), &res, &rows);
	assert_int_equal(res, AGENT_OP_DONE);
	assert_int_equal(rows, 2);
	assert_non_null(strstr(s, "\"nexthop\":\"10.1.1.6\""));
	assert_null(strstr(s, "\"nexthop\":\"10.1.1.5\""));
	assert_non_null(strstr(s, "[[\"uuid\",\"" U1 "\"]]"));
	/* Its removal is remembered as ours. */
	assert_true(row_find(o, U1)->deleting);
	row_find(o, U1)->deleting = false;

	/* A delete removes our rows of the prefix, only those. */
	s = build(o, AGENT_OP_DELETE, route("10.250.0.0/16", "10.1.1.4", NULL),
		  &res, &rows);
	assert_int_equal(res, AGENT_OP_DONE);
	assert_int_equal(rows, 2);
	assert_non_null(
		strstr(s, "[[\"uuid\",\"" U1 "\"],[\"uuid\",\"" U2 "\"]]"));
	row_find(o, U1)->deleting = row_find(o, U2)->deleting = false;
	s = build(o, AGENT_OP_DELETE,
		  route("192.168.0.0/16", "10.1.1.99", NULL), &res, &rows);
	assert_int_equal(rows, 0);

	/* IPv6. */
	s = build(o, AGENT_OP_REPLACE,
		  route("2001:db8:99::/48", "2001:db8:1::5", NULL), &res,
		  &rows);
	assert_int_equal(rows, 2);
	assert_non_null(strstr(s, "\"nexthop\":\"2001:db8:1::5\""));
	assert_non_null(strstr(s, "[[\"uuid\",\"" U3 "\"]]"));
	ovn_close(&o->base);
}

static void update(struct agent_ovn *o, const char *tu)
{
	struct json_object *j = js(tu);

	assert_int_equal(apply_updates(o, j, false), 0);
	json_object_put(j);
}

static void test_backend_events(void **state __attribute__((unused)))
{
	struct events ev = {0};
	struct agent_ovn *o = backend_new(&ev);
	struct agent_table t;

	/* Our own removal: no event. */
	row_find(o, U1)->deleting = true;
	update(o, "{\"Logical_Router_Static_Route\":{\"" U1
		  "\":{\"old\":{\"nexthop\":\"10.1.1.4\"}}}}");
	assert_int_equal(ev.own_gone, 0);
	assert_int_equal(o->base.stats.own_events, 1);
	/* Someone else's removal of ours: reported. */
	update(o, "{\"Logical_Router_Static_Route\":{\"" U3
		  "\":{\"old\":{\"nexthop\":\"2001:db8:1::4\"}}}}");
	assert_int_equal(ev.own_gone, 1);
	assert_string_equal(ev.last, "2001:db8:99::/48");
	/* A row of ours changed by someone else: reported. */
	update(o, "{\"Logical_Router_Static_Route\":{\"" U2
		  "\":{\"old\":{\"nexthop\":\"10.1.1.5\"},\"new\":{"
		  "\"ip_prefix\":\"10.250.0.0/16\",\"nexthop\":\"10.1.1.50\","
		  "\"policy\":\"dst-ip\",\"route_table\":\"\",\"output_port\":"
		  "[\"set\",[]],\"external_ids\":[\"map\",[[\"vnetrs-agent\","
		  "\"hv1\"]]]}}}}");
	assert_int_equal(ev.own_gone, 2);
	/* The operator's row goes: reported as foreign. */
	update(o,
	       "{\"Logical_Router_Static_Route\":{\"" U4 "\":{\"old\":{}}}}");
	assert_int_equal(ev.foreign_gone, 1);
	assert_string_equal(ev.last, "192.168.0.0/16");
	/* The router renamed: missing; back: a reconnect event. */
	update(o, "{\"Logical_Router\":{\"" UR
		  "\":{\"old\":{\"name\":"
		  "\"lr0\"},\"new\":{\"name\":\"other\",\"static_routes\":"
		  "[\"set\",[[\"uuid\",\"" U2 "\"]]]}}}}");
	assert_int_equal(o->rstate, ROUTER_MISSING);
	agent_table_init(&t);
	assert_int_equal(ovn_dump(&o->base, &t), -1);
	update(o, "{\"Logical_Router\":{\"" UR
		  "\":{\"old\":{\"name\":"
		  "\"other\"},\"new\":{\"name\":\"lr0\",\"static_routes\":"
		  "[\"set\",[[\"uuid\",\"" U2 "\"]]]}}}}");
	assert_int_equal(o->rstate, ROUTER_OK);
	assert_int_equal(ev.reconnect, 1);
	assert_int_equal(ovn_dump(&o->base, &t), 0);
	assert_int_equal(t.n, 1);
	agent_table_clear(&t);
	/* Malformed updates are refused. */
	{
		struct json_object *j =
			js("{\"Logical_Router_Static_Route\":"
			   "{\"bad-uuid\":{\"new\":{}}}}");

		assert_int_equal(apply_updates(o, j, false), -1);
		json_object_put(j);
	}
	ovn_close(&o->base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_framing_chunks),
		cmocka_unit_test(test_framing_bad),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_datums),
		cmocka_unit_test(test_txn_check),
		cmocka_unit_test(test_remotes),
		cmocka_unit_test(test_remote_lists),
		cmocka_unit_test(test_request_encoding),
		cmocka_unit_test(test_backend_dump),
		cmocka_unit_test(test_backend_ops),
		cmocka_unit_test(test_backend_events),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
