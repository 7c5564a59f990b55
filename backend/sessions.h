/*
 * sessions.h - XCCOS sessions, keyed by (module connection, module session id).
 *
 * A session is one SIP dialog the module holds with a chat client.  It is created
 * by an OPEN frame and ends with CLOSE, with its connection, or with DROP.  It is
 * reference-counted because commands waiting for the database outlive it; a
 * closed session stays in memory (with closed set) until the last of them is done.
 */
#ifndef PCHAT_SESSIONS_H
#define PCHAT_SESSIONS_H

#include <stddef.h>
#include <inttypes.h>
#include <stdint.h>

#include "../common/pchat_frame.h"
#include "list.h"
#include "xccos.h"

struct cmd;
struct member;
struct link_conn;

struct session {
	struct link_conn *conn; /* NULL once closed */
	uint32_t conn_id;
	uint64_t sid; /* the module's session id */
	char *user;   /* authenticated identity (OPEN), the only author we trust */
	char *local;  /* the URI the client invited */
	char *epid;
	char *ua;
	uint64_t next_envid;	 /* our envelope counter */
	struct list rooms;	 /* rooms joined (member.sess_link) */
	struct list queue;	 /* accepted commands not started yet (cmd.link) */
	struct cmd *running;	 /* the command being executed, or NULL */
	unsigned posts_inflight; /* own grpchats waiting for their DB commit */
	unsigned refs;
	int closed;
};

/* For log lines: "link 3 session 17 (sip:alice@example.com)". */
#define SESS_FMT "link %u session %" PRIu64 " (%s)"
#define SESS_ARGS(s) (s)->conn_id, (s)->sid, (s)->user

/* Largest item block a session_send can carry in one SEND frame. */
#define SESSION_ITEMS_MAX \
	(PCHAT_FRAME_MAX_PAYLOAD - XCCOS_HEAD_MAX - (sizeof(XCCOS_ENVELOPE_TAIL) - 1))

struct session *session_find(uint32_t conn_id, uint64_t sid);
/* Creates the session, or updates it when it exists for the same user.  fields
 * come from pchat_open_split().  Returns NULL (logged) if the user is empty. */
struct session *session_open(
		struct link_conn *conn, uint64_t sid, const char *const fields[PCHAT_OPEN_NFIELDS]);
/* Parts every room (ntc:part to the others), drops queued commands (accepted
 * posts are still stored), forgets the session and its stored rooms (those a
 * restart of pchatd restores).  Idempotent.  A new session first gets its
 * stored rooms back (commands_restore). */
void session_close(struct session *s, const char *why);
/* DROP: asks the module to forget the session, then closes it here. */
void session_drop(struct session *s, const char *why);
/* A module connection closed: its sessions end (keeping their stored rooms
 * while shutting down). */
void sessions_close_conn(uint32_t conn_id);
/* Shutdown: closes every session, keeping their stored rooms. */
void sessions_close_all(void);
size_t sessions_count(void);

void session_ref(struct session *s);
void session_unref(struct session *s);

/* Wraps items in an envelope with the session's next envid and sends it (SEND).
 * Returns 0, or -1 if the session or its connection is gone or items too large. */
int session_send(struct session *s, const char *items, size_t len);

#endif
