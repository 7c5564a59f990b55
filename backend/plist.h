/*
 * plist.h - principal lists: the space-separated strings the database returns
 * for a room's members, managers and presenters and a category's allowed,
 * denied and creator principals (sql/migrations/005_rooms_admin.sql), parsed
 * once into the array form the access rules (common/pchat_acl.h) read.
 */
#ifndef PCHAT_PLIST_H
#define PCHAT_PLIST_H

#include <stddef.h>

#include "../common/pchat_acl.h"

struct plist {
	char *buf;	/* the principals, NUL-separated */
	const char **v; /* into buf */
	size_t n;
};

/* Replaces l's contents with the principals of spaced (NULL: none). */
void plist_set(struct plist *l, const char *spaced);
void plist_free(struct plist *l);
/* The rules' view of l (pointing into l). */
struct acl_list plist_acl(const struct plist *l);

#endif
