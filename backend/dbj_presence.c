/*
 * dbj_presence.c - database jobs on session_rooms, the room presence of live
 * sessions that a restart of pchatd restores (sql/migrations/004_session_rooms.sql).
 */
#include "config.h"
#include "dbkind.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static void presence_clear(struct db_job *job)
{
	db_rooms_clear(&job->u.presence.out);
}

static void presence_free(struct db_job *job)
{
	free(job->u.presence.user);
	free(job->u.presence.epid);
	free(job->u.presence.rooms);
}

/* ---- DB_SESSION_ROOM_ADD / DB_SESSION_ROOM_DEL: a session is in a room, or left it ---- */

struct db_job *db_session_room(
		uint64_t session_id, uint64_t room_id, const char *user, const char *epid, int in)
{
	struct db_job *job = db_job_alloc(
			in ? DB_SESSION_ROOM_ADD : DB_SESSION_ROOM_DEL, NULL, NULL);
	job->u.presence.session_id = session_id;
	job->u.presence.room_id = room_id;
	job->u.presence.user = xstrdup(user);
	job->u.presence.epid = xstrdup(epid ? epid : "");
	return job;
}

/* The row names this pchatd's incarnation in a pool (cfg.pool_node; '' on one node)
 * and the session's endpoint (a pool's carry-over). */
static enum dbsql_result run_add(struct dbsql *d, struct db_job *job)
{
	return db_exec(d, job, 0, "uusss", job->u.presence.session_id, job->u.presence.room_id,
			job->u.presence.user, cfg.pool_node, job->u.presence.epid);
}

static enum dbsql_result run_del(struct dbsql *d, struct db_job *job)
{
	return db_exec(d, job, 0, "uu", job->u.presence.session_id, job->u.presence.room_id);
}

const struct db_kind dbk_session_room_add = {"store session room",
		{"INSERT IGNORE INTO session_rooms (session_id, room_id, user_uri, node, epid)"
		 " VALUES (?, ?, ?, ?, ?)"},
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

struct db_job *db_session_rooms(
		uint64_t session_id, const char *user, const char *epid, db_done_fn done, void *arg)
{
	struct db_job *job = db_job_alloc(DB_SESSION_ROOMS, done, arg);
	job->u.presence.session_id = session_id;
	job->u.presence.user = xstrdup(user);
	job->u.presence.epid = xstrdup(epid ? epid : "");
	return job;
}

enum { ROOMS_STALE, ROOMS_MINE, ROOMS_LIST, ROOMS_TAKE, ROOMS_DROP }; /* its statements */

/* Rows another user left on this session id are deleted first: they are not
 * this user's to restore.  The rest become this incarnation's (a pool's presence:
 * the pchatd that stored them is gone).  In a pool, the rows of the same user's and
 * endpoint's sessions on other nodes are read with the last post number their node
 * sent (node_rooms), then become this session's (a row of a room it has already is
 * dropped). */
static enum dbsql_result run_rooms(struct dbsql *d, struct db_job *job)
{
	uint64_t sid = job->u.presence.session_id;
	const char *user = job->u.presence.user, *ep = job->u.presence.epid, *me = cfg.pool_node;
	int take = me[0] != '\0' && ep[0] != '\0';
	enum dbsql_result rc = db_exec(d, job, ROOMS_STALE, "us", sid, user);
	if(DB_GO_ON(rc, job))
		rc = db_exec(d, job, ROOMS_MINE, "su", me, sid);
	if(DB_GO_ON(rc, job))
		rc = db_exec(d, job, ROOMS_LIST, "usussss", sid, user, sid, me, ep, ep, me);
	if(DB_GO_ON(rc, job))
		rc = db_fetch_rooms(d, job, ROOMS_LIST, DB_EXTRA_FROM_SEQ, &job->u.presence.out);
	if(take && DB_GO_ON(rc, job))
		rc = db_exec(d, job, ROOMS_TAKE, "ussss", sid, me, user, ep, me);
	if(take && DB_GO_ON(rc, job))
		rc = db_exec(d, job, ROOMS_DROP, "sss", user, ep, me);
	return rc;
}

/* Rows of the same user's sessions of endpoint epid on other nodes (a pool). */
#define OTHER_NODES_ROWS "user_uri = ? AND epid = ? AND node <> ? AND node <> ''"

const struct db_kind dbk_session_rooms = {"list session rooms",
		{[ROOMS_STALE] = "DELETE FROM session_rooms WHERE session_id = ? AND user_uri <> ?",
				[ROOMS_MINE] = "UPDATE session_rooms SET node = ? WHERE session_id = ?",
				/* from_seq + 1 for a row taken over (0: the session's own);
				 * without the other node's figure, its room's head: nothing
				 * is resent */
				[ROOMS_LIST] = "SELECT " DB_ROOM_COLS ", IF(s.session_id = ?, 0,"
					       " 1 + COALESCE(nr.seq_done, (SELECT seq FROM room_seq"
					       " WHERE room_id = r.id), 0))"
					       " FROM session_rooms s JOIN rooms r ON r.id = s.room_id"
					       " LEFT JOIN node_rooms nr ON nr.node_id = s.node"
					       " AND nr.room_id = s.room_id WHERE s.user_uri = ? AND"
					       " (s.session_id = ? OR (? <> '' AND ? <> '' AND s.epid = ?"
					       " AND s.node <> ? AND s.node <> ''))"
					       " ORDER BY s.joined_at, r.id",
				/* concatenations with a macro, not missing commas */
				/* NOLINTBEGIN(bugprone-suspicious-missing-comma) */
				[ROOMS_TAKE] = "UPDATE IGNORE session_rooms SET session_id = ?,"
					       " node = ? WHERE " OTHER_NODES_ROWS,
				[ROOMS_DROP] = "DELETE FROM session_rooms WHERE " OTHER_NODES_ROWS},
		/* NOLINTEND(bugprone-suspicious-missing-comma) */
		run_rooms, presence_clear, presence_free, 0};

/* ---- DB_POOL_BEAT: this node is alive (a pool) ---- */

struct db_job *db_pool_beat(int sweep)
{
	struct db_job *job = db_job_alloc(DB_POOL_BEAT, NULL, NULL);
	job->u.pool.sweep = sweep;
	return job;
}

enum { BEAT, SWEEP_ROWS, SWEEP_SENT, SWEEP_NODES }; /* its statements */

/* How long a node may be silent before its sessions' rows are deleted. */
#define DEAD_NODE_SEC 120

static enum dbsql_result run_beat(struct dbsql *d, struct db_job *job)
{
	enum dbsql_result rc = db_exec(d, job, BEAT, "s", cfg.pool_node);
	if(!job->u.pool.sweep || !DB_GO_ON(rc, job))
		return rc;
	rc = db_exec(d, job, SWEEP_ROWS, "i", DEAD_NODE_SEC);
	if(DB_GO_ON(rc, job))
		rc = db_exec(d, job, SWEEP_SENT, "i", DEAD_NODE_SEC);
	if(DB_GO_ON(rc, job))
		rc = db_exec(d, job, SWEEP_NODES, "i", DEAD_NODE_SEC);
	return rc;
}

const struct db_kind dbk_pool_beat = {"pool heartbeat",
		{[BEAT] = "INSERT INTO pool_nodes (node_id, started_at, heartbeat)"
			  " VALUES (?, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))"
			  " ON DUPLICATE KEY UPDATE heartbeat = UTC_TIMESTAMP(3)",
				[SWEEP_ROWS] = "DELETE s FROM session_rooms s JOIN pool_nodes n"
					       " ON n.node_id = s.node WHERE n.heartbeat <"
					       " UTC_TIMESTAMP(3) - INTERVAL ? SECOND",
				[SWEEP_SENT] = "DELETE nr FROM node_rooms nr JOIN pool_nodes n"
					       " ON n.node_id = nr.node_id WHERE n.heartbeat <"
					       " UTC_TIMESTAMP(3) - INTERVAL ? SECOND",
				[SWEEP_NODES] = "DELETE FROM pool_nodes WHERE heartbeat <"
						" UTC_TIMESTAMP(3) - INTERVAL ? SECOND"},
		run_beat, db_job_noop, db_job_noop, 0};

/* ---- DB_ROSTERS: who is present through other nodes (a pool) ---- */

struct db_job *db_rosters(uint64_t room_id, unsigned fresh_sec, db_done_fn done, void *arg)
{
	struct db_job *job = db_job_alloc(DB_ROSTERS, done, arg);
	job->u.pool.room_id = room_id;
	job->u.pool.fresh_sec = fresh_sec;
	return job;
}

enum { ROSTER_ALL, ROSTER_ONE }; /* its statements */

struct roster_rows {
	uint64_t room_id, sessions;
	struct db_col user;
	struct db_job *job;
	size_t cap;
};

static void roster_row(MYSQL_STMT *st, void *ctx)
{
	struct roster_rows *b = ctx;
	struct db_roster_row *r;
	b->job->u.pool.v = db_grow(
			b->job->u.pool.v, &b->job->u.pool.n, &b->cap, sizeof(*r), (void **)&r);
	r->room_id = b->room_id;
	r->user = db_col_str(st, &b->user, 1, NULL);
	r->sessions = (unsigned)b->sessions;
}

static enum dbsql_result run_rosters(struct dbsql *d, struct db_job *job)
{
	unsigned st = job->u.pool.room_id ? ROSTER_ONE : ROSTER_ALL;
	struct roster_rows b;
	MYSQL_BIND res[3];
	enum dbsql_result rc = st == ROSTER_ONE
			? db_exec(d, job, st, "siu", cfg.pool_node, job->u.pool.fresh_sec,
					  job->u.pool.room_id)
			: db_exec(d, job, st, "si", cfg.pool_node, job->u.pool.fresh_sec);
	if(!DB_GO_ON(rc, job))
		return rc;
	memset(&b, 0, sizeof(b));
	b.job = job;
	db_bind_u64(&res[0], &b.room_id);
	db_bind_col(&res[1], &b.user);
	db_bind_u64(&res[2], &b.sessions);
	return db_fetch(d, job, st, res, roster_row, &b);
}

static void rosters_clear(struct db_job *job)
{
	for(size_t i = 0; i < job->u.pool.n; i++)
		free(job->u.pool.v[i].user);
	free(job->u.pool.v);
	job->u.pool.v = NULL;
	job->u.pool.n = 0;
}

/* The rows of live other nodes' sessions, by room. */
#define ROSTER_SQL(where)                                                               \
	"SELECT s.room_id, s.user_uri, COUNT(*) FROM session_rooms s"                   \
	" JOIN pool_nodes n ON n.node_id = s.node WHERE s.node <> ? AND n.heartbeat >"  \
	" UTC_TIMESTAMP(3) - INTERVAL ? SECOND" where " GROUP BY s.room_id, s.user_uri" \
	" ORDER BY s.room_id"

const struct db_kind dbk_rosters = {"pool rosters",
		{[ROSTER_ALL] = ROSTER_SQL(""), [ROSTER_ONE] = ROSTER_SQL(" AND s.room_id = ?")},
		run_rosters, rosters_clear, db_job_noop, DBK_READER};

/* ---- DB_NODE_ROOMS: the last post number this pool node sent, per room ---- */

struct db_job *db_node_rooms(struct db_room_head *v, size_t n)
{
	struct db_job *job = db_job_alloc(DB_NODE_ROOMS, NULL, NULL);
	job->u.node_rooms.v = v;
	job->u.node_rooms.n = n;
	return job;
}

static enum dbsql_result run_node_rooms(struct dbsql *d, struct db_job *job)
{
	enum dbsql_result rc = DBSQL_OK;
	for(size_t i = 0; i < job->u.node_rooms.n && DB_GO_ON(rc, job); i++)
		rc = db_exec(d, job, 0, "suu", cfg.pool_node, job->u.node_rooms.v[i].room_id,
				job->u.node_rooms.v[i].seq);
	return rc;
}

static void node_rooms_free(struct db_job *job)
{
	free(job->u.node_rooms.v);
}

const struct db_kind dbk_node_rooms = {"pool node rooms",
		{"INSERT INTO node_rooms (node_id, room_id, seq_done) VALUES (?, ?, ?)"
		 " ON DUPLICATE KEY UPDATE seq_done = VALUES(seq_done)"},
		run_node_rooms, db_job_noop, node_rooms_free, 0};
