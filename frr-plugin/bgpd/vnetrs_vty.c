// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: configuration CLI ("router bgp" > "vnet-route-server").
 *
 * Every command edits the vnet-route-server YANG data through the
 * northbound; validation and the effect on bgpd live in vnetrs_nb_config.c.
 * A command only refuses what it cannot turn into a YANG edit: text that
 * is not a prefix, an address or a number in range, a path with a quote
 * (it cannot be an XPath key), the same gateway address twice (a
 * leaf-list holds it once), a route-map for a peer that does not exist
 * (removing it would be no change at all).
 * This file also writes the node back into "show running-config".
 *
 * It sits in a directory named bgpd/ because FRR's vtysh/extract.pl sends a
 * file's commands to the daemon its directory is named after.
 */
#include <zebra.h>

#include "lib/command.h"
#include "lib/northbound_cli.h"
#include "lib/sockunion.h"
#include "lib/vty.h"

#include "bgpd/bgpd.h"

#include "../../logic/vnetrs_prefix.h"
#include "../../logic/vnetrs_sdn_wire.h"
#include "../vnetrs.h"
#include "vnetrs_cli.h"
#include "../vnetrs_debug.h"
#include "../vnetrs_instance.h"
#include "../vnetrs_nb.h"
#include "../vnetrs_node.h"

#ifndef VTYSH_EXTRACT_PL
#include "vnetrs_vty_clippy.c"
#endif

#define VNETRS_STR "VNet route server\n"
#define PEER_STR "Route-server peer (network virtual appliance)\n"
/* WORD lets a malformed address reach us, to be explained. */
#define PEER_ADDR "<A.B.C.D|X:X::X:X|WORD>$addr"
#define PEER_ADDR_STR                                                          \
	"Peer IPv4 address\nPeer IPv6 address\nPeer address\n"
/* 0 is accepted by the parser so that validation says why it is refused. */
#define REMOTE_AS_STR "AS of the peer\nAS number\n"
#define DESC_STR "Peer description\nUp to 80 characters describing the peer\n"

/*
 * Refusals before the northbound, in a configuration file.
 *
 * "vtysh -b" and "vtysh -f" send a file's YANG commands to bgpd as one
 * transaction that commits at the next non-YANG command (here: the "exit"
 * closing the vnet-route-server block). A validation error refuses the
 * whole transaction; a command this file refuses itself (a malformed
 * prefix, ...) would refuse only its own line and leave the rest of the
 * block applied. refuse() makes both alike: the block's commands grouped
 * so far are discarded, and the block's following commands are refused,
 * until the next "vnet-route-server". A line that breaks a rule of the
 * entry it edits (a VPN gateway with one address, ...: the northbound's
 * pre_validate callbacks) is refused so too, at once (apply_entry()).
 * Commands typed one by one (vtysh, vtysh -c) are not grouped: each stands
 * alone.
 */
static const struct vty *refused_block_vty;

static int refuse(struct vty *vty)
{
	if (!vty->pending_allowed)
		return CMD_WARNING_CONFIG_FAILED;
	if (vty->pending_commit) {
		vty_out(vty,
			"%% Discarded with it, from the same vnet-route-server block:\n%s\n",
			vty->pending_cmds_buf);
		nb_config_replace(vty->candidate_config, running_config, true);
		vty->pending_commit = 0;
		XFREE(MTYPE_TMP, vty->pending_cmds_buf);
		vty->pending_cmds_buflen = 0;
		vty->pending_cmds_bufpos = 0;
	}
	refused_block_vty = vty;
	return CMD_WARNING_CONFIG_FAILED;
}

/* Take the last line out of the grouped ones, its edit with it. */
static void unschedule(struct vty *vty, size_t pos, bool was_pending)
{
	if (was_pending) {
		vty->pending_cmds_buf[pos] = '\0';
		vty->pending_cmds_bufpos = pos;
		return; /* refuse() restores the candidate */
	}
	vty->pending_commit = 0;
	XFREE(MTYPE_TMP, vty->pending_cmds_buf);
	vty->pending_cmds_buflen = 0;
	vty->pending_cmds_bufpos = 0;
	nb_config_replace(vty->candidate_config, running_config, true);
}

/*
 * Apply the changes of a command that edits the entry at xpath (relative
 * to the node), the changes' xpaths relative to base when given. Typed
 * alone, the commit validates it; grouped in a file, the entry's own
 * checks run at once, so that a line breaking them refuses the block.
 */
static int apply_entry(struct vty *vty, const char *base, const char *xpath)
{
	bool was_pending = vty->pending_commit;
	size_t pos = vty->pending_cmds_bufpos;
	const struct lyd_node *dnode;
	char errmsg[BUFSIZ] = {};
	int ret;

	ret = base ? nb_cli_apply_changes(vty, "%s", base)
		   : nb_cli_apply_changes(vty, NULL);
	if (ret != CMD_SUCCESS || !vty->pending_allowed || !vty->pending_commit)
		return ret;
	dnode = yang_dnode_getf(vty->candidate_config->dnode, "%s%s",
				VTY_CURR_XPATH, xpath + 1);
	if (!dnode ||
	    vnetrs_nb_entry_check(dnode, errmsg, sizeof(errmsg)) == NB_OK)
		return ret;
	unschedule(vty, pos, was_pending);
	vty_out(vty, "%% %s\n", errmsg);
	return refuse(vty);
}

/* At the start of each command of the node: is its block refused? */
#define VNETRS_BLOCK_CHECK(vty)                                                \
	do {                                                                   \
		if (refused_block_vty == (vty) && (vty)->pending_allowed) {    \
			vty_out(vty,                                           \
				"%% Not applied: an earlier line of this vnet-route-server block was refused\n"); \
			return CMD_WARNING_CONFIG_FAILED;                      \
		}                                                              \
		if (refused_block_vty == (vty))                                \
			refused_block_vty = NULL;                              \
	} while (0)

static struct cmd_node vnetrs_node = {
	.name = VNETRS_NODE_NAME,
	.node = VNETRS_NODE,
	.parent_node = BGP_NODE,
	.prompt = VNETRS_NODE_PROMPT,
};

/* Entering the node is _NOSH: our vtysh has its own copy that moves it. */
DEFPY_YANG_NOSH(vnet_route_server, vnet_route_server_cmd, "vnet-route-server",
		VNETRS_STR)
{
	VTY_DECLVAR_CONTEXT(bgp, bgp);
	char xpath[XPATH_MAXLEN];
	int ret;

	if (refused_block_vty == vty)
		refused_block_vty = NULL;
	snprintf(xpath, sizeof(xpath), VNETRS_XPATH_INSTANCE,
		 vnetrs_bgp_vrf_name(bgp));
	nb_cli_enqueue_change(vty, xpath, NB_OP_CREATE, NULL);
	ret = nb_cli_apply_changes(vty, NULL);
	if (ret == CMD_SUCCESS)
		VTY_PUSH_XPATH(VNETRS_NODE, xpath);
	return ret;
}

DEFPY_YANG(no_vnet_route_server, no_vnet_route_server_cmd,
	   "no vnet-route-server", NO_STR VNETRS_STR)
{
	VTY_DECLVAR_CONTEXT(bgp, bgp);
	char xpath[XPATH_MAXLEN];

	snprintf(xpath, sizeof(xpath), VNETRS_XPATH_INSTANCE,
		 vnetrs_bgp_vrf_name(bgp));
	nb_cli_enqueue_change(vty, xpath, NB_OP_DESTROY, NULL);
	return nb_cli_apply_changes(vty, NULL);
}

DEFPY_YANG(vnetrs_address_space, vnetrs_address_space_cmd,
	   "[no] address-space <A.B.C.D/M|X:X::X:X/M|WORD>$prefix [peered$peered]",
	   NO_STR
	   "Address space of the VNet\n"
	   "IPv4 prefix\n"
	   "IPv6 prefix\n"
	   "Prefix (explained if malformed)\n"
	   "The address space belongs to a peered VNet\n")
{
	struct vnetrs_prefix p;
	char err[160], canon[VNETRS_PREFIX_STRLEN], xpath[XPATH_MAXLEN];

	VNETRS_BLOCK_CHECK(vty);
	/* Say what is wrong with the text the user typed, before YANG does. */
	if (vnetrs_prefix_parse(prefix, &p, err, sizeof(err)) < 0) {
		vty_out(vty, "%% address-space %s\n", err);
		return refuse(vty);
	}
	snprintf(xpath, sizeof(xpath), "./address-space[prefix='%s']",
		 vnetrs_prefix2str(&p, canon, sizeof(canon)));
	if (no) {
		nb_cli_enqueue_change(vty, xpath, NB_OP_DESTROY, NULL);
	} else {
		nb_cli_enqueue_change(vty, xpath, NB_OP_CREATE, NULL);
		strlcat(xpath, "/peered", sizeof(xpath));
		nb_cli_enqueue_change(vty, xpath, NB_OP_MODIFY,
				      peered ? "true" : "false");
	}
	return nb_cli_apply_changes(vty, NULL);
}

/* The canonical text of a peer address (the YANG list key). */
static bool peer_key(struct vty *vty, const char *addr, char *buf, size_t len)
{
	union sockunion su;

	if (str2sockunion(addr, &su) < 0) {
		vty_out(vty, "%% peer %s: not an IP address\n", addr);
		refuse(vty);
		return false;
	}
	sockunion2str(&su, buf, len);
	return true;
}

static int peer_set(struct vty *vty, const char *addr, const char *asn,
		    const char *desc)
{
	char key[INET6_ADDRSTRLEN], xpath[XPATH_MAXLEN];

	VNETRS_BLOCK_CHECK(vty);
	if (!peer_key(vty, addr, key, sizeof(key)))
		return CMD_WARNING_CONFIG_FAILED;
	snprintf(xpath, sizeof(xpath), "./peer[address='%s']", key);
	nb_cli_enqueue_change(vty, ".", NB_OP_CREATE, NULL);
	nb_cli_enqueue_change(vty, "./remote-as", NB_OP_MODIFY, asn);
	if (desc)
		nb_cli_enqueue_change(vty, "./description", NB_OP_MODIFY, desc);
	return apply_entry(vty, xpath, xpath);
}

/* Leaf (or the whole peer, leaf NULL) to remove. */
static int peer_unset(struct vty *vty, const char *addr, const char *leaf)
{
	char key[INET6_ADDRSTRLEN], xpath[XPATH_MAXLEN];

	VNETRS_BLOCK_CHECK(vty);
	if (!peer_key(vty, addr, key, sizeof(key)))
		return CMD_WARNING_CONFIG_FAILED;
	snprintf(xpath, sizeof(xpath), "./peer[address='%s']%s%s", key,
		 leaf ? "/" : "", leaf ? leaf : "");
	nb_cli_enqueue_change(vty, xpath, NB_OP_DESTROY, NULL);
	return nb_cli_apply_changes(vty, NULL);
}

DEFPY_YANG(vnetrs_peer, vnetrs_peer_cmd,
	   "peer " PEER_ADDR " remote-as (0-4294967295)$asn",
	   PEER_STR PEER_ADDR_STR REMOTE_AS_STR)
{
	return peer_set(vty, addr, asn_str, NULL);
}

/* LINE... cannot be optional in FRR's grammar: a command of its own. */
DEFPY_YANG(vnetrs_peer_desc, vnetrs_peer_desc_cmd,
	   "peer " PEER_ADDR " remote-as (0-4294967295)$asn description LINE...",
	   PEER_STR PEER_ADDR_STR REMOTE_AS_STR DESC_STR)
{
	int idx = 0, ret;
	char *desc;

	argv_find(argv, argc, "description", &idx);
	desc = argv_concat(argv, argc, idx + 1);
	ret = peer_set(vty, addr, asn_str, desc);
	XFREE(MTYPE_TMP, desc);
	return ret;
}

DEFPY_YANG(no_vnetrs_peer, no_vnetrs_peer_cmd,
	   "no peer " PEER_ADDR " [remote-as (0-4294967295)]",
	   NO_STR PEER_STR PEER_ADDR_STR REMOTE_AS_STR)
{
	return peer_unset(vty, addr, NULL);
}

DEFPY_YANG(no_vnetrs_peer_full, no_vnetrs_peer_full_cmd,
	   "no peer " PEER_ADDR " remote-as (0-4294967295) description LINE...",
	   NO_STR PEER_STR PEER_ADDR_STR REMOTE_AS_STR DESC_STR)
{
	return peer_unset(vty, addr, NULL);
}

DEFPY_YANG(no_vnetrs_peer_description, no_vnetrs_peer_description_cmd,
	   "no peer " PEER_ADDR " description",
	   NO_STR PEER_STR PEER_ADDR_STR "Peer description\n")
{
	return peer_unset(vty, addr, "description");
}

DEFPY_YANG(no_vnetrs_peer_description_line,
	   no_vnetrs_peer_description_line_cmd,
	   "no peer " PEER_ADDR " description LINE...",
	   NO_STR PEER_STR PEER_ADDR_STR DESC_STR)
{
	return peer_unset(vty, addr, "description");
}

static int peer_rmap(struct vty *vty, const char *addr, const char *name,
		     bool in)
{
	char key[INET6_ADDRSTRLEN], xpath[XPATH_MAXLEN];

	VNETRS_BLOCK_CHECK(vty);
	if (!peer_key(vty, addr, key, sizeof(key)))
		return CMD_WARNING_CONFIG_FAILED;
	snprintf(xpath, sizeof(xpath), "./peer[address='%s']/route-map-%s",
		 key, in ? "in" : "out");
	/* Only a configured peer takes a route-map. */
	if (!yang_dnode_existsf(vty->candidate_config->dnode,
				"%s/peer[address='%s']", VTY_CURR_XPATH, key)) {
		vty_out(vty,
			"%% peer %s: no such peer (configure it with 'peer %s remote-as ASN' first)\n",
			key, key);
		return refuse(vty);
	}
	nb_cli_enqueue_change(vty, xpath, name ? NB_OP_MODIFY : NB_OP_DESTROY,
			      name);
	return nb_cli_apply_changes(vty, NULL);
}

DEFPY_YANG(vnetrs_peer_route_map, vnetrs_peer_route_map_cmd,
	   "peer " PEER_ADDR " route-map RMAP_NAME$name <in$in|out>",
	   PEER_STR PEER_ADDR_STR
	   "The user's route-map, applied after the route server's rules\n"
	   "Name of the route-map\n"
	   "Routes from the peer\n"
	   "Routes to the peer\n")
{
	return peer_rmap(vty, addr, name, !!in);
}

DEFPY_YANG(no_vnetrs_peer_route_map, no_vnetrs_peer_route_map_cmd,
	   "no peer " PEER_ADDR " route-map [RMAP_NAME] <in$in|out>",
	   NO_STR PEER_STR PEER_ADDR_STR
	   "The user's route-map, applied after the route server's rules\n"
	   "Name of the route-map\n"
	   "Routes from the peer\n"
	   "Routes to the peer\n")
{
	return peer_rmap(vty, addr, NULL, !!in);
}

/* A number out of range reaches the command through WORD, to be explained
 * (FRR's parser would only say "Unknown command"). */
static int bad_number(struct vty *vty, const char *cmd, const char *value,
		      const char *range)
{
	vty_out(vty, "%% %s %s: give a number from %s\n", cmd, value, range);
	return refuse(vty);
}

DEFPY_YANG(vnetrs_route_limit, vnetrs_route_limit_cmd,
	   "route-limit <(1-4294967295)$limit|WORD$bad> [warning-only$warn]",
	   "Routes accepted from each peer, per address family\n"
	   "Number of routes (default 4000)\n"
	   "Number of routes (explained if out of range)\n"
	   "Above the limit, reject the excess routes and keep the session\n")
{
	VNETRS_BLOCK_CHECK(vty);
	if (bad)
		return bad_number(vty, "route-limit", bad, "1 to 4294967295");
	nb_cli_enqueue_change(vty, "./route-limit/limit", NB_OP_MODIFY,
			      limit_str);
	nb_cli_enqueue_change(vty, "./route-limit/warning-only", NB_OP_MODIFY,
			      warn ? "true" : "false");
	return nb_cli_apply_changes(vty, NULL);
}

DEFPY_YANG(no_vnetrs_route_limit, no_vnetrs_route_limit_cmd,
	   "no route-limit [(1-4294967295) [warning-only]]",
	   NO_STR
	   "Routes accepted from each peer, per address family\n"
	   "Number of routes\n"
	   "Above the limit, reject the excess routes and keep the session\n")
{
	VNETRS_BLOCK_CHECK(vty);
	nb_cli_enqueue_change(vty, "./route-limit/limit", NB_OP_DESTROY, NULL);
	nb_cli_enqueue_change(vty, "./route-limit/warning-only", NB_OP_DESTROY,
			      NULL);
	return nb_cli_apply_changes(vty, NULL);
}

DEFPY_YANG(vnetrs_max_peers, vnetrs_max_peers_cmd,
	   "max-peers <(1-1024)$max|WORD$bad>",
	   "Most NVA peers (gateways are not counted)\n"
	   "Number of peers (default 8)\n"
	   "Number of peers (explained if out of range)\n")
{
	VNETRS_BLOCK_CHECK(vty);
	if (bad)
		return bad_number(vty, "max-peers", bad, "1 to 1024");
	nb_cli_enqueue_change(vty, "./max-peers", NB_OP_MODIFY, max_str);
	return nb_cli_apply_changes(vty, NULL);
}

DEFPY_YANG(no_vnetrs_max_peers, no_vnetrs_max_peers_cmd,
	   "no max-peers [(1-1024)]",
	   NO_STR
	   "Most NVA peers (gateways are not counted)\n"
	   "Number of peers\n")
{
	VNETRS_BLOCK_CHECK(vty);
	nb_cli_enqueue_change(vty, "./max-peers", NB_OP_DESTROY, NULL);
	return nb_cli_apply_changes(vty, NULL);
}

#define GW_ADDR "<A.B.C.D|X:X::X:X>"
#define GW_ADDR_STR "Gateway instance IPv4 address\nGateway instance IPv6 address\n"

DEFPY_YANG(vnetrs_gateway, vnetrs_gateway_cmd,
	   "gateway <expressroute|vpn>$type " GW_ADDR "$a1 [" GW_ADDR
	   "$a2] [remote-as (0-4294967295)$asn]",
	   "A virtual network gateway the route server peers with\n"
	   "ExpressRoute gateway (one or two instances)\n"
	   "VPN gateway (active-active: two instances)\n" GW_ADDR_STR GW_ADDR_STR
	   "AS of the gateway (default: the route server's, iBGP)\n"
	   "AS number\n")
{
	char xpath[XPATH_MAXLEN], sub[XPATH_MAXLEN + 32];
	union sockunion su1, su2;

	VNETRS_BLOCK_CHECK(vty);
	if (a2_str && str2sockunion(a1_str, &su1) == 0 &&
	    str2sockunion(a2_str, &su2) == 0 && sockunion_same(&su1, &su2)) {
		vty_out(vty,
			"%% gateway %s %s %s: the same address twice: give each instance's own address\n",
			type, a1_str, a2_str);
		return refuse(vty);
	}
	snprintf(xpath, sizeof(xpath), "./gateway[type='%s']", type);
	/* The command gives the whole gateway: it replaces what was there. */
	nb_cli_enqueue_change(vty, xpath, NB_OP_DESTROY, NULL);
	nb_cli_enqueue_change(vty, xpath, NB_OP_CREATE, NULL);
	snprintf(sub, sizeof(sub), "%s/address", xpath);
	nb_cli_enqueue_change(vty, sub, NB_OP_CREATE, a1_str);
	if (a2_str)
		nb_cli_enqueue_change(vty, sub, NB_OP_CREATE, a2_str);
	if (asn_str) {
		snprintf(sub, sizeof(sub), "%s/remote-as", xpath);
		nb_cli_enqueue_change(vty, sub, NB_OP_MODIFY, asn_str);
	}
	return apply_entry(vty, NULL, xpath);
}

DEFPY_YANG(no_vnetrs_gateway, no_vnetrs_gateway_cmd,
	   "no gateway <expressroute|vpn>$type [" GW_ADDR " [" GW_ADDR
	   "] [remote-as (0-4294967295)]]",
	   NO_STR
	   "A virtual network gateway the route server peers with\n"
	   "ExpressRoute gateway\n"
	   "VPN gateway\n" GW_ADDR_STR GW_ADDR_STR
	   "AS of the gateway\n"
	   "AS number\n")
{
	char xpath[XPATH_MAXLEN];

	VNETRS_BLOCK_CHECK(vty);
	snprintf(xpath, sizeof(xpath), "./gateway[type='%s']", type);
	nb_cli_enqueue_change(vty, xpath, NB_OP_DESTROY, NULL);
	return nb_cli_apply_changes(vty, NULL);
}

DEFPY_YANG(vnetrs_b2b, vnetrs_b2b_cmd, "[no] branch-to-branch",
	   NO_STR
	   "Exchange routes between NVAs and gateways, and between gateways\n")
{
	VNETRS_BLOCK_CHECK(vty);
	nb_cli_enqueue_change(vty, "./branch-to-branch", NB_OP_MODIFY,
			      no ? "false" : "true");
	return nb_cli_apply_changes(vty, NULL);
}

DEFPY_YANG(vnetrs_maintenance, vnetrs_maintenance_cmd, "[no] maintenance",
	   NO_STR
	   "Drain this instance (RFC 8326) before stopping it\n")
{
	VNETRS_BLOCK_CHECK(vty);
	nb_cli_enqueue_change(vty, "./maintenance", NB_OP_MODIFY,
			      no ? "false" : "true");
	return nb_cli_apply_changes(vty, NULL);
}

DEFPY_YANG(vnetrs_preference, vnetrs_preference_cmd,
	   "routing-preference <expressroute|vpn-nva|as-path>$pref",
	   "Which source wins a prefix learned from several\n"
	   "ExpressRoute over VPN and NVAs (default)\n"
	   "VPN and NVAs over ExpressRoute\n"
	   "The shortest AS path, whatever the source\n")
{
	VNETRS_BLOCK_CHECK(vty);
	nb_cli_enqueue_change(vty, "./routing-preference", NB_OP_MODIFY, pref);
	return nb_cli_apply_changes(vty, NULL);
}

DEFPY_YANG(no_vnetrs_preference, no_vnetrs_preference_cmd,
	   "no routing-preference [<expressroute|vpn-nva|as-path>]",
	   NO_STR
	   "Which source wins a prefix learned from several\n"
	   "ExpressRoute over VPN and NVAs (default)\n"
	   "VPN and NVAs over ExpressRoute\n"
	   "The shortest AS path, whatever the source\n")
{
	VNETRS_BLOCK_CHECK(vty);
	nb_cli_enqueue_change(vty, "./routing-preference", NB_OP_DESTROY,
			      NULL);
	return nb_cli_apply_changes(vty, NULL);
}

#define SDN_LISTEN_STR                                                         \
	"SDN programming of the effective routes\n"                            \
	"Stream the effective routes to SDN consumers\n"
#define QUEUE_LIMIT_STR                                                        \
	"Data queued per consumer before it is disconnected as stuck\n"       \
	"KiB (default 262144: 256 MiB)\n"
#define MAX_CONSUMERS_STR                                                      \
	"Consumers connected at once, more are refused\n"                     \
	"Number (default 1024)\n"

#define TLS_LISTEN_STR                                                         \
	"Over TLS 1.3 on TCP, with certificates on both sides\n"              \
	"Local IPv4 address (0.0.0.0: all)\n"                                 \
	"Local IPv6 address (::: all)\n"                                      \
	"TCP port\n"                                                          \
	"Port (default 7179)\n"                                               \
	"The route server's certificate\n"                                    \
	"PEM file of the certificate (and its chain)\n"                       \
	"The certificate's private key\n"                                     \
	"PEM file of the key\n"                                               \
	"The CA consumers' certificates must be signed by\n"                  \
	"PEM file of the CA certificate(s)\n" QUEUE_LIMIT_STR                 \
		MAX_CONSUMERS_STR

/* A listener's queue-limit and max-consumers: the values given, or the
 * defaults. */
static void listener_limits(struct vty *vty, const char *xpath,
			    const char *kib, const char *maxc)
{
	char sub[XPATH_MAXLEN + 32];

	snprintf(sub, sizeof(sub), "%s/queue-limit", xpath);
	nb_cli_enqueue_change(vty, sub, kib ? NB_OP_MODIFY : NB_OP_DESTROY,
			      kib);
	snprintf(sub, sizeof(sub), "%s/max-consumers", xpath);
	nb_cli_enqueue_change(vty, sub, maxc ? NB_OP_MODIFY : NB_OP_DESTROY,
			      maxc);
}

DEFPY_YANG(vnetrs_sdn_listen, vnetrs_sdn_listen_cmd,
	   "[no] sdn listen unix PATH$path [queue-limit <(64-4194304)$kib|WORD$bad>] [max-consumers (1-65535)$maxc]",
	   NO_STR
	   SDN_LISTEN_STR
	   "On a Unix stream socket\n"
	   "Absolute path of the socket\n"
	   QUEUE_LIMIT_STR
	   "KiB (explained if out of range)\n"
	   MAX_CONSUMERS_STR)
{
	char xpath[XPATH_MAXLEN];

	VNETRS_BLOCK_CHECK(vty);
	if (bad) {
		char cmd[XPATH_MAXLEN];

		snprintf(cmd, sizeof(cmd), "sdn listen unix %s queue-limit",
			 path);
		return bad_number(vty, cmd, bad, "64 to 4194304 (KiB)");
	}
	if (strchr(path, '\'')) {
		vty_out(vty, "%% sdn listen unix %s: a quote cannot be part of the path\n",
			path);
		return refuse(vty);
	}
	/* Validation says what is wrong with a long path, but the XPath of
	 * an absurdly long one could not even reach it. */
	if (snprintf(xpath, sizeof(xpath), "./sdn-listen[path='%s']", path) >=
	    (int)sizeof(xpath) - 16) {
		vty_out(vty,
			"%% sdn listen unix %.64s...: the path has %zu characters, too many for the configuration\n",
			path, strlen(path));
		return refuse(vty);
	}
	if (no) {
		nb_cli_enqueue_change(vty, xpath, NB_OP_DESTROY, NULL);
		return nb_cli_apply_changes(vty, NULL);
	}
	nb_cli_enqueue_change(vty, xpath, NB_OP_CREATE, NULL);
	listener_limits(vty, xpath, kib_str, maxc_str);
	return apply_entry(vty, NULL, xpath);
}

/* The address of a TLS listener as the configuration keys it. */
static const char *tls_key(const union sockunion *addr, long port,
			   const char *port_str, char *xpath, size_t len)
{
	char buf[INET6_ADDRSTRLEN];

	snprintf(xpath, len, "./sdn-listen-tls[address='%s'][port='%ld']",
		 sockunion2str(addr, buf, sizeof(buf)),
		 port_str ? port : VNETRS_SDN_TLS_PORT);
	return xpath;
}

DEFPY_YANG(vnetrs_sdn_listen_tls, vnetrs_sdn_listen_tls_cmd,
	   "sdn listen tls <A.B.C.D|X:X::X:X>$addr [port (1-65535)$port] certificate PATH$cert key PATH$key ca PATH$ca [queue-limit (64-4194304)$kib] [max-consumers (1-65535)$maxc]",
	   SDN_LISTEN_STR
	   TLS_LISTEN_STR)
{
	char xpath[XPATH_MAXLEN], sub[XPATH_MAXLEN + 32];

	VNETRS_BLOCK_CHECK(vty);
	tls_key(addr, port, port_str, xpath, sizeof(xpath));
	nb_cli_enqueue_change(vty, xpath, NB_OP_CREATE, NULL);
	snprintf(sub, sizeof(sub), "%s/certificate", xpath);
	nb_cli_enqueue_change(vty, sub, NB_OP_MODIFY, cert);
	snprintf(sub, sizeof(sub), "%s/key", xpath);
	nb_cli_enqueue_change(vty, sub, NB_OP_MODIFY, key);
	snprintf(sub, sizeof(sub), "%s/ca", xpath);
	nb_cli_enqueue_change(vty, sub, NB_OP_MODIFY, ca);
	listener_limits(vty, xpath, kib_str, maxc_str);
	return apply_entry(vty, NULL, xpath);
}

DEFPY_YANG(no_vnetrs_sdn_listen_tls, no_vnetrs_sdn_listen_tls_cmd,
	   "no sdn listen tls <A.B.C.D|X:X::X:X>$addr [port (1-65535)$port] [certificate PATH key PATH ca PATH [queue-limit (64-4194304)] [max-consumers (1-65535)]]",
	   NO_STR
	   SDN_LISTEN_STR
	   TLS_LISTEN_STR)
{
	char xpath[XPATH_MAXLEN];

	VNETRS_BLOCK_CHECK(vty);
	tls_key(addr, port, port_str, xpath, sizeof(xpath));
	nb_cli_enqueue_change(vty, xpath, NB_OP_DESTROY, NULL);
	return nb_cli_apply_changes(vty, NULL);
}

DEFPY(debug_vnetrs, debug_vnetrs_cmd,
      "[no] debug bgp vnet-route-server [<sdn|policy|effective>$cat]",
      NO_STR DEBUG_STR BGP_STR
      "VNet route server (every category)\n"
      "SDN batches, stream listeners and consumers\n"
      "What is accepted, advertised and refused; the settings it owns\n"
      "Effective route changes, convergence\n")
{
	vnetrs_debug_set(vty, cat, !no);
	return CMD_SUCCESS;
}

DEFPY(show_debugging_vnetrs, show_debugging_vnetrs_cmd,
      "show debugging bgp vnet-route-server",
      SHOW_STR DEBUG_STR BGP_STR "VNet route server\n")
{
	vnetrs_debug_show(vty);
	return CMD_SUCCESS;
}

/*
 * running-config: the node is written inside "router bgp", after the
 * address families (bgp_inst_config_write hook), from the YANG data.
 */
void vnetrs_cli_show_instance(struct vty *vty, const struct lyd_node *dnode,
			      bool show_defaults)
{
	vty_out(vty, " vnet-route-server\n");
}

void vnetrs_cli_show_instance_end(struct vty *vty,
				  const struct lyd_node *dnode)
{
	vty_out(vty, " exit\n");
}

void vnetrs_cli_show_route_limit(struct vty *vty, const struct lyd_node *dnode,
				 bool show_defaults)
{
	bool warn = yang_dnode_get_bool(dnode, "./warning-only");
	uint32_t limit = yang_dnode_get_uint32(dnode, "./limit");

	if (!show_defaults && limit == VNETRS_ROUTE_LIMIT_DEFAULT && !warn)
		return;
	vty_out(vty, "  route-limit %u%s\n", limit, warn ? " warning-only" : "");
}

void vnetrs_cli_show_max_peers(struct vty *vty, const struct lyd_node *dnode,
			       bool show_defaults)
{
	vty_out(vty, "  max-peers %u\n", yang_dnode_get_uint16(dnode, NULL));
}

void vnetrs_cli_show_b2b(struct vty *vty, const struct lyd_node *dnode,
			 bool show_defaults)
{
	if (yang_dnode_get_bool(dnode, NULL))
		vty_out(vty, "  branch-to-branch\n");
	else if (show_defaults)
		vty_out(vty, "  no branch-to-branch\n");
}

void vnetrs_cli_show_maintenance(struct vty *vty, const struct lyd_node *dnode,
				 bool show_defaults)
{
	if (yang_dnode_get_bool(dnode, NULL))
		vty_out(vty, "  maintenance\n");
	else if (show_defaults)
		vty_out(vty, "  no maintenance\n");
}

void vnetrs_cli_show_preference(struct vty *vty, const struct lyd_node *dnode,
				bool show_defaults)
{
	vty_out(vty, "  routing-preference %s\n",
		yang_dnode_get_string(dnode, NULL));
}

static int gw_show_addr(const struct lyd_node *dnode, void *arg)
{
	vty_out(arg, " %s", yang_dnode_get_string(dnode, NULL));
	return YANG_ITER_CONTINUE;
}

void vnetrs_cli_show_gateway(struct vty *vty, const struct lyd_node *dnode,
			     bool show_defaults)
{
	vty_out(vty, "  gateway %s", yang_dnode_get_string(dnode, "./type"));
	yang_dnode_iterate(gw_show_addr, vty, dnode, "./address");
	if (yang_dnode_exists(dnode, "./remote-as"))
		vty_out(vty, " remote-as %u",
			yang_dnode_get_uint32(dnode, "./remote-as"));
	vty_out(vty, "\n");
}

/* queue-limit and max-consumers of a listener, when not the defaults. */
static void cli_show_listener_limits(struct vty *vty,
				     const struct lyd_node *dnode)
{
	if (!yang_dnode_is_default(dnode, "./queue-limit"))
		vty_out(vty, " queue-limit %u",
			yang_dnode_get_uint32(dnode, "./queue-limit"));
	if (!yang_dnode_is_default(dnode, "./max-consumers"))
		vty_out(vty, " max-consumers %u",
			yang_dnode_get_uint32(dnode, "./max-consumers"));
}

void vnetrs_cli_show_sdn_listen(struct vty *vty, const struct lyd_node *dnode,
				bool show_defaults)
{
	vty_out(vty, "  sdn listen unix %s",
		yang_dnode_get_string(dnode, "./path"));
	cli_show_listener_limits(vty, dnode);
	vty_out(vty, "\n");
}

void vnetrs_cli_show_sdn_listen_tls(struct vty *vty,
				    const struct lyd_node *dnode,
				    bool show_defaults)
{
	uint16_t port = yang_dnode_get_uint16(dnode, "./port");

	vty_out(vty, "  sdn listen tls %s",
		yang_dnode_get_string(dnode, "./address"));
	if (port != VNETRS_SDN_TLS_PORT)
		vty_out(vty, " port %u", port);
	vty_out(vty, " certificate %s key %s ca %s",
		yang_dnode_get_string(dnode, "./certificate"),
		yang_dnode_get_string(dnode, "./key"),
		yang_dnode_get_string(dnode, "./ca"));
	cli_show_listener_limits(vty, dnode);
	vty_out(vty, "\n");
}

void vnetrs_cli_show_aspace(struct vty *vty, const struct lyd_node *dnode,
			    bool show_defaults)
{
	vty_out(vty, "  address-space %s%s\n",
		yang_dnode_get_string(dnode, "./prefix"),
		yang_dnode_get_bool(dnode, "./peered") ? " peered" : "");
}

void vnetrs_cli_show_peer(struct vty *vty, const struct lyd_node *dnode,
			  bool show_defaults)
{
	vty_out(vty, "  peer %s remote-as %u",
		yang_dnode_get_string(dnode, "./address"),
		yang_dnode_get_uint32(dnode, "./remote-as"));
	if (yang_dnode_exists(dnode, "./description"))
		vty_out(vty, " description %s",
			yang_dnode_get_string(dnode, "./description"));
	vty_out(vty, "\n");
	if (yang_dnode_exists(dnode, "./route-map-in"))
		vty_out(vty, "  peer %s route-map %s in\n",
			yang_dnode_get_string(dnode, "./address"),
			yang_dnode_get_string(dnode, "./route-map-in"));
	if (yang_dnode_exists(dnode, "./route-map-out"))
		vty_out(vty, "  peer %s route-map %s out\n",
			yang_dnode_get_string(dnode, "./address"),
			yang_dnode_get_string(dnode, "./route-map-out"));
}

int vnetrs_config_write(struct bgp *bgp, struct vty *vty)
{
	const struct lyd_node *dnode;

	dnode = yang_dnode_getf(running_config->dnode, VNETRS_XPATH_INSTANCE,
				vnetrs_bgp_vrf_name(bgp));
	if (dnode)
		nb_cli_show_dnode_cmds(vty, dnode, false);
	return 0;
}

void vnetrs_vty_init(void)
{
	install_node(&vnetrs_node);
	install_default(VNETRS_NODE);
	install_element(BGP_NODE, &vnet_route_server_cmd);
	install_element(BGP_NODE, &no_vnet_route_server_cmd);
	install_element(VNETRS_NODE, &vnetrs_address_space_cmd);
	install_element(VNETRS_NODE, &vnetrs_peer_cmd);
	install_element(VNETRS_NODE, &vnetrs_peer_desc_cmd);
	install_element(VNETRS_NODE, &no_vnetrs_peer_cmd);
	install_element(VNETRS_NODE, &no_vnetrs_peer_full_cmd);
	install_element(VNETRS_NODE, &no_vnetrs_peer_description_cmd);
	install_element(VNETRS_NODE, &no_vnetrs_peer_description_line_cmd);
	install_element(VNETRS_NODE, &vnetrs_peer_route_map_cmd);
	install_element(VNETRS_NODE, &no_vnetrs_peer_route_map_cmd);
	install_element(VNETRS_NODE, &vnetrs_sdn_listen_cmd);
	install_element(VNETRS_NODE, &vnetrs_sdn_listen_tls_cmd);
	install_element(VNETRS_NODE, &no_vnetrs_sdn_listen_tls_cmd);
	install_element(VNETRS_NODE, &vnetrs_gateway_cmd);
	install_element(VNETRS_NODE, &no_vnetrs_gateway_cmd);
	install_element(VNETRS_NODE, &vnetrs_b2b_cmd);
	install_element(VNETRS_NODE, &vnetrs_maintenance_cmd);
	install_element(VNETRS_NODE, &vnetrs_preference_cmd);
	install_element(VNETRS_NODE, &no_vnetrs_preference_cmd);
	install_element(VNETRS_NODE, &vnetrs_route_limit_cmd);
	install_element(VNETRS_NODE, &no_vnetrs_route_limit_cmd);
	install_element(VNETRS_NODE, &vnetrs_max_peers_cmd);
	install_element(VNETRS_NODE, &no_vnetrs_max_peers_cmd);
	install_element(ENABLE_NODE, &debug_vnetrs_cmd);
	install_element(ENABLE_NODE, &show_debugging_vnetrs_cmd);
	install_element(CONFIG_NODE, &debug_vnetrs_cmd);
}
