// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the agent's own main file defines, for the fuzz targets that link
 * agent code: its log, formatted (so its arguments are read) and dropped,
 * and a clock the target moves itself (fuzz_agent_now).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "agent/agent.h"
#include "tests/fuzz/fuzz.h"

bool agent_verbose = true;
uint64_t fuzz_agent_now = 1;

char fuzz_agent_log[1024];

void agent_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fuzz_agent_log, sizeof(fuzz_agent_log), fmt, ap);
	va_end(ap);
}

uint64_t agent_now_ms(void)
{
	return fuzz_agent_now;
}
