/*
 * pca_filestore.c - what is in the file store: file.get, file.remove and
 * file.usage for the administrator (pchat-admin file ...), file.list_room for users
 * who may read the room (the web page), and the sweeper's two verbs (pchatd's file
 * service, docs/FILES.md "Nothing orphaned").
 *
 * A file is removed by removing its post: the foreign key sets files.message_id
 * to NULL, and the sweeper deletes the stored file and then the row, exactly as
 * after pchat-admin message remove, room clear or room removal.
 */
#include <stdio.h>
#include <string.h>

#include "pca_int.h"

/* The filters of file.get/remove as statement parameters: room, user (the
 * uploader) and time (shared with message.*), the stored name and the state. */
struct ffilter {
	struct pca_filter by;
	struct pca_val file, state;
	int any;
};

/* Thirteen parameters, in the order of FFILTER_SQL. */
#define FFILTER_SQL                                               \
	PCA_FILTER_SQL("f.room_id", "f.uploader", "f.created_at") \
	" AND (? IS NULL OR f.stored_name = ?) AND (? IS NULL OR f.state = ?)"
#define FFILTER_PARAMS(f) PCA_FILTER_PARAMS(&(f)->by), (f)->file, (f)->file, (f)->state, (f)->state

/* The shared filters (room, user, since, until), and room_id: a room's number (the
 * store's directory name, also of a room removed since), taken when room (a room's
 * name, chan id or URI) is not given. */
static int ffilter_by(struct pca_ctx *c, const json_t *args, struct pca_filter *by)
{
	long long id;
	int has_id = pca_int(c, args, "room_id", 1, (long long)1 << 62, &id);
	if(has_id < 0 || pca_filter_parse(c, args, "user", by) < 0)
		return -1;
	if(by->room.t == PV_NULL && has_id)
		by->room = PI(id);
	by->any = by->any || has_id;
	return 0;
}

static int ffilter_parse(struct pca_ctx *c, const json_t *args, struct ffilter *f)
{
	static const char *const states[] = {"uploading", "stored", NULL};
	const char *file;
	int state = 0, has_state;
	if(pca_str(c, args, "file", 0, 64, &file) < 0 ||
			(has_state = pca_enum(c, args, "state", states, &state)) < 0 ||
			ffilter_by(c, args, &f->by) < 0)
		return -1;
	f->file = PS(file);
	f->state = PS(has_state ? states[state] : NULL);
	f->any = f->by.any || file;
	return 0;
}

#define ISO(col) "DATE_FORMAT(" col ", '%Y-%m-%dT%H:%i:%s.%fZ')"

static int file_row_out(struct pca_ctx *c, const json_t *row, json_t *out, void *arg)
{
	json_t *msg = json_array_get(row, 11);
	(void)c;
	(void)arg;
	msg = json_is_null(msg) ? json_null() : json_integer(pca_col_int(row, 11));
	return json_array_append_new(out,
			json_pack("{s:I,s:I,s:O,s:O,s:O,s:I,s:O,s:O,s:O,s:O,s:O,s:o}", "id",
					(json_int_t)pca_col_int(row, 0), "room_id",
					(json_int_t)pca_col_int(row, 1), "room",
					json_array_get(row, 2), "file", json_array_get(row, 3),
					"name", json_array_get(row, 4), "size",
					(json_int_t)pca_col_int(row, 5), "content_type",
					json_array_get(row, 6), "uploader", json_array_get(row, 7),
					"state", json_array_get(row, 8), "created",
					json_array_get(row, 9), "stored", json_array_get(row, 10),
					"message_id", msg));
}

/* The files matching f, as file objects: sql is FILE_SELECT followed by any further
 * condition, the order and "LIMIT ?" (limit). */
#define FILE_SELECT                                                                          \
	"SELECT f.id, f.room_id, r.name, f.stored_name, f.file_name, f.size,"                \
	" f.content_type, f.uploader, f.state, " ISO("f.created_at") ", " ISO(               \
			"f.stored_at") ", f.message_id"                                      \
				       " FROM files f LEFT JOIN rooms r ON r.id = f.room_id" \
				       " WHERE" FFILTER_SQL
static int file_list(struct pca_ctx *c, const char *sql, const struct ffilter *f, long long limit,
		json_t **result)
{
	json_t *rows = pca_rows(c, sql, P(FFILTER_PARAMS(f), PI(limit)));
	return pca_list(c, rows, file_row_out, NULL, "file", NULL, result);
}

int pca_file_get(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {"room", "room_id", "user", "since", "until", "file",
			"state", "limit", NULL};
	struct ffilter f;
	long long limit = 100;
	if(pca_keys(c, args, keys) < 0 || ffilter_parse(c, args, &f) < 0 ||
			pca_int(c, args, "limit", 1, 1000000, &limit) < 0)
		return -1;
	return file_list(c, FILE_SELECT " ORDER BY f.id LIMIT ?", &f, limit, result);
}

/* A room's files for whoever may read it (its history, where their posts are): the
 * stored ones that still have their post, newest first.  The web page's list. */
int pca_file_list_room(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {"room", "limit", NULL};
	struct ffilter f = {0}; /* every filter SQL NULL (PV_NULL) but these: */
	struct pca_room room;
	long long limit = 100;
	if(pca_keys(c, args, keys) < 0 || pca_int(c, args, "limit", 1, 1000, &limit) < 0 ||
			pca_room_with_right(c, args, ACL_JOIN, "you may not read room", &room) < 0)
		return -1;
	json_decref(room.obj);
	f.by.room = PI(room.id);
	f.state = PS("stored");
	return file_list(c, FILE_SELECT " AND f.message_id IS NOT NULL ORDER BY f.id DESC LIMIT ?",
			&f, limit, result);
}

/* Removes the posts of the matching stored files; the sweeper deletes the files. */
int pca_file_remove(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {
			"room", "room_id", "user", "since", "until", "file", NULL};
	struct ffilter f;
	if(pca_keys(c, args, keys) < 0 || ffilter_parse(c, args, &f) < 0)
		return -1;
	if(!f.any)
		return pca_fail(c, 400,
				"give at least one filter (room, user, since, until, file)");
	/* the clients showing the posts are told, as after message.remove */
	if(pca_record_changes(c, "JOIN files f ON f.message_id = m.id WHERE" FFILTER_SQL,
			   P(FFILTER_PARAMS(&f)), NULL) < 0)
		return -1;
	long long n = pca_exec(c,
			"DELETE m FROM messages m JOIN files f ON f.message_id = m.id"
			" WHERE" FFILTER_SQL,
			P(FFILTER_PARAMS(&f)));
	if(n < 0)
		return -1;
	*result = pca_count("removed", n);
	return 0;
}

static int usage_out(struct pca_ctx *c, const json_t *row, json_t *out, void *arg)
{
	(void)c;
	(void)arg;
	return json_array_append_new(out,
			json_pack("{s:I,s:O,s:I,s:I}", "room_id", (json_int_t)pca_col_int(row, 0),
					"room", json_array_get(row, 1), "files",
					(json_int_t)pca_col_int(row, 2), "bytes",
					(json_int_t)pca_col_int(row, 3)));
}

/* The store's size per room: the stored files (those being uploaded or waiting
 * for the sweeper not counted). */
int pca_file_usage(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {"room", "room_id", NULL};
	struct pca_filter by;
	if(pca_keys(c, args, keys) < 0 || ffilter_by(c, args, &by) < 0)
		return -1;
	json_t *rows = pca_rows(c,
			"SELECT f.room_id, r.name, COUNT(*), SUM(f.size) FROM files f"
			" LEFT JOIN rooms r ON r.id = f.room_id WHERE f.state = 'stored'"
			" AND f.message_id IS NOT NULL AND (? IS NULL OR f.room_id = ?)"
			" GROUP BY f.room_id, r.name ORDER BY f.room_id",
			P(by.room, by.room));
	return pca_list(c, rows, usage_out, NULL, "room", NULL, result);
}

/* ---- the sweeper ---- */

/* Rows whose file must go: stored with no post, or an upload that did not complete
 * while its token was valid (no token row left counts as expired). */
#define SWEEPABLE                                                                       \
	" ((f.state = 'stored' AND f.message_id IS NULL) OR (f.state = 'uploading' AND" \
	" NOT EXISTS (SELECT 1 FROM file_tokens t WHERE t.file_id = f.id"               \
	" AND t.expires_at > UTC_TIMESTAMP(3))))"

static int sweep_out(struct pca_ctx *c, const json_t *row, json_t *out, void *arg)
{
	(void)c;
	(void)arg;
	return json_array_append_new(out,
			json_pack("{s:I,s:I,s:O,s:O}", "id", (json_int_t)pca_col_int(row, 0),
					"room_id", (json_int_t)pca_col_int(row, 1), "file",
					json_array_get(row, 2), "state", json_array_get(row, 3)));
}

int pca_file_sweep_list(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {"limit", NULL};
	long long limit = 1000;
	if(pca_keys(c, args, keys) < 0 || pca_int(c, args, "limit", 1, 100000, &limit) < 0)
		return -1;
	json_t *rows = pca_rows(c,
			"SELECT f.id, f.room_id, f.stored_name, f.state FROM files f WHERE" SWEEPABLE
			" ORDER BY f.id LIMIT ?",
			P(PI(limit)));
	return pca_list(c, rows, sweep_out, NULL, "file", NULL, result);
}

/* After the sweeper deleted the file: the row, if it is still one to sweep. */
int pca_file_sweep_done(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {"id", NULL};
	long long id = 0;
	if(pca_keys(c, args, keys) < 0 || pca_int(c, args, "id", 1, (long long)1 << 62, &id) <= 0)
		return c->err->status ? -1 : pca_fail(c, 400, "\"id\" is required");
	long long n = pca_exec(c, "DELETE f FROM files f WHERE f.id = ? AND" SWEEPABLE, P(PI(id)));
	if(n < 0)
		return -1;
	*result = pca_count("removed", n);
	return 0;
}
