// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs-agent: the transports of the SDN stream (docs/sdn-protocol.md,
 * "Transports").
 *
 * The stream is the same bytes whatever carries them: a Unix socket on the
 * route server's host, or TLS 1.3 over TCP with certificates both ways.
 * agent_conn.c drives a connection through this interface only (open,
 * progress of the connect and handshake from the poll loop, read, write,
 * close), so its state machine, the reader and the trust checks above it
 * do not depend on the transport.
 */
#ifndef AGENT_TRANSPORT_H
#define AGENT_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "agent/agent_trust.h"

/* A TLS connect and handshake not done within this long has failed. */
#define AGENT_TLS_HANDSHAKE_MS 5000
/* "tls://" and the longest host name, bracketed IPv6 and port. */
#define AGENT_HOST_MAX 255

enum agent_tp_kind {
	AGENT_TP_UNIX,
	AGENT_TP_TLS,
	AGENT_TP_TCP, /* plain TCP (an OVSDB remote "tcp:", ovsdb.h) */
};

/* The agent's identity and whom it trusts over TLS (the files are read
 * again at each connect). */
struct agent_tls_config {
	const char *cert; /* our client certificate (chain), PEM */
	const char *key;  /* its private key, PEM */
	const char *ca;	  /* the CA(s) that sign route servers' certs */
};

/* Where one --connect goes. */
struct agent_endpoint {
	enum agent_tp_kind kind;
	const char *spec; /* as given: the socket path, or the tls:// URL */
	/* TLS only. */
	char host[AGENT_HOST_MAX + 1]; /* without brackets */
	char port[6];
	bool host_is_ip;
	const char *server_name; /* --server-name (NULL: see agent_tls.c) */
	const struct agent_tls_config *tls;
	/* TLS the way OVS speaks it (an OVSDB remote "ssl:", ovsdb.h):
	 * TLS 1.2 or later, the certificate checked against the CA only. */
	bool ovs_tls;
};

enum agent_tp_state {
	AGENT_TP_CLOSED,
	AGENT_TP_CONNECTING, /* TCP connect or TLS handshake under way */
	AGENT_TP_READY,
};

/* One connection over a transport. */
struct agent_tp {
	const struct agent_endpoint *ep;
	enum agent_tp_state state;
	int fd;
	/* poll(2) events the transport itself waits for (the handshake, or
	 * TLS needing to write to read). */
	short events;
	/* The last failure was a refusal of the route server (its
	 * certificate), not a network error. */
	bool refused;
	uint64_t deadline_ms; /* of the connect and handshake */
	/* TLS. */
	struct ssl_ctx_st *ctx;
	struct ssl_st *ssl;
	struct addrinfo *ai, *ai_next;
	char subject[256]; /* the server certificate's */
	char version[16];
};

/* The read result "nothing now" (0 is the end of the stream). */
#define AGENT_TP_AGAIN (-2)

/* "PATH" or "tls://HOST[:PORT]" into ep; -1 with a message in err. */
int agent_endpoint_parse(struct agent_endpoint *ep, const char *spec, char *err,
			 size_t errlen);

void agent_tp_init(struct agent_tp *t);
/* Start connecting: 1 ready, 0 under way (poll agent_tp_fd() for
 * agent_tp_events(), then agent_tp_progress()), -1 failed (why). */
int agent_tp_open(struct agent_tp *t, const struct agent_endpoint *ep,
		  uint64_t now, char *why, size_t whylen);
/* The connect or handshake goes on after revents: as agent_tp_open(). */
int agent_tp_progress(struct agent_tp *t, short revents, uint64_t now,
		      char *why, size_t whylen);
/* Is the route server behind a ready connection one we believe? (Over
 * Unix its user; over TLS its certificate was checked by the handshake.) */
bool agent_tp_check_peer(const struct agent_tp *t,
			 const struct agent_trust *trust, char *why,
			 size_t whylen);
/* Bytes read (> 0), 0 at the end of the stream, AGENT_TP_AGAIN, or -1
 * (why). */
ssize_t agent_tp_read(struct agent_tp *t, void *buf, size_t len, char *why,
		      size_t whylen);
/* Bytes written (0: none now), or -1 (why). */
ssize_t agent_tp_write(struct agent_tp *t, const void *buf, size_t len,
		       char *why, size_t whylen);
/* Bytes already received and decrypted, not yet read: read again before
 * polling. */
bool agent_tp_pending(const struct agent_tp *t);
void agent_tp_close(struct agent_tp *t);
/* "unix", or "tls" and what was negotiated, for the status. */
const char *agent_tp_kind2str(enum agent_tp_kind kind);

/* agent_tls.c: the TLS implementation of the calls above. */
int agent_tls_open(struct agent_tp *t, uint64_t now, char *why, size_t whylen);
int agent_tls_progress(struct agent_tp *t, short revents, char *why,
		       size_t whylen);
ssize_t agent_tls_read(struct agent_tp *t, void *buf, size_t len, char *why,
		       size_t whylen);
ssize_t agent_tls_write(struct agent_tp *t, const void *buf, size_t len,
			char *why, size_t whylen);
bool agent_tls_pending(const struct agent_tp *t);
void agent_tls_close(struct agent_tp *t);
/* Can the certificate, key and CA be loaded? At start: -1 with err. */
int agent_tls_config_check(const struct agent_tls_config *cfg, char *err,
			   size_t errlen);

#endif /* AGENT_TRANSPORT_H */
