/*
 * dbsql.c - see dbsql.h.  Every statement is a prepared statement; every job ends
 * with COMMIT (autocommit is off), so a read never sees an old snapshot.
 */
#include "dbsql.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include "util.h"

#include <errmsg.h>
#include <mysqld_error.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char SQL_LOAD[] =
	"SELECT id, domain, chan_id, name, description, topic, privacy"
	" FROM rooms WHERE domain = ? AND chan_id = ?";
static const char SQL_INSERT[] =
	"INSERT INTO messages (room_id, author, posted_at, body) VALUES (?, ?, ?, ?)";
/* The newest `limit` messages, returned oldest first. */
static const char SQL_HISTORY[] =
	"SELECT id, author, posted_at, body FROM"
	" (SELECT id, author, posted_at, body FROM messages"
	"  WHERE room_id = ? ORDER BY id DESC LIMIT ?) AS recent"
	" ORDER BY id";
/* INSTR rather than LIKE: the search text needs no %/_ escaping.  The column
 * collation (utf8mb4_general_ci) makes the match case-insensitive. */
static const char SQL_SEARCH[] =
	"SELECT id, domain, chan_id, name, description, topic, privacy FROM rooms"
	" WHERE privacy <> 'secret'"
	"  AND (? = '' OR INSTR(name, ?) > 0 OR INSTR(description, ?) > 0)"
	" ORDER BY name LIMIT ?";

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
		case 4031: /* idle client disconnected by the server */
			return 1;
		default:
			return 0;
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

static int open_connection(struct dbsql *d, const struct config *c)
{
	unsigned connect_timeout = 5, io_timeout = 30;
	my_bool reconnect = 0;

	d->my = mysql_init(NULL);
	if(d->my == NULL)
		return -1;
	mysql_options(d->my, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
	mysql_options(d->my, MYSQL_OPT_READ_TIMEOUT, &io_timeout);
	mysql_options(d->my, MYSQL_OPT_WRITE_TIMEOUT, &io_timeout);
	/* We reconnect ourselves: prepared statements die with the connection. */
	mysql_options(d->my, MYSQL_OPT_RECONNECT, &reconnect);
	mysql_options(d->my, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	if(mysql_real_connect(d->my, c->db_host, c->db_user, c->db_password, c->db_name,
			   c->db_port, c->db_socket, 0) == NULL) {
		if(d->failures++ % 12 == 0) /* every minute or so at the longest backoff */
			log_warn("db: cannot connect: %s (retrying)", mysql_error(d->my));
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
	if(open_connection(d, c) < 0) {
		dbsql_close(d);
		return -1;
	}
	d->load = prepare(d->my, SQL_LOAD);
	d->insert = prepare(d->my, SQL_INSERT);
	d->history = prepare(d->my, SQL_HISTORY);
	d->search = prepare(d->my, SQL_SEARCH);
	if(!d->load || !d->insert || !d->history || !d->search) {
		/* Typically the schema is not there yet; keep retrying. */
		if(d->failures++ % 12 == 0)
			log_warn("db: connected, but the statements do not prepare (schema missing?)");
		dbsql_close(d);
		return -1;
	}
	log_info("db: connected to %s (server %s)", mysql_get_host_info(d->my),
			mysql_get_server_info(d->my));
	d->failures = 0;
	return 0;
}

static void close_stmt(MYSQL_STMT **st)
{
	if(*st)
		mysql_stmt_close(*st);
	*st = NULL;
}

void dbsql_close(struct dbsql *d)
{
	close_stmt(&d->load);
	close_stmt(&d->insert);
	close_stmt(&d->history);
	close_stmt(&d->search);
	if(d->my)
		mysql_close(d->my);
	d->my = NULL;
}

/* ---- binding helpers ---- */

static void bind_u64(MYSQL_BIND *b, const uint64_t *v)
{
	memset(b, 0, sizeof(*b));
	b->buffer_type = MYSQL_TYPE_LONGLONG;
	b->buffer = (void *)v;
	b->is_unsigned = 1;
}

static void bind_u32(MYSQL_BIND *b, const unsigned *v)
{
	memset(b, 0, sizeof(*b));
	b->buffer_type = MYSQL_TYPE_LONG;
	b->buffer = (void *)v;
	b->is_unsigned = 1;
}

static void bind_text(MYSQL_BIND *b, const char *s, unsigned long *len)
{
	memset(b, 0, sizeof(*b));
	b->buffer_type = MYSQL_TYPE_STRING;
	b->buffer = (void *)s;
	b->buffer_length = *len;
	b->length = len;
}

/* A result column fetched into a small buffer; longer values are fetched again. */
struct col {
	char buf[256];
	unsigned long len;
	my_bool is_null;
	my_bool error;
};

static void bind_col(MYSQL_BIND *b, struct col *c)
{
	memset(b, 0, sizeof(*b));
	b->buffer_type = MYSQL_TYPE_STRING;
	b->buffer = c->buf;
	b->buffer_length = sizeof(c->buf);
	b->length = &c->len;
	b->is_null = &c->is_null;
	b->error = &c->error;
}

/* The column's whole value as an allocated string (length in *lenp if not NULL). */
static char *col_str(MYSQL_STMT *st, struct col *c, unsigned idx, size_t *lenp)
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

/* Reports a statement error; returns DBSQL_RETRY if it is a connection problem. */
static enum dbsql_result stmt_failed(MYSQL_STMT *st, const char *what, struct db_job *job)
{
	unsigned err = mysql_stmt_errno(st);
	if(transient(err)) {
		log_warn("db: %s: %s (will retry)", what, mysql_stmt_error(st));
		return DBSQL_RETRY;
	}
	log_error("db: %s: %s", what, mysql_stmt_error(st));
	job->status = DB_FAILED;
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

/* ---- room rows (load, search) ---- */

enum { ROOM_NCOLS = 7 };

/* Fetches every row of a room query into job->rooms. */
static enum dbsql_result fetch_rooms(MYSQL_STMT *st, struct db_job *job, const char *what)
{
	MYSQL_BIND res[ROOM_NCOLS];
	struct col cols[ROOM_NCOLS - 1];
	uint64_t id = 0;
	size_t cap = 0;
	unsigned i;
	int rc;

	memset(cols, 0, sizeof(cols));
	bind_u64(&res[0], &id);
	for(i = 1; i < ROOM_NCOLS; i++)
		bind_col(&res[i], &cols[i - 1]);
	if(mysql_stmt_bind_result(st, res) != 0 || mysql_stmt_store_result(st) != 0)
		return stmt_failed(st, what, job);
	while((rc = mysql_stmt_fetch(st)) == 0 || rc == MYSQL_DATA_TRUNCATED) {
		struct db_room *r;
		if(job->nrooms == cap) {
			cap = cap ? cap * 2 : 8;
			job->rooms = xrealloc(job->rooms, cap * sizeof(*job->rooms));
		}
		r = &job->rooms[job->nrooms++];
		memset(r, 0, sizeof(*r));
		r->id = id;
		r->domain = col_str(st, &cols[0], 1, NULL);
		r->chan_id = col_str(st, &cols[1], 2, NULL);
		r->name = col_str(st, &cols[2], 3, NULL);
		r->description = col_str(st, &cols[3], 4, NULL);
		r->topic = col_str(st, &cols[4], 5, NULL);
		snprintf(r->privacy, sizeof(r->privacy), "%.*s", (int)cols[5].len, cols[5].buf);
	}
	mysql_stmt_free_result(st);
	if(rc != MYSQL_NO_DATA)
		return stmt_failed(st, what, job);
	return DBSQL_OK;
}

static enum dbsql_result run_load(struct dbsql *d, struct db_job *job)
{
	MYSQL_BIND par[2];
	unsigned long dlen = strlen(job->domain), clen = strlen(job->chan_id);
	enum dbsql_result rc;

	bind_text(&par[0], job->domain, &dlen);
	bind_text(&par[1], job->chan_id, &clen);
	if(mysql_stmt_bind_param(d->load, par) != 0 || mysql_stmt_execute(d->load) != 0)
		return stmt_failed(d->load, "load room", job);
	rc = fetch_rooms(d->load, job, "load room");
	if(rc == DBSQL_OK && job->status == DB_OK && job->nrooms == 0)
		job->status = DB_NOT_FOUND;
	return rc;
}

static enum dbsql_result run_search(struct dbsql *d, struct db_job *job)
{
	MYSQL_BIND par[4];
	unsigned long len = strlen(job->criteria);

	bind_text(&par[0], job->criteria, &len);
	bind_text(&par[1], job->criteria, &len);
	bind_text(&par[2], job->criteria, &len);
	bind_u32(&par[3], &job->limit);
	if(mysql_stmt_bind_param(d->search, par) != 0 || mysql_stmt_execute(d->search) != 0)
		return stmt_failed(d->search, "search rooms", job);
	return fetch_rooms(d->search, job, "search rooms");
}

/* ---- messages ---- */

static void time_to_ts(const MYSQL_TIME *t, char out[TS_BUFSZ])
{
	snprintf(out, TS_BUFSZ, "%04u-%02u-%02uT%02u:%02u:%02u.%03luZ", t->year % 10000,
			t->month % 100, t->day % 100, t->hour % 100, t->minute % 100,
			t->second % 100, (t->second_part / 1000) % 1000);
}

static enum dbsql_result run_history(struct dbsql *d, struct db_job *job)
{
	MYSQL_BIND par[2], res[4];
	struct col author, body;
	MYSQL_TIME posted;
	uint64_t id = 0;
	size_t cap = 0;
	int rc;

	memset(&author, 0, sizeof(author));
	memset(&body, 0, sizeof(body));
	memset(&posted, 0, sizeof(posted));
	bind_u64(&par[0], &job->room_id);
	bind_u32(&par[1], &job->limit);
	if(mysql_stmt_bind_param(d->history, par) != 0 || mysql_stmt_execute(d->history) != 0)
		return stmt_failed(d->history, "history", job);
	bind_u64(&res[0], &id);
	bind_col(&res[1], &author);
	memset(&res[2], 0, sizeof(res[2]));
	res[2].buffer_type = MYSQL_TYPE_DATETIME;
	res[2].buffer = &posted;
	bind_col(&res[3], &body);
	if(mysql_stmt_bind_result(d->history, res) != 0 || mysql_stmt_store_result(d->history) != 0)
		return stmt_failed(d->history, "history", job);
	while((rc = mysql_stmt_fetch(d->history)) == 0 || rc == MYSQL_DATA_TRUNCATED) {
		struct db_msg *m;
		if(job->nmsgs == cap) {
			cap = cap ? cap * 2 : 32;
			job->msgs = xrealloc(job->msgs, cap * sizeof(*job->msgs));
		}
		m = &job->msgs[job->nmsgs++];
		m->id = id;
		m->author = col_str(d->history, &author, 1, NULL);
		m->body = col_str(d->history, &body, 3, &m->body_len);
		time_to_ts(&posted, m->ts);
	}
	mysql_stmt_free_result(d->history);
	if(rc != MYSQL_NO_DATA)
		return stmt_failed(d->history, "history", job);
	return DBSQL_OK;
}

enum dbsql_result dbsql_run(struct dbsql *d, struct db_job *job)
{
	enum dbsql_result rc;
	switch(job->type) {
		case DB_LOAD_ROOM: rc = run_load(d, job); break;
		case DB_HISTORY: rc = run_history(d, job); break;
		case DB_SEARCH: rc = run_search(d, job); break;
		default: job->status = DB_FAILED; return DBSQL_OK;
	}
	if(rc != DBSQL_OK)
		return rc;
	return commit(d, "read");
}

static void ts_to_time(const struct timespec *ts, MYSQL_TIME *t)
{
	struct tm tm;
	gmtime_r(&ts->tv_sec, &tm);
	memset(t, 0, sizeof(*t));
	t->year = (unsigned)tm.tm_year + 1900;
	t->month = (unsigned)tm.tm_mon + 1;
	t->day = (unsigned)tm.tm_mday;
	t->hour = (unsigned)tm.tm_hour;
	t->minute = (unsigned)tm.tm_min;
	t->second = (unsigned)tm.tm_sec;
	t->second_part = (unsigned long)(ts->tv_nsec / 1000000) * 1000;
	t->time_type = MYSQL_TIMESTAMP_DATETIME;
}

static enum dbsql_result insert_one(struct dbsql *d, struct db_job *job)
{
	MYSQL_BIND par[4];
	MYSQL_TIME posted;
	unsigned long alen = strlen(job->author), blen = job->body_len;

	ts_to_time(&job->posted_at, &posted);
	bind_u64(&par[0], &job->room_id);
	bind_text(&par[1], job->author, &alen);
	memset(&par[2], 0, sizeof(par[2]));
	par[2].buffer_type = MYSQL_TYPE_DATETIME;
	par[2].buffer = &posted;
	bind_text(&par[3], job->body, &blen);
	if(mysql_stmt_bind_param(d->insert, par) != 0 || mysql_stmt_execute(d->insert) != 0)
		return stmt_failed(d->insert, "insert message", job);
	job->msg_id = mysql_stmt_insert_id(d->insert);
	return DBSQL_OK;
}

/*
 * All n inserts in one transaction.  A permanent error on one row (say, its room
 * was deleted) fails that job only: we roll back and run the others again.
 */
enum dbsql_result dbsql_insert_batch(struct dbsql *d, struct db_job **jobs, size_t n)
{
	size_t i;
again:
	for(i = 0; i < n; i++) {
		if(jobs[i]->status == DB_FAILED)
			continue;
		if(insert_one(d, jobs[i]) == DBSQL_RETRY) {
			mysql_rollback(d->my);
			return DBSQL_RETRY;
		}
		if(jobs[i]->status == DB_FAILED) {
			mysql_rollback(d->my);
			goto again;
		}
	}
	if(commit(d, "insert messages") != DBSQL_OK)
		return DBSQL_RETRY;
	log_debug("db: committed %zu message(s) in one transaction", n);
	return DBSQL_OK;
}
