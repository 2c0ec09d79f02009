// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The FRR version check of the front (vnetrs_front.c) and of the module
 * proper (vnetrs_main.c): one implementation, one refusal line.
 *
 * Only calls that both FRR series (8.4, 10.3) export with the same
 * signature: frr_defaults_version(), and vzlogx() given no xref (an
 * xref's layout differs between the series, and the front must not
 * carry one).
 */
#ifndef VNETRS_FRRVER_H
#define VNETRS_FRRVER_H

#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include <syslog.h>

#include "lib/defaults.h"
#include "lib/version.h"
#include "lib/zlog.h"

/*
 * The FRR version this build is for (the front's and the module proper's);
 * a test build of the front claims another one to see the refusal
 * (Makefile.am, tests/frr10/version.sh).
 */
#ifndef VNETRS_FRR_BUILT_FOR
#define VNETRS_FRR_BUILT_FOR FRR_VER_SHORT
#endif

static inline void vnetrs_frr_log(int prio, const char *fmt, ...)
	PRINTFRR(2, 3);
static inline void vnetrs_frr_log(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vzlogx(NULL, prio, fmt, ap);
	va_end(ap);
}

/*
 * The running bgpd's FRR version. While modules load, no "frr version"
 * line has been read yet: libfrr's defaults version is still its own
 * FRR_VER_SHORT.
 */
static inline const char *vnetrs_frr_running(void)
{
	const char *running = frr_defaults_version();

	return running ? running : "(unknown)";
}

/* True if this bgpd is the FRR built_for names; else the refusal line. */
static inline bool vnetrs_frr_version_ok(const char *built_for)
{
	const char *running = vnetrs_frr_running();

	if (!strcmp(running, built_for))
		return true;
	vnetrs_frr_log(
		LOG_ERR,
		"vnetrs: built for FRR %s but this bgpd is FRR %s: not loading; install the vnetrs build for FRR %s",
		built_for, running, running);
	return false;
}

#endif /* VNETRS_FRRVER_H */
