/*
 * cmdq.h - the command queue: every accepted XCCOS command and post, from
 * acceptance to its last reply (tmux's cmd-queue is the model).
 *
 * Each session has a FIFO of accepted commands, run one at a time in arrival
 * order, so its replies go out in the order of its commands (rpl:join before the
 * rpl:bccontext that follows it, and so on).  A command that needs the database
 * holds its session's queue until its job completes.  Posts are the exception:
 * each is handed to the database at once (so one client's burst is committed in
 * one transaction) and the next command that is not a post waits until their
 * echoes have gone out.
 *
 * A command's state:
 *
 *   QUEUED --run--> RUNNING --done-------------------------------> (freed)
 *                      |--waits for the database--> WAITING --cmdq_finish--> (freed)
 *                      '--a post handed to the DB--> POSTED --cmdq_finish--> (freed)
 *   WAITING --its session closed--> DETACHED --cmdq_finish--> (freed)
 *
 * The count of accepted-but-unfinished commands, posts waiting for their commit
 * included, is the inbound queue that --queue-limit bounds.
 *
 * What each command does lives in its handler (cmd_*.c), a `struct cmd_def`; the
 * table of them (cmd_table.c) is handed to cmdq_init(), so this file names none.
 */
#ifndef PCHAT_CMDQ_H
#define PCHAT_CMDQ_H

#include <stddef.h>
#include <stdint.h>

#include "list.h"
#include "util.h"
#include "xccos.h"

struct db_job;
struct room;
struct sbuf;
struct session;
struct search_query;
struct feed_args;

enum cmd_state {
	CMD_QUEUED,   /* accepted, waiting for its turn in its session's queue */
	CMD_RUNNING,  /* its handler is running */
	CMD_WAITING,  /* its session's running command: a database job will finish it */
	CMD_POSTED,   /* a post handed to the database (posts do not hold the queue) */
	CMD_DETACHED, /* was WAITING when its session closed: nobody needs its answer */
};

/* What a handler's run() returns. */
enum run_result {
	RUN_DONE,   /* finished: every reply is out */
	RUN_WAIT,   /* a database job will finish it (cmdq_finish) */
	RUN_POSTED, /* a post handed to the database (cmdq_finish when committed) */
};

struct cmd;

struct cmd_def {
	const char *id; /* the item id ("cmd:join"), or a name for internal commands */
	enum run_result (*run)(struct cmd *c);
	/* Optional.  At acceptance: NULL to accept, or the SIP status line to refuse
	 * the INFO with ("403 Not In The Room"). */
	const char *(*check)(struct cmd *c);
	/* Optional.  Does this queued or running command put its session into uri?
	 * (A post to uri is then accepted and checked again when it runs.) */
	int (*enters)(const struct cmd *c, const char *uri);
	/* Optional.  Frees what run() left in c->u. */
	void (*cleanup)(struct cmd *c);
	/* Posts: run at once behind other posts, stored even if the session closes,
	 * and answered (ACCEPT, REJECT) only once stored (or refused): cmd_verdict(). */
	int is_post;
	/* Non-NULL: log the command when accepted, with this label (shapes to learn; the
	 * envelope itself is logged at debug level only, as every envelope is). */
	const char *log_as;
	/* Non-NULL: its replies' name when it is not the command's (cmd:getfutok is
	 * answered by rpl:getftok); every reply helper below uses it. */
	const char *rpl;
};

struct cmd {
	struct list link;     /* session.queue */
	struct session *sess; /* a reference is held */
	uint32_t token;	      /* its XCCOS frame's, for a verdict sent later (posts) */
	uint64_t accepted_ms; /* mono_ms() at acceptance: a post's deadline counts from it */
	const struct cmd_def *def;
	enum cmd_state state;
	struct xccos_req req;
	char *error;	   /* rpl:error reason, for unparseable envelopes */
	char *uri;	   /* the room URI the command is about, if any */
	struct room *room; /* that room, once known */
	/* cmd_with_room, cmd_with_msg_rooms: what to do once the room(s) are loaded */
	enum run_result (*then)(struct cmd *c);
	union { /* the handler's own state */
		struct {
			char **uris; /* the rooms asked for (NULL: not a valid room id) */
			size_t nuris;
			unsigned loads;	 /* room loads outstanding */
			int load_failed; /* one of them failed (database error) */
			unsigned pushes; /* bjoin: history pushes outstanding */
		} join;
		struct {
			unsigned limit; /* messages wanted */
		} history;
		struct {
			char ts[TS_BUFSZ]; /* the server's timestamp */
		} post;
		struct search_query *search; /* cmd:search's checked arguments */
		struct feed_args *feed;	     /* cmd:feed add's checked arguments */
		struct {
			unsigned limit;	     /* how many */
			struct db_msg *msgs; /* the matches, newest first (taken over) */
			uint64_t *feed_ids;  /* each one's feed */
			size_t n;
		} alerts; /* cmd:feed op="alerts" */
	} u;
};

/* The handlers cmdq runs (cmd_table.c). */
struct cmd_table {
	/* The client command with this item id; an unknown id gets a def that answers 501. */
	const struct cmd_def *(*find)(const char *id);
	const struct cmd_def *post;    /* grpchat */
	const struct cmd_def *error;   /* an envelope that does not parse */
	const struct cmd_def *restore; /* not a client command: back into stored rooms */
};

void cmdq_init(const struct cmd_table *table);

enum cmdq_accept_result {
	CMDQ_REJECTED = -1, /* REJECT with the SIP status line in reject */
	CMDQ_ACCEPTED = 0,  /* queued: answer ACCEPT now, then call cmdq_pump */
	CMDQ_DEFERRED = 1,  /* a post, queued: it answers itself once stored (cmdq_pump) */
};

/*
 * Takes the body of one XCCOS frame (token) for session s.  A post is answered
 * only once its transaction has committed: the 200 a client gets means stored.
 */
enum cmdq_accept_result cmdq_accept(struct session *s, uint32_t token, const char *payload,
		size_t len, char *reject, size_t rejectlen);
/* Runs s's queued commands, in order, as far as they can go now. */
void cmdq_pump(struct session *s);
/* A new session (OPEN): before its first command, put it back quietly into the
 * rooms it was in before a restart of pchatd. */
void cmdq_restore(struct session *s);
/* The session closed: queued posts are still stored, everything else dropped. */
void cmdq_session_closed(struct session *s);
/* Accepted, unfinished commands in all sessions (what --queue-limit bounds). */
unsigned cmdq_pending(void);
/* Those whose result still matters: all posts, and the commands of live
 * sessions.  Shutdown waits for these only. */
unsigned cmdq_outstanding(void);
/* Is a command that enters uri queued or running for s? */
int cmdq_enters(const struct session *s, const char *uri);

/* ---- for handlers ---- */

/* Ends a command that waited (RUN_WAIT or RUN_POSTED) and lets its session go on. */
void cmdq_finish(struct cmd *c);
/* A deferred answer to the command's frame (posts): type is PCHAT_F_ACCEPT,
 * PCHAT_F_BUSY or PCHAT_F_REJECT with the SIP status line in text.  Nothing is sent
 * if the session is gone (the module then answers the INFO itself). */
void cmd_verdict(struct cmd *c, uint8_t type, const char *text);
/* The name of the command's replies: its def's rpl, else its own without "cmd:". */
const char *cmd_name(const struct cmd *c);
/* Sends sb (then freed) to the command's session. */
void cmd_send(struct cmd *c, struct sbuf *sb);
/* An rpl with this code and no data; returns RUN_DONE. */
enum run_result cmd_reply(struct cmd *c, int code);
/* 0 if user has the rights `need` in r, otherwise the code to refuse with:
 * XC_NOT_FOUND when the user may not even see the room (answered exactly like a
 * room that does not exist), XC_ROOM_DISABLED or XC_ACCESS_DENIED. */
int cmd_access_code(const struct room *r, const char *user, unsigned need);
/* An rpl with this code that says why: <data><error reason="..."/></data>; RUN_DONE. */
enum run_result cmd_reply_reason(struct cmd *c, int code, const char *reason);
/* Refuses a command about a room with the code cmd_access_code chose; RUN_DONE. */
enum run_result cmd_refuse(struct cmd *c, int code);
/* Runs then(c) with c->room set, loading the room c->uri from the database first
 * if it is not cached (unknown room: 404; database error: 500). */
enum run_result cmd_with_room(struct cmd *c, enum run_result (*then)(struct cmd *c));
/* Runs then(c) once the rooms of msgs[0..n) (their room_id, set by MSG_SEARCH and
 * FEED_ALERTS) are cached, reading those that are not in one job first (on the
 * writer, whose reads the cache's are).  A room gone meanwhile stays uncached, so the
 * caller's room_find() drops its messages.  msgs is read before this returns.
 * Database error: cmd_reply_db_error.  RUN_WAIT, or what then(c) returned. */
enum run_result cmd_with_msg_rooms(struct cmd *c, const struct db_msg *msgs, size_t n,
		enum run_result (*then)(struct cmd *c));
/* The reply to a database job that did not succeed: 503 ERR_UNAVAILABLE with a
 * reason (try again later) if the database was not reached before the job's deadline,
 * else 500; returns RUN_DONE. */
enum run_result cmd_reply_db_error(struct cmd *c, const struct db_job *job);
/* For a database callback whose job's arg is the command: send(c, job) if the
 * session is still there (cmd_reply_db_error instead if the job failed), then
 * cmdq_finish. */
void cmd_answer(struct db_job *job, void (*send)(struct cmd *c, const struct db_job *job));

#endif
