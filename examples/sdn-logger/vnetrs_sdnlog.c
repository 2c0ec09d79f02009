// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A minimal consumer of the vnetrs SDN hook API (<vnetrs/sdn.h>): a bgpd
 * module that writes every batch of effective-route changes to a file.
 *
 *	bgpd -M vnetrs -M /path/bgpd_vnetrs_sdnlog.so:/tmp/sdn.log
 *
 * Lines written (one per hook call, flushed at commit):
 *	begin VRF SEQ snapshot|changes
 *	route PREFIX SOURCE [peered] NEXTHOP,NEXTHOP...|-
 *	delete PREFIX
 *	commit VRF SEQ COUNT
 * A real SDN consumer would queue the routes here and program its data
 * plane at commit, without blocking bgpd.
 */
#include <zebra.h>

#include "lib/hook.h"
#include "lib/libfrr.h"
#include "lib/module.h"
#include "lib/vrf.h"

#include "vnetrs/sdn.h"
#include "vnetrs_compat_event.h"

static FILE *out;

static const char *const sources[] = {"local", "nva", "expressroute", "vpn"};

static int log_begin(const char *vrf, uint64_t seq, bool snapshot)
{
	if (out)
		fprintf(out, "begin %s %" PRIu64 " %s\n", vrf, seq,
			snapshot ? "snapshot" : "changes");
	return 0;
}

static int log_route(const char *vrf, const struct vnetrs_sdn_entry *r,
		     bool deleted)
{
	char pbuf[PREFIX_STRLEN], nbuf[INET6_ADDRSTRLEN];

	if (!out)
		return 0;
	prefix2str(&r->prefix, pbuf, sizeof(pbuf));
	if (deleted) {
		fprintf(out, "delete %s\n", pbuf);
		return 0;
	}
	fprintf(out, "route %s %s%s ", pbuf,
		r->source < array_size(sources) ? sources[r->source] : "?",
		r->peered ? " peered" : "");
	if (!r->n_nexthops)
		fputs("-", out);
	for (unsigned int i = 0; i < r->n_nexthops; i++)
		fprintf(out, "%s%s", i ? "," : "",
			ipaddr2str(&r->nexthops[i], nbuf, sizeof(nbuf)));
	fputc('\n', out);
	return 0;
}

static int log_commit(const char *vrf, uint64_t seq, unsigned int count)
{
	if (out) {
		fprintf(out, "commit %s %" PRIu64 " %u\n", vrf, seq, count);
		fflush(out);
	}
	return 0;
}

/* Once the configuration is in, ask for the whole table. */
static int log_config_post(vnetrs_event_loop *master)
{
	vnetrs_sdn_resync(VRF_DEFAULT_NAME);
	return 0;
}

static int sdnlog_init(void)
{
	const char *path = THIS_MODULE->load_args;

	if (!path || !*path) {
		zlog_err("vnetrs_sdnlog: give the log file: -M vnetrs_sdnlog:PATH");
		return 0;
	}
	out = fopen(path, "a");
	if (!out) {
		zlog_err("vnetrs_sdnlog: %s: %s", path, safe_strerror(errno));
		return 0;
	}
	hook_register(vnetrs_sdn_begin, log_begin);
	hook_register(vnetrs_sdn_route, log_route);
	hook_register(vnetrs_sdn_commit, log_commit);
	hook_register(frr_config_post, log_config_post);
	return 0;
}

FRR_MODULE_SETUP(.name = "bgpd_vnetrs_sdnlog", .version = "0.1.0",
		 .description = "vnetrs SDN hook API example: logs batches",
		 .init = sdnlog_init,
);
