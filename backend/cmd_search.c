/*
 * cmd_search.c - cmd:search, our extension (docs/XCCOS.md, *Message search*): the
 * messages matching words and "phrases", optionally of one author, in one room and
 * in a time range, newest first, at most SearchLimit per reply with a "more" flag
 * and the msgid to ask the next page with.
 *
 * It searches exactly the rooms whose history the user may read, decided by the
 * rule cmd:bccontext follows (history_readable(): the join right of the access
 * rules, and the category keeping history for clients): with a room given, that
 * room, refused exactly as bccontext refuses it; without one, every room (read
 * with DB_ROOMS_ALL, so that rooms not cached yet count) the rule lets through.
 * The search itself runs in the DB reader (DB_MSG_SEARCH, db.h), so that however
 * long it takes no post waits for it; the list of rooms comes from the writer (it
 * also serves the cache's reloads; a short read).  Both jobs have the deadline of a
 * post (--post-timeout-ms): one not started by then (the database unreachable, or
 * the reader busy with slower searches) is answered 503 ERR_UNAVAILABLE, try again
 * later, rather than leaving the client waiting.  The user's text is turned into the
 * engine's expression by common/pchat_search.c only.
 */
#include "cmd_handlers.h"
#include "config.h"
#include "db.h"
#include "pchat_log.h"
#include "pchat_search.h"
#include "pchat_time.h"
#include "rooms.h"
#include "sbuf.h"
#include "sessions.h"
#include "util.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The checked arguments, kept while the rooms are read. */
struct search_query {
	char expr[PCHAT_SEARCH_EXPR_SIZE];
	char author[PCHAT_AUTHOR_MAX + 8]; /* "" = anyone */
	char since[PCHAT_TIME_LEN], until[PCHAT_TIME_LEN];
	int has_since, has_until;
	uint64_t before;
	unsigned limit; /* results per reply */
};

/* Fills q from the request; -1 with the reason for the user in why. */
static int query_parse(const struct xccos_req *r, struct search_query *q, char *why, size_t wn)
{
	if(!r->has_srch) {
		snprintf(why, wn, "cmd:search needs <srch xmlns=\"%s\" text=\"...\"/>",
				XCCOS_SEARCH_NS);
		return -1;
	}
	if(pchat_search_expr(r->srch_text, q->expr, sizeof(q->expr), why, wn) < 0)
		return -1;
	if(r->srch_author && *r->srch_author && pchat_author_parse(r->srch_author, q->author) < 0) {
		snprintf(why, wn, "%s", PCHAT_AUTHOR_BAD);
		return -1;
	}
	q->has_since = r->srch_since && *r->srch_since;
	q->has_until = r->srch_until && *r->srch_until;
	if((q->has_since && pchat_time_parse(r->srch_since, q->since) < 0) ||
			(q->has_until && pchat_time_parse(r->srch_until, q->until) < 0)) {
		snprintf(why, wn, "since and until are UTC times like 2024-05-01T12:00:00Z");
		return -1;
	}
	q->before = r->srch_before > 0 ? (uint64_t)r->srch_before : 0;
	/* SearchLimit bounds every reply; a client may ask for fewer. */
	q->limit = cfg.search_limit;
	if(r->srch_cnt > 0 && (unsigned long)r->srch_cnt < q->limit)
		q->limit = (unsigned)r->srch_cnt;
	return 0;
}

/* ---- the reply ---- */

/* rpl:search with the results that fit in one frame, newest first. */
static void send_hits(struct cmd *c, const struct db_job *job)
{
	const struct db_msg *dm = job->u.msg_search.msgs;
	size_t found = job->u.msg_search.nmsgs, n = 0, total = 0;
	unsigned limit = c->u.search->limit;
	struct xccos_chat *msgs = xcalloc(found + 1, sizeof(*msgs));
	struct sbuf sb = SBUF_INIT;
	int more = found > limit; /* one row more than the limit was asked for */

	for(; n < found && n < limit; n++) {
		msgs[n] = (struct xccos_chat){dm[n].chan_uri, dm[n].author, dm[n].ts, dm[n].id,
				dm[n].body, dm[n].body_len};
		sbuf_reset(&sb);
		xccos_build_grpchat(&sb, &msgs[n]);
		if(total + sb.len + 1024 > SESSION_ITEMS_MAX) {
			more = 1; /* the rest on the next page */
			break;
		}
		total += sb.len;
	}
	sbuf_reset(&sb);
	xccos_build_search(&sb, c->req.seqid, c->req.envid, msgs, n, more,
			more && n > 0 ? msgs[n - 1].msgid : 0);
	cmd_send(c, &sb);
	free(msgs);
}

static void on_hits(struct db_job *job)
{
	cmd_answer(job, send_hits);
}

/* Submits a job of the search with the deadline of a post. */
static enum run_result submit(struct db_job *job)
{
	job->deadline_ms = mono_ms() + cfg.post_timeout_ms;
	db_submit(job);
	return RUN_WAIT;
}

/* Runs the search over rooms ("" = none: an empty reply at once). */
static enum run_result search_in(struct cmd *c, const char *rooms)
{
	const struct search_query *q = c->u.search;
	if(*rooms == '\0') {
		struct sbuf sb = SBUF_INIT;
		xccos_build_search(&sb, c->req.seqid, c->req.envid, NULL, 0, 0, 0);
		cmd_send(c, &sb);
		return RUN_DONE;
	}
	return submit(db_msg_search(q->expr, rooms, *q->author ? q->author : NULL,
			q->has_since ? q->since : NULL, q->has_until ? q->until : NULL, q->before,
			q->limit + 1, on_hits, c));
}

/* ---- which rooms ---- */

/* One room named: refused as bccontext refuses it; searched if its history is read. */
static enum run_result search_room(struct cmd *c)
{
	char id[24] = "";
	int code = cmd_access_code(c->room, c->sess->user, ACL_JOIN);
	if(code)
		return cmd_refuse(c, code);
	if(history_readable(c->room, c->sess->user))
		snprintf(id, sizeof(id), "%" PRIu64, c->room->id);
	return search_in(c, id);
}

/* Every room: those whose history the user may read, as a list of ids. */
static void on_rooms(struct db_job *job)
{
	struct cmd *c = job->arg;
	const struct db_rooms *all = &job->u.rooms_all.out;
	struct sbuf ids = SBUF_INIT;
	enum run_result rc = RUN_DONE;

	if(c->sess->closed) {
		/* nobody to answer */
	} else if(job->status != DB_OK)
		cmd_reply_db_error(c, job);
	else {
		for(size_t i = 0; i < all->n; i++) {
			struct room *r = room_add(
					&all->v[i]); /* the row is as fresh as the cache */
			if(r && history_readable(r, c->sess->user))
				sbuf_printf(&ids, "%s%" PRIu64, ids.len ? "," : "", r->id);
		}
		rc = search_in(c, ids.len ? ids.buf : "");
	}
	sbuf_free(&ids);
	if(rc == RUN_DONE)
		cmdq_finish(c);
}

static enum run_result run_search(struct cmd *c)
{
	char why[400];
	c->u.search = xcalloc(1, sizeof(*c->u.search));
	if(query_parse(&c->req, c->u.search, why, sizeof(why)) < 0)
		return cmd_reply_reason(c, XC_BAD_REQUEST, why);
	if(c->uri)
		return cmd_with_room(c, search_room);
	return submit(db_rooms_all(on_rooms, c));
}

static void cleanup_search(struct cmd *c)
{
	free(c->u.search);
	c->u.search = NULL;
}

const struct cmd_def cmd_search = {
		.id = "cmd:search", .run = run_search, .cleanup = cleanup_search};
