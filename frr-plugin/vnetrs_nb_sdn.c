// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs: the northbound callbacks of the SDN stream's listeners
 * ("sdn listen unix PATH", "sdn listen tls ADDR ...").
 *
 * A listener is opened while the commit is prepared (a socket that cannot
 * be bound, a certificate that does not load, refuses the command with
 * the reason) and starts serving when it is applied. Settings of a
 * listener (queue-limit, max-consumers, TLS files) change in place: its
 * consumers stay connected.
 */
#include <zebra.h>

#include <sys/stat.h>
#include <sys/un.h>

#include "lib/log.h"
#include "lib/northbound.h"
#include "lib/yang.h"

#include "vnetrs.h"
#include "vnetrs_debug.h"
#include "vnetrs_nb.h"
#include "vnetrs_stream.h"

/* A prepared listener of dnode starts serving its instance. */
static void listener_start(const struct lyd_node *dnode,
			   struct vnetrs_listener *l)
{
	struct vnetrs_instance *inst = nb_running_get_entry(dnode, NULL, true);

	vnetrs_stream_set_queue_limit(l,
				      yang_dnode_get_uint32(dnode,
							    "./queue-limit"));
	vnetrs_stream_set_max_consumers(
		l, yang_dnode_get_uint32(dnode, "./max-consumers"));
	vnetrs_stream_start(inst, l);
	nb_running_set_entry(dnode, l);
}

/*
 * Listeners are opened while the commit is prepared, so that a socket
 * bgpd cannot bind, or files that do not load, refuse the command instead
 * of failing later; line names the listener in messages.
 */
typedef struct vnetrs_listener *(*listener_open_fn)(
	const struct lyd_node *dnode, char *err, size_t errlen);

static int listener_create(struct nb_cb_create_args *args,
			   listener_open_fn open_listener, const char *line)
{
	switch (args->event) {
	case NB_EV_VALIDATE:
		return NB_OK;
	case NB_EV_PREPARE:
		if (!vnetrs_stream_room()) {
			snprintf(args->errmsg, args->errmsg_len,
				 "%s: too many SDN listeners", line);
			return NB_ERR_RESOURCE;
		}
		args->resource->ptr = open_listener(args->dnode, args->errmsg,
						    args->errmsg_len);
		return args->resource->ptr ? NB_OK : NB_ERR_RESOURCE;
	case NB_EV_ABORT:
		if (args->resource->ptr)
			vnetrs_stream_close(args->resource->ptr);
		return NB_OK;
	case NB_EV_APPLY:
		break;
	}
	listener_start(args->dnode, args->resource->ptr);
	return NB_OK;
}

/*
 * Unix sockets.
 */
/*
 * Does a program accept connections on the Unix socket at path? Opening
 * the stream replaces a socket file left by an earlier run; one that is
 * alive (another listener, bgpd's own vty socket) must not be taken over.
 */
static bool socket_in_use(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct stat st;
	bool used;
	int fd;

	/* Its length was checked by vnetrs_sdn_listen_pre_validate(). */
	if (lstat(path, &st) < 0 || !S_ISSOCK(st.st_mode))
		return false;
	strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return false;
	/* A live listener accepts (or queues: EAGAIN); a stale file refuses. */
	used = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0 ||
	       errno == EAGAIN;
	close(fd);
	return used;
}

/* The longest path a Unix socket can have: sun_path with its NUL. */
#define SDN_PATH_MAX (sizeof(((struct sockaddr_un *)0)->sun_path) - 1)

/* An sdn-listen entry's path on its own: absolute, and short enough. */
int vnetrs_sdn_listen_pre_validate(struct nb_cb_pre_validate_args *args)
{
	const char *path = yang_dnode_get_string(args->dnode, "./path");

	if (strlen(path) > SDN_PATH_MAX) {
		snprintf(args->errmsg, args->errmsg_len,
			 "sdn listen unix %s: the path has %zu characters; a Unix socket path has at most %zu",
			 path, strlen(path), SDN_PATH_MAX);
		return NB_ERR_VALIDATION;
	}
	if (path[0] != '/') {
		snprintf(args->errmsg, args->errmsg_len,
			 "sdn listen unix %s: the path must be absolute", path);
		return NB_ERR_VALIDATION;
	}
	return NB_OK;
}

/* A Unix listener of dnode, opened (not serving yet); NULL with a message
 * in err. */
static struct vnetrs_listener *unix_open(const struct lyd_node *dnode,
					 char *err, size_t errlen)
{
	const char *path = yang_dnode_get_string(dnode, "./path");
	struct vnetrs_listener *l;

	if (vnetrs_stream_open(path, &l, err, errlen) < 0)
		return NULL;
	return l;
}

int vnetrs_sdn_listen_create(struct nb_cb_create_args *args)
{
	const char *path = yang_dnode_get_string(args->dnode, "./path");
	char line[PATH_MAX + 32];

	snprintf(line, sizeof(line), "sdn listen unix %s", path);
	if (args->event == NB_EV_VALIDATE && socket_in_use(path)) {
		snprintf(args->errmsg, args->errmsg_len,
			 "%s: a program is listening on this socket already",
			 line);
		return NB_ERR_VALIDATION;
	}
	return listener_create(args, unix_open, line);
}

/*
 * What every listener has: its limits, and its end.
 */
int vnetrs_sdn_listener_queue_limit_modify(struct nb_cb_modify_args *args)
{
	if (args->event != NB_EV_APPLY)
		return NB_OK;
	vnetrs_stream_set_queue_limit(nb_running_get_entry(args->dnode, NULL,
							   true),
				      yang_dnode_get_uint32(args->dnode, NULL));
	return NB_OK;
}

int vnetrs_sdn_listener_max_consumers_modify(struct nb_cb_modify_args *args)
{
	if (args->event != NB_EV_APPLY)
		return NB_OK;
	vnetrs_stream_set_max_consumers(
		nb_running_get_entry(args->dnode, NULL, true),
		yang_dnode_get_uint32(args->dnode, NULL));
	return NB_OK;
}

int vnetrs_sdn_listener_destroy(struct nb_cb_destroy_args *args)
{
	if (args->event != NB_EV_APPLY)
		return NB_OK;
	vnetrs_stream_close(nb_running_unset_entry(args->dnode));
	return NB_OK;
}

/*
 * TLS listeners.
 */
struct tls_files {
	const char *cert, *key, *ca;
};

/* The files of the sdn-listen-tls entry dnode (or of its leaf's entry). */
static void tls_files_of(const struct lyd_node *entry, struct tls_files *f)
{
	f->cert = yang_dnode_get_string(entry, "./certificate");
	f->key = yang_dnode_get_string(entry, "./key");
	f->ca = yang_dnode_get_string(entry, "./ca");
}

/* "sdn listen tls ADDR port N" for messages. */
static const char *tls_line(const struct lyd_node *entry, char *buf,
			    size_t len)
{
	snprintf(buf, len, "sdn listen tls %s port %u",
		 yang_dnode_get_string(entry, "./address"),
		 yang_dnode_get_uint16(entry, "./port"));
	return buf;
}

/* A TLS listener of dnode, opened (not serving yet); NULL with a message
 * in err. */
static struct vnetrs_listener *tls_open(const struct lyd_node *dnode,
					char *err, size_t errlen)
{
	struct vnetrs_listener *l;
	struct tls_files f;
	char line[96], why[512];

	tls_files_of(dnode, &f);
	if (vnetrs_stream_open_tls(yang_dnode_get_string(dnode, "./address"),
				   yang_dnode_get_uint16(dnode, "./port"),
				   f.cert, f.key, f.ca, &l, why,
				   sizeof(why)) < 0) {
		snprintf(err, errlen, "%s: %s",
			 tls_line(dnode, line, sizeof(line)), why);
		return NULL;
	}
	return l;
}

int vnetrs_sdn_listen_tls_create(struct nb_cb_create_args *args)
{
	char line[96];

	return listener_create(args, tls_open,
			       tls_line(args->dnode, line, sizeof(line)));
}

/*
 * A TLS file changed in the configuration: the entry's files, as they will
 * be, must load (checked while preparing); the listener loads them once
 * the whole change is applied (apply_finish).
 */
int vnetrs_sdn_listen_tls_file_modify(struct nb_cb_modify_args *args)
{
	const struct lyd_node *entry;
	struct tls_files f;
	char line[96], err[512];

	if (args->event != NB_EV_PREPARE)
		return NB_OK;
	entry = yang_dnode_get_parent(args->dnode, "sdn-listen-tls");
	tls_files_of(entry, &f);
	if (vnetrs_stream_check_tls(f.cert, f.key, f.ca, err, sizeof(err)) <
	    0) {
		snprintf(args->errmsg, args->errmsg_len, "%s: %s",
			 tls_line(entry, line, sizeof(line)), err);
		return NB_ERR_RESOURCE;
	}
	return NB_OK;
}

void vnetrs_sdn_listen_tls_apply_finish(struct nb_cb_apply_finish_args *args)
{
	struct vnetrs_listener *l = nb_running_get_entry(args->dnode, NULL,
							 true);
	struct tls_files f;
	char line[96], err[512];

	tls_files_of(args->dnode, &f);
	/* Checked while preparing: only a file changed since fails here. */
	if (vnetrs_stream_reload_tls(l, f.cert, f.key, f.ca, err,
				     sizeof(err)) < 0)
		vnetrs_warn("%s: %s; the files loaded before stay in use",
			  tls_line(args->dnode, line, sizeof(line)), err);
}
