// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: the exchange matrix (see vnetrs_exchange.h).
 */
#include "vnetrs_exchange.h"

enum vnetrs_source vnetrs_role2source(enum vnetrs_role role)
{
	switch (role) {
	case VNETRS_ROLE_NVA:
		return VNETRS_SOURCE_NVA;
	case VNETRS_ROLE_EXPRESSROUTE:
		return VNETRS_SOURCE_EXPRESSROUTE;
	case VNETRS_ROLE_VPN:
		return VNETRS_SOURCE_VPN;
	}
	return VNETRS_SOURCE_OTHER;
}

const char *vnetrs_source2str(enum vnetrs_source src)
{
	switch (src) {
	case VNETRS_SOURCE_LOCAL:
		return "local";
	case VNETRS_SOURCE_NVA:
		return "nva";
	case VNETRS_SOURCE_EXPRESSROUTE:
		return "expressroute";
	case VNETRS_SOURCE_VPN:
		return "vpn";
	case VNETRS_SOURCE_OTHER:
		return "other";
	}
	return "unknown";
}

bool vnetrs_exchange(enum vnetrs_source src, enum vnetrs_role to,
		     bool branch_to_branch)
{
	switch (src) {
	case VNETRS_SOURCE_LOCAL:
		return true;
	case VNETRS_SOURCE_OTHER:
		/* The route server relays its own peers' routes only. */
		return false;
	case VNETRS_SOURCE_NVA:
		return to == VNETRS_ROLE_NVA || branch_to_branch;
	case VNETRS_SOURCE_EXPRESSROUTE:
	case VNETRS_SOURCE_VPN:
		/* A gateway's instances learn the same routes themselves:
		 * never echo them between instances of one kind. */
		if (vnetrs_role2source(to) == src)
			return false;
		return branch_to_branch;
	}
	return false;
}
