/*
 * pca_plist.c - the principal lists of rooms (members, managers, presenters) and
 * categories (allowed, denied, creators): loading, editing, and their view as
 * struct acl_list for the rules of common/pchat_acl.c.
 */
#include <stdlib.h>
#include <strings.h>

#include "pca_int.h"

const struct pca_ptable pca_room_principals = {
		"SELECT role, principal FROM room_principals WHERE room_id = ? ORDER BY principal",
		"DELETE FROM room_principals WHERE room_id = ? AND role = ?",
		"DELETE FROM room_principals WHERE room_id = ? AND role = ? AND principal = ?",
		"INSERT IGNORE INTO room_principals (room_id, role, principal) VALUES (?, ?, ?)",
};

const struct pca_ptable pca_category_principals = {
		"SELECT role, principal FROM category_principals WHERE category_id = ?"
		" ORDER BY principal",
		"DELETE FROM category_principals WHERE category_id = ? AND role = ?",
		"DELETE FROM category_principals WHERE category_id = ? AND role = ? AND principal = ?",
		"INSERT IGNORE INTO category_principals (category_id, role, principal)"
		" VALUES (?, ?, ?)",
};

int pca_in_array(const json_t *arr, const char *s)
{
	size_t i;
	json_t *e;
	json_array_foreach(arr, i, e)
	{
		if(json_is_string(e) && strcasecmp(json_string_value(e), s) == 0)
			return 1;
	}
	return 0;
}

int pca_plist_load(struct pca_ctx *c, const struct pca_ptable *t, unsigned long long id,
		const char *const *roles, const char *const *keys, json_t *obj)
{
	json_t *rows = pca_rows(c, t->select, P(PI(id)));
	if(!rows)
		return -1;
	for(size_t k = 0; roles[k]; k++) {
		json_t *arr = json_array();
		size_t i;
		json_t *row;
		json_array_foreach(rows, i, row)
		{
			if(strcasecmp(pca_col(row, 0), roles[k]) == 0)
				json_array_append(arr, json_array_get(row, 1));
		}
		json_object_set_new(obj, keys[k], arr);
	}
	json_decref(rows);
	return 0;
}

/* Runs stmt (id, role, principal) for each principal of arr; collects inserted ones. */
static int each(struct pca_ctx *c, const char *stmt, unsigned long long id, const char *role,
		const json_t *arr, json_t *added)
{
	size_t i;
	json_t *e;
	json_array_foreach(arr, i, e)
	{
		long long n = pca_exec(c, stmt, P(PI(id), PS(role), PS(json_string_value(e))));
		if(n < 0)
			return -1;
		if(n > 0 && added)
			json_array_append(added, e);
	}
	return 0;
}

int pca_plist_apply(struct pca_ctx *c, const struct pca_ptable *t, unsigned long long id,
		const char *role, const struct pca_listop *op, json_t *added)
{
	if(op->set) {
		/* a replaced list: principals already there are not "added" */
		json_t *old = json_object();
		const char *const roles[] = {role, NULL}, *const keys[] = {"old", NULL};
		int rc = pca_plist_load(c, t, id, roles, keys, old);
		json_t *fresh = json_array();
		size_t i;
		json_t *e;
		json_array_foreach(op->set, i, e)
		{
			if(!pca_in_array(json_object_get(old, "old"), json_string_value(e)))
				json_array_append(fresh, e);
		}
		if(rc == 0 && added)
			json_array_extend(added, fresh);
		json_decref(old);
		json_decref(fresh);
		if(rc < 0 || pca_exec(c, t->clear, P(PI(id), PS(role))) < 0 ||
				each(c, t->insert, id, role, op->set, NULL) < 0)
			return -1;
	}
	if(op->remove && each(c, t->del, id, role, op->remove, NULL) < 0)
		return -1;
	if(op->add && each(c, t->insert, id, role, op->add, added) < 0)
		return -1;
	return 0;
}

int pca_plist_attach(struct pca_ctx *c, const struct pca_ptable *t, unsigned long long id,
		const char *const *roles, const char *const *keys, json_t **obj)
{
	if(!*obj)
		return pca_fail(c, 500, "out of memory");
	if(pca_plist_load(c, t, id, roles, keys, *obj) == 0)
		return 0;
	json_decref(*obj);
	*obj = NULL;
	return -1;
}

int pca_acl_list(const json_t *arr, struct acl_list *list)
{
	size_t n = json_array_size(arr);
	const char **v = calloc(n ? n : 1, sizeof(*v));
	list->v = v;
	list->n = 0;
	if(!v)
		return -1;
	for(size_t i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(arr, i));
		if(s)
			v[list->n++] = s;
	}
	return 0;
}
