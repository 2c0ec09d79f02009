// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs-agent: the connection to one route-server instance (agent_conn.h).
 */
#include "agent/agent_conn.h"

#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"

/* ~18 KiB: one for every connection (single thread), not on the stack. */
static struct vnetrs_sdn_msg msg;

void agent_conn_init(struct agent_conn *c, const char *path, const char *name,
		     const struct agent_conn_cb *cb, void *arg)
{
	memset(c, 0, sizeof(*c));
	c->path = path;
	c->name = name;
	c->unix_ep.kind = AGENT_TP_UNIX;
	c->unix_ep.spec = path;
	c->ep = &c->unix_ep;
	c->fd = -1;
	agent_tp_init(&c->tp);
	c->cb = cb;
	c->arg = arg;
	c->backoff_ms = AGENT_BACKOFF_MIN_MS;
	c->silent_ms = AGENT_SILENT_MS_DEFAULT;
	agent_table_init(&c->table);
	agent_batch_init(&c->batch);
	c->rbuf = malloc(VNETRS_SDN_MSG_MAX);
	if (!c->rbuf) {
		agent_log("out of memory");
		abort();
	}
}

static void conn_reset(struct agent_conn *c)
{
	agent_tp_close(&c->tp);
	c->fd = -1;
	c->rhave = 0;
	c->whave = 0;
	c->hello = false;
	c->silent = false;
	c->probe_ms = 0;
	c->last_ka_rx_ms = 0;
	c->answers = false;
	agent_batch_clear(&c->batch);
}

void agent_conn_fini(struct agent_conn *c)
{
	conn_reset(c);
	agent_table_clear(&c->table);
	c->synced = false;
	free(c->rbuf);
	c->rbuf = NULL;
}

/* KEEPALIVEs this often: a third of the silence limit. */
static uint32_t probe_interval(const struct agent_conn *c)
{
	uint32_t ms = c->silent_ms ? c->silent_ms / 3 : AGENT_KEEPALIVE_MS;

	if (ms < 200)
		ms = 200;
	return ms > AGENT_KEEPALIVE_MS ? AGENT_KEEPALIVE_MS : ms;
}

/* The next connect after the backoff, which doubles up to its maximum. */
static void schedule_retry(struct agent_conn *c, uint64_t now)
{
	c->retry_ms = now + c->backoff_ms;
	c->backoff_ms *= 2;
	if (c->backoff_ms > AGENT_BACKOFF_MAX_MS)
		c->backoff_ms = AGENT_BACKOFF_MAX_MS;
}

/* Drop the connection (logged with why), and reconnect after the backoff. */
static void conn_down(struct agent_conn *c, uint64_t now, const char *why)
{
	bool had_table = c->synced;

	agent_log("%s: disconnected: %s; reconnecting in %" PRIu32 " ms",
		  c->path, why, c->backoff_ms);
	conn_reset(c);
	schedule_retry(c, now);
	c->last_fail[0] = '\0';
	if (had_table) {
		agent_table_clear(&c->table);
		c->synced = false;
	}
	c->cb->down(c, had_table, c->arg);
}

/* Write what is pending; false when the connection failed (and is down). */
static bool conn_flush(struct agent_conn *c, uint64_t now)
{
	char why[256];

	while (c->whave) {
		ssize_t n = agent_tp_write(&c->tp, c->wbuf, c->whave, why,
					   sizeof(why));

		if (n < 0) {
			conn_down(c, now, why);
			return false;
		}
		if (n == 0)
			return true;
		memmove(c->wbuf, c->wbuf + n, c->whave - (size_t)n);
		c->whave -= (size_t)n;
	}
	return true;
}

/* Queue a message (len bytes at buf) and try to send it. */
static bool conn_send(struct agent_conn *c, const uint8_t *buf, size_t len,
		      uint64_t now)
{
	if (len > sizeof(c->wbuf) - c->whave) {
		/* The route server reads nothing: a KEEPALIVE less. */
		agent_debug("%s: send buffer full, %s not sent", c->path,
			    vnetrs_sdn_type2str(buf[5]));
		return true;
	}
	memcpy(c->wbuf + c->whave, buf, len);
	c->whave += len;
	return conn_flush(c, now);
}

/* A connect failed (why): said once, not at every retry. A route server
 * refused (its user, its certificate) is retried slowly: the real one may
 * come back. */
static void conn_failed(struct agent_conn *c, uint64_t now, const char *why,
			bool refused)
{
	agent_tp_close(&c->tp);
	if (strcmp(why, c->last_fail)) {
		if (refused)
			agent_log("%s: refusing the route server: %s", c->path,
				  why);
		else
			agent_log("%s: cannot connect: %s; retrying", c->path,
				  why);
	} else {
		agent_debug("%s: cannot connect: %s; retry in %" PRIu32 " ms",
			    c->path, why, c->backoff_ms);
	}
	snprintf(c->last_fail, sizeof(c->last_fail), "%s", why);
	if (refused)
		c->backoff_ms = AGENT_BACKOFF_MAX_MS;
	schedule_retry(c, now);
}

/* The transport is ready and the peer believed: the stream starts. */
static void conn_established(struct agent_conn *c, uint64_t now)
{
	uint8_t hello[VNETRS_SDN_HDR_LEN + 2 + VNETRS_SDN_NAME_MAX];
	size_t len;

	c->fd = c->tp.fd;
	c->last_fail[0] = '\0';
	c->last_rx_ms = now;
	c->next_ka_ms = now + probe_interval(c);
	c->connects++;
	vnetrs_sdn_rx_init(&c->rx);
	agent_batch_clear(&c->batch);
	if (c->ep->kind == AGENT_TP_TLS)
		agent_log("%s: connected (%s, server certificate '%s')",
			  c->path, c->tp.version, c->tp.subject);
	else
		agent_log("%s: connected", c->path);
	/* Our HELLO at once: the route server need not be waited for. */
	len = vnetrs_sdn_encode_hello_consumer(hello, sizeof(hello), c->name);
	conn_send(c, hello, len, now);
}

/* What agent_tp_open() or agent_tp_progress() said (r, why). */
static void conn_opened(struct agent_conn *c, int r, uint64_t now,
			const char *why)
{
	char peer[256];

	if (r == 0)
		return;
	if (r < 0) {
		conn_failed(c, now, why, c->tp.refused);
		return;
	}
	if (!agent_tp_check_peer(&c->tp, c->trust, peer, sizeof(peer))) {
		conn_failed(c, now, peer, true);
		return;
	}
	conn_established(c, now);
}

static void conn_connect(struct agent_conn *c, uint64_t now)
{
	char why[256] = "";
	int r = agent_tp_open(&c->tp, c->ep, now, why, sizeof(why));

	conn_opened(c, r, now, why);
}

/* false: the route server is refused (the caller drops the connection). */
static bool on_hello(struct agent_conn *c, const struct vnetrs_sdn_hello *h,
		     char *why, size_t whylen)
{
	const uint8_t *id = h->router_id;
	char *ch;

	c->hello = true;
	snprintf(c->server_name, sizeof(c->server_name), "%s", h->name);
	/* Bytes from the wire: no control characters in the log. */
	for (ch = c->server_name; *ch; ch++)
		if ((unsigned char)*ch < 0x20 || *ch == 0x7f)
			*ch = '?';
	agent_log("%s: route server '%s', AS %" PRIu32
		  ", router ID %u.%u.%u.%u, epoch %" PRIu64 "%s",
		  c->path, c->server_name, h->asn, id[0], id[1], id[2], id[3],
		  h->epoch,
		  !c->had_epoch ? ""
		  : c->epoch == h->epoch
			  ? " (same process as before)"
			  : " (restarted since last connection)");
	c->epoch = h->epoch;
	c->had_epoch = true;
	if (c->trust && !agent_trust_as(c->trust, h->asn, why, whylen))
		return false;
	return true;
}

static void on_commit(struct agent_conn *c, uint64_t seq, bool snapshot)
{
	struct agent_plist changed;
	size_t adds = c->batch.adds, dels = c->batch.dels;

	agent_plist_init(&changed);
	agent_table_apply(&c->table, &c->batch, snapshot, &changed);
	if (snapshot) {
		agent_log("%s: snapshot seq %" PRIu64
			  ": %zu routes (%zu to program)",
			  c->path, seq, c->table.n,
			  agent_table_programmable(&c->table));
		c->synced = true;
		c->backoff_ms = AGENT_BACKOFF_MIN_MS;
	} else {
		agent_log("%s: batch seq %" PRIu64
			  ": %zu adds, %zu deletes (table %zu routes)",
			  c->path, seq, adds, dels, c->table.n);
	}
	c->cb->commit(c, snapshot, &changed, c->arg);
	agent_plist_clear(&changed);
}

/* A KEEPALIVE soon after another: the route server answers ours. */
static void on_keepalive(struct agent_conn *c)
{
	uint64_t now = c->last_rx_ms;

	if (!c->answers && c->last_ka_rx_ms &&
	    now - c->last_ka_rx_ms < AGENT_ANSWERS_WITHIN_MS) {
		c->answers = true;
		agent_log(
			"%s: the route server answers KEEPALIVEs: silent "
			"after %" PRIu32 " ms",
			c->path, c->silent_ms);
	}
	c->last_ka_rx_ms = now;
}

/* The DRAINING flag of the route server's HELLO or KEEPALIVE. */
static void on_drain_flag(struct agent_conn *c, bool draining)
{
	if (c->draining == draining)
		return;
	c->draining = draining;
	agent_log("%s: the route server %s", c->path,
		  draining ? "drains (maintenance): another instance is "
			     "preferred"
			   : "no longer drains");
	if (c->cb->drain)
		c->cb->drain(c, c->arg);
}

/* One message the checker accepted; false when it ends the connection
 * (why says why). */
static bool on_msg(struct agent_conn *c, const struct vnetrs_sdn_msg *m,
		   char *why, size_t whylen)
{
	char buf[512];

	switch (m->type) {
	case VNETRS_SDN_HELLO:
		if (!on_hello(c, &m->u.hello, why, whylen))
			return false;
		on_drain_flag(c, m->draining);
		break;
	case VNETRS_SDN_BEGIN:
		agent_batch_clear(&c->batch);
		agent_debug("%s: BEGIN seq %" PRIu64 "%s, %" PRIu32 " routes",
			    c->path, m->seq,
			    m->u.begin.snapshot ? " (snapshot)" : "",
			    m->u.begin.count);
		break;
	case VNETRS_SDN_ROUTE_ADD: {
		const struct vnetrs_sdn_route *r = &m->u.route;
		struct agent_route *ar;

		ar = agent_route_new(&r->prefix, r->source, r->nexthops,
				     r->n_nexthops);
		agent_debug("%s: ROUTE_ADD seq %" PRIu64 " %s", c->path, m->seq,
			    agent_route2str(ar, buf, sizeof(buf)));
		agent_batch_add(&c->batch, ar);
		break;
	}
	case VNETRS_SDN_ROUTE_DEL:
		agent_debug("%s: ROUTE_DEL seq %" PRIu64 " %s", c->path, m->seq,
			    vnetrs_prefix2str(&m->u.del, buf, sizeof(buf)));
		agent_batch_del(&c->batch, &m->u.del);
		break;
	case VNETRS_SDN_COMMIT:
		/* The checker accepted the COMMIT: the batch is whole (and
		 * rx.snapshot still says what it was). */
		on_commit(c, m->seq, c->rx.snapshot);
		break;
	case VNETRS_SDN_KEEPALIVE:
		agent_debug("%s: KEEPALIVE seq %" PRIu64, c->path, m->seq);
		on_keepalive(c);
		on_drain_flag(c, m->draining);
		break;
	}
	return true;
}

/* One read and every whole message in it; false when nothing more is to be
 * read now (or the connection went down). */
static bool conn_read_once(struct agent_conn *c, uint64_t now)
{
	char err[256], why[320];
	size_t off, used;
	ssize_t n;

	/* The same bytes whatever the transport: TLS hands over what it
	 * decrypted, and the reader below is the only one. */
	n = agent_tp_read(&c->tp, c->rbuf + c->rhave,
			  VNETRS_SDN_MSG_MAX - c->rhave, err, sizeof(err));
	if (n == AGENT_TP_AGAIN)
		return false;
	if (n < 0) {
		conn_down(c, now, err);
		return false;
	}
	if (n == 0) {
		conn_down(c, now,
			  c->rhave || c->rx.in_batch
				  ? "closed by the route server inside a "
				    "batch (partial batch dropped)"
				  : "closed by the route server");
		return false;
	}
	c->rhave += (size_t)n;
	c->last_rx_ms = now;
	c->probe_ms = 0;
	if (c->silent) {
		c->silent = false;
		agent_log("%s: the route server speaks again", c->path);
		c->cb->silence(c, false, c->arg);
		if (c->fd < 0)
			return false;
	}

	for (off = 0; off < c->rhave; off += used) {
		int r = vnetrs_sdn_decode(c->rbuf + off, c->rhave - off, &msg,
					  &used, err, sizeof(err));

		if (r == 0)
			break;
		if (r < 0 ||
		    vnetrs_sdn_rx_feed(&c->rx, &msg, err, sizeof(err)) < 0) {
			snprintf(why, sizeof(why), "protocol error: %s", err);
			conn_down(c, now, why);
			return false;
		}
		if (!on_msg(c, &msg, err, sizeof(err))) {
			snprintf(why, sizeof(why),
				 "refusing the route server: %s", err);
			c->backoff_ms = AGENT_BACKOFF_MAX_MS;
			conn_down(c, now, why);
			return false;
		}
	}
	memmove(c->rbuf, c->rbuf + off, c->rhave - off);
	c->rhave -= off;
	return true;
}

/* Read what is there: over TLS, bytes already decrypted are not seen by
 * poll(2), so read until the transport holds none. */
static void conn_read(struct agent_conn *c, uint64_t now)
{
	while (conn_read_once(c, now) && agent_tp_pending(&c->tp))
		;
}

/* When the stream counts as silent (UINT64_MAX: never). */
static uint64_t silence_at(const struct agent_conn *c)
{
	uint64_t limit = c->silent_ms;

	if (!c->silent_ms || !c->probe_ms)
		return UINT64_MAX;
	if (!c->answers)
		limit += AGENT_KEEPALIVE_MS;
	return c->probe_ms + limit;
}

/* Silent now? Said once, until it speaks again. */
static void check_silence(struct agent_conn *c, uint64_t now)
{
	if (c->silent || now < silence_at(c))
		return;
	c->silent = true;
	c->silences++;
	agent_log("%s: the route server has sent nothing for %" PRIu64
		  " ms: silent, it no longer counts in the merge",
		  c->path, now - c->last_rx_ms);
	c->cb->silence(c, true, c->arg);
}

int agent_conn_pollfd(const struct agent_conn *c, short *events)
{
	if (c->tp.state == AGENT_TP_CONNECTING) {
		*events = c->tp.events;
		return c->tp.fd;
	}
	if (c->fd < 0)
		return -1;
	*events = POLLIN | c->tp.events;
	if (c->whave)
		*events |= POLLOUT;
	return c->fd;
}

uint64_t agent_conn_deadline(const struct agent_conn *c)
{
	uint64_t dead;

	if (c->tp.state == AGENT_TP_CONNECTING)
		return c->tp.deadline_ms;
	if (c->fd < 0)
		return c->retry_ms;
	dead = c->last_rx_ms + AGENT_DEAD_MS;
	if (!c->silent && silence_at(c) < dead)
		dead = silence_at(c);
	return c->next_ka_ms < dead ? c->next_ka_ms : dead;
}

const char *agent_conn_state(const struct agent_conn *c)
{
	if (c->tp.state == AGENT_TP_CONNECTING)
		return "connecting";
	if (c->fd < 0)
		return "disconnected";
	if (c->silent)
		return "silent";
	return c->synced ? "synced" : "connected";
}

void agent_conn_run(struct agent_conn *c, short revents, uint64_t now)
{
	uint8_t ka[VNETRS_SDN_HDR_LEN];
	char why[256] = "";
	size_t len;

	if (c->tp.state == AGENT_TP_CONNECTING) {
		conn_opened(c,
			    agent_tp_progress(&c->tp, revents, now, why,
					      sizeof(why)),
			    now, why);
		return;
	}
	if (c->fd < 0) {
		if (now >= c->retry_ms)
			conn_connect(c, now);
		return;
	}
	/* TLS may need to write before it can read on. */
	if ((revents & POLLIN) ||
	    ((revents & POLLOUT) && (c->tp.events & POLLOUT))) {
		conn_read(c, now);
		if (c->fd < 0)
			return;
	} else if (revents & (POLLERR | POLLHUP | POLLNVAL)) {
		conn_down(c, now, "connection error");
		return;
	}
	if ((revents & POLLOUT) && !conn_flush(c, now))
		return;
	if (now >= c->last_rx_ms + AGENT_DEAD_MS) {
		conn_down(c, now, "nothing received for 30 s");
		return;
	}
	check_silence(c, now);
	if (now >= c->next_ka_ms) {
		/* The last batch applied: it is applied at its COMMIT. */
		len = vnetrs_sdn_encode_keepalive(ka, sizeof(ka),
						  c->rx.committed);
		c->next_ka_ms = now + probe_interval(c);
		if (!c->probe_ms)
			c->probe_ms = now;
		agent_debug("%s: sending KEEPALIVE seq %" PRIu64, c->path,
			    c->rx.committed);
		conn_send(c, ka, len, now);
	}
}
