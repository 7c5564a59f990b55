/*
 * fuzz_check.h - the one check every harness makes: require(cond, fmt, ...) abort()s
 * with a message naming the harness (FUZZ_NAME, defined before the include) when cond
 * is false, which libFuzzer reports as a crash with the input.  Header only.
 */
#ifndef FUZZ_CHECK_H
#define FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#ifndef FUZZ_NAME
#error "define FUZZ_NAME (the harness's name) before including fuzz_check.h"
#endif

#define require(cond, ...)                                             \
	do {                                                           \
		if(!(cond)) {                                          \
			fprintf(stderr, FUZZ_NAME ": check failed: "); \
			fprintf(stderr, __VA_ARGS__);                  \
			fputc('\n', stderr);                           \
			abort();                                       \
		}                                                      \
	} while(0)

#endif
