/*
 * commands.c - see commands.h.  The dispatch table maps command ids to handlers;
 * a handler returns RUN_DONE (finished), RUN_WAIT (a database job will finish it)
 * or RUN_POSTED (a post handed to the database).
 */
#define _GNU_SOURCE /* strcasestr */
#include "commands.h"
#include "config.h"
#include "db.h"
#include "dict.h"
#include "log.h"
#include "rooms.h"
#include "sessions.h"
#include "util.h"

#include <ctype.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum run_result {
	RUN_DONE,
	RUN_WAIT,
	RUN_POSTED,
};

struct cmd_def {
	const char *id;
	int (*run)(struct cmd *c);
};

/* Most rooms one search reads before the access rules pick those the user may
 * see (cfg.search_limit of them at most are returned). */
#define ROOM_SCAN_MAX 10000
/* getpref/setpref limits: label bytes, content (base64) bytes. */
#define PREF_LABEL_MAX 128
#define PREF_CONTENT_MAX 65536

static unsigned pending;
static unsigned detached; /* of pending */

static int run_requri(struct cmd *c);
static int run_join(struct cmd *c);
static int run_bjoin(struct cmd *c);
static int run_getserverinfo(struct cmd *c);
static int run_getassociations(struct cmd *c);
static int run_getinv(struct cmd *c);
static int run_nodespermcreatechild(struct cmd *c);
static int run_getpref(struct cmd *c);
static int run_setpref(struct cmd *c);
static int run_part(struct cmd *c);
static int run_bccontext(struct cmd *c);
static int run_chansrch(struct cmd *c);
static int run_unknown(struct cmd *c);
static int run_error(struct cmd *c);
static int run_grpchat(struct cmd *c);
static int run_restore(struct cmd *c);

static const struct cmd_def cmd_table[] = {
		{"cmd:requri", run_requri},
		{"cmd:join", run_join},
		{"cmd:part", run_part},
		{"cmd:bccontext", run_bccontext},
		{"cmd:chansrch", run_chansrch},
		{"cmd:bjoin", run_bjoin},
		{"cmd:getserverinfo", run_getserverinfo},
		{"cmd:getassociations", run_getassociations},
		{"cmd:getinv", run_getinv},
		{"cmd:nodespermcreatechild", run_nodespermcreatechild},
		{"cmd:getpref", run_getpref},
		{"cmd:setpref", run_setpref},
};
static const struct cmd_def def_unknown = {"cmd:*", run_unknown};
static const struct cmd_def def_error = {"error", run_error};
static const struct cmd_def def_grpchat = {"grpchat", run_grpchat};
/* Not a client command: puts a reopened session back into its stored rooms. */
static const struct cmd_def def_restore = {"restore", run_restore};

static const struct cmd_def *find_def(const char *id)
{
	size_t i;
	for(i = 0; i < sizeof(cmd_table) / sizeof(cmd_table[0]); i++) {
		if(strcmp(cmd_table[i].id, id) == 0)
			return &cmd_table[i];
	}
	return &def_unknown;
}

unsigned commands_pending(void)
{
	return pending;
}

unsigned commands_outstanding(void)
{
	return pending - detached;
}

/* ---- command lifecycle ---- */

static struct cmd *cmd_new(struct session *s)
{
	struct cmd *c = xcalloc(1, sizeof(*c));
	c->sess = s;
	session_ref(s);
	pending++;
	return c;
}

static void cmd_free(struct cmd *c)
{
	size_t i;
	for(i = 0; i < c->nuris; i++)
		free(c->uris[i]);
	free(c->uris);
	xccos_req_free(&c->req);
	free(c->error);
	free(c->uri);
	session_unref(c->sess);
	if(c->detached)
		detached--;
	free(c);
	pending--;
}

/* Ends a command that waited for the database and lets its session go on. */
static void cmd_finish(struct cmd *c)
{
	struct session *s = c->sess;
	if(s->running == c)
		s->running = NULL;
	session_ref(s); /* c's reference goes with it */
	cmd_free(c);
	commands_pump(s);
	session_unref(s);
}

void commands_pump(struct session *s)
{
	struct list *first;
	while(!s->closed && s->running == NULL && (first = list_first(&s->queue)) != NULL) {
		struct cmd *c = list_entry(first, struct cmd, link);
		/* Only posts overtake posts: any other reply waits for the echoes. */
		if(s->posts_inflight > 0 && c->def != &def_grpchat)
			return;
		list_del(&c->link);
		switch(c->def->run(c)) {
			case RUN_DONE: cmd_free(c); break;
			case RUN_WAIT: s->running = c; break;
			case RUN_POSTED: s->posts_inflight++; break;
		}
	}
}

/* ---- replies ---- */

/* The command's name without "cmd:", for rpl ids. */
static const char *cmd_name(const struct cmd *c)
{
	return c->req.id + 4;
}

static void send_sbuf(struct cmd *c, struct sbuf *sb)
{
	session_send(c->sess, sb->buf, sb->len);
	sbuf_free(sb);
}

static int reply_empty(struct cmd *c, int code)
{
	struct sbuf sb = SBUF_INIT;
	xccos_build_rpl_empty(&sb, cmd_name(c), c->req.seqid, c->req.envid, code);
	send_sbuf(c, &sb);
	return RUN_DONE;
}

/* ---- access (the rules: common/pchat_acl.c) ---- */

/* 0 if user has the rights `need` in r; otherwise the code to refuse with:
 * XC_NOT_FOUND when the user may not even see the room (so that a secret room's
 * existence does not leak: answered exactly like a room that does not exist),
 * XC_ROOM_DISABLED, or XC_ACCESS_DENIED. */
static int access_code(const struct room *r, const char *user, unsigned need)
{
	unsigned rights = room_rights(r, user);
	if((rights & need) == need)
		return 0;
	if(!(rights & ACL_SEE))
		return XC_NOT_FOUND;
	if(r->disabled)
		return XC_ROOM_DISABLED;
	return XC_ACCESS_DENIED;
}

static const char *access_reason(int code)
{
	switch(code) {
		case XC_ROOM_DISABLED: return "the room is disabled";
		case XC_ACCESS_DENIED: return "only members of this room may enter it";
		default: return "";
	}
}

/* Refuses a command about a room with the code access_code chose. */
static int reply_refused(struct cmd *c, int code)
{
	struct sbuf sb = SBUF_INIT;
	if(code == XC_NOT_FOUND || code == XC_INTERNAL)
		return reply_empty(c, code); /* the same as for an unknown room */
	xccos_build_rpl_reason(
			&sb, cmd_name(c), c->req.seqid, c->req.envid, code, access_reason(code));
	send_sbuf(c, &sb);
	return RUN_DONE;
}

/* ---- rooms that must be loaded first ---- */

static void on_room_loaded(struct db_job *job)
{
	struct cmd *c = job->arg;
	int rc = RUN_DONE;

	if(job->status == DB_OK)
		c->room = room_add(&job->rooms[0]); /* cached even if nobody waits now */
	if(c->sess->closed) {
		/* nobody to answer */
	} else if(job->status == DB_FAILED)
		reply_empty(c, XC_INTERNAL);
	else if(c->room == NULL)
		reply_empty(c, XC_NOT_FOUND);
	else
		rc = c->then(c);
	if(rc == RUN_DONE)
		cmd_finish(c);
}

/* Runs then(c) with c->room set, loading the room from the database if needed. */
static int with_room(struct cmd *c, int (*then)(struct cmd *c))
{
	struct db_job *job;
	char *domain, *chan_id;

	c->room = room_find(c->uri);
	if(c->room)
		return then(c);
	if(room_uri_split(c->uri, &domain, &chan_id) < 0)
		return reply_empty(c, XC_NOT_FOUND);
	job = db_job_new(DB_LOAD_ROOM, on_room_loaded, c);
	job->domain = domain;
	job->chan_id = chan_id;
	c->then = then;
	db_submit(job);
	return RUN_WAIT;
}

/* ---- cmd:requri ---- */

static int run_requri(struct cmd *c)
{
	struct sbuf sb = SBUF_INIT;
	const char *uri = cfg.channel_uri ? cfg.channel_uri : c->sess->local;
	xccos_build_requri(&sb, c->req.seqid, c->req.envid, uri);
	send_sbuf(c, &sb);
	return RUN_DONE;
}

/* ---- cmd:join and cmd:bjoin: one path, one or many rooms ---- */

static int is_bjoin(const struct cmd *c)
{
	return c->def->run == run_bjoin;
}

/* Non-sipe clients get the history pushed after rpl:bjoin; sipe asks itself
 * (and pidgin would show every message twice). */
static int wants_history_push(const struct session *s)
{
	return s->ua == NULL || strcasestr(s->ua, "SIPE") == NULL;
}

/* Index of user in the shared uib list, adding it if new. */
static size_t user_id(struct dict *index, const char **users, size_t *nusers, const char *user)
{
	void *v = dict_gets(index, user);
	if(v)
		return (size_t)(uintptr_t)v - 1;
	users[*nusers] = user;
	dict_puts(index, user, (void *)(uintptr_t)(*nusers + 1));
	return (*nusers)++;
}

/*
 * Builds rpl:join / rpl:bjoin for the joined rooms: ONE uib list shared by all
 * rooms (the joiner first, as id 0), one chanib per room listing at most cap
 * present users (the joiner included), one fib per failed room.
 */
static void build_join_reply(struct cmd *c, struct room **rooms, size_t nrooms,
		const struct xccos_join_fail *fails, size_t nfails, size_t cap, struct sbuf *sb)
{
	size_t total = 1, i, nusers = 0;
	struct dict *index = dict_new();
	const char **users, **present;
	struct xccos_room_info *infos = xcalloc(nrooms + 1, sizeof(*infos));
	struct xccos_join_room *jr = xcalloc(nrooms + 1, sizeof(*jr));
	size_t **ids = xcalloc(nrooms + 1, sizeof(*ids));

	for(i = 0; i < nrooms; i++)
		total += rooms[i]->nusers;
	users = xcalloc(total, sizeof(*users));
	present = xcalloc(total, sizeof(*present));
	user_id(index, users, &nusers, c->sess->user);
	for(i = 0; i < nrooms; i++) {
		size_t n = room_users(rooms[i], present, rooms[i]->nusers), j, k = 1;
		ids[i] = xcalloc(n + 1, sizeof(**ids));
		ids[i][0] = 0; /* the joiner */
		for(j = 0; j < n && k < cap; j++) {
			if(strcmp(present[j], c->sess->user) != 0)
				ids[i][k++] = user_id(index, users, &nusers, present[j]);
		}
		if(k < rooms[i]->nusers)
			log_info("%s: rpl:%s lists %zu of %u users", rooms[i]->uri, cmd_name(c), k,
					rooms[i]->nusers);
		room_info(rooms[i], &infos[i]);
		jr[i] = (struct xccos_join_room){&infos[i], ids[i], k};
	}
	xccos_build_join(sb, cmd_name(c), c->req.seqid, c->req.envid, users, nusers, jr, nrooms,
			fails, nfails);
	for(i = 0; i < nrooms; i++)
		free(ids[i]);
	free(ids);
	free(jr);
	free(infos);
	free(present);
	free(users);
	dict_free(index, NULL);
}

static void send_join_reply(struct cmd *c, struct room **rooms, size_t nrooms,
		const struct xccos_join_fail *fails, size_t nfails)
{
	struct sbuf sb = SBUF_INIT;
	size_t cap = cfg.participant_update_limit;

	build_join_reply(c, rooms, nrooms, fails, nfails, cap, &sb);
	while(sb.len > SESSION_ITEMS_MAX && cap > 1) {
		/* Huge rooms: list fewer users rather than send nothing. */
		cap = cap * 3 / 4;
		sbuf_reset(&sb);
		build_join_reply(c, rooms, nrooms, fails, nfails, cap, &sb);
		log_warn(SESS_FMT ": rpl:%s lists at most %zu users per room (frame size)",
				SESS_ARGS(c->sess), cmd_name(c), cap);
	}
	send_sbuf(c, &sb);
}

static void on_follow_done(struct db_job *job)
{
	(void)job; /* failures are logged by the worker */
}

/* Keeps the followed-room list: joining a room follows it, part unfollows it. */
static void submit_follow(const char *user, const struct room *r, const char *uri)
{
	struct db_job *job = db_job_new(DB_FOLLOW, on_follow_done, NULL);
	job->user = xstrdup(user);
	if(r) {
		job->flag = 1;
		job->room_id = r->id;
	} else if(room_uri_split(uri, &job->domain, &job->chan_id) < 0) {
		db_job_free(job);
		return;
	}
	db_submit(job);
}

static void on_session_room_done(struct db_job *job)
{
	(void)job; /* failures are logged by the worker */
}

void commands_forget_rooms(const struct session *s)
{
	struct db_job *job = db_job_new(DB_SESSION_CLEAR, on_session_room_done, NULL);
	job->session_id = s->sid;
	db_submit(job);
}

static void on_restore_loaded(struct db_job *job)
{
	struct cmd *c = job->arg;
	size_t i;

	for(i = 0; job->status == DB_OK && i < job->nrooms; i++) {
		struct room *r = room_add(&job->rooms[i]); /* cached even if nobody waits now */
		if(r == NULL || c->sess->closed)
			continue;
		if(!(room_rights(r, c->sess->user) & ACL_JOIN)) {
			log_info(SESS_FMT ": presence in %s not restored: no longer allowed in",
					SESS_ARGS(c->sess), r->uri);
			room_store_presence(c->sess, r, 0);
			continue;
		}
		/* Quietly: the client believes it never left, and so do the others. */
		if(room_enter(r, c->sess) != ROOM_ALREADY_IN)
			log_info(SESS_FMT ": presence in %s restored", SESS_ARGS(c->sess), r->uri);
	}
	cmd_finish(c);
}

static int run_restore(struct cmd *c)
{
	struct db_job *job = db_job_new(DB_SESSION_ROOMS, on_restore_loaded, c);
	job->session_id = c->sess->sid;
	job->user = xstrdup(c->sess->user);
	db_submit(job);
	return RUN_WAIT;
}

void commands_restore(struct session *s)
{
	struct cmd *c = cmd_new(s);
	c->def = &def_restore;
	list_add_tail(&s->queue, &c->link); /* a new session: nothing before it */
	commands_pump(s);
}

static void send_history(struct cmd *c, struct room *room, const struct db_job *job);

static void on_pushed_history(struct db_job *job)
{
	struct cmd *c = job->arg;
	if(!c->sess->closed && job->status == DB_OK)
		send_history(c, job->aux, job);
	if(--c->pushes == 0)
		cmd_finish(c);
}

/* How many of the newest messages of r a client gets when it asks for want: none
 * when r's category has chat history switched off (posts are still stored). */
static unsigned history_limit(const struct room *r, unsigned want)
{
	if(!r->chat_history)
		return 0;
	return want < cfg.bccontext_max ? want : cfg.bccontext_max;
}

/* After rpl:bjoin: rpl:bccontext for each joined room, as if asked with the default count. */
static int push_history(struct cmd *c, struct room **rooms, size_t n)
{
	size_t i;
	for(i = 0; i < n; i++) {
		struct db_job *job = db_job_new(DB_HISTORY, on_pushed_history, c);
		job->aux = rooms[i];
		job->room_id = rooms[i]->id;
		job->limit = history_limit(rooms[i], cfg.default_chat_history);
		c->pushes++;
		db_submit(job);
	}
	return c->pushes ? RUN_WAIT : RUN_DONE;
}

/* Every room asked for is loaded (or known not to exist): join those that exist. */
static int join_rooms(struct cmd *c)
{
	struct room **rooms = xcalloc(c->nuris + 1, sizeof(struct room *));
	enum room_enter_result *how = xcalloc(c->nuris + 1, sizeof(*how));
	struct xccos_join_fail *fails = xcalloc(c->nuris + 1, sizeof(*fails));
	size_t i, j, n = 0, nfails = 0;
	int rc = RUN_DONE;

	int code = 0; /* join: why its room was not joined */

	for(i = 0; i < c->nuris; i++) {
		struct room *r = c->uris[i] ? room_find(c->uris[i]) : NULL;
		int why = r			 ? access_code(r, c->sess->user, ACL_JOIN)
				: c->load_failed ? XC_INTERNAL
						 : XC_NOT_FOUND;
		if(why) {
			/* Our choice (docs/XCCOS.md): the code's token (ERR_NOT_FOUND also for
			 * a room the user may not see), OPERATION_FAILED when the database
			 * could not tell. */
			const struct xccos_chanid *id = &c->req.chanids[i];
			fails[nfails++] = (struct xccos_join_fail){why == XC_INTERNAL
							? "OPERATION_FAILED"
							: xccos_resp_token(why),
					id->domain ? id->domain : "", id->value ? id->value : ""};
			if(code == 0)
				code = why;
			continue;
		}
		for(j = 0; j < n && rooms[j] != r; j++)
			;
		if(j == n) /* the same room twice: once */
			rooms[n++] = r;
	}
	if(!is_bjoin(c) && n == 0) {
		rc = reply_refused(c, code ? code : XC_NOT_FOUND);
		goto out;
	}
	for(i = 0; i < n; i++) {
		how[i] = room_enter(rooms[i], c->sess);
		if(how[i] != ROOM_ALREADY_IN) {
			submit_follow(c->sess->user, rooms[i], NULL);
			room_store_presence(c->sess, rooms[i], 1);
		}
	}
	send_join_reply(c, rooms, n, fails, nfails);
	/* Others hear of a user once, however many sessions the user has. */
	for(i = 0; i < n; i++) {
		if(how[i] == ROOM_FIRST_SESSION)
			room_announce_join(
					rooms[i], c->sess, is_bjoin(c) ? "ntc:bjoin" : "ntc:join");
	}
	if(is_bjoin(c) && wants_history_push(c->sess))
		rc = push_history(c, rooms, n);
out:
	free(fails);
	free(how);
	free(rooms);
	return rc;
}

static void on_join_room_loaded(struct db_job *job)
{
	struct cmd *c = job->arg;
	int rc = RUN_DONE;

	if(job->status == DB_OK)
		room_add(&job->rooms[0]); /* cached even if nobody waits now */
	else if(job->status == DB_FAILED)
		c->load_failed = 1;
	if(--c->loads > 0)
		return;
	if(!c->sess->closed)
		rc = join_rooms(c);
	if(rc == RUN_DONE)
		cmd_finish(c);
}

/* Loads every room of c->uris not cached yet (all at once), then joins. */
static int load_and_join(struct cmd *c)
{
	size_t i;
	for(i = 0; i < c->nuris; i++) {
		struct db_job *job;
		char *domain, *chan_id;
		if(c->uris[i] == NULL || room_find(c->uris[i]) ||
				room_uri_split(c->uris[i], &domain, &chan_id) < 0)
			continue;
		job = db_job_new(DB_LOAD_ROOM, on_join_room_loaded, c);
		job->domain = domain;
		job->chan_id = chan_id;
		c->loads++;
		db_submit(job);
	}
	return c->loads ? RUN_WAIT : join_rooms(c);
}

static int run_join(struct cmd *c)
{
	const struct xccos_chanid *id = c->req.nchanids ? &c->req.chanids[0] : NULL;
	if(id == NULL || id->domain == NULL || id->value == NULL)
		return reply_empty(c, XC_BAD_REQUEST);
	c->nuris = 1; /* only the first chanid */
	c->uris = xcalloc(1, sizeof(*c->uris));
	c->uris[0] = c->uri ? xstrdup(c->uri) : NULL; /* NULL: not a valid id, no such room */
	return load_and_join(c);
}

static int run_bjoin(struct cmd *c)
{
	size_t i;
	if(c->req.nchanids == 0)
		return reply_empty(c, XC_BAD_REQUEST);
	c->nuris = c->req.nchanids;
	c->uris = xcalloc(c->nuris, sizeof(*c->uris));
	for(i = 0; i < c->nuris; i++)
		c->uris[i] = room_uri_make(c->req.chanids[i].domain, c->req.chanids[i].value);
	return load_and_join(c);
}

/* ---- cmd:part ---- */

static int run_part(struct cmd *c)
{
	struct sbuf sb = SBUF_INIT;
	struct room *r;

	if(c->req.chanib_uri == NULL)
		return reply_empty(c, XC_BAD_REQUEST);
	/* 200 even when not in the room: sipe closes its window only on 200. */
	xccos_build_part(&sb, c->req.seqid, c->req.envid, XC_OK, c->req.chanib_uri);
	send_sbuf(c, &sb);
	r = room_find(c->req.chanib_uri);
	if(r && room_member(r, c->sess)) {
		room_leave(r, c->sess);
		room_store_presence(c->sess, r, 0);
	}
	/* Parting a room stops following it (joining follows it again). */
	submit_follow(c->sess->user, NULL, c->req.chanib_uri);
	return RUN_DONE;
}

/* ---- cmd:bccontext ---- */

/* Sends rpl:bccontext with the newest messages that fit in one frame. */
static void send_history(struct cmd *c, struct room *room, const struct db_job *job)
{
	struct xccos_chat *msgs = xcalloc(job->nmsgs, sizeof(*msgs));
	struct sbuf sb = SBUF_INIT;
	size_t i, start, total = 0;

	for(i = 0; i < job->nmsgs; i++) {
		const struct db_msg *dm = &job->msgs[i];
		msgs[i] = (struct xccos_chat){
				room->uri, dm->author, dm->ts, dm->id, dm->body, dm->body_len};
	}
	/* Measure each message (newest first) and keep those that fit. */
	for(start = job->nmsgs; start > 0; start--) {
		sbuf_reset(&sb);
		xccos_build_grpchat(&sb, &msgs[start - 1]);
		if(total + sb.len + 1024 > SESSION_ITEMS_MAX)
			break;
		total += sb.len;
	}
	if(start > 0)
		log_warn("%s: bccontext returns %zu of %zu messages (frame size)", room->uri,
				job->nmsgs - start, job->nmsgs);
	sbuf_reset(&sb);
	xccos_build_bccontext(&sb, c->req.seqid, c->req.envid, room->uri, msgs + start,
			job->nmsgs - start);
	send_sbuf(c, &sb);
	free(msgs);
	if(job->nmsgs > 0) /* oldest first: the last one is the newest */
		room_note_read(room, c->sess->user, job->msgs[job->nmsgs - 1].id);
}

static void on_history(struct db_job *job)
{
	struct cmd *c = job->arg;
	if(c->sess->closed) {
		/* nobody to answer */
	} else if(job->status != DB_OK)
		reply_empty(c, XC_INTERNAL);
	else
		send_history(c, c->room, job);
	cmd_finish(c);
}

static int query_history(struct cmd *c)
{
	struct db_job *job;
	/* Whoever may join may read, present or not (clients ask right after a restart). */
	int code = access_code(c->room, c->sess->user, ACL_JOIN);
	if(code)
		return reply_refused(c, code);
	job = db_job_new(DB_HISTORY, on_history, c);
	job->room_id = c->room->id;
	job->limit = history_limit(c->room, c->limit);
	if(c->req.bcq_before > 0) /* our paging form: older than this msgid */
		job->before_id = (uint64_t)c->req.bcq_before;
	db_submit(job);
	return RUN_WAIT;
}

static int run_bccontext(struct cmd *c)
{
	long want = c->req.bcq_last > 0 ? c->req.bcq_last : (long)cfg.default_chat_history;
	if(c->uri == NULL)
		return reply_empty(c, XC_BAD_REQUEST);
	c->limit = want > (long)cfg.bccontext_max ? cfg.bccontext_max : (unsigned)want;
	return with_room(c, query_history);
}

/* ---- cmd:chansrch ---- */

/* What a room list shows: chansrch and the member view of getassociations the
 * rooms the user may see, the manager view those the user manages. */
static unsigned list_needs(const struct cmd *c)
{
	return c->def->run == run_getassociations && c->req.mentions_manager ? ACL_MANAGE : ACL_SEE;
}

static void send_rooms(struct cmd *c, const struct db_job *job)
{
	struct xccos_room_info *rooms = xcalloc(job->nrooms + 1, sizeof(*rooms));
	struct sbuf sb = SBUF_INIT;
	size_t i, n = 0, all;
	unsigned need = list_needs(c);
	int unread = c->def->run == run_getassociations && !c->req.mentions_manager;
	/* SearchLimit bounds searches; a user's own rooms are all listed. */
	size_t max = c->def->run == run_chansrch ? cfg.search_limit : job->nrooms;

	for(i = 0; i < job->nrooms && n < max; i++) {
		const struct db_room *row = &job->rooms[i];
		struct room *r = room_add(row); /* the row is as fresh as the cache */
		if(r == NULL || (room_rights(r, c->sess->user) & need) != need)
			continue;
		room_info(r, &rooms[n]);
		/* getassociations: unread counts for followed rooms the user is not in
		 * (our info id, docs/XCCOS.md). */
		if(unread && !room_has_user(r, c->sess->user)) {
			rooms[n].has_unread = 1;
			rooms[n].unread = row->unread > UINT_MAX ? UINT_MAX : (unsigned)row->unread;
		}
		n++;
	}
	all = n;
	xccos_build_room_list(&sb, cmd_name(c), c->req.seqid, c->req.envid, rooms, n);
	while(sb.len > SESSION_ITEMS_MAX && n > 0) {
		n = n * 3 / 4;
		sbuf_reset(&sb);
		xccos_build_room_list(&sb, cmd_name(c), c->req.seqid, c->req.envid, rooms, n);
	}
	if(n < all)
		log_warn("%s returns %zu of %zu rooms (frame size)", cmd_name(c), n, all);
	send_sbuf(c, &sb);
	free(rooms);
}

/* Finishes a command whose answer is built from what its job read: send(c, job),
 * or code 500 if the database failed. */
static void answer_with(struct db_job *job, void (*send)(struct cmd *, const struct db_job *))
{
	struct cmd *c = job->arg;
	if(c->sess->closed) {
		/* nobody to answer */
	} else if(job->status != DB_OK)
		reply_empty(c, XC_INTERNAL);
	else
		send(c, job);
	cmd_finish(c);
}

/* Finishes chansrch and getassociations: both answer with the rooms the job found. */
static void on_room_list(struct db_job *job)
{
	answer_with(job, send_rooms);
}

/* Every room whose name or description contains criteria ("": all); the access
 * rules then pick those to show (send_rooms). */
static int search_rooms(struct cmd *c, const char *criteria)
{
	struct db_job *job = db_job_new(DB_SEARCH, on_room_list, c);
	job->criteria = xstrdup(criteria);
	job->limit = ROOM_SCAN_MAX;
	db_submit(job);
	return RUN_WAIT;
}

static int run_chansrch(struct cmd *c)
{
	/* Every qtype is treated as BYNAME; empty criteria lists all visible rooms. */
	return search_rooms(c, c->req.criteria ? c->req.criteria : "");
}

/* ---- cmd:getserverinfo ---- */

/* server_config values, read once (they never change while the server runs). */
static char *srv_db_version, *srv_root_id;

#define NIL_GUID "00000000-0000-0000-0000-000000000000"

static void send_serverinfo(struct cmd *c)
{
	struct xccos_server_info si;
	struct sbuf sb = SBUF_INIT;
	struct timespec now;
	char ts[TS_BUFSZ], *root;
	const char *domain = c->req.sib_domain, *at = strrchr(c->sess->user, '@');
	size_t n;

	if(domain == NULL || domain[0] == '\0')
		domain = at ? at + 1 : "localhost";
	n = strlen("ma-cat:///") + strlen(domain) + strlen(srv_root_id) + 1;
	root = xmalloc(n);
	snprintf(root, n, "ma-cat://%s/%s", domain, srv_root_id);
	clock_now_ms(&now);
	format_ts(ts, now.tv_sec, (unsigned)(now.tv_nsec / 1000000));
	si = (struct xccos_server_info){c->req.info_type ? c->req.info_type : "", ts,
			cfg.search_limit, cfg.message_max_bytes, cfg.message_max_bytes, root,
			srv_db_version, cfg.default_chat_history, cfg.bccontext_max};
	xccos_build_serverinfo(&sb, c->req.seqid, c->req.envid, &si);
	send_sbuf(c, &sb);
	free(root);
}

static void on_server_config(struct db_job *job)
{
	struct cmd *c = job->arg;
	if(job->status == DB_OK && srv_db_version == NULL) {
		srv_db_version = job->db_version ? job->db_version : xstrdup(NIL_GUID);
		srv_root_id = job->root_id ? job->root_id : xstrdup(NIL_GUID);
		job->db_version = job->root_id = NULL;
	}
	if(c->sess->closed) {
		/* nobody to answer */
	} else if(srv_db_version == NULL)
		reply_empty(c, XC_INTERNAL);
	else
		send_serverinfo(c);
	cmd_finish(c);
}

static int run_getserverinfo(struct cmd *c)
{
	if(srv_db_version == NULL) {
		db_submit(db_job_new(DB_SERVER_CONFIG, on_server_config, c));
		return RUN_WAIT;
	}
	send_serverinfo(c);
	return RUN_DONE;
}

void commands_free_all(void)
{
	free(srv_db_version);
	free(srv_root_id);
	srv_db_version = srv_root_id = NULL;
}

/* ---- cmd:getassociations ---- */

/* Shape unknown (docs/XCCOS.md): member view = the rooms the user follows and may
 * still see, as chansrch lists them; manager view (any data attribute mentions
 * "manager") = the rooms the user manages. */
static int run_getassociations(struct cmd *c)
{
	struct db_job *job;
	if(c->req.mentions_manager)
		return search_rooms(c, "");
	job = db_job_new(DB_ASSOCIATIONS, on_room_list, c);
	job->user = xstrdup(c->sess->user);
	db_submit(job);
	return RUN_WAIT;
}

/* ---- cmd:getinv ---- */

static void send_invitations(struct cmd *c, const struct db_job *job)
{
	struct xccos_invitation *inv = xcalloc(job->nrooms + 1, sizeof(*inv));
	struct sbuf sb = SBUF_INIT;
	size_t i, n = 0;

	for(i = 0; i < job->nrooms; i++) {
		const struct db_room *row = &job->rooms[i];
		struct room *r = room_add(row);
		/* An invitation to a room the user may no longer see is not shown. */
		if(r && (room_rights(r, c->sess->user) & ACL_SEE))
			inv[n++] = (struct xccos_invitation){
					row->inv_id, r->uri, r->name, row->inviter, row->inv_ts};
	}
	xccos_build_getinv(&sb, c->req.seqid, c->req.envid, inv, n);
	send_sbuf(c, &sb);
	free(inv);
}

static void on_invitations(struct db_job *job)
{
	answer_with(job, send_invitations);
}

/* All the user's invitations, whatever inv@inviteId says (sipe always sends 1;
 * docs/XCCOS.md). */
static int run_getinv(struct cmd *c)
{
	struct db_job *job = db_job_new(DB_GET_INV, on_invitations, c);
	job->user = xstrdup(c->sess->user);
	db_submit(job);
	return RUN_WAIT;
}

/* ---- cmd:nodespermcreatechild ---- */

static int may_create(const struct db_category *cat, const char *user)
{
	struct plist allowed = {0}, denied = {0}, creators = {0};
	struct acl_list a, d, cr;
	int ok;
	plist_set(&allowed, cat->allowed);
	plist_set(&denied, cat->denied);
	plist_set(&creators, cat->creators);
	a = plist_acl(&allowed);
	d = plist_acl(&denied);
	cr = plist_acl(&creators);
	ok = acl_may_create(&a, &d, &cr, user);
	plist_free(&allowed);
	plist_free(&denied);
	plist_free(&creators);
	return ok;
}

static char *category_uri(const struct db_category *cat)
{
	size_t n = strlen("ma-cat:///") + strlen(cat->domain) + strlen(cat->cat_id) + 1;
	char *uri = xmalloc(n);
	snprintf(uri, n, "ma-cat://%s/%s", cat->domain, cat->cat_id);
	return uri;
}

static void send_categories(struct cmd *c, const struct db_job *job)
{
	struct xccos_category *cats = xcalloc(job->ncats + 1, sizeof(*cats));
	char **uris = xcalloc(job->ncats + 1, sizeof(*uris));
	struct sbuf sb = SBUF_INIT;
	size_t i, n = 0;

	for(i = 0; i < job->ncats; i++) {
		const struct db_category *cat = &job->cats[i];
		if(!may_create(cat, c->sess->user))
			continue;
		uris[n] = category_uri(cat);
		cats[n] = (struct xccos_category){uris[n], cat->name, cat->description};
		n++;
	}
	xccos_build_categories(&sb, c->req.seqid, c->req.envid, cats, n);
	send_sbuf(c, &sb);
	for(i = 0; i < n; i++)
		free(uris[i]);
	free(uris);
	free(cats);
}

static void on_categories(struct db_job *job)
{
	answer_with(job, send_categories);
}

/* The categories the user may create rooms in (docs/XCCOS.md). */
static int run_nodespermcreatechild(struct cmd *c)
{
	db_submit(db_job_new(DB_CATEGORIES, on_categories, c));
	return RUN_WAIT;
}

/* ---- cmd:getpref, cmd:setpref ---- */

static int valid_label(const char *label)
{
	size_t n = label ? strlen(label) : 0, i;
	if(n == 0 || n > PREF_LABEL_MAX)
		return 0;
	for(i = 0; i < n; i++) {
		if((unsigned char)label[i] < 0x20)
			return 0;
	}
	return 1;
}

static int valid_base64(const char *s)
{
	size_t n = strlen(s), i;
	for(i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if(!isalnum(ch) && ch != '+' && ch != '/' && ch != '=')
			return 0;
	}
	return 1;
}

static void on_pref(struct db_job *job)
{
	struct cmd *c = job->arg;
	if(c->sess->closed) {
		/* nobody to answer */
	} else if(job->status == DB_NOT_FOUND)
		reply_empty(c, XC_NOT_FOUND);
	else if(job->status != DB_OK)
		reply_empty(c, XC_INTERNAL);
	else {
		struct sbuf sb = SBUF_INIT;
		xccos_build_pref(&sb, cmd_name(c), c->req.seqid, c->req.envid, job->label,
				(unsigned long long)job->pref_seqid,
				job->type == DB_GET_PREF ? job->pref_content : NULL);
		send_sbuf(c, &sb);
	}
	cmd_finish(c);
}

static int submit_pref(struct cmd *c, enum db_job_type type)
{
	struct db_job *job = db_job_new(type, on_pref, c);
	job->user = xstrdup(c->sess->user);
	job->label = xstrdup(c->req.pref_label);
	if(type == DB_SET_PREF)
		job->content = xstrdup(c->req.pref_content);
	else
		job->flag = c->req.pref_createdefault;
	db_submit(job);
	return RUN_WAIT;
}

static int run_getpref(struct cmd *c)
{
	if(!valid_label(c->req.pref_label))
		return reply_empty(c, XC_BAD_REQUEST);
	return submit_pref(c, DB_GET_PREF);
}

static int run_setpref(struct cmd *c)
{
	if(!valid_label(c->req.pref_label) || c->req.pref_content == NULL)
		return reply_empty(c, XC_BAD_REQUEST);
	if(strlen(c->req.pref_content) > PREF_CONTENT_MAX)
		return reply_empty(c, XC_TOO_LARGE);
	if(!valid_base64(c->req.pref_content))
		return reply_empty(c, XC_BAD_REQUEST);
	return submit_pref(c, DB_SET_PREF);
}

/* ---- anything else ---- */

static int run_unknown(struct cmd *c)
{
	return reply_empty(c, XC_NOT_IMPLEMENTED);
}

static int run_error(struct cmd *c)
{
	struct sbuf sb = SBUF_INIT;
	xccos_build_error(&sb, c->req.envid, c->error);
	send_sbuf(c, &sb);
	return RUN_DONE;
}

/* ---- grpchat ---- */

static void on_post_stored(struct db_job *job)
{
	struct cmd *c = job->arg;
	if(job->status == DB_OK) {
		struct xccos_chat m = {c->room->uri, job->author, c->ts, job->msg_id, job->body,
				job->body_len};
		struct sbuf sb = SBUF_INIT;
		xccos_build_grpchat(&sb, &m);
		/* Everyone present, the poster's own sessions included: sipe shows a
		 * user's own line only when the server echoes it. */
		room_broadcast(c->room, sb.buf, sb.len, NULL);
		room_note_delivery(c->room, job->msg_id);
		sbuf_free(&sb);
		log_debug("%s: message %" PRIu64 " by %s stored and sent", c->room->uri,
				job->msg_id, job->author);
	} else {
		log_error("%s: post by %s could not be stored and is lost", c->room->uri,
				job->author);
	}
	if(c->sess->posts_inflight > 0)
		c->sess->posts_inflight--;
	cmd_finish(c);
}

/* Hands the post to the database; it is sent to the room after the commit. */
static void store_post(struct cmd *c)
{
	struct db_job *job = db_job_new(DB_INSERT_MSG, on_post_stored, c);
	struct timespec now;

	clock_now_ms(&now);
	format_ts(c->ts, now.tv_sec, (unsigned)(now.tv_nsec / 1000000));
	job->room_id = c->room->id;
	job->author = xstrdup(c->sess->user); /* never the client's author attribute */
	job->body = c->req.text;
	job->body_len = c->req.text_len;
	c->req.text = NULL;
	job->posted_at = now;
	db_submit(job);
}

/* Why the session may not post to uri now, or NULL (the SIP status line of the
 * refusal).  A room the user may not see is refused like one that does not exist;
 * pending: a join of the room is queued (its post is checked again when it runs). */
static const char *post_refusal(const struct room *r, const struct session *s, int pending)
{
	unsigned rights = r ? room_rights(r, s->user) : 0;
	if(!(rights & ACL_SEE))
		return pending ? NULL : "403 Not In The Room";
	if(r->disabled)
		return "403 Room Disabled";
	if(!(rights & ACL_JOIN))
		return "403 Members Only";
	if(room_member(r, s) == NULL)
		return pending ? NULL : "403 Not In The Room";
	if(!(rights & ACL_POST))
		return "403 Only Presenters May Post"; /* the one rule left: an auditorium */
	return NULL;
}

static int run_grpchat(struct cmd *c)
{
	const char *why;
	if(c->room == NULL)
		c->room = room_find(c->uri); /* accepted while its join was pending */
	why = post_refusal(c->room, c->sess, 0);
	if(why) {
		/* Accepted already (its join was pending, or the rights changed since). */
		log_warn(SESS_FMT ": post to %s dropped: %s", SESS_ARGS(c->sess), c->uri, why + 4);
		return RUN_DONE;
	}
	store_post(c);
	return RUN_POSTED;
}

static int is_join_of(const struct cmd *c, const char *uri)
{
	size_t i;
	if(c->def == &def_restore)
		return 1; /* the room may be one it restores */
	if(c->def->run == run_join)
		return c->uri && strcasecmp(c->uri, uri) == 0;
	if(c->def->run != run_bjoin)
		return 0;
	for(i = 0; i < c->req.nchanids; i++) {
		char *u = room_uri_make(c->req.chanids[i].domain, c->req.chanids[i].value);
		int same = u && strcasecmp(u, uri) == 0;
		free(u);
		if(same)
			return 1;
	}
	return 0;
}

/* Is a join of uri queued or running for s? */
static int join_pending(const struct session *s, const char *uri)
{
	const struct list *pos;
	if(s->running && is_join_of(s->running, uri))
		return 1;
	list_for_each(pos, &s->queue) {
		if(is_join_of(list_entry(pos, struct cmd, link), uri))
			return 1;
	}
	return 0;
}

/* May this post be accepted?  Returns NULL, or the SIP status line to refuse it
 * with (logged).  A post while its join is pending is checked when it runs. */
static const char *check_post(struct cmd *c)
{
	struct session *s = c->sess;
	const char *why = NULL;

	if(c->uri == NULL)
		why = "403 Forbidden"; /* no chanUri */
	else if(!c->req.has_chat || c->req.text_len == 0)
		why = "403 Empty Message";
	else if(c->req.text_len > cfg.message_max_bytes)
		why = "403 Message Too Long"; /* over MessageSizeLimit */
	else {
		c->room = room_find(c->uri);
		why = post_refusal(c->room, s, join_pending(s, c->uri));
	}
	if(why)
		log_info(SESS_FMT ": post to %s rejected: %s (%zu bytes)", SESS_ARGS(s),
				c->uri ? c->uri : "?", why + 4, c->req.text_len);
	return why;
}

/* ---- accepting ---- */

/* The room URI a command is about, or NULL. */
static char *cmd_uri(const struct xccos_req *req)
{
	if(req->nchanids > 0)
		return room_uri_make(req->chanids[0].domain, req->chanids[0].value);
	if(req->chanib_uri)
		return xstrdup(req->chanib_uri);
	return NULL;
}

static void log_unknown(
		const struct session *s, const struct cmd *c, const char *payload, size_t len)
{
	char buf[3000];
	log_info(SESS_FMT ": unsupported command %s: %s", SESS_ARGS(s), c->req.id,
			log_safe(buf, sizeof(buf), payload, len));
}

int commands_accept(
		struct session *s, const char *payload, size_t len, char *reject, size_t rejectlen)
{
	struct cmd *c = cmd_new(s);
	char why[256];

	if(xccos_parse(payload, len, cfg.xml_max_bytes, &c->req, why, sizeof(why)) < 0) {
		log_info(SESS_FMT ": bad envelope (envid %s): %s", SESS_ARGS(s), c->req.envid, why);
		c->def = &def_error;
		c->error = xstrdup(why);
	} else if(c->req.kind == XCCOS_GRPCHAT) {
		c->def = &def_grpchat;
		c->uri = c->req.chan_uri ? xstrdup(c->req.chan_uri) : NULL;
		const char *refusal = check_post(c);
		if(refusal) {
			snprintf(reject, rejectlen, "%s", refusal);
			cmd_free(c);
			return -1;
		}
	} else {
		c->def = find_def(c->req.id);
		c->uri = cmd_uri(&c->req);
		if(c->def == &def_unknown)
			log_unknown(s, c, payload, len);
		else if(c->def->run == run_getassociations) {
			/* Its real shape is unknown: log it so it can be learned. */
			char buf[3000];
			log_info(SESS_FMT ": %s: %s", SESS_ARGS(s), c->req.id,
					log_safe(buf, sizeof(buf), payload, len));
		}
	}
	list_add_tail(&s->queue, &c->link);
	return 0;
}

void commands_session_closed(struct session *s)
{
	struct list *first;
	struct cmd *r = s->running;

	/* A reply that waits for the database now has no one to go to. */
	if(r && r->def != &def_grpchat && !r->detached) {
		r->detached = 1;
		detached++;
	}
	while((first = list_first(&s->queue)) != NULL) {
		struct cmd *c = list_entry(first, struct cmd, link);
		list_del(&c->link);
		if(c->def == &def_grpchat && c->room == NULL)
			c->room = room_find(c->uri);
		/* An accepted post is stored even though its poster has gone. */
		if(c->def == &def_grpchat && post_refusal(c->room, s, 0) == NULL) {
			store_post(c);
			s->posts_inflight++;
		} else {
			cmd_free(c);
		}
	}
}
