// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs-agent: the kernel's routes over rtnetlink (libmnl).
 *
 * The agent owns the routes of one protocol number in one table: it only
 * reads, adds, replaces and deletes those.
 */
#ifndef AGENT_NETLINK_H
#define AGENT_NETLINK_H

#include <stddef.h>
#include <stdint.h>

#include "agent/agent_table.h"

struct agent_nl;

/* A netlink route socket for routes of protocol in table, added with
 * metric. NULL with the reason in err. */
struct agent_nl *agent_nl_open(uint8_t protocol, uint32_t table,
			       uint32_t metric, char *err, size_t errlen);
void agent_nl_close(struct agent_nl *nl);

/*
 * The kernel's IPv4 and IPv6 routes of the protocol and table, into t (a
 * kernel table: emptied first, sorted and merged, see agent_kernel_sort()).
 * Returns 0, or -1 (logged).
 */
int agent_nl_dump(struct agent_nl *nl, struct agent_table *t);

struct agent_nl_result {
	/* Refused by the kernel or unanswered (each logged). */
	size_t failed;
	/* Adds refused because a route of that prefix and metric is there
	 * (logged): another protocol's, or one of ours the agent did not
	 * know of. */
	size_t taken;
};

/*
 * Carry out ops in order. An add creates the route only if the kernel has
 * none of that prefix and metric (so nothing is duplicated, nor anyone
 * else's route replaced); a replace creates or replaces it; deleting a
 * route that is gone already is no error.
 */
void agent_nl_apply(struct agent_nl *nl, const struct agent_ops *ops,
		    struct agent_nl_result *res);

#endif /* AGENT_NETLINK_H */
