/*
 * dbj_presence.c - database jobs on session_rooms, the room presence of live
 * sessions that a restart of pchatd restores (sql/migrations/004_session_rooms.sql).
 */
#include "dbkind.h"
#include "util.h"

#include <stdlib.h>

static void presence_clear(struct db_job *job)
{
	db_rooms_clear(&job->u.presence.out);
}

static void presence_free(struct db_job *job)
{
	free(job->u.presence.user);
}

/* ---- DB_SESSION_ROOM_ADD / DB_SESSION_ROOM_DEL: a session is in a room, or left it ---- */

struct db_job *db_session_room(uint64_t session_id, uint64_t room_id, const char *user, int in)
{
	struct db_job *job = db_job_alloc(
			in ? DB_SESSION_ROOM_ADD : DB_SESSION_ROOM_DEL, NULL, NULL);
	job->u.presence.session_id = session_id;
	job->u.presence.room_id = room_id;
	job->u.presence.user = xstrdup(user);
	return job;
}

static enum dbsql_result run_add(struct dbsql *d, struct db_job *job)
{
	return db_exec(d, job, 0, "uus", job->u.presence.session_id, job->u.presence.room_id,
			job->u.presence.user);
}

static enum dbsql_result run_del(struct dbsql *d, struct db_job *job)
{
	return db_exec(d, job, 0, "uu", job->u.presence.session_id, job->u.presence.room_id);
}

const struct db_kind dbk_session_room_add = {"store session room",
		{"INSERT IGNORE INTO session_rooms (session_id, room_id, user_uri) VALUES (?, ?, ?)"},
		run_add, presence_clear, presence_free, 0};
const struct db_kind dbk_session_room_del = {"forget session room",
		{"DELETE FROM session_rooms WHERE session_id = ? AND room_id = ?"}, run_del,
		presence_clear, presence_free, 0};

/* ---- DB_SESSION_CLEAR: a session ended ---- */

struct db_job *db_session_clear(uint64_t session_id)
{
	struct db_job *job = db_job_alloc(DB_SESSION_CLEAR, NULL, NULL);
	job->u.presence.session_id = session_id;
	return job;
}

static enum dbsql_result run_clear(struct dbsql *d, struct db_job *job)
{
	return db_exec(d, job, 0, "u", job->u.presence.session_id);
}

const struct db_kind dbk_session_clear = {"forget session rooms",
		{"DELETE FROM session_rooms WHERE session_id = ?"}, run_clear, presence_clear,
		presence_free, 0};

/* ---- DB_SESSION_ROOMS: the rooms to restore a session into ---- */

struct db_job *db_session_rooms(uint64_t session_id, const char *user, db_done_fn done, void *arg)
{
	struct db_job *job = db_job_alloc(DB_SESSION_ROOMS, done, arg);
	job->u.presence.session_id = session_id;
	job->u.presence.user = xstrdup(user);
	return job;
}

enum { ROOMS_STALE, ROOMS_LIST }; /* its statements */

/* Rows another user left on this session id are deleted first: they are not
 * this user's to restore. */
static enum dbsql_result run_rooms(struct dbsql *d, struct db_job *job)
{
	uint64_t sid = job->u.presence.session_id;
	const char *user = job->u.presence.user;
	enum dbsql_result rc = db_exec(d, job, ROOMS_STALE, "us", sid, user);
	if(DB_GO_ON(rc, job))
		rc = db_exec(d, job, ROOMS_LIST, "us", sid, user);
	if(DB_GO_ON(rc, job))
		rc = db_fetch_rooms(d, job, ROOMS_LIST, DB_EXTRA_NONE, &job->u.presence.out);
	return rc;
}

const struct db_kind dbk_session_rooms = {"list session rooms",
		{[ROOMS_STALE] = "DELETE FROM session_rooms WHERE session_id = ? AND user_uri <> ?",
				[ROOMS_LIST] = "SELECT " DB_ROOM_COLS
					       " FROM session_rooms s JOIN rooms r ON r.id = s.room_id"
					       " WHERE s.session_id = ? AND s.user_uri = ?"
					       " ORDER BY s.joined_at, r.id"},
		run_rooms, presence_clear, presence_free, 0};
