// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: route choice among the paths of one prefix (see vnetrs_choice.h).
 */
#include "vnetrs_choice.h"

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

/*
 * The winning class (ExpressRoute or the others) and AS-path length, from
 * the shortest AS path of each class (UINT32_MAX when a class is absent).
 */
static uint32_t winner(uint32_t er, uint32_t other,
		       enum vnetrs_preference pref, bool *win_er)
{
	switch (pref) {
	case VNETRS_PREF_EXPRESSROUTE:
		*win_er = er != UINT32_MAX;
		break;
	case VNETRS_PREF_VPN_NVA:
		*win_er = other == UINT32_MAX;
		break;
	case VNETRS_PREF_AS_PATH:
		/* Shortest whatever the source; a tie goes to ExpressRoute. */
		*win_er = er <= other;
		break;
	}
	return *win_er ? er : other;
}

static bool preferred_class(enum vnetrs_preference pref, enum vnetrs_role role)
{
	switch (pref) {
	case VNETRS_PREF_EXPRESSROUTE:
		return role == VNETRS_ROLE_EXPRESSROUTE;
	case VNETRS_PREF_VPN_NVA:
		return role != VNETRS_ROLE_EXPRESSROUTE;
	case VNETRS_PREF_AS_PATH:
		break;
	}
	return false;
}

uint32_t vnetrs_local_pref(enum vnetrs_preference pref, enum vnetrs_role role,
			   uint32_t as_path_len)
{
	uint32_t hops = as_path_len < VNETRS_LOCAL_PREF_HOPS_MAX
				? as_path_len
				: VNETRS_LOCAL_PREF_HOPS_MAX;
	uint32_t lp = VNETRS_LOCAL_PREF_BASE - 2 * hops;

	if (preferred_class(pref, role))
		lp += VNETRS_LOCAL_PREF_CLASS;
	/* Mirrors winner(): a tie of lengths goes to ExpressRoute. */
	if (pref == VNETRS_PREF_AS_PATH && role == VNETRS_ROLE_EXPRESSROUTE)
		lp++;
	return lp;
}

static void shortest_update(enum vnetrs_role role, uint32_t len,
			    uint32_t *er, uint32_t *other)
{
	uint32_t *best = role == VNETRS_ROLE_EXPRESSROUTE ? er : other;

	if (len < *best)
		*best = len;
}

int vnetrs_path_cmp(const struct vnetrs_path *a, const struct vnetrs_path *b)
{
	int c = vnetrs_prefix_cmp(&a->nexthop, &b->nexthop);

	if (c)
		return c;
	c = vnetrs_prefix_cmp(&a->peer, &b->peer);
	if (c)
		return c;
	if (a->role != b->role)
		return a->role < b->role ? -1 : 1;
	if (a->as_path_len != b->as_path_len)
		return a->as_path_len < b->as_path_len ? -1 : 1;
	return 0;
}

bool vnetrs_paths_new_nexthop(const struct vnetrs_path *p, size_t i)
{
	return i == 0 || !vnetrs_prefix_equal(&p[i - 1].nexthop, &p[i].nexthop);
}

size_t vnetrs_paths_nexthops(const struct vnetrs_path *p, size_t n)
{
	size_t count = 0;

	for (size_t i = 0; i < n; i++)
		count += vnetrs_paths_new_nexthop(p, i);
	return count;
}

/* Candidates are few (one per peer): an insertion sort is enough. */
static void sort_paths(struct vnetrs_path *p, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct vnetrs_path tmp = p[i];
		size_t j = i;

		while (j > 0 && vnetrs_path_cmp(&p[j - 1], &tmp) > 0) {
			p[j] = p[j - 1];
			j--;
		}
		p[j] = tmp;
	}
}

size_t vnetrs_select_paths(struct vnetrs_path *p, size_t n,
			   enum vnetrs_preference pref)
{
	uint32_t er = UINT32_MAX, other = UINT32_MAX, best;
	bool win_er = false;
	size_t chosen = 0;

	for (size_t i = 0; i < n; i++)
		shortest_update(p[i].role, p[i].as_path_len, &er, &other);
	best = winner(er, other, pref, &win_er);

	/* Move the chosen paths to the front, keeping the others' order. */
	for (size_t i = 0; i < n; i++) {
		bool is_er = p[i].role == VNETRS_ROLE_EXPRESSROUTE;

		if (is_er == win_er && p[i].as_path_len == best) {
			struct vnetrs_path tmp = p[i];

			for (size_t j = i; j > chosen; j--)
				p[j] = p[j - 1];
			p[chosen++] = tmp;
		}
	}
	sort_paths(p, chosen);
	return chosen;
}
