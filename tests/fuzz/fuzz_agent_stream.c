// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: vnetrs-agent reading a route server's SDN stream
 * (agent/agent_conn.c through its public API: a real Unix socket, the
 * wire decoder, the order checker, batches applied to the instance's
 * table) and what the agent computes from each committed batch
 * (agent/agent_table.c: the merge with a second instance's table, the
 * incremental update, the diff with the kernel).
 *
 * Input: the bytes the route server sends, after which it closes the
 * connection. Invariants: the connection is used as the agent uses it
 * (one HELLO, the table changes only at a COMMIT); after every commit the
 * incrementally updated desired table equals the full merge of both
 * instances' tables, and the diff from an empty kernel adds exactly its
 * programmable routes.
 *
 * Over TLS the agent reads through the same code: agent_conn.c's reader
 * gets the decrypted bytes from agent_tp_read() (agent/agent_tls.c) and
 * decodes them as it does a Unix socket's, so a Unix socket here covers
 * it; the TLS layer itself is OpenSSL's.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/agent_conn.h"
#include "agent/agent_table.h"
#include "tests/fuzz/fuzz.h"

#define FUZZ_METRIC 20

struct state {
	struct agent_table other;   /* the second instance's table */
	struct agent_table desired; /* kept as the agent keeps it */
	size_t commits, downs;
};

static const struct agent_table *const *tables(struct agent_conn *c,
					       struct state *st)
{
	static const struct agent_table *tabs[2];

	tabs[0] = c->synced ? &c->table : NULL;
	tabs[1] = &st->other;
	return tabs;
}

static void check_desired(struct agent_conn *c, struct state *st)
{
	struct agent_table full, kernel;
	struct agent_ops ops;
	char a[512], b[512];

	agent_table_init(&full);
	agent_merge_all(tables(c, st), 2, &full);
	FUZZ_CHECK(full.n == st->desired.n);
	for (size_t i = 0; i < full.n; i++) {
		agent_route2str(full.r[i], a, sizeof(a));
		agent_route2str(st->desired.r[i], b, sizeof(b));
		FUZZ_CHECK(strcmp(a, b) == 0);
		FUZZ_CHECK(full.r[i]->source == st->desired.r[i]->source);
	}
	agent_table_clear(&full);

	agent_table_init(&kernel);
	agent_ops_init(&ops);
	agent_diff(&st->desired, &kernel, true, FUZZ_METRIC, &ops);
	FUZZ_CHECK(ops.n == ops.adds && ops.deletes == 0);
	FUZZ_CHECK(ops.adds == agent_table_programmable(&st->desired));
	agent_ops_clear(&ops);
}

static void on_commit(struct agent_conn *c, bool snapshot,
		      const struct agent_plist *changed, void *arg)
{
	struct state *st = arg;
	struct agent_ops ops;

	FUZZ_CHECK(c->synced && c->hello);
	st->commits++;
	agent_ops_init(&ops);
	agent_update(&st->desired, tables(c, st), 2, changed, FUZZ_METRIC,
		     &ops);
	agent_ops_clear(&ops);
	check_desired(c, st);
	(void)snapshot;
}

static void on_down(struct agent_conn *c, bool had_table, void *arg)
{
	struct state *st = arg;

	FUZZ_CHECK(c->fd < 0 && !c->synced && c->table.n == 0);
	st->downs++;
	agent_merge_all(tables(c, st), 2, &st->desired);
	(void)had_table;
}

static void on_silence(struct agent_conn *c, bool silent, void *arg)
{
	FUZZ_CHECK(c->fd >= 0 && c->silent == silent);
	(void)arg;
}

static const struct agent_conn_cb callbacks = {
	.commit = on_commit,
	.down = on_down,
	.silence = on_silence,
};

static char sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
static int listen_fd = -1;

static char sock_dir[32];

static void cleanup(void)
{
	unlink(sock_path);
	rmdir(sock_dir);
}

static void setup(void)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	char dir[] = "/tmp/vnetrs-fuzz-XXXXXX";

	FUZZ_CHECK(mkdtemp(dir));
	snprintf(sock_path, sizeof(sock_path), "%s/sdn.sock", dir);
	memcpy(sun.sun_path, sock_path, strlen(sock_path));
	listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	FUZZ_CHECK(listen_fd >= 0);
	FUZZ_CHECK(bind(listen_fd, (struct sockaddr *)&sun, sizeof(sun)) == 0);
	FUZZ_CHECK(listen(listen_fd, 4) == 0);
	snprintf(sock_dir, sizeof(sock_dir), "%s", dir);
	atexit(cleanup);
}

static void add_route(struct agent_table *t, uint8_t a, uint8_t b,
		      uint8_t len, uint8_t nh_last)
{
	struct vnetrs_prefix p = {.family = VNETRS_AF_INET, .len = len};
	struct vnetrs_prefix nh = {.family = VNETRS_AF_INET, .len = 32};

	p.addr[0] = a, p.addr[1] = b;
	nh.addr[0] = 10, nh.addr[1] = 1, nh.addr[2] = 1, nh.addr[3] = nh_last;
	agent_kernel_add(t, agent_route_new(&p, VNETRS_SOURCE_NVA, &nh, 1));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct state st = {};
	struct agent_conn c;
	size_t off = 0;
	bool shut = false;
	int srv, rounds = 0;

	/* One listening socket for every input of the process. */
	if (listen_fd < 0)
		setup();
	agent_table_init(&st.other);
	agent_table_init(&st.desired);
	/* What the other instance holds: a prefix the stream may also
	 * name (10.250.0.0/16, the seeds' one) and one it may not. */
	add_route(&st.other, 10, 250, 16, 5);
	add_route(&st.other, 0, 0, 0, 6);
	agent_kernel_sort(&st.other);

	agent_conn_init(&c, sock_path, "fuzz-agent", &callbacks, &st);
	agent_merge_all(tables(&c, &st), 2, &st.desired);
	agent_conn_run(&c, 0, fuzz_agent_now);
	FUZZ_CHECK(c.fd >= 0);
	srv = accept(listen_fd, NULL, NULL);
	FUZZ_CHECK(srv >= 0);

	while (c.fd >= 0) {
		FUZZ_CHECK(++rounds < 100000);
		if (off < size) {
			ssize_t n = send(srv, data + off, size - off,
					 MSG_DONTWAIT | MSG_NOSIGNAL);

			if (n > 0)
				off += (size_t)n;
			else
				FUZZ_CHECK(errno == EAGAIN);
		} else if (!shut) {
			shutdown(srv, SHUT_WR);
			shut = true;
		}
		/* Time passes: KEEPALIVEs go out, silence would end it. */
		fuzz_agent_now += 250;
		agent_conn_run(&c, POLLIN | POLLOUT, fuzz_agent_now);
	}
	FUZZ_CHECK(st.downs == 1);
	if (getenv("FUZZ_DEBUG"))
		fprintf(stderr, "%zu commits, last log: %s\n", st.commits,
			fuzz_agent_log);
	agent_conn_fini(&c);
	close(srv);
	agent_table_clear(&st.other);
	agent_table_clear(&st.desired);
	return 0;
}

/* --- seeds: what a route server sends ------------------------------------- */

void fuzz_seeds(fuzz_emit_fn emit)
{
	static uint8_t out[1 << 16];
	static struct vnetrs_sdn_route r;
	static const struct {
		const char *name;
		bool batch, del;
	} kinds[] = {
		{"snapshot", false, false},
		{"snapshot-batch", true, false},
		{"snapshot-batch-delete", true, true},
	};
	const uint8_t router_id[4] = {10, 1, 0, 4};
	size_t len;

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		len = vnetrs_sdn_encode_hello_server(out, sizeof(out), 65515,
						     router_id, 7, "rs1");
		len += vnetrs_sdn_encode_begin(out + len, sizeof(out) - len, 1,
					       true, 2);
		memset(&r, 0, sizeof(r));
		r.prefix.family = VNETRS_AF_INET;
		r.prefix.len = 16;
		r.prefix.addr[0] = 10, r.prefix.addr[1] = 250;
		r.source = VNETRS_SOURCE_NVA;
		r.n_nexthops = 1;
		r.nexthops[0].family = VNETRS_AF_INET;
		r.nexthops[0].len = 32;
		r.nexthops[0].addr[0] = 10, r.nexthops[0].addr[1] = 1;
		r.nexthops[0].addr[2] = 1, r.nexthops[0].addr[3] = 4;
		len += vnetrs_sdn_encode_route_add(out + len, sizeof(out) - len,
						   1, &r);
		r.prefix.addr[1] = 1;
		r.source = VNETRS_SOURCE_LOCAL;
		r.n_nexthops = 0;
		len += vnetrs_sdn_encode_route_add(out + len, sizeof(out) - len,
						   1, &r);
		len += vnetrs_sdn_encode_commit(out + len, sizeof(out) - len, 1,
						2);
		if (kinds[k].batch) {
			len += vnetrs_sdn_encode_begin(out + len,
						       sizeof(out) - len, 2,
						       false, 1);
			r.prefix.addr[1] = 250;
			if (kinds[k].del) {
				len += vnetrs_sdn_encode_route_del(
					out + len, sizeof(out) - len, 2,
					&r.prefix);
			} else {
				r.source = VNETRS_SOURCE_NVA;
				r.n_nexthops = 1;
				len += vnetrs_sdn_encode_route_add(
					out + len, sizeof(out) - len, 2, &r);
			}
			len += vnetrs_sdn_encode_commit(out + len,
							sizeof(out) - len, 2, 1);
			/* The route server starts draining. */
			len += vnetrs_sdn_encode_keepalive_state(
				out + len, sizeof(out) - len, 2, true);
		}
		emit(kinds[k].name, out, len);
	}
}
