// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What a fuzz target under tests/fuzz/ defines besides libFuzzer's entry
 * point (see fuzz_main.c), and its invariant check.
 */
#ifndef VNETRS_FUZZ_H
#define VNETRS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Hand every seed input to emit (name: a file name). */
typedef void (*fuzz_emit_fn)(const char *name, const void *buf, size_t len);
void fuzz_seeds(fuzz_emit_fn emit);

/* Targets linking agent code (fuzz_agent.c): agent_now_ms()'s value, and
 * the agent's last log line. */
extern uint64_t fuzz_agent_now;
extern char fuzz_agent_log[1024];

#define FUZZ_CHECK(cond)                                                       \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: invariant broken: %s\n",       \
				__FILE__, __LINE__, #cond);                    \
			abort();                                               \
		}                                                              \
	} while (0)

#endif /* VNETRS_FUZZ_H */
