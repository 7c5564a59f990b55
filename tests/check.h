/* tests/check.h - the report lines of the test programs that speak to a real stack
 * (tests/e2e, tests/sipe: sipe-harness, ntlm-peer), which their suites grep:
 *   PASS name
 *   FAIL name: why
 *   SKIP name: why
 *   # a note
 *   N passed, M failed     (check_summary, at the end)
 * each on stdout, flushed at once, with the counters below.  Build tests/check.c with
 * the program.
 */
#ifndef TESTS_CHECK_H
#define TESTS_CHECK_H

extern int n_pass, n_fail, n_skip;

void pass(const char *name);
void fail(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void skip(const char *name, const char *why);
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "N passed, M failed". */
void check_summary(void);

#endif
