/*
 * dbsql.c - see dbsql.h and dbkind.h.  Every statement is a prepared statement,
 * listed by its kind (db_kinds[], dbkinds.c) and bound by db_exec(); every job
 * runs in a transaction that ends with COMMIT (autocommit is off), so a read
 * never sees an old snapshot.
 */
#include "dbsql.h"
#include "config.h"
#include "dbkind.h"
#include "pchat_log.h"
#include "pchat_sqltime.h"
#include "util.h"

#include <errmsg.h>
#include <mysqld_error.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void dbsql_init(struct dbsql *d)
{
	memset(d, 0, sizeof(*d));
}

/*
 * Is this error about the connection or the server's state (retry on a new
 * connection), rather than about the statement (retrying would fail again)?
 */
static int transient(unsigned err)
{
	if(err >= CR_MIN_ERROR && err <= CR_MAX_ERROR)
		return 1; /* client side: server gone, lost, cannot connect, ... */
	switch(err) {
		case ER_CON_COUNT_ERROR:
		case ER_SERVER_SHUTDOWN:
		case ER_LOCK_WAIT_TIMEOUT:
		case ER_LOCK_DEADLOCK:
		case ER_QUERY_INTERRUPTED:
		case ER_UNKNOWN_STMT_HANDLER:
		case ER_NEED_REPREPARE:
		case 1927: /* ER_CONNECTION_KILLED */
		case 4031: /* idle client disconnected by the server */ return 1;
		default: return 0;
	}
}

static MYSQL_STMT *prepare(MYSQL *my, const char *sql)
{
	MYSQL_STMT *st = mysql_stmt_init(my);
	if(st == NULL)
		return NULL;
	if(mysql_stmt_prepare(st, sql, strlen(sql)) != 0) {
		log_warn("db: cannot prepare statement: %s", mysql_stmt_error(st));
		mysql_stmt_close(st);
		return NULL;
	}
	return st;
}

MYSQL *dbsql_open(const struct config *c, unsigned io_timeout, char *err, size_t errlen)
{
	unsigned connect_timeout = 5;
	my_bool reconnect = 0;
	MYSQL *my = mysql_init(NULL);

	if(my == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	mysql_options(my, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
	mysql_options(my, MYSQL_OPT_READ_TIMEOUT, &io_timeout);
	mysql_options(my, MYSQL_OPT_WRITE_TIMEOUT, &io_timeout);
	mysql_options(my, MYSQL_OPT_RECONNECT, &reconnect);
	mysql_options(my, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	if(mysql_real_connect(my, c->db.host, c->db.user, c->db.password ? c->db.password : "",
			   c->db.name, c->db.port, c->db.socket, 0) == NULL) {
		snprintf(err, errlen, "%s", mysql_error(my));
		mysql_close(my);
		return NULL;
	}
	/* A pool's node reads what another node committed (a signal announced it, a
	 * room or a setting changed there): each read waits until this Galera node has
	 * applied every write-set the cluster committed before it (scale-out notes). */
	if(c->pool_listen && mysql_query(my, "SET SESSION wsrep_sync_wait = 1") != 0) {
		snprintf(err, errlen, "wsrep_sync_wait: %s", mysql_error(my));
		mysql_close(my);
		return NULL;
	}
	return my;
}

static int open_connection(struct dbsql *d, const struct config *c)
{
	char err[256];

	d->my = dbsql_open(c, 30, err, sizeof(err));
	if(d->my == NULL) {
		if(d->failures++ % 12 == 0) /* every minute or so at the longest backoff */
			log_warn("db: cannot connect: %s (retrying)", err);
		return -1;
	}
	if(mysql_autocommit(d->my, 0) != 0) {
		log_warn("db: cannot turn autocommit off: %s", mysql_error(d->my));
		return -1;
	}
	return 0;
}

int dbsql_connect(struct dbsql *d, const struct config *c)
{
	int k, i;

	if(open_connection(d, c) < 0) {
		dbsql_close(d);
		return -1;
	}
	for(k = 0; k < DB_JOB_TYPES; k++) {
		for(i = 0; i < DB_KIND_STMTS && db_kinds[k]->sql[i]; i++) {
			d->st[k][i] = prepare(d->my, db_kinds[k]->sql[i]);
			if(d->st[k][i] != NULL)
				continue;
			/* Typically the schema is not there yet; keep retrying. */
			if(d->failures++ % 12 == 0)
				log_warn("db: connected, but the statements do not prepare (schema "
					 "missing?)");
			dbsql_close(d);
			return -1;
		}
	}
	log_info("db: connected to %s (server %s)", mysql_get_host_info(d->my),
			mysql_get_server_info(d->my));
	d->failures = 0;
	return 0;
}

void dbsql_close(struct dbsql *d)
{
	int k, i;
	for(k = 0; k < DB_JOB_TYPES; k++) {
		for(i = 0; i < DB_KIND_STMTS; i++) {
			if(d->st[k][i])
				mysql_stmt_close(d->st[k][i]);
			d->st[k][i] = NULL;
		}
	}
	if(d->my)
		mysql_close(d->my);
	d->my = NULL;
}

/* Reports a statement error; returns DBSQL_RETRY if it is a connection problem,
 * otherwise fails the job (DB_FAILED) and returns DBSQL_OK. */
static enum dbsql_result stmt_failed(MYSQL_STMT *st, const char *what, struct db_job *job)
{
	unsigned err = mysql_stmt_errno(st);
	if(transient(err)) {
		log_warn("db: %s: %s (will retry)", what, mysql_stmt_error(st));
		return DBSQL_RETRY;
	}
	/* A row it refers to was deleted meanwhile (a read position or a post for a room
	 * just deleted): the job's caller handles DB_FAILED, nothing to fix. */
	log_msg(err == ER_NO_REFERENCED_ROW_2 ? LL_WARN : LL_ERROR, "db: %s: %s", what,
			mysql_stmt_error(st));
	job->status = DB_FAILED;
	return DBSQL_OK;
}

/* ---- the binder ---- */

#define PARAMS_MAX 16 /* the most a statement binds (the search's rows: 11) */

MYSQL_STMT *db_stmt(struct dbsql *d, const struct db_job *job, unsigned i)
{
	return d->st[job->type][i];
}

enum dbsql_result db_exec(struct dbsql *d, struct db_job *job, unsigned idx, const char *fmt, ...)
{
	MYSQL_STMT *st = d->st[job->type][idx];
	MYSQL_BIND par[PARAMS_MAX];
	struct {
		uint64_t u64;
		unsigned u32;
		unsigned long len;
		MYSQL_TIME time;
	} val[PARAMS_MAX];
	const struct timespec *ts;
	va_list ap;
	size_t i;

	memset(par, 0, sizeof(par));
	va_start(ap, fmt);
	for(i = 0; i < PARAMS_MAX && fmt[i]; i++) {
		MYSQL_BIND *b = &par[i];
		switch(fmt[i]) {
			case 's':
			case 'b':
				b->buffer_type = MYSQL_TYPE_STRING;
				b->buffer = va_arg(ap, char *);
				if(b->buffer == NULL) /* 's' only: SQL NULL */
					b->buffer_type = MYSQL_TYPE_NULL;
				val[i].len = fmt[i] == 'b'  ? (unsigned long)va_arg(ap, size_t)
						: b->buffer ? (unsigned long)strlen(b->buffer)
							    : 0;
				b->buffer_length = val[i].len;
				b->length = &val[i].len;
				break;
			case 'u':
				val[i].u64 = va_arg(ap, uint64_t);
				b->buffer_type = MYSQL_TYPE_LONGLONG;
				b->buffer = &val[i].u64;
				b->is_unsigned = 1;
				break;
			case 'i':
				val[i].u32 = va_arg(ap, unsigned);
				b->buffer_type = MYSQL_TYPE_LONG;
				b->buffer = &val[i].u32;
				b->is_unsigned = 1;
				break;
			case 't':
				ts = va_arg(ap, const struct timespec *);
				pchat_sql_time(ts->tv_sec, (unsigned)(ts->tv_nsec / 1000000),
						&val[i].time);
				b->buffer_type = MYSQL_TYPE_DATETIME;
				b->buffer = &val[i].time;
				break;
			default: break;
		}
	}
	va_end(ap);
	if(fmt[i] != '\0') { /* a statement with more parameters than the binder holds */
		log_error("db: %s: more than %d parameters", db_job_name(job), PARAMS_MAX);
		job->status = DB_FAILED;
		return DBSQL_OK;
	}
	if((i > 0 && mysql_stmt_bind_param(st, par) != 0) || mysql_stmt_execute(st) != 0)
		return stmt_failed(st, db_job_name(job), job);
	return DBSQL_OK;
}

static enum dbsql_result commit(struct dbsql *d, const char *what)
{
	if(mysql_commit(d->my) == 0)
		return DBSQL_OK;
	/* Whatever the error, the transaction is not known to be committed: retry. */
	log_warn("db: %s: commit failed: %s (will retry)", what, mysql_error(d->my));
	return DBSQL_RETRY;
}

/* ---- result columns ---- */

void db_bind_u64(MYSQL_BIND *b, uint64_t *v)
{
	memset(b, 0, sizeof(*b));
	b->buffer_type = MYSQL_TYPE_LONGLONG;
	b->buffer = v;
	b->is_unsigned = 1;
}

void db_bind_time(MYSQL_BIND *b, MYSQL_TIME *t)
{
	memset(b, 0, sizeof(*b));
	b->buffer_type = MYSQL_TYPE_DATETIME;
	b->buffer = t;
}

void db_bind_col(MYSQL_BIND *b, struct db_col *c)
{
	memset(b, 0, sizeof(*b));
	b->buffer_type = MYSQL_TYPE_STRING;
	b->buffer = c->buf;
	b->buffer_length = sizeof(c->buf);
	b->length = &c->len;
	b->is_null = &c->is_null;
	b->error = &c->error;
}

char *db_col_str(MYSQL_STMT *st, struct db_col *c, unsigned idx, size_t *lenp)
{
	char *s;
	if(c->is_null) {
		s = xstrdup("");
		c->len = 0;
	} else if(c->len <= sizeof(c->buf)) {
		s = xstrndup(c->buf, c->len);
	} else {
		MYSQL_BIND b;
		unsigned long got = 0;
		s = xmalloc(c->len + 1);
		memset(&b, 0, sizeof(b));
		b.buffer_type = MYSQL_TYPE_STRING;
		b.buffer = s;
		b.buffer_length = c->len + 1;
		b.length = &got;
		if(mysql_stmt_fetch_column(st, &b, idx, 0) != 0)
			got = 0;
		s[got < c->len ? got : c->len] = '\0';
	}
	if(lenp)
		*lenp = strlen(s);
	return s;
}

void db_time_to_ts(const MYSQL_TIME *t, char out[TS_BUFSZ])
{
	snprintf(out, TS_BUFSZ, "%04u-%02u-%02uT%02u:%02u:%02u.%03luZ", t->year % 10000,
			t->month % 100, t->day % 100, t->hour % 100, t->minute % 100,
			t->second % 100, (t->second_part / 1000) % 1000);
}

enum dbsql_result db_fetch(struct dbsql *d, struct db_job *job, unsigned i, MYSQL_BIND *res,
		void (*row)(MYSQL_STMT *st, void *ctx), void *ctx)
{
	MYSQL_STMT *st = d->st[job->type][i];
	int rc;

	if(mysql_stmt_bind_result(st, res) != 0 || mysql_stmt_store_result(st) != 0)
		return stmt_failed(st, db_job_name(job), job);
	while((rc = mysql_stmt_fetch(st)) == 0 || rc == MYSQL_DATA_TRUNCATED)
		row(st, ctx);
	mysql_stmt_free_result(st);
	if(rc != MYSQL_NO_DATA)
		return stmt_failed(st, db_job_name(job), job);
	return DBSQL_OK;
}

void *db_grow(void *v, size_t *n, size_t *cap, size_t sz, void **out)
{
	if(*n == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		v = xrealloc(v, *cap * sz);
	}
	*out = (char *)v + (*n)++ * sz;
	memset(*out, 0, sz);
	return v;
}

void db_msgs_clear(struct db_msg **v, size_t *n)
{
	for(size_t i = 0; i < *n; i++) {
		free((*v)[i].author);
		free((*v)[i].body);
		free((*v)[i].chan_uri);
	}
	free(*v);
	*v = NULL;
	*n = 0;
}

/* ---- room rows ---- */

/* DB_ROOM_COLS: the id, ROOM_NTEXT text columns, the sequence number. */
enum { ROOM_NTEXT = 16, ROOM_SEQ = ROOM_NTEXT + 1, ROOM_NCOLS = ROOM_NTEXT + 2 };

/* One row's result buffers, and where the rows go. */
struct room_rows {
	MYSQL_BIND res[ROOM_NCOLS + 3];
	struct db_col cols[ROOM_NTEXT + 1]; /* text columns, then the inviter */
	uint64_t id, seq, extra;
	MYSQL_TIME ts;
	enum db_room_extra kind;
	struct db_rooms *out;
	size_t cap;
};

static void room_row(MYSQL_STMT *st, void *ctx)
{
	struct room_rows *b = ctx;
	struct db_room *r;
	char *v;

	b->out->v = db_grow(b->out->v, &b->out->n, &b->cap, sizeof(*r), (void **)&r);
	r->id = b->id;
	r->domain = db_col_str(st, &b->cols[0], 1, NULL);
	r->chan_id = db_col_str(st, &b->cols[1], 2, NULL);
	r->name = db_col_str(st, &b->cols[2], 3, NULL);
	r->description = db_col_str(st, &b->cols[3], 4, NULL);
	r->topic = db_col_str(st, &b->cols[4], 5, NULL);
	snprintf(r->privacy, sizeof(r->privacy), "%.*s", (int)b->cols[5].len, b->cols[5].buf);
	snprintf(r->type, sizeof(r->type), "%.*s", (int)b->cols[6].len, b->cols[6].buf);
	v = db_col_str(st, &b->cols[7], 8, NULL);
	r->disabled = atoi(v) != 0;
	free(v);
	v = db_col_str(st, &b->cols[8], 9, NULL);
	r->chat_history = atoi(v) != 0;
	free(v);
	v = db_col_str(st, &b->cols[9], 10, NULL);
	r->file_upload = atoi(v) != 0;
	free(v);
	v = db_col_str(st, &b->cols[10], 11, NULL);
	r->invite = atoi(v) != 0;
	free(v);
	r->members = db_col_str(st, &b->cols[11], 12, NULL);
	r->managers = db_col_str(st, &b->cols[12], 13, NULL);
	r->presenters = db_col_str(st, &b->cols[13], 14, NULL);
	r->allowed = db_col_str(st, &b->cols[14], 15, NULL);
	r->denied = db_col_str(st, &b->cols[15], 16, NULL);
	r->seq = b->seq;
	if(b->kind == DB_EXTRA_UNREAD)
		r->unread = b->extra;
	if(b->kind == DB_EXTRA_INV) {
		r->inv_id = b->extra;
		r->inviter = db_col_str(st, &b->cols[ROOM_NTEXT], ROOM_NCOLS + 1, NULL);
		db_time_to_ts(&b->ts, r->inv_ts);
	}
}

enum dbsql_result db_fetch_rooms(struct dbsql *d, struct db_job *job, unsigned i,
		enum db_room_extra extra, struct db_rooms *out)
{
	struct room_rows *b = xcalloc(1, sizeof(*b));
	enum dbsql_result rc;
	unsigned k;

	db_bind_u64(&b->res[0], &b->id);
	for(k = 1; k <= ROOM_NTEXT; k++)
		db_bind_col(&b->res[k], &b->cols[k - 1]);
	db_bind_u64(&b->res[ROOM_SEQ], &b->seq);
	db_bind_u64(&b->res[ROOM_NCOLS], &b->extra);
	if(extra == DB_EXTRA_INV) {
		db_bind_col(&b->res[ROOM_NCOLS + 1], &b->cols[ROOM_NTEXT]);
		db_bind_time(&b->res[ROOM_NCOLS + 2], &b->ts);
	}
	b->kind = extra;
	b->out = out;
	rc = db_fetch(d, job, i, b->res, room_row, b);
	free(b);
	return rc;
}

/* ---- running jobs ---- */

enum dbsql_result dbsql_run_batch(struct dbsql *d, struct db_job **jobs, size_t n)
{
	const struct db_kind *kind = db_kinds[jobs[0]->type];
	size_t i;
again:
	for(i = 0; i < n; i++) {
		if(jobs[i]->status == DB_FAILED)
			continue;
		if(kind->run(d, jobs[i]) == DBSQL_RETRY) {
			mysql_rollback(d->my);
			return DBSQL_RETRY;
		}
		if(jobs[i]->status == DB_FAILED) {
			/* Say, the room of a post was deleted: the others run again. */
			mysql_rollback(d->my);
			goto again;
		}
	}
	if(commit(d, kind->name) != DBSQL_OK)
		return DBSQL_RETRY;
	if(n > 1)
		log_debug("db: committed %zu jobs (%s) in one transaction", n, kind->name);
	return DBSQL_OK;
}
