/*
 * presence.h - who is in which room, and what follows from it: ntc:join/part
 * notices, broadcasts, read positions (unread counts) and the session_rooms rows
 * a restart of pchatd restores.
 *
 * Presence is in memory: which sessions are in each room, and per user how many
 * of their sessions are, so that ntc:join / ntc:part go out only for a user's
 * first / last session.  Read positions are kept here while a user is present and
 * stored when the user's last session leaves (one write, not one per message).
 */
#ifndef PCHAT_PRESENCE_H
#define PCHAT_PRESENCE_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "list.h"
#include "rooms.h"
#include "sessions.h"

/* One session's presence in one room; on both the room's and the session's list. */
struct member {
	struct room *room;
	struct session *sess;
	struct room_user *user;
	struct list room_link;
	struct list sess_link;
};

/* Is user present in r (through any session)? */
int room_has_user(const struct room *r, const char *user);
/* The session's membership of r, or NULL. */
struct member *room_member(const struct room *r, const struct session *s);

enum room_enter_result {
	ROOM_ALREADY_IN = 0, /* the session was in the room already */
	ROOM_FIRST_SESSION,  /* the user was not present before: announce */
	ROOM_MORE_SESSIONS,  /* the user was present through another session */
};
/* how: one word for the log's how= (join, bjoin, restore). */
enum room_enter_result room_enter(struct room *r, struct session *s, const char *how);
/* Sends ntc (ntc:join or ntc:bjoin) about s's user to every other session in the
 * room, unless the room is roster-quiet. */
void room_announce_join(struct room *r, struct session *s, const char *ntc);
/* Removes s from r; if that was its user's last session, ntc:part to the others
 * (unless the room is roster-quiet, counting s's user).  why: one word for the log's
 * reason= (part, closed, not-allowed, removed). */
void room_leave(struct room *r, struct session *s, const char *why);
void rooms_leave_all(struct session *s);
/* Hands every room of from (a closed session) to `to`, a new session of the same user,
 * quietly: the user never left, so no notice goes out and the counts stay.  A room
 * the user may no longer join is left instead (ntc:part to the others if that was the
 * user's last session there).  Keeps session_rooms: to's rows are stored, from's
 * forgotten, in that order.  Returns how many rooms went over. */
size_t rooms_carry_over(struct session *from, struct session *to);
/* Sessions present in a room, over every room (a session in two rooms counts twice). */
size_t room_presences(void);
/* Puts out of r every present session whose user may no longer join it (after a
 * reload: ntc:part to the others, its session_rooms row deleted). */
void room_evict_unauthorized(struct room *r);

/*
 * What history of a room a session has been sent, which decides bjoin's history
 * push and the answer to the client's own cmd:bccontext so that no client gets a
 * room's history twice (docs/XCCOS.md, cmd:bjoin).  Kept per session; leaving the
 * room forgets it (a later join opens a new window that needs the history again).
 */
enum history_sent {
	HISTORY_NONE = 0, /* nothing yet */
	HISTORY_PUSHED,	  /* pushed after bjoin: a client asking next gets no copy */
	HISTORY_ASKED,	  /* the client asked itself: nothing is pushed */
};
enum history_sent presence_history(const struct session *s, const struct room *r);
void presence_set_history(struct session *s, const struct room *r, enum history_sent h);

/* Read positions: message msgid went to everyone present. */
void room_note_delivery(struct room *r, uint64_t msgid);
/* user was given the messages up to msgid (bccontext): moves the in-memory
 * position forward if present, and stores it in the database. */
void room_note_read(struct room *r, const char *user, uint64_t msgid);

/* A pool: the users present in r through other nodes' sessions are now rows[0..n)
 * (all of r; DB_ROSTERS): those new to the room are announced (ntc:join), those gone
 * from it too (ntc:part), unless present here. */
void room_set_remote(struct room *r, const struct db_roster_row *rows, size_t n);
/* Users present in r, here and through other nodes. */
unsigned room_user_count(const struct room *r);

/* Sends items to every session in the room except `except` (may be NULL), as FANOUT
 * frames (fanout.h).  Returns to how many sessions it was sent. */
size_t room_broadcast(struct room *r, const char *items, size_t len, const struct session *except);
/* Fills users[0..max) with the present users' URIs, this node's in arrival order, then
 * those present only through other nodes; returns the count. */
size_t room_users(const struct room *r, const char **users, size_t max);

/* Keeps session_rooms, the presence a restart of pchatd restores and the other nodes
 * of a pool read: s is in r (1) or left it (0).  Once committed, a pool's other nodes
 * are signalled (poolsig_note_roster). */
void presence_store(const struct session *s, const struct room *r, int in);
/* The session ended for good: forget its stored rooms. */
void presence_forget(const struct session *s);

#endif
