// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs-agent: the transports of the SDN stream (agent_transport.h): the
 * --connect syntax, the Unix socket, and the calls that pick Unix or TLS.
 */
#include "agent/agent_transport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "logic/vnetrs_sdn_wire.h"

#define TLS_SCHEME "tls://"

/* HOST or [HOST] up to the port's colon; -1 with err. */
static int parse_host(struct agent_endpoint *ep, const char *s,
		      const char **rest, char *err, size_t errlen)
{
	const char *end;
	size_t len;

	if (*s == '[') {
		end = strchr(++s, ']');
		if (!end) {
			snprintf(err, errlen, "'[' without ']'");
			return -1;
		}
		*rest = end + 1;
	} else {
		end = s + strcspn(s, ":");
		*rest = end;
		if (strchr(end + (*end ? 1 : 0), ':')) {
			snprintf(err, errlen,
				 "an IPv6 address goes in brackets: "
				 "tls://[ADDR]:PORT");
			return -1;
		}
	}
	len = (size_t)(end - s);
	if (!len || len > AGENT_HOST_MAX) {
		snprintf(err, errlen, "a host of 1 to %d bytes",
			 AGENT_HOST_MAX);
		return -1;
	}
	memcpy(ep->host, s, len);
	ep->host[len] = '\0';
	return 0;
}

static int parse_port(struct agent_endpoint *ep, const char *s, char *err,
		      size_t errlen)
{
	char *end;
	unsigned long v;

	if (!*s) {
		snprintf(ep->port, sizeof(ep->port), "%d", VNETRS_SDN_TLS_PORT);
		return 0;
	}
	errno = 0;
	v = *s == ':' && s[1] >= '0' && s[1] <= '9' ? strtoul(s + 1, &end, 10)
						    : 0;
	if (!v || *end || errno || v > 65535) {
		snprintf(err, errlen,
			 "expected :PORT (1 to 65535) after the "
			 "host");
		return -1;
	}
	snprintf(ep->port, sizeof(ep->port), "%lu", v);
	return 0;
}

static int parse_tls(struct agent_endpoint *ep, const char *url, char *err,
		     size_t errlen)
{
	unsigned char addr[16];
	const char *rest;

	if (parse_host(ep, url, &rest, err, errlen) < 0 ||
	    parse_port(ep, rest, err, errlen) < 0)
		return -1;
	ep->host_is_ip = inet_pton(AF_INET, ep->host, addr) == 1 ||
			 inet_pton(AF_INET6, ep->host, addr) == 1;
	if (url[0] == '[' && inet_pton(AF_INET6, ep->host, addr) != 1) {
		snprintf(err, errlen, "[%s]: not an IPv6 address", ep->host);
		return -1;
	}
	return 0;
}

int agent_endpoint_parse(struct agent_endpoint *ep, const char *spec, char *err,
			 size_t errlen)
{
	struct sockaddr_un sun;

	memset(ep, 0, sizeof(*ep));
	ep->spec = spec;
	if (!strncmp(spec, TLS_SCHEME, strlen(TLS_SCHEME))) {
		ep->kind = AGENT_TP_TLS;
		return parse_tls(ep, spec + strlen(TLS_SCHEME), err, errlen);
	}
	if (strstr(spec, "://")) {
		snprintf(err, errlen,
			 "a socket path, or tls://HOST[:PORT] (no other "
			 "scheme)");
		return -1;
	}
	ep->kind = AGENT_TP_UNIX;
	if (!*spec || strlen(spec) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "a socket path of 1 to %zu bytes",
			 sizeof(sun.sun_path) - 1);
		return -1;
	}
	return 0;
}

const char *agent_tp_kind2str(enum agent_tp_kind kind)
{
	return kind == AGENT_TP_TLS   ? "tls"
	       : kind == AGENT_TP_TCP ? "tcp"
				      : "unix";
}

void agent_tp_init(struct agent_tp *t)
{
	memset(t, 0, sizeof(*t));
	t->fd = -1;
}

/* --- Unix: connected at once, the peer's user checked after ------------- */

static int unix_open(struct agent_tp *t, char *why, size_t whylen)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd;

	strncpy(sun.sun_path, t->ep->spec, sizeof(sun.sun_path) - 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		snprintf(why, whylen, "%s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	t->fd = fd;
	t->state = AGENT_TP_READY;
	return 1;
}

static ssize_t unix_read(struct agent_tp *t, void *buf, size_t len, char *why,
			 size_t whylen)
{
	ssize_t n = read(t->fd, buf, len);

	if (n >= 0)
		return n;
	if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
		return AGENT_TP_AGAIN;
	snprintf(why, whylen, "read: %s", strerror(errno));
	return -1;
}

static ssize_t unix_write(struct agent_tp *t, const void *buf, size_t len,
			  char *why, size_t whylen)
{
	ssize_t n;

	do
		n = send(t->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n >= 0)
		return n;
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return 0;
	snprintf(why, whylen, "write: %s", strerror(errno));
	return -1;
}

/* --- either --------------------------------------------------------------- */

int agent_tp_open(struct agent_tp *t, const struct agent_endpoint *ep,
		  uint64_t now, char *why, size_t whylen)
{
	agent_tp_close(t);
	t->ep = ep;
	t->refused = false;
	if (ep->kind != AGENT_TP_UNIX)
		return agent_tls_open(t, now, why, whylen);
	return unix_open(t, why, whylen);
}

int agent_tp_progress(struct agent_tp *t, short revents, uint64_t now,
		      char *why, size_t whylen)
{
	if (t->state == AGENT_TP_READY)
		return 1;
	if (t->state != AGENT_TP_CONNECTING) {
		snprintf(why, whylen, "not connecting");
		return -1;
	}
	if (now >= t->deadline_ms) {
		snprintf(why, whylen,
			 "connect and TLS handshake not done within %d ms",
			 AGENT_TLS_HANDSHAKE_MS);
		return -1;
	}
	if (!revents)
		return 0;
	return agent_tls_progress(t, revents, why, whylen);
}

bool agent_tp_check_peer(const struct agent_tp *t,
			 const struct agent_trust *trust, char *why,
			 size_t whylen)
{
	/* TLS: the handshake verified the certificate against --ca and the
	 * expected name, or it failed. Plain TCP carries only an OVSDB
	 * remote (tcp:), never a route server's stream: no peer to check. */
	if (!trust || t->ep->kind != AGENT_TP_UNIX)
		return true;
	return agent_trust_socket(trust, t->fd, why, whylen);
}

ssize_t agent_tp_read(struct agent_tp *t, void *buf, size_t len, char *why,
		      size_t whylen)
{
	if (t->ep->kind == AGENT_TP_TLS)
		return agent_tls_read(t, buf, len, why, whylen);
	return unix_read(t, buf, len, why, whylen);
}

ssize_t agent_tp_write(struct agent_tp *t, const void *buf, size_t len,
		       char *why, size_t whylen)
{
	if (t->ep->kind == AGENT_TP_TLS)
		return agent_tls_write(t, buf, len, why, whylen);
	return unix_write(t, buf, len, why, whylen);
}

bool agent_tp_pending(const struct agent_tp *t)
{
	return t->ep && t->ep->kind == AGENT_TP_TLS && agent_tls_pending(t);
}

void agent_tp_close(struct agent_tp *t)
{
	if (t->ep && t->ep->kind != AGENT_TP_UNIX)
		agent_tls_close(t);
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	t->state = AGENT_TP_CLOSED;
	t->events = 0;
}
