/*
 * dbkind.h - what a job kind is, for the files that define kinds (dbj_*.c): its
 * statements, how it runs in the worker, how its memory is freed; and the small
 * binder they use.  The loop side (handlers) never includes this: it sees db.h.
 *
 * Adding a job kind (docs/ARCHITECTURE.md, "Adding a database job"): its enum
 * value, union member and constructor in db.h; a `const struct db_kind` with its
 * SQL and run function in the dbj_*.c file of its family; one line in
 * dbkinds.c; its in-memory twin in tests/unit/fake_db.c.
 */
#ifndef PCHAT_DBKIND_H
#define PCHAT_DBKIND_H

#include <stddef.h>
#include <stdint.h>

#include <mysql.h>

#include "db.h"
#include "dbsql.h"

enum db_kind_flag {
	/* Consecutive queued jobs of this kind share one transaction (posts). */
	DBK_BATCH = 1,
	/* Run by the reader (db.h), not the writer: only for a pure read (SELECTs only,
	 * tests/unit checks it) that need not see the writes of jobs submitted before it,
	 * since the two workers run side by side (docs/ARCHITECTURE.md, "Database
	 * workers"). */
	DBK_READER = 2,
};

struct db_kind {
	const char *name; /* for log lines: "load room" */
	/* Its prepared statements, NULL after the last; run() names them by index. */
	const char *sql[DB_KIND_STMTS];
	/* Runs the job in the worker's open transaction (the caller commits, or rolls
	 * back after a permanent error).  Returns as db_exec does. */
	enum dbsql_result (*run)(struct dbsql *d, struct db_job *job);
	/* Frees the job's outputs (before a retry, and at the end), and its inputs. */
	void (*clear)(struct db_job *job);
	void (*free)(struct db_job *job);
	unsigned flags; /* enum db_kind_flag */
};

/* A kind's clear or free with nothing to do. */
void db_job_noop(struct db_job *job);

/* Every kind, by enum db_job_type (dbkinds.c). */
extern const struct db_kind *const db_kinds[DB_JOB_TYPES];

/* A new job of a kind, for its constructor. */
struct db_job *db_job_alloc(enum db_job_type type, db_done_fn done, void *arg);

/* ---- the binder (dbsql.c) ---- */

/*
 * Binds the parameters fmt describes and executes the job's statement i:
 *   's'  const char * (NUL-terminated; NULL binds SQL NULL)
 *   'b'  const char *, size_t (bytes)
 *   'u'  uint64_t                          'i'  unsigned
 *   't'  const struct timespec * (DATETIME, whole milliseconds)
 * Returns DBSQL_OK (with job->status DB_FAILED after a permanent error) or
 * DBSQL_RETRY (connection trouble).
 */
enum dbsql_result db_exec(struct dbsql *d, struct db_job *job, unsigned i, const char *fmt, ...);
/* The job's prepared statement i (for mysql_stmt_insert_id and the like). */
MYSQL_STMT *db_stmt(struct dbsql *d, const struct db_job *job, unsigned i);
/* Did db_exec (or a fetch) leave the job able to go on? */
#define DB_GO_ON(rc, job) ((rc) == DBSQL_OK && (job)->status == DB_OK)

/* A result column fetched into a small buffer; longer values are fetched again. */
struct db_col {
	char buf[256];
	unsigned long len;
	my_bool is_null;
	my_bool error;
};
void db_bind_col(MYSQL_BIND *b, struct db_col *c);
void db_bind_u64(MYSQL_BIND *b, uint64_t *v);
void db_bind_time(MYSQL_BIND *b, MYSQL_TIME *t);
/* Column idx's whole value as an allocated string (its length in *lenp if not NULL). */
char *db_col_str(MYSQL_STMT *st, struct db_col *c, unsigned idx, size_t *lenp);
/* A DATETIME as an XCCOS timestamp. */
void db_time_to_ts(const MYSQL_TIME *t, char out[TS_BUFSZ]);
/* Appends a zeroed item of size sz to the array v (n items, capacity cap); returns
 * the array and the item in *item. */
void *db_grow(void *v, size_t *n, size_t *cap, size_t sz, void **item);

/* Fetches every row of the job's statement i (executed), results bound in res,
 * calling row(ctx) for each. */
enum dbsql_result db_fetch(struct dbsql *d, struct db_job *job, unsigned i, MYSQL_BIND *res,
		void (*row)(MYSQL_STMT *st, void *ctx), void *ctx);

/* ---- room rows ---- */

/* clang-format off */
/*
 * Every query that returns rooms returns these columns first (db_fetch_rooms reads
 * them): the row, then the principal lists the access rules need (common/pchat_acl),
 * each as one space-separated string (principals hold no blanks), then the room's
 * last sequence number (migration 017).
 */
#define DB_PRINCIPALS(table, key, value, role) \
	"(SELECT GROUP_CONCAT(principal SEPARATOR ' ') FROM " table \
	" WHERE " key " = " value " AND role = '" role "')"
#define DB_ROOM_COLS \
	"r.id, r.domain, r.chan_id, r.name, r.description, r.topic, r.privacy, r.room_type," \
	" r.disabled, (SELECT chat_history FROM categories WHERE id = r.category_id)," \
	" (SELECT file_upload FROM categories WHERE id = r.category_id)," \
	" (r.invitations = 'inherit' AND (SELECT invitations FROM categories WHERE id = r.category_id)), " \
	DB_PRINCIPALS("room_principals", "room_id", "r.id", "member") ", " \
	DB_PRINCIPALS("room_principals", "room_id", "r.id", "manager") ", " \
	DB_PRINCIPALS("room_principals", "room_id", "r.id", "presenter") ", " \
	DB_PRINCIPALS("category_principals", "category_id", "r.category_id", "allowed") ", " \
	DB_PRINCIPALS("category_principals", "category_id", "r.category_id", "denied") ", " \
	" COALESCE((SELECT seq FROM room_seq WHERE room_id = r.id), 0)"
/* clang-format on */

/* What follows DB_ROOM_COLS in a room query. */
enum db_room_extra {
	DB_EXTRA_NONE,
	DB_EXTRA_UNREAD, /* u64 unread */
	DB_EXTRA_INV,	 /* u64 invitation id, inviter, created_at */
};
/* Fetches every row of a room query (the job's statement i, executed) into out. */
enum dbsql_result db_fetch_rooms(struct dbsql *d, struct db_job *job, unsigned i,
		enum db_room_extra extra, struct db_rooms *out);
/* Frees the rows of out (loop side too). */
void db_rooms_clear(struct db_rooms *out);

/* The kinds that read a user's rooms (u.user_rooms: DB_GET_INV, DB_ASSOCIATIONS;
 * dbj_rooms.c): run with what follows the room columns, clear, free. */
enum dbsql_result db_run_user_rooms(struct dbsql *d, struct db_job *job, enum db_room_extra extra);
void db_user_rooms_clear(struct db_job *job);
void db_user_rooms_free(struct db_job *job);

#endif
