// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the SDN wire protocol (logic/vnetrs_sdn_wire.c): round
 * trips, exact bytes (the example of docs/sdn-protocol.md), decoding of
 * partial input, every validation rule, the consumer's order checker.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "logic/vnetrs_prefix.h"
#include "logic/vnetrs_sdn_wire.h"

#define UNUSED __attribute__((unused))

static struct vnetrs_prefix P(const char *s)
{
	struct vnetrs_prefix p;
	char err[128];

	if (vnetrs_prefix_parse(s, &p, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	return p;
}

/* Messages are ~18 KiB each: keep them out of the stack. */
static struct vnetrs_sdn_msg in_msg, out_msg;
static uint8_t wbuf[VNETRS_SDN_MSG_MAX], wbuf2[VNETRS_SDN_MSG_MAX];

static void set_route(struct vnetrs_sdn_msg *m, uint64_t seq,
		      const char *prefix, enum vnetrs_source source,
		      bool peered, uint32_t as_path_len)
{
	m->type = VNETRS_SDN_ROUTE_ADD;
	m->seq = seq;
	m->u.route.prefix = P(prefix);
	m->u.route.source = source;
	m->u.route.peered = peered;
	m->u.route.as_path_len = as_path_len;
	m->u.route.n_nexthops = 0;
}

static void add_nexthop(struct vnetrs_sdn_msg *m, const char *nh)
{
	m->u.route.nexthops[m->u.route.n_nexthops++] = P(nh);
}

static void set_hello(struct vnetrs_sdn_msg *m, enum vnetrs_sdn_dir dir,
		      const char *name)
{
	memset(m, 0, sizeof(*m));
	m->type = VNETRS_SDN_HELLO;
	m->u.hello.dir = dir;
	if (dir == VNETRS_SDN_FROM_SERVER) {
		m->u.hello.asn = 65515;
		memcpy(m->u.hello.router_id, "\x0a\x01\x00\x04", 4);
		m->u.hello.epoch = 1700000000;
	}
	m->u.hello.name_len = (uint16_t)strlen(name);
	memcpy(m->u.hello.name, name, m->u.hello.name_len);
}

static void assert_msg_equal(const struct vnetrs_sdn_msg *a,
			     const struct vnetrs_sdn_msg *b)
{
	assert_int_equal(a->type, b->type);
	assert_true(a->seq == b->seq);
	switch (a->type) {
	case VNETRS_SDN_HELLO:
		assert_int_equal(a->u.hello.dir, b->u.hello.dir);
		assert_int_equal(a->u.hello.name_len, b->u.hello.name_len);
		assert_memory_equal(a->u.hello.name, b->u.hello.name,
				    a->u.hello.name_len);
		if (a->u.hello.dir == VNETRS_SDN_FROM_SERVER) {
			assert_int_equal(a->u.hello.asn, b->u.hello.asn);
			assert_memory_equal(a->u.hello.router_id,
					    b->u.hello.router_id, 4);
			assert_true(a->u.hello.epoch == b->u.hello.epoch);
		}
		break;
	case VNETRS_SDN_BEGIN:
		assert_int_equal(a->u.begin.snapshot, b->u.begin.snapshot);
		assert_int_equal(a->u.begin.count, b->u.begin.count);
		break;
	case VNETRS_SDN_ROUTE_ADD:
		assert_true(vnetrs_prefix_equal(&a->u.route.prefix,
						&b->u.route.prefix));
		assert_int_equal(a->u.route.source, b->u.route.source);
		assert_int_equal(a->u.route.peered, b->u.route.peered);
		assert_int_equal(a->u.route.as_path_len,
				 b->u.route.as_path_len);
		assert_int_equal(a->u.route.n_nexthops, b->u.route.n_nexthops);
		for (unsigned int i = 0; i < a->u.route.n_nexthops; i++)
			assert_true(
				vnetrs_prefix_equal(&a->u.route.nexthops[i],
						    &b->u.route.nexthops[i]));
		break;
	case VNETRS_SDN_ROUTE_DEL:
		assert_true(vnetrs_prefix_equal(&a->u.del, &b->u.del));
		break;
	case VNETRS_SDN_COMMIT:
		assert_int_equal(a->u.commit.count, b->u.commit.count);
		break;
	case VNETRS_SDN_KEEPALIVE:
		break;
	}
}

/* Encode m, decode it back, compare, re-encode: the same bytes. */
static size_t roundtrip(const struct vnetrs_sdn_msg *m, enum vnetrs_sdn_dir dir)
{
	char err[256] = "";
	size_t len, used = 12345;
	int ret;

	len = vnetrs_sdn_encode(wbuf, sizeof(wbuf), m);
	assert_true(len >= VNETRS_SDN_HDR_LEN);
	assert_int_equal(vnetrs_sdn_msg_len(wbuf, len), (long)len);
	ret = vnetrs_sdn_decode_dir(wbuf, len, dir, &out_msg, &used, err,
				    sizeof(err));
	if (ret != 1)
		fail_msg("%s: decode returned %d: %s",
			 vnetrs_sdn_type2str(m->type), ret, err);
	assert_int_equal(used, len);
	assert_msg_equal(m, &out_msg);
	assert_int_equal(vnetrs_sdn_encode(wbuf2, sizeof(wbuf2), &out_msg),
			 len);
	assert_memory_equal(wbuf, wbuf2, len);
	/* One byte short of room: refused, nothing claimed. */
	assert_int_equal(vnetrs_sdn_encode(wbuf2, len - 1, m), 0);
	return len;
}

static void test_roundtrip_hello_batch(void **state UNUSED)
{
	char name[VNETRS_SDN_NAME_MAX + 1];

	set_hello(&in_msg, VNETRS_SDN_FROM_SERVER, "rs1/default");
	assert_int_equal(roundtrip(&in_msg, VNETRS_SDN_FROM_SERVER), 45);
	assert_string_equal(out_msg.u.hello.name, "rs1/default");
	set_hello(&in_msg, VNETRS_SDN_FROM_CONSUMER, "sdn-agent");
	assert_int_equal(roundtrip(&in_msg, VNETRS_SDN_FROM_CONSUMER), 27);
	assert_string_equal(out_msg.u.hello.name, "sdn-agent");
	/* Empty and longest names, in UTF-8. */
	set_hello(&in_msg, VNETRS_SDN_FROM_SERVER, "");
	assert_int_equal(roundtrip(&in_msg, VNETRS_SDN_FROM_SERVER), 34);
	memset(name, 'n', VNETRS_SDN_NAME_MAX);
	name[VNETRS_SDN_NAME_MAX] = '\0';
	set_hello(&in_msg, VNETRS_SDN_FROM_CONSUMER, name);
	assert_int_equal(roundtrip(&in_msg, VNETRS_SDN_FROM_CONSUMER),
			 16 + 2 + 255);
	set_hello(&in_msg, VNETRS_SDN_FROM_SERVER, "rs\xc3\xa9/bleu");
	roundtrip(&in_msg, VNETRS_SDN_FROM_SERVER);
	in_msg.u.hello.asn = 4200000000u;
	in_msg.u.hello.epoch = UINT64_MAX;
	roundtrip(&in_msg, VNETRS_SDN_FROM_SERVER);

	memset(&in_msg, 0, sizeof(in_msg));
	in_msg.type = VNETRS_SDN_BEGIN;
	in_msg.seq = 1;
	in_msg.u.begin.snapshot = true;
	in_msg.u.begin.count = 2;
	assert_int_equal(roundtrip(&in_msg, VNETRS_SDN_FROM_SERVER), 20);
	in_msg.seq = UINT64_MAX;
	in_msg.u.begin.snapshot = false;
	in_msg.u.begin.count = UINT32_MAX;
	roundtrip(&in_msg, VNETRS_SDN_FROM_SERVER);

	in_msg.type = VNETRS_SDN_COMMIT;
	in_msg.seq = 7;
	in_msg.u.commit.count = 0;
	assert_int_equal(roundtrip(&in_msg, VNETRS_SDN_FROM_SERVER), 20);

	in_msg.type = VNETRS_SDN_KEEPALIVE;
	in_msg.seq = 0;
	assert_int_equal(roundtrip(&in_msg, VNETRS_SDN_FROM_SERVER), 16);
	in_msg.seq = 42;
	assert_int_equal(roundtrip(&in_msg, VNETRS_SDN_FROM_CONSUMER), 16);
}

static void test_roundtrip_routes(void **state UNUSED)
{
	char nh[64];

	/* Local address spaces: no next hop; own, peered, IPv6. */
	set_route(&in_msg, 1, "10.1.0.0/16", VNETRS_SOURCE_LOCAL, false, 0);
	assert_int_equal(roundtrip(&in_msg, VNETRS_SDN_FROM_SERVER), 30);
	set_route(&in_msg, 1, "10.2.0.0/16", VNETRS_SOURCE_LOCAL, true, 0);
	roundtrip(&in_msg, VNETRS_SDN_FROM_SERVER);
	assert_true(out_msg.u.route.peered);
	set_route(&in_msg, 1, "2001:db8:1::/48", VNETRS_SOURCE_LOCAL, false, 0);
	assert_int_equal(roundtrip(&in_msg, VNETRS_SDN_FROM_SERVER), 42);

	/* The default routes, one next hop each (also across families). */
	set_route(&in_msg, 2, "0.0.0.0/0", VNETRS_SOURCE_NVA, false, 3);
	add_nexthop(&in_msg, "10.1.1.5/32");
	assert_int_equal(roundtrip(&in_msg, VNETRS_SDN_FROM_SERVER), 35);
	assert_int_equal(out_msg.u.route.prefix.len, 0);
	set_route(&in_msg, 2, "::/0", VNETRS_SOURCE_VPN, false, 1);
	add_nexthop(&in_msg, "2001:db8:1::4/128");
	assert_int_equal(roundtrip(&in_msg, VNETRS_SDN_FROM_SERVER),
			 16 + 18 + 8 + 17);
	set_route(&in_msg, 2, "10.250.0.0/16", VNETRS_SOURCE_EXPRESSROUTE,
		  false, UINT32_MAX);
	add_nexthop(&in_msg, "fe80::1/128");
	roundtrip(&in_msg, VNETRS_SDN_FROM_SERVER);
	set_route(&in_msg, 2, "2001:db8:99::1/128", VNETRS_SOURCE_NVA, false,
		  1);
	add_nexthop(&in_msg, "10.1.1.4/32");
	roundtrip(&in_msg, VNETRS_SDN_FROM_SERVER);
	set_route(&in_msg, 2, "192.0.2.7/32", VNETRS_SOURCE_NVA, false, 1);
	add_nexthop(&in_msg, "10.1.1.4/32");
	add_nexthop(&in_msg, "10.1.1.5/32");
	roundtrip(&in_msg, VNETRS_SDN_FROM_SERVER);

	/* 1024 next hops: the largest messages, IPv4 and IPv6. */
	set_route(&in_msg, 3, "10.250.0.0/16", VNETRS_SOURCE_NVA, false, 1);
	for (unsigned int i = 0; i < VNETRS_SDN_MAX_NEXTHOPS; i++) {
		snprintf(nh, sizeof(nh), "10.1.%u.%u/32", i / 256, i % 256);
		add_nexthop(&in_msg, nh);
	}
	assert_int_equal(roundtrip(&in_msg, VNETRS_SDN_FROM_SERVER),
			 16 + 6 + 8 + 1024 * 5);
	set_route(&in_msg, 3, "2001:db8:99::/48", VNETRS_SOURCE_NVA, false, 1);
	for (unsigned int i = 0; i < VNETRS_SDN_MAX_NEXTHOPS; i++) {
		snprintf(nh, sizeof(nh), "2001:db8:1::%x/128", i);
		add_nexthop(&in_msg, nh);
	}
	assert_int_equal(roundtrip(&in_msg, VNETRS_SDN_FROM_SERVER), 17450);

	memset(&in_msg, 0, sizeof(in_msg));
	in_msg.type = VNETRS_SDN_ROUTE_DEL;
	in_msg.seq = 4;
	in_msg.u.del = P("10.250.0.0/16");
	assert_int_equal(roundtrip(&in_msg, VNETRS_SDN_FROM_SERVER), 22);
	in_msg.u.del = P("0.0.0.0/0");
	roundtrip(&in_msg, VNETRS_SDN_FROM_SERVER);
	in_msg.u.del = P("2001:db8:99::/48");
	assert_int_equal(roundtrip(&in_msg, VNETRS_SDN_FROM_SERVER), 34);
	in_msg.u.del = P("2001:db8:99::1/128");
	roundtrip(&in_msg, VNETRS_SDN_FROM_SERVER);
}

/*
 * The example of docs/sdn-protocol.md, written by hand: the route server's
 * HELLO, the consumer's HELLO, a snapshot with two routes (an address
 * space and an ECMP route), a KEEPALIVE.
 */
/* clang-format off */
static const uint8_t ex_hello[] = {
	0x00, 0x00, 0x00, 0x2d, 0x01, 0x01, 0x00, 0x00, /* len 45, HELLO */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* seq 0 */
	0x00, 0x00, 0xff, 0xeb,				/* AS 65515 */
	0x0a, 0x01, 0x00, 0x04,				/* 10.1.0.4 */
	0x00, 0x00, 0x00, 0x00, 0x65, 0x53, 0xf1, 0x00, /* epoch */
	0x00, 0x0b, 'r', 's', '1', '/', 'd', 'e', 'f', 'a', 'u', 'l', 't',
};
static const uint8_t ex_hello_consumer[] = {
	0x00, 0x00, 0x00, 0x1b, 0x01, 0x01, 0x00, 0x00, /* len 27, HELLO */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* seq 0 */
	0x00, 0x09, 's', 'd', 'n', '-', 'a', 'g', 'e', 'n', 't',
};
static const uint8_t ex_snapshot[] = {
	/* BEGIN, SNAPSHOT, seq 1, count 2 */
	0x00, 0x00, 0x00, 0x14, 0x01, 0x02, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x02,
	/* ROUTE_ADD seq 1: 10.1.0.0/16, local, not peered, 0 next hops */
	0x00, 0x00, 0x00, 0x1e, 0x01, 0x03, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x04, 0x10, 0x0a, 0x01, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* ROUTE_ADD seq 1: 10.250.0.0/16, nva, AS path 1, 10.1.1.4 10.1.1.5 */
	0x00, 0x00, 0x00, 0x28, 0x01, 0x03, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x04, 0x10, 0x0a, 0xfa, 0x00, 0x00,
	0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x02,
	0x04, 0x0a, 0x01, 0x01, 0x04,
	0x04, 0x0a, 0x01, 0x01, 0x05,
	/* COMMIT seq 1, count 2 */
	0x00, 0x00, 0x00, 0x14, 0x01, 0x05, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x02,
	/* KEEPALIVE, last committed batch 1 */
	0x00, 0x00, 0x00, 0x10, 0x01, 0x06, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
};
/* clang-format on */

/* The example stream, encoded with the per-type encoders. */
static size_t encode_example(uint8_t *buf, size_t size)
{
	static const uint8_t rid[4] = {10, 1, 0, 4};
	size_t off = 0, n;

	n = vnetrs_sdn_encode_hello_server(buf, size, 65515, rid, 1700000000,
					   "rs1/default");
	assert_int_equal(n, sizeof(ex_hello));
	off += n;
	n = vnetrs_sdn_encode_begin(buf + off, size - off, 1, true, 2);
	assert_int_not_equal(n, 0);
	off += n;
	set_route(&in_msg, 1, "10.1.0.0/16", VNETRS_SOURCE_LOCAL, false, 0);
	n = vnetrs_sdn_encode_route_add(buf + off, size - off, 1,
					&in_msg.u.route);
	assert_int_not_equal(n, 0);
	off += n;
	set_route(&in_msg, 1, "10.250.0.0/16", VNETRS_SOURCE_NVA, false, 1);
	add_nexthop(&in_msg, "10.1.1.4/32");
	add_nexthop(&in_msg, "10.1.1.5/32");
	n = vnetrs_sdn_encode_route_add(buf + off, size - off, 1,
					&in_msg.u.route);
	assert_int_not_equal(n, 0);
	off += n;
	n = vnetrs_sdn_encode_commit(buf + off, size - off, 1, 2);
	assert_int_not_equal(n, 0);
	off += n;
	n = vnetrs_sdn_encode_keepalive(buf + off, size - off, 1);
	assert_int_not_equal(n, 0);
	return off + n;
}

static void test_encode_exact_bytes(void **state UNUSED)
{
	uint8_t buf[512];
	size_t len;

	len = encode_example(buf, sizeof(buf));
	assert_int_equal(len, sizeof(ex_hello) + sizeof(ex_snapshot));
	assert_memory_equal(buf, ex_hello, sizeof(ex_hello));
	assert_memory_equal(buf + sizeof(ex_hello), ex_snapshot,
			    sizeof(ex_snapshot));

	len = vnetrs_sdn_encode_hello_consumer(buf, sizeof(buf), "sdn-agent");
	assert_int_equal(len, sizeof(ex_hello_consumer));
	assert_memory_equal(buf, ex_hello_consumer, len);

	/* Too little room: 0, whichever encoder. */
	assert_int_equal(vnetrs_sdn_encode_keepalive(buf, 15, 1), 0);
	assert_int_equal(vnetrs_sdn_encode_begin(buf, 19, 1, true, 2), 0);
	assert_int_equal(vnetrs_sdn_encode_hello_consumer(buf, 26, "sdn-agent"),
			 0);
	assert_int_equal(vnetrs_sdn_encode_commit(NULL, 0, 1, 2), 0);
}

static void test_encode_refuses_invalid(void **state UNUSED)
{
	static const uint8_t rid[4] = {10, 1, 0, 4};
	char name[VNETRS_SDN_NAME_MAX + 2];
	struct vnetrs_prefix p = P("10.1.0.0/16");

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	assert_int_equal(vnetrs_sdn_encode_hello_server(wbuf, sizeof(wbuf), 1,
							rid, 1, name),
			 0);
	assert_int_equal(
		vnetrs_sdn_encode_hello_consumer(wbuf, sizeof(wbuf), name), 0);
	set_hello(&in_msg, VNETRS_SDN_FROM_SERVER, "rs1");
	in_msg.seq = 1;
	assert_int_equal(vnetrs_sdn_encode(wbuf, sizeof(wbuf), &in_msg), 0);
	in_msg.seq = 0;
	in_msg.u.hello.name_len = VNETRS_SDN_NAME_MAX + 1;
	assert_int_equal(vnetrs_sdn_encode(wbuf, sizeof(wbuf), &in_msg), 0);
	in_msg.type = (enum vnetrs_sdn_type)7;
	assert_int_equal(vnetrs_sdn_encode(wbuf, sizeof(wbuf), &in_msg), 0);

	/* Host bits, bad family, bad length. */
	p.addr[3] = 1;
	assert_int_equal(vnetrs_sdn_encode_route_del(wbuf, sizeof(wbuf), 1, &p),
			 0);
	p = P("10.1.0.0/16");
	p.family = 5;
	assert_int_equal(vnetrs_sdn_encode_route_del(wbuf, sizeof(wbuf), 1, &p),
			 0);
	p = P("10.1.0.0/16");
	p.len = 33;
	assert_int_equal(vnetrs_sdn_encode_route_del(wbuf, sizeof(wbuf), 1, &p),
			 0);

	/* OTHER never goes on the wire; next hops are host prefixes. */
	set_route(&in_msg, 1, "10.250.0.0/16", VNETRS_SOURCE_OTHER, false, 1);
	assert_int_equal(vnetrs_sdn_encode(wbuf, sizeof(wbuf), &in_msg), 0);
	set_route(&in_msg, 1, "10.250.0.0/16", VNETRS_SOURCE_NVA, false, 1);
	add_nexthop(&in_msg, "10.1.1.0/24");
	assert_int_equal(vnetrs_sdn_encode(wbuf, sizeof(wbuf), &in_msg), 0);
	set_route(&in_msg, 1, "10.250.0.0/16", VNETRS_SOURCE_NVA, false, 1);
	add_nexthop(&in_msg, "10.1.1.4/32");
	in_msg.u.route.nexthops[0].family = 0;
	assert_int_equal(vnetrs_sdn_encode(wbuf, sizeof(wbuf), &in_msg), 0);
	in_msg.u.route.nexthops[0] = P("10.1.1.4/32");
	in_msg.u.route.n_nexthops = VNETRS_SDN_MAX_NEXTHOPS + 1;
	assert_int_equal(vnetrs_sdn_encode(wbuf, sizeof(wbuf), &in_msg), 0);
	in_msg.u.route.n_nexthops = 1;
	assert_int_not_equal(vnetrs_sdn_encode(wbuf, sizeof(wbuf), &in_msg), 0);
}

/* Each message alone, cut at every byte: incomplete until the last one. */
static void test_decode_split_every_byte(void **state UNUSED)
{
	static uint8_t stream[512];
	size_t len = encode_example(stream, sizeof(stream));
	size_t off = 0, used;
	char err[256];
	unsigned int n = 0;

	while (off < len) {
		long mlen = vnetrs_sdn_msg_len(stream + off, len - off);

		assert_true(mlen >= VNETRS_SDN_HDR_LEN);
		for (size_t k = 0; k < (size_t)mlen; k++) {
			used = 99;
			assert_int_equal(vnetrs_sdn_decode(stream + off, k,
							   &out_msg, &used, err,
							   sizeof(err)),
					 0);
			assert_int_equal(used, 0);
			assert_int_equal(vnetrs_sdn_msg_len(stream + off, k),
					 k < 4 ? 0 : mlen);
		}
		assert_int_equal(vnetrs_sdn_decode(stream + off, (size_t)mlen,
						   &out_msg, &used, err,
						   sizeof(err)),
				 1);
		assert_int_equal(used, (size_t)mlen);
		off += used;
		n++;
	}
	assert_int_equal(n, 6);

	/* The largest message too. */
	set_route(&in_msg, 3, "2001:db8:99::/48", VNETRS_SOURCE_NVA, false, 1);
	for (unsigned int i = 0; i < VNETRS_SDN_MAX_NEXTHOPS; i++) {
		in_msg.u.route.nexthops[i] = P("2001:db8:1::/128");
		in_msg.u.route.nexthops[i].addr[14] = (uint8_t)(i >> 8);
		in_msg.u.route.nexthops[i].addr[15] = (uint8_t)i;
	}
	in_msg.u.route.n_nexthops = VNETRS_SDN_MAX_NEXTHOPS;
	len = vnetrs_sdn_encode(wbuf, sizeof(wbuf), &in_msg);
	for (size_t k = 0; k < len; k++)
		assert_int_equal(vnetrs_sdn_decode(wbuf, k, &out_msg, &used,
						   err, sizeof(err)),
				 0);
	assert_int_equal(
		vnetrs_sdn_decode(wbuf, len, &out_msg, &used, err, sizeof(err)),
		1);
	assert_msg_equal(&in_msg, &out_msg);
}

/*
 * A reader's loop: bytes arrive in pieces into a buffer; decode every
 * complete message, keep the rest. Returns how many messages were decoded;
 * each one must equal want[i] (when want is given).
 */
struct reader {
	uint8_t buf[2 * VNETRS_SDN_MSG_MAX];
	size_t have;
	struct vnetrs_sdn_rx rx;
	unsigned int decoded;
};

static void reader_feed(struct reader *r, const uint8_t *data, size_t n,
			const struct vnetrs_sdn_msg *want, unsigned int nwant)
{
	char err[256] = "";
	size_t used, off = 0;
	int ret;

	assert_true(r->have + n <= sizeof(r->buf));
	memcpy(r->buf + r->have, data, n);
	r->have += n;
	while ((ret = vnetrs_sdn_decode(r->buf + off, r->have - off, &out_msg,
					&used, err, sizeof(err))) == 1) {
		if (vnetrs_sdn_rx_feed(&r->rx, &out_msg, err, sizeof(err)))
			fail_msg("message %u: %s", r->decoded, err);
		if (want) {
			assert_true(r->decoded < nwant);
			assert_msg_equal(&want[r->decoded], &out_msg);
		}
		r->decoded++;
		off += used;
	}
	if (ret < 0)
		fail_msg("message %u: %s", r->decoded, err);
	memmove(r->buf, r->buf + off, r->have - off);
	r->have -= off;
}

static struct reader rd;

/* The whole example stream cut in two at every byte. */
static void test_decode_stream_two_pieces(void **state UNUSED)
{
	static uint8_t stream[512];
	size_t len = encode_example(stream, sizeof(stream));

	for (size_t cut = 0; cut <= len; cut++) {
		memset(&rd, 0, sizeof(rd));
		vnetrs_sdn_rx_init(&rd.rx);
		reader_feed(&rd, stream, cut, NULL, 0);
		reader_feed(&rd, stream + cut, len - cut, NULL, 0);
		assert_int_equal(rd.decoded, 6);
		assert_int_equal(rd.have, 0);
		assert_true(rd.rx.synced);
		assert_true(rd.rx.committed == 1);
	}
}

/* Many messages back to back: a snapshot, updates, keepalives. */
#define NSTREAM 700
static struct vnetrs_sdn_msg stream_msgs[NSTREAM];
static uint8_t big_stream[NSTREAM * 200];

static void test_decode_long_stream(void **state UNUSED)
{
	static const enum vnetrs_source src[] = {VNETRS_SOURCE_NVA,
						 VNETRS_SOURCE_EXPRESSROUTE,
						 VNETRS_SOURCE_VPN};
	unsigned int n = 0, batch_start = 0, batches = 0;
	uint64_t seq = 10;
	size_t len = 0, piece;
	char text[64];

	memset(stream_msgs, 0, sizeof(stream_msgs));
	set_hello(&stream_msgs[n++], VNETRS_SDN_FROM_SERVER, "rs1/default");
	stream_msgs[n++].type = VNETRS_SDN_KEEPALIVE;
	/* At most 63 messages per batch after the first. */
	while (n < NSTREAM - 64) {
		struct vnetrs_sdn_msg *begin = &stream_msgs[n++];
		unsigned int routes = batches ? (seq % 7) * 10 : 300;
		bool snapshot = batches == 0 || batches == 3;

		begin->type = VNETRS_SDN_BEGIN;
		begin->seq = seq;
		begin->u.begin.snapshot = snapshot;
		begin->u.begin.count = routes;
		batch_start = n;
		for (unsigned int i = 0; i < routes; i++) {
			struct vnetrs_sdn_msg *m = &stream_msgs[n++];

			/* A snapshot has no ROUTE_DEL. */
			if (!snapshot && i % 5 == 4) {
				snprintf(text, sizeof(text), "2001:db8:%x::/48",
					 i);
				m->type = VNETRS_SDN_ROUTE_DEL;
				m->seq = seq;
				m->u.del = P(text);
				continue;
			}
			snprintf(text, sizeof(text), "10.%u.%u.0/24", i % 256,
				 (unsigned int)seq);
			set_route(m, seq, text, src[i % 3], false, i % 4);
			for (unsigned int j = 0; j < i % 9; j++) {
				snprintf(text, sizeof(text), "10.1.%u.%u/32",
					 i % 256, j);
				add_nexthop(m, text);
			}
			if (i % 11 == 0) {
				snprintf(text, sizeof(text),
					 "2001:db8:1::%x/128", i);
				add_nexthop(m, text);
			}
		}
		assert_int_equal(n - batch_start, routes);
		stream_msgs[n].type = VNETRS_SDN_COMMIT;
		stream_msgs[n].seq = seq;
		stream_msgs[n++].u.commit.count = routes;
		stream_msgs[n].type = VNETRS_SDN_KEEPALIVE;
		stream_msgs[n++].seq = seq;
		seq += 1 + seq % 3;
		batches++;
	}
	assert_true(n <= NSTREAM);
	assert_true(batches > 8);

	for (unsigned int i = 0; i < n; i++) {
		size_t l = vnetrs_sdn_encode(big_stream + len,
					     sizeof(big_stream) - len,
					     &stream_msgs[i]);

		assert_int_not_equal(l, 0);
		len += l;
	}

	/* All at once, then in pieces of odd sizes. */
	for (piece = 1; piece <= len; piece = piece * 3 + 4) {
		memset(&rd, 0, sizeof(rd));
		vnetrs_sdn_rx_init(&rd.rx);
		for (size_t off = 0; off < len; off += piece)
			reader_feed(&rd, big_stream + off,
				    off + piece > len ? len - off : piece,
				    stream_msgs, n);
		assert_int_equal(rd.decoded, n);
		assert_int_equal(rd.have, 0);
	}
	memset(&rd, 0, sizeof(rd));
	vnetrs_sdn_rx_init(&rd.rx);
	reader_feed(&rd, big_stream, len, stream_msgs, n);
	assert_int_equal(rd.decoded, n);
	assert_false(rd.rx.in_batch);
	assert_true(rd.rx.committed == stream_msgs[n - 1].seq);
}

/*
 * Validation: every rule has its own words in the reason. A malformed
 * message is refused with its reason, and with no other rule's words.
 */
enum rule {
	R_SHORT_LEN,
	R_LONG_LEN,
	R_VERSION,
	R_TYPE,
	R_TRUNCATED,
	R_TRAILING,
	R_FAMILY,
	R_PREFIX_LEN,
	R_HOST_BITS,
	R_NH_FAMILY,
	R_NEXTHOPS,
	R_SOURCE,
	R_NAME_LEN,
	R_FLAGS,
	R_ROUTE_FLAGS,
	R_HELLO_SEQ,
	R_CONSUMER,
	R_COUNT,
};

static const char *const rule_words[R_COUNT] = {
	[R_SHORT_LEN] = "below the 16-byte header",
	[R_LONG_LEN] = "above the maximum 65536",
	[R_VERSION] = "unsupported protocol version",
	[R_TYPE] = "unknown message type",
	[R_TRUNCATED] = "payload is truncated",
	[R_TRAILING] = "trailing byte",
	[R_FAMILY] = "prefix family",
	[R_PREFIX_LEN] = "prefix length",
	[R_HOST_BITS] = "has host bits set",
	[R_NH_FAMILY] = ": family",
	[R_NEXTHOPS] = "more than the maximum 1024",
	[R_SOURCE] = "route source",
	[R_NAME_LEN] = "name length",
	[R_FLAGS] = "unknown header flags",
	[R_ROUTE_FLAGS] = "unknown route flags",
	[R_HELLO_SEQ] = "HELLO: seq",
	[R_CONSUMER] = "not sent by a consumer",
};

static void refused_dir(const uint8_t *buf, size_t len, enum vnetrs_sdn_dir dir,
			enum rule rule)
{
	char err[256] = "";
	size_t used = 99;
	int ret;

	ret = vnetrs_sdn_decode_dir(buf, len, dir, &out_msg, &used, err,
				    sizeof(err));
	if (ret != -1)
		fail_msg("expected '%s', decode returned %d", rule_words[rule],
			 ret);
	assert_int_equal(used, 0);
	if (!strstr(err, rule_words[rule]))
		fail_msg("error '%s' does not say '%s'", err, rule_words[rule]);
	for (int r = 0; r < R_COUNT; r++)
		if (r != (int)rule && strstr(err, rule_words[r]))
			fail_msg("error '%s' also says '%s'", err,
				 rule_words[r]);
}

static void refused(const uint8_t *buf, size_t len, enum rule rule)
{
	refused_dir(buf, len, VNETRS_SDN_FROM_SERVER, rule);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Make buf hold len bytes after the header (fixing the length). */
static size_t resize(uint8_t *buf, size_t len)
{
	put32(buf, (uint32_t)len);
	return len;
}

static void test_reject_header(void **state UNUSED)
{
	uint8_t m[64];
	size_t len, used;

	len = vnetrs_sdn_encode_keepalive(m, sizeof(m), 0);
	/* Lengths out of range: refused from the first 4 bytes. */
	put32(m, 15);
	refused(m, 4, R_SHORT_LEN);
	refused(m, len, R_SHORT_LEN);
	assert_int_equal(vnetrs_sdn_msg_len(m, 4), -1);
	put32(m, 0);
	refused(m, len, R_SHORT_LEN);
	put32(m, VNETRS_SDN_MSG_MAX + 1);
	refused(m, 4, R_LONG_LEN);
	assert_int_equal(vnetrs_sdn_msg_len(m, 4), -1);
	put32(m, UINT32_MAX);
	refused(m, len, R_LONG_LEN);
	/* The largest length itself is fine: just incomplete. */
	put32(m, VNETRS_SDN_MSG_MAX);
	assert_int_equal(vnetrs_sdn_msg_len(m, 4), VNETRS_SDN_MSG_MAX);
	assert_int_equal(vnetrs_sdn_decode(m, len, &out_msg, &used, NULL, 0),
			 0);

	len = vnetrs_sdn_encode_keepalive(m, sizeof(m), 0);
	m[4] = 0;
	refused(m, len, R_VERSION);
	m[4] = 2;
	refused(m, len, R_VERSION);
	/* The header is judged as soon as it is there. */
	put32(m, 40);
	refused(m, 16, R_VERSION);
	len = vnetrs_sdn_encode_keepalive(m, sizeof(m), 0);
	m[5] = 0;
	refused(m, len, R_TYPE);
	m[5] = 7;
	refused(m, len, R_TYPE);
	m[5] = 0xff;
	refused(m, len, R_TYPE);

	/* Flags: only BEGIN's SNAPSHOT bit is defined. */
	len = vnetrs_sdn_encode_begin(m, sizeof(m), 1, true, 0);
	m[7] = 0x03;
	refused(m, len, R_FLAGS);
	m[7] = 0x01;
	m[6] = 0x80;
	refused(m, len, R_FLAGS);
	len = vnetrs_sdn_encode_keepalive(m, sizeof(m), 0);
	m[7] = 0x01;
	refused(m, len, R_FLAGS);
	len = vnetrs_sdn_encode_commit(m, sizeof(m), 1, 0);
	m[7] = 0x01;
	refused(m, len, R_FLAGS);
	len = vnetrs_sdn_encode_hello_consumer(m, sizeof(m), "a");
	m[6] = 0x01;
	refused(m, len, R_FLAGS);

	/* HELLO's seq is 0. */
	len = vnetrs_sdn_encode_hello_consumer(m, sizeof(m), "a");
	m[15] = 1;
	refused_dir(m, len, VNETRS_SDN_FROM_CONSUMER, R_HELLO_SEQ);

	/* A consumer sends HELLO and KEEPALIVE only. */
	len = vnetrs_sdn_encode_begin(m, sizeof(m), 1, true, 0);
	refused_dir(m, len, VNETRS_SDN_FROM_CONSUMER, R_CONSUMER);
	len = vnetrs_sdn_encode_commit(m, sizeof(m), 1, 0);
	refused_dir(m, len, VNETRS_SDN_FROM_CONSUMER, R_CONSUMER);
	len = vnetrs_sdn_encode_keepalive(m, sizeof(m), 3);
	assert_int_equal(vnetrs_sdn_decode_dir(m, len, VNETRS_SDN_FROM_CONSUMER,
					       &out_msg, &used, NULL, 0),
			 1);
}

static void test_reject_payload_size(void **state UNUSED)
{
	static const uint8_t rid[4] = {10, 1, 0, 4};
	uint8_t m[128];
	size_t len;

	/* Shorter than its fields say. */
	len = vnetrs_sdn_encode_begin(m, sizeof(m), 1, true, 2);
	refused(m, resize(m, len - 1), R_TRUNCATED);
	refused(m, resize(m, 16), R_TRUNCATED);
	len = vnetrs_sdn_encode_commit(m, sizeof(m), 1, 2);
	refused(m, resize(m, len - 3), R_TRUNCATED);
	len = vnetrs_sdn_encode_hello_server(m, sizeof(m), 65515, rid, 1,
					     "rs1/default");
	refused(m, resize(m, len - 1), R_TRUNCATED); /* in the name */
	refused(m, resize(m, 16 + 17), R_TRUNCATED); /* in name_len */
	refused(m, resize(m, 16 + 6), R_TRUNCATED);  /* in router_id */
	len = vnetrs_sdn_encode_hello_consumer(m, sizeof(m), "sdn-agent");
	refused_dir(m, resize(m, len - 4), VNETRS_SDN_FROM_CONSUMER,
		    R_TRUNCATED);
	/* A consumer's HELLO read as the server's: too short. */
	refused(m, len, R_TRUNCATED);

	set_route(&in_msg, 1, "10.250.0.0/16", VNETRS_SOURCE_NVA, false, 1);
	add_nexthop(&in_msg, "10.1.1.4/32");
	add_nexthop(&in_msg, "2001:db8:1::4/128");
	len = vnetrs_sdn_encode(m, sizeof(m), &in_msg);
	/* Cut anywhere inside the payload. */
	for (size_t l = 16; l < len; l++)
		refused(m, resize(m, l), R_TRUNCATED);
	resize(m, len);
	m[16 + 13] = 3; /* n_nexthops 3, 2 there */
	refused(m, len, R_TRUNCATED);

	len = vnetrs_sdn_encode_route_del(m, sizeof(m), 1,
					  &in_msg.u.route.prefix);
	for (size_t l = 16; l < len; l++)
		refused(m, resize(m, l), R_TRUNCATED);
	/* An IPv4 family with an IPv6 prefix's 16 bytes. */
	in_msg.u.del = P("2001:db8::/32");
	len = vnetrs_sdn_encode_route_del(m, sizeof(m), 1, &in_msg.u.del);
	m[16] = 4;
	refused(m, len, R_TRAILING);
	m[16] = 6;
	refused(m, resize(m, len - 12), R_TRUNCATED);

	/* Longer than its fields say. */
	memset(m, 0, sizeof(m));
	len = vnetrs_sdn_encode_keepalive(m, sizeof(m), 0);
	refused(m, resize(m, len + 1), R_TRAILING);
	len = vnetrs_sdn_encode_begin(m, sizeof(m), 1, true, 2);
	refused(m, resize(m, len + 4), R_TRAILING);
	len = vnetrs_sdn_encode_commit(m, sizeof(m), 1, 2);
	refused(m, resize(m, len + 1), R_TRAILING);
	len = vnetrs_sdn_encode_hello_server(m, sizeof(m), 65515, rid, 1,
					     "rs1/default");
	refused(m, resize(m, len + 2), R_TRAILING);
	/* The server's HELLO read as a consumer's: bytes after the name. */
	len = vnetrs_sdn_encode_hello_server(m, sizeof(m), 0, rid, 1, "");
	refused_dir(m, len, VNETRS_SDN_FROM_CONSUMER, R_TRAILING);
	set_route(&in_msg, 1, "10.250.0.0/16", VNETRS_SOURCE_NVA, false, 1);
	add_nexthop(&in_msg, "10.1.1.4/32");
	len = vnetrs_sdn_encode(m, sizeof(m), &in_msg);
	refused(m, resize(m, len + 5), R_TRAILING);
}

static void test_reject_fields(void **state UNUSED)
{
	static const uint8_t rid[4] = {10, 1, 0, 4};
	uint8_t m[128];
	size_t len, used;

	/* ROUTE_DEL 10.250.0.0/16: family at 16, length at 17. */
	in_msg.u.del = P("10.250.0.0/16");
	len = vnetrs_sdn_encode_route_del(m, sizeof(m), 1, &in_msg.u.del);
	m[16] = 0;
	refused(m, len, R_FAMILY);
	m[16] = 5;
	refused(m, len, R_FAMILY);
	m[16] = 4;
	m[17] = 33;
	refused(m, len, R_PREFIX_LEN);
	m[17] = 8;
	refused(m, len, R_HOST_BITS); /* 10.250.0.0/8 */
	m[17] = 32;
	assert_int_equal(vnetrs_sdn_decode(m, len, &out_msg, &used, NULL, 0),
			 1);
	in_msg.u.del = P("0.0.0.0/0");
	len = vnetrs_sdn_encode_route_del(m, sizeof(m), 1, &in_msg.u.del);
	m[21] = 1;
	refused(m, len, R_HOST_BITS);

	in_msg.u.del = P("2001:db8:99::/48");
	len = vnetrs_sdn_encode_route_del(m, sizeof(m), 1, &in_msg.u.del);
	m[17] = 129;
	refused(m, len, R_PREFIX_LEN);
	m[17] = 64;
	assert_int_equal(vnetrs_sdn_decode(m, len, &out_msg, &used, NULL, 0),
			 1);
	m[17] = 48;
	m[33] = 0x80;
	refused(m, len, R_HOST_BITS);
	m[17] = 128;
	assert_int_equal(vnetrs_sdn_decode(m, len, &out_msg, &used, NULL, 0),
			 1);

	/*
	 * ROUTE_ADD 10.250.0.0/16: prefix at 16..21, source 22, flags 23,
	 * as_path_len 24..27, n_nexthops 28..29, next hop 1 at 30.
	 */
	set_route(&in_msg, 1, "10.250.0.0/16", VNETRS_SOURCE_NVA, false, 1);
	add_nexthop(&in_msg, "10.1.1.4/32");
	add_nexthop(&in_msg, "10.1.1.5/32");
	len = vnetrs_sdn_encode(m, sizeof(m), &in_msg);
	m[16] = 7;
	refused(m, len, R_FAMILY);
	m[16] = 4;
	m[22] = VNETRS_SOURCE_OTHER;
	refused(m, len, R_SOURCE);
	m[22] = 0xff;
	refused(m, len, R_SOURCE);
	m[22] = VNETRS_SOURCE_VPN;
	m[23] = 0x02;
	refused(m, len, R_ROUTE_FLAGS);
	m[23] = 0x81;
	refused(m, len, R_ROUTE_FLAGS);
	m[23] = 0x01;
	assert_int_equal(vnetrs_sdn_decode(m, len, &out_msg, &used, NULL, 0),
			 1);
	assert_true(out_msg.u.route.peered);
	m[30] = 0;
	refused(m, len, R_NH_FAMILY);
	m[30] = 4;
	m[35] = 5; /* next hop 2 */
	refused(m, len, R_NH_FAMILY);
	m[35] = 6; /* an IPv6 next hop needs 12 more bytes */
	refused(m, len, R_TRUNCATED);
	m[35] = 4;
	m[28] = 0x04; /* 1025 */
	m[29] = 0x01;
	refused(m, len, R_NEXTHOPS);
	m[28] = 0xff;
	m[29] = 0xff;
	refused(m, len, R_NEXTHOPS);

	/* The name: at most 255 bytes. */
	len = vnetrs_sdn_encode_hello_server(m, sizeof(m), 65515, rid, 1,
					     "rs1/default");
	m[32] = 0x01; /* name_len 256 + 11 */
	refused(m, len, R_NAME_LEN);
	len = vnetrs_sdn_encode_hello_consumer(m, sizeof(m), "sdn-agent");
	m[16] = 0x01;
	m[17] = 0x00;
	refused_dir(m, len, VNETRS_SDN_FROM_CONSUMER, R_NAME_LEN);
}

/* The consumer's checker of the order of messages. */
static struct vnetrs_sdn_msg rxm;

static int feed(struct vnetrs_sdn_rx *rx, enum vnetrs_sdn_type type,
		uint64_t seq, bool snapshot, uint32_t count, char *err)
{
	memset(&rxm, 0, sizeof(rxm));
	rxm.type = type;
	rxm.seq = seq;
	if (type == VNETRS_SDN_BEGIN) {
		rxm.u.begin.snapshot = snapshot;
		rxm.u.begin.count = count;
	}
	if (type == VNETRS_SDN_COMMIT)
		rxm.u.commit.count = count;
	err[0] = '\0';
	return vnetrs_sdn_rx_feed(rx, &rxm, err, 256);
}

#define OK(type, seq, snap, count)                                             \
	do {                                                                   \
		if (feed(&rx, VNETRS_SDN_##type, seq, snap, count, err))       \
			fail_msg("%s", err);                                   \
	} while (0)

#define BAD(type, seq, snap, count, words)                                     \
	do {                                                                   \
		assert_int_equal(                                              \
			feed(&rx, VNETRS_SDN_##type, seq, snap, count, err),   \
			-1);                                                   \
		if (!strstr(err, words))                                       \
			fail_msg("error '%s' does not say '%s'", err, words);  \
		assert_true(rx.failed);                                        \
	} while (0)

static void start(struct vnetrs_sdn_rx *rx)
{
	char err[256];

	vnetrs_sdn_rx_init(rx);
	assert_int_equal(feed(rx, VNETRS_SDN_HELLO, 0, false, 0, err), 0);
}

static void test_rx_valid_flow(void **state UNUSED)
{
	struct vnetrs_sdn_rx rx;
	char err[256];

	start(&rx);
	assert_true(rx.hello);
	assert_false(rx.synced);
	OK(KEEPALIVE, 0, false, 0);
	OK(BEGIN, 1, true, 2);
	assert_true(rx.in_batch && rx.snapshot);
	OK(ROUTE_ADD, 1, false, 0);
	OK(KEEPALIVE, 0, false, 0); /* a KEEPALIVE inside a batch */
	OK(ROUTE_ADD, 1, false, 0);
	OK(COMMIT, 1, false, 2);
	assert_true(rx.synced);
	assert_false(rx.in_batch);
	assert_true(rx.committed == 1);
	OK(KEEPALIVE, 1, false, 0);
	/* An empty batch; seq may jump; a later snapshot. */
	OK(BEGIN, 2, false, 0);
	OK(COMMIT, 2, false, 0);
	OK(BEGIN, 9, false, 1);
	OK(ROUTE_DEL, 9, false, 0);
	OK(COMMIT, 9, false, 1);
	OK(BEGIN, 10, true, 1);
	OK(ROUTE_ADD, 10, false, 0);
	OK(COMMIT, 10, false, 1);
	OK(KEEPALIVE, 10, false, 0);
	assert_true(rx.committed == 10);
	assert_false(rx.failed);
}

static void test_rx_errors(void **state UNUSED)
{
	struct vnetrs_sdn_rx rx;
	char err[256];

	vnetrs_sdn_rx_init(&rx);
	BAD(KEEPALIVE, 0, false, 0, "first message is KEEPALIVE, not HELLO");
	/* After an error, everything fails. */
	BAD(HELLO, 0, false, 0, "already failed");
	vnetrs_sdn_rx_init(&rx);
	BAD(BEGIN, 1, true, 0, "not HELLO");

	start(&rx);
	BAD(HELLO, 0, false, 0, "HELLO received twice");

	start(&rx);
	BAD(BEGIN, 1, false, 0, "first batch 1 is not a snapshot");
	start(&rx);
	BAD(BEGIN, 0, true, 0, "BEGIN seq 0 does not increase");

	start(&rx);
	BAD(ROUTE_ADD, 1, false, 0, "ROUTE_ADD seq 1 outside a batch");
	start(&rx);
	BAD(ROUTE_DEL, 1, false, 0, "ROUTE_DEL seq 1 outside a batch");
	start(&rx);
	BAD(COMMIT, 1, false, 0, "COMMIT seq 1 outside a batch");
	start(&rx);
	OK(BEGIN, 1, true, 0);
	OK(COMMIT, 1, false, 0);
	BAD(ROUTE_ADD, 1, false, 0, "outside a batch");

	start(&rx);
	OK(BEGIN, 1, true, 1);
	BAD(BEGIN, 2, false, 0, "BEGIN seq 2 inside batch 1");

	start(&rx);
	OK(BEGIN, 5, true, 0);
	OK(COMMIT, 5, false, 0);
	BAD(BEGIN, 5, false, 0, "BEGIN seq 5 does not increase (last batch 5)");
	start(&rx);
	OK(BEGIN, 5, true, 0);
	OK(COMMIT, 5, false, 0);
	BAD(BEGIN, 4, true, 0, "does not increase");

	start(&rx);
	OK(BEGIN, 3, true, 2);
	BAD(ROUTE_ADD, 4, false, 0, "ROUTE_ADD seq 4 inside batch 3");
	start(&rx);
	OK(BEGIN, 3, true, 2);
	OK(ROUTE_ADD, 3, false, 0);
	BAD(ROUTE_ADD, 2, false, 0, "ROUTE_ADD seq 2 inside batch 3");
	start(&rx);
	OK(BEGIN, 3, true, 0);
	OK(COMMIT, 3, false, 0);
	OK(BEGIN, 4, false, 2);
	OK(ROUTE_DEL, 4, false, 0);
	BAD(ROUTE_DEL, 5, false, 0, "ROUTE_DEL seq 5 inside batch 4");
	start(&rx);
	OK(BEGIN, 3, true, 2);
	OK(ROUTE_ADD, 3, false, 0);
	BAD(ROUTE_DEL, 3, false, 0, "ROUTE_DEL in snapshot batch 3");
	start(&rx);
	OK(BEGIN, 3, true, 0);
	BAD(COMMIT, 4, false, 0, "COMMIT seq 4 inside batch 3");

	start(&rx);
	OK(BEGIN, 3, true, 1);
	OK(ROUTE_ADD, 3, false, 0);
	BAD(COMMIT, 3, false, 2, "COMMIT count 2 differs from BEGIN count 1");
	start(&rx);
	OK(BEGIN, 3, true, 2);
	OK(ROUTE_ADD, 3, false, 0);
	BAD(COMMIT, 3, false, 2, "committed with 1 routes");
	start(&rx);
	OK(BEGIN, 3, true, 1);
	OK(ROUTE_ADD, 3, false, 0);
	BAD(ROUTE_ADD, 3, false, 0, "more routes than the 1 of its BEGIN");

	start(&rx);
	BAD(KEEPALIVE, 1, false, 0, "KEEPALIVE seq 1 is not the last");
	start(&rx);
	OK(BEGIN, 3, true, 0);
	BAD(KEEPALIVE, 3, false, 0, "last committed batch 0");
}

static void test_type2str(void **state UNUSED)
{
	assert_string_equal(vnetrs_sdn_type2str(VNETRS_SDN_HELLO), "HELLO");
	assert_string_equal(vnetrs_sdn_type2str(VNETRS_SDN_ROUTE_DEL),
			    "ROUTE_DEL");
	assert_string_equal(vnetrs_sdn_type2str(VNETRS_SDN_KEEPALIVE),
			    "KEEPALIVE");
	assert_string_equal(vnetrs_sdn_type2str(0), "unknown");
	assert_string_equal(vnetrs_sdn_type2str(7), "unknown");
}

/* The DRAINING flag: on the route server's HELLO and KEEPALIVE only, in
 * bytes and decoded; refused from a consumer and on other types. */
static void test_draining_flag(void **state UNUSED)
{
	const uint8_t rid[4] = {10, 1, 0, 4};
	uint8_t m[128], m2[128];
	size_t len, len2, used;
	char err[256];

	len = vnetrs_sdn_encode_keepalive_state(m, sizeof(m), 7, true);
	assert_int_equal(len, 16);
	assert_int_equal(m[6], 0x00);
	assert_int_equal(m[7], 0x02);
	assert_int_equal(
		vnetrs_sdn_decode(m, len, &out_msg, &used, err, sizeof(err)),
		1);
	assert_int_equal(out_msg.type, VNETRS_SDN_KEEPALIVE);
	assert_true(out_msg.draining);
	assert_int_equal(out_msg.seq, 7);
	/* Re-encoded from the decoded message: the same bytes. */
	assert_int_equal(vnetrs_sdn_encode(m2, sizeof(m2), &out_msg), len);
	assert_memory_equal(m, m2, len);
	/* Without it: the version 1 bytes of before. */
	len2 = vnetrs_sdn_encode_keepalive_state(m2, sizeof(m2), 7, false);
	assert_int_equal(m2[7], 0x00);
	assert_int_equal(vnetrs_sdn_decode(m2, len2, &out_msg, &used, NULL, 0),
			 1);
	assert_false(out_msg.draining);
	/* A consumer does not drain: its KEEPALIVE with the flag is refused. */
	assert_int_equal(vnetrs_sdn_decode_dir(m, len, VNETRS_SDN_FROM_CONSUMER,
					       &out_msg, &used, err,
					       sizeof(err)),
			 -1);
	assert_string_equal(err, "KEEPALIVE: unknown header flags 0x0002");

	len = vnetrs_sdn_encode_hello_server_state(m, sizeof(m), 65515, rid, 1,
						   "rs1/default", true);
	assert_int_equal(len, 45);
	assert_int_equal(m[7], 0x02);
	assert_int_equal(
		vnetrs_sdn_decode(m, len, &out_msg, &used, err, sizeof(err)),
		1);
	assert_true(out_msg.draining);
	assert_string_equal(out_msg.u.hello.name, "rs1/default");
	assert_int_equal(vnetrs_sdn_encode(m2, sizeof(m2), &out_msg), len);
	assert_memory_equal(m, m2, len);
	len = vnetrs_sdn_encode_hello_server_state(m, sizeof(m), 65515, rid, 1,
						   "rs1/default", false);
	assert_int_equal(m[7], 0x00);
	assert_int_equal(vnetrs_sdn_decode(m, len, &out_msg, &used, NULL, 0),
			 1);
	assert_false(out_msg.draining);

	/* Not on a consumer's HELLO, not on other types. */
	set_hello(&in_msg, VNETRS_SDN_FROM_CONSUMER, "agent");
	in_msg.draining = true;
	assert_int_equal(vnetrs_sdn_encode(m, sizeof(m), &in_msg), 0);
	len = vnetrs_sdn_encode_hello_consumer(m, sizeof(m), "agent");
	m[7] = 0x02;
	assert_int_equal(vnetrs_sdn_decode_dir(m, len, VNETRS_SDN_FROM_CONSUMER,
					       &out_msg, &used, err,
					       sizeof(err)),
			 -1);
	assert_string_equal(err, "HELLO: unknown header flags 0x0002");
	len = vnetrs_sdn_encode_commit(m, sizeof(m), 1, 0);
	m[7] = 0x02;
	assert_int_equal(
		vnetrs_sdn_decode(m, len, &out_msg, &used, err, sizeof(err)),
		-1);
	assert_string_equal(err, "COMMIT: unknown header flags 0x0002");
	len = vnetrs_sdn_encode_begin(m, sizeof(m), 1, true, 0);
	m[7] = 0x03;
	assert_int_equal(
		vnetrs_sdn_decode(m, len, &out_msg, &used, err, sizeof(err)),
		-1);
	assert_string_equal(err, "BEGIN: unknown header flags 0x0002");
	/* Other unknown bits on a KEEPALIVE still are refused. */
	len = vnetrs_sdn_encode_keepalive_state(m, sizeof(m), 0, true);
	m[7] = 0x06;
	assert_int_equal(
		vnetrs_sdn_decode(m, len, &out_msg, &used, err, sizeof(err)),
		-1);
	assert_string_equal(err, "KEEPALIVE: unknown header flags 0x0004");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_hello_batch),
		cmocka_unit_test(test_roundtrip_routes),
		cmocka_unit_test(test_encode_exact_bytes),
		cmocka_unit_test(test_encode_refuses_invalid),
		cmocka_unit_test(test_decode_split_every_byte),
		cmocka_unit_test(test_decode_stream_two_pieces),
		cmocka_unit_test(test_decode_long_stream),
		cmocka_unit_test(test_reject_header),
		cmocka_unit_test(test_reject_payload_size),
		cmocka_unit_test(test_reject_fields),
		cmocka_unit_test(test_rx_valid_flow),
		cmocka_unit_test(test_rx_errors),
		cmocka_unit_test(test_type2str),
		cmocka_unit_test(test_draining_flag),
	};

	return cmocka_run_group_tests_name("vnetrs SDN wire protocol", tests,
					   NULL, NULL);
}
