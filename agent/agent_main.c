// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs-agent: the reference SDN consumer of the route server.
 *
 * It connects to the SDN sockets of one or two route-server instances
 * (docs/sdn-protocol.md), merges their tables (per prefix, the union of
 * the next hops of the instances that hold it) and programs the result
 * into the kernel of the host it runs on, as routes of its own protocol
 * number: reconciled with the kernel's routes at every snapshot, changed
 * prefix by prefix at every incremental batch. One thread, one poll(2)
 * loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/agent_conn.h"
#include "agent/agent_netlink.h"
#include "agent/agent_table.h"

#define AGENT_MAX_CONN 2
#define DEFAULT_PROTOCOL 245
#define DEFAULT_TABLE 254 /* main */
#define DEFAULT_METRIC 20
#define DEFAULT_TIMEOUT_S 10
/*
 * After a start, or after all instances were gone, the first snapshot
 * does not delete the kernel's routes it lacks while another instance's
 * snapshot is still due: they may be that one's. Until every instance is
 * synced, or this long.
 */
#define SYNC_GRACE_MS 5000
/*
 * Next hops of one kernel route, at most. The kernel dumps a route in one
 * message, and silently ends an IPv6 dump at a route too long for the
 * reader's buffer: iproute2's first read gets one page (4 KiB, ~135 IPv6
 * next hops), so a wider route hides itself and every route after it from
 * 'ip -6 route'. A wider route is programmed with its first 128, logged.
 */
#define KERNEL_MAX_NH 128
/* Protocol numbers the kernel and administrators use (unspec, redirect,
 * kernel, boot, static): never the agent's. */
#define PROTOCOL_MIN 5

bool agent_verbose;

struct agent {
	/* Options. */
	const char *paths[AGENT_MAX_CONN];
	size_t nconn;
	char name[VNETRS_SDN_NAME_MAX + 1];
	uint8_t protocol;
	uint32_t table;
	uint32_t metric;
	bool once;
	unsigned long timeout_s;
	bool remove_on_exit;
	bool daemon;
	const char *pidfile;
	struct agent_trust trust;

	/* State. */
	struct agent_conn conns[AGENT_MAX_CONN];
	struct agent_nl *nl; /* NULL with --once */
	/* What the kernel was last programmed with (the merge of the synced
	 * instances); valid when programmed. */
	struct agent_table desired;
	bool programmed;
	/* No reconcile since the start or since all instances were gone. */
	bool fresh;
	/* The end of the grace after a fresh start (SYNC_GRACE_MS). */
	uint64_t grace_ms;
	/* A reconcile is due then (0: none), for why: the last one kept
	 * stale routes, could not read the kernel's, or an add found a
	 * route there. */
	uint64_t resync_ms;
	const char *resync_why;
	bool pidfile_written;
};

void agent_log(const char *fmt, ...)
{
	char line[2048];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
	n += (size_t)snprintf(line + n, sizeof(line) - n,
			      ".%03ldZ vnetrs-agent[%ld]: ",
			      ts.tv_nsec / 1000000L, (long)getpid());
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	va_end(ap);
	n = strlen(line);
	line[n++] = '\n';
	line[n] = '\0';
	fputs(line, stderr);
}

uint64_t agent_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* --- programming the kernel ----------------------------------------------- */

/* The tables of the instances that have one (NULL for the others). */
static size_t synced_tables(struct agent *a,
			    const struct agent_table *tabs[AGENT_MAX_CONN])
{
	size_t i, n = 0;

	for (i = 0; i < a->nconn; i++) {
		tabs[i] = a->conns[i].synced ? &a->conns[i].table : NULL;
		if (tabs[i])
			n++;
	}
	return n;
}

/* Are all instances' snapshots there? */
static bool all_synced(const struct agent *a)
{
	size_t i;

	for (i = 0; i < a->nconn; i++)
		if (!a->conns[i].synced)
			return false;
	return true;
}

/* Another reconcile at when, unless one is due earlier. */
static void resync_at(struct agent *a, uint64_t when, const char *why)
{
	if (a->resync_ms && a->resync_ms <= when)
		return;
	a->resync_ms = when;
	a->resync_why = why;
}

/* Carry out ops, and log it: returns the adds that found a route there. */
static size_t apply_ops(struct agent *a, const struct agent_ops *ops,
			const char *what)
{
	struct agent_nl_result res = {0};
	char fbuf[64] = "";

	if (ops->n)
		agent_nl_apply(a->nl, ops, &res);
	if (res.failed || res.taken)
		snprintf(fbuf, sizeof(fbuf), " (%zu failed, %zu found taken)",
			 res.failed, res.taken);
	agent_log("%s: %zu adds, %zu replaces, %zu deletes%s", what, ops->adds,
		  ops->replaces, ops->deletes, fbuf);
	if (ops->capped)
		agent_log(
			"%zu routes have more than %d next hops: programmed "
			"with their first %d",
			ops->capped, KERNEL_MAX_NH, KERNEL_MAX_NH);
	return res.taken;
}

/*
 * The kernel's routes of our protocol and table become the merge of the
 * synced instances: what is missing is added, what differs replaced, what
 * is stale deleted (but see SYNC_GRACE_MS).
 */
static void reconcile(struct agent *a, const char *why)
{
	const struct agent_table *tabs[AGENT_MAX_CONN];
	struct agent_table kernel;
	struct agent_ops ops;
	uint64_t now = agent_now_ms();
	size_t kept = 0;
	char what[160];

	if (a->fresh) {
		a->fresh = false;
		a->grace_ms = now + SYNC_GRACE_MS;
	}
	a->resync_ms = 0;
	if (!synced_tables(a, tabs)) {
		agent_log("reconcile (%s): no route server table, nothing done",
			  why);
		return;
	}
	agent_merge_all(tabs, a->nconn, &a->desired);
	agent_table_init(&kernel);
	agent_ops_init(&ops);
	ops.max_nh = KERNEL_MAX_NH;
	if (agent_nl_dump(a->nl, &kernel) < 0) {
		/* Without the kernel's routes: what is missing is added, the
		 * rest waits for the retry. */
		agent_log(
			"reconcile (%s): cannot read the kernel's routes: "
			"adding the %zu wanted where missing, again in %d s",
			why, agent_table_programmable(&a->desired),
			SYNC_GRACE_MS / 1000);
		agent_table_clear(&kernel);
		agent_diff(&a->desired, &kernel, true, a->metric, &ops);
		apply_ops(a, &ops, "reconcile without the kernel's routes");
		agent_ops_clear(&ops);
		a->programmed = true;
		resync_at(a, now + SYNC_GRACE_MS,
			  "the kernel's routes were not readable");
		return;
	}
	agent_diff(&a->desired, &kernel, true, a->metric, &ops);
	if (!all_synced(a) && now < a->grace_ms) {
		kept = agent_ops_drop(&ops, AGENT_OP_DELETE);
		if (kept)
			resync_at(a, a->grace_ms,
				  "not every route server synced in time");
	}
	snprintf(what, sizeof(what),
		 "reconcile (%s): %zu routes wanted, %zu in the kernel", why,
		 agent_table_programmable(&a->desired), kernel.n);
	apply_ops(a, &ops, what);
	if (kept)
		agent_log(
			"reconcile: %zu stale routes kept until every route "
			"server's snapshot (at most %d s)",
			kept, SYNC_GRACE_MS / 1000);
	agent_ops_clear(&ops);
	agent_table_clear(&kernel);
	a->programmed = true;
}

static void on_commit(struct agent_conn *c, bool snapshot,
		      const struct agent_plist *changed, void *arg)
{
	struct agent *a = arg;
	const struct agent_table *tabs[AGENT_MAX_CONN];
	struct agent_ops ops;
	char what[128];

	if (a->once)
		return;
	if (snapshot || !a->programmed) {
		snprintf(what, sizeof(what), "%s %s", c->path,
			 snapshot ? "snapshot" : "batch");
		reconcile(a, what);
		return;
	}
	synced_tables(a, tabs);
	agent_ops_init(&ops);
	ops.max_nh = KERNEL_MAX_NH;
	agent_update(&a->desired, tabs, a->nconn, changed, a->metric, &ops);
	snprintf(what, sizeof(what), "%s batch: %zu prefixes changed", c->path,
		 changed->n);
	if (apply_ops(a, &ops, what))
		resync_at(a, agent_now_ms(), "an added route was there");
	agent_ops_clear(&ops);
}

static void on_down(struct agent_conn *c, bool had_table, void *arg)
{
	struct agent *a = arg;
	const struct agent_table *tabs[AGENT_MAX_CONN];
	struct agent_table merged;
	struct agent_ops ops;
	char what[128];

	if (a->once || !had_table)
		return;
	if (!synced_tables(a, tabs)) {
		/* Headless: whatever the kernel has stays until a snapshot. */
		a->fresh = true;
		a->resync_ms = 0;
		agent_log(
			"no route server connected: leaving the kernel's "
			"routes as they are until a snapshot arrives");
		return;
	}
	if (!a->programmed) {
		reconcile(a, "instance lost");
		return;
	}
	/* Only what the instance alone had changes: the routes the others
	 * hold with the same next hops are not touched. */
	agent_table_init(&merged);
	agent_merge_all(tabs, a->nconn, &merged);
	agent_ops_init(&ops);
	ops.max_nh = KERNEL_MAX_NH;
	agent_diff(&merged, &a->desired, false, a->metric, &ops);
	snprintf(what, sizeof(what), "%s gone, %zu routes wanted", c->path,
		 agent_table_programmable(&merged));
	if (apply_ops(a, &ops, what))
		resync_at(a, agent_now_ms(), "an added route was there");
	agent_ops_clear(&ops);
	agent_table_swap(&a->desired, &merged);
	agent_table_clear(&merged);
}

static const struct agent_conn_cb conn_cb = {
	.commit = on_commit,
	.down = on_down,
};

/* --remove-on-exit: every route of our protocol and table goes. */
static void remove_routes(struct agent *a)
{
	struct agent_table kernel, none;
	struct agent_ops ops;

	agent_table_init(&kernel);
	agent_table_init(&none);
	agent_ops_init(&ops);
	ops.max_nh = KERNEL_MAX_NH;
	if (agent_nl_dump(a->nl, &kernel) < 0) {
		/* At least the routes it programmed last. */
		agent_log(
			"exit: cannot read the kernel's routes: removing "
			"those programmed last");
		agent_diff(&none, &a->desired, false, a->metric, &ops);
	} else {
		agent_diff(&none, &kernel, true, a->metric, &ops);
	}
	apply_ops(a, &ops, "exit, removing the routes");
	agent_ops_clear(&ops);
	agent_table_clear(&kernel);
}

/* --- options -------------------------------------------------------------- */

#define USAGE                                                                  \
	"Usage: vnetrs-agent --connect PATH [--connect PATH] [options]\n"      \
	"\n"                                                                   \
	"Programs the routes of one or two vnetrs route-server instances\n"    \
	"(their SDN sockets: 'sdn listen unix PATH') into this host's\n"       \
	"kernel: per prefix, the union of the next hops of the instances\n"    \
	"holding it. Address spaces (source local) are not programmed.\n"      \
	"\n"                                                                   \
	"  -c, --connect PATH     a route server's SDN socket, 1 or 2\n"       \
	"  -n, --name NAME        our name in the HELLO\n"                     \
	"                         (default vnetrs-agent@HOSTNAME)\n"           \
	"  -p, --protocol N       the route protocol it owns, %d-255\n"        \
	"                         (default %d); it never touches others\n"     \
	"  -t, --table N          routing table (default %d, main)\n"          \
	"  -m, --metric N         metric of its routes (default %d)\n"         \
	"  -1, --once             print the merged table once every\n"         \
	"                         instance sent its snapshot, and exit\n"      \
	"                         (1 if one was not reached); the kernel\n"    \
	"                         is not touched\n"                            \
	"  -T, --timeout SECONDS  how long --once waits (default %d)\n"        \
	"  -r, --remove-on-exit   delete its routes on SIGTERM/SIGINT\n"       \
	"                         (default: leave them, traffic flows on)\n"   \
	"  -d, --daemon           run in the background (logs: stderr)\n"      \
	"  -P, --pidfile PATH     write the process ID there\n"                \
	"  -u, --trust-user USER  believe only route servers run by USER\n"    \
	"                         (name or uid; repeatable; default root\n"    \
	"                         and frr): others are refused\n"            \
	"  -a, --expect-as ASN    refuse a route server of another AS\n"      \
	"  -v, --verbose          log every message and route change\n"        \
	"  -h, --help             this help\n"                                 \
	"\n"                                                                   \
	"SIGHUP: reconcile the kernel with the instances' tables now.\n"

static void usage(FILE *f)
{
	fprintf(f, USAGE, PROTOCOL_MIN, DEFAULT_PROTOCOL, DEFAULT_TABLE,
		DEFAULT_METRIC, DEFAULT_TIMEOUT_S);
}

static bool parse_u32(const char *opt, const char *s, unsigned long min,
		      unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (!*s || *end || errno || s[0] == '-' || v < min || v > max) {
		fprintf(stderr,
			"vnetrs-agent: --%s %s: expected a number from %lu to "
			"%lu\n",
			opt, s, min, max);
		return false;
	}
	*out = v;
	return true;
}

static int add_connect(struct agent *a, const char *path)
{
	struct sockaddr_un sun;
	size_t i;

	if (a->nconn == AGENT_MAX_CONN) {
		fprintf(stderr, "vnetrs-agent: at most %d --connect\n",
			AGENT_MAX_CONN);
		return -1;
	}
	if (!*path || strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr,
			"vnetrs-agent: --connect '%s': a socket path of 1 to "
			"%zu bytes\n",
			path, sizeof(sun.sun_path) - 1);
		return -1;
	}
	for (i = 0; i < a->nconn; i++) {
		if (!strcmp(a->paths[i], path)) {
			fprintf(stderr,
				"vnetrs-agent: --connect %s given twice\n",
				path);
			return -1;
		}
	}
	a->paths[a->nconn++] = path;
	return 0;
}

static int parse_args(struct agent *a, int argc, char **argv)
{
	static const struct option opts[] = {
		{"connect", required_argument, NULL, 'c'},
		{"name", required_argument, NULL, 'n'},
		{"protocol", required_argument, NULL, 'p'},
		{"table", required_argument, NULL, 't'},
		{"metric", required_argument, NULL, 'm'},
		{"once", no_argument, NULL, '1'},
		{"timeout", required_argument, NULL, 'T'},
		{"remove-on-exit", no_argument, NULL, 'r'},
		{"daemon", no_argument, NULL, 'd'},
		{"pidfile", required_argument, NULL, 'P'},
		{"trust-user", required_argument, NULL, 'u'},
		{"expect-as", required_argument, NULL, 'a'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	char host[256], err[128];
	unsigned long v;
	bool named = false, users = false;
	int o;

	a->protocol = DEFAULT_PROTOCOL;
	a->table = DEFAULT_TABLE;
	a->metric = DEFAULT_METRIC;
	a->timeout_s = DEFAULT_TIMEOUT_S;
	agent_trust_defaults(&a->trust);

	while ((o = getopt_long(argc, argv, "c:n:p:t:m:1T:rdP:u:a:vh", opts,
				NULL)) != -1) {
		switch (o) {
		case 'c':
			if (add_connect(a, optarg) < 0)
				return -1;
			break;
		case 'n':
			if (strlen(optarg) > VNETRS_SDN_NAME_MAX) {
				fprintf(stderr,
					"vnetrs-agent: --name: at most %d "
					"bytes\n",
					VNETRS_SDN_NAME_MAX);
				return -1;
			}
			snprintf(a->name, sizeof(a->name), "%s", optarg);
			named = true;
			break;
		case 'p':
			if (!parse_u32("protocol", optarg, PROTOCOL_MIN, 255,
				       &v))
				return -1;
			a->protocol = (uint8_t)v;
			break;
		case 't':
			if (!parse_u32("table", optarg, 1, UINT32_MAX, &v))
				return -1;
			a->table = (uint32_t)v;
			break;
		case 'm':
			if (!parse_u32("metric", optarg, 0, UINT32_MAX, &v))
				return -1;
			a->metric = (uint32_t)v;
			break;
		case '1':
			a->once = true;
			break;
		case 'T':
			if (!parse_u32("timeout", optarg, 1, 86400, &v))
				return -1;
			a->timeout_s = v;
			break;
		case 'r':
			a->remove_on_exit = true;
			break;
		case 'd':
			a->daemon = true;
			break;
		case 'P':
			a->pidfile = optarg;
			break;
		case 'u':
			if (agent_trust_add_user(&a->trust, optarg, !users, err,
						 sizeof(err)) < 0) {
				fprintf(stderr, "vnetrs-agent: --trust-user: %s\n",
					err);
				return -1;
			}
			users = true;
			break;
		case 'a':
			if (!parse_u32("expect-as", optarg, 1, UINT32_MAX, &v))
				return -1;
			a->trust.any_as = false;
			a->trust.asn = (uint32_t)v;
			break;
		case 'v':
			agent_verbose = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vnetrs-agent: unexpected argument '%s'\n",
			argv[optind]);
		usage(stderr);
		return -1;
	}
	if (!a->nconn) {
		fprintf(stderr, "vnetrs-agent: --connect PATH is required\n");
		usage(stderr);
		return -1;
	}
	if (a->once && a->daemon) {
		fprintf(stderr, "vnetrs-agent: --once excludes --daemon\n");
		return -1;
	}
	if (!named) {
		if (gethostname(host, sizeof(host)) < 0)
			snprintf(host, sizeof(host), "unknown");
		host[sizeof(host) - 1] = '\0';
		/* Cut to fit the HELLO's 255 bytes. */
		snprintf(a->name, sizeof(a->name), "vnetrs-agent@%.242s", host);
	}
	return 0;
}

/* --- process -------------------------------------------------------------- */

static int write_pidfile(struct agent *a)
{
	FILE *f = fopen(a->pidfile, "w");

	if (!f || fprintf(f, "%ld\n", (long)getpid()) < 0 || fclose(f) != 0) {
		agent_log("pidfile %s: %s", a->pidfile, strerror(errno));
		return -1;
	}
	a->pidfile_written = true;
	return 0;
}

/*
 * Fork to the background. The parent exits once the child is set up (its
 * pidfile written): 0, or 1 when the child failed. stderr stays.
 */
static int daemonize(struct agent *a)
{
	int pfd[2], fd;
	char status = 1;
	pid_t pid;

	if (pipe(pfd) < 0) {
		agent_log("daemon: pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		agent_log("daemon: fork: %s", strerror(errno));
		return -1;
	}
	if (pid > 0) {
		close(pfd[1]);
		if (read(pfd[0], &status, 1) != 1)
			status = 1;
		close(pfd[0]);
		/* The parent's copies: nothing else to free (exit). */
		_exit(status ? 1 : 0);
	}
	close(pfd[0]);
	if (setsid() < 0 || chdir("/") < 0) {
		agent_log("daemon: %s", strerror(errno));
		close(pfd[1]);
		return -1;
	}
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	if (a->pidfile && write_pidfile(a) < 0) {
		close(pfd[1]);
		return -1;
	}
	status = 0;
	if (write(pfd[1], &status, 1) != 1)
		agent_log("daemon: cannot tell the parent: %s",
			  strerror(errno));
	close(pfd[1]);
	return 0;
}

static void print_merged(struct agent *a)
{
	const struct agent_table *tabs[AGENT_MAX_CONN];
	struct agent_table merged;

	agent_table_init(&merged);
	synced_tables(a, tabs);
	agent_merge_all(tabs, a->nconn, &merged);
	agent_table_print(stdout, &merged);
	fflush(stdout);
	agent_table_clear(&merged);
}

/* A signal: true when it says exit (SIGTERM, SIGINT); SIGHUP reconciles. */
static bool on_signal(struct agent *a, int sigfd)
{
	const struct agent_table *tabs[AGENT_MAX_CONN];
	struct signalfd_siginfo si;

	if (read(sigfd, &si, sizeof(si)) != sizeof(si))
		return false;
	if (si.ssi_signo != SIGHUP) {
		agent_log("%s: exiting", strsignal((int)si.ssi_signo));
		return true;
	}
	if (a->once)
		return false;
	if (synced_tables(a, tabs))
		reconcile(a, "SIGHUP");
	else
		agent_log(
			"SIGHUP: no route server table yet, nothing to "
			"reconcile");
	return false;
}

/* The poll loop: returns the exit status. */
static int run(struct agent *a, int sigfd)
{
	uint64_t now = agent_now_ms();
	uint64_t once_deadline = now + a->timeout_s * 1000;
	struct pollfd pfd[1 + AGENT_MAX_CONN];
	size_t i;

	for (;;) {
		uint64_t next = UINT64_MAX;
		int conn_pfd[AGENT_MAX_CONN];
		nfds_t n = 1;
		int timeout, r;

		pfd[0].fd = sigfd;
		pfd[0].events = POLLIN;
		pfd[0].revents = 0;
		for (i = 0; i < a->nconn; i++) {
			short ev = 0;
			int fd = agent_conn_pollfd(&a->conns[i], &ev);
			uint64_t d = agent_conn_deadline(&a->conns[i]);

			conn_pfd[i] = -1;
			if (fd >= 0) {
				conn_pfd[i] = (int)n;
				pfd[n].fd = fd;
				pfd[n].events = ev;
				pfd[n].revents = 0;
				n++;
			}
			if (d < next)
				next = d;
		}
		if (a->once && once_deadline < next)
			next = once_deadline;
		if (a->resync_ms && a->resync_ms < next)
			next = a->resync_ms;
		now = agent_now_ms();
		timeout = next <= now		 ? 0
			  : next - now > INT_MAX ? INT_MAX
						 : (int)(next - now);
		r = poll(pfd, n, timeout);
		if (r < 0 && errno != EINTR) {
			agent_log("poll: %s", strerror(errno));
			return 1;
		}
		if (r > 0 && (pfd[0].revents & POLLIN) && on_signal(a, sigfd))
			return 0;
		now = agent_now_ms();
		for (i = 0; i < a->nconn; i++)
			agent_conn_run(&a->conns[i],
				       r > 0 && conn_pfd[i] >= 0
					       ? pfd[conn_pfd[i]].revents
					       : 0,
				       now);
		if (a->resync_ms && agent_now_ms() >= a->resync_ms)
			reconcile(a, a->resync_why);
		if (a->once) {
			if (all_synced(a)) {
				print_merged(a);
				return 0;
			}
			if (agent_now_ms() >= once_deadline) {
				for (i = 0; i < a->nconn; i++)
					if (!a->conns[i].synced)
						agent_log(
							"%s: no snapshot "
							"within %lu s",
							a->paths[i],
							a->timeout_s);
				return 1;
			}
		}
	}
}

int main(int argc, char **argv)
{
	struct agent a;
	sigset_t set;
	int sigfd = -1, status = 1;
	char err[256];
	size_t i;

	memset(&a, 0, sizeof(a));
	agent_table_init(&a.desired);
	a.fresh = true;
	if (parse_args(&a, argc, argv) < 0)
		return 2;

	signal(SIGPIPE, SIG_IGN);
	if (!a.once) {
		a.nl = agent_nl_open(a.protocol, a.table, a.metric, err,
				     sizeof(err));
		if (!a.nl) {
			agent_log("%s", err);
			return 1;
		}
	}
	if (a.daemon) {
		if (daemonize(&a) < 0)
			goto out;
	} else if (a.pidfile && write_pidfile(&a) < 0) {
		goto out;
	}

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0 ||
	    (sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
		agent_log("signals: %s", strerror(errno));
		goto out;
	}

	agent_log(
		"starting as '%s': %zu route server(s), protocol %u, table "
		"%" PRIu32 ", metric %" PRIu32 "%s",
		a.name, a.nconn, a.protocol, a.table, a.metric,
		a.once ? ", once (the kernel is not touched)" : "");
	for (i = 0; i < a.nconn; i++) {
		agent_conn_init(&a.conns[i], a.paths[i], a.name, &conn_cb, &a);
		a.conns[i].trust = &a.trust;
	}

	status = run(&a, sigfd);

	if (!a.once) {
		if (a.remove_on_exit)
			remove_routes(&a);
		else
			agent_log("leaving %zu routes in the kernel",
				  agent_table_programmable(&a.desired));
	}
	for (i = 0; i < a.nconn; i++)
		agent_conn_fini(&a.conns[i]);
out:
	if (sigfd >= 0)
		close(sigfd);
	if (a.pidfile_written)
		unlink(a.pidfile);
	agent_table_clear(&a.desired);
	agent_nl_close(a.nl);
	return status;
}
