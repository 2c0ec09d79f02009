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
 * unknown CA, expired...). Certificate files that change (a renewal, or
 * the listener's configuration naming others) are loaded again for the
 * connections that follow, checked at each new connection; connected
 * consumers keep their sessions. Files that do not load leave the last
 * good ones in use, with a warning.
 */
#include <zebra.h>

#include <sys/stat.h>

#include "lib/log.h"
#include "lib/memory.h"
#include "lib/network.h"
#include "lib/sockunion.h"
#include "vnetrs_compat_event.h"

#include "bgpd/bgpd.h"

#include "vnetrs.h"
#include "vnetrs_debug.h"
#include "vnetrs_stream_transport.h"

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

DEFINE_MTYPE_STATIC(VNETRS, VNETRS_TLS_LISTENER, "vnetrs SDN TLS listener");
DEFINE_MTYPE_STATIC(VNETRS, VNETRS_TLS_CONN, "vnetrs SDN TLS connection");
DEFINE_MTYPE_STATIC(VNETRS, VNETRS_TLS_CRED, "vnetrs SDN TLS credentials");

/* TLS 1.3 and nothing else. */
#define PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3"

/*
 * Credentials (our certificate and key, the CA consumers must be signed
 * by), shared by the sessions made with them: a reload makes new ones,
 * the old go with their last session.
 */
struct cred {
	unsigned int refcnt;
	gnutls_certificate_credentials_t x509;
};

/* A file the credentials were loaded from, as it was then. */
struct tls_file {
	char *path;
	struct stat st;
};

struct tls_listener {
	struct vnetrs_listener *l;
	char where[INET6_ADDRSTRLEN + 16];
	int fd;
	struct cred *cred;
	/* certificate, key, ca: loaded again when they change. */
	struct tls_file files[3];
	bool reload_failed; /* said once, until the files change again */
	vnetrs_event *t_accept;
	uint64_t reloads;
};

struct tls_conn {
	struct vnetrs_conn conn; /* first: the stream sees only this */
	gnutls_session_t session;
	struct cred *cred;
	/* Why the consumer's certificate was refused (the verify callback
	 * says it during the handshake), NULL if it was not. */
	const char *refused;
	char refused_text[160];
};

static gnutls_priority_t priorities;

static void cred_unref(struct cred *c)
{
	if (!c || --c->refcnt)
		return;
	gnutls_certificate_free_credentials(c->x509);
	XFREE(MTYPE_VNETRS_TLS_CRED, c);
}

/* Refuse the handshake of tc: reason, and a sentence. */
static int verify_refuse(struct tls_conn *tc, const char *reason,
			 const char *text)
{
	tc->refused = reason;
	strlcpy(tc->refused_text, text, sizeof(tc->refused_text));
	return GNUTLS_E_CERTIFICATE_ERROR;
}

/* During the handshake: is the consumer's certificate signed by our CA,
 * and valid now? */
static int verify_consumer(gnutls_session_t session)
{
	struct tls_conn *tc = gnutls_session_get_ptr(session);
	unsigned int status = 0, n = 0;

	if (!gnutls_certificate_get_peers(session, &n) || !n)
		return verify_refuse(tc, "no-certificate",
				     "no client certificate");
	if (gnutls_certificate_verify_peers2(session, &status) < 0)
		return verify_refuse(tc, "bad-certificate",
				     "client certificate cannot be checked");
	if (!status)
		return 0;
	if (status & GNUTLS_CERT_EXPIRED)
		return verify_refuse(tc, "expired",
				     "client certificate expired");
	if (status & GNUTLS_CERT_NOT_ACTIVATED)
		return verify_refuse(tc, "not-yet-valid",
				     "client certificate not yet valid");
	if (status & (GNUTLS_CERT_SIGNER_NOT_FOUND |
		      GNUTLS_CERT_SIGNATURE_FAILURE | GNUTLS_CERT_SIGNER_NOT_CA))
		return verify_refuse(tc, "unknown-ca",
				     "client certificate not signed by the configured CA");
	return verify_refuse(tc, "bad-certificate",
			     "client certificate refused");
}

static struct cred *cred_new(const char *cert, const char *key,
			     const char *ca, char *err, size_t errlen)
{
	struct cred *c = XCALLOC(MTYPE_VNETRS_TLS_CRED, sizeof(*c));
	int ret;

	c->refcnt = 1;
	ret = gnutls_certificate_allocate_credentials(&c->x509);
	if (ret < 0) {
		snprintf(err, errlen, "TLS credentials: %s",
			 gnutls_strerror(ret));
		XFREE(MTYPE_VNETRS_TLS_CRED, c);
		return NULL;
	}
	ret = gnutls_certificate_set_x509_key_file2(c->x509, cert, key,
						    GNUTLS_X509_FMT_PEM, NULL,
						    0);
	if (ret == GNUTLS_E_CERTIFICATE_KEY_MISMATCH)
		snprintf(err, errlen, "%s is not the key of %s", key, cert);
	else if (ret < 0)
		snprintf(err, errlen, "%s, %s: %s", cert, key,
			 gnutls_strerror(ret));
	if (ret >= 0) {
		ret = gnutls_certificate_set_x509_trust_file(
			c->x509, ca, GNUTLS_X509_FMT_PEM);
		if (ret <= 0)
			snprintf(err, errlen, "%s: %s", ca,
				 ret ? gnutls_strerror(ret)
				     : "no CA certificate in it");
		ret = ret <= 0 ? -1 : 0;
	}
	if (ret < 0) {
		cred_unref(c);
		return NULL;
	}
	gnutls_certificate_set_verify_function(c->x509, verify_consumer);
	return c;
}

/*
 * The files of a listener's credentials.
 */
static void files_set(struct tls_listener *tl, const char *const paths[3])
{
	for (int i = 0; i < 3; i++) {
		struct tls_file *f = &tl->files[i];

		if (!f->path || strcmp(f->path, paths[i])) {
			char *old = f->path;

			f->path = XSTRDUP(MTYPE_VNETRS_TLS_LISTENER, paths[i]);
			XFREE(MTYPE_VNETRS_TLS_LISTENER, old);
		}
		if (stat(f->path, &f->st) < 0)
			memset(&f->st, 0, sizeof(f->st));
	}
}

/* Do paths name other files than those loaded, or have they changed? */
static bool files_changed(const struct tls_listener *tl,
			  const char *const paths[3])
{
	for (int i = 0; i < 3; i++) {
		const struct tls_file *f = &tl->files[i];
		struct stat st;

		if (strcmp(f->path, paths[i]))
			return true;
		if (stat(f->path, &st) < 0)
			continue; /* gone for now: keep what is loaded */
		if (st.st_ino != f->st.st_ino || st.st_dev != f->st.st_dev ||
		    st.st_size != f->st.st_size ||
		    st.st_mtim.tv_sec != f->st.st_mtim.tv_sec ||
		    st.st_mtim.tv_nsec != f->st.st_mtim.tv_nsec)
			return true;
	}
	return false;
}

static int tls_load(struct tls_listener *tl, const char *const paths[3],
		    char *err, size_t errlen)
{
	struct cred *c;

	if (!files_changed(tl, paths))
		return 0;
	c = cred_new(paths[0], paths[1], paths[2], err, errlen);
	if (!c)
		return -1;
	cred_unref(tl->cred);
	tl->cred = c;
	files_set(tl, paths);
	tl->reloads++;
	tl->reload_failed = false;
	vnetrs_info("SDN stream tls %s: certificate files loaded again",
		  tl->where);
	return 0;
}

/* Before a new connection: the files changed on disk? Load them again. */
static void tls_refresh(struct tls_listener *tl)
{
	const char *paths[3] = {tl->files[0].path, tl->files[1].path,
				tl->files[2].path};
	char err[512];

	if (tls_load(tl, paths, err, sizeof(err)) == 0 || tl->reload_failed)
		return;
	tl->reload_failed = true;
	vnetrs_warn("SDN stream tls %s: the certificate files changed but do not load (%s): the previous ones stay in use",
		  tl->where, err);
	/* Not tried again at every connection: when they change again. */
	files_set(tl, paths);
}

/*
 * Connections.
 */
/* Why a handshake failed, when the verify callback did not say. */
static const char *handshake_refusal(struct tls_conn *tc, int ret, char *err,
				     size_t errlen)
{
	if (tc->refused) {
		strlcpy(err, tc->refused_text, errlen);
		return tc->refused;
	}
	snprintf(err, errlen, "TLS handshake: %s", gnutls_strerror(ret));
	switch (ret) {
	case GNUTLS_E_PREMATURE_TERMINATION:
	case GNUTLS_E_PULL_ERROR:
	case GNUTLS_E_PUSH_ERROR:
		return "closed";
	case GNUTLS_E_NO_CERTIFICATE_FOUND:
	case GNUTLS_E_CERTIFICATE_REQUIRED:
		snprintf(err, errlen, "no client certificate");
		return "no-certificate";
	case GNUTLS_E_UNEXPECTED_PACKET_LENGTH:
	case GNUTLS_E_UNEXPECTED_PACKET:
	case GNUTLS_E_UNSUPPORTED_VERSION_PACKET:
	case GNUTLS_E_RECORD_OVERFLOW:
	case GNUTLS_E_UNEXPECTED_HANDSHAKE_PACKET:
		return "not-tls";
	case GNUTLS_E_INSUFFICIENT_SECURITY:
	case GNUTLS_E_NO_CIPHER_SUITES:
	case GNUTLS_E_NO_PRIORITIES_WERE_SET:
		return "old-tls";
	default:
		return "handshake-failed";
	}
}

/* The consumer's certificate subject, for the show commands. */
static void peer_subject(struct tls_conn *tc)
{
	const gnutls_datum_t *der;
	gnutls_x509_crt_t crt;
	gnutls_datum_t dn = {};
	unsigned int n = 0;

	der = gnutls_certificate_get_peers(tc->session, &n);
	if (!der || !n || gnutls_x509_crt_init(&crt) < 0)
		return;
	if (gnutls_x509_crt_import(crt, &der[0], GNUTLS_X509_FMT_DER) >= 0 &&
	    gnutls_x509_crt_get_dn3(crt, &dn, 0) >= 0) {
		strlcpy(tc->conn.identity, (const char *)dn.data,
			sizeof(tc->conn.identity));
		gnutls_free(dn.data);
	}
	gnutls_x509_crt_deinit(crt);
}

/* After GNUTLS_E_AGAIN: wait for the socket to be writable? */
static void want(struct tls_conn *tc)
{
	tc->conn.want_write = gnutls_record_get_direction(tc->session) == 1;
}

static int tls_setup(struct vnetrs_conn *conn, const char **reason,
		     char *err, size_t errlen)
{
	struct tls_conn *tc = (struct tls_conn *)conn;
	int ret = gnutls_handshake(tc->session);

	if (ret == GNUTLS_E_SUCCESS) {
		conn->want_write = false;
		peer_subject(tc);
		return 1;
	}
	if (ret == GNUTLS_E_AGAIN || ret == GNUTLS_E_INTERRUPTED ||
	    !gnutls_error_is_fatal(ret)) {
		want(tc);
		return 0;
	}
	*reason = handshake_refusal(tc, ret, err, errlen);
	/* Best effort: tell the other end why, if it is a TLS client. */
	gnutls_alert_send_appropriate(tc->session, ret);
	return -1;
}

/* What a record call that moved no bytes means. */
static ssize_t io_result(struct tls_conn *tc, ssize_t ret, char *err,
			 size_t errlen)
{
	if (ret == GNUTLS_E_AGAIN || ret == GNUTLS_E_INTERRUPTED) {
		want(tc);
		return VNETRS_IO_AGAIN;
	}
	if (ret == GNUTLS_E_PREMATURE_TERMINATION)
		return 0; /* closed without close_notify */
	if (!gnutls_error_is_fatal(ret)) {
		want(tc);
		return VNETRS_IO_AGAIN;
	}
	snprintf(err, errlen, "TLS: %s", gnutls_strerror(ret));
	return VNETRS_IO_ERROR;
}

static ssize_t tls_read(struct vnetrs_conn *conn, void *buf, size_t len,
			char *err, size_t errlen)
{
	struct tls_conn *tc = (struct tls_conn *)conn;
	ssize_t ret = gnutls_record_recv(tc->session, buf, len);

	if (ret >= 0) {
		conn->want_write = false;
		return ret;
	}
	return io_result(tc, ret, err, errlen);
}

/* After GNUTLS_E_AGAIN the queue calls again with the same bytes, as
 * GnuTLS requires. */
static ssize_t tls_write(struct vnetrs_conn *conn, const void *buf,
			 size_t len, char *err, size_t errlen)
{
	struct tls_conn *tc = (struct tls_conn *)conn;
	ssize_t ret = gnutls_record_send(tc->session, buf, len);

	if (ret > 0) {
		conn->want_write = false;
		return ret;
	}
	return io_result(tc, ret, err, errlen);
}

static void tls_free(struct vnetrs_conn *conn)
{
	struct tls_conn *tc = (struct tls_conn *)conn;

	/* One try at close_notify: the socket is non-blocking. */
	gnutls_bye(tc->session, GNUTLS_SHUT_WR);
	gnutls_deinit(tc->session);
	cred_unref(tc->cred);
	close(conn->fd);
	XFREE(MTYPE_VNETRS_TLS_CONN, tc);
}

static const struct vnetrs_conn_ops tls_conn_ops = {
	.setup = tls_setup,
	.read = tls_read,
	.write = tls_write,
	.free = tls_free,
};

/* "ADDR:PORT" ("[ADDR]:PORT" in IPv6) of a connection's other end. */
static void remote_text(const union sockunion *su, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN];
	bool v6 = su->sa.sa_family == AF_INET6;

	sockunion2str(su, addr, sizeof(addr));
	snprintf(buf, len, v6 ? "[%s]:%u" : "%s:%u", addr,
		 ntohs(v6 ? su->sin6.sin6_port : su->sin.sin_port));
}

/* A server session on fd with the listener's credentials. */
static struct tls_conn *conn_new(struct tls_listener *tl, int fd)
{
	struct tls_conn *tc = XCALLOC(MTYPE_VNETRS_TLS_CONN, sizeof(*tc));
	int ret;

	ret = gnutls_init(&tc->session,
			  GNUTLS_SERVER | GNUTLS_NONBLOCK | GNUTLS_NO_TICKETS);
	if (ret < 0) {
		vnetrs_warn("SDN stream tls %s: TLS session: %s",
			  tl->where, gnutls_strerror(ret));
		XFREE(MTYPE_VNETRS_TLS_CONN, tc);
		return NULL;
	}
	tc->cred = tl->cred;
	tc->cred->refcnt++;
	gnutls_priority_set(tc->session, priorities);
	gnutls_credentials_set(tc->session, GNUTLS_CRD_CERTIFICATE,
			       tc->cred->x509);
	gnutls_certificate_server_set_request(tc->session, GNUTLS_CERT_REQUIRE);
	gnutls_session_set_ptr(tc->session, tc);
	gnutls_transport_set_int(tc->session, fd);
	tc->conn.ops = &tls_conn_ops;
	tc->conn.fd = fd;
	return tc;
}

static void tls_accept(vnetrs_event *t)
{
	struct tls_listener *tl = EVENT_ARG(t);
	union sockunion su;
	socklen_t len = sizeof(su);
	struct tls_conn *tc;
	int fd;

	event_add_read(bm->master, tls_accept, tl, tl->fd, &tl->t_accept);
	fd = accept(tl->fd, &su.sa, &len);
	if (fd < 0) {
		if (!ERRNO_IO_RETRY(errno))
			vnetrs_warn("SDN stream tls %s: accept: %s",
				  tl->where, safe_strerror(errno));
		return;
	}
	set_nonblocking(fd);
	set_cloexec(fd);
	tls_refresh(tl);
	tc = conn_new(tl, fd);
	if (!tc) {
		close(fd);
		return;
	}
	remote_text(&su, tc->conn.remote, sizeof(tc->conn.remote));
	vnetrs_listener_accepted(tl->l, &tc->conn);
}

/*
 * The listening socket.
 */
static int tls_bind(union sockunion *su, char *err, size_t errlen)
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

static int priorities_init(char *err, size_t errlen)
{
	int ret;

	if (priorities)
		return 0;
	ret = gnutls_priority_init(&priorities, PRIORITIES, NULL);
	if (ret < 0) {
		snprintf(err, errlen, "TLS priorities: %s",
			 gnutls_strerror(ret));
		return -1;
	}
	vnetrs_info("SDN stream TLS: GnuTLS %s",
		  gnutls_check_version(NULL));
	return 0;
}

void *vnetrs_tls_open(const char *addr, uint16_t port, const char *cert,
		      const char *key, const char *ca, char *err,
		      size_t errlen)
{
	struct tls_listener *tl;
	union sockunion su;
	struct cred *c;
	char why[512];
	int fd;

	if (str2sockunion(addr, &su) < 0) {
		snprintf(err, errlen, "%s is not an IPv4 or IPv6 address",
			 addr);
		return NULL;
	}
	if (priorities_init(err, errlen) < 0)
		return NULL;
	c = cred_new(cert, key, ca, err, errlen);
	if (!c)
		return NULL;
	if (su.sa.sa_family == AF_INET)
		su.sin.sin_port = htons(port);
	else
		su.sin6.sin6_port = htons(port);
	fd = tls_bind(&su, why, sizeof(why));
	if (fd < 0) {
		snprintf(err, errlen, "%s port %u: %s", addr, port, why);
		cred_unref(c);
		return NULL;
	}
	tl = XCALLOC(MTYPE_VNETRS_TLS_LISTENER, sizeof(*tl));
	snprintf(tl->where, sizeof(tl->where), "%s port %u", addr, port);
	tl->fd = fd;
	tl->cred = c;
	files_set(tl, (const char *const[]){cert, key, ca});
	return tl;
}

int vnetrs_tls_check(const char *cert, const char *key, const char *ca,
		     char *err, size_t errlen)
{
	struct cred *c = cred_new(cert, key, ca, err, errlen);

	cred_unref(c);
	return c ? 0 : -1;
}

int vnetrs_tls_reload(void *tp, const char *cert, const char *key,
		      const char *ca, char *err, size_t errlen)
{
	return tls_load(tp, (const char *const[]){cert, key, ca}, err, errlen);
}

static void tls_start(void *tp, struct vnetrs_listener *l)
{
	struct tls_listener *tl = tp;

	tl->l = l;
	event_add_read(bm->master, tls_accept, tl, tl->fd, &tl->t_accept);
}

static void tls_close(void *tp)
{
	struct tls_listener *tl = tp;

	EVENT_OFF(tl->t_accept);
	close(tl->fd);
	cred_unref(tl->cred);
	for (int i = 0; i < 3; i++)
		XFREE(MTYPE_VNETRS_TLS_LISTENER, tl->files[i].path);
	XFREE(MTYPE_VNETRS_TLS_LISTENER, tl);
}

void vnetrs_tls_cleanup(void)
{
	if (priorities)
		gnutls_priority_deinit(priorities);
	priorities = NULL;
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
