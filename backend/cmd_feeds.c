/*
 * cmd_feeds.c - cmd:feed, our extension (docs/XCCOS.md, *Feeds and alerts*): a user's
 * topic feeds (op add, rm, list) and the posts they matched (op alerts).
 *
 * Bad input is answered 400 with the reason (no keywords, too many, too long, too
 * common, an author that is no SIP URI); a feed beyond --feeds-max 403; a room the
 * user may not read is refused as bccontext refuses it (so a feed never names a room
 * the user cannot see, and existence does not leak).  Matching is feeds.c's; each
 * change is one DB_FEEDS job (the writer: the limit is checked in the insert) and
 * then the index is read again (feeds_reload; other nodes of a pool follow
 * FeedsRevision).  The alerts are read by the writer, behind the matches it stores
 * (DB_FEED_ALERTS, dbj_feeds.c).  The checks, the refusals' texts and the statements
 * are common/pchat_feeds.h's, which the web page's feed.* verbs use too.
 */
#include "cmd_handlers.h"
#include "config.h"
#include "db.h"
#include "feedidx.h"
#include "feeds.h"
#include "pchat_feeds.h"
#include "pchat_search.h"
#include "rooms.h"
#include "sbuf.h"
#include "sessions.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The checked arguments of an add, kept while the room is read. */
struct feed_args {
	char words[PCHAT_FEED_WORDS_SIZE];
	char author[PCHAT_AUTHOR_MAX + 8]; /* "" = anyone */
};

/* ---- replies ---- */

static void send_feeds(struct cmd *c, const struct db_job *job)
{
	size_t n = job->u.feeds.n;
	struct xccos_feed *v = xcalloc(n + 1, sizeof(*v));
	struct sbuf sb = SBUF_INIT;
	for(size_t i = 0; i < n; i++) {
		const struct db_feed *f = &job->u.feeds.out[i];
		v[i] = (struct xccos_feed){f->id, f->words, f->room_uri, f->author};
	}
	xccos_build_feeds(&sb, c->req.seqid, c->req.envid, v, n);
	cmd_send(c, &sb);
	free(v);
}

/* The list after an add or a removal, or the reason nothing changed. */
static void send_change(struct cmd *c, const struct db_job *job)
{
	char why[200];
	if(!job->u.feeds.refused) {
		if(job->u.feeds.op != DB_FEED_LIST)
			feeds_reload();
		send_feeds(c, job);
	} else if(job->u.feeds.op == DB_FEED_ADD) {
		snprintf(why, sizeof(why), PCHAT_FEEDS_FULL_FMT, cfg.feeds_max);
		cmd_reply_reason(c, XC_ACCESS_DENIED, why);
	} else
		cmd_reply_reason(c, XC_NOT_FOUND, PCHAT_FEED_UNKNOWN);
}

static void on_feeds(struct db_job *job)
{
	cmd_answer(job, send_change);
}

/* May the user read the post's room now?  The match was checked when stored; the
 * user may have lost the room since (every room was read just before: on_rooms). */
static int still_readable(const struct cmd *c, const char *chan_uri)
{
	const struct room *r = chan_uri ? room_find(chan_uri) : NULL;
	return r && history_readable(r, c->sess->user);
}

/* The matches taken over from the job, in rooms the user may read now (their rooms
 * cached by cmd_with_msg_rooms), the newest that fit one frame. */
static enum run_result send_alerts(struct cmd *c)
{
	size_t found = c->u.alerts.n, n = 0, total = 0;
	const struct db_msg *dm = c->u.alerts.msgs;
	struct xccos_chat *msgs = xcalloc(found + 1, sizeof(*msgs));
	uint64_t *feed_ids = xcalloc(found + 1, sizeof(*feed_ids));
	struct sbuf sb = SBUF_INIT;
	for(size_t i = 0; i < found; i++) {
		if(!still_readable(c, dm[i].chan_uri))
			continue;
		total += dm[i].body_len * 6 + 1024; /* escaped at worst */
		if(total > SESSION_ITEMS_MAX)
			break; /* the newest that fit one frame */
		msgs[n] = (struct xccos_chat){dm[i].chan_uri, dm[i].author, dm[i].ts, dm[i].id,
				dm[i].body, dm[i].body_len};
		feed_ids[n++] = c->u.alerts.feed_ids[i];
	}
	xccos_build_alerts(&sb, c->req.seqid, c->req.envid, msgs, feed_ids, n);
	cmd_send(c, &sb);
	free(msgs);
	free(feed_ids);
	return RUN_DONE;
}

/* The matches read: their rooms that are not cached are read next (only those: the
 * list leaves out the posts of rooms the user may no longer read), then the reply. */
static void on_alerts(struct db_job *job)
{
	struct cmd *c = job->arg;
	enum run_result rc = RUN_DONE;
	if(c->sess->closed) {
		/* nobody to answer */
	} else if(job->status != DB_OK)
		cmd_reply_db_error(c, job);
	else {
		c->u.alerts.msgs = job->u.alerts.msgs; /* taken over */
		c->u.alerts.feed_ids = job->u.alerts.feed_ids;
		c->u.alerts.n = job->u.alerts.nmsgs;
		job->u.alerts.msgs = NULL;
		job->u.alerts.feed_ids = NULL;
		job->u.alerts.nmsgs = 0;
		rc = cmd_with_msg_rooms(c, c->u.alerts.msgs, c->u.alerts.n, send_alerts);
	}
	if(rc == RUN_DONE)
		cmdq_finish(c);
}

/* ---- ops ---- */

static enum run_result submit(struct db_job *job)
{
	job->deadline_ms = mono_ms() + cfg.post_timeout_ms;
	db_submit(job);
	return RUN_WAIT;
}

static enum run_result add_feed(struct cmd *c, uint64_t room_id)
{
	struct db_feed in = {0};
	in.room_id = room_id;
	in.words = c->u.feed->words;
	in.author = c->u.feed->author;
	return submit(db_feeds(DB_FEED_ADD, c->sess->user, &in, cfg.feeds_max, on_feeds, c));
}

/* A feed of one room: only one whose history the user may read. */
static enum run_result add_in_room(struct cmd *c)
{
	int code = cmd_access_code(c->room, c->sess->user, ACL_JOIN);
	if(code)
		return cmd_refuse(c, code);
	if(!history_readable(c->room, c->sess->user))
		return cmd_reply_reason(c, XC_ACCESS_DENIED, PCHAT_FEED_NO_HISTORY);
	return add_feed(c, c->room->id);
}

static enum run_result run_add(struct cmd *c)
{
	const struct pchat_feed_limits lim = {
			cfg.feeds_max, cfg.feed_words_max, cfg.feed_word_max_bytes};
	const char *author = c->req.feed_author;
	char why[300];
	c->u.feed = xcalloc(1, sizeof(*c->u.feed));
	if(pchat_feed_words_normalise(c->req.feed_words, &lim, c->u.feed->words,
			   sizeof(c->u.feed->words), why, sizeof(why)) < 0)
		return cmd_reply_reason(c, XC_BAD_REQUEST, why);
	if(author && *author && pchat_author_parse(author, c->u.feed->author) < 0)
		return cmd_reply_reason(c, XC_BAD_REQUEST, PCHAT_AUTHOR_BAD);
	if(c->uri)
		return cmd_with_room(c, add_in_room);
	return add_feed(c, 0);
}

static enum run_result run_rm(struct cmd *c)
{
	struct db_feed in = {0};
	if(c->req.feed_id <= 0)
		return cmd_reply_reason(c, XC_BAD_REQUEST, "op=\"rm\" needs the feed's id");
	in.id = (uint64_t)c->req.feed_id;
	return submit(db_feeds(DB_FEED_DEL, c->sess->user, &in, 0, on_feeds, c));
}

static enum run_result run_alerts(struct cmd *c)
{
	unsigned limit = PCHAT_ALERTS_DEFAULT;
	if(c->req.feed_cnt > 0)
		limit = (unsigned long)c->req.feed_cnt < cfg.search_limit
				? (unsigned)c->req.feed_cnt
				: cfg.search_limit;
	c->u.alerts.limit = limit;
	return submit(db_feed_alerts(c->sess->user, limit, on_alerts, c));
}

static enum run_result run_feed(struct cmd *c)
{
	const char *op = c->req.feed_op;
	if(!c->req.has_feed || op == NULL)
		return cmd_reply_reason(c, XC_BAD_REQUEST,
				"cmd:feed needs <feed xmlns=\"" XCCOS_FEEDS_NS
				"\" op=\"add|rm|list|alerts\"/>");
	if(strcmp(op, "add") == 0)
		return run_add(c);
	if(strcmp(op, "rm") == 0)
		return run_rm(c);
	if(strcmp(op, "list") == 0)
		return submit(db_feeds(DB_FEED_LIST, c->sess->user, NULL, 0, on_feeds, c));
	if(strcmp(op, "alerts") == 0)
		return run_alerts(c);
	return cmd_reply_reason(c, XC_BAD_REQUEST, "op is one of add, rm, list, alerts");
}

static void cleanup_feed(struct cmd *c)
{
	const char *op = c->req.feed_op ? c->req.feed_op : "";
	if(strcmp(op, "add") == 0) {
		free(c->u.feed);
		c->u.feed = NULL;
	} else if(strcmp(op, "alerts") == 0) {
		db_msgs_clear(&c->u.alerts.msgs, &c->u.alerts.n);
		free(c->u.alerts.feed_ids);
		c->u.alerts.feed_ids = NULL;
	}
}

const struct cmd_def cmd_feed = {.id = "cmd:feed", .run = run_feed, .cleanup = cleanup_feed};
