// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: the SDN stream on Unix sockets (vnetrs_sdn_stream.c).
 */
#ifndef VNETRS_SDN_STREAM_H
#define VNETRS_SDN_STREAM_H

#include "json.h"
#include "vty.h"

struct vnetrs_instance;
struct vnetrs_listener;
struct vnetrs_route;
struct vnetrs_prefix;

/* Open a listening socket at path (mode 0660), not yet serving: the
 * northbound opens it while preparing a commit, so that a path that cannot
 * be used refuses the command. -1 with a message in err. */
int vnetrs_stream_open(const char *path, struct vnetrs_listener **out,
		       char *err, size_t errlen);
/* Default queue-limit of a listener, KiB: a snapshot of 1M routes is
 * about 40 MB. */
#define VNETRS_SDN_QUEUE_LIMIT_DEFAULT 262144
void vnetrs_stream_set_queue_limit(struct vnetrs_listener *l, uint32_t kib);

/* Serve an opened socket for inst. */
void vnetrs_stream_start(struct vnetrs_instance *inst,
			 struct vnetrs_listener *l);
/* Disconnect its consumers, close and remove the socket. */
void vnetrs_stream_close(struct vnetrs_listener *l);
struct vnetrs_listener *vnetrs_stream_find(struct vnetrs_instance *inst,
					   const char *path);
void vnetrs_stream_close_all(struct vnetrs_instance *inst);
/* Is there room for one more listener (all instances together)? */
bool vnetrs_stream_room(void);

/* A batch to the consumers: NULL from begin when nobody listens, and the
 * other calls accept NULL. */
struct vnetrs_stream_batch;
struct vnetrs_stream_batch *vnetrs_stream_begin(struct vnetrs_instance *inst,
						uint64_t seq, uint32_t count);
/* r NULL: p is deleted. */
void vnetrs_stream_route(struct vnetrs_stream_batch *b,
			 const struct vnetrs_prefix *p,
			 const struct vnetrs_route *r);
void vnetrs_stream_commit(struct vnetrs_instance *inst,
			  struct vnetrs_stream_batch *b);

/* The table of inst converged: the consumers waiting get their snapshot. */
void vnetrs_stream_converged(struct vnetrs_instance *inst);
/* "show bgp vnet-route-server sdn": text to vty, or into js when given. */
void vnetrs_stream_show(struct vnetrs_instance *inst, struct vty *vty,
			json_object *js);

#endif /* VNETRS_SDN_STREAM_H */
