/*
 * pca_rooms.c - room.new/set/get/remove/clear, for the administrator and for
 * users (the rights of common/pchat_acl.c), with the invitations that adding
 * members creates.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pca_int.h"

static const char *const privacy_names[] = {"open", "closed", "secret", NULL};
static const char *const type_names[] = {"normal", "auditorium", NULL};
static const char *const invitation_names[] = {"inherit", "off", NULL};

static const struct pca_field room_fields[] = {
		{"name", F_STR, "UPDATE rooms SET name = ? WHERE id = ?", 256, NULL,
				"SELECT id FROM rooms WHERE name = ? AND id <> ?"},
		{"description", F_STR, "UPDATE rooms SET description = ? WHERE id = ?", 1024, NULL,
				NULL},
		{"topic", F_STR, "UPDATE rooms SET topic = ? WHERE id = ?", 1024, NULL, NULL},
		{"privacy", F_ENUM, "UPDATE rooms SET privacy = ? WHERE id = ?", 0, privacy_names,
				NULL},
		{"type", F_ENUM, "UPDATE rooms SET room_type = ? WHERE id = ?", 0, type_names,
				NULL},
		{"disabled", F_BOOL, "UPDATE rooms SET disabled = ? WHERE id = ?", 0, NULL, NULL},
		{"invitations", F_ENUM, "UPDATE rooms SET invitations = ? WHERE id = ?", 0,
				invitation_names, NULL},
		{"disclaimer", F_STR, "UPDATE rooms SET disclaimer = ? WHERE id = ?", 1024, NULL,
				NULL},
		{"retention", F_RETENTION, "UPDATE rooms SET retention_sec = ? WHERE id = ?", 0,
				NULL, NULL},
};
#define N_ROOM_FIELDS (sizeof(room_fields) / sizeof(room_fields[0]))

static const char *const roles[] = {"member", "manager", "presenter"};
static const char *const role_keys[] = {"members", "managers", "presenters"};

/* The add-in of args ("" or null: none). */
static int apply_addin(struct pca_ctx *c, const json_t *args, unsigned long long id)
{
	const char *name;
	json_t *row = NULL;
	if(!json_object_get(args, "addin"))
		return 0;
	if(pca_str(c, args, "addin", 0, 256, &name) < 0)
		return -1;
	if(name && *name) {
		int rc = pca_row(c, &row, "SELECT id FROM addins WHERE name = ?", P(PS(name)));
		if(rc <= 0)
			return rc < 0 ? -1 : pca_fail(c, 404, "no add-in \"%s\"", name);
	}
	long long n = pca_exec(c, "UPDATE rooms SET addin_id = ? WHERE id = ?",
			P(row ? PI(pca_col_int(row, 0)) : PS(NULL), PI(id)));
	json_decref(row);
	return n < 0 ? -1 : 0;
}

/* Invites the users of added who were no members before, when the room and its
 * category allow invitations. */
static int invite(
		struct pca_ctx *c, unsigned long long id, const json_t *before, const json_t *added)
{
	json_t *row = NULL;
	int rc = pca_row(c, &row,
			"SELECT r.invitations = 'inherit' AND c.invitations"
			" FROM rooms r JOIN categories c ON c.id = r.category_id WHERE r.id = ?",
			P(PI(id)));
	int allowed = rc > 0 && pca_col_int(row, 0);
	json_decref(row);
	size_t i;
	json_t *e;
	json_array_foreach(added, i, e)
	{
		const char *p = json_string_value(e);
		if(rc < 0 || !allowed)
			break;
		if(!strchr(p, '@') || pca_in_array(before, p) ||
				(c->user && acl_principal_matches(p, c->user)))
			continue;
		if(pca_exec(c,
				   "INSERT INTO invitations (user_uri, room_id, inviter)"
				   " VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE inviter = VALUES(inviter),"
				   " created_at = CURRENT_TIMESTAMP(3)",
				   P(PS(p), PI(id), PS(c->user ? c->user : "admin"))) < 0)
			return -1;
	}
	return rc < 0 ? -1 : 0;
}

/* Everyone of the room's three lists. */
static json_t *all_members(const json_t *room)
{
	json_t *all = json_array();
	for(size_t i = 0; i < 3; i++)
		json_array_extend(all, json_object_get(room, role_keys[i]));
	return all;
}

/* The settings of args applied to room id (before: the room as it was, or NULL). */
static int room_apply(
		struct pca_ctx *c, const json_t *args, unsigned long long id, const json_t *before)
{
	if(pca_fields_apply(c, room_fields, N_ROOM_FIELDS, args, id) < 0 ||
			pca_retention_refresh(c, id) < 0 || apply_addin(c, args, id) < 0)
		return -1;
	json_t *old = before ? all_members(before) : json_array(), *added = json_array();
	int rc = 0;
	for(size_t i = 0; rc == 0 && i < 3; i++) {
		struct pca_listop op;
		rc = pca_listop(c, args, role_keys[i], &op);
		if(rc > 0)
			rc = pca_plist_apply(c, &pca_room_principals, id, roles[i], &op, added);
		pca_listop_free(&op);
	}
	if(rc == 0)
		rc = invite(c, id, old, added);
	json_decref(old);
	json_decref(added);
	return rc < 0 ? -1 : 0;
}

/* The actor's rights in room, its category read from the database (for users, and
 * whenever readable is asked for: may the actor read its history, the category's
 * chat history switch counted, common/pchat_acl.h); -1 on error. */
static int room_access(struct pca_ctx *c, const json_t *room, unsigned *rights, int *readable)
{
	struct pca_cat cat = {0, NULL};
	if((c->user || readable) &&
			pca_cat_find(c, json_string_value(json_object_get(room, "category")),
					&cat) <= 0)
		return -1;
	*rights = pca_rights(c, room, cat.obj);
	if(readable)
		*readable = acl_history_readable(
				*rights, json_is_true(json_object_get(cat.obj, "chat_history")));
	json_decref(cat.obj);
	return 0;
}

static int room_rights(struct pca_ctx *c, const json_t *room, unsigned *rights)
{
	return room_access(c, room, rights, NULL);
}

/* The room with internal id as the result (with the rights of users). */
static int room_result(struct pca_ctx *c, unsigned long long id, json_t **result)
{
	struct pca_room room;
	unsigned rights;
	if(pca_room_load(c, id, &room) <= 0)
		return -1;
	if(room_rights(c, room.obj, &rights) < 0) {
		json_decref(room.obj);
		return -1;
	}
	if(c->user)
		pca_add_rights(room.obj, rights);
	*result = room.obj;
	return 0;
}

#define ROOM_KEYS                                                                     \
	"name", "description", "topic", "privacy", "type", "disabled", "invitations", \
			"disclaimer", "retention", "addin", "members", "managers", "presenters"

int pca_room_new(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {ROOM_KEYS, "category", NULL};
	const char *name, *cref;
	struct pca_cat cat;
	if(pca_keys(c, args, keys) < 0 || pca_str(c, args, "name", 1, 256, &name) < 0 ||
			pca_str(c, args, "category", 0, 1024, &cref) < 0 ||
			pca_cat_find(c, cref ? cref : "Default", &cat) <= 0)
		return -1;
	int may = pca_cat_may_create(c, cat.obj);
	json_decref(cat.obj);
	if(!may)
		return pca_fail(c, 403, "you may not create rooms in category \"%s\"",
				cref ? cref : "Default");
	if(pca_field_unique(c, &room_fields[0], name, 0) < 0 ||
			pca_exec(c,
					"INSERT INTO rooms (domain, chan_id, name, category_id)"
					" SELECT domain, UUID(), ?, id FROM categories WHERE id = ?",
					P(PS(name), PI(cat.id))) < 0)
		return -1;
	unsigned long long id = c->insert_id;
	if(room_apply(c, args, id, NULL) < 0)
		return -1;
	/* a user creating a room without naming managers manages it */
	if(c->user && !json_object_get(args, "managers") &&
			pca_exec(c, pca_room_principals.insert,
					P(PI(id), PS("manager"), PS(c->user))) < 0)
		return -1;
	return room_result(c, id, result);
}

/* pca_room_with_right, and whether the actor may read the room's history (readable
 * not NULL). */
static int room_with_right(struct pca_ctx *c, const json_t *args, unsigned need,
		const char *refusal, struct pca_room *room, int *readable)
{
	const char *ref;
	unsigned rights = 0;
	if(pca_str(c, args, "room", 1, 1024, &ref) < 0 || pca_room_find(c, ref, room) <= 0)
		return -1;
	int rc = room_access(c, room->obj, &rights, readable);
	if(rc == 0 && (rights & need) == need)
		return 0;
	json_decref(room->obj);
	room->obj = NULL;
	if(rc < 0)
		return -1;
	if(!(rights & ACL_SEE))
		return pca_fail(c, 404, "no room \"%s\"", ref);
	return pca_fail(c, 403, "%s \"%s\"", refusal, ref);
}

int pca_room_with_right(struct pca_ctx *c, const json_t *args, unsigned need, const char *refusal,
		struct pca_room *room)
{
	return room_with_right(c, args, need, refusal, room, NULL);
}

int pca_room_reader(struct pca_ctx *c, const json_t *args, struct pca_room *room, int *readable)
{
	return room_with_right(c, args, ACL_JOIN, "you may not read room", room, readable);
}

/* Loads room ref for a change: 404 if the actor may not see it, 403 if they do
 * not manage it. */
static int room_managed(struct pca_ctx *c, const json_t *args, struct pca_room *room)
{
	return pca_room_with_right(c, args, ACL_MANAGE, "you do not manage room", room);
}

int pca_room_set(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {ROOM_KEYS, "room", NULL};
	struct pca_room room;
	if(pca_keys(c, args, keys) < 0 || room_managed(c, args, &room) < 0)
		return -1;
	int rc = room_apply(c, args, room.id, room.obj);
	json_decref(room.obj);
	return rc < 0 ? -1 : room_result(c, room.id, result);
}

int pca_room_remove(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {"room", NULL};
	struct pca_room room;
	if(pca_keys(c, args, keys) < 0 || room_managed(c, args, &room) < 0)
		return -1;
	json_decref(room.obj);
	if(pca_exec(c, "DELETE FROM rooms WHERE id = ?", P(PI(room.id))) < 0)
		return -1;
	*result = pca_count("removed", 1);
	return 0;
}

int pca_room_clear(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {"room", "before", NULL};
	struct pca_room room;
	char before[PCA_TIME_LEN];
	int has_before;
	if(pca_keys(c, args, keys) < 0 || (has_before = pca_time(c, args, "before", before)) < 0 ||
			room_managed(c, args, &room) < 0)
		return -1;
	json_decref(room.obj);
	const char *b = has_before ? before : NULL;
	long long n = pca_exec(c,
			"DELETE FROM messages WHERE room_id = ?"
			" AND (? IS NULL OR posted_at < ?)",
			P(PI(room.id), PS(b), PS(b)));
	if(n < 0)
		return -1;
	*result = pca_count("removed", n);
	return 0;
}

/* The room of row and its category (borrowed from cats, the categories by name,
 * loaded there on first use): for users, or whenever with_cat; -1 on error. */
static int row_room(struct pca_ctx *c, const json_t *row, json_t *cats, int with_cat,
		struct pca_room *room, json_t **cat)
{
	if(pca_room_from_row(c, row, room) < 0)
		return -1;
	const char *cname = json_string_value(json_object_get(room->obj, "category"));
	struct pca_cat found = {0, NULL};
	*cat = json_object_get(cats, cname);
	if(*cat || !(c->user || with_cat))
		return 0;
	if(pca_cat_find(c, cname, &found) <= 0) {
		json_decref(room->obj);
		return -1;
	}
	json_object_set_new(cats, cname, found.obj);
	*cat = found.obj;
	return 0;
}

/* The room of row if the actor may see it, with the rights of users. */
static int visible(struct pca_ctx *c, const json_t *row, json_t *out, void *cats)
{
	struct pca_room room;
	json_t *cat;
	if(row_room(c, row, cats, 0, &room, &cat) < 0)
		return -1;
	unsigned rights = pca_rights(c, room.obj, cat);
	if(c->user)
		pca_add_rights(room.obj, rights);
	if(rights & ACL_SEE)
		json_array_append(out, room.obj);
	json_decref(room.obj);
	return 0;
}

int pca_room_get(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {"room", "category", "name", NULL};
	const char *ref, *cat, *name;
	if(pca_keys(c, args, keys) < 0 || pca_str(c, args, "room", 0, 1024, &ref) < 0 ||
			pca_str(c, args, "category", 0, 1024, &cat) < 0 ||
			pca_str(c, args, "name", 0, 256, &name) < 0)
		return -1;
	json_t *cats = json_object();
	int rc = pca_list(c, pca_room_query(c, ref, cat, name), visible, cats, "room", ref, result);
	json_decref(cats);
	return rc;
}

/* Adds room's id to the list (a JSON string "1,5,9") if the actor may read its history. */
static int readable(struct pca_ctx *c, const json_t *row, json_t *ids, void *cats)
{
	struct pca_room room;
	json_t *cat;
	char id[24];
	if(row_room(c, row, cats, 1, &room, &cat) < 0)
		return -1;
	int ok = acl_history_readable(pca_rights(c, room.obj, cat),
			json_is_true(json_object_get(cat, "chat_history")));
	json_decref(room.obj);
	if(!ok)
		return 0;
	snprintf(id, sizeof(id), "%llu", room.id);
	json_array_append_new(ids, json_string(id));
	return 0;
}

int pca_rooms_readable(struct pca_ctx *c, char **ids)
{
	json_t *cats = json_object(), *list = NULL;
	int rc = pca_list(c, pca_room_query(c, NULL, NULL, NULL), readable, cats, "room", NULL,
			&list);
	json_decref(cats);
	if(rc < 0)
		return -1;
	size_t i, len = 1;
	json_t *e;
	json_array_foreach(list, i, e) len += json_string_length(e) + 1;
	*ids = calloc(1, len);
	if(*ids == NULL) {
		json_decref(list);
		return pca_fail(c, 500, "out of memory");
	}
	json_array_foreach(list, i, e)
	{
		if(i)
			strcat(*ids, ",");
		strcat(*ids, json_string_value(e));
	}
	json_decref(list);
	return 0;
}
