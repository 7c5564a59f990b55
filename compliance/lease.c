/*
 * lease.c - see lease.h.
 */
#include "lease.h"

#include <stdint.h>
#include <string.h>

/* Matched (CLIENT_FOUND_ROWS) when free, ours or expired: a renewal that changes
 * nothing visible still counts as held. */
static const char hold_sql[] =
		"UPDATE compliance_state SET active_node = ?, "
		"lease_expires = NOW(3) + INTERVAL ? SECOND WHERE id = 1 AND "
		"(active_node IS NULL OR active_node = ? OR lease_expires IS NULL OR "
		"lease_expires < NOW(3))";

static const char release_sql[] =
		"UPDATE compliance_state SET active_node = NULL, lease_expires = NULL "
		"WHERE id = 1 AND active_node = ?";

static const char holder_sql[] =
		"SELECT COALESCE(active_node, ''), "
		"GREATEST(0, TIMESTAMPDIFF(SECOND, NOW(3), COALESCE(lease_expires, NOW(3)))), "
		"lease_expires >= NOW(3) FROM compliance_state WHERE id = 1";

/* The statement just run, then COMMIT: its result, or -1. */
static long long committed(struct cdb *db, long long rows)
{
	if(rows < 0) {
		cdb_rollback(db);
		return -1;
	}
	return cdb_commit(db) < 0 ? -1 : rows;
}

int lease_hold(struct cdb *db, const char *node, unsigned seconds)
{
	long long n = committed(db, cdb_exec(db, hold_sql, "sds", node, (int)seconds, node));
	return n < 0 ? -1 : n > 0;
}

int lease_release(struct cdb *db, const char *node)
{
	return committed(db, cdb_exec(db, release_sql, "s", node)) < 0 ? -1 : 0;
}

int lease_holder(struct cdb *db, char *holder, size_t len, int *seconds_left)
{
	int live = 0;
	int rc = cdb_row(db, holder_sql, "", "sdd", holder, len, seconds_left, &live);
	if(committed(db, rc) <= 0)
		return -1;
	if(!live) {
		holder[0] = '\0';
		*seconds_left = 0;
	}
	return 0;
}
