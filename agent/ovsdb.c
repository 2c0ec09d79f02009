// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs-agent: a small OVSDB client (ovsdb.h).
 */
#include "agent/ovsdb.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "agent/agent.h"

/* --- framing ------------------------------------------------------------- */

void ovsdb_framer_init(struct ovsdb_framer *f)
{
	/* Deep enough for an update of maps of sets. */
	f->tok = json_tokener_new_ex(64);
	if (!f->tok)
		abort();
	f->fed = 0;
}

void ovsdb_framer_fini(struct ovsdb_framer *f)
{
	if (f->tok)
		json_tokener_free(f->tok);
	f->tok = NULL;
}

void ovsdb_framer_reset(struct ovsdb_framer *f)
{
	json_tokener_reset(f->tok);
	f->fed = 0;
}

int ovsdb_framer_feed(struct ovsdb_framer *f, const char *buf, size_t len,
		      ovsdb_value_fn fn, void *arg, char *why, size_t whylen)
{
	while (len) {
		/* json-c takes an int length: feed at most 1 GiB at once. */
		int n = len > (1u << 30) ? (1 << 30) : (int)len;
		struct json_object *o;
		enum json_tokener_error e;
		size_t used;

		/* Whitespace between values is no value: skip it here, so
		 * "fed" counts only a value's bytes. */
		if (!f->fed && isspace((unsigned char)*buf)) {
			buf++;
			len--;
			continue;
		}
		o = json_tokener_parse_ex(f->tok, buf, n);
		e = json_tokener_get_error(f->tok);
		if (!o && e == json_tokener_continue) {
			f->fed += (size_t)n;
			if (f->fed > OVSDB_MSG_MAX) {
				snprintf(why, whylen,
					 "a message longer than %u bytes",
					 OVSDB_MSG_MAX);
				return -1;
			}
			return 0;
		}
		if (e != json_tokener_success) {
			snprintf(why, whylen, "not JSON: %s",
				 json_tokener_error_desc(e));
			return -1;
		}
		used = json_tokener_get_parse_end(f->tok);
		if (used == 0 || used > (size_t)n)
			used = (size_t)n;
		json_tokener_reset(f->tok);
		f->fed = 0;
		buf += used;
		len -= used;
		if (!json_object_is_type(o, json_type_object)) {
			/* "null" comes back as NULL with success. */
			json_object_put(o);
			snprintf(why, whylen, "a JSON value that is no object");
			return -1;
		}
		fn(arg, o);
	}
	return 0;
}

/* --- messages ------------------------------------------------------------ */

/* Member key of o, NULL when absent or null. */
static struct json_object *member(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

int ovsdb_msg_parse(struct json_object *o, struct ovsdb_msg *m, char *why,
		    size_t whylen)
{
	struct json_object *method = member(o, "method");
	bool has_id = json_object_object_get_ex(o, "id", &m->id);

	memset(m, 0, sizeof(*m));
	m->id_num = -1;
	json_object_object_get_ex(o, "id", &m->id);
	if (method) {
		if (!json_object_is_type(method, json_type_string)) {
			snprintf(why, whylen, "a method that is no string");
			return -1;
		}
		m->method = json_object_get_string(method);
		m->params = member(o, "params");
		if (!m->params ||
		    !json_object_is_type(m->params, json_type_array)) {
			snprintf(why, whylen, "%s: params are not an array",
				 m->method);
			return -1;
		}
		m->kind = m->id ? OVSDB_MSG_REQUEST : OVSDB_MSG_NOTIFY;
		return 0;
	}
	if (!has_id || !json_object_object_get_ex(o, "result", &m->result)) {
		snprintf(why, whylen,
			 "neither a request nor a reply (no method, no "
			 "result and id)");
		return -1;
	}
	m->kind = OVSDB_MSG_REPLY;
	m->error = member(o, "error");
	if (m->id && json_object_is_type(m->id, json_type_int))
		m->id_num = json_object_get_int64(m->id);
	return 0;
}

char *ovsdb_request_str(const char *method, struct json_object *params,
			int64_t id, size_t *len)
{
	struct json_object *o = json_object_new_object();
	const char *s;
	char *copy;

	json_object_object_add(o, "method", json_object_new_string(method));
	json_object_object_add(o, "params", params);
	json_object_object_add(o, "id", json_object_new_int64(id));
	s = json_object_to_json_string_ext(
		o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	*len = strlen(s);
	copy = strdup(s);
	json_object_put(o);
	if (!copy)
		abort();
	return copy;
}

/* --- datums -------------------------------------------------------------- */

/* ["TAG", value]: the value, else NULL. */
static struct json_object *tagged(struct json_object *v, const char *tag)
{
	struct json_object *t;

	if (!v || !json_object_is_type(v, json_type_array) ||
	    json_object_array_length(v) != 2)
		return NULL;
	t = json_object_array_get_idx(v, 0);
	if (!t || !json_object_is_type(t, json_type_string) ||
	    strcmp(json_object_get_string(t), tag))
		return NULL;
	return json_object_array_get_idx(v, 1);
}

const char *ovsdb_datum_string(struct json_object *v)
{
	struct json_object *set;

	if (v && json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	/* An optional column: ["set", []] or ["set", ["value"]]. */
	set = tagged(v, "set");
	if (set && json_object_is_type(set, json_type_array) &&
	    json_object_array_length(set) == 1) {
		v = json_object_array_get_idx(set, 0);
		if (v && json_object_is_type(v, json_type_string))
			return json_object_get_string(v);
	}
	return NULL;
}

const char *ovsdb_datum_map_get(struct json_object *v, const char *key)
{
	struct json_object *pairs = tagged(v, "map");
	size_t i, n;

	if (!pairs || !json_object_is_type(pairs, json_type_array))
		return NULL;
	n = json_object_array_length(pairs);
	for (i = 0; i < n; i++) {
		struct json_object *p = json_object_array_get_idx(pairs, i);
		struct json_object *k, *val;

		if (!p || !json_object_is_type(p, json_type_array) ||
		    json_object_array_length(p) != 2)
			continue;
		k = json_object_array_get_idx(p, 0);
		val = json_object_array_get_idx(p, 1);
		if (k && val && json_object_is_type(k, json_type_string) &&
		    json_object_is_type(val, json_type_string) &&
		    !strcmp(json_object_get_string(k), key))
			return json_object_get_string(val);
	}
	return NULL;
}

bool ovsdb_uuid_valid(const char *s)
{
	size_t i;

	if (!s || strlen(s) != 36)
		return false;
	for (i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return false;
	}
	return true;
}

/* One ["uuid", U] to fn; -1 when it is not one. */
static int one_uuid(struct json_object *v,
		    void (*fn)(void *arg, const char *uuid), void *arg)
{
	struct json_object *u = tagged(v, "uuid");
	const char *s;

	if (!u || !json_object_is_type(u, json_type_string))
		return -1;
	s = json_object_get_string(u);
	if (!ovsdb_uuid_valid(s))
		return -1;
	fn(arg, s);
	return 0;
}

int ovsdb_datum_uuids(struct json_object *v,
		      void (*fn)(void *arg, const char *uuid), void *arg)
{
	struct json_object *set = tagged(v, "set");
	size_t i, n;

	if (!set)
		return one_uuid(v, fn, arg);
	if (!json_object_is_type(set, json_type_array))
		return -1;
	n = json_object_array_length(set);
	for (i = 0; i < n; i++)
		if (one_uuid(json_object_array_get_idx(set, i), fn, arg) < 0)
			return -1;
	return 0;
}

static struct json_object *pair(const char *tag, struct json_object *v)
{
	struct json_object *a = json_object_new_array();

	json_object_array_add(a, json_object_new_string(tag));
	json_object_array_add(a, v);
	return a;
}

struct json_object *ovsdb_uuid_new(const char *uuid)
{
	return pair("uuid", json_object_new_string(uuid));
}

struct json_object *ovsdb_named_uuid_new(const char *name)
{
	return pair("named-uuid", json_object_new_string(name));
}

struct json_object *ovsdb_set_new(struct json_object *elems)
{
	return pair("set", elems);
}

struct json_object *ovsdb_map1_new(const char *key, const char *value)
{
	struct json_object *pairs = json_object_new_array();
	struct json_object *kv = json_object_new_array();

	json_object_array_add(kv, json_object_new_string(key));
	json_object_array_add(kv, json_object_new_string(value));
	json_object_array_add(pairs, kv);
	return pair("map", pairs);
}

struct json_object *ovsdb_where_uuid(const char *uuid)
{
	struct json_object *w = json_object_new_array();
	struct json_object *c = json_object_new_array();

	json_object_array_add(c, json_object_new_string("_uuid"));
	json_object_array_add(c, json_object_new_string("=="));
	json_object_array_add(c, ovsdb_uuid_new(uuid));
	json_object_array_add(w, c);
	return w;
}

/* "error: details" of an error object (or a JSON-RPC error string). */
static void error_why(struct json_object *e, const char *where, char *why,
		      size_t whylen)
{
	const char *err = NULL, *details = NULL;

	if (json_object_is_type(e, json_type_string)) {
		err = json_object_get_string(e);
	} else if (json_object_is_type(e, json_type_object)) {
		err = ovsdb_datum_string(member(e, "error"));
		details = ovsdb_datum_string(member(e, "details"));
	}
	snprintf(why, whylen, "%s%s%s%s%s", where, err ? err : "an error",
		 details ? " (" : "", details ? details : "",
		 details ? ")" : "");
}

int ovsdb_txn_check(struct json_object *result, struct json_object *error,
		    size_t ops, char *why, size_t whylen)
{
	char where[64];
	size_t i, n;

	if (error) {
		error_why(error, "", why, whylen);
		return -1;
	}
	if (!result || !json_object_is_type(result, json_type_array)) {
		snprintf(why, whylen, "a transaction reply that is no array");
		return -1;
	}
	n = json_object_array_length(result);
	for (i = 0; i < n; i++) {
		struct json_object *r = json_object_array_get_idx(result, i);
		struct json_object *e = r ? member(r, "error") : NULL;

		if (!e)
			continue;
		if (i < ops)
			snprintf(where, sizeof(where),
				 "operation %zu: ", i + 1);
		else
			snprintf(where, sizeof(where), "commit: ");
		/* The operation's result holds "error" and "details". */
		error_why(r, where, why, whylen);
		return -1;
	}
	if (n < ops) {
		snprintf(why, whylen,
			 "%zu results for %zu operations (not done)", n, ops);
		return -1;
	}
	return 0;
}

/* --- remotes ------------------------------------------------------------- */

/* "HOST:PORT" or "[V6]:PORT" into ep (a TCP endpoint). */
static int parse_hostport(const char *s, struct agent_endpoint *ep, char *why,
			  size_t whylen)
{
	unsigned char addr[16];
	const char *end, *port;
	char *pend;
	unsigned long v;
	size_t len;

	if (*s == '[') {
		end = strchr(++s, ']');
		if (!end || end[1] != ':') {
			snprintf(why, whylen, "expected [IPV6]:PORT");
			return -1;
		}
		port = end + 2;
	} else {
		end = strrchr(s, ':');
		if (!end) {
			snprintf(why, whylen, "expected IP:PORT");
			return -1;
		}
		if (memchr(s, ':', (size_t)(end - s))) {
			snprintf(why, whylen,
				 "an IPv6 address goes in brackets: "
				 "[IPV6]:PORT");
			return -1;
		}
		port = end + 1;
	}
	len = (size_t)(end - s);
	if (!len || len > AGENT_HOST_MAX) {
		snprintf(why, whylen, "a host of 1 to %d bytes",
			 AGENT_HOST_MAX);
		return -1;
	}
	memcpy(ep->host, s, len);
	ep->host[len] = '\0';
	errno = 0;
	v = *port >= '0' && *port <= '9' ? strtoul(port, &pend, 10) : 0;
	if (!v || *pend || errno || v > 65535) {
		snprintf(why, whylen, "a port from 1 to 65535 after the host");
		return -1;
	}
	snprintf(ep->port, sizeof(ep->port), "%lu", v);
	ep->host_is_ip = inet_pton(AF_INET, ep->host, addr) == 1 ||
			 inet_pton(AF_INET6, ep->host, addr) == 1;
	return 0;
}

int ovsdb_remote_parse(const char *spec, struct agent_endpoint *ep,
		       const struct agent_tls_config *tls, char *why,
		       size_t whylen)
{
	struct sockaddr_un sun;

	memset(ep, 0, sizeof(*ep));
	if (!strncmp(spec, "unix:", 5)) {
		ep->kind = AGENT_TP_UNIX;
		ep->spec = spec + 5;
		if (!*ep->spec || strlen(ep->spec) >= sizeof(sun.sun_path)) {
			snprintf(why, whylen,
				 "a socket path of 1 to %zu bytes after "
				 "unix:",
				 sizeof(sun.sun_path) - 1);
			return -1;
		}
		return 0;
	}
	ep->spec = spec;
	if (!strncmp(spec, "tcp:", 4)) {
		ep->kind = AGENT_TP_TCP;
		return parse_hostport(spec + 4, ep, why, whylen);
	}
	if (!strncmp(spec, "ssl:", 4)) {
		ep->kind = AGENT_TP_TLS;
		ep->ovs_tls = true;
		ep->tls = tls;
		return parse_hostport(spec + 4, ep, why, whylen);
	}
	snprintf(why, whylen, "expected unix:PATH, tcp:IP:PORT or ssl:IP:PORT");
	return -1;
}

int ovsdb_remotes_parse(struct ovsdb_remotes *r, const char *list,
			const struct agent_tls_config *tls, char *why,
			size_t whylen)
{
	char *p, *next;
	char err[200];

	memset(r, 0, sizeof(*r));
	r->buf = strdup(list);
	if (!r->buf)
		abort();
	for (p = r->buf; p; p = next) {
		next = strchr(p, ',');
		if (next)
			*next++ = '\0';
		if (r->n == OVSDB_REMOTES_MAX) {
			snprintf(why, whylen, "at most %d remotes",
				 OVSDB_REMOTES_MAX);
			goto fail;
		}
		if (ovsdb_remote_parse(p, &r->ep[r->n], tls, err, sizeof(err)) <
		    0) {
			if (next || r->n)
				snprintf(why, whylen, "%s: %s", p, err);
			else
				snprintf(why, whylen, "%s", err);
			goto fail;
		}
		r->name[r->n++] = p;
	}
	return 0;
fail:
	ovsdb_remotes_free(r);
	return -1;
}

bool ovsdb_remotes_tls(const struct ovsdb_remotes *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->ep[i].kind == AGENT_TP_TLS)
			return true;
	return false;
}

void ovsdb_remotes_free(struct ovsdb_remotes *r)
{
	free(r->buf);
	memset(r, 0, sizeof(*r));
}

/* --- a connection -------------------------------------------------------- */

const char *ovsdb_state2str(enum ovsdb_state s)
{
	switch (s) {
	case OVSDB_DOWN:
		return "disconnected";
	case OVSDB_CONNECTING:
		return "connecting";
	case OVSDB_UP:
		return "connected";
	}
	return "?";
}

void ovsdb_conn_init(struct ovsdb_conn *c, const struct ovsdb_remotes *remotes,
		     const struct ovsdb_conn_cb *cb, void *arg)
{
	memset(c, 0, sizeof(*c));
	c->remotes = remotes;
	c->cb = cb;
	c->cb_arg = arg;
	c->state = OVSDB_DOWN;
	c->next_id = 1;
	c->backoff_ms = OVSDB_BACKOFF_MIN_MS;
	agent_tp_init(&c->tp);
	ovsdb_framer_init(&c->fr);
}

const char *ovsdb_conn_remote(const struct ovsdb_conn *c)
{
	return c->remotes->name[c->cur];
}

void ovsdb_conn_fini(struct ovsdb_conn *c)
{
	agent_tp_close(&c->tp);
	ovsdb_framer_fini(&c->fr);
	free(c->out);
	c->out = NULL;
	c->out_len = c->out_cap = 0;
}

static void close_conn(struct ovsdb_conn *c, const char *why)
{
	bool was_up = c->state == OVSDB_UP;
	uint64_t now = agent_now_ms();

	agent_tp_close(&c->tp);
	ovsdb_framer_reset(&c->fr);
	c->out_len = 0;
	c->echo_id = 0;
	c->state = OVSDB_DOWN;
	/* A connection that lived a while resets the backoff (one refused at
	 * once, by a monitor error, does not). */
	if (was_up && now >= c->up_ms + OVSDB_BACKOFF_MAX_MS)
		c->backoff_ms = OVSDB_BACKOFF_MIN_MS;
	if (c->cb->down)
		c->cb->down(c->cb_arg, was_up, why);
	/* The next remote of a list at once; the backoff once all were
	 * tried. */
	c->cur = (c->cur + 1) % c->remotes->n;
	if (c->cur) {
		c->retry_ms = now;
		return;
	}
	c->retry_ms = now + c->backoff_ms;
	c->backoff_ms *= 2;
	if (c->backoff_ms > OVSDB_BACKOFF_MAX_MS)
		c->backoff_ms = OVSDB_BACKOFF_MAX_MS;
}

void ovsdb_conn_drop(struct ovsdb_conn *c, const char *why)
{
	if (c->state != OVSDB_DOWN)
		close_conn(c, why);
}

int ovsdb_conn_fd(const struct ovsdb_conn *c, short *events)
{
	*events = 0;
	if (c->state == OVSDB_DOWN || c->tp.fd < 0)
		return -1;
	if (c->state == OVSDB_CONNECTING) {
		*events = c->tp.events ? c->tp.events : POLLOUT;
		return c->tp.fd;
	}
	*events = POLLIN | c->tp.events;
	if (c->out_len)
		*events |= POLLOUT;
	return c->tp.fd;
}

uint64_t ovsdb_conn_deadline(const struct ovsdb_conn *c)
{
	switch (c->state) {
	case OVSDB_DOWN:
		return c->retry_ms;
	case OVSDB_CONNECTING:
		return c->tp.deadline_ms;
	case OVSDB_UP:
		/* TLS may hold decrypted bytes: read them at once. */
		if (agent_tp_pending(&c->tp))
			return 1;
		return c->last_rx_ms +
		       (c->echo_id ? 2 * OVSDB_PROBE_MS : OVSDB_PROBE_MS);
	}
	return UINT64_MAX;
}

static void queue(struct ovsdb_conn *c, const char *s, size_t len)
{
	if (c->out_len + len > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;

		while (cap < c->out_len + len)
			cap *= 2;
		c->out = realloc(c->out, cap);
		if (!c->out)
			abort();
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, s, len);
	c->out_len += len;
}

int64_t ovsdb_conn_send(struct ovsdb_conn *c, const char *method,
			struct json_object *params)
{
	int64_t id;
	size_t len;
	char *s;

	if (c->state != OVSDB_UP) {
		json_object_put(params);
		return -1;
	}
	id = c->next_id++;
	s = ovsdb_request_str(method, params, id, &len);
	queue(c, s, len);
	free(s);
	c->tx_msgs++;
	return id;
}

/* Answer the server's echo with its own params. */
static void answer_echo(struct ovsdb_conn *c, const struct ovsdb_msg *m)
{
	struct json_object *o = json_object_new_object();
	const char *s;

	json_object_object_add(o, "result", json_object_get(m->params));
	json_object_object_add(o, "error", NULL);
	json_object_object_add(o, "id", json_object_get(m->id));
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	queue(c, s, strlen(s));
	json_object_put(o);
}

struct feed_ctx {
	struct ovsdb_conn *c;
	char why[256];
	bool bad;
};

static void on_value(void *arg, struct json_object *o)
{
	struct feed_ctx *fc = arg;
	struct ovsdb_conn *c = fc->c;
	struct ovsdb_msg m;

	if (fc->bad || c->state != OVSDB_UP) {
		json_object_put(o);
		return;
	}
	c->rx_msgs++;
	if (ovsdb_msg_parse(o, &m, fc->why, sizeof(fc->why)) < 0) {
		fc->bad = true;
	} else if (m.kind == OVSDB_MSG_REQUEST && !strcmp(m.method, "echo")) {
		answer_echo(c, &m);
	} else if (m.kind == OVSDB_MSG_REPLY && c->echo_id &&
		   m.id_num == c->echo_id) {
		c->echo_id = 0;
	} else if (c->cb->msg) {
		c->cb->msg(c->cb_arg, &m);
	}
	json_object_put(o);
}

/* Write what is queued; -1 when the connection failed (closed). */
static int flush_out(struct ovsdb_conn *c)
{
	char why[256];
	ssize_t n;

	while (c->out_len) {
		n = agent_tp_write(&c->tp, c->out, c->out_len, why,
				   sizeof(why));
		if (n < 0) {
			close_conn(c, why);
			return -1;
		}
		if (n == 0)
			return 0;
		memmove(c->out, c->out + n, c->out_len - (size_t)n);
		c->out_len -= (size_t)n;
	}
	return 0;
}

/* Read what there is; -1 when the connection failed (closed). */
static int read_in(struct ovsdb_conn *c)
{
	struct feed_ctx fc = {.c = c};
	char buf[65536];
	int rounds = 0;
	ssize_t n;

	do {
		n = agent_tp_read(&c->tp, buf, sizeof(buf), fc.why,
				  sizeof(fc.why));
		if (n == AGENT_TP_AGAIN)
			return 0;
		if (n == 0) {
			close_conn(c, "closed by the server");
			return -1;
		}
		if (n < 0) {
			close_conn(c, fc.why);
			return -1;
		}
		c->last_rx_ms = agent_now_ms();
		if (ovsdb_framer_feed(&c->fr, buf, (size_t)n, on_value, &fc,
				      fc.why, sizeof(fc.why)) < 0 ||
		    fc.bad) {
			char why[300];

			snprintf(why, sizeof(why), "protocol error: %s",
				 fc.why);
			close_conn(c, why);
			return -1;
		}
		if (c->state != OVSDB_UP)
			return -1; /* a callback dropped it */
		/* Let the loop breathe during a large dump. */
	} while (++rounds < 64 || agent_tp_pending(&c->tp));
	return 0;
}

static void connected(struct ovsdb_conn *c, uint64_t now)
{
	c->state = OVSDB_UP;
	c->up_ms = now;
	c->connects++;
	c->last_rx_ms = now;
	c->echo_id = 0;
	ovsdb_framer_reset(&c->fr);
	if (c->cb->up)
		c->cb->up(c->cb_arg);
}

static void try_connect(struct ovsdb_conn *c, uint64_t now)
{
	char why[300];
	int r;

	c->state = OVSDB_CONNECTING;
	r = agent_tp_open(&c->tp, &c->remotes->ep[c->cur], now, why,
			  sizeof(why));
	if (r < 0) {
		close_conn(c, why);
		return;
	}
	if (r == 1)
		connected(c, now);
}

void ovsdb_conn_run(struct ovsdb_conn *c, short revents, uint64_t now)
{
	char why[300];
	int r;

	switch (c->state) {
	case OVSDB_DOWN:
		if (now >= c->retry_ms)
			try_connect(c, now);
		return;
	case OVSDB_CONNECTING:
		r = agent_tp_progress(&c->tp, revents, now, why, sizeof(why));
		if (r < 0)
			close_conn(c, why);
		else if (r == 1)
			connected(c, now);
		return;
	case OVSDB_UP:
		break;
	}
	if ((revents & (POLLIN | POLLHUP | POLLERR)) ||
	    agent_tp_pending(&c->tp)) {
		if (read_in(c) < 0)
			return;
	}
	if (c->echo_id && now >= c->last_rx_ms + 2 * OVSDB_PROBE_MS) {
		snprintf(why, sizeof(why),
			 "no answer within %d ms (inactivity probe)",
			 2 * OVSDB_PROBE_MS);
		close_conn(c, why);
		return;
	}
	if (!c->echo_id && now >= c->last_rx_ms + OVSDB_PROBE_MS)
		c->echo_id =
			ovsdb_conn_send(c, "echo", json_object_new_array());
	flush_out(c);
}
