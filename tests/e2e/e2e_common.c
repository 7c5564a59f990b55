/* e2e_common: clock, run token, control command, command lines and SQL shared
 * by the e2e programs (see e2e_common.h). */
#define _GNU_SOURCE
#include "e2e_common.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

char token[17];

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

MYSQL *e2e_db_connect(const char *socket, const char *user, const char *password, const char *name,
		char *why, size_t wn)
{
	unsigned timeout = 5;
	MYSQL *db = mysql_init(NULL);
	if(!db) {
		snprintf(why, wn, "mysql_init failed");
		return NULL;
	}
	mysql_options(db, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	if(!mysql_real_connect(db, NULL, user, password, name, 0, socket, 0)) {
		snprintf(why, wn, "cannot connect to MariaDB at %s: %s", socket, mysql_error(db));
		mysql_close(db);
		return NULL;
	}
	mysql_set_character_set(db, "utf8mb4");
	mysql_autocommit(db, 1);
	return db;
}

/* Fetches the first row of st (executed) into out[0..nout); returns the rows found. */
static long long fetch_first(MYSQL_STMT *st, char **out, size_t nout)
{
	static char buf[E2E_SQL_MAX][1024];
	unsigned long len[E2E_SQL_MAX] = {0};
	my_bool null[E2E_SQL_MAX] = {0};
	MYSQL_BIND r[E2E_SQL_MAX];
	memset(r, 0, sizeof r);
	for(size_t i = 0; i < nout; i++) {
		out[i] = NULL;
		r[i].buffer_type = MYSQL_TYPE_STRING;
		r[i].buffer = buf[i];
		r[i].buffer_length = sizeof buf[i] - 1;
		r[i].length = &len[i];
		r[i].is_null = &null[i];
	}
	if(mysql_stmt_bind_result(st, r) || mysql_stmt_store_result(st))
		return -1;
	long long rows = (long long)mysql_stmt_num_rows(st);
	int rc = rows > 0 ? mysql_stmt_fetch(st) : MYSQL_NO_DATA;
	for(size_t i = 0; (rc == 0 || rc == MYSQL_DATA_TRUNCATED) && i < nout; i++) {
		size_t n = len[i] < sizeof buf[i] - 1 ? len[i] : sizeof buf[i] - 1;
		out[i] = null[i] ? NULL : strndup(buf[i], n);
	}
	mysql_stmt_free_result(st);
	return rows;
}

long long e2e_sql(MYSQL *db, const char *T, const char *q, const char *const *in, char **out,
		size_t nout)
{
	MYSQL_BIND p[E2E_SQL_MAX];
	unsigned long plen[E2E_SQL_MAX];
	size_t n = 0;
	long long rows = -1;
	memset(p, 0, sizeof p);
	for(; in && in[n] && n < E2E_SQL_MAX; n++) {
		plen[n] = strlen(in[n]);
		p[n].buffer_type = MYSQL_TYPE_STRING;
		p[n].buffer = (void *)in[n];
		p[n].buffer_length = plen[n];
		p[n].length = &plen[n];
	}
	MYSQL_STMT *st = mysql_stmt_init(db);
	if(st && !mysql_stmt_prepare(st, q, strlen(q)) && (!n || !mysql_stmt_bind_param(st, p)) &&
			!mysql_stmt_execute(st))
		rows = out ? fetch_first(st, out, nout < E2E_SQL_MAX ? nout : E2E_SQL_MAX)
			   : (long long)mysql_stmt_affected_rows(st);
	if(rows < 0)
		fail(T, "%.200s: %s", q, st ? mysql_stmt_error(st) : mysql_error(db));
	if(st)
		mysql_stmt_close(st);
	return rows;
}

void e2e_free_strs(char **v, size_t n)
{
	for(size_t i = 0; i < n; i++)
		free(v[i]);
}

/* ---- e2e-authz and e2e-files ---- */

#define E2E_OPTS_MAX 24

int e2e_start(struct e2e_stack *s, int argc, char **argv, const struct e2e_opt *extra,
		const char *const *required, void (*usage)(FILE *), const char *T)
{
	struct e2e_opt opts[E2E_OPTS_MAX + 1] = {{"proxy", &s->proxy}, {"db-socket", &s->db_socket},
			{"db-name", &s->db_name}, {"db-user", &s->db_user},
			{"db-password", &s->db_password}, {"chat-uri", &s->chat_uri},
			{"admin", &s->admin}};
	size_t n = 7;
	char why[512];
	for(size_t i = 0; extra && extra[i].name && n < E2E_OPTS_MAX; i++)
		opts[n++] = extra[i];
	opts[n] = (struct e2e_opt){NULL, NULL};
	int status = e2e_parse_args(argc, argv, opts, required, &s->verbose, usage);
	if(status >= 0)
		return status;
	setvbuf(stdout, NULL, _IOLBF, 0);
	make_token();
	s->t0 = now_ms();
	note("run token %s, proxy %s", token, s->proxy);
	s->db = e2e_db_connect(
			s->db_socket, s->db_user, s->db_password, s->db_name, why, sizeof why);
	if(!s->db)
		fail(T, "%s", why);
	return -1;
}

int e2e_finish(struct e2e_stack *s)
{
	if(s->db)
		mysql_close(s->db);
	s->db = NULL;
	note("took %lld ms", now_ms() - s->t0);
	check_summary();
	return n_fail ? 1 : 0;
}

char *e2e_admin_cmd(const struct e2e_stack *s, const char *args, const char *tail)
{
	char *cmd = NULL;
	if(asprintf(&cmd, "'%s' --db-socket '%s' --db-user '%s' --db-name '%s' %s %s", s->admin,
			   s->db_socket, s->db_user, s->db_name, args, tail) < 0)
		return NULL;
	return cmd;
}

int e2e_admin(const struct e2e_stack *s, const char *T, const char *args)
{
	char *cmd = e2e_admin_cmd(s, args, ">/dev/null");
	if(!cmd)
		return -1;
	int st = system(cmd);
	if(st != 0)
		fail(T, "pchat-admin %s: status %d", args, st);
	free(cmd);
	return st == 0 ? 0 : -1;
}

xv_envelope *e2e_next_item(pc_client *c, const char *id, int ms, int verbose)
{
	for(long long deadline = now_ms() + ms, left; (left = deadline - now_ms()) > 0;) {
		char *body = pc_next_info(c, (int)left);
		if(body && verbose)
			fprintf(stderr, "<<< %s\n", body);
		xv_envelope *e = body ? xv_parse(body, strlen(body)) : NULL;
		free(body);
		if(xv_is(e, id))
			return e;
		xv_free(e);
	}
	return NULL;
}

xv_envelope *e2e_request(pc_client *c, char *items, const char *id, int verbose)
{
	int st = items ? pc_send_xccos(c, items, E2E_SIP_WAIT, NULL) : 0;
	free(items);
	return st == 200 ? e2e_next_item(c, id, E2E_REPLY_WAIT, verbose) : NULL;
}

long long e2e_stored(MYSQL *db, const char *T, const char *body)
{
	char *n = NULL;
	long long rows = e2e_sql(
			db, T, "SELECT COUNT(*) FROM messages WHERE body = ?", ARGS(body), &n, 1);
	long long count = rows == 1 && n ? atoll(n) : -1;
	free(n);
	return count;
}
