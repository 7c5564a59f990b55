/*
 * pca_messages.c - message.get/remove/replace by filter (Get-, Remove- and
 * Set-CsPersistentChatMessage's -Room, -UserUri, -Filter, time range).
 */
#include <limits.h>
#include <stdio.h>

#include "pca_int.h"
#include "pchat_retention.h"
#include "pchat_search.h"

/* The filters of a request as statement parameters: room, author and time (shared
 * with file.*) and a text the body contains. */
struct filter {
	struct pca_filter by;
	struct pca_val text;
	int any; /* was any filter given */
};

/* Eleven parameters, in the order of FILTER_SQL. */
#define FILTER_SQL                                             \
	PCA_FILTER_SQL("m.room_id", "m.author", "m.posted_at") \
	" AND (? IS NULL OR INSTR(m.body, ?) > 0)"
#define FILTER_PARAMS(f) PCA_FILTER_PARAMS(&(f)->by), (f)->text, (f)->text

static int filter_parse(struct pca_ctx *c, const json_t *args, struct filter *f)
{
	const char *text;
	if(pca_str(c, args, "text", 0, 1024, &text) < 0 ||
			pca_filter_parse(c, args, "author", &f->by) < 0)
		return -1;
	f->text = PS(text && *text ? text : NULL);
	f->any = f->by.any || (text && *text);
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
				"give at least one filter (room, author, text, since, until)");
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

/* The columns and joins of message.get's rows (message_out). */
#define GET_SQL                                                                               \
	"SELECT m.id, r.name, m.author, DATE_FORMAT(m.posted_at, '%Y-%m-%dT%H:%i:%s.%fZ'),"   \
	" m.body, m.replaced_at IS NOT NULL FROM messages m JOIN rooms r ON r.id = m.room_id" \
	" WHERE"

/* Expired messages (past their room's retention) are never shown, whether or not
 * the purge job has deleted them yet. */
#define RETAINED_SQL " AND" PCHAT_RETAINED("m.posted_at", "r.keep_sec")

/* A page: the rooms (FIND_IN_SET over "1,5,9"), ids below a bound, newest first;
 * four parameters. */
#define PAGE_SQL                                                                      \
	" AND (? IS NULL OR FIND_IN_SET(m.room_id, ?) > 0) AND m.id < ?" RETAINED_SQL \
	" ORDER BY m.id DESC LIMIT ?"
#define PAGE_PARAMS(rooms, before, limit) \
	PS(rooms), PS(rooms), PI((before) > 0 ? (before) : LLONG_MAX), PI(limit)

/* The rows of a page (pca_message_page); with search (args' key), through the engine. */
static json_t *page_rows(struct pca_ctx *c, const char *key, const char *search,
		const struct filter *f, const char *rooms, long long before, long long limit)
{
	char expr[PCHAT_SEARCH_EXPR_SIZE], why[300];
	if(search == NULL)
		return pca_rows(c, GET_SQL FILTER_SQL PAGE_SQL,
				P(FILTER_PARAMS(f), PAGE_PARAMS(rooms, before, limit)));
	if(pchat_search_expr(search, expr, sizeof(expr), why, sizeof(why)) < 0) {
		pca_fail(c, 400, "\"%s\": %s", key, why);
		return NULL;
	}
	return pca_rows(c, GET_SQL " " PCHAT_SEARCH_MATCH " AND" FILTER_SQL PAGE_SQL,
			P(PS(expr), FILTER_PARAMS(f), PAGE_PARAMS(rooms, before, limit)));
}

int pca_message_page(struct pca_ctx *c, const char *key, const char *search,
		const struct pca_filter *by, const char *rooms, long long before, long long limit,
		json_t **result)
{
	struct filter f = {*by, PS(NULL), by->any};
	json_t *rows = page_rows(c, key, search, &f, rooms, before, limit);
	return pca_list(c, rows, message_out, NULL, "message", NULL, result);
}

int pca_message_get(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {
			"room", "author", "text", "since", "until", "limit", "search", NULL};
	struct filter f;
	long long limit = 100;
	const char *search;
	if(pca_keys(c, args, keys) < 0 || filter_parse(c, args, &f) < 0 ||
			pca_int(c, args, "limit", 1, 100000, &limit) < 0 ||
			pca_str(c, args, "search", 0, 65536, &search) < 0)
		return -1;
	/* "search": words and "phrases" through the engine, newest first */
	json_t *rows = search
			? page_rows(c, "search", search, &f, NULL, 0, limit)
			: pca_rows(c, GET_SQL FILTER_SQL RETAINED_SQL " ORDER BY m.id LIMIT ?",
					  P(FILTER_PARAMS(&f), PI(limit)));
	if(rows == NULL)
		return -1;
	return pca_list(c, rows, message_out, NULL, "message", NULL, result);
}

int pca_message_remove(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {"room", "author", "text", "since", "until", NULL};
	struct filter f;
	if(filter_changes(c, args, keys, &f) < 0)
		return -1;
	long long n = pca_exec(
			c, "DELETE m FROM messages m WHERE" FILTER_SQL, P(FILTER_PARAMS(&f)));
	if(n < 0)
		return -1;
	*result = pca_count("removed", n);
	return 0;
}

int pca_message_replace(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {
			"room", "author", "text", "since", "until", "replacement", NULL};
	struct filter f;
	const char *repl;
	if(filter_changes(c, args, keys, &f) < 0 ||
			pca_str(c, args, "replacement", 1, 65536, &repl) < 0)
		return -1;
	long long n = pca_exec(c,
			"UPDATE messages m SET m.body = ?, m.replaced_at = NOW(3)"
			" WHERE" FILTER_SQL,
			P(PS(repl), FILTER_PARAMS(&f)));
	if(n < 0)
		return -1;
	*result = pca_count("replaced", n);
	return 0;
}
