/*
 * dbsql.h - the SQL side of a DB worker (db.c): one MariaDB connection with every
 * kind's prepared statements (dbkind.h), and running jobs in transactions.
 * Only the worker thread calls these.
 */
#ifndef PCHAT_DBSQL_H
#define PCHAT_DBSQL_H

#include <stddef.h>

#include <mysql.h>

#include "db.h"

struct config;

/* The most statements one kind prepares (dbkind.h). */
#define DB_KIND_STMTS 6

struct dbsql {
	MYSQL *my; /* NULL when not connected */
	/* Every kind's statements, prepared at connect time: by kind, then index. */
	MYSQL_STMT *st[DB_JOB_TYPES][DB_KIND_STMTS];
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

/* Runs n jobs of one kind in one transaction (n > 1 only for a kind whose
 * flags hold DBK_BATCH: posts).  A permanent error fails that job only. */
enum dbsql_result dbsql_run_batch(struct dbsql *d, struct db_job **jobs, size_t n);

#endif
