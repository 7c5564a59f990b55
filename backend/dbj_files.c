/*
 * dbj_files.c - database jobs of the file store (sql/migrations/009_files.sql):
 * issuing a file-transfer token.  Each kind: its constructor (db.h), its SQL, how
 * it runs (dbkind.h).
 */
#include "dbkind.h"
#include "pchat_filetoken.h"
#include "util.h"

#include <stdlib.h>

/* ---- DB_FILE_TOKEN: a one-time token for an upload or a download ---- */

struct db_job *db_file_token(const char *token, int upload, const char *user, uint64_t room_id,
		const char *file_name, const struct timespec *issued_at, unsigned ttl_sec,
		db_done_fn done, void *arg)
{
	struct db_job *job = db_job_alloc(DB_FILE_TOKEN, done, arg);
	job->u.ftok.token = xstrdup(token);
	job->u.ftok.upload = upload;
	job->u.ftok.user = xstrdup(user);
	job->u.ftok.room_id = room_id;
	job->u.ftok.file_name = xstrdup(file_name);
	job->u.ftok.issued_at = *issued_at;
	job->u.ftok.expires_at = *issued_at;
	job->u.ftok.expires_at.tv_sec += ttl_sec;
	return job;
}

enum { FTOK_UPLOAD, FTOK_DOWNLOAD };

/* A download token names the files row it may fetch; the INSERT ... SELECT (shared
 * with the admin library's file.download_token) inserts nothing when the room has no
 * stored, posted file of that name. */
static enum dbsql_result run_file_token(struct dbsql *d, struct db_job *job)
{
	const struct timespec *iat = &job->u.ftok.issued_at, *exp = &job->u.ftok.expires_at;
	enum dbsql_result rc;
	if(job->u.ftok.upload)
		return db_exec(d, job, FTOK_UPLOAD, "ssustt", job->u.ftok.token, job->u.ftok.user,
				job->u.ftok.room_id, job->u.ftok.file_name, iat, exp);
	rc = db_exec(d, job, FTOK_DOWNLOAD, "sssttus", job->u.ftok.token, job->u.ftok.user,
			job->u.ftok.file_name, iat, exp, job->u.ftok.room_id,
			job->u.ftok.file_name);
	if(DB_GO_ON(rc, job) && mysql_stmt_affected_rows(db_stmt(d, job, FTOK_DOWNLOAD)) == 0)
		job->status = DB_NOT_FOUND;
	return rc;
}

static void file_token_free(struct db_job *job)
{
	free(job->u.ftok.token);
	free(job->u.ftok.user);
	free(job->u.ftok.file_name);
}

const struct db_kind dbk_file_token = {"file token",
		{[FTOK_UPLOAD] = "INSERT INTO file_tokens (token, direction, user_uri, room_id,"
				 " file_name, issued_at, expires_at) VALUES (?, 'upload', ?, ?, ?, ?, ?)",
				[FTOK_DOWNLOAD] = PCHAT_FTOK_DOWNLOAD_SQL},
		run_file_token, db_job_noop, file_token_free, 0};
