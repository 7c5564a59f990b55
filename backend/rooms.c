/*
 * rooms.c - see rooms.h.
 */
#include "rooms.h"
#include "db.h"
#include "dict.h"
#include "pchat_log.h"
#include "util.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Cache key -> struct room.  The key is the URI in lower case: domains are
 * case-insensitive, and so is the database's lookup of chan_id. */
static struct dict *room_cache;
static struct dict *room_by_id; /* decimal id -> room (a pool's signals name rooms by id) */

/* ---- URIs ---- */

static int valid_domain(const char *d)
{
	size_t n = strlen(d), i;
	if(n == 0 || n > ROOM_DOMAIN_MAX)
		return 0;
	for(i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)d[i];
		if(ch == '/' || ch <= ' ' || ch == 0x7f)
			return 0;
	}
	return 1;
}

/* The schema's rule for chan_id: [A-Za-z0-9-] only (sipe splits URIs at '/'). */
static int valid_chan_id(const char *c)
{
	size_t n = strlen(c), i;
	if(n == 0 || n > ROOM_CHAN_ID_MAX)
		return 0;
	for(i = 0; i < n; i++) {
		if(!isalnum((unsigned char)c[i]) && c[i] != '-')
			return 0;
	}
	return 1;
}

char *room_uri_make(const char *domain, const char *chan_id)
{
	size_t n;
	char *uri;
	if(domain == NULL || chan_id == NULL || !valid_domain(domain) || !valid_chan_id(chan_id))
		return NULL;
	n = strlen(ROOM_URI_PREFIX) + strlen(domain) + 1 + strlen(chan_id) + 1;
	uri = xmalloc(n);
	snprintf(uri, n, ROOM_URI_PREFIX "%s/%s", domain, chan_id);
	return uri;
}

int room_uri_split(const char *uri, char **domain, char **chan_id)
{
	const size_t plen = strlen(ROOM_URI_PREFIX);
	const char *rest, *slash;
	char *d, *c;

	if(uri == NULL || strncasecmp(uri, ROOM_URI_PREFIX, plen) != 0)
		return -1;
	rest = uri + plen;
	slash = strchr(rest, '/');
	if(slash == NULL)
		return -1;
	d = xstrndup(rest, (size_t)(slash - rest));
	c = xstrdup(slash + 1);
	if(!valid_domain(d) || !valid_chan_id(c)) {
		free(d);
		free(c);
		return -1;
	}
	*domain = d;
	*chan_id = c;
	return 0;
}

/* Writes the cache key of uri into key (size n); returns 0, or -1 if too long. */
static int cache_key(const char *uri, char *key, size_t n)
{
	size_t i, len = strlen(uri);
	if(len >= n)
		return -1;
	for(i = 0; i <= len; i++)
		key[i] = (char)tolower((unsigned char)uri[i]);
	return 0;
}

#define KEY_MAX 256

/* ---- the cache ---- */

struct room *room_find(const char *uri)
{
	char key[KEY_MAX];
	struct room *r;
	if(room_cache == NULL || uri == NULL || cache_key(uri, key, sizeof(key)) < 0)
		return NULL;
	r = dict_gets(room_cache, key);
	return r && !r->gone ? r : NULL;
}

struct room *room_find_id(uint64_t id)
{
	char key[24];
	struct room *r;
	if(room_by_id == NULL)
		return NULL;
	snprintf(key, sizeof(key), "%" PRIu64, id);
	r = dict_gets(room_by_id, key);
	/* a room deleted and made again under its URI has a new id: the old key stays */
	return r && !r->gone && r->id == id ? r : NULL;
}

/* Indexes r by its id (new, or changed by a room made again under its URI). */
static void index_id(struct room *r, uint64_t id)
{
	char key[24];
	if(room_by_id == NULL)
		room_by_id = dict_new();
	snprintf(key, sizeof(key), "%" PRIu64, id);
	dict_puts(room_by_id, key, r);
}

/* ---- rights ---- */

/* The rules' view of r (pointing into r). */
static void room_acl(const struct room *r, struct acl_room *acl)
{
	static const enum acl_privacy privacy[] = {[ROOM_OPEN] = ACL_OPEN,
			[ROOM_CLOSED] = ACL_CLOSED,
			[ROOM_SECRET] = ACL_SECRET};
	acl->privacy = privacy[r->privacy];
	acl->type = r->type;
	acl->disabled = r->disabled;
	acl->members = plist_acl(&r->acl_members);
	acl->managers = plist_acl(&r->acl_managers);
	acl->presenters = plist_acl(&r->acl_presenters);
	acl->allowed = plist_acl(&r->acl_allowed);
	acl->denied = plist_acl(&r->acl_denied);
}

/* Managers and presenters: clients show them as the room's operators. */
static int acl_operator(const struct acl_room *acl, const char *user)
{
	return acl_list_matches(&acl->managers, user) || acl_list_matches(&acl->presenters, user);
}

/* The user's rights in r and, if op is not NULL, whether it is an operator.  A present
 * user's are decided once per change of the room's lists and kept in its room_user
 * (both at once: posts ask for the rights, joins for both); anyone else's are
 * decided now (the operator test only when asked: room lists decide rights for
 * every room). */
static unsigned decide(const struct room *r, const char *user, int *op)
{
	struct acl_room acl;
	struct room_user *u = dict_gets(r->user_index, user);
	if(u && u->rights_gen == r->acl_gen) {
		if(op)
			*op = u->op;
		return u->rights;
	}
	room_acl(r, &acl);
	unsigned rights = acl_rights(&acl, user);
	if(u) {
		u->rights = rights;
		u->op = acl_operator(&acl, user);
		u->rights_gen = r->acl_gen;
	}
	if(op)
		*op = u ? u->op : acl_operator(&acl, user);
	return rights;
}

unsigned room_rights(const struct room *r, const char *user)
{
	return r->gone ? 0 : decide(r, user, NULL);
}

int room_operator(const struct room *r, const char *user)
{
	int op = 0;
	return !r->gone && (decide(r, user, &op) & ACL_JOIN) && op;
}

int history_readable(const struct room *r, const char *user)
{
	return acl_history_readable(room_rights(r, user), r->chat_history);
}

enum room_privacy room_privacy_parse(const char *s)
{
	switch(acl_privacy_parse(s)) {
		case ACL_OPEN: return ROOM_OPEN;
		case ACL_CLOSED: return ROOM_CLOSED;
		default: return ROOM_SECRET; /* unknown values: the most restrictive */
	}
}

static void replace(char **field, const char *value)
{
	free(*field);
	*field = xstrdup(value ? value : "");
}

struct room *room_add(const struct db_room *row)
{
	char *uri = room_uri_make(row->domain, row->chan_id);
	char key[KEY_MAX];
	struct room *r;

	if(uri == NULL || cache_key(uri, key, sizeof(key)) < 0) {
		/* The schema allows values our URI rules do not; such a room is unusable. */
		log_warn("room ignored: invalid domain or chan_id room_id=%" PRIu64, row->id);
		free(uri);
		return NULL;
	}
	if(room_cache == NULL)
		room_cache = dict_new();
	r = dict_gets(room_cache, key);
	if(r == NULL) {
		r = xcalloc(1, sizeof(*r));
		r->uri = uri;
		r->domain = xstrdup(row->domain);
		r->chan_id = xstrdup(row->chan_id);
		list_init(&r->members);
		list_init(&r->users);
		r->user_index = dict_new();
		dict_puts(room_cache, key, r);
		if(log_enabled(LL_DEBUG)) {
			char name[300];
			log_msg(LL_DEBUG, "room cached room=%s name=%s", r->uri,
					log_value(name, sizeof(name), row->name,
							strlen(row->name)));
		}
	} else {
		free(uri);
	}
	/* New to the cache, or made again under its URI: what came before its head is
	 * history for whoever joins (the numbers start afresh in a new room). */
	if(r->id != row->id) {
		index_id(r, row->id);
		r->seq_done = row->seq;
	}
	r->id = row->id;
	replace(&r->name, row->name);
	replace(&r->description, row->description);
	replace(&r->topic, row->topic);
	r->privacy = room_privacy_parse(row->privacy);
	/* Unknown types: an auditorium, where fewest may post. */
	r->type = acl_type_parse(row->type) == ACL_NORMAL ? ACL_NORMAL : ACL_AUDITORIUM;
	r->disabled = row->disabled;
	r->chat_history = row->chat_history;
	r->file_upload = row->file_upload;
	r->invite = row->invite;
	r->gone = 0;
	r->seen = 1;
	if(++r->acl_gen == 0)
		r->acl_gen = 1; /* 0 is never valid, so a new room_user starts undecided */
	plist_set(&r->acl_members, row->members);
	plist_set(&r->acl_managers, row->managers);
	plist_set(&r->acl_presenters, row->presenters);
	plist_set(&r->acl_allowed, row->allowed);
	plist_set(&r->acl_denied, row->denied);
	return r;
}

static void room_free(void *p)
{
	struct room *r = p;
	/* Sessions are closed before the cache is freed, so presence is empty. */
	dict_free(r->user_index, NULL);
	dict_free(r->remote, free); /* presence.c's remote users */
	free(r->uri);
	free(r->domain);
	free(r->chan_id);
	free(r->name);
	free(r->description);
	free(r->topic);
	plist_free(&r->acl_members);
	plist_free(&r->acl_managers);
	plist_free(&r->acl_presenters);
	plist_free(&r->acl_allowed);
	plist_free(&r->acl_denied);
	free(r);
}

void rooms_free_all(void)
{
	dict_free(room_by_id, NULL);
	room_by_id = NULL;
	dict_free(room_cache, room_free);
	room_cache = NULL;
}

size_t rooms_count(void)
{
	return room_cache ? dict_count(room_cache) : 0;
}

size_t rooms_collect(struct room ***out)
{
	struct dict_iter it;
	size_t n = 0;
	void *v;

	*out = NULL;
	if(room_cache == NULL || dict_count(room_cache) == 0)
		return 0;
	*out = xmalloc(dict_count(room_cache) * sizeof(**out));
	dict_iter_init(&it, room_cache);
	while(dict_next(&it, &v, NULL, NULL)) {
		struct room *r = v;
		if(!r->gone)
			(*out)[n++] = r;
	}
	return n;
}

/* ---- refresh (reload.c) ---- */

void rooms_refresh(const struct db_room *rows, size_t n, void (*each)(struct room *r))
{
	struct dict_iter it;
	void *v;
	size_t i;

	if(room_cache == NULL)
		room_cache = dict_new();
	dict_iter_init(&it, room_cache);
	while(dict_next(&it, &v, NULL, NULL))
		((struct room *)v)->seen = 0;
	/* Only the rooms already cached are refreshed: the others are read when first
	 * used, so a reload does not fill memory with every room of the database. */
	for(i = 0; i < n; i++) {
		char *uri = room_uri_make(rows[i].domain, rows[i].chan_id);
		if(uri && room_find(uri))
			room_add(&rows[i]);
		free(uri);
	}
	dict_iter_init(&it, room_cache);
	while(dict_next(&it, &v, NULL, NULL)) {
		struct room *r = v;
		if(!r->seen && !r->gone) {
			r->gone = 1;
			log_info("room removed room=%s", r->uri);
		}
		each(r);
	}
}

void room_info(const struct room *r, struct xccos_room_info *info)
{
	info->uri = r->uri;
	info->name = r->name;
	info->topic = r->topic;
	info->description = r->description;
	info->ucnt = r->nusers + r->nremote;
	info->is_private = r->privacy != ROOM_OPEN;
	info->filepost = r->file_upload;
	info->invite = r->invite;
	info->logged = r->chat_history;
}
