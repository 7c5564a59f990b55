/*
 * dbsql.h - the SQL side of the DB worker: one MariaDB connection and its
 * prepared statements.  Only the worker thread calls these.
 */
#ifndef PCHAT_DBSQL_H
#define PCHAT_DBSQL_H

#include <stddef.h>

#include <mysql.h>

struct config;
struct db_job;

struct dbsql {
	MYSQL *my; /* NULL when not connected */
	MYSQL_STMT *load;
	MYSQL_STMT *insert;
	MYSQL_STMT *history;
	MYSQL_STMT *search;
	MYSQL_STMT *history_before;
	MYSQL_STMT *follow;
	MYSQL_STMT *unfollow;
	MYSQL_STMT *assoc;
	MYSQL_STMT *server_config;
	MYSQL_STMT *get_pref;
	MYSQL_STMT *create_pref;
	MYSQL_STMT *set_pref;
	MYSQL_STMT *save_read;
	MYSQL_STMT *sroom_add;
	MYSQL_STMT *sroom_del;
	MYSQL_STMT *sroom_clear;
	MYSQL_STMT *sroom_list;
	MYSQL_STMT *sroom_stale;
	MYSQL_STMT *rooms_all;
	MYSQL_STMT *get_inv;
	MYSQL_STMT *categories;
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
