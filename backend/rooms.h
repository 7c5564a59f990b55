/*
 * rooms.h - the room cache and room presence.
 *
 * Rooms are loaded from the database on first use, by their URI
 * ma-chan://<domain>/<chan_id>, with what the access rules need (settings and
 * principal lists, common/pchat_acl.h), and then stay cached for the life of the
 * process (commands keep plain pointers to them).  When server_config.revision
 * changes (reload.c), every cached room is read again; a room whose row is gone is
 * marked gone (never freed while running) and sessions that lost the right to be
 * in a room are put out of it.  Presence is in memory only: which
 * sessions are in each room, and per user how many of their sessions are, so
 * that ntc:join / ntc:part go out only for a user's first / last session.
 */
#ifndef PCHAT_ROOMS_H
#define PCHAT_ROOMS_H

#include <stddef.h>
#include <stdint.h>

#include "../common/pchat_acl.h"
#include "list.h"
#include "sessions.h"
#include "xccos.h"

struct db_room;
struct dict;

enum room_privacy {
	ROOM_OPEN,
	ROOM_CLOSED,
	ROOM_SECRET,
};

/* A user present in a room with one or more sessions. */
struct room_user {
	char *uri;
	unsigned nsessions;
	uint64_t read_pos;  /* newest msgid delivered to the user here */
	uint64_t saved_pos; /* what the database has (as far as we know) */
	/* The user's ACL_* rights here, valid while rights_gen == room.acl_gen: a post
	 * must not scan the principal lists (thousands of members) each time. */
	unsigned rights, rights_gen;
	struct list link; /* room.users */
};

/* A principal list parsed from its space-separated form (struct db_room). */
struct plist {
	char *buf;	/* the principals, NUL-separated */
	const char **v; /* into buf */
	size_t n;
};
void plist_set(struct plist *l, const char *spaced);
void plist_free(struct plist *l);
struct acl_list plist_acl(const struct plist *l);

/* One session's presence in one room; on both the room's and the session's list. */
struct member {
	struct room *room;
	struct session *sess;
	struct room_user *user;
	struct list room_link;
	struct list sess_link;
};

struct room {
	uint64_t id; /* rooms.id */
	char *uri;   /* ma-chan://domain/chan_id as stored in the database */
	char *domain;
	char *chan_id;
	char *name;
	char *description;
	char *topic;
	enum room_privacy privacy;
	enum acl_type type;
	int disabled;
	int chat_history; /* 0: its category serves no history (bccontext answers empty) */
	int gone;	  /* its row was deleted: room_find no longer finds it */
	unsigned acl_gen; /* bumped whenever its settings or principal lists are read */
	int seen;	  /* reload bookkeeping */
	struct plist acl_members, acl_managers, acl_presenters; /* the room's */
	struct plist acl_allowed, acl_denied;			/* its category's */
	struct list members;	 /* all present sessions (member.room_link) */
	struct list users;	 /* present users, in order of arrival (room_user.link) */
	struct dict *user_index; /* user URI -> room_user */
	unsigned nusers;
};

#define ROOM_URI_PREFIX "ma-chan://"
#define ROOM_DOMAIN_MAX 128
#define ROOM_CHAN_ID_MAX 64

/* Builds ma-chan://domain/chan_id, or returns NULL if either part is not valid
 * (empty, too long, domain with '/' or blanks, chan_id outside [A-Za-z0-9-]). */
char *room_uri_make(const char *domain, const char *chan_id);
/* Splits a room URI into its parts (allocated); returns 0, or -1 if not valid. */
int room_uri_split(const char *uri, char **domain, char **chan_id);

/* The cached room for uri (compared case-insensitively), or NULL (also if gone). */
struct room *room_find(const char *uri);
/* Caches a room read from the database (or refreshes its metadata and principal
 * lists, bringing a gone room back); returns it, or NULL for an invalid URI. */
struct room *room_add(const struct db_room *row);
/* The rights (ACL_* bits, common/pchat_acl.h) user has in r; none if r is gone. */
unsigned room_rights(const struct room *r, const char *user);
/* The rules' view of r (pointing into r). */
void room_acl(const struct room *r, struct acl_room *acl);

/* The reload: rows are every room (DB_ROOMS_ALL).  Refreshes the cached rooms,
 * marks those without a row gone, and puts every present session that may no
 * longer join a room out of it (ntc:part to the others). */
void rooms_reload_apply(const struct db_room *rows, size_t n);
/* Reads the configuration and every cached room again now, and applies them as
 * above (the web service calls it after a change; reload.c also does this by
 * itself within a second of a server_config.revision bump).  Call it in the event
 * loop's thread (defined in reload.c). */
void rooms_reload_all(void);

/* Keeps session_rooms, the presence a restart of pchatd restores: s is in r (1)
 * or left it (0).  Fire and forget. */
void room_store_presence(const struct session *s, const struct room *r, int in);
enum room_privacy room_privacy_parse(const char *s);

/* Is user present in r (through any session)? */
int room_has_user(const struct room *r, const char *user);
/* The session's membership of r, or NULL. */
struct member *room_member(const struct room *r, const struct session *s);

enum room_enter_result {
	ROOM_ALREADY_IN = 0, /* the session was in the room already */
	ROOM_FIRST_SESSION,  /* the user was not present before: announce */
	ROOM_MORE_SESSIONS,  /* the user was present through another session */
};
enum room_enter_result room_enter(struct room *r, struct session *s);
/* Sends ntc (ntc:join or ntc:bjoin) about s's user to every other session in the
 * room, unless the room is roster-quiet. */
void room_announce_join(struct room *r, struct session *s, const char *ntc);
/* Has the room more present users than --participant-update-limit?  Then no
 * ntc:join/bjoin/part is sent for it. */
int room_roster_quiet(const struct room *r);
/* Removes s from r; if that was its user's last session, ntc:part to the others
 * (unless the room is roster-quiet, counting s's user). */
void room_leave(struct room *r, struct session *s);
void rooms_leave_all(struct session *s);

/* Read positions (kept here while a user is present, stored when the user's last
 * session leaves): message msgid went to everyone present. */
void room_note_delivery(struct room *r, uint64_t msgid);
/* user was given the messages up to msgid (bccontext): moves the in-memory
 * position forward if present, and stores it in the database. */
void room_note_read(struct room *r, const char *user, uint64_t msgid);

/* Sends items to every session in the room except `except` (may be NULL). */
void room_broadcast(struct room *r, const char *items, size_t len, const struct session *except);
/* Fills users[0..max) with the present users' URIs in arrival order; returns the count. */
size_t room_users(const struct room *r, const char **users, size_t max);
/* Fills the codec's view of the room. */
void room_info(const struct room *r, struct xccos_room_info *info);

void rooms_free_all(void);

#endif
