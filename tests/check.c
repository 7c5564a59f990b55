/* tests/check.c - the report lines of the test programs (check.h). */
#include "check.h"

#include <stdarg.h>
#include <stdio.h>

int n_pass, n_fail, n_skip;

void pass(const char *name)
{
	printf("PASS %s\n", name);
	fflush(stdout);
	n_pass++;
}

/* The rest of a line: fmt with ap, the newline, flushed. */
static void line_end(const char *fmt, va_list ap)
{
	vprintf(fmt, ap); /* NOLINT(clang-analyzer-valist.Uninitialized): the callers va_start it */
	printf("\n");
	fflush(stdout);
}

void fail(const char *name, const char *fmt, ...)
{
	va_list ap;
	printf("FAIL %s: ", name);
	va_start(ap, fmt);
	line_end(fmt, ap);
	va_end(ap);
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
	va_list ap;
	printf("# ");
	va_start(ap, fmt);
	line_end(fmt, ap);
	va_end(ap);
}

void check_summary(void)
{
	printf("%d passed, %d failed\n", n_pass, n_fail);
	fflush(stdout);
}
