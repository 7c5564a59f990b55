/*
 * pca_search.c - the upkeep of the message search index (issue 15;
 * common/pchat_search.h is the engine, sql/migrations/014_search_terms.sql the
 * tables): search.index, one batch of the indexer (pchatd's backend/searchindex.c,
 * pchat-admin search index), and search.status.
 *
 * A batch is one transaction: it takes the newest queued ids (search_pending) that
 * no other indexer holds, reads their texts, replaces their rows in message_terms
 * (a changed text has old ones) and takes them off the queue.  Several pchatd of a
 * pool index side by side without a lease: FOR UPDATE SKIP LOCKED gives each batch
 * rows no other one holds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pca_int.h"
#include "pchat_search.h"

#define INDEX_BATCH 500	     /* queued messages a batch takes by default */
#define INDEX_BATCH_MAX 5000 /* ... and at most */
/* JSON bytes of one insert: the rows of a batch go in one statement unless they
 * pass this (500 long texts), well under max_allowed_packet (16 MiB by default). */
#define INSERT_BYTES_MAX (4 << 20)
/* Queued messages a batch counts exactly for "left"; above it, InnoDB's estimate
 * (counting ten million after an upgrade would cost each batch seconds). */
#define LEFT_EXACT 10000

/* The ids of a JSON array parameter [1, 2, ...] as a table j(id), joined first to
 * table (its key on col) with STRAIGHT_JOIN: the optimizer would rather scan a small
 * table, and a locking statement would then lock, or wait for, every row of it. */
#define IDS_JOIN(table, col)                                                                 \
	"JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT UNSIGNED PATH '$')) j STRAIGHT_JOIN " table \
	" ON " col " = j.id"

/* The rows of a table InnoDB estimates (its statistics), for one parameter: the
 * table's name. */
#define TABLE_ROWS_SQL                                                                      \
	"SELECT COALESCE(MAX(TABLE_ROWS), 0), COALESCE(MAX(DATA_LENGTH + INDEX_LENGTH), 0)" \
	" FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?"

/* ---- search.index ---- */

/* Up to n queued ids, newest first, none another batch holds: a JSON array text
 * in *ids (free it) and their number in *taken. */
static int take(struct pca_ctx *c, long long n, char **ids, size_t *taken)
{
	json_t *rows = pca_rows(c,
			"SELECT msg_id FROM search_pending ORDER BY msg_id DESC LIMIT ?"
			" FOR UPDATE SKIP LOCKED",
			P(PI(n)));
	json_t *arr = json_array(), *row;
	size_t i;
	if(rows == NULL) {
		json_decref(arr);
		return -1;
	}
	json_array_foreach(rows, i, row)
	{
		json_array_append_new(arr, json_integer(pca_col_int(row, 0)));
	}
	*taken = json_array_size(rows);
	*ids = json_dumps(arr, JSON_COMPACT);
	json_decref(rows);
	json_decref(arr);
	return *ids ? 0 : pca_fail(c, 500, "out of memory");
}

/* The index rows of a batch: [[term, msg_id], ...] and its size in JSON bytes. */
struct pairs {
	json_t *arr;
	size_t bytes;
	long long rows; /* inserted so far */
};

static int flush(struct pca_ctx *c, struct pairs *p)
{
	if(json_array_size(p->arr) == 0)
		return 0;
	char *param = json_dumps(p->arr, JSON_COMPACT);
	long long n = param ? pca_exec(c, PCHAT_SEARCH_INDEX_INSERT, P(PS(param)))
			    : pca_fail(c, 500, "out of memory");
	free(param);
	json_array_clear(p->arr);
	p->bytes = 0;
	if(n < 0)
		return -1;
	p->rows += n;
	return 0;
}

/* pchat_search_terms' callback: a term into the message's set (a word may come
 * twice). */
static void add_term(const char *term, size_t n, void *arg)
{
	json_object_setn((json_t *)arg, term, n, json_true());
}

/* The rows of message id (its text: body), inserted once they pass INSERT_BYTES_MAX. */
static int add_message(struct pca_ctx *c, struct pairs *p, long long id, const json_t *body)
{
	json_t *terms = json_object(), *v;
	const char *term;
	int rc = 0;
	pchat_search_terms(json_string_value(body), json_string_length(body), add_term, terms);
	json_object_foreach(terms, term, v)
	{
		json_array_append_new(p->arr, json_pack("[s,I]", term, (json_int_t)id));
		p->bytes += strlen(term) + 28; /* the id, quotes, brackets and commas */
	}
	json_decref(terms);
	if(p->bytes > INSERT_BYTES_MAX)
		rc = flush(c, p);
	return rc;
}

/* The texts of ids (a message gone has none), and each one's rows written anew. */
static int write_rows(struct pca_ctx *c, const char *ids, long long *rows)
{
	json_t *texts = pca_rows(c,
			"SELECT m.id, m.body FROM " IDS_JOIN(
					"messages m FORCE INDEX (PRIMARY)", "m.id"),
			P(PS(ids)));
	struct pairs p = {json_array(), 0, 0};
	json_t *row;
	size_t i;
	int rc = texts ? 0 : -1;
	/* a changed text's old rows go; the multi-table form joins on the ids (a
	 * DELETE ... IN (subquery) would scan message_terms) */
	if(rc == 0 &&
			pca_exec(c, "DELETE t FROM " IDS_JOIN("message_terms t", "t.msg_id"),
					P(PS(ids))) < 0)
		rc = -1;
	json_array_foreach(texts, i, row)
	{
		if(rc == 0)
			rc = add_message(c, &p, pca_col_int(row, 0), json_array_get(row, 1));
	}
	if(rc == 0)
		rc = flush(c, &p);
	*rows = p.rows;
	json_decref(p.arr);
	json_decref(texts);
	return rc;
}

/* The queued messages (this transaction's taken off): counted up to LEFT_EXACT,
 * InnoDB's estimate above. */
static long long left(struct pca_ctx *c)
{
	json_t *row = NULL;
	if(pca_row(c, &row, "SELECT COUNT(*) FROM (SELECT 1 FROM search_pending LIMIT ?) q",
			   P(PI(LEFT_EXACT + 1))) < 0)
		return -1;
	long long n = pca_col_int(row, 0);
	json_decref(row);
	if(n <= LEFT_EXACT)
		return n;
	if(pca_row(c, &row, TABLE_ROWS_SQL, P(PS("search_pending"))) < 0)
		return -1;
	long long estimate = pca_col_int(row, 0);
	json_decref(row);
	return estimate > n ? estimate : n;
}

int pca_search_index(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {"batch", NULL};
	long long batch = INDEX_BATCH, rows = 0, queued;
	char *ids = NULL;
	size_t taken = 0;
	/* READ COMMITTED: under REPEATABLE READ, taking the newest ids would lock the gap
	 * above them, where every new post's trigger inserts its id */
	if(pca_keys(c, args, keys) < 0 ||
			pca_int(c, args, "batch", 1, INDEX_BATCH_MAX, &batch) < 0 ||
			pca_read_committed(c) < 0 || take(c, batch, &ids, &taken) < 0)
		return -1;
	int rc = taken == 0 ? 0 : write_rows(c, ids, &rows);
	if(rc == 0 && taken > 0 &&
			pca_exec(c, "DELETE q FROM " IDS_JOIN("search_pending q", "q.msg_id"),
					P(PS(ids))) < 0)
		rc = -1;
	free(ids);
	if(rc < 0 || (queued = left(c)) < 0)
		return -1;
	*result = json_pack("{s:I,s:I,s:I}", "indexed", (json_int_t)taken, "terms",
			(json_int_t)rows, "left", (json_int_t)queued);
	return *result ? 0 : pca_fail(c, 500, "out of memory");
}

/* ---- search.status ---- */

/* The queued message at one end of the queue (ASC: the oldest), its time. */
#define QUEUE_END_SQL(order)                                                             \
	"(SELECT " PCA_ISO("m.posted_at") " FROM search_pending p JOIN messages m"       \
					  " ON m.id = p.msg_id ORDER BY p.msg_id " order \
					  " LIMIT 1)"

int pca_search_status(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {NULL};
	json_t *queue = NULL, *index = NULL;
	if(pca_keys(c, args, keys) < 0 ||
			pca_row(c, &queue,
					"SELECT COUNT(*), " QUEUE_END_SQL("ASC") ", " QUEUE_END_SQL(
							"DESC") " FROM search_pending",
					P0) < 0 ||
			pca_row(c, &index, TABLE_ROWS_SQL, P(PS("message_terms"))) < 0) {
		json_decref(queue);
		return -1;
	}
	*result = json_pack("{s:I,s:o,s:o,s:I,s:I}", "queued", (json_int_t)pca_col_int(queue, 0),
			"oldest_queued", pca_col_json(queue, 1), "newest_queued",
			pca_col_json(queue, 2), "index_rows", (json_int_t)pca_col_int(index, 0),
			"index_bytes", (json_int_t)pca_col_int(index, 1));
	json_decref(queue);
	json_decref(index);
	return *result ? 0 : pca_fail(c, 500, "out of memory");
}
