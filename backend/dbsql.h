/*
 * dbsql.h - the SQL side of the DB worker: one MariaDB connection, its prepared
 * statements (one enum-indexed table in dbsql.c) and, per job kind, the function
 * that runs it.  Only the worker thread calls these.
 */
#ifndef PCHAT_DBSQL_H
#define PCHAT_DBSQL_H

#include <stddef.h>

#include <mysql.h>

struct config;
struct db_job;

/* Every statement pchatd prepares; stmt_def[] in dbsql.c has their SQL. */
enum dbsql_stmt {
	ST_LOAD_ROOM,
	ST_INSERT_MSG,
	ST_HISTORY,
	ST_HISTORY_BEFORE,
	ST_SEARCH,
	ST_FOLLOW,
	ST_UNFOLLOW,
	ST_ASSOC,
	ST_SERVER_CONFIG,
	ST_GET_PREF,
	ST_CREATE_PREF,
	ST_SET_PREF,
	ST_SAVE_READ,
	ST_SROOM_ADD,
	ST_SROOM_DEL,
	ST_SROOM_CLEAR,
	ST_SROOM_LIST,
	ST_SROOM_STALE,
	ST_ROOMS_ALL,
	ST_GET_INV,
	ST_CATEGORIES,
	ST_COUNT
};

struct dbsql {
	MYSQL *my; /* NULL when not connected */
	MYSQL_STMT *st[ST_COUNT];
	int failures; /* connection attempts failed in a row, to log less */
};

enum dbsql_result {
	DBSQL_OK = 0,	 /* done; each job's status says how it went */
	DBSQL_RETRY = 1, /* connection trouble: reconnect and run the same jobs again */
};

/* A new connection to the configured database with pchatd's settings (timeouts,
 * utf8mb4, no automatic reconnect: prepared statements die with a connection, so
 * callers reconnect themselves); NULL with the reason in err.  Used by the DB worker
 * and by the admin worker (adminq.c). */
MYSQL *dbsql_open(const struct config *c, unsigned io_timeout, char *err, size_t errlen);

void dbsql_init(struct dbsql *d);
/* Connects and prepares the statements; returns 0 or -1 (logged). */
int dbsql_connect(struct dbsql *d, const struct config *c);
void dbsql_close(struct dbsql *d);

/* Runs one job that is not an insert. */
enum dbsql_result dbsql_run(struct dbsql *d, struct db_job *job);
/* Runs n inserts in one transaction. */
enum dbsql_result dbsql_insert_batch(struct dbsql *d, struct db_job **jobs, size_t n);

#endif
