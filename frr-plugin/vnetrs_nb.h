// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: northbound callbacks of the vnet-route-server YANG module.
 */
#ifndef VNETRS_NB_H
#define VNETRS_NB_H

#include "northbound.h"

/* Configuration (vnetrs_nb_config.c). */
int vnetrs_instance_create(struct nb_cb_create_args *args);
int vnetrs_instance_destroy(struct nb_cb_destroy_args *args);
int vnetrs_route_limit_modify(struct nb_cb_modify_args *args);
int vnetrs_route_limit_warning_modify(struct nb_cb_modify_args *args);
int vnetrs_max_peers_modify(struct nb_cb_modify_args *args);
int vnetrs_b2b_modify(struct nb_cb_modify_args *args);
int vnetrs_maintenance_modify(struct nb_cb_modify_args *args);
int vnetrs_preference_modify(struct nb_cb_modify_args *args);
int vnetrs_gateway_pre_validate(struct nb_cb_pre_validate_args *args);
int vnetrs_gateway_create(struct nb_cb_create_args *args);
int vnetrs_gateway_destroy(struct nb_cb_destroy_args *args);
void vnetrs_gateway_apply_finish(struct nb_cb_apply_finish_args *args);
int vnetrs_gateway_address_create(struct nb_cb_create_args *args);
int vnetrs_gateway_address_destroy(struct nb_cb_destroy_args *args);
int vnetrs_gateway_remote_as_modify(struct nb_cb_modify_args *args);
int vnetrs_gateway_remote_as_destroy(struct nb_cb_destroy_args *args);
int vnetrs_sdn_listen_pre_validate(struct nb_cb_pre_validate_args *args);
int vnetrs_sdn_listen_create(struct nb_cb_create_args *args);
/* SDN listeners (vnetrs_nb_sdn.c). */
int vnetrs_sdn_listener_destroy(struct nb_cb_destroy_args *args);
int vnetrs_sdn_listener_queue_limit_modify(struct nb_cb_modify_args *args);
int vnetrs_sdn_listener_max_consumers_modify(struct nb_cb_modify_args *args);
int vnetrs_sdn_listen_tls_create(struct nb_cb_create_args *args);
int vnetrs_sdn_listen_tls_file_modify(struct nb_cb_modify_args *args);
void vnetrs_sdn_listen_tls_apply_finish(struct nb_cb_apply_finish_args *args);
void vnetrs_cli_show_sdn_listen_tls(struct vty *vty,
				    const struct lyd_node *dnode,
				    bool show_defaults);
int vnetrs_aspace_create(struct nb_cb_create_args *args);
int vnetrs_aspace_destroy(struct nb_cb_destroy_args *args);
int vnetrs_aspace_peered_modify(struct nb_cb_modify_args *args);
int vnetrs_peer_pre_validate(struct nb_cb_pre_validate_args *args);
int vnetrs_peer_create(struct nb_cb_create_args *args);
int vnetrs_peer_destroy(struct nb_cb_destroy_args *args);
void vnetrs_peer_apply_finish(struct nb_cb_apply_finish_args *args);
int vnetrs_peer_remote_as_modify(struct nb_cb_modify_args *args);
int vnetrs_peer_description_modify(struct nb_cb_modify_args *args);
int vnetrs_peer_description_destroy(struct nb_cb_destroy_args *args);
int vnetrs_peer_rmap_modify(struct nb_cb_modify_args *args);
int vnetrs_peer_rmap_destroy(struct nb_cb_destroy_args *args);

/* The pre_validate callbacks under dnode (entries on their own), now. */
int vnetrs_nb_entry_check(const struct lyd_node *dnode, char *errmsg,
			  size_t errlen);

/* State (vnetrs_nb_state.c). */
const void *vnetrs_instance_get_next(struct nb_cb_get_next_args *args);
int vnetrs_instance_get_keys(struct nb_cb_get_keys_args *args);
const void *vnetrs_instance_lookup_entry(struct nb_cb_lookup_entry_args *args);
const void *vnetrs_peer_get_next(struct nb_cb_get_next_args *args);
int vnetrs_peer_get_keys(struct nb_cb_get_keys_args *args);
const void *vnetrs_peer_lookup_entry(struct nb_cb_lookup_entry_args *args);
struct yang_data *vnetrs_peer_state_role_get(struct nb_cb_get_elem_args *args);
struct yang_data *
vnetrs_peer_state_session_get(struct nb_cb_get_elem_args *args);
struct yang_data *
vnetrs_peer_state_established_get(struct nb_cb_get_elem_args *args);
struct yang_data *
vnetrs_peer_state_learned_get(struct nb_cb_get_elem_args *args);
struct yang_data *
vnetrs_peer_state_advertised_get(struct nb_cb_get_elem_args *args);
struct yang_data *
vnetrs_peer_state_rejected_get(struct nb_cb_get_elem_args *args);
struct yang_data *
vnetrs_peer_state_last_reset_get(struct nb_cb_get_elem_args *args);
const void *vnetrs_eroute_get_next(struct nb_cb_get_next_args *args);
int vnetrs_eroute_get_keys(struct nb_cb_get_keys_args *args);
const void *vnetrs_eroute_lookup_entry(struct nb_cb_lookup_entry_args *args);
struct yang_data *vnetrs_eroute_prefix_get(struct nb_cb_get_elem_args *args);
struct yang_data *vnetrs_eroute_source_get(struct nb_cb_get_elem_args *args);
const void *vnetrs_eroute_nexthop_get_next(struct nb_cb_get_next_args *args);
struct yang_data *vnetrs_eroute_nexthop_get(struct nb_cb_get_elem_args *args);
const void *vnetrs_eroute_peer_get_next(struct nb_cb_get_next_args *args);
struct yang_data *vnetrs_eroute_peer_get(struct nb_cb_get_elem_args *args);
struct yang_data *vnetrs_eroute_aspath_get(struct nb_cb_get_elem_args *args);
const void *vnetrs_rroute_get_next(struct nb_cb_get_next_args *args);
int vnetrs_rroute_get_keys(struct nb_cb_get_keys_args *args);
const void *vnetrs_rroute_lookup_entry(struct nb_cb_lookup_entry_args *args);
struct yang_data *vnetrs_rroute_peer_get(struct nb_cb_get_elem_args *args);
struct yang_data *vnetrs_rroute_prefix_get(struct nb_cb_get_elem_args *args);
struct yang_data *vnetrs_rroute_reason_get(struct nb_cb_get_elem_args *args);
struct yang_data *vnetrs_rroute_nexthop_get(struct nb_cb_get_elem_args *args);

/* running-config (bgpd/vnetrs_vty.c). */
void vnetrs_cli_show_instance(struct vty *vty, const struct lyd_node *dnode,
			      bool show_defaults);
void vnetrs_cli_show_instance_end(struct vty *vty,
				  const struct lyd_node *dnode);
void vnetrs_cli_show_route_limit(struct vty *vty, const struct lyd_node *dnode,
				 bool show_defaults);
void vnetrs_cli_show_max_peers(struct vty *vty, const struct lyd_node *dnode,
			       bool show_defaults);
void vnetrs_cli_show_maintenance(struct vty *vty, const struct lyd_node *dnode,
				 bool show_defaults);
void vnetrs_cli_show_b2b(struct vty *vty, const struct lyd_node *dnode,
			 bool show_defaults);
void vnetrs_cli_show_preference(struct vty *vty, const struct lyd_node *dnode,
				bool show_defaults);
void vnetrs_cli_show_gateway(struct vty *vty, const struct lyd_node *dnode,
			     bool show_defaults);
void vnetrs_cli_show_sdn_listen(struct vty *vty, const struct lyd_node *dnode,
				bool show_defaults);
void vnetrs_cli_show_aspace(struct vty *vty, const struct lyd_node *dnode,
			    bool show_defaults);
void vnetrs_cli_show_peer(struct vty *vty, const struct lyd_node *dnode,
			  bool show_defaults);


/* Northbound glue (vnetrs_nb.c, vnetrs_yang.c). */
extern const struct frr_yang_module_info vnetrs_yang_info;
int vnetrs_yang_load(const struct frr_yang_module_info *info);

/* Free the operational-data snapshot (at exit). */
void vnetrs_nb_state_cleanup(void);

#endif /* VNETRS_NB_H */
