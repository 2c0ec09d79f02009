// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: the SDN wire protocol, version 1 (see vnetrs_sdn_wire.h and
 * docs/sdn-protocol.md). Every integer is big-endian.
 */
#include "vnetrs_sdn_wire.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#if defined(__GNUC__)
#define SDN_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define SDN_PRINTF(a, b)
#endif

/* Fixed part of a route server's HELLO: asn, router_id, epoch, name_len. */
#define HELLO_SERVER_FIXED (4 + 4 + 8 + 2)

const char *vnetrs_sdn_type2str(unsigned int type)
{
	switch (type) {
	case VNETRS_SDN_HELLO:
		return "HELLO";
	case VNETRS_SDN_BEGIN:
		return "BEGIN";
	case VNETRS_SDN_ROUTE_ADD:
		return "ROUTE_ADD";
	case VNETRS_SDN_ROUTE_DEL:
		return "ROUTE_DEL";
	case VNETRS_SDN_COMMIT:
		return "COMMIT";
	case VNETRS_SDN_KEEPALIVE:
		return "KEEPALIVE";
	}
	return "unknown";
}

/* Address bytes on the wire for a family, 0 for an invalid family. */
static unsigned int family_bytes(unsigned int family)
{
	if (family == VNETRS_AF_INET)
		return 4;
	if (family == VNETRS_AF_INET6)
		return 16;
	return 0;
}

static bool host_bits_clear(const struct vnetrs_prefix *p)
{
	unsigned int bytes = family_bytes(p->family);

	for (unsigned int i = 0; i < bytes; i++) {
		uint8_t host;

		if (p->len >= (i + 1) * 8)
			continue;
		if (p->len <= i * 8)
			host = 0xff;
		else
			host = (uint8_t)(0xff >> (p->len - i * 8));
		if (p->addr[i] & host)
			return false;
	}
	return true;
}

static bool prefix_valid(const struct vnetrs_prefix *p)
{
	unsigned int bytes = family_bytes(p->family);

	return bytes && p->len <= bytes * 8 && host_bits_clear(p);
}

/* A next hop is a host prefix: /32 or /128. */
static bool nexthop_valid(const struct vnetrs_prefix *p)
{
	unsigned int bytes = family_bytes(p->family);

	return bytes && p->len == bytes * 8;
}

/* Length of a NUL-terminated name, or SIZE_MAX when above the maximum. */
static size_t name_length(const char *name)
{
	const char *nul = memchr(name, '\0', VNETRS_SDN_NAME_MAX + 1);

	return nul ? (size_t)(nul - name) : SIZE_MAX;
}

/* --- encoding ------------------------------------------------------------ */

struct wr {
	uint8_t *buf;
	size_t size;
	size_t off;
	bool ok;
};

static void wr_init(struct wr *w, uint8_t *buf, size_t size)
{
	w->buf = buf;
	w->size = size;
	w->off = VNETRS_SDN_HDR_LEN;
	w->ok = buf != NULL && size >= VNETRS_SDN_HDR_LEN;
}

static void wr_bytes(struct wr *w, const void *data, size_t n)
{
	if (!w->ok || w->size - w->off < n) {
		w->ok = false;
		return;
	}
	memcpy(w->buf + w->off, data, n);
	w->off += n;
}

static void wr_be(struct wr *w, uint64_t v, unsigned int n)
{
	uint8_t b[8];

	for (unsigned int i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	wr_bytes(w, b, n);
}

static void wr_u8(struct wr *w, uint8_t v)
{
	wr_bytes(w, &v, 1);
}

static void wr_u16(struct wr *w, uint16_t v)
{
	wr_be(w, v, 2);
}

static void wr_u32(struct wr *w, uint32_t v)
{
	wr_be(w, v, 4);
}

static void wr_u64(struct wr *w, uint64_t v)
{
	wr_be(w, v, 8);
}

/* Family, length, address: the caller has validated the prefix. */
static void wr_prefix(struct wr *w, const struct vnetrs_prefix *p)
{
	wr_u8(w, p->family);
	wr_u8(w, p->len);
	wr_bytes(w, p->addr, family_bytes(p->family));
}

/* Write the header in front of the payload; the message's length or 0. */
static size_t wr_finish(struct wr *w, enum vnetrs_sdn_type type, uint16_t flags,
			uint64_t seq)
{
	size_t len = w->off;

	if (!w->ok || len > VNETRS_SDN_MSG_MAX)
		return 0;
	w->off = 0;
	wr_u32(w, (uint32_t)len);
	wr_u8(w, VNETRS_SDN_VERSION);
	wr_u8(w, (uint8_t)type);
	wr_u16(w, flags);
	wr_u64(w, seq);
	return len;
}

static size_t encode_hello(uint8_t *buf, size_t size,
			   const struct vnetrs_sdn_hello *h, bool draining)
{
	struct wr w;

	if (h->name_len > VNETRS_SDN_NAME_MAX)
		return 0;
	wr_init(&w, buf, size);
	switch (h->dir) {
	case VNETRS_SDN_FROM_SERVER:
		wr_u32(&w, h->asn);
		wr_bytes(&w, h->router_id, 4);
		wr_u64(&w, h->epoch);
		break;
	case VNETRS_SDN_FROM_CONSUMER:
		/* Only a route server drains. */
		if (draining)
			return 0;
		break;
	default:
		return 0;
	}
	wr_u16(&w, h->name_len);
	wr_bytes(&w, h->name, h->name_len);
	return wr_finish(&w, VNETRS_SDN_HELLO,
			 draining ? VNETRS_SDN_FLAG_DRAINING : 0, 0);
}

size_t vnetrs_sdn_encode_hello_server(uint8_t *buf, size_t size, uint32_t asn,
				      const uint8_t router_id[4],
				      uint64_t epoch, const char *name)
{
	return vnetrs_sdn_encode_hello_server_state(buf, size, asn, router_id,
						    epoch, name, false);
}

size_t vnetrs_sdn_encode_hello_server_state(uint8_t *buf, size_t size,
					    uint32_t asn,
					    const uint8_t router_id[4],
					    uint64_t epoch, const char *name,
					    bool draining)
{
	struct vnetrs_sdn_hello h;
	size_t n = name_length(name);

	if (n > VNETRS_SDN_NAME_MAX)
		return 0;
	memset(&h, 0, sizeof(h));
	h.dir = VNETRS_SDN_FROM_SERVER;
	h.asn = asn;
	memcpy(h.router_id, router_id, 4);
	h.epoch = epoch;
	h.name_len = (uint16_t)n;
	memcpy(h.name, name, n);
	return encode_hello(buf, size, &h, draining);
}

size_t vnetrs_sdn_encode_hello_consumer(uint8_t *buf, size_t size,
					const char *name)
{
	struct vnetrs_sdn_hello h;
	size_t n = name_length(name);

	if (n > VNETRS_SDN_NAME_MAX)
		return 0;
	memset(&h, 0, sizeof(h));
	h.dir = VNETRS_SDN_FROM_CONSUMER;
	h.name_len = (uint16_t)n;
	memcpy(h.name, name, n);
	return encode_hello(buf, size, &h, false);
}

size_t vnetrs_sdn_encode_begin(uint8_t *buf, size_t size, uint64_t seq,
			       bool snapshot, uint32_t count)
{
	struct wr w;

	wr_init(&w, buf, size);
	wr_u32(&w, count);
	return wr_finish(&w, VNETRS_SDN_BEGIN,
			 snapshot ? VNETRS_SDN_FLAG_SNAPSHOT : 0, seq);
}

size_t vnetrs_sdn_encode_route_add(uint8_t *buf, size_t size, uint64_t seq,
				   const struct vnetrs_sdn_route *route)
{
	struct wr w;

	if (!prefix_valid(&route->prefix))
		return 0;
	switch (route->source) {
	case VNETRS_SOURCE_LOCAL:
	case VNETRS_SOURCE_NVA:
	case VNETRS_SOURCE_EXPRESSROUTE:
	case VNETRS_SOURCE_VPN:
		break;
	default:
		return 0;
	}
	if (route->n_nexthops > VNETRS_SDN_MAX_NEXTHOPS)
		return 0;
	for (unsigned int i = 0; i < route->n_nexthops; i++)
		if (!nexthop_valid(&route->nexthops[i]))
			return 0;

	wr_init(&w, buf, size);
	wr_prefix(&w, &route->prefix);
	wr_u8(&w, (uint8_t)route->source);
	wr_u8(&w, route->peered ? VNETRS_SDN_ROUTE_PEERED : 0);
	wr_u32(&w, route->as_path_len);
	wr_u16(&w, route->n_nexthops);
	for (unsigned int i = 0; i < route->n_nexthops; i++) {
		const struct vnetrs_prefix *nh = &route->nexthops[i];

		wr_u8(&w, nh->family);
		wr_bytes(&w, nh->addr, family_bytes(nh->family));
	}
	return wr_finish(&w, VNETRS_SDN_ROUTE_ADD, 0, seq);
}

size_t vnetrs_sdn_encode_route_del(uint8_t *buf, size_t size, uint64_t seq,
				   const struct vnetrs_prefix *prefix)
{
	struct wr w;

	if (!prefix_valid(prefix))
		return 0;
	wr_init(&w, buf, size);
	wr_prefix(&w, prefix);
	return wr_finish(&w, VNETRS_SDN_ROUTE_DEL, 0, seq);
}

size_t vnetrs_sdn_encode_commit(uint8_t *buf, size_t size, uint64_t seq,
				uint32_t count)
{
	struct wr w;

	wr_init(&w, buf, size);
	wr_u32(&w, count);
	return wr_finish(&w, VNETRS_SDN_COMMIT, 0, seq);
}

size_t vnetrs_sdn_encode_keepalive(uint8_t *buf, size_t size, uint64_t seq)
{
	return vnetrs_sdn_encode_keepalive_state(buf, size, seq, false);
}

size_t vnetrs_sdn_encode_keepalive_state(uint8_t *buf, size_t size,
					 uint64_t seq, bool draining)
{
	struct wr w;

	wr_init(&w, buf, size);
	return wr_finish(&w, VNETRS_SDN_KEEPALIVE,
			 draining ? VNETRS_SDN_FLAG_DRAINING : 0, seq);
}

size_t vnetrs_sdn_encode(uint8_t *buf, size_t size,
			 const struct vnetrs_sdn_msg *msg)
{
	switch (msg->type) {
	case VNETRS_SDN_HELLO:
		/* HELLO comes before any batch: its seq is 0. */
		if (msg->seq != 0)
			return 0;
		return encode_hello(buf, size, &msg->u.hello, msg->draining);
	case VNETRS_SDN_BEGIN:
		return vnetrs_sdn_encode_begin(buf, size, msg->seq,
					       msg->u.begin.snapshot,
					       msg->u.begin.count);
	case VNETRS_SDN_ROUTE_ADD:
		return vnetrs_sdn_encode_route_add(buf, size, msg->seq,
						   &msg->u.route);
	case VNETRS_SDN_ROUTE_DEL:
		return vnetrs_sdn_encode_route_del(buf, size, msg->seq,
						   &msg->u.del);
	case VNETRS_SDN_COMMIT:
		return vnetrs_sdn_encode_commit(buf, size, msg->seq,
						msg->u.commit.count);
	case VNETRS_SDN_KEEPALIVE:
		return vnetrs_sdn_encode_keepalive_state(buf, size, msg->seq,
							 msg->draining);
	}
	return 0;
}

/* --- decoding ------------------------------------------------------------ */

static uint64_t get_be(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

SDN_PRINTF(3, 4)
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* The payload being read. */
struct rd {
	const uint8_t *p;
	size_t left;
	const char *type; /* for messages: "ROUTE_ADD" */
	char *err;
	size_t errlen;
};

static const uint8_t *rd_take(struct rd *r, size_t n)
{
	const uint8_t *p = r->p;

	if (r->left < n)
		return NULL;
	r->p += n;
	r->left -= n;
	return p;
}

static bool rd_uint(struct rd *r, unsigned int n, uint64_t *v)
{
	const uint8_t *p = rd_take(r, n);

	if (!p)
		return false;
	*v = get_be(p, n);
	return true;
}

/* The payload ends inside a field: what (printf-like) names the field. */
SDN_PRINTF(2, 3)
static int truncated(struct rd *r, const char *what, ...)
{
	char field[64];
	va_list ap;

	va_start(ap, what);
	vsnprintf(field, sizeof(field), what, ap);
	va_end(ap);
	return fail(
		r->err, r->errlen,
		"%s payload is truncated: it ends inside %s (%zu bytes left)",
		r->type, field, r->left);
}

/* Text of an address for messages (IPv6 uncompressed). */
static void addr2str(const struct vnetrs_prefix *p, char *buf, size_t len)
{
	const uint8_t *a = p->addr;

	if (p->family == VNETRS_AF_INET) {
		snprintf(buf, len, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
		return;
	}
	snprintf(buf, len, "%x:%x:%x:%x:%x:%x:%x:%x",
		 (unsigned int)get_be(a, 2), (unsigned int)get_be(a + 2, 2),
		 (unsigned int)get_be(a + 4, 2), (unsigned int)get_be(a + 6, 2),
		 (unsigned int)get_be(a + 8, 2),
		 (unsigned int)get_be(a + 10, 2),
		 (unsigned int)get_be(a + 12, 2),
		 (unsigned int)get_be(a + 14, 2));
}

static int rd_prefix(struct rd *r, struct vnetrs_prefix *p)
{
	uint64_t family, len;
	unsigned int bytes;
	const uint8_t *addr;
	char abuf[48];

	if (!rd_uint(r, 1, &family))
		return truncated(r, "the prefix (family)");
	bytes = family_bytes((unsigned int)family);
	if (!bytes)
		return fail(r->err, r->errlen,
			    "%s: prefix family %u is not 4 (IPv4) or 6 (IPv6)",
			    r->type, (unsigned int)family);
	if (!rd_uint(r, 1, &len))
		return truncated(r, "the prefix (len)");
	if (len > bytes * 8)
		return fail(r->err, r->errlen,
			    "%s: prefix length %u is above %u for IPv%u",
			    r->type, (unsigned int)len, bytes * 8,
			    (unsigned int)family);
	addr = rd_take(r, bytes);
	if (!addr)
		return truncated(r, "the prefix (address)");

	memset(p, 0, sizeof(*p));
	p->family = (uint8_t)family;
	p->len = (uint8_t)len;
	memcpy(p->addr, addr, bytes);
	if (!host_bits_clear(p)) {
		addr2str(p, abuf, sizeof(abuf));
		return fail(r->err, r->errlen,
			    "%s: prefix %s/%u has host bits set", r->type, abuf,
			    p->len);
	}
	return 0;
}

static int rd_hello(struct rd *r, enum vnetrs_sdn_dir dir,
		    struct vnetrs_sdn_hello *h)
{
	uint64_t v;
	const uint8_t *p;

	h->dir = dir;
	h->asn = 0;
	memset(h->router_id, 0, sizeof(h->router_id));
	h->epoch = 0;
	if (dir == VNETRS_SDN_FROM_SERVER) {
		if (!rd_uint(r, 4, &v))
			return truncated(r, "asn");
		h->asn = (uint32_t)v;
		p = rd_take(r, 4);
		if (!p)
			return truncated(r, "router_id");
		memcpy(h->router_id, p, 4);
		if (!rd_uint(r, 8, &h->epoch))
			return truncated(r, "epoch");
	}
	if (!rd_uint(r, 2, &v))
		return truncated(r, "name_len");
	if (v > VNETRS_SDN_NAME_MAX)
		return fail(r->err, r->errlen,
			    "HELLO: name length %u is above %u",
			    (unsigned int)v, VNETRS_SDN_NAME_MAX);
	p = rd_take(r, (size_t)v);
	if (!p)
		return truncated(r, "the name (%u bytes)", (unsigned int)v);
	h->name_len = (uint16_t)v;
	memcpy(h->name, p, h->name_len);
	h->name[h->name_len] = '\0';
	return 0;
}

static int rd_route_add(struct rd *r, struct vnetrs_sdn_route *route)
{
	uint64_t source, flags, v, n;
	const uint8_t *addr;

	if (rd_prefix(r, &route->prefix) < 0)
		return -1;
	if (!rd_uint(r, 1, &source))
		return truncated(r, "source");
	if (source > VNETRS_SOURCE_VPN)
		return fail(r->err, r->errlen,
			    "ROUTE_ADD: route source %u is not 0 to 3",
			    (unsigned int)source);
	route->source = (enum vnetrs_source)source;
	if (!rd_uint(r, 1, &flags))
		return truncated(r, "route_flags");
	if (flags & ~(uint64_t)VNETRS_SDN_ROUTE_PEERED)
		return fail(r->err, r->errlen,
			    "ROUTE_ADD: unknown route flags 0x%02x",
			    (unsigned int)flags);
	route->peered = (flags & VNETRS_SDN_ROUTE_PEERED) != 0;
	if (!rd_uint(r, 4, &v))
		return truncated(r, "as_path_len");
	route->as_path_len = (uint32_t)v;
	if (!rd_uint(r, 2, &n))
		return truncated(r, "n_nexthops");
	if (n > VNETRS_SDN_MAX_NEXTHOPS)
		return fail(r->err, r->errlen,
			    "ROUTE_ADD: %u next hops, more than the maximum %u",
			    (unsigned int)n, VNETRS_SDN_MAX_NEXTHOPS);
	route->n_nexthops = (uint16_t)n;

	for (unsigned int i = 0; i < n; i++) {
		struct vnetrs_prefix *nh = &route->nexthops[i];
		unsigned int bytes;

		if (!rd_uint(r, 1, &v))
			return truncated(r, "next hop %u of %u", i + 1,
					 (unsigned int)n);
		bytes = family_bytes((unsigned int)v);
		if (!bytes)
			return fail(r->err, r->errlen,
				    "%s: next hop %u: family %u is not 4 or 6",
				    r->type, i + 1, (unsigned int)v);
		addr = rd_take(r, bytes);
		if (!addr)
			return truncated(r, "next hop %u of %u", i + 1,
					 (unsigned int)n);
		memset(nh, 0, sizeof(*nh));
		nh->family = (uint8_t)v;
		nh->len = (uint8_t)(bytes * 8);
		memcpy(nh->addr, addr, bytes);
	}
	return 0;
}

long vnetrs_sdn_msg_len(const uint8_t *buf, size_t len)
{
	uint64_t mlen;

	if (len < 4)
		return 0;
	mlen = get_be(buf, 4);
	if (mlen < VNETRS_SDN_HDR_LEN || mlen > VNETRS_SDN_MSG_MAX)
		return -1;
	return (long)mlen;
}

int vnetrs_sdn_decode_dir(const uint8_t *buf, size_t len,
			  enum vnetrs_sdn_dir dir, struct vnetrs_sdn_msg *msg,
			  size_t *used, char *err, size_t errlen)
{
	uint64_t mlen, seq, count;
	unsigned int version, type, flags, allowed;
	struct rd r;
	int ret = 0;

	*used = 0;
	if (dir != VNETRS_SDN_FROM_CONSUMER)
		dir = VNETRS_SDN_FROM_SERVER;
	if (len < 4)
		return 0;
	mlen = get_be(buf, 4);
	if (mlen < VNETRS_SDN_HDR_LEN)
		return fail(err, errlen,
			    "message length %u is below the %u-byte header",
			    (unsigned int)mlen, VNETRS_SDN_HDR_LEN);
	if (mlen > VNETRS_SDN_MSG_MAX)
		return fail(err, errlen,
			    "message length %" PRIu64
			    " is above the maximum %u",
			    mlen, VNETRS_SDN_MSG_MAX);
	if (len < VNETRS_SDN_HDR_LEN)
		return 0;

	version = buf[4];
	type = buf[5];
	flags = (unsigned int)get_be(buf + 6, 2);
	seq = get_be(buf + 8, 8);
	if (version != VNETRS_SDN_VERSION)
		return fail(
			err, errlen,
			"unsupported protocol version %u (this is version %u)",
			version, VNETRS_SDN_VERSION);
	if (type < VNETRS_SDN_HELLO || type > VNETRS_SDN_KEEPALIVE)
		return fail(err, errlen, "unknown message type %u", type);
	if (dir == VNETRS_SDN_FROM_CONSUMER && type != VNETRS_SDN_HELLO &&
	    type != VNETRS_SDN_KEEPALIVE)
		return fail(err, errlen, "%s is not sent by a consumer",
			    vnetrs_sdn_type2str(type));
	if (type == VNETRS_SDN_BEGIN)
		allowed = VNETRS_SDN_FLAG_SNAPSHOT;
	else if (dir == VNETRS_SDN_FROM_SERVER &&
		 (type == VNETRS_SDN_HELLO || type == VNETRS_SDN_KEEPALIVE))
		allowed = VNETRS_SDN_FLAG_DRAINING;
	else
		allowed = 0;
	if (flags & ~allowed)
		return fail(err, errlen, "%s: unknown header flags 0x%04x",
			    vnetrs_sdn_type2str(type), flags & ~allowed);
	if (type == VNETRS_SDN_HELLO && seq != 0)
		return fail(err, errlen, "HELLO: seq is %" PRIu64 ", not 0",
			    seq);
	if (len < mlen)
		return 0;

	r.p = buf + VNETRS_SDN_HDR_LEN;
	r.left = (size_t)mlen - VNETRS_SDN_HDR_LEN;
	r.type = vnetrs_sdn_type2str(type);
	r.err = err;
	r.errlen = errlen;
	msg->type = (enum vnetrs_sdn_type)type;
	msg->seq = seq;
	msg->draining = (flags & VNETRS_SDN_FLAG_DRAINING) != 0 &&
			allowed == VNETRS_SDN_FLAG_DRAINING;
	switch (msg->type) {
	case VNETRS_SDN_HELLO:
		ret = rd_hello(&r, dir, &msg->u.hello);
		break;
	case VNETRS_SDN_BEGIN:
		msg->u.begin.snapshot = (flags & VNETRS_SDN_FLAG_SNAPSHOT) != 0;
		if (!rd_uint(&r, 4, &count))
			return truncated(&r, "count");
		msg->u.begin.count = (uint32_t)count;
		break;
	case VNETRS_SDN_ROUTE_ADD:
		ret = rd_route_add(&r, &msg->u.route);
		break;
	case VNETRS_SDN_ROUTE_DEL:
		ret = rd_prefix(&r, &msg->u.del);
		break;
	case VNETRS_SDN_COMMIT:
		if (!rd_uint(&r, 4, &count))
			return truncated(&r, "count");
		msg->u.commit.count = (uint32_t)count;
		break;
	case VNETRS_SDN_KEEPALIVE:
		break;
	}
	if (ret < 0)
		return -1;
	if (r.left)
		return fail(
			err, errlen,
			"%s payload has %zu trailing byte(s) after its fields",
			r.type, r.left);
	*used = (size_t)mlen;
	return 1;
}

int vnetrs_sdn_decode(const uint8_t *buf, size_t len,
		      struct vnetrs_sdn_msg *msg, size_t *used, char *err,
		      size_t errlen)
{
	return vnetrs_sdn_decode_dir(buf, len, VNETRS_SDN_FROM_SERVER, msg,
				     used, err, errlen);
}

/* --- order of messages, for consumers ------------------------------------ */

void vnetrs_sdn_rx_init(struct vnetrs_sdn_rx *rx)
{
	memset(rx, 0, sizeof(*rx));
}

SDN_PRINTF(4, 5)
static int rx_fail(struct vnetrs_sdn_rx *rx, char *err, size_t errlen,
		   const char *fmt, ...)
{
	va_list ap;

	rx->failed = true;
	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

int vnetrs_sdn_rx_feed(struct vnetrs_sdn_rx *rx,
		       const struct vnetrs_sdn_msg *msg, char *err,
		       size_t errlen)
{
	const char *name = vnetrs_sdn_type2str(msg->type);

	if (rx->failed)
		return rx_fail(rx, err, errlen,
			       "the stream has already failed: drop it");
	if (!rx->hello) {
		if (msg->type != VNETRS_SDN_HELLO)
			return rx_fail(rx, err, errlen,
				       "first message is %s, not HELLO", name);
		rx->hello = true;
		return 0;
	}

	switch (msg->type) {
	case VNETRS_SDN_HELLO:
		return rx_fail(rx, err, errlen, "HELLO received twice");
	case VNETRS_SDN_BEGIN:
		if (rx->in_batch)
			return rx_fail(rx, err, errlen,
				       "BEGIN seq %" PRIu64
				       " inside batch %" PRIu64 " (no COMMIT)",
				       msg->seq, rx->batch_seq);
		if (msg->seq <= rx->committed)
			return rx_fail(rx, err, errlen,
				       "BEGIN seq %" PRIu64
				       " does not increase (last batch %" PRIu64
				       ")",
				       msg->seq, rx->committed);
		if (!rx->synced && !msg->u.begin.snapshot)
			return rx_fail(rx, err, errlen,
				       "first batch %" PRIu64
				       " is not a snapshot",
				       msg->seq);
		rx->in_batch = true;
		rx->snapshot = msg->u.begin.snapshot;
		rx->batch_seq = msg->seq;
		rx->count = msg->u.begin.count;
		rx->routes = 0;
		return 0;
	case VNETRS_SDN_ROUTE_ADD:
	case VNETRS_SDN_ROUTE_DEL:
	case VNETRS_SDN_COMMIT:
		if (!rx->in_batch)
			return rx_fail(rx, err, errlen,
				       "%s seq %" PRIu64 " outside a batch",
				       name, msg->seq);
		if (msg->seq != rx->batch_seq)
			return rx_fail(rx, err, errlen,
				       "%s seq %" PRIu64
				       " inside batch %" PRIu64,
				       name, msg->seq, rx->batch_seq);
		if (msg->type == VNETRS_SDN_ROUTE_DEL && rx->snapshot)
			return rx_fail(rx, err, errlen,
				       "ROUTE_DEL in snapshot batch %" PRIu64,
				       rx->batch_seq);
		if (msg->type != VNETRS_SDN_COMMIT) {
			if (rx->routes == rx->count)
				return rx_fail(
					rx, err, errlen,
					"batch %" PRIu64
					" has more routes than the %" PRIu32
					" of its BEGIN",
					rx->batch_seq, rx->count);
			rx->routes++;
			return 0;
		}
		if (msg->u.commit.count != rx->count)
			return rx_fail(rx, err, errlen,
				       "COMMIT count %" PRIu32
				       " differs from BEGIN count %" PRIu32
				       " in batch %" PRIu64,
				       msg->u.commit.count, rx->count,
				       rx->batch_seq);
		if (rx->routes != rx->count)
			return rx_fail(rx, err, errlen,
				       "batch %" PRIu64
				       " committed with %" PRIu32
				       " routes, its BEGIN announced %" PRIu32,
				       rx->batch_seq, rx->routes, rx->count);
		rx->in_batch = false;
		rx->committed = rx->batch_seq;
		if (rx->snapshot)
			rx->synced = true;
		return 0;
	case VNETRS_SDN_KEEPALIVE:
		if (msg->seq != rx->committed)
			return rx_fail(
				rx, err, errlen,
				"KEEPALIVE seq %" PRIu64
				" is not the last committed batch %" PRIu64,
				msg->seq, rx->committed);
		return 0;
	}
	return rx_fail(rx, err, errlen, "unknown message type %u",
		       (unsigned int)msg->type);
}
