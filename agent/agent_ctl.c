// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs-agent: one agent per data plane target, and its control socket
 * (agent_ctl.h).
 */
#define _GNU_SOURCE
#include "agent/agent_ctl.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "agent/agent.h"

#define CTL_REQ_STATUS "status\n"
#define CTL_REQ_TAKE_OVER "take-over\n"
/* A client has this long to send its request, or to read the answer. */
#define CTL_IO_TIMEOUT_S 1

void agent_ctl_key_kernel(struct agent_ctl_key *key, uint32_t table,
			  uint8_t protocol)
{
	snprintf(key->name, sizeof(key->name),
		 "vnetrs-agent/table-%" PRIu32 "/protocol-%u", table,
		 protocol);
	snprintf(key->what, sizeof(key->what),
		 "table %" PRIu32 " protocol %u", table, protocol);
}

/* FNV-1a over s, then a 0 byte (so "a"+"bc" differs from "ab"+"c"). */
static uint64_t fnv1a(uint64_t h, const char *s)
{
	do {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	} while (*s++);
	return h;
}

void agent_ctl_key_ovn(struct agent_ctl_key *key, const char *router,
		       const char *owner)
{
	int n = snprintf(key->name, sizeof(key->name), "vnetrs-agent/ovn/%s/%s",
			 router, owner);

	/* An abstract name holds 107 bytes: long names go by their hash. */
	if (n < 0 || (size_t)n >= sizeof(key->name) - 1)
		snprintf(key->name, sizeof(key->name),
			 "vnetrs-agent/ovn/%016" PRIx64,
			 fnv1a(fnv1a(0xcbf29ce484222325ULL, router), owner));
	snprintf(key->what, sizeof(key->what), "OVN router %.120s as owner %.120s",
		 router, owner);
}

/* The abstract address of key; its length. */
static socklen_t ctl_addr(struct sockaddr_un *sun,
			  const struct agent_ctl_key *key)
{
	size_t n = strnlen(key->name, sizeof(sun->sun_path) - 1);

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	/* sun_path[0] is 0: an abstract name, not a file. */
	memcpy(sun->sun_path + 1, key->name, n);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

/* A connection to the running agent, with I/O timeouts; -1 if none. */
static int ctl_connect(const struct agent_ctl_key *key)
{
	struct timeval tv = {.tv_sec = CTL_IO_TIMEOUT_S * 5};
	struct sockaddr_un sun;
	socklen_t len = ctl_addr(&sun, key);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sun, len) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static long peer_pid(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return -1;
	return (long)cred.pid;
}

/* A pid for a message ("unknown" while the other agent starts). */
static const char *pid_text(long pid)
{
	static char buf[24];

	if (pid <= 0)
		return "unknown";
	snprintf(buf, sizeof(buf), "%ld", pid);
	return buf;
}

static int ctl_bind(struct agent_ctl *ctl)
{
	struct sockaddr_un sun;
	socklen_t len = ctl_addr(&sun, &ctl->key);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sun, len) < 0) {
		int err = errno;

		close(fd);
		return -err;
	}
	ctl->fd = fd;
	return 0;
}

/* Ask the running agent to go, and wait for its name to be free. */
static int take_over(struct agent_ctl *ctl, char *err, size_t errlen)
{
	uint64_t deadline = agent_now_ms() + AGENT_CTL_TAKEOVER_MS;
	int fd = ctl_connect(&ctl->key);
	long pid = fd >= 0 ? peer_pid(fd) : -1;
	char buf[256];
	ssize_t n;

	if (fd >= 0) {
		agent_log("taking over from the agent running as pid %s",
			  pid_text(pid));
		if (write(fd, CTL_REQ_TAKE_OVER, strlen(CTL_REQ_TAKE_OVER)) < 0)
			agent_log("take-over: %s", strerror(errno));
		/* It answers, then exits. */
		while ((n = read(fd, buf, sizeof(buf) - 1)) > 0) {
			buf[n] = '\0';
			if (strstr(buf, "refused")) {
				close(fd);
				snprintf(err, errlen,
					 "the agent running as pid %s refused "
					 "the take-over: %s",
					 pid_text(pid), buf);
				return -1;
			}
		}
		close(fd);
	}
	while (agent_now_ms() < deadline) {
		if (ctl_bind(ctl) == 0)
			return 0;
		usleep(20000);
	}
	snprintf(err, errlen,
		 "take-over: the agent running as pid %s did not exit within "
		 "%d s",
		 pid_text(pid), AGENT_CTL_TAKEOVER_MS / 1000);
	return -1;
}

int agent_ctl_lock(struct agent_ctl *ctl, const struct agent_ctl_key *key,
		   bool take_over_flag, char *err, size_t errlen)
{
	int ret, fd;
	long pid;

	ctl->fd = -1;
	ctl->key = *key;
	ret = ctl_bind(ctl);
	if (ret == 0)
		return 0;
	if (ret != -EADDRINUSE) {
		snprintf(err, errlen, "control socket: %s", strerror(-ret));
		return -1;
	}
	if (take_over_flag)
		return take_over(ctl, err, errlen);
	fd = ctl_connect(key);
	pid = fd >= 0 ? peer_pid(fd) : -1;
	if (fd >= 0)
		close(fd);
	snprintf(err, errlen,
		 "another vnetrs-agent (pid %s) already programs %s in this "
		 "network namespace: not starting (--take-over replaces it)",
		 pid_text(pid), key->what);
	return -1;
}

int agent_ctl_listen(struct agent_ctl *ctl, char *err, size_t errlen)
{
	if (listen(ctl->fd, 8) < 0) {
		snprintf(err, errlen, "control socket: listen: %s",
			 strerror(errno));
		return -1;
	}
	return 0;
}

void agent_ctl_close(struct agent_ctl *ctl)
{
	if (ctl->fd >= 0)
		close(ctl->fd);
	ctl->fd = -1;
}

/* May the client behind fd make the agent exit? Root or our user. */
static bool may_take_over(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return false;
	return cred.uid == 0 || cred.uid == geteuid();
}

static void send_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

static void send_status(int fd, agent_ctl_status_fn status, void *arg)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return;
	status(f, arg);
	if (fclose(f) == 0)
		send_all(fd, text, len);
	free(text);
}

enum agent_ctl_request agent_ctl_serve(struct agent_ctl *ctl,
				       agent_ctl_status_fn status, void *arg)
{
	struct timeval tv = {.tv_sec = CTL_IO_TIMEOUT_S};
	enum agent_ctl_request req = AGENT_CTL_NONE;
	char buf[64];
	ssize_t n;
	int fd;

	fd = accept4(ctl->fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return AGENT_CTL_NONE;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	if (n > 0) {
		buf[n] = '\0';
		if (!strcmp(buf, CTL_REQ_STATUS)) {
			req = AGENT_CTL_STATUS;
			send_status(fd, status, arg);
		} else if (!strcmp(buf, CTL_REQ_TAKE_OVER)) {
			if (may_take_over(fd)) {
				req = AGENT_CTL_TAKE_OVER;
				send_all(fd, "ok\n", 3);
			} else {
				send_all(fd, "refused: not root nor our user\n",
					 31);
			}
		}
	}
	close(fd);
	return req;
}

int agent_ctl_status(const struct agent_ctl_key *key, FILE *out)
{
	int fd = ctl_connect(key);
	char buf[4096];
	ssize_t n;

	if (fd < 0) {
		fprintf(stderr,
			"vnetrs-agent: no agent runs for %s in this network "
			"namespace\n",
			key->what);
		return 1;
	}
	if (send(fd, CTL_REQ_STATUS, strlen(CTL_REQ_STATUS), MSG_NOSIGNAL) <
	    0) {
		fprintf(stderr, "vnetrs-agent: --status: %s\n",
			strerror(errno));
		close(fd);
		return 1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, out);
	close(fd);
	return 0;
}
