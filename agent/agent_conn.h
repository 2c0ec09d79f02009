// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs-agent: the connection to one route-server instance's SDN stream
 * (docs/sdn-protocol.md), over either transport (agent_transport.h).
 *
 * It connects (and reconnects, with backoff), says HELLO, reads and checks
 * the stream, keeps the instance's table (a batch changes it at its
 * COMMIT, never half of it), sends KEEPALIVEs and drops a silent
 * connection. The owner drives it from its poll(2) loop, and hears of
 * every committed batch and of the connection going down through
 * callbacks.
 */
#ifndef AGENT_CONN_H
#define AGENT_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include "agent/agent_table.h"
#include "agent/agent_transport.h"
#include "agent/agent_trust.h"
#include "logic/vnetrs_sdn_wire.h"

/* docs/sdn-protocol.md: a KEEPALIVE every 10 s, silence for 30 s ends it. */
#define AGENT_KEEPALIVE_MS 10000
#define AGENT_DEAD_MS 30000
/*
 * Silence: the agent sends a KEEPALIVE every probe interval (a third of
 * silent_ms, 200 ms to 10 s), and a route server answers each one with
 * its own (docs/sdn-protocol.md). A stream that answers nothing for
 * silent_ms after a KEEPALIVE was sent is silent: the instance is hung,
 * and stops counting in the merge until it speaks again (the connection
 * is kept until AGENT_DEAD_MS). A route server that has not shown it
 * answers (two KEEPALIVEs less than 5 s apart: an older one sends one
 * every 10 s) gets AGENT_KEEPALIVE_MS more.
 */
#define AGENT_SILENT_MS_DEFAULT 3000
#define AGENT_ANSWERS_WITHIN_MS 5000
/* Reconnect after 100 ms, doubling up to 5 s; back to 100 ms after a
 * snapshot. */
#define AGENT_BACKOFF_MIN_MS 100
#define AGENT_BACKOFF_MAX_MS 5000

struct agent_conn;

struct agent_conn_cb {
	/* A batch was committed and applied to c->table (c->synced is
	 * true); changed: the prefixes it named (for a snapshot, also those
	 * it dropped). */
	void (*commit)(struct agent_conn *c, bool snapshot,
		       const struct agent_plist *changed, void *arg);
	/* c's connection is down; if had_table, its table was dropped. */
	void (*down)(struct agent_conn *c, bool had_table, void *arg);
	/* c's stream fell silent (silent) or spoke again (!silent). */
	void (*silence)(struct agent_conn *c, bool silent, void *arg);
	/* The route server started or stopped draining (c->draining); may
	 * be NULL. */
	void (*drain)(struct agent_conn *c, void *arg);
};

struct agent_conn {
	const char *path; /* the route server's socket, or tls:// URL */
	const char *name; /* ours, for the HELLO */
	/* Where and how to connect: the Unix socket at path unless the owner
	 * sets another after agent_conn_init(). */
	const struct agent_endpoint *ep;
	/* Whom to believe (NULL: anyone). Over TLS, the certificate checks
	 * replace its users; its AS still applies. */
	const struct agent_trust *trust;
	int fd; /* -1 while disconnected (or connecting) */
	/* The connection: its transport, state and TLS details. */
	struct agent_tp tp;
	/* A snapshot was committed on this connection: table is the
	 * instance's. Dropped (empty, false) when the connection goes. */
	bool synced;
	struct agent_table table;
	/* The route server's HELLO on this connection. */
	bool hello;
	char server_name[VNETRS_SDN_NAME_MAX + 1];
	uint64_t epoch;
	/* The route server drains (graceful maintenance): the DRAINING flag
	 * of its last HELLO or KEEPALIVE (kept while disconnected). */
	bool draining;
	/* Silence (see AGENT_SILENT_MS_DEFAULT): the limit (0: never), and
	 * whether the stream is silent now. */
	uint32_t silent_ms;
	bool silent;
	/* Counters for the status. */
	uint64_t last_rx_ms;
	uint64_t connects, silences;

	/* Private. */
	const struct agent_conn_cb *cb;
	void *arg;
	struct vnetrs_sdn_rx rx;
	struct agent_batch batch;
	uint8_t *rbuf;
	size_t rhave;
	uint8_t wbuf[512];
	size_t whave;
	uint64_t next_ka_ms, retry_ms;
	uint64_t probe_ms;	/* first KEEPALIVE sent since the last read */
	uint64_t last_ka_rx_ms; /* the route server's last KEEPALIVE */
	bool answers;		/* it answers KEEPALIVEs */
	uint32_t backoff_ms;
	bool had_epoch; /* epoch is a previous connection's */
	/* Why the last connect failed, not to log it at every retry. */
	char last_fail[256];
	struct agent_endpoint unix_ep; /* the default ep */
};

void agent_conn_init(struct agent_conn *c, const char *path, const char *name,
		     const struct agent_conn_cb *cb, void *arg);
/* Close without callbacks and free everything. */
void agent_conn_fini(struct agent_conn *c);

/* Its descriptor and events for poll(2) (also while the connect or
 * handshake is under way): -1 while disconnected. */
int agent_conn_pollfd(const struct agent_conn *c, short *events);
/* When it next needs agent_conn_run() without any event (ms, monotonic). */
uint64_t agent_conn_deadline(const struct agent_conn *c);
/* Handle the events poll(2) reported (0: none) and the timers due at now. */
void agent_conn_run(struct agent_conn *c, short revents, uint64_t now);
/* "disconnected", "connecting" (TCP or the TLS handshake), "connected" (no
 * snapshot yet), "synced" or "silent". */
const char *agent_conn_state(const struct agent_conn *c);

#endif /* AGENT_CONN_H */
