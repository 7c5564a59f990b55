/*
 * cmd_search.c - cmd:search, our extension (docs/XCCOS.md, *Message search*): the
 * messages matching words and "phrases", optionally of one author, in one room and
 * in a time range, newest first, at most SearchLimit per reply with a "more" flag
 * and the msgid to ask the next page with.
 *
 * It finds exactly what the user may read, decided by the rule cmd:bccontext follows
 * (history_readable(): the join right of the access rules, and the category keeping
 * history for clients): with a room given, that room, refused exactly as bccontext
 * refuses it; without one, the matches in every room, each kept only if the rule lets
 * the user read its room.  No list of rooms is read or sent: the matches carry their
 * room, and only those rooms are checked, through the cache (a room not cached yet
 * is read first, DB_LOAD_ROOM).  When too few matches are left, the next job goes on
 * from where the last stopped (job.next), at most SEARCH_JOBS_MAX jobs a request.
 *
 * The search runs in the DB reader (DB_MSG_SEARCH, dbj_search.c, with the engine of
 * common/pchat_search.h), so that however long it takes no post waits for it.  Every
 * job has the deadline of a post (--post-timeout-ms): one not started by then (the
 * database unreachable, or the reader busy with slower searches) is answered 503
 * ERR_UNAVAILABLE, try again later, rather than leaving the client waiting.
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

/* Jobs one search runs at most (each reads up to PCHAT_SEARCH_SCAN_MAX index entries):
 * a user who may read few of the rooms the matches are in gets "more" after that. */
#define SEARCH_JOBS_MAX 4

/* The checked arguments, and the matches kept while jobs and room loads run. */
struct search_query {
	struct pchat_search_query q;
	char author[PCHAT_AUTHOR_MAX + 8]; /* "" = anyone */
	char since[PCHAT_TIME_LEN], until[PCHAT_TIME_LEN];
	int has_since, has_until;
	uint64_t before;
	unsigned limit;	     /* results per reply */
	uint64_t room_id;    /* 0: every room the user may read */
	struct db_msg *hits; /* kept: rooms the user may read, newest first */
	size_t nhits, cap;
	struct db_msg *round; /* the last job's matches, waiting for their rooms */
	size_t nround;
	uint64_t next; /* the last job's: where to go on (0: nothing older) */
	unsigned jobs; /* jobs run */
};

/* Fills q from the request; -1 with the reason for the user in why. */
static int query_parse(const struct xccos_req *r, struct search_query *q, char *why, size_t wn)
{
	if(!r->has_srch) {
		snprintf(why, wn, "cmd:search needs <srch xmlns=\"%s\" text=\"...\"/>",
				XCCOS_SEARCH_NS);
		return -1;
	}
	if(pchat_search_parse(r->srch_text, &q->q, why, wn) < 0)
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

/* rpl:search with the matches that fit in one frame, newest first; "more" with the
 * id to ask the next page with when some were left out or older ones are unread. */
static void send_hits(struct cmd *c)
{
	const struct search_query *s = c->u.search;
	const struct db_msg *dm = s->hits;
	size_t n = 0, total = 0;
	struct xccos_chat *msgs = xcalloc(s->nhits + 1, sizeof(*msgs));
	struct sbuf sb = SBUF_INIT;

	for(; n < s->nhits && n < s->limit; n++) {
		msgs[n] = (struct xccos_chat){dm[n].chan_uri, dm[n].author, dm[n].ts, dm[n].id,
				dm[n].body, dm[n].body_len};
		sbuf_reset(&sb);
		xccos_build_grpchat(&sb, &msgs[n]);
		if(total + sb.len + 1024 > SESSION_ITEMS_MAX)
			break; /* the rest on the next page */
		total += sb.len;
	}
	int more = n < s->nhits || s->next != 0;
	uint64_t before = n < s->nhits ? (n > 0 ? msgs[n - 1].msgid : s->before) : s->next;
	sbuf_reset(&sb);
	xccos_build_search(&sb, c->req.seqid, c->req.envid, msgs, n, more, more ? before : 0);
	cmd_send(c, &sb);
	free(msgs);
}

/* ---- the rounds ---- */

static void on_rows(struct db_job *job);

/* Asks the reader for the next matches, with the deadline of a post: a job not
 * started by then (the database unreachable, the reader busy with slower searches)
 * is answered 503 ERR_UNAVAILABLE, try again later. */
static enum run_result submit_round(struct cmd *c)
{
	struct search_query *s = c->u.search;
	struct db_job *job = db_msg_search(&s->q, s->room_id, *s->author ? s->author : NULL,
			s->has_since ? s->since : NULL, s->has_until ? s->until : NULL,
			s->jobs ? s->next : s->before, s->limit + 1 - (unsigned)s->nhits, on_rows,
			c);
	s->jobs++;
	job->deadline_ms = mono_ms() + cfg.post_timeout_ms;
	db_submit(job);
	return RUN_WAIT;
}

/* The round's matches in rooms the user may read join the hits (a room named in the
 * request was checked before); then the reply, or another round. */
static enum run_result keep_readable(struct cmd *c)
{
	struct search_query *s = c->u.search;
	for(size_t i = 0; i < s->nround; i++) {
		struct db_msg *m = &s->round[i], *h;
		const struct room *r = room_find(m->chan_uri);
		if(r == NULL || (s->room_id == 0 && !history_readable(r, c->sess->user)))
			continue;
		if(s->nhits == s->cap) {
			s->cap = s->cap ? 2 * s->cap : 64;
			s->hits = xrealloc(s->hits, s->cap * sizeof(*s->hits));
		}
		h = &s->hits[s->nhits++];
		*h = *m;
		memset(m, 0, sizeof(*m)); /* moved */
	}
	db_msgs_clear(&s->round, &s->nround);
	if(s->nhits > s->limit || s->next == 0 || s->jobs >= SEARCH_JOBS_MAX) {
		send_hits(c);
		return RUN_DONE;
	}
	return submit_round(c);
}

static void on_rows(struct db_job *job)
{
	struct cmd *c = job->arg;
	struct search_query *s = c->u.search;
	enum run_result rc = RUN_DONE;

	if(c->sess->closed) {
		/* nobody to answer */
	} else if(job->status != DB_OK)
		cmd_reply_db_error(c, job);
	else {
		s->round = job->u.msg_search.msgs; /* taken over */
		s->nround = job->u.msg_search.nmsgs;
		s->next = job->u.msg_search.next;
		job->u.msg_search.msgs = NULL;
		job->u.msg_search.nmsgs = 0;
		rc = cmd_with_msg_rooms(c, s->round, s->nround, keep_readable);
	}
	if(rc == RUN_DONE)
		cmdq_finish(c);
}

/* ---- which rooms ---- */

/* One room named: refused as bccontext refuses it; searched if its history is read. */
static enum run_result search_room(struct cmd *c)
{
	int code = cmd_access_code(c->room, c->sess->user, ACL_JOIN);
	if(code)
		return cmd_refuse(c, code);
	if(!history_readable(c->room, c->sess->user)) {
		send_hits(c); /* nothing */
		return RUN_DONE;
	}
	c->u.search->room_id = c->room->id;
	return submit_round(c);
}

static enum run_result run_search(struct cmd *c)
{
	char why[400];
	c->u.search = xcalloc(1, sizeof(*c->u.search));
	if(query_parse(&c->req, c->u.search, why, sizeof(why)) < 0)
		return cmd_reply_reason(c, XC_BAD_REQUEST, why);
	if(c->uri)
		return cmd_with_room(c, search_room);
	return submit_round(c); /* every room: access is checked on the matches' rooms */
}

static void cleanup_search(struct cmd *c)
{
	if(c->u.search) {
		db_msgs_clear(&c->u.search->hits, &c->u.search->nhits);
		db_msgs_clear(&c->u.search->round, &c->u.search->nround);
	}
	free(c->u.search);
	c->u.search = NULL;
}

const struct cmd_def cmd_search = {
		.id = "cmd:search", .run = run_search, .cleanup = cleanup_search};
