/*
 * pca_categories.c - category.new/set/get/remove, and finding a category.
 */
#include <stdlib.h>

#include "pca_int.h"

#define CAT_SELECT                                                                        \
	"SELECT id, CONCAT('ma-cat://', domain, '/', cat_id), cat_id, name, description," \
	" invitations, file_upload, chat_history, retention_sec FROM categories"

static const char *const cat_roles[] = {"allowed", "denied", "creator", NULL};
static const char *const cat_keys[] = {"allowed", "denied", "creators", NULL};

static const struct pca_field cat_fields[] = {
		{"name", F_STR, "UPDATE categories SET name = ? WHERE id = ?", 256, NULL,
				"SELECT id FROM categories WHERE name = ? AND id <> ?"},
		{"description", F_STR, "UPDATE categories SET description = ? WHERE id = ?", 1024,
				NULL, NULL},
		{"invitations", F_BOOL, "UPDATE categories SET invitations = ? WHERE id = ?", 0,
				NULL, NULL},
		{"file_upload", F_BOOL, "UPDATE categories SET file_upload = ? WHERE id = ?", 0,
				NULL, NULL},
		{"chat_history", F_BOOL, "UPDATE categories SET chat_history = ? WHERE id = ?", 0,
				NULL, NULL},
		{"retention", F_RETENTION, "UPDATE categories SET retention_sec = ? WHERE id = ?",
				0, NULL, NULL},
};
#define N_CAT_FIELDS (sizeof(cat_fields) / sizeof(cat_fields[0]))

static int cat_from_row(struct pca_ctx *c, const json_t *row, struct pca_cat *cat)
{
	cat->id = (unsigned long long)pca_col_int(row, 0);
	cat->obj = json_pack("{s:O,s:O,s:O,s:O,s:o,s:o,s:o,s:o}", "uri", json_array_get(row, 1),
			"id", json_array_get(row, 2), "name", json_array_get(row, 3), "description",
			json_array_get(row, 4), "invitations", pca_col_bool(row, 5), "file_upload",
			pca_col_bool(row, 6), "chat_history", pca_col_bool(row, 7), "retention",
			pca_retention_json(row, 8));
	return pca_plist_attach(
			c, &pca_category_principals, cat->id, cat_roles, cat_keys, &cat->obj);
}

int pca_cat_find(struct pca_ctx *c, const char *ref, struct pca_cat *cat)
{
	json_t *row = NULL;
	int rc = pca_row(c, &row,
			CAT_SELECT " WHERE name = ? OR cat_id = ?"
				   " OR CONCAT('ma-cat://', domain, '/', cat_id) = ?",
			P(PS(ref), PS(ref), PS(ref)));
	cat->obj = NULL;
	if(rc == 0)
		pca_fail(c, 404, "no category \"%s\"", ref);
	if(rc > 0 && cat_from_row(c, row, cat) < 0)
		rc = -1;
	json_decref(row);
	return rc;
}

int pca_cat_may_create(const struct pca_ctx *c, const json_t *cat)
{
	struct acl_list allowed = {NULL, 0}, denied = {NULL, 0}, creators = {NULL, 0};
	if(!c->user)
		return 1;
	int ok = pca_acl_list(json_object_get(cat, "allowed"), &allowed) == 0 &&
			pca_acl_list(json_object_get(cat, "denied"), &denied) == 0 &&
			pca_acl_list(json_object_get(cat, "creators"), &creators) == 0 &&
			acl_may_create(&allowed, &denied, &creators, c->user);
	free((void *)allowed.v);
	free((void *)denied.v);
	free((void *)creators.v);
	return ok;
}

/* The lists and fields of args applied to category id. */
static int cat_apply(struct pca_ctx *c, const json_t *args, unsigned long long id)
{
	if(pca_fields_apply(c, cat_fields, N_CAT_FIELDS, args, id) < 0 ||
			(json_object_get(args, "retention") && pca_retention_refresh(c, 0) < 0))
		return -1;
	for(size_t i = 0; cat_roles[i]; i++) {
		struct pca_listop op;
		int rc = pca_listop(c, args, cat_keys[i], &op);
		if(rc > 0)
			rc = pca_plist_apply(
					c, &pca_category_principals, id, cat_roles[i], &op, NULL);
		pca_listop_free(&op);
		if(rc < 0)
			return -1;
	}
	return 0;
}

/* The category with internal id as the result. */
static int cat_result(struct pca_ctx *c, unsigned long long id, json_t **result)
{
	json_t *row = NULL;
	struct pca_cat cat;
	int rc = pca_row(c, &row, CAT_SELECT " WHERE id = ?", P(PI(id)));
	if(rc > 0 && cat_from_row(c, row, &cat) == 0)
		*result = cat.obj;
	json_decref(row);
	return *result ? 0 : rc == 0 ? pca_fail(c, 404, "the category vanished") : -1;
}

/* New categories are in the pool's SIP domain: that of the oldest category. */
static int pool_domain(struct pca_ctx *c, json_t **row)
{
	int rc = pca_row(c, row, "SELECT domain FROM categories ORDER BY id LIMIT 1", P0);
	if(rc == 0)
		rc = pca_row(c, row, "SELECT COALESCE(MIN(domain), 'example.com') FROM subscriber",
				P0);
	return rc < 0 ? -1 : 0;
}

int pca_category_new(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {"name", "description", "invitations", "file_upload",
			"chat_history", "retention", "allowed", "denied", "creators", NULL};
	const char *name;
	json_t *dom = NULL;
	if(pca_keys(c, args, keys) < 0 || pca_str(c, args, "name", 1, 256, &name) < 0 ||
			pca_field_unique(c, &cat_fields[0], name, 0) < 0 ||
			pool_domain(c, &dom) < 0)
		return -1;
	long long n = pca_exec(c,
			"INSERT INTO categories (domain, cat_id, name)"
			" VALUES (?, UUID(), ?)",
			P(PS(pca_col(dom, 0)), PS(name)));
	json_decref(dom);
	unsigned long long id = c->insert_id;
	if(n < 0 || cat_apply(c, args, id) < 0)
		return -1;
	return cat_result(c, id, result);
}

int pca_category_set(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {"category", "name", "description", "invitations",
			"file_upload", "chat_history", "retention", "allowed", "denied", "creators",
			NULL};
	const char *ref;
	struct pca_cat cat;
	if(pca_keys(c, args, keys) < 0 || pca_str(c, args, "category", 1, 1024, &ref) < 0 ||
			pca_cat_find(c, ref, &cat) <= 0)
		return -1;
	json_decref(cat.obj);
	if(cat_apply(c, args, cat.id) < 0)
		return -1;
	return cat_result(c, cat.id, result);
}

/* The category of row, if the actor may create rooms in it. */
static int creatable(struct pca_ctx *c, const json_t *row, json_t *out, void *arg)
{
	struct pca_cat cat;
	(void)arg;
	if(cat_from_row(c, row, &cat) < 0)
		return -1;
	if(pca_cat_may_create(c, cat.obj))
		json_array_append(out, cat.obj);
	json_decref(cat.obj);
	return 0;
}

int pca_category_get(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {"category", NULL};
	const char *ref;
	if(pca_keys(c, args, keys) < 0 || pca_str(c, args, "category", 0, 1024, &ref) < 0)
		return -1;
	json_t *rows = pca_rows(c,
			CAT_SELECT " WHERE ? IS NULL OR name = ? OR cat_id = ?"
				   " OR CONCAT('ma-cat://', domain, '/', cat_id) = ? ORDER BY name",
			P(PS(ref), PS(ref), PS(ref), PS(ref)));
	return pca_list(c, rows, creatable, NULL, "category", ref, result);
}

int pca_category_remove(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {"category", NULL};
	const char *ref;
	struct pca_cat cat;
	json_t *row = NULL;
	if(pca_keys(c, args, keys) < 0 || pca_str(c, args, "category", 1, 1024, &ref) < 0 ||
			pca_cat_find(c, ref, &cat) <= 0)
		return -1;
	json_decref(cat.obj);
	if(pca_row(c, &row, "SELECT COUNT(*) FROM rooms WHERE category_id = ?", P(PI(cat.id))) < 0)
		return -1;
	long long rooms = pca_col_int(row, 0);
	json_decref(row);
	if(rooms > 0)
		return pca_fail(c, 409, "category \"%s\" still holds %lld room%s", ref, rooms,
				rooms == 1 ? "" : "s");
	if(pca_exec(c, "DELETE FROM categories WHERE id = ?", P(PI(cat.id))) < 0)
		return -1;
	*result = pca_count("removed", 1);
	return 0;
}
