/*
 * dbj_feeds.c - database jobs of the topic feeds (sql/migrations/012_feeds.sql):
 * a user's feeds (add, remove, list: DB_FEEDS), every feed for the index
 * (DB_FEEDS_ALL), a match stored (DB_FEED_MATCH) and a user's matches (DB_FEED_ALERTS).
 *
 * DB_FEED_ALERTS is a pure read but stays with the writer: the matches are stored by
 * fire-and-forget jobs on the writer, and a user who got the MESSAGE and lists the
 * alerts must find that match, which only the writer's order promises (the reader
 * could run before the insert commits).  It is a short indexed read.
 *
 * Every change of feeds bumps server_config.FeedsRevision in its transaction: every
 * pchatd of a pool polls server_config each second (reload.c) and loads the feeds
 * again when it moved (feeds.c), as the room cache follows `revision`.
 */
#include "dbkind.h"
#include "pchat_feeds.h"
#include "pchat_retention.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* ---- rows of feeds: id, user, words, room id, author, room URI ---- */

#define FEED_COLS "f.id, f.user_uri, f.words, COALESCE(f.room_id, 0), f.author"

struct feed_rows {
	struct db_col user, words, author, uri;
	uint64_t id, room_id;
	struct db_job *job;
	size_t cap;
};

static void feed_row(MYSQL_STMT *st, void *ctx)
{
	struct feed_rows *b = ctx;
	struct db_feed *f;
	b->job->u.feeds.out = db_grow(
			b->job->u.feeds.out, &b->job->u.feeds.n, &b->cap, sizeof(*f), (void **)&f);
	f->id = b->id;
	f->room_id = b->room_id;
	f->user = db_col_str(st, &b->user, 1, NULL);
	f->words = db_col_str(st, &b->words, 2, NULL);
	f->author = db_col_str(st, &b->author, 4, NULL);
	f->room_uri = db_col_str(st, &b->uri, 5, NULL);
}

/* Fetches statement i's rows (FEED_COLS, then a room URI) into u.feeds.out. */
static enum dbsql_result fetch_feeds(struct dbsql *d, struct db_job *job, unsigned i)
{
	struct feed_rows b;
	MYSQL_BIND res[6];
	memset(&b, 0, sizeof(b));
	b.job = job;
	db_bind_u64(&res[0], &b.id);
	db_bind_col(&res[1], &b.user);
	db_bind_col(&res[2], &b.words);
	db_bind_u64(&res[3], &b.room_id);
	db_bind_col(&res[4], &b.author);
	db_bind_col(&res[5], &b.uri);
	return db_fetch(d, job, i, res, feed_row, &b);
}

static void feed_clear_one(struct db_feed *f)
{
	free(f->user);
	free(f->words);
	free(f->author);
	free(f->room_uri);
}

static void feeds_clear(struct db_job *job)
{
	for(size_t i = 0; i < job->u.feeds.n; i++)
		feed_clear_one(&job->u.feeds.out[i]);
	free(job->u.feeds.out);
	job->u.feeds.out = NULL;
	job->u.feeds.n = 0;
	job->u.feeds.refused = 0;
	job->u.feeds.revision = -1;
}

static void feeds_free(struct db_job *job)
{
	free(job->u.feeds.user);
	feed_clear_one(&job->u.feeds.in);
}

/* ---- DB_FEEDS ---- */

static char *dup_or_empty(const char *s)
{
	return xstrdup(s ? s : "");
}

struct db_job *db_feeds(enum db_feed_op op, const char *user, const struct db_feed *in,
		unsigned max_feeds, db_done_fn done, void *arg)
{
	struct db_job *job = db_job_alloc(DB_FEEDS, done, arg);
	job->u.feeds.op = op;
	job->u.feeds.user = xstrdup(user);
	job->u.feeds.max_feeds = max_feeds;
	if(in) {
		job->u.feeds.in.id = in->id;
		job->u.feeds.in.room_id = in->room_id;
		job->u.feeds.in.words = dup_or_empty(in->words);
		job->u.feeds.in.author = dup_or_empty(in->author);
	}
	return job;
}

enum { FEEDS_ADD, FEEDS_DEL, FEEDS_BUMP, FEEDS_LIST };

/* The add or the removal; sets refused when it changed nothing. */
static enum dbsql_result feeds_change(struct dbsql *d, struct db_job *job)
{
	const struct db_feed *in = &job->u.feeds.in;
	enum dbsql_result rc;
	unsigned st = job->u.feeds.op == DB_FEED_ADD ? FEEDS_ADD : FEEDS_DEL;
	if(st == FEEDS_ADD)
		rc = db_exec(d, job, st, "ssussi", job->u.feeds.user, in->words, in->room_id,
				in->author, job->u.feeds.user, job->u.feeds.max_feeds);
	else
		rc = db_exec(d, job, st, "us", in->id, job->u.feeds.user);
	if(!DB_GO_ON(rc, job))
		return rc;
	if(mysql_stmt_affected_rows(db_stmt(d, job, st)) == 0) {
		job->u.feeds.refused = 1;
		return rc;
	}
	return db_exec(d, job, FEEDS_BUMP, "");
}

static enum dbsql_result run_feeds(struct dbsql *d, struct db_job *job)
{
	enum dbsql_result rc = DBSQL_OK;
	if(job->u.feeds.op != DB_FEED_LIST)
		rc = feeds_change(d, job);
	if(!DB_GO_ON(rc, job))
		return rc;
	rc = db_exec(d, job, FEEDS_LIST, "s", job->u.feeds.user);
	if(!DB_GO_ON(rc, job))
		return rc;
	return fetch_feeds(d, job, FEEDS_LIST);
}

/* The bound on feeds per user is checked in the insert (the writer runs one job at a
 * time, so two adds never race past it); the statements that change feeds are
 * common/pchat_feeds.h's, shared with the admin library (the web page). */
const struct db_kind dbk_feeds = {"feeds",
		{[FEEDS_ADD] = PCHAT_FEED_INSERT_SQL,
				[FEEDS_DEL] = PCHAT_FEED_DELETE_SQL,
				[FEEDS_BUMP] = PCHAT_FEEDS_BUMP_SQL,
				[FEEDS_LIST] = "SELECT " FEED_COLS
					       ", COALESCE(CONCAT('ma-chan://', r.domain, '/',"
					       " r.chan_id), '')"
					       " FROM feeds f LEFT JOIN rooms r ON r.id = f.room_id"
					       " WHERE f.user_uri = ? ORDER BY f.id"},
		run_feeds, feeds_clear, feeds_free, 0};

/* ---- DB_FEEDS_ALL ---- */

struct db_job *db_feeds_all(db_done_fn done, void *arg)
{
	struct db_job *job = db_job_alloc(DB_FEEDS_ALL, done, arg);
	job->u.feeds.revision = -1;
	return job;
}

struct revision_row {
	uint64_t value;
	struct db_job *job;
};

static void revision_row(MYSQL_STMT *st, void *ctx)
{
	struct revision_row *b = ctx;
	(void)st;
	b->job->u.feeds.revision = (long long)b->value;
}

static enum dbsql_result run_feeds_all(struct dbsql *d, struct db_job *job)
{
	struct revision_row b = {0, job};
	MYSQL_BIND res[1];
	enum dbsql_result rc = db_exec(d, job, 0, "");
	if(!DB_GO_ON(rc, job))
		return rc;
	db_bind_u64(&res[0], &b.value);
	rc = db_fetch(d, job, 0, res, revision_row, &b);
	if(!DB_GO_ON(rc, job))
		return rc;
	rc = db_exec(d, job, 1, "");
	if(!DB_GO_ON(rc, job))
		return rc;
	return fetch_feeds(d, job, 1);
}

/* The revision first, in the same transaction: a change committed after it is a
 * later revision, read at the next poll. */
const struct db_kind dbk_feeds_all = {"all feeds",
		{"SELECT CAST(value AS UNSIGNED) FROM server_config WHERE name = 'FeedsRevision'",
				"SELECT " FEED_COLS ", '' FROM feeds f"},
		run_feeds_all, feeds_clear, feeds_free, 0};

/* ---- DB_FEED_MATCH ---- */

struct db_job *db_feed_match(uint64_t feed_id, uint64_t msg_id)
{
	struct db_job *job = db_job_alloc(DB_FEED_MATCH, NULL, NULL);
	job->u.match.feed_id = feed_id;
	job->u.match.msg_id = msg_id;
	return job;
}

static enum dbsql_result run_feed_match(struct dbsql *d, struct db_job *job)
{
	return db_exec(d, job, 0, "uu", job->u.match.feed_id, job->u.match.msg_id);
}

/* IGNORE: the feed removed meanwhile (foreign key) or the match stored already. */
const struct db_kind dbk_feed_match = {"feed match",
		{"INSERT IGNORE INTO feed_matches (feed_id, message_id) VALUES (?, ?)"},
		run_feed_match, db_job_noop, db_job_noop, 0};

/* ---- DB_FEED_ALERTS ---- */

struct db_job *db_feed_alerts(const char *user, unsigned limit, db_done_fn done, void *arg)
{
	struct db_job *job = db_job_alloc(DB_FEED_ALERTS, done, arg);
	job->u.alerts.user = xstrdup(user);
	job->u.alerts.limit = limit;
	return job;
}

struct alert_rows {
	struct db_col author, body, uri;
	MYSQL_TIME posted;
	uint64_t id, feed_id, room_id;
	struct db_job *job;
	size_t cap;
};

static void alert_row(MYSQL_STMT *st, void *ctx)
{
	struct alert_rows *b = ctx;
	struct db_msg *m;
	size_t n = b->job->u.alerts.nmsgs, cap = b->cap;
	b->job->u.alerts.msgs = db_grow(b->job->u.alerts.msgs, &b->job->u.alerts.nmsgs, &b->cap,
			sizeof(*m), (void **)&m);
	if(b->cap != cap)
		b->job->u.alerts.feed_ids = xrealloc(
				b->job->u.alerts.feed_ids, b->cap * sizeof(uint64_t));
	b->job->u.alerts.feed_ids[n] = b->feed_id;
	m->id = b->id;
	m->author = db_col_str(st, &b->author, 2, NULL);
	m->body = db_col_str(st, &b->body, 4, &m->body_len);
	m->chan_uri = db_col_str(st, &b->uri, 5, NULL);
	m->room_id = b->room_id;
	db_time_to_ts(&b->posted, m->ts);
}

static enum dbsql_result run_feed_alerts(struct dbsql *d, struct db_job *job)
{
	struct alert_rows b;
	MYSQL_BIND res[7];
	enum dbsql_result rc = db_exec(d, job, 0, "si", job->u.alerts.user, job->u.alerts.limit);
	if(!DB_GO_ON(rc, job))
		return rc;
	memset(&b, 0, sizeof(b));
	b.job = job;
	db_bind_u64(&res[0], &b.feed_id);
	db_bind_u64(&res[1], &b.id);
	db_bind_col(&res[2], &b.author);
	db_bind_time(&res[3], &b.posted);
	db_bind_col(&res[4], &b.body);
	db_bind_col(&res[5], &b.uri);
	db_bind_u64(&res[6], &b.room_id);
	return db_fetch(d, job, 0, res, alert_row, &b);
}

static void alerts_clear(struct db_job *job)
{
	db_msgs_clear(&job->u.alerts.msgs, &job->u.alerts.nmsgs);
	free(job->u.alerts.feed_ids);
	job->u.alerts.feed_ids = NULL;
}

static void alerts_free(struct db_job *job)
{
	free(job->u.alerts.user);
}

const struct db_kind dbk_feed_alerts = {"feed alerts",
		{"SELECT fm.feed_id, m.id, m.author, m.posted_at, m.body,"
		 " CONCAT('ma-chan://', r.domain, '/', r.chan_id), m.room_id"
		 " FROM feeds f JOIN feed_matches fm ON fm.feed_id = f.id"
		 " JOIN messages m ON m.id = fm.message_id JOIN rooms r ON r.id = m.room_id"
		 " WHERE f.user_uri = ? AND" PCHAT_RETAINED("m.posted_at",
				 "r.keep_sec") " ORDER BY m.id DESC, fm.feed_id LIMIT ?"},
		run_feed_alerts, alerts_clear, alerts_free, 0};
