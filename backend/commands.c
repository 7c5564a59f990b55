/*
 * commands.c - see commands.h.  The dispatch table maps command ids to handlers;
 * a handler returns RUN_DONE (finished), RUN_WAIT (a database job will finish it)
 * or RUN_POSTED (a post handed to the database).
 */
#include "commands.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include "rooms.h"
#include "sessions.h"
#include "util.h"

#include <inttypes.h>
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

/* bccontext without a usable bcq/last@cnt: Lync's DefaultChatHistory. */
#define BCCONTEXT_DEFAULT 30
/* Most rooms one chansrch returns (the searchLimit of rpl:getserverinfo). */
#define CHANSRCH_MAX 999

static unsigned pending;
static unsigned detached; /* of pending */

static int run_requri(struct cmd *c);
static int run_join(struct cmd *c);
static int run_part(struct cmd *c);
static int run_bccontext(struct cmd *c);
static int run_chansrch(struct cmd *c);
static int run_unknown(struct cmd *c);
static int run_error(struct cmd *c);
static int run_grpchat(struct cmd *c);

static const struct cmd_def cmd_table[] = {
	{"cmd:requri", run_requri},
	{"cmd:join", run_join},
	{"cmd:part", run_part},
	{"cmd:bccontext", run_bccontext},
	{"cmd:chansrch", run_chansrch},
};
static const struct cmd_def def_unknown = {"cmd:*", run_unknown};
static const struct cmd_def def_error = {"error", run_error};
static const struct cmd_def def_grpchat = {"grpchat", run_grpchat};

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

/* ---- cmd:join ---- */

/* rpl:join: the joiner first (as uib 0), then the others in order of arrival. */
static void send_join_reply(struct cmd *c)
{
	struct room *r = c->room;
	const char **users = xcalloc(r->nusers + 1, sizeof(*users));
	size_t n = room_users(r, users + 1, r->nusers), i, j = 1;
	struct xccos_room_info info;
	struct sbuf sb = SBUF_INIT;

	users[0] = c->sess->user;
	for(i = 1; i <= n; i++) {
		if(strcmp(users[i], c->sess->user) != 0)
			users[j++] = users[i];
	}
	n = j;
	room_info(r, &info);
	xccos_build_join(&sb, cmd_name(c), c->req.seqid, c->req.envid, users, n, &info);
	while(sb.len > SESSION_ITEMS_MAX && n > 1) {
		/* A huge room: list fewer users rather than send nothing. */
		n = n * 3 / 4;
		sbuf_reset(&sb);
		xccos_build_join(&sb, cmd_name(c), c->req.seqid, c->req.envid, users, n, &info);
	}
	if(n < j)
		log_warn("%s: rpl:join lists %zu of %zu users (frame size)", r->uri, n, j);
	send_sbuf(c, &sb);
	free(users);
}

static int join_room(struct cmd *c)
{
	enum room_enter_result how = room_enter(c->room, c->sess);
	send_join_reply(c);
	/* Others hear of a user once, however many sessions the user has. */
	if(how == ROOM_FIRST_SESSION)
		room_announce_join(c->room, c->sess);
	return RUN_DONE;
}

static int run_join(struct cmd *c)
{
	const struct xccos_chanid *id = c->req.nchanids ? &c->req.chanids[0] : NULL;
	if(id == NULL || id->domain == NULL || id->value == NULL)
		return reply_empty(c, XC_BAD_REQUEST);
	if(c->uri == NULL) /* not a valid room id: no such room */
		return reply_empty(c, XC_NOT_FOUND);
	return with_room(c, join_room);
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
	if(r)
		room_leave(r, c->sess);
	return RUN_DONE;
}

/* ---- cmd:bccontext ---- */

/* Sends rpl:bccontext with the newest messages that fit in one frame. */
static void send_history(struct cmd *c, const struct db_job *job)
{
	struct xccos_chat *msgs = xcalloc(job->nmsgs, sizeof(*msgs));
	struct sbuf sb = SBUF_INIT;
	size_t i, start, total = 0;

	for(i = 0; i < job->nmsgs; i++) {
		const struct db_msg *dm = &job->msgs[i];
		msgs[i] = (struct xccos_chat){c->room->uri, dm->author, dm->ts, dm->id, dm->body,
				dm->body_len};
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
		log_warn("%s: bccontext returns %zu of %zu messages (frame size)", c->room->uri,
				job->nmsgs - start, job->nmsgs);
	sbuf_reset(&sb);
	xccos_build_bccontext(&sb, c->req.seqid, c->req.envid, c->room->uri, msgs + start,
			job->nmsgs - start);
	send_sbuf(c, &sb);
	free(msgs);
}

static void on_history(struct db_job *job)
{
	struct cmd *c = job->arg;
	if(c->sess->closed) {
		/* nobody to answer */
	} else if(job->status != DB_OK)
		reply_empty(c, XC_INTERNAL);
	else
		send_history(c, job);
	cmd_finish(c);
}

static int query_history(struct cmd *c)
{
	struct db_job *job;
	/* Open rooms can be read without joining (clients ask right after a restart). */
	if(c->room->privacy != ROOM_OPEN && room_member(c->room, c->sess) == NULL)
		return reply_empty(c, XC_ACCESS_DENIED);
	job = db_job_new(DB_HISTORY, on_history, c);
	job->room_id = c->room->id;
	job->limit = c->limit;
	db_submit(job);
	return RUN_WAIT;
}

static int run_bccontext(struct cmd *c)
{
	long want = c->req.bcq_last > 0 ? c->req.bcq_last : BCCONTEXT_DEFAULT;
	if(c->uri == NULL)
		return reply_empty(c, XC_BAD_REQUEST);
	c->limit = want > (long)cfg.bccontext_max ? cfg.bccontext_max : (unsigned)want;
	return with_room(c, query_history);
}

/* ---- cmd:chansrch ---- */

static void send_rooms(struct cmd *c, const struct db_job *job)
{
	struct xccos_room_info *rooms = xcalloc(job->nrooms, sizeof(*rooms));
	char **uris = xcalloc(job->nrooms, sizeof(*uris));
	struct sbuf sb = SBUF_INIT;
	size_t i, n = 0, all;

	for(i = 0; i < job->nrooms; i++) {
		const struct db_room *row = &job->rooms[i];
		char *uri = room_uri_make(row->domain, row->chan_id);
		const struct room *cached;
		if(uri == NULL)
			continue;
		cached = room_find(uri);
		uris[n] = uri;
		rooms[n] = (struct xccos_room_info){uri, row->name, row->topic, row->description,
				cached ? cached->nusers : 0,
				room_privacy_parse(row->privacy) != ROOM_OPEN};
		n++;
	}
	all = n;
	xccos_build_chansrch(&sb, c->req.seqid, c->req.envid, rooms, n);
	while(sb.len > SESSION_ITEMS_MAX && n > 0) {
		n = n * 3 / 4;
		sbuf_reset(&sb);
		xccos_build_chansrch(&sb, c->req.seqid, c->req.envid, rooms, n);
	}
	if(n < all)
		log_warn("chansrch returns %zu of %zu rooms (frame size)", n, all);
	send_sbuf(c, &sb);
	for(i = 0; i < all; i++)
		free(uris[i]);
	free(uris);
	free(rooms);
}

static void on_search(struct db_job *job)
{
	struct cmd *c = job->arg;
	if(c->sess->closed) {
		/* nobody to answer */
	} else if(job->status != DB_OK)
		reply_empty(c, XC_INTERNAL);
	else
		send_rooms(c, job);
	cmd_finish(c);
}

static int run_chansrch(struct cmd *c)
{
	/* Every qtype is treated as BYNAME; empty criteria lists all visible rooms. */
	struct db_job *job = db_job_new(DB_SEARCH, on_search, c);
	job->criteria = xstrdup(c->req.criteria ? c->req.criteria : "");
	job->limit = CHANSRCH_MAX;
	db_submit(job);
	return RUN_WAIT;
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

static int run_grpchat(struct cmd *c)
{
	if(c->room == NULL)
		c->room = room_find(c->uri); /* accepted while its join was pending */
	if(c->room == NULL || room_member(c->room, c->sess) == NULL) {
		log_warn(SESS_FMT ": post to %s dropped: not in the room", SESS_ARGS(c->sess),
				c->uri);
		return RUN_DONE;
	}
	store_post(c);
	return RUN_POSTED;
}

static int is_join_of(const struct cmd *c, const char *uri)
{
	return c->def->run == run_join && c->uri && strcasecmp(c->uri, uri) == 0;
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

/* May this post be accepted?  Returns 0, or -1 with the reason logged. */
static int check_post(struct cmd *c)
{
	struct session *s = c->sess;
	const char *why = NULL;

	if(c->uri == NULL)
		why = "no chanUri";
	else if(!c->req.has_chat || c->req.text_len == 0)
		why = "no chat text";
	else if(c->req.text_len > cfg.message_max_bytes)
		why = "text over --message-max-bytes";
	else {
		c->room = room_find(c->uri);
		if((c->room == NULL || room_member(c->room, s) == NULL) && !join_pending(s, c->uri))
			why = "not in the room";
	}
	if(why == NULL)
		return 0;
	log_info(SESS_FMT ": post to %s rejected: %s (%zu bytes)", SESS_ARGS(s),
			c->uri ? c->uri : "?", why, c->req.text_len);
	return -1;
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

static void log_unknown(const struct session *s, const struct cmd *c, const char *payload,
		size_t len)
{
	char buf[3000];
	log_info(SESS_FMT ": unsupported command %s: %s", SESS_ARGS(s), c->req.id,
			log_safe(buf, sizeof(buf), payload, len));
}

int commands_accept(struct session *s, const char *payload, size_t len, char *reject,
		size_t rejectlen)
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
		if(check_post(c) < 0) {
			snprintf(reject, rejectlen, "403 Forbidden");
			cmd_free(c);
			return -1;
		}
	} else {
		c->def = find_def(c->req.id);
		c->uri = cmd_uri(&c->req);
		if(c->def == &def_unknown)
			log_unknown(s, c, payload, len);
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
		if(c->def == &def_grpchat && c->room && room_member(c->room, s)) {
			store_post(c);
			s->posts_inflight++;
		} else {
			cmd_free(c);
		}
	}
}
