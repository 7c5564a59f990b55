/*
 * cmd_post.c - grpchat: a post to a room.
 *
 * A post is checked when it is accepted (the INFO is refused with 403 and a
 * reason otherwise), stored first, then answered (the 200 means stored) and sent to
 * everyone present in the room, the poster's own sessions included, only after its
 * COMMIT.  The author is the
 * session's authenticated identity and the timestamp the server's clock, never
 * what the client wrote.  Posts do not hold their session's queue (cmdq.h), and
 * an accepted post is stored even if its session closes meanwhile.
 */
#include "cmd_handlers.h"
#include "config.h"
#include "db.h"
#include "metrics.h"
#include "pchat_log.h"
#include "presence.h"
#include "ratelimit.h"
#include "roompost.h"
#include "rooms.h"
#include "sessions.h"
#include "util.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* pchatd_posts_refused_total{reason}. */
static void count_refusal(const char *reason)
{
	metric_add(&m_posts_refused, reason, NULL, 1);
}

/* Each refusal's SIP status line, its metric label and the sentence the user is
 * shown (tell_refusal). */
static const char *const refusals[][3] = {
		{"503 Too Many Posts", "rate_limit",
				"you are posting faster than this server allows: wait a moment "
				"and send it again"},
		{"403 Empty Message", "empty", "the message is empty"},
		{"403 Message Too Long", "too_long", "the message is too long"},
		{"403 Not In The Room", "not_joined",
				"you are not in this room (any more): join it again"},
		{"403 Room Disabled", "room_disabled", "the room is disabled"},
		{"403 Members Only", "forbidden", "only members of this room may enter it"},
		{"403 Only Presenters May Post", "forbidden",
				"only presenters may post in this room"},
		{"500 Not Stored", "db_error", "the server could not store it: send it again"},
};
#define NREFUSALS (sizeof(refusals) / sizeof(refusals[0]))

static const char *const *refusal(const char *why)
{
	size_t i;
	for(i = 0; i < NREFUSALS; i++) {
		if(strcmp(why, refusals[i][0]) == 0)
			return refusals[i];
	}
	return NULL;
}

/* The reason label of a refusal's status line (check_post, post_refusal). */
static const char *refusal_reason(const char *why)
{
	const char *const *r = refusal(why);
	return r ? r[1] : "forbidden";
}

/*
 * Tells the poster's session why its post was refused, as a line in the room from
 * the server (the URI the client invited), not stored: clients show a refused post
 * only as "not delivered" (sipe drops the SIP reason phrase), and a grpchat's text
 * is the one thing from the server both sipe and Lync show in a room
 * (docs/XCCOS.md, grpchat).  Nothing for a post without a room.
 */
static void tell_refusal(struct cmd *c, const char *why)
{
	const char *const *r = refusal(why);
	struct sbuf sb = SBUF_INIT;
	char text[256], ts[TS_BUFSZ];
	struct timespec now;

	if(r == NULL || c->uri == NULL || c->sess->closed)
		return;
	clock_now_ms(&now);
	format_ts(ts, now.tv_sec, (unsigned)(now.tv_nsec / 1000000));
	if(strcmp(r[1], "too_long") == 0)
		snprintf(text, sizeof(text),
				"Your message was not delivered: %s (at most %u bytes)", r[2],
				cfg.message_max_bytes);
	else
		snprintf(text, sizeof(text), "Your message was not delivered: %s", r[2]);
	xccos_build_refusal_notice(&sb, c->uri, c->sess->local ? c->sess->local : "", ts, text);
	session_send(c->sess, sb.buf, sb.len);
	sbuf_free(&sb);
}

/* A post refused for a rule (not the database): its size, never its text.  The room
 * URI is the client's: quoted. */
static void log_refusal(const struct cmd *c, const char *why)
{
	char room[300];
	const char *uri = c->uri ? c->uri : "";
	log_info("post refused " SESS_FMT " room=%s reply=\"%s\" bytes=%zu", SESS_ARGS(c->sess),
			log_value(room, sizeof(room), uri, strlen(uri)), why, c->req.text_len);
}

/* Sends the stored post to everyone present (roompost.h). */
static void deliver(struct cmd *c, const struct db_job *job)
{
	struct xccos_chat m = {c->room->uri, job->u.post.author, c->u.post.ts, job->u.post.msg_id,
			job->u.post.body, job->u.post.body_len};
	room_post_deliver(c->room, &m, job->u.post.seq);
}

static void on_post_stored(struct db_job *job)
{
	struct cmd *c = job->arg;
	uint64_t id = job->u.post.msg_id;

	if(job->status == DB_OK) {
		/* The 200 first: the INFO is answered before its echo. */
		cmd_verdict(c, PCHAT_F_ACCEPT, NULL);
		if(job->u.post.duplicate) /* sent again after a 503 or a lost 200 */
			log_info("post sent again, stored once " SESS_FMT " room=%s msg=%" PRIu64,
					SESS_ARGS(c->sess), c->room->uri, id);
		else {
			metric_inc(&m_posts_stored);
			deliver(c, job);
		}
	} else if(job->status == DB_UNAVAILABLE) {
		count_refusal("db_unavailable");
		cmd_verdict(c, PCHAT_F_BUSY, NULL); /* 503 + Retry-After: try again later */
		log_warn("post refused: database unavailable " SESS_FMT " room=%s reply=503",
				SESS_ARGS(c->sess), c->room->uri);
	} else {
		count_refusal("db_error");
		cmd_verdict(c, PCHAT_F_REJECT, "500 Not Stored");
		tell_refusal(c, "500 Not Stored");
		log_error("post not stored: database error " SESS_FMT " room=%s reply=500",
				SESS_ARGS(c->sess), c->room->uri);
	}
	cmdq_finish(c);
}

/* The client's reference of a post, "<endpoint id>|<envid>" (the module's session id
 * for a client without an endpoint id), by which a post sent again is recognised;
 * NULL if too long for the column (migration 006). */
static char *client_ref(const struct cmd *c)
{
	char sid[24], *ref;
	const char *ep = c->sess->epid;
	size_t n;

	if(ep == NULL || ep[0] == '\0') {
		snprintf(sid, sizeof(sid), "s%" PRIu64, c->sess->sid);
		ep = sid;
	}
	n = strlen(ep) + 1 + strlen(c->req.envid) + 1;
	if(n > 192)
		return NULL;
	ref = xmalloc(n);
	snprintf(ref, n, "%s|%s", ep, c->req.envid);
	return ref;
}

/* Hands the post to the database; it is sent to the room after the commit. */
static void store_post(struct cmd *c)
{
	struct timespec now;
	char *text = c->req.text;
	struct db_job *job;
	char *ref = client_ref(c);

	clock_now_ms(&now);
	format_ts(c->u.post.ts, now.tv_sec, (unsigned)(now.tv_nsec / 1000000));
	c->req.text = NULL;
	/* never the client's author attribute */
	job = db_insert_msg(c->room->id, c->sess->user, text, c->req.text_len, &now, ref,
			on_post_stored, c);
	free(ref);
	/* Answered (503) before the module gives up on it, and never stored after: from
	 * its acceptance, since the module's clock runs while it waits behind a join. */
	job->deadline_ms = c->accepted_ms + cfg.post_timeout_ms;
	metric_inc(&m_posts_accepted);
	db_submit(job);
}

/* Why the session may not post to r now, or NULL (the SIP status line of the
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

static enum run_result run_grpchat(struct cmd *c)
{
	const char *why;
	if(c->room == NULL)
		c->room = room_find(c->uri); /* accepted while its join was pending */
	why = post_refusal(c->room, c->sess, 0);
	if(why) {
		/* Queued behind its join, or the rights changed since: refused now. */
		log_refusal(c, why);
		count_refusal(refusal_reason(why));
		cmd_verdict(c, PCHAT_F_REJECT, why);
		tell_refusal(c, why);
		return RUN_DONE;
	}
	store_post(c);
	return RUN_POSTED;
}

/* Bounds the memory of the per-user rate limit: users posting at the same time. */
#define RATE_LIMIT_USERS 100000

/* Is the user within --post-rate?  Per user, not per session, so that more endpoints
 * do not give more posts. */
static int within_post_rate(const struct session *s)
{
	static struct ratelimit *rl;
	if(rl == NULL)
		rl = ratelimit_new(cfg.post_rate, cfg.post_burst, RATE_LIMIT_USERS);
	return ratelimit_take(rl, s->user, mono_ms());
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
		why = post_refusal(c->room, s, cmdq_enters(s, c->uri));
		if(why == NULL && !within_post_rate(s))
			why = "503 Too Many Posts"; /* the module adds Retry-After */
	}
	if(why) {
		count_refusal(refusal_reason(why));
		log_refusal(c, why);
		tell_refusal(c, why);
	}
	return why;
}

const struct cmd_def cmd_grpchat = {
		.id = "grpchat", .run = run_grpchat, .check = check_post, .is_post = 1};
