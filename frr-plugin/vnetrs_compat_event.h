// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: FRR's event loop, for either FRR series we build against.
 *
 * FRR 9 renamed lib/thread.h to lib/frrevent.h: "struct thread" became
 * "struct event", "struct thread_master" "struct event_loop", thread_add_*()
 * event_add_*(), THREAD_OFF/THREAD_ARG EVENT_OFF/EVENT_ARG. The module is
 * written with FRR 10's names; on 8.4 they map to the old ones here. The
 * two struct names go through typedefs, as a struct tag cannot be aliased.
 * VNETRS_FRR_MAJOR comes from configure (the FRR tree's version).
 */
#ifndef VNETRS_COMPAT_EVENT_H
#define VNETRS_COMPAT_EVENT_H

/* FRR 8.4's extract.pl preprocesses our CLI files without our flags. */
#if !defined(VNETRS_FRR_MAJOR) && !defined(VTYSH_EXTRACT_PL)
#error "VNETRS_FRR_MAJOR is not set: build through configure"
#endif

#if VNETRS_FRR_MAJOR >= 9

#include "lib/frrevent.h"

typedef struct event vnetrs_event;
typedef struct event_loop vnetrs_event_loop;

#else /* FRR 8 */

#include "lib/thread.h"

typedef struct thread vnetrs_event;
typedef struct thread_master vnetrs_event_loop;

#define event_add_read thread_add_read
#define event_add_write thread_add_write
#define event_add_timer thread_add_timer
#define event_add_timer_msec thread_add_timer_msec
#define event_add_event thread_add_event
#define EVENT_OFF THREAD_OFF
#define EVENT_ARG THREAD_ARG

#endif

#endif /* VNETRS_COMPAT_EVENT_H */
