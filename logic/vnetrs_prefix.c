// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: IPv4/IPv6 prefixes (see vnetrs_prefix.h).
 */
#include "vnetrs_prefix.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned int family_bits(uint8_t family)
{
	return family == VNETRS_AF_INET ? 32 : 128;
}

/* Zero every bit after the first len bits. */
static void mask_addr(uint8_t *addr, unsigned int len, unsigned int bits)
{
	for (unsigned int i = 0; i < bits / 8; i++) {
		if (len >= (i + 1) * 8)
			continue;
		if (len <= i * 8)
			addr[i] = 0;
		else
			addr[i] &= (uint8_t)(0xff << (8 - (len - i * 8)));
	}
}

int vnetrs_prefix_parse(const char *str, struct vnetrs_prefix *p, char *err,
			size_t errlen)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash;
	char *end;
	unsigned long len;
	size_t alen;
	struct vnetrs_prefix masked;
	char nbuf[VNETRS_PREFIX_STRLEN];

	memset(p, 0, sizeof(*p));
	slash = str ? strchr(str, '/') : NULL;
	if (!slash || slash == str) {
		snprintf(err, errlen,
			 "'%s' is not a prefix: expected A.B.C.D/L or X:X::X/L",
			 str ? str : "");
		return -1;
	}
	alen = (size_t)(slash - str);
	if (alen >= sizeof(addr)) {
		snprintf(err, errlen, "'%s' is not a valid address", str);
		return -1;
	}
	memcpy(addr, str, alen);
	addr[alen] = '\0';

	if (inet_pton(AF_INET, addr, p->addr) == 1)
		p->family = VNETRS_AF_INET;
	else if (inet_pton(AF_INET6, addr, p->addr) == 1)
		p->family = VNETRS_AF_INET6;
	else {
		snprintf(err, errlen, "'%s' is not a valid IPv4 or IPv6 address",
			 addr);
		return -1;
	}

	if (slash[1] < '0' || slash[1] > '9') {
		snprintf(err, errlen, "'%s' has no prefix length", str);
		return -1;
	}
	len = strtoul(slash + 1, &end, 10);
	if (*end != '\0' || len > family_bits(p->family)) {
		snprintf(err, errlen,
			 "'%s': prefix length must be 0 to %u for IPv%u", str,
			 family_bits(p->family), p->family);
		return -1;
	}
	p->len = (uint8_t)len;

	masked = *p;
	mask_addr(masked.addr, masked.len, family_bits(masked.family));
	if (memcmp(masked.addr, p->addr, sizeof(p->addr)) != 0) {
		snprintf(err, errlen,
			 "'%s' has host bits set: did you mean %s?", str,
			 vnetrs_prefix2str(&masked, nbuf, sizeof(nbuf)));
		return -1;
	}
	return 0;
}

/* The one address-to-text of the module, the wire code and the agent. */
const char *vnetrs_addr2str(const struct vnetrs_prefix *host, char *buf,
			    size_t len)
{
	if (!len)
		return buf;
	if (!host->family) {
		buf[0] = '\0';
		return buf;
	}
	if (!inet_ntop(host->family == VNETRS_AF_INET ? AF_INET : AF_INET6,
		       host->addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

const char *vnetrs_prefix2str(const struct vnetrs_prefix *p, char *buf,
			      size_t len)
{
	char abuf[INET6_ADDRSTRLEN];

	vnetrs_addr2str(p, abuf, sizeof(abuf));
	snprintf(buf, len, "%s/%u", abuf, p->len);
	return buf;
}

bool vnetrs_prefix_covers(const struct vnetrs_prefix *a,
			  const struct vnetrs_prefix *b)
{
	unsigned int full, rest;

	if (a->family != b->family || a->len > b->len)
		return false;
	full = a->len / 8;
	rest = a->len % 8;
	if (memcmp(a->addr, b->addr, full) != 0)
		return false;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff << (8 - rest));

		if ((a->addr[full] & mask) != (b->addr[full] & mask))
			return false;
	}
	return true;
}

bool vnetrs_prefix_overlaps(const struct vnetrs_prefix *a,
			    const struct vnetrs_prefix *b)
{
	return vnetrs_prefix_covers(a, b) || vnetrs_prefix_covers(b, a);
}

/*
 * The 16 address bytes as two 64-bit words in network order: compared so,
 * the order is memcmp's, at a fraction of its cost. Prefixes are compared
 * on every table lookup, sort and merge of the effective table and of the
 * agent, so this is on the hot path.
 */
static inline uint64_t addr_word(const uint8_t *p)
{
	uint64_t w;

	memcpy(&w, p, sizeof(w));
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	w = __builtin_bswap64(w);
#endif
	return w;
}

bool vnetrs_prefix_equal(const struct vnetrs_prefix *a,
			 const struct vnetrs_prefix *b)
{
	return a->family == b->family && a->len == b->len &&
	       addr_word(a->addr) == addr_word(b->addr) &&
	       addr_word(a->addr + 8) == addr_word(b->addr + 8);
}

/* A 64-bit finalizer (multiply and xor-shift, as MurmurHash3's fmix64):
 * each output bit depends on every input bit. */
static inline uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

uint32_t vnetrs_prefix_hash(const struct vnetrs_prefix *p)
{
	uint64_t h = ((uint64_t)p->family << 8 | p->len) * 0x9e3779b97f4a7c15ULL;

	h = mix64(h ^ addr_word(p->addr));
	/* An IPv4 prefix has nothing in the second word. */
	if (p->family == VNETRS_AF_INET6)
		h = mix64(h ^ addr_word(p->addr + 8));
	return (uint32_t)(h >> 32);
}

int vnetrs_prefix_cmp(const struct vnetrs_prefix *a,
		      const struct vnetrs_prefix *b)
{
	uint64_t x, y;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	x = addr_word(a->addr);
	y = addr_word(b->addr);
	if (x == y) {
		x = addr_word(a->addr + 8);
		y = addr_word(b->addr + 8);
	}
	if (x != y)
		return x < y ? -1 : 1;
	return (int)a->len - (int)b->len;
}


struct reserved_range {
	const char *prefix;
	const char *why;
};

static const struct reserved_range reserved_ranges[] = {
	{"0.0.0.0/8", "'this network' (RFC 1122)"},
	{"127.0.0.0/8", "loopback"},
	{"169.254.0.0/16", "link-local"},
	{"168.63.129.16/32", "Azure's platform address (DNS, health probes)"},
	{"224.0.0.0/4", "multicast"},
	{"240.0.0.0/4", "reserved (RFC 1112) and broadcast"},
	{"::/128", "the unspecified address"},
	{"::1/128", "loopback"},
	{"::ffff:0.0.0.0/96", "IPv4-mapped"},
	{"fe80::/10", "link-local"},
	{"ff00::/8", "multicast"},
};

const char *vnetrs_prefix_reserved(const struct vnetrs_prefix *p,
				   struct vnetrs_prefix *range)
{
	struct vnetrs_prefix r;
	char err[128];

	for (size_t i = 0; i < sizeof(reserved_ranges) / sizeof(reserved_ranges[0]);
	     i++) {
		if (vnetrs_prefix_parse(reserved_ranges[i].prefix, &r, err,
					sizeof(err)) < 0)
			continue; /* not reached: the table is well-formed */
		if (vnetrs_prefix_overlaps(p, &r)) {
			if (range)
				*range = r;
			return reserved_ranges[i].why;
		}
	}
	return NULL;
}
