/*
 * sessions.h - the table of XCCOS sessions, keyed by (module connection, module
 * session id): find, add, reference, send.  A plain table: what opening and
 * closing a session means (restoring its rooms, parting them, dropping its
 * commands) is the frames layer's business (frames.c).
 *
 * A session is one SIP dialog the module holds with a chat client.  It is
 * reference-counted because commands waiting for the database outlive it; a
 * closed session stays in memory (with closed set) until the last of them is done.
 */
#ifndef PCHAT_SESSIONS_H
#define PCHAT_SESSIONS_H

#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "../common/pchat_frame.h"
#include "list.h"
#include "xccos.h"

struct cmd;
struct dict;
struct link_conn;

struct session {
	struct link_conn *conn; /* NULL once closed */
	uint32_t conn_id;
	uint64_t sid; /* the module's session id */
	char *user;   /* authenticated identity (OPEN), the only author we trust */
	char *local;  /* the URI the client invited */
	char *epid;
	char *ua;
	time_t opened;	     /* when pchatd learned of it (OPEN) */
	uint64_t next_envid; /* our envelope counter */
	struct list rooms;   /* rooms joined (member.sess_link, presence.c) */
	struct dict *hist;   /* room id -> the history it was sent (presence.h), or NULL */
	/* its command queue (cmdq.c) */
	struct list queue;	 /* accepted commands not started yet (cmd.link) */
	struct cmd *running;	 /* the command being executed, or NULL */
	unsigned posts_inflight; /* own posts waiting for their DB commit */
	unsigned refs;
	int closed;
};

/* The keys of a session in a log line (docs/OPERATIONS.md, Logs):
 * "link=3 session=17 user=sip:alice@example.com". */
#define SESS_FMT "link=%u session=%" PRIu64 " user=%s"
#define SESS_ARGS(s) (s)->conn_id, (s)->sid, (s)->user

/* Largest item block a session_send can carry in one SEND frame. */
#define SESSION_ITEMS_MAX \
	(PCHAT_FRAME_MAX_PAYLOAD - XCCOS_HEAD_MAX - (sizeof(XCCOS_ENVELOPE_TAIL) - 1))

struct session *session_find(uint32_t conn_id, uint64_t sid);
/* A new session in the table (one reference: the table's). */
struct session *session_add(struct link_conn *conn, uint64_t sid, const char *user);
/* Sets the OPEN fields other than the user (pchat_open_split()). */
void session_set_fields(struct session *s, const char *const f[PCHAT_OPEN_NFIELDS]);
/* Takes s out of the table and marks it closed: nothing is sent to it any more.
 * The table's reference is the caller's to drop (session_unref). */
void session_unlink(struct session *s);
/* The sessions for which match(s, arg) is true, each with a reference taken, in a
 * new array (*out, to free); returns their count. */
size_t sessions_collect(int (*match)(const struct session *, uint32_t), uint32_t arg,
		struct session ***out);
size_t sessions_count(void);
/* Frees the (empty) table at exit. */
void sessions_free_table(void);

void session_ref(struct session *s);
void session_unref(struct session *s);

/* Answers the module's frame `token` of this session (ACCEPT, BUSY, REJECT with the
 * SIP status line in text, may be NULL).  Returns 0, or -1 if the session is gone. */
int session_verdict(struct session *s, uint8_t type, uint32_t token, const char *text);

/* Wraps items in an envelope with the session's next envid and sends it (SEND).
 * Returns 0, or -1 if the session or its connection is gone or items too large. */
int session_send(struct session *s, const char *items, size_t len);

#endif
