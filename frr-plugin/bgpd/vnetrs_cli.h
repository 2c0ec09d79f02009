// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: the CLI's entry points (bgpd/vnetrs_vty.c, bgpd/vnetrs_show.c).
 */
#ifndef VNETRS_CLI_H
#define VNETRS_CLI_H

struct bgp;
struct vty;

/* CLI (bgpd/vnetrs_vty.c, bgpd/vnetrs_show.c). */
void vnetrs_vty_init(void);
void vnetrs_show_init(void);
int vnetrs_config_write(struct bgp *bgp, struct vty *vty);

#endif /* VNETRS_CLI_H */
