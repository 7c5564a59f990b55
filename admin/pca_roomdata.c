/*
 * pca_roomdata.c - rooms as result objects: loading them with their principal
 * lists, and the rights of the actor computed by common/pchat_acl.c.
 */
#include <stdlib.h>

#include "pca_int.h"

#define ROOM_SELECT                                                                       \
	"SELECT r.id, r.category_id, CONCAT('ma-chan://', r.domain, '/', r.chan_id),"     \
	" r.chan_id, r.name, r.description, r.topic, r.privacy, r.room_type, r.disabled," \
	" r.invitations, r.disclaimer, c.name, a.name,"                                   \
	" DATE_FORMAT(r.created_at, '%Y-%m-%dT%H:%i:%sZ'), r.retention_sec, r.keep_sec"   \
	" FROM rooms r JOIN categories c ON c.id = r.category_id"                         \
	" LEFT JOIN addins a ON a.id = r.addin_id"
#define ROOM_MATCH(r)                                                                        \
	"(" r ".name = ? OR " r ".chan_id = ? OR CONCAT('ma-chan://', " r ".domain, '/', " r \
	".chan_id) = ?)"

static const char *const room_roles[] = {"member", "manager", "presenter", NULL};
static const char *const room_keys[] = {"members", "managers", "presenters", NULL};

int pca_room_from_row(struct pca_ctx *c, const json_t *row, struct pca_room *room)
{
	room->id = (unsigned long long)pca_col_int(row, 0);
	room->cat_id = (unsigned long long)pca_col_int(row, 1);
	room->obj = json_pack("{s:O,s:O,s:O,s:O,s:O,s:O,s:O,s:o,s:O,s:O,s:O,s:O,s:O}", "uri",
			json_array_get(row, 2), "id", json_array_get(row, 3), "name",
			json_array_get(row, 4), "description", json_array_get(row, 5), "topic",
			json_array_get(row, 6), "privacy", json_array_get(row, 7), "type",
			json_array_get(row, 8), "disabled", pca_col_bool(row, 9), "invitations",
			json_array_get(row, 10), "disclaimer", json_array_get(row, 11), "category",
			json_array_get(row, 12), "addin", json_array_get(row, 13), "created",
			json_array_get(row, 14));
	if(room->obj)
		json_object_update_new(room->obj,
				json_pack("{s:o,s:o}", "retention", pca_retention_json(row, 15),
						"retention_effective", pca_keep_json(row, 16)));
	return pca_plist_attach(
			c, &pca_room_principals, room->id, room_roles, room_keys, &room->obj);
}

int pca_room_find(struct pca_ctx *c, const char *ref, struct pca_room *room)
{
	json_t *row = NULL;
	int rc = pca_row(c, &row, ROOM_SELECT " WHERE " ROOM_MATCH("r"),
			P(PS(ref), PS(ref), PS(ref)));
	room->obj = NULL;
	if(rc == 0)
		pca_fail(c, 404, "no room \"%s\"", ref);
	if(rc > 0 && pca_room_from_row(c, row, room) < 0)
		rc = -1;
	json_decref(row);
	return rc;
}

int pca_room_load(struct pca_ctx *c, unsigned long long id, struct pca_room *room)
{
	json_t *row = NULL;
	int rc = pca_row(c, &row, ROOM_SELECT " WHERE r.id = ?", P(PI(id)));
	room->obj = NULL;
	if(rc == 0)
		pca_fail(c, 404, "the room vanished");
	if(rc > 0 && pca_room_from_row(c, row, room) < 0)
		rc = -1;
	json_decref(row);
	return rc;
}

json_t *pca_room_query(
		struct pca_ctx *c, const char *room, const char *category, const char *name_part)
{
	return pca_rows(c,
			ROOM_SELECT " WHERE (? IS NULL OR " ROOM_MATCH(
					"r") ")"
					     " AND (? IS NULL OR c.name = ? OR c.cat_id = ?"
					     "  OR CONCAT('ma-cat://', c.domain, '/', c.cat_id) = ?)"
					     " AND (? IS NULL OR INSTR(r.name, ?) > 0) ORDER BY r.name",
			P(PS(room), PS(room), PS(room), PS(room), PS(category), PS(category),
					PS(category), PS(category), PS(name_part), PS(name_part)));
}

/* The rules' view of a room and its category; free with room_acl_free. */
static int room_acl(const json_t *room, const json_t *cat, struct acl_room *r)
{
	const char *priv = json_string_value(json_object_get(room, "privacy"));
	const char *type = json_string_value(json_object_get(room, "type"));
	int p = acl_privacy_parse(priv), t = acl_type_parse(type);
	r->privacy = p < 0 ? ACL_SECRET : (enum acl_privacy)p; /* unknown: the strictest */
	r->type = t < 0 ? ACL_AUDITORIUM : (enum acl_type)t;
	r->disabled = json_is_true(json_object_get(room, "disabled"));
	return (pca_acl_list(json_object_get(room, "members"), &r->members) |
			pca_acl_list(json_object_get(room, "managers"), &r->managers) |
			pca_acl_list(json_object_get(room, "presenters"), &r->presenters) |
			pca_acl_list(json_object_get(cat, "allowed"), &r->allowed) |
			pca_acl_list(json_object_get(cat, "denied"), &r->denied));
}

static void room_acl_free(struct acl_room *r)
{
	free((void *)r->members.v);
	free((void *)r->managers.v);
	free((void *)r->presenters.v);
	free((void *)r->allowed.v);
	free((void *)r->denied.v);
}

unsigned pca_rights(const struct pca_ctx *c, const json_t *room, const json_t *cat)
{
	struct acl_room r;
	if(!c->user)
		return ACL_SEE | ACL_JOIN | ACL_POST | ACL_MANAGE;
	unsigned rights = room_acl(room, cat, &r) == 0 ? acl_rights(&r, c->user) : 0;
	room_acl_free(&r);
	return rights;
}

void pca_add_rights(json_t *room, unsigned rights)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {{ACL_SEE, "see"}, {ACL_JOIN, "join"}, {ACL_POST, "post"},
			{ACL_MANAGE, "manage"}};
	json_t *arr = json_array();
	for(size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if(rights & names[i].bit)
			json_array_append_new(arr, json_string(names[i].name));
	json_object_set_new(room, "rights", arr);
}
