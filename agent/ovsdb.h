// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs-agent: a small OVSDB client (RFC 7047), for the OVN northbound
 * backend (backend_ovn.c).
 *
 * JSON-RPC 1.0 over a stream: each message is one JSON object, messages are
 * concatenated with no other framing. What is here:
 * - the framing: bytes in chunks cut anywhere, out come whole JSON values
 *   (json-c's incremental tokener);
 * - the message kinds (request, notification, reply) and the few OVSDB
 *   datum forms the agent reads (strings, uuids, sets, maps);
 * - a transaction's reply judged as a whole (any operation's error, or a
 *   commit error after the operations, fails it);
 * - one connection to a remote ("unix:PATH", "tcp:IP:PORT", "ssl:IP:PORT",
 *   or a list of them, tried in turn) over the agent's transports
 *   (agent_transport.h): a non-blocking connect, reconnects with backoff,
 *   the server's "echo" answered, our own "echo" sent as an inactivity
 *   probe.
 *
 * Why json-c and not OVS's C IDL: the IDL is not packaged as a library
 * (the Debian openvswitch-source package only ships the sources), so it
 * would mean building and linking a large part of libopenvswitch (its
 * poll loop, its streams, its logging) into the agent, whose poll loop and
 * TLS code already exist. The agent needs two tables, a handful of columns
 * and one kind of transaction: a few hundred lines over json-c (already a
 * dependency of FRR) cover it. Switching to the IDL would replace this file
 * and the cache of backend_ovn.c by ovsdb_idl_create() with the generated
 * OVN NB IDL (ovn-nb-idl.[ch], built from ovn-nb.ovsschema with
 * ovsdb-idlc), run from the agent's loop through the IDL's poll hooks;
 * the backend's decisions (which rows are ours, what to insert and delete)
 * would stay as they are.
 */
#ifndef AGENT_OVSDB_H
#define AGENT_OVSDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "agent/agent_transport.h"

/* One JSON value bigger than this is refused (the whole table's dump of a
 * large northbound database fits). */
#define OVSDB_MSG_MAX (512u * 1024 * 1024)
/* Reconnect: from 500 ms, doubling up to 8 s. */
#define OVSDB_BACKOFF_MIN_MS 500
#define OVSDB_BACKOFF_MAX_MS 8000
/* With nothing received for this long, an echo is sent; with still nothing
 * this long after it, the connection is dropped. */
#define OVSDB_PROBE_MS 5000
/* A connect (and TLS handshake) not done within this long failed. */
#define OVSDB_CONNECT_MS 5000

/* --- framing ------------------------------------------------------------- */

struct ovsdb_framer {
	struct json_tokener *tok;
	size_t fed; /* bytes of the value being parsed */
};

/* Called for each whole value; it takes msg (json_object_put() it). */
typedef void (*ovsdb_value_fn)(void *arg, struct json_object *msg);

void ovsdb_framer_init(struct ovsdb_framer *f);
void ovsdb_framer_fini(struct ovsdb_framer *f);
/* Drop what is half parsed (a new connection). */
void ovsdb_framer_reset(struct ovsdb_framer *f);
/*
 * Feed len bytes: each value completed goes to fn. 0, or -1 with why (not
 * JSON, a value that is not an object, or one above OVSDB_MSG_MAX): the
 * stream cannot be read further.
 */
int ovsdb_framer_feed(struct ovsdb_framer *f, const char *buf, size_t len,
		      ovsdb_value_fn fn, void *arg, char *why, size_t whylen);

/* --- messages ------------------------------------------------------------ */

enum ovsdb_msg_kind {
	OVSDB_MSG_REQUEST, /* method, params, id */
	OVSDB_MSG_NOTIFY,  /* method, params, id null */
	OVSDB_MSG_REPLY,   /* result or error, id */
};

/* Pointers into the message's object. */
struct ovsdb_msg {
	enum ovsdb_msg_kind kind;
	const char *method;
	struct json_object *params;
	struct json_object *id;
	int64_t id_num; /* a reply to one of ours: our number, else -1 */
	struct json_object *result;
	struct json_object *error; /* NULL when null */
};

/* Classify o. 0, or -1 with why (not a JSON-RPC message). */
int ovsdb_msg_parse(struct json_object *o, struct ovsdb_msg *m, char *why,
		    size_t whylen);

/* The text of a request with method, params (taken) and id. Free it. */
char *ovsdb_request_str(const char *method, struct json_object *params,
			int64_t id, size_t *len);

/* --- datums -------------------------------------------------------------- */

/* A string column: the string, or NULL (an empty optional value, or not a
 * string). */
const char *ovsdb_datum_string(struct json_object *v);
/* The value of key in a map column (["map", [[k, v], ...]]) when it is a
 * string, else NULL. */
const char *ovsdb_datum_map_get(struct json_object *v, const char *key);
/* Each uuid of a uuid column or set of uuids (["uuid", U] or ["set",
 * [["uuid", U], ...]]) to fn; -1 when v is malformed. */
int ovsdb_datum_uuids(struct json_object *v,
		      void (*fn)(void *arg, const char *uuid), void *arg);
/* 36 characters of hex and dashes in the RFC 4122 layout? */
bool ovsdb_uuid_valid(const char *s);

/* Building datums and conditions (each a new object). */
struct json_object *ovsdb_uuid_new(const char *uuid);
struct json_object *ovsdb_named_uuid_new(const char *name);
/* ["set", elems] (elems taken). */
struct json_object *ovsdb_set_new(struct json_object *elems);
/* ["map", [[key, value]]]. */
struct json_object *ovsdb_map1_new(const char *key, const char *value);
/* [["_uuid", "==", ["uuid", uuid]]]. */
struct json_object *ovsdb_where_uuid(const char *uuid);

/*
 * A transaction's reply: 0 when every operation succeeded, else -1 with
 * the first error and its details in why. ops: how many operations were
 * sent (an error after them is the commit's).
 */
int ovsdb_txn_check(struct json_object *result, struct json_object *error,
		    size_t ops, char *why, size_t whylen);

/* --- remotes ------------------------------------------------------------- */

/*
 * "unix:PATH", "tcp:IP:PORT" or "ssl:IP:PORT" (IPv6 in brackets) into ep.
 * ssl: uses tls (certificate, key, CA), OVS's way: TLS 1.2 or later, the
 * server's certificate checked against the CA only (OVS certificates do
 * not name hosts). -1 with why.
 */
int ovsdb_remote_parse(const char *spec, struct agent_endpoint *ep,
		       const struct agent_tls_config *tls, char *why,
		       size_t whylen);

/*
 * A list of remotes separated by commas, as OVS's tools take them (the
 * members of a clustered database): tried in turn, the next one after a
 * failure or a lost connection.
 */
#define OVSDB_REMOTES_MAX 8
struct ovsdb_remotes {
	char *buf; /* the list, cut at its commas */
	const char *name[OVSDB_REMOTES_MAX];
	struct agent_endpoint ep[OVSDB_REMOTES_MAX];
	size_t n;
};

/* 0, or -1 with why (r is then empty). */
int ovsdb_remotes_parse(struct ovsdb_remotes *r, const char *list,
			const struct agent_tls_config *tls, char *why,
			size_t whylen);
/* Does one of them need TLS files? */
bool ovsdb_remotes_tls(const struct ovsdb_remotes *r);
void ovsdb_remotes_free(struct ovsdb_remotes *r);

/* --- a connection -------------------------------------------------------- */

enum ovsdb_state {
	OVSDB_DOWN,	  /* waiting for the next attempt */
	OVSDB_CONNECTING, /* connect or TLS handshake under way */
	OVSDB_UP,
};

struct ovsdb_conn;

struct ovsdb_conn_cb {
	/* Connected: send the first requests. */
	void (*up)(void *arg);
	/* A message other than an echo or the answer to ours (msg lives
	 * for the call). */
	void (*msg)(void *arg, const struct ovsdb_msg *msg);
	/* The connection is gone (why: for the log), or an attempt failed
	 * (was_up false). */
	void (*down)(void *arg, bool was_up, const char *why);
};

struct ovsdb_conn {
	const struct ovsdb_remotes *remotes;
	size_t cur; /* the remote tried or connected now */
	const struct ovsdb_conn_cb *cb;
	void *cb_arg;
	enum ovsdb_state state;
	struct agent_tp tp;
	struct ovsdb_framer fr;
	char *out; /* bytes not written yet */
	size_t out_len, out_cap;
	int64_t next_id;
	uint64_t retry_ms; /* the next attempt (state DOWN) */
	uint32_t backoff_ms;
	uint64_t up_ms; /* connected since */
	uint64_t last_rx_ms;
	int64_t echo_id; /* our probe waiting for its answer (0: none) */
	/* Counters, for the status. */
	uint64_t connects, rx_msgs, tx_msgs;
};

void ovsdb_conn_init(struct ovsdb_conn *c, const struct ovsdb_remotes *remotes,
		     const struct ovsdb_conn_cb *cb, void *arg);
/* The remote tried or connected now, as given ("unix:PATH"...). */
const char *ovsdb_conn_remote(const struct ovsdb_conn *c);
void ovsdb_conn_fini(struct ovsdb_conn *c);
/* What to poll (fd -1: nothing now) and when to run at the latest. */
int ovsdb_conn_fd(const struct ovsdb_conn *c, short *events);
uint64_t ovsdb_conn_deadline(const struct ovsdb_conn *c);
/* Advance: connect, read, write, probe (revents 0 on a timer). */
void ovsdb_conn_run(struct ovsdb_conn *c, short revents, uint64_t now);
/* Queue a request (params taken); its id, or -1 when not connected. */
int64_t ovsdb_conn_send(struct ovsdb_conn *c, const char *method,
			struct json_object *params);
/* Close now (why logged by the down callback) and retry after backoff. */
void ovsdb_conn_drop(struct ovsdb_conn *c, const char *why);
const char *ovsdb_state2str(enum ovsdb_state s);

#endif /* AGENT_OVSDB_H */
