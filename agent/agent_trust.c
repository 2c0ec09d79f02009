// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs-agent: which route servers it believes (see agent_trust.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "agent/agent_trust.h"

static void add_uid(struct agent_trust *t, uid_t uid)
{
	for (size_t i = 0; i < t->n_uids; i++)
		if (t->uids[i] == uid)
			return;
	if (t->n_uids < AGENT_TRUST_MAX_USERS)
		t->uids[t->n_uids++] = uid;
}

void agent_trust_defaults(struct agent_trust *t)
{
	struct passwd *pw = getpwnam("frr");

	memset(t, 0, sizeof(*t));
	t->any_as = true;
	add_uid(t, 0);
	if (pw)
		add_uid(t, pw->pw_uid);
}

int agent_trust_add_user(struct agent_trust *t, const char *user,
			 bool replace, char *err, size_t errlen)
{
	struct passwd *pw = getpwnam(user);
	char *end;
	unsigned long n;

	if (replace)
		t->n_uids = 0;
	if (t->n_uids == AGENT_TRUST_MAX_USERS) {
		snprintf(err, errlen, "at most %d trusted users",
			 AGENT_TRUST_MAX_USERS);
		return -1;
	}
	if (pw) {
		add_uid(t, pw->pw_uid);
		return 0;
	}
	errno = 0;
	n = strtoul(user, &end, 10);
	if (!*user || *end || errno || n > (uid_t)-2) {
		snprintf(err, errlen, "no such user: %s", user);
		return -1;
	}
	add_uid(t, (uid_t)n);
	return 0;
}

bool agent_trust_socket(const struct agent_trust *t, int fd, char *why,
			size_t whylen)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct passwd *pw;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		snprintf(why, whylen, "cannot tell who serves the socket: %s",
			 strerror(errno));
		return false;
	}
	for (size_t i = 0; i < t->n_uids; i++)
		if (t->uids[i] == cred.uid)
			return true;
	pw = getpwuid(cred.uid);
	snprintf(why, whylen,
		 "the process serving it (pid %ld) runs as uid %lu (%s), not a "
		 "trusted user (--trust-user)",
		 (long)cred.pid, (unsigned long)cred.uid,
		 pw ? pw->pw_name : "no name");
	return false;
}

bool agent_trust_as(const struct agent_trust *t, uint32_t asn, char *why,
		    size_t whylen)
{
	if (t->any_as || asn == t->asn)
		return true;
	snprintf(why, whylen,
		 "it announces AS %" PRIu32 ", not the expected AS %" PRIu32
		 " (--expect-as)",
		 asn, t->asn);
	return false;
}
