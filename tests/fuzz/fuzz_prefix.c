// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: the prefix parser (logic/vnetrs_prefix.c), which reads
 * what users type ("address-space A.B.C.D/L", the YANG keys of the
 * operational state) into the module.
 *
 * The input is one string (cut at its first NUL). Invariants:
 *  - parse returns 0 or -1; on -1 the message is a terminated string
 *    within its buffer, even a short one;
 *  - on 0 the family is IPv4 or IPv6, the length fits it, no host bit is
 *    set, and printing the prefix and parsing that gives the same prefix;
 *  - a prefix covers itself and overlaps itself; comparison is reflexive.
 */
#include <string.h>

#include "logic/vnetrs_prefix.h"
#include "tests/fuzz/fuzz.h"

static void check_parsed(const struct vnetrs_prefix *p)
{
	struct vnetrs_prefix q;
	char buf[VNETRS_PREFIX_STRLEN], abuf[VNETRS_PREFIX_STRLEN], err[256];
	unsigned int bits = p->family == VNETRS_AF_INET ? 32 : 128;

	FUZZ_CHECK(p->family == VNETRS_AF_INET || p->family == VNETRS_AF_INET6);
	FUZZ_CHECK(p->len <= bits);
	for (unsigned int i = p->len; i < 128; i++)
		FUZZ_CHECK(!(p->addr[i / 8] & (0x80 >> (i % 8))));
	vnetrs_prefix2str(p, buf, sizeof(buf));
	FUZZ_CHECK(memchr(buf, '\0', sizeof(buf)));
	FUZZ_CHECK(vnetrs_prefix_parse(buf, &q, err, sizeof(err)) == 0);
	FUZZ_CHECK(vnetrs_prefix_equal(p, &q));
	FUZZ_CHECK(vnetrs_prefix_cmp(p, &q) == 0);
	FUZZ_CHECK(vnetrs_prefix_covers(p, &q) && vnetrs_prefix_overlaps(p, &q));
	vnetrs_addr2str(p, abuf, sizeof(abuf));
	FUZZ_CHECK(strncmp(buf, abuf, strlen(abuf)) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vnetrs_prefix p;
	char *str, err[256], small[8];
	int ret;

	/* Exactly the string and its NUL: reading past it is a report. */
	str = malloc(size + 1);
	FUZZ_CHECK(str);
	memcpy(str, data, size);
	str[size] = '\0';

	memset(err, 0x55, sizeof(err));
	ret = vnetrs_prefix_parse(str, &p, err, sizeof(err));
	FUZZ_CHECK(ret == 0 || ret == -1);
	if (ret == 0)
		check_parsed(&p);
	else
		FUZZ_CHECK(memchr(err, '\0', sizeof(err)));
	/* A message buffer too short for the message. */
	memset(small, 0x55, sizeof(small));
	FUZZ_CHECK(vnetrs_prefix_parse(str, &p, small, sizeof(small)) == ret);
	if (ret < 0)
		FUZZ_CHECK(memchr(small, '\0', sizeof(small)));
	free(str);
	return 0;
}

void fuzz_seeds(fuzz_emit_fn emit)
{
	static const char *const seeds[] = {
		"10.1.0.0/16",	   "0.0.0.0/0",		"10.1.0.1/16",
		"10.1.0.0/33",	   "2001:db8:1::/48",	"2001:db8:1::1/48",
		"::/0",		   "::ffff:10.1.0.0/112", "fe80::1%eth0/64",
		"10.1.0.0/016",	   "10.1.0.0/",		"/16",
		"10.1.0.0/16 peered",
	};
	char name[32];

	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		snprintf(name, sizeof(name), "prefix-%02zu", i);
		emit(name, seeds[i], strlen(seeds[i]));
	}
}
