/*
 * presence.c - see presence.h.
 */
#include "presence.h"
#include "config.h"
#include "db.h"
#include "dict.h"
#include "fanout.h"
#include "metrics.h"
#include "pchat_log.h"
#include "poolsig.h"
#include "sbuf.h"
#include "xccos.h"
#include "util.h"

#include <stdlib.h>

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

static void save_read(const struct room *r, const char *user, uint64_t msgid)
{
	db_submit(db_save_read(user, r->id, msgid));
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

/* A user present in a room through other nodes of a pool (room.remote's values). */
struct remote_user {
	unsigned sessions;
	char uri[]; /* NUL-terminated: room_users hands it out */
};

/* Sessions of user present in r through other nodes of a pool. */
static unsigned remote_sessions(const struct room *r, const char *user)
{
	const struct remote_user *u = r->remote ? dict_gets(r->remote, user) : NULL;
	return u ? u->sessions : 0;
}

unsigned room_user_count(const struct room *r)
{
	return r->nusers + r->nremote;
}

static void user_put(struct room *r, struct room_user *u)
{
	if(--u->nsessions > 0)
		return;
	if(remote_sessions(r, u->uri))
		r->nremote++; /* still present, through another node */
	/* The user's last session leaves: store the read position (one write). */
	if(u->read_pos > u->saved_pos)
		save_read(r, u->uri, u->read_pos);
	list_del(&u->link);
	dict_dels(r->user_index, u->uri);
	r->nusers--;
	free(u->uri);
	free(u);
}

/* Sessions present in a room, summed over the rooms (metrics). */
static size_t presences;

size_t room_presences(void)
{
	return presences;
}

enum room_enter_result room_enter(struct room *r, struct session *s, const char *how)
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
	presences++;
	metric_inc(&m_joins);
	log_info("room joined " SESS_FMT " room=%s how=%s", SESS_ARGS(s), r->uri, how);
	if(m->user->nsessions > 1)
		return ROOM_MORE_SESSIONS;
	if(remote_sessions(r, s->user)) { /* present already, through another node */
		r->nremote--;
		return ROOM_MORE_SESSIONS;
	}
	return ROOM_FIRST_SESSION;
}

/* Has the room more present users than --participant-update-limit?  Then no
 * ntc:join/bjoin/part is sent for it. */
static int room_roster_quiet(const struct room *r)
{
	return room_user_count(r) > cfg.participant_update_limit;
}

/* ntc (ntc:join or ntc:bjoin) about user to every session in r but except. */
static void announce_join(
		struct room *r, const char *user, const char *ntc, const struct session *except)
{
	struct sbuf items = SBUF_INIT;
	xccos_build_ntc_join(&items, ntc, user, r->domain, r->chan_id, room_operator(r, user));
	room_broadcast(r, items.buf, items.len, except);
	sbuf_free(&items);
}

/* ntc:part about user to every session in r (everyone present is another user). */
static void announce_part(struct room *r, const char *user)
{
	struct sbuf items = SBUF_INIT;
	xccos_build_ntc_part(&items, r->uri, user);
	room_broadcast(r, items.buf, items.len, NULL);
	sbuf_free(&items);
}

void room_announce_join(struct room *r, struct session *s, const char *ntc)
{
	if(!room_roster_quiet(r))
		announce_join(r, s->user, ntc, s);
}

/* ---- a pool: users present through other nodes ---- */

/* user came (sessions > 0) into r's remote set or left it: unless present here, the
 * room's count changes and, unless quiet, it is announced. */
static void remote_changed(struct room *r, const char *user, int came)
{
	if(room_has_user(r, user))
		return;
	if(came) {
		r->nremote++;
		if(!room_roster_quiet(r))
			announce_join(r, user, "ntc:join", NULL);
	} else {
		r->nremote--;
		if(room_user_count(r) + 1 <= cfg.participant_update_limit)
			announce_part(r, user);
	}
}

static struct dict *remote_set(const struct db_roster_row *rows, size_t n)
{
	struct dict *d = dict_new();
	for(size_t i = 0; i < n; i++) {
		size_t len = strlen(rows[i].user);
		struct remote_user *u = xmalloc(sizeof(*u) + len + 1);
		u->sessions = rows[i].sessions ? rows[i].sessions : 1;
		memcpy(u->uri, rows[i].user, len + 1);
		free(dict_puts(d, u->uri, u)); /* one row per user: nothing to replace */
	}
	return d;
}

void room_set_remote(struct room *r, const struct db_roster_row *rows, size_t n)
{
	struct dict *prev = r->remote;
	struct dict_iter it;
	void *v;

	r->remote = remote_set(rows, n);
	for(size_t i = 0; i < n; i++) {
		if(prev == NULL || dict_gets(prev, rows[i].user) == NULL)
			remote_changed(r, rows[i].user, 1);
	}
	if(prev == NULL)
		return;
	dict_iter_init(&it, prev);
	while(dict_next(&it, &v, NULL, NULL)) {
		const struct remote_user *u = v;
		if(dict_gets(r->remote, u->uri) == NULL)
			remote_changed(r, u->uri, 0);
	}
	dict_free(prev, free);
}

enum history_sent presence_history(const struct session *s, const struct room *r)
{
	if(s->hist == NULL)
		return HISTORY_NONE;
	return (enum history_sent)(uintptr_t)dict_get(s->hist, &r->id, sizeof(r->id));
}

void presence_set_history(struct session *s, const struct room *r, enum history_sent h)
{
	if(h == HISTORY_NONE) {
		if(s->hist)
			dict_del(s->hist, &r->id, sizeof(r->id));
		return;
	}
	/* At most one entry per room the user may join (only those are answered). */
	if(s->hist == NULL)
		s->hist = dict_new();
	dict_put(s->hist, &r->id, sizeof(r->id), (void *)(uintptr_t)h);
}

void room_leave(struct room *r, struct session *s, const char *why)
{
	struct member *m = room_member(r, s);
	int last;
	if(m == NULL)
		return;
	presence_set_history(s, r, HISTORY_NONE);
	list_del(&m->room_link);
	list_del(&m->sess_link);
	last = m->user->nsessions == 1 && !remote_sessions(r, s->user);
	user_put(r, m->user);
	free(m);
	presences--;
	metric_inc(&m_parts);
	log_info("room left " SESS_FMT " room=%s reason=%s", SESS_ARGS(s), r->uri, why);
	if(last && room_user_count(r) + 1 <= cfg.participant_update_limit)
		announce_part(r, s->user); /* s is out of the list already */
}

void rooms_leave_all(struct session *s)
{
	struct list *first;
	while((first = list_first(&s->rooms)) != NULL)
		room_leave(list_entry(first, struct member, sess_link)->room, s, "closed");
}

static void forget_rows(const struct session *s, uint64_t *rooms, size_t n);

/* Moves m (a membership of a closed session) to the session to, of the same user. */
static void member_move(struct member *m, struct session *to)
{
	list_del(&m->sess_link);
	m->sess = to;
	list_add_tail(&to->rooms, &m->sess_link);
	log_info("room joined " SESS_FMT " room=%s how=carryover", SESS_ARGS(to), m->room->uri);
	presence_store(to, m->room, 1);
}

size_t rooms_carry_over(struct session *from, struct session *to)
{
	struct list *first;
	size_t n = 0;
	while((first = list_first(&from->rooms)) != NULL) {
		struct member *m = list_entry(first, struct member, sess_link);
		struct room *r = m->room;
		if(!(room_rights(r, to->user) & ACL_JOIN))
			room_leave(r, from, r->gone ? "removed" : "not-allowed");
		else if(room_member(r, to)) /* already in it: the old presence goes */
			room_leave(r, from, "carried");
		else {
			member_move(m, to);
			n++;
		}
	}
	/* after the new rows: the user stays in the rooms throughout (compliance, and a
	 * pool's other nodes: nothing to tell them) */
	forget_rows(from, NULL, 0);
	return n;
}

/* A session_rooms change committed: a pool's other nodes read the room's presence. */
static void on_presence_stored(struct db_job *job)
{
	if(job->status != DB_OK)
		return;
	if(job->type != DB_SESSION_CLEAR)
		poolsig_note_roster(job->u.presence.room_id);
	for(size_t i = 0; i < job->u.presence.nrooms; i++)
		poolsig_note_roster(job->u.presence.rooms[i]);
}

void presence_store(const struct session *s, const struct room *r, int in)
{
	struct db_job *job = db_session_room(s->sid, r->id, s->user, s->epid, in);
	job->done = on_presence_stored;
	db_submit(job);
}

/* Deletes s's rows; rooms[0..n) (taken; NULL: none) are signalled to a pool's other
 * nodes once that is committed. */
static void forget_rows(const struct session *s, uint64_t *rooms, size_t n)
{
	struct db_job *job = db_session_clear(s->sid);
	job->u.presence.rooms = rooms;
	job->u.presence.nrooms = n;
	job->done = on_presence_stored;
	db_submit(job);
}

void presence_forget(const struct session *s)
{
	const struct list *pos;
	uint64_t *rooms;
	size_t n = 0;
	list_for_each(pos, &s->rooms)
		n++;
	rooms = xcalloc(n + 1, sizeof(*rooms));
	n = 0;
	list_for_each(pos, &s->rooms)
		rooms[n++] = list_entry(pos, struct member, sess_link)->room->id;
	forget_rows(s, rooms, n);
}

void room_evict_unauthorized(struct room *r)
{
	struct list *pos;
again:
	list_for_each(pos, &r->members) {
		struct member *m = list_entry(pos, struct member, room_link);
		struct session *s = m->sess;
		if(room_rights(r, s->user) & ACL_JOIN)
			continue;
		presence_store(s, r, 0);
		/* changes the list: start over */
		room_leave(r, s, r->gone ? "removed" : "not-allowed");
		goto again;
	}
}

size_t room_broadcast(struct room *r, const char *items, size_t len, const struct session *except)
{
	const struct list *pos;
	size_t n = 0;
	struct fanout *fo = fanout_begin(items, len);
	list_for_each(pos, &r->members) {
		const struct member *m = list_entry(pos, struct member, room_link);
		if(m->sess != except && fanout_add(fo, m->sess) == 0)
			n++;
	}
	fanout_end(fo);
	return n;
}

size_t room_users(const struct room *r, const char **users, size_t max)
{
	const struct list *pos;
	struct dict_iter it;
	void *v;
	size_t n = 0;
	list_for_each(pos, &r->users) {
		if(n >= max)
			return n;
		users[n++] = list_entry(pos, struct room_user, link)->uri;
	}
	if(r->remote == NULL)
		return n;
	dict_iter_init(&it, r->remote);
	while(n < max && dict_next(&it, &v, NULL, NULL)) {
		const struct remote_user *u = v;
		if(!room_has_user(r, u->uri))
			users[n++] = u->uri;
	}
	return n;
}
