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

size_t vnetrs_choose(struct vnetrs_candidate *c, size_t n,
		     enum vnetrs_preference pref)
{
	bool have_er = false, have_other = false, only_er = false;
	bool any_class = false;
	uint32_t best = UINT32_MAX;
	size_t count = 0;

	for (size_t i = 0; i < n; i++) {
		c[i].selected = false;
		if (is_expressroute(&c[i]))
			have_er = true;
		else
			have_other = true;
	}

	/* Which class of sources may win. */
	switch (pref) {
	case VNETRS_PREF_EXPRESSROUTE:
		only_er = have_er;
		break;
	case VNETRS_PREF_VPN_NVA:
		only_er = !have_other;
		break;
	case VNETRS_PREF_AS_PATH:
		any_class = true;
		break;
	}

	for (size_t i = 0; i < n; i++)
		if ((any_class || is_expressroute(&c[i]) == only_er) &&
		    c[i].as_path_len < best)
			best = c[i].as_path_len;

	/* Under as-path, a tie between the classes goes to ExpressRoute. */
	if (any_class) {
		bool er_at_best = false;

		for (size_t i = 0; i < n; i++)
			if (is_expressroute(&c[i]) && c[i].as_path_len == best)
				er_at_best = true;
		any_class = false;
		only_er = er_at_best;
	}

	for (size_t i = 0; i < n; i++)
		if (is_expressroute(&c[i]) == only_er &&
		    c[i].as_path_len == best) {
			c[i].selected = true;
			count++;
		}
	return count;
}
