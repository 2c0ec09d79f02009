// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: IPv4/IPv6 prefixes for the route server's decisions.
 *
 * Plain C with no FRR types, so the rules built on it (address-space
 * overlap, acceptance of routes) are unit-tested without a bgpd.
 */
#ifndef VNETRS_PREFIX_H
#define VNETRS_PREFIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VNETRS_AF_INET 4
#define VNETRS_AF_INET6 6

struct vnetrs_prefix {
	uint8_t family; /* VNETRS_AF_INET or VNETRS_AF_INET6 */
	uint8_t len;	/* prefix length in bits */
	uint8_t addr[16];
};

/* Longest text form: "ffff:...:ffff/128" plus NUL. */
#define VNETRS_PREFIX_STRLEN 44

/*
 * Parse "A.B.C.D/L" or "X:X::X/L" (the length is mandatory).
 * Returns 0, or -1 with a message for the user in err: malformed text, a
 * length out of range, or host bits set (the message names the network).
 */
int vnetrs_prefix_parse(const char *str, struct vnetrs_prefix *p, char *err,
			size_t errlen);

/* Canonical text form: lower-case, compressed IPv6, "0.0.0.0/0". */
const char *vnetrs_prefix2str(const struct vnetrs_prefix *p, char *buf,
			      size_t len);

/* The address of a host prefix alone ("10.1.1.4", "2001:db8::4"); "" for
 * family 0 (no address). */
const char *vnetrs_addr2str(const struct vnetrs_prefix *host, char *buf,
			    size_t len);

/* Does a cover b (same family, a no longer than b, same leading bits)? */
bool vnetrs_prefix_covers(const struct vnetrs_prefix *a,
			  const struct vnetrs_prefix *b);

/* Do a and b share any address (one covers the other)? */
bool vnetrs_prefix_overlaps(const struct vnetrs_prefix *a,
			    const struct vnetrs_prefix *b);

/* A total order: family, then address, then length. */
int vnetrs_prefix_cmp(const struct vnetrs_prefix *a,
		      const struct vnetrs_prefix *b);

bool vnetrs_prefix_equal(const struct vnetrs_prefix *a,
			 const struct vnetrs_prefix *b);

/*
 * A hash of the prefix, for hash tables keyed by it: equal prefixes hash
 * equally, and every bit depends on the whole prefix (FRR's typesafe
 * hashes take their bucket from the top bits).
 */
uint32_t vnetrs_prefix_hash(const struct vnetrs_prefix *p);

/*
 * Addresses a VNet cannot use (as Azure refuses them in an address space):
 * "this network", loopback, link-local, multicast, the reserved class E
 * with the broadcast address, Azure's platform address 168.63.129.16; for
 * IPv6 the unspecified and loopback addresses, IPv4-mapped addresses,
 * link-local and multicast. When p overlaps one of them, returns what the
 * range is for and sets *range to it; otherwise NULL. The default route is
 * not special-cased here: it overlaps everything.
 */
const char *vnetrs_prefix_reserved(const struct vnetrs_prefix *p,
				   struct vnetrs_prefix *range);

#endif /* VNETRS_PREFIX_H */
