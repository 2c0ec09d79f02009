// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vnetrs front: the bgpd_vnetrs.so that "bgpd -M vnetrs" loads.
 *
 * The module proper (bgpd_vnetrs-FRRVERSION.so, beside this file) is
 * built for one FRR and uses bgpd's symbols and structures: loaded into
 * a bgpd of the other series, the dynamic loader refuses it before any of
 * its code runs, with a message that names neither version. This front
 * uses only what both series export with the same signature (the module
 * runtime struct, frr_defaults_version(), vzlogx() with no xref, libc's
 * dl* calls), defines no memory type, hook or xref, and takes nothing
 * from a glibc newer than Debian 12's (tools/check-front.sh checks the
 * built file). So it loads into either bgpd, compares versions, and only
 * on a match loads the module proper and runs its init.
 */
#include <zebra.h>

#include <dlfcn.h>
#include <limits.h>

#include "lib/module.h"
#include "lib/version.h"

#include "vnetrs_frrver.h"

#define VNETRS_PROPER "bgpd_vnetrs-" VNETRS_FRR_BUILT_FOR ".so"

static int vnetrs_front_init(void);

/* What "show modules" prints for the module. */
static const struct frrmod_info vnetrs_front_info = {
	.name = "bgpd_vnetrs",
	.version = VNETRS_VERSION,
	.description = "VNet route server, built for FRR " VNETRS_FRR_BUILT_FOR
		       " (front of " VNETRS_PROPER ")",
	.init = vnetrs_front_init,
};

/*
 * By hand, not FRR_MODULE_SETUP(): that adds an xref block, whose layout
 * is not the same in both series. The runtime struct itself is.
 */
static union _frrmod_runtime_u vnetrs_front_runtime = {
	.r =
		{
			.info = &vnetrs_front_info,
		},
};

/* The one symbol this file exports: what frrmod_load() looks up. */
__attribute__((visibility("default"))) struct frrmod_runtime *frr_module =
	&vnetrs_front_runtime.r;

/* dlerror()'s text without the file name the line already gives. */
static const char *vnetrs_front_dlerror(const char *path)
{
	const char *err = dlerror();
	size_t len = strlen(path);

	if (!err)
		return "unknown error";
	if (!strncmp(err, path, len) && !strncmp(err + len, ": ", 2))
		return err + len + 2;
	return err;
}

/* The module proper's path: this file's directory, however bgpd found it. */
static bool vnetrs_front_proper_path(char *buf, size_t size)
{
	Dl_info self;
	const char *slash;
	int dirlen, n;

	if (!dladdr(&vnetrs_front_runtime, &self) || !self.dli_fname)
		return false;
	slash = strrchr(self.dli_fname, '/');
	if (slash) {
		dirlen = (int)(slash - self.dli_fname) + 1;
		n = snprintf(buf, size, "%.*s%s", dirlen, self.dli_fname,
			     VNETRS_PROPER);
	} else {
		/* A bare name: dlopen() would search the library path. */
		n = snprintf(buf, size, "./%s", VNETRS_PROPER);
	}
	return n > 0 && (size_t)n < size;
}

/*
 * bgpd exits 1 when a module is missing; so does a refusal. Not by
 * returning an error from init: frrmod_load() (8.4 and 10.3 alike) then
 * dlclose()s the module and goes on to free what its runtime struct,
 * now unmapped, points to.
 */
static __attribute__((noreturn)) void vnetrs_front_refuse(void)
{
	exit(1);
}

static int vnetrs_front_init(void)
{
	struct frrmod_runtime *self = &vnetrs_front_runtime.r;
	struct frrmod_runtime **properp, *proper;
	char path[PATH_MAX];
	void *handle;

	if (!vnetrs_frr_version_ok(VNETRS_FRR_BUILT_FOR))
		vnetrs_front_refuse();
	if (!vnetrs_front_proper_path(path, sizeof(path))) {
		vnetrs_frr_log(
			LOG_ERR,
			"vnetrs: built for FRR %s and this bgpd is FRR %s, but the front cannot tell its own directory to find %s: not loading",
			VNETRS_FRR_BUILT_FOR, vnetrs_frr_running(),
			VNETRS_PROPER);
		vnetrs_front_refuse();
	}
	/* As bgpd loads modules: its symbols for ours, ours for others. */
	handle = dlopen(path, RTLD_NOW | RTLD_GLOBAL);
	if (!handle) {
		vnetrs_frr_log(
			LOG_ERR,
			"vnetrs: built for FRR %s and this bgpd is FRR %s, but %s cannot be loaded (%s): not loading; install the vnetrs build for FRR %s",
			VNETRS_FRR_BUILT_FOR, vnetrs_frr_running(), path,
			vnetrs_front_dlerror(path), vnetrs_frr_running());
		vnetrs_front_refuse();
	}
	/* dlsym() on the handle: the module proper's symbol, not ours. */
	properp = dlsym(handle, "frr_module");
	proper = properp ? *properp : NULL;
	if (!proper || !proper->info || proper == self) {
		vnetrs_frr_log(
			LOG_ERR,
			"vnetrs: built for FRR %s and this bgpd is FRR %s, but %s is not the vnetrs module: not loading",
			VNETRS_FRR_BUILT_FOR, vnetrs_frr_running(), path);
		vnetrs_front_refuse();
	}
	if (proper->finished_loading) {
		vnetrs_frr_log(
			LOG_ERR,
			"vnetrs: %s is loaded already: not loading it twice",
			path);
		vnetrs_front_refuse();
	}
	/*
	 * What frrmod_load() gives a module, so the module proper sees its
	 * "-M vnetrs:ARGS" and handle as if bgpd had loaded it. The strings
	 * stay owned by the front's entry in bgpd's module list.
	 */
	proper->load_name = self->load_name;
	proper->load_args = self->load_args;
	proper->dl_handle = handle;
	if (proper->info->init && proper->info->init()) {
		vnetrs_frr_log(
			LOG_ERR,
			"vnetrs: %s (for FRR %s) failed to initialise: not loading",
			path, VNETRS_FRR_BUILT_FOR);
		vnetrs_front_refuse();
	}
	proper->finished_loading = true;
	return 0;
}
