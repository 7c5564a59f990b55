/*
 * cmdq.c - see cmdq.h.
 */
#include "cmdq.h"
#include "config.h"
#include "db.h"
#include "metrics.h"
#include "pchat_log.h"
#include "rooms.h"
#include "sessions.h"
#include "util.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct cmd_table *table;
static unsigned pending;
static unsigned detached; /* of pending */

void cmdq_init(const struct cmd_table *t)
{
	table = t;
}

unsigned cmdq_pending(void)
{
	return pending;
}

unsigned cmdq_outstanding(void)
{
	return pending - detached;
}

/* ---- lifecycle ---- */

static struct cmd *cmd_new(struct session *s, const struct cmd_def *def)
{
	struct cmd *c = xcalloc(1, sizeof(*c));
	c->sess = s;
	c->def = def;
	c->state = CMD_QUEUED;
	session_ref(s);
	pending++;
	return c;
}

static void cmd_free(struct cmd *c)
{
	if(c->def && c->def->cleanup)
		c->def->cleanup(c);
	xccos_req_free(&c->req);
	free(c->error);
	free(c->uri);
	session_unref(c->sess);
	if(c->state == CMD_DETACHED)
		detached--;
	free(c);
	pending--;
}

static void start(struct cmd *c)
{
	struct session *s = c->sess;
	c->state = CMD_RUNNING;
	switch(c->def->run(c)) {
		case RUN_DONE: cmd_free(c); break;
		case RUN_WAIT:
			c->state = CMD_WAITING;
			s->running = c;
			break;
		case RUN_POSTED:
			c->state = CMD_POSTED;
			s->posts_inflight++;
			break;
	}
}

void cmdq_pump(struct session *s)
{
	struct list *first;
	while(!s->closed && s->running == NULL && (first = list_first(&s->queue)) != NULL) {
		struct cmd *c = list_entry(first, struct cmd, link);
		/* Only posts overtake posts: any other reply waits for the echoes. */
		if(s->posts_inflight > 0 && !c->def->is_post)
			return;
		list_del(&c->link);
		start(c);
	}
}

void cmdq_finish(struct cmd *c)
{
	struct session *s = c->sess;
	if(c->state == CMD_POSTED && s->posts_inflight > 0)
		s->posts_inflight--;
	if(s->running == c)
		s->running = NULL;
	session_ref(s); /* c's reference goes with it */
	cmd_free(c);
	cmdq_pump(s);
	session_unref(s);
}

void cmdq_restore(struct session *s)
{
	struct cmd *c = cmd_new(s, table->restore);
	list_add_tail(&s->queue, &c->link); /* a new session: nothing before it */
	cmdq_pump(s);
}

void cmdq_session_closed(struct session *s)
{
	struct list *first;
	struct cmd *r = s->running;

	/* A reply that waits for the database now has no one to go to. */
	if(r && r->state == CMD_WAITING) {
		r->state = CMD_DETACHED;
		detached++;
	}
	while((first = list_first(&s->queue)) != NULL) {
		struct cmd *c = list_entry(first, struct cmd, link);
		list_del(&c->link);
		/* An accepted post is stored even though its poster has gone. */
		if(c->def->is_post)
			start(c);
		else
			cmd_free(c);
	}
}

int cmdq_enters(const struct session *s, const char *uri)
{
	const struct list *pos;
	const struct cmd *r = s->running;
	if(r && r->def->enters && r->def->enters(r, uri))
		return 1;
	list_for_each(pos, &s->queue) {
		const struct cmd *c = list_entry(pos, struct cmd, link);
		if(c->def->enters && c->def->enters(c, uri))
			return 1;
	}
	return 0;
}

/* ---- accepting ---- */

/* The room URI an item is about, or NULL. */
static char *item_uri(const struct xccos_req *req)
{
	if(req->kind == XCCOS_GRPCHAT)
		return req->chan_uri ? xstrdup(req->chan_uri) : NULL;
	if(req->nchanids > 0)
		return room_uri_make(req->chanids[0].domain, req->chanids[0].value);
	if(req->chanib_uri)
		return xstrdup(req->chanib_uri);
	if(req->ftdb_chan_uri)
		return xstrdup(req->ftdb_chan_uri);
	return NULL;
}

/* What the client sent is quoted: its spaces cannot pass for more keys. */
static void log_bad_envelope(const struct session *s, const char *envid, const char *why)
{
	char id[100], err[300];
	log_info("bad envelope refused " SESS_FMT " envid=%s error=%s", SESS_ARGS(s),
			log_value(id, sizeof(id), envid, strlen(envid)),
			log_value(err, sizeof(err), why, strlen(why)));
}

enum cmdq_accept_result cmdq_accept(struct session *s, uint32_t token, const char *payload,
		size_t len, char *reject, size_t rejectlen)
{
	struct cmd *c = cmd_new(s, NULL);
	const char *refusal = NULL;
	int deferred;
	char why[256];

	if(xccos_parse(payload, len, cfg.xml_max_bytes, &c->req, why, sizeof(why)) < 0) {
		log_bad_envelope(s, c->req.envid, why);
		c->def = table->error;
		c->error = xstrdup(why);
	} else {
		c->def = c->req.kind == XCCOS_GRPCHAT ? table->post : table->find(c->req.id);
		c->uri = item_uri(&c->req);
		if(c->def->log_as) {
			/* Not the envelope: it may hold what users wrote (debug level has it). */
			char id[100];
			log_info("%s " SESS_FMT " cmd=%s", c->def->log_as, SESS_ARGS(s),
					log_value(id, sizeof(id), c->req.id, strlen(c->req.id)));
		}
		if(c->def->check)
			refusal = c->def->check(c);
	}
	metric_add(&m_commands, c->def->id, NULL, 1); /* ids of the command table: bounded */
	if(refusal) {
		snprintf(reject, rejectlen, "%s", refusal);
		cmd_free(c);
		return CMDQ_REJECTED;
	}
	c->token = token;
	c->accepted_ms = mono_ms();
	deferred = c->def->is_post;
	list_add_tail(&s->queue, &c->link);
	return deferred ? CMDQ_DEFERRED : CMDQ_ACCEPTED;
}

/* ---- replies ---- */

void cmd_verdict(struct cmd *c, uint8_t type, const char *text)
{
	session_verdict(c->sess, type, c->token, text);
}

const char *cmd_name(const struct cmd *c)
{
	return c->def->rpl ? c->def->rpl : c->req.id + 4;
}

void cmd_send(struct cmd *c, struct sbuf *sb)
{
	session_send(c->sess, sb->buf, sb->len);
	sbuf_free(sb);
}

enum run_result cmd_reply(struct cmd *c, int code)
{
	struct sbuf sb = SBUF_INIT;
	xccos_build_rpl_empty(&sb, cmd_name(c), c->req.seqid, c->req.envid, code);
	cmd_send(c, &sb);
	return RUN_DONE;
}

int cmd_access_code(const struct room *r, const char *user, unsigned need)
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

enum run_result cmd_reply_reason(struct cmd *c, int code, const char *reason)
{
	struct sbuf sb = SBUF_INIT;
	xccos_build_rpl_reason(&sb, cmd_name(c), c->req.seqid, c->req.envid, code, reason);
	cmd_send(c, &sb);
	return RUN_DONE;
}

enum run_result cmd_refuse(struct cmd *c, int code)
{
	if(code == XC_NOT_FOUND || code == XC_INTERNAL)
		return cmd_reply(c, code); /* the same as for an unknown room */
	return cmd_reply_reason(c, code, access_reason(code));
}

/* ---- rooms that must be loaded first ---- */

static void on_room_loaded(struct db_job *job)
{
	struct cmd *c = job->arg;
	enum run_result rc = RUN_DONE;

	if(job->status == DB_OK) /* cached even if nobody waits now */
		c->room = room_add(&job->u.room.out.v[0]);
	if(c->sess->closed) {
		/* nobody to answer */
	} else if(job->status == DB_FAILED)
		cmd_reply(c, XC_INTERNAL);
	else if(c->room == NULL)
		cmd_reply(c, XC_NOT_FOUND);
	else
		rc = c->then(c);
	if(rc == RUN_DONE)
		cmdq_finish(c);
}

enum run_result cmd_with_room(struct cmd *c, enum run_result (*then)(struct cmd *c))
{
	char *domain, *chan_id;

	c->room = room_find(c->uri);
	if(c->room)
		return then(c);
	if(room_uri_split(c->uri, &domain, &chan_id) < 0)
		return cmd_reply(c, XC_NOT_FOUND);
	c->then = then;
	db_submit(db_load_room(domain, chan_id, on_room_loaded, c));
	free(domain);
	free(chan_id);
	return RUN_WAIT;
}

static void on_msg_rooms_loaded(struct db_job *job)
{
	struct cmd *c = job->arg;
	enum run_result rc = RUN_DONE;
	const struct db_rooms *rows = &job->u.rooms_all.out;
	for(size_t i = 0; job->status == DB_OK && i < rows->n; i++)
		room_add(&rows->v[i]); /* cached even if nobody waits now */
	if(c->sess->closed) {
		/* nobody to answer */
	} else if(job->status != DB_OK)
		rc = cmd_reply_db_error(c, job);
	else
		rc = c->then(c);
	if(rc == RUN_DONE)
		cmdq_finish(c);
}

enum run_result cmd_with_msg_rooms(struct cmd *c, const struct db_msg *msgs, size_t n,
		enum run_result (*then)(struct cmd *c))
{
	struct sbuf ids = SBUF_INIT;
	for(size_t i = 0; i < n; i++) {
		size_t j = 0;
		while(j < i && msgs[j].room_id != msgs[i].room_id)
			j++;
		if(j == i && room_find(msgs[i].chan_uri) == NULL)
			sbuf_printf(&ids, "%s%" PRIu64, ids.len ? "," : "[", msgs[i].room_id);
	}
	if(ids.len == 0)
		return then(c);
	sbuf_printf(&ids, "]");
	struct db_job *job = db_load_rooms(ids.buf, on_msg_rooms_loaded, c);
	sbuf_free(&ids);
	c->then = then;
	job->deadline_ms = mono_ms() + cfg.post_timeout_ms;
	db_submit(job);
	return RUN_WAIT;
}

enum run_result cmd_reply_db_error(struct cmd *c, const struct db_job *job)
{
	if(job->status == DB_UNAVAILABLE)
		return cmd_reply_reason(
				c, XC_UNAVAILABLE, "the database is unavailable; try again later");
	return cmd_reply(c, XC_INTERNAL);
}

void cmd_answer(struct db_job *job, void (*send)(struct cmd *c, const struct db_job *job))
{
	struct cmd *c = job->arg;
	if(c->sess->closed) {
		/* nobody to answer */
	} else if(job->status != DB_OK)
		cmd_reply_db_error(c, job);
	else
		send(c, job);
	cmdq_finish(c);
}
