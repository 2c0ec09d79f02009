// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: the northbound and YANG calls that differ between the FRR series
 * we build against (8.4 with libyang 2, 10.3 with libyang 3).
 */
#ifndef VNETRS_COMPAT_NB_H
#define VNETRS_COMPAT_NB_H

#include "lib/northbound.h"
#include "lib/yang.h"

/* FRR 8.4's extract.pl preprocesses our CLI files without our flags. */
#if !defined(VNETRS_FRR_MAJOR) && !defined(VTYSH_EXTRACT_PL)
#error "VNETRS_FRR_MAJOR is not set: build through configure"
#endif

#if VNETRS_FRR_MAJOR >= 10

/* 10 loads a module's YANG features on request: ours has none. */
static inline struct yang_module *vnetrs_yang_module_load(const char *name)
{
	return yang_module_load(name, NULL);
}

/* 10 takes the context by value. */
static inline int vnetrs_nb_candidate_commit(struct nb_context *context,
					     struct nb_config *candidate,
					     const char *comment, char *errmsg,
					     size_t errmsg_len)
{
	return nb_candidate_commit(*context, candidate, true, comment, NULL,
				   errmsg, errmsg_len);
}

#else /* FRR 8 */

static inline struct yang_module *vnetrs_yang_module_load(const char *name)
{
	return yang_module_load(name);
}

static inline int vnetrs_nb_candidate_commit(struct nb_context *context,
					     struct nb_config *candidate,
					     const char *comment, char *errmsg,
					     size_t errmsg_len)
{
	return nb_candidate_commit(context, candidate, true, comment, NULL,
				   errmsg, errmsg_len);
}

#endif

#endif /* VNETRS_COMPAT_NB_H */
