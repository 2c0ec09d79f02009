// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: show commands ("show bgp vnet-route-server ...").
 *
 * JSON keys are lower-case and dash-separated; prefixes are always
 * "A.B.C.D/L" or "X:X::X/L" strings; session states use FRR's names.
 */
#include <zebra.h>

#include "lib/command.h"
#include "lib/json.h"
#include "lib/vty.h"

#include "bgpd/bgpd.h"

#include "../../logic/vnetrs_prefix.h"
#include "../vnetrs.h"

#ifndef VTYSH_EXTRACT_PL
#include "vnetrs_show_clippy.c"
#endif

#define SHOW_VNETRS_STR                                                        \
	SHOW_STR BGP_STR "VNet route server\n"

static json_object *aspaces_json(struct vnetrs_instance *inst)
{
	json_object *arr = json_object_new_array();
	struct vnetrs_aspace *as;
	char buf[VNETRS_PREFIX_STRLEN];

	frr_each (vnetrs_aspaces, &inst->aspaces, as) {
		json_object *o = json_object_new_object();

		json_object_string_add(o, "prefix",
				       vnetrs_prefix2str(&as->prefix, buf,
							 sizeof(buf)));
		json_object_boolean_add(o, "peered", as->peered);
		json_object_array_add(arr, o);
	}
	return arr;
}

static json_object *peers_json(struct vnetrs_instance *inst)
{
	json_object *arr = json_object_new_array();
	struct vnetrs_peer *vp;

	frr_each (vnetrs_peers, &inst->peers, vp) {
		json_object *o = json_object_new_object();
		struct vnetrs_peer_counters c;

		vnetrs_peer_counters(vp, &c);
		json_object_string_add(o, "address", vp->addr);
		json_object_string_add(o, "role", vnetrs_role2str(vp->role));
		json_object_int_add(o, "remote-as", vp->remote_as);
		if (vp->description)
			json_object_string_add(o, "description",
					       vp->description);
		json_object_string_add(o, "state",
				       vnetrs_peer_session_state(vp));
		json_object_int_add(o, "established-count", c.established);
		json_object_int_add(o, "routes-learned", c.learned);
		json_object_int_add(o, "routes-advertised", c.advertised);
		json_object_int_add(o, "routes-rejected", 0);
		json_object_array_add(arr, o);
	}
	return arr;
}

static void show_summary_text(struct vty *vty, struct vnetrs_instance *inst,
			      struct bgp *bgp)
{
	struct vnetrs_aspace *as;
	struct vnetrs_peer *vp;
	char buf[VNETRS_PREFIX_STRLEN];

	vty_out(vty, "VNet route server, VRF %s\n", inst->vrf);
	if (bgp)
		vty_out(vty, "  Local AS %u, router-id %pI4\n", bgp->as,
			&bgp->router_id);
	vty_out(vty, "  Address spaces: %zu\n",
		vnetrs_aspaces_count(&inst->aspaces));
	frr_each (vnetrs_aspaces, &inst->aspaces, as)
		vty_out(vty, "    %s%s\n",
			vnetrs_prefix2str(&as->prefix, buf, sizeof(buf)),
			as->peered ? " (peered)" : "");
	vty_out(vty, "  Peers: %zu\n", vnetrs_peers_count(&inst->peers));
	if (!vnetrs_peers_count(&inst->peers))
		return;
	vty_out(vty, "    %-39s %-12s %10s %-12s %8s %10s %8s  %s\n",
		"Address", "Role", "AS", "State", "Learned", "Advertised",
		"Rejected", "Description");
	frr_each (vnetrs_peers, &inst->peers, vp) {
		struct vnetrs_peer_counters c;

		vnetrs_peer_counters(vp, &c);
		vty_out(vty, "    %-39s %-12s %10u %-12s %8u %10u %8u  %s\n",
			vp->addr, vnetrs_role2str(vp->role), vp->remote_as,
			vnetrs_peer_session_state(vp), c.learned, c.advertised,
			0u, vp->description ? vp->description : "");
	}
}

DEFPY(show_vnetrs, show_vnetrs_cmd, "show bgp vnet-route-server [json$json]",
      SHOW_VNETRS_STR JSON_STR)
{
	struct vnetrs_instance *inst = vnetrs_instance_find(VRF_DEFAULT_NAME);
	struct bgp *bgp = inst ? vnetrs_instance_bgp(inst) : NULL;
	json_object *o;

	if (!json) {
		if (!inst) {
			vty_out(vty, "%% VNet route server is not configured\n");
			return CMD_SUCCESS;
		}
		show_summary_text(vty, inst, bgp);
		return CMD_SUCCESS;
	}

	o = json_object_new_object();
	if (inst) {
		json_object_string_add(o, "vrf", inst->vrf);
		if (bgp) {
			json_object_int_add(o, "local-as", bgp->as);
			json_object_string_addf(o, "router-id", "%pI4",
						&bgp->router_id);
		}
		json_object_object_add(o, "address-spaces", aspaces_json(inst));
		json_object_object_add(o, "peers", peers_json(inst));
	}
	vty_json(vty, o);
	return CMD_SUCCESS;
}

void vnetrs_show_init(void)
{
	install_element(VIEW_NODE, &show_vnetrs_cmd);
}
