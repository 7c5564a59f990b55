/*
 * store.c - see store.h.
 */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STR(x) #x
#define XSTR(x) STR(x)

/* ---- the state row ---- */

static const char state_sql[] = "SELECT claimed_batch, done_batch, run_requested, "
				"last_run_at IS NULL OR last_run_at <= NOW(3) - INTERVAL ? SECOND "
				"FROM compliance_state WHERE id = 1";

int store_state(struct cdb *db, unsigned interval_sec, struct store_state *s)
{
	int rc = cdb_row(db, state_sql, "d", "uutd", (int)interval_sec, &s->claimed_batch,
			&s->done_batch, &s->run_requested_ms, &s->due);
	return cdb_single_row_end(db, rc, "compliance_state");
}

/* Locks the state row for the rest of the transaction: 1 when node holds a live
 * lease, 0 when not, -1 on error.  *claimed (table, id, range): the claimed batch;
 * *done: the last one done. */
static const char lock_sql[] =
		"SELECT active_node <=> ? AND lease_expires >= NOW(3), claimed_batch, claimed_lo, "
		"claimed_hi, done_batch FROM compliance_state WHERE id = 1 FOR UPDATE";

static int lock_state(struct cdb *db, const char *node, struct store_batch *claimed, uint64_t *done)
{
	int held = 0;
	int rc = cdb_row(db, lock_sql, "s", "duuuu", node, &held, &claimed->id, &claimed->lo,
			&claimed->hi, done);
	claimed->table = STORE_EVENTS;
	return cdb_single_row(db, rc, "compliance_state") < 0 ? -1 : held != 0;
}

/* ---- claiming ---- */

/*
 * The claim takes the oldest events not claimed yet (batch_id 0) as a range of ids:
 *   lo  the lowest: a scan of the primary key that stops at once, since the events
 *       output are deleted and no batch is pending when one is claimed;
 *   hi  the limit-th from lo;
 * and marks those of lo..hi still unclaimed.  An event committed later with an id
 * in lo..hi (ids are allocated at insert, transactions commit in any order) keeps
 * batch_id 0 and goes to a later batch, whose range then overlaps this one: the
 * batch_id tells their events apart.  File names stay unique all the same: a name
 * holds the first and last ids of the events actually in its file (run.c), and an
 * event belongs to one batch only.
 */
/* not MIN(id), which reads the whole table: MariaDB's MIN/MAX shortcut wants the
 * condition on the index */
static const char claim_lo_sql[] =
		"SELECT id FROM compliance_events WHERE batch_id = 0 ORDER BY id LIMIT 1";
static const char claim_hi_sql[] =
		"SELECT MAX(id) FROM (SELECT id FROM compliance_events WHERE id >= ? AND "
		"batch_id = 0 ORDER BY id LIMIT ?) t";
static const char claim_events_sql[] = "UPDATE compliance_events SET batch_id = ? "
				       "WHERE id BETWEEN ? AND ? AND batch_id = 0";
static const char claim_state_sql[] = "UPDATE compliance_state SET claimed_batch = ?, "
				      "claimed_lo = ?, claimed_hi = ? WHERE id = 1";

enum store_claim store_claim(
		struct cdb *db, const char *node, uint64_t limit, struct store_batch *batch)
{
	uint64_t done;
	int held = lock_state(db, node, batch, &done);
	long long n = 0;
	int rc;

	if(held <= 0) {
		cdb_rollback(db);
		return held < 0 ? STORE_ERROR : STORE_LOST;
	}
	if(batch->id > done) {
		cdb_rollback(db);
		return STORE_PENDING;
	}
	batch->id++;
	/* no row, or MAX of none (NULL): 0, which no event has */
	batch->lo = batch->hi = 0;
	rc = cdb_row(db, claim_lo_sql, "", "u", &batch->lo);
	if(rc > 0)
		rc = cdb_row(db, claim_hi_sql, "uu", "u", batch->lo, limit, &batch->hi);
	if(rc > 0 && batch->hi >= batch->lo)
		n = cdb_exec(db, claim_events_sql, "uuu", batch->id, batch->lo, batch->hi);
	if(rc < 0 || n <= 0) {
		cdb_rollback(db);
		return rc < 0 || n < 0 ? STORE_ERROR : STORE_NONE;
	}
	if(cdb_exec(db, claim_state_sql, "uuu", batch->id, batch->lo, batch->hi) < 0 ||
			cdb_commit(db) < 0) {
		cdb_rollback(db);
		return STORE_ERROR;
	}
	return STORE_CLAIMED;
}

/* ---- reading a batch ---- */

/*
 * The statements on a batch's events exist for either table (enum store_table), as
 * two texts made from one: X_SQL(table).  IN_BATCH is their condition, with four
 * parameters (batch_params): the id range, then the batch_id range (N..N, or every
 * batch for a replay).
 */
#define TABLE_EVENTS "compliance_events"
#define TABLE_KEPT "compliance_kept"
#define FOR_TABLES(sql)                            \
	{                                          \
		sql(TABLE_EVENTS), sql(TABLE_KEPT) \
	}
#define IN_BATCH(alias) alias "id BETWEEN ? AND ? AND " alias "batch_id BETWEEN ? AND ?"
#define BATCH_PARAMS "uuuu"

/* The batch_id range of b into *from, *to. */
static void batch_ids(const struct store_batch *b, uint64_t *from, uint64_t *to)
{
	*from = b->id;
	*to = b->id != 0 ? b->id : UINT64_MAX;
}

/* The statement of b's table among sql's texts; the batch_id range into *from, *to. */
static const char *batch_params(const char *const sql[STORE_TABLES], const struct store_batch *b,
		uint64_t *from, uint64_t *to)
{
	batch_ids(b, from, to);
	return sql[b->table];
}

#define ROOMS_SQL(table)                                         \
	"SELECT room_id, MIN(id), MAX(id), COUNT(*) FROM " table \
	" WHERE " IN_BATCH("") " GROUP BY room_id ORDER BY room_id"
static const char *const rooms_sql[STORE_TABLES] = FOR_TABLES(ROOMS_SQL);

int store_rooms(struct cdb *db, const struct store_batch *batch, struct store_room **rooms,
		size_t *n)
{
	struct cdb_res r;
	struct store_room row;
	size_t cap = 0;
	uint64_t from, to;
	const char *sql = batch_params(rooms_sql, batch, &from, &to);
	int rc;

	*rooms = NULL;
	*n = 0;
	if(cdb_query(db, &r, sql, BATCH_PARAMS, "uuuu", batch->lo, batch->hi, from, to, &row.id,
			   &row.first_id, &row.last_id, &row.events) < 0)
		return -1;
	while((rc = cdb_fetch(&r)) > 0) {
		if(*n == cap) {
			size_t c = cap ? cap * 2 : 16;
			struct store_room *p = realloc(*rooms, c * sizeof(*p));
			if(p == NULL) {
				snprintf(db->err, sizeof(db->err), "out of memory");
				rc = -1;
				break;
			}
			*rooms = p;
			cap = c;
		}
		(*rooms)[(*n)++] = row;
	}
	cdb_end(&r);
	if(rc < 0) {
		free(*rooms);
		*rooms = NULL;
		*n = 0;
	}
	return rc;
}

#define PARTICIPANTS_SQL(table)                                                             \
	"SELECT p.room_id, p.user_uri, p.sessions, p.since FROM compliance_participants p " \
	"JOIN (SELECT DISTINCT room_id FROM " table                                         \
	" WHERE " IN_BATCH("") ") b "                                                       \
			       "ON b.room_id = p.room_id WHERE p.sessions > 0"
static const char *const participants_sql[STORE_TABLES] = FOR_TABLES(PARTICIPANTS_SQL);

int store_participants(struct cdb *db, const struct store_batch *batch, struct cpresence *p)
{
	struct cdb_res r;
	uint64_t room_id, from, to;
	const char *sql = batch_params(participants_sql, batch, &from, &to);
	char uri[255 * 4 + 1];
	int sessions, rc;
	int64_t since;

	if(cdb_query(db, &r, sql, BATCH_PARAMS, "usdt", batch->lo, batch->hi, from, to, &room_id,
			   uri, sizeof(uri), &sessions, &since) < 0)
		return -1;
	while((rc = cdb_fetch(&r)) > 0) {
		struct cp_room *room = cp_room(p, room_id);
		if(room != NULL && cp_set(room, uri, (unsigned)sessions, since) < 0) {
			snprintf(db->err, sizeof(db->err), "out of memory");
			rc = -1;
			break;
		}
	}
	cdb_end(&r);
	return rc;
}

/*
 * The stream's query, in four forms for each table: with or without the user's
 * details (AddUserDetails: the subscriber row of the URI's user@domain) and the
 * room's (AddChatRoomDetails: the room and its category, while the room exists), so
 * that a batch without them joins nothing.  Its columns are the same in every form.
 */
#define ADDR "IF(e.user_uri LIKE 'sip:%', SUBSTRING(e.user_uri, 5), e.user_uri)"

static const char *stream_sql(enum store_table table, int user_details, int room_details)
{
	static const char *const tables[STORE_TABLES] = {TABLE_EVENTS, TABLE_KEPT};
	static char sql[STORE_TABLES][4][1600];
	char *s = sql[table][(user_details ? 2 : 0) + (room_details ? 1 : 0)];

	if(s[0] != '\0')
		return s;
	snprintf(s, sizeof(sql[0][0]),
			"SELECT e.id, e.event_type, e.event_time, e.room_id, e.room_uri, "
			"e.room_name, e.user_uri, e.msg_id, e.content, %s, %s "
			"FROM %s e %s %s WHERE " IN_BATCH("e.") " "
								"ORDER BY e.room_id, e.id",
			user_details ? "s.id, COALESCE(s.username, SUBSTRING_INDEX(" ADDR
				       ", '@', 1)), " ADDR
				     : "NULL, NULL, NULL",
			room_details ? "r.id IS NOT NULL, r.description, r.topic, r.privacy, "
				       "CONCAT('ma-cat://', c.domain, '/', c.cat_id), c.chat_history"
				     : "0, NULL, NULL, NULL, NULL, NULL",
			tables[table],
			user_details ? "LEFT JOIN subscriber s ON s.username = SUBSTRING_INDEX(" ADDR
				       ", '@', 1) AND s.domain = SUBSTRING_INDEX(" ADDR ", '@', -1)"
				     : "",
			room_details ? "LEFT JOIN rooms r ON r.id = e.room_id "
				       "LEFT JOIN categories c ON c.id = r.category_id"
				     : "");
	return s;
}

/* The text columns of a streamed row: buffers grown to fit, reused row after row. */
enum {
	T_ROOM_URI,
	T_ROOM_NAME,
	T_USER_URI,
	T_CONTENT,
	T_USER_NAME,
	T_EMAIL,
	T_DESC,
	T_TOPIC,
	T_CAT_URI,
	T_N
};

struct row {
	uint64_t id, room_id, msg_id, user_id;
	char type[16], privacy[16];
	int64_t time_ms;
	int room_exists, logged;
	char *text[T_N];
	size_t cap[T_N];
};

/* The room being streamed: its strings copied from its first row, because the row
 * buffers change with the next row and the room outlives it (room_end). */
struct room_copy {
	struct ce_room room;
	char *s[6];
};

static void room_copy_free(struct room_copy *c)
{
	size_t i;
	for(i = 0; i < sizeof(c->s) / sizeof(c->s[0]); i++)
		free(c->s[i]);
	memset(c, 0, sizeof(*c));
}

static int room_copy_set(struct room_copy *c, const struct row *w, const struct adapter_opts *o)
{
	const char *from[6] = {w->text[T_ROOM_URI], w->text[T_ROOM_NAME], w->text[T_DESC],
			w->text[T_TOPIC], w->privacy, w->text[T_CAT_URI]};
	size_t i;

	room_copy_free(c);
	for(i = 0; i < 6; i++)
		if((c->s[i] = strdup(from[i])) == NULL)
			return -1;
	c->room = (struct ce_room){.id = w->room_id,
			.uri = c->s[0],
			.name = c->s[1],
			.details = o->room_details && w->room_exists,
			.description = c->s[2],
			.topic = c->s[3],
			.privacy = c->s[4],
			.category_uri = c->s[5],
			.logged = w->logged != 0};
	return 0;
}

/* The event of the row just fetched. */
static int make_event(struct cdb *db, const struct cdb_res *r, const struct row *w,
		const struct adapter_opts *o, struct ce_event *ev)
{
	int type = ce_type_parse(w->type);
	if(type < 0) {
		snprintf(db->err, sizeof(db->err), "event %llu has an unknown type '%s'",
				(unsigned long long)w->id, w->type);
		return -1;
	}
	memset(ev, 0, sizeof(*ev));
	ev->id = w->id;
	ev->type = (enum ce_type)type;
	ev->time_ms = w->time_ms;
	ev->user.uri = w->text[T_USER_URI];
	if(o->user_details) {
		ev->user.details = 1;
		ev->user.id = w->user_id;
		ev->user.name = w->text[T_USER_NAME];
		ev->user.email = w->text[T_EMAIL];
		ev->user.internal = !cdb_null(r, 9);
	}
	ev->msg_id = w->msg_id;
	if(!cdb_null(r, 8)) {
		ev->content = w->text[T_CONTENT];
		ev->content_len = cdb_len(r, 8);
	}
	return 0;
}

/* Hands the rows to the sink, grouping them by room: 0, -1 (database), -2 (sink). */
static int pump(struct cdb *db, struct cdb_res *r, struct row *w, const struct adapter_opts *o,
		const struct store_sink *sink)
{
	struct room_copy cur;
	struct ce_event ev;
	int rc, in_room = 0;

	memset(&cur, 0, sizeof(cur));
	while((rc = cdb_fetch(r)) > 0) {
		if(make_event(db, r, w, o, &ev) < 0) {
			rc = -1;
			break;
		}
		if(!in_room || w->room_id != cur.room.id) {
			if(in_room && sink->room_end(sink->arg, &cur.room) < 0) {
				rc = -2;
				break;
			}
			in_room = 0;
			if(room_copy_set(&cur, w, o) < 0) {
				snprintf(db->err, sizeof(db->err), "out of memory");
				rc = -1;
				break;
			}
			ev.room = &cur.room;
			if(sink->room_begin(sink->arg, &cur.room, &ev) < 0) {
				rc = -2;
				break;
			}
			in_room = 1;
		}
		ev.room = &cur.room;
		if(sink->event(sink->arg, &ev) < 0) {
			rc = -2;
			break;
		}
	}
	if(rc == 0 && in_room && sink->room_end(sink->arg, &cur.room) < 0)
		rc = -2;
	room_copy_free(&cur);
	return rc;
}

int store_stream(struct cdb *db, const struct store_batch *batch, const struct adapter_opts *opts,
		const struct store_sink *sink)
{
	struct row w;
	struct cdb_res r;
	size_t i;
	uint64_t from, to;
	int rc = -1;

	batch_ids(batch, &from, &to);
	memset(&w, 0, sizeof(w));
	if(cdb_query(db, &r, stream_sql(batch->table, opts->user_details, opts->room_details),
			   BATCH_PARAMS, "ustuSSSuSuSSdSSsSd", batch->lo, batch->hi, from, to,
			   &w.id, w.type, sizeof(w.type), &w.time_ms, &w.room_id,
			   &w.text[T_ROOM_URI], &w.cap[T_ROOM_URI], &w.text[T_ROOM_NAME],
			   &w.cap[T_ROOM_NAME], &w.text[T_USER_URI], &w.cap[T_USER_URI], &w.msg_id,
			   &w.text[T_CONTENT], &w.cap[T_CONTENT], &w.user_id, &w.text[T_USER_NAME],
			   &w.cap[T_USER_NAME], &w.text[T_EMAIL], &w.cap[T_EMAIL], &w.room_exists,
			   &w.text[T_DESC], &w.cap[T_DESC], &w.text[T_TOPIC], &w.cap[T_TOPIC],
			   w.privacy, sizeof(w.privacy), &w.text[T_CAT_URI], &w.cap[T_CAT_URI],
			   &w.logged) == 0) {
		rc = pump(db, &r, &w, opts, sink);
		cdb_end(&r);
	}
	for(i = 0; i < T_N; i++)
		free(w.text[i]);
	/* a read ends its transaction too: nothing stays open between steps */
	if(cdb_up(db))
		cdb_rollback(db);
	return rc;
}

/* ---- recording a batch as done ---- */

static const char upsert_sql[] =
		"INSERT INTO compliance_participants (room_id, user_uri, sessions, since) "
		"VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE sessions = VALUES(sessions), "
		"since = VALUES(since)";
static const char gone_sql[] =
		"DELETE FROM compliance_participants WHERE room_id = ? AND user_uri = ?";
#define EVENT_COLUMNS \
	"id, event_type, event_time, room_id, room_uri, room_name, user_uri, msg_id, content, batch_id"
static const char keep_events_sql[] = "INSERT INTO " TABLE_KEPT " (" EVENT_COLUMNS
				      ") SELECT " EVENT_COLUMNS " FROM " TABLE_EVENTS
				      " WHERE " IN_BATCH("");
/*
 * The batch's events are deleted run by run of consecutive ids, each with the run's
 * length as LIMIT.  A plain delete of the range would wait for every event inserted
 * into it and not committed yet (InnoDB locks each row its scan reads, including the
 * one after the range's end; only an UPDATE skips a row being inserted): a chat
 * transaction, or one a DBA left open, would hold the commit up, up to the lock wait
 * timeout and a failed run.  With the LIMIT, the scan stops at the run's last row.
 */
static const char runs_sql[] =
		"SELECT MIN(id), MAX(id) FROM (SELECT id, id - ROW_NUMBER() OVER (ORDER BY id) "
		"AS run FROM " TABLE_EVENTS " WHERE " IN_BATCH("") ") t GROUP BY run ORDER BY 1";
static const char delete_run_sql[] = "DELETE FROM " TABLE_EVENTS " WHERE " IN_BATCH("") " LIMIT ?";
static const char done_sql[] = "UPDATE compliance_state SET done_batch = ?, "
			       "last_event_id = GREATEST(last_event_id, ?) WHERE id = 1";

struct run {
	uint64_t first, last;
};

/* Deletes batch's events (runs_sql): 0 or -1. */
static int delete_events(struct cdb *db, const struct store_batch *batch)
{
	struct cdb_res r;
	struct run run, *runs = NULL;
	size_t n = 0, cap = 0, i;
	int rc;

	if(cdb_query(db, &r, runs_sql, BATCH_PARAMS, "uu", batch->lo, batch->hi, batch->id,
			   batch->id, &run.first, &run.last) < 0)
		return -1;
	while((rc = cdb_fetch(&r)) > 0) {
		if(n == cap) {
			size_t c = cap ? cap * 2 : 16;
			struct run *p = realloc(runs, c * sizeof(*p));
			if(p == NULL) {
				snprintf(db->err, sizeof(db->err), "out of memory");
				rc = -1;
				break;
			}
			runs = p;
			cap = c;
		}
		runs[n++] = run;
	}
	cdb_end(&r);
	for(i = 0; rc == 0 && i < n; i++)
		if(cdb_exec(db, delete_run_sql, BATCH_PARAMS "u", runs[i].first, runs[i].last,
				   batch->id, batch->id, runs[i].last - runs[i].first + 1) < 0)
			rc = -1;
	free(runs);
	return rc;
}

/* Writes the participants that changed during the batch (only those: the rows of
 * everyone else present stay as they are). */
static int write_participants(struct cdb *db, const struct cpresence *p)
{
	size_t i, j;
	for(i = 0; i < p->n; i++) {
		const struct cp_room *room = &p->rooms[i];
		for(j = 0; j < room->n; j++) {
			const struct cp_user *u = &room->users[j];
			long long rc = 0;
			if(u->sessions == u->recorded)
				continue;
			if(u->sessions > 0)
				rc = cdb_exec(db, upsert_sql, "usdt", room->id, u->uri,
						(int)u->sessions, u->since_ms);
			else
				rc = cdb_exec(db, gone_sql, "us", room->id, u->uri);
			if(rc < 0)
				return -1;
		}
	}
	return 0;
}

int store_commit(struct cdb *db, const char *node, const struct store_batch *batch, uint64_t max_id,
		int keep, const struct cpresence *p)
{
	struct store_batch claimed;
	uint64_t done = 0, id = batch->id;
	int held = lock_state(db, node, &claimed, &done);

	if(held <= 0 || batch->table != STORE_EVENTS || claimed.id != id || done >= id ||
			claimed.lo != batch->lo || claimed.hi != batch->hi) {
		cdb_rollback(db);
		return held < 0 ? -1 : 0;
	}
	if(write_participants(db, p) < 0 ||
			(keep &&
					cdb_exec(db, keep_events_sql, BATCH_PARAMS, batch->lo,
							batch->hi, id, id) < 0) ||
			delete_events(db, batch) < 0 ||
			cdb_exec(db, done_sql, "uu", id, max_id) < 0 || cdb_commit(db) < 0) {
		cdb_rollback(db);
		return -1;
	}
	return 1;
}

/* ---- the events kept ---- */

#define PURGE_SLICE 10000
static const char purge_sql[] = "DELETE FROM " TABLE_KEPT
				" WHERE event_time < UTC_TIMESTAMP(3) - INTERVAL ? DAY LIMIT " XSTR(
						PURGE_SLICE);

long long store_purge(struct cdb *db, unsigned days, const volatile sig_atomic_t *stop)
{
	long long n, total = 0;
	do {
		n = cdb_exec(db, purge_sql, "d", (int)days);
		if(n < 0 || cdb_commit(db) < 0) {
			cdb_rollback(db);
			return -1;
		}
		total += n;
	} while(n == PURGE_SLICE && !*stop);
	return total;
}

static const char kept_sql[] = "SELECT (SELECT MIN(id) FROM " TABLE_KEPT
			       "), (SELECT MAX(id) FROM " TABLE_KEPT
			       "), last_run_keep_days FROM compliance_state WHERE id = 1";

int store_kept(struct cdb *db, uint64_t *first, uint64_t *last, unsigned *keep_days)
{
	int days = 0;
	int rc = cdb_row(db, kept_sql, "", "uud", first, last, &days);
	*keep_days = (unsigned)days;
	return cdb_single_row_end(db, rc, "compliance_state");
}

/* ---- the run's record ---- */

/* last_run_at is when the run started (now less its time): `pchat-admin compliance run`
 * waits for a run at or after its request, which must then hold every event committed
 * before the request. */
static const char run_done_sql[] =
		"UPDATE compliance_state SET last_run_at = NOW(3) - INTERVAL ? * 1000 MICROSECOND,"
		" last_run_events = ?, last_run_files = ?, last_run_ms = ?, last_run_keep_days = ?,"
		" last_error = '', "
		"run_requested = IF(run_requested <=> ?, NULL, run_requested) WHERE id = 1";
static const char run_failed_sql[] =
		"UPDATE compliance_state SET last_error = ?, last_error_at = NOW(3) WHERE id = 1";

static int exec_commit(struct cdb *db, long long rc)
{
	if(rc < 0 || cdb_commit(db) < 0) {
		cdb_rollback(db);
		return -1;
	}
	return 0;
}

int store_run_done(struct cdb *db, const struct store_run *run)
{
	return exec_commit(db,
			cdb_exec(db, run_done_sql, "dudddt", (int)run->ms, run->events,
					(int)run->files, (int)run->ms, (int)run->keep_days,
					run->requested_ms));
}

int store_run_failed(struct cdb *db, const char *error)
{
	return exec_commit(db, cdb_exec(db, run_failed_sql, "s", error));
}
