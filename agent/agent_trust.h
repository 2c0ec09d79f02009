// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs-agent: which route servers it believes.
 *
 * The agent programs the host's kernel with whatever a route server sends,
 * so it talks only to route servers it was told to trust: the process
 * behind the socket must run as a trusted user (the kernel's SO_PEERCRED,
 * which cannot be forged), and, when --expect-as is given, its HELLO must
 * announce that AS. By default root and the user "frr" (FRR's daemons
 * drop to it) are trusted.
 */
#ifndef AGENT_TRUST_H
#define AGENT_TRUST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define AGENT_TRUST_MAX_USERS 8

struct agent_trust {
	uid_t uids[AGENT_TRUST_MAX_USERS];
	size_t n_uids;
	bool any_as;
	uint32_t asn;
};

/* Root, and frr when that user exists. */
void agent_trust_defaults(struct agent_trust *t);
/* Trust a user, by name or number (the first call replaces the defaults
 * when replace is set). -1 with a message in err. */
int agent_trust_add_user(struct agent_trust *t, const char *user,
			 bool replace, char *err, size_t errlen);
/* Is the process at the other end of the connected Unix socket fd run by
 * a trusted user? When not, why says who it is. */
bool agent_trust_socket(const struct agent_trust *t, int fd, char *why,
			size_t whylen);
/* Does the AS a route server announced match --expect-as? */
bool agent_trust_as(const struct agent_trust *t, uint32_t asn, char *why,
		    size_t whylen);

#endif /* AGENT_TRUST_H */
