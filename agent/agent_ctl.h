// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs-agent: one agent per data plane target in a network namespace,
 * and its control socket.
 *
 * Two agents programming the same routes fight: each deletes the other's
 * as stale. So the running agent holds an abstract Unix socket name named
 * after what it programs: "vnetrs-agent/table-T/protocol-P" for a kernel
 * table, "vnetrs-agent/ovn/ROUTER/OWNER" for an OVN router's rows. Names
 * of that kind live in the network namespace, and the kernel releases
 * them when the process ends, however it ends (kill -9 included). A second agent cannot bind it and
 * refuses to start, naming the first one's pid, unless told to take over:
 * it then asks the first to exit (leaving its routes in place) and binds
 * the name once free. The same socket answers "vnetrs-agent --status".
 * Taking over is allowed to root and to the agent's own user.
 */
#ifndef AGENT_CTL_H
#define AGENT_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* How long a take-over waits for the running agent to exit. */
#define AGENT_CTL_TAKEOVER_MS 10000

/* What an agent programs: the lock's name, and words for messages. */
struct agent_ctl_key {
	char name[108]; /* the abstract socket name, without its 0 byte */
	char what[300]; /* "table 254 protocol 196", "OVN router R, owner O" */
};

/* The key of a kernel table's routes of one protocol. */
void agent_ctl_key_kernel(struct agent_ctl_key *key, uint32_t table,
			  uint8_t protocol);
/* The key of an OVN router's rows marked with owner. */
void agent_ctl_key_ovn(struct agent_ctl_key *key, const char *router,
		       const char *owner);

struct agent_ctl {
	int fd; /* the listening socket, -1 when not held */
	struct agent_ctl_key key;
};

/*
 * Take the lock of key (taking it over from a running agent when
 * take_over is set). -1 with a message for the user in err.
 */
int agent_ctl_lock(struct agent_ctl *ctl, const struct agent_ctl_key *key,
		   bool take_over, char *err, size_t errlen);
/* Answer clients from now on (after a fork: they see this process's pid). */
int agent_ctl_listen(struct agent_ctl *ctl, char *err, size_t errlen);
void agent_ctl_close(struct agent_ctl *ctl);

enum agent_ctl_request {
	AGENT_CTL_NONE,
	AGENT_CTL_STATUS,
	AGENT_CTL_TAKE_OVER,
};

/* Writes the status for a client. */
typedef void (*agent_ctl_status_fn)(FILE *f, void *arg);

/*
 * A client is waiting (the socket polled readable): serve it. Returns
 * AGENT_CTL_TAKE_OVER when another agent takes over (the caller exits).
 */
enum agent_ctl_request agent_ctl_serve(struct agent_ctl *ctl,
				       agent_ctl_status_fn status, void *arg);

/*
 * vnetrs-agent --status: ask the agent of key, print its answer to out.
 * 0, or 1 with a message on stderr (no agent running).
 */
int agent_ctl_status(const struct agent_ctl_key *key, FILE *out);

#endif /* AGENT_CTL_H */
