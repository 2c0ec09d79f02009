// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: the acceptance rules applied to a bgpd path (vnetrs_judge.c).
 */
#ifndef VNETRS_JUDGE_H
#define VNETRS_JUDGE_H

#include "vnetrs.h"

struct attr;
struct prefix;

/* The acceptance rules applied to a bgpd path (vnetrs_judge.c): the
 * verdict on a route from vp (limits aside). */
enum vnetrs_verdict vnetrs_judge(const struct vnetrs_peer *vp,
				 const struct prefix *p,
				 const struct attr *attr);

#endif /* VNETRS_JUDGE_H */
