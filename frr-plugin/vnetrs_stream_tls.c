// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: the SDN stream's TLS transport ("sdn listen tls ADDR ...").
 *
 * Agents on other machines (every hypervisor of the VNet) reach the route
 * server over TCP. Both ends prove who they are: the route server presents
 * its certificate, and a consumer must present one signed by the
 * configured CA, or the handshake fails and nothing of the protocol is
 * spoken. TLS 1.3 only (OpenSSL); everything non-blocking inside bgpd's
 * event loop, the handshake driven by the stream like any other I/O. A
 * refused connection is counted by its reason (not TLS, no certificate,
 * unknown CA, expired...). Re-applying the listener's configuration loads
 * the certificate files again for new connections; connected consumers
 * keep their sessions.
 */
#include <zebra.h>

#include "lib/log.h"
#include "lib/memory.h"
#include "lib/network.h"
#include "lib/sockunion.h"
#include "lib/thread.h"

#include "bgpd/bgpd.h"

#include "vnetrs.h"
#include "vnetrs_stream_transport.h"

/* After FRR's headers: OpenSSL's x509v3.h names IANA_AFI_* too. */
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

DEFINE_MTYPE_STATIC(VNETRS, VNETRS_TLS_LISTENER, "vnetrs SDN TLS listener");
DEFINE_MTYPE_STATIC(VNETRS, VNETRS_TLS_CONN, "vnetrs SDN TLS connection");

struct tls_listener {
	struct vnetrs_listener *l;
	char where[INET6_ADDRSTRLEN + 16];
	int fd;
	SSL_CTX *ctx;
	struct thread *t_accept;
	uint64_t reloads;
};

struct tls_conn {
	struct vnetrs_conn conn; /* first: the stream sees only this */
	SSL *ssl;
};

/* OpenSSL's first queued error, as text, and the queue emptied. */
static void ssl_error_text(const char *what, char *err, size_t errlen)
{
	unsigned long e = ERR_get_error();
	char buf[200];

	if (e)
		ERR_error_string_n(e, buf, sizeof(buf));
	else
		strlcpy(buf, "no detail", sizeof(buf));
	snprintf(err, errlen, "%s: %s", what, buf);
	ERR_clear_error();
}

/*
 * The context: our certificate and key, the CA consumers must be signed by.
 */
static SSL_CTX *tls_ctx_new(const char *cert, const char *key, const char *ca,
			    char *err, size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	STACK_OF(X509_NAME) *names;

	if (!ctx) {
		ssl_error_text("TLS context", err, errlen);
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
	/* No resumption: every connection proves itself in full. */
	SSL_CTX_set_num_tickets(ctx, 0);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	/* Queues hand over partial chunks, and retry from where they were. */
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
				      SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		ssl_error_text(cert, err, errlen);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		ssl_error_text(key, err, errlen);
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		snprintf(err, errlen, "%s is not the key of %s", key, cert);
		ERR_clear_error();
		goto fail;
	}
	if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1) {
		ssl_error_text(ca, err, errlen);
		goto fail;
	}
	names = SSL_load_client_CA_file(ca);
	if (names)
		SSL_CTX_set_client_CA_list(ctx, names);
	SSL_CTX_set_verify(ctx,
			   SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
			   NULL);
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

/*
 * Connections.
 */
/* Why a handshake failed, as a counter's name and a sentence. */
static const char *handshake_reason(SSL *ssl, int ret, char *err,
				    size_t errlen)
{
	int code = SSL_get_error(ssl, ret);
	unsigned long e = ERR_peek_error();
	long verify = SSL_get_verify_result(ssl);

	if (code == SSL_ERROR_SYSCALL || code == SSL_ERROR_ZERO_RETURN) {
		snprintf(err, errlen, "closed during the TLS handshake");
		ERR_clear_error();
		return "closed";
	}
	if (ERR_GET_LIB(e) == ERR_LIB_SSL &&
	    ERR_GET_REASON(e) == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE) {
		snprintf(err, errlen, "no client certificate");
		ERR_clear_error();
		return "no-certificate";
	}
	switch (verify) {
	case X509_V_OK:
		break;
	case X509_V_ERR_CERT_HAS_EXPIRED:
		snprintf(err, errlen, "client certificate expired");
		ERR_clear_error();
		return "expired";
	case X509_V_ERR_CERT_NOT_YET_VALID:
		snprintf(err, errlen, "client certificate not yet valid");
		ERR_clear_error();
		return "not-yet-valid";
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_CERT_SIGNATURE_FAILURE:
		snprintf(err, errlen,
			 "client certificate not signed by the configured CA (%s)",
			 X509_verify_cert_error_string(verify));
		ERR_clear_error();
		return "unknown-ca";
	default:
		snprintf(err, errlen, "client certificate refused: %s",
			 X509_verify_cert_error_string(verify));
		ERR_clear_error();
		return "bad-certificate";
	}
	if (ERR_GET_LIB(e) == ERR_LIB_SSL &&
	    (ERR_GET_REASON(e) == SSL_R_WRONG_VERSION_NUMBER ||
	     ERR_GET_REASON(e) == SSL_R_HTTP_REQUEST ||
	     ERR_GET_REASON(e) == SSL_R_UNEXPECTED_MESSAGE ||
	     ERR_GET_REASON(e) == SSL_R_PACKET_LENGTH_TOO_LONG)) {
		ssl_error_text("not a TLS client", err, errlen);
		return "not-tls";
	}
	if (ERR_GET_LIB(e) == ERR_LIB_SSL &&
	    ERR_GET_REASON(e) == SSL_R_UNSUPPORTED_PROTOCOL) {
		ssl_error_text("TLS version below 1.3", err, errlen);
		return "old-tls";
	}
	ssl_error_text("TLS handshake", err, errlen);
	return "handshake-failed";
}

/* The consumer's certificate subject, for the show commands. */
static void peer_subject(struct tls_conn *tc)
{
	X509 *x = SSL_get_peer_certificate(tc->ssl);
	BIO *bio;
	int n;

	if (!x)
		return;
	bio = BIO_new(BIO_s_mem());
	if (bio) {
		X509_NAME_print_ex(bio, X509_get_subject_name(x), 0,
				   XN_FLAG_RFC2253);
		n = BIO_read(bio, tc->conn.identity,
			     sizeof(tc->conn.identity) - 1);
		tc->conn.identity[n > 0 ? n : 0] = '\0';
		BIO_free(bio);
	}
	X509_free(x);
}

static int tls_setup(struct vnetrs_conn *conn, const char **reason,
		     char *err, size_t errlen)
{
	struct tls_conn *tc = (struct tls_conn *)conn;
	int ret;

	ERR_clear_error();
	ret = SSL_accept(tc->ssl);
	if (ret == 1) {
		conn->want_write = false;
		peer_subject(tc);
		return 1;
	}
	switch (SSL_get_error(tc->ssl, ret)) {
	case SSL_ERROR_WANT_READ:
		conn->want_write = false;
		return 0;
	case SSL_ERROR_WANT_WRITE:
		conn->want_write = true;
		return 0;
	default:
		*reason = handshake_reason(tc->ssl, ret, err, errlen);
		return -1;
	}
}

/* What an SSL_read or SSL_write that did not move bytes means. */
static ssize_t tls_io_result(struct tls_conn *tc, int ret, char *err,
			     size_t errlen)
{
	switch (SSL_get_error(tc->ssl, ret)) {
	case SSL_ERROR_WANT_READ:
		tc->conn.want_write = false;
		return VNETRS_IO_AGAIN;
	case SSL_ERROR_WANT_WRITE:
		tc->conn.want_write = true;
		return VNETRS_IO_AGAIN;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	case SSL_ERROR_SYSCALL:
		if (!ERR_peek_error() && (ret == 0 || errno == 0))
			return 0; /* the peer closed without close_notify */
		snprintf(err, errlen, "%s", safe_strerror(errno));
		ERR_clear_error();
		return VNETRS_IO_ERROR;
	default:
		ssl_error_text("TLS", err, errlen);
		return VNETRS_IO_ERROR;
	}
}

static ssize_t tls_read(struct vnetrs_conn *conn, void *buf, size_t len,
			char *err, size_t errlen)
{
	struct tls_conn *tc = (struct tls_conn *)conn;
	int ret;

	ERR_clear_error();
	ret = SSL_read(tc->ssl, buf, MIN(len, (size_t)INT_MAX));
	if (ret > 0)
		return ret;
	return tls_io_result(tc, ret, err, errlen);
}

static ssize_t tls_write(struct vnetrs_conn *conn, const void *buf,
			 size_t len, char *err, size_t errlen)
{
	struct tls_conn *tc = (struct tls_conn *)conn;
	int ret;

	ERR_clear_error();
	ret = SSL_write(tc->ssl, buf, MIN(len, (size_t)INT_MAX));
	if (ret > 0) {
		conn->want_write = false;
		return ret;
	}
	return tls_io_result(tc, ret, err, errlen);
}

static void tls_free(struct vnetrs_conn *conn)
{
	struct tls_conn *tc = (struct tls_conn *)conn;

	/* One try at close_notify: the socket is non-blocking. */
	if (SSL_is_init_finished(tc->ssl))
		SSL_shutdown(tc->ssl);
	ERR_clear_error();
	SSL_free(tc->ssl);
	close(conn->fd);
	XFREE(MTYPE_VNETRS_TLS_CONN, tc);
}

static const struct vnetrs_conn_ops tls_conn_ops = {
	.setup = tls_setup,
	.read = tls_read,
	.write = tls_write,
	.free = tls_free,
};

static void tls_accept(struct thread *t)
{
	struct tls_listener *tl = THREAD_ARG(t);
	union sockunion su;
	socklen_t len = sizeof(su);
	struct tls_conn *tc;
	char addr[INET6_ADDRSTRLEN];
	SSL *ssl;
	int fd;

	thread_add_read(bm->master, tls_accept, tl, tl->fd, &tl->t_accept);
	fd = accept(tl->fd, &su.sa, &len);
	if (fd < 0) {
		if (!ERRNO_IO_RETRY(errno))
			zlog_warn("vnetrs: SDN stream tls %s: accept: %s",
				  tl->where, safe_strerror(errno));
		return;
	}
	set_nonblocking(fd);
	set_cloexec(fd);
	ssl = SSL_new(tl->ctx);
	if (!ssl || SSL_set_fd(ssl, fd) != 1) {
		char err[200];

		ssl_error_text("TLS session", err, sizeof(err));
		zlog_warn("vnetrs: SDN stream tls %s: %s", tl->where, err);
		SSL_free(ssl);
		close(fd);
		return;
	}
	tc = XCALLOC(MTYPE_VNETRS_TLS_CONN, sizeof(*tc));
	tc->ssl = ssl;
	tc->conn.ops = &tls_conn_ops;
	tc->conn.fd = fd;
	sockunion2str(&su, addr, sizeof(addr));
	snprintf(tc->conn.remote, sizeof(tc->conn.remote),
		 su.sa.sa_family == AF_INET6 ? "[%s]:%u" : "%s:%u", addr,
		 ntohs(su.sa.sa_family == AF_INET6 ? su.sin6.sin6_port
						   : su.sin.sin_port));
	vnetrs_listener_accepted(tl->l, &tc->conn);
}

/*
 * The listening socket.
 */
static int tls_bind(const union sockunion *su, char *err, size_t errlen)
{
	int fd = socket(su->sa.sa_family, SOCK_STREAM, 0);
	int on = 1;

	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", safe_strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	/* "::" is IPv6 only: "0.0.0.0" is a listener of its own. */
	if (su->sa.sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	if (bind(fd, &su->sa, sockunion_sizeof(su)) < 0 ||
	    listen(fd, SOMAXCONN) < 0) {
		snprintf(err, errlen, "%s", safe_strerror(errno));
		close(fd);
		return -1;
	}
	set_nonblocking(fd);
	set_cloexec(fd);
	return fd;
}

void *vnetrs_tls_open(const char *addr, uint16_t port, const char *cert,
		      const char *key, const char *ca, char *err,
		      size_t errlen)
{
	struct tls_listener *tl;
	union sockunion su;
	char why[200];
	SSL_CTX *ctx;
	int fd;

	if (str2sockunion(addr, &su) < 0) {
		snprintf(err, errlen, "%s is not an IPv4 or IPv6 address",
			 addr);
		return NULL;
	}
	ctx = tls_ctx_new(cert, key, ca, why, sizeof(why));
	if (!ctx) {
		snprintf(err, errlen, "%s", why);
		return NULL;
	}
	if (su.sa.sa_family == AF_INET)
		su.sin.sin_port = htons(port);
	else
		su.sin6.sin6_port = htons(port);
	fd = tls_bind(&su, why, sizeof(why));
	if (fd < 0) {
		snprintf(err, errlen, "%s port %u: %s", addr, port, why);
		SSL_CTX_free(ctx);
		return NULL;
	}
	tl = XCALLOC(MTYPE_VNETRS_TLS_LISTENER, sizeof(*tl));
	snprintf(tl->where, sizeof(tl->where), "%s port %u", addr, port);
	tl->fd = fd;
	tl->ctx = ctx;
	return tl;
}

int vnetrs_tls_reload(void *tp, const char *cert, const char *key,
		      const char *ca, char *err, size_t errlen)
{
	struct tls_listener *tl = tp;
	SSL_CTX *ctx = tls_ctx_new(cert, key, ca, err, errlen);

	if (!ctx)
		return -1;
	/* Sessions hold their own reference to the old context. */
	SSL_CTX_free(tl->ctx);
	tl->ctx = ctx;
	tl->reloads++;
	return 0;
}

static void tls_start(void *tp, struct vnetrs_listener *l)
{
	struct tls_listener *tl = tp;

	tl->l = l;
	thread_add_read(bm->master, tls_accept, tl, tl->fd, &tl->t_accept);
}

static void tls_close(void *tp)
{
	struct tls_listener *tl = tp;

	THREAD_OFF(tl->t_accept);
	close(tl->fd);
	SSL_CTX_free(tl->ctx);
	XFREE(MTYPE_VNETRS_TLS_LISTENER, tl);
}

static const char *tls_where(const void *tp)
{
	return ((const struct tls_listener *)tp)->where;
}

static const char *tls_broken(const void *tp)
{
	return "";
}

static void tls_counters(const void *tp,
			 void (*cb)(const char *name, uint64_t value,
				    void *arg),
			 void *arg)
{
	cb("certificates-reloaded",
	   ((const struct tls_listener *)tp)->reloads, arg);
}

const struct vnetrs_transport_ops vnetrs_tls_transport = {
	.name = "tls",
	.start = tls_start,
	.close = tls_close,
	.where = tls_where,
	.broken = tls_broken,
	.counters = tls_counters,
};
