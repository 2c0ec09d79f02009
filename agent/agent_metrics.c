// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs-agent: the metrics file (agent_metrics.h).
 */
#include "agent/agent_metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/agent.h"

int agent_metrics_init(struct agent_metrics *m, const char *path, char *err,
		       size_t errlen)
{
	char cwd[PATH_MAX];
	size_t len;

	memset(m, 0, sizeof(*m));
	if (!*path) {
		snprintf(err, errlen, "--metrics-file: an empty path");
		return -1;
	}
	if (path[0] == '/') {
		cwd[0] = '\0';
	} else if (!getcwd(cwd, sizeof(cwd))) {
		snprintf(err, errlen, "--metrics-file %s: %s", path,
			 strerror(errno));
		return -1;
	}
	len = strlen(cwd) + 1 + strlen(path) + 1;
	m->path = malloc(len);
	m->tmp = malloc(len + 4);
	if (!m->path || !m->tmp) {
		agent_metrics_fini(m);
		snprintf(err, errlen, "--metrics-file: out of memory");
		return -1;
	}
	snprintf(m->path, len, "%s%s%s", cwd, cwd[0] ? "/" : "", path);
	snprintf(m->tmp, len + 4, "%s.tmp", m->path);
	return 0;
}

void agent_metrics_fini(struct agent_metrics *m)
{
	free(m->path);
	free(m->tmp);
	m->path = m->tmp = NULL;
}

uint64_t agent_metrics_deadline(const struct agent_metrics *m)
{
	if (!m->path)
		return 0;
	if (!m->last_ms)
		return 1; /* the first one at once */
	if (m->due)
		return m->last_ms + AGENT_METRICS_COALESCE_MS;
	return m->last_ms + AGENT_METRICS_INTERVAL_MS;
}

void agent_metrics_run(struct agent_metrics *m, uint64_t now,
		       agent_metrics_print_cb cb, void *arg)
{
	uint64_t d = agent_metrics_deadline(m);

	if (d && now >= d)
		agent_metrics_write(m, now, cb, arg);
}

int agent_metrics_write(struct agent_metrics *m, uint64_t now,
			agent_metrics_print_cb cb, void *arg)
{
	const char *step = "create";
	FILE *f = NULL;
	int fd, err = 0;

	if (!m->path)
		return 0;
	m->last_ms = now ? now : 1;
	m->due = false;
	fd = open(m->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		err = errno;
		if (fd >= 0)
			close(fd);
		goto fail;
	}
	cb(f, arg);
	step = "write";
	if (ferror(f) || fflush(f) != 0) {
		err = errno ? errno : EIO;
		fclose(f);
		goto fail;
	}
	if (fclose(f) != 0) {
		err = errno;
		goto fail;
	}
	step = "rename";
	if (rename(m->tmp, m->path) < 0) {
		err = errno;
		goto fail;
	}
	if (m->failing)
		agent_log("metrics file %s: written again", m->path);
	m->failing = false;
	return 0;
fail:
	if (strcmp(step, "create"))
		unlink(m->tmp);
	/* Every 15 s the same failure: once in the log is enough. */
	if (!m->failing)
		agent_log("metrics file %s: cannot %s %s: %s (tried again every %d s, logged when it works)",
			  m->path, step, strcmp(step, "rename") ? m->tmp : "it",
			  strerror(err), AGENT_METRICS_INTERVAL_MS / 1000);
	m->failing = true;
	return -1;
}

void agent_metrics_family(FILE *f, const char *name, const char *type,
			  const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void agent_metrics_u64(FILE *f, const char *name, const char *labels,
		       uint64_t value)
{
	fprintf(f, "%s%s %" PRIu64 "\n", name, labels, value);
}

void agent_metrics_double(FILE *f, const char *name, const char *labels,
			  double value)
{
	fprintf(f, "%s%s %.3f\n", name, labels, value);
}

void agent_metrics_one_u64(FILE *f, const char *name, const char *type,
			   const char *help, const char *labels, uint64_t value)
{
	agent_metrics_family(f, name, type, help);
	agent_metrics_u64(f, name, labels, value);
}

void agent_metrics_one_double(FILE *f, const char *name, const char *type,
			      const char *help, const char *labels,
			      double value)
{
	agent_metrics_family(f, name, type, help);
	agent_metrics_double(f, name, labels, value);
}

/* Append s to buf at *n, escaped as a label value (\\, \", \n), leaving
 * room for the closing quote and brace. */
static void put_escaped(char *buf, size_t size, size_t *n, const char *s)
{
	for (; *s && *n + 5 < size; s++) {
		if (*s == '\\' || *s == '"') {
			buf[(*n)++] = '\\';
			buf[(*n)++] = *s;
		} else if (*s == '\n') {
			buf[(*n)++] = '\\';
			buf[(*n)++] = 'n';
		} else {
			buf[(*n)++] = *s;
		}
	}
}

static void put_raw(char *buf, size_t size, size_t *n, const char *s)
{
	for (; *s && *n + 4 < size; s++)
		buf[(*n)++] = *s;
}

char *agent_metrics_labels(char *buf, size_t size, ...)
{
	const char *k, *v;
	size_t n = 0;
	va_list ap;

	va_start(ap, size);
	while ((k = va_arg(ap, const char *))) {
		v = va_arg(ap, const char *);
		put_raw(buf, size, &n, n ? "," : "{");
		put_raw(buf, size, &n, k);
		put_raw(buf, size, &n, "=\"");
		put_escaped(buf, size, &n, v);
		put_raw(buf, size, &n, "\"");
	}
	va_end(ap);
	if (n)
		buf[n++] = '}';
	buf[n] = '\0';
	return buf;
}
