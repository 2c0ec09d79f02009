// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: the SDN stream's Unix socket transport ("sdn listen unix PATH").
 *
 * Consumers on the route server's own machine connect to a socket file
 * (mode 0660: the frr group). A socket left by an earlier run is replaced;
 * any other file at the path is the user's and is never touched. The file
 * is checked every few seconds: removed (a cleanup script, a tmpfs
 * remount), it is re-created for new consumers while the connected ones
 * keep theirs; replaced by another file, the listener says so and leaves
 * it alone.
 */
#include <zebra.h>

#include <sys/stat.h>
#include <sys/un.h>

#include "lib/log.h"
#include "lib/memory.h"
#include "lib/network.h"
#include "lib/privs.h"
#include "vnetrs_compat_event.h"

#include "bgpd/bgpd.h"

#include "vnetrs.h"
#include "vnetrs_debug.h"
#include "vnetrs_stream_transport.h"

DEFINE_MTYPE_STATIC(VNETRS, VNETRS_UNIX_LISTENER, "vnetrs SDN Unix socket");
DEFINE_MTYPE_STATIC(VNETRS, VNETRS_UNIX_CONN, "vnetrs SDN Unix connection");

/* How often the socket file is checked. */
#define SOCKET_CHECK_INTERVAL 2

/*
 * A consumer's send buffer. A Unix stream socket holds only its send
 * buffer's worth of unread bytes (net.core.wmem_default, 208 KiB on most
 * systems), and bgpd refills it only when its busy event loop comes back
 * to the write event: at about 50 bytes a route, a full table would be
 * streamed 4,000 routes per turn of the loop. So it is raised to 4 MiB,
 * or to the listener's queue limit when that is smaller (the limit says
 * how much a consumer may leave unread). TCP (the TLS transport) grows
 * its buffers by itself.
 */
#define UNIX_SNDBUF (4 << 20)

/* bgpd's privileges (bgp_main.c): CAP_NET_ADMIN passes net.core.wmem_max. */
extern struct zebra_privs_t bgpd_privs;

struct unix_listener {
	struct vnetrs_listener *l;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int fd;
	vnetrs_event *t_accept, *t_check;
	/* The socket file, to notice its removal; how often it was
	 * re-created, and what is wrong with it (empty: nothing). */
	dev_t dev;
	ino_t ino;
	uint64_t recreated;
	char broken[160];
};

/*
 * Connections: plain reads and writes on a non-blocking socket.
 */
static int unix_setup(struct vnetrs_conn *conn, const char **reason,
		      char *err, size_t errlen)
{
	return 1;
}

static ssize_t io_result(ssize_t n, char *err, size_t errlen)
{
	if (n >= 0)
		return n;
	if (ERRNO_IO_RETRY(errno))
		return VNETRS_IO_AGAIN;
	strlcpy(err, safe_strerror(errno), errlen);
	return VNETRS_IO_ERROR;
}

static ssize_t unix_read(struct vnetrs_conn *conn, void *buf, size_t len,
			 char *err, size_t errlen)
{
	return io_result(read(conn->fd, buf, len), err, errlen);
}

static ssize_t unix_write(struct vnetrs_conn *conn, const void *buf,
			  size_t len, char *err, size_t errlen)
{
	ssize_t n = io_result(write(conn->fd, buf, len), err, errlen);

	conn->want_write = n == VNETRS_IO_AGAIN;
	return n;
}

static void unix_free(struct vnetrs_conn *conn)
{
	close(conn->fd);
	XFREE(MTYPE_VNETRS_UNIX_CONN, conn);
}

static const struct vnetrs_conn_ops unix_conn_ops = {
	.setup = unix_setup,
	.read = unix_read,
	.write = unix_write,
	.free = unix_free,
};

/* Raise fd's send buffer to want, or as much as net.core.wmem_max and the
 * privileges allow; never lower it (the kernel doubles what it is given,
 * for its bookkeeping). */
static void unix_sndbuf(int fd, size_t limit)
{
	int want = (int)MIN((size_t)UNIX_SNDBUF, limit), got = 0;
	socklen_t len = sizeof(got);


	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &got, &len) == 0 &&
	    got >= want)
		return;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &want, sizeof(want)) == 0 &&
	    getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &got, &len) == 0 &&
	    got >= want)
		return;
	frr_with_privs (&bgpd_privs) {
		if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &want,
			       sizeof(want)) < 0)
			VNETRS_DEBUG(sdn,
				     "SDN socket: send buffer of %d bytes "
				     "refused (%s): %d kept",
				     want, safe_strerror(errno), got);
	}
}

/* Who is on the other end, as the kernel says (shown with the consumer). */
static void peer_identity(struct vnetrs_conn *conn)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(conn->fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0)
		snprintf(conn->identity, sizeof(conn->identity),
			 "uid %u pid %d", (unsigned int)cred.uid,
			 (int)cred.pid);
}

static void unix_accept(vnetrs_event *t)
{
	struct unix_listener *ul = EVENT_ARG(t);
	struct vnetrs_conn *conn;
	int fd;

	event_add_read(bm->master, unix_accept, ul, ul->fd, &ul->t_accept);
	fd = accept(ul->fd, NULL, NULL);
	if (fd < 0) {
		if (!ERRNO_IO_RETRY(errno))
			vnetrs_warn("SDN socket %s: accept: %s", ul->path,
				  safe_strerror(errno));
		return;
	}
	set_nonblocking(fd);
	set_cloexec(fd);
	unix_sndbuf(fd, vnetrs_listener_queue_limit(ul->l));
	conn = XCALLOC(MTYPE_VNETRS_UNIX_CONN, sizeof(*conn));
	conn->ops = &unix_conn_ops;
	conn->fd = fd;
	peer_identity(conn);
	vnetrs_listener_accepted(ul->l, conn);
}

/*
 * The listening socket.
 */
/* A listening socket bound at path (mode 0660, non-blocking), its file's
 * identity in *st. -1 with a message in err. */
static int unix_bind(const char *path, struct stat *st, char *err,
		     size_t errlen)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd;

	strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", safe_strerror(errno));
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    chmod(path, 0660) < 0 || listen(fd, SOMAXCONN) < 0 ||
	    lstat(path, st) < 0) {
		snprintf(err, errlen, "%s: %s", path, safe_strerror(errno));
		close(fd);
		return -1;
	}
	set_nonblocking(fd);
	set_cloexec(fd);
	return fd;
}

void *vnetrs_unix_open(const char *path, char *err, size_t errlen)
{
	struct unix_listener *ul;
	struct stat st;
	int fd;

	/* The northbound refused longer paths (vnetrs_nb_sdn.c). */
	assert(strlen(path) < sizeof(ul->path));
	/* A socket left by an earlier run is replaced; anything else is the
	 * user's and stays. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "%s exists and is not a socket",
				 path);
			return NULL;
		}
		unlink(path);
	}
	fd = unix_bind(path, &st, err, errlen);
	if (fd < 0)
		return NULL;
	ul = XCALLOC(MTYPE_VNETRS_UNIX_LISTENER, sizeof(*ul));
	strlcpy(ul->path, path, sizeof(ul->path));
	ul->fd = fd;
	ul->dev = st.st_dev;
	ul->ino = st.st_ino;
	return ul;
}

/* The socket file was removed: a new socket at the path (the connected
 * consumers keep theirs). */
static void unix_recreate(struct unix_listener *ul)
{
	struct stat st;
	char err[160];
	int fd = unix_bind(ul->path, &st, err, sizeof(err));

	if (fd < 0) {
		snprintf(ul->broken, sizeof(ul->broken),
			 "socket file removed, cannot re-create it: %.100s",
			 err);
		return;
	}
	EVENT_OFF(ul->t_accept);
	close(ul->fd);
	ul->fd = fd;
	ul->dev = st.st_dev;
	ul->ino = st.st_ino;
	ul->recreated++;
	ul->broken[0] = '\0';
	event_add_read(bm->master, unix_accept, ul, ul->fd, &ul->t_accept);
	vnetrs_warn("SDN stream %s: the socket file was removed: re-created",
		  ul->path);
}

/* Is the socket file still ours? Re-created when gone; another file in its
 * place is the user's: shown, left alone. */
static void unix_check(vnetrs_event *t)
{
	struct unix_listener *ul = EVENT_ARG(t);
	struct stat st;

	event_add_timer(bm->master, unix_check, ul, SOCKET_CHECK_INTERVAL,
			 &ul->t_check);
	if (lstat(ul->path, &st) < 0) {
		if (errno == ENOENT)
			unix_recreate(ul);
		return;
	}
	if (st.st_dev == ul->dev && st.st_ino == ul->ino) {
		ul->broken[0] = '\0';
		return;
	}
	if (!ul->broken[0])
		vnetrs_warn("SDN stream %s: the path is now another file: no new consumer can reach this listener",
			  ul->path);
	snprintf(ul->broken, sizeof(ul->broken),
		 "the path is now another file: unreachable");
}

static void unix_start(void *tp, struct vnetrs_listener *l)
{
	struct unix_listener *ul = tp;

	ul->l = l;
	event_add_read(bm->master, unix_accept, ul, ul->fd, &ul->t_accept);
	event_add_timer(bm->master, unix_check, ul, SOCKET_CHECK_INTERVAL,
			 &ul->t_check);
}

static void unix_close(void *tp)
{
	struct unix_listener *ul = tp;

	EVENT_OFF(ul->t_accept);
	EVENT_OFF(ul->t_check);
	close(ul->fd);
	/* Only our own socket file: another in its place is the user's. */
	if (!ul->broken[0])
		unlink(ul->path);
	XFREE(MTYPE_VNETRS_UNIX_LISTENER, ul);
}

static const char *unix_where(const void *tp)
{
	return ((const struct unix_listener *)tp)->path;
}

static const char *unix_broken(const void *tp)
{
	return ((const struct unix_listener *)tp)->broken;
}

static void unix_counters(const void *tp,
			  void (*cb)(const char *name, uint64_t value,
				     void *arg),
			  void *arg)
{
	cb("socket-recreated", ((const struct unix_listener *)tp)->recreated,
	   arg);
}

const struct vnetrs_transport_ops vnetrs_unix_transport = {
	.name = "unix",
	.start = unix_start,
	.close = unix_close,
	.where = unix_where,
	.broken = unix_broken,
	.counters = unix_counters,
};
