// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs-agent: the reference SDN consumer of the route server.
 *
 * It connects to the SDN sockets of one or two route-server instances
 * (docs/sdn-protocol.md), merges their tables (per prefix, the union of
 * the next hops of the instances that hold it) and programs the result
 * into a data plane (backend.h): the kernel of the host it runs on, as
 * routes of its own protocol number, or an OVN logical router (--ovn-nb),
 * as rows of its own; reconciled at every snapshot, changed prefix by
 * prefix at every incremental batch. One thread, one poll(2) loop.
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
#include "agent/agent_ctl.h"
#include "agent/agent_members.h"
#include "agent/agent_metrics.h"
#include "agent/agent_sync.h"
#include "agent/agent_table.h"
#include "agent/agent_transport.h"
#include "agent/backend.h"
#include "agent/ovsdb.h"

#define AGENT_MAX_CONN AGENT_MEMBERS_MAX
#define DEFAULT_PROTOCOL 245
#define DEFAULT_TABLE 254 /* main */
#define DEFAULT_METRIC 20
#define DEFAULT_TIMEOUT_S 10
#define DEFAULT_SETTLE_MS 2000
/*
 * After a start, the first snapshot does not delete the kernel's routes it
 * lacks while another instance's snapshot is still due: they may be that
 * one's. Until every instance is synced, or this long.
 */
#define SYNC_GRACE_MS 5000
/* --keep-routes: at most a year, in seconds. */
#define KEEP_ROUTES_MAX_S 31536000UL
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
	struct agent_endpoint eps[AGENT_MAX_CONN];
	size_t nconn;
	struct agent_tls_config tls;
	char name[VNETRS_SDN_NAME_MAX + 1];
	uint8_t protocol;
	uint32_t table;
	uint32_t metric;
	bool once;
	bool status;
	bool take_over;
	bool watch;
	uint32_t watch_buffer;
	enum agent_nhg_mode nexthop_groups;
	unsigned long timeout_s;
	uint32_t silent_ms;
	uint32_t settle_ms;
	uint64_t keep_ms; /* --keep-routes (AGENT_KEEP_FOREVER) */
	bool remove_on_exit;
	bool daemon;
	const char *pidfile;
	struct agent_trust trust;
	/* --ovn-nb: the OVN northbound backend instead of the kernel. */
	bool ovn;
	struct agent_ovn_config ovn_cfg;
	char ovn_owner[256];
	const char *metrics_file;

	/* State. */
	struct agent_conn conns[AGENT_MAX_CONN];
	struct agent_members members;
	struct agent_backend *be; /* NULL with --once */
	struct agent_sync sync;
	struct agent_ctl ctl;
	uint64_t started_ms;
	/* The first reconcile's grace for the other snapshots (0: over). */
	uint64_t grace_ms;
	/* Routes removed when no instance was live for keep_ms. */
	size_t keep_removed;
	bool taken_over;
	bool pidfile_written;
	/* --metrics-file; the wall clock of the start and of the last
	 * sync (a route server's table carried out, or a reconcile). */
	struct agent_metrics metrics;
	struct timespec started_wall;
	struct timespec synced_wall;
	bool metrics_exiting; /* the last write: vnetrs_agent_up 0 */
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

/* --- what the kernel should hold ---------------------------------------- */

static size_t conn_index(const struct agent *a, const struct agent_conn *c)
{
	return (size_t)(c - a->conns);
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

static bool any_synced(const struct agent *a)
{
	size_t i;

	for (i = 0; i < a->nconn; i++)
		if (a->conns[i].synced)
			return true;
	return false;
}

/* Removing nothing now: settling, no instance counting, or the start's
 * grace for the snapshots still due. */
static bool holding(const struct agent *a, uint64_t now)
{
	return agent_members_hold(&a->members, now) ||
	       (a->grace_ms && now < a->grace_ms && !all_synced(a));
}

/*
 * The tables the merge is made of: the counted instances' (NULL for the
 * others), and while holding the desired table itself (nothing is
 * removed). Returns how many entries.
 */
static size_t merge_inputs(const struct agent *a, uint64_t now,
			   const struct agent_table *tabs[AGENT_MAX_CONN + 1])
{
	size_t i;

	for (i = 0; i < a->nconn; i++)
		tabs[i] = agent_members_counted(&a->members, i, now)
				  ? &a->conns[i].table
				  : NULL;
	tabs[a->nconn] =
		holding(a, now) && a->sync.programmed ? &a->sync.desired : NULL;
	return a->nconn + 1;
}

static void target(const struct agent *a, uint64_t now, struct agent_table *out)
{
	const struct agent_table *tabs[AGENT_MAX_CONN + 1];
	size_t n = merge_inputs(a, now, tabs);

	agent_table_init(out);
	agent_merge_all(tabs, n, out);
}

/* The data plane was made what the agent wants: for the metrics. */
static void synced(struct agent *a)
{
	clock_gettime(CLOCK_REALTIME, &a->synced_wall);
	agent_metrics_changed(&a->metrics);
}

/* Read the kernel's routes and make them what the merge says. */
static void reconcile(struct agent *a, const char *why)
{
	struct agent_table want;
	uint64_t now = agent_now_ms();

	if (!any_synced(a) && !a->sync.programmed) {
		agent_log("reconcile (%s): no route server table, nothing done",
			  why);
		return;
	}
	if (!a->sync.programmed && !a->grace_ms)
		a->grace_ms = now + SYNC_GRACE_MS;
	target(a, now, &want);
	agent_sync_reconcile(&a->sync, &want, holding(a, now), why);
	synced(a);
	if (a->grace_ms && now < a->grace_ms && !all_synced(a))
		agent_sync_check_at(&a->sync, a->grace_ms,
				    "not every route server synced in time");
}

/* The set of instances counted changed: the merge again, without reading
 * the kernel (while settling, nothing is removed). */
static void remerge(struct agent *a, const char *why)
{
	struct agent_table want;

	if (!a->sync.programmed)
		return;
	target(a, agent_now_ms(), &want);
	agent_sync_set(&a->sync, &want, why);
	synced(a);
}

/* The keep timer went from state was to what it is now: say so. */
static void keep_log(const struct agent *a, enum agent_keep_state was)
{
	enum agent_keep_state is = agent_members_keep_state(&a->members);

	if (is == was)
		return;
	if (is == AGENT_KEEP_HELD)
		agent_log(
			"no route server is live: keeping the routes "
			"forever (--keep-routes forever)");
	else if (is == AGENT_KEEP_WAITING)
		agent_log(
			"no route server is live: keeping the routes for "
			"%" PRIu64 " s, then removing them (--keep-routes)",
			a->keep_ms / 1000);
	else if (was == AGENT_KEEP_WAITING)
		agent_log(
			"a route server is live again: the routes are kept, "
			"the --keep-routes timer is cancelled");
	else if (was == AGENT_KEEP_REMOVED)
		agent_log(
			"a route server is live again: its routes are "
			"programmed");
}

/* Instance c is live or not now; true when that changed the set. */
static bool member_update(struct agent *a, const struct agent_conn *c)
{
	bool live = c->synced && !c->silent;
	uint64_t now = agent_now_ms();
	enum agent_keep_state was = agent_members_keep_state(&a->members);

	if (!agent_members_set(&a->members, conn_index(a, c), live, now))
		return false;
	agent_log("%s %s the merge; settling for %" PRIu32
		  " ms (nothing removed until then)",
		  c->path, live ? "joins" : "leaves", a->settle_ms);
	keep_log(a, was);
	return true;
}

static void on_commit(struct agent_conn *c, bool snapshot,
		      const struct agent_plist *changed, void *arg)
{
	struct agent *a = arg;
	const struct agent_table *tabs[AGENT_MAX_CONN + 1];
	uint64_t now = agent_now_ms();
	char what[160];
	size_t n;

	if (a->once)
		return;
	member_update(a, c);
	if (snapshot || !a->sync.programmed) {
		snprintf(what, sizeof(what), "%s %s", c->path,
			 snapshot ? "snapshot" : "batch");
		reconcile(a, what);
		return;
	}
	if (!agent_members_counted(&a->members, conn_index(a, c), now)) {
		agent_log(
			"%s batch: %zu prefixes changed, applied when its "
			"settling ends",
			c->path, changed->n);
		return;
	}
	n = merge_inputs(a, now, tabs);
	snprintf(what, sizeof(what), "%s batch: %zu prefixes changed", c->path,
		 changed->n);
	agent_sync_update(&a->sync, tabs, n, changed, what);
	synced(a);
}

static void on_down(struct agent_conn *c, bool had_table, void *arg)
{
	struct agent *a = arg;
	char what[160];

	if (a->once || !had_table)
		return;
	if (!member_update(a, c))
		return;
	snprintf(what, sizeof(what), "%s gone", c->path);
	remerge(a, what);
}

static void on_silence(struct agent_conn *c, bool silent, void *arg)
{
	struct agent *a = arg;
	char what[160];

	if (a->once || !member_update(a, c))
		return;
	snprintf(what, sizeof(what), "%s %s", c->path,
		 silent ? "silent" : "speaks again");
	remerge(a, what);
}

/* A route server drains or no longer does: the merge may change. */
static void on_drain(struct agent_conn *c, void *arg)
{
	struct agent *a = arg;
	char what[160];

	if (a->once || !agent_members_drain(&a->members, conn_index(a, c),
					    c->draining, agent_now_ms()))
		return;
	snprintf(what, sizeof(what), "%s %s", c->path,
		 c->draining ? "drains" : "no longer drains");
	agent_log("%s: %s the merge; settling for %" PRIu32 " ms", what,
		  agent_members_drained(&a->members, conn_index(a, c),
					agent_now_ms())
			  ? "left out of"
			  : "counted in",
		  a->settle_ms);
	remerge(a, what);
}

static const struct agent_conn_cb conn_cb = {
	.commit = on_commit,
	.down = on_down,
	.silence = on_silence,
	.drain = on_drain,
};

/*
 * No instance was live for --keep-routes: every route of ours goes, and
 * the desired table is empty, so nothing restores them; the merge holds
 * nothing back any more (agent_members_hold) until an instance is live.
 */
static void keep_expired(struct agent *a)
{
	struct agent_table none;

	agent_table_init(&none);
	agent_sync_reconcile(&a->sync, &none, false,
			     "no route server live for --keep-routes");
	synced(a);
	a->keep_removed = a->sync.last.deletes;
	agent_log("no route server was live for %" PRIu64
		  " s: removed %zu routes (--keep-routes)",
		  a->keep_ms / 1000, a->keep_removed);
}

/* --remove-on-exit: every route of our protocol and table goes. */
static void remove_routes(struct agent *a)
{
	struct agent_table none;

	agent_table_init(&none);
	agent_sync_reconcile(&a->sync, &none, false,
			     "exit, removing the routes");
}

/* --- status --------------------------------------------------------------- */

static void status_instance(const struct agent *a, size_t i, FILE *f,
			    uint64_t now)
{
	const struct agent_conn *c = &a->conns[i];
	const char *role =
		agent_members_counted(&a->members, i, now) ? "counted"
		: agent_members_drained(&a->members, i, now)
			? "not counted (draining: another instance counts)"
		: a->members.m[i].live ? "settling"
				       : "not counted";

	fprintf(f, "instance %s: %s, %s\n", c->path, agent_conn_state(c), role);
	if (c->ep->kind == AGENT_TP_TLS && c->fd >= 0)
		fprintf(f, "  transport tls (%s), server certificate '%s'\n",
			c->tp.version, c->tp.subject);
	else
		fprintf(f, "  transport %s\n", agent_tp_kind2str(c->ep->kind));
	if (c->fd >= 0 && c->hello)
		fprintf(f, "  route server '%s', epoch %" PRIu64 "%s\n",
			c->server_name, c->epoch,
			c->draining ? ", draining (maintenance)" : "");
	if (c->fd >= 0)
		fprintf(f,
			"  last seq %" PRIu64
			", last heard %.1f s ago%s, "
			"silent after %.1f s\n",
			c->rx.committed, (double)(now - c->last_rx_ms) / 1000.0,
			c->answers ? "" : " (no KEEPALIVE answers seen)",
			(double)(c->silent_ms +
				 (c->answers ? 0 : AGENT_KEEPALIVE_MS)) /
				1000.0);
	fprintf(f, "  routes %zu, connects %" PRIu64 ", silences %" PRIu64 "\n",
		c->table.n, c->connects, c->silences);
}

/* --keep-routes as given: "forever" or "N s". */
static const char *keep_str(uint64_t keep_ms, char *buf, size_t size)
{
	if (keep_ms == AGENT_KEEP_FOREVER)
		return "forever";
	snprintf(buf, size, "%" PRIu64 " s", keep_ms / 1000);
	return buf;
}

/* What --keep-routes did or will do, once no instance is live. */
static void status_keep(const struct agent *a, FILE *f, uint64_t now)
{
	uint64_t d = agent_members_keep_deadline(&a->members);

	switch (agent_members_keep_state(&a->members)) {
	case AGENT_KEEP_LIVE:
		break;
	case AGENT_KEEP_HELD:
		fprintf(f, "no instance: routes kept forever\n");
		break;
	case AGENT_KEEP_WAITING:
		fprintf(f, "no instance: routes kept for another %.1f s\n",
			d > now ? (double)(d - now) / 1000.0 : 0.0);
		break;
	case AGENT_KEEP_REMOVED:
		fprintf(f,
			"no instance: routes removed after %" PRIu64
			" s (%zu routes)\n",
			a->keep_ms / 1000, a->keep_removed);
		break;
	}
}

static void status_print(FILE *f, void *arg)
{
	const struct agent *a = arg;
	uint64_t now = agent_now_ms();
	char keep[32];
	size_t i;

	fprintf(f, "vnetrs-agent '%s', pid %ld, up %.0f s\n", a->name,
		(long)getpid(), (double)(now - a->started_ms) / 1000.0);
	fprintf(f,
		"table %" PRIu32 ", protocol %u, metric %" PRIu32
		", watch %s, settle %" PRIu32 " ms, keep routes %s\n",
		a->table, a->protocol, a->metric, a->watch ? "on" : "off",
		a->settle_ms, keep_str(a->keep_ms, keep, sizeof(keep)));
	for (i = 0; i < a->nconn; i++)
		status_instance(a, i, f, now);
	fprintf(f, "merge: %zu instance(s) counted%s\n",
		agent_members_n_counted(&a->members, now),
		holding(a, now) ? ", holding (nothing removed now)" : "");
	status_keep(a, f, now);
	agent_sync_status(&a->sync, f, now);
}

/* --- metrics (--metrics-file, docs/metrics.md) ----------------------------- */

static double wall_seconds(const struct timespec *ts)
{
	return (double)ts->tv_sec + (double)ts->tv_nsec / 1e9;
}

/* The data plane's labels: backend, and the kernel table or OVN router. */
static char *dp_labels(const struct agent *a, char *buf, size_t size)
{
	char table[16];

	snprintf(table, sizeof(table), "%" PRIu32, a->table);
	return agent_metrics_labels(buf, size, "backend",
				    a->ovn ? "ovn" : "kernel", "table",
				    a->ovn ? a->ovn_cfg.router : table, NULL);
}

/* One family with one sample per route server (label route_server: its
 * --connect). */
#define METRICS_PER_RS(f, a, name, type, help, expr)                           \
	do {                                                                   \
		char l_[512];                                                  \
		agent_metrics_family(f, name, type, help);                     \
		for (size_t i_ = 0; i_ < (a)->nconn; i_++) {                   \
			const struct agent_conn *c = &(a)->conns[i_];         \
			agent_metrics_labels(l_, sizeof(l_), "route_server",   \
					     c->path, NULL);                   \
			agent_metrics_u64(f, name, l_, (uint64_t)(expr));      \
		}                                                              \
	} while (0)

static void metrics_print_rs(FILE *f, const struct agent *a, uint64_t now)
{
	METRICS_PER_RS(f, a, "vnetrs_agent_route_server_connected", "gauge",
		       "1 while the SDN stream of the route server is connected",
		       c->fd >= 0 && c->tp.state != AGENT_TP_CONNECTING);
	METRICS_PER_RS(f, a, "vnetrs_agent_route_server_synced", "gauge",
		       "1 once its snapshot arrived on this connection, while it speaks",
		       c->fd >= 0 && c->synced && !c->silent);
	METRICS_PER_RS(f, a, "vnetrs_agent_route_server_counted", "gauge",
		       "1 while its routes count in the merge",
		       agent_members_counted(&a->members, i_, now));
	METRICS_PER_RS(f, a, "vnetrs_agent_route_server_routes", "gauge",
		       "Routes in its table as last received", c->table.n);
	METRICS_PER_RS(f, a, "vnetrs_agent_route_server_seq", "gauge",
		       "Sequence number of the last batch committed from it",
		       c->rx.committed);
	METRICS_PER_RS(f, a, "vnetrs_agent_route_server_connects_total",
		       "counter", "Connections made to it", c->connects);
	METRICS_PER_RS(f, a, "vnetrs_agent_route_server_silences_total",
		       "counter", "Times its stream fell silent", c->silences);
}

static void metrics_print(FILE *f, void *arg)
{
	const struct agent *a = arg;
	const struct agent_sync *s = &a->sync;
	uint64_t now = agent_now_ms();
	size_t wanted = s->programmed ? agent_table_programmable(&s->desired)
				      : 0;
	size_t off = s->failing + s->conflicts.n;
	size_t connected = 0;
	char l[512];

	for (size_t i = 0; i < a->nconn; i++)
		connected += a->conns[i].fd >= 0 &&
			     a->conns[i].tp.state != AGENT_TP_CONNECTING;
	agent_metrics_one_u64(f, "vnetrs_agent_up", "gauge",
		      "1 while the agent runs (0: it exited)",
		      "", !a->metrics_exiting);
	agent_metrics_family(f, "vnetrs_agent_info", "gauge",
			     "The agent's name, version and data plane");
	agent_metrics_labels(l, sizeof(l), "name", a->name, "version",
			     VNETRS_VERSION, "backend",
			     a->ovn ? "ovn" : "kernel", NULL);
	agent_metrics_u64(f, "vnetrs_agent_info", l, 1);
	agent_metrics_one_double(f, "vnetrs_agent_start_time_seconds", "gauge",
			 "When the agent started, Unix time",
			 "", wall_seconds(&a->started_wall));
	agent_metrics_one_double(f, "vnetrs_agent_last_sync_timestamp_seconds", "gauge",
			 "When the data plane was last made what the route servers say, Unix time (0: not yet)",
			 "", wall_seconds(&a->synced_wall));
	agent_metrics_one_u64(f, "vnetrs_agent_route_servers", "gauge",
		      "Route servers configured (--connect)",
		      "", a->nconn);
	agent_metrics_one_u64(f, "vnetrs_agent_route_servers_connected", "gauge",
		      "Route servers connected now",
		      "", connected);
	agent_metrics_one_u64(f, "vnetrs_agent_route_servers_counted", "gauge",
		      "Route servers whose routes count in the merge now",
		      "", agent_members_n_counted(&a->members, now));
	metrics_print_rs(f, a, now);

	dp_labels(a, l, sizeof(l));
	agent_metrics_one_u64(f, "vnetrs_agent_routes_wanted", "gauge",
		      "Routes the merge of the route servers asks for",
		      l, wanted);
	agent_metrics_one_u64(f, "vnetrs_agent_routes_programmed", "gauge",
		      "Routes of the agent in the data plane: wanted, less failing and conflicting",
		      l, wanted > off ? wanted - off : 0);
	agent_metrics_one_u64(f, "vnetrs_agent_routes_failing", "gauge",
		      "Routes whose last operation failed (retried)",
		      l, s->failing);
	agent_metrics_one_u64(f, "vnetrs_agent_routes_conflicting", "gauge",
		      "Prefixes held by another owner's route (left alone)",
		      l, s->conflicts.n);
	agent_metrics_one_u64(f, "vnetrs_agent_operations_failed_total", "counter",
		      "Data plane operations that failed: netlink or OVN errors",
		      l, s->stats.failed_ops);
	agent_metrics_one_u64(f, "vnetrs_agent_routes_restored_total", "counter",
		      "Routes put back after someone else removed or changed them",
		      l, s->stats.restored);
	agent_metrics_one_u64(f, "vnetrs_agent_reconciles_total", "counter",
		      "Full reads of the data plane made equal to the merge",
		      l, s->stats.reconciles);
	agent_metrics_one_u64(f, "vnetrs_agent_data_plane_events_total", "counter",
		      "Events read from the data plane (the agent's own included)",
		      l, s->be ? s->be->stats.events : 0);
	agent_metrics_one_u64(f, "vnetrs_agent_data_plane_overflows_total", "counter",
		      "Times data plane events were lost (everything was checked)",
		      l, s->be ? s->be->stats.overflows : 0);
}

/* --- options -------------------------------------------------------------- */

#define USAGE                                                                   \
	"Usage: vnetrs-agent --connect WHERE [--connect WHERE] [options]\n"     \
	"\n"                                                                    \
	"Programs the routes of one or two vnetrs route-server instances\n"     \
	"(their SDN streams: 'sdn listen unix PATH' or 'sdn listen tls')\n"     \
	"into this host's kernel, or an OVN logical router (--ovn-nb): per\n"   \
	"prefix, the union of the next hops of the instances holding it.\n"     \
	"Address spaces (source local) are not programmed.\n"                   \
	"\n"                                                                    \
	"  -c, --connect WHERE    a route server's SDN stream, 1 or 2:\n"       \
	"                         a Unix socket PATH, or\n"                     \
	"                         tls://HOST[:PORT] (IPv6 in brackets;\n"       \
	"                         default port %d)\n"                           \
	"      --cert FILE        TLS: our client certificate (PEM)\n"          \
	"      --key FILE         TLS: its private key (PEM)\n"                 \
	"      --ca FILE          TLS: the CA(s) the route servers'\n"          \
	"                         certificates must be signed by\n"             \
	"      --server-name NAME TLS: the name the certificate of the\n"       \
	"                         tls:// --connect before it must hold\n"       \
	"                         (default: the URL's host, name or\n"          \
	"                         address)\n"                                   \
	"  -n, --name NAME        our name in the HELLO\n"                      \
	"                         (default vnetrs-agent@HOSTNAME)\n"            \
	"  -p, --protocol N       the route protocol it owns, %d-255\n"         \
	"                         (default %d); it never touches others\n"      \
	"  -t, --table N          routing table (default %d, main)\n"           \
	"  -m, --metric N         metric of its routes (default %d)\n"          \
	"  -1, --once             print the merged table once every\n"          \
	"                         instance sent its snapshot, and exit\n"       \
	"                         (1 if one was not reached); the kernel\n"     \
	"                         is not touched\n"                             \
	"  -T, --timeout SECONDS  how long --once waits (default %d)\n"         \
	"  -r, --remove-on-exit   delete its routes on SIGTERM/SIGINT\n"        \
	"                         (default: leave them, traffic flows on)\n"    \
	"  -s, --silent-after MS  an instance whose stream is silent this\n"    \
	"                         long stops counting in the merge\n"           \
	"                         (default %d; 0: only when disconnected)\n"    \
	"  -S, --settle MS        after the instances counted change,\n"        \
	"                         remove nothing this long, and add a\n"        \
	"                         returning instance's routes after it\n"       \
	"                         (default %d)\n"                               \
	"      --keep-routes SECONDS|forever\n"                                 \
	"                         with no instance live, keep the routes\n"     \
	"                         this long, then remove them (an\n"            \
	"                         instance back programs them again)\n"         \
	"                         (default forever)\n"                          \
	"  -W, --no-watch         do not follow the kernel's route, link\n"     \
	"                         and address events (no restoring)\n"          \
	"  -B, --watch-buffer N   bytes of kernel events queued at most\n"      \
	"                         (default 256 MiB); beyond, events are lost\n" \
	"                         and everything is reconciled\n"               \
	"      --nexthop-groups on|off|auto\n"                                 \
	"                         ECMP routes through kernel nexthop\n"      \
	"                         objects, or multipath routes (default\n"   \
	"                         auto: objects when the kernel has them)\n" \
	"  -O, --take-over        replace the agent running for the same\n"     \
	"                         table and protocol (or OVN router and\n"     \
	"                         owner; it exits, leaving its routes);\n"     \
	"                         without it, refuse to start\n"               \
	"      --status           print the running agent's status (of\n"       \
	"                         --table and --protocol, or of --ovn-router\n"\
	"                         and --ovn-owner) and exit\n"                 \
	"      --metrics-file PATH\n"                                           \
	"                         keep Prometheus metrics in PATH (*.prom\n"    \
	"                         in node-exporter's textfile directory),\n"   \
	"                         rewritten after syncs and every %d s\n"      \
	"  -d, --daemon           run in the background (logs: stderr)\n"       \
	"  -P, --pidfile PATH     write the process ID there\n"                 \
	"  -u, --trust-user USER  believe only route servers run by USER\n"     \
	"                         (name or uid; repeatable; default root\n"     \
	"                         and frr): others are refused\n"               \
	"  -a, --expect-as ASN    refuse a route server of another AS\n"        \
	"      --ovn-nb REMOTE    program an OVN logical router instead of\n"   \
	"                         the kernel: its northbound database,\n"       \
	"                         unix:PATH, tcp:IP:PORT or ssl:IP:PORT,\n"     \
	"                         or a list of them separated by commas\n"      \
	"                         (a clustered database), tried in turn\n"      \
	"      --ovn-router NAME  the Logical_Router whose static routes\n"     \
	"                         it keeps (rows marked as its own)\n"          \
	"      --ovn-owner ID     its mark, external_ids:vnetrs-agent=ID\n"     \
	"                         (default: the host name)\n"                   \
	"      --ovn-cert FILE, --ovn-key FILE, --ovn-ca FILE\n"                \
	"                         ssl: our certificate, its key, and the\n"     \
	"                         CA the database's certificate is from\n"      \
	"  -v, --verbose          log every message and route change\n"         \
	"  -h, --help             this help\n"                                  \
	"\n"                                                                    \
	"SIGHUP: reconcile the kernel with the instances' tables now.\n"        \
	"docs/agent.md: what it guarantees, and how to read --status.\n"

static void usage(FILE *f)
{
	fprintf(f, USAGE, VNETRS_SDN_TLS_PORT, PROTOCOL_MIN, DEFAULT_PROTOCOL,
		DEFAULT_TABLE, DEFAULT_METRIC, DEFAULT_TIMEOUT_S,
		AGENT_SILENT_MS_DEFAULT, DEFAULT_SETTLE_MS,
		AGENT_METRICS_INTERVAL_MS / 1000);
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
	struct agent_endpoint *ep = &a->eps[a->nconn];
	char err[160];
	size_t i;

	if (a->nconn == AGENT_MAX_CONN) {
		fprintf(stderr, "vnetrs-agent: at most %d --connect\n",
			AGENT_MAX_CONN);
		return -1;
	}
	if (agent_endpoint_parse(ep, path, err, sizeof(err)) < 0) {
		fprintf(stderr, "vnetrs-agent: --connect '%s': %s\n", path,
			err);
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
	ep->tls = &a->tls;
	a->paths[a->nconn++] = path;
	return 0;
}

/* --server-name: for the tls:// --connect given just before. */
static int set_server_name(struct agent *a, const char *name)
{
	struct agent_endpoint *ep = a->nconn ? &a->eps[a->nconn - 1] : NULL;

	if (!ep || ep->kind != AGENT_TP_TLS || ep->server_name) {
		fprintf(stderr,
			"vnetrs-agent: --server-name %s: give it once, after "
			"the --connect tls://... it is for\n",
			name);
		return -1;
	}
	if (!*name || strlen(name) > AGENT_HOST_MAX) {
		fprintf(stderr, "vnetrs-agent: --server-name: 1 to %d bytes\n",
			AGENT_HOST_MAX);
		return -1;
	}
	ep->server_name = name;
	return 0;
}

/* The TLS files, when a tls:// --connect needs them: all three, loadable
 * now (they are read again at each connect). */
static int check_tls(struct agent *a)
{
	bool tls = false;
	char err[PATH_MAX + 160];
	size_t i;

	for (i = 0; i < a->nconn; i++)
		tls |= a->eps[i].kind == AGENT_TP_TLS;
	if (!tls && (a->tls.cert || a->tls.key || a->tls.ca)) {
		fprintf(stderr,
			"vnetrs-agent: --cert, --key and --ca are for "
			"a --connect tls://...\n");
		return -1;
	}
	if (!tls)
		return 0;
	if (!a->tls.cert || !a->tls.key || !a->tls.ca) {
		fprintf(stderr,
			"vnetrs-agent: --connect tls://... needs "
			"--cert, --key and --ca\n");
		return -1;
	}
	if (agent_tls_config_check(&a->tls, err, sizeof(err)) < 0) {
		fprintf(stderr, "vnetrs-agent: %s\n", err);
		return -1;
	}
	return 0;
}

/* Long options without a short one. */
enum {
	OPT_CERT = 256,
	OPT_KEY,
	OPT_CA,
	OPT_SERVER_NAME,
	OPT_KEEP_ROUTES,
	OPT_OVN_NB,
	OPT_OVN_ROUTER,
	OPT_OVN_OWNER,
	OPT_OVN_CERT,
	OPT_OVN_KEY,
	OPT_OVN_CA,
	OPT_NEXTHOP_GROUPS,
	OPT_METRICS_FILE,
};

/* The --ovn-* options together: -1 with a message. */
static int check_ovn(struct agent *a, const char *host)
{
	struct agent_tls_config tls = {
		.cert = a->ovn_cfg.cert,
		.key = a->ovn_cfg.key,
		.ca = a->ovn_cfg.ca,
	};
	struct ovsdb_remotes remotes;
	bool ssl;
	bool files = tls.cert || tls.key || tls.ca;
	char err[PATH_MAX + 160];

	if (!a->ovn_cfg.remote) {
		if (a->ovn_cfg.router || a->ovn_cfg.owner || files) {
			fprintf(stderr,
				"vnetrs-agent: --ovn-router, "
				"--ovn-owner, --ovn-cert, --ovn-key "
				"and --ovn-ca go with --ovn-nb\n");
			return -1;
		}
		return 0;
	}
	a->ovn = true;
	if (!a->ovn_cfg.router || !*a->ovn_cfg.router) {
		fprintf(stderr,
			"vnetrs-agent: --ovn-nb needs --ovn-router "
			"NAME (the logical router)\n");
		return -1;
	}
	if (ovsdb_remotes_parse(&remotes, a->ovn_cfg.remote, &tls, err,
				sizeof(err)) < 0) {
		fprintf(stderr, "vnetrs-agent: --ovn-nb %s: %s\n",
			a->ovn_cfg.remote, err);
		return -1;
	}
	ssl = ovsdb_remotes_tls(&remotes);
	ovsdb_remotes_free(&remotes);
	if (ssl && (!tls.cert || !tls.key || !tls.ca)) {
		fprintf(stderr,
			"vnetrs-agent: --ovn-nb ssl:... needs "
			"--ovn-cert, --ovn-key and --ovn-ca\n");
		return -1;
	}
	if (!ssl && files) {
		fprintf(stderr,
			"vnetrs-agent: --ovn-cert, --ovn-key and "
			"--ovn-ca are for --ovn-nb ssl:...\n");
		return -1;
	}
	if (ssl && agent_tls_config_check(&tls, err, sizeof(err)) < 0) {
		/* The messages name --cert: say which option. */
		fprintf(stderr, "vnetrs-agent: --ovn-%s\n", err + 2);
		return -1;
	}
	if (!a->ovn_cfg.owner) {
		snprintf(a->ovn_owner, sizeof(a->ovn_owner), "%s", host);
		a->ovn_cfg.owner = a->ovn_owner;
	}
	if (!*a->ovn_cfg.owner || strlen(a->ovn_cfg.owner) > 255) {
		fprintf(stderr, "vnetrs-agent: --ovn-owner: 1 to 255 bytes\n");
		return -1;
	}
	a->ovn_cfg.metric = a->metric;
	return 0;
}

/* --keep-routes SECONDS|forever. */
static bool parse_keep(const char *s, uint64_t *keep_ms)
{
	char *end;
	unsigned long v;

	if (!strcmp(s, "forever")) {
		*keep_ms = AGENT_KEEP_FOREVER;
		return true;
	}
	errno = 0;
	v = strtoul(s, &end, 10);
	if (!*s || *end || errno || s[0] == '-' || s[0] == '+' || v < 1 ||
	    v > KEEP_ROUTES_MAX_S) {
		fprintf(stderr,
			"vnetrs-agent: --keep-routes %s: expected 'forever' "
			"or a number of seconds from 1 to %lu\n",
			s, KEEP_ROUTES_MAX_S);
		return false;
	}
	*keep_ms = (uint64_t)v * 1000;
	return true;
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
		{"silent-after", required_argument, NULL, 's'},
		{"settle", required_argument, NULL, 'S'},
		{"no-watch", no_argument, NULL, 'W'},
		{"watch-buffer", required_argument, NULL, 'B'},
		{"take-over", no_argument, NULL, 'O'},
		{"status", no_argument, NULL, 'X'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{"cert", required_argument, NULL, OPT_CERT},
		{"key", required_argument, NULL, OPT_KEY},
		{"ca", required_argument, NULL, OPT_CA},
		{"server-name", required_argument, NULL, OPT_SERVER_NAME},
		{"keep-routes", required_argument, NULL, OPT_KEEP_ROUTES},
		{"ovn-nb", required_argument, NULL, OPT_OVN_NB},
		{"ovn-router", required_argument, NULL, OPT_OVN_ROUTER},
		{"ovn-owner", required_argument, NULL, OPT_OVN_OWNER},
		{"ovn-cert", required_argument, NULL, OPT_OVN_CERT},
		{"ovn-key", required_argument, NULL, OPT_OVN_KEY},
		{"ovn-ca", required_argument, NULL, OPT_OVN_CA},
		{"nexthop-groups", required_argument, NULL,
		 OPT_NEXTHOP_GROUPS},
		{"metrics-file", required_argument, NULL, OPT_METRICS_FILE},
		{},
	};
	char host[256], err[320];
	unsigned long v;
	bool named = false, users = false;
	int o;

	a->protocol = DEFAULT_PROTOCOL;
	a->table = DEFAULT_TABLE;
	a->metric = DEFAULT_METRIC;
	a->timeout_s = DEFAULT_TIMEOUT_S;
	a->silent_ms = AGENT_SILENT_MS_DEFAULT;
	a->settle_ms = DEFAULT_SETTLE_MS;
	a->keep_ms = AGENT_KEEP_FOREVER;
	a->watch = true;
	a->watch_buffer = AGENT_KERNEL_WATCH_BUFFER_DEFAULT;
	agent_trust_defaults(&a->trust);

	while ((o = getopt_long(argc, argv, "c:n:p:t:m:1T:rdP:u:a:s:S:WB:Ovh",
				opts, NULL)) != -1) {
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
				fprintf(stderr,
					"vnetrs-agent: --trust-user: %s\n",
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
		case 's':
			if (!parse_u32("silent-after", optarg, 0, 3600000, &v))
				return -1;
			if (v && v < 300) {
				fprintf(stderr,
					"vnetrs-agent: --silent-after %lu: 0, "
					"or at least 300 ms\n",
					v);
				return -1;
			}
			a->silent_ms = (uint32_t)v;
			break;
		case 'S':
			if (!parse_u32("settle", optarg, 0, 600000, &v))
				return -1;
			a->settle_ms = (uint32_t)v;
			break;
		case 'W':
			a->watch = false;
			break;
		case 'B':
			if (!parse_u32("watch-buffer", optarg, 4096, INT_MAX,
				       &v))
				return -1;
			a->watch_buffer = (uint32_t)v;
			break;
		case 'O':
			a->take_over = true;
			break;
		case 'X':
			a->status = true;
			break;
		case OPT_CERT:
			a->tls.cert = optarg;
			break;
		case OPT_KEY:
			a->tls.key = optarg;
			break;
		case OPT_CA:
			a->tls.ca = optarg;
			break;
		case OPT_KEEP_ROUTES:
			if (!parse_keep(optarg, &a->keep_ms))
				return -1;
			break;
		case OPT_SERVER_NAME:
			if (set_server_name(a, optarg) < 0)
				return -1;
			break;
		case OPT_OVN_NB:
			a->ovn_cfg.remote = optarg;
			break;
		case OPT_OVN_ROUTER:
			a->ovn_cfg.router = optarg;
			break;
		case OPT_OVN_OWNER:
			a->ovn_cfg.owner = optarg;
			break;
		case OPT_OVN_CERT:
			a->ovn_cfg.cert = optarg;
			break;
		case OPT_OVN_KEY:
			a->ovn_cfg.key = optarg;
			break;
		case OPT_OVN_CA:
			a->ovn_cfg.ca = optarg;
			break;
		case OPT_NEXTHOP_GROUPS:
			if (!strcmp(optarg, "on"))
				a->nexthop_groups = AGENT_NHG_ON;
			else if (!strcmp(optarg, "off"))
				a->nexthop_groups = AGENT_NHG_OFF;
			else if (!strcmp(optarg, "auto"))
				a->nexthop_groups = AGENT_NHG_AUTO;
			else {
				fprintf(stderr,
					"vnetrs-agent: --nexthop-groups %s: "
					"expected on, off or auto\n",
					optarg);
				return -1;
			}
			break;
		case OPT_METRICS_FILE:
			a->metrics_file = optarg;
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
	if (a->status)
		return 0;
	if (!a->nconn) {
		fprintf(stderr,
			"vnetrs-agent: --connect PATH|tls://HOST[:PORT] "
			"is required\n");
		usage(stderr);
		return -1;
	}
	if (check_tls(a) < 0)
		return -1;
	if (a->once && a->daemon) {
		fprintf(stderr, "vnetrs-agent: --once excludes --daemon\n");
		return -1;
	}
	if (a->once && a->metrics_file) {
		fprintf(stderr,
			"vnetrs-agent: --once excludes --metrics-file\n");
		return -1;
	}
	/* Before --daemon leaves the directory a relative path is in. */
	if (a->metrics_file &&
	    agent_metrics_init(&a->metrics, a->metrics_file, err,
			       sizeof(err)) < 0) {
		fprintf(stderr, "vnetrs-agent: %s\n", err);
		return -1;
	}
	if (gethostname(host, sizeof(host)) < 0)
		snprintf(host, sizeof(host), "unknown");
	host[sizeof(host) - 1] = '\0';
	if (check_ovn(a, host) < 0)
		return -1;
	if (!named)
		/* Cut to fit the HELLO's 255 bytes. */
		snprintf(a->name, sizeof(a->name), "vnetrs-agent@%.242s", host);
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
	size_t i;

	for (i = 0; i < a->nconn; i++)
		tabs[i] = a->conns[i].synced ? &a->conns[i].table : NULL;
	agent_table_init(&merged);
	agent_merge_all(tabs, a->nconn, &merged);
	if (a->ovn)
		agent_ovn_print_rows(&a->ovn_cfg, &merged, stdout);
	else
		agent_table_print(stdout, &merged);
	fflush(stdout);
	agent_table_clear(&merged);
}

/* A signal: true when it says exit (SIGTERM, SIGINT); SIGHUP reconciles. */
static bool on_signal(struct agent *a, int sigfd)
{
	struct signalfd_siginfo si;

	if (read(sigfd, &si, sizeof(si)) != sizeof(si))
		return false;
	if (si.ssi_signo != SIGHUP) {
		agent_log("%s: exiting", strsignal((int)si.ssi_signo));
		return true;
	}
	if (a->once)
		return false;
	reconcile(a, "SIGHUP");
	return false;
}

/* The poll(2) entries of the loop. */
enum { PFD_SIG, PFD_CTL, PFD_WATCH, PFD_CONN };

/* Fill pfd; the earliest timer of any part into *next. */
static nfds_t poll_setup(struct agent *a, int sigfd, struct pollfd *pfd,
			 int conn_pfd[AGENT_MAX_CONN], uint64_t *next)
{
	nfds_t n = PFD_CONN;
	uint64_t d;
	size_t i;

	memset(pfd, 0, sizeof(*pfd) * (PFD_CONN + AGENT_MAX_CONN));
	pfd[PFD_SIG].fd = sigfd;
	pfd[PFD_CTL].fd = a->ctl.fd;
	pfd[PFD_WATCH].fd = a->be ? a->be->ops->watch_fd(a->be) : -1;
	for (i = 0; i < PFD_CONN; i++)
		pfd[i].events = POLLIN;
	if (a->be && a->be->ops->watch_events)
		pfd[PFD_WATCH].events = a->be->ops->watch_events(a->be);
	if (a->be && a->be->ops->deadline) {
		d = a->be->ops->deadline(a->be);
		if (d && d < *next)
			*next = d;
	}
	for (i = 0; i < a->nconn; i++) {
		short ev = 0;
		int fd = agent_conn_pollfd(&a->conns[i], &ev);

		conn_pfd[i] = -1;
		if (fd >= 0) {
			conn_pfd[i] = (int)n;
			pfd[n].fd = fd;
			pfd[n].events = ev;
			n++;
		}
		d = agent_conn_deadline(&a->conns[i]);
		if (d < *next)
			*next = d;
	}
	d = agent_sync_deadline(&a->sync);
	if (d && d < *next)
		*next = d;
	d = agent_members_deadline(&a->members);
	if (d && d < *next)
		*next = d;
	d = agent_members_keep_deadline(&a->members);
	if (d && d < *next)
		*next = d;
	d = agent_metrics_deadline(&a->metrics);
	if (d && d < *next)
		*next = d;
	return n;
}

/* The timers of the sync, the settling and --keep-routes, due at now. */
static void run_timers(struct agent *a, uint64_t now)
{
	char why[160];

	if (agent_members_keep_expired(&a->members, now)) {
		keep_expired(a);
		return;
	}
	if (agent_members_settled(&a->members, now)) {
		reconcile(a, "the instances settled");
		return;
	}
	if (a->sync.check_ms && now >= a->sync.check_ms) {
		snprintf(why, sizeof(why), "%s", a->sync.check_why);
		reconcile(a, why);
	}
}

/* --once: done? Returns -1 to go on, else the exit status. */
static int once_done(struct agent *a, uint64_t deadline)
{
	size_t i;

	if (all_synced(a)) {
		print_merged(a);
		return 0;
	}
	if (agent_now_ms() < deadline)
		return -1;
	for (i = 0; i < a->nconn; i++)
		if (!a->conns[i].synced)
			agent_log("%s: no snapshot within %lu s", a->paths[i],
				  a->timeout_s);
	return 1;
}

/* The poll loop: returns the exit status. */
static int run(struct agent *a, int sigfd)
{
	uint64_t now = agent_now_ms();
	uint64_t once_deadline = now + a->timeout_s * 1000;
	struct pollfd pfd[PFD_CONN + AGENT_MAX_CONN];
	size_t i;

	for (;;) {
		uint64_t next = UINT64_MAX;
		int conn_pfd[AGENT_MAX_CONN];
		nfds_t n = poll_setup(a, sigfd, pfd, conn_pfd, &next);
		int timeout, r, ret;

		if (a->once && once_deadline < next)
			next = once_deadline;
		now = agent_now_ms();
		timeout = next <= now		 ? 0
			  : next - now > INT_MAX ? INT_MAX
						 : (int)(next - now);
		r = poll(pfd, n, timeout);
		if (r < 0 && errno != EINTR) {
			agent_log("poll: %s", strerror(errno));
			return 1;
		}
		if (r > 0 && (pfd[PFD_SIG].revents & POLLIN) &&
		    on_signal(a, sigfd))
			return 0;
		if (r > 0 && (pfd[PFD_CTL].revents & POLLIN) &&
		    agent_ctl_serve(&a->ctl, status_print, a) ==
			    AGENT_CTL_TAKE_OVER) {
			agent_log(
				"another agent takes over: exiting, leaving "
				"the routes to it");
			a->taken_over = true;
			return 0;
		}
		if (a->be && a->be->ops->run)
			a->be->ops->run(a->be,
					r > 0 ? pfd[PFD_WATCH].revents : 0,
					agent_now_ms());
		else if (r > 0 && (pfd[PFD_WATCH].revents & POLLIN))
			a->be->ops->watch_read(a->be);
		now = agent_now_ms();
		for (i = 0; i < a->nconn; i++)
			agent_conn_run(&a->conns[i],
				       r > 0 && conn_pfd[i] >= 0
					       ? pfd[conn_pfd[i]].revents
					       : 0,
				       now);
		if (!a->once) {
			run_timers(a, agent_now_ms());
			agent_metrics_run(&a->metrics, agent_now_ms(),
					  metrics_print, a);
		}
		if (a->once && (ret = once_done(a, once_deadline)) >= 0)
			return ret;
	}
}

/*
 * The lock's key (agent_ctl.h): what this agent programs, an OVN router's
 * rows of one owner or a kernel table's routes of one protocol. --status
 * names the agent the same way (--ovn-router without --ovn-nb there).
 */
static void ctl_key(const struct agent *a, struct agent_ctl_key *key)
{
	char host[256];
	const char *owner = a->ovn_cfg.owner;

	if (!a->ovn_cfg.router) {
		agent_ctl_key_kernel(key, a->table, a->protocol);
		return;
	}
	if (!owner) {
		/* As check_ovn() defaults it. */
		if (gethostname(host, sizeof(host)) < 0)
			snprintf(host, sizeof(host), "unknown");
		host[sizeof(host) - 1] = '\0';
		owner = host;
	}
	agent_ctl_key_ovn(key, a->ovn_cfg.router, owner);
}

/* The control socket's lock, then the data plane (the kernel, or OVN with
 * --ovn-nb): -1 when the agent cannot run (logged). */
static int setup_backend(struct agent *a)
{
	struct agent_kernel_config kc = {
		.protocol = a->protocol,
		.table = a->table,
		.metric = a->metric,
		.watch = a->watch,
		.watch_buffer = a->watch_buffer,
		.nexthop_groups = a->nexthop_groups,
	};
	struct agent_ctl_key key;
	char err[480];

	ctl_key(a, &key);
	if (agent_ctl_lock(&a->ctl, &key, a->take_over, err, sizeof(err)) < 0) {
		agent_log("%s", err);
		return -1;
	}
	if (a->ovn)
		/* One row per next hop: no cap. */
		a->be = agent_backend_ovn_open(&a->ovn_cfg,
					       &agent_sync_backend_cb, &a->sync,
					       err, sizeof(err));
	else
		a->be = agent_backend_kernel_open(&kc, &agent_sync_backend_cb,
						  &a->sync, err, sizeof(err));
	if (!a->be) {
		agent_log("%s", err);
		return -1;
	}
	agent_sync_init(&a->sync, a->be, a->metric, a->ovn ? 0 : KERNEL_MAX_NH);
	return 0;
}

int main(int argc, char **argv)
{
	struct agent a;
	sigset_t set;
	int sigfd = -1, status = 1;
	char err[160], keep[32];
	size_t i;

	memset(&a, 0, sizeof(a));
	a.ctl.fd = -1;
	if (parse_args(&a, argc, argv) < 0)
		return 2;
	if (a.status) {
		struct agent_ctl_key key;

		ctl_key(&a, &key);
		return agent_ctl_status(&key, stdout);
	}

	signal(SIGPIPE, SIG_IGN);
	a.started_ms = agent_now_ms();
	clock_gettime(CLOCK_REALTIME, &a.started_wall);
	agent_members_init(&a.members, a.nconn, a.settle_ms);
	agent_members_keep(&a.members, a.keep_ms);
	if (!a.once && setup_backend(&a) < 0)
		goto out;
	if (a.daemon) {
		if (daemonize(&a) < 0)
			goto out;
	} else if (a.pidfile && write_pidfile(&a) < 0) {
		goto out;
	}
	if (!a.once && agent_ctl_listen(&a.ctl, err, sizeof(err)) < 0) {
		agent_log("%s", err);
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
		"%" PRIu32 ", metric %" PRIu32 ", silent after %" PRIu32
		" ms, settle %" PRIu32 " ms, keep routes %s, watch %s%s",
		a.name, a.nconn, a.protocol, a.table, a.metric, a.silent_ms,
		a.settle_ms, keep_str(a.keep_ms, keep, sizeof(keep)),
		a.watch ? "on" : "off",
		a.once ? ", once (the data plane is not touched)" : "");
	if (a.ovn)
		agent_log(
			"data plane: OVN logical router '%s' in the "
			"northbound database %s, rows marked %s=%s",
			a.ovn_cfg.router, a.ovn_cfg.remote, AGENT_OVN_MARK_KEY,
			a.ovn_cfg.owner);
	for (i = 0; i < a.nconn; i++) {
		agent_conn_init(&a.conns[i], a.paths[i], a.name, &conn_cb, &a);
		a.conns[i].ep = &a.eps[i];
		a.conns[i].trust = &a.trust;
		a.conns[i].silent_ms = a.silent_ms;
	}

	status = run(&a, sigfd);

	if (!a.once) {
		if (a.remove_on_exit && !a.taken_over)
			remove_routes(&a);
		else
			agent_log("leaving %zu routes in the %s",
				  agent_table_programmable(&a.sync.desired),
				  a.ovn ? "OVN router" : "kernel");
	}
	if (!a.once) {
		a.metrics_exiting = true;
		agent_metrics_write(&a.metrics, agent_now_ms(), metrics_print,
				    &a);
	}
	for (i = 0; i < a.nconn; i++)
		agent_conn_fini(&a.conns[i]);
out:
	if (sigfd >= 0)
		close(sigfd);
	if (a.pidfile_written)
		unlink(a.pidfile);
	if (a.be) {
		agent_sync_fini(&a.sync);
		a.be->ops->close(a.be);
	}
	agent_ctl_close(&a.ctl);
	agent_metrics_fini(&a.metrics);
	return status;
}
