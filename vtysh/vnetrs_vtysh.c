// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: what our vtysh adds to FRR's.
 *
 * Debian's vtysh knows only the commands compiled into FRR. Ours is built
 * from FRR's vtysh sources plus a command table that FRR's generator makes
 * from the daemons and our module (extract.pl over the sources for 8.4,
 * xrelfo.py over the ELF files' xref notes for 10), its init function
 * renamed to vnetrs_vtysh_generated_init_cmd. This file is the part the
 * generator cannot make: the "vnet-route-server" node and the commands that
 * move vtysh in and out of it, as vtysh.c does for FRR's own nodes.
 */
#include <zebra.h>

#include "command.h"

#include "vtysh/vtysh.h"

#include "vnetrs_node.h"

void vnetrs_vtysh_generated_init_cmd(void);
void vtysh_init_cmd(void);

static struct cmd_node vnetrs_node = {
	.name = VNETRS_NODE_NAME,
	.node = VNETRS_NODE,
	.parent_node = BGP_NODE,
	.prompt = VNETRS_NODE_PROMPT,
};

DEFUNSH(VTYSH_BGPD, vnetrs_enter, vnetrs_enter_cmd, "vnet-route-server",
	"VNet route server\n")
{
	vty->node = VNETRS_NODE;
	return CMD_SUCCESS;
}

DEFUNSH(VTYSH_BGPD, vnetrs_exit, vnetrs_exit_cmd, "exit",
	"Exit current mode and down to previous mode\n")
{
	vty->node = BGP_NODE;
	return CMD_SUCCESS;
}

DEFUNSH(VTYSH_BGPD, vnetrs_quit, vnetrs_quit_cmd, "quit",
	"Exit current mode and down to previous mode\n")
{
	vty->node = BGP_NODE;
	return CMD_SUCCESS;
}

DEFUNSH(VTYSH_REALLYALL, vnetrs_end, vnetrs_end_cmd, "end",
	"End current mode and change to enable mode\n")
{
	vty->node = ENABLE_NODE;
	return CMD_SUCCESS;
}

/*
 * Called by FRR's vtysh in place of the generated function. The node must
 * exist before the generated table fills it; our own commands come after,
 * as FRR 10's generated code replaces a node's (still empty) command graph.
 */
void vtysh_init_cmd(void)
{
	install_node(&vnetrs_node);
	vnetrs_vtysh_generated_init_cmd();
	install_element(BGP_NODE, &vnetrs_enter_cmd);
	install_element(VNETRS_NODE, &vnetrs_exit_cmd);
	install_element(VNETRS_NODE, &vnetrs_quit_cmd);
	install_element(VNETRS_NODE, &vnetrs_end_cmd);
}
