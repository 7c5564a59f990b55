/*
 * cdb.h - pchat-compliance's database connection: its own (a compliance failure must
 * never hold up pchatd's), prepared statements only, each prepared once per
 * connection and kept.
 *
 * A statement is run with its parameters and result columns described by letters:
 *   parameters  u uint64_t   d int   s const char * (NULL: SQL NULL)
 *               t int64_t Unix milliseconds, as DATETIME(3) in UTC (< 0: NULL)
 *   columns     u uint64_t * d int * t int64_t * (NULL: -1)
 *               s char *buf, size_t size  (a value that does not fit is an error)
 *               S char **buf, size_t *size  (a malloc'd buffer grown to fit: long text)
 *   e.g. cdb_row(db, "SELECT a, b FROM t WHERE id = ?", "u", "ds", id, &a, b, sizeof(b))
 * A NULL string reads as "" (cdb_null() tells), a NULL number as 0.
 *
 * The session: autocommit off (every step ends with cdb_commit or cdb_rollback),
 * READ COMMITTED (a claim or a delete locks only the rows it takes, never the gap
 * where pchatd's triggers insert new events: under REPEATABLE READ a claim that takes
 * every unclaimed event holds up each chat post until it commits), and
 * CLIENT_FOUND_ROWS (an UPDATE counts the rows it matched, so renewing a lease that
 * changes nothing still says "held").  The session's time zone is left alone: the
 * lease and the run times use the server's NOW(3), the clock pchat-admin reads them
 * with; the stored times (DATETIME, as pchatd writes them) are taken as UTC.
 */
#ifndef PCHAT_CDB_H
#define PCHAT_CDB_H

#include <mysql.h>
#include <stddef.h>
#include <stdint.h>

#include "pchat_dbopts.h"

#define CDB_STMTS 48
#define CDB_COLS 20

struct cdb {
	MYSQL *my; /* NULL when not connected */
	const struct pchat_dbopts *opts;
	struct {
		const char *sql; /* the key: the SQL text's address (a constant) */
		MYSQL_STMT *st;
	} stmts[CDB_STMTS];
	size_t n_stmts;
	int lost;      /* the connection failed: cdb_close, then cdb_connect again */
	char err[512]; /* the last error */
};

/* A result being read (cdb_query .. cdb_fetch .. cdb_end). */
struct cdb_res {
	struct cdb *db;
	MYSQL_STMT *st;
	unsigned n;
	int bound; /* bind[] handed to the statement as it is */
	MYSQL_BIND bind[CDB_COLS];
	struct cdb_col {
		char type;
		void *dst;
		size_t *cap; /* S */
		size_t size; /* s */
		unsigned long len;
		my_bool null, error;
		MYSQL_TIME tm;
	} col[CDB_COLS];
};

void cdb_init(struct cdb *db, const struct pchat_dbopts *opts);
/* One attempt: 0, or -1 with db->err. */
int cdb_connect(struct cdb *db);
void cdb_close(struct cdb *db);
/* Connected and usable. */
int cdb_up(const struct cdb *db);

/* Runs a statement without result: the rows it matched, or -1 (db->err). */
long long cdb_exec(struct cdb *db, const char *sql, const char *params, ...);
/* Runs a query: 0 and r ready for cdb_fetch, or -1.  The rows are read from the
 * server as they are fetched (not stored first): nothing else may run on the
 * connection before cdb_end. */
int cdb_query(struct cdb *db, struct cdb_res *r, const char *sql, const char *params,
		const char *cols, ...);
/* The next row into the column variables: 1, 0 at the end, -1 on error. */
int cdb_fetch(struct cdb_res *r);
/* Was column i (from 0) NULL in the row just fetched? */
int cdb_null(const struct cdb_res *r, unsigned i);
/* The length of string column i in the row just fetched. */
size_t cdb_len(const struct cdb_res *r, unsigned i);
/* Ends a query, read to the end or not. */
void cdb_end(struct cdb_res *r);
/* A query's first row: 1, 0 when there is none, -1 on error. */
int cdb_row(struct cdb *db, const char *sql, const char *params, const char *cols, ...);
/* After cdb_row on one of the tables that hold exactly one row (id 1): no row is an
 * error too ("<table> has no row (id 1)" in db->err).  1, or -1. */
int cdb_single_row(struct cdb *db, int rc, const char *table);
/* The same, then ends the read transaction (commit; rollback after an error): 0 or -1. */
int cdb_single_row_end(struct cdb *db, int rc, const char *table);

/* 0 or -1.  A rollback that fails marks the connection lost (its state is unknown). */
int cdb_commit(struct cdb *db);
int cdb_rollback(struct cdb *db);

/* A DATETIME as Unix milliseconds, UTC (the other way: pchat_sqltime.h). */
int64_t cdb_time_ms(const MYSQL_TIME *t);

#endif
