// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: which ASNs a route-server peer may use (plain C, unit-tested).
 */
#ifndef VNETRS_ASN_H
#define VNETRS_ASN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Check a peer's ASN. local_asn is the route server's own AS (0 if not
 * known); ebgp_only refuses it too (NVAs peer over eBGP).
 * Returns true if usable, else false with a message for the user in err.
 */
bool vnetrs_asn_check(uint32_t asn, uint32_t local_asn, bool ebgp_only,
		      char *err, size_t errlen);

/* Why asn is reserved (e.g. "used by Azure"), or NULL if it is not. */
const char *vnetrs_asn_reserved_reason(uint32_t asn);

#endif /* VNETRS_ASN_H */
