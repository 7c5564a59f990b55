/*
 * dbsql.c - see dbsql.h.  Every statement is a prepared statement, listed once in
 * stmt_def[] and bound by exec_stmt(); every job ends with COMMIT (autocommit is
 * off), so a read never sees an old snapshot.  A job kind is run by its entry in
 * runners[] (at the end of the file).
 */
#include "dbsql.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include "util.h"

#include <errmsg.h>
#include <mysqld_error.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Every query that returns rooms returns these columns first (fetch_rooms reads
 * them): the row, then the principal lists the access rules need (common/pchat_acl),
 * each as one space-separated string (principals hold no blanks).
 */
#define PRINCIPALS(table, key, value, role)                                                   \
	"(SELECT GROUP_CONCAT(principal SEPARATOR ' ') FROM " table " WHERE " key " = " value \
	" AND role = '" role "')"
#define ROOM_COLS                                                                                   \
	"r.id, r.domain, r.chan_id, r.name, r.description, r.topic, r.privacy, r.room_type,"        \
	" r.disabled, (SELECT chat_history FROM categories WHERE id = r.category_id), " PRINCIPALS( \
			"room_principals", "room_id", "r.id",                                       \
			"member") ", " PRINCIPALS("room_principals", "room_id", "r.id",             \
			"manager") ", " PRINCIPALS("room_principals", "room_id", "r.id",            \
			"presenter") ", " PRINCIPALS("category_principals", "category_id",          \
			"r.category_id", "allowed") ", " PRINCIPALS("category_principals",          \
			"category_id", "r.category_id", "denied")

static const char SQL_LOAD[] = "SELECT " ROOM_COLS
			       " FROM rooms r WHERE r.domain = ? AND r.chan_id = ?";
static const char SQL_INSERT[] =
		"INSERT INTO messages (room_id, author, posted_at, body) VALUES (?, ?, ?, ?)";
/* The newest `limit` messages, returned oldest first. */
static const char SQL_HISTORY[] = "SELECT id, author, posted_at, body FROM"
				  " (SELECT id, author, posted_at, body FROM messages"
				  "  WHERE room_id = ? ORDER BY id DESC LIMIT ?) AS recent"
				  " ORDER BY id";
/* INSTR rather than LIKE: the search text needs no %/_ escaping.  The column
 * collation (utf8mb4_general_ci) makes the match case-insensitive. */
static const char SQL_SEARCH[] =
		"SELECT " ROOM_COLS " FROM rooms r"
		" WHERE (? = '' OR INSTR(r.name, ?) > 0 OR INSTR(r.description, ?) > 0)"
		" ORDER BY r.name LIMIT ?";
static const char SQL_ROOMS_ALL[] = "SELECT " ROOM_COLS " FROM rooms r ORDER BY r.id";
/* A user's invitations, oldest first. */
static const char SQL_GET_INV[] = "SELECT " ROOM_COLS ", i.id, i.inviter, i.created_at"
				  " FROM invitations i JOIN rooms r ON r.id = i.room_id"
				  " WHERE i.user_uri = ? ORDER BY i.id";
static const char SQL_CATEGORIES[] =
		"SELECT c.id, c.domain, c.cat_id, c.name, c.description, " PRINCIPALS(
				"category_principals", "category_id", "c.id",
				"allowed") ", " PRINCIPALS("category_principals", "category_id",
				"c.id", "denied") ", " PRINCIPALS("category_principals",
				"category_id", "c.id",
				"creator") " FROM categories c ORDER BY c.name";

/* Paging backwards: the `limit` messages before a msgid, returned oldest first. */
static const char SQL_HISTORY_BEFORE[] =
		"SELECT id, author, posted_at, body FROM"
		" (SELECT id, author, posted_at, body FROM messages"
		"  WHERE room_id = ? AND id < ? ORDER BY id DESC LIMIT ?) AS older"
		" ORDER BY id";
static const char SQL_FOLLOW[] =
		"INSERT IGNORE INTO followed_rooms (user_uri, room_id) VALUES (?, ?)";
static const char SQL_UNFOLLOW[] = "DELETE FROM followed_rooms WHERE user_uri = ? AND room_id IN"
				   " (SELECT id FROM rooms WHERE domain = ? AND chan_id = ?)";
/* With the count of messages after the user's read position (index range scan). */
static const char SQL_ASSOC[] =
		"SELECT " ROOM_COLS ","
		"  (SELECT COUNT(*) FROM messages m WHERE m.room_id = r.id"
		"    AND m.id > COALESCE(p.last_msgid, 0)) AS unread"
		" FROM followed_rooms f JOIN rooms r ON r.id = f.room_id"
		" LEFT JOIN room_read_positions p ON p.user_uri = f.user_uri AND p.room_id = f.room_id"
		" WHERE f.user_uri = ? ORDER BY r.name";
static const char SQL_SAVE_READ[] =
		"INSERT INTO room_read_positions (user_uri, room_id, last_msgid) VALUES (?, ?, ?)"
		" ON DUPLICATE KEY UPDATE last_msgid = GREATEST(last_msgid, VALUES(last_msgid))";
/* Polled every second (revision): a handful of rows by primary key. */
static const char SQL_SERVER_CONFIG[] =
		"SELECT name, value FROM server_config WHERE name IN ('db_version', 'root_category',"
		" 'DefaultChatHistory', 'ParticipantUpdateLimit', 'MessageSizeLimit', 'SearchLimit',"
		" 'revision')";
/* The names of enum db_conf_key's rows. */
static const char *const conf_names[DB_CONF_N] = {"DefaultChatHistory", "ParticipantUpdateLimit",
		"MessageSizeLimit", "SearchLimit", "revision"};
static const char SQL_GET_PREF[] =
		"SELECT seqid, content FROM user_prefs WHERE user_uri = ? AND label = ?";
static const char SQL_CREATE_PREF[] =
		"INSERT IGNORE INTO user_prefs (user_uri, label, seqid, content) VALUES (?, ?, 1, '')";
static const char SQL_SET_PREF[] =
		"INSERT INTO user_prefs (user_uri, label, seqid, content) VALUES (?, ?, 1, ?)"
		" ON DUPLICATE KEY UPDATE seqid = seqid + 1, content = VALUES(content)";

static const char SQL_SROOM_ADD[] =
		"INSERT IGNORE INTO session_rooms (session_id, room_id, user_uri) VALUES (?, ?, ?)";
static const char SQL_SROOM_DEL[] =
		"DELETE FROM session_rooms WHERE session_id = ? AND room_id = ?";
static const char SQL_SROOM_CLEAR[] = "DELETE FROM session_rooms WHERE session_id = ?";
static const char SQL_SROOM_LIST[] =
		"SELECT " ROOM_COLS " FROM session_rooms s JOIN rooms r ON r.id = s.room_id"
		" WHERE s.session_id = ? AND s.user_uri = ? ORDER BY s.joined_at, r.id";
static const char SQL_SROOM_STALE[] =
		"DELETE FROM session_rooms WHERE session_id = ? AND user_uri <> ?";

/* The statement table: its name for log lines and its SQL. */
static const struct {
	const char *name;
	const char *sql;
} stmt_def[ST_COUNT] = {
		[ST_LOAD_ROOM] = {"load room", SQL_LOAD},
		[ST_INSERT_MSG] = {"insert message", SQL_INSERT},
		[ST_HISTORY] = {"history", SQL_HISTORY},
		[ST_HISTORY_BEFORE] = {"history", SQL_HISTORY_BEFORE},
		[ST_SEARCH] = {"search rooms", SQL_SEARCH},
		[ST_FOLLOW] = {"follow room", SQL_FOLLOW},
		[ST_UNFOLLOW] = {"unfollow room", SQL_UNFOLLOW},
		[ST_ASSOC] = {"associations", SQL_ASSOC},
		[ST_SERVER_CONFIG] = {"server config", SQL_SERVER_CONFIG},
		[ST_GET_PREF] = {"get pref", SQL_GET_PREF},
		[ST_CREATE_PREF] = {"create pref", SQL_CREATE_PREF},
		[ST_SET_PREF] = {"set pref", SQL_SET_PREF},
		[ST_SAVE_READ] = {"save read position", SQL_SAVE_READ},
		[ST_SROOM_ADD] = {"store session room", SQL_SROOM_ADD},
		[ST_SROOM_DEL] = {"forget session room", SQL_SROOM_DEL},
		[ST_SROOM_CLEAR] = {"forget session rooms", SQL_SROOM_CLEAR},
		[ST_SROOM_LIST] = {"list session rooms", SQL_SROOM_LIST},
		[ST_SROOM_STALE] = {"forget stale session rooms", SQL_SROOM_STALE},
		[ST_ROOMS_ALL] = {"reload rooms", SQL_ROOMS_ALL},
		[ST_GET_INV] = {"invitations", SQL_GET_INV},
		[ST_CATEGORIES] = {"categories", SQL_CATEGORIES},
};

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
	if(mysql_real_connect(my, c->db_host, c->db_user, c->db_password, c->db_name, c->db_port,
			   c->db_socket, 0) == NULL) {
		snprintf(err, errlen, "%s", mysql_error(my));
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
	int i;

	if(open_connection(d, c) < 0) {
		dbsql_close(d);
		return -1;
	}
	for(i = 0; i < ST_COUNT; i++) {
		d->st[i] = prepare(d->my, stmt_def[i].sql);
		if(d->st[i] == NULL) {
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
	int i;
	for(i = 0; i < ST_COUNT; i++) {
		if(d->st[i])
			mysql_stmt_close(d->st[i]);
		d->st[i] = NULL;
	}
	if(d->my)
		mysql_close(d->my);
	d->my = NULL;
}

/* ---- the binder ---- */

/* Reports a statement error; returns DBSQL_RETRY if it is a connection problem,
 * otherwise fails the job (DB_FAILED) and returns DBSQL_OK. */
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

#define PARAMS_MAX 4

/*
 * Binds the parameters fmt describes and executes statement id:
 *   's'  const char * (NUL-terminated)     'b'  const char *, size_t (bytes)
 *   'u'  uint64_t                          'i'  unsigned
 *   't'  const struct timespec * (DATETIME, whole milliseconds)
 * Returns DBSQL_OK (with job->status DB_FAILED after a permanent error) or
 * DBSQL_RETRY.  Results, if any, are then fetched from d->st[id].
 */
static enum dbsql_result exec_stmt(
		struct dbsql *d, enum dbsql_stmt id, struct db_job *job, const char *fmt, ...)
{
	MYSQL_STMT *st = d->st[id];
	MYSQL_BIND par[PARAMS_MAX];
	struct {
		uint64_t u64;
		unsigned u32;
		unsigned long len;
		MYSQL_TIME time;
	} val[PARAMS_MAX];
	va_list ap;
	size_t i;

	memset(par, 0, sizeof(par));
	va_start(ap, fmt);
	for(i = 0; fmt[i] && i < PARAMS_MAX; i++) {
		MYSQL_BIND *b = &par[i];
		switch(fmt[i]) {
			case 's':
			case 'b':
				b->buffer_type = MYSQL_TYPE_STRING;
				b->buffer = va_arg(ap, char *);
				val[i].len = fmt[i] == 'b' ? (unsigned long)va_arg(ap, size_t)
							   : (unsigned long)strlen(b->buffer);
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
				ts_to_time(va_arg(ap, const struct timespec *), &val[i].time);
				b->buffer_type = MYSQL_TYPE_DATETIME;
				b->buffer = &val[i].time;
				break;
			default: break;
		}
	}
	va_end(ap);
	if((i > 0 && mysql_stmt_bind_param(st, par) != 0) || mysql_stmt_execute(st) != 0)
		return stmt_failed(st, stmt_def[id].name, job);
	return DBSQL_OK;
}

/* Did exec_stmt (or a fetch) leave the job able to go on? */
#define GO_ON(rc, job) ((rc) == DBSQL_OK && (job)->status == DB_OK)

static enum dbsql_result commit(struct dbsql *d, const char *what)
{
	if(mysql_commit(d->my) == 0)
		return DBSQL_OK;
	/* Whatever the error, the transaction is not known to be committed: retry. */
	log_warn("db: %s: commit failed: %s (will retry)", what, mysql_error(d->my));
	return DBSQL_RETRY;
}

/* ---- result columns ---- */

static void bind_u64(MYSQL_BIND *b, uint64_t *v)
{
	memset(b, 0, sizeof(*b));
	b->buffer_type = MYSQL_TYPE_LONGLONG;
	b->buffer = v;
	b->is_unsigned = 1;
}

static void bind_time(MYSQL_BIND *b, MYSQL_TIME *t)
{
	memset(b, 0, sizeof(*b));
	b->buffer_type = MYSQL_TYPE_DATETIME;
	b->buffer = t;
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

static void time_to_ts(const MYSQL_TIME *t, char out[TS_BUFSZ])
{
	snprintf(out, TS_BUFSZ, "%04u-%02u-%02uT%02u:%02u:%02u.%03luZ", t->year % 10000,
			t->month % 100, t->day % 100, t->hour % 100, t->minute % 100,
			t->second % 100, (t->second_part / 1000) % 1000);
}

/*
 * Fetches every row of statement id (executed, results bound in res): store,
 * then row(ctx) for each row.  Returns as exec_stmt does.
 */
static enum dbsql_result fetch_rows(struct dbsql *d, enum dbsql_stmt id, struct db_job *job,
		MYSQL_BIND *res, void (*row)(MYSQL_STMT *st, void *ctx), void *ctx)
{
	MYSQL_STMT *st = d->st[id];
	int rc;

	if(mysql_stmt_bind_result(st, res) != 0 || mysql_stmt_store_result(st) != 0)
		return stmt_failed(st, stmt_def[id].name, job);
	while((rc = mysql_stmt_fetch(st)) == 0 || rc == MYSQL_DATA_TRUNCATED)
		row(st, ctx);
	mysql_stmt_free_result(st);
	if(rc != MYSQL_NO_DATA)
		return stmt_failed(st, stmt_def[id].name, job);
	return DBSQL_OK;
}

/* Grows *v (of *n items of size sz, capacity *cap) by one; returns the new item. */
static void *grow(void *v, size_t *n, size_t *cap, size_t sz, void **out)
{
	if(*n == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		v = xrealloc(v, *cap * sz);
	}
	*out = (char *)v + (*n)++ * sz;
	memset(*out, 0, sz);
	return v;
}

/* ---- room rows ---- */

enum { ROOM_NCOLS = 15 }; /* ROOM_COLS */

/* What follows ROOM_COLS in a room query. */
enum room_extra {
	EXTRA_NONE,
	EXTRA_UNREAD, /* u64 unread */
	EXTRA_INV,    /* u64 invitation id, inviter, created_at */
};

/* One row's result buffers, and where the rows go. */
struct room_rows {
	MYSQL_BIND res[ROOM_NCOLS + 3];
	struct col cols[ROOM_NCOLS - 1 + 1]; /* text columns, then the inviter */
	uint64_t id, extra;
	MYSQL_TIME ts;
	enum room_extra kind;
	struct db_rooms *out;
	size_t cap;
};

static void room_row(MYSQL_STMT *st, void *ctx)
{
	struct room_rows *b = ctx;
	struct db_room *r;
	char *v;

	b->out->v = grow(b->out->v, &b->out->n, &b->cap, sizeof(*r), (void **)&r);
	r->id = b->id;
	r->domain = col_str(st, &b->cols[0], 1, NULL);
	r->chan_id = col_str(st, &b->cols[1], 2, NULL);
	r->name = col_str(st, &b->cols[2], 3, NULL);
	r->description = col_str(st, &b->cols[3], 4, NULL);
	r->topic = col_str(st, &b->cols[4], 5, NULL);
	snprintf(r->privacy, sizeof(r->privacy), "%.*s", (int)b->cols[5].len, b->cols[5].buf);
	snprintf(r->type, sizeof(r->type), "%.*s", (int)b->cols[6].len, b->cols[6].buf);
	v = col_str(st, &b->cols[7], 8, NULL);
	r->disabled = atoi(v) != 0;
	free(v);
	v = col_str(st, &b->cols[8], 9, NULL);
	r->chat_history = atoi(v) != 0;
	free(v);
	r->members = col_str(st, &b->cols[9], 10, NULL);
	r->managers = col_str(st, &b->cols[10], 11, NULL);
	r->presenters = col_str(st, &b->cols[11], 12, NULL);
	r->allowed = col_str(st, &b->cols[12], 13, NULL);
	r->denied = col_str(st, &b->cols[13], 14, NULL);
	if(b->kind == EXTRA_UNREAD)
		r->unread = b->extra;
	if(b->kind == EXTRA_INV) {
		r->inv_id = b->extra;
		r->inviter = col_str(st, &b->cols[ROOM_NCOLS - 1], ROOM_NCOLS + 1, NULL);
		time_to_ts(&b->ts, r->inv_ts);
	}
}

/* Fetches every row of a room query (executed) into out. */
static enum dbsql_result fetch_rooms(struct dbsql *d, enum dbsql_stmt id, struct db_job *job,
		enum room_extra extra, struct db_rooms *out)
{
	struct room_rows *b = xcalloc(1, sizeof(*b));
	enum dbsql_result rc;
	unsigned i;

	bind_u64(&b->res[0], &b->id);
	for(i = 1; i < ROOM_NCOLS; i++)
		bind_col(&b->res[i], &b->cols[i - 1]);
	bind_u64(&b->res[ROOM_NCOLS], &b->extra);
	if(extra == EXTRA_INV) {
		bind_col(&b->res[ROOM_NCOLS + 1], &b->cols[ROOM_NCOLS - 1]);
		bind_time(&b->res[ROOM_NCOLS + 2], &b->ts);
	}
	b->kind = extra;
	b->out = out;
	rc = fetch_rows(d, id, job, b->res, room_row, b);
	free(b);
	return rc;
}

/* ---- one function per job kind ---- */

static enum dbsql_result run_load(struct dbsql *d, struct db_job *job)
{
	enum dbsql_result rc = exec_stmt(
			d, ST_LOAD_ROOM, job, "ss", job->u.room.domain, job->u.room.chan_id);
	if(GO_ON(rc, job))
		rc = fetch_rooms(d, ST_LOAD_ROOM, job, EXTRA_NONE, &job->u.room.out);
	if(GO_ON(rc, job) && job->u.room.out.n == 0)
		job->status = DB_NOT_FOUND;
	return rc;
}

static enum dbsql_result run_search(struct dbsql *d, struct db_job *job)
{
	const char *q = job->u.search.criteria;
	enum dbsql_result rc = exec_stmt(d, ST_SEARCH, job, "sssi", q, q, q, job->u.search.limit);
	if(GO_ON(rc, job))
		rc = fetch_rooms(d, ST_SEARCH, job, EXTRA_NONE, &job->u.search.out);
	return rc;
}

struct msg_rows {
	struct col author, body;
	MYSQL_TIME posted;
	uint64_t id;
	struct db_job *job;
	size_t cap;
};

static void msg_row(MYSQL_STMT *st, void *ctx)
{
	struct msg_rows *b = ctx;
	struct db_msg *m;
	b->job->u.history.msgs = grow(b->job->u.history.msgs, &b->job->u.history.nmsgs, &b->cap,
			sizeof(*m), (void **)&m);
	m->id = b->id;
	m->author = col_str(st, &b->author, 1, NULL);
	m->body = col_str(st, &b->body, 3, &m->body_len);
	time_to_ts(&b->posted, m->ts);
}

static enum dbsql_result run_history(struct dbsql *d, struct db_job *job)
{
	enum dbsql_stmt id = job->u.history.before_id ? ST_HISTORY_BEFORE : ST_HISTORY;
	struct msg_rows b;
	MYSQL_BIND res[4];
	enum dbsql_result rc;

	memset(&b, 0, sizeof(b));
	b.job = job;
	if(job->u.history.before_id)
		rc = exec_stmt(d, id, job, "uui", job->u.history.room_id, job->u.history.before_id,
				job->u.history.limit);
	else
		rc = exec_stmt(d, id, job, "ui", job->u.history.room_id, job->u.history.limit);
	if(!GO_ON(rc, job))
		return rc;
	bind_u64(&res[0], &b.id);
	bind_col(&res[1], &b.author);
	bind_time(&res[2], &b.posted);
	bind_col(&res[3], &b.body);
	return fetch_rows(d, id, job, res, msg_row, &b);
}

static enum dbsql_result run_follow(struct dbsql *d, struct db_job *job)
{
	return exec_stmt(d, ST_FOLLOW, job, "su", job->u.follow.user, job->u.follow.room_id);
}

static enum dbsql_result run_unfollow(struct dbsql *d, struct db_job *job)
{
	return exec_stmt(d, ST_UNFOLLOW, job, "sss", job->u.follow.user, job->u.follow.domain,
			job->u.follow.chan_id);
}

static enum dbsql_result run_assoc(struct dbsql *d, struct db_job *job)
{
	enum dbsql_result rc = exec_stmt(d, ST_ASSOC, job, "s", job->u.user_rooms.user);
	if(GO_ON(rc, job))
		rc = fetch_rooms(d, ST_ASSOC, job, EXTRA_UNREAD, &job->u.user_rooms.out);
	return rc;
}

static enum dbsql_result run_get_inv(struct dbsql *d, struct db_job *job)
{
	enum dbsql_result rc = exec_stmt(d, ST_GET_INV, job, "s", job->u.user_rooms.user);
	if(GO_ON(rc, job))
		rc = fetch_rooms(d, ST_GET_INV, job, EXTRA_INV, &job->u.user_rooms.out);
	return rc;
}

static enum dbsql_result run_rooms_all(struct dbsql *d, struct db_job *job)
{
	enum dbsql_result rc = exec_stmt(d, ST_ROOMS_ALL, job, "");
	if(GO_ON(rc, job))
		rc = fetch_rooms(d, ST_ROOMS_ALL, job, EXTRA_NONE, &job->u.rooms_all.out);
	return rc;
}

struct config_rows {
	struct col name, value;
	struct db_job *job;
};

/* conf[key] := value when name is one of conf_names and value a number >= 0. */
static void set_conf(long long *conf, const char *name, unsigned long len, const char *value)
{
	char *end;
	long long v;
	int k;
	for(k = 0; k < DB_CONF_N; k++) {
		if(strlen(conf_names[k]) == len && memcmp(conf_names[k], name, len) == 0)
			break;
	}
	if(k == DB_CONF_N)
		return;
	v = strtoll(value, &end, 10);
	if(end != value && *end == '\0' && v >= 0)
		conf[k] = v;
	else
		log_warn("server_config %s: '%s' is not a number; ignored", conf_names[k], value);
}

static void config_row(MYSQL_STMT *st, void *ctx)
{
	struct config_rows *b = ctx;
	char *v = col_str(st, &b->value, 1, NULL);
	char **slot = NULL;
	if(b->name.len == 10 && memcmp(b->name.buf, "db_version", 10) == 0)
		slot = &b->job->u.config.db_version;
	else if(b->name.len == 13 && memcmp(b->name.buf, "root_category", 13) == 0)
		slot = &b->job->u.config.root_id;
	if(slot) {
		free(*slot);
		*slot = v;
		return;
	}
	set_conf(b->job->u.config.conf, b->name.buf, b->name.len, v);
	free(v);
}

static enum dbsql_result run_server_config(struct dbsql *d, struct db_job *job)
{
	struct config_rows b;
	MYSQL_BIND res[2];
	enum dbsql_result rc;
	int k;

	for(k = 0; k < DB_CONF_N; k++)
		job->u.config.conf[k] = -1;
	rc = exec_stmt(d, ST_SERVER_CONFIG, job, "");
	if(!GO_ON(rc, job))
		return rc;
	memset(&b, 0, sizeof(b));
	b.job = job;
	bind_col(&res[0], &b.name);
	bind_col(&res[1], &b.value);
	return fetch_rows(d, ST_SERVER_CONFIG, job, res, config_row, &b);
}

struct pref_rows {
	struct col content;
	uint64_t seqid;
	struct db_job *job;
	int found;
};

static void pref_row(MYSQL_STMT *st, void *ctx)
{
	struct pref_rows *b = ctx;
	b->found = 1;
	b->job->u.pref.seqid = b->seqid;
	free(b->job->u.pref.out);
	b->job->u.pref.out = col_str(st, &b->content, 1, NULL);
}

/* Reads (user, label) into seqid/out; status NOT_FOUND if absent. */
static enum dbsql_result read_pref(struct dbsql *d, struct db_job *job)
{
	struct pref_rows b;
	MYSQL_BIND res[2];
	enum dbsql_result rc = exec_stmt(
			d, ST_GET_PREF, job, "ss", job->u.pref.user, job->u.pref.label);
	if(!GO_ON(rc, job))
		return rc;
	memset(&b, 0, sizeof(b));
	b.job = job;
	bind_u64(&res[0], &b.seqid);
	bind_col(&res[1], &b.content);
	rc = fetch_rows(d, ST_GET_PREF, job, res, pref_row, &b);
	if(GO_ON(rc, job) && !b.found)
		job->status = DB_NOT_FOUND;
	return rc;
}

static enum dbsql_result run_get_pref(struct dbsql *d, struct db_job *job)
{
	enum dbsql_result rc = DBSQL_OK;
	if(job->u.pref.create)
		rc = exec_stmt(d, ST_CREATE_PREF, job, "ss", job->u.pref.user, job->u.pref.label);
	return GO_ON(rc, job) ? read_pref(d, job) : rc;
}

static enum dbsql_result run_set_pref(struct dbsql *d, struct db_job *job)
{
	enum dbsql_result rc = exec_stmt(d, ST_SET_PREF, job, "sss", job->u.pref.user,
			job->u.pref.label, job->u.pref.content);
	return GO_ON(rc, job) ? read_pref(d, job) : rc;
}

static enum dbsql_result run_save_read(struct dbsql *d, struct db_job *job)
{
	return exec_stmt(d, ST_SAVE_READ, job, "suu", job->u.read.user, job->u.read.room_id,
			job->u.read.msgid);
}

/* ---- session presence (survives a restart of pchatd) ---- */

static enum dbsql_result run_sroom_add(struct dbsql *d, struct db_job *job)
{
	return exec_stmt(d, ST_SROOM_ADD, job, "uus", job->u.presence.session_id,
			job->u.presence.room_id, job->u.presence.user);
}

static enum dbsql_result run_sroom_del(struct dbsql *d, struct db_job *job)
{
	return exec_stmt(d, ST_SROOM_DEL, job, "uu", job->u.presence.session_id,
			job->u.presence.room_id);
}

static enum dbsql_result run_session_clear(struct dbsql *d, struct db_job *job)
{
	return exec_stmt(d, ST_SROOM_CLEAR, job, "u", job->u.presence.session_id);
}

static enum dbsql_result run_session_rooms(struct dbsql *d, struct db_job *job)
{
	uint64_t sid = job->u.presence.session_id;
	const char *user = job->u.presence.user;
	enum dbsql_result rc = exec_stmt(d, ST_SROOM_STALE, job, "us", sid, user);
	if(GO_ON(rc, job))
		rc = exec_stmt(d, ST_SROOM_LIST, job, "us", sid, user);
	if(GO_ON(rc, job))
		rc = fetch_rooms(d, ST_SROOM_LIST, job, EXTRA_NONE, &job->u.presence.out);
	return rc;
}

/* ---- categories ---- */

enum { CAT_NCOLS = 8 };

struct category_rows {
	struct col cols[CAT_NCOLS - 1];
	uint64_t id;
	struct db_job *job;
	size_t cap;
};

static void category_row(MYSQL_STMT *st, void *ctx)
{
	struct category_rows *b = ctx;
	struct db_category *c;
	b->job->u.categories.v = grow(b->job->u.categories.v, &b->job->u.categories.n, &b->cap,
			sizeof(*c), (void **)&c);
	c->id = b->id;
	c->domain = col_str(st, &b->cols[0], 1, NULL);
	c->cat_id = col_str(st, &b->cols[1], 2, NULL);
	c->name = col_str(st, &b->cols[2], 3, NULL);
	c->description = col_str(st, &b->cols[3], 4, NULL);
	c->allowed = col_str(st, &b->cols[4], 5, NULL);
	c->denied = col_str(st, &b->cols[5], 6, NULL);
	c->creators = col_str(st, &b->cols[6], 7, NULL);
}

static enum dbsql_result run_categories(struct dbsql *d, struct db_job *job)
{
	struct category_rows *b;
	MYSQL_BIND res[CAT_NCOLS];
	enum dbsql_result rc = exec_stmt(d, ST_CATEGORIES, job, "");
	unsigned i;

	if(!GO_ON(rc, job))
		return rc;
	b = xcalloc(1, sizeof(*b));
	b->job = job;
	bind_u64(&res[0], &b->id);
	for(i = 1; i < CAT_NCOLS; i++)
		bind_col(&res[i], &b->cols[i - 1]);
	rc = fetch_rows(d, ST_CATEGORIES, job, res, category_row, b);
	free(b);
	return rc;
}

/* ---- running jobs ---- */

typedef enum dbsql_result (*runner_fn)(struct dbsql *d, struct db_job *job);

/* Every kind but DB_INSERT_MSG (dbsql_insert_batch). */
static const runner_fn runners[DB_JOB_TYPES] = {
		[DB_LOAD_ROOM] = run_load,
		[DB_HISTORY] = run_history,
		[DB_SEARCH] = run_search,
		[DB_FOLLOW] = run_follow,
		[DB_UNFOLLOW] = run_unfollow,
		[DB_ASSOCIATIONS] = run_assoc,
		[DB_SERVER_CONFIG] = run_server_config,
		[DB_GET_PREF] = run_get_pref,
		[DB_SET_PREF] = run_set_pref,
		[DB_SAVE_READ] = run_save_read,
		[DB_SESSION_ROOM_ADD] = run_sroom_add,
		[DB_SESSION_ROOM_DEL] = run_sroom_del,
		[DB_SESSION_CLEAR] = run_session_clear,
		[DB_SESSION_ROOMS] = run_session_rooms,
		[DB_ROOMS_ALL] = run_rooms_all,
		[DB_GET_INV] = run_get_inv,
		[DB_CATEGORIES] = run_categories,
};

enum dbsql_result dbsql_run(struct dbsql *d, struct db_job *job)
{
	enum dbsql_result rc;
	if(job->type >= DB_JOB_TYPES || runners[job->type] == NULL) {
		job->status = DB_FAILED;
		return DBSQL_OK;
	}
	rc = runners[job->type](d, job);
	if(rc != DBSQL_OK)
		return rc;
	return commit(d, db_job_name(job));
}

static enum dbsql_result insert_one(struct dbsql *d, struct db_job *job)
{
	enum dbsql_result rc = exec_stmt(d, ST_INSERT_MSG, job, "ustb", job->u.post.room_id,
			job->u.post.author, &job->u.post.posted_at, job->u.post.body,
			job->u.post.body_len);
	if(GO_ON(rc, job))
		job->u.post.msg_id = mysql_stmt_insert_id(d->st[ST_INSERT_MSG]);
	return rc;
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
