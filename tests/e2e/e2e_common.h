/* e2e_common: what e2e-chat and e2e-sip share: the PASS/FAIL/SKIP/# report lines and
 * their counters, a monotonic clock, the run token and running the stack's control
 * command.
 *
 * Report lines go to stdout, flushed at once.
 */
#ifndef E2E_COMMON_H
#define E2E_COMMON_H

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

#endif
