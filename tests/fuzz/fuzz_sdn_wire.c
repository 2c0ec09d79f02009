// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: the SDN wire decoder and the consumer's order checker
 * (logic/vnetrs_sdn_wire.c) over an arbitrary byte stream.
 *
 * The input is read as a stream, message after message, as a consumer
 * reads the route server (with the order checker) and as the route server
 * reads a consumer. Invariants, any of which aborts:
 *  - decode returns 1, 0 or -1; on -1 a reason is given and nothing used;
 *  - on 1, 16 <= used <= bytes left and used is the declared length; the
 *    same bytes less one are incomplete (0), not malformed;
 *  - on 0, the declared length is beyond the bytes left;
 *  - a decoded message re-encodes to exactly the bytes it came from;
 *  - the order checker's state stays consistent, and stays failed.
 * A custom mutator also mutates one message at a time, keeping its length
 * field right, and grows lists with their counts, so that changes inside
 * a message reach its payload's rules.
 *
 * Built with -DSDN_WIRE_CORPUS_MAIN (no libFuzzer), a small program:
 *   fuzz_sdn_wire --make-corpus DIR   write seed inputs (valid streams)
 *   fuzz_sdn_wire FILE...             run files through the target
 * tests/fuzz/run.sh builds both and runs the fuzzer.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "logic/vnetrs_sdn_wire.h"

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: invariant broken: %s\n",       \
				__FILE__, __LINE__, #cond);                    \
			abort();                                               \
		}                                                              \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Messages are ~18 KiB: static, not on the stack. */
static struct vnetrs_sdn_msg msg, msg2;
static uint8_t reenc[VNETRS_SDN_MSG_MAX];

static void check_rx(const struct vnetrs_sdn_rx *rx,
		     const struct vnetrs_sdn_msg *m)
{
	CHECK(rx->hello);
	if (rx->in_batch) {
		CHECK(rx->routes <= rx->count);
		CHECK(rx->batch_seq > rx->committed);
	}
	if (m->type == VNETRS_SDN_COMMIT) {
		CHECK(!rx->in_batch);
		CHECK(rx->committed == m->seq);
		CHECK(rx->synced);
	}
	if (m->type == VNETRS_SDN_BEGIN)
		CHECK(rx->in_batch && rx->batch_seq == m->seq);
	if (m->type == VNETRS_SDN_KEEPALIVE)
		CHECK(m->seq == rx->committed);
}

static void run(const uint8_t *data, size_t size, enum vnetrs_sdn_dir dir,
		bool check_order)
{
	struct vnetrs_sdn_rx rx;
	char err[256];
	size_t off = 0;

	vnetrs_sdn_rx_init(&rx);
	while (off < size) {
		size_t left = size - off, used = 7, used2 = 7, n;
		long mlen = vnetrs_sdn_msg_len(data + off, left);
		int ret;

		err[0] = '\0';
		ret = vnetrs_sdn_decode_dir(data + off, left, dir, &msg, &used,
					    err, sizeof(err));
		CHECK(ret >= -1 && ret <= 1);
		if (ret < 0) {
			CHECK(used == 0);
			CHECK(err[0] != '\0');
			CHECK(memchr(err, '\0', sizeof(err)) != NULL);
			return;
		}
		if (ret == 0) {
			CHECK(used == 0);
			CHECK(mlen >= 0);
			CHECK(mlen == 0 || (size_t)mlen > left ||
			      left < VNETRS_SDN_HDR_LEN);
			return;
		}
		CHECK(used >= VNETRS_SDN_HDR_LEN && used <= left);
		CHECK(mlen == (long)used);
		CHECK(vnetrs_sdn_decode_dir(data + off, used - 1, dir, &msg2,
					    &used2, NULL, 0) == 0);
		CHECK(used2 == 0);

		n = vnetrs_sdn_encode(reenc, sizeof(reenc), &msg);
		CHECK(n == used);
		CHECK(memcmp(reenc, data + off, used) == 0);

		if (check_order) {
			bool failed = rx.failed;

			err[0] = '\0';
			if (vnetrs_sdn_rx_feed(&rx, &msg, err, sizeof(err))) {
				CHECK(rx.failed && err[0] != '\0');
			} else {
				CHECK(!failed && !rx.failed);
				check_rx(&rx, &msg);
			}
		}
		off += used;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run(data, size, VNETRS_SDN_FROM_SERVER, true);
	run(data, size, VNETRS_SDN_FROM_CONSUMER, false);
	return 0;
}

#ifndef SDN_WIRE_CORPUS_MAIN
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
			       unsigned int seed);

static uint8_t scratch[VNETRS_SDN_MSG_MAX];

/*
 * One more element with its count, as a buggy sender would: a copy of the
 * last next hop of a ROUTE_ADD and n_nexthops + 1, or a copy of the last
 * byte of a route server's HELLO and name_len + 1. The lengths and counts
 * must agree to reach the limits (1024 next hops, 255 bytes of name), which
 * byte mutations alone seldom achieve. Returns the new length, or 0.
 */
static size_t grow(uint8_t *m, size_t len, size_t room)
{
	size_t count_at, unit;
	unsigned int count;

	if (len < VNETRS_SDN_HDR_LEN + 2)
		return 0;
	switch (m[5]) {
	case VNETRS_SDN_ROUTE_ADD:
		/* prefix (2 + 4 or 16), source, flags, as_path_len */
		count_at = VNETRS_SDN_HDR_LEN + 2 + (m[16] == 6 ? 16 : 4) + 6;
		unit = (len >= 17 && m[len - 17] == 6) ? 17 : 5;
		break;
	case VNETRS_SDN_HELLO:
		count_at = VNETRS_SDN_HDR_LEN + 16; /* after asn, id, epoch */
		unit = 1;
		break;
	default:
		return 0;
	}
	if (count_at + 2 > len || len + unit > room)
		return 0;
	memcpy(m + len, m + len - unit, unit);
	count = ((unsigned int)m[count_at] << 8 | m[count_at + 1]) + 1;
	m[count_at] = (uint8_t)(count >> 8);
	m[count_at + 1] = (uint8_t)count;
	return len + unit;
}

static void put32(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/*
 * A third of the time, libFuzzer's mutations of the whole input (lengths,
 * boundaries). Otherwise, of one complete message: its bytes after the
 * length field are mutated alone (or grown by one element) and its length
 * is set to the new size, so that bytes inserted into or cut from a
 * message reach its payload's rules instead of "incomplete".
 */
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
			       unsigned int seed)
{
	size_t off = 0, n = 0, pick, len = 0, room, newlen = 0;
	long mlen;

	if (seed % 3 == 0)
		return LLVMFuzzerMutate(data, size, max_size);
	while ((mlen = vnetrs_sdn_msg_len(data + off, size - off)) > 0 &&
	       (size_t)mlen <= size - off) {
		off += (size_t)mlen;
		n++;
	}
	if (n == 0)
		return LLVMFuzzerMutate(data, size, max_size);
	pick = (seed >> 4) % n;
	for (off = 0;; off += len) {
		len = (size_t)vnetrs_sdn_msg_len(data + off, size - off);
		if (pick-- == 0)
			break;
	}

	/* Room for the message: what the rest of the input leaves. */
	room = max_size - (size - len);
	if (room > sizeof(scratch))
		room = sizeof(scratch);
	memcpy(scratch, data + off, len);
	if ((seed >> 24) % 4 == 0)
		newlen = grow(scratch, len, room);
	if (!newlen)
		newlen = 4 + LLVMFuzzerMutate(scratch + 4, len - 4, room - 4);
	put32(scratch, newlen);
	memmove(data + off + newlen, data + off + len, size - off - len);
	memcpy(data + off, scratch, newlen);
	return size - len + newlen;
}
#endif

#ifdef SDN_WIRE_CORPUS_MAIN

static uint8_t seed[1 << 16];
static size_t seed_len;
static struct vnetrs_sdn_route route;

static void add(size_t n)
{
	CHECK(n > 0);
	seed_len += n;
}

#define SPACE (seed + seed_len), (sizeof(seed) - seed_len)

static struct vnetrs_prefix v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d,
			       uint8_t len)
{
	struct vnetrs_prefix p;

	memset(&p, 0, sizeof(p));
	p.family = VNETRS_AF_INET;
	p.len = len;
	p.addr[0] = a;
	p.addr[1] = b;
	p.addr[2] = c;
	p.addr[3] = d;
	return p;
}

/* 2001:db8:<g2>::<last>/len */
static struct vnetrs_prefix v6(uint16_t g2, uint16_t last, uint8_t len)
{
	struct vnetrs_prefix p;

	memset(&p, 0, sizeof(p));
	p.family = VNETRS_AF_INET6;
	p.len = len;
	p.addr[0] = 0x20;
	p.addr[1] = 0x01;
	p.addr[2] = 0x0d;
	p.addr[3] = 0xb8;
	p.addr[4] = (uint8_t)(g2 >> 8);
	p.addr[5] = (uint8_t)g2;
	p.addr[14] = (uint8_t)(last >> 8);
	p.addr[15] = (uint8_t)last;
	return p;
}

static void set_route(struct vnetrs_prefix prefix, enum vnetrs_source src,
		      bool peered, uint32_t as_path_len)
{
	route.prefix = prefix;
	route.source = src;
	route.peered = peered;
	route.as_path_len = as_path_len;
	route.n_nexthops = 0;
}

static void add_hello(void)
{
	static const uint8_t rid[4] = {10, 1, 0, 4};

	add(vnetrs_sdn_encode_hello_server(SPACE, 65515, rid, 1700000000,
					   "rs1/default"));
}

/* The example of docs/sdn-protocol.md, then an update batch. */
static void seed_session(void)
{
	struct vnetrs_prefix del;

	add_hello();
	add(vnetrs_sdn_encode_begin(SPACE, 1, true, 3));
	set_route(v4(10, 1, 0, 0, 16), VNETRS_SOURCE_LOCAL, false, 0);
	add(vnetrs_sdn_encode_route_add(SPACE, 1, &route));
	set_route(v4(10, 2, 0, 0, 16), VNETRS_SOURCE_LOCAL, true, 0);
	add(vnetrs_sdn_encode_route_add(SPACE, 1, &route));
	set_route(v4(10, 250, 0, 0, 16), VNETRS_SOURCE_NVA, false, 1);
	route.nexthops[route.n_nexthops++] = v4(10, 1, 1, 4, 32);
	route.nexthops[route.n_nexthops++] = v4(10, 1, 1, 5, 32);
	add(vnetrs_sdn_encode_route_add(SPACE, 1, &route));
	add(vnetrs_sdn_encode_commit(SPACE, 1, 3));
	add(vnetrs_sdn_encode_keepalive(SPACE, 1));
	add(vnetrs_sdn_encode_begin(SPACE, 2, false, 3));
	set_route(v6(0x99, 0, 48), VNETRS_SOURCE_VPN, false, 2);
	route.nexthops[route.n_nexthops++] = v6(1, 4, 128);
	add(vnetrs_sdn_encode_route_add(SPACE, 2, &route));
	set_route(v4(0, 0, 0, 0, 0), VNETRS_SOURCE_EXPRESSROUTE, false, 3);
	route.nexthops[route.n_nexthops++] = v4(10, 1, 254, 4, 32);
	route.nexthops[route.n_nexthops++] = v6(1, 0x14, 128);
	add(vnetrs_sdn_encode_route_add(SPACE, 2, &route));
	del = v4(10, 250, 0, 0, 16);
	add(vnetrs_sdn_encode_route_del(SPACE, 2, &del));
	add(vnetrs_sdn_encode_commit(SPACE, 2, 3));
	add(vnetrs_sdn_encode_keepalive(SPACE, 2));
}

/* A draining route server (maintenance): its HELLO and KEEPALIVEs carry
 * DRAINING until the drain ends. */
static void seed_draining(void)
{
	static const uint8_t rid[4] = {10, 1, 0, 5};

	add(vnetrs_sdn_encode_hello_server_state(SPACE, 65515, rid, 7,
						 "rs2/default", true));
	add(vnetrs_sdn_encode_keepalive_state(SPACE, 0, true));
	add(vnetrs_sdn_encode_begin(SPACE, 1, true, 1));
	set_route(v4(10, 1, 0, 0, 16), VNETRS_SOURCE_LOCAL, false, 0);
	add(vnetrs_sdn_encode_route_add(SPACE, 1, &route));
	add(vnetrs_sdn_encode_keepalive_state(SPACE, 0, true));
	add(vnetrs_sdn_encode_commit(SPACE, 1, 1));
	add(vnetrs_sdn_encode_keepalive_state(SPACE, 1, false));
}

static void seed_consumer(void)
{
	add(vnetrs_sdn_encode_hello_consumer(SPACE, "sdn-agent"));
	add(vnetrs_sdn_encode_keepalive(SPACE, 0));
	add(vnetrs_sdn_encode_keepalive(SPACE, 1));
}

/* A snapshot of one route with 1024 IPv4 next hops. */
static void seed_wide_ecmp(void)
{
	add_hello();
	add(vnetrs_sdn_encode_begin(SPACE, 7, true, 1));
	set_route(v4(10, 250, 0, 0, 16), VNETRS_SOURCE_NVA, false, 1);
	for (unsigned int i = 0; i < VNETRS_SDN_MAX_NEXTHOPS; i++)
		route.nexthops[route.n_nexthops++] =
			v4(10, 1, (uint8_t)(i >> 8), (uint8_t)i, 32);
	add(vnetrs_sdn_encode_route_add(SPACE, 7, &route));
	add(vnetrs_sdn_encode_commit(SPACE, 7, 1));
}

/* One message of each type, alone. */
static void seed_one(unsigned int which)
{
	struct vnetrs_prefix del;

	switch (which) {
	case 0:
		add_hello();
		break;
	case 1:
		add(vnetrs_sdn_encode_begin(SPACE, 1, true, 0));
		break;
	case 2:
		set_route(v6(0x99, 0, 64), VNETRS_SOURCE_NVA, false, 1);
		route.nexthops[route.n_nexthops++] = v6(1, 4, 128);
		route.nexthops[route.n_nexthops++] = v4(10, 1, 1, 4, 32);
		add(vnetrs_sdn_encode_route_add(SPACE, 1, &route));
		break;
	case 3:
		del = v6(0x99, 1, 128);
		add(vnetrs_sdn_encode_route_del(SPACE, 1, &del));
		break;
	case 4:
		add(vnetrs_sdn_encode_commit(SPACE, 1, 0));
		break;
	default:
		add(vnetrs_sdn_encode_keepalive(SPACE, 0));
		break;
	}
}

static int write_seed(const char *dir, const char *name)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(seed, 1, seed_len, f) != seed_len || fclose(f)) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	/* Every seed is valid: it must pass the target's invariants. */
	LLVMFuzzerTestOneInput(seed, seed_len);
	seed_len = 0;
	return 0;
}

static int make_corpus(const char *dir)
{
	static const char *const one[] = {
		"hello",     "begin",  "route-add",
		"route-del", "commit", "keepalive",
	};
	char name[64];
	int ret = 0;

	if (mkdir(dir, 0755) && errno != EEXIST) {
		fprintf(stderr, "%s: %s\n", dir, strerror(errno));
		return 1;
	}
	seed_session();
	ret |= write_seed(dir, "session");
	seed_consumer();
	ret |= write_seed(dir, "consumer");
	seed_wide_ecmp();
	ret |= write_seed(dir, "wide-ecmp");
	seed_draining();
	ret |= write_seed(dir, "draining");
	for (unsigned int i = 0; i < 6; i++) {
		seed_one(i);
		snprintf(name, sizeof(name), "one-%s", one[i]);
		ret |= write_seed(dir, name);
	}
	return ret ? 1 : 0;
}

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	n = fread(seed, 1, sizeof(seed), f);
	fclose(f);
	LLVMFuzzerTestOneInput(seed, n);
	return 0;
}

int main(int argc, char **argv)
{
	int ret = 0;

	if (argc == 3 && strcmp(argv[1], "--make-corpus") == 0)
		return make_corpus(argv[2]);
	if (argc < 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: %s --make-corpus DIR | %s FILE...\n",
			argv[0], argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++)
		if (run_file(argv[i]))
			ret = 1;
	return ret;
}

#endif /* SDN_WIRE_CORPUS_MAIN */
