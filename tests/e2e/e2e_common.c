/* e2e_common: reporting, clock, run token and control command shared by e2e-chat and
 * e2e-sip (see e2e_common.h). */
#define _GNU_SOURCE
#include "e2e_common.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int n_pass, n_fail, n_skip;
char token[17];

void pass(const char *name)
{
	printf("PASS %s\n", name);
	fflush(stdout);
	n_pass++;
}

void fail(const char *name, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt,
			ap); /* NOLINT(clang-analyzer-valist.Uninitialized): false positive, va_start is just above */
	va_end(ap);
	printf("FAIL %s: %s\n", name, msg);
	fflush(stdout);
	n_fail++;
}

void skip(const char *name, const char *why)
{
	printf("SKIP %s: %s\n", name, why);
	fflush(stdout);
	n_skip++;
}

void note(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt,
			ap); /* NOLINT(clang-analyzer-valist.Uninitialized): false positive, va_start is just above */
	va_end(ap);
	printf("# %s\n", msg);
	fflush(stdout);
}

long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void make_token(void)
{
	unsigned char b[8] = {0};
	FILE *f = fopen("/dev/urandom", "rb");
	if(!f || fread(b, 1, sizeof b, f) != sizeof b) {
		/* no /dev/urandom: time and pid still differ between runs */
		unsigned long long x = (unsigned long long)time(NULL) ^
				((unsigned long long)getpid() << 20);
		for(size_t i = 0; i < sizeof b; i++, x >>= 8)
			b[i] = (unsigned char)x;
	}
	if(f)
		fclose(f);
	for(size_t i = 0; i < sizeof b; i++)
		sprintf(token + 2 * i, "%02x", b[i]);
}

int run_control_cmd(const char *control, const char *env, const char *verb)
{
	char *cmd = NULL;
	if(asprintf(&cmd, "%s %s %s >/dev/null 2>&1", env ? env : "", control, verb) < 0)
		return -1;
	int rc = system(cmd);
	free(cmd);
	return rc;
}

int e2e_parse_args(int argc, char **argv, const struct e2e_opt *opts, const char *const *required,
		int *verbose, void (*usage)(FILE *))
{
	enum { VERBOSE = 1000, HELP };
	struct option lo[32];
	size_t n = 0;
	for(; n < 29 && opts[n].name; n++)
		lo[n] = (struct option){opts[n].name, required_argument, NULL, (int)n};
	lo[n] = (struct option){"verbose", no_argument, NULL, VERBOSE};
	lo[n + 1] = (struct option){"help", no_argument, NULL, HELP};
	lo[n + 2] = (struct option){NULL, 0, NULL, 0};
	int o;
	while((o = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if(o >= 0 && (size_t)o < n) {
			*opts[o].value = optarg;
		} else if(o == VERBOSE) {
			(*verbose)++;
		} else if(o == HELP) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	int ok = optind == argc;
	for(size_t r = 0; ok && required && required[r]; r++)
		for(size_t i = 0; i < n; i++)
			if(strcmp(opts[i].name, required[r]) == 0 && !*opts[i].value)
				ok = 0;
	if(!ok) {
		usage(stderr);
		return 2;
	}
	return -1;
}
