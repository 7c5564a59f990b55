/*
 * pca_sql.c - the one layer over MariaDB's prepared statements: parameters from
 * struct pca_val arrays, every result column fetched as text into JSON arrays, so
 * that the verbs are a statement and a loop, not binding boilerplate.
 */
#include <stdlib.h>
#include <string.h>

#include "pca_int.h"

#define MAX_PARAMS 32

static int stmt_fail(struct pca_ctx *c, MYSQL_STMT *st)
{
	unsigned int e = st ? mysql_stmt_errno(st) : mysql_errno(c->db);
	const char *m = st ? mysql_stmt_error(st) : mysql_error(c->db);
	return pca_db_fail(c, e, m);
}

static void bind_params(MYSQL_BIND *b, unsigned long *len, const struct pca_val *p, size_t n)
{
	memset(b, 0, n * sizeof(*b));
	for(size_t i = 0; i < n; i++) {
		if(p[i].t == PV_STR) {
			len[i] = strlen(p[i].s);
			b[i].buffer_type = MYSQL_TYPE_STRING;
			b[i].buffer = (void *)p[i].s;
			b[i].buffer_length = len[i];
			b[i].length = &len[i];
		} else if(p[i].t == PV_INT) {
			b[i].buffer_type = MYSQL_TYPE_LONGLONG;
			b[i].buffer = (void *)&p[i].i;
		} else {
			b[i].buffer_type = MYSQL_TYPE_NULL;
		}
	}
}

/* Prepares and executes sql with p; NULL (error filled in) on failure. */
static MYSQL_STMT *stmt_run(struct pca_ctx *c, const char *sql, const struct pca_val *p, size_t n)
{
	MYSQL_BIND b[MAX_PARAMS];
	unsigned long len[MAX_PARAMS];
	if(n > MAX_PARAMS) {
		pca_fail(c, 500, "internal error: too many statement parameters");
		return NULL;
	}
	MYSQL_STMT *st = mysql_stmt_init(c->db);
	if(!st) {
		stmt_fail(c, NULL);
		return NULL;
	}
	bind_params(b, len, p, n);
	if(mysql_stmt_prepare(st, sql, strlen(sql)) || (n && mysql_stmt_bind_param(st, b)) ||
			mysql_stmt_execute(st)) {
		stmt_fail(c, st);
		mysql_stmt_close(st);
		return NULL;
	}
	return st;
}

long long pca_exec(struct pca_ctx *c, const char *sql, const struct pca_val *p, size_t n)
{
	MYSQL_STMT *st = stmt_run(c, sql, p, n);
	if(!st)
		return -1;
	long long affected = (long long)mysql_stmt_affected_rows(st);
	c->insert_id = mysql_stmt_insert_id(st);
	mysql_stmt_close(st);
	return affected;
}

int pca_read_committed(struct pca_ctx *c)
{
	return pca_exec(c, "SET TRANSACTION ISOLATION LEVEL READ COMMITTED", P0) < 0 ? -1 : 0;
}

/* The result columns, fetched as text; long values are fetched again in full. */
struct cols {
	size_t n;
	MYSQL_BIND *b;
	unsigned long *len;
	my_bool *null;
	char *buf;
};

#define COL_BUF 256

static int cols_bind(struct cols *k, MYSQL_STMT *st)
{
	k->n = mysql_stmt_field_count(st);
	k->b = calloc(k->n ? k->n : 1, sizeof(*k->b));
	k->len = calloc(k->n ? k->n : 1, sizeof(*k->len));
	k->null = calloc(k->n ? k->n : 1, sizeof(*k->null));
	k->buf = malloc((k->n ? k->n : 1) * COL_BUF);
	if(!k->b || !k->len || !k->null || !k->buf)
		return -1;
	for(size_t i = 0; i < k->n; i++) {
		k->b[i].buffer_type = MYSQL_TYPE_STRING;
		k->b[i].buffer = k->buf + i * COL_BUF;
		k->b[i].buffer_length = COL_BUF;
		k->b[i].length = &k->len[i];
		k->b[i].is_null = &k->null[i];
	}
	return mysql_stmt_bind_result(st, k->b) ? -1 : 0;
}

static void cols_free(struct cols *k)
{
	free(k->b);
	free(k->len);
	free(k->null);
	free(k->buf);
}

static json_t *text_json(const char *s, size_t len)
{
	json_t *v = json_stringn(s, len);
	return v ? v : json_string("\xef\xbf\xbd"); /* not UTF-8: U+FFFD */
}

/* Column i of the current row as JSON. */
static json_t *col_value(MYSQL_STMT *st, struct cols *k, size_t i)
{
	if(k->null[i])
		return json_null();
	if(k->len[i] <= COL_BUF)
		return text_json(k->buf + i * COL_BUF, k->len[i]);
	char *big = malloc(k->len[i]);
	MYSQL_BIND b = {0};
	unsigned long len = 0;
	b.buffer_type = MYSQL_TYPE_STRING;
	b.buffer = big;
	b.buffer_length = k->len[i];
	b.length = &len;
	json_t *v = NULL;
	if(big && mysql_stmt_fetch_column(st, &b, (unsigned)i, 0) == 0)
		v = text_json(big, len < k->len[i] ? len : k->len[i]);
	free(big);
	return v;
}

static json_t *fetch_all(struct pca_ctx *c, MYSQL_STMT *st)
{
	struct cols k = {0};
	json_t *rows = json_array();
	if(cols_bind(&k, st) < 0 || mysql_stmt_store_result(st)) {
		stmt_fail(c, st);
		goto fail;
	}
	int rc;
	while((rc = mysql_stmt_fetch(st)) == 0 || rc == MYSQL_DATA_TRUNCATED) {
		json_t *row = json_array();
		for(size_t i = 0; i < k.n; i++)
			if(json_array_append_new(row, col_value(st, &k, i)) < 0) {
				json_decref(row);
				pca_fail(c, 500, "out of memory reading a row");
				goto fail;
			}
		json_array_append_new(rows, row);
	}
	if(rc != MYSQL_NO_DATA) {
		stmt_fail(c, st);
		goto fail;
	}
	cols_free(&k);
	return rows;
fail:
	cols_free(&k);
	json_decref(rows);
	return NULL;
}

json_t *pca_rows(struct pca_ctx *c, const char *sql, const struct pca_val *p, size_t n)
{
	MYSQL_STMT *st = stmt_run(c, sql, p, n);
	if(!st)
		return NULL;
	json_t *rows = fetch_all(c, st);
	mysql_stmt_close(st);
	return rows;
}

int pca_row(struct pca_ctx *c, json_t **row, const char *sql, const struct pca_val *p, size_t n)
{
	json_t *rows = pca_rows(c, sql, p, n);
	*row = NULL;
	if(!rows)
		return -1;
	if(json_array_size(rows) > 0)
		*row = json_incref(json_array_get(rows, 0));
	json_decref(rows);
	return *row ? 1 : 0;
}

const char *pca_col(const json_t *row, size_t i)
{
	const char *s = json_string_value(json_array_get(row, i));
	return s ? s : "";
}

long long pca_col_int(const json_t *row, size_t i)
{
	return strtoll(pca_col(row, i), NULL, 10);
}

json_t *pca_col_bool(const json_t *row, size_t i)
{
	return json_boolean(pca_col_int(row, i) != 0);
}

json_t *pca_col_json(const json_t *row, size_t i)
{
	return json_incref(json_array_get(row, i));
}
