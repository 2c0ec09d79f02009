// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: native bgpd commands that would undo the route server's
 * guarantees are refused, with a message that names the module's command.
 *
 * bgpd offers a module no veto over its own commands, but its commands are
 * elements of the CLI graph of their node: at start the module points the
 * graph of each "neighbor ...", "route-map ...", "network ..." and
 * "aggregate-address ..." command at a copy whose function first asks
 * vnetrs whether the command may run, then calls bgpd's own. Every way a
 * command reaches bgpd goes through that graph: vtysh, a vty session, the
 * configuration file. A command that concerns no route-server peer, no
 * module route-map and no address space runs exactly as before.
 *
 * What the guard lets through is checked afterwards by vnetrs_owned.c,
 * which also catches what no command of bgpd's changes directly.
 */
#include <zebra.h>

#include "lib/command.h"
#include "lib/graph.h"
#include "lib/log.h"
#include "lib/prefix.h"
#include "lib/vector.h"
#include "lib/vty.h"

#include "bgpd/bgpd.h"

#include "vnetrs.h"
#include "vnetrs_bgp.h"
#include "vnetrs_debug.h"
#include "vnetrs_guard.h"
#include "vnetrs_instance.h"
#include "vnetrs_origin.h"
#include "vnetrs_owned.h"
#include "vnetrs_policy.h"

DEFINE_MTYPE_STATIC(VNETRS, VNETRS_GUARD, "vnetrs guarded command");

enum guard_kind {
	GUARD_NEIGHBOR,
	GUARD_ROUTE_MAP,
	GUARD_NETWORK,
	GUARD_AGGREGATE,
};

/* A bgpd command as the graph now holds it: our copy first, so the
 * function receives it as "self". */
struct guarded {
	struct cmd_element el;
	const struct cmd_element *orig;
	struct graph_node *leaf; /* where the command graph points to us */
	enum guard_kind kind;
};

static struct guarded **guards;
static size_t n_guards;

/* Nodes where bgpd's "neighbor", "network" and "aggregate-address"
 * commands live; "route-map" is in CONFIG_NODE. */
static const enum node_type bgp_nodes[] = {
	BGP_NODE,	BGP_IPV4_NODE,	     BGP_IPV4M_NODE,
	BGP_IPV4L_NODE, BGP_IPV6_NODE,	     BGP_IPV6M_NODE,
	BGP_IPV6L_NODE, BGP_VPNV4_NODE,	     BGP_VPNV6_NODE,
	BGP_EVPN_NODE,	BGP_FLOWSPECV4_NODE, BGP_FLOWSPECV6_NODE,
};

static int refuse(struct vty *vty, const char *fmt, ...) PRINTFRR(2, 3);

static int refuse(struct vty *vty, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintfrr(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	vty_out(vty, "%% %s\n", msg);
	vnetrs_info("refused: %s", msg);
	return CMD_WARNING_CONFIG_FAILED;
}

static struct vnetrs_instance *vty_instance(struct vty *vty, struct bgp **bgp)
{
	*bgp = VTY_GET_CONTEXT(bgp);
	return *bgp ? vnetrs_instance_of(*bgp) : NULL;
}

static struct vnetrs_peer *rs_peer(struct vnetrs_instance *inst,
				   const char *addr)
{
	union sockunion su;
	char key[INET6_ADDRSTRLEN];

	if (!inst || str2sockunion(addr, &su) < 0)
		return NULL;
	sockunion2str(&su, key, sizeof(key));
	return vnetrs_peer_find(inst, key);
}

/* The command under vnet-route-server that owns what a peer has. */
static const char *owner_cmd(const struct vnetrs_peer *vp, char *buf,
			     size_t len)
{
	if (vp->role == VNETRS_ROLE_NVA)
		snprintf(buf, len, "peer %s", vp->addr);
	else
		snprintf(buf, len, "gateway %s", vnetrs_role2str(vp->role));
	return buf;
}

/* The address family of an address-family node (BGP_NODE: IPv4 unicast,
 * as bgpd reads it); false for families without the route server's rules. */
static bool node_unicast_afi(enum node_type node, afi_t *afi)
{
	switch (node) {
	case BGP_NODE:
	case BGP_IPV4_NODE:
		*afi = AFI_IP;
		return true;
	case BGP_IPV6_NODE:
		*afi = AFI_IP6;
		return true;
	default:
		return false;
	}
}

/* Is arg (a number, "internal", "external") the AS vp must have? */
static bool remote_as_is(const struct vnetrs_peer *vp, const char *arg)
{
	char want[16];

	if (!vp->remote_as)
		return strcmp(arg, "internal") == 0;
	snprintf(want, sizeof(want), "%u", vp->remote_as);
	return strcmp(arg, want) == 0;
}

/*
 * A "neighbor ADDR KEYWORD ..." command on a route-server peer. Returns
 * CMD_SUCCESS when it may run.
 */
static int neighbor_verdict(struct vty *vty, struct vnetrs_peer *vp, bool no,
			    int argc, struct cmd_token **argv, int kw)
{
	const char *what = kw < argc ? argv[kw]->text : NULL;
	const char *arg = kw + 1 < argc ? argv[kw + 1]->arg : NULL;
	char own[64], name[VNETRS_RMAP_NAME_MAX];
	afi_t afi;

	owner_cmd(vp, own, sizeof(own));
	if (!what)
		return no ? refuse(vty,
				   "%s is a route-server peer: remove it with 'no %s' under vnet-route-server",
				   vp->addr, own)
			  : CMD_SUCCESS;
	if (strcmp(what, "remote-as") == 0) {
		if (!no && arg && remote_as_is(vp, arg))
			return CMD_SUCCESS;
		return refuse(
			vty,
			"the AS of route-server peer %s is set by '%s' under vnet-route-server",
			vp->addr, own);
	}
	if (strcmp(what, "peer-group") == 0)
		return no ? CMD_SUCCESS
			  : refuse(vty,
				   "%s is a route-server peer: route-server peers cannot be members of a peer-group (their settings are the route server's)",
				   vp->addr);
	if (strcmp(what, "route-map") == 0) {
		bool in =
			kw + 2 < argc && strcmp(argv[kw + 2]->text, "in") == 0;
		const char *want =
			in ? vnetrs_policy_rmap_in(vp, name, sizeof(name))
			   : vnetrs_policy_rmap_out(vp, name, sizeof(name));

		/* The line bgpd itself writes (a reload applies it again). */
		if (!no && arg && strcmp(arg, want) == 0)
			return CMD_SUCCESS;
		if (vp->role != VNETRS_ROLE_NVA)
			return refuse(
				vty,
				"the route-maps of gateway instance %s belong to the route server: what gateways exchange is set by 'branch-to-branch' under vnet-route-server",
				vp->addr);
		return refuse(
			vty,
			"the route-maps of route-server peer %s belong to the route server: add your own with '%s route-map NAME %s' under vnet-route-server",
			vp->addr, own, in ? "in" : "out");
	}
	if ((strcmp(what, "soft-reconfiguration") == 0 ||
	     strcmp(what, "attribute-unchanged") == 0) &&
	    no)
		return refuse(
			vty,
			"route-server peer %s needs '%s': the route server keeps rejected routes to explain them, and never changes a relayed route's next hop",
			vp->addr, what);
	if (strcmp(what, "maximum-prefix") == 0) {
		char limit[16];

		snprintf(limit, sizeof(limit), "%u", vp->inst->route_limit);
		if (!no && arg && strcmp(arg, limit) == 0)
			return CMD_SUCCESS;
		return refuse(
			vty,
			"the route limit of route-server peer %s is set by 'route-limit' under vnet-route-server",
			vp->addr);
	}
	if (!no && (strcmp(what, "next-hop-self") == 0 ||
		    strcmp(what, "default-originate") == 0 ||
		    strcmp(what, "route-server-client") == 0))
		return refuse(
			vty,
			"'%s' on route-server peer %s would put the route server in the data path or undo its loop protection: the route server forwards nothing",
			what, vp->addr);
	if (!no && strcmp(what, "route-reflector-client") == 0 &&
	    vp->role == VNETRS_ROLE_NVA)
		return refuse(
			vty,
			"route-server peer %s is an NVA: the route server decides what it receives",
			vp->addr);
	if (strcmp(what, "activate") == 0) {
		if (!node_unicast_afi(vty->node, &afi))
			return no ? CMD_SUCCESS
				  : refuse(vty,
					   "the route server has rules for IPv4 and IPv6 unicast only: route-server peer %s cannot be activated here",
					   vp->addr);
		if (no && afi == vnetrs_prefix_afi(&vp->host))
			return refuse(
				vty,
				"route-server peer %s carries %s unicast, its own family: remove the peer with 'no %s' instead",
				vp->addr, afi2str(afi), own);
	}
	return CMD_SUCCESS;
}

static int run_orig(const struct guarded *g, struct vty *vty, int argc,
		    struct cmd_token **argv)
{
	int ret = g->orig->func(&g->el, vty, argc, argv);

	vnetrs_owned_check_soon();
	return ret;
}

static int guard_neighbor(const struct guarded *g, struct vty *vty, int argc,
			  struct cmd_token **argv)
{
	bool no = argc > 0 && strcmp(argv[0]->text, "no") == 0;
	int at = no ? 1 : 0, ret;
	struct vnetrs_instance *inst;
	struct vnetrs_peer *vp;
	struct bgp *bgp;

	inst = vty_instance(vty, &bgp);
	if (argc < at + 2 || strcmp(argv[at]->text, "neighbor") != 0 ||
	    !(vp = rs_peer(inst, argv[at + 1]->arg)))
		return run_orig(g, vty, argc, argv);
	ret = neighbor_verdict(vty, vp, no, argc, argv, at + 2);
	if (ret != CMD_SUCCESS)
		return ret;
	ret = run_orig(g, vty, argc, argv);
	/* A family activated now gets the module's policy at once. */
	if (argc > at + 2 && strcmp(argv[at + 2]->text, "activate") == 0)
		vnetrs_peer_sync(vp);
	return ret;
}

static int guard_route_map(const struct guarded *g, struct vty *vty, int argc,
			   struct cmd_token **argv)
{
	int at = argc > 0 && strcmp(argv[0]->text, "no") == 0 ? 1 : 0;

	if (argc > at + 1 && strcmp(argv[at]->text, "route-map") == 0 &&
	    vnetrs_policy_owns_rmap(argv[at + 1]->arg))
		return refuse(
			vty,
			"route-map %s belongs to the VNet route server (names starting with 'vnetrs-' are reserved): to add policy to a route-server peer, use 'peer ADDR route-map NAME in|out' under vnet-route-server",
			argv[at + 1]->arg);
	return run_orig(g, vty, argc, argv);
}

/* The address space a "network" command names, if it is one. */
static struct vnetrs_aspace *network_aspace(struct vnetrs_instance *inst,
					    int argc, struct cmd_token **argv,
					    int at)
{
	struct vnetrs_prefix vpfx;
	struct prefix p;

	if (!inst || argc <= at + 1 || str2prefix(argv[at + 1]->arg, &p) <= 0 ||
	    !strchr(argv[at + 1]->arg, '/'))
		return NULL;
	apply_mask(&p);
	vnetrs_prefix_from_frr(&p, &vpfx);
	return vnetrs_aspace_find(inst, &vpfx);
}

static int guard_network(const struct guarded *g, struct vty *vty, int argc,
			 struct cmd_token **argv)
{
	bool no = argc > 0 && strcmp(argv[0]->text, "no") == 0;
	struct vnetrs_instance *inst;
	struct vnetrs_aspace *aspace;
	struct bgp *bgp;
	int ret;

	inst = vty_instance(vty, &bgp);
	aspace = network_aspace(inst, argc, argv, no ? 1 : 0);
	if (!aspace)
		return run_orig(g, vty, argc, argv);
	if (!no)
		return refuse(
			vty,
			"%s is an address space of the VNet route server, which advertises it itself ('address-space' under vnet-route-server)",
			argv[1]->arg);
	ret = run_orig(g, vty, argc, argv);
	/* An older "network" line gave way: the address space is the
	 * module's to advertise again. */
	vnetrs_origin_update(inst, aspace);
	return ret;
}

static int guard_aggregate(const struct guarded *g, struct vty *vty, int argc,
			   struct cmd_token **argv)
{
	bool no = argc > 0 && strcmp(argv[0]->text, "no") == 0;
	struct vnetrs_instance *inst;
	struct bgp *bgp;

	inst = vty_instance(vty, &bgp);
	if (!no && inst)
		for (int i = 1; i < argc; i++)
			if (strcmp(argv[i]->text, "summary-only") == 0 ||
			    strcmp(argv[i]->text, "suppress-map") == 0)
				return refuse(
					vty,
					"'%s' would hide the VNet's address spaces and the NVAs' routes from the route server's peers: use aggregate-address without it (the route server relays no route it originates itself)",
					argv[i]->text);
	return run_orig(g, vty, argc, argv);
}

static int guard_func(const struct cmd_element *self, struct vty *vty, int argc,
		      struct cmd_token *argv[])
{
	const struct guarded *g = (const struct guarded *)self;

	switch (g->kind) {
	case GUARD_NEIGHBOR:
		return guard_neighbor(g, vty, argc, argv);
	case GUARD_ROUTE_MAP:
		return guard_route_map(g, vty, argc, argv);
	case GUARD_NETWORK:
		return guard_network(g, vty, argc, argv);
	case GUARD_AGGREGATE:
		return guard_aggregate(g, vty, argc, argv);
	}
	return run_orig(g, vty, argc, argv);
}

static bool starts(const char *s, const char *word)
{
	size_t n = strlen(word);

	if (strncmp(s, "no ", 3) == 0)
		s += 3;
	else if (strncmp(s, "[no] ", 5) == 0)
		s += 5;
	return strncmp(s, word, n) == 0 && s[n] == ' ';
}

static bool classify(enum node_type node, const struct cmd_element *cmd,
		     enum guard_kind *kind)
{
	if (node == CONFIG_NODE) {
		*kind = GUARD_ROUTE_MAP;
		return starts(cmd->string, "route-map");
	}
	if (starts(cmd->string, "neighbor"))
		*kind = GUARD_NEIGHBOR;
	else if (starts(cmd->string, "network"))
		*kind = GUARD_NETWORK;
	else if (starts(cmd->string, "aggregate-address"))
		*kind = GUARD_AGGREGATE;
	else
		return false;
	return true;
}

static int ptr_cmp(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t) * (const void *const *)a;
	uintptr_t y = (uintptr_t) * (const void *const *)b;

	return x < y ? -1 : x > y;
}

/*
 * In a node's command graph, a command ends in a leaf whose data is its
 * cmd_element: what the matcher hands to the executor. Pointing those
 * leaves at our copies swaps the function bgpd runs, with no change to
 * the graph's shape (uninstall_element would rebuild it, and 8.4's graph
 * merge does not take that for a node as large as bgpd's).
 */
static void guard_node(enum node_type node)
{
	struct cmd_node *cn = vector_lookup(cmdvec, node);
	const struct cmd_element **found;
	struct graph *graph;
	size_t n = 0, max;

	if (!cn || !cn->cmdgraph)
		return;
	max = vector_active(cn->cmd_vector);
	found = XCALLOC(MTYPE_VNETRS_GUARD, max * sizeof(*found) + 1);
	for (size_t i = 0; i < max; i++) {
		const struct cmd_element *cmd = vector_slot(cn->cmd_vector, i);
		enum guard_kind kind;

		if (cmd && classify(node, cmd, &kind))
			found[n++] = cmd;
	}
	qsort(found, n, sizeof(*found), ptr_cmp);
	graph = cn->cmdgraph;
	for (size_t i = 0; i < vector_active(graph->nodes); i++) {
		struct graph_node *gn = vector_slot(graph->nodes, i);
		const struct cmd_element **hit;
		struct guarded *g;

		if (!gn || !gn->data ||
		    !(hit = bsearch(&gn->data, found, n, sizeof(*found),
				    ptr_cmp)))
			continue;
		g = XCALLOC(MTYPE_VNETRS_GUARD, sizeof(*g));
		g->el = **hit;
		g->el.func = guard_func;
		g->orig = *hit;
		g->leaf = gn;
		classify(node, *hit, &g->kind);
		gn->data = &g->el;
		guards = XREALLOC(MTYPE_VNETRS_GUARD, guards,
				  (n_guards + 1) * sizeof(*guards));
		guards[n_guards++] = g;
	}
	XFREE(MTYPE_VNETRS_GUARD, found);
}

void vnetrs_guard_init(void)
{
	for (size_t i = 0; i < array_size(bgp_nodes); i++)
		guard_node(bgp_nodes[i]);
	guard_node(CONFIG_NODE);
	vnetrs_info("%zu bgpd commands guarded", n_guards);
}

void vnetrs_guard_fini(void)
{
	for (size_t i = 0; i < n_guards; i++) {
		guards[i]->leaf->data = (void *)guards[i]->orig;
		XFREE(MTYPE_VNETRS_GUARD, guards[i]);
	}
	XFREE(MTYPE_VNETRS_GUARD, guards);
	n_guards = 0;
}
