/*
 * dbj_search.c - DB_MSG_SEARCH: the messages that match a search (cmd:search), newest
 * first, through the engine of common/pchat_search.h: this file gives it its two
 * statements (a key's window, a round's candidates joined to messages with the
 * search's filters) and keeps the rows whose text matches.  Who may read which room
 * is not decided here: each row carries its room's URI and pchatd's event loop keeps
 * the rows of rooms the user may read (cmd_search.c), asking again from job.next
 * when too few are left.
 *
 * A reader kind (db.h): run by the reader, beside the writer, so that a slow search
 * holds no post.  A pure read, and one that no write has to precede: a post answered
 * 200 is committed, and queued for the index in the same transaction (migration
 * 014), so any search started after that 200 finds it.
 */
#include "config.h"
#include "dbkind.h"
#include "pchat_retention.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* What an absent bound stands for (DATETIME's range). */
#define SINCE_ANY "1000-01-01 00:00:00.000"
#define UNTIL_ANY "9999-12-31 23:59:59.999"

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

struct db_job *db_msg_search(const struct pchat_search_query *q, uint64_t room_id,
		const char *author, const char *since, const char *until, uint64_t before_id,
		unsigned want, db_done_fn done, void *arg)
{
	struct db_job *job = db_job_alloc(DB_MSG_SEARCH, done, arg);
	job->u.msg_search.query = xmalloc(sizeof(*q));
	memcpy(job->u.msg_search.query, q, sizeof(*q));
	job->u.msg_search.room_id = room_id;
	job->u.msg_search.author = dup_or_null(author);
	job->u.msg_search.since = dup_or_null(since);
	job->u.msg_search.until = dup_or_null(until);
	job->u.msg_search.before_id = before_id;
	job->u.msg_search.want = want;
	return job;
}

enum { SEARCH_WINDOW, SEARCH_ROWS }; /* its statements */

/* A search in progress: the job, its connection and the last statement's result. */
struct run {
	struct dbsql *d;
	struct db_job *job;
	enum dbsql_result rc;
	/* a fetched row */
	struct db_col author, body, uri;
	MYSQL_TIME posted;
	uint64_t id, room_id, count, lowest;
	size_t cap;
	long kept;
};

static void window_row(MYSQL_STMT *st, void *ctx)
{
	(void)st;
	(void)ctx; /* the bound columns are the row */
}

static int window(void *ctx, const char *key, unsigned long long before, unsigned limit,
		unsigned long long *count, unsigned long long *lowest)
{
	struct run *r = ctx;
	MYSQL_BIND res[2];
	r->rc = db_exec(r->d, r->job, SEARCH_WINDOW, "sui", key, (uint64_t)before, limit);
	if(!DB_GO_ON(r->rc, r->job))
		return -1;
	db_bind_u64(&res[0], &r->count);
	db_bind_u64(&res[1], &r->lowest);
	r->count = r->lowest = 0;
	r->rc = db_fetch(r->d, r->job, SEARCH_WINDOW, res, window_row, NULL);
	*count = r->count;
	*lowest = r->lowest;
	return DB_GO_ON(r->rc, r->job) ? 0 : -1;
}

/* A candidate: kept if its text matches. */
static void candidate(MYSQL_STMT *st, void *ctx)
{
	struct run *r = ctx;
	struct db_job *job = r->job;
	struct db_msg *m;
	size_t len;
	char *body = db_col_str(st, &r->body, 3, &len);
	if(!pchat_search_match(job->u.msg_search.query, body, len)) {
		free(body);
		return;
	}
	job->u.msg_search.msgs = db_grow(job->u.msg_search.msgs, &job->u.msg_search.nmsgs, &r->cap,
			sizeof(*m), (void **)&m);
	m->id = r->id;
	m->author = db_col_str(st, &r->author, 1, NULL);
	m->body = body;
	m->body_len = len;
	m->chan_uri = db_col_str(st, &r->uri, 4, NULL);
	m->room_id = r->room_id;
	db_time_to_ts(&r->posted, m->ts);
	r->kept++;
}

static long candidates(
		void *ctx, const char *key, unsigned long long from, unsigned long long before)
{
	struct run *r = ctx;
	struct db_job *job = r->job;
	const char *since = job->u.msg_search.since, *until = job->u.msg_search.until;
	MYSQL_BIND res[6];
	r->rc = db_exec(r->d, job, SEARCH_ROWS, "suuuuuussss", key, (uint64_t)from,
			(uint64_t)before, (uint64_t)from, (uint64_t)before,
			job->u.msg_search.room_id, job->u.msg_search.room_id,
			job->u.msg_search.author, job->u.msg_search.author,
			since ? since : SINCE_ANY, until ? until : UNTIL_ANY);
	if(!DB_GO_ON(r->rc, job))
		return -1;
	db_bind_u64(&res[0], &r->id);
	db_bind_col(&res[1], &r->author);
	db_bind_time(&res[2], &r->posted);
	db_bind_col(&res[3], &r->body);
	db_bind_col(&res[4], &r->uri);
	db_bind_u64(&res[5], &r->room_id);
	r->kept = 0;
	r->rc = db_fetch(r->d, job, SEARCH_ROWS, res, candidate, r);
	return DB_GO_ON(r->rc, job) ? r->kept : -1;
}

static const struct pchat_search_io search_io = {window, candidates};

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
	struct run r;
	unsigned long long next = 0;
	memset(&r, 0, sizeof(r));
	r.d = d;
	r.job = job;
	r.rc = DBSQL_OK;
	if(pchat_search_run(job->u.msg_search.query, &search_io, &r, job->u.msg_search.before_id,
			   job->u.msg_search.want, PCHAT_SEARCH_SCAN_MAX, &next) < 0)
		return r.rc;
	job->u.msg_search.next = next;
	test_delay();
	return DBSQL_OK;
}

static void msg_search_clear(struct db_job *job)
{
	db_msgs_clear(&job->u.msg_search.msgs, &job->u.msg_search.nmsgs);
	job->u.msg_search.next = 0;
}

static void msg_search_free(struct db_job *job)
{
	free(job->u.msg_search.query);
	free(job->u.msg_search.author);
	free(job->u.msg_search.since);
	free(job->u.msg_search.until);
}

/* A round's candidates (the engine's derived table c) joined to their messages and
 * rooms, filtered by room (0: any), author, time and retention (expired messages are
 * hidden before the purge job deletes them), newest first. */
const struct db_kind dbk_msg_search = {"message search",
		{[SEARCH_WINDOW] = PCHAT_SEARCH_WINDOW,
				[SEARCH_ROWS] = "SELECT m.id, m.author, m.posted_at, m.body,"
						" CONCAT('ma-chan://', r.domain, '/', r.chan_id),"
						" m.room_id FROM " PCHAT_SEARCH_CANDIDATES
						" JOIN messages m ON m.id = c.id"
						" JOIN rooms r ON r.id = m.room_id"
						" WHERE (? = 0 OR m.room_id = ?)"
						" AND (? IS NULL OR LOWER(m.author) = ?)"
						" AND m.posted_at >= ? AND m.posted_at < ?"
						" AND" PCHAT_RETAINED("m.posted_at",
								"r.keep_sec") " ORDER BY m.id DESC"},
		run_msg_search, msg_search_clear, msg_search_free, DBK_READER};
