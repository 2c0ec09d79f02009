// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of vnetrs-agent's tables (agent/agent_table.c): routes and
 * their text, batches applied to an instance's table, the merge of two
 * instances, and the kernel operations diffs produce; and which instances
 * count in the merge, with the settling rule and --keep-routes
 * (agent/agent_members.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent/agent_members.h"
#include "agent/agent_table.h"

#define UNUSED __attribute__((unused))

static struct vnetrs_prefix P(const char *s) {
	struct vnetrs_prefix p;
	char err[128];

	if (vnetrs_prefix_parse(s, &p, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	return p;
}

/* "10.1.1.4,10.1.1.6" (hosts, without length), "local" or "" (none). */
static struct agent_route *
R(const char *prefix, const char *nhs)
{
	struct vnetrs_prefix p = P(prefix), nh[16];
	char buf[512], *tok, *save = NULL;
	size_t n = 0;

	if (!strcmp(nhs, "local"))
		return agent_route_new(&p, VNETRS_SOURCE_LOCAL, NULL, 0);
	snprintf(buf, sizeof(buf), "%s", nhs);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		char host[64];

		snprintf(host, sizeof(host), "%s/%d", tok,
			 strchr(tok, ':') ? 128 : 32);
		assert_true(n < 16);
		nh[n++] = P(host);
	}
	return agent_route_new(&p, VNETRS_SOURCE_NVA, nh, n);
}

/* A kernel route, with its metric. */
static struct agent_route *K(const char *prefix, const char *nhs,
			     uint32_t metric)
{
	struct agent_route *r = R(prefix, nhs);

	r->source = VNETRS_SOURCE_OTHER;
	r->metric = metric;
	return r;
}

static const char *str(const struct agent_route *r)
{
	static char buf[512];

	return r ? agent_route2str(r, buf, sizeof(buf)) : "(none)";
}

/* A table of an instance, from a snapshot of the routes given. */
static void snap(struct agent_table *t, struct agent_route **routes, size_t n)
{
	struct agent_batch b;
	size_t i;

	agent_batch_init(&b);
	for (i = 0; i < n; i++)
		agent_batch_add(&b, routes[i]);
	agent_table_apply(t, &b, true, NULL);
	assert_int_equal(b.n, 0);
}

/* The table as text, one route per line. */
static char *dump(const struct agent_table *t)
{
	static char text[4096];
	FILE *f = fmemopen(text, sizeof(text), "w");

	assert_non_null(f);
	agent_table_print(f, t);
	fclose(f);
	return text;
}

/* The operations as text: "add 10.0.0.0/8 via 1.1.1.1;delete ... m 5;" */
static char *ops_text(const struct agent_ops *ops)
{
	static char text[4096];
	size_t i, used = 0;

	text[0] = '\0';
	for (i = 0; i < ops->n; i++) {
		used += (size_t)snprintf(
			text + used, sizeof(text) - used, "%s %s m %u;",
			agent_op2str(ops->o[i].type), str(ops->o[i].route),
			ops->o[i].metric);
		assert_true(used < sizeof(text));
	}
	return text;
}

/* The prefixes, separated by spaces. */
static char *plist_text(const struct agent_plist *l)
{
	static char text[4096];
	char pbuf[VNETRS_PREFIX_STRLEN];
	size_t i, used = 0;

	text[0] = '\0';
	for (i = 0; i < l->n; i++) {
		used += (size_t)snprintf(
			text + used, sizeof(text) - used, "%s%s", i ? " " : "",
			vnetrs_prefix2str(&l->p[i], pbuf, sizeof(pbuf)));
		assert_true(used < sizeof(text));
	}
	return text;
}

/* --- routes --------------------------------------------------------------- */

static void test_route_new(void **state UNUSED)
{
	struct agent_route *r =
		R("10.250.0.0/16", "10.1.1.6,10.1.1.4,fd00::1,10.1.1.6");
	struct agent_route *l = R("10.1.0.0/16", "local");
	struct agent_route *same =
		R("10.250.0.0/16", "fd00::1,10.1.1.4,10.1.1.6");
	struct agent_route *other = R("10.250.0.0/16", "10.1.1.4,10.1.1.6");
	struct agent_route *d;

	/* Sorted (IPv4 first), duplicates gone, host lengths. */
	assert_int_equal(r->n_nh, 3);
	assert_int_equal(r->nh[0].len, 32);
	assert_int_equal(r->nh[2].len, 128);
	assert_string_equal(str(r),
			    "10.250.0.0/16 via 10.1.1.4,10.1.1.6,fd00::1");
	assert_string_equal(str(l), "10.1.0.0/16 local");
	assert_true(agent_route_programmable(r));
	assert_false(agent_route_programmable(l));
	assert_false(agent_route_programmable(NULL));
	assert_true(agent_route_same_nh(r, same));
	assert_false(agent_route_same_nh(r, other));

	/* A kernel route the agent would not program differs always. */
	d = agent_route_dup(same);
	assert_true(agent_route_same_nh(r, d));
	d->odd = true;
	assert_false(agent_route_same_nh(r, d));

	agent_route_free(r);
	agent_route_free(l);
	agent_route_free(same);
	agent_route_free(other);
	agent_route_free(d);
}

static void test_route_str(void **state UNUSED)
{
	struct agent_route *r = R("fd00:10::/64", "fe80::1,fd00::4");
	struct vnetrs_prefix p = P("10.9.0.0/16");
	struct agent_route *none =
		agent_route_new(&p, VNETRS_SOURCE_VPN, NULL, 0);
	char small[16];
	char *text;
	size_t size;
	FILE *f;

	assert_string_equal(str(r), "fd00:10::/64 via fd00::4,fe80::1");
	assert_string_equal(str(none), "10.9.0.0/16 vpn without next hop");
	/* Cut, and said so. */
	agent_route2str(r, small, sizeof(small));
	assert_string_equal(small, "fd00:10::/64...");
	assert_int_equal(strlen(small), sizeof(small) - 1);

	f = open_memstream(&text, &size);
	agent_route_print(f, r);
	agent_route_print(f, none);
	fclose(f);
	assert_string_equal(text,
			    "fd00:10::/64 via fd00::4,fe80::1\n"
			    "10.9.0.0/16 vpn without next hop\n");
	free(text);
	agent_route_free(r);
	agent_route_free(none);
}

/* --- batches -------------------------------------------------------------- */

static void test_snapshot(void **state UNUSED)
{
	struct agent_table t;
	struct agent_batch b;
	struct agent_plist changed;
	struct agent_route *first[] = {
		R("10.250.0.0/16", "10.1.1.4"),
		R("10.1.0.0/16", "local"),
		R("fd00:1::/64", "fd00::4,fd00::5"),
	};
	struct vnetrs_prefix p;

	agent_table_init(&t);
	snap(&t, first, 3);
	/* Sorted by prefix (family, address, length). */
	assert_string_equal(dump(&t),
			    "10.1.0.0/16 local\n"
			    "10.250.0.0/16 via 10.1.1.4\n"
			    "fd00:1::/64 via fd00::4,fd00::5\n");
	assert_int_equal(agent_table_programmable(&t), 2);
	p = P("10.99.0.0/16");
	assert_null(agent_table_find(&t, &p));
	assert_non_null(agent_table_find(&t, &first[0]->prefix));

	/* A second snapshot replaces everything. */
	agent_batch_init(&b);
	agent_plist_init(&changed);
	agent_batch_add(&b, R("10.250.0.0/16", "10.1.1.6"));
	agent_batch_add(&b, R("10.2.0.0/16", "local"));
	agent_table_apply(&t, &b, true, &changed);
	assert_string_equal(dump(&t),
			    "10.2.0.0/16 local\n"
			    "10.250.0.0/16 via 10.1.1.6\n");
	/* Named and dropped prefixes alike, sorted. */
	assert_string_equal(plist_text(&changed),
			    "10.1.0.0/16 10.2.0.0/16 "
			    "10.250.0.0/16 fd00:1::/64");
	agent_plist_clear(&changed);

	/* An empty snapshot empties the table. */
	agent_table_apply(&t, &b, true, NULL);
	assert_int_equal(t.n, 0);
	agent_table_clear(&t);
	agent_batch_clear(&b);
}

static void test_incremental(void **state UNUSED)
{
	struct agent_table t;
	struct agent_batch b;
	struct agent_plist changed;
	struct agent_route *routes[] = {
		R("10.250.0.0/16", "10.1.1.4"),
		R("10.251.0.0/16", "10.1.1.4"),
		R("10.252.0.0/16", "10.1.1.4"),
		R("10.253.0.0/16", "10.1.1.4"),
	};
	const struct agent_route *kept = routes[3];
	struct vnetrs_prefix p;

	agent_table_init(&t);
	snap(&t, routes, 4);

	agent_batch_init(&b);
	agent_plist_init(&changed);
	/* Replace, delete, delete a prefix not there, add, add then delete,
	 * delete then add. */
	agent_batch_add(&b, R("10.250.0.0/16", "10.1.1.4,10.1.1.6"));
	p = P("10.251.0.0/16");
	agent_batch_del(&b, &p);
	p = P("10.99.0.0/16");
	agent_batch_del(&b, &p);
	agent_batch_add(&b, R("10.9.0.0/16", "10.1.1.5"));
	agent_batch_add(&b, R("10.8.0.0/16", "10.1.1.5"));
	p = P("10.8.0.0/16");
	agent_batch_del(&b, &p);
	p = P("10.252.0.0/16");
	agent_batch_del(&b, &p);
	agent_batch_add(&b, R("10.252.0.0/16", "10.1.1.7"));
	assert_int_equal(b.adds, 4);
	assert_int_equal(b.dels, 4);
	agent_table_apply(&t, &b, false, &changed);

	assert_string_equal(dump(&t),
			    "10.9.0.0/16 via 10.1.1.5\n"
			    "10.250.0.0/16 via 10.1.1.4,10.1.1.6\n"
			    "10.252.0.0/16 via 10.1.1.7\n"
			    "10.253.0.0/16 via 10.1.1.4\n");
	/* A route the batch does not name is the same route. */
	assert_ptr_equal(agent_table_find(&t, &kept->prefix), kept);
	/* Every prefix named, once, sorted. */
	assert_string_equal(plist_text(&changed),
			    "10.8.0.0/16 10.9.0.0/16 10.99.0.0/16 "
			    "10.250.0.0/16 10.251.0.0/16 10.252.0.0/16");
	agent_plist_clear(&changed);

	/* A partial batch dropped changes nothing. */
	agent_batch_add(&b, R("10.7.0.0/16", "10.1.1.5"));
	agent_batch_clear(&b);
	assert_int_equal(t.n, 4);

	agent_table_clear(&t);
}

/* --- merging -------------------------------------------------------------- */

static void test_merge(void **state UNUSED)
{
	struct agent_table a, b, m;
	const struct agent_table *tabs[] = {&a, &b};
	const struct agent_table *only_b[] = {NULL, &b};
	struct agent_route *ra[] = {
		R("10.1.0.0/16", "local"),
		R("10.2.0.0/16", "local"),
		R("10.250.0.0/16", "10.1.1.4"),
		R("10.251.0.0/16", "10.1.1.4,10.1.1.5"),
		R("fd00:1::/64", "fd00::4"),
	};
	struct agent_route *rb[] = {
		R("10.1.0.0/16", "local"),
		R("10.2.0.0/16", "10.1.1.9"),
		R("10.250.0.0/16", "10.1.1.6"),
		R("10.251.0.0/16", "10.1.1.5,10.1.1.4"),
		R("10.252.0.0/16", "10.1.1.6"),
		R("fd00:1::/64", "fd00::6"),
	};
	struct agent_route *one;
	struct vnetrs_prefix p;

	agent_table_init(&a);
	agent_table_init(&b);
	agent_table_init(&m);
	snap(&a, ra, 5);
	snap(&b, rb, 6);

	agent_merge_all(tabs, 2, &m);
	assert_string_equal(dump(&m),
			    "10.1.0.0/16 local\n"
			    /* local in one, next hops in the other */
			    "10.2.0.0/16 via 10.1.1.9\n"
			    "10.250.0.0/16 via 10.1.1.4,10.1.1.6\n"
			    "10.251.0.0/16 via 10.1.1.4,10.1.1.5\n"
			    "10.252.0.0/16 via 10.1.1.6\n"
			    "fd00:1::/64 via fd00::4,fd00::6\n");
	assert_int_equal(m.r[1]->source, VNETRS_SOURCE_NVA);
	assert_int_equal(m.r[0]->source, VNETRS_SOURCE_LOCAL);

	/* One prefix at a time gives the same. */
	one = agent_merge_one(tabs, 2, &ra[2]->prefix);
	assert_string_equal(str(one), "10.250.0.0/16 via 10.1.1.4,10.1.1.6");
	agent_route_free(one);
	p = P("10.99.0.0/16");
	assert_null(agent_merge_one(tabs, 2, &p));

	/* An instance without a table counts for nothing. */
	agent_merge_all(only_b, 2, &m);
	assert_string_equal(dump(&m),
			    "10.1.0.0/16 local\n"
			    "10.2.0.0/16 via 10.1.1.9\n"
			    "10.250.0.0/16 via 10.1.1.6\n"
			    "10.251.0.0/16 via 10.1.1.4,10.1.1.5\n"
			    "10.252.0.0/16 via 10.1.1.6\n"
			    "fd00:1::/64 via fd00::6\n");
	agent_merge_all(only_b, 1, &m);
	assert_int_equal(m.n, 0);

	agent_table_clear(&a);
	agent_table_clear(&b);
	agent_table_clear(&m);
}

/* --- diffs ---------------------------------------------------------------- */

static void test_kernel_sort(void **state UNUSED)
{
	struct agent_table k, want;
	struct agent_ops ops;
	struct agent_route *w[] = {
		R("10.250.0.0/16", "10.1.1.4,10.1.1.6"),
	};

	agent_table_init(&k);
	agent_table_init(&want);
	agent_ops_init(&ops);
	agent_kernel_add(&k, K("fd00:1::/64", "fd00::6", 20));
	agent_kernel_add(&k, K("10.250.0.0/16", "10.1.1.4", 30));
	agent_kernel_add(&k, K("10.250.0.0/16", "10.1.1.4,10.1.1.6", 20));
	agent_kernel_add(&k, K("10.250.0.0/16", "10.1.1.9", 20));
	agent_kernel_sort(&k);
	/* By prefix then metric; two routes of one metric stay two. */
	assert_int_equal(k.n, 4);
	assert_int_equal(k.r[0]->metric, 20);
	assert_int_equal(k.r[1]->metric, 20);
	assert_int_equal(k.r[2]->metric, 30);
	assert_string_equal(str(k.r[3]), "fd00:1::/64 via fd00::6");
	/* The lowest metric is found first. */
	assert_ptr_equal(agent_table_find(&k, &k.r[2]->prefix), k.r[0]);

	/* Two routes of our metric (a prepended one): both go (in either
	 * order), then the wanted one is added; no duplicate stays. */
	snap(&want, w, 1);
	agent_diff(&want, &k, true, 20, &ops);
	assert_int_equal(ops.n, 5);
	assert_non_null(
		strstr(ops_text(&ops),
		       "delete 10.250.0.0/16 via 10.1.1.4,10.1.1.6 m 20;"));
	assert_non_null(strstr(ops_text(&ops),
			       "delete 10.250.0.0/16 via 10.1.1.9 m 20;"));
	assert_non_null(strstr(ops_text(&ops),
			       "m 20;delete 10.250.0.0/16 via 10.1.1.4 m 30;"
			       "add 10.250.0.0/16 via 10.1.1.4,10.1.1.6 m 20;"
			       "delete fd00:1::/64 via fd00::6 m 20;"));
	assert_int_equal(ops.deletes, 4);
	assert_int_equal(ops.adds, 1);
	agent_ops_clear(&ops);
	agent_table_clear(&k);
	agent_table_clear(&want);
}

static void test_diff_kernel(void **state UNUSED)
{
	struct agent_table want, k;
	struct agent_ops ops;
	struct agent_route *w[] = {
		R("10.1.0.0/16", "local"),
		R("10.250.0.0/16", "10.1.1.4,10.1.1.6"), /* there */
		R("10.251.0.0/16", "10.1.1.4,10.1.1.6"), /* differs */
		R("10.252.0.0/16", "10.1.1.4"),		 /* missing */
		R("10.253.0.0/16", "10.1.1.4"), /* there, other metric */
		R("10.254.0.0/16", "10.1.1.4"), /* there, odd */
		R("fd00:1::/64", "fd00::4,fd00::6"),
	};
	struct agent_route *odd = K("10.254.0.0/16", "10.1.1.4", 20);

	agent_table_init(&want);
	agent_table_init(&k);
	agent_ops_init(&ops);
	snap(&want, w, 7);
	odd->odd = true;
	agent_kernel_add(&k, K("10.1.0.0/16", "10.1.1.9", 20)); /* local now */
	agent_kernel_add(&k, K("10.250.0.0/16", "10.1.1.6,10.1.1.4", 20));
	agent_kernel_add(&k, K("10.251.0.0/16", "10.1.1.4", 20));
	agent_kernel_add(&k, K("10.253.0.0/16", "10.1.1.4", 99));
	agent_kernel_add(&k, odd);
	agent_kernel_add(&k, K("10.255.0.0/16", "10.1.1.4", 20)); /* stale */
	agent_kernel_add(&k, K("fd00:1::/64", "fd00::4,fd00::6", 20));
	agent_kernel_add(&k, K("fd00:1::/64", "fd00::4", 1024)); /* extra */
	agent_kernel_sort(&k);

	agent_diff(&want, &k, true, 20, &ops);
	assert_string_equal(ops_text(&ops),
			    "delete 10.1.0.0/16 via 10.1.1.9 m 20;"
			    "replace 10.251.0.0/16 via 10.1.1.4,10.1.1.6 m 20;"
			    "add 10.252.0.0/16 via 10.1.1.4 m 20;"
			    "delete 10.253.0.0/16 via 10.1.1.4 m 99;"
			    "add 10.253.0.0/16 via 10.1.1.4 m 20;"
			    "replace 10.254.0.0/16 via 10.1.1.4 m 20;"
			    "delete 10.255.0.0/16 via 10.1.1.4 m 20;"
			    "delete fd00:1::/64 via fd00::4 m 1024;");
	assert_int_equal(ops.adds, 2);
	assert_int_equal(ops.replaces, 2);
	assert_int_equal(ops.deletes, 4);
	/* Keeping what is stale (one instance's snapshot of two). */
	assert_int_equal(agent_ops_drop(&ops, AGENT_OP_DELETE), 4);
	assert_int_equal(ops.deletes, 0);
	assert_int_equal(ops.adds, 2);
	assert_string_equal(ops_text(&ops),
			    "replace 10.251.0.0/16 via 10.1.1.4,10.1.1.6 m 20;"
			    "add 10.252.0.0/16 via 10.1.1.4 m 20;"
			    "add 10.253.0.0/16 via 10.1.1.4 m 20;"
			    "replace 10.254.0.0/16 via 10.1.1.4 m 20;");
	agent_ops_clear(&ops);

	/* Nothing wanted: everything goes (--remove-on-exit). */
	agent_table_clear(&want);
	agent_diff(&want, &k, true, 20, &ops);
	assert_int_equal(ops.n, k.n);
	assert_int_equal(ops.deletes, k.n);
	agent_ops_clear(&ops);

	/* Converged: nothing to do. */
	agent_table_clear(&k);
	agent_diff(&want, &k, true, 20, &ops);
	assert_int_equal(ops.n, 0);
	agent_ops_clear(&ops);
}

/* One instance goes: what the other holds with the same next hops is not
 * touched. */
static void test_diff_instance_lost(void **state UNUSED)
{
	struct agent_table a, b, old, now;
	const struct agent_table *both[] = {&a, &b};
	const struct agent_table *only_b[] = {NULL, &b};
	struct agent_ops ops;
	struct agent_route *ra[] = {
		R("10.1.0.0/16", "local"),
		R("10.250.0.0/16", "10.1.1.4,10.1.1.6"),
		R("10.251.0.0/16", "10.1.1.4"),
		R("10.252.0.0/16", "10.1.1.4"),
		R("fd00:1::/64", "fd00::4,fd00::6"),
	};
	struct agent_route *rb[] = {
		R("10.1.0.0/16", "local"),
		R("10.250.0.0/16", "10.1.1.6,10.1.1.4"),
		R("10.251.0.0/16", "10.1.1.6"),
		R("fd00:1::/64", "fd00::6,fd00::4"),
	};

	agent_table_init(&a);
	agent_table_init(&b);
	agent_table_init(&old);
	agent_table_init(&now);
	agent_ops_init(&ops);
	snap(&a, ra, 5);
	snap(&b, rb, 4);
	agent_merge_all(both, 2, &old);
	agent_merge_all(only_b, 2, &now);
	agent_diff(&now, &old, false, 20, &ops);
	assert_string_equal(ops_text(&ops),
			    "replace 10.251.0.0/16 via 10.1.1.6 m 20;"
			    "delete 10.252.0.0/16 via 10.1.1.4 m 20;");

	agent_table_clear(&a);
	agent_table_clear(&b);
	agent_table_clear(&old);
	agent_table_clear(&now);
	agent_ops_clear(&ops);
}

static void test_update(void **state UNUSED)
{
	struct agent_table a, b, desired;
	const struct agent_table *tabs[] = {&a, &b};
	struct agent_batch batch;
	struct agent_plist changed;
	struct agent_ops ops;
	struct agent_route *ra[] = {
		R("10.250.0.0/16", "10.1.1.4"),
		R("10.251.0.0/16", "10.1.1.4"),
		R("10.252.0.0/16", "10.1.1.4"),
	};
	struct agent_route *rb[] = {
		R("10.250.0.0/16", "10.1.1.4"),
		R("10.252.0.0/16", "10.1.1.6"),
	};
	struct vnetrs_prefix p;

	agent_table_init(&a);
	agent_table_init(&b);
	agent_table_init(&desired);
	agent_batch_init(&batch);
	agent_plist_init(&changed);
	agent_ops_init(&ops);
	snap(&a, ra, 3);
	snap(&b, rb, 2);
	agent_merge_all(tabs, 2, &desired);

	/* Instance a: 10.250 goes (b still has it, same next hop), 10.251
	 * goes (nobody else), 10.252 changes, 10.253 and a local come. */
	p = P("10.250.0.0/16");
	agent_batch_del(&batch, &p);
	p = P("10.251.0.0/16");
	agent_batch_del(&batch, &p);
	agent_batch_add(&batch, R("10.252.0.0/16", "10.1.1.5"));
	agent_batch_add(&batch, R("10.253.0.0/16", "10.1.1.5"));
	agent_batch_add(&batch, R("10.9.0.0/16", "local"));
	agent_table_apply(&a, &batch, false, &changed);
	agent_update(&desired, tabs, 2, &changed, 20, &ops);

	assert_string_equal(ops_text(&ops),
			    "delete 10.251.0.0/16 via 10.1.1.4 m 20;"
			    "replace 10.252.0.0/16 via 10.1.1.5,10.1.1.6 m 20;"
			    "add 10.253.0.0/16 via 10.1.1.5 m 20;");
	assert_string_equal(dump(&desired),
			    "10.9.0.0/16 local\n"
			    "10.250.0.0/16 via 10.1.1.4\n"
			    "10.252.0.0/16 via 10.1.1.5,10.1.1.6\n"
			    "10.253.0.0/16 via 10.1.1.5\n");

	agent_table_clear(&a);
	agent_table_clear(&b);
	agent_table_clear(&desired);
	agent_plist_clear(&changed);
	agent_ops_clear(&ops);
}

/*
 * While holding (settling, or no instance counted), the desired table is
 * one of the merge's inputs: an instance's withdraw removes nothing, and a
 * next hop lost is kept; an add still goes in.
 */
static void test_update_holding(void **state UNUSED)
{
	struct agent_table a, desired;
	const struct agent_table *tabs[] = {&a, &desired};
	struct agent_batch batch;
	struct agent_plist changed;
	struct agent_ops ops;
	struct agent_route *ra[] = {
		R("10.250.0.0/16", "10.1.1.4,10.1.1.5"),
		R("10.251.0.0/16", "10.1.1.4"),
	};
	struct vnetrs_prefix p;

	agent_table_init(&a);
	agent_table_init(&desired);
	agent_batch_init(&batch);
	agent_plist_init(&changed);
	agent_ops_init(&ops);
	snap(&a, ra, 2);
	agent_merge_all(tabs, 1, &desired);

	p = P("10.251.0.0/16");
	agent_batch_del(&batch, &p);
	agent_batch_add(&batch, R("10.250.0.0/16", "10.1.1.4"));
	agent_batch_add(&batch, R("10.252.0.0/16", "10.1.1.6"));
	agent_table_apply(&a, &batch, false, &changed);
	agent_update(&desired, tabs, 2, &changed, 20, &ops);

	assert_string_equal(ops_text(&ops),
			    "add 10.252.0.0/16 via 10.1.1.6 m 20;");
	assert_string_equal(dump(&desired),
			    "10.250.0.0/16 via 10.1.1.4,10.1.1.5\n"
			    "10.251.0.0/16 via 10.1.1.4\n"
			    "10.252.0.0/16 via 10.1.1.6\n");

	agent_table_clear(&a);
	agent_table_clear(&desired);
	agent_plist_clear(&changed);
	agent_ops_clear(&ops);
}

/* The first instance counts at once; the set changing starts a settling in
 * which nothing is removed; a returning instance counts after it. */
static void test_members_settling(void **state UNUSED)
{
	struct agent_members ms;

	agent_members_init(&ms, 2, 2000);
	/* Nobody counts: hold. */
	assert_true(agent_members_hold(&ms, 0));
	assert_int_equal(agent_members_deadline(&ms), 0);

	/* rs1's snapshot at 1000: counts at once, settling until 3000. */
	assert_true(agent_members_set(&ms, 0, true, 1000));
	assert_false(agent_members_set(&ms, 0, true, 1001));
	assert_true(agent_members_counted(&ms, 0, 1000));
	assert_true(agent_members_hold(&ms, 2999));
	assert_int_equal(agent_members_deadline(&ms), 3000);
	assert_false(agent_members_settled(&ms, 2999));
	assert_true(agent_members_settled(&ms, 3000));
	assert_false(agent_members_settled(&ms, 3001)); /* once */
	assert_false(agent_members_hold(&ms, 3000));

	/* rs2 joins at 5000 while rs1 counts: it settles until 7000. */
	assert_true(agent_members_set(&ms, 1, true, 5000));
	assert_false(agent_members_counted(&ms, 1, 6999));
	assert_true(agent_members_counted(&ms, 1, 7000));
	assert_int_equal(agent_members_n_counted(&ms, 6000), 1);
	assert_true(agent_members_hold(&ms, 6999));
	assert_false(agent_members_hold(&ms, 7000));

	/* rs1 silent at 10000: rs2 alone counts, nothing removed until
	 * 12000. */
	assert_true(agent_members_set(&ms, 0, false, 10000));
	assert_false(agent_members_counted(&ms, 0, 10000));
	assert_true(agent_members_hold(&ms, 11999));
	assert_false(agent_members_hold(&ms, 12000));

	/* rs2 silent too: nobody counts, hold whatever the time. */
	assert_true(agent_members_set(&ms, 1, false, 20000));
	assert_true(agent_members_hold(&ms, 100000));

	/* rs2 back alone: counts at once, still no removal for 2 s. */
	assert_true(agent_members_set(&ms, 1, true, 200000));
	assert_true(agent_members_counted(&ms, 1, 200000));
	assert_true(agent_members_hold(&ms, 201999));
	/* rs1 back while rs2 counts: settles. */
	assert_true(agent_members_set(&ms, 0, true, 201000));
	assert_false(agent_members_counted(&ms, 0, 202999));
	assert_true(agent_members_counted(&ms, 0, 203000));

	/* Every instance counting: nothing held, even while settling (a lone
	 * route server's snapshot after its restart applies whole). */
	agent_members_init(&ms, 1, 2000);
	assert_true(agent_members_set(&ms, 0, true, 10));
	assert_true(agent_members_settling(&ms, 11));
	assert_false(agent_members_hold(&ms, 11));
	assert_true(agent_members_set(&ms, 0, false, 100));
	assert_true(agent_members_hold(&ms, 101));

	/* No settling at all with 0. */
	agent_members_init(&ms, 2, 0);
	agent_members_set(&ms, 0, true, 10);
	agent_members_set(&ms, 1, true, 10);
	assert_int_equal(agent_members_n_counted(&ms, 10), 2);
	assert_false(agent_members_hold(&ms, 10));
}

/* Routes wider than the kernel limit are programmed with their first next
 * hops, and compared so. */
static void test_max_nh(void **state UNUSED)
{
	struct agent_table want, k, old;
	struct agent_ops ops;
	struct agent_route *w[] = {
		R("10.250.0.0/16", "10.1.1.3,10.1.1.2,10.1.1.1"),
		R("10.251.0.0/16", "10.1.1.3,10.1.1.2,10.1.1.1"),
		R("10.252.0.0/16", "10.1.1.1"),
	};
	struct agent_route *o[] = {
		R("10.250.0.0/16", "10.1.1.3,10.1.1.2,10.1.1.1,10.1.1.9"),
		R("10.251.0.0/16", "10.1.1.3,10.1.1.4,10.1.1.1"),
	};

	agent_table_init(&want);
	agent_table_init(&k);
	agent_table_init(&old);
	agent_ops_init(&ops);
	snap(&want, w, 3);
	snap(&old, o, 2);
	agent_kernel_add(&k, K("10.250.0.0/16", "10.1.1.2,10.1.1.1", 20));
	agent_kernel_add(&k, K("10.251.0.0/16", "10.1.1.3,10.1.1.1", 20));
	/* The kernel's route is what it is: wider than the limit differs. */
	agent_kernel_add(&k, K("10.252.0.0/16", "10.1.1.1,10.1.1.2", 20));
	agent_kernel_sort(&k);

	ops.max_nh = 2;
	agent_diff(&want, &k, true, 20, &ops);
	assert_string_equal(ops_text(&ops),
			    "replace 10.251.0.0/16 via 10.1.1.1,10.1.1.2 m 20;"
			    "replace 10.252.0.0/16 via 10.1.1.1 m 20;");
	assert_int_equal(ops.capped, 1);
	agent_ops_clear(&ops);
	/* Without a limit, 10.250 is wider than the kernel's. */
	agent_diff(&want, &k, true, 20, &ops);
	assert_string_equal(
		ops_text(&ops),
		"replace 10.250.0.0/16 via 10.1.1.1,10.1.1.2,10.1.1.3 "
		"m 20;"
		"replace 10.251.0.0/16 via 10.1.1.1,10.1.1.2,10.1.1.3 "
		"m 20;"
		"replace 10.252.0.0/16 via 10.1.1.1 m 20;");
	agent_ops_clear(&ops);

	/* Between desired tables: the same first two next hops. */
	ops.max_nh = 2;
	agent_diff(&want, &old, false, 20, &ops);
	assert_string_equal(ops_text(&ops),
			    "replace 10.251.0.0/16 via 10.1.1.1,10.1.1.2 m 20;"
			    "add 10.252.0.0/16 via 10.1.1.1 m 20;");
	agent_ops_clear(&ops);

	agent_table_clear(&want);
	agent_table_clear(&k);
	agent_table_clear(&old);
}

/* --keep-routes: the default keeps the routes forever with no instance
 * live; a timer removes them once, an instance back cancels it, and an
 * instance settling still counts as there. */
static void test_members_keep_routes(void **state UNUSED)
{
	struct agent_members ms;

	/* Default: forever. Nothing ever live: no timer at all (a start
	 * removes nothing). */
	agent_members_init(&ms, 2, 2000);
	assert_int_equal(agent_members_keep_state(&ms), AGENT_KEEP_LIVE);
	assert_true(agent_members_set(&ms, 0, true, 1000));
	assert_true(agent_members_set(&ms, 0, false, 5000));
	assert_int_equal(agent_members_keep_state(&ms), AGENT_KEEP_HELD);
	assert_int_equal(agent_members_keep_deadline(&ms), 0);
	assert_false(agent_members_keep_expired(&ms, UINT64_MAX - 1));
	assert_true(agent_members_hold(&ms, 1000000));

	/* 3 s: both gone at 10000, removed at 13000, once. */
	agent_members_init(&ms, 2, 2000);
	agent_members_keep(&ms, 3000);
	assert_int_equal(agent_members_keep_deadline(&ms), 0);
	assert_true(agent_members_set(&ms, 0, true, 1000));
	assert_true(agent_members_set(&ms, 1, true, 1500));
	assert_true(agent_members_set(&ms, 0, false, 8000));
	/* rs2 still live: no timer. */
	assert_int_equal(agent_members_keep_state(&ms), AGENT_KEEP_LIVE);
	assert_true(agent_members_set(&ms, 1, false, 10000));
	assert_int_equal(agent_members_keep_state(&ms), AGENT_KEEP_WAITING);
	assert_int_equal(agent_members_keep_deadline(&ms), 13000);
	assert_false(agent_members_keep_expired(&ms, 12999));
	assert_true(agent_members_hold(&ms, 12999));
	assert_true(agent_members_keep_expired(&ms, 13000));
	assert_false(agent_members_keep_expired(&ms, 13001)); /* once */
	assert_int_equal(agent_members_keep_state(&ms), AGENT_KEEP_REMOVED);
	assert_int_equal(agent_members_keep_deadline(&ms), 0);
	/* Removed on purpose: nothing is held back any more (no restore). */
	assert_false(agent_members_hold(&ms, 13001));

	/* rs1 back: counts at once, its routes go in; no timer. */
	assert_true(agent_members_set(&ms, 0, true, 20000));
	assert_int_equal(agent_members_keep_state(&ms), AGENT_KEEP_LIVE);
	assert_true(agent_members_counted(&ms, 0, 20000));

	/* Gone again at 30000, back at 32999: cancelled, nothing removed;
	 * the next loss starts a whole new timer. */
	assert_true(agent_members_set(&ms, 0, false, 30000));
	assert_int_equal(agent_members_keep_deadline(&ms), 33000);
	assert_true(agent_members_set(&ms, 1, true, 32999));
	assert_int_equal(agent_members_keep_state(&ms), AGENT_KEEP_LIVE);
	assert_false(agent_members_keep_expired(&ms, 40000));
	assert_true(agent_members_set(&ms, 1, false, 50000));
	assert_int_equal(agent_members_keep_deadline(&ms), 53000);

	/* An instance live but settling (another counted when it came back)
	 * holds the timer off when the other leaves: its routes are coming. */
	agent_members_init(&ms, 2, 2000);
	agent_members_keep(&ms, 1000);
	assert_true(agent_members_set(&ms, 0, true, 1000));
	assert_true(agent_members_set(&ms, 1, true, 5000));
	assert_true(agent_members_set(&ms, 0, false, 5500));
	assert_int_equal(agent_members_n_counted(&ms, 5500), 0);
	assert_int_equal(agent_members_keep_state(&ms), AGENT_KEEP_LIVE);
	assert_false(agent_members_keep_expired(&ms, 6999));
	assert_true(agent_members_hold(&ms, 6999));
}

/* A draining instance: left out while another counts and does not drain,
 * counted when alone (a drain never drops routes by itself). */
static void test_members_drain(void **state UNUSED)
{
	struct agent_members ms;

	agent_members_init(&ms, 2, 2000);
	assert_true(agent_members_set(&ms, 0, true, 1000));
	assert_true(agent_members_set(&ms, 1, true, 1000));
	assert_int_equal(agent_members_n_counted(&ms, 5000), 2);

	/* rs1 drains at 10000: rs2 alone counts; the change settles (nothing
	 * removed until 12000). */
	assert_true(agent_members_drain(&ms, 0, true, 10000));
	assert_false(agent_members_drain(&ms, 0, true, 10001));
	assert_false(agent_members_counted(&ms, 0, 10000));
	assert_true(agent_members_drained(&ms, 0, 10000));
	assert_true(agent_members_counted(&ms, 1, 10000));
	assert_false(agent_members_drained(&ms, 1, 10000));
	assert_true(agent_members_hold(&ms, 11999));
	assert_false(agent_members_hold(&ms, 12000));
	assert_int_equal(agent_members_deadline(&ms), 12000);
	assert_true(agent_members_settled(&ms, 12000));

	/* rs1 stops (killed): nothing the merge uses changes. */
	assert_true(agent_members_set(&ms, 0, false, 20000));
	assert_false(agent_members_drained(&ms, 0, 20000));
	assert_int_equal(agent_members_n_counted(&ms, 20000), 1);
	assert_true(agent_members_counted(&ms, 1, 20000));

	/* rs1 back, still draining (its HELLO said so before its snapshot):
	 * not counted, neither while settling nor after. */
	assert_true(agent_members_set(&ms, 0, true, 30000));
	assert_false(agent_members_counted(&ms, 0, 30000));
	assert_false(agent_members_counted(&ms, 0, 40000));
	assert_true(agent_members_drained(&ms, 0, 40000));
	assert_int_equal(agent_members_n_counted(&ms, 40000), 1);

	/* The drain ends: rs1 counts again at once (it is live and
	 * settled), the change settles. */
	assert_true(agent_members_drain(&ms, 0, false, 50000));
	assert_true(agent_members_counted(&ms, 0, 50000));
	assert_int_equal(agent_members_n_counted(&ms, 50000), 2);
	assert_false(agent_members_hold(&ms, 50000)); /* both count */

	/* A draining instance alone counts: rs2 goes, rs1 drains. */
	assert_true(agent_members_drain(&ms, 0, true, 60000));
	assert_true(agent_members_set(&ms, 1, false, 60000));
	assert_true(agent_members_counted(&ms, 0, 60000));
	assert_false(agent_members_drained(&ms, 0, 60000));
	/* rs2 comes back: while it settles rs1 still counts, after it rs2
	 * alone. */
	assert_true(agent_members_set(&ms, 1, true, 70000));
	assert_true(agent_members_counted(&ms, 0, 71999));
	assert_false(agent_members_counted(&ms, 1, 71999));
	assert_false(agent_members_counted(&ms, 0, 72000));
	assert_true(agent_members_counted(&ms, 1, 72000));

	/* Both drain: both count (never drop routes because of a drain). */
	assert_true(agent_members_drain(&ms, 1, true, 80000));
	assert_int_equal(agent_members_n_counted(&ms, 80000), 2);
	assert_false(agent_members_drained(&ms, 0, 80000));
	assert_false(agent_members_drained(&ms, 1, 80000));
	/* Out of range: nothing. */
	assert_false(agent_members_drain(&ms, 2, true, 80000));
	assert_false(agent_members_drained(&ms, 2, 80000));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_route_new),
		cmocka_unit_test(test_route_str),
		cmocka_unit_test(test_snapshot),
		cmocka_unit_test(test_incremental),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_kernel_sort),
		cmocka_unit_test(test_diff_kernel),
		cmocka_unit_test(test_diff_instance_lost),
		cmocka_unit_test(test_update),
		cmocka_unit_test(test_max_nh),
		cmocka_unit_test(test_update_holding),
		cmocka_unit_test(test_members_settling),
		cmocka_unit_test(test_members_drain),
		cmocka_unit_test(test_members_keep_routes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
