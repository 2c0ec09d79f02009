// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs-agent: its metrics, as a file for node-exporter's textfile
 * collector (--metrics-file, docs/metrics.md).
 *
 * The agent opens no socket for them: node-exporter already runs on the
 * hypervisors and serves every *.prom file of its textfile directory. The
 * file is written whole under another name in the same directory and
 * renamed over the old one, so a scrape never reads half of it; after a
 * sync (at most once a second) and every AGENT_METRICS_INTERVAL_MS.
 */
#ifndef AGENT_METRICS_H
#define AGENT_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Written at least this often, so the file's age says the agent runs. */
#define AGENT_METRICS_INTERVAL_MS 15000
/* After a sync, written again this soon at the earliest (a burst of
 * batches is one write). */
#define AGENT_METRICS_COALESCE_MS 1000

struct agent_metrics {
	char *path; /* absolute; NULL: no --metrics-file */
	char *tmp;  /* path + ".tmp": not *.prom, node-exporter skips it */
	uint64_t last_ms; /* the last write attempt (0: none yet) */
	bool due;	  /* something changed since */
	bool failing;	  /* the last attempt failed (logged once) */
};

/* Writes the samples to f (the file's whole content). */
typedef void (*agent_metrics_print_cb)(FILE *f, void *arg);

/* path as given (relative: to the current directory, which --daemon
 * leaves). -1 with the reason in err. */
int agent_metrics_init(struct agent_metrics *m, const char *path, char *err,
		       size_t errlen);
void agent_metrics_fini(struct agent_metrics *m);

/* A sync happened: write soon. */
static inline void agent_metrics_changed(struct agent_metrics *m)
{
	m->due = true;
}

/* When the next write is due (0: never, no --metrics-file). */
uint64_t agent_metrics_deadline(const struct agent_metrics *m);
/* Write the file if it is due at now. */
void agent_metrics_run(struct agent_metrics *m, uint64_t now,
		       agent_metrics_print_cb cb, void *arg);
/* Write it now (at exit, whatever is due). 0 or -1 (logged once). */
int agent_metrics_write(struct agent_metrics *m, uint64_t now,
			agent_metrics_print_cb cb, void *arg);

/* The text format's pieces: a family's HELP and TYPE lines; a sample
 * (labels: "" or from agent_metrics_labels()). */
void agent_metrics_family(FILE *f, const char *name, const char *type,
			  const char *help);
void agent_metrics_u64(FILE *f, const char *name, const char *labels,
		       uint64_t value);
void agent_metrics_double(FILE *f, const char *name, const char *labels,
			  double value);
/* A family of one sample: its HELP and TYPE lines, then the sample (the
 * name written once). */
void agent_metrics_one_u64(FILE *f, const char *name, const char *type,
			   const char *help, const char *labels, uint64_t value);
void agent_metrics_one_double(FILE *f, const char *name, const char *type,
			      const char *help, const char *labels,
			      double value);
/* "{k1="v1",k2="v2"}" into buf from NULL-terminated name, value pairs,
 * the values escaped; cut to fit buf. Returns buf. */
char *agent_metrics_labels(char *buf, size_t size, ...);

#endif /* AGENT_METRICS_H */
