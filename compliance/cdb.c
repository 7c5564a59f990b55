/*
 * cdb.c - see cdb.h.
 */
#include "cdb.h"
#include "pchat_log.h"
#include "pchat_sqltime.h"

#include <errmsg.h>
#include <mysqld_error.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PARAMS_MAX 12

void cdb_init(struct cdb *db, const struct pchat_dbopts *opts)
{
	memset(db, 0, sizeof(*db));
	db->opts = opts;
}

int cdb_up(const struct cdb *db)
{
	return db->my != NULL && !db->lost;
}

/* Is err about the connection (reconnect) rather than the statement? */
static int connection_error(unsigned err)
{
	if(err >= CR_MIN_ERROR && err <= CR_MAX_ERROR)
		return 1; /* client side: gone, lost, cannot connect, out of sync ... */
	return err == ER_SERVER_SHUTDOWN || err == ER_CONNECTION_KILLED ||
			err == ER_UNKNOWN_STMT_HANDLER ||
			err == 4031 /* idle client disconnected */;
}

/* Records an error of what (an SQL text: its start names the statement). */
static void failed(struct cdb *db, const char *what, unsigned err, const char *msg)
{
	snprintf(db->err, sizeof(db->err), "database: %.40s...: %s", what, msg);
	if(connection_error(err))
		db->lost = 1;
}

static void stmt_failed(struct cdb *db, MYSQL_STMT *st, const char *what)
{
	failed(db, what, mysql_stmt_errno(st), mysql_stmt_error(st));
}

/* The session settings of cdb.h, as a prepared statement like everything else. */
static int set_up_session(struct cdb *db)
{
	static const char sql[] = "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED";
	return cdb_exec(db, sql, "") < 0 ? -1 : 0;
}

int cdb_connect(struct cdb *db)
{
	const struct pchat_dbopts *o = db->opts;
	/* generous: a batch's delete or its first sorted row may take a while */
	unsigned connect_timeout = 5, io_timeout = 300;
	my_bool no = 0;

	cdb_close(db);
	db->lost = 0;
	db->my = mysql_init(NULL);
	if(db->my == NULL) {
		snprintf(db->err, sizeof(db->err), "database: out of memory");
		return -1;
	}
	mysql_options(db->my, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
	mysql_options(db->my, MYSQL_OPT_READ_TIMEOUT, &io_timeout);
	mysql_options(db->my, MYSQL_OPT_WRITE_TIMEOUT, &io_timeout);
	/* a silent reconnect would lose the session settings and a transaction */
	mysql_options(db->my, MYSQL_OPT_RECONNECT, &no);
	mysql_options(db->my, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	if(mysql_real_connect(db->my, o->host, o->user, o->password, o->name, o->port, o->socket,
			   CLIENT_FOUND_ROWS) == NULL) {
		snprintf(db->err, sizeof(db->err), "database: cannot connect: %s",
				mysql_error(db->my));
		cdb_close(db);
		return -1;
	}
	if(mysql_autocommit(db->my, 0) != 0) {
		snprintf(db->err, sizeof(db->err), "database: cannot turn autocommit off: %s",
				mysql_error(db->my));
		cdb_close(db);
		return -1;
	}
	if(set_up_session(db) < 0) {
		cdb_close(db);
		return -1;
	}
	return 0;
}

void cdb_close(struct cdb *db)
{
	size_t i;
	for(i = 0; i < db->n_stmts; i++)
		mysql_stmt_close(db->stmts[i].st);
	db->n_stmts = 0;
	if(db->my)
		mysql_close(db->my);
	db->my = NULL;
}

/* The prepared statement of sql (prepared at its first use on this connection). */
static MYSQL_STMT *stmt(struct cdb *db, const char *sql)
{
	size_t i;
	MYSQL_STMT *st;

	if(!cdb_up(db)) {
		snprintf(db->err, sizeof(db->err), "database: not connected");
		return NULL;
	}
	for(i = 0; i < db->n_stmts; i++)
		if(db->stmts[i].sql == sql)
			return db->stmts[i].st;
	if(db->n_stmts == CDB_STMTS) {
		snprintf(db->err, sizeof(db->err), "database: too many statements (CDB_STMTS)");
		return NULL;
	}
	st = mysql_stmt_init(db->my);
	if(st == NULL) {
		failed(db, sql, mysql_errno(db->my), mysql_error(db->my));
		return NULL;
	}
	if(mysql_stmt_prepare(st, sql, strlen(sql)) != 0) {
		stmt_failed(db, st, sql);
		mysql_stmt_close(st);
		return NULL;
	}
	db->stmts[db->n_stmts].sql = sql;
	db->stmts[db->n_stmts++].st = st;
	return st;
}

/* Binds the parameters (letters of cdb.h, values from ap) and executes. */
static MYSQL_STMT *execute(struct cdb *db, const char *sql, const char *params, va_list *ap)
{
	MYSQL_BIND b[PARAMS_MAX];
	union {
		uint64_t u;
		int d;
		MYSQL_TIME t;
	} v[PARAMS_MAX];
	unsigned long len[PARAMS_MAX];
	size_t i, n = strlen(params);
	MYSQL_STMT *st = stmt(db, sql);

	if(st == NULL)
		return NULL;
	if(n > PARAMS_MAX || n != mysql_stmt_param_count(st)) {
		snprintf(db->err, sizeof(db->err), "database: %.40s...: %zu parameters given", sql,
				n);
		return NULL;
	}
	memset(b, 0, sizeof(b));
	for(i = 0; i < n; i++) {
		switch(params[i]) {
			case 'u':
				v[i].u = va_arg(*ap, uint64_t);
				b[i].buffer_type = MYSQL_TYPE_LONGLONG;
				b[i].is_unsigned = 1;
				b[i].buffer = &v[i].u;
				break;
			case 'd':
				v[i].d = va_arg(*ap, int);
				b[i].buffer_type = MYSQL_TYPE_LONG;
				b[i].buffer = &v[i].d;
				break;
			case 's': {
				char *s = va_arg(*ap, char *);
				b[i].buffer_type = s ? MYSQL_TYPE_STRING : MYSQL_TYPE_NULL;
				b[i].buffer = s;
				len[i] = s ? (unsigned long)strlen(s) : 0;
				b[i].length = &len[i];
				break;
			}
			case 't': {
				int64_t ms = va_arg(*ap, int64_t);
				b[i].buffer_type = ms < 0 ? MYSQL_TYPE_NULL : MYSQL_TYPE_DATETIME;
				ms = ms < 0 ? 0 : ms;
				pchat_sql_time((time_t)(ms / 1000), (unsigned)(ms % 1000), &v[i].t);
				b[i].buffer = &v[i].t;
				break;
			}
			default:
				snprintf(db->err, sizeof(db->err),
						"database: bad parameter letter %c", params[i]);
				return NULL;
		}
	}
	if((n > 0 && mysql_stmt_bind_param(st, b) != 0) || mysql_stmt_execute(st) != 0) {
		stmt_failed(db, st, sql);
		return NULL;
	}
	return st;
}

long long cdb_exec(struct cdb *db, const char *sql, const char *params, ...)
{
	va_list ap;
	va_start(ap, params);
	MYSQL_STMT *st = execute(db, sql, params, &ap);
	va_end(ap);
	return st ? (long long)mysql_stmt_affected_rows(st) : -1;
}

/* Binds the result columns (letters of cdb.h, destinations from ap). */
static int bind_columns(struct cdb_res *r, const char *cols, va_list *ap)
{
	size_t i, n = strlen(cols);

	if(n > CDB_COLS || n != mysql_stmt_field_count(r->st)) {
		snprintf(r->db->err, sizeof(r->db->err), "database: %zu columns given for %u", n,
				mysql_stmt_field_count(r->st));
		return -1;
	}
	r->n = (unsigned)n;
	memset(r->bind, 0, sizeof(r->bind));
	memset(r->col, 0, sizeof(r->col));
	for(i = 0; i < n; i++) {
		MYSQL_BIND *b = &r->bind[i];
		struct cdb_col *c = &r->col[i];
		c->type = cols[i];
		c->dst = va_arg(*ap, void *);
		b->is_null = &c->null;
		b->error = &c->error;
		b->length = &c->len;
		switch(c->type) {
			case 'u':
				b->buffer_type = MYSQL_TYPE_LONGLONG;
				b->is_unsigned = 1;
				b->buffer = c->dst;
				break;
			case 'd':
				b->buffer_type = MYSQL_TYPE_LONG;
				b->buffer = c->dst;
				break;
			case 't':
				b->buffer_type = MYSQL_TYPE_DATETIME;
				b->buffer = &c->tm;
				break;
			case 's':
				/* one byte kept for the NUL */
				c->size = va_arg(*ap, size_t);
				b->buffer_type = MYSQL_TYPE_STRING;
				b->buffer = c->dst;
				b->buffer_length = c->size - 1;
				break;
			case 'S':
				c->cap = va_arg(*ap, size_t *);
				b->buffer_type = MYSQL_TYPE_STRING;
				break;
			default:
				snprintf(r->db->err, sizeof(r->db->err),
						"database: bad column letter %c", c->type);
				return -1;
		}
	}
	return 0;
}

/* Points column S's binding at its (possibly regrown) buffer; a binding that
 * changed is to be handed to the statement again (r->bound). */
static int ready_growable(struct cdb_res *r, struct cdb_col *c, MYSQL_BIND *b, size_t need)
{
	char **buf = c->dst;
	if(*buf == NULL || *c->cap < need) {
		size_t cap = need < 256 ? 256 : need;
		char *p = realloc(*buf, cap);
		if(p == NULL) {
			snprintf(r->db->err, sizeof(r->db->err), "database: out of memory");
			return -1;
		}
		*buf = p;
		*c->cap = cap;
	}
	if(b->buffer != *buf || b->buffer_length != *c->cap - 1)
		r->bound = 0;
	b->buffer = *buf;
	b->buffer_length = *c->cap - 1;
	return 0;
}

int cdb_query(struct cdb *db, struct cdb_res *r, const char *sql, const char *params,
		const char *cols, ...)
{
	va_list ap;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	r->db = db;
	va_start(ap, cols);
	r->st = execute(db, sql, params, &ap);
	if(r->st != NULL)
		rc = bind_columns(r, cols, &ap);
	va_end(ap);
	if(rc < 0 && r->st != NULL)
		cdb_end(r);
	return rc;
}

/* After a fetch: the long values of S columns read whole, NULs added, times
 * converted.  0 or -1. */
static int finish_row(struct cdb_res *r)
{
	unsigned i;
	for(i = 0; i < r->n; i++) {
		struct cdb_col *c = &r->col[i];
		MYSQL_BIND *b = &r->bind[i];
		if(c->type == 't') {
			*(int64_t *)c->dst = c->null ? -1 : cdb_time_ms(&c->tm);
		} else if(c->type == 's') {
			if(c->error) {
				snprintf(r->db->err, sizeof(r->db->err),
						"database: column %u longer than %zu bytes", i,
						c->size);
				return -1;
			}
			((char *)c->dst)[c->null ? 0 : c->len] = '\0';
		} else if(c->type == 'S') {
			if(c->error) {
				/* too long for the buffer: grow it and read the value again */
				if(ready_growable(r, c, b, c->len + 1) < 0)
					return -1;
				if(mysql_stmt_fetch_column(r->st, b, i, 0) != 0) {
					stmt_failed(r->db, r->st, "fetch column");
					return -1;
				}
			}
			(*(char **)c->dst)[c->null ? 0 : c->len] = '\0';
		} else if(c->null) {
			if(c->type == 'u')
				*(uint64_t *)c->dst = 0;
			else
				*(int *)c->dst = 0;
		}
	}
	return 0;
}

int cdb_fetch(struct cdb_res *r)
{
	unsigned i;
	for(i = 0; i < r->n; i++)
		if(r->col[i].type == 'S' && ready_growable(r, &r->col[i], &r->bind[i], 0) < 0)
			return -1;
	/* bound again when an S buffer moved or grew */
	if(!r->bound && mysql_stmt_bind_result(r->st, r->bind) != 0) {
		stmt_failed(r->db, r->st, "bind result");
		return -1;
	}
	r->bound = 1;
	int rc = mysql_stmt_fetch(r->st);
	if(rc == MYSQL_NO_DATA)
		return 0;
	if(rc != 0 && rc != MYSQL_DATA_TRUNCATED) {
		stmt_failed(r->db, r->st, "fetch");
		return -1;
	}
	return finish_row(r) < 0 ? -1 : 1;
}

int cdb_null(const struct cdb_res *r, unsigned i)
{
	return i < r->n && r->col[i].null;
}

size_t cdb_len(const struct cdb_res *r, unsigned i)
{
	return i < r->n && !r->col[i].null ? r->col[i].len : 0;
}

void cdb_end(struct cdb_res *r)
{
	/* discards the rows not read: the connection is free for the next statement */
	if(r->st != NULL && mysql_stmt_free_result(r->st) != 0)
		stmt_failed(r->db, r->st, "end of result");
	r->st = NULL;
}

int cdb_row(struct cdb *db, const char *sql, const char *params, const char *cols, ...)
{
	struct cdb_res r;
	va_list ap;
	int rc = -1;

	memset(&r, 0, sizeof(r));
	r.db = db;
	va_start(ap, cols);
	r.st = execute(db, sql, params, &ap);
	if(r.st != NULL && bind_columns(&r, cols, &ap) == 0)
		rc = cdb_fetch(&r);
	va_end(ap);
	if(r.st != NULL)
		cdb_end(&r);
	return rc;
}

int cdb_commit(struct cdb *db)
{
	if(!cdb_up(db))
		return -1;
	if(mysql_commit(db->my) != 0) {
		failed(db, "COMMIT", mysql_errno(db->my), mysql_error(db->my));
		return -1;
	}
	return 0;
}

int cdb_rollback(struct cdb *db)
{
	if(!cdb_up(db))
		return -1;
	if(mysql_rollback(db->my) != 0) {
		failed(db, "ROLLBACK", mysql_errno(db->my), mysql_error(db->my));
		db->lost = 1;
		return -1;
	}
	return 0;
}

int64_t cdb_time_ms(const MYSQL_TIME *t)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (int)t->year - 1900;
	tm.tm_mon = (int)t->month - 1;
	tm.tm_mday = (int)t->day;
	tm.tm_hour = (int)t->hour;
	tm.tm_min = (int)t->minute;
	tm.tm_sec = (int)t->second;
	return (int64_t)timegm(&tm) * 1000 + (int64_t)(t->second_part / 1000);
}

int cdb_single_row(struct cdb *db, int rc, const char *table)
{
	if(rc == 0)
		snprintf(db->err, sizeof(db->err), "%s has no row (id 1)", table);
	return rc <= 0 ? -1 : 1;
}

int cdb_single_row_end(struct cdb *db, int rc, const char *table)
{
	if(cdb_single_row(db, rc, table) < 0) {
		cdb_rollback(db);
		return -1;
	}
	return cdb_commit(db);
}
