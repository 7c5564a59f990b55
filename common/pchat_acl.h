/*
 * pchat_acl.h - who may do what in a room: the one place the rules live.
 *
 * Used by pchatd for every XCCOS command (with the room cache) and by the admin
 * library for pchat-admin and the web service (with rows it just read), so the
 * three paths cannot disagree.  Pure functions: no I/O, no allocation.
 *
 * Principals are 'sip:user@domain' (one user) or 'domain' (all of its users), as
 * sql/migrations/005_rooms_admin.sql stores them; users are 'sip:user@domain'.
 * Comparisons ignore case.
 *
 * The rules:
 *   - a user the category denies has no right at all (denied overrides everything);
 *   - a user the category does not allow has no right at all;
 *   - members, managers and presenters are members;
 *   - see (chansrch, room info): open and closed rooms to allowed users, secret
 *     rooms to members only;
 *   - join / read history: open rooms to allowed users, closed and secret rooms to
 *     members; never while the room is disabled; history only where the room's
 *     category keeps chat history for clients (acl_history_readable);
 *   - post: who may join, and in an auditorium only presenters;
 *   - manage: the room's managers (also while the room is disabled);
 *   - create a room in a category: its creators (if allowed and not denied).
 */
#ifndef PCHAT_ACL_H
#define PCHAT_ACL_H

#include <stddef.h>

enum acl_privacy { ACL_OPEN, ACL_CLOSED, ACL_SECRET };
enum acl_type { ACL_NORMAL, ACL_AUDITORIUM };

/* A list of principals. */
struct acl_list {
	const char *const *v;
	size_t n;
};

/* What the rules need to know of a room and its category. */
struct acl_room {
	enum acl_privacy privacy;
	enum acl_type type;
	int disabled;
	struct acl_list members, managers, presenters; /* the room's */
	struct acl_list allowed, denied;	       /* its category's */
};

/* Rights, as bits. */
enum {
	ACL_SEE = 1 << 0,
	ACL_JOIN = 1 << 1, /* and read history */
	ACL_POST = 1 << 2,
	ACL_MANAGE = 1 << 3,
};

/* Does principal p cover user ('sip:u@d')? */
int acl_principal_matches(const char *p, const char *user);
/* Does any principal of l cover user? */
int acl_list_matches(const struct acl_list *l, const char *user);

/* The rights user has in room r (ACL_* bits). */
unsigned acl_rights(const struct acl_room *r, const char *user);
/* May a user with rights (acl_rights) read a room's history (bccontext, search, the
 * web page's history), chat_history being its category's switch?  Posts are stored
 * either way; a category with history off serves none. */
int acl_history_readable(unsigned rights, int chat_history);
/* Is user a member (member, manager or presenter) of r?  Ignores the category. */
int acl_is_member(const struct acl_room *r, const char *user);
/* May user create rooms in a category with these lists? */
int acl_may_create(const struct acl_list *allowed, const struct acl_list *denied,
		const struct acl_list *creators, const char *user);

/* Parses "open"/"closed"/"secret" and "normal"/"auditorium"; -1 if neither. */
int acl_privacy_parse(const char *s);
int acl_type_parse(const char *s);
const char *acl_privacy_name(enum acl_privacy p);
const char *acl_type_name(enum acl_type t);

#endif
