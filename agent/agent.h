// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs-agent: what its parts share (logging, the clock).
 */
#ifndef AGENT_H
#define AGENT_H

#include <stdbool.h>
#include <stdint.h>

#define AGENT_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* --verbose: log per-route and per-message details too. */
extern bool agent_verbose;

/* One line to stderr, with a timestamp. */
void agent_log(const char *fmt, ...) AGENT_PRINTF(1, 2);
/* The same, only with --verbose. */
#define agent_debug(...)                                                       \
	do {                                                                   \
		if (agent_verbose)                                             \
			agent_log(__VA_ARGS__);                                \
	} while (0)

/* Milliseconds of CLOCK_MONOTONIC. */
uint64_t agent_now_ms(void);

#endif /* AGENT_H */
