// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: the SDN stream, the effective route table served to consumers
 * on sockets ("sdn listen ..."; protocol in docs/sdn-protocol.md).
 *
 * The stream is one consumer of the SDN hook API (<vnetrs/sdn.h>), as any
 * other bgpd module would be: it encodes each batch once into
 * reference-counted chunks shared by the queues of all its consumers, and
 * asks the API for a snapshot of its own when consumers join. Sockets are
 * a transport's business (vnetrs_stream_transport.h): this file sees
 * connections that move bytes.
 *
 * Each consumer gets the route server's HELLO, sends its own, then gets a
 * snapshot of the table and every batch after it. A consumer's queue is
 * bounded: one that does not read is disconnected when its queue would
 * pass the listener's queue-limit, and resyncs (new snapshot) when it
 * reconnects. bgpd never blocks on a consumer: connections are
 * non-blocking and written from bgpd's event loop. Every drop is counted
 * by its cause (too slow, silent, error) with the last one's reason; a
 * queue-limit below the table's snapshot is warned about.
 */
#include <zebra.h>

#include "lib/command.h"
#include "lib/hook.h"
#include "lib/log.h"
#include "lib/memory.h"
#include "lib/monotime.h"
#include "vnetrs_compat_event.h"

#include "bgpd/bgpd.h"

#include "../logic/vnetrs_sdn_wire.h"
#include "vnetrs.h"
#include "vnetrs_bgp.h"
#include "vnetrs_debug.h"
#include "vnetrs_instance.h"
#include "vnetrs/sdn.h"
#include "vnetrs_stream.h"
#include "vnetrs_stream_transport.h"

DEFINE_MTYPE_STATIC(VNETRS, VNETRS_SDN_STREAM, "vnetrs SDN stream of a VRF");
DEFINE_MTYPE_STATIC(VNETRS, VNETRS_SDN_LISTENER, "vnetrs SDN listener");
DEFINE_MTYPE_STATIC(VNETRS, VNETRS_SDN_CONSUMER, "vnetrs SDN consumer");
DEFINE_MTYPE_STATIC(VNETRS, VNETRS_SDN_QENT, "vnetrs SDN queue entry");
DEFINE_MTYPE_STATIC(VNETRS, VNETRS_SDN_CHUNK, "vnetrs SDN queued data");
DEFINE_MTYPE_STATIC(VNETRS, VNETRS_SDN_WRITER, "vnetrs SDN encoding");

/* docs/sdn-protocol.md: a KEEPALIVE every 10 s, silence for 30 s ends it. */
#define KEEPALIVE_INTERVAL 10
#define DEADTIME 30
/* A connection has this long to be set up (TLS handshake) and say HELLO. */
#define SETUP_DEADLINE 5
/* Messages are encoded into chunks of about this size. */
#define CHUNK_SIZE (256u << 10)
/* Listeners of all instances together. */
#define LISTENERS_MAX 16
/* Reads per event: a consumer that never stops sending cannot hold bgpd. */
#define READS_PER_EVENT 32

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

/*
 * SETUP: the transport sets the connection up (TLS handshake).
 * WANT_SNAPSHOT: said HELLO, its snapshot is being made.
 * WAIT_TABLE: said HELLO while the table converges after a start.
 */
enum consumer_state { SETUP, WAIT_HELLO, WAIT_TABLE, WANT_SNAPSHOT, LIVE };

static const char *const consumer_state_names[] = {
	[SETUP] = "setup",
	[WAIT_HELLO] = "hello",
	[WAIT_TABLE] = "waiting-for-table",
	[WANT_SNAPSHOT] = "waiting-for-table",
	[LIVE] = "live",
};

PREDECL_DLIST(consumers);
struct consumer {
	struct consumers_item item;
	struct vnetrs_listener *listener;
	struct vnetrs_conn *conn;
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
	/* The last read waits for the socket to take data (TLS). */
	bool read_wants_write;
	time_t last_rx;
	vnetrs_event *t_read, *t_write, *t_timer;
};
DECLARE_DLIST(consumers, struct consumer, item);

PREDECL_DLIST(listeners);
struct vnetrs_listener {
	struct listeners_item item;
	struct vrf_stream *stream;
	const struct vnetrs_transport_ops *ops;
	void *tp; /* the transport's own state */
	/* Bytes queued per consumer before it counts as stuck. */
	size_t queue_limit;
	/* Consumers at once, set up or not: the rest are refused. */
	uint32_t max_consumers;
	struct consumers_head consumers;
	uint64_t accepted, snapshots, dropped_slow, dropped_error;
	uint64_t dropped_silent; /* nothing received for DEADTIME */
	/* Connections refused before the protocol started, by reason (the
	 * transport's static strings). */
	struct {
		const char *reason;
		uint64_t count;
	} refused[VNETRS_STREAM_COUNTERS_MAX];
	/* The last consumer dropped (by any of the three causes), and why. */
	char last_drop[192];
	time_t last_drop_time;
	/* The last snapshot's size, and whether queue-limit is below it (or
	 * below the table's least size before any snapshot). */
	size_t last_snapshot_bytes;
	bool limit_below_snapshot;
};
DECLARE_DLIST(listeners, struct vnetrs_listener, item);

/* The stream of one route-server instance: its listeners. */
PREDECL_DLIST(vrf_streams);
struct vrf_stream {
	struct vrf_streams_item item;
	char vrf[VRF_NAMSIZ];
	struct listeners_head listeners;
};
DECLARE_DLIST(vrf_streams, struct vrf_stream, item);

static struct vrf_streams_head vrf_streams = INIT_DLIST(vrf_streams);
static size_t n_listeners;

/* One reusable message for the encoder (18 KiB: not on the stack). */
static struct vnetrs_sdn_route wire_route;
static uint64_t epoch;

static struct vrf_stream *stream_find(const char *vrf)
{
	struct vrf_stream *s;

	frr_each (vrf_streams, &vrf_streams, s)
		if (strcmp(s->vrf, vrf) == 0)
			return s;
	return NULL;
}

/*
 * Encoding: a list of chunks filled one after another.
 */
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

/* Drop the writer's references: chunks no queue holds are freed. */
static void writer_free(struct writer *w)
{
	for (size_t i = 0; i < w->n; i++)
		chunk_unref(w->chunks[i]);
	w->n = 0;
	w->bytes = 0;
	w->failed = false;
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

/* BEGIN, the writer's first message, with the count known at the end. */
static void patch_begin(struct writer *w, uint64_t seq, bool snap, uint32_t n)
{
	if (w->n)
		vnetrs_sdn_encode_begin(w->chunks[0]->data, MSG_ROOM, seq, snap,
					n);
}

static void put_commit(struct writer *w, uint64_t seq, uint32_t n)
{
	uint8_t *p = writer_room(w, MSG_ROOM);

	if (p)
		writer_commit(w, vnetrs_sdn_encode_commit(p, MSG_ROOM, seq, n));
}

static enum vnetrs_source wire_source(enum vnetrs_sdn_source src)
{
	switch (src) {
	case VNETRS_SDN_NVA:
		return VNETRS_SOURCE_NVA;
	case VNETRS_SDN_EXPRESSROUTE:
		return VNETRS_SOURCE_EXPRESSROUTE;
	case VNETRS_SDN_VPN:
		return VNETRS_SOURCE_VPN;
	case VNETRS_SDN_LOCAL:
		break;
	}
	return VNETRS_SOURCE_LOCAL;
}

/* A route as the hook API gives it, as a ROUTE_ADD or ROUTE_DEL. */
static void put_route(struct writer *w, uint64_t seq,
		      const struct vnetrs_sdn_entry *e, bool deleted)
{
	uint8_t *p = writer_room(w, MSG_ROOM);
	struct vnetrs_prefix prefix;
	size_t len, n;

	if (!p)
		return;
	vnetrs_prefix_from_frr(&e->prefix, &prefix);
	if (deleted) {
		writer_commit(w, vnetrs_sdn_encode_route_del(p, MSG_ROOM, seq,
							     &prefix));
		return;
	}
	wire_route.prefix = prefix;
	wire_route.source = wire_source(e->source);
	wire_route.peered = e->peered;
	wire_route.as_path_len = e->as_path_len;
	n = MIN(e->n_nexthops, VNETRS_SDN_MAX_NEXTHOPS);
	for (size_t i = 0; i < n; i++)
		vnetrs_host_from_ipaddr(&e->nexthops[i],
					&wire_route.nexthops[i]);
	wire_route.n_nexthops = n;
	len = vnetrs_sdn_encode_route_add(p, MSG_ROOM, seq, &wire_route);
	if (!len) {
		w->failed = true;
		return;
	}
	writer_commit(w, len);
}

/*
 * Consumers.
 */
static void consumer_close(struct consumer *c, const char *why)
{
	struct vnetrs_listener *l = c->listener;
	struct qent *q;

	vnetrs_info("SDN consumer %s on %s disconnected: %s",
		  c->name[0] ? c->name : "(no hello)", vnetrs_listener_where(l),
		  why);
	EVENT_OFF(c->t_read);
	EVENT_OFF(c->t_write);
	EVENT_OFF(c->t_timer);
	c->conn->ops->free(c->conn);
	while ((q = qents_pop(&c->queue))) {
		chunk_unref(q->chunk);
		XFREE(MTYPE_VNETRS_SDN_QENT, q);
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

static void consumer_read(vnetrs_event *t);
static void consumer_write(vnetrs_event *t);

/* Wait for what the connection needs next. */
static void consumer_arm(struct consumer *c)
{
	event_add_read(bm->master, consumer_read, c, c->conn->fd,
			&c->t_read);
	if (qents_count(&c->queue) || c->conn->want_write ||
	    c->read_wants_write)
		event_add_write(bm->master, consumer_write, c, c->conn->fd,
				 &c->t_write);
}

/* Write what the connection takes now; false if c was dropped. */
static bool consumer_flush(struct consumer *c)
{
	struct vnetrs_conn *conn = c->conn;
	struct qent *q;
	char err[128];

	if (c->state == SETUP)
		return true;
	while ((q = qents_first(&c->queue))) {
		ssize_t n = conn->ops->write(conn, q->chunk->data + q->off,
					     q->chunk->len - q->off, err,
					     sizeof(err));

		if (n == VNETRS_IO_AGAIN)
			break;
		if (n < 0) {
			consumer_drop(c, &c->listener->dropped_error, err);
			return false;
		}
		q->off += n;
		c->queued -= n;
		if (q->off < q->chunk->len)
			continue;
		qents_del(&c->queue, q);
		chunk_unref(q->chunk);
		XFREE(MTYPE_VNETRS_SDN_QENT, q);
	}
	if (qents_count(&c->queue))
		event_add_write(bm->master, consumer_write, c, conn->fd,
				 &c->t_write);
	return true;
}

/* Queue the chunks of w to c and write what the connection takes at once.
 * Returns false if c was dropped. */
static bool consumer_enqueue(struct consumer *c, struct writer *w)
{
	for (size_t i = 0; i < w->n; i++) {
		struct qent *q = XCALLOC(MTYPE_VNETRS_SDN_QENT, sizeof(*q));

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
		consumer_drop(c, &c->listener->dropped_slow,
			      "too slow: its queue passed queue-limit (it gets a new snapshot when it reconnects)");
		return false;
	}
	return true;
}

static void consumer_write(vnetrs_event *t)
{
	struct consumer *c = EVENT_ARG(t);

	/* The handshake goes on where the reads drive it. */
	if (c->state == SETUP) {
		consumer_read(t);
		return;
	}
	if (!consumer_flush(c))
		return;
	/* A read that could not go on before the socket took data (TLS)
	 * goes on now. */
	if (c->read_wants_write) {
		c->read_wants_write = false;
		consumer_read(t);
	}
}

/* The smallest ROUTE_ADD: an IPv4 prefix without next hop
 * (docs/sdn-protocol.md). */
#define SNAPSHOT_ROUTE_MIN 30

/*
 * Is queue-limit below the snapshot (its last size, else the least a
 * snapshot of the table can take)? Said once per change, as a warning:
 * every consumer that does not read the snapshot as fast as it is written
 * is dropped, at every reconnect.
 */
static void check_queue_limit(struct vnetrs_listener *l)
{
	struct vnetrs_instance *inst = vnetrs_instance_find(l->stream->vrf);
	size_t need = l->last_snapshot_bytes;
	bool below;

	if (!need && inst)
		need = (size_t)SNAPSHOT_ROUTE_MIN *
			       vnetrs_routes_count(&inst->routes) +
		       2 * VNETRS_SDN_HDR_LEN;
	below = need && l->queue_limit < need;
	if (below && !l->limit_below_snapshot)
		vnetrs_warn("SDN stream %s: queue-limit %zu KiB is below the table's snapshot (%zu KiB%s): a consumer is dropped while it reads it, at every reconnect; raise queue-limit",
			  vnetrs_listener_where(l), l->queue_limit >> 10,
			  (need + 1023) >> 10,
			  l->last_snapshot_bytes ? "" : " at least");
	l->limit_below_snapshot = below;
}

/*
 * Snapshots: one encoding, from the hook API, for every consumer of the
 * stream that waits for one.
 */
struct snap {
	struct writer *w;
	uint64_t seq;
	uint32_t count;
};

static int snap_begin(void *arg, const char *vrf, uint64_t seq, bool snapshot)
{
	struct snap *sn = arg;

	sn->seq = seq;
	/* The count is known at the end: BEGIN is patched then. */
	put_begin(sn->w, seq, true, 0);
	return 0;
}

static int snap_route(void *arg, const char *vrf,
		      const struct vnetrs_sdn_entry *e, bool deleted)
{
	struct snap *sn = arg;

	put_route(sn->w, sn->seq, e, deleted);
	sn->count++;
	return 0;
}

static int snap_commit(void *arg, const char *vrf, uint64_t seq,
		       unsigned int count)
{
	struct snap *sn = arg;

	patch_begin(sn->w, seq, true, count);
	put_commit(sn->w, seq, count);
	return 0;
}

static const struct vnetrs_sdn_receiver snap_receiver = {
	.begin = snap_begin,
	.route = snap_route,
	.commit = snap_commit,
};

/* Give the snapshot to c; false if c was dropped. */
static bool consumer_take_snapshot(struct consumer *c, struct snap *sn)
{
	struct vnetrs_listener *l = c->listener;

	if (sn->w->failed) {
		consumer_drop(c, &l->dropped_error,
			      "snapshot could not be encoded");
		return false;
	}
	l->snapshots++;
	l->last_snapshot_bytes = sn->w->bytes;
	check_queue_limit(l);
	c->seq_sent = sn->seq;
	c->batches++;
	c->state = LIVE;
	vnetrs_info("SDN consumer %s on %s: snapshot of %u routes (batch %" PRIu64
		  ", %zu bytes)",
		  c->name, vnetrs_listener_where(l), sn->count, sn->seq,
		  sn->w->bytes);
	return consumer_enqueue(c, sn->w);
}

/* The consumers of s that want a snapshot get one, encoded once. Returns
 * false if watch (one of them, or NULL) was dropped. */
static bool stream_serve_snapshots(struct vrf_stream *s, struct consumer *watch)
{
	struct writer *w = XCALLOC(MTYPE_VNETRS_SDN_WRITER, sizeof(*w));
	struct snap sn = {.w = w};
	struct vnetrs_listener *l;
	struct consumer *c;
	bool alive = true;

	/* Changes not yet sent go to the live consumers first (through the
	 * hooks): the snapshot is then the table as of batch sn.seq. */
	if (vnetrs_sdn_snapshot(s->vrf, &snap_receiver, &sn) == 0) {
		frr_each (listeners, &s->listeners, l)
			frr_each_safe (consumers, &l->consumers, c)
				if (c->state == WANT_SNAPSHOT &&
				    !consumer_take_snapshot(c, &sn) && c == watch)
					alive = false;
	}
	writer_free(w);
	XFREE(MTYPE_VNETRS_SDN_WRITER, w);
	return alive;
}

/* One small message (HELLO, KEEPALIVE) to one consumer, in a chunk of its
 * own size: the encoder's chunks are sized for batches. */
static bool consumer_send(struct consumer *c, size_t len, const uint8_t *msg)
{
	struct writer w = {};
	bool ok;

	w.chunks[w.n++] = chunk_new(len);
	memcpy(w.chunks[0]->data, msg, len);
	writer_commit(&w, len);
	ok = consumer_enqueue(c, &w);
	writer_free(&w);
	return ok;
}

/* Does the instance c streams drain (maintenance)? */
static bool consumer_draining(const struct consumer *c)
{
	struct vnetrs_instance *inst =
		vnetrs_instance_find(c->listener->stream->vrf);

	return inst && inst->maintenance;
}

/* Returns false if c was dropped. */
static bool consumer_send_keepalive(struct consumer *c)
{
	uint8_t msg[VNETRS_SDN_HDR_LEN];

	return consumer_send(
		c,
		vnetrs_sdn_encode_keepalive_state(msg, sizeof(msg), c->seq_sent,
						  consumer_draining(c)),
		msg);
}

static void consumer_keepalive(vnetrs_event *t)
{
	struct consumer *c = EVENT_ARG(t);

	if (monotime(NULL) - c->last_rx > DEADTIME) {
		consumer_drop(c, &c->listener->dropped_silent,
			      "nothing received for 30 s");
		return;
	}
	event_add_timer(bm->master, consumer_keepalive, c,
			 KEEPALIVE_INTERVAL, &c->t_timer);
	if (c->state != WAIT_HELLO)
		consumer_send_keepalive(c);
}

/* Handle the consumer's HELLO; false if it was dropped. */
static bool consumer_hello(struct consumer *c, const struct vnetrs_sdn_msg *m)
{
	struct vrf_stream *s = c->listener->stream;

	if (c->state != WAIT_HELLO) {
		consumer_drop(c, &c->listener->dropped_error, "second HELLO");
		return false;
	}
	strlcpy(c->name, m->u.hello.name, sizeof(c->name));
	if (!c->name[0])
		snprintf(c->name, sizeof(c->name), "fd%d", c->conn->fd);
	if (vnetrs_sdn_converged(s->vrf) != 1) {
		/* A snapshot now would delete what is merely late. */
		c->state = WAIT_TABLE;
		vnetrs_info("SDN consumer %s on %s: snapshot held until the table converges",
			  c->name, vnetrs_listener_where(c->listener));
		return true;
	}
	c->state = WANT_SNAPSHOT;
	return stream_serve_snapshots(s, c);
}

/* Handle one message from a consumer; false if it was dropped. */
static bool consumer_handle(struct consumer *c, const struct vnetrs_sdn_msg *m)
{
	switch (m->type) {
	case VNETRS_SDN_HELLO:
		return consumer_hello(c, m);
	case VNETRS_SDN_KEEPALIVE:
		c->seq_acked = m->seq;
		/* Answered at once: the consumer tells a hung route server
		 * from an idle one within seconds (docs/sdn-protocol.md). */
		if (c->state != WAIT_HELLO)
			return consumer_send_keepalive(c);
		return true;
	default:
		consumer_drop(c, &c->listener->dropped_error,
			      "unexpected message from a consumer");
		return false;
	}
}

/* Handle the complete messages in c->in; false if c was dropped. */
static bool consumer_parse(struct consumer *c)
{
	static struct vnetrs_sdn_msg msg;
	char err[128];
	size_t off = 0;

	for (;;) {
		size_t used;
		int ret = vnetrs_sdn_decode_dir(c->in + off, c->in_len - off,
						VNETRS_SDN_FROM_CONSUMER, &msg,
						&used, err, sizeof(err));

		if (ret < 0) {
			consumer_drop(c, &c->listener->dropped_error, err);
			return false;
		}
		if (ret == 0)
			break;
		off += used;
		if (!consumer_handle(c, &msg))
			return false;
	}
	memmove(c->in, c->in + off, c->in_len - off);
	c->in_len -= off;
	return true;
}

static bool send_hello(struct consumer *c);

/* Count a refused connection under reason. */
static void listener_refused(struct vnetrs_listener *l, const char *reason)
{
	size_t i;

	for (i = 0; i < array_size(l->refused) && l->refused[i].reason; i++)
		if (strcmp(l->refused[i].reason, reason) == 0)
			break;
	if (i == array_size(l->refused))
		i--; /* the last slot takes what does not fit */
	l->refused[i].reason = l->refused[i].reason ?: reason;
	l->refused[i].count++;
}

/* Set the connection up; false if it is gone or not ready yet. */
static bool consumer_setup(struct consumer *c)
{
	const char *reason = "refused";
	char err[160];
	int ret = c->conn->ops->setup(c->conn, &reason, err, sizeof(err));

	if (ret == 0) {
		consumer_arm(c);
		return false;
	}
	if (ret < 0) {
		listener_refused(c->listener, reason);
		vnetrs_info("SDN stream %s: connection from %s refused: %s",
			  vnetrs_listener_where(c->listener),
			  c->conn->remote[0] ? c->conn->remote : "a local process",
			  err);
		consumer_close(c, reason);
		return false;
	}
	c->state = WAIT_HELLO;
	EVENT_OFF(c->t_timer);
	event_add_timer(bm->master, consumer_keepalive, c,
			 KEEPALIVE_INTERVAL, &c->t_timer);
	return send_hello(c);
}

static void consumer_read(vnetrs_event *t)
{
	struct consumer *c = EVENT_ARG(t);
	struct vnetrs_conn *conn = c->conn;
	char err[128];

	if (c->state == SETUP && !consumer_setup(c))
		return;
	for (int i = 0; i < READS_PER_EVENT; i++) {
		ssize_t n = conn->ops->read(conn, c->in + c->in_len,
					    sizeof(c->in) - c->in_len, err,
					    sizeof(err));

		if (n == VNETRS_IO_AGAIN) {
			c->read_wants_write = conn->want_write;
			consumer_arm(c);
			return;
		}
		if (n <= 0) {
			consumer_close(c, n == 0 ? "closed by the consumer"
						 : err);
			return;
		}
		c->in_len += n;
		c->last_rx = monotime(NULL);
		if (!consumer_parse(c))
			return;
	}
	/* More may be waiting (a transport's own buffer): next turn. */
	event_add_event(bm->master, consumer_read, c, 0, &c->t_read);
}

/* Returns false if c was dropped (its connection refused the HELLO). */
static bool send_hello(struct consumer *c)
{
	struct vnetrs_instance *inst =
		vnetrs_instance_find(c->listener->stream->vrf);
	struct bgp *bgp = inst ? vnetrs_instance_bgp(inst) : NULL;
	char name[VNETRS_SDN_NAME_MAX + 1];
	uint8_t msg[VNETRS_SDN_HDR_LEN + 32 + VNETRS_SDN_NAME_MAX];
	uint8_t rid[4] = {};

	if (bgp)
		memcpy(rid, &bgp->router_id, 4);
	snprintf(name, sizeof(name), "%s/%s", cmd_hostname_get() ?: "bgpd",
		 c->listener->stream->vrf);
	if (!consumer_send(c,
			   vnetrs_sdn_encode_hello_server_state(
				   msg, sizeof(msg), bgp ? bgp->as : 0, rid,
				   epoch, name, inst && inst->maintenance),
			   msg))
		return false;
	consumer_arm(c);
	return true;
}

/* The connection was not set up in time. */
static void consumer_setup_expired(vnetrs_event *t)
{
	struct consumer *c = EVENT_ARG(t);

	listener_refused(c->listener, "timeout");
	consumer_close(c, "not set up within 5 s");
}

void vnetrs_listener_accepted(struct vnetrs_listener *l,
			      struct vnetrs_conn *conn)
{
	struct consumer *c;

	if (consumers_count(&l->consumers) >= l->max_consumers) {
		listener_refused(l, "too-many-consumers");
		vnetrs_warn("SDN stream %s: connection from %s refused: %u consumers already (max-consumers)",
			  vnetrs_listener_where(l),
			  conn->remote[0] ? conn->remote : "a local process",
			  l->max_consumers);
		conn->ops->free(conn);
		return;
	}
	c = XCALLOC(MTYPE_VNETRS_SDN_CONSUMER, sizeof(*c));

	c->listener = l;
	c->conn = conn;
	c->state = SETUP;
	c->since = time(NULL);
	c->last_rx = monotime(NULL);
	qents_init(&c->queue);
	consumers_add_tail(&l->consumers, c);
	l->accepted++;
	event_add_timer(bm->master, consumer_setup_expired, c, SETUP_DEADLINE,
			 &c->t_timer);
	consumer_setup(c);
}

const char *vnetrs_listener_where(const struct vnetrs_listener *l)
{
	return l->ops->where(l->tp);
}

/*
 * The stream as a consumer of the hook API: each batch is encoded once,
 * for the live consumers of its VRF.
 */
static struct {
	struct vrf_stream *stream; /* NULL: nobody listens to this batch */
	struct writer w;
	uint64_t seq;
	bool snapshot;
} batch;

static bool has_live_consumers(struct vrf_stream *s)
{
	struct vnetrs_listener *l;
	struct consumer *c;

	frr_each (listeners, &s->listeners, l)
		frr_each (consumers, &l->consumers, c)
			if (c->state == LIVE)
				return true;
	return false;
}

static int stream_begin(const char *vrf, uint64_t seq, bool snapshot)
{
	struct vrf_stream *s = stream_find(vrf);

	batch.stream = s && has_live_consumers(s) ? s : NULL;
	if (!batch.stream)
		return 0;
	batch.seq = seq;
	batch.snapshot = snapshot;
	/* The hooks tell the count at the commit: BEGIN is patched then. */
	put_begin(&batch.w, seq, snapshot, 0);
	return 0;
}

static int stream_route(const char *vrf, const struct vnetrs_sdn_entry *e,
			bool deleted)
{
	if (batch.stream)
		put_route(&batch.w, batch.seq, e, deleted);
	return 0;
}

static int stream_commit(const char *vrf, uint64_t seq, unsigned int count)
{
	struct vrf_stream *s = batch.stream;
	struct vnetrs_listener *l;
	struct consumer *c;

	if (!s)
		return 0;
	batch.stream = NULL;
	patch_begin(&batch.w, seq, batch.snapshot, count);
	put_commit(&batch.w, seq, count);
	frr_each (listeners, &s->listeners, l) {
		frr_each_safe (consumers, &l->consumers, c) {
			if (c->state != LIVE)
				continue;
			if (batch.w.failed) {
				consumer_drop(c, &l->dropped_error,
					      "batch could not be encoded");
				continue;
			}
			if (consumer_enqueue(c, &batch.w)) {
				c->seq_sent = seq;
				c->batches++;
			}
		}
	}
	writer_free(&batch.w);
	return 0;
}

/* The table converged: the consumers waiting get their snapshot. */
static int stream_table_converged(const char *vrf)
{
	struct vrf_stream *s = stream_find(vrf);
	struct vnetrs_listener *l;
	struct consumer *c;
	bool any = false;

	if (!s)
		return 0;
	frr_each (listeners, &s->listeners, l)
		frr_each (consumers, &l->consumers, c)
			if (c->state == WAIT_TABLE) {
				c->state = WANT_SNAPSHOT;
				any = true;
			}
	if (any)
		stream_serve_snapshots(s, NULL);
	return 0;
}

void vnetrs_stream_init(void)
{
	hook_register(vnetrs_sdn_begin, stream_begin);
	hook_register(vnetrs_sdn_route, stream_route);
	hook_register(vnetrs_sdn_commit, stream_commit);
	hook_register(vnetrs_sdn_table_converged, stream_table_converged);
}

void vnetrs_stream_cleanup(void)
{
	vnetrs_tls_cleanup();
}

/*
 * Listeners.
 */
static struct vnetrs_listener *
listener_new(const struct vnetrs_transport_ops *ops, void *tp)
{
	struct vnetrs_listener *l;

	l = XCALLOC(MTYPE_VNETRS_SDN_LISTENER, sizeof(*l));
	l->ops = ops;
	l->tp = tp;
	l->queue_limit = (size_t)VNETRS_SDN_QUEUE_LIMIT_DEFAULT << 10;
	l->max_consumers = VNETRS_SDN_MAX_CONSUMERS_DEFAULT;
	consumers_init(&l->consumers);
	return l;
}

int vnetrs_stream_open_tls(const char *addr, uint16_t port, const char *cert,
			   const char *key, const char *ca,
			   struct vnetrs_listener **out, char *err,
			   size_t errlen)
{
	void *tp = vnetrs_tls_open(addr, port, cert, key, ca, err, errlen);

	if (!tp)
		return -1;
	*out = listener_new(&vnetrs_tls_transport, tp);
	return 0;
}

int vnetrs_stream_reload_tls(struct vnetrs_listener *l, const char *cert,
			     const char *key, const char *ca, char *err,
			     size_t errlen)
{
	return vnetrs_tls_reload(l->tp, cert, key, ca, err, errlen);
}

int vnetrs_stream_check_tls(const char *cert, const char *key, const char *ca,
			    char *err, size_t errlen)
{
	return vnetrs_tls_check(cert, key, ca, err, errlen);
}

void vnetrs_stream_set_max_consumers(struct vnetrs_listener *l, uint32_t max)
{
	l->max_consumers = max;
}

int vnetrs_stream_open(const char *path, struct vnetrs_listener **out,
		       char *err, size_t errlen)
{
	void *tp = vnetrs_unix_open(path, err, errlen);

	if (!tp)
		return -1;
	*out = listener_new(&vnetrs_unix_transport, tp);
	return 0;
}

void vnetrs_stream_start(struct vnetrs_instance *inst,
			 struct vnetrs_listener *l)
{
	struct vrf_stream *s = stream_find(inst->vrf);

	if (!s) {
		s = XCALLOC(MTYPE_VNETRS_SDN_STREAM, sizeof(*s));
		strlcpy(s->vrf, inst->vrf, sizeof(s->vrf));
		listeners_init(&s->listeners);
		vrf_streams_add_tail(&vrf_streams, s);
	}
	if (!epoch)
		epoch = (uint64_t)time(NULL) << 20 ^ (uint64_t)getpid();
	l->stream = s;
	listeners_add_tail(&s->listeners, l);
	n_listeners++;
	l->ops->start(l->tp, l);
	vnetrs_info("SDN stream listening on %s %s", l->ops->name,
		  vnetrs_listener_where(l));
	check_queue_limit(l);
}

size_t vnetrs_listener_queue_limit(const struct vnetrs_listener *l)
{
	return l->queue_limit;
}

void vnetrs_stream_drain_changed(struct vnetrs_instance *inst)
{
	struct vrf_stream *s = stream_find(inst->vrf);
	struct vnetrs_listener *l;
	struct consumer *c;

	if (!s)
		return;
	/* Every consumer that has the HELLO learns it at once, from a
	 * KEEPALIVE (a dropped one is gone from the list). */
	frr_each (listeners, &s->listeners, l)
		frr_each_safe (consumers, &l->consumers, c) {
			if (c->state != SETUP)
				consumer_send_keepalive(c);
		}
}

void vnetrs_stream_set_queue_limit(struct vnetrs_listener *l, uint32_t kib)
{
	l->queue_limit = (size_t)kib << 10;
	if (l->stream)
		check_queue_limit(l);
}

void vnetrs_stream_close(struct vnetrs_listener *l)
{
	struct vrf_stream *s = l->stream;
	struct consumer *c;

	while ((c = consumers_first(&l->consumers)))
		consumer_close(c, "the route server stops listening");
	l->ops->close(l->tp);
	consumers_fini(&l->consumers);
	if (s) {
		listeners_del(&s->listeners, l);
		n_listeners--;
		if (!listeners_count(&s->listeners)) {
			vrf_streams_del(&vrf_streams, s);
			listeners_fini(&s->listeners);
			XFREE(MTYPE_VNETRS_SDN_STREAM, s);
		}
	}
	XFREE(MTYPE_VNETRS_SDN_LISTENER, l);
}

struct vnetrs_listener *vnetrs_stream_find(struct vnetrs_instance *inst,
					   const char *path)
{
	struct vrf_stream *s = stream_find(inst->vrf);
	struct vnetrs_listener *l;

	if (!s)
		return NULL;
	frr_each (listeners, &s->listeners, l)
		if (l->ops == &vnetrs_unix_transport &&
		    strcmp(vnetrs_listener_where(l), path) == 0)
			return l;
	return NULL;
}

void vnetrs_stream_close_all(struct vnetrs_instance *inst)
{
	struct vrf_stream *s = stream_find(inst->vrf);
	struct vnetrs_listener *l;

	/* The last close frees s. */
	while (s && (l = listeners_first(&s->listeners))) {
		bool last = listeners_count(&s->listeners) == 1;

		vnetrs_stream_close(l);
		if (last)
			break;
	}
}

bool vnetrs_stream_room(void)
{
	return n_listeners < LISTENERS_MAX;
}

/*
 * State for the show commands.
 */
static void count_cb(const char *name, uint64_t value, void *arg)
{
	struct vnetrs_listener_info *li = arg;

	if (li->n_counters < array_size(li->counters)) {
		li->counters[li->n_counters].name = name;
		li->counters[li->n_counters++].value = value;
	}
}

static void listener_info(const struct vnetrs_listener *l,
			  struct vnetrs_listener_info *li)
{
	memset(li, 0, sizeof(*li));
	li->transport = l->ops->name;
	li->where = l->ops->where(l->tp);
	li->broken = l->ops->broken(l->tp);
	li->queue_limit = l->queue_limit;
	li->accepted = l->accepted;
	li->snapshots = l->snapshots;
	li->dropped_slow = l->dropped_slow;
	li->dropped_error = l->dropped_error;
	li->dropped_silent = l->dropped_silent;
	li->last_snapshot_bytes = l->last_snapshot_bytes;
	li->limit_below_snapshot = l->limit_below_snapshot;
	li->last_drop = l->last_drop;
	li->last_drop_time = l->last_drop_time;
	l->ops->counters(l->tp, count_cb, li);
	for (size_t i = 0; i < array_size(l->refused) && l->refused[i].reason;
	     i++) {
		li->refused[i].name = l->refused[i].reason;
		li->refused[i].value = l->refused[i].count;
		li->n_refused++;
	}
}

void vnetrs_stream_walk(const struct vnetrs_instance *inst,
			const struct vnetrs_stream_walker *w, void *arg)
{
	struct vrf_stream *s = stream_find(inst->vrf);
	const struct vnetrs_listener *l;
	const struct consumer *c;

	if (!s)
		return;
	frr_each (listeners_const, &s->listeners, l) {
		struct vnetrs_listener_info li;

		listener_info(l, &li);
		w->listener(&li, arg);
		frr_each (consumers_const, &l->consumers, c) {
			struct vnetrs_consumer_info ci = {
				.name = c->name,
				.state = consumer_state_names[c->state],
				.transport = l->ops->name,
				.remote = c->conn->remote,
				.identity = c->conn->identity,
				.seq_sent = c->seq_sent,
				.seq_acked = c->seq_acked,
				.batches = c->batches,
				.queued = c->queued,
				.since = c->since,
			};

			w->consumer(&ci, arg);
		}
		if (w->listener_end)
			w->listener_end(arg);
	}
}
