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
 * and written from bgpd's event loop. Every drop is counted by its cause
 * (too slow, silent, error) with the last one's reason; a queue-limit below
 * the table's snapshot is warned about; a socket file removed from under
 * the listener is noticed and re-created.
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
/* How often a listener checks that its socket file is still there. */
#define SOCKET_CHECK_INTERVAL 2
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
	struct thread *t_accept, *t_check;
	struct consumers_head consumers;
	uint64_t accepted, snapshots, dropped_slow, dropped_error;
	uint64_t dropped_silent; /* nothing received for DEADTIME */
	/* The last consumer dropped (by any of the three causes), and why. */
	char last_drop[192];
	time_t last_drop_time;
	/* The last snapshot's size, and whether queue-limit is below it (or
	 * below the table's least size before any snapshot). */
	size_t last_snapshot_bytes;
	bool limit_below_snapshot;
	/* The socket file, to notice its removal; how often it was
	 * re-created, and what is wrong with it (empty: nothing). */
	dev_t dev;
	ino_t ino;
	uint64_t recreated;
	char broken[160];
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

/* Drop c for why, counted in *counter, remembered as the last drop. */
static void consumer_drop(struct consumer *c, uint64_t *counter,
			  const char *why)
{
	struct vnetrs_listener *l = c->listener;

	(*counter)++;
	snprintf(l->last_drop, sizeof(l->last_drop), "%.64s: %.120s",
		 c->name[0] ? c->name : "(no hello)", why);
	l->last_drop_time = time(NULL);
	consumer_close(c, why);
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
		consumer_drop(c, &c->listener->dropped_slow, "too slow: its queue passed queue-limit (it gets a new snapshot when it reconnects)");
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
			consumer_drop(c, &c->listener->dropped_error, safe_strerror(errno));
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

/* The smallest ROUTE_ADD: an IPv4 prefix without next hop
 * (docs/sdn-protocol.md). */
#define SNAPSHOT_ROUTE_MIN 30

/*
 * Is queue-limit below the snapshot (its last size, else the least a
 * snapshot of the table can take)? Said once per
 * change, as a warning: every consumer that does not read the snapshot as
 * fast as it is written is dropped, at every reconnect.
 */
static void check_queue_limit(struct vnetrs_listener *l)
{
	size_t need = l->last_snapshot_bytes;
	bool below;

	if (!need && l->inst)
		need = (size_t)SNAPSHOT_ROUTE_MIN *
			       vnetrs_routes_count(&l->inst->routes) +
		       2 * VNETRS_SDN_HDR_LEN;
	below = need && l->queue_limit < need;
	if (below && !l->limit_below_snapshot)
		zlog_warn("vnetrs: SDN stream %s: queue-limit %zu KiB is below the table's snapshot (%zu KiB%s): a consumer is dropped while it reads it, at every reconnect; raise queue-limit",
			  l->path, l->queue_limit >> 10, (need + 1023) >> 10,
			  l->last_snapshot_bytes ? "" : " at least");
	l->limit_below_snapshot = below;
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
		consumer_drop(c, &c->listener->dropped_error, "snapshot could not be encoded");
		return false;
	}
	c->listener->snapshots++;
	c->listener->last_snapshot_bytes = w->bytes;
	check_queue_limit(c->listener);
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
		consumer_drop(c, &c->listener->dropped_silent,
			      "nothing received for 30 s");
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
			consumer_drop(c, &c->listener->dropped_error, "second HELLO");
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
		consumer_drop(c, &c->listener->dropped_error, "unexpected message from a consumer");
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
			consumer_drop(c, &c->listener->dropped_error, err);
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
				consumer_drop(c, &listeners[i]->dropped_error, "batch could not be encoded");
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
/* A listening socket bound at path (mode 0660, non-blocking), its file's
 * identity in *st. -1 with a message in err. */
static int listener_bind(const char *path, struct stat *st, char *err,
			 size_t errlen)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd;

	strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", safe_strerror(errno));
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    chmod(path, 0660) < 0 || listen(fd, SOMAXCONN) < 0 ||
	    lstat(path, st) < 0) {
		snprintf(err, errlen, "%s: %s", path, safe_strerror(errno));
		close(fd);
		return -1;
	}
	set_nonblocking(fd);
	set_cloexec(fd);
	return fd;
}

int vnetrs_stream_open(const char *path, struct vnetrs_listener **out,
		       char *err, size_t errlen)
{
	struct sockaddr_un sun;
	struct vnetrs_listener *l;
	struct stat st;
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "%s: longer than a Unix socket path may be (%zu)",
			 path, sizeof(sun.sun_path) - 1);
		return -1;
	}
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
	fd = listener_bind(path, &st, err, errlen);
	if (fd < 0)
		return -1;
	l = XCALLOC(MTYPE_VNETRS_SDN_LISTENER, sizeof(*l));
	strlcpy(l->path, path, sizeof(l->path));
	l->fd = fd;
	l->dev = st.st_dev;
	l->ino = st.st_ino;
	l->queue_limit = (size_t)VNETRS_SDN_QUEUE_LIMIT_DEFAULT << 10;
	consumers_init(&l->consumers);
	*out = l;
	return 0;
}

/* The socket file was removed: a new socket at the path (the connected
 * consumers keep theirs). */
static void listener_recreate(struct vnetrs_listener *l)
{
	struct stat st;
	char err[160];
	int fd = listener_bind(l->path, &st, err, sizeof(err));

	if (fd < 0) {
		snprintf(l->broken, sizeof(l->broken),
			 "socket file removed, cannot re-create it: %.100s",
			 err);
		return;
	}
	THREAD_OFF(l->t_accept);
	close(l->fd);
	l->fd = fd;
	l->dev = st.st_dev;
	l->ino = st.st_ino;
	l->recreated++;
	l->broken[0] = '\0';
	thread_add_read(bm->master, listener_accept, l, l->fd, &l->t_accept);
	zlog_warn("vnetrs: SDN stream %s: the socket file was removed: re-created",
		  l->path);
}

/* Is the socket file still ours? Re-created when gone; another file in its
 * place is the user's: shown, left alone. */
static void listener_check(struct thread *t)
{
	struct vnetrs_listener *l = THREAD_ARG(t);
	struct stat st;

	thread_add_timer(bm->master, listener_check, l, SOCKET_CHECK_INTERVAL,
			 &l->t_check);
	if (lstat(l->path, &st) < 0) {
		if (errno == ENOENT)
			listener_recreate(l);
		return;
	}
	if (st.st_dev == l->dev && st.st_ino == l->ino) {
		l->broken[0] = '\0';
		return;
	}
	if (!l->broken[0])
		zlog_warn("vnetrs: SDN stream %s: the path is now another file: no new consumer can reach this listener",
			  l->path);
	snprintf(l->broken, sizeof(l->broken),
		 "the path is now another file: unreachable");
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
	thread_add_timer(bm->master, listener_check, l, SOCKET_CHECK_INTERVAL,
			 &l->t_check);
	zlog_info("vnetrs: SDN stream listening on %s", l->path);
	check_queue_limit(l);
}

void vnetrs_stream_set_queue_limit(struct vnetrs_listener *l, uint32_t kib)
{
	l->queue_limit = (size_t)kib << 10;
	check_queue_limit(l);
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
	THREAD_OFF(l->t_check);
	close(l->fd);
	/* Only our own socket file: another in its place is the user's. */
	if (!l->broken[0])
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

/* What is wrong with a listener, and its last drop, for the show. */
static void listener_show_text(const struct vnetrs_listener *l,
			       struct vty *vty)
{
	if (l->broken[0])
		vty_out(vty, "  BROKEN: %s\n", l->broken);
	if (l->recreated)
		vty_out(vty, "  socket file re-created %" PRIu64 " time(s)\n",
			l->recreated);
	if (l->limit_below_snapshot)
		vty_out(vty,
			"  WARNING: queue-limit %zu KiB is below the snapshot (%zu KiB): consumers are dropped at every reconnect\n",
			l->queue_limit >> 10, (l->last_snapshot_bytes + 1023) >> 10);
	if (l->last_drop[0])
		vty_out(vty, "  last dropped %lld s ago: %s\n",
			(long long)(time(NULL) - l->last_drop_time),
			l->last_drop);
}

static void listener_show_json(const struct vnetrs_listener *l,
			       json_object *jl)
{
	json_object_int_add(jl, "dropped-silent", l->dropped_silent);
	json_object_int_add(jl, "last-snapshot-bytes", l->last_snapshot_bytes);
	json_object_boolean_add(jl, "queue-limit-below-snapshot",
				l->limit_below_snapshot);
	json_object_int_add(jl, "socket-recreated", l->recreated);
	if (l->broken[0])
		json_object_string_add(jl, "broken", l->broken);
	if (l->last_drop[0]) {
		json_object_string_add(jl, "last-drop", l->last_drop);
		json_object_int_add(jl, "last-drop-time", l->last_drop_time);
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
			listener_show_json(l, jl);
		} else {
			vty_out(vty,
				"SDN stream unix %s: %" PRIu64
				" connections, %" PRIu64 " snapshots, %" PRIu64
				" dropped as too slow, %" PRIu64
				" dropped on error, %" PRIu64
				" dropped as silent\n",
				l->path, l->accepted, l->snapshots,
				l->dropped_slow, l->dropped_error,
				l->dropped_silent);
			listener_show_text(l, vty);
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
