// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: the SDN stream (vnetrs_stream.c), the effective route table
 * served to consumers on sockets. The northbound opens and closes
 * listeners; the show commands read their state through
 * vnetrs_stream_walk.
 */
#ifndef VNETRS_STREAM_H
#define VNETRS_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct vnetrs_instance;
struct vnetrs_listener;

/* Default queue-limit of a listener, KiB: a snapshot of 1M routes is
 * about 40 MB. */
#define VNETRS_SDN_QUEUE_LIMIT_DEFAULT 262144

/* Register with the SDN hook API (at module start). */
void vnetrs_stream_init(void);
/* Free what the transports keep across listeners (at exit). */
void vnetrs_stream_cleanup(void);

/* Open a listening Unix socket at path (mode 0660), not yet serving: the
 * northbound opens it while preparing a commit, so that a path that cannot
 * be used refuses the command. -1 with a message in err. */
int vnetrs_stream_open(const char *path, struct vnetrs_listener **out,
		       char *err, size_t errlen);
/* Open a TLS listener on addr port (the certificate and key it presents,
 * the CA its consumers' certificates must be signed by), not yet serving.
 * -1 with a message in err. */
int vnetrs_stream_open_tls(const char *addr, uint16_t port, const char *cert,
			   const char *key, const char *ca,
			   struct vnetrs_listener **out, char *err,
			   size_t errlen);
/* Do these files make a usable TLS listener? -1 with a message in err. */
int vnetrs_stream_check_tls(const char *cert, const char *key, const char *ca,
			    char *err, size_t errlen);
/* Load the certificate files of a TLS listener again when they are other
 * files or changed (the connected consumers keep their sessions). -1 with
 * a message in err: the files loaded before stay in use. */
int vnetrs_stream_reload_tls(struct vnetrs_listener *l, const char *cert,
			     const char *key, const char *ca, char *err,
			     size_t errlen);
/* At most this many consumers at once on a listener (set up or not). */
#define VNETRS_SDN_MAX_CONSUMERS_DEFAULT 1024
void vnetrs_stream_set_max_consumers(struct vnetrs_listener *l,
				     uint32_t max);
void vnetrs_stream_set_queue_limit(struct vnetrs_listener *l, uint32_t kib);
/* The instance's maintenance changed: every consumer hears whether it
 * drains now (the DRAINING flag of a KEEPALIVE). */
void vnetrs_stream_drain_changed(struct vnetrs_instance *inst);
/* Serve an opened listener for inst. */
void vnetrs_stream_start(struct vnetrs_instance *inst,
			 struct vnetrs_listener *l);
/* Disconnect its consumers, stop listening. */
void vnetrs_stream_close(struct vnetrs_listener *l);
/* The Unix listener of inst at path. */
struct vnetrs_listener *vnetrs_stream_find(struct vnetrs_instance *inst,
					   const char *path);
void vnetrs_stream_close_all(struct vnetrs_instance *inst);
/* Is there room for one more listener (all instances together)? */
bool vnetrs_stream_room(void);

/*
 * For the show commands: each listener of an instance, then each of its
 * consumers.
 */
#define VNETRS_STREAM_COUNTERS_MAX 8
struct vnetrs_listener_info {
	const char *transport; /* "unix", "tls" */
	const char *where;     /* the path, or ADDR port N */
	const char *broken;    /* what is wrong with it, "" if nothing */
	size_t queue_limit;    /* bytes */
	uint64_t accepted, snapshots;
	uint64_t dropped_slow, dropped_error, dropped_silent;
	size_t last_snapshot_bytes;
	bool limit_below_snapshot;
	const char *last_drop; /* "" if none */
	time_t last_drop_time;
	/* The transport's counters, and connections refused before the
	 * protocol started, by reason. */
	struct {
		const char *name;
		uint64_t value;
	} counters[VNETRS_STREAM_COUNTERS_MAX], refused[VNETRS_STREAM_COUNTERS_MAX];
	size_t n_counters, n_refused;
};

struct vnetrs_consumer_info {
	const char *name;
	const char *state; /* "setup", "hello", "waiting-for-table", "live" */
	const char *transport;
	const char *remote;   /* the other end's address, "" on Unix */
	const char *identity; /* its certificate or credentials */
	uint64_t seq_sent, seq_acked, batches;
	size_t queued;
	time_t since;
};

struct vnetrs_stream_walker {
	void (*listener)(const struct vnetrs_listener_info *li, void *arg);
	void (*consumer)(const struct vnetrs_consumer_info *ci, void *arg);
	/* After the consumers of a listener. */
	void (*listener_end)(void *arg);
};
void vnetrs_stream_walk(const struct vnetrs_instance *inst,
			const struct vnetrs_stream_walker *w, void *arg);

#endif /* VNETRS_STREAM_H */
