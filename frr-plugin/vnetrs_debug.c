// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: the module's debug categories (vnetrs_debug.h), with libfrr's
 * struct debug: a terminal mode and a configuration mode per category.
 * The configuration mode is written into the running-config through the
 * northbound's debug node on FRR 8.4 (the only debug node of bgpd a module
 * can add to; "debug all" switches every category with bgpd's own), through
 * bgpd's debug config hook on FRR 10 (below).
 */
#include <zebra.h>

#include "lib/command.h"
#include "lib/debug.h"
#include "lib/hook.h"
#include "lib/northbound.h"
#include "lib/vty.h"

#include "vnetrs_debug.h"

static struct debug dbg_sdn = {.desc = "VNet route server SDN"};
static struct debug dbg_policy = {.desc = "VNet route server policy"};
static struct debug dbg_effective = {.desc = "VNet route server effective"};

static const struct {
	const char *name;
	struct debug *dbg;
	uint32_t bit;
} categories[] = {
	{"sdn", &dbg_sdn, VNETRS_DBG_sdn},
	{"policy", &dbg_policy, VNETRS_DBG_policy},
	{"effective", &dbg_effective, VNETRS_DBG_effective},
};

uint32_t vnetrs_debug_on_mask;

/* After a change of modes: which categories are on now. */
static void mask_update(void)
{
	uint32_t mask = 0;

	for (size_t i = 0; i < array_size(categories); i++)
		if (DEBUG_MODE_CHECK(categories[i].dbg, DEBUG_MODE_ALL))
			mask |= categories[i].bit;
	vnetrs_debug_on_mask = mask;
}

bool vnetrs_debug_set(struct vty *vty, const char *name, bool on)
{
	uint32_t mode = DEBUG_NODE2MODE(vty->node);
	bool found = false;

	for (size_t i = 0; i < array_size(categories); i++) {
		if (name && strcmp(name, categories[i].name))
			continue;
		DEBUG_MODE_SET(categories[i].dbg, mode, on);
		found = true;
	}
	mask_update();
	return found;
}

bool vnetrs_debug_any(void)
{
	return vnetrs_debug_on_mask != 0;
}

void vnetrs_debug_show(struct vty *vty)
{
	vty_out(vty, "VNet route server debugging status:\n");
	for (size_t i = 0; i < array_size(categories); i++) {
		struct debug *dbg = categories[i].dbg;

		if (!DEBUG_MODE_CHECK(dbg, DEBUG_MODE_ALL))
			continue;
		vty_out(vty, "  %s debugging is on (%s)\n", dbg->desc,
			DEBUG_MODE_CHECK(dbg, DEBUG_MODE_CONF)
				? "configuration"
				: "terminal");
	}
}

/* Categories on in the configuration, as configuration lines. */
static int debug_config_write(struct vty *vty)
{
	size_t on = 0;

	for (size_t i = 0; i < array_size(categories); i++)
		if (DEBUG_MODE_CHECK(categories[i].dbg, DEBUG_MODE_CONF))
			on++;
	if (on == array_size(categories)) {
		vty_out(vty, "debug bgp vnet-route-server\n");
		return 0;
	}
	for (size_t i = 0; i < array_size(categories); i++)
		if (DEBUG_MODE_CHECK(categories[i].dbg, DEBUG_MODE_CONF))
			vty_out(vty, "debug bgp vnet-route-server %s\n",
				categories[i].name);
	return 0;
}

#if VNETRS_FRR_MAJOR >= 10
/*
 * FRR 10 has no northbound debug-config hook; bgpd writes its debug lines
 * with a hook of its own, called with running = false for "show debugging
 * bgp" (ours has its own command). lib's "debug all" only reaches the
 * struct debug put in its list, with one config line each; like bgpd's own
 * categories, ours stay out of it, so that the running-config keeps the
 * one-line form when all are on (docs/frr-versions.md).
 * Declared here: bgpd/bgp_debug.h does not mix with lib/debug.h.
 */
DECLARE_HOOK(bgp_hook_config_write_debug, (struct vty *vty, bool running),
	     (vty, running));

static int debug_config_write_bgp(struct vty *vty, bool running)
{
	return running ? debug_config_write(vty) : 0;
}

void vnetrs_debug_init(void)
{
	hook_register(bgp_hook_config_write_debug, debug_config_write_bgp);
}
#else
/* "debug all" and "no debug all". */
static void debug_set_all(uint32_t flags, bool set)
{
	for (size_t i = 0; i < array_size(categories); i++)
		DEBUG_MODE_SET(categories[i].dbg, flags, set);
	mask_update();
}

static struct debug_callbacks debug_cbs = {.debug_set_all = debug_set_all};

void vnetrs_debug_init(void)
{
	debug_init(&debug_cbs);
	hook_register(nb_client_debug_config_write, debug_config_write);
}
#endif
