/* e2e_common: what e2e-chat, e2e-authz, e2e-files and e2e-sip share: the PASS/FAIL/SKIP/#
 * report lines and their counters (tests/check.h, shared with tests/sipe), a monotonic
 * clock, the run token, running the stack's
 * control command, parsing their command lines, and SQL against the stack's MariaDB;
 * and what e2e-authz and e2e-files share besides: their options, start and end
 * (struct e2e_stack) and running pchat-admin.
 */
#ifndef E2E_COMMON_H
#define E2E_COMMON_H

#include "check.h"
#include "pchat_client.h"
#include "xccos_view.h"
#include <stdio.h>

#include <mysql.h>

/* 16 hex digits, random per run (make_token): makes the message bodies and SIP
 * identifiers a run creates unique, so a check cannot match an older one. */
extern char token[17];

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

/* The stack a program checks, with pchat-admin: its options, and the database. */
struct e2e_stack {
	const char *proxy, *chat_uri, *db_socket, *db_name, *db_user, *db_password, *admin;
	int verbose;
	MYSQL *db;    /* connected by e2e_start */
	long long t0; /* when the run began */
};
#define E2E_STACK_INIT                                                          \
	{                                                                       \
		.proxy = "127.0.0.1:5060", .chat_uri = "sip:pchat@example.com", \
		.db_name = "pchat", .db_user = "root"                           \
	}

/* Parses argv (e2e_parse_args): --proxy, --chat-uri, --db-socket, --db-name, --db-user,
 * --db-password, --admin and the program's own options extra ({NULL, NULL}-terminated;
 * NULL for none); then the run token and the connection to the database, a failure of
 * test T if there is none (s->db NULL).  Returns -1 to go on, else the exit status. */
int e2e_start(struct e2e_stack *s, int argc, char **argv, const struct e2e_opt *extra,
		const char *const *required, void (*usage)(FILE *), const char *T);
/* Closes the database, notes the time the run took and prints the counts; returns the
 * exit status (0 only if nothing failed). */
int e2e_finish(struct e2e_stack *s);

/* The command that runs s's pchat-admin on s's database with args and then tail (both
 * already quoted for the shell), malloc'd; NULL if out of memory. */
char *e2e_admin_cmd(const struct e2e_stack *s, const char *args, const char *tail);

/* Runs s's pchat-admin with args (already quoted for the shell), its output dropped;
 * 0 if it exited 0, else a failure of test T and -1. */
int e2e_admin(const struct e2e_stack *s, const char *T, const char *args);

/* Connects to the stack's MariaDB over its Unix socket (utf8mb4, autocommit); NULL on
 * failure, with why filled. */
MYSQL *e2e_db_connect(const char *socket, const char *user, const char *password, const char *name,
		char *why, size_t wn);

/* At most this many parameters, and result columns, per e2e_sql. */
#define E2E_SQL_MAX 8

/* Runs the prepared statement q with the string parameters in (NULL-terminated; NULL
 * itself for none).  With out (nout columns), reads the first row's columns as malloc'd
 * text (NULL for SQL NULL, each at most 1023 bytes) and returns the rows found; without,
 * returns the rows affected.  -1 on error, reported as a failure of test T. */
long long e2e_sql(MYSQL *db, const char *T, const char *q, const char *const *in, char **out,
		size_t nout);
/* The string parameters of a statement, NULL-terminated. */
#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})
/* Frees v[0..n) (e2e_sql's out). */
void e2e_free_strs(char **v, size_t n);
/* Messages stored with exactly this body (-1 on error, a failure of test T). */
long long e2e_stored(MYSQL *db, const char *T, const char *body);

/* How long a SIP request, and an XCCOS reply after it, may take (ms). */
#define E2E_SIP_WAIT 4000
#define E2E_REPLY_WAIT 4000

/* The next item id on c within ms, or NULL; other items arriving meanwhile are
 * dropped (printed to stderr with verbose). */
xv_envelope *e2e_next_item(pc_client *c, const char *id, int ms, int verbose);
/* Sends items (then freed) on c and waits E2E_REPLY_WAIT for the reply id; NULL if
 * the INFO was not answered 200 or no reply came. */
xv_envelope *e2e_request(pc_client *c, char *items, const char *id, int verbose);

#endif
