// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: the SDN stream, the effective route table on a Unix socket
 * ("sdn listen unix PATH"; protocol in docs/sdn-protocol.md).
 *
 * Each consumer gets the route server's HELLO, sends its own, then gets a
 * snapshot of the table and every batch after it. A batch is encoded once
 * and shared by all consumers (reference-counted chunks). A consumer's
 * queue is bounded: one that does not read is disconnected when its queue
 * would pass the listener's queue-limit, and resyncs (new snapshot) when it
 * reconnects. bgpd never blocks on a consumer: sockets are non-blocking
 * and written from bgpd's event loop.
 */
#include <zebra.h>

#include <sys/stat.h>
#include <sys/un.h>

#include "lib/log.h"
#include "lib/memory.h"
#include "lib/monotime.h"
#include "lib/network.h"
#include "lib/thread.h"

#include "bgpd/bgpd.h"

#include "../logic/vnetrs_sdn_wire.h"
#include "vnetrs.h"
#include "vnetrs_sdn_stream.h"

DEFINE_MTYPE_STATIC(VNETRS, VNETRS_SDN_LISTENER, "vnetrs SDN listener");
DEFINE_MTYPE_STATIC(VNETRS, VNETRS_SDN_CONSUMER, "vnetrs SDN consumer");
DEFINE_MTYPE_STATIC(VNETRS, VNETRS_SDN_CHUNK, "vnetrs SDN queued data");

#define KEEPALIVE_INTERVAL 10
#define DEADTIME 30
/* Messages are encoded into chunks of about this size. */
#define CHUNK_SIZE (256u << 10)

/* Encoded messages, shared by the queues of the consumers. */
struct chunk {
	unsigned int refcnt;
	size_t len, cap;
	uint8_t data[];
};

PREDECL_DLIST(qents);
struct qent {
	struct qents_item item;
	struct chunk *chunk;
	size_t off;
};
DECLARE_DLIST(qents, struct qent, item);

PREDECL_DLIST(consumers);
/* WAIT_TABLE: said hello while the table converges after a start. */
enum consumer_state { WAIT_HELLO, WAIT_TABLE, LIVE };

static const char *const consumer_state_names[] = {
	[WAIT_HELLO] = "hello",
	[WAIT_TABLE] = "waiting-for-table",
	[LIVE] = "live",
};

struct consumer {
	struct consumers_item item;
	struct vnetrs_listener *listener;
	int fd;
	enum consumer_state state;
	char name[VNETRS_SDN_NAME_MAX + 1];
	time_t since;
	uint64_t seq_sent;  /* last batch queued to it */
	uint64_t seq_acked; /* last batch it said it applied */
	uint64_t batches;
	struct qents_head queue;
	size_t queued;
	uint8_t in[VNETRS_SDN_MSG_MAX];
	size_t in_len;
	time_t last_rx;
	struct thread *t_read, *t_write, *t_keepalive;
};
DECLARE_DLIST(consumers, struct consumer, item);

struct vnetrs_listener {
	struct vnetrs_instance *inst;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int fd;
	/* Bytes queued per consumer before it counts as stuck. */
	size_t queue_limit;
	struct thread *t_accept;
	struct consumers_head consumers;
	uint64_t accepted, snapshots, dropped_slow, dropped_error;
};

/* The listeners of every instance (a handful). */
static struct vnetrs_listener *listeners[16];

/* One reusable message for the encoder (18 KiB: not on the stack). */
static struct vnetrs_sdn_route wire_route;
static uint64_t epoch;

static struct chunk *chunk_new(size_t cap)
{
	struct chunk *c = XMALLOC(MTYPE_VNETRS_SDN_CHUNK, sizeof(*c) + cap);

	c->refcnt = 1; /* the writer's; queues add theirs */
	c->len = 0;
	c->cap = cap;
	return c;
}

static void chunk_unref(struct chunk *c)
{
	if (--c->refcnt == 0)
		XFREE(MTYPE_VNETRS_SDN_CHUNK, c);
}

/*
 * An encoding in progress: a list of chunks filled one after another.
 */
struct writer {
	struct chunk *chunks[4096];
	size_t n;
	size_t bytes;
	bool failed;
};

static uint8_t *writer_room(struct writer *w, size_t need)
{
	struct chunk *c = w->n ? w->chunks[w->n - 1] : NULL;

	if (!c || c->cap - c->len < need) {
		if (w->n == array_size(w->chunks)) {
			w->failed = true;
			return NULL;
		}
		c = chunk_new(MAX(CHUNK_SIZE, need));
		w->chunks[w->n++] = c;
	}
	return c->data + c->len;
}

static void writer_commit(struct writer *w, size_t len)
{
	w->chunks[w->n - 1]->len += len;
	w->bytes += len;
}

/* Largest encoded message: a route with every next hop in IPv6. */
#define MSG_ROOM (VNETRS_SDN_HDR_LEN + 64 + 17 * VNETRS_SDN_MAX_NEXTHOPS)

static void put_begin(struct writer *w, uint64_t seq, bool snap, uint32_t n)
{
	uint8_t *p = writer_room(w, MSG_ROOM);

	if (p)
		writer_commit(w, vnetrs_sdn_encode_begin(p, MSG_ROOM, seq, snap,
							 n));
}

static void put_commit(struct writer *w, uint64_t seq, uint32_t n)
{
	uint8_t *p = writer_room(w, MSG_ROOM);

	if (p)
		writer_commit(w, vnetrs_sdn_encode_commit(p, MSG_ROOM, seq, n));
}

static void put_route(struct writer *w, uint64_t seq,
		      const struct vnetrs_prefix *prefix,
		      const struct vnetrs_route *r)
{
	uint8_t *p = writer_room(w, MSG_ROOM);
	size_t len, n = 0;

	if (!p)
		return;
	if (!r) {
		writer_commit(w, vnetrs_sdn_encode_route_del(p, MSG_ROOM, seq,
							     prefix));
		return;
	}
	wire_route.prefix = r->prefix;
	wire_route.source = r->source;
	wire_route.peered = r->peered;
	wire_route.as_path_len = r->n_paths ? r->paths[0].as_path_len : 0;
	for (size_t i = 0; i < r->n_paths && n < VNETRS_SDN_MAX_NEXTHOPS; i++)
		if (vnetrs_paths_new_nexthop(r->paths, i))
			wire_route.nexthops[n++] = r->paths[i].nexthop;
	wire_route.n_nexthops = n;
	len = vnetrs_sdn_encode_route_add(p, MSG_ROOM, seq, &wire_route);
	if (!len) {
		w->failed = true;
		return;
	}
	writer_commit(w, len);
}

/* Drop the writer's references: chunks no queue holds are freed. */
static void writer_free(struct writer *w)
{
	for (size_t i = 0; i < w->n; i++)
		chunk_unref(w->chunks[i]);
	w->n = 0;
}

/*
 * Consumers.
 */
static void consumer_close(struct consumer *c, const char *why)
{
	struct vnetrs_listener *l = c->listener;
	struct qent *q;

	zlog_info("vnetrs: SDN consumer %s on %s disconnected: %s",
		  c->name[0] ? c->name : "(no hello)", l->path, why);
	THREAD_OFF(c->t_read);
	THREAD_OFF(c->t_write);
	THREAD_OFF(c->t_keepalive);
	close(c->fd);
	while ((q = qents_pop(&c->queue))) {
		chunk_unref(q->chunk);
		XFREE(MTYPE_VNETRS_SDN_CONSUMER, q);
	}
	consumers_del(&l->consumers, c);
	XFREE(MTYPE_VNETRS_SDN_CONSUMER, c);
}

static bool consumer_flush(struct consumer *c);

/* Queue the chunks of w to c and write what the socket takes at once.
 * Returns false if c was dropped. */
static bool consumer_enqueue(struct consumer *c, struct writer *w)
{
	for (size_t i = 0; i < w->n; i++) {
		struct qent *q = XCALLOC(MTYPE_VNETRS_SDN_CONSUMER, sizeof(*q));

		q->chunk = w->chunks[i];
		q->chunk->refcnt++;
		qents_add_tail(&c->queue, q);
	}
	c->queued += w->bytes;
	/* Straight away: the socket usually takes it, and the SDN gets the
	 * batch without waiting for the next turn of the event loop. */
	if (!consumer_flush(c))
		return false;
	if (c->queued > c->listener->queue_limit) {
		c->listener->dropped_slow++;
		consumer_close(c, "too slow: its queue passed queue-limit (it gets a new snapshot when it reconnects)");
		return false;
	}
	return true;
}

static void consumer_write(struct thread *t);

/* Write what the socket takes now; false if c was dropped. */
static bool consumer_flush(struct consumer *c)
{
	struct qent *q;

	while ((q = qents_first(&c->queue))) {
		ssize_t n = write(c->fd, q->chunk->data + q->off,
				  q->chunk->len - q->off);

		if (n < 0) {
			if (ERRNO_IO_RETRY(errno))
				break;
			c->listener->dropped_error++;
			consumer_close(c, safe_strerror(errno));
			return false;
		}
		q->off += n;
		c->queued -= n;
		if (q->off < q->chunk->len)
			break;
		qents_del(&c->queue, q);
		chunk_unref(q->chunk);
		XFREE(MTYPE_VNETRS_SDN_CONSUMER, q);
	}
	if (qents_count(&c->queue))
		thread_add_write(bm->master, consumer_write, c, c->fd,
				 &c->t_write);
	return true;
}

static void consumer_write(struct thread *t)
{
	consumer_flush(THREAD_ARG(t));
}

/* The whole table, as of the last batch, to a consumer that said hello.
 * Returns false if the consumer had to be dropped. */
static bool consumer_snapshot(struct consumer *c)
{
	struct vnetrs_instance *inst = c->listener->inst;
	struct writer *w = XCALLOC(MTYPE_TMP, sizeof(*w));
	const struct vnetrs_route *r;
	uint32_t n;
	bool ok;

	/* Pending changes go out first, to the others: the snapshot is then
	 * the table as of batch sdn_seq. */
	vnetrs_effective_flush(inst);
	vnetrs_sdn_flush(inst);
	if (inst->sdn_seq == 0)
		inst->sdn_seq = 1; /* sequence numbers start at 1 */
	n = vnetrs_routes_count(&inst->routes);
	put_begin(w, inst->sdn_seq, true, n);
	frr_each (vnetrs_routes_const, &inst->routes, r)
		put_route(w, inst->sdn_seq, &r->prefix, r);
	put_commit(w, inst->sdn_seq, n);
	if (w->failed) {
		writer_free(w);
		XFREE(MTYPE_TMP, w);
		c->listener->dropped_error++;
		consumer_close(c, "snapshot could not be encoded");
		return false;
	}
	c->listener->snapshots++;
	c->seq_sent = inst->sdn_seq;
	c->batches++;
	c->state = LIVE;
	zlog_info("vnetrs: SDN consumer %s on %s: snapshot of %u routes (batch %" PRIu64
		  ", %zu bytes)",
		  c->name, c->listener->path, n, inst->sdn_seq, w->bytes);
	ok = consumer_enqueue(c, w);
	writer_free(w);
	XFREE(MTYPE_TMP, w);
	return ok;
}

/* Returns false if c was dropped. */
static bool consumer_send_keepalive(struct consumer *c)
{
	struct writer w = {};
	uint8_t *p = writer_room(&w, VNETRS_SDN_HDR_LEN);
	bool ok;

	writer_commit(&w, vnetrs_sdn_encode_keepalive(p, VNETRS_SDN_HDR_LEN,
						      c->seq_sent));
	ok = consumer_enqueue(c, &w);
	writer_free(&w);
	return ok;
}

static void consumer_keepalive(struct thread *t)
{
	struct consumer *c = THREAD_ARG(t);

	if (monotime(NULL) - c->last_rx > DEADTIME) {
		c->listener->dropped_error++;
		consumer_close(c, "nothing received for 30 s");
		return;
	}
	thread_add_timer(bm->master, consumer_keepalive, c,
			 KEEPALIVE_INTERVAL, &c->t_keepalive);
	if (c->state != WAIT_HELLO)
		consumer_send_keepalive(c);
}

/* Handle one message from a consumer; false if it was dropped. */
static bool consumer_handle(struct consumer *c, const struct vnetrs_sdn_msg *m)
{
	switch (m->type) {
	case VNETRS_SDN_HELLO:
		if (c->state != WAIT_HELLO) {
			c->listener->dropped_error++;
			consumer_close(c, "second HELLO");
			return false;
		}
		strlcpy(c->name, m->u.hello.name, sizeof(c->name));
		if (!c->name[0])
			snprintf(c->name, sizeof(c->name), "fd%d", c->fd);
		if (!c->listener->inst->converged) {
			/* A snapshot now would delete what is merely late. */
			c->state = WAIT_TABLE;
			zlog_info("vnetrs: SDN consumer %s on %s: snapshot held until the table converges",
				  c->name, c->listener->path);
			return true;
		}
		return consumer_snapshot(c);
	case VNETRS_SDN_KEEPALIVE:
		c->seq_acked = m->seq;
		/* Answered at once: the consumer tells a hung route server
		 * from an idle one within seconds (docs/sdn-protocol.md). */
		if (c->state != WAIT_HELLO)
			return consumer_send_keepalive(c);
		return true;
	default:
		c->listener->dropped_error++;
		consumer_close(c, "unexpected message from a consumer");
		return false;
	}
}

static void consumer_read(struct thread *t)
{
	struct consumer *c = THREAD_ARG(t);
	static struct vnetrs_sdn_msg msg;
	char err[128];
	ssize_t n;
	size_t off = 0;

	n = read(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len);
	if (n == 0 || (n < 0 && !ERRNO_IO_RETRY(errno))) {
		consumer_close(c, n == 0 ? "closed by the consumer"
					 : safe_strerror(errno));
		return;
	}
	if (n > 0) {
		c->in_len += n;
		c->last_rx = monotime(NULL);
	}
	for (;;) {
		size_t used;
		int ret = vnetrs_sdn_decode_dir(c->in + off, c->in_len - off,
						VNETRS_SDN_FROM_CONSUMER, &msg,
						&used, err, sizeof(err));

		if (ret < 0) {
			c->listener->dropped_error++;
			consumer_close(c, err);
			return;
		}
		if (ret == 0)
			break;
		off += used;
		if (!consumer_handle(c, &msg))
			return;
	}
	memmove(c->in, c->in + off, c->in_len - off);
	c->in_len -= off;
	thread_add_read(bm->master, consumer_read, c, c->fd, &c->t_read);
}

/* Returns false if c was dropped (its socket refused the HELLO). */
static bool send_hello(struct consumer *c)
{
	struct vnetrs_instance *inst = c->listener->inst;
	struct bgp *bgp = vnetrs_instance_bgp(inst);
	struct writer w = {};
	char name[VNETRS_SDN_NAME_MAX + 1];
	uint8_t rid[4] = {};
	uint8_t *p = writer_room(&w, MSG_ROOM);
	bool ok;

	if (bgp)
		memcpy(rid, &bgp->router_id, 4);
	snprintf(name, sizeof(name), "%s/%s", cmd_hostname_get() ?: "bgpd",
		 inst->vrf);
	writer_commit(&w, vnetrs_sdn_encode_hello_server(
				  p, MSG_ROOM, bgp ? bgp->as : 0, rid, epoch,
				  name));
	ok = consumer_enqueue(c, &w);
	writer_free(&w);
	return ok;
}

static void listener_accept(struct thread *t)
{
	struct vnetrs_listener *l = THREAD_ARG(t);
	struct consumer *c;
	int fd;

	thread_add_read(bm->master, listener_accept, l, l->fd, &l->t_accept);
	fd = accept(l->fd, NULL, NULL);
	if (fd < 0) {
		if (!ERRNO_IO_RETRY(errno))
			zlog_warn("vnetrs: SDN socket %s: accept: %s", l->path,
				  safe_strerror(errno));
		return;
	}
	set_nonblocking(fd);
	set_cloexec(fd);
	c = XCALLOC(MTYPE_VNETRS_SDN_CONSUMER, sizeof(*c));
	c->listener = l;
	c->fd = fd;
	c->since = time(NULL);
	c->last_rx = monotime(NULL);
	qents_init(&c->queue);
	consumers_add_tail(&l->consumers, c);
	l->accepted++;
	/* A consumer gone already is closed (and freed) by then. */
	if (!send_hello(c))
		return;
	thread_add_read(bm->master, consumer_read, c, fd, &c->t_read);
	thread_add_timer(bm->master, consumer_keepalive, c,
			 KEEPALIVE_INTERVAL, &c->t_keepalive);
}

/*
 * Batches: called by vnetrs_sdn.c with the prefixes of one batch.
 */
struct vnetrs_stream_batch {
	struct writer w;
	uint64_t seq;
	uint32_t count;
};

static bool has_live_consumers(struct vnetrs_instance *inst)
{
	for (size_t i = 0; i < array_size(listeners); i++) {
		struct consumer *c;

		if (!listeners[i] || listeners[i]->inst != inst)
			continue;
		frr_each (consumers, &listeners[i]->consumers, c)
			if (c->state == LIVE)
				return true;
	}
	return false;
}

struct vnetrs_stream_batch *vnetrs_stream_begin(struct vnetrs_instance *inst,
						uint64_t seq, uint32_t count)
{
	struct vnetrs_stream_batch *b;

	if (!has_live_consumers(inst))
		return NULL;
	b = XCALLOC(MTYPE_TMP, sizeof(*b));
	b->seq = seq;
	b->count = count;
	put_begin(&b->w, seq, false, count);
	return b;
}

void vnetrs_stream_route(struct vnetrs_stream_batch *b,
			 const struct vnetrs_prefix *p,
			 const struct vnetrs_route *r)
{
	if (b)
		put_route(&b->w, b->seq, p, r);
}

void vnetrs_stream_commit(struct vnetrs_instance *inst,
			  struct vnetrs_stream_batch *b)
{
	if (!b)
		return;
	put_commit(&b->w, b->seq, b->count);
	for (size_t i = 0; i < array_size(listeners); i++) {
		struct consumer *c;

		if (!listeners[i] || listeners[i]->inst != inst)
			continue;
		frr_each_safe (consumers, &listeners[i]->consumers, c) {
			if (c->state != LIVE)
				continue;
			if (b->w.failed) {
				listeners[i]->dropped_error++;
				consumer_close(c, "batch could not be encoded");
				continue;
			}
			if (consumer_enqueue(c, &b->w)) {
				c->seq_sent = b->seq;
				c->batches++;
			}
		}
	}
	writer_free(&b->w);
	XFREE(MTYPE_TMP, b);
}

/*
 * Listeners ("sdn listen unix PATH").
 */
int vnetrs_stream_open(const char *path, struct vnetrs_listener **out,
		       char *err, size_t errlen)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct vnetrs_listener *l;
	struct stat st;
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "%s: longer than a Unix socket path may be (%zu)",
			 path, sizeof(sun.sun_path) - 1);
		return -1;
	}
	strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	/* A socket left by an earlier run is replaced; anything else is the
	 * user's and stays. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "%s exists and is not a socket",
				 path);
			return -1;
		}
		unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", safe_strerror(errno));
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    chmod(path, 0660) < 0 || listen(fd, SOMAXCONN) < 0) {
		snprintf(err, errlen, "%s: %s", path, safe_strerror(errno));
		close(fd);
		return -1;
	}
	set_nonblocking(fd);
	set_cloexec(fd);
	l = XCALLOC(MTYPE_VNETRS_SDN_LISTENER, sizeof(*l));
	strlcpy(l->path, path, sizeof(l->path));
	l->fd = fd;
	l->queue_limit = (size_t)VNETRS_SDN_QUEUE_LIMIT_DEFAULT << 10;
	consumers_init(&l->consumers);
	*out = l;
	return 0;
}

void vnetrs_stream_start(struct vnetrs_instance *inst,
			 struct vnetrs_listener *l)
{
	for (size_t i = 0; i < array_size(listeners); i++)
		if (!listeners[i]) {
			listeners[i] = l;
			break;
		}
	if (!epoch)
		epoch = (uint64_t)time(NULL) << 20 ^ (uint64_t)getpid();
	l->inst = inst;
	thread_add_read(bm->master, listener_accept, l, l->fd, &l->t_accept);
	zlog_info("vnetrs: SDN stream listening on %s", l->path);
}

void vnetrs_stream_set_queue_limit(struct vnetrs_listener *l, uint32_t kib)
{
	l->queue_limit = (size_t)kib << 10;
}

void vnetrs_stream_close(struct vnetrs_listener *l)
{
	struct consumer *c;

	for (size_t i = 0; i < array_size(listeners); i++)
		if (listeners[i] == l)
			listeners[i] = NULL;
	while ((c = consumers_first(&l->consumers)))
		consumer_close(c, "the route server stops listening");
	THREAD_OFF(l->t_accept);
	close(l->fd);
	unlink(l->path);
	consumers_fini(&l->consumers);
	XFREE(MTYPE_VNETRS_SDN_LISTENER, l);
}

struct vnetrs_listener *vnetrs_stream_find(struct vnetrs_instance *inst,
					   const char *path)
{
	for (size_t i = 0; i < array_size(listeners); i++)
		if (listeners[i] && listeners[i]->inst == inst &&
		    strcmp(listeners[i]->path, path) == 0)
			return listeners[i];
	return NULL;
}

void vnetrs_stream_close_all(struct vnetrs_instance *inst)
{
	for (size_t i = 0; i < array_size(listeners); i++)
		if (listeners[i] && listeners[i]->inst == inst)
			vnetrs_stream_close(listeners[i]);
}

bool vnetrs_stream_room(void)
{
	for (size_t i = 0; i < array_size(listeners); i++)
		if (!listeners[i])
			return true;
	return false;
}

void vnetrs_stream_converged(struct vnetrs_instance *inst)
{
	for (size_t i = 0; i < array_size(listeners); i++) {
		struct consumer *c;

		if (!listeners[i] || listeners[i]->inst != inst)
			continue;
		frr_each_safe (consumers, &listeners[i]->consumers, c)
			if (c->state == WAIT_TABLE)
				consumer_snapshot(c);
	}
}

void vnetrs_stream_show(struct vnetrs_instance *inst, struct vty *vty,
			json_object *js)
{
	json_object *jls = js ? json_object_new_array() : NULL;

	if (js) {
		json_object_boolean_add(js, "table-converged", inst->converged);
		if (inst->converged)
			json_object_int_add(js, "converged-after-ms",
					    inst->converged_ms);
	} else if (inst->converged) {
		vty_out(vty, "Table converged %.1f s after the start\n",
			inst->converged_ms / 1000.0);
	} else {
		vty_out(vty,
			"Table converging after the start: snapshots held\n");
	}

	for (size_t i = 0; i < array_size(listeners); i++) {
		struct vnetrs_listener *l = listeners[i];
		json_object *jl = NULL, *jcs = NULL;
		struct consumer *c;

		if (!l || l->inst != inst)
			continue;
		if (js) {
			jl = json_object_new_object();
			jcs = json_object_new_array();
			json_object_string_add(jl, "path", l->path);
			json_object_int_add(jl, "queue-limit-kib",
					    l->queue_limit >> 10);
			json_object_int_add(jl, "connections", l->accepted);
			json_object_int_add(jl, "snapshots", l->snapshots);
			json_object_int_add(jl, "dropped-slow",
					    l->dropped_slow);
			json_object_int_add(jl, "dropped-error",
					    l->dropped_error);
		} else {
			vty_out(vty,
				"SDN stream unix %s: %" PRIu64
				" connections, %" PRIu64 " snapshots, %" PRIu64
				" dropped as too slow, %" PRIu64
				" dropped on error\n",
				l->path, l->accepted, l->snapshots,
				l->dropped_slow, l->dropped_error);
		}
		frr_each (consumers, &l->consumers, c) {
			if (js) {
				json_object *o = json_object_new_object();

				json_object_string_add(o, "name", c->name);
				json_object_string_add(
					o, "state",
					consumer_state_names[c->state]);
				json_object_int_add(o, "seq-sent",
						    c->seq_sent);
				json_object_int_add(o, "seq-acked",
						    c->seq_acked);
				json_object_int_add(o, "batches", c->batches);
				json_object_int_add(o, "queue-bytes",
						    c->queued);
				json_object_int_add(o, "connected-since",
						    c->since);
				json_object_array_add(jcs, o);
			} else {
				vty_out(vty,
					"  %-32s %-17s seq sent %" PRIu64
					" acked %" PRIu64 ", %" PRIu64
					" batches, %zu bytes queued\n",
					c->name, consumer_state_names[c->state],
					c->seq_sent, c->seq_acked, c->batches,
					c->queued);
			}
		}
		if (js) {
			json_object_object_add(jl, "consumers", jcs);
			json_object_array_add(jls, jl);
		}
	}
	if (js)
		json_object_object_add(js, "listeners", jls);
}
