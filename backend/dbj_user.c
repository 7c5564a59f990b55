/*
 * dbj_user.c - database jobs on per-user state (sql/migrations/003_user_state.sql)
 * and the server configuration: followed rooms (with unread counts), read
 * positions, preferences, server_config.
 */
#include "dbkind.h"
#include "pchat_log.h"
#include "pchat_retention.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* ---- DB_FOLLOW / DB_UNFOLLOW: the followed-room list ---- */

struct db_job *db_follow(const char *user, uint64_t room_id)
{
	struct db_job *job = db_job_alloc(DB_FOLLOW, NULL, NULL);
	job->u.follow.user = xstrdup(user);
	job->u.follow.room_id = room_id;
	return job;
}

struct db_job *db_unfollow(const char *user, const char *domain, const char *chan_id)
{
	struct db_job *job = db_job_alloc(DB_UNFOLLOW, NULL, NULL);
	job->u.follow.user = xstrdup(user);
	job->u.follow.domain = xstrdup(domain);
	job->u.follow.chan_id = xstrdup(chan_id);
	return job;
}

static enum dbsql_result run_follow(struct dbsql *d, struct db_job *job)
{
	return db_exec(d, job, 0, "su", job->u.follow.user, job->u.follow.room_id);
}

static enum dbsql_result run_unfollow(struct dbsql *d, struct db_job *job)
{
	return db_exec(d, job, 0, "sss", job->u.follow.user, job->u.follow.domain,
			job->u.follow.chan_id);
}

static void follow_free(struct db_job *job)
{
	free(job->u.follow.user);
	free(job->u.follow.domain);
	free(job->u.follow.chan_id);
}

const struct db_kind dbk_follow = {"follow room",
		{"INSERT IGNORE INTO followed_rooms (user_uri, room_id) VALUES (?, ?)"}, run_follow,
		db_job_noop, follow_free, 0};
const struct db_kind dbk_unfollow = {"unfollow room",
		{"DELETE FROM followed_rooms WHERE user_uri = ? AND room_id IN"
		 " (SELECT id FROM rooms WHERE domain = ? AND chan_id = ?)"},
		run_unfollow, db_job_noop, follow_free, 0};

/* ---- DB_ASSOCIATIONS: the rooms a user follows, with unread counts ---- */

struct db_job *db_associations(const char *user, db_done_fn done, void *arg)
{
	struct db_job *job = db_job_alloc(DB_ASSOCIATIONS, done, arg);
	job->u.user_rooms.user = xstrdup(user);
	return job;
}

static enum dbsql_result run_assoc(struct dbsql *d, struct db_job *job)
{
	return db_run_user_rooms(d, job, DB_EXTRA_UNREAD);
}

/* The unread count is an index range scan after the user's read position; expired
 * messages (past the room's retention, not purged yet) are not counted. */
const struct db_kind dbk_associations = {"associations",
		{"SELECT " DB_ROOM_COLS ","
		 "  (SELECT COUNT(*) FROM messages m WHERE m.room_id = r.id"
		 "    AND m.id > COALESCE(p.last_msgid, 0) AND" PCHAT_RETAINED("m.posted_at",
				 "r.keep_sec") ") AS unread"
					       " FROM followed_rooms f JOIN rooms r ON r.id = f.room_id"
					       " LEFT JOIN room_read_positions p ON p.user_uri = f.user_uri AND p.room_id = f.room_id"
					       " WHERE f.user_uri = ? ORDER BY r.name"},
		run_assoc, db_user_rooms_clear, db_user_rooms_free, 0};

/* ---- DB_SAVE_READ: a read position only moves forward ---- */

struct db_job *db_save_read(const char *user, uint64_t room_id, uint64_t msgid)
{
	struct db_job *job = db_job_alloc(DB_SAVE_READ, NULL, NULL);
	job->u.read.user = xstrdup(user);
	job->u.read.room_id = room_id;
	job->u.read.msgid = msgid;
	return job;
}

static enum dbsql_result run_save_read(struct dbsql *d, struct db_job *job)
{
	return db_exec(d, job, 0, "suu", job->u.read.user, job->u.read.room_id, job->u.read.msgid);
}

static void save_read_free(struct db_job *job)
{
	free(job->u.read.user);
}

const struct db_kind dbk_save_read = {"save read position",
		{"INSERT INTO room_read_positions (user_uri, room_id, last_msgid) VALUES (?, ?, ?)"
		 " ON DUPLICATE KEY UPDATE last_msgid = GREATEST(last_msgid, VALUES(last_msgid))"},
		run_save_read, db_job_noop, save_read_free, 0};

/* ---- DB_GET_PREF / DB_SET_PREF: preference blobs ---- */

struct db_job *db_get_pref(
		const char *user, const char *label, int create, db_done_fn done, void *arg)
{
	struct db_job *job = db_job_alloc(DB_GET_PREF, done, arg);
	job->u.pref.user = xstrdup(user);
	job->u.pref.label = xstrdup(label);
	job->u.pref.create = create;
	return job;
}

struct db_job *db_set_pref(const char *user, const char *label, const char *content,
		db_done_fn done, void *arg)
{
	struct db_job *job = db_job_alloc(DB_SET_PREF, done, arg);
	job->u.pref.user = xstrdup(user);
	job->u.pref.label = xstrdup(label);
	job->u.pref.content = xstrdup(content);
	return job;
}

enum { PREF_WRITE, PREF_READ }; /* the statements of both kinds */

#define SQL_PREF_READ "SELECT seqid, content FROM user_prefs WHERE user_uri = ? AND label = ?"

struct pref_rows {
	struct db_col content;
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
	b->job->u.pref.out = db_col_str(st, &b->content, 1, NULL);
}

/* Reads (user, label) into seqid/out; status NOT_FOUND if absent. */
static enum dbsql_result read_pref(struct dbsql *d, struct db_job *job)
{
	struct pref_rows b;
	MYSQL_BIND res[2];
	enum dbsql_result rc = db_exec(
			d, job, PREF_READ, "ss", job->u.pref.user, job->u.pref.label);
	if(!DB_GO_ON(rc, job))
		return rc;
	memset(&b, 0, sizeof(b));
	b.job = job;
	db_bind_u64(&res[0], &b.seqid);
	db_bind_col(&res[1], &b.content);
	rc = db_fetch(d, job, PREF_READ, res, pref_row, &b);
	if(DB_GO_ON(rc, job) && !b.found)
		job->status = DB_NOT_FOUND;
	return rc;
}

static enum dbsql_result run_get_pref(struct dbsql *d, struct db_job *job)
{
	enum dbsql_result rc = DBSQL_OK;
	if(job->u.pref.create)
		rc = db_exec(d, job, PREF_WRITE, "ss", job->u.pref.user, job->u.pref.label);
	return DB_GO_ON(rc, job) ? read_pref(d, job) : rc;
}

static enum dbsql_result run_set_pref(struct dbsql *d, struct db_job *job)
{
	enum dbsql_result rc = db_exec(d, job, PREF_WRITE, "sss", job->u.pref.user,
			job->u.pref.label, job->u.pref.content);
	return DB_GO_ON(rc, job) ? read_pref(d, job) : rc;
}

static void pref_clear(struct db_job *job)
{
	free(job->u.pref.out);
	job->u.pref.out = NULL;
	job->u.pref.seqid = 0;
}

static void pref_free(struct db_job *job)
{
	free(job->u.pref.user);
	free(job->u.pref.label);
	free(job->u.pref.content);
}

const struct db_kind dbk_get_pref = {"get pref",
		{[PREF_WRITE] = "INSERT IGNORE INTO user_prefs (user_uri, label, seqid, content)"
				" VALUES (?, ?, 1, '')",
				[PREF_READ] = SQL_PREF_READ},
		run_get_pref, pref_clear, pref_free, 0};
const struct db_kind dbk_set_pref = {"set pref",
		{[PREF_WRITE] = "INSERT INTO user_prefs (user_uri, label, seqid, content)"
				" VALUES (?, ?, 1, ?)"
				" ON DUPLICATE KEY UPDATE seqid = seqid + 1, content = VALUES(content)",
				[PREF_READ] = SQL_PREF_READ},
		run_set_pref, pref_clear, pref_free, 0};

/* ---- DB_SERVER_CONFIG: server_config, polled every second ---- */

struct db_job *db_server_config(db_done_fn done, void *arg)
{
	return db_job_alloc(DB_SERVER_CONFIG, done, arg);
}

/* The names of enum db_conf_key's rows. */
static const char *const conf_names[DB_CONF_N] = {"DefaultChatHistory", "ParticipantUpdateLimit",
		"MessageSizeLimit", "SearchLimit", "revision", "FeedsRevision"};

struct config_rows {
	struct db_col name, value;
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
	char *v = db_col_str(st, &b->value, 1, NULL);
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
	rc = db_exec(d, job, 0, "");
	if(!DB_GO_ON(rc, job))
		return rc;
	memset(&b, 0, sizeof(b));
	b.job = job;
	db_bind_col(&res[0], &b.name);
	db_bind_col(&res[1], &b.value);
	return db_fetch(d, job, 0, res, config_row, &b);
}

static void config_clear(struct db_job *job)
{
	free(job->u.config.db_version);
	free(job->u.config.root_id);
	job->u.config.db_version = job->u.config.root_id = NULL;
}

/* A handful of rows by primary key. */
const struct db_kind dbk_server_config = {"server config",
		{"SELECT name, value FROM server_config WHERE name IN ('db_version', 'root_category',"
		 " 'DefaultChatHistory', 'ParticipantUpdateLimit', 'MessageSizeLimit', 'SearchLimit',"
		 " 'revision', 'FeedsRevision')"},
		run_server_config, config_clear, db_job_noop, 0};
