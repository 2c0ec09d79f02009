// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * main() for a fuzz target built without libFuzzer (tests/fuzz/run.sh):
 *
 *   TARGET --make-corpus DIR   write the target's seed inputs into DIR
 *                              (each is run through the target first)
 *   TARGET FILE...             run files through the target (replay a
 *                              crash found by the fuzzer)
 *
 * The target defines LLVMFuzzerTestOneInput() and fuzz_seeds().
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/fuzz/fuzz.h"

static const char *corpus_dir;
static int seed_errors;

static void write_seed(const char *name, const void *buf, size_t len)
{
	char path[4096];
	FILE *f;

	LLVMFuzzerTestOneInput(buf, len);
	snprintf(path, sizeof(path), "%s/%s", corpus_dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		seed_errors++;
	}
}

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return 1;
	}
	/* Exactly the file's size: reading past it is a report. */
	buf = malloc(n ? (size_t)n : 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "%s: cannot read\n", path);
		return 1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	printf("%s: ok\n", path);
	return 0;
}

int main(int argc, char **argv)
{
	int ret = 0;

	if (argc == 3 && strcmp(argv[1], "--make-corpus") == 0) {
		corpus_dir = argv[2];
		if (mkdir(corpus_dir, 0755) < 0 && errno != EEXIST) {
			perror(corpus_dir);
			return 1;
		}
		fuzz_seeds(write_seed);
		return seed_errors ? 1 : 0;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: %s --make-corpus DIR | FILE...\n",
			argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++)
		ret |= run_file(argv[i]);
	return ret;
}
