/*
 * presence.c - see presence.h.
 */
#include "presence.h"
#include "config.h"
#include "db.h"
#include "dict.h"
#include "metrics.h"
#include "pchat_log.h"
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
	return m->user->nsessions == 1 ? ROOM_FIRST_SESSION : ROOM_MORE_SESSIONS;
}

/* Has the room more present users than --participant-update-limit?  Then no
 * ntc:join/bjoin/part is sent for it. */
static int room_roster_quiet(const struct room *r)
{
	return r->nusers > cfg.participant_update_limit;
}

void room_announce_join(struct room *r, struct session *s, const char *ntc)
{
	struct sbuf items = SBUF_INIT;
	if(room_roster_quiet(r))
		return;
	xccos_build_ntc_join(
			&items, ntc, s->user, r->domain, r->chan_id, room_operator(r, s->user));
	room_broadcast(r, items.buf, items.len, s);
	sbuf_free(&items);
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
	last = m->user->nsessions == 1;
	user_put(r, m->user);
	free(m);
	presences--;
	metric_inc(&m_parts);
	log_info("room left " SESS_FMT " room=%s reason=%s", SESS_ARGS(s), r->uri, why);
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
		room_leave(list_entry(first, struct member, sess_link)->room, s, "closed");
}

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
	/* after the new rows: the user stays in the rooms throughout (compliance) */
	presence_forget(from);
	return n;
}

void presence_store(const struct session *s, const struct room *r, int in)
{
	db_submit(db_session_room(s->sid, r->id, s->user, in));
}

void presence_forget(const struct session *s)
{
	db_submit(db_session_clear(s->sid));
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
	list_for_each(pos, &r->members) {
		const struct member *m = list_entry(pos, struct member, room_link);
		if(m->sess != except) {
			session_send(m->sess, items, len);
			n++;
		}
	}
	return n;
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
