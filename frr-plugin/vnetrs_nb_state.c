// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: northbound state callbacks ("show yang operational-data").
 */
#include <zebra.h>

#include "lib/northbound.h"
#include "lib/yang.h"

#include "vnetrs.h"
#include "vnetrs_nb.h"

/*
 * Instance list.
 */
const void *vnetrs_instance_get_next(struct nb_cb_get_next_args *args)
{
	if (!args->list_entry)
		return vnetrs_instances_first(&vnetrs_instances);
	return vnetrs_instances_next(&vnetrs_instances,
				     (struct vnetrs_instance *)args->list_entry);
}

int vnetrs_instance_get_keys(struct nb_cb_get_keys_args *args)
{
	const struct vnetrs_instance *inst = args->list_entry;

	args->keys->num = 1;
	strlcpy(args->keys->key[0], inst->vrf, sizeof(args->keys->key[0]));
	return NB_OK;
}

const void *vnetrs_instance_lookup_entry(struct nb_cb_lookup_entry_args *args)
{
	return vnetrs_instance_find(args->keys->key[0]);
}

/*
 * Peer list.
 */
const void *vnetrs_peer_get_next(struct nb_cb_get_next_args *args)
{
	struct vnetrs_instance *inst =
		(struct vnetrs_instance *)args->parent_list_entry;

	if (!args->list_entry)
		return vnetrs_peers_first(&inst->peers);
	return vnetrs_peers_next(&inst->peers,
				 (struct vnetrs_peer *)args->list_entry);
}

int vnetrs_peer_get_keys(struct nb_cb_get_keys_args *args)
{
	const struct vnetrs_peer *vp = args->list_entry;

	args->keys->num = 1;
	strlcpy(args->keys->key[0], vp->addr, sizeof(args->keys->key[0]));
	return NB_OK;
}

const void *vnetrs_peer_lookup_entry(struct nb_cb_lookup_entry_args *args)
{
	struct vnetrs_instance *inst =
		(struct vnetrs_instance *)args->parent_list_entry;

	return vnetrs_peer_find(inst, args->keys->key[0]);
}

/*
 * Peer state leaves.
 */
struct yang_data *vnetrs_peer_state_role_get(struct nb_cb_get_elem_args *args)
{
	const struct vnetrs_peer *vp = args->list_entry;

	return yang_data_new_string(args->xpath, vnetrs_role2str(vp->role));
}

struct yang_data *
vnetrs_peer_state_session_get(struct nb_cb_get_elem_args *args)
{
	return yang_data_new_string(args->xpath,
				    vnetrs_peer_session_state(args->list_entry));
}

struct yang_data *
vnetrs_peer_state_established_get(struct nb_cb_get_elem_args *args)
{
	struct vnetrs_peer_counters c;

	vnetrs_peer_counters(args->list_entry, &c);
	return yang_data_new_uint32(args->xpath, c.established);
}

struct yang_data *
vnetrs_peer_state_learned_get(struct nb_cb_get_elem_args *args)
{
	struct vnetrs_peer_counters c;

	vnetrs_peer_counters(args->list_entry, &c);
	return yang_data_new_uint32(args->xpath, c.learned);
}

struct yang_data *
vnetrs_peer_state_advertised_get(struct nb_cb_get_elem_args *args)
{
	struct vnetrs_peer_counters c;

	vnetrs_peer_counters(args->list_entry, &c);
	return yang_data_new_uint32(args->xpath, c.advertised);
}
