/*
 * dbj_search.c - DB_MSG_SEARCH: the messages of the given rooms that match a search
 * (cmd:search), newest first.  The engine's condition and the expression it takes
 * come from common/pchat_search.h, so that replacing the engine does not touch this
 * file's paging, filters and access (the rooms the caller may read are passed in).
 *
 * A reader kind (db.h): run by the reader, beside the writer, so that a slow search
 * (a common word in many rooms) holds no post.  A pure read, and one that no write
 * has to precede: a post answered 200 is committed, so any search started after
 * that 200 finds it; one in flight meanwhile may or may not, as with any search
 * racing a post.
 */
#include "config.h"
#include "dbkind.h"
#include "pchat_retention.h"
#include "pchat_search.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* What an absent bound stands for (DATETIME's range; ids are below 2^64 - 1). */
#define SINCE_ANY "1000-01-01 00:00:00.000"
#define UNTIL_ANY "9999-12-31 23:59:59.999"

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

struct db_job *db_msg_search(const char *expr, const char *rooms, const char *author,
		const char *since, const char *until, uint64_t before_id, unsigned limit,
		db_done_fn done, void *arg)
{
	struct db_job *job = db_job_alloc(DB_MSG_SEARCH, done, arg);
	job->u.msg_search.expr = xstrdup(expr);
	job->u.msg_search.rooms = xstrdup(rooms);
	job->u.msg_search.author = dup_or_null(author);
	job->u.msg_search.since = dup_or_null(since);
	job->u.msg_search.until = dup_or_null(until);
	job->u.msg_search.before_id = before_id;
	job->u.msg_search.limit = limit;
	return job;
}

struct hit_rows {
	struct db_col author, body, uri;
	MYSQL_TIME posted;
	uint64_t id;
	struct db_job *job;
	size_t cap;
};

static void hit_row(MYSQL_STMT *st, void *ctx)
{
	struct hit_rows *b = ctx;
	struct db_msg *m;
	b->job->u.msg_search.msgs = db_grow(b->job->u.msg_search.msgs, &b->job->u.msg_search.nmsgs,
			&b->cap, sizeof(*m), (void **)&m);
	m->id = b->id;
	m->author = db_col_str(st, &b->author, 1, NULL);
	m->body = db_col_str(st, &b->body, 3, &m->body_len);
	m->chan_uri = db_col_str(st, &b->uri, 4, NULL);
	db_time_to_ts(&b->posted, m->ts);
}

/* --test-search-delay-ms (tests only): every search that found its rows takes that
 * much longer, as a slow one would (tests/e2e/e2e_search.c shows posts are not held
 * behind it).  Within the job, so that it occupies the worker as a slow query does. */
static void test_delay(void)
{
	unsigned ms = cfg.test_search_delay_ms;
	struct timespec t = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
	while(ms > 0 && nanosleep(&t, &t) < 0 && errno == EINTR)
		;
}

static enum dbsql_result run_msg_search(struct dbsql *d, struct db_job *job)
{
	const char *since = job->u.msg_search.since, *until = job->u.msg_search.until;
	uint64_t before = job->u.msg_search.before_id ? job->u.msg_search.before_id : UINT64_MAX;
	struct hit_rows b;
	MYSQL_BIND res[5];
	enum dbsql_result rc;

	memset(&b, 0, sizeof(b));
	b.job = job;
	rc = db_exec(d, job, 0, "ssssssui", job->u.msg_search.expr, job->u.msg_search.rooms,
			job->u.msg_search.author, job->u.msg_search.author,
			since ? since : SINCE_ANY, until ? until : UNTIL_ANY, before,
			job->u.msg_search.limit);
	if(!DB_GO_ON(rc, job))
		return rc;
	db_bind_u64(&res[0], &b.id);
	db_bind_col(&res[1], &b.author);
	db_bind_time(&res[2], &b.posted);
	db_bind_col(&res[3], &b.body);
	db_bind_col(&res[4], &b.uri);
	rc = db_fetch(d, job, 0, res, hit_row, &b);
	if(DB_GO_ON(rc, job))
		test_delay();
	return rc;
}

static void msg_search_clear(struct db_job *job)
{
	db_msgs_clear(&job->u.msg_search.msgs, &job->u.msg_search.nmsgs);
}

static void msg_search_free(struct db_job *job)
{
	free(job->u.msg_search.expr);
	free(job->u.msg_search.rooms);
	free(job->u.msg_search.author);
	free(job->u.msg_search.since);
	free(job->u.msg_search.until);
}

/* The rooms are a list of ids (FIND_IN_SET): the engine's index picks the matches,
 * this filters them by room, author, time, retention (expired messages are hidden
 * before the purge job deletes them) and page. */
const struct db_kind dbk_msg_search = {"message search",
		{"SELECT m.id, m.author, m.posted_at, m.body,"
		 " CONCAT('ma-chan://', r.domain, '/', r.chan_id)"
		 " FROM messages m JOIN rooms r ON r.id = m.room_id"
		 " WHERE " PCHAT_SEARCH_MATCH " AND FIND_IN_SET(m.room_id, ?) > 0"
		 " AND (? IS NULL OR LOWER(m.author) = ?)"
		 " AND m.posted_at >= ? AND m.posted_at < ? AND m.id < ? AND" PCHAT_RETAINED(
				 "m.posted_at", "r.keep_sec") " ORDER BY m.id DESC LIMIT ?"},
		run_msg_search, msg_search_clear, msg_search_free, DBK_READER};
