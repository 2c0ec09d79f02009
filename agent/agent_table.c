// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs-agent: route tables, their merge and their diff (agent_table.h).
 */
#include "agent/agent_table.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

static void *xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (!p) {
		fprintf(stderr, "vnetrs-agent: out of memory\n");
		abort();
	}
	return p;
}

static void *xrealloc_array(void *p, size_t n, size_t size)
{
	size_t bytes;

	if (size && n > SIZE_MAX / size) {
		fprintf(stderr, "vnetrs-agent: out of memory\n");
		abort();
	}
	bytes = n * size;
	p = realloc(p, bytes ? bytes : 1);
	if (!p) {
		fprintf(stderr, "vnetrs-agent: out of memory\n");
		abort();
	}
	return p;
}

/* Make room for one more element in an array of *cap elements. */
static void *grow(void *p, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return p;
	*cap = *cap ? *cap * 2 : 16;
	return xrealloc_array(p, *cap, size);
}

/* --- routes --------------------------------------------------------------- */

static int nh_cmp(const void *a, const void *b)
{
	return vnetrs_prefix_cmp(a, b);
}

/* A host address: its len is the family's, bytes after the address 0. */
static void nh_normalize(struct vnetrs_prefix *dst,
			 const struct vnetrs_prefix *src)
{
	size_t alen = src->family == VNETRS_AF_INET ? 4 : 16;

	memset(dst, 0, sizeof(*dst));
	dst->family = src->family;
	dst->len = (uint8_t)(alen * 8);
	memcpy(dst->addr, src->addr, alen);
}

static struct agent_route *route_alloc(size_t n_nh)
{
	struct agent_route *r;

	r = xmalloc(sizeof(*r) + n_nh * sizeof(r->nh[0]));
	memset(r, 0, sizeof(*r));
	return r;
}

struct agent_route *agent_route_new(const struct vnetrs_prefix *prefix,
				    enum vnetrs_source source,
				    const struct vnetrs_prefix *nh, size_t n_nh)
{
	struct agent_route *r = route_alloc(n_nh);
	size_t i, n = 0;

	r->prefix = *prefix;
	r->source = source;
	for (i = 0; i < n_nh; i++)
		nh_normalize(&r->nh[i], &nh[i]);
	if (n_nh > 1)
		qsort(r->nh, n_nh, sizeof(r->nh[0]), nh_cmp);
	for (i = 0; i < n_nh; i++) {
		if (n && vnetrs_prefix_equal(&r->nh[n - 1], &r->nh[i]))
			continue;
		r->nh[n++] = r->nh[i];
	}
	r->n_nh = (uint32_t)n;
	return r;
}

struct agent_route *agent_route_dup(const struct agent_route *r)
{
	size_t size = sizeof(*r) + r->n_nh * sizeof(r->nh[0]);
	struct agent_route *d = xmalloc(size);

	memcpy(d, r, size);
	return d;
}

void agent_route_free(struct agent_route *r)
{
	free(r);
}

bool agent_route_programmable(const struct agent_route *r)
{
	return r && r->n_nh > 0;
}

static bool same_nh_max(const struct agent_route *a,
			const struct agent_route *b, uint32_t max);

bool agent_route_same_nh(const struct agent_route *a,
			 const struct agent_route *b)
{
	return same_nh_max(a, b, 0);
}

/* Append s to buf (len bytes, *used of them used); false when it does not
 * fit whole. */
static bool append(char *buf, size_t len, size_t *used, const char *s)
{
	size_t n = strlen(s);

	if (*used + n >= len)
		return false;
	memcpy(buf + *used, s, n + 1);
	*used += n;
	return true;
}

const char *agent_route2str(const struct agent_route *r, char *buf, size_t len)
{
	char pbuf[VNETRS_PREFIX_STRLEN], abuf[INET6_ADDRSTRLEN + 1];
	size_t used = 0;
	uint32_t i;

	if (!len)
		return buf;
	buf[0] = '\0';
	if (!append(buf, len, &used,
		    vnetrs_prefix2str(&r->prefix, pbuf, sizeof(pbuf))))
		goto cut;
	if (!r->n_nh) {
		if (r->source == VNETRS_SOURCE_LOCAL) {
			if (!append(buf, len, &used, " local"))
				goto cut;
		} else {
			snprintf(abuf, sizeof(abuf), " %s",
				 vnetrs_source2str(r->source));
			if (!append(buf, len, &used, abuf) ||
			    !append(buf, len, &used, " without next hop"))
				goto cut;
		}
		return buf;
	}
	if (!append(buf, len, &used, " via "))
		goto cut;
	for (i = 0; i < r->n_nh; i++) {
		if (i && !append(buf, len, &used, ","))
			goto cut;
		if (!append(buf, len, &used,
			    vnetrs_addr2str(&r->nh[i], abuf, sizeof(abuf))))
			goto cut;
	}
	return buf;
cut:
	/* Keep what fits, and say it is cut. */
	if (len > 4) {
		used = strlen(buf);
		if (used > len - 4)
			used = len - 4;
		memcpy(buf + used, "...", 4);
	}
	return buf;
}

void agent_route_print(FILE *f, const struct agent_route *r)
{
	char pbuf[VNETRS_PREFIX_STRLEN], abuf[INET6_ADDRSTRLEN];
	uint32_t i;

	fputs(vnetrs_prefix2str(&r->prefix, pbuf, sizeof(pbuf)), f);
	if (!r->n_nh) {
		if (r->source == VNETRS_SOURCE_LOCAL)
			fputs(" local\n", f);
		else
			fprintf(f, " %s without next hop\n",
				vnetrs_source2str(r->source));
		return;
	}
	fputs(" via ", f);
	for (i = 0; i < r->n_nh; i++)
		fprintf(f, "%s%s", i ? "," : "",
			vnetrs_addr2str(&r->nh[i], abuf, sizeof(abuf)));
	fputc('\n', f);
}

/* --- prefix lists --------------------------------------------------------- */

void agent_plist_init(struct agent_plist *l)
{
	memset(l, 0, sizeof(*l));
}

void agent_plist_add(struct agent_plist *l, const struct vnetrs_prefix *p)
{
	l->p = grow(l->p, l->n, &l->cap, sizeof(l->p[0]));
	l->p[l->n++] = *p;
}

void agent_plist_clear(struct agent_plist *l)
{
	free(l->p);
	agent_plist_init(l);
}

/* --- tables --------------------------------------------------------------- */

void agent_table_init(struct agent_table *t)
{
	memset(t, 0, sizeof(*t));
}

void agent_table_clear(struct agent_table *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		agent_route_free(t->r[i]);
	free(t->r);
	agent_table_init(t);
}

void agent_table_swap(struct agent_table *a, struct agent_table *b)
{
	struct agent_table tmp = *a;

	*a = *b;
	*b = tmp;
}

static void table_push(struct agent_table *t, struct agent_route *r)
{
	t->r = grow(t->r, t->n, &t->cap, sizeof(t->r[0]));
	t->r[t->n++] = r;
}

/* Index of the first route whose prefix is not below p. */
static size_t table_lower(const struct agent_table *t,
			  const struct vnetrs_prefix *p)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (vnetrs_prefix_cmp(&t->r[mid]->prefix, p) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct agent_route *agent_table_find(const struct agent_table *t,
					   const struct vnetrs_prefix *p)
{
	size_t i = table_lower(t, p);

	if (i < t->n && vnetrs_prefix_equal(&t->r[i]->prefix, p))
		return t->r[i];
	return NULL;
}

size_t agent_table_programmable(const struct agent_table *t)
{
	size_t i, n = 0;

	for (i = 0; i < t->n; i++)
		if (agent_route_programmable(t->r[i]))
			n++;
	return n;
}

void agent_table_print(FILE *f, const struct agent_table *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		agent_route_print(f, t->r[i]);
}

/* --- kernel tables -------------------------------------------------------- */

void agent_kernel_add(struct agent_table *t, struct agent_route *r)
{
	table_push(t, r);
}

static int kernel_cmp(const void *a, const void *b)
{
	const struct agent_route *ra = *(const struct agent_route *const *)a;
	const struct agent_route *rb = *(const struct agent_route *const *)b;
	int c = vnetrs_prefix_cmp(&ra->prefix, &rb->prefix);

	if (c)
		return c;
	if (ra->metric != rb->metric)
		return ra->metric < rb->metric ? -1 : 1;
	return 0;
}

void agent_kernel_sort(struct agent_table *t)
{
	if (t->n > 1)
		qsort(t->r, t->n, sizeof(t->r[0]), kernel_cmp);
}

/* --- batches -------------------------------------------------------------- */

void agent_batch_init(struct agent_batch *b)
{
	memset(b, 0, sizeof(*b));
}

void agent_batch_clear(struct agent_batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		agent_route_free(b->c[i].route);
	free(b->c);
	agent_batch_init(b);
}

static void batch_push(struct agent_batch *b, const struct vnetrs_prefix *p,
		       struct agent_route *r)
{
	b->c = grow(b->c, b->n, &b->cap, sizeof(b->c[0]));
	b->c[b->n].prefix = *p;
	b->c[b->n].route = r;
	b->c[b->n].order = b->n;
	b->n++;
}

void agent_batch_add(struct agent_batch *b, struct agent_route *r)
{
	batch_push(b, &r->prefix, r);
	b->adds++;
}

void agent_batch_del(struct agent_batch *b, const struct vnetrs_prefix *p)
{
	batch_push(b, p, NULL);
	b->dels++;
}

static int change_cmp(const void *a, const void *b)
{
	const struct agent_change *ca = a, *cb = b;
	int c = vnetrs_prefix_cmp(&ca->prefix, &cb->prefix);

	if (c)
		return c;
	return ca->order < cb->order ? -1 : ca->order > cb->order;
}

/* Sort the changes by prefix and keep the last of each prefix. */
static void batch_compact(struct agent_batch *b)
{
	size_t i, n = 0;

	if (b->n > 1)
		qsort(b->c, b->n, sizeof(b->c[0]), change_cmp);
	for (i = 0; i < b->n; i++) {
		if (n &&
		    vnetrs_prefix_equal(&b->c[n - 1].prefix, &b->c[i].prefix)) {
			agent_route_free(b->c[n - 1].route);
			b->c[n - 1] = b->c[i];
		} else {
			b->c[n++] = b->c[i];
		}
	}
	b->n = n;
}

void agent_table_apply(struct agent_table *t, struct agent_batch *b,
		       bool snapshot, struct agent_plist *changed)
{
	struct agent_table out;
	size_t i = 0, j = 0;

	batch_compact(b);
	agent_table_init(&out);
	out.cap = t->n + b->n;
	out.r = xrealloc_array(NULL, out.cap, sizeof(out.r[0]));

	while (i < t->n || j < b->n) {
		int c;

		if (i == t->n)
			c = 1;
		else if (j == b->n)
			c = -1;
		else
			c = vnetrs_prefix_cmp(&t->r[i]->prefix,
					      &b->c[j].prefix);
		if (c < 0) {
			/* Not in the batch: kept, unless a snapshot. */
			if (snapshot) {
				if (changed)
					agent_plist_add(changed,
							&t->r[i]->prefix);
				agent_route_free(t->r[i]);
			} else {
				out.r[out.n++] = t->r[i];
			}
			i++;
			continue;
		}
		if (changed)
			agent_plist_add(changed, &b->c[j].prefix);
		if (c == 0)
			agent_route_free(t->r[i++]);
		if (b->c[j].route)
			out.r[out.n++] = b->c[j].route;
		b->c[j].route = NULL;
		j++;
	}
	free(t->r);
	*t = out;
	agent_batch_clear(b);
}

/* --- merging instances ---------------------------------------------------- */

/* The merged route of the n routes (same prefix) of the holders. */
static struct agent_route *merge_routes(const struct agent_route *const *h,
					size_t n)
{
	struct vnetrs_prefix *nh;
	struct agent_route *r;
	enum vnetrs_source source = h[0]->source;
	bool have_source = false;
	size_t i, total = 0;

	if (n == 1)
		return agent_route_dup(h[0]);
	for (i = 0; i < n; i++) {
		total += h[i]->n_nh;
		if (!have_source && h[i]->n_nh) {
			source = h[i]->source;
			have_source = true;
		}
	}
	nh = xrealloc_array(NULL, total, sizeof(nh[0]));
	total = 0;
	for (i = 0; i < n; i++) {
		memcpy(nh + total, h[i]->nh, h[i]->n_nh * sizeof(nh[0]));
		total += h[i]->n_nh;
	}
	r = agent_route_new(&h[0]->prefix, source, nh, total);
	free(nh);
	return r;
}

struct agent_route *agent_merge_one(const struct agent_table *const *tabs,
				    size_t ntabs, const struct vnetrs_prefix *p)
{
	const struct agent_route **h;
	struct agent_route *r = NULL;
	size_t i, n = 0;

	h = xrealloc_array(NULL, ntabs, sizeof(h[0]));
	for (i = 0; i < ntabs; i++) {
		const struct agent_route *found;

		if (!tabs[i])
			continue;
		found = agent_table_find(tabs[i], p);
		if (found)
			h[n++] = found;
	}
	if (n)
		r = merge_routes(h, n);
	free(h);
	return r;
}

void agent_merge_all(const struct agent_table *const *tabs, size_t ntabs,
		     struct agent_table *out)
{
	const struct agent_route **h;
	size_t *pos;
	size_t i;

	agent_table_clear(out);
	h = xrealloc_array(NULL, ntabs, sizeof(h[0]));
	pos = xrealloc_array(NULL, ntabs, sizeof(pos[0]));
	memset(pos, 0, ntabs * sizeof(pos[0]));

	for (;;) {
		const struct vnetrs_prefix *min = NULL;
		size_t n = 0;

		for (i = 0; i < ntabs; i++) {
			if (!tabs[i] || pos[i] == tabs[i]->n)
				continue;
			if (!min ||
			    vnetrs_prefix_cmp(&tabs[i]->r[pos[i]]->prefix,
					      min) < 0)
				min = &tabs[i]->r[pos[i]]->prefix;
		}
		if (!min)
			break;
		for (i = 0; i < ntabs; i++) {
			if (!tabs[i] || pos[i] == tabs[i]->n)
				continue;
			if (vnetrs_prefix_equal(&tabs[i]->r[pos[i]]->prefix,
						min))
				h[n++] = tabs[i]->r[pos[i]];
		}
		/* Advance after reading: min points into a table. */
		table_push(out, merge_routes(h, n));
		for (i = 0; i < ntabs; i++) {
			if (!tabs[i] || pos[i] == tabs[i]->n)
				continue;
			if (vnetrs_prefix_equal(&tabs[i]->r[pos[i]]->prefix,
						&out->r[out->n - 1]->prefix))
				pos[i]++;
		}
	}
	free(pos);
	free(h);
}

/* --- diffs ---------------------------------------------------------------- */

void agent_ops_init(struct agent_ops *ops)
{
	memset(ops, 0, sizeof(*ops));
}

void agent_ops_clear(struct agent_ops *ops)
{
	size_t i;

	for (i = 0; i < ops->n; i++)
		agent_route_free(ops->o[i].route);
	free(ops->o);
	agent_ops_init(ops);
}

const char *agent_op2str(enum agent_op_type type)
{
	switch (type) {
	case AGENT_OP_ADD:
		return "add";
	case AGENT_OP_REPLACE:
		return "replace";
	case AGENT_OP_DELETE:
		return "delete";
	}
	return "?";
}

size_t agent_ops_drop(struct agent_ops *ops, enum agent_op_type type)
{
	size_t i, n = 0, dropped;

	for (i = 0; i < ops->n; i++) {
		if (ops->o[i].type == type)
			agent_route_free(ops->o[i].route);
		else
			ops->o[n++] = ops->o[i];
	}
	dropped = ops->n - n;
	ops->n = n;
	switch (type) {
	case AGENT_OP_ADD:
		ops->adds = 0;
		break;
	case AGENT_OP_REPLACE:
		ops->replaces = 0;
		break;
	case AGENT_OP_DELETE:
		ops->deletes = 0;
		break;
	}
	return dropped;
}

static void ops_push(struct agent_ops *ops, enum agent_op_type type,
		     const struct agent_route *r, uint32_t metric)
{
	struct agent_route *d = agent_route_dup(r);

	if (type != AGENT_OP_DELETE && ops->max_nh && d->n_nh > ops->max_nh) {
		d->n_nh = ops->max_nh;
		ops->capped++;
	}
	ops->o = grow(ops->o, ops->n, &ops->cap, sizeof(ops->o[0]));
	ops->o[ops->n].type = type;
	ops->o[ops->n].route = d;
	ops->o[ops->n].metric = metric;
	ops->o[ops->n].result = AGENT_OP_DONE;
	ops->o[ops->n].error = 0;
	ops->n++;
	switch (type) {
	case AGENT_OP_ADD:
		ops->adds++;
		break;
	case AGENT_OP_REPLACE:
		ops->replaces++;
		break;
	case AGENT_OP_DELETE:
		ops->deletes++;
		break;
	}
}

/* The same next hops, counting the first max (0: all) of each? */
static bool same_nh_max(const struct agent_route *a,
			const struct agent_route *b, uint32_t max)
{
	uint32_t na = max && a->n_nh > max ? max : a->n_nh;
	uint32_t nb = max && b->n_nh > max ? max : b->n_nh;
	uint32_t i;

	if (a->odd || b->odd || na != nb)
		return false;
	for (i = 0; i < na; i++)
		if (!vnetrs_prefix_equal(&a->nh[i], &b->nh[i]))
			return false;
	return true;
}

/* Has a exactly the first max (0: all) next hops of b? */
static bool same_nh_capped(const struct agent_route *a,
			   const struct agent_route *b, uint32_t max)
{
	uint32_t nb = max && b->n_nh > max ? max : b->n_nh;

	return a->n_nh == nb && same_nh_max(a, b, max);
}

/*
 * have: the route the kernel has (NULL: none), with metric have_metric;
 * have_capped: have is a desired route, what the kernel has of it its
 * first max_nh next hops (else have is the kernel's own route);
 * want: the one wanted (NULL or not programmable: none).
 */
static void diff_pair(const struct agent_route *have, uint32_t have_metric,
		      bool have_capped, const struct agent_route *want,
		      uint32_t metric, struct agent_ops *ops)
{
	uint32_t max = ops->max_nh;

	bool wanted = agent_route_programmable(want);

	if (!have) {
		if (wanted)
			ops_push(ops, AGENT_OP_ADD, want, metric);
	} else if (!wanted) {
		ops_push(ops, AGENT_OP_DELETE, have, have_metric);
	} else if (!(have_capped ? same_nh_max(have, want, max)
				 : same_nh_capped(have, want, max))) {
		ops_push(ops, AGENT_OP_REPLACE, want, metric);
	}
}

void agent_diff_one(const struct agent_route *old,
		    const struct agent_route *new, uint32_t metric,
		    struct agent_ops *ops)
{
	diff_pair(agent_route_programmable(old) ? old : NULL, metric, true, new,
		  metric, ops);
}

void agent_diff(const struct agent_table *want, const struct agent_table *have,
		bool match_metric, uint32_t metric, struct agent_ops *ops)
{
	size_t i = 0, j = 0;

	for (;;) {
		const struct agent_route *w = NULL, *h = NULL;
		const struct vnetrs_prefix *p;
		size_t start, k, ours;

		/* Only want's programmable routes count. */
		while (i < want->n && !agent_route_programmable(want->r[i]))
			i++;
		if (!match_metric)
			while (j < have->n &&
			       !agent_route_programmable(have->r[j]))
				j++;
		if (i == want->n && j == have->n)
			break;
		if (i == want->n)
			p = &have->r[j]->prefix;
		else if (j == have->n)
			p = &want->r[i]->prefix;
		else if (vnetrs_prefix_cmp(&want->r[i]->prefix,
					   &have->r[j]->prefix) <= 0)
			p = &want->r[i]->prefix;
		else
			p = &have->r[j]->prefix;

		if (i < want->n && vnetrs_prefix_equal(&want->r[i]->prefix, p))
			w = want->r[i++];
		/* have's routes of p. A desired table has one; the kernel one
		 * per metric, or several of a metric (IPv4 allows that): the
		 * one of metric is compared with w, the others go (all of
		 * metric, if several: w is added after). */
		start = j;
		ours = 0;
		while (j < have->n &&
		       vnetrs_prefix_equal(&have->r[j]->prefix, p)) {
			if (have->r[j]->metric == metric)
				ours++;
			j++;
		}
		for (k = start; k < j; k++) {
			const struct agent_route *e = have->r[k];

			if (!match_metric) {
				if (!h && agent_route_programmable(e))
					h = e;
			} else if (e->metric == metric && ours == 1) {
				h = e;
			} else {
				ops_push(ops, AGENT_OP_DELETE, e, e->metric);
			}
		}
		diff_pair(h, metric, !match_metric, w, metric, ops);
	}
}

void agent_update(struct agent_table *desired,
		  const struct agent_table *const *tabs, size_t ntabs,
		  const struct agent_plist *changed, uint32_t metric,
		  struct agent_ops *ops)
{
	struct agent_batch b;
	size_t i;

	agent_batch_init(&b);
	for (i = 0; i < changed->n; i++) {
		const struct vnetrs_prefix *p = &changed->p[i];
		struct agent_route *r = agent_merge_one(tabs, ntabs, p);

		agent_diff_one(agent_table_find(desired, p), r, metric, ops);
		if (r)
			agent_batch_add(&b, r);
		else
			agent_batch_del(&b, p);
	}
	agent_table_apply(desired, &b, false, NULL);
	agent_batch_clear(&b);
}
