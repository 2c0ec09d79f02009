// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fake_rs: a stand-in for a route server's SDN socket, to test
 * vnetrs-agent by hand (docs/sdn-protocol.md, with the project's encoder).
 *
 *   fake_rs [--listen PATH] [--tls-listen ADDR:PORT --cert F --key F
 *           --ca F] [--routes FILE] [--name NAME] [--asn N] [--epoch N]
 *
 * Listens on the Unix socket PATH, and/or for TLS 1.3 on ADDR:PORT (IPv6
 * in brackets) with the certificate F and its key, requiring a client
 * certificate signed by --ca. Same stream either way. To each consumer: its
 * HELLO at connect, a snapshot of the table after the consumer's HELLO, then
 * the batches committed on stdin, and a KEEPALIVE every 10 s. The routes file
 * and "add" take one route per line: PREFIX NH[,NH...] [nva|expressroute|vpn]
 * (default nva) PREFIX local [peered] Commands on stdin (a FIFO works: keep it
 * open for writing): add PREFIX NH[,NH...]|local [SOURCE]  stage a ROUTE_ADD
 *   del PREFIX                            stage a ROUTE_DEL
 *   commit        send the staged changes as one batch, apply them
 *   partial       send the staged changes without the COMMIT (then close)
 *   snapshot      send a snapshot of the table to every consumer
 *   close         close every consumer's connection
 *   stall         stop reading and sending (a hung route server); resume
 *   badseq        send a KEEPALIVE with a wrong seq (an order error)
 *   garbage       send a message of protocol version 2
 *   print         the table on stdout;  clients  how many consumers
 *   quit          exit (so does SIGTERM); EOF on stdin is ignored
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "logic/vnetrs_prefix.h"
#include "logic/vnetrs_sdn_wire.h"

#define MAX_CLIENTS 8
#define KEEPALIVE_MS 10000
/* A TLS consumer has this long for its handshake (done blocking). */
#define TLS_HANDSHAKE_S 5

struct route {
	struct vnetrs_prefix prefix;
	enum vnetrs_source source;
	bool peered;
	uint16_t n_nh;
	struct vnetrs_prefix *nh;
};

struct change {
	bool del;
	struct route r; /* del: only the prefix */
};

struct client {
	int fd;
	SSL *ssl;   /* a TLS consumer's */
	bool hello; /* its HELLO came: it gets batches */
	uint64_t committed;
	uint8_t *rbuf;
	size_t rhave;
	uint64_t next_ka;
};

static struct route *table;
static size_t ntable;
static struct change *staged;
static size_t nstaged;
static struct client clients[MAX_CLIENTS];
static uint64_t gseq;
static bool stalled;
static const char *name = "fake-rs/default";
static uint32_t asn = 65515;
static uint64_t epoch;
static volatile sig_atomic_t quit;
static SSL_CTX *tls_ctx;

static struct vnetrs_sdn_msg msg;
static struct vnetrs_sdn_route sroute;
static uint8_t wbuf[VNETRS_SDN_MSG_MAX];

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fake_rs: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void route_free(struct route *r)
{
	free(r->nh);
	r->nh = NULL;
}

/* "PREFIX NH[,NH...]|local [SOURCE|peered]" into r; -1 with a message. */
static int parse_route(char *line, struct route *r)
{
	char *pfx = strtok(line, " \t"), *nhs = strtok(NULL, " \t");
	char *src = strtok(NULL, " \t"), *tok, *save = NULL;
	char err[160];

	memset(r, 0, sizeof(*r));
	if (!pfx || !nhs) {
		say("expected PREFIX NH[,NH...] or PREFIX local");
		return -1;
	}
	if (vnetrs_prefix_parse(pfx, &r->prefix, err, sizeof(err)) < 0) {
		say("%s", err);
		return -1;
	}
	if (!strcmp(nhs, "local")) {
		r->source = VNETRS_SOURCE_LOCAL;
		r->peered = src && !strcmp(src, "peered");
		return 0;
	}
	r->source = VNETRS_SOURCE_NVA;
	if (src && !strcmp(src, "expressroute"))
		r->source = VNETRS_SOURCE_EXPRESSROUTE;
	else if (src && !strcmp(src, "vpn"))
		r->source = VNETRS_SOURCE_VPN;
	else if (src && strcmp(src, "nva")) {
		say("unknown source '%s'", src);
		return -1;
	}
	r->nh = calloc(VNETRS_SDN_MAX_NEXTHOPS, sizeof(r->nh[0]));
	for (tok = strtok_r(nhs, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		char host[64];
		struct vnetrs_prefix *nh;

		if (r->n_nh == VNETRS_SDN_MAX_NEXTHOPS) {
			say("too many next hops");
			route_free(r);
			return -1;
		}
		nh = &r->nh[r->n_nh];
		snprintf(host, sizeof(host), "%s/%d", tok,
			 strchr(tok, ':') ? 128 : 32);
		if (vnetrs_prefix_parse(host, nh, err, sizeof(err)) < 0) {
			say("next hop: %s", err);
			route_free(r);
			return -1;
		}
		r->n_nh++;
	}
	return 0;
}

/*
 * An index of the table by prefix, so that large tables (a benchmark's
 * 250,000 routes) load and change in linear time: chained buckets of
 * positions in table, hidx_next[i] the next position in i's bucket.
 */
#define HIDX_NONE SIZE_MAX
static size_t *hidx;	  /* bucket heads, hcap of them */
static size_t hcap;	  /* a power of two */
static size_t *hidx_next; /* parallel to table */
static size_t hidx_cap;	  /* of hidx_next */

static size_t pfx_hash(const struct vnetrs_prefix *p)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	size_t i;

	h = (h ^ p->family) * 1099511628211ULL;
	h = (h ^ p->len) * 1099511628211ULL;
	for (i = 0; i < sizeof(p->addr); i++)
		h = (h ^ p->addr[i]) * 1099511628211ULL;
	return (size_t)(h ^ (h >> 29));
}

static void hidx_link(size_t i)
{
	size_t b = pfx_hash(&table[i].prefix) & (hcap - 1);

	hidx_next[i] = hidx[b];
	hidx[b] = i;
}

static void hidx_unlink(size_t i)
{
	size_t *at = &hidx[pfx_hash(&table[i].prefix) & (hcap - 1)];

	while (*at != i)
		at = &hidx_next[*at];
	*at = hidx_next[i];
}

/* Room for one more entry (table itself is grown by the caller). */
static void hidx_reserve(void)
{
	size_t i;

	if (ntable + 1 > hidx_cap) {
		hidx_cap = hidx_cap ? hidx_cap * 2 : 64;
		hidx_next = realloc(hidx_next, hidx_cap * sizeof(*hidx_next));
	}
	if (ntable + 1 <= hcap)
		return;
	hcap = hcap ? hcap * 2 : 64;
	free(hidx);
	hidx = malloc(hcap * sizeof(*hidx));
	for (i = 0; i < hcap; i++)
		hidx[i] = HIDX_NONE;
	for (i = 0; i < ntable; i++)
		hidx_link(i);
}

static struct route *table_find(const struct vnetrs_prefix *p)
{
	size_t i;

	if (!hcap)
		return NULL;
	for (i = hidx[pfx_hash(p) & (hcap - 1)]; i != HIDX_NONE;
	     i = hidx_next[i])
		if (vnetrs_prefix_equal(&table[i].prefix, p))
			return &table[i];
	return NULL;
}

/* Apply one change to the table; the table takes c->r. */
static void table_apply(struct change *c)
{
	struct route *old = table_find(&c->r.prefix);

	if (c->del) {
		if (old) {
			size_t i = (size_t)(old - table), last = ntable - 1;

			hidx_unlink(i);
			route_free(old);
			if (i != last) {
				hidx_unlink(last);
				*old = table[last];
				hidx_link(i);
			}
			ntable--;
		}
		route_free(&c->r);
		return;
	}
	if (old) {
		route_free(old);
		*old = c->r;
	} else {
		hidx_reserve();
		table = realloc(table, (ntable + 1) * sizeof(*table));
		table[ntable] = c->r;
		hidx_link(ntable++);
	}
	memset(&c->r, 0, sizeof(c->r));
}

static void client_close(struct client *c, const char *why)
{
	if (c->fd < 0)
		return;
	say("consumer %d closed: %s", c->fd, why);
	if (c->ssl) {
		SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	close(c->fd);
	c->fd = -1;
	free(c->rbuf);
	c->rbuf = NULL;
}

/* The last OpenSSL error's reason. */
static const char *ssl_reason(void)
{
	const char *r = ERR_reason_error_string(ERR_peek_last_error());

	ERR_clear_error();
	return r ? r : "closed";
}

static ssize_t io_send(struct client *c, const uint8_t *buf, size_t len)
{
	int n;

	if (!c->ssl)
		return send(c->fd, buf, len, MSG_NOSIGNAL);
	n = SSL_write(c->ssl, buf, (int)len);
	if (n <= 0) {
		say("consumer %d: TLS write: %s", c->fd, ssl_reason());
		errno = EPIPE;
		return -1;
	}
	return n;
}

static ssize_t io_read(struct client *c, uint8_t *buf, size_t len)
{
	int n;

	if (!c->ssl)
		return read(c->fd, buf, len);
	n = SSL_read(c->ssl, buf, (int)len);
	if (n <= 0 && SSL_get_error(c->ssl, n) != SSL_ERROR_ZERO_RETURN) {
		say("consumer %d: TLS read: %s", c->fd, ssl_reason());
		errno = EPROTO;
		return -1;
	}
	return n < 0 ? 0 : n;
}

static bool client_send(struct client *c, const uint8_t *buf, size_t len)
{
	while (len && c->fd >= 0) {
		ssize_t n = io_send(c, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			client_close(c, strerror(errno));
			return false;
		}
		buf += n;
		len -= (size_t)n;
	}
	return c->fd >= 0;
}

static bool send_route(struct client *c, uint64_t seq, const struct route *r)
{
	size_t len;

	memset(&sroute, 0, sizeof(sroute));
	sroute.prefix = r->prefix;
	sroute.source = r->source;
	sroute.peered = r->peered;
	sroute.as_path_len = r->source == VNETRS_SOURCE_LOCAL ? 0 : 1;
	sroute.n_nexthops = r->n_nh;
	if (r->n_nh)
		memcpy(sroute.nexthops, r->nh, r->n_nh * sizeof(r->nh[0]));
	len = vnetrs_sdn_encode_route_add(wbuf, sizeof(wbuf), seq, &sroute);
	if (!len) {
		say("cannot encode a route");
		return false;
	}
	return client_send(c, wbuf, len);
}

static void send_snapshot(struct client *c)
{
	uint64_t seq = ++gseq;
	size_t i, len;

	len = vnetrs_sdn_encode_begin(wbuf, sizeof(wbuf), seq, true,
				      (uint32_t)ntable);
	if (!client_send(c, wbuf, len))
		return;
	for (i = 0; i < ntable; i++)
		if (!send_route(c, seq, &table[i]))
			return;
	len = vnetrs_sdn_encode_commit(wbuf, sizeof(wbuf), seq,
				       (uint32_t)ntable);
	if (client_send(c, wbuf, len)) {
		c->committed = seq;
		say("consumer %d: snapshot seq %llu, %zu routes", c->fd,
		    (unsigned long long)seq, ntable);
	}
}

/* The staged changes to every consumer, with or without the COMMIT. */
static void send_batch(bool commit)
{
	uint64_t seq = ++gseq;
	size_t i, k, len;

	for (k = 0; k < MAX_CLIENTS; k++) {
		struct client *c = &clients[k];

		if (c->fd < 0 || !c->hello)
			continue;
		len = vnetrs_sdn_encode_begin(wbuf, sizeof(wbuf), seq, false,
					      (uint32_t)nstaged);
		if (!client_send(c, wbuf, len))
			continue;
		for (i = 0; i < nstaged; i++) {
			bool ok;

			if (staged[i].del) {
				len = vnetrs_sdn_encode_route_del(
					wbuf, sizeof(wbuf), seq,
					&staged[i].r.prefix);
				ok = client_send(c, wbuf, len);
			} else {
				ok = send_route(c, seq, &staged[i].r);
			}
			if (!ok)
				break;
		}
		if (i < nstaged || !commit)
			continue;
		len = vnetrs_sdn_encode_commit(wbuf, sizeof(wbuf), seq,
					       (uint32_t)nstaged);
		if (client_send(c, wbuf, len))
			c->committed = seq;
	}
	say("batch seq %llu: %zu changes%s", (unsigned long long)seq, nstaged,
	    commit ? "" : " (no COMMIT)");
	if (commit)
		for (i = 0; i < nstaged; i++)
			table_apply(&staged[i]);
	else
		for (i = 0; i < nstaged; i++)
			route_free(&staged[i].r);
	nstaged = 0;
}

static void print_table(void)
{
	char buf[VNETRS_PREFIX_STRLEN];
	size_t i;
	uint16_t j;

	for (i = 0; i < ntable; i++) {
		printf("%s",
		       vnetrs_prefix2str(&table[i].prefix, buf, sizeof(buf)));
		if (!table[i].n_nh)
			printf(" local");
		for (j = 0; j < table[i].n_nh; j++)
			printf("%s%s", j ? "," : " ",
			       vnetrs_prefix2str(&table[i].nh[j], buf,
						 sizeof(buf)));
		printf("\n");
	}
	fflush(stdout);
}

static void command(char *line)
{
	char *cmd = strtok(line, " \t"), *rest = strtok(NULL, "");
	uint8_t bad[VNETRS_SDN_HDR_LEN];
	size_t k, len;

	if (!cmd || cmd[0] == '#')
		return;
	if (!strcmp(cmd, "add") || !strcmp(cmd, "del")) {
		struct change c = {.del = cmd[0] == 'd'};
		char err[160];

		if (!rest) {
			say("%s: what?", cmd);
			return;
		}
		if (c.del) {
			if (vnetrs_prefix_parse(strtok(rest, " \t"),
						&c.r.prefix, err,
						sizeof(err)) < 0) {
				say("%s", err);
				return;
			}
		} else if (parse_route(rest, &c.r) < 0) {
			return;
		}
		staged = realloc(staged, (nstaged + 1) * sizeof(*staged));
		staged[nstaged++] = c;
	} else if (!strcmp(cmd, "commit") || !strcmp(cmd, "partial")) {
		send_batch(cmd[0] == 'c');
	} else if (!strcmp(cmd, "snapshot")) {
		for (k = 0; k < MAX_CLIENTS; k++)
			if (clients[k].fd >= 0 && clients[k].hello)
				send_snapshot(&clients[k]);
	} else if (!strcmp(cmd, "close")) {
		for (k = 0; k < MAX_CLIENTS; k++)
			client_close(&clients[k], "close command");
	} else if (!strcmp(cmd, "stall")) {
		stalled = true;
		say("stalled");
	} else if (!strcmp(cmd, "resume")) {
		stalled = false;
		say("resumed");
	} else if (!strcmp(cmd, "badseq") || !strcmp(cmd, "garbage")) {
		for (k = 0; k < MAX_CLIENTS; k++) {
			if (clients[k].fd < 0)
				continue;
			len = vnetrs_sdn_encode_keepalive(
				bad, sizeof(bad), clients[k].committed + 7);
			if (cmd[0] == 'g')
				bad[4] = 2; /* version */
			client_send(&clients[k], bad, len);
		}
	} else if (!strcmp(cmd, "print")) {
		print_table();
	} else if (!strcmp(cmd, "clients")) {
		for (len = 0, k = 0; k < MAX_CLIENTS; k++)
			len += clients[k].fd >= 0;
		printf("%zu\n", len);
		fflush(stdout);
	} else if (!strcmp(cmd, "quit")) {
		quit = 1;
	} else {
		say("unknown command '%s'", cmd);
	}
}

static void client_read(struct client *c)
{
	char err[256];
	size_t off, used;
	ssize_t n;

	n = io_read(c, c->rbuf + c->rhave, VNETRS_SDN_MSG_MAX - c->rhave);
	if (n <= 0) {
		client_close(c, n ? strerror(errno) : "closed by the consumer");
		return;
	}
	c->rhave += (size_t)n;
	for (off = 0; off < c->rhave; off += used) {
		int r = vnetrs_sdn_decode_dir(c->rbuf + off, c->rhave - off,
					      VNETRS_SDN_FROM_CONSUMER, &msg,
					      &used, err, sizeof(err));

		if (r == 0)
			break;
		if (r < 0) {
			client_close(c, err);
			return;
		}
		if (msg.type == VNETRS_SDN_HELLO) {
			say("consumer %d: HELLO '%s'", c->fd, msg.u.hello.name);
			if (!c->hello) {
				c->hello = true;
				send_snapshot(c);
				if (c->fd < 0)
					return;
			}
		} else {
			say("consumer %d: KEEPALIVE seq %llu", c->fd,
			    (unsigned long long)msg.seq);
		}
	}
	memmove(c->rbuf, c->rbuf + off, c->rhave - off);
	c->rhave -= off;
}

static void on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

static int load_routes(const char *file)
{
	FILE *f = fopen(file, "r");
	char line[16384];

	if (!f) {
		say("%s: %s", file, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		struct change c = {.del = false};

		line[strcspn(line, "\r\n#")] = '\0';
		if (!line[strspn(line, " \t")])
			continue;
		if (parse_route(line, &c.r) < 0) {
			fclose(f);
			return -1;
		}
		table_apply(&c);
	}
	fclose(f);
	return 0;
}

/* The server side: our certificate, and a client's required from --ca. */
static int tls_setup(const char *cert, const char *key, const char *ca)
{
	tls_ctx = SSL_CTX_new(TLS_server_method());
	if (!tls_ctx ||
	    SSL_CTX_set_min_proto_version(tls_ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_use_certificate_chain_file(tls_ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(tls_ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(tls_ctx) != 1 ||
	    SSL_CTX_load_verify_locations(tls_ctx, ca, NULL) != 1) {
		say("TLS setup (--cert %s --key %s --ca %s): %s", cert, key, ca,
		    ssl_reason());
		return -1;
	}
	SSL_CTX_set_client_CA_list(tls_ctx, SSL_load_client_CA_file(ca));
	SSL_CTX_set_verify(tls_ctx,
			   SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
			   NULL);
	return 0;
}

/* A TCP socket listening on "ADDR:PORT" or "[ADDR]:PORT"; -1 if not. */
static int tls_listen(const char *spec)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE | AI_NUMERICHOST |
					     AI_NUMERICSERV};
	struct addrinfo *ai = NULL;
	char host[64];
	const char *port = strrchr(spec, ':');
	size_t len = port ? (size_t)(port - spec) : 0;
	int fd = -1, one = 1;

	if (len && spec[0] == '[' && spec[len - 1] == ']')
		spec++, len -= 2;
	if (!port || !len || len >= sizeof(host)) {
		say("--tls-listen %s: expected ADDR:PORT or [ADDR]:PORT", spec);
		return -1;
	}
	memcpy(host, spec, len);
	host[len] = '\0';
	if (getaddrinfo(host, port + 1, &hints, &ai) == 0)
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 8) < 0) {
		say("--tls-listen %s: %s", spec, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	if (ai)
		freeaddrinfo(ai);
	return fd;
}

/* A TLS consumer's handshake, blocking (bounded): false when it failed. */
static bool tls_accept(struct client *c)
{
	struct timeval tv = {.tv_sec = TLS_HANDSHAKE_S};

	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	c->ssl = SSL_new(tls_ctx);
	if (!c->ssl || SSL_set_fd(c->ssl, c->fd) != 1 ||
	    SSL_accept(c->ssl) != 1) {
		say("consumer %d: TLS handshake failed: %s", c->fd,
		    ssl_reason());
		return false;
	}
	say("consumer %d: TLS %s", c->fd, SSL_get_version(c->ssl));
	return true;
}

/* A new consumer on listening socket lfd (TLS when tls). */
static void client_accept(int lfd, bool tls)
{
	int fd = accept(lfd, NULL, NULL);
	uint8_t id[4] = {10, 1, 0, 4};
	size_t k, len;

	if (fd < 0)
		return;
	for (k = 0; k < MAX_CLIENTS; k++)
		if (clients[k].fd < 0)
			break;
	if (k == MAX_CLIENTS) {
		close(fd);
		return;
	}
	memset(&clients[k], 0, sizeof(clients[k]));
	clients[k].fd = fd;
	clients[k].rbuf = malloc(VNETRS_SDN_MSG_MAX);
	clients[k].next_ka = now_ms() + KEEPALIVE_MS;
	say("consumer %d connected%s", fd, tls ? " over TCP" : "");
	if (tls && !tls_accept(&clients[k])) {
		client_close(&clients[k], "no TLS");
		return;
	}
	len = vnetrs_sdn_encode_hello_server(wbuf, sizeof(wbuf), asn, id, epoch,
					     name);
	client_send(&clients[k], wbuf, len);
}

int main(int argc, char **argv)
{
	const char *path = NULL, *routes = NULL, *tls_addr = NULL;
	const char *cert = NULL, *key = NULL, *ca = NULL;
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	char ibuf[65536];
	size_t ihave = 0;
	bool stdin_open = true;
	int lfd = -1, tfd = -1, i;
	size_t k;

	epoch = (uint64_t)time(NULL);
	for (i = 1; i < argc; i++) {
		const char *arg = i + 1 < argc ? argv[i + 1] : NULL;

		if (!arg) {
			say("usage: fake_rs [--listen PATH] [--tls-listen "
			    "ADDR:PORT --cert F --key F --ca F] [--routes "
			    "FILE] [--name NAME] [--asn N] [--epoch N]");
			return 2;
		}
		if (!strcmp(argv[i], "--listen"))
			path = arg;
		else if (!strcmp(argv[i], "--tls-listen"))
			tls_addr = arg;
		else if (!strcmp(argv[i], "--cert"))
			cert = arg;
		else if (!strcmp(argv[i], "--key"))
			key = arg;
		else if (!strcmp(argv[i], "--ca"))
			ca = arg;
		else if (!strcmp(argv[i], "--routes"))
			routes = arg;
		else if (!strcmp(argv[i], "--name"))
			name = arg;
		else if (!strcmp(argv[i], "--asn"))
			asn = (uint32_t)strtoul(arg, NULL, 10);
		else if (!strcmp(argv[i], "--epoch"))
			epoch = strtoull(arg, NULL, 10);
		else {
			say("unknown option %s", argv[i]);
			return 2;
		}
		i++;
	}
	if ((!path && !tls_addr) ||
	    (path && strlen(path) >= sizeof(sun.sun_path))) {
		say("--listen PATH or --tls-listen ADDR:PORT is required");
		return 2;
	}
	if (tls_addr && (!cert || !key || !ca)) {
		say("--tls-listen needs --cert, --key and --ca");
		return 2;
	}
	if (routes && load_routes(routes) < 0)
		return 1;
	for (k = 0; k < MAX_CLIENTS; k++)
		clients[k].fd = -1;

	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	if (tls_addr) {
		if (tls_setup(cert, key, ca) < 0)
			return 1;
		tfd = tls_listen(tls_addr);
		if (tfd < 0)
			return 1;
		say("listening for TLS on %s, %zu routes", tls_addr, ntable);
	}
	if (path) {
		strcpy(sun.sun_path, path);
		unlink(path);
		lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (lfd < 0 ||
		    bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
		    listen(lfd, 8) < 0) {
			say("%s: %s", path, strerror(errno));
			return 1;
		}
		say("listening on %s, %zu routes", path, ntable);
	}

	while (!quit) {
		struct pollfd pfd[3 + MAX_CLIENTS];
		int slot[3 + MAX_CLIENTS];
		nfds_t n = 0;
		uint64_t now = now_ms();

		if (!stalled) {
			for (k = 0; k < MAX_CLIENTS; k++) {
				struct client *c = &clients[k];
				uint8_t ka[VNETRS_SDN_HDR_LEN];
				size_t len;

				if (c->fd < 0 || now < c->next_ka)
					continue;
				c->next_ka = now + KEEPALIVE_MS;
				len = vnetrs_sdn_encode_keepalive(
					ka, sizeof(ka), c->committed);
				client_send(c, ka, len);
			}
		}
		pfd[n].fd = lfd;
		pfd[n].events = POLLIN;
		slot[n++] = -1;
		pfd[n].fd = tfd;
		pfd[n].events = POLLIN;
		slot[n++] = -3;
		if (stdin_open) {
			pfd[n].fd = STDIN_FILENO;
			pfd[n].events = POLLIN;
			slot[n++] = -2;
		}
		for (k = 0; k < MAX_CLIENTS && !stalled; k++) {
			if (clients[k].fd < 0)
				continue;
			pfd[n].fd = clients[k].fd;
			pfd[n].events = POLLIN;
			slot[n++] = (int)k;
		}
		if (poll(pfd, n, 1000) < 0) {
			if (errno == EINTR)
				continue;
			say("poll: %s", strerror(errno));
			break;
		}
		for (i = 0; i < (int)n; i++) {
			if (!pfd[i].revents)
				continue;
			if (slot[i] == -1 || slot[i] == -3) {
				client_accept(pfd[i].fd, slot[i] == -3);
			} else if (slot[i] == -2) {
				ssize_t r = read(STDIN_FILENO, ibuf + ihave,
						 sizeof(ibuf) - 1 - ihave);
				char *nl;

				if (r <= 0) {
					stdin_open = false;
					continue;
				}
				ihave += (size_t)r;
				ibuf[ihave] = '\0';
				while ((nl = strchr(ibuf, '\n'))) {
					*nl = '\0';
					command(ibuf);
					ihave -= (size_t)(nl + 1 - ibuf);
					memmove(ibuf, nl + 1, ihave + 1);
				}
				if (ihave == sizeof(ibuf) - 1)
					ihave = 0; /* a line too long */
			} else {
				struct client *c = &clients[slot[i]];

				/* TLS may hold decrypted bytes poll(2)
				 * does not see. */
				do
					client_read(c);
				while (c->ssl && SSL_pending(c->ssl) > 0);
			}
		}
	}
	for (k = 0; k < MAX_CLIENTS; k++)
		client_close(&clients[k], "exiting");
	if (lfd >= 0) {
		close(lfd);
		unlink(path);
	}
	if (tfd >= 0)
		close(tfd);
	SSL_CTX_free(tls_ctx);
	for (k = 0; k < ntable; k++)
		route_free(&table[k]);
	free(table);
	free(hidx);
	free(hidx_next);
	for (k = 0; k < nstaged; k++)
		route_free(&staged[k].r);
	free(staged);
	return 0;
}
