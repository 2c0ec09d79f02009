// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: load our YANG model into bgpd's northbound after start-up.
 *
 * Why this file exists: nb_init() loads only the YANG modules compiled into
 * bgpd, and FRR 8.4 has no API for a loadable module to add one later. So,
 * from frr_late_init (after nb_init, before the configuration is read), we do
 * for our model what nb_init does for bgpd's, with two workarounds:
 *
 *  1. Each schema node needs a northbound node (lib's function for that is
 *     static, so this file has its own). They must be allocated from lib's
 *     own "Northbound Node" memory type: nb_terminate() frees every nb_node
 *     with that type, also in the parent of "bgpd -d" after fork, where none
 *     of our code runs; a private type makes lib's accounting assert there.
 *
 *  2. Validation adds our top-level container in front of the existing
 *     top-level data of the running and shared candidate configurations.
 *     8.4's diff and dup walk forward from nb_config->dnode only, so commits
 *     would "succeed" without effect: point dnode at the first sibling.
 *
 * Everything here is about FRR 8.4's internals; nothing else in vnetrs
 * depends on how the model got in.
 */
#include <zebra.h>

#include "lib/log.h"
#include "lib/memory.h"
#include "lib/northbound.h"
#include "lib/northbound_cli.h"
#include "lib/yang.h"

#include "vnetrs.h"
#include "vnetrs_compat_nb.h"
#include "vnetrs_debug.h"
#include "vnetrs_nb.h"

static struct memtype *lib_nb_node_mtype;

static int find_nb_node_mtype(void *arg, struct memgroup *mg,
			      struct memtype *mt)
{
	if (!mt || strcmp(mg->name, "libfrr") != 0 ||
	    strcmp(mt->name, "Northbound Node") != 0)
		return 0;
	lib_nb_node_mtype = mt;
	return 1;
}

static int has_state_cb(const struct lysc_node *snode, void *arg)
{
	bool *has_state = arg;

	if (CHECK_FLAG(snode->flags, LYS_CONFIG_R)) {
		*has_state = true;
		return YANG_ITER_STOP;
	}
	return YANG_ITER_CONTINUE;
}

/* Give one schema node its northbound node, as nb_init does. */
static int create_nb_node(const struct lysc_node *snode, void *arg)
{
	struct nb_node *nb_node;
	struct lysc_node *sparent;

	if (snode->priv)
		return YANG_ITER_CONTINUE;

	nb_node = XCALLOC(lib_nb_node_mtype, sizeof(*nb_node));
	yang_snode_get_path(snode, YANG_PATH_DATA, nb_node->xpath,
			    sizeof(nb_node->xpath));
	nb_node->priority = NB_DFLT_PRIORITY;
	sparent = yang_snode_real_parent(snode);
	if (sparent)
		nb_node->parent = sparent->priv;
	sparent = yang_snode_parent_list(snode);
	if (sparent)
		nb_node->parent_list = sparent->priv;

	if (CHECK_FLAG(snode->nodetype, LYS_CONTAINER | LYS_LIST)) {
		bool has_state = false;

		yang_snodes_iterate_subtree(snode, NULL, has_state_cb, 0,
					    &has_state);
		if (!has_state)
			SET_FLAG(nb_node->flags, F_NB_NODE_CONFIG_ONLY);
	}
	if (CHECK_FLAG(snode->nodetype, LYS_LIST) &&
	    yang_snode_num_keys(snode) == 0)
		SET_FLAG(nb_node->flags, F_NB_NODE_KEYLESS_LIST);

	nb_node->snode = snode;
	((struct lysc_node *)snode)->priv = nb_node;
	return YANG_ITER_CONTINUE;
}

/* Add our implicit top-level node, then re-point dnode at the first one. */
static void refresh_config_tree(struct nb_config *config)
{
	if (!config || !config->dnode)
		return;
	if (lyd_validate_all(&config->dnode, ly_native_ctx,
			     LYD_VALIDATE_NO_STATE, NULL) != LY_SUCCESS)
		vnetrs_warn("validating the configuration tree after loading our model failed");
	config->dnode = lyd_first_sibling(config->dnode);
}

int vnetrs_yang_load(const struct frr_yang_module_info *info)
{
	struct yang_module *module;

	qmem_walk(find_nb_node_mtype, NULL);
	if (!lib_nb_node_mtype) {
		vnetrs_err("lib's \"Northbound Node\" memory type not found: cannot load YANG model %s",
			 info->name);
		return -1;
	}

	module = vnetrs_yang_module_load(info->name); /* exits bgpd on failure */
	yang_snodes_iterate(module->info, create_nb_node, 0, NULL);

	for (size_t i = 0; info->nodes[i].xpath; i++) {
		struct nb_node *nb_node = nb_node_find(info->nodes[i].xpath);

		if (!nb_node) {
			vnetrs_err("YANG model %s has no node %s",
				 info->name, info->nodes[i].xpath);
			return -1;
		}
		nb_node->cbs = info->nodes[i].cbs;
		if (info->nodes[i].priority)
			nb_node->priority = info->nodes[i].priority;
	}
	nb_validate_callbacks(); /* exits bgpd on a missing callback */

	refresh_config_tree(running_config);
	refresh_config_tree(vty_shared_candidate_config);
	return 0;
}
