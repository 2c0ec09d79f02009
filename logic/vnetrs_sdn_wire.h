// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: the SDN wire protocol, version 1 (docs/sdn-protocol.md).
 *
 * The route server streams a VNet's effective routes to SDN consumers over
 * a Unix stream socket; this is the message format both sides share:
 * encoders, a streaming decoder that validates every field, and a checker
 * of the order of messages for consumers. Plain C99, no heap, no FRR types:
 * the route server and the reference agent build the same file.
 */
#ifndef VNETRS_SDN_WIRE_H
#define VNETRS_SDN_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vnetrs_exchange.h"
#include "vnetrs_prefix.h"

#define VNETRS_SDN_VERSION 1
/* Every message starts with this header; its length counts the header. */
#define VNETRS_SDN_HDR_LEN 16
/* Largest length a message may declare (a reader's buffer size). */
#define VNETRS_SDN_MSG_MAX 65536
#define VNETRS_SDN_MAX_NEXTHOPS 1024
#define VNETRS_SDN_NAME_MAX 255
/* Default TCP port of the SDN stream over TLS (docs/sdn-protocol.md). */
#define VNETRS_SDN_TLS_PORT 7179

enum vnetrs_sdn_type {
	VNETRS_SDN_HELLO = 1,
	VNETRS_SDN_BEGIN = 2,
	VNETRS_SDN_ROUTE_ADD = 3,
	VNETRS_SDN_ROUTE_DEL = 4,
	VNETRS_SDN_COMMIT = 5,
	VNETRS_SDN_KEEPALIVE = 6,
};

/* Header flags of BEGIN: the batch replaces the consumer's whole table. */
#define VNETRS_SDN_FLAG_SNAPSHOT 0x0001
/* Header flags of the route server's HELLO and KEEPALIVE: the instance
 * drains (graceful maintenance): prefer another instance's routes. */
#define VNETRS_SDN_FLAG_DRAINING 0x0002
/* route_flags of ROUTE_ADD: the local address space is a peered VNet's. */
#define VNETRS_SDN_ROUTE_PEERED 0x01

/*
 * Who sent the bytes. Only HELLO differs on the wire: the route server's
 * carries its AS, router ID and epoch before the name, a consumer's only
 * the name. A consumer sends nothing but HELLO and KEEPALIVE.
 */
enum vnetrs_sdn_dir {
	VNETRS_SDN_FROM_SERVER = 0,
	VNETRS_SDN_FROM_CONSUMER,
};

struct vnetrs_sdn_hello {
	/* Which HELLO: from a consumer only name_len and name are used. */
	enum vnetrs_sdn_dir dir;
	uint32_t asn;
	uint8_t router_id[4]; /* IPv4 address, network order */
	uint64_t epoch;	      /* changes when the route server restarts */
	uint16_t name_len;    /* 0..VNETRS_SDN_NAME_MAX bytes of UTF-8 */
	/* name_len bytes; the decoder appends a NUL (not sent). */
	char name[VNETRS_SDN_NAME_MAX + 1];
};

/* ROUTE_ADD: add the prefix, or replace what the consumer has for it. */
struct vnetrs_sdn_route {
	struct vnetrs_prefix prefix;
	/* LOCAL, NVA, EXPRESSROUTE or VPN; OTHER never goes on the wire. */
	enum vnetrs_source source;
	bool peered; /* a local address space of a peered VNet */
	uint32_t as_path_len;
	uint16_t n_nexthops; /* 0 for local address spaces */
	/* Host prefixes (/32, /128); only the first n_nexthops are used. */
	struct vnetrs_prefix nexthops[VNETRS_SDN_MAX_NEXTHOPS];
};

/*
 * One message. seq is the header's: 0 for HELLO, the batch's for BEGIN,
 * ROUTE_ADD, ROUTE_DEL and COMMIT, the last committed batch's (0 if none)
 * for KEEPALIVE. Only the union member of the type is meaningful. About
 * 18 KiB (the next hops): give a reader one, static or on the heap.
 */
struct vnetrs_sdn_msg {
	enum vnetrs_sdn_type type;
	uint64_t seq;
	/* HELLO and KEEPALIVE from the route server: it drains (flag
	 * DRAINING). A consumer's never set it. */
	bool draining;
	union {
		struct vnetrs_sdn_hello hello; /* HELLO */
		struct {
			bool snapshot;
			uint32_t count; /* ROUTE_ADD + ROUTE_DEL in the batch */
		} begin;		/* BEGIN */
		struct vnetrs_sdn_route route; /* ROUTE_ADD */
		struct vnetrs_prefix del;      /* ROUTE_DEL */
		struct {
			uint32_t count; /* equal to BEGIN's */
		} commit;		/* COMMIT */
	} u;				/* KEEPALIVE has no payload */
};

/* "HELLO", "BEGIN", ..., "KEEPALIVE"; "unknown" for another value. */
const char *vnetrs_sdn_type2str(unsigned int type);

/*
 * Encoders: write one message at buf and return its length, or 0 when it
 * does not fit in size bytes or the input breaks a rule the decoder checks
 * (so no encoded message is refused by a decoder). Every valid message
 * fits in VNETRS_SDN_MSG_MAX bytes: with that much room, 0 means invalid.
 */
size_t vnetrs_sdn_encode(uint8_t *buf, size_t size,
			 const struct vnetrs_sdn_msg *msg);
/* The route server's HELLO; name is a NUL-terminated string. */
size_t vnetrs_sdn_encode_hello_server(uint8_t *buf, size_t size, uint32_t asn,
				      const uint8_t router_id[4],
				      uint64_t epoch, const char *name);
/* The same, saying whether the instance drains (flag DRAINING). */
size_t vnetrs_sdn_encode_hello_server_state(uint8_t *buf, size_t size,
					    uint32_t asn,
					    const uint8_t router_id[4],
					    uint64_t epoch, const char *name,
					    bool draining);
/* A consumer's HELLO; name is a NUL-terminated string. */
size_t vnetrs_sdn_encode_hello_consumer(uint8_t *buf, size_t size,
					const char *name);
size_t vnetrs_sdn_encode_begin(uint8_t *buf, size_t size, uint64_t seq,
			       bool snapshot, uint32_t count);
size_t vnetrs_sdn_encode_route_add(uint8_t *buf, size_t size, uint64_t seq,
				   const struct vnetrs_sdn_route *route);
size_t vnetrs_sdn_encode_route_del(uint8_t *buf, size_t size, uint64_t seq,
				   const struct vnetrs_prefix *prefix);
size_t vnetrs_sdn_encode_commit(uint8_t *buf, size_t size, uint64_t seq,
				uint32_t count);
size_t vnetrs_sdn_encode_keepalive(uint8_t *buf, size_t size, uint64_t seq);
/* The route server's KEEPALIVE, saying whether the instance drains. */
size_t vnetrs_sdn_encode_keepalive_state(uint8_t *buf, size_t size,
					 uint64_t seq, bool draining);

/*
 * The length of the message at buf, from its first 4 bytes: a reader
 * knows how much to read before decoding. Returns the length (16..65536),
 * 0 when fewer than 4 bytes are there, -1 when the length is out of range
 * (the stream is malformed: drop it).
 */
long vnetrs_sdn_msg_len(const uint8_t *buf, size_t len);

/*
 * Decode the first message of len bytes at buf, as sent by the route server
 * (what a consumer reads). Returns:
 *   1: one message decoded into msg, *used bytes consumed (the rest of buf
 *      is the next message);
 *   0: buf holds only the start of a message: read more and call again
 *      with the same bytes plus the new ones;
 *  -1: malformed, err says why: drop the connection.
 * A bad header is refused as soon as its bytes are there, a bad payload
 * once the whole message is. err may be NULL.
 */
int vnetrs_sdn_decode(const uint8_t *buf, size_t len,
		      struct vnetrs_sdn_msg *msg, size_t *used, char *err,
		      size_t errlen);
/* The same, for bytes sent by dir (the route server reads FROM_CONSUMER:
 * a consumer's HELLO; types other than HELLO and KEEPALIVE are refused). */
int vnetrs_sdn_decode_dir(const uint8_t *buf, size_t len,
			  enum vnetrs_sdn_dir dir, struct vnetrs_sdn_msg *msg,
			  size_t *used, char *err, size_t errlen);

/*
 * A consumer's check of the order of the route server's messages: the
 * first is HELLO (and only the first), the first batch is a snapshot,
 * ROUTE_ADD / ROUTE_DEL / COMMIT only inside a batch and with its seq
 * (a snapshot has no ROUTE_DEL),
 * BEGIN only outside one and with a seq above the previous batch's,
 * COMMIT's count equal to BEGIN's and to the routes received, KEEPALIVE
 * with the last committed seq. A KEEPALIVE may come inside a batch.
 */
struct vnetrs_sdn_rx {
	bool failed;	    /* an error was reported: drop the stream */
	bool hello;	    /* the route server's HELLO was received */
	bool synced;	    /* a snapshot batch was committed */
	bool in_batch;	    /* between BEGIN and COMMIT */
	bool snapshot;	    /* the open batch is a snapshot */
	uint64_t batch_seq; /* the open batch's seq */
	uint32_t count;	    /* BEGIN's count of the open batch */
	uint32_t routes;    /* ROUTE_ADD + ROUTE_DEL received in it */
	uint64_t committed; /* seq of the last committed batch, 0 if none */
};

void vnetrs_sdn_rx_init(struct vnetrs_sdn_rx *rx);
/*
 * Feed the next decoded message. Returns 0, or -1 with the reason in err
 * (err may be NULL): the order is wrong, drop the connection. After an
 * error every call fails. After a COMMIT is accepted, the batch is
 * complete: apply it (a snapshot replaces the table).
 */
int vnetrs_sdn_rx_feed(struct vnetrs_sdn_rx *rx,
		       const struct vnetrs_sdn_msg *msg, char *err,
		       size_t errlen);

#endif /* VNETRS_SDN_WIRE_H */
