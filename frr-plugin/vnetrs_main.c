// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: VNet route server module for bgpd ("bgpd -M vnetrs").
 *
 * Module entry point: registers the hooks into bgpd and, once the
 * northbound is up (frr_late_init), loads the YANG model and the CLI.
 */
#include <zebra.h>

#include "lib/defaults.h"
#include "lib/hook.h"
#include "lib/libfrr.h"
#include "lib/log.h"
#include "lib/module.h"
#include "lib/version.h"

#include "bgpd/bgpd.h"

#include "vnetrs.h"
#include "bgpd/vnetrs_cli.h"
#include "vnetrs_debug.h"
#include "vnetrs_effective.h"
#include "vnetrs_frrver.h"
#include "vnetrs_guard.h"
#include "vnetrs_instance.h"
#include "vnetrs_nb.h"
#include "vnetrs_policy.h"
#include "vnetrs_sdn.h"
#include "vnetrs_stream.h"

bool vnetrs_exiting;

static int vnetrs_late_init(vnetrs_event_loop *master)
{
	zlog_info("vnetrs %s loaded (built against FRR %s)", VNETRS_VERSION,
		  FRR_VERSION);
	if (vnetrs_yang_load(&vnetrs_yang_info) < 0)
		return -1;
	vnetrs_policy_init();
	vnetrs_vty_init();
	vnetrs_show_init();
	/* bgpd's own commands are installed by now: guard them. */
	vnetrs_guard_init();
	return 0;
}

static int vnetrs_bgp_inst_config_write(struct bgp *bgp, struct vty *vty)
{
	return vnetrs_config_write(bgp, vty);
}

static int vnetrs_bgp_inst_delete(struct bgp *bgp)
{
	const char *vrf = vnetrs_bgp_vrf_name(bgp);

	/* At shutdown everything goes; nothing is left to keep consistent. */
	if (bm->terminating || !vnetrs_instance_find(vrf))
		return 0;
	vnetrs_instance_purge(vrf);
	return 0;
}

/* bgpd exits: free what the module holds (bgpd's own state goes its way). */
static int vnetrs_fini(void)
{
	struct vnetrs_instance *inst;

	/* bgpd has already cleared its master struct (bm) by now. */
	vnetrs_exiting = true;
	vnetrs_guard_fini();
	while ((inst = vnetrs_instances_first(&vnetrs_instances)))
		vnetrs_instance_free(inst);
	vnetrs_effective_cleanup();
	vnetrs_sdn_cleanup();
	vnetrs_stream_cleanup();
	vnetrs_nb_state_cleanup();
	vnetrs_policy_drain_forget(true);
	return 0;
}

/*
 * bgpd does no ABI check when it loads a module, and a build for another
 * FRR would misread bgpd's structures: the front (vnetrs_front.c) compares
 * versions before it loads this file, and this file again, for bgpd loading
 * it directly ("-M vnetrs-VERSION"), before it registers anything.
 */
static int vnetrs_module_init(void)
{
	/*
	 * Exit here, as bgpd does when a module fails: returning an error
	 * makes libfrr dlclose() us first, and its exit then walks the
	 * memory types our constructors registered, now unmapped.
	 */
	if (!vnetrs_frr_version_ok(VNETRS_FRR_BUILT_FOR))
		exit(1);
	hook_register(frr_late_init, vnetrs_late_init);
	hook_register(bgp_inst_config_write, vnetrs_bgp_inst_config_write);
	hook_register(bgp_inst_delete, vnetrs_bgp_inst_delete);
	vnetrs_effective_init();
	vnetrs_stream_init();
	vnetrs_debug_init();
	hook_register(frr_fini, vnetrs_fini);
	return 0;
}

FRR_MODULE_SETUP(.name = "bgpd_vnetrs", .version = VNETRS_VERSION,
		 .description =
			 "VNet route server, built for FRR " VNETRS_FRR_BUILT_FOR,
		 .init = vnetrs_module_init,
);
