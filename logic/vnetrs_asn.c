// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: reserved ASNs (see vnetrs_asn.h).
 */
#include "vnetrs_asn.h"

#include <stdio.h>

struct asn_range {
	uint32_t first, last;
	const char *why;
};

/* Azure Route Server refuses the same list; the RFC ranges follow IANA. */
static const struct asn_range reserved[] = {
	{0, 0, "reserved (RFC 7607)"},
	{8074, 8075, "reserved by Azure (Microsoft)"},
	{12076, 12076, "reserved by Azure (Microsoft)"},
	{23456, 23456, "AS_TRANS, reserved for 4-byte AS transition (RFC 6793)"},
	{64496, 64511, "reserved for documentation (RFC 5398)"},
	{65517, 65520, "reserved by Azure"},
	{65535, 65535, "reserved (RFC 7300)"},
	{65536, 65551, "reserved for documentation (RFC 5398)"},
	{4294967295u, 4294967295u, "reserved (RFC 7300)"},
};

const char *vnetrs_asn_reserved_reason(uint32_t asn)
{
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (asn >= reserved[i].first && asn <= reserved[i].last)
			return reserved[i].why;
	return NULL;
}

bool vnetrs_asn_check(uint32_t asn, uint32_t local_asn, bool ebgp_only,
		      char *err, size_t errlen)
{
	const char *why = vnetrs_asn_reserved_reason(asn);

	if (why) {
		snprintf(err, errlen, "AS %u is %s and cannot be used by a peer",
			 asn, why);
		return false;
	}
	if (ebgp_only && local_asn && asn == local_asn) {
		snprintf(err, errlen,
			 "AS %u is the route server's own AS: an NVA must peer over eBGP with a different AS",
			 asn);
		return false;
	}
	return true;
}
