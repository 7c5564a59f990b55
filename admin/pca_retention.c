/*
 * pca_retention.c - retention (issue 15; common/pchat_retention.h has the rule):
 * the "retention" setting of rooms and categories, each room's effective retention
 * kept in rooms.keep_sec, retention.status, and the purge job's verbs
 * (retention.purge, retention.run_done: pchatd's backend/retention.c calls them, one
 * batch per call, so that each batch is its own transaction).
 */
#include <stdio.h>

#include "pca_int.h"
#include "pchat_retention.h"
#include "pchat_settings.h"

/* The purge job's lease (job_leases, migration 019; pca_lease.c). */
#define LEASE_JOB "retention-purge"

/* Messages one retention.purge deletes at most: one transaction of bounded size. */
#define PURGE_BATCH 1000

int pca_retention_limits(struct pca_ctx *c, struct pchat_ret_limits *lim)
{
	long long d, mn, mx;
	if(pca_setting(c, PS_RETENTION_DEFAULT_DAYS, &d) < 0 ||
			pca_setting(c, PS_RETENTION_MIN_DAYS, &mn) < 0 ||
			pca_setting(c, PS_RETENTION_MAX_DAYS, &mx) < 0)
		return -1;
	*lim = (struct pchat_ret_limits){d * PCHAT_RET_DAY, mn * PCHAT_RET_DAY, mx * PCHAT_RET_DAY};
	return 0;
}

int pca_retention_value(struct pca_ctx *c, const json_t *args, const char *key, struct pca_val *v)
{
	json_t *j = json_object_get(args, key);
	struct pchat_ret_limits lim;
	char buf[32], why[300];
	long long sec;
	if(!j)
		return 0;
	if(json_is_integer(j)) /* a number of days */
		snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(j));
	else if(json_is_string(j))
		snprintf(buf, sizeof(buf), "%s", json_string_value(j));
	else
		return pca_fail(c, 400, "\"%s\" must be a string (30, 30d, 12h, none, inherit)",
				key);
	if(pchat_retention_parse(buf, &sec, why, sizeof(why)) < 0 ||
			(sec != PCHAT_RET_INHERIT &&
					(pca_retention_limits(c, &lim) < 0 ||
							pchat_retention_allowed(sec, &lim, why,
									sizeof(why)) < 0)))
		return c->err->status ? -1 : pca_fail(c, 400, "%s", why);
	*v = sec == PCHAT_RET_INHERIT ? PS(NULL) : PI(sec);
	return 1;
}

/* Column i of row as an integer, or dflt when it is NULL. */
static long long col_or(const json_t *row, size_t i, long long dflt)
{
	return json_is_null(json_array_get(row, i)) ? dflt : pca_col_int(row, i);
}

/* Column i as retention text, NULL meaning dflt. */
static json_t *text_of(const json_t *row, size_t i, long long dflt)
{
	char text[PCHAT_RET_TEXT_SIZE];
	pchat_retention_format(col_or(row, i, dflt), text);
	return json_string(text);
}

json_t *pca_retention_json(const json_t *row, size_t i)
{
	return text_of(row, i, PCHAT_RET_INHERIT);
}

json_t *pca_keep_json(const json_t *row, size_t i)
{
	return text_of(row, i, PCHAT_RET_NONE);
}

/* One room's keep_sec from its row (id, room's setting, category's, keep_sec). */
static int refresh_row(struct pca_ctx *c, const json_t *row, const struct pchat_ret_limits *lim)
{
	long long keep = pchat_retention_effective(
			col_or(row, 1, PCHAT_RET_INHERIT), col_or(row, 2, PCHAT_RET_INHERIT), lim);
	if(keep == col_or(row, 3, PCHAT_RET_NONE))
		return 0;
	return pca_exec(c, "UPDATE rooms SET keep_sec = ? WHERE id = ?",
			       P(keep == PCHAT_RET_NONE ? PS(NULL) : PI(keep),
					       PI(pca_col_int(row, 0)))) < 0
			? -1
			: 0;
}

int pca_retention_refresh(struct pca_ctx *c, unsigned long long room_id)
{
	struct pchat_ret_limits lim;
	if(pca_retention_limits(c, &lim) < 0)
		return -1;
	json_t *rows = pca_rows(c,
			"SELECT r.id, r.retention_sec, c.retention_sec, r.keep_sec FROM rooms r"
			" JOIN categories c ON c.id = r.category_id WHERE ? = 0 OR r.id = ?",
			P(PI(room_id), PI(room_id)));
	size_t i;
	json_t *row;
	int rc = rows ? 0 : -1;
	json_array_foreach(rows, i, row)
	{
		if(rc == 0)
			rc = refresh_row(c, row, &lim);
	}
	json_decref(rows);
	return rc;
}

int pca_retention_check_limits(struct pca_ctx *c)
{
	struct pchat_ret_limits lim;
	char why[300];
	if(pca_retention_limits(c, &lim) < 0)
		return -1;
	if(pchat_retention_limits_valid(&lim, why, sizeof(why)) < 0)
		return pca_fail(c, 400, "%s", why);
	return pca_retention_refresh(c, 0);
}

/* ---- retention.status ---- */

/* The lowest message id whose CHAT or REPLACE event pchat-compliance has not output
 * yet (its events stay in compliance_events until their batch is done), or 2^62:
 * the purge deletes only below it.  A scan of the events not yet output. */
#define COMPLIANCE_GATE_SQL                                                        \
	"SELECT COALESCE(MIN(msg_id), 4611686018427387904) FROM compliance_events" \
	" WHERE event_type IN ('CHAT', 'REPLACE')"

static long long compliance_gate(struct pca_ctx *c)
{
	json_t *row = NULL;
	if(pca_row(c, &row, COMPLIANCE_GATE_SQL, P0) < 0)
		return -1;
	long long gate = pca_col_int(row, 0);
	json_decref(row);
	return gate;
}

/* The expired messages of room r: a range of messages_room_posted (migration 011). */
#define EXPIRED_SQL                                                          \
	" FROM messages m WHERE m.room_id = r.id AND r.keep_sec IS NOT NULL" \
	" AND m.posted_at < UTC_TIMESTAMP(3) - INTERVAL r.keep_sec SECOND"

/* Each room: its settings, its expired messages (not purged yet) and, of those, the
 * ones waiting for pchat-compliance. */
static json_t *status_rooms(struct pca_ctx *c, long long gate)
{
	json_t *rows = pca_rows(c,
			"SELECT r.name, r.retention_sec, c.name, c.retention_sec, r.keep_sec,"
			" (SELECT COUNT(*)" EXPIRED_SQL "), (SELECT COUNT(*)" EXPIRED_SQL
			" AND m.id >= ?) FROM rooms r JOIN categories c ON c.id = r.category_id"
			" ORDER BY r.name",
			P(PI(gate)));
	json_t *out = rows ? json_array() : NULL, *row;
	size_t i;
	json_array_foreach(rows, i, row)
	{
		json_array_append_new(out,
				json_pack("{s:O,s:o,s:O,s:o,s:o,s:I,s:I}", "room",
						json_array_get(row, 0), "retention",
						pca_retention_json(row, 1), "category",
						json_array_get(row, 2), "category_retention",
						pca_retention_json(row, 3), "effective",
						pca_keep_json(row, 4), "expired",
						(json_int_t)pca_col_int(row, 5),
						"waiting_for_compliance",
						(json_int_t)pca_col_int(row, 6)));
	}
	json_decref(rows);
	return out;
}

static json_t *status_job(struct pca_ctx *c)
{
	json_t *row = NULL;
	if(pca_row(c, &row,
			   "SELECT l.holder, " PCA_ISO(
					   "l.expires_at") ", COALESCE(l.expires_at > NOW(3), 0),"
							   " " PCA_ISO("last_run_at") ", " PCA_ISO(
									   "last_purge_at") ", last_purge_rows,"
											    " last_purge_ms, purged_total, NULLIF(last_error, ''), " PCA_ISO(
													    "last_error_at") " FROM retention_state s LEFT JOIN job_leases l"
															     " ON l.job = '" LEASE_JOB
															     "' WHERE s.id = 1",
			   P0) <= 0) {
		json_decref(row);
		if(c->err->status == 0)
			pca_fail(c, 500, "retention_state has no row: is migration 011 applied?");
		return NULL;
	}
	json_t *last_purge = json_is_null(json_array_get(row, 4))
			? json_null()
			: json_pack("{s:o,s:I,s:I}", "at", pca_col_json(row, 4), "rows",
					  (json_int_t)pca_col_int(row, 5), "ms",
					  (json_int_t)pca_col_int(row, 6));
	json_t *last_error = json_is_null(json_array_get(row, 8))
			? json_null()
			: json_pack("{s:o,s:o}", "message", pca_col_json(row, 8), "at",
					  pca_col_json(row, 9));
	json_t *out = json_pack("{s:{s:o,s:o,s:o},s:o,s:o,s:I,s:o}", "lease", "node",
			pca_col_json(row, 0), "expires", pca_col_json(row, 1), "held",
			pca_col_bool(row, 2), "last_run_at", pca_col_json(row, 3), "last_purge",
			last_purge, "purged_total", (json_int_t)pca_col_int(row, 7), "last_error",
			last_error);
	json_decref(row);
	return out;
}

int pca_retention_status(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {NULL};
	struct pchat_ret_limits lim;
	char d[PCHAT_RET_TEXT_SIZE];
	long long gate;
	if(pca_keys(c, args, keys) < 0 || pca_retention_limits(c, &lim) < 0 ||
			(gate = compliance_gate(c)) < 0)
		return -1;
	json_t *job = status_job(c), *rooms = job ? status_rooms(c, gate) : NULL;
	if(rooms == NULL) {
		json_decref(job);
		return -1;
	}
	pchat_retention_format(lim.dflt, d);
	*result = json_pack("{s:s,s:I,s:I,s:o,s:o}", "default", d, "min_days",
			(json_int_t)(lim.min / PCHAT_RET_DAY), "max_days",
			(json_int_t)(lim.max / PCHAT_RET_DAY), "purge", job, "rooms", rooms);
	return *result ? 0 : pca_fail(c, 500, "out of memory");
}

/* ---- the purge job's verbs ---- */

/* Up to PURGE_BATCH expired messages of the first room after room_after that has a
 * retention, oldest first, none whose compliance events are not output yet. */
static int purge_batch(struct pca_ctx *c, long long room_after, json_t **result)
{
	json_t *row = NULL;
	int rc = pca_row(c, &row,
			"SELECT id, keep_sec FROM rooms WHERE keep_sec IS NOT NULL AND id > ?"
			" ORDER BY id LIMIT 1",
			P(PI(room_after)));
	if(rc <= 0) {
		*result = json_pack("{s:b,s:I,s:I}", "held", 1, "room_id", (json_int_t)0, "purged",
				(json_int_t)0);
		return rc;
	}
	long long room = pca_col_int(row, 0), keep = pca_col_int(row, 1), gate = compliance_gate(c);
	json_decref(row);
	/* A range of messages_room_posted (migration 011), the oldest first.  "id + 0":
	 * on the primary key, the gate's range (id below it) would be a next-key locking
	 * scan up to its supremum, which holds every post's insert for the batch's
	 * duration (a DELETE takes no index hint); so the gate only filters. */
	long long n = gate < 0
			? -1
			: pca_exec(c,
					  "DELETE FROM messages WHERE room_id = ?"
					  " AND posted_at < UTC_TIMESTAMP(3) - INTERVAL ? SECOND"
					  " AND id + 0 < ? ORDER BY posted_at LIMIT ?",
					  P(PI(room), PI(keep), PI(gate), PI(PURGE_BATCH)));
	if(n < 0 ||
			pca_exec(c,
					"UPDATE retention_state SET purged_total = purged_total + ?"
					" WHERE id = 1",
					P(PI(n))) < 0)
		return -1;
	*result = json_pack("{s:b,s:I,s:I,s:I}", "held", 1, "room_id", (json_int_t)room, "purged",
			(json_int_t)n, "batch", (json_int_t)PURGE_BATCH);
	return 0;
}

int pca_retention_purge(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {"node", "lease", "room_after", NULL};
	long long lease = 60, after = 0;
	const char *node;
	if(pca_keys(c, args, keys) < 0 || pca_str(c, args, "node", 1, 255, &node) < 0 ||
			pca_int(c, args, "lease", PCA_LEASE_MIN, PCA_LEASE_MAX, &lease) < 0 ||
			pca_int(c, args, "room_after", 0, (long long)1 << 62, &after) < 0)
		return -1;
	/* READ COMMITTED: the deletes' cascades look up each message's rows in
	 * search_pending and message_terms; under REPEATABLE READ a row not there locks
	 * the gap up to the next one, often the end of the table, where every new post's
	 * trigger (or the indexer) inserts: they would wait for the whole batch (measured:
	 * chat p99 6x at 35 posts/s, docs/BENCHMARKS.md (k)). */
	if(pca_read_committed(c) < 0)
		return -1;
	int held = pca_lease_hold(c, LEASE_JOB, node, lease);
	if(held <= 0) {
		if(held == 0)
			*result = json_pack("{s:b}", "held", 0);
		return held;
	}
	return purge_batch(c, after, result);
}

int pca_retention_release(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {"node", NULL};
	const char *node;
	if(pca_keys(c, args, keys) < 0 || pca_str(c, args, "node", 1, 255, &node) < 0)
		return -1;
	long long n = pca_lease_release(c, LEASE_JOB, node);
	if(n < 0)
		return -1;
	*result = pca_count("released", n);
	return 0;
}

/* The node (a parameter) holds the purge job's lease. */
#define HOLDS_LEASE " EXISTS (SELECT 1 FROM job_leases WHERE job = '" LEASE_JOB "' AND holder = ?)"

/* A pass's figures: when it ended; when it purged anything, how many and how long
 * (what status and the benchmark report; a later empty pass keeps them). */
#define RUN_DONE_SQL                                         \
	"UPDATE retention_state SET last_run_at = NOW(3),"   \
	" last_purge_at = IF(? > 0, NOW(3), last_purge_at)," \
	" last_purge_rows = IF(? > 0, ?, last_purge_rows),"  \
	" last_purge_ms = IF(? > 0, ?, last_purge_ms) WHERE id = 1 AND" HOLDS_LEASE

int pca_retention_run_done(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {"node", "rows", "ms", "error", NULL};
	long long rows = 0, ms = 0;
	const char *node, *error;
	if(pca_keys(c, args, keys) < 0 || pca_str(c, args, "node", 1, 255, &node) < 0 ||
			pca_int(c, args, "rows", 0, (long long)1 << 62, &rows) < 0 ||
			pca_int(c, args, "ms", 0, 1 << 30, &ms) < 0 ||
			pca_str(c, args, "error", 0, 1024, &error) < 0)
		return -1;
	long long n = error
			? pca_exec(c,
					  "UPDATE retention_state SET last_error = ?,"
					  " last_error_at = NOW(3) WHERE id = 1 AND" HOLDS_LEASE,
					  P(PS(error), PS(node)))
			: pca_exec(c, RUN_DONE_SQL,
					  P(PI(rows), PI(rows), PI(rows), PI(rows), PI(ms),
							  PS(node)));
	if(n < 0)
		return -1;
	*result = pca_count("recorded", n);
	return 0;
}
