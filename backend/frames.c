/*
 * frames.c - see frames.h.
 */
#include "frames.h"
#include "carryover.h"
#include "cmd_table.h"
#include "cmdq.h"
#include "config.h"
#include "link.h"
#include "pchat_log.h"
#include "presence.h"
#include "sessions.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int stopping;

void frames_init(void)
{
	cmdq_init(&cmd_table);
}

int frames_stopping(void)
{
	return stopping;
}

void frames_set_stopping(int on)
{
	stopping = on;
}

static void reply(struct link_conn *c, const struct pchat_frame *f, uint8_t type, const char *text)
{
	link_send(c, type, f->token, f->session, text, text ? strlen(text) : 0);
}

/* ---- the life of a session ---- */

/* How a session ends. */
enum close_how {
	CLOSE_KEEP,   /* pchatd stops: the rooms stored for its restart stay */
	CLOSE_FORGET, /* for good, its stored rooms too (dropped, another user) */
	CLOSE_PARK,   /* for good, but the endpoint's next session may take its rooms */
};

/* The close cascade.  why: one word for the log's reason= (docs/OPERATIONS.md, Logs). */
static void close_session(struct session *s, const char *why, enum close_how how)
{
	if(s->closed)
		return;
	log_info("session closed " SESS_FMT " reason=%s", SESS_ARGS(s), why);
	session_unlink(s);
	cmdq_session_closed(s); /* while it is still in its rooms: queued posts are stored */
	if(how == CLOSE_PARK && carryover_park(s)) {
		/* it stays in its rooms, quietly, for its endpoint's next session */
	} else {
		if(how != CLOSE_KEEP)
			presence_forget(s);
		rooms_leave_all(s);
	}
	session_unref(s); /* the table's reference */
}

static int on_conn(const struct session *s, uint32_t conn_id)
{
	return s->conn_id == conn_id;
}

static int any(const struct session *s, uint32_t unused)
{
	(void)s;
	(void)unused;
	return 1;
}

/* Closes every session for which match() is true. */
static void close_matching(int (*match)(const struct session *, uint32_t), uint32_t arg,
		const char *why, enum close_how how)
{
	struct session **list;
	size_t n = sessions_collect(match, arg, &list), i;
	for(i = 0; i < n; i++) {
		close_session(list[i], why, how);
		/* our reference kept it alive through close_session(); the analyzer
		 * cannot see the count */
		session_unref(list[i]); /* NOLINT(clang-analyzer-unix.Malloc) */
	}
	free(list);
}

void frames_close_all(void)
{
	close_matching(any, 0, "shutdown", CLOSE_KEEP);
	sessions_free_table();
	carryover_release_all();
}

/* Names and user agents are the client's: quoted, so that their spaces cannot pass
 * for more keys. */
static void log_open(const struct session *s)
{
	char epid[160], ua[260];
	log_info("session opened " SESS_FMT " local=%s epid=%s ua=%s", SESS_ARGS(s), s->local,
			log_value(epid, sizeof(epid), s->epid, strlen(s->epid)),
			log_value(ua, sizeof(ua), s->ua, strlen(s->ua)));
}

static void on_open(struct link_conn *c, const struct pchat_frame *f)
{
	const char *fields[PCHAT_OPEN_NFIELDS], *user;
	struct session *s;
	uint32_t conn_id = link_conn_id(c);
	int fresh;

	if(pchat_open_split(f->payload, f->payload_len, fields) < 0) {
		log_warn("OPEN with missing fields ignored link=%u session=%" PRIu64, conn_id,
				f->session);
		return;
	}
	user = fields[PCHAT_OPEN_USER];
	if(user[0] == '\0') {
		log_warn("OPEN without a user ignored link=%u session=%" PRIu64, conn_id,
				f->session);
		return;
	}
	s = session_find(conn_id, f->session);
	if(s && strcmp(s->user, user) != 0) {
		/* Another identity on the same session id: nothing carries over. */
		close_session(s, "other-user", CLOSE_FORGET);
		s = NULL;
	}
	fresh = s == NULL;
	if(fresh)
		s = session_add(c, f->session, user);
	session_set_fields(s, fields);
	log_open(s);
	if(fresh) {
		/* a rebuilt session: the rooms its endpoint's last one had, quietly */
		carryover_claim(s);
		cmdq_restore(s); /* after a restart of pchatd: back into its rooms */
	}
}

static void on_close(struct link_conn *c, const struct pchat_frame *f)
{
	struct session *s = session_find(link_conn_id(c), f->session);
	char why[128];
	if(s == NULL) {
		log_debug("CLOSE for an unknown session link=%u session=%" PRIu64, link_conn_id(c),
				f->session);
		return;
	}
	log_safe(why, sizeof(why), f->payload, f->payload_len);
	close_session(s, why[0] ? why : "module", CLOSE_PARK);
}

void frames_drop_session(struct session *s, const char *why)
{
	if(s->closed)
		return;
	/* The module forgets the dialog (its next request is answered 481). */
	link_send(s->conn, PCHAT_F_DROP, 0, s->sid, NULL, 0);
	close_session(s, why, CLOSE_FORGET);
}

void frames_on_close(struct link_conn *c)
{
	/* While stopping, the stored rooms are what the restart restores; otherwise
	 * Kamailio went (a restart): its clients rebuild their sessions. */
	close_matching(on_conn, link_conn_id(c), "link-closed", stopping ? CLOSE_KEEP : CLOSE_PARK);
}

/* ---- XCCOS ---- */

/* HELLO: node name, then (newer modules) NUL and the link process index. */
static void on_hello(struct link_conn *c, const struct pchat_frame *f)
{
	const char *nul = memchr(f->payload, '\0', f->payload_len);
	size_t name_len = nul ? (size_t)(nul - f->payload) : f->payload_len;
	char name[256], shown[300];
	long link_index = -1;

	log_safe(name, sizeof(name), f->payload, name_len);
	if(nul != NULL) {
		char index[16], *end;
		log_safe(index, sizeof(index), nul + 1, f->payload_len - name_len - 1);
		link_index = strtol(index, &end, 10);
		if(end == index || *end != '\0' || link_index < 0 || link_index > 65535)
			link_index = -1;
	}
	link_set_peer(c, name, (int)link_index);
	log_info("module hello link=%u node=%s process=%ld", link_conn_id(c),
			log_value(shown, sizeof(shown), f->payload, name_len), link_index);
}

/* Overload is worth a warning, but not one per frame. */
static void log_busy(void)
{
	static time_t last;
	static unsigned suppressed;
	time_t now = time(NULL);
	if(now - last < 10) {
		suppressed++;
		return;
	}
	log_warn("inbound queue full (%u commands pending, limit %u): answering BUSY "
		 "(%u more since the last warning)",
			cmdq_pending(), cfg.queue_limit, suppressed);
	last = now;
	suppressed = 0;
}

/* Decides ACCEPT / BUSY / REJECT at once; the accepted command runs afterwards. */
static void on_xccos(struct link_conn *c, const struct pchat_frame *f)
{
	struct session *s;
	char reject[64];

	if(stopping || cmdq_pending() >= cfg.queue_limit) {
		/* Nothing is parsed: the client retries (503 + Retry-After). */
		if(!stopping)
			log_busy();
		reply(c, f, PCHAT_F_BUSY, NULL);
		return;
	}
	s = session_find(link_conn_id(c), f->session);
	if(s == NULL) {
		log_info("XCCOS for an unknown session refused link=%u session=%" PRIu64,
				link_conn_id(c), f->session);
		reply(c, f, PCHAT_F_REJECT, "481 Call/Transaction Does Not Exist");
		return;
	}
	if(log_enabled(LL_DEBUG)) {
		char buf[2048];
		log_msg(LL_DEBUG, "xccos in " SESS_FMT " body=%s", SESS_ARGS(s),
				log_safe(buf, sizeof(buf), f->payload, f->payload_len));
	}
	switch(cmdq_accept(s, f->token, f->payload, f->payload_len, reject, sizeof(reject))) {
		case CMDQ_REJECTED: reply(c, f, PCHAT_F_REJECT, reject); return;
		case CMDQ_ACCEPTED:
			/* ACCEPT goes out before any SEND the command produces. */
			reply(c, f, PCHAT_F_ACCEPT, NULL);
			break;
		case CMDQ_DEFERRED: break; /* a post: answered once stored */
	}
	cmdq_pump(s);
}

void frames_on_frame(struct link_conn *c, const struct pchat_frame *f)
{
	switch(f->type) {
		case PCHAT_F_HELLO: on_hello(c, f); break;
		case PCHAT_F_OPEN: on_open(c, f); break;
		case PCHAT_F_XCCOS: on_xccos(c, f); break;
		case PCHAT_F_CLOSE: on_close(c, f); break;
		default:
			/* Newer modules may send more; ignoring keeps the link up. */
			log_warn("frame of an unknown type ignored link=%u type=%u",
					link_conn_id(c), f->type);
			break;
	}
}
