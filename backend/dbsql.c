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

/* Every statement but the four above, with where its handle lives. */
static MYSQL_STMT **extra_stmt(struct dbsql *d, size_t i, const char **sql)
{
	static const char *const sqls[] = {SQL_HISTORY_BEFORE, SQL_FOLLOW, SQL_UNFOLLOW, SQL_ASSOC,
			SQL_SERVER_CONFIG, SQL_GET_PREF, SQL_CREATE_PREF, SQL_SET_PREF,
			SQL_SAVE_READ, SQL_SROOM_ADD, SQL_SROOM_DEL, SQL_SROOM_CLEAR,
			SQL_SROOM_LIST, SQL_SROOM_STALE, SQL_ROOMS_ALL, SQL_GET_INV,
			SQL_CATEGORIES};
	MYSQL_STMT **slots[] = {&d->history_before, &d->follow, &d->unfollow, &d->assoc,
			&d->server_config, &d->get_pref, &d->create_pref, &d->set_pref,
			&d->save_read, &d->sroom_add, &d->sroom_del, &d->sroom_clear,
			&d->sroom_list, &d->sroom_stale, &d->rooms_all, &d->get_inv,
			&d->categories};
	if(i >= sizeof(sqls) / sizeof(sqls[0]))
		return NULL;
	if(sql)
		*sql = sqls[i];
	return slots[i];
}

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

static void close_stmt(MYSQL_STMT **st)
{
	if(*st)
		mysql_stmt_close(*st);
	*st = NULL;
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
	{
		MYSQL_STMT **slot;
		const char *sql;
		size_t i;
		int ok = 1;
		for(i = 0; (slot = extra_stmt(d, i, &sql)) != NULL; i++) {
			*slot = prepare(d->my, sql);
			ok = ok && *slot;
		}
		if(!ok)
			close_stmt(&d->search); /* take the failure path below */
	}
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

void dbsql_close(struct dbsql *d)
{
	MYSQL_STMT **slot;
	size_t i;
	for(i = 0; (slot = extra_stmt(d, i, NULL)) != NULL; i++)
		close_stmt(slot);
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

/* ---- room rows (load, search, ...) ---- */

enum { ROOM_NCOLS = 15 }; /* ROOM_COLS */

/* What follows ROOM_COLS in a room query. */
enum room_extra {
	EXTRA_NONE,
	EXTRA_UNREAD, /* u64 unread */
	EXTRA_INV,    /* u64 invitation id, inviter, created_at */
};

static void time_to_ts(const MYSQL_TIME *t, char out[TS_BUFSZ]);

/* One row's result buffers. */
struct room_row {
	MYSQL_BIND res[ROOM_NCOLS + 3];
	struct col cols[ROOM_NCOLS - 1 + 1]; /* text columns, then the inviter */
	uint64_t id, extra;
	MYSQL_TIME ts;
};

static void bind_room_row(struct room_row *b, enum room_extra extra)
{
	unsigned i;
	memset(b, 0, sizeof(*b));
	bind_u64(&b->res[0], &b->id);
	for(i = 1; i < ROOM_NCOLS; i++)
		bind_col(&b->res[i], &b->cols[i - 1]);
	bind_u64(&b->res[ROOM_NCOLS], &b->extra);
	if(extra == EXTRA_INV) {
		bind_col(&b->res[ROOM_NCOLS + 1], &b->cols[ROOM_NCOLS - 1]);
		b->res[ROOM_NCOLS + 2].buffer_type = MYSQL_TYPE_DATETIME;
		b->res[ROOM_NCOLS + 2].buffer = &b->ts;
	}
}

/* Copies the fetched row into r. */
static void read_room_row(
		MYSQL_STMT *st, struct room_row *b, enum room_extra extra, struct db_room *r)
{
	char *v;
	memset(r, 0, sizeof(*r));
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
	if(extra == EXTRA_UNREAD)
		r->unread = b->extra;
	if(extra == EXTRA_INV) {
		r->inv_id = b->extra;
		r->inviter = col_str(st, &b->cols[ROOM_NCOLS - 1], ROOM_NCOLS + 1, NULL);
		time_to_ts(&b->ts, r->inv_ts);
	}
}

/* Fetches every row of a room query (executed) into job->rooms. */
static enum dbsql_result fetch_rooms_x(
		MYSQL_STMT *st, struct db_job *job, const char *what, enum room_extra extra)
{
	struct room_row *b = xmalloc(sizeof(*b));
	size_t cap = 0;
	int rc;

	bind_room_row(b, extra);
	if(mysql_stmt_bind_result(st, b->res) != 0 || mysql_stmt_store_result(st) != 0) {
		free(b);
		return stmt_failed(st, what, job);
	}
	while((rc = mysql_stmt_fetch(st)) == 0 || rc == MYSQL_DATA_TRUNCATED) {
		if(job->nrooms == cap) {
			cap = cap ? cap * 2 : 8;
			job->rooms = xrealloc(job->rooms, cap * sizeof(*job->rooms));
		}
		read_room_row(st, b, extra, &job->rooms[job->nrooms++]);
	}
	free(b);
	mysql_stmt_free_result(st);
	if(rc != MYSQL_NO_DATA)
		return stmt_failed(st, what, job);
	return DBSQL_OK;
}

static enum dbsql_result fetch_rooms(MYSQL_STMT *st, struct db_job *job, const char *what)
{
	return fetch_rooms_x(st, job, what, EXTRA_NONE);
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
	MYSQL_BIND par[3], res[4];
	MYSQL_STMT *st = job->before_id ? d->history_before : d->history;
	struct col author, body;
	MYSQL_TIME posted;
	uint64_t id = 0;
	size_t cap = 0;
	int rc;

	memset(&author, 0, sizeof(author));
	memset(&body, 0, sizeof(body));
	memset(&posted, 0, sizeof(posted));
	bind_u64(&par[0], &job->room_id);
	if(job->before_id) {
		bind_u64(&par[1], &job->before_id);
		bind_u32(&par[2], &job->limit);
	} else {
		bind_u32(&par[1], &job->limit);
	}
	if(mysql_stmt_bind_param(st, par) != 0 || mysql_stmt_execute(st) != 0)
		return stmt_failed(st, "history", job);
	bind_u64(&res[0], &id);
	bind_col(&res[1], &author);
	memset(&res[2], 0, sizeof(res[2]));
	res[2].buffer_type = MYSQL_TYPE_DATETIME;
	res[2].buffer = &posted;
	bind_col(&res[3], &body);
	if(mysql_stmt_bind_result(st, res) != 0 || mysql_stmt_store_result(st) != 0)
		return stmt_failed(st, "history", job);
	while((rc = mysql_stmt_fetch(st)) == 0 || rc == MYSQL_DATA_TRUNCATED) {
		struct db_msg *m;
		if(job->nmsgs == cap) {
			cap = cap ? cap * 2 : 32;
			job->msgs = xrealloc(job->msgs, cap * sizeof(*job->msgs));
		}
		m = &job->msgs[job->nmsgs++];
		m->id = id;
		m->author = col_str(st, &author, 1, NULL);
		m->body = col_str(st, &body, 3, &m->body_len);
		time_to_ts(&posted, m->ts);
	}
	mysql_stmt_free_result(st);
	if(rc != MYSQL_NO_DATA)
		return stmt_failed(st, "history", job);
	return DBSQL_OK;
}

/* ---- followed rooms, server configuration, preferences ---- */

/* Executes st (parameters bound) and drops any result. */
static enum dbsql_result exec(MYSQL_STMT *st, MYSQL_BIND *par, const char *what, struct db_job *job)
{
	if(mysql_stmt_bind_param(st, par) != 0 || mysql_stmt_execute(st) != 0)
		return stmt_failed(st, what, job);
	return DBSQL_OK;
}

static enum dbsql_result run_follow(struct dbsql *d, struct db_job *job)
{
	MYSQL_BIND par[3];
	unsigned long ulen = strlen(job->user), dlen, clen;
	bind_text(&par[0], job->user, &ulen);
	if(job->flag) {
		bind_u64(&par[1], &job->room_id);
		return exec(d->follow, par, "follow room", job);
	}
	dlen = strlen(job->domain);
	clen = strlen(job->chan_id);
	bind_text(&par[1], job->domain, &dlen);
	bind_text(&par[2], job->chan_id, &clen);
	return exec(d->unfollow, par, "unfollow room", job);
}

static enum dbsql_result run_assoc(struct dbsql *d, struct db_job *job)
{
	MYSQL_BIND par[1];
	unsigned long ulen = strlen(job->user);
	bind_text(&par[0], job->user, &ulen);
	if(exec(d->assoc, par, "associations", job) != DBSQL_OK)
		return DBSQL_RETRY;
	if(job->status != DB_OK)
		return DBSQL_OK;
	return fetch_rooms_x(d->assoc, job, "associations", EXTRA_UNREAD);
}

/* conf[key] := value when name is one of conf_names and value a number >= 0. */
static void set_conf(struct db_job *job, const char *name, unsigned long len, const char *value)
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
		job->conf[k] = v;
	else
		log_warn("server_config %s: '%s' is not a number; ignored", conf_names[k], value);
}

static enum dbsql_result run_server_config(struct dbsql *d, struct db_job *job)
{
	MYSQL_BIND res[2];
	struct col name, value;
	int rc;

	memset(&name, 0, sizeof(name));
	memset(&value, 0, sizeof(value));
	for(rc = 0; rc < DB_CONF_N; rc++)
		job->conf[rc] = -1;
	if(mysql_stmt_execute(d->server_config) != 0)
		return stmt_failed(d->server_config, "server config", job);
	bind_col(&res[0], &name);
	bind_col(&res[1], &value);
	if(mysql_stmt_bind_result(d->server_config, res) != 0 ||
			mysql_stmt_store_result(d->server_config) != 0)
		return stmt_failed(d->server_config, "server config", job);
	while((rc = mysql_stmt_fetch(d->server_config)) == 0 || rc == MYSQL_DATA_TRUNCATED) {
		char *v = col_str(d->server_config, &value, 1, NULL);
		char **slot = NULL;
		if(name.len == 10 && memcmp(name.buf, "db_version", 10) == 0)
			slot = &job->db_version;
		else if(name.len == 13 && memcmp(name.buf, "root_category", 13) == 0)
			slot = &job->root_id;
		if(slot) {
			free(*slot);
			*slot = v;
		} else {
			set_conf(job, name.buf, name.len, v);
			free(v);
		}
	}
	mysql_stmt_free_result(d->server_config);
	if(rc != MYSQL_NO_DATA)
		return stmt_failed(d->server_config, "server config", job);
	return DBSQL_OK;
}

/* Reads (user, label) into pref_seqid/pref_content; status NOT_FOUND if absent. */
static enum dbsql_result read_pref(struct dbsql *d, struct db_job *job)
{
	MYSQL_BIND par[2], res[2];
	unsigned long ulen = strlen(job->user), llen = strlen(job->label);
	struct col content;
	uint64_t seqid = 0;
	int rc;

	memset(&content, 0, sizeof(content));
	bind_text(&par[0], job->user, &ulen);
	bind_text(&par[1], job->label, &llen);
	if(exec(d->get_pref, par, "get pref", job) != DBSQL_OK)
		return DBSQL_RETRY;
	if(job->status != DB_OK)
		return DBSQL_OK;
	bind_u64(&res[0], &seqid);
	bind_col(&res[1], &content);
	if(mysql_stmt_bind_result(d->get_pref, res) != 0 ||
			mysql_stmt_store_result(d->get_pref) != 0)
		return stmt_failed(d->get_pref, "get pref", job);
	rc = mysql_stmt_fetch(d->get_pref);
	if(rc == 0 || rc == MYSQL_DATA_TRUNCATED) {
		job->pref_seqid = seqid;
		free(job->pref_content);
		job->pref_content = col_str(d->get_pref, &content, 1, NULL);
	} else if(rc == MYSQL_NO_DATA) {
		job->status = DB_NOT_FOUND;
	}
	mysql_stmt_free_result(d->get_pref);
	if(rc != 0 && rc != MYSQL_DATA_TRUNCATED && rc != MYSQL_NO_DATA)
		return stmt_failed(d->get_pref, "get pref", job);
	return DBSQL_OK;
}

static enum dbsql_result run_get_pref(struct dbsql *d, struct db_job *job)
{
	MYSQL_BIND par[2];
	unsigned long ulen = strlen(job->user), llen = strlen(job->label);
	if(job->flag) {
		bind_text(&par[0], job->user, &ulen);
		bind_text(&par[1], job->label, &llen);
		if(exec(d->create_pref, par, "create pref", job) != DBSQL_OK)
			return DBSQL_RETRY;
		if(job->status != DB_OK)
			return DBSQL_OK;
	}
	return read_pref(d, job);
}

static enum dbsql_result run_set_pref(struct dbsql *d, struct db_job *job)
{
	MYSQL_BIND par[3];
	unsigned long ulen = strlen(job->user), llen = strlen(job->label),
		      clen = strlen(job->content);
	bind_text(&par[0], job->user, &ulen);
	bind_text(&par[1], job->label, &llen);
	bind_text(&par[2], job->content, &clen);
	if(exec(d->set_pref, par, "set pref", job) != DBSQL_OK)
		return DBSQL_RETRY;
	if(job->status != DB_OK)
		return DBSQL_OK;
	return read_pref(d, job);
}

static enum dbsql_result run_save_read(struct dbsql *d, struct db_job *job)
{
	MYSQL_BIND par[3];
	unsigned long ulen = strlen(job->user);
	bind_text(&par[0], job->user, &ulen);
	bind_u64(&par[1], &job->room_id);
	bind_u64(&par[2], &job->read_msgid);
	return exec(d->save_read, par, "save read position", job);
}

/* ---- session presence (survives a restart of pchatd) ---- */

static enum dbsql_result run_session_room(struct dbsql *d, struct db_job *job)
{
	MYSQL_BIND par[3];
	unsigned long ulen = strlen(job->user);
	bind_u64(&par[0], &job->session_id);
	bind_u64(&par[1], &job->room_id);
	if(!job->flag)
		return exec(d->sroom_del, par, "forget session room", job);
	bind_text(&par[2], job->user, &ulen);
	return exec(d->sroom_add, par, "store session room", job);
}

static enum dbsql_result run_session_clear(struct dbsql *d, struct db_job *job)
{
	MYSQL_BIND par[1];
	bind_u64(&par[0], &job->session_id);
	return exec(d->sroom_clear, par, "forget session rooms", job);
}

static enum dbsql_result run_session_rooms(struct dbsql *d, struct db_job *job)
{
	MYSQL_BIND par[2];
	unsigned long ulen = strlen(job->user);
	enum dbsql_result rc;
	bind_u64(&par[0], &job->session_id);
	bind_text(&par[1], job->user, &ulen);
	rc = exec(d->sroom_stale, par, "forget stale session rooms", job);
	if(rc != DBSQL_OK || job->status != DB_OK)
		return rc;
	if(mysql_stmt_bind_param(d->sroom_list, par) != 0 || mysql_stmt_execute(d->sroom_list) != 0)
		return stmt_failed(d->sroom_list, "list session rooms", job);
	return fetch_rooms(d->sroom_list, job, "list session rooms");
}

/* ---- the room cache's reload, invitations, categories ---- */

static enum dbsql_result run_rooms_all(struct dbsql *d, struct db_job *job)
{
	if(mysql_stmt_execute(d->rooms_all) != 0)
		return stmt_failed(d->rooms_all, "reload rooms", job);
	return fetch_rooms(d->rooms_all, job, "reload rooms");
}

static enum dbsql_result run_get_inv(struct dbsql *d, struct db_job *job)
{
	MYSQL_BIND par[1];
	unsigned long ulen = strlen(job->user);
	bind_text(&par[0], job->user, &ulen);
	if(mysql_stmt_bind_param(d->get_inv, par) != 0 || mysql_stmt_execute(d->get_inv) != 0)
		return stmt_failed(d->get_inv, "invitations", job);
	return fetch_rooms_x(d->get_inv, job, "invitations", EXTRA_INV);
}

enum { CAT_NCOLS = 8 };

static void read_category(MYSQL_STMT *st, struct col *cols, uint64_t id, struct db_category *c)
{
	c->id = id;
	c->domain = col_str(st, &cols[0], 1, NULL);
	c->cat_id = col_str(st, &cols[1], 2, NULL);
	c->name = col_str(st, &cols[2], 3, NULL);
	c->description = col_str(st, &cols[3], 4, NULL);
	c->allowed = col_str(st, &cols[4], 5, NULL);
	c->denied = col_str(st, &cols[5], 6, NULL);
	c->creators = col_str(st, &cols[6], 7, NULL);
}

static enum dbsql_result run_categories(struct dbsql *d, struct db_job *job)
{
	MYSQL_STMT *st = d->categories;
	MYSQL_BIND res[CAT_NCOLS];
	struct col cols[CAT_NCOLS - 1];
	uint64_t id = 0;
	size_t cap = 0;
	unsigned i;
	int rc;

	memset(cols, 0, sizeof(cols));
	bind_u64(&res[0], &id);
	for(i = 1; i < CAT_NCOLS; i++)
		bind_col(&res[i], &cols[i - 1]);
	if(mysql_stmt_execute(st) != 0 || mysql_stmt_bind_result(st, res) != 0 ||
			mysql_stmt_store_result(st) != 0)
		return stmt_failed(st, "categories", job);
	while((rc = mysql_stmt_fetch(st)) == 0 || rc == MYSQL_DATA_TRUNCATED) {
		if(job->ncats == cap) {
			cap = cap ? cap * 2 : 8;
			job->cats = xrealloc(job->cats, cap * sizeof(*job->cats));
		}
		read_category(st, cols, id, &job->cats[job->ncats++]);
	}
	mysql_stmt_free_result(st);
	if(rc != MYSQL_NO_DATA)
		return stmt_failed(st, "categories", job);
	return DBSQL_OK;
}

enum dbsql_result dbsql_run(struct dbsql *d, struct db_job *job)
{
	enum dbsql_result rc;
	switch(job->type) {
		case DB_LOAD_ROOM: rc = run_load(d, job); break;
		case DB_HISTORY: rc = run_history(d, job); break;
		case DB_SEARCH: rc = run_search(d, job); break;
		case DB_FOLLOW: rc = run_follow(d, job); break;
		case DB_ASSOCIATIONS: rc = run_assoc(d, job); break;
		case DB_SERVER_CONFIG: rc = run_server_config(d, job); break;
		case DB_GET_PREF: rc = run_get_pref(d, job); break;
		case DB_SET_PREF: rc = run_set_pref(d, job); break;
		case DB_SAVE_READ: rc = run_save_read(d, job); break;
		case DB_SESSION_ROOM: rc = run_session_room(d, job); break;
		case DB_SESSION_CLEAR: rc = run_session_clear(d, job); break;
		case DB_SESSION_ROOMS: rc = run_session_rooms(d, job); break;
		case DB_ROOMS_ALL: rc = run_rooms_all(d, job); break;
		case DB_GET_INV: rc = run_get_inv(d, job); break;
		case DB_CATEGORIES: rc = run_categories(d, job); break;
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
