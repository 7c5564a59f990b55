/* e2e_common: what e2e-chat, e2e-authz, e2e-files and e2e-sip share: the PASS/FAIL/SKIP/#
 * report lines and their counters, a monotonic clock, the run token, running the stack's
 * control command, parsing their command lines, and SQL against the stack's MariaDB.
 *
 * Report lines go to stdout, flushed at once.
 */
#ifndef E2E_COMMON_H
#define E2E_COMMON_H

#include <stdio.h>

#include <mysql.h>

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

/* Connects to the stack's MariaDB over its Unix socket (utf8mb4, autocommit); NULL on
 * failure, with why filled. */
MYSQL *e2e_db_connect(const char *socket, const char *user, const char *password, const char *name,
		char *why, size_t wn);

/* At most this many parameters, and result columns, per e2e_sql. */
#define E2E_SQL_MAX 8

/* Runs the prepared statement q with the string parameters in (NULL-terminated; NULL
 * itself for none).  With out (nout columns), reads the first row's columns as malloc'd
 * text (NULL for SQL NULL, each at most 1023 bytes) and returns the rows found; without,
 * returns the rows affected.  -1 on error, with why filled. */
long long e2e_sql(MYSQL *db, const char *q, const char *const *in, char **out, size_t nout,
		char *why, size_t wn);

#endif
