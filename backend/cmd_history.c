/*
 * cmd_history.c - cmd:bccontext: a room's newest messages (default count
 * DefaultChatHistory, at most --bccontext-max), or, in our paging form, those
 * before a message id.  Whoever may join a room may read it, present or not
 * (clients ask right after a restart).  A category with chat history switched
 * off serves none (posts are still stored).  A room whose history was pushed to
 * the session after its bjoin is not sent again (presence.h, history).
 */
#include "cmd_handlers.h"
#include "config.h"
#include "db.h"
#include "pchat_log.h"
#include "presence.h"
#include "rooms.h"
#include "sessions.h"
#include "util.h"

#include <stdlib.h>

unsigned history_limit(const struct room *r, unsigned want)
{
	if(!r->chat_history)
		return 0;
	return want < cfg.bccontext_max ? want : cfg.bccontext_max;
}

/* Sends rpl:bccontext with the newest messages that fit in one frame. */
void history_send(struct cmd *c, struct room *room, const struct db_job *job)
{
	const struct db_msg *dm = job->u.history.msgs;
	size_t nmsgs = job->u.history.nmsgs, i, start, total = 0;
	struct xccos_chat *msgs = xcalloc(nmsgs + 1, sizeof(*msgs));
	struct sbuf sb = SBUF_INIT;

	for(i = 0; i < nmsgs; i++)
		msgs[i] = (struct xccos_chat){room->uri, dm[i].author, dm[i].ts, dm[i].id,
				dm[i].body, dm[i].body_len};
	/* Measure each message (newest first) and keep those that fit. */
	for(start = nmsgs; start > 0; start--) {
		sbuf_reset(&sb);
		xccos_build_grpchat(&sb, &msgs[start - 1]);
		if(total + sb.len + 1024 > SESSION_ITEMS_MAX)
			break;
		total += sb.len;
	}
	if(start > 0)
		log_warn("history cut to fit a frame " SESS_FMT " room=%s sent=%zu found=%zu",
				SESS_ARGS(c->sess), room->uri, nmsgs - start, nmsgs);
	sbuf_reset(&sb);
	xccos_build_bccontext(
			&sb, c->req.seqid, c->req.envid, room->uri, msgs + start, nmsgs - start);
	cmd_send(c, &sb);
	free(msgs);
	if(nmsgs > 0) /* oldest first: the last one is the newest */
		room_note_read(room, c->sess->user, dm[nmsgs - 1].id);
}

static void send_history(struct cmd *c, const struct db_job *job)
{
	history_send(c, c->room, job);
	if(c->req.bcq_before <= 0) /* the newest: it has them now */
		presence_set_history(c->sess, c->room, HISTORY_ASKED);
}

/* The newest messages of a room whose history was pushed to this session after
 * its bjoin: it has them all already (the push, then every later post live), so
 * the answer is 200 with none, once; a paging request is answered in full. */
static int pushed_already(struct cmd *c)
{
	struct sbuf sb = SBUF_INIT;
	if(c->req.bcq_before > 0 || presence_history(c->sess, c->room) != HISTORY_PUSHED)
		return 0;
	presence_set_history(c->sess, c->room, HISTORY_ASKED);
	log_debug("history pushed already, answered empty " SESS_FMT " room=%s", SESS_ARGS(c->sess),
			c->room->uri);
	xccos_build_bccontext(&sb, c->req.seqid, c->req.envid, c->room->uri, NULL, 0);
	cmd_send(c, &sb);
	return 1;
}

static void on_history(struct db_job *job)
{
	cmd_answer(job, send_history);
}

static enum run_result query_history(struct cmd *c)
{
	int code = cmd_access_code(c->room, c->sess->user, ACL_JOIN);
	/* our paging form: older than this msgid */
	uint64_t before = c->req.bcq_before > 0 ? (uint64_t)c->req.bcq_before : 0;
	if(code)
		return cmd_refuse(c, code);
	if(pushed_already(c))
		return RUN_DONE;
	db_submit(db_history(c->sess->user, c->room->id, history_limit(c->room, c->u.history.limit),
			before, on_history, c));
	return RUN_WAIT;
}

static enum run_result run_bccontext(struct cmd *c)
{
	long want = c->req.bcq_last > 0 ? c->req.bcq_last : (long)cfg.default_chat_history;
	if(c->uri == NULL)
		return cmd_reply(c, XC_BAD_REQUEST);
	c->u.history.limit = want > (long)cfg.bccontext_max ? cfg.bccontext_max : (unsigned)want;
	return cmd_with_room(c, query_history);
}

const struct cmd_def cmd_bccontext = {.id = "cmd:bccontext", .run = run_bccontext};
