// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs-agent: the SDN stream over TLS 1.3 (agent_transport.h).
 *
 * Route servers on other hosts are reached over TCP; TLS with certificates
 * both ways replaces what the Unix socket's peer credentials gave: the
 * route server proves it holds a certificate from --ca for the expected
 * name or address, and the agent presents its own. Everything is
 * non-blocking: the TCP connect and the handshake advance when the poll
 * loop reports the events OpenSSL asked for, within AGENT_TLS_HANDSHAKE_MS.
 * Only the name resolution blocks (see resolve()).
 */
#include "agent/agent_transport.h"

#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

/* The reason of OpenSSL's last error, or what when it has none. */
static void ssl_why(char *why, size_t whylen, const char *what)
{
	unsigned long e = ERR_peek_last_error();
	const char *reason = e ? ERR_reason_error_string(e) : NULL;

	if (reason)
		snprintf(why, whylen, "%s: %s", what, reason);
	else
		snprintf(why, whylen, "%s", what);
	ERR_clear_error();
}

/* A file OpenSSL is about to read: say plainly when it cannot be opened. */
static bool readable(const char *opt, const char *file, char *err,
		     size_t errlen)
{
	FILE *f = fopen(file, "r");

	if (!f) {
		snprintf(err, errlen, "%s %s: %s", opt, file, strerror(errno));
		return false;
	}
	fclose(f);
	return true;
}

static bool ctx_load(SSL_CTX *ctx, const struct agent_tls_config *cfg,
		     char *err, size_t errlen)
{
	char what[PATH_MAX + 64];

	if (!readable("--cert", cfg->cert, err, errlen) ||
	    !readable("--key", cfg->key, err, errlen) ||
	    !readable("--ca", cfg->ca, err, errlen))
		return false;
	snprintf(what, sizeof(what), "--cert %s", cfg->cert);
	if (SSL_CTX_use_certificate_chain_file(ctx, cfg->cert) != 1)
		goto fail;
	snprintf(what, sizeof(what), "--key %s", cfg->key);
	if (SSL_CTX_use_PrivateKey_file(ctx, cfg->key, SSL_FILETYPE_PEM) != 1)
		goto fail;
	snprintf(what, sizeof(what), "--key %s does not match --cert %s",
		 cfg->key, cfg->cert);
	if (SSL_CTX_check_private_key(ctx) != 1)
		goto fail;
	snprintf(what, sizeof(what), "--ca %s", cfg->ca);
	if (SSL_CTX_load_verify_locations(ctx, cfg->ca, NULL) != 1)
		goto fail;
	return true;
fail:
	ssl_why(err, errlen, what);
	return false;
}

/* A context with the files as they are now (read at every connect, so
 * renewed certificates are taken without a restart). */
static SSL_CTX *ctx_new(const struct agent_tls_config *cfg, bool ovs, char *err,
			size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	/* OVS 3.1's ovsdb-server speaks TLS 1.2 at most. */
	if (!ctx || SSL_CTX_set_min_proto_version(
			    ctx, ovs ? TLS1_2_VERSION : TLS1_3_VERSION) != 1) {
		ssl_why(err, errlen, "TLS context");
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (!ctx_load(ctx, cfg, err, errlen)) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	/* The stream has its own framing: a TCP close without close_notify
	 * is the end of the stream, a cut batch is caught by the reader. */
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
	/* agent_conn.c retries a write with its buffer moved and grown. */
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
				      SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	return ctx;
}

int agent_tls_config_check(const struct agent_tls_config *cfg, char *err,
			   size_t errlen)
{
	SSL_CTX *ctx = ctx_new(cfg, false, err, errlen);

	SSL_CTX_free(ctx);
	return ctx ? 0 : -1;
}

/*
 * The route server's addresses, at every connect (its name may move). An
 * address is taken as it is; a name is resolved by a blocking
 * getaddrinfo(): the agent's one thread waits for the resolver (bounded by
 * resolv.conf's timeout), which only delays its other instance's reading,
 * whose bytes wait in the socket meanwhile. Use addresses where that
 * matters.
 */
static int resolve(struct agent_tp *t, char *why, size_t whylen)
{
	struct addrinfo hints = {
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_NUMERICSERV,
	};
	int r;

	if (t->ep->host_is_ip)
		hints.ai_flags |= AI_NUMERICHOST;
	r = getaddrinfo(t->ep->host, t->ep->port, &hints, &t->ai);
	if (r) {
		snprintf(why, whylen, "cannot resolve %s: %s", t->ep->host,
			 r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r));
		t->ai = NULL;
		return -1;
	}
	t->ai_next = t->ai;
	return 0;
}

static void addr_why(const struct addrinfo *a, int err, char *why,
		     size_t whylen)
{
	char host[NI_MAXHOST], port[NI_MAXSERV];

	if (getnameinfo(a->ai_addr, a->ai_addrlen, host, sizeof(host), port,
			sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV))
		snprintf(host, sizeof(host), "?"), snprintf(port, 2, "?");
	snprintf(why, whylen, "connect to %s port %s: %s", host, port,
		 strerror(err));
}

/* TCP to the next address: 1 connected, 0 under way, -1 none left. */
static int tcp_next(struct agent_tp *t, char *why, size_t whylen)
{
	while (t->ai_next) {
		const struct addrinfo *a = t->ai_next;

		t->ai_next = a->ai_next;
		if (t->fd >= 0)
			close(t->fd);
		t->fd = socket(a->ai_family,
			       a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
			       a->ai_protocol);
		if (t->fd >= 0 &&
		    connect(t->fd, a->ai_addr, a->ai_addrlen) == 0)
			return 1;
		if (t->fd >= 0 && errno == EINPROGRESS) {
			t->events = POLLOUT;
			return 0;
		}
		addr_why(a, errno, why, whylen);
	}
	return -1;
}

/* The server certificate's subject, for the log and the status. */
static void peer_subject(struct agent_tp *t)
{
	X509 *cert = SSL_get1_peer_certificate(t->ssl);
	BIO *bio = BIO_new(BIO_s_mem());
	int n = 0;

	t->subject[0] = '\0';
	if (cert && bio &&
	    X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0,
			       XN_FLAG_RFC2253) >= 0)
		n = BIO_read(bio, t->subject, sizeof(t->subject) - 1);
	t->subject[n > 0 ? n : 0] = '\0';
	BIO_free(bio);
	X509_free(cert);
}

/* Why the handshake failed; a certificate we do not accept is a refusal. */
static void handshake_why(struct agent_tp *t, int e, char *why, size_t whylen)
{
	long v = SSL_get_verify_result(t->ssl);

	if (v != X509_V_OK) {
		t->refused = true;
		ERR_clear_error();
		snprintf(why, whylen, "server certificate not accepted: %s",
			 X509_verify_cert_error_string(v));
	} else if (e == SSL_ERROR_SYSCALL && errno) {
		ERR_clear_error();
		snprintf(why, whylen, "TLS handshake: %s", strerror(errno));
	} else if (e == SSL_ERROR_SYSCALL) {
		ERR_clear_error();
		snprintf(why, whylen, "TLS handshake: closed by the peer");
	} else {
		ssl_why(why, whylen, "TLS handshake");
	}
}

static int handshake_step(struct agent_tp *t, char *why, size_t whylen)
{
	int r, e;

	ERR_clear_error();
	errno = 0;
	r = SSL_connect(t->ssl);
	if (r == 1) {
		t->state = AGENT_TP_READY;
		t->events = 0;
		peer_subject(t);
		snprintf(t->version, sizeof(t->version), "%s",
			 SSL_get_version(t->ssl));
		return 1;
	}
	e = SSL_get_error(t->ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		t->events = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
		return 0;
	}
	handshake_why(t, e, why, whylen);
	return -1;
}

/*
 * The name the server certificate must hold: --server-name, else the URL's
 * host when it is a name (also sent as SNI); a URL's address must be an IP
 * address of the certificate (no SNI for addresses).
 */
static int handshake_start(struct agent_tp *t, char *why, size_t whylen)
{
	const struct agent_endpoint *ep = t->ep;
	const char *name = ep->server_name  ? ep->server_name
			   : ep->host_is_ip ? NULL
					    : ep->host;
	bool ok;

	if (ep->kind == AGENT_TP_TCP) { /* plain TCP: no handshake */
		t->state = AGENT_TP_READY;
		t->events = 0;
		return 1;
	}
	t->ssl = SSL_new(t->ctx);
	ok = t->ssl && SSL_set_fd(t->ssl, t->fd) == 1;
	if (ep->ovs_tls) {
		/* OVS's certificates name no host: the CA is the check. */
	} else if (ok && name) {
		SSL_set_hostflags(t->ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		ok = SSL_set1_host(t->ssl, name) == 1 &&
		     SSL_set_tlsext_host_name(t->ssl, name) == 1;
	} else if (ok) {
		ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(t->ssl),
						   ep->host) == 1;
	}
	if (!ok) {
		ssl_why(why, whylen, "TLS session");
		return -1;
	}
	return handshake_step(t, why, whylen);
}

int agent_tls_open(struct agent_tp *t, uint64_t now, char *why, size_t whylen)
{
	int r;

	t->deadline_ms = now + AGENT_TLS_HANDSHAKE_MS;
	t->state = AGENT_TP_CONNECTING;
	if (t->ep->kind == AGENT_TP_TLS) {
		t->ctx = ctx_new(t->ep->tls, t->ep->ovs_tls, why, whylen);
		if (!t->ctx)
			return -1;
	}
	if (resolve(t, why, whylen) < 0)
		return -1;
	r = tcp_next(t, why, whylen);
	return r == 1 ? handshake_start(t, why, whylen) : r;
}

/* The pending TCP connect's outcome: 0 connected, else its errno. */
static int tcp_error(int fd)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return errno;
	return err;
}

int agent_tls_progress(struct agent_tp *t, short revents, char *why,
		       size_t whylen)
{
	int err, r;

	if (t->ssl)
		return handshake_step(t, why, whylen);
	if (!(revents & (POLLOUT | POLLERR | POLLHUP)))
		return 0;
	err = tcp_error(t->fd);
	if (!err)
		return handshake_start(t, why, whylen);
	/* t->ai_next is past the address that failed. */
	for (const struct addrinfo *a = t->ai; a; a = a->ai_next)
		if (a->ai_next == t->ai_next)
			addr_why(a, err, why, whylen);
	r = tcp_next(t, why, whylen);
	return r == 1 ? handshake_start(t, why, whylen) : r;
}

/* A failed SSL_read or SSL_write: AGENT_TP_AGAIN, 0 (end) or -1. */
static ssize_t io_error(struct agent_tp *t, int r, const char *op, char *why,
			size_t whylen)
{
	int e = SSL_get_error(t->ssl, r);
	char what[32];

	switch (e) {
	case SSL_ERROR_WANT_READ:
		return AGENT_TP_AGAIN;
	case SSL_ERROR_WANT_WRITE:
		t->events = POLLOUT;
		return AGENT_TP_AGAIN;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	case SSL_ERROR_SYSCALL:
		ERR_clear_error();
		/* A fatal error: no close_notify after it. */
		SSL_set_quiet_shutdown(t->ssl, 1);
		if (!errno)
			return 0;
		snprintf(why, whylen, "%s: %s", op, strerror(errno));
		return -1;
	default:
		SSL_set_quiet_shutdown(t->ssl, 1);
		snprintf(what, sizeof(what), "TLS %s", op);
		ssl_why(why, whylen, what);
		return -1;
	}
}

ssize_t agent_tls_read(struct agent_tp *t, void *buf, size_t len, char *why,
		       size_t whylen)
{
	int r;

	ERR_clear_error();
	errno = 0;
	t->events = 0;
	r = SSL_read(t->ssl, buf, len > INT_MAX ? INT_MAX : (int)len);
	if (r > 0)
		return r;
	return io_error(t, r, "read", why, whylen);
}

ssize_t agent_tls_write(struct agent_tp *t, const void *buf, size_t len,
			char *why, size_t whylen)
{
	ssize_t r;

	ERR_clear_error();
	errno = 0;
	r = SSL_write(t->ssl, buf, len > INT_MAX ? INT_MAX : (int)len);
	if (r > 0)
		return r;
	r = io_error(t, (int)r, "write", why, whylen);
	if (r == AGENT_TP_AGAIN)
		return 0;
	if (r == 0)
		snprintf(why, whylen, "write: closed by the route server");
	return -1;
}

bool agent_tls_pending(const struct agent_tp *t)
{
	return t->ssl && t->state == AGENT_TP_READY && SSL_pending(t->ssl) > 0;
}

void agent_tls_close(struct agent_tp *t)
{
	if (t->ssl && t->state == AGENT_TP_READY) {
		/* close_notify, best effort: the socket closes anyway. */
		ERR_clear_error();
		SSL_shutdown(t->ssl);
		ERR_clear_error();
	}
	SSL_free(t->ssl);
	t->ssl = NULL;
	SSL_CTX_free(t->ctx);
	t->ctx = NULL;
	if (t->ai)
		freeaddrinfo(t->ai);
	t->ai = t->ai_next = NULL;
	t->subject[0] = '\0';
	t->version[0] = '\0';
}
