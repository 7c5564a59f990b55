/*
 * pca_filter.c - the filters by room, user and time that message.get/remove/replace
 * (pca_messages.c) and file.get/remove (pca_filestore.c) share: one reading of the
 * arguments and one matching of a user, so that "by author" and "by uploader" take
 * the same principals.
 */
#include "pca_int.h"

/* user (a user principal, NULL: none) as the two parameters of LOWER(col) IN (?, ?):
 * the stored form and the same without "sip:", as a column may hold either. */
static int filter_principal(struct pca_ctx *c, const char *user, struct pca_filter *f)
{
	f->user = f->bare_user = PS(NULL);
	if(user == NULL)
		return 0;
	if(pca_principal(c, user, 1, f->user_buf, sizeof(f->user_buf)) < 0)
		return -1;
	f->user = PS(f->user_buf);
	f->bare_user = PS(f->user_buf + 4); /* without "sip:" */
	return 0;
}

int pca_filter_parse(
		struct pca_ctx *c, const json_t *args, const char *user_key, struct pca_filter *f)
{
	const char *room, *user;
	int has_since, has_until;
	f->room = PS(NULL);
	if(pca_str(c, args, "room", 0, 1024, &room) < 0 ||
			pca_str(c, args, user_key, 0, 255, &user) < 0 ||
			(has_since = pca_time(c, args, "since", f->since_buf)) < 0 ||
			(has_until = pca_time(c, args, "until", f->until_buf)) < 0)
		return -1;
	f->since = PS(has_since ? f->since_buf : NULL);
	f->until = PS(has_until ? f->until_buf : NULL);
	f->any = room || user || has_since || has_until;
	if(room) {
		struct pca_room r;
		if(pca_room_find(c, room, &r) <= 0)
			return -1;
		json_decref(r.obj);
		f->room = PI(r.id);
	}
	return filter_principal(c, user, f);
}
