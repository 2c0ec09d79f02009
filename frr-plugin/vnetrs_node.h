// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: the CLI node of "vnet-route-server", shared by the bgpd module and
 * our vtysh. FRR 8.4's node_type enum has no room for modules: we take the
 * first number after it (no in-tree node uses it; nodes live in a vector).
 */
#ifndef VNETRS_NODE_H
#define VNETRS_NODE_H

#include "command.h"

/* extract.pl reads preprocessed sources and wants a plain node name. */
#ifndef VTYSH_EXTRACT_PL
#define VNETRS_NODE ((enum node_type)NODE_TYPE_MAX)
#endif
#define VNETRS_NODE_NAME "vnet-route-server"
#define VNETRS_NODE_PROMPT "%s(config-router-vnetrs)# "

#endif /* VNETRS_NODE_H */
