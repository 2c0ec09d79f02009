// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of vnetrs-agent's metrics file (agent/agent_metrics.c): label
 * escaping, the whole-file write by rename, a failure logged once and its
 * end logged, and when the next write is due.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/agent.h"
#include "agent/agent_metrics.h"

#define UNUSED __attribute__((unused))

bool agent_verbose;

/* agent_log() of agent_main.c: the lines are kept for the checks. */
static int n_logged;
static char last_log[512];

void agent_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_log, sizeof(last_log), fmt, ap);
	va_end(ap);
	n_logged++;
}

static void print_two(FILE *f, void *arg UNUSED)
{
	char l[64];

	agent_metrics_family(f, "x_total", "counter", "X");
	agent_metrics_u64(f, "x_total",
			  agent_metrics_labels(l, sizeof(l), "a", "1", NULL),
			  42);
}

static char *read_file(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void test_labels_escaped(void **state UNUSED)
{
	char buf[128];

	assert_string_equal(agent_metrics_labels(buf, sizeof(buf), NULL), "");
	assert_string_equal(agent_metrics_labels(buf, sizeof(buf), "k",
						 "a\"b\\c\nd", "n", "2", NULL),
			    "{k=\"a\\\"b\\\\c\\nd\",n=\"2\"}");
	/* Cut to fit, still closed: quote and brace. */
	agent_metrics_labels(buf, 16, "k", "0123456789abcdef", NULL);
	assert_true(strlen(buf) < 16);
	assert_string_equal(buf + strlen(buf) - 2, "\"}");
}

static void test_write_whole_file(void **state UNUSED)
{
	char dir[] = "/tmp/vnetrs-metrics-test.XXXXXX", path[256], tmp[300];
	char cwd[256], err[256];
	struct agent_metrics m;

	assert_non_null(mkdtemp(dir));
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	/* A relative path is the start directory's. */
	assert_int_equal(chdir(dir), 0);
	assert_int_equal(agent_metrics_init(&m, "a.prom", err, sizeof(err)),
			 0);
	assert_int_equal(chdir(cwd), 0);
	snprintf(path, sizeof(path), "%s/a.prom", dir);
	assert_string_equal(m.path, path);
	assert_int_equal(agent_metrics_write(&m, 5, print_two, NULL), 0);
	assert_string_equal(read_file(path),
			    "# HELP x_total X\n# TYPE x_total counter\n"
			    "x_total{a=\"1\"} 42\n");
	/* Nothing left under the temporary name. */
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	assert_int_not_equal(access(tmp, F_OK), 0);
	agent_metrics_fini(&m);
	unlink(path);
	rmdir(dir);
}

static void test_failure_logged_once(void **state UNUSED)
{
	char dir[] = "/tmp/vnetrs-metrics-test.XXXXXX", path[256], err[256];
	struct agent_metrics m;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sub/a.prom", dir);
	assert_int_equal(agent_metrics_init(&m, path, err, sizeof(err)), 0);
	n_logged = 0;
	assert_int_equal(agent_metrics_write(&m, 1, print_two, NULL), -1);
	assert_int_equal(n_logged, 1);
	assert_non_null(strstr(last_log, "cannot create"));
	assert_int_equal(agent_metrics_write(&m, 2, print_two, NULL), -1);
	assert_int_equal(n_logged, 1);
	/* The directory appears: written, and said so once. */
	snprintf(err, sizeof(err), "%s/sub", dir);
	assert_int_equal(mkdir(err, 0755), 0);
	assert_int_equal(agent_metrics_write(&m, 3, print_two, NULL), 0);
	assert_int_equal(n_logged, 2);
	assert_non_null(strstr(last_log, "written again"));
	assert_int_equal(agent_metrics_write(&m, 4, print_two, NULL), 0);
	assert_int_equal(n_logged, 2);
	unlink(path);
	rmdir(err);
	rmdir(dir);
	agent_metrics_fini(&m);
}

static void test_deadline(void **state UNUSED)
{
	char dir[] = "/tmp/vnetrs-metrics-test.XXXXXX", path[256], err[256];
	struct agent_metrics m = {0};

	/* No --metrics-file: never. */
	assert_int_equal(agent_metrics_deadline(&m), 0);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/a.prom", dir);
	assert_int_equal(agent_metrics_init(&m, path, err, sizeof(err)), 0);
	/* The first write at once, then every interval... */
	assert_int_equal(agent_metrics_deadline(&m), 1);
	agent_metrics_run(&m, 1000, print_two, NULL);
	assert_int_equal(agent_metrics_deadline(&m),
			 1000 + AGENT_METRICS_INTERVAL_MS);
	agent_metrics_run(&m, 2000, print_two, NULL);
	assert_int_equal(m.last_ms, 1000);
	/* ... and after a sync, soon: a burst is one write. */
	agent_metrics_changed(&m);
	assert_int_equal(agent_metrics_deadline(&m),
			 1000 + AGENT_METRICS_COALESCE_MS);
	agent_metrics_run(&m, 1500, print_two, NULL);
	assert_int_equal(m.last_ms, 1000);
	agent_metrics_run(&m, 2000, print_two, NULL);
	assert_int_equal(m.last_ms, 2000);
	assert_false(m.due);
	unlink(path);
	rmdir(dir);
	agent_metrics_fini(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_labels_escaped),
		cmocka_unit_test(test_write_whole_file),
		cmocka_unit_test(test_failure_logged_once),
		cmocka_unit_test(test_deadline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
