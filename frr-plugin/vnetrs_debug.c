// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: the module's debug categories (vnetrs_debug.h), with libfrr's
 * struct debug: a terminal mode and a configuration mode per category.
 * The configuration mode is written into the running-config through the
 * northbound's debug node (the only debug node of bgpd a module can add
 * to); "debug all" switches every category with bgpd's own.
 */
#include <zebra.h>

#include "lib/command.h"
#include "lib/debug.h"
#include "lib/hook.h"
#include "lib/northbound.h"
#include "lib/vty.h"

#include "vnetrs_debug.h"
#if VNETRS_FRR_MAJOR >= 10
#include "lib/libfrr.h"
#include "vnetrs_compat_event.h"
#endif

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
 * FRR 10: libfrr keeps a list of struct debug and writes each one's .conf
 * line itself; "debug all" sets them without telling us, so the mask is
 * refreshed only by our own commands (see docs/frr-versions.md).
 */
static int debug_late_init(vnetrs_event_loop *loop)
{
	static char conf[array_size(categories)][64];

	for (size_t i = 0; i < array_size(categories); i++) {
		snprintf(conf[i], sizeof(conf[i]),
			 "debug bgp vnet-route-server %s", categories[i].name);
		categories[i].dbg->conf = conf[i];
		debug_install(categories[i].dbg);
	}
	return 0;
}

/* libfrr sets up its debug list after loading modules: install later. */
void vnetrs_debug_init(void)
{
	hook_register(frr_late_init, debug_late_init);
	(void)debug_config_write;
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
