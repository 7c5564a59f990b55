/*
 * pchat_acl.c - the room access rules (see pchat_acl.h).
 */
#include "pchat_acl.h"

#include <string.h>
#include <strings.h>

/* The domain part of 'sip:user@domain', or NULL. */
static const char *user_domain(const char *user)
{
	const char *at = strrchr(user, '@');
	return at ? at + 1 : NULL;
}

int acl_principal_matches(const char *p, const char *user)
{
	if(!p || !user || !*p)
		return 0;
	if(strchr(p, '@')) /* one user */
		return strcasecmp(p, user) == 0;
	const char *d = user_domain(user);
	return d && strcasecmp(p, d) == 0;
}

int acl_list_matches(const struct acl_list *l, const char *user)
{
	for(size_t i = 0; i < l->n; i++)
		if(acl_principal_matches(l->v[i], user))
			return 1;
	return 0;
}

int acl_is_member(const struct acl_room *r, const char *user)
{
	return acl_list_matches(&r->members, user) || acl_list_matches(&r->managers, user) ||
			acl_list_matches(&r->presenters, user);
}

unsigned acl_rights(const struct acl_room *r, const char *user)
{
	if(acl_list_matches(&r->denied, user) || !acl_list_matches(&r->allowed, user))
		return 0;
	int member = acl_is_member(r, user);
	unsigned rights = 0;
	if(r->privacy != ACL_SECRET || member)
		rights |= ACL_SEE;
	if(!r->disabled && (r->privacy == ACL_OPEN || member)) {
		rights |= ACL_JOIN;
		if(r->type != ACL_AUDITORIUM || acl_list_matches(&r->presenters, user))
			rights |= ACL_POST;
	}
	if(acl_list_matches(&r->managers, user))
		rights |= ACL_MANAGE | ACL_SEE;
	return rights;
}

int acl_history_readable(unsigned rights, int chat_history)
{
	return chat_history && (rights & ACL_JOIN);
}

int acl_may_create(const struct acl_list *allowed, const struct acl_list *denied,
		const struct acl_list *creators, const char *user)
{
	return !acl_list_matches(denied, user) && acl_list_matches(allowed, user) &&
			acl_list_matches(creators, user);
}

static const char *const privacy_names[] = {"open", "closed", "secret"};
static const char *const type_names[] = {"normal", "auditorium"};

static int name_index(const char *const *names, size_t n, const char *s)
{
	for(size_t i = 0; s && i < n; i++)
		if(strcasecmp(names[i], s) == 0)
			return (int)i;
	return -1;
}

int acl_privacy_parse(const char *s)
{
	return name_index(privacy_names, 3, s);
}

int acl_type_parse(const char *s)
{
	return name_index(type_names, 2, s);
}

const char *acl_privacy_name(enum acl_privacy p)
{
	return (unsigned)p < 3 ? privacy_names[p] : "?";
}

const char *acl_type_name(enum acl_type t)
{
	return (unsigned)t < 2 ? type_names[t] : "?";
}
