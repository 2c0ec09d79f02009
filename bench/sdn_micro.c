// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench/sdn_micro: the SDN path's cost per route on one core, without bgpd,
 * a kernel table or a second process.
 *
 * It runs the code the product runs, stage by stage, on one thread:
 *   encode  the route server's wire encoding (logic/vnetrs_sdn_wire.c),
 *   socket  the bytes through a Unix stream socket pair (write then read,
 *           64 KiB at a time, the socket's default buffers),
 *   decode  the agent's decoding, order check and route building
 *           (vnetrs_sdn_decode, vnetrs_sdn_rx_feed, agent_route_new),
 *   apply   the batch applied to the instance's table (agent_table_apply),
 *   diff    the merge and the operations for the data plane (agent_update),
 * first for a snapshot (W2's shape: 250,000 prefixes, 4 next hops each),
 * then for churn batches (W3's shape: a tenth of the prefixes withdrawn,
 * then announced again). Figures are CPU time of this process
 * (CLOCK_PROCESS_CPUTIME_ID), so another load on the machine changes them
 * less than wall time; for exact, repeatable counts run it under
 * valgrind --tool=callgrind.
 *
 * What it leaves out: bgpd's own side before the encoder (the effective
 * table, the conversion to the API's entry) and the data plane's own work
 * (netlink, OVN): the benchmark proper (bench/run.sh) measures those.
 *
 * Usage: bench/sdn_micro [PREFIXES [NEXTHOPS [CHURN_ROUNDS]]]
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <poll.h>

#include "agent/agent_table.h"
#include "logic/vnetrs_sdn_wire.h"

struct bytes {
	uint8_t *p;
	size_t len, cap;
};

static void *xrealloc_or_die(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p) {
		perror("sdn_micro: realloc");
		exit(1);
	}
	return p;
}

static uint8_t *bytes_room(struct bytes *b, size_t need)
{
	if (b->cap - b->len < need) {
		b->cap = b->cap ? b->cap * 2 : (1u << 20);
		while (b->cap - b->len < need)
			b->cap *= 2;
		b->p = xrealloc_or_die(b->p, b->cap);
	}
	return b->p + b->len;
}

static double cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Prefix i: the /24 networks from 1.0.0.0 on, one after another. */
static void prefix_of(uint32_t i, struct vnetrs_prefix *p)
{
	uint32_t a = 0x01000000u + (i << 8);

	memset(p, 0, sizeof(*p));
	p->family = VNETRS_AF_INET;
	p->len = 24;
	p->addr[0] = (uint8_t)(a >> 24);
	p->addr[1] = (uint8_t)(a >> 16);
	p->addr[2] = (uint8_t)(a >> 8);
}

static void nexthop_of(uint32_t k, struct vnetrs_prefix *p)
{
	memset(p, 0, sizeof(*p));
	p->family = VNETRS_AF_INET;
	p->len = 32;
	p->addr[0] = 10;
	p->addr[1] = 1;
	p->addr[2] = 1;
	p->addr[3] = (uint8_t)(4 + k);
}

static void put(struct bytes *b, size_t n)
{
	if (n == 0) {
		fprintf(stderr, "sdn_micro: an encoder refused its input\n");
		exit(1);
	}
	b->len += n;
}

/*
 * One batch into b: first..first+count-1 added (del: deleted) with seq.
 * Returns the number of route messages.
 */
static uint32_t encode_batch(struct bytes *b, uint64_t seq, bool snapshot,
			     bool del, uint32_t first, uint32_t count,
			     uint32_t n_nh)
{
	struct vnetrs_sdn_route *r = calloc(1, sizeof(*r));

	if (!r)
		exit(1);
	r->source = VNETRS_SOURCE_NVA;
	r->as_path_len = 1;
	r->n_nexthops = (uint16_t)n_nh;
	for (uint32_t k = 0; k < n_nh; k++)
		nexthop_of(k, &r->nexthops[k]);
	put(b, vnetrs_sdn_encode_begin(bytes_room(b, VNETRS_SDN_MSG_MAX),
				       VNETRS_SDN_MSG_MAX, seq, snapshot,
				       count));
	for (uint32_t i = first; i < first + count; i++) {
		uint8_t *p = bytes_room(b, VNETRS_SDN_MSG_MAX);

		prefix_of(i, &r->prefix);
		if (del)
			put(b, vnetrs_sdn_encode_route_del(
				       p, VNETRS_SDN_MSG_MAX, seq, &r->prefix));
		else
			put(b, vnetrs_sdn_encode_route_add(
				       p, VNETRS_SDN_MSG_MAX, seq, r));
	}
	put(b, vnetrs_sdn_encode_commit(bytes_room(b, VNETRS_SDN_MSG_MAX),
					VNETRS_SDN_MSG_MAX, seq, count));
	free(r);
	return count;
}

/* in's bytes through a Unix socket pair into out, 64 KiB at a time. */
static void through_socket(const struct bytes *in, struct bytes *out)
{
	int sv[2];
	size_t sent = 0;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) {
		perror("sdn_micro: socketpair");
		exit(1);
	}
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	out->len = 0;
	bytes_room(out, in->len);
	while (out->len < in->len) {
		size_t chunk = in->len - sent;
		ssize_t n;

		if (chunk > 65536)
			chunk = 65536;
		if (chunk) {
			n = write(sv[0], in->p + sent, chunk);
			if (n > 0)
				sent += (size_t)n;
			else if (n < 0 && errno != EAGAIN) {
				perror("sdn_micro: write");
				exit(1);
			}
		}
		n = read(sv[1], out->p + out->len, in->len - out->len);
		if (n > 0)
			out->len += (size_t)n;
		else if (n < 0 && errno != EAGAIN) {
			perror("sdn_micro: read");
			exit(1);
		}
	}
	close(sv[0]);
	close(sv[1]);
}

struct agent_side {
	struct vnetrs_sdn_rx rx;
	struct agent_batch batch;
	struct agent_table table;   /* the instance's */
	struct agent_table desired; /* the merge programmed */
	size_t ops;
	double t_decode, t_apply, t_diff;
};

/* The agent's handling of every message in b (as agent_conn.c and
 * agent_sync.c do), with each stage's CPU time added up. */
static void agent_consume(struct agent_side *a, const struct bytes *b)
{
	struct vnetrs_sdn_msg *m = malloc(sizeof(*m));
	char err[256];
	size_t off = 0, used;
	double t0 = cpu_seconds(), t1;

	if (!m)
		exit(1);
	while (off < b->len) {
		int r = vnetrs_sdn_decode(b->p + off, b->len - off, m, &used,
					  err, sizeof(err));

		if (r <= 0 || vnetrs_sdn_rx_feed(&a->rx, m, err,
						 sizeof(err)) < 0) {
			fprintf(stderr, "sdn_micro: decode: %s\n",
				r == 0 ? "cut message" : err);
			exit(1);
		}
		off += used;
		switch (m->type) {
		case VNETRS_SDN_BEGIN:
			agent_batch_clear(&a->batch);
			break;
		case VNETRS_SDN_ROUTE_ADD:
			agent_batch_add(&a->batch,
					agent_route_new(&m->u.route.prefix,
							m->u.route.source,
							m->u.route.nexthops,
							m->u.route.n_nexthops));
			break;
		case VNETRS_SDN_ROUTE_DEL:
			agent_batch_del(&a->batch, &m->u.del);
			break;
		case VNETRS_SDN_COMMIT: {
			const struct agent_table *tabs[1] = {&a->table};
			struct agent_plist changed;
			struct agent_ops ops;

			t1 = cpu_seconds();
			a->t_decode += t1 - t0;
			agent_plist_init(&changed);
			agent_table_apply(&a->table, &a->batch, a->rx.snapshot,
					  &changed);
			t0 = cpu_seconds();
			a->t_apply += t0 - t1;
			agent_ops_init(&ops);
			agent_update(&a->desired, tabs, 1, &changed, 1000,
				     &ops);
			a->ops += ops.n;
			agent_ops_clear(&ops);
			agent_plist_clear(&changed);
			t1 = cpu_seconds();
			a->t_diff += t1 - t0;
			t0 = t1;
			break;
		}
		default:
			break;
		}
	}
	a->t_decode += cpu_seconds() - t0;
	free(m);
}

static void row(const char *stage, double s, uint64_t routes)
{
	printf("  %-8s %8.3f s  %10.0f routes/s  %7.1f ns/route\n", stage, s,
	       s > 0 ? (double)routes / s : 0.0,
	       routes ? s * 1e9 / (double)routes : 0.0);
}

int main(int argc, char **argv)
{
	uint32_t prefixes = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10)
				     : 250000;
	uint32_t n_nh = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 10) : 4;
	uint32_t rounds = argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 10) : 4;
	uint32_t churn = prefixes / 10;
	struct bytes wire = {}, rcvd = {};
	struct agent_side a;
	uint64_t seq = 1, routes;
	double t, t_enc, t_sock;
	uint8_t rid[4] = {192, 0, 2, 1};

	if (!prefixes || !n_nh || n_nh > VNETRS_SDN_MAX_NEXTHOPS) {
		fprintf(stderr, "usage: %s [PREFIXES [NEXTHOPS (1-%u) "
				"[CHURN_ROUNDS]]]\n",
			argv[0], VNETRS_SDN_MAX_NEXTHOPS);
		return 2;
	}
	memset(&a, 0, sizeof(a));
	vnetrs_sdn_rx_init(&a.rx);
	agent_batch_init(&a.batch);
	agent_table_init(&a.table);
	agent_table_init(&a.desired);

	printf("sdn_micro: %" PRIu32 " prefixes x %" PRIu32
	       " next hops; churn: %" PRIu32 " rounds of %" PRIu32
	       " withdrawn and announced again\n",
	       prefixes, n_nh, rounds, churn);

	for (int phase = 0; phase < 2; phase++) {
		a.t_decode = a.t_apply = a.t_diff = 0;
		wire.len = 0;
		t = cpu_seconds();
		if (phase == 0) {
			put(&wire, vnetrs_sdn_encode_hello_server(
					   bytes_room(&wire, VNETRS_SDN_MSG_MAX),
					   VNETRS_SDN_MSG_MAX, 65515, rid, 1,
					   "bench"));
			routes = encode_batch(&wire, seq++, true, false, 0,
					      prefixes, n_nh);
		} else {
			routes = 0;
			for (uint32_t k = 0; k < rounds; k++) {
				uint32_t first = (k * churn) % (prefixes - churn + 1);

				routes += encode_batch(&wire, seq++, false, true,
						       first, churn, n_nh);
				routes += encode_batch(&wire, seq++, false,
						       false, first, churn,
						       n_nh);
			}
		}
		t_enc = cpu_seconds() - t;
		t = cpu_seconds();
		through_socket(&wire, &rcvd);
		t_sock = cpu_seconds() - t;
		agent_consume(&a, &rcvd);

		printf("%s: %" PRIu64 " route messages, %.1f MB, %.1f bytes "
		       "each\n",
		       phase == 0 ? "snapshot" : "churn", routes,
		       (double)wire.len / 1e6, (double)wire.len / (double)routes);
		row("encode", t_enc, routes);
		row("socket", t_sock, routes);
		row("decode", a.t_decode, routes);
		row("apply", a.t_apply, routes);
		row("diff", a.t_diff, routes);
		row("total", t_enc + t_sock + a.t_decode + a.t_apply + a.t_diff,
		    routes);
	}
	printf("data-plane operations: %zu; table %zu routes\n", a.ops,
	       a.desired.n);
	agent_table_clear(&a.table);
	agent_table_clear(&a.desired);
	agent_batch_clear(&a.batch);
	free(wire.p);
	free(rcvd.p);
	return 0;
}
