/*
 * pca_messages.c - message.get/remove/replace by filter (Get-, Remove- and
 * Set-CsPersistentChatMessage's -Room, -UserUri, -Filter, time range, and a
 * message's id), and message.remove_one/replace_one: the same change of one
 * message, by a manager of its room (the web page).  Every change is written to
 * message_changes in its transaction, for pchatd to tell the sessions showing the
 * room (migration 013, backend/msgchange.c); the compliance triggers (migration
 * 008) record it as PURGE or REPLACE.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pca_int.h"
#include "pchat_retention.h"
#include "pchat_search.h"

/* The filters of a request as statement parameters: room, author and time (shared
 * with file.*), a text the body contains and a message id. */
struct filter {
	struct pca_filter by;
	struct pca_val text, id;
	int any; /* was any filter given */
};

#define MSG_ID_MAX ((long long)1 << 62)

/* Thirteen parameters, in the order of FILTER_SQL. */
#define FILTER_SQL                                             \
	PCA_FILTER_SQL("m.room_id", "m.author", "m.posted_at") \
	" AND (? IS NULL OR INSTR(m.body, ?) > 0) AND (? IS NULL OR m.id = ?)"
#define FILTER_PARAMS(f) PCA_FILTER_PARAMS(&(f)->by), (f)->text, (f)->text, (f)->id, (f)->id

static int filter_parse(struct pca_ctx *c, const json_t *args, struct filter *f)
{
	const char *text;
	long long id = 0;
	int has_id;
	if(pca_str(c, args, "text", 0, 1024, &text) < 0 ||
			(has_id = pca_int(c, args, "id", 1, MSG_ID_MAX, &id)) < 0 ||
			pca_filter_parse(c, args, "author", &f->by) < 0)
		return -1;
	f->text = PS(text && *text ? text : NULL);
	f->id = has_id ? PI(id) : PS(NULL);
	f->any = f->by.any || (text && *text) || has_id;
	return 0;
}

/* Changes are refused without a filter: "all messages" is room.clear's job. */
static int filter_changes(
		struct pca_ctx *c, const json_t *args, const char *const *keys, struct filter *f)
{
	if(pca_keys(c, args, keys) < 0 || filter_parse(c, args, f) < 0)
		return -1;
	if(!f->any)
		return pca_fail(c, 400,
				"give at least one filter (room, author, text, since, until, id)");
	return 0;
}

static int message_out(struct pca_ctx *c, const json_t *row, json_t *out, void *arg)
{
	(void)c;
	(void)arg;
	return json_array_append_new(out,
			json_pack("{s:I,s:O,s:O,s:O,s:O,s:o}", "id",
					(json_int_t)pca_col_int(row, 0), "room",
					json_array_get(row, 1), "author", json_array_get(row, 2),
					"ts", json_array_get(row, 3), "text",
					json_array_get(row, 4), "replaced", pca_col_bool(row, 5)));
}

/* The columns of a message object (message_out), of messages m and rooms r (named, for
 * a derived table of them: room_page_sql[ROOM_PAGE_GONE]). */
#define MSG_COLS                                                                            \
	" m.id, r.name, m.author, DATE_FORMAT(m.posted_at, '%Y-%m-%dT%H:%i:%s.%fZ') AS ts," \
	" m.body, m.replaced_at IS NOT NULL AS replaced"
/* The columns and joins of message.get's rows. */
#define GET_SQL "SELECT" MSG_COLS " FROM messages m JOIN rooms r ON r.id = m.room_id WHERE"

/* Expired messages (past their room's retention) are never shown, whether or not
 * the purge job has deleted them yet. */
#define RETAINED_SQL " AND" PCHAT_RETAINED("m.posted_at", "r.keep_sec")

/* The rooms of a page (FIND_IN_SET over "1,5,9"; NULL: any); two parameters. */
#define ROOMS_SQL " AND (? IS NULL OR FIND_IN_SET(m.room_id, ?) > 0)"
/* A page of messages across rooms (a user's alerts): the rooms, ids below a bound,
 * newest first; four parameters.  Ids, not a room's order: sequence numbers are per
 * room (one room's pages: pca_room_page). */
#define PAGE_SQL ROOMS_SQL " AND m.id < ?" RETAINED_SQL " ORDER BY m.id DESC LIMIT ?"
#define PAGE_PARAMS(rooms, before, limit) \
	PS(rooms), PS(rooms), PI((before) > 0 ? (before) : LLONG_MAX), PI(limit)

/* A round's candidates (common/pchat_search.h) as message.get's rows, with the
 * filters and the rooms, newest first; five parameters, then FILTER_PARAMS and the
 * rooms twice. */
#define CANDIDATES_SQL                                                                       \
	"SELECT" MSG_COLS " FROM " PCHAT_SEARCH_CANDIDATES " JOIN messages m ON m.id = c.id" \
	" JOIN rooms r ON r.id = m.room_id WHERE" FILTER_SQL ROOMS_SQL RETAINED_SQL          \
	" ORDER BY m.id DESC"

/* A search through the engine: its statements' arguments and the rows kept. */
struct search {
	struct pca_ctx *c;
	const struct pchat_search_query *q;
	const struct filter *f;
	const char *rooms;
	json_t *rows; /* kept, newest first */
	size_t want;
};

/* An id bound of the engine (~0: none) as a statement parameter. */
static struct pca_val id_bound(unsigned long long id)
{
	return PI(id > (unsigned long long)LLONG_MAX ? LLONG_MAX : (long long)id);
}

static int search_window(void *ctx, const char *key, unsigned long long before, unsigned limit,
		unsigned long long *count, unsigned long long *lowest)
{
	struct search *s = ctx;
	json_t *row = NULL;
	if(pca_row(s->c, &row, PCHAT_SEARCH_WINDOW, P(PS(key), id_bound(before), PI(limit))) < 0)
		return -1;
	*count = (unsigned long long)pca_col_int(row, 0);
	*lowest = (unsigned long long)pca_col_int(row, 1);
	json_decref(row);
	return 0;
}

/* The candidates in [from, before) that pass the filters and hold every word and
 * phrase, kept until there are want. */
static long search_candidates(
		void *ctx, const char *key, unsigned long long from, unsigned long long before)
{
	struct search *s = ctx;
	struct pca_val lo = id_bound(from), hi = id_bound(before);
	json_t *rows = pca_rows(s->c, CANDIDATES_SQL,
			P(PS(key), lo, hi, lo, hi, FILTER_PARAMS(s->f), PS(s->rooms),
					PS(s->rooms)));
	json_t *row;
	size_t i, before_n = json_array_size(s->rows);
	if(rows == NULL)
		return -1;
	json_array_foreach(rows, i, row)
	{
		if(json_array_size(s->rows) >= s->want)
			break;
		const json_t *body = json_array_get(row, 4);
		if(pchat_search_match(s->q, json_string_value(body), json_string_length(body)))
			json_array_append(s->rows, row);
	}
	json_decref(rows);
	return (long)(json_array_size(s->rows) - before_n);
}

static const struct pchat_search_io search_io = {search_window, search_candidates};

/* The rows of search (args' key: a 400 names it) newest first below before (0: the
 * newest), at most limit, reading at most budget index entries; *resume: where to go
 * on from when fewer came back and older ones may match (0: none can). */
static json_t *search_rows(struct pca_ctx *c, const char *key, const char *search,
		const struct filter *f, const char *rooms, long long before, long long limit,
		unsigned long budget, long long *resume)
{
	struct pchat_search_query q;
	struct search s = {c, &q, f, rooms, NULL, (size_t)limit};
	unsigned long long next = 0;
	char why[300];
	*resume = 0;
	if(pchat_search_parse(search, &q, why, sizeof(why)) < 0) {
		pca_fail(c, 400, "\"%s\": %s", key, why);
		return NULL;
	}
	s.rows = json_array();
	if(rooms && *rooms == '\0')
		return s.rows; /* no room to search: nothing to read */
	long n = pchat_search_run(&q, &search_io, &s, (unsigned long long)(before > 0 ? before : 0),
			(unsigned long)limit, budget, &next);
	if(n < 0) {
		json_decref(s.rows);
		return NULL;
	}
	if((size_t)n < s.want && next > 0)
		*resume = next > (unsigned long long)LLONG_MAX ? 0 : (long long)next;
	return s.rows;
}

int pca_message_page(struct pca_ctx *c, const char *key, const char *search,
		const struct pca_filter *by, const char *rooms, long long before, long long limit,
		json_t **result, long long *resume)
{
	struct filter f = {*by, PS(NULL), PS(NULL), by->any};
	json_t *rows = search_rows(
			c, key, search, &f, rooms, before, limit, PCHAT_SEARCH_SCAN_MAX, resume);
	return pca_list(c, rows, message_out, NULL, "message", NULL, result);
}

/* ---- one room's messages, in the room's order ---- */

/* A room's messages are in its order, (seq, id), as pchatd's history
 * (backend/dbj_messages.c run_history) and live delivery: on Galera the ids of two
 * posts made on two nodes at once may be in the other order than their sequence
 * numbers (docs/ARCHITECTURE.md, "A pool: ordered delivery"); messages stored before
 * migration 017 (seq NULL) come first, by id.  A page newest first is one short range
 * read backwards along (room_id, seq, id) (migration 021), the room's row a constant. */
#define ROOM_FROM                                                                                   \
	" FROM messages m JOIN rooms r ON r.id = m.room_id WHERE m.room_id = ? AND" PCHAT_RETAINED( \
			"m.posted_at", "r.keep_sec")
#define ROOM_SQL "SELECT" MSG_COLS ROOM_FROM
#define ROOM_NEWEST_FIRST " ORDER BY m.seq DESC, m.id DESC LIMIT ?"
enum room_page { ROOM_PAGE_NEWEST, ROOM_PAGE_SEQ, ROOM_PAGE_NULL, ROOM_PAGE_GONE };
/* Each: the room, then (but the newest) the cursor's seq or id, then the limit.
 * Before a numbered message: the smaller numbers and every unnumbered one; before an
 * unnumbered one: the unnumbered ones with smaller ids; before a cursor deleted
 * meanwhile (moderation, retention), which has no place in the order: the smaller ids,
 * read along (room_id, id), in the room's order. */
/* concatenations with macros, not missing commas */
/* NOLINTBEGIN(bugprone-suspicious-missing-comma) */
static const char *const room_page_sql[] = {
		[ROOM_PAGE_NEWEST] = ROOM_SQL ROOM_NEWEST_FIRST,
		[ROOM_PAGE_SEQ] = ROOM_SQL " AND (m.seq < ? OR m.seq IS NULL)" ROOM_NEWEST_FIRST,
		[ROOM_PAGE_NULL] = ROOM_SQL " AND m.seq IS NULL AND m.id < ?" ROOM_NEWEST_FIRST,
		[ROOM_PAGE_GONE] =
				"SELECT id, name, author, ts, body, replaced FROM (SELECT" MSG_COLS
				", m.seq" ROOM_FROM " AND m.id < ? ORDER BY m.id DESC LIMIT ?) x"
				" ORDER BY seq DESC, id DESC",
};
/* NOLINTEND(bugprone-suspicious-missing-comma) */

int pca_room_page(struct pca_ctx *c, long long room, long long before, long long limit,
		json_t **result)
{
	enum room_page page = ROOM_PAGE_NEWEST;
	long long seq = 0;
	json_t *rows;
	if(before > 0) {
		json_t *row = NULL;
		int found = pca_row(c, &row,
				"SELECT COALESCE(seq, 0) FROM messages WHERE id = ? AND room_id = ?",
				P(PI(before), PI(room)));
		if(found < 0)
			return -1;
		if(found)
			seq = pca_col_int(row, 0);
		json_decref(row);
		page = !found ? ROOM_PAGE_GONE : seq ? ROOM_PAGE_SEQ : ROOM_PAGE_NULL;
	}
	if(page == ROOM_PAGE_NEWEST)
		rows = pca_rows(c, room_page_sql[page], P(PI(room), PI(limit)));
	else
		rows = pca_rows(c, room_page_sql[page],
				P(PI(room), PI(page == ROOM_PAGE_SEQ ? seq : before), PI(limit)));
	return pca_list(c, rows, message_out, NULL, "message", NULL, result);
}

/* A user's alerts: each message their feeds matched once, with the feeds' ids (one
 * parameter, the user, then PAGE_SQL's).  Read from the user's matches (feeds_user,
 * then feed_matches' primary key), never by walking the messages. */
#define ALERTS_SQL                                                            \
	"SELECT" MSG_COLS ", x.feeds FROM (SELECT fm.message_id,"             \
	" GROUP_CONCAT(fm.feed_id ORDER BY fm.feed_id) AS feeds FROM feeds f" \
	" JOIN feed_matches fm ON fm.feed_id = f.id WHERE f.user_uri = ?"     \
	" GROUP BY fm.message_id) x JOIN messages m ON m.id = x.message_id"   \
	" JOIN rooms r ON r.id = m.room_id WHERE TRUE" PAGE_SQL

/* A message object with "feeds": the ids of GROUP_CONCAT's "3,5" in column 6. */
static int alert_out(struct pca_ctx *c, const json_t *row, json_t *out, void *arg)
{
	const char *s = pca_col(row, 6);
	json_t *ids = json_array();
	if(message_out(c, row, out, arg) < 0) {
		json_decref(ids);
		return -1;
	}
	while(*s) {
		char *end;
		unsigned long long id = strtoull(s, &end, 10);
		if(end == s)
			break;
		json_array_append_new(ids, json_integer((json_int_t)id));
		s = *end == ',' ? end + 1 : end;
	}
	return json_object_set_new(json_array_get(out, json_array_size(out) - 1), "feeds", ids);
}

int pca_message_alerts(struct pca_ctx *c, const char *user, const char *rooms, long long before,
		long long limit, json_t **result)
{
	json_t *rows = pca_rows(c, ALERTS_SQL, P(PS(user), PAGE_PARAMS(rooms, before, limit)));
	return pca_list(c, rows, alert_out, NULL, "alert", NULL, result);
}

int pca_message_get(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {
			"room", "author", "text", "since", "until", "id", "limit", "search", NULL};
	struct filter f;
	long long limit = 100, resume;
	const char *search;
	if(pca_keys(c, args, keys) < 0 || filter_parse(c, args, &f) < 0 ||
			pca_int(c, args, "limit", 1, 100000, &limit) < 0 ||
			pca_str(c, args, "search", 0, 65536, &search) < 0)
		return -1;
	json_t *rows;
	/* "search": words and "phrases" through the engine, newest first; the
	 * administrator's audit lists every match up to limit (no budget) */
	if(search)
		rows = search_rows(c, "search", search, &f, NULL, 0, limit, ~0UL, &resume);
	/* else oldest first: in one room, in the room's order (pca_room_page), along
	 * (room_id, seq, id) whatever the optimizer makes of FILTER_SQL's room test... */
	else if(f.by.room.t != PV_NULL)
		rows = pca_rows(c,
				GET_SQL " m.room_id = ? AND" FILTER_SQL RETAINED_SQL
					" ORDER BY m.seq, m.id LIMIT ?",
				P(f.by.room, FILTER_PARAMS(&f), PI(limit)));
	/* ...across rooms, by id: a room's numbers do not order another's */
	else
		rows = pca_rows(c, GET_SQL FILTER_SQL RETAINED_SQL " ORDER BY m.id LIMIT ?",
				P(FILTER_PARAMS(&f), PI(limit)));
	if(rows == NULL)
		return -1;
	return pca_list(c, rows, message_out, NULL, "message", NULL, result);
}

/* The most parameters of a pca_record_changes selection. */
#define RECORD_PARAMS_MAX 24

int pca_record_changes(struct pca_ctx *c, const char *selection, const struct pca_val *p, size_t n,
		const char *repl)
{
	struct pca_val v[RECORD_PARAMS_MAX];
	char sql[2048];
	if(n + 2 > RECORD_PARAMS_MAX ||
			(size_t)snprintf(sql, sizeof(sql),
					"INSERT INTO message_changes"
					" (room_id, msg_id, author, action, body, changed_at)"
					" SELECT m.room_id, m.id, m.author,"
					" IF(? IS NULL, 'removed', 'replaced'), ?, NOW(3)"
					" FROM messages m %s ORDER BY m.id",
					selection) >= sizeof(sql))
		return pca_fail(c, 500, "internal error: a change's selection is too long");
	v[0] = v[1] = PS(repl);
	memcpy(v + 2, p, n * sizeof(*p));
	if(pca_exec(c, "DELETE FROM message_changes WHERE changed_at < NOW(3) - INTERVAL 1 DAY",
			   P0) < 0)
		return -1;
	return pca_exec(c, sql, v, n + 2) < 0 ? -1 : 0;
}

/* Removes (repl NULL) or replaces the messages of f: how many. */
static long long change(struct pca_ctx *c, const struct filter *f, const char *repl)
{
	if(pca_record_changes(c, "WHERE" FILTER_SQL, P(FILTER_PARAMS(f)), repl) < 0)
		return -1;
	if(repl == NULL)
		return pca_exec(c, "DELETE m FROM messages m WHERE" FILTER_SQL,
				P(FILTER_PARAMS(f)));
	return pca_exec(c,
			"UPDATE messages m SET m.body = ?, m.replaced_at = NOW(3)"
			" WHERE" FILTER_SQL,
			P(PS(repl), FILTER_PARAMS(f)));
}

int pca_message_remove(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {"room", "author", "text", "since", "until", "id", NULL};
	struct filter f;
	if(filter_changes(c, args, keys, &f) < 0)
		return -1;
	long long n = change(c, &f, NULL);
	if(n < 0)
		return -1;
	*result = pca_count("removed", n);
	return 0;
}

int pca_message_replace(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {
			"room", "author", "text", "since", "until", "id", "replacement", NULL};
	struct filter f;
	const char *repl;
	if(filter_changes(c, args, keys, &f) < 0 ||
			pca_str(c, args, "replacement", 1, 65536, &repl) < 0)
		return -1;
	long long n = change(c, &f, repl);
	if(n < 0)
		return -1;
	*result = pca_count("replaced", n);
	return 0;
}

/* One message (args' id) of a room its manager changes: 404 if the room has none
 * of that id, as pca_room_with_right refuses a room. */
static int change_one(struct pca_ctx *c, const json_t *args, const char *repl, json_t **result)
{
	struct filter f = {0}; /* every filter SQL NULL (PV_NULL) but the room and id */
	struct pca_room room;
	long long id = 0;
	if(pca_int(c, args, "id", 1, MSG_ID_MAX, &id) <= 0) {
		if(c->err->status == 0)
			pca_fail(c, 400, "\"id\" (the message's id) is required");
		return -1;
	}
	if(pca_room_with_right(c, args, ACL_MANAGE, "you do not manage room", &room) < 0)
		return -1;
	json_decref(room.obj);
	f.by.room = PI(room.id);
	f.id = PI(id);
	long long n = change(c, &f, repl);
	if(n < 0)
		return -1;
	if(n == 0)
		return pca_fail(c, 404, "no message %lld in room \"%s\"", id,
				json_string_value(json_object_get(args, "room")));
	*result = json_pack("{s:I,s:i}", "id", (json_int_t)id, repl ? "replaced" : "removed", 1);
	return 0;
}

int pca_message_remove_one(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {"room", "id", NULL};
	if(pca_keys(c, args, keys) < 0)
		return -1;
	return change_one(c, args, NULL, result);
}

int pca_message_replace_one(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {"room", "id", "replacement", NULL};
	const char *repl;
	if(pca_keys(c, args, keys) < 0 || pca_str(c, args, "replacement", 1, 65536, &repl) < 0)
		return -1;
	return change_one(c, args, repl, result);
}
