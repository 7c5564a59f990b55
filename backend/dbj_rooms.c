/*
 * dbj_rooms.c - database jobs that read rooms and categories: load one room,
 * search, every room (the reload), a user's invitations, every category.  Each
 * kind: its constructor (db.h), its SQL, how it runs (dbkind.h).
 */
#include "dbkind.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* ---- DB_LOAD_ROOM: a room by (domain, chan_id) ---- */

struct db_job *db_load_room(const char *domain, const char *chan_id, db_done_fn done, void *arg)
{
	struct db_job *job = db_job_alloc(DB_LOAD_ROOM, done, arg);
	job->u.room.domain = xstrdup(domain);
	job->u.room.chan_id = xstrdup(chan_id);
	return job;
}

static enum dbsql_result run_load(struct dbsql *d, struct db_job *job)
{
	enum dbsql_result rc = db_exec(d, job, 0, "ss", job->u.room.domain, job->u.room.chan_id);
	if(DB_GO_ON(rc, job))
		rc = db_fetch_rooms(d, job, 0, DB_EXTRA_NONE, &job->u.room.out);
	if(DB_GO_ON(rc, job) && job->u.room.out.n == 0)
		job->status = DB_NOT_FOUND;
	return rc;
}

static void load_clear(struct db_job *job)
{
	db_rooms_clear(&job->u.room.out);
}

static void load_free(struct db_job *job)
{
	free(job->u.room.domain);
	free(job->u.room.chan_id);
}

const struct db_kind dbk_load_room = {"load room",
		{"SELECT " DB_ROOM_COLS " FROM rooms r WHERE r.domain = ? AND r.chan_id = ?"},
		run_load, load_clear, load_free, 0};

/* ---- DB_SEARCH: rooms whose name or description contains the criteria ---- */

struct db_job *db_search(const char *criteria, unsigned limit, db_done_fn done, void *arg)
{
	struct db_job *job = db_job_alloc(DB_SEARCH, done, arg);
	job->u.search.criteria = xstrdup(criteria);
	job->u.search.limit = limit;
	return job;
}

static enum dbsql_result run_search(struct dbsql *d, struct db_job *job)
{
	const char *q = job->u.search.criteria;
	enum dbsql_result rc = db_exec(d, job, 0, "sssi", q, q, q, job->u.search.limit);
	if(DB_GO_ON(rc, job))
		rc = db_fetch_rooms(d, job, 0, DB_EXTRA_NONE, &job->u.search.out);
	return rc;
}

static void search_clear(struct db_job *job)
{
	db_rooms_clear(&job->u.search.out);
}

static void search_free(struct db_job *job)
{
	free(job->u.search.criteria);
}

/* INSTR rather than LIKE: the search text needs no %/_ escaping.  The column
 * collation (utf8mb4_general_ci) makes the match case-insensitive. */
const struct db_kind dbk_search = {"search rooms",
		{"SELECT " DB_ROOM_COLS " FROM rooms r"
		 " WHERE (? = '' OR INSTR(r.name, ?) > 0 OR INSTR(r.description, ?) > 0)"
		 " ORDER BY r.name LIMIT ?"},
		run_search, search_clear, search_free, 0};

/* ---- DB_ROOMS_ALL: every room (the cache's reload) ---- */

struct db_job *db_rooms_all(db_done_fn done, void *arg)
{
	return db_job_alloc(DB_ROOMS_ALL, done, arg);
}

static enum dbsql_result run_rooms_all(struct dbsql *d, struct db_job *job)
{
	enum dbsql_result rc = db_exec(d, job, 0, "");
	if(DB_GO_ON(rc, job))
		rc = db_fetch_rooms(d, job, 0, DB_EXTRA_NONE, &job->u.rooms_all.out);
	return rc;
}

static void rooms_all_clear(struct db_job *job)
{
	db_rooms_clear(&job->u.rooms_all.out);
}

const struct db_kind dbk_rooms_all = {"reload rooms",
		{"SELECT " DB_ROOM_COLS " FROM rooms r ORDER BY r.id"}, run_rooms_all,
		rooms_all_clear, db_job_noop, 0};

/* ---- DB_LOAD_ROOMS: rooms by id, in one read (a search's matches' rooms) ---- */

struct db_job *db_load_rooms(const char *ids, db_done_fn done, void *arg)
{
	struct db_job *job = db_job_alloc(DB_LOAD_ROOMS, done, arg);
	job->u.rooms_all.ids = xstrdup(ids);
	return job;
}

static enum dbsql_result run_load_rooms(struct dbsql *d, struct db_job *job)
{
	enum dbsql_result rc = db_exec(d, job, 0, "s", job->u.rooms_all.ids);
	if(DB_GO_ON(rc, job))
		rc = db_fetch_rooms(d, job, 0, DB_EXTRA_NONE, &job->u.rooms_all.out);
	return rc;
}

static void load_rooms_free(struct db_job *job)
{
	free(job->u.rooms_all.ids);
}

const struct db_kind dbk_load_rooms = {"load rooms",
		{"SELECT " DB_ROOM_COLS " FROM rooms r JOIN JSON_TABLE(?, '$[*]'"
		 " COLUMNS (id BIGINT UNSIGNED PATH '$')) j ON r.id = j.id"},
		run_load_rooms, rooms_all_clear, load_rooms_free, 0};

/* ---- DB_GET_INV: a user's invitations after an id, oldest first ---- */

struct db_job *db_invitations(const char *user, uint64_t after, db_done_fn done, void *arg)
{
	struct db_job *job = db_job_alloc(DB_GET_INV, done, arg);
	job->u.user_rooms.user = xstrdup(user);
	job->u.user_rooms.after = after;
	return job;
}

/* A user's rooms with what follows their columns: DB_GET_INV's and, in
 * dbj_user.c, DB_ASSOCIATIONS'. */
enum dbsql_result db_run_user_rooms(struct dbsql *d, struct db_job *job, enum db_room_extra extra)
{
	/* GET_INV's statement has the id to start after too */
	enum dbsql_result rc = extra == DB_EXTRA_INV
			? db_exec(d, job, 0, "su", job->u.user_rooms.user, job->u.user_rooms.after)
			: db_exec(d, job, 0, "s", job->u.user_rooms.user);
	if(DB_GO_ON(rc, job))
		rc = db_fetch_rooms(d, job, 0, extra, &job->u.user_rooms.out);
	return rc;
}

static enum dbsql_result run_get_inv(struct dbsql *d, struct db_job *job)
{
	return db_run_user_rooms(d, job, DB_EXTRA_INV);
}

/* Also DB_ASSOCIATIONS' (dbj_user.c). */
void db_user_rooms_clear(struct db_job *job)
{
	db_rooms_clear(&job->u.user_rooms.out);
}

void db_user_rooms_free(struct db_job *job)
{
	free(job->u.user_rooms.user);
}

const struct db_kind dbk_get_inv = {"invitations",
		{"SELECT " DB_ROOM_COLS ", i.id, i.inviter, i.created_at"
		 " FROM invitations i JOIN rooms r ON r.id = i.room_id"
		 " WHERE i.user_uri = ? AND i.id > ? ORDER BY i.id"},
		run_get_inv, db_user_rooms_clear, db_user_rooms_free, 0};

/* ---- DB_CATEGORIES: every category with its principal lists ---- */

struct db_job *db_categories(db_done_fn done, void *arg)
{
	return db_job_alloc(DB_CATEGORIES, done, arg);
}

enum { CAT_NCOLS = 8 };

struct category_rows {
	struct db_col cols[CAT_NCOLS - 1];
	uint64_t id;
	struct db_job *job;
	size_t cap;
};

static void category_row(MYSQL_STMT *st, void *ctx)
{
	struct category_rows *b = ctx;
	struct db_category *c;
	b->job->u.categories.v = db_grow(b->job->u.categories.v, &b->job->u.categories.n, &b->cap,
			sizeof(*c), (void **)&c);
	c->id = b->id;
	c->domain = db_col_str(st, &b->cols[0], 1, NULL);
	c->cat_id = db_col_str(st, &b->cols[1], 2, NULL);
	c->name = db_col_str(st, &b->cols[2], 3, NULL);
	c->description = db_col_str(st, &b->cols[3], 4, NULL);
	c->allowed = db_col_str(st, &b->cols[4], 5, NULL);
	c->denied = db_col_str(st, &b->cols[5], 6, NULL);
	c->creators = db_col_str(st, &b->cols[6], 7, NULL);
}

static enum dbsql_result run_categories(struct dbsql *d, struct db_job *job)
{
	struct category_rows *b;
	MYSQL_BIND res[CAT_NCOLS];
	enum dbsql_result rc = db_exec(d, job, 0, "");
	unsigned i;

	if(!DB_GO_ON(rc, job))
		return rc;
	b = xcalloc(1, sizeof(*b));
	b->job = job;
	db_bind_u64(&res[0], &b->id);
	for(i = 1; i < CAT_NCOLS; i++)
		db_bind_col(&res[i], &b->cols[i - 1]);
	rc = db_fetch(d, job, 0, res, category_row, b);
	free(b);
	return rc;
}

static void categories_clear(struct db_job *job)
{
	size_t i;
	for(i = 0; i < job->u.categories.n; i++) {
		struct db_category *c = &job->u.categories.v[i];
		free(c->domain);
		free(c->cat_id);
		free(c->name);
		free(c->description);
		free(c->allowed);
		free(c->denied);
		free(c->creators);
	}
	free(job->u.categories.v);
	job->u.categories.v = NULL;
	job->u.categories.n = 0;
}

/* clang-format off */
const struct db_kind dbk_categories = {"categories",
		{"SELECT c.id, c.domain, c.cat_id, c.name, c.description, "
		 DB_PRINCIPALS("category_principals", "category_id", "c.id", "allowed") ", "
		 DB_PRINCIPALS("category_principals", "category_id", "c.id", "denied") ", "
		 DB_PRINCIPALS("category_principals", "category_id", "c.id", "creator")
		 " FROM categories c ORDER BY c.name"},
		run_categories, categories_clear, db_job_noop, 0};
/* clang-format on */
