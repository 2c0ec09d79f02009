// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: the callback table of the vnet-route-server YANG module.
 */
#include <zebra.h>

#include "northbound.h"

#include "vnetrs.h"
#include "vnetrs_nb.h"

#define X_INST VNETRS_XPATH_BASE "/instance"

/* clang-format off */
const struct frr_yang_module_info vnetrs_yang_info = {
	.name = "vnet-route-server",
	.nodes = {
		{
			.xpath = X_INST,
			.cbs = {
				.create = vnetrs_instance_create,
				.destroy = vnetrs_instance_destroy,
				.cli_show = vnetrs_cli_show_instance,
				.cli_show_end = vnetrs_cli_show_instance_end,
				.get_next = vnetrs_instance_get_next,
				.get_keys = vnetrs_instance_get_keys,
				.lookup_entry = vnetrs_instance_lookup_entry,
			},
		},
		{
			.xpath = X_INST "/route-limit",
			.cbs = {
				.cli_show = vnetrs_cli_show_route_limit,
			},
		},
		{
			.xpath = X_INST "/route-limit/limit",
			.cbs = {
				.modify = vnetrs_route_limit_modify,
			},
		},
		{
			.xpath = X_INST "/route-limit/warning-only",
			.cbs = {
				.modify = vnetrs_route_limit_warning_modify,
			},
		},
		{
			.xpath = X_INST "/max-peers",
			.cbs = {
				.modify = vnetrs_max_peers_modify,
				.cli_show = vnetrs_cli_show_max_peers,
			},
		},
		{
			.xpath = X_INST "/branch-to-branch",
			.cbs = {
				.modify = vnetrs_b2b_modify,
				.cli_show = vnetrs_cli_show_b2b,
			},
		},
		{
			.xpath = X_INST "/maintenance",
			.cbs = {
				.modify = vnetrs_maintenance_modify,
				.cli_show = vnetrs_cli_show_maintenance,
			},
		},
		{
			.xpath = X_INST "/routing-preference",
			.cbs = {
				.modify = vnetrs_preference_modify,
				.cli_show = vnetrs_cli_show_preference,
			},
		},
		{
			.xpath = X_INST "/address-space",
			.cbs = {
				.create = vnetrs_aspace_create,
				.destroy = vnetrs_aspace_destroy,
				.cli_show = vnetrs_cli_show_aspace,
			},
		},
		{
			.xpath = X_INST "/address-space/peered",
			.cbs = {
				.modify = vnetrs_aspace_peered_modify,
			},
		},
		{
			.xpath = X_INST "/peer",
			.cbs = {
				.pre_validate = vnetrs_peer_pre_validate,
				.create = vnetrs_peer_create,
				.destroy = vnetrs_peer_destroy,
				.apply_finish = vnetrs_peer_apply_finish,
				.cli_show = vnetrs_cli_show_peer,
				.get_next = vnetrs_peer_get_next,
				.get_keys = vnetrs_peer_get_keys,
				.lookup_entry = vnetrs_peer_lookup_entry,
			},
		},
		{
			.xpath = X_INST "/peer/remote-as",
			.cbs = {
				.modify = vnetrs_peer_remote_as_modify,
			},
		},
		{
			.xpath = X_INST "/peer/description",
			.cbs = {
				.modify = vnetrs_peer_description_modify,
				.destroy = vnetrs_peer_description_destroy,
			},
		},
		{
			.xpath = X_INST "/peer/route-map-in",
			.cbs = {
				.modify = vnetrs_peer_rmap_modify,
				.destroy = vnetrs_peer_rmap_destroy,
			},
		},
		{
			.xpath = X_INST "/peer/route-map-out",
			.cbs = {
				.modify = vnetrs_peer_rmap_modify,
				.destroy = vnetrs_peer_rmap_destroy,
			},
		},
		{
			.xpath = X_INST "/gateway",
			.cbs = {
				.pre_validate = vnetrs_gateway_pre_validate,
				.create = vnetrs_gateway_create,
				.destroy = vnetrs_gateway_destroy,
				.apply_finish = vnetrs_gateway_apply_finish,
				.cli_show = vnetrs_cli_show_gateway,
			},
		},
		{
			.xpath = X_INST "/gateway/address",
			.cbs = {
				.create = vnetrs_gateway_address_create,
				.destroy = vnetrs_gateway_address_destroy,
			},
		},
		{
			.xpath = X_INST "/gateway/remote-as",
			.cbs = {
				.modify = vnetrs_gateway_remote_as_modify,
				.destroy = vnetrs_gateway_remote_as_destroy,
			},
		},
		{
			.xpath = X_INST "/sdn-listen",
			.cbs = {
				.pre_validate = vnetrs_sdn_listen_pre_validate,
				.create = vnetrs_sdn_listen_create,
				.destroy = vnetrs_sdn_listener_destroy,
				.cli_show = vnetrs_cli_show_sdn_listen,
			},
		},
		{
			.xpath = X_INST "/sdn-listen/queue-limit",
			.cbs = {
				.modify = vnetrs_sdn_listener_queue_limit_modify,
			},
		},
		{
			.xpath = X_INST "/sdn-listen/max-consumers",
			.cbs = {
				.modify = vnetrs_sdn_listener_max_consumers_modify,
			},
		},
		{
			.xpath = X_INST "/sdn-listen-tls",
			.cbs = {
				.create = vnetrs_sdn_listen_tls_create,
				.destroy = vnetrs_sdn_listener_destroy,
				.apply_finish = vnetrs_sdn_listen_tls_apply_finish,
				.cli_show = vnetrs_cli_show_sdn_listen_tls,
			},
		},
		{
			.xpath = X_INST "/sdn-listen-tls/certificate",
			.cbs = {
				.modify = vnetrs_sdn_listen_tls_file_modify,
			},
		},
		{
			.xpath = X_INST "/sdn-listen-tls/key",
			.cbs = {
				.modify = vnetrs_sdn_listen_tls_file_modify,
			},
		},
		{
			.xpath = X_INST "/sdn-listen-tls/ca",
			.cbs = {
				.modify = vnetrs_sdn_listen_tls_file_modify,
			},
		},
		{
			.xpath = X_INST "/sdn-listen-tls/queue-limit",
			.cbs = {
				.modify = vnetrs_sdn_listener_queue_limit_modify,
			},
		},
		{
			.xpath = X_INST "/sdn-listen-tls/max-consumers",
			.cbs = {
				.modify = vnetrs_sdn_listener_max_consumers_modify,
			},
		},
		{
			.xpath = X_INST "/peer/state/role",
			.cbs = {
				.get_elem = vnetrs_peer_state_role_get,
			},
		},
		{
			.xpath = X_INST "/peer/state/session-state",
			.cbs = {
				.get_elem = vnetrs_peer_state_session_get,
			},
		},
		{
			.xpath = X_INST "/peer/state/established-count",
			.cbs = {
				.get_elem = vnetrs_peer_state_established_get,
			},
		},
		{
			.xpath = X_INST "/peer/state/routes-learned",
			.cbs = {
				.get_elem = vnetrs_peer_state_learned_get,
			},
		},
		{
			.xpath = X_INST "/peer/state/routes-advertised",
			.cbs = {
				.get_elem = vnetrs_peer_state_advertised_get,
			},
		},
		{
			.xpath = X_INST "/peer/state/routes-rejected",
			.cbs = {
				.get_elem = vnetrs_peer_state_rejected_get,
			},
		},
		{
			.xpath = X_INST "/peer/state/last-reset",
			.cbs = {
				.get_elem = vnetrs_peer_state_last_reset_get,
			},
		},
		{
			.xpath = X_INST "/effective-route",
			.cbs = {
				.get_next = vnetrs_eroute_get_next,
				.get_keys = vnetrs_eroute_get_keys,
				.lookup_entry = vnetrs_eroute_lookup_entry,
			},
		},
		{
			.xpath = X_INST "/effective-route/prefix",
			.cbs = {
				.get_elem = vnetrs_eroute_prefix_get,
			},
		},
		{
			.xpath = X_INST "/effective-route/source",
			.cbs = {
				.get_elem = vnetrs_eroute_source_get,
			},
		},
		{
			.xpath = X_INST "/effective-route/next-hop",
			.cbs = {
				.get_next = vnetrs_eroute_nexthop_get_next,
				.get_elem = vnetrs_eroute_nexthop_get,
			},
		},
		{
			.xpath = X_INST "/effective-route/peer",
			.cbs = {
				.get_next = vnetrs_eroute_peer_get_next,
				.get_elem = vnetrs_eroute_peer_get,
			},
		},
		{
			.xpath = X_INST "/effective-route/as-path-length",
			.cbs = {
				.get_elem = vnetrs_eroute_aspath_get,
			},
		},
		{
			.xpath = X_INST "/rejected-route",
			.cbs = {
				.get_next = vnetrs_rroute_get_next,
				.get_keys = vnetrs_rroute_get_keys,
				.lookup_entry = vnetrs_rroute_lookup_entry,
			},
		},
		{
			.xpath = X_INST "/rejected-route/peer",
			.cbs = {
				.get_elem = vnetrs_rroute_peer_get,
			},
		},
		{
			.xpath = X_INST "/rejected-route/prefix",
			.cbs = {
				.get_elem = vnetrs_rroute_prefix_get,
			},
		},
		{
			.xpath = X_INST "/rejected-route/reason",
			.cbs = {
				.get_elem = vnetrs_rroute_reason_get,
			},
		},
		{
			.xpath = X_INST "/rejected-route/next-hop",
			.cbs = {
				.get_elem = vnetrs_rroute_nexthop_get,
			},
		},
		{
			.xpath = NULL,
		},
	}
};
/* clang-format on */
