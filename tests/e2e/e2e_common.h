/* e2e_common: what e2e-chat, e2e-authz and e2e-sip share: the PASS/FAIL/SKIP/# report
 * lines and their counters, a monotonic clock, the run token, running the stack's
 * control command and parsing their command lines.
 *
 * Report lines go to stdout, flushed at once.
 */
#ifndef E2E_COMMON_H
#define E2E_COMMON_H

#include <stdio.h>

extern int n_pass, n_fail, n_skip;

/* 16 hex digits, random per run (make_token): makes the message bodies and SIP
 * identifiers a run creates unique, so a check cannot match an older one. */
extern char token[17];

void pass(const char *name);
void fail(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void skip(const char *name, const char *why);
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

long long now_ms(void);
void make_token(void);

/* Runs "env control verb" with system(), output discarded; env may be NULL. Returns
 * system()'s result, -1 if the command could not be built. */
int run_control_cmd(const char *control, const char *env, const char *verb);

/* One --name VALUE option: its value is stored in *value. */
struct e2e_opt {
	const char *name;
	const char **value;
};

/* Parses argv: the options of opts (terminated by {NULL, NULL}), --verbose (counted
 * in *verbose) and --help; every name in required must then be set.  Returns -1 to
 * go on, else the exit status (0 after --help, 2 after a usage error, with usage
 * printed to stdout or stderr). */
int e2e_parse_args(int argc, char **argv, const struct e2e_opt *opts, const char *const *required,
		int *verbose, void (*usage)(FILE *));

#endif
