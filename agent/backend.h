// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs-agent: the one interface of its data planes.
 *
 * The agent's decisions (which instances count, what the data plane should
 * hold, reconciling, putting back what someone else removed, retrying what
 * failed, leaving another owner's route alone) are made once, above the
 * backends (agent_sync.c). A backend only:
 * - lists the routes it owns in its data plane (dump);
 * - carries out a list of operations, and says how each one went;
 * - watches its data plane and reports what changed underneath it (its
 *   own writes excepted) through the callback.
 * The kernel over rtnetlink is one (backend_kernel.c); another data plane
 * (an OVN northbound database: rows instead of routes) is another file
 * implementing these operations, nothing more.
 */
#ifndef AGENT_BACKEND_H
#define AGENT_BACKEND_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "agent/agent_table.h"

/* What changed underneath a backend (not by the agent's own writes). */
enum agent_backend_event {
	/* A route of ours (prefix) was removed or changed by someone else. */
	AGENT_EV_OWN_GONE,
	/* Another owner's route of prefix appeared or went. */
	AGENT_EV_FOREIGN_ADDED,
	AGENT_EV_FOREIGN_GONE,
	/* Links or addresses changed: routes may have been flushed without
	 * a word, or next hops became usable again. */
	AGENT_EV_LINK,
	/* An object routes of ours depend on (a kernel nexthop object) was
	 * removed or changed by someone else: routes may have gone with it
	 * without a word. */
	AGENT_EV_OBJECT,
	/* Events were lost (a full receive buffer): anything may have
	 * changed. */
	AGENT_EV_OVERFLOW,
	/* The data plane is reachable again (a database reconnected, the
	 * router appeared): check everything, retry failures at once. */
	AGENT_EV_RECONNECT,
};

struct agent_backend_cb {
	/* prefix: for the route events, else NULL; what: a few words for
	 * the log ("link eth0 up"). Called from the backend's watch_read()
	 * or from inside its apply(): it must only take note. */
	void (*event)(void *arg, enum agent_backend_event ev,
		      const struct vnetrs_prefix *prefix, const char *what);
};

struct agent_backend_stats {
	uint64_t events;     /* read from the data plane's event stream */
	uint64_t own_events; /* of those, caused by the agent: skipped */
	uint64_t overflows;  /* times events were lost */
};

struct agent_backend;

struct agent_backend_ops {
	const char *name;
	/* What holds a prefix when an add is AGENT_OP_TAKEN, for the log
	 * (NULL: another owner's route of the prefix and metric). */
	const char *conflict;
	/*
	 * The routes the backend owns, into t (emptied first; a kernel table,
	 * see agent_kernel_sort()). 0, or -1 (logged).
	 */
	int (*dump)(struct agent_backend *b, struct agent_table *t);
	/*
	 * Carry out ops in order, setting each one's result (agent_op). An
	 * add creates the route only where there is none of that prefix and
	 * metric (AGENT_OP_TAKEN when another owner's is there); a replace
	 * creates or replaces ours; deleting a route that is gone is done.
	 */
	void (*apply)(struct agent_backend *b, struct agent_ops *ops);
	/* The descriptor to poll for events (POLLIN), or -1 (no watch). */
	int (*watch_fd)(const struct agent_backend *b);
	/* Read the pending events and report them through the callback. */
	void (*watch_read)(struct agent_backend *b);
	void (*close)(struct agent_backend *b);
	/*
	 * Optional, for a backend with a connection of its own (OVN): the
	 * poll(2) events wanted on watch_fd (without it: POLLIN), when it
	 * must run at the latest (0: never), and run(), called at every turn
	 * of the loop with watch_fd's revents (0 on a timer) instead of
	 * watch_read().
	 */
	short (*watch_events)(const struct agent_backend *b);
	uint64_t (*deadline)(const struct agent_backend *b);
	void (*run)(struct agent_backend *b, short revents, uint64_t now);
	/* Optional: its lines of --status. */
	void (*status)(const struct agent_backend *b, FILE *f, uint64_t now);
};

/* The part every backend starts with. */
struct agent_backend {
	const struct agent_backend_ops *ops;
	const struct agent_backend_cb *cb;
	void *cb_arg;
	struct agent_backend_stats stats;
};

static inline void agent_backend_report(struct agent_backend *b,
					enum agent_backend_event ev,
					const struct vnetrs_prefix *prefix,
					const char *what)
{
	if (b->cb && b->cb->event)
		b->cb->event(b->cb_arg, ev, prefix, what);
}

/* The kernel's routing table over rtnetlink (backend_kernel.c). */
#define AGENT_KERNEL_WATCH_BUFFER_DEFAULT (256u * 1024 * 1024)
/* --nexthop-groups: routes through nexthop objects (auto: when the kernel
 * has them), or RTA_MULTIPATH routes. */
enum agent_nhg_mode {
	AGENT_NHG_AUTO,
	AGENT_NHG_ON,
	AGENT_NHG_OFF,
};
struct agent_kernel_config {
	uint8_t protocol; /* the route protocol number the agent owns */
	uint32_t table;
	uint32_t metric;
	bool watch; /* follow route, link and address events */
	/* The watch's receive buffer, bytes: bursts of other programs'
	 * changes (a flush of 100,000 routes needs ~100 MB of socket memory;
	 * only what is queued is used). Beyond it events are lost, and the
	 * agent checks everything. */
	uint32_t watch_buffer;
	enum agent_nhg_mode nexthop_groups;
};

/* NULL with the reason in err. */
struct agent_backend *
agent_backend_kernel_open(const struct agent_kernel_config *cfg,
			  const struct agent_backend_cb *cb, void *cb_arg,
			  char *err, size_t errlen);

/*
 * An OVN logical router's static routes in the northbound database
 * (backend_ovn.c): Logical_Router_Static_Route rows marked as ours in
 * external_ids.
 */
#define AGENT_OVN_MARK_KEY "vnetrs-agent"
struct agent_ovn_config {
	const char *remote; /* "unix:PATH", "tcp:IP:PORT", "ssl:IP:PORT" */
	const char *router; /* the Logical_Router's name */
	const char *owner;  /* external_ids:vnetrs-agent=OWNER on our rows */
	uint32_t metric;    /* given to the routes dump() lists */
	/* ssl: the certificate, key and CA files. */
	const char *cert, *key, *ca;
};

/* NULL with the reason in err (a bad remote). Connects in the background. */
struct agent_backend *agent_backend_ovn_open(const struct agent_ovn_config *cfg,
					     const struct agent_backend_cb *cb,
					     void *cb_arg, char *err,
					     size_t errlen);

/* --once: the rows cfg would write for table t, one line each, to f. */
void agent_ovn_print_rows(const struct agent_ovn_config *cfg,
			  const struct agent_table *t, FILE *f);

#endif /* AGENT_BACKEND_H */
