/*
 * fake_db.c - see fakes.h.  Implements db_submit()/db_backlog() over in-memory
 * rooms and messages; the real dbjob.c allocates and frees the jobs.
 */
#define _GNU_SOURCE /* strcasestr */
#include "fakes.h"

#include "db.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct fake_msg {
	uint64_t id, room_id, seq;
	char *author, *body, *client_ref;
	char ts[TS_BUFSZ];
};

static struct db_room rooms[16];
static size_t nrooms;
static struct fake_msg msgs[256];
static size_t nmsgs;
static struct list queue = LIST_INIT(queue);
static size_t queued;

struct fake_follow {
	char *user;
	uint64_t room_id;
};
static struct fake_follow follows[64];
static size_t nfollows;

struct fake_pref {
	char *user, *label, *content;
	uint64_t seqid;
};
static struct fake_pref prefs[16];
struct fake_read {
	char *user;
	uint64_t room_id, msgid;
};
static struct fake_read reads[32];
static size_t nreads;
static size_t nread_writes;
static size_t nprefs;
static int fail_next;
static int late; /* fake_db_run_late */

struct fake_sroom {
	uint64_t sid, room_id;
	char *user;
};
static struct fake_sroom srooms[64];
static size_t nsrooms;

/* message_changes (migration 013): a moderator's change of a message. */
struct fake_change {
	uint64_t room_id, msg_id;
	char *body; /* NULL: removed */
};
static struct fake_change changes[16];
static size_t nchanges;

void fake_db_add_change(uint64_t room_id, uint64_t msg_id, const char *replacement)
{
	struct fake_change *c = &changes[nchanges++];
	c->room_id = room_id;
	c->msg_id = msg_id;
	c->body = replacement ? xstrdup(replacement) : NULL;
}

/* DB_MSG_CHANGES: change ids are their index + 1. */
static void run_msg_changes(struct db_job *job)
{
	size_t i, n = 0;
	struct db_msg *m;
	if(job->u.msg_changes.latest) {
		job->u.msg_changes.last_id = nchanges;
		return;
	}
	for(i = job->u.msg_changes.after_id; i < nchanges && n < job->u.msg_changes.limit; i++) {
		struct db_room *r = NULL;
		for(size_t k = 0; k < nrooms; k++)
			if(rooms[k].id == changes[i].room_id)
				r = &rooms[k];
		job->u.msg_changes.msgs = xrealloc(job->u.msg_changes.msgs, (n + 1) * sizeof(*m));
		m = &job->u.msg_changes.msgs[n++];
		memset(m, 0, sizeof(*m));
		m->id = changes[i].msg_id;
		m->author = xstrdup("sip:bob@example.com");
		m->body = changes[i].body ? xstrdup(changes[i].body) : NULL;
		m->body_len = changes[i].body ? strlen(changes[i].body) : 0;
		if(r) {
			char uri[256];
			snprintf(uri, sizeof(uri), "ma-chan://%s/%s", r->domain, r->chan_id);
			m->chan_uri = xstrdup(uri);
		}
		snprintf(m->ts, sizeof(m->ts), "2024-01-01T00:00:00.000Z");
		job->u.msg_changes.last_id = i + 1;
	}
	job->u.msg_changes.nmsgs = n;
}

void fake_db_add_room(uint64_t id, const char *domain, const char *chan_id, const char *name,
		const char *topic, const char *privacy)
{
	struct db_room *r = &rooms[nrooms++];
	memset(r, 0, sizeof(*r));
	r->id = id;
	r->domain = xstrdup(domain);
	r->chan_id = xstrdup(chan_id);
	r->name = xstrdup(name);
	r->description = xstrdup("about ");
	r->topic = xstrdup(topic);
	strcpy(r->privacy, privacy);
	strcpy(r->type, "normal");
	r->chat_history = 1;
	r->file_upload = 1;
	r->invite = 1;
	r->members = xstrdup("");
	r->managers = xstrdup("");
	r->presenters = xstrdup("");
	r->allowed = xstrdup("example.com");
	r->denied = xstrdup("");
}

static struct db_room *room_by_id_rw(uint64_t id)
{
	size_t i;
	for(i = 0; i < nrooms; i++) {
		if(rooms[i].id == id)
			return &rooms[i];
	}
	return NULL;
}

static void set_str(char **field, const char *v)
{
	free(*field);
	*field = xstrdup(v ? v : "");
}

void fake_db_set_room_acl(uint64_t id, const struct fake_acl *acl)
{
	struct db_room *r = room_by_id_rw(id);
	snprintf(r->type, sizeof(r->type), "%s", acl->type ? acl->type : "normal");
	r->disabled = acl->disabled;
	r->chat_history = !acl->no_history;
	r->file_upload = !acl->no_files;
	r->invite = !acl->no_invite;
	set_str(&r->members, acl->members);
	set_str(&r->managers, acl->managers);
	set_str(&r->presenters, acl->presenters);
	set_str(&r->allowed, acl->allowed ? acl->allowed : "example.com");
	set_str(&r->denied, acl->denied);
}

void fake_db_remove_room(uint64_t id)
{
	struct db_room *r = room_by_id_rw(id);
	db_room_clear(r);
	*r = rooms[--nrooms];
}

struct fake_inv {
	uint64_t id, room_id;
	char *user, *inviter;
};
static struct fake_inv invs[16];
static size_t ninvs;

void fake_db_add_invitation(uint64_t id, const char *user, uint64_t room_id, const char *inviter)
{
	invs[ninvs++] = (struct fake_inv){id, room_id, xstrdup(user), xstrdup(inviter)};
}

static struct db_category cats[8];
static size_t ncats;

void fake_db_add_category(const char *cat_id, const char *name, const char *allowed,
		const char *denied, const char *creators)
{
	uint64_t id = ncats + 1;
	cats[ncats++] = (struct db_category){id, xstrdup("example.com"), xstrdup(cat_id),
			xstrdup(name), xstrdup("about"), xstrdup(allowed), xstrdup(denied),
			xstrdup(creators)};
}

static long long conf[DB_CONF_N] = {-1, -1, -1, -1, -1};

void fake_db_set_conf(int key, long long value)
{
	conf[key] = value;
}

void db_submit(struct db_job *job)
{
	list_add_tail(&queue, &job->link);
	queued++;
}

size_t db_backlog(void)
{
	return queued;
}

size_t fake_db_queued(void)
{
	return queued;
}

static void copy_room(struct db_room *dst, const struct db_room *src)
{
	*dst = *src;
	dst->domain = xstrdup(src->domain);
	dst->chan_id = xstrdup(src->chan_id);
	dst->name = xstrdup(src->name);
	dst->description = xstrdup(src->description);
	dst->topic = xstrdup(src->topic);
	dst->members = xstrdup(src->members);
	dst->managers = xstrdup(src->managers);
	dst->presenters = xstrdup(src->presenters);
	dst->allowed = xstrdup(src->allowed);
	dst->denied = xstrdup(src->denied);
	dst->inviter = NULL;
}

/* DB_LOAD_ROOMS: the rooms whose ids are in the JSON array "[1,3]". */
static void run_load_rooms(struct db_job *job)
{
	struct db_rooms *out = &job->u.rooms_all.out;
	out->v = xcalloc(nrooms + 1, sizeof(*out->v));
	for(const char *p = job->u.rooms_all.ids; *p; p++) {
		if(*p < '0' || *p > '9')
			continue;
		char *end;
		unsigned long long id = strtoull(p, &end, 10);
		for(size_t i = 0; i < nrooms; i++) {
			if(rooms[i].id == id)
				copy_room(&out->v[out->n++], &rooms[i]);
		}
		p = end - 1;
	}
}

static void run_rooms_all(struct db_job *job)
{
	size_t i;
	struct db_rooms *out = &job->u.rooms_all.out;
	out->v = xcalloc(nrooms + 1, sizeof(*out->v));
	for(i = 0; i < nrooms; i++)
		copy_room(&out->v[out->n++], &rooms[i]);
}

static const struct db_room *room_by_id(uint64_t id);

/* Newest first, through the real matcher; author and time bounds are not modelled.
 * Stops after `want` matches with next set to the last one, as the engine's rounds
 * may, so that cmd_search's next job is exercised. */
static void run_msg_search(struct db_job *job)
{
	size_t i, n = 0;
	struct db_msg *out = xcalloc(nmsgs + 1, sizeof(*out));
	uint64_t before = job->u.msg_search.before_id;
	job->u.msg_search.next = 0;
	for(i = nmsgs; i > 0; i--) {
		const struct fake_msg *m = &msgs[i - 1];
		const struct db_room *r = room_by_id(m->room_id);
		if(r == NULL ||
				(job->u.msg_search.room_id &&
						m->room_id != job->u.msg_search.room_id) ||
				(before && m->id >= before) ||
				!pchat_search_match(
						job->u.msg_search.query, m->body, strlen(m->body)))
			continue;
		if(n == job->u.msg_search.want) {
			job->u.msg_search.next = out[n - 1].id;
			break;
		}
		struct db_msg *d = &out[n++];
		d->id = m->id;
		d->author = xstrdup(m->author);
		d->body = xstrdup(m->body);
		d->body_len = strlen(d->body);
		strcpy(d->ts, m->ts);
		d->chan_uri = xmalloc(strlen(r->domain) + strlen(r->chan_id) + 16);
		sprintf(d->chan_uri, "ma-chan://%s/%s", r->domain, r->chan_id);
		d->room_id = m->room_id;
	}
	job->u.msg_search.msgs = out;
	job->u.msg_search.nmsgs = n;
}

static const struct db_room *room_by_id(uint64_t id);

static void run_get_inv(struct db_job *job)
{
	size_t i;
	struct db_rooms *found = &job->u.user_rooms.out;
	found->v = xcalloc(ninvs + 1, sizeof(*found->v));
	for(i = 0; i < ninvs; i++) {
		const struct db_room *r = room_by_id(invs[i].room_id);
		struct db_room *out;
		if(r == NULL || strcmp(invs[i].user, job->u.user_rooms.user) != 0 ||
				invs[i].id <= job->u.user_rooms.after)
			continue;
		out = &found->v[found->n++];
		copy_room(out, r);
		out->inv_id = invs[i].id;
		out->inviter = xstrdup(invs[i].inviter);
		strcpy(out->inv_ts, "2026-01-02T03:04:05.000Z");
	}
}

static void run_categories(struct db_job *job)
{
	size_t i;
	job->u.categories.v = xcalloc(ncats + 1, sizeof(*job->u.categories.v));
	for(i = 0; i < ncats; i++) {
		const struct db_category *c = &cats[i];
		job->u.categories.v[job->u.categories.n++] = (struct db_category){c->id,
				xstrdup(c->domain), xstrdup(c->cat_id), xstrdup(c->name),
				xstrdup(c->description), xstrdup(c->allowed), xstrdup(c->denied),
				xstrdup(c->creators)};
	}
}

static void run_load(struct db_job *job)
{
	size_t i;
	job->status = DB_NOT_FOUND;
	for(i = 0; i < nrooms; i++) {
		if(strcasecmp(rooms[i].domain, job->u.room.domain) == 0 &&
				strcasecmp(rooms[i].chan_id, job->u.room.chan_id) == 0) {
			job->u.room.out.v = xcalloc(1, sizeof(*job->u.room.out.v));
			copy_room(&job->u.room.out.v[0], &rooms[i]);
			job->u.room.out.n = 1;
			job->status = DB_OK;
		}
	}
}

static int same_text(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* As migration 006: the same reference, author, room and text is stored once. */
/* The room's next sequence number, as migration 017's trigger gives it (0 if the
 * room is not there). */
static uint64_t next_seq(uint64_t room_id)
{
	struct db_room *r = room_by_id_rw(room_id);
	return r ? ++r->seq : 0;
}

static void run_insert(struct db_job *job)
{
	struct fake_msg *m;
	size_t i;
	for(i = 0; i < nmsgs; i++) {
		if(same_text(msgs[i].client_ref, job->u.post.client_ref) &&
				same_text(msgs[i].author, job->u.post.author) &&
				msgs[i].room_id == job->u.post.room_id &&
				same_text(msgs[i].body, job->u.post.body)) {
			job->u.post.msg_id = msgs[i].id;
			job->u.post.duplicate = 1;
			return;
		}
	}
	m = &msgs[nmsgs++];
	m->id = nmsgs;
	m->room_id = job->u.post.room_id;
	m->seq = next_seq(m->room_id);
	job->u.post.seq = m->seq;
	m->author = xstrdup(job->u.post.author);
	m->body = xstrdup(job->u.post.body);
	m->client_ref = job->u.post.client_ref ? xstrdup(job->u.post.client_ref) : NULL;
	format_ts(m->ts, job->u.post.posted_at.tv_sec,
			(unsigned)(job->u.post.posted_at.tv_nsec / 1000000));
	job->u.post.msg_id = m->id;
}

void fake_db_add_message(uint64_t room_id, const char *author, const char *body)
{
	struct fake_msg *m = &msgs[nmsgs++];
	m->id = nmsgs;
	m->room_id = room_id;
	m->seq = next_seq(room_id);
	m->author = xstrdup(author);
	m->body = xstrdup(body);
	m->client_ref = NULL;
	format_ts(m->ts, 1767225600, 0);
}

/* All messages of the room (older than before_id if set), then only the newest
 * `limit` of them, oldest first. */
static void run_history(struct db_job *job)
{
	size_t i, n = 0;
	struct db_msg *out = xcalloc(nmsgs + 1, sizeof(*out));
	for(i = 0; i < nmsgs; i++) {
		if(msgs[i].room_id == job->u.history.room_id &&
				(job->u.history.before_id == 0 ||
						msgs[i].id < job->u.history.before_id)) {
			struct db_msg *d = &out[n++];
			d->id = msgs[i].id;
			d->author = xstrdup(msgs[i].author);
			d->body = xstrdup(msgs[i].body);
			d->body_len = strlen(d->body);
			strcpy(d->ts, msgs[i].ts);
		}
	}
	while(n > job->u.history.limit) {
		free(out[0].author);
		free(out[0].body);
		memmove(out, out + 1, (n - 1) * sizeof(*out));
		n--;
	}
	job->u.history.msgs = out;
	job->u.history.nmsgs = n;
}

/* The room's head, then its messages numbered after after_seq up to it. */
static void run_catch_up(struct db_job *job)
{
	const struct db_room *r = room_by_id_rw(job->u.history.room_id);
	struct db_msg *out = xcalloc(nmsgs + 1, sizeof(*out));
	size_t i, n = 0;
	job->u.history.head = r ? r->seq : 0;
	for(i = 0; i < nmsgs && n < job->u.history.limit; i++) {
		const struct fake_msg *m = &msgs[i];
		if(m->room_id == job->u.history.room_id && m->seq > job->u.history.after_seq &&
				m->seq <= job->u.history.head) {
			struct db_msg *d = &out[n++];
			d->id = m->id;
			d->seq = m->seq;
			d->author = xstrdup(m->author);
			d->body = xstrdup(m->body);
			d->body_len = strlen(d->body);
			strcpy(d->ts, m->ts);
		}
	}
	job->u.history.msgs = out;
	job->u.history.nmsgs = n;
}

static void run_room_heads(struct db_job *job)
{
	job->u.heads.v = xcalloc(nrooms + 1, sizeof(*job->u.heads.v));
	for(size_t i = 0; i < nrooms; i++)
		job->u.heads.v[job->u.heads.n++] = (struct db_room_head){rooms[i].id, rooms[i].seq};
}

static void run_search(struct db_job *job)
{
	struct db_rooms *out = &job->u.search.out;
	const char *q = job->u.search.criteria;
	size_t i;
	out->v = xcalloc(nrooms + 1, sizeof(*out->v));
	for(i = 0; i < nrooms && out->n < job->u.search.limit; i++) {
		if(q[0] && strcasestr(rooms[i].name, q) == NULL)
			continue;
		copy_room(&out->v[out->n++], &rooms[i]);
	}
}

static const struct db_room *room_by_id(uint64_t id)
{
	size_t i;
	for(i = 0; i < nrooms; i++) {
		if(rooms[i].id == id)
			return &rooms[i];
	}
	return NULL;
}

static void run_follow(struct db_job *job)
{
	int follow = job->type == DB_FOLLOW;
	const char *user = job->u.follow.user;
	uint64_t id = job->u.follow.room_id;
	size_t i;
	if(!follow) {
		id = 0;
		for(i = 0; i < nrooms; i++) {
			if(strcasecmp(rooms[i].domain, job->u.follow.domain) == 0 &&
					strcasecmp(rooms[i].chan_id, job->u.follow.chan_id) == 0)
				id = rooms[i].id;
		}
	}
	for(i = 0; i < nfollows; i++) {
		if(follows[i].room_id == id && strcmp(follows[i].user, user) == 0)
			break;
	}
	if(follow && i == nfollows) {
		follows[nfollows].user = xstrdup(user);
		follows[nfollows++].room_id = id;
	} else if(!follow && i < nfollows) {
		free(follows[i].user);
		follows[i] = follows[--nfollows];
	}
}

static struct fake_read *find_read(const char *user, uint64_t room_id)
{
	size_t i;
	for(i = 0; i < nreads; i++) {
		if(reads[i].room_id == room_id && strcmp(reads[i].user, user) == 0)
			return &reads[i];
	}
	return NULL;
}

static void run_save_read(struct db_job *job)
{
	struct fake_read *r = find_read(job->u.read.user, job->u.read.room_id);
	nread_writes++;
	if(r == NULL) {
		r = &reads[nreads++];
		r->user = xstrdup(job->u.read.user);
		r->room_id = job->u.read.room_id;
	}
	if(job->u.read.msgid > r->msgid)
		r->msgid = job->u.read.msgid;
}

static void run_assoc(struct db_job *job)
{
	size_t i, j;
	struct db_rooms *found = &job->u.user_rooms.out;
	const char *user = job->u.user_rooms.user;
	found->v = xcalloc(nfollows + 1, sizeof(*found->v));
	for(i = 0; i < nfollows; i++) {
		const struct db_room *r = room_by_id(follows[i].room_id);
		const struct fake_read *rd;
		struct db_room *out;
		if(r == NULL || strcmp(follows[i].user, user) != 0)
			continue;
		out = &found->v[found->n++];
		copy_room(out, r);
		rd = find_read(user, r->id);
		for(j = 0; j < nmsgs; j++)
			out->unread += msgs[j].room_id == r->id &&
					msgs[j].id > (rd ? rd->msgid : 0);
	}
}

size_t fake_db_read_writes(void)
{
	return nread_writes;
}

static struct fake_pref *find_pref(const char *user, const char *label)
{
	size_t i;
	for(i = 0; i < nprefs; i++) {
		if(strcmp(prefs[i].user, user) == 0 && strcmp(prefs[i].label, label) == 0)
			return &prefs[i];
	}
	return NULL;
}

static struct fake_pref *new_pref(const char *user, const char *label)
{
	struct fake_pref *p = &prefs[nprefs++];
	p->user = xstrdup(user);
	p->label = xstrdup(label);
	p->content = xstrdup("");
	p->seqid = 1;
	return p;
}

static void run_pref(struct db_job *job)
{
	struct fake_pref *p = find_pref(job->u.pref.user, job->u.pref.label);
	if(job->type == DB_SET_PREF) {
		if(p == NULL)
			p = new_pref(job->u.pref.user, job->u.pref.label);
		else
			p->seqid++;
		free(p->content);
		p->content = xstrdup(job->u.pref.content);
	} else if(p == NULL && job->u.pref.create) {
		p = new_pref(job->u.pref.user, job->u.pref.label);
	}
	if(p == NULL) {
		job->status = DB_NOT_FOUND;
		return;
	}
	job->u.pref.seqid = p->seqid;
	job->u.pref.out = xstrdup(p->content);
}

static void sroom_del(size_t i)
{
	free(srooms[i].user);
	srooms[i] = srooms[--nsrooms];
}

static void run_session_rooms(struct db_job *job)
{
	uint64_t sid = job->u.presence.session_id;
	const char *user = job->u.presence.user;
	struct db_rooms *out = &job->u.presence.out;
	size_t i = 0;
	if(job->type == DB_SESSION_ROOMS)
		out->v = xcalloc(nsrooms + 1, sizeof(*out->v));
	while(i < nsrooms) {
		struct fake_sroom *r = &srooms[i];
		int same = r->sid == sid;
		if((job->type == DB_SESSION_ROOM_ADD || job->type == DB_SESSION_ROOM_DEL) && same &&
				r->room_id == job->u.presence.room_id) {
			if(job->type == DB_SESSION_ROOM_DEL)
				sroom_del(i);
			return;
		} else if(same &&
				(job->type == DB_SESSION_CLEAR ||
						(job->type == DB_SESSION_ROOMS &&
								strcmp(r->user, user) != 0))) {
			sroom_del(i);
			continue;
		} else if(same && job->type == DB_SESSION_ROOMS) {
			const struct db_room *room = room_by_id(r->room_id);
			if(room)
				copy_room(&out->v[out->n++], room);
		}
		i++;
	}
	if(job->type == DB_SESSION_ROOM_ADD) {
		srooms[nsrooms].sid = sid;
		srooms[nsrooms].room_id = job->u.presence.room_id;
		srooms[nsrooms++].user = xstrdup(user);
	}
}

size_t fake_db_session_rooms(uint64_t sid)
{
	size_t i, n = 0;
	for(i = 0; i < nsrooms; i++)
		n += srooms[i].sid == sid;
	return n;
}

void fake_db_add_session_room(uint64_t sid, uint64_t room_id, const char *user)
{
	srooms[nsrooms].sid = sid;
	srooms[nsrooms].room_id = room_id;
	srooms[nsrooms++].user = xstrdup(user);
}

void fake_db_run_late(void)
{
	late = 1;
	fake_db_run_all();
	late = 0;
}

void fake_db_fail_next(void)
{
	fail_next = 1;
}

size_t fake_db_follows(const char *user)
{
	size_t i, n = 0;
	for(i = 0; i < nfollows; i++)
		n += strcmp(follows[i].user, user) == 0;
	return n;
}

/* ---- feeds: the saved feeds DB_FEEDS_ALL returns, matches counted ---- */

#define MAX_FEEDS 16
static struct db_feed feeds[MAX_FEEDS];
static size_t nfeeds, nmatches;

void fake_db_add_feed(uint64_t id, const char *user, uint64_t room_id, const char *words)
{
	if(nfeeds == MAX_FEEDS)
		return;
	feeds[nfeeds++] = (struct db_feed){.id = id,
			.room_id = room_id,
			.user = xstrdup(user),
			.words = xstrdup(words),
			.author = xstrdup(""),
			.room_uri = xstrdup("")};
}

size_t fake_db_feed_matches(void)
{
	return nmatches;
}

static void run_feeds_all(struct db_job *job)
{
	job->u.feeds.out = xcalloc(nfeeds + 1, sizeof(*job->u.feeds.out));
	for(size_t i = 0; i < nfeeds; i++) {
		const struct db_feed *f = &feeds[i];
		job->u.feeds.out[i] = (struct db_feed){f->id, f->room_id, xstrdup(f->user),
				xstrdup(f->words), xstrdup(f->author), xstrdup(f->room_uri)};
	}
	job->u.feeds.n = nfeeds;
	job->u.feeds.revision = 1;
}

static void feeds_reset(void)
{
	for(size_t i = 0; i < nfeeds; i++) {
		free(feeds[i].user);
		free(feeds[i].words);
		free(feeds[i].author);
		free(feeds[i].room_uri);
	}
	nfeeds = nmatches = 0;
}

void fake_db_run_all(void)
{
	struct list *first;
	while((first = list_first(&queue)) != NULL) {
		struct db_job *job = list_entry(first, struct db_job, link);
		list_del(&job->link);
		queued--;
		/* as db.c: a job taken past its deadline is refused, never run */
		if(fail_next || (job->deadline_ms && (late || mono_ms() >= job->deadline_ms))) {
			job->status = fail_next ? DB_FAILED : DB_UNAVAILABLE;
			fail_next = 0;
			if(job->done)
				job->done(job);
			db_job_free(job);
			continue;
		}
		switch(job->type) {
			case DB_LOAD_ROOM: run_load(job); break;
			case DB_INSERT_MSG: run_insert(job); break;
			case DB_HISTORY: run_history(job); break;
			case DB_SEARCH: run_search(job); break;
			case DB_FOLLOW:
			case DB_UNFOLLOW: run_follow(job); break;
			case DB_ASSOCIATIONS: run_assoc(job); break;
			case DB_SERVER_CONFIG:
				job->u.config.db_version = xstrdup(
						"5b2f9a44-1c0e-4d6a-9e1b-7d3c2a1f0e9d");
				job->u.config.root_id = xstrdup(
						"0c6b7d1e-0000-4000-8000-000000000001");
				memcpy(job->u.config.conf, conf, sizeof(conf));
				break;
			case DB_ROOMS_ALL: run_rooms_all(job); break;
			case DB_LOAD_ROOMS: run_load_rooms(job); break;
			case DB_GET_INV: run_get_inv(job); break;
			case DB_CATEGORIES: run_categories(job); break;
			case DB_FILE_TOKEN: fake_files_run_token(job); break;
			case DB_MSG_SEARCH: run_msg_search(job); break;
			case DB_MSG_CHANGES: run_msg_changes(job); break;
			case DB_FEEDS_ALL: run_feeds_all(job); break;
			case DB_FEED_MATCH: nmatches++; break;
			case DB_FEEDS:
			case DB_FEED_ALERTS: break; /* e2e-feeds covers these */
			case DB_CATCH_UP: run_catch_up(job); break;
			case DB_ROOM_HEADS: run_room_heads(job); break;
			case DB_POOL_BEAT:
			case DB_ROSTERS: break; /* tests/pool covers these */
			case DB_GET_PREF:
			case DB_SET_PREF: run_pref(job); break;
			case DB_SAVE_READ: run_save_read(job); break;
			case DB_SESSION_ROOM_ADD:
			case DB_SESSION_ROOM_DEL:
			case DB_SESSION_CLEAR:
			case DB_SESSION_ROOMS: run_session_rooms(job); break;
			case DB_JOB_TYPES: break;
		}
		if(job->done)
			job->done(job);
		db_job_free(job);
	}
}

size_t fake_db_messages(void)
{
	return nmsgs;
}

const char *fake_db_message_author(size_t i)
{
	return msgs[i].author;
}

const char *fake_db_message_body(size_t i)
{
	return msgs[i].body;
}

void fake_db_reset(void)
{
	feeds_reset();
	size_t i;
	struct list *first;
	while((first = list_first(&queue)) != NULL) {
		struct db_job *job = list_entry(first, struct db_job, link);
		list_del(&job->link);
		db_job_free(job);
	}
	queued = 0;
	for(i = 0; i < nchanges; i++)
		free(changes[i].body);
	nchanges = 0;
	for(i = 0; i < nrooms; i++)
		db_room_clear(&rooms[i]);
	nrooms = 0;
	for(i = 0; i < ninvs; i++) {
		free(invs[i].user);
		free(invs[i].inviter);
	}
	ninvs = 0;
	for(i = 0; i < ncats; i++) {
		free(cats[i].domain);
		free(cats[i].cat_id);
		free(cats[i].name);
		free(cats[i].description);
		free(cats[i].allowed);
		free(cats[i].denied);
		free(cats[i].creators);
	}
	ncats = 0;
	for(i = 0; i < DB_CONF_N; i++)
		conf[i] = -1;
	for(i = 0; i < nmsgs; i++) {
		free(msgs[i].author);
		free(msgs[i].body);
		free(msgs[i].client_ref);
	}
	nmsgs = 0;
	for(i = 0; i < nfollows; i++)
		free(follows[i].user);
	nfollows = 0;
	for(i = 0; i < nprefs; i++) {
		free(prefs[i].user);
		free(prefs[i].label);
		free(prefs[i].content);
	}
	nprefs = 0;
	for(i = 0; i < nreads; i++)
		free(reads[i].user);
	nreads = 0;
	for(i = 0; i < nsrooms; i++)
		free(srooms[i].user);
	nsrooms = 0;
	nread_writes = 0;
	fail_next = 0;
	fake_files_reset();
}
