/*
 * dbj_changes.c - DB_MSG_CHANGES: the messages moderators removed or replaced
 * (message_changes, migration 013, written by admin/pca_messages.c in the
 * transaction of the change), after the last change pchatd has seen, for
 * backend/msgchange.c to announce to the sessions present in their rooms.
 */
#include "dbkind.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

enum { CHG_LATEST, CHG_AFTER };

struct db_job *db_msg_changes(
		uint64_t after_id, int latest, unsigned limit, db_done_fn done, void *arg)
{
	struct db_job *job = db_job_alloc(DB_MSG_CHANGES, done, arg);
	job->u.msg_changes.after_id = after_id;
	job->u.msg_changes.latest = latest;
	job->u.msg_changes.limit = limit;
	job->u.msg_changes.last_id = after_id;
	return job;
}

struct change_rows {
	struct db_col author, body, uri;
	MYSQL_TIME at;
	uint64_t id, msg_id;
	struct db_job *job;
	size_t cap;
};

static void change_row(MYSQL_STMT *st, void *ctx)
{
	struct change_rows *b = ctx;
	struct db_msg *m;
	if(b->job->u.msg_changes.latest) {
		b->job->u.msg_changes.last_id = b->id;
		return;
	}
	b->job->u.msg_changes.msgs = db_grow(b->job->u.msg_changes.msgs,
			&b->job->u.msg_changes.nmsgs, &b->cap, sizeof(*m), (void **)&m);
	b->job->u.msg_changes.last_id = b->id;
	m->id = b->msg_id;
	m->author = db_col_str(st, &b->author, 2, NULL);
	m->body = b->body.is_null ? NULL : db_col_str(st, &b->body, 4, &m->body_len);
	m->chan_uri = b->uri.is_null ? NULL : db_col_str(st, &b->uri, 5, NULL);
	db_time_to_ts(&b->at, m->ts);
}

static enum dbsql_result run_msg_changes(struct dbsql *d, struct db_job *job)
{
	int latest = job->u.msg_changes.latest;
	unsigned stmt = latest ? CHG_LATEST : CHG_AFTER;
	struct change_rows b;
	MYSQL_BIND res[6];
	enum dbsql_result rc;

	memset(&b, 0, sizeof(b));
	b.job = job;
	rc = latest ? db_exec(d, job, stmt, "")
		    : db_exec(d, job, stmt, "ui", job->u.msg_changes.after_id,
				      job->u.msg_changes.limit);
	if(!DB_GO_ON(rc, job))
		return rc;
	db_bind_u64(&res[0], &b.id);
	if(latest)
		return db_fetch(d, job, stmt, res, change_row, &b);
	db_bind_u64(&res[1], &b.msg_id);
	db_bind_col(&res[2], &b.author);
	db_bind_time(&res[3], &b.at);
	db_bind_col(&res[4], &b.body);
	db_bind_col(&res[5], &b.uri);
	return db_fetch(d, job, stmt, res, change_row, &b);
}

static void msg_changes_clear(struct db_job *job)
{
	db_msgs_clear(&job->u.msg_changes.msgs, &job->u.msg_changes.nmsgs);
	job->u.msg_changes.last_id = job->u.msg_changes.after_id;
}

/* Both by primary key (a range after the last change seen). */
const struct db_kind dbk_msg_changes = {"message changes",
		{[CHG_LATEST] = "SELECT COALESCE(MAX(id), 0) FROM message_changes",
				[CHG_AFTER] = "SELECT c.id, c.msg_id, c.author, c.changed_at,"
					      " c.body, CONCAT('ma-chan://', r.domain, '/', r.chan_id)"
					      " FROM message_changes c"
					      " LEFT JOIN rooms r ON r.id = c.room_id"
					      " WHERE c.id > ? ORDER BY c.id LIMIT ?"},
		run_msg_changes, msg_changes_clear, db_job_noop, DBK_READER};
