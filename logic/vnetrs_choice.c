// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: route choice among the paths of one prefix (see vnetrs_choice.h).
 */
#include "vnetrs_choice.h"

/* Routing preference compares two classes of sources. */
static bool is_expressroute(const struct vnetrs_candidate *c)
{
	return c->role == VNETRS_ROLE_EXPRESSROUTE;
}

const char *vnetrs_role2str(enum vnetrs_role role)
{
	switch (role) {
	case VNETRS_ROLE_NVA:
		return "nva";
	case VNETRS_ROLE_EXPRESSROUTE:
		return "expressroute";
	case VNETRS_ROLE_VPN:
		return "vpn";
	}
	return "unknown";
}

const char *vnetrs_preference2str(enum vnetrs_preference pref)
{
	switch (pref) {
	case VNETRS_PREF_EXPRESSROUTE:
		return "expressroute";
	case VNETRS_PREF_VPN_NVA:
		return "vpn-nva";
	case VNETRS_PREF_AS_PATH:
		return "as-path";
	}
	return "unknown";
}

/* Shortest AS path among the ExpressRoute paths (er) or the others. */
static uint32_t shortest(const struct vnetrs_candidate *c, size_t n, bool er)
{
	uint32_t best = UINT32_MAX;

	for (size_t i = 0; i < n; i++)
		if (is_expressroute(&c[i]) == er && c[i].as_path_len < best)
			best = c[i].as_path_len;
	return best;
}

size_t vnetrs_choose(struct vnetrs_candidate *c, size_t n,
		     enum vnetrs_preference pref)
{
	uint32_t er = shortest(c, n, true), other = shortest(c, n, false);
	bool win_er = false; /* the winning class: ExpressRoute or the others */
	uint32_t best;
	size_t count = 0;

	switch (pref) {
	case VNETRS_PREF_EXPRESSROUTE:
		win_er = er != UINT32_MAX;
		break;
	case VNETRS_PREF_VPN_NVA:
		win_er = other == UINT32_MAX;
		break;
	case VNETRS_PREF_AS_PATH:
		/* Shortest whatever the source; a tie goes to ExpressRoute. */
		win_er = er <= other;
		break;
	}
	best = win_er ? er : other;

	for (size_t i = 0; i < n; i++) {
		c[i].selected = is_expressroute(&c[i]) == win_er &&
				c[i].as_path_len == best;
		count += c[i].selected;
	}
	return count;
}
