/*
 * rooms.c - see rooms.h.
 */
#include "rooms.h"
#include "config.h"
#include "db.h"
#include "dict.h"
#include "log.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Cache key -> struct room.  The key is the URI in lower case: domains are
 * case-insensitive, and so is the database's lookup of chan_id. */
static struct dict *room_cache;

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

/* ---- principal lists and rights ---- */

void plist_set(struct plist *l, const char *spaced)
{
	size_t i, len = strlen(spaced ? spaced : ""), n = 0;
	plist_free(l);
	l->buf = xstrdup(spaced ? spaced : "");
	l->v = xcalloc(len / 2 + 1, sizeof(*l->v));
	for(i = 0; i < len; i++) {
		if(l->buf[i] == ' ')
			l->buf[i] = '\0';
		else if(i == 0 || l->buf[i - 1] == '\0')
			l->v[n++] = &l->buf[i];
	}
	l->n = n;
}

void plist_free(struct plist *l)
{
	free(l->buf);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

struct acl_list plist_acl(const struct plist *l)
{
	return (struct acl_list){l->v, l->n};
}

void room_acl(const struct room *r, struct acl_room *acl)
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

unsigned room_rights(const struct room *r, const char *user)
{
	struct acl_room acl;
	struct room_user *u;
	unsigned rights;
	if(r->gone)
		return 0;
	u = dict_gets(r->user_index, user);
	if(u && u->rights_gen == r->acl_gen)
		return u->rights; /* a present user: decided once per change of the room */
	room_acl(r, &acl);
	rights = acl_rights(&acl, user);
	if(u) {
		u->rights = rights;
		u->rights_gen = r->acl_gen;
	}
	return rights;
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
		log_warn("room %" PRIu64 " has an invalid domain/chan_id; ignored", row->id);
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
		log_info("room %s (%s) loaded", r->uri, row->name);
	} else {
		free(uri);
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
	dict_free(room_cache, room_free);
	room_cache = NULL;
}

/* ---- presence ---- */

int room_has_user(const struct room *r, const char *user)
{
	return dict_gets(r->user_index, user) != NULL;
}

struct member *room_member(const struct room *r, const struct session *s)
{
	const struct list *pos;
	/* A session is in few rooms; a room may hold thousands of sessions. */
	list_for_each(pos, &s->rooms) {
		struct member *m = list_entry(pos, struct member, sess_link);
		if(m->room == r)
			return m;
	}
	return NULL;
}

static struct room_user *user_get(struct room *r, const char *uri)
{
	struct room_user *u = dict_gets(r->user_index, uri);
	if(u)
		return u;
	u = xcalloc(1, sizeof(*u));
	u->uri = xstrdup(uri);
	list_add_tail(&r->users, &u->link);
	dict_puts(r->user_index, uri, u);
	r->nusers++;
	return u;
}

static void on_read_saved(struct db_job *job)
{
	(void)job; /* failures are logged by the worker */
}

static void save_read(const struct room *r, const char *user, uint64_t msgid)
{
	struct db_job *job = db_job_new(DB_SAVE_READ, on_read_saved, NULL);
	job->user = xstrdup(user);
	job->room_id = r->id;
	job->read_msgid = msgid;
	db_submit(job);
}

void room_note_delivery(struct room *r, uint64_t msgid)
{
	struct list *pos;
	list_for_each(pos, &r->users) {
		struct room_user *u = list_entry(pos, struct room_user, link);
		if(msgid > u->read_pos)
			u->read_pos = msgid;
	}
}

void room_note_read(struct room *r, const char *user, uint64_t msgid)
{
	struct room_user *u = dict_gets(r->user_index, user);
	if(u && msgid > u->read_pos)
		u->read_pos = msgid;
	if(u && u->read_pos <= u->saved_pos)
		return;
	if(u)
		u->saved_pos = u->read_pos;
	save_read(r, user, u ? u->read_pos : msgid);
}

static void user_put(struct room *r, struct room_user *u)
{
	if(--u->nsessions > 0)
		return;
	/* The user's last session leaves: store the read position (one write). */
	if(u->read_pos > u->saved_pos)
		save_read(r, u->uri, u->read_pos);
	list_del(&u->link);
	dict_dels(r->user_index, u->uri);
	r->nusers--;
	free(u->uri);
	free(u);
}

enum room_enter_result room_enter(struct room *r, struct session *s)
{
	struct member *m;
	if(room_member(r, s))
		return ROOM_ALREADY_IN;
	m = xcalloc(1, sizeof(*m));
	m->room = r;
	m->sess = s;
	m->user = user_get(r, s->user);
	m->user->nsessions++;
	list_add_tail(&r->members, &m->room_link);
	list_add_tail(&s->rooms, &m->sess_link);
	log_info(SESS_FMT " joined %s", SESS_ARGS(s), r->uri);
	return m->user->nsessions == 1 ? ROOM_FIRST_SESSION : ROOM_MORE_SESSIONS;
}

int room_roster_quiet(const struct room *r)
{
	return r->nusers > cfg.participant_update_limit;
}

void room_announce_join(struct room *r, struct session *s, const char *ntc)
{
	struct sbuf items = SBUF_INIT;
	if(room_roster_quiet(r))
		return;
	xccos_build_ntc_join(&items, ntc, s->user, r->domain, r->chan_id);
	room_broadcast(r, items.buf, items.len, s);
	sbuf_free(&items);
}

void room_leave(struct room *r, struct session *s)
{
	struct member *m = room_member(r, s);
	int last;
	if(m == NULL)
		return;
	list_del(&m->room_link);
	list_del(&m->sess_link);
	last = m->user->nsessions == 1;
	user_put(r, m->user);
	free(m);
	log_info(SESS_FMT " left %s", SESS_ARGS(s), r->uri);
	if(last && r->nusers + 1 <= cfg.participant_update_limit) {
		/* Everyone still present is another user: s is out of the list already. */
		struct sbuf items = SBUF_INIT;
		xccos_build_ntc_part(&items, r->uri, s->user);
		room_broadcast(r, items.buf, items.len, NULL);
		sbuf_free(&items);
	}
}

void rooms_leave_all(struct session *s)
{
	struct list *first;
	while((first = list_first(&s->rooms)) != NULL)
		room_leave(list_entry(first, struct member, sess_link)->room, s);
}

static void on_presence_stored(struct db_job *job)
{
	(void)job; /* failures are logged by the worker */
}

void room_store_presence(const struct session *s, const struct room *r, int in)
{
	struct db_job *job = db_job_new(DB_SESSION_ROOM, on_presence_stored, NULL);
	job->session_id = s->sid;
	job->room_id = r->id;
	job->user = xstrdup(s->user);
	job->flag = in;
	db_submit(job);
}

/* ---- reload ---- */

/* Puts out of r every present session whose user may no longer join it. */
static void evict_unauthorized(struct room *r)
{
	struct list *pos;
again:
	list_for_each(pos, &r->members) {
		struct member *m = list_entry(pos, struct member, room_link);
		struct session *s = m->sess;
		if(room_rights(r, s->user) & ACL_JOIN)
			continue;
		log_info(SESS_FMT " put out of %s: %s", SESS_ARGS(s), r->uri,
				r->gone ? "the room was removed" : "no longer allowed in");
		room_store_presence(s, r, 0);
		room_leave(r, s); /* changes the list: start over */
		goto again;
	}
}

void rooms_reload_apply(const struct db_room *rows, size_t n)
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
			log_info("room %s removed", r->uri);
		}
		evict_unauthorized(r);
	}
}

void room_broadcast(struct room *r, const char *items, size_t len, const struct session *except)
{
	const struct list *pos;
	list_for_each(pos, &r->members) {
		const struct member *m = list_entry(pos, struct member, room_link);
		if(m->sess != except)
			session_send(m->sess, items, len);
	}
}

size_t room_users(const struct room *r, const char **users, size_t max)
{
	const struct list *pos;
	size_t n = 0;
	list_for_each(pos, &r->users) {
		if(n >= max)
			break;
		users[n++] = list_entry(pos, struct room_user, link)->uri;
	}
	return n;
}

void room_info(const struct room *r, struct xccos_room_info *info)
{
	info->uri = r->uri;
	info->name = r->name;
	info->topic = r->topic;
	info->description = r->description;
	info->ucnt = r->nusers;
	info->is_private = r->privacy != ROOM_OPEN;
}
