/*
 * dbjob.c - the job constructors and job memory (kept apart from db.c so that
 * unit tests can replace the worker and still use these).
 */
#include "db.h"
#include "util.h"

#include <stdlib.h>

static struct db_job *job_new(enum db_job_type type, db_done_fn done, void *arg)
{
	struct db_job *job = xcalloc(1, sizeof(*job));
	job->type = type;
	job->done = done;
	job->arg = arg;
	return job;
}

struct db_job *db_load_room(const char *domain, const char *chan_id, db_done_fn done, void *arg)
{
	struct db_job *job = job_new(DB_LOAD_ROOM, done, arg);
	job->u.room.domain = xstrdup(domain);
	job->u.room.chan_id = xstrdup(chan_id);
	return job;
}

struct db_job *db_insert_msg(uint64_t room_id, const char *author, char *body, size_t body_len,
		const struct timespec *posted_at, db_done_fn done, void *arg)
{
	struct db_job *job = job_new(DB_INSERT_MSG, done, arg);
	job->u.post.room_id = room_id;
	job->u.post.author = xstrdup(author);
	job->u.post.body = body;
	job->u.post.body_len = body_len;
	job->u.post.posted_at = *posted_at;
	return job;
}

struct db_job *db_history(
		uint64_t room_id, unsigned limit, uint64_t before_id, db_done_fn done, void *arg)
{
	struct db_job *job = job_new(DB_HISTORY, done, arg);
	job->u.history.room_id = room_id;
	job->u.history.limit = limit;
	job->u.history.before_id = before_id;
	return job;
}

struct db_job *db_search(const char *criteria, unsigned limit, db_done_fn done, void *arg)
{
	struct db_job *job = job_new(DB_SEARCH, done, arg);
	job->u.search.criteria = xstrdup(criteria);
	job->u.search.limit = limit;
	return job;
}

struct db_job *db_follow(const char *user, uint64_t room_id)
{
	struct db_job *job = job_new(DB_FOLLOW, NULL, NULL);
	job->u.follow.user = xstrdup(user);
	job->u.follow.room_id = room_id;
	return job;
}

struct db_job *db_unfollow(const char *user, const char *domain, const char *chan_id)
{
	struct db_job *job = job_new(DB_UNFOLLOW, NULL, NULL);
	job->u.follow.user = xstrdup(user);
	job->u.follow.domain = xstrdup(domain);
	job->u.follow.chan_id = xstrdup(chan_id);
	return job;
}

static struct db_job *user_rooms(
		enum db_job_type type, const char *user, db_done_fn done, void *arg)
{
	struct db_job *job = job_new(type, done, arg);
	job->u.user_rooms.user = xstrdup(user);
	return job;
}

struct db_job *db_associations(const char *user, db_done_fn done, void *arg)
{
	return user_rooms(DB_ASSOCIATIONS, user, done, arg);
}

struct db_job *db_invitations(const char *user, db_done_fn done, void *arg)
{
	return user_rooms(DB_GET_INV, user, done, arg);
}

struct db_job *db_server_config(db_done_fn done, void *arg)
{
	return job_new(DB_SERVER_CONFIG, done, arg);
}

struct db_job *db_get_pref(
		const char *user, const char *label, int create, db_done_fn done, void *arg)
{
	struct db_job *job = job_new(DB_GET_PREF, done, arg);
	job->u.pref.user = xstrdup(user);
	job->u.pref.label = xstrdup(label);
	job->u.pref.create = create;
	return job;
}

struct db_job *db_set_pref(const char *user, const char *label, const char *content,
		db_done_fn done, void *arg)
{
	struct db_job *job = job_new(DB_SET_PREF, done, arg);
	job->u.pref.user = xstrdup(user);
	job->u.pref.label = xstrdup(label);
	job->u.pref.content = xstrdup(content);
	return job;
}

struct db_job *db_save_read(const char *user, uint64_t room_id, uint64_t msgid)
{
	struct db_job *job = job_new(DB_SAVE_READ, NULL, NULL);
	job->u.read.user = xstrdup(user);
	job->u.read.room_id = room_id;
	job->u.read.msgid = msgid;
	return job;
}

struct db_job *db_session_room(uint64_t session_id, uint64_t room_id, const char *user, int in)
{
	struct db_job *job = job_new(in ? DB_SESSION_ROOM_ADD : DB_SESSION_ROOM_DEL, NULL, NULL);
	job->u.presence.session_id = session_id;
	job->u.presence.room_id = room_id;
	job->u.presence.user = xstrdup(user);
	return job;
}

struct db_job *db_session_clear(uint64_t session_id)
{
	struct db_job *job = job_new(DB_SESSION_CLEAR, NULL, NULL);
	job->u.presence.session_id = session_id;
	return job;
}

struct db_job *db_session_rooms(uint64_t session_id, const char *user, db_done_fn done, void *arg)
{
	struct db_job *job = job_new(DB_SESSION_ROOMS, done, arg);
	job->u.presence.session_id = session_id;
	job->u.presence.user = xstrdup(user);
	return job;
}

struct db_job *db_rooms_all(db_done_fn done, void *arg)
{
	return job_new(DB_ROOMS_ALL, done, arg);
}

struct db_job *db_categories(db_done_fn done, void *arg)
{
	return job_new(DB_CATEGORIES, done, arg);
}

const char *db_job_name(const struct db_job *job)
{
	static const char *const names[DB_JOB_TYPES] = {[DB_LOAD_ROOM] = "load room",
			[DB_INSERT_MSG] = "insert message",
			[DB_HISTORY] = "history",
			[DB_SEARCH] = "search rooms",
			[DB_FOLLOW] = "follow room",
			[DB_UNFOLLOW] = "unfollow room",
			[DB_ASSOCIATIONS] = "associations",
			[DB_SERVER_CONFIG] = "server config",
			[DB_GET_PREF] = "get pref",
			[DB_SET_PREF] = "set pref",
			[DB_SAVE_READ] = "save read position",
			[DB_SESSION_ROOM_ADD] = "store session room",
			[DB_SESSION_ROOM_DEL] = "forget session room",
			[DB_SESSION_CLEAR] = "forget session rooms",
			[DB_SESSION_ROOMS] = "list session rooms",
			[DB_ROOMS_ALL] = "reload rooms",
			[DB_GET_INV] = "invitations",
			[DB_CATEGORIES] = "categories"};
	return job->type < DB_JOB_TYPES ? names[job->type] : "?";
}

/* ---- memory ---- */

void db_room_clear(struct db_room *r)
{
	free(r->domain);
	free(r->chan_id);
	free(r->name);
	free(r->description);
	free(r->topic);
	free(r->members);
	free(r->managers);
	free(r->presenters);
	free(r->allowed);
	free(r->denied);
	free(r->inviter);
}

static void rooms_clear(struct db_rooms *rooms)
{
	size_t i;
	for(i = 0; i < rooms->n; i++)
		db_room_clear(&rooms->v[i]);
	free(rooms->v);
	rooms->v = NULL;
	rooms->n = 0;
}

static void category_clear(struct db_category *c)
{
	free(c->domain);
	free(c->cat_id);
	free(c->name);
	free(c->description);
	free(c->allowed);
	free(c->denied);
	free(c->creators);
}

/* The room list a kind returns, or NULL. */
static struct db_rooms *rooms_out(struct db_job *job)
{
	switch(job->type) {
		case DB_LOAD_ROOM: return &job->u.room.out;
		case DB_SEARCH: return &job->u.search.out;
		case DB_ASSOCIATIONS:
		case DB_GET_INV: return &job->u.user_rooms.out;
		case DB_SESSION_ROOMS: return &job->u.presence.out;
		case DB_ROOMS_ALL: return &job->u.rooms_all.out;
		default: return NULL;
	}
}

void db_job_clear_results(struct db_job *job)
{
	struct db_rooms *rooms = rooms_out(job);
	size_t i;

	if(rooms)
		rooms_clear(rooms);
	switch(job->type) {
		case DB_INSERT_MSG: job->u.post.msg_id = 0; break;
		case DB_HISTORY:
			for(i = 0; i < job->u.history.nmsgs; i++) {
				free(job->u.history.msgs[i].author);
				free(job->u.history.msgs[i].body);
			}
			free(job->u.history.msgs);
			job->u.history.msgs = NULL;
			job->u.history.nmsgs = 0;
			break;
		case DB_SERVER_CONFIG:
			free(job->u.config.db_version);
			free(job->u.config.root_id);
			job->u.config.db_version = job->u.config.root_id = NULL;
			break;
		case DB_GET_PREF:
		case DB_SET_PREF:
			free(job->u.pref.out);
			job->u.pref.out = NULL;
			job->u.pref.seqid = 0;
			break;
		case DB_CATEGORIES:
			for(i = 0; i < job->u.categories.n; i++)
				category_clear(&job->u.categories.v[i]);
			free(job->u.categories.v);
			job->u.categories.v = NULL;
			job->u.categories.n = 0;
			break;
		default: break;
	}
	job->status = DB_OK;
}

static void free_inputs(struct db_job *job)
{
	switch(job->type) {
		case DB_LOAD_ROOM:
			free(job->u.room.domain);
			free(job->u.room.chan_id);
			break;
		case DB_INSERT_MSG:
			free(job->u.post.author);
			free(job->u.post.body);
			break;
		case DB_SEARCH: free(job->u.search.criteria); break;
		case DB_FOLLOW:
		case DB_UNFOLLOW:
			free(job->u.follow.user);
			free(job->u.follow.domain);
			free(job->u.follow.chan_id);
			break;
		case DB_ASSOCIATIONS:
		case DB_GET_INV: free(job->u.user_rooms.user); break;
		case DB_GET_PREF:
		case DB_SET_PREF:
			free(job->u.pref.user);
			free(job->u.pref.label);
			free(job->u.pref.content);
			break;
		case DB_SAVE_READ: free(job->u.read.user); break;
		case DB_SESSION_ROOM_ADD:
		case DB_SESSION_ROOM_DEL:
		case DB_SESSION_CLEAR:
		case DB_SESSION_ROOMS: free(job->u.presence.user); break;
		default: break;
	}
}

void db_job_free(struct db_job *job)
{
	if(job == NULL)
		return;
	db_job_clear_results(job);
	free_inputs(job);
	free(job);
}
