/*
 * cmd_join.c - entering and leaving rooms: cmd:join (one room), cmd:bjoin (many,
 * sipe's way after sign-in), cmd:part, and "restore", the internal command that
 * puts a reopened session quietly back into the rooms it had joined before a
 * restart of pchatd.
 *
 * join and bjoin share one path: load the rooms not cached yet (all at once),
 * check the join right of each, enter, answer with ONE user list for all rooms,
 * announce the user to the others (once per user, not per session), and for
 * bjoin push each room's history the session has not been sent (Lync expects
 * it; a client that asks itself is not sent it twice: presence.h, history).
 */
#include "cmd_handlers.h"
#include "config.h"
#include "db.h"
#include "dict.h"
#include "pchat_log.h"
#include "poolsig.h"
#include "sbuf.h"
#include "xccos.h"
#include "presence.h"
#include "rooms.h"
#include "sessions.h"
#include "util.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int is_bjoin(const struct cmd *c)
{
	return c->def == &cmd_bjoin;
}

/* ---- the reply ---- */

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
	unsigned char **ops = xcalloc(nrooms + 1, sizeof(*ops));

	for(i = 0; i < nrooms; i++)
		total += room_user_count(rooms[i]);
	users = xcalloc(total, sizeof(*users));
	present = xcalloc(total, sizeof(*present));
	user_id(index, users, &nusers, c->sess->user);
	for(i = 0; i < nrooms; i++) {
		size_t n = room_users(rooms[i], present, room_user_count(rooms[i])), j, k = 1;
		ids[i] = xcalloc(n + 1, sizeof(**ids));
		ops[i] = xcalloc(n + 1, sizeof(**ops));
		ids[i][0] = 0; /* the joiner */
		ops[i][0] = (unsigned char)room_operator(rooms[i], c->sess->user);
		for(j = 0; j < n && k < cap; j++) {
			if(strcmp(present[j], c->sess->user) == 0)
				continue;
			ops[i][k] = (unsigned char)room_operator(rooms[i], present[j]);
			ids[i][k++] = user_id(index, users, &nusers, present[j]);
		}
		if(k < room_user_count(rooms[i]))
			log_debug("roster cut to the limit " SESS_FMT " room=%s cmd=%s listed=%zu "
				  "present=%u",
					SESS_ARGS(c->sess), rooms[i]->uri, cmd_name(c), k,
					room_user_count(rooms[i]));
		room_info(rooms[i], &infos[i]);
		jr[i] = (struct xccos_join_room){&infos[i], ids[i], ops[i], k};
	}
	xccos_build_join(sb, cmd_name(c), c->req.seqid, c->req.envid, users, nusers, jr, nrooms,
			fails, nfails);
	for(i = 0; i < nrooms; i++) {
		free(ids[i]);
		free(ops[i]);
	}
	free(ids);
	free(ops);
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
	}
	if(cap < cfg.participant_update_limit)
		log_warn("roster cut to fit a frame " SESS_FMT " cmd=%s max_listed=%zu",
				SESS_ARGS(c->sess), cmd_name(c), cap);
	cmd_send(c, &sb);
}

/* ---- bjoin's history push ---- */

struct push {
	struct cmd *c;
	struct room *room;
};

static void on_pushed_history(struct db_job *job)
{
	struct push *p = job->arg;
	struct cmd *c = p->c;
	if(!c->sess->closed && job->status == DB_OK)
		history_send(c, p->room, job);
	else if(!c->sess->closed) /* not sent: the client's own request is answered */
		presence_set_history(c->sess, p->room, HISTORY_NONE);
	free(p);
	if(--c->u.join.pushes == 0)
		cmdq_finish(c);
}

/*
 * After rpl:bjoin: rpl:bccontext for each joined room, as if asked with the default
 * count, unless the session has been sent that room's history already (it asked
 * itself, or bjoined the room twice).  Whatever it asks next is then answered
 * without a second copy (cmd_history.c).  No User-Agent is looked at.
 */
static enum run_result push_history(struct cmd *c, struct room **rooms, size_t n)
{
	size_t i;
	for(i = 0; i < n; i++) {
		struct push *p;
		if(presence_history(c->sess, rooms[i]) != HISTORY_NONE) {
			log_debug("history not pushed, sent already " SESS_FMT " room=%s",
					SESS_ARGS(c->sess), rooms[i]->uri);
			continue;
		}
		presence_set_history(c->sess, rooms[i], HISTORY_PUSHED);
		p = xmalloc(sizeof(*p));
		*p = (struct push){c, rooms[i]};
		c->u.join.pushes++;
		db_submit(db_history(c->sess->user, rooms[i]->id,
				history_limit(rooms[i], cfg.default_chat_history), 0,
				on_pushed_history, p));
	}
	return c->u.join.pushes ? RUN_WAIT : RUN_DONE;
}

/* ---- joining ---- */

/* Why a join of uris[i] fails, for its fib: the code's token (ERR_NOT_FOUND also
 * for a room the user may not see), OPERATION_FAILED when the database could not
 * tell (our choice, docs/XCCOS.md). */
static struct xccos_join_fail join_fail(const struct cmd *c, size_t i, int why)
{
	const struct xccos_chanid *id = &c->req.chanids[i];
	return (struct xccos_join_fail){
			why == XC_INTERNAL ? "OPERATION_FAILED" : xccos_resp_token(why),
			id->domain ? id->domain : "", id->value ? id->value : ""};
}

/* Enters each room, keeping the followed list and session_rooms, and announces
 * the user where it is new. */
static void enter_rooms(struct cmd *c, struct room **rooms, size_t n, enum room_enter_result *how)
{
	size_t i;
	for(i = 0; i < n; i++) {
		how[i] = room_enter(rooms[i], c->sess, cmd_name(c));
		if(how[i] != ROOM_ALREADY_IN) {
			/* Joining a room follows it (part unfollows it). */
			db_submit(db_follow(c->sess->user, rooms[i]->id));
			presence_store(c->sess, rooms[i], 1);
		}
	}
}

/* Every room asked for is loaded (or known not to exist): join those that exist. */
static enum run_result join_rooms(struct cmd *c)
{
	size_t nuris = c->u.join.nuris, i, j, n = 0, nfails = 0;
	struct room **rooms = xcalloc(nuris + 1, sizeof(struct room *));
	enum room_enter_result *how = xcalloc(nuris + 1, sizeof(*how));
	struct xccos_join_fail *fails = xcalloc(nuris + 1, sizeof(*fails));
	enum run_result rc = RUN_DONE;
	int code = 0; /* join: why its room was not joined */

	for(i = 0; i < nuris; i++) {
		struct room *r = c->u.join.uris[i] ? room_find(c->u.join.uris[i]) : NULL;
		int why = r ? cmd_access_code(r, c->sess->user, ACL_JOIN)
			    : (c->u.join.load_failed ? XC_INTERNAL : XC_NOT_FOUND);
		if(why) {
			fails[nfails++] = join_fail(c, i, why);
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
		rc = cmd_refuse(c, code ? code : XC_NOT_FOUND);
		goto out;
	}
	enter_rooms(c, rooms, n, how);
	send_join_reply(c, rooms, n, fails, nfails);
	/* Others hear of a user once, however many sessions the user has. */
	for(i = 0; i < n; i++) {
		if(how[i] == ROOM_FIRST_SESSION)
			room_announce_join(
					rooms[i], c->sess, is_bjoin(c) ? "ntc:bjoin" : "ntc:join");
	}
	if(is_bjoin(c))
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
	enum run_result rc = RUN_DONE;

	if(job->status == DB_OK) /* cached even if nobody waits now */
		room_add(&job->u.room.out.v[0]);
	else if(job->status == DB_FAILED)
		c->u.join.load_failed = 1;
	if(--c->u.join.loads > 0)
		return;
	if(!c->sess->closed)
		rc = join_rooms(c);
	if(rc == RUN_DONE)
		cmdq_finish(c);
}

/* Loads every room of the command not cached yet (all at once), then joins. */
static enum run_result load_and_join(struct cmd *c)
{
	size_t i;
	for(i = 0; i < c->u.join.nuris; i++) {
		char *domain, *chan_id;
		if(c->u.join.uris[i] == NULL || room_find(c->u.join.uris[i]) ||
				room_uri_split(c->u.join.uris[i], &domain, &chan_id) < 0)
			continue;
		c->u.join.loads++;
		db_submit(db_load_room(domain, chan_id, on_join_room_loaded, c));
		free(domain);
		free(chan_id);
	}
	return c->u.join.loads ? RUN_WAIT : join_rooms(c);
}

static enum run_result run_join(struct cmd *c)
{
	const struct xccos_chanid *id = c->req.nchanids ? &c->req.chanids[0] : NULL;
	if(id == NULL || id->domain == NULL || id->value == NULL)
		return cmd_reply(c, XC_BAD_REQUEST);
	c->u.join.nuris = 1; /* only the first chanid */
	c->u.join.uris = xcalloc(1, sizeof(*c->u.join.uris));
	/* NULL: not a valid id, no such room */
	c->u.join.uris[0] = c->uri ? xstrdup(c->uri) : NULL;
	return load_and_join(c);
}

static enum run_result run_bjoin(struct cmd *c)
{
	size_t i;
	if(c->req.nchanids == 0)
		return cmd_reply(c, XC_BAD_REQUEST);
	c->u.join.nuris = c->req.nchanids;
	c->u.join.uris = xcalloc(c->u.join.nuris, sizeof(*c->u.join.uris));
	for(i = 0; i < c->u.join.nuris; i++)
		c->u.join.uris[i] = room_uri_make(
				c->req.chanids[i].domain, c->req.chanids[i].value);
	return load_and_join(c);
}

static void join_cleanup(struct cmd *c)
{
	size_t i;
	for(i = 0; i < c->u.join.nuris; i++)
		free(c->u.join.uris[i]);
	free(c->u.join.uris);
}

static int join_enters(const struct cmd *c, const char *uri)
{
	return c->uri && strcasecmp(c->uri, uri) == 0;
}

static int bjoin_enters(const struct cmd *c, const char *uri)
{
	size_t i;
	for(i = 0; i < c->req.nchanids; i++) {
		char *u = room_uri_make(c->req.chanids[i].domain, c->req.chanids[i].value);
		int same = u && strcasecmp(u, uri) == 0;
		free(u);
		if(same)
			return 1;
	}
	return 0;
}

const struct cmd_def cmd_join = {
		.id = "cmd:join", .run = run_join, .enters = join_enters, .cleanup = join_cleanup};
const struct cmd_def cmd_bjoin = {.id = "cmd:bjoin",
		.run = run_bjoin,
		.enters = bjoin_enters,
		.cleanup = join_cleanup};

/* ---- cmd:part ---- */

static enum run_result run_part(struct cmd *c)
{
	struct sbuf sb = SBUF_INIT;
	char *domain, *chan_id;
	struct room *r;

	if(c->req.chanib_uri == NULL)
		return cmd_reply(c, XC_BAD_REQUEST);
	/* 200 even when not in the room: sipe closes its window only on 200. */
	xccos_build_part(&sb, c->req.seqid, c->req.envid, XC_OK, c->req.chanib_uri);
	cmd_send(c, &sb);
	r = room_find(c->req.chanib_uri);
	if(r && room_member(r, c->sess)) {
		room_leave(r, c->sess, "part");
		presence_store(c->sess, r, 0);
	}
	/* Parting a room stops following it (joining follows it again). */
	if(room_uri_split(c->req.chanib_uri, &domain, &chan_id) == 0) {
		db_submit(db_unfollow(c->sess->user, domain, chan_id));
		free(domain);
		free(chan_id);
	}
	return RUN_DONE;
}

const struct cmd_def cmd_part = {.id = "cmd:part", .run = run_part};

/* ---- restore (after a restart of pchatd; a pool: from a node that died) ---- */

/*
 * A room carried over from the session of the same endpoint on another node of a
 * pool (it died, the client rebuilt its session here): the posts that node had not
 * sent it are sent first, read by number (DB_CATCH_UP) up to the last one this node
 * has sent the room, then the session enters the room, quietly, and gets the rest
 * with everyone.  So it misses none and gets none twice from here (it may have had
 * the last second's from the dead node, whose figure is saved once per tick).
 */
struct carried {
	struct cmd *c;
	struct room *r;
	uint64_t from; /* the last number the session has */
};

#define MISSED_BATCH 200

static void carry_in(struct carried *k);

static void send_missed(struct carried *k, const struct db_job *job)
{
	struct sbuf sb = SBUF_INIT;
	for(size_t i = 0; i < job->u.history.nmsgs; i++) {
		const struct db_msg *d = &job->u.history.msgs[i];
		struct xccos_chat m = {k->r->uri, d->author, d->ts, d->id, d->body, d->body_len};
		if(d->seq > k->r->seq_done)
			break; /* not sent here yet: it comes with everyone's */
		sbuf_reset(&sb);
		xccos_build_grpchat(&sb, &m);
		session_send(k->c->sess, sb.buf, sb.len);
		k->from = d->seq;
	}
	sbuf_free(&sb);
	if(job->u.history.nmsgs < MISSED_BATCH) /* the rest up to the head: deleted */
		k->from = job->u.history.head < k->r->seq_done ? job->u.history.head
							       : k->r->seq_done;
}

static void on_missed(struct db_job *job)
{
	struct carried *k = job->arg;
	if(job->status == DB_OK && !k->c->sess->closed)
		send_missed(k, job);
	else
		k->from = k->r->seq_done; /* not read: in it goes, with what comes next */
	carry_in(k);
}

static void carry_in(struct carried *k)
{
	struct cmd *c = k->c;
	if(!c->sess->closed && k->from < k->r->seq_done) {
		db_submit(db_catch_up(k->r->id, k->from, MISSED_BATCH, on_missed, k));
		return;
	}
	if(!c->sess->closed) {
		room_enter(k->r, c->sess, "carryover");
		poolsig_note_roster(k->r->id); /* its rows are this node's now */
	}
	free(k);
	if(--c->u.join.pushes == 0)
		cmdq_finish(c);
}

/* Enters r quietly (the client believes it never left, and so do the others), or,
 * carried over from another node (from_seq: 1 + the last number sent there), after
 * what it missed. */
static void restore_room(struct cmd *c, struct room *r, uint64_t from_seq)
{
	struct carried *k;
	if(room_member(r, c->sess))
		return; /* its own row and one taken over */
	if(from_seq == 0) {
		room_enter(r, c->sess, "restore");
		return;
	}
	k = xmalloc(sizeof(*k));
	*k = (struct carried){c, r, from_seq - 1};
	c->u.join.pushes++;
	log_info("room carried over from another node " SESS_FMT " room=%s after=%" PRIu64,
			SESS_ARGS(c->sess), r->uri, k->from);
	/* At once: an INFO that overtook our 200 OK to the client's INVITE would be
	 * answered 481 and lost, but the module holds a new session's deliveries until
	 * the client's ACK (kamailio-module/pchat_ackwait.h). */
	carry_in(k);
}

static void on_restore_loaded(struct db_job *job)
{
	struct cmd *c = job->arg;
	size_t i;

	c->u.join.pushes = 1; /* this callback's own, given back below */
	for(i = 0; job->status == DB_OK && i < job->u.presence.out.n; i++) {
		/* cached even if nobody waits now */
		struct room *r = room_add(&job->u.presence.out.v[i]);
		if(r == NULL || c->sess->closed)
			continue;
		if(!(room_rights(r, c->sess->user) & ACL_JOIN)) {
			log_info("room not restored " SESS_FMT " room=%s reason=not-allowed",
					SESS_ARGS(c->sess), r->uri);
			presence_store(c->sess, r, 0);
			continue;
		}
		restore_room(c, r, job->u.presence.out.v[i].from_seq);
	}
	if(--c->u.join.pushes == 0)
		cmdq_finish(c);
}

static enum run_result run_restore(struct cmd *c)
{
	db_submit(db_session_rooms(
			c->sess->sid, c->sess->user, c->sess->epid, on_restore_loaded, c));
	return RUN_WAIT;
}

/* The room may be one it restores. */
static int restore_enters(const struct cmd *c, const char *uri)
{
	(void)c;
	(void)uri;
	return 1;
}

const struct cmd_def cmd_restore = {.id = "restore", .run = run_restore, .enters = restore_enters};
