// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: libfrr's interface data that differs between the FRR series we
 * build against. FRR 10 keeps an interface's addresses in a typesafe list
 * (if_connected), 8.4 in a struct list.
 */
#ifndef VNETRS_COMPAT_IF_H
#define VNETRS_COMPAT_IF_H

#include "lib/if.h"
#include "lib/linklist.h"

/* FRR 8.4's extract.pl preprocesses our CLI files without our flags. */
#if !defined(VNETRS_FRR_MAJOR) && !defined(VTYSH_EXTRACT_PL)
#error "VNETRS_FRR_MAJOR is not set: build through configure"
#endif

/* for each struct connected *c of interface ifp */
#if VNETRS_FRR_MAJOR >= 10
#define vnetrs_if_connected_each(ifp, c)                                       \
	frr_each (if_connected, (ifp)->connected, c)
#else
#define vnetrs_if_connected_each(ifp, c)                                       \
	for (struct listnode *vnetrs_cn_ = listhead((ifp)->connected);         \
	     vnetrs_cn_ && ((c) = listgetdata(vnetrs_cn_), 1);                  \
	     vnetrs_cn_ = listnextnode(vnetrs_cn_))
#endif

#endif /* VNETRS_COMPAT_IF_H */
