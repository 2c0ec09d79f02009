// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: the seam between the SDN stream (vnetrs_stream.c: consumers,
 * protocol, write queues) and its transports (vnetrs_stream_unix.c, and
 * TLS). A transport listens, accepts, and moves bytes; it knows nothing of
 * the protocol. The stream knows nothing of sockets or certificates. A
 * new transport is one file that fills these two tables of operations.
 */
#ifndef VNETRS_STREAM_TRANSPORT_H
#define VNETRS_STREAM_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct vnetrs_conn;
struct vnetrs_listener;

/* What read and write return besides a byte count. */
#define VNETRS_IO_AGAIN -2 /* nothing now: wait for conn->want_write or read */
#define VNETRS_IO_ERROR -1 /* the connection is unusable: err says why */

struct vnetrs_conn_ops {
	/* Finish setting the connection up (TLS: the handshake): 1 done, 0
	 * not yet (wait for the event conn->want_write says), -1 refused,
	 * err says why and *reason the counter it falls under. */
	int (*setup)(struct vnetrs_conn *conn, const char **reason, char *err,
		     size_t errlen);
	/* Bytes read (0: closed by the other end), VNETRS_IO_AGAIN or
	 * VNETRS_IO_ERROR. */
	ssize_t (*read)(struct vnetrs_conn *conn, void *buf, size_t len,
			char *err, size_t errlen);
	ssize_t (*write)(struct vnetrs_conn *conn, const void *buf, size_t len,
			 char *err, size_t errlen);
	/* Close the connection and free it. */
	void (*free)(struct vnetrs_conn *conn);
};

/* One consumer's connection, as a transport made it. */
struct vnetrs_conn {
	const struct vnetrs_conn_ops *ops;
	int fd;
	/* After VNETRS_IO_AGAIN or a setup in progress: the transport waits
	 * for the socket to be writable (TLS may write to read). */
	bool want_write;
	/* Whom the connection comes from ("" on a Unix socket), and who the
	 * other end proved to be (a certificate's subject; "" if nothing). */
	char remote[64];
	char identity[192];
};

/* A listener's transport: its own state behind these operations. */
struct vnetrs_transport_ops {
	const char *name; /* "unix", "tls" */
	/* Start accepting: each connection goes to vnetrs_listener_accepted. */
	void (*start)(void *tp, struct vnetrs_listener *l);
	/* Stop listening and free tp (connections are closed before). */
	void (*close)(void *tp);
	/* Where it listens (a path, ADDR port N) and what is wrong with it
	 * ("" if nothing), for the show commands. */
	const char *(*where)(const void *tp);
	const char *(*broken)(const void *tp);
	/* Counters of its own (socket re-created, handshakes refused by
	 * reason): call cb for each. */
	void (*counters)(const void *tp,
			 void (*cb)(const char *name, uint64_t value,
				    void *arg),
			 void *arg);
};

/* A transport accepted conn for l: the stream takes it over. */
void vnetrs_listener_accepted(struct vnetrs_listener *l,
			      struct vnetrs_conn *conn);
/* The listener of l's transport, for its log lines. */
const char *vnetrs_listener_where(const struct vnetrs_listener *l);
/* l's queue limit (bytes): a transport sizes its kernel buffers within it,
 * so that a consumer that does not read is still dropped near it. */
size_t vnetrs_listener_queue_limit(const struct vnetrs_listener *l);

/* The Unix socket transport (vnetrs_stream_unix.c). */
extern const struct vnetrs_transport_ops vnetrs_unix_transport;
/* Bind path (mode 0660); NULL with a message in err. */
void *vnetrs_unix_open(const char *path, char *err, size_t errlen);

/* The TLS transport (vnetrs_stream_tls.c). */
extern const struct vnetrs_transport_ops vnetrs_tls_transport;
/* Listen on addr port with these files; NULL with a message in err. */
void *vnetrs_tls_open(const char *addr, uint16_t port, const char *cert,
		      const char *key, const char *ca, char *err,
		      size_t errlen);
/* Do these files make a usable context? -1 with a message in err. */
int vnetrs_tls_check(const char *cert, const char *key, const char *ca,
		     char *err, size_t errlen);
/* Load the files again if they are others or changed, for the connections
 * to come. -1 (and the old files stay in use) with a message in err. */
int vnetrs_tls_reload(void *tp, const char *cert, const char *key,
		      const char *ca, char *err, size_t errlen);
/* Free what the TLS transport keeps across listeners (at exit). */
void vnetrs_tls_cleanup(void);

#endif /* VNETRS_STREAM_TRANSPORT_H */
