/*
 * dbj_messages.c - database jobs on messages: storing a post (consecutive posts
 * share one transaction) and reading a room's history.
 */
#include "dbkind.h"
#include "pchat_retention.h"
#include "util.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- DB_INSERT_MSG: one post, stored once however often it is sent ---- */

struct db_job *db_insert_msg(uint64_t room_id, const char *author, char *body, size_t body_len,
		const struct timespec *posted_at, const char *client_ref, db_done_fn done,
		void *arg)
{
	struct db_job *job = db_job_alloc(DB_INSERT_MSG, done, arg);
	job->u.post.room_id = room_id;
	job->u.post.author = xstrdup(author);
	job->u.post.body = body;
	job->u.post.body_len = body_len;
	job->u.post.posted_at = *posted_at;
	job->u.post.client_ref = client_ref ? xstrdup(client_ref) : NULL;
	return job;
}

enum { POST_FIND, POST_INSERT, POST_SEQ }; /* its statements */

/* How long a post sent again is recognised (migration 006). */
#define RESEND_WINDOW_SEC ((time_t)24 * 3600)

struct found_row {
	uint64_t id;
	int found;
};

static void found_row(MYSQL_STMT *st, void *ctx)
{
	(void)st;
	((struct found_row *)ctx)->found = 1;
}

/* A one-column, one-row result read into *(uint64_t *)ctx by db_fetch itself. */
static void one_value(MYSQL_STMT *st, void *ctx)
{
	(void)st;
	(void)ctx;
}

/* Runs the job's statement st with the one id parameter and reads its one number
 * into *out (left as it is when there is no row). */
static enum dbsql_result read_u64(
		struct dbsql *d, struct db_job *job, unsigned st, uint64_t id, uint64_t *out)
{
	MYSQL_BIND res[1];
	enum dbsql_result rc = db_exec(d, job, st, "u", id);
	if(!DB_GO_ON(rc, job))
		return rc;
	db_bind_u64(&res[0], out);
	return db_fetch(d, job, st, res, one_value, NULL);
}

/* The number the trigger of migration 017 gave the message just inserted. */
static enum dbsql_result read_seq(struct dbsql *d, struct db_job *job)
{
	return read_u64(d, job, POST_SEQ, job->u.post.msg_id, &job->u.post.seq);
}

/* The post stored before under the same reference, author, room and text, if any
 * (the text too: a reference reused by another client must not swallow a post). */
static enum dbsql_result find_sent(struct dbsql *d, struct db_job *job, struct found_row *f)
{
	struct timespec since = job->u.post.posted_at;
	MYSQL_BIND res[1];
	enum dbsql_result rc;

	since.tv_sec -= RESEND_WINDOW_SEC;
	rc = db_exec(d, job, POST_FIND, "ssubt", job->u.post.client_ref, job->u.post.author,
			job->u.post.room_id, job->u.post.body, job->u.post.body_len, &since);
	if(!DB_GO_ON(rc, job))
		return rc;
	db_bind_u64(&res[0], &f->id);
	return db_fetch(d, job, POST_FIND, res, found_row, f);
}

static enum dbsql_result run_insert(struct dbsql *d, struct db_job *job)
{
	struct found_row f = {0, 0};
	enum dbsql_result rc = DBSQL_OK;

	job->u.post.duplicate = 0;
	if(job->u.post.client_ref)
		rc = find_sent(d, job, &f);
	if(!DB_GO_ON(rc, job))
		return rc;
	if(f.found) {
		job->u.post.msg_id = f.id;
		job->u.post.duplicate = 1;
		return DBSQL_OK;
	}
	rc = db_exec(d, job, POST_INSERT, "ustbs", job->u.post.room_id, job->u.post.author,
			&job->u.post.posted_at, job->u.post.body, job->u.post.body_len,
			job->u.post.client_ref);
	if(!DB_GO_ON(rc, job))
		return rc;
	job->u.post.msg_id = mysql_stmt_insert_id(db_stmt(d, job, POST_INSERT));
	return read_seq(d, job);
}

static void insert_clear(struct db_job *job)
{
	job->u.post.msg_id = 0;
	job->u.post.seq = 0;
	job->u.post.duplicate = 0;
}

static void insert_free(struct db_job *job)
{
	free(job->u.post.author);
	free(job->u.post.body);
	free(job->u.post.client_ref);
}

const struct db_kind dbk_insert_msg = {"insert message",
		{[POST_FIND] = "SELECT id FROM messages WHERE client_ref = ? AND author = ?"
			       " AND room_id = ? AND body = ? AND posted_at > ?"
			       " ORDER BY id DESC LIMIT 1",
				[POST_INSERT] = "INSERT INTO messages"
						" (room_id, author, posted_at, body, client_ref)"
						" VALUES (?, ?, ?, ?, ?)",
				[POST_SEQ] = "SELECT COALESCE(seq, 0) FROM messages WHERE id = ?"},
		run_insert, insert_clear, insert_free,
		DBK_BATCH /* posts pile up during a commit */};

/* ---- DB_HISTORY: the newest messages of a room, or those before a msgid ---- */

struct db_job *db_history(const char *reader, uint64_t room_id, unsigned limit, uint64_t before_id,
		db_done_fn done, void *arg)
{
	struct db_job *job = db_job_alloc(DB_HISTORY, done, arg);
	job->u.history.reader = xstrdup(reader);
	job->u.history.room_id = room_id;
	job->u.history.limit = limit;
	job->u.history.before_id = before_id;
	return job;
}

/* its statements: the newest; the cursor's number; those before a numbered cursor,
 * an unnumbered one, a cursor that is gone; the compliance event */
enum {
	HISTORY_NEWEST,
	HISTORY_CURSOR,
	HISTORY_BEFORE_SEQ,
	HISTORY_BEFORE_NULL,
	HISTORY_BEFORE_ID,
	HISTORY_EVENT
};

struct msg_rows {
	struct db_col author, body;
	MYSQL_TIME posted;
	uint64_t id, seq; /* seq: CATCH_UP's fifth column (0 for HISTORY) */
	struct db_job *job;
	size_t cap;
};

static void msg_row(MYSQL_STMT *st, void *ctx)
{
	struct msg_rows *b = ctx;
	struct db_msg *m;
	b->job->u.history.msgs = db_grow(b->job->u.history.msgs, &b->job->u.history.nmsgs, &b->cap,
			sizeof(*m), (void **)&m);
	m->id = b->id;
	m->seq = b->seq;
	m->author = db_col_str(st, &b->author, 1, NULL);
	m->body = db_col_str(st, &b->body, 3, &m->body_len);
	db_time_to_ts(&b->posted, m->ts);
}

/* The BACKCHAT compliance event of a history read, committed with it (the statement
 * records nothing while compliance is off: migration 008): the reader, the newest
 * message pushed and the range "<first id>-<last id>" ('' when none). */
static enum dbsql_result record_backchat(struct dbsql *d, struct db_job *job)
{
	const struct db_msg *m = job->u.history.msgs;
	size_t n = job->u.history.nmsgs;
	char range[48] = "";
	if(n > 0)
		snprintf(range, sizeof(range), "%" PRIu64 "-%" PRIu64, m[0].id, m[n - 1].id);
	return db_exec(d, job, HISTORY_EVENT, "susu", job->u.history.reader,
			n > 0 ? m[n - 1].id : 0, range, job->u.history.room_id);
}

/* The messages of the job's statement st (executed): id, author, posted_at, body and,
 * with_seq, seq; into u.history.msgs. */
static enum dbsql_result fetch_msgs(struct dbsql *d, struct db_job *job, unsigned st, int with_seq)
{
	struct msg_rows b;
	MYSQL_BIND res[5];

	memset(&b, 0, sizeof(b));
	memset(res, 0, sizeof(res));
	b.job = job;
	db_bind_u64(&res[0], &b.id);
	db_bind_col(&res[1], &b.author);
	db_bind_time(&res[2], &b.posted);
	db_bind_col(&res[3], &b.body);
	if(with_seq)
		db_bind_u64(&res[4], &b.seq);
	return db_fetch(d, job, st, res, msg_row, &b);
}

#define CURSOR_GONE UINT64_MAX

/* The sequence number of the paging cursor (a message of the room) into *seq: 0 when
 * it has none (stored before migration 017), CURSOR_GONE when it is not in the room. */
static enum dbsql_result cursor_seq(struct dbsql *d, struct db_job *job, uint64_t *seq)
{
	MYSQL_BIND res[1];
	enum dbsql_result rc = db_exec(d, job, HISTORY_CURSOR, "uu", job->u.history.before_id,
			job->u.history.room_id);
	*seq = CURSOR_GONE; /* db_fetch leaves it without a row */
	if(!DB_GO_ON(rc, job))
		return rc;
	db_bind_u64(&res[0], seq);
	return db_fetch(d, job, HISTORY_CURSOR, res, one_value, NULL);
}

/* History is in the rooms' order, (seq, id): the order live delivery follows, which on
 * Galera may differ from the ids' (docs/ARCHITECTURE.md, "A pool: ordered delivery");
 * messages without a number (stored before migration 017) first, by id.  The page
 * before a cursor is what comes before it in that order: before a numbered message,
 * the smaller numbers and every unnumbered one; before an unnumbered one, the
 * unnumbered ones with smaller ids.  A cursor deleted meanwhile (moderation,
 * retention) has no place in the order: the page is then the smaller ids, in order. */
static enum dbsql_result run_history(struct dbsql *d, struct db_job *job)
{
	uint64_t room = job->u.history.room_id, seq = 0;
	enum dbsql_result rc;
	unsigned st = HISTORY_NEWEST;

	if(job->u.history.before_id) {
		rc = cursor_seq(d, job, &seq);
		if(!DB_GO_ON(rc, job))
			return rc;
		st = seq == CURSOR_GONE ? HISTORY_BEFORE_ID
				: seq	? HISTORY_BEFORE_SEQ
					: HISTORY_BEFORE_NULL;
	}
	if(st == HISTORY_BEFORE_SEQ)
		rc = db_exec(d, job, st, "uuui", room, room, seq, job->u.history.limit);
	else if(st != HISTORY_NEWEST)
		rc = db_exec(d, job, st, "uuui", room, room, job->u.history.before_id,
				job->u.history.limit);
	else
		rc = db_exec(d, job, st, "uui", room, room, job->u.history.limit);
	if(!DB_GO_ON(rc, job))
		return rc;
	rc = fetch_msgs(d, job, st, 0);
	if(!DB_GO_ON(rc, job))
		return rc;
	return record_backchat(d, job);
}

static void history_clear(struct db_job *job)
{
	db_msgs_clear(&job->u.history.msgs, &job->u.history.nmsgs);
}

static void history_free(struct db_job *job)
{
	free(job->u.history.reader);
}

/* The messages of a room (two parameters: its id twice) that its retention keeps:
 * expired ones are hidden before the purge job deletes them.  The room's row is one
 * primary key read; the messages are read newest first along (room_id, seq, id)
 * (migration 021), or (room_id, id) before a cursor that is gone. */
#define HISTORY_FROM                                                                        \
	" FROM messages m JOIN rooms r ON r.id = ? WHERE m.room_id = ? AND" PCHAT_RETAINED( \
			"m.posted_at", "r.keep_sec")

/* Each returns the `limit` messages oldest first, in (seq, id) order (run_history).
 * Run by the writer, not the reader (db.h), although a post answered 200 is committed
 * before that answer and so seen by a history read on any connection: (1) it is not a
 * pure read, its transaction writes the BACKCHAT compliance event; (2) behind the
 * posts in the writer's queue, a session that posts and then asks for the history
 * (bjoin, bccontext) before its 200 arrives still gets its post, which a reader
 * running beside the writer would not promise.  It is a short indexed read; the slow read is the search. */
/* concatenations with a macro (HISTORY_FROM), not missing commas */
/* NOLINTBEGIN(bugprone-suspicious-missing-comma) */
const struct db_kind dbk_history = {"history",
		{[HISTORY_NEWEST] = "SELECT id, author, posted_at, body FROM"
				    " (SELECT m.id, m.author, m.posted_at, m.body, m.seq" HISTORY_FROM
				    "  ORDER BY m.seq DESC, m.id DESC LIMIT ?) AS recent"
				    " ORDER BY seq, id",
				[HISTORY_CURSOR] = "SELECT COALESCE(seq, 0) FROM messages"
						   " WHERE id = ? AND room_id = ?",
				[HISTORY_BEFORE_SEQ] =
						"SELECT id, author, posted_at, body FROM"
						" (SELECT m.id, m.author, m.posted_at, m.body, m.seq" HISTORY_FROM
						" AND (m.seq < ? OR m.seq IS NULL)"
						" ORDER BY m.seq DESC, m.id DESC LIMIT ?) AS older"
						" ORDER BY seq, id",
				[HISTORY_BEFORE_NULL] =
						"SELECT id, author, posted_at, body FROM"
						" (SELECT m.id, m.author, m.posted_at, m.body, m.seq" HISTORY_FROM
						" AND m.seq IS NULL AND m.id < ?"
						" ORDER BY m.seq DESC, m.id DESC LIMIT ?) AS older"
						" ORDER BY seq, id",
				[HISTORY_BEFORE_ID] =
						"SELECT id, author, posted_at, body FROM"
						" (SELECT m.id, m.author, m.posted_at, m.body, m.seq" HISTORY_FROM
						"  AND m.id < ? ORDER BY m.id DESC LIMIT ?)"
						" AS older ORDER BY seq, id",
				[HISTORY_EVENT] =
						"INSERT INTO compliance_events (event_type, event_time,"
						" room_id, room_uri, room_name, user_uri, msg_id, content)"
						" SELECT 'BACKCHAT', UTC_TIMESTAMP(3), r.id,"
						" CONCAT('ma-chan://', r.domain, '/', r.chan_id), r.name, ?,"
						" NULLIF(?, 0), ? FROM rooms r"
						" WHERE r.id = ? AND pchat_compliance_on()"},
		run_history, history_clear, history_free, 0};
/* NOLINTEND(bugprone-suspicious-missing-comma) */

/* ---- DB_CATCH_UP: a room's messages after a sequence number (a pool's delivery) ---- */

struct db_job *db_catch_up(
		uint64_t room_id, uint64_t after_seq, unsigned limit, db_done_fn done, void *arg)
{
	struct db_job *job = db_job_alloc(DB_CATCH_UP, done, arg);
	job->u.history.room_id = room_id;
	job->u.history.after_seq = after_seq;
	job->u.history.limit = limit;
	return job;
}

enum { CATCH_UP_HEAD, CATCH_UP_MSGS }; /* its statements */

/* The head first, then the messages up to it: a message is committed with the head
 * that counts it (one transaction), so every number up to the head is either there
 * or deleted since, and the caller may take the head as delivered. */
static enum dbsql_result run_catch_up(struct dbsql *d, struct db_job *job)
{
	enum dbsql_result rc = read_u64(
			d, job, CATCH_UP_HEAD, job->u.history.room_id, &job->u.history.head);
	if(!DB_GO_ON(rc, job) || job->u.history.head <= job->u.history.after_seq)
		return rc;
	rc = db_exec(d, job, CATCH_UP_MSGS, "uuui", job->u.history.room_id,
			job->u.history.after_seq, job->u.history.head, job->u.history.limit);
	if(!DB_GO_ON(rc, job))
		return rc;
	return fetch_msgs(d, job, CATCH_UP_MSGS, 1);
}

static void catch_up_clear(struct db_job *job)
{
	job->u.history.head = 0;
	history_clear(job);
}

const struct db_kind dbk_catch_up = {"catch up",
		{[CATCH_UP_HEAD] = "SELECT seq FROM room_seq WHERE room_id = ?",
				[CATCH_UP_MSGS] = "SELECT id, author, posted_at, body, seq"
						  " FROM messages WHERE room_id = ?"
						  " AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?"},
		run_catch_up, catch_up_clear, history_free, DBK_READER};

/* ---- DB_ROOM_HEADS: every room's last sequence number (a pool's poll) ---- */

struct db_job *db_room_heads(db_done_fn done, void *arg)
{
	return db_job_alloc(DB_ROOM_HEADS, done, arg);
}

struct head_rows {
	struct db_room_head row;
	struct db_job *job;
	size_t cap;
};

static void head_row(MYSQL_STMT *st, void *ctx)
{
	struct head_rows *b = ctx;
	struct db_room_head *h;
	(void)st;
	b->job->u.heads.v = db_grow(
			b->job->u.heads.v, &b->job->u.heads.n, &b->cap, sizeof(*h), (void **)&h);
	*h = b->row;
}

static enum dbsql_result run_room_heads(struct dbsql *d, struct db_job *job)
{
	struct head_rows b;
	MYSQL_BIND res[2];
	enum dbsql_result rc = db_exec(d, job, 0, "");
	if(!DB_GO_ON(rc, job))
		return rc;
	memset(&b, 0, sizeof(b));
	b.job = job;
	db_bind_u64(&res[0], &b.row.room_id);
	db_bind_u64(&res[1], &b.row.seq);
	return db_fetch(d, job, 0, res, head_row, &b);
}

static void room_heads_clear(struct db_job *job)
{
	free(job->u.heads.v);
	job->u.heads.v = NULL;
	job->u.heads.n = 0;
}

const struct db_kind dbk_room_heads = {"room heads",
		{"SELECT room_id, seq FROM room_seq WHERE seq > 0"}, run_room_heads,
		room_heads_clear, db_job_noop, DBK_READER};
