/*
 * rooms.h - the room cache and the rights users have in rooms.
 *
 * Rooms are loaded from the database on first use, by their URI
 * ma-chan://<domain>/<chan_id>, with what the access rules need (settings and
 * principal lists, common/pchat_acl.h), and then stay cached for the life of the
 * process (commands keep plain pointers to them).  A reload (reload.c) refreshes
 * every cached room (rooms_refresh); a room whose row is gone is marked gone,
 * never freed while running.  Who is present in a room: presence.h.
 */
#ifndef PCHAT_ROOMS_H
#define PCHAT_ROOMS_H

#include <stddef.h>
#include <stdint.h>

#include "../common/pchat_acl.h"
#include "list.h"
#include "plist.h"
#include "xccos.h"

struct db_room;
struct dict;

enum room_privacy {
	ROOM_OPEN,
	ROOM_CLOSED,
	ROOM_SECRET,
};

/* A user present in a room with one or more sessions (kept by presence.c). */
struct room_user {
	char *uri;
	unsigned nsessions;
	uint64_t read_pos;  /* newest msgid delivered to the user here */
	uint64_t saved_pos; /* what the database has (as far as we know) */
	/* The user's ACL_* rights here, valid while rights_gen == room.acl_gen: a post
	 * must not scan the principal lists (thousands of members) each time. */
	unsigned rights, rights_gen;
	int op;		  /* a manager or presenter (room_operator), valid with rights */
	struct list link; /* room.users */
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
	int file_upload;  /* 0: its category takes no files (cmd:getfutok refused) */
	int invite;	  /* it sends invitations (its own switch and its category's) */
	int gone;	  /* its row was deleted: room_find no longer finds it */
	unsigned acl_gen; /* bumped whenever its settings or principal lists are read */
	int seen;	  /* refresh bookkeeping */
	struct plist acl_members, acl_managers, acl_presenters; /* the room's */
	struct plist acl_allowed, acl_denied;			/* its category's */
	/* presence (presence.c) */
	struct list members;	 /* all present sessions (member.room_link) */
	struct list users;	 /* present users, in order of arrival (room_user.link) */
	struct dict *user_index; /* user URI -> room_user */
	unsigned nusers;
	/* delivery order (roompost.c): posts are sent to the room in the order of their
	 * sequence numbers (room_seq, migration 017), on every node of a pool */
	/* a pool (presence.c): users present only through other nodes' sessions, user
	 * URI -> their sessions there (NULL: none known), and how many of them are not
	 * present here too (the room's users are nusers + nremote) */
	struct dict *remote;
	unsigned nremote;
	int roster_reading, roster_again; /* a read of the remote users is out (poolsync.c) */
	unsigned roster_gen;		  /* the last read of every room's that had some */
	uint64_t seq_done;		  /* the last number sent here, or the head when cached */
	int catching_up;		  /* a catch-up read of the room is out */
	int catch_again;		  /* and another is wanted after it */
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
/* The cached room with that id, or NULL (also if gone). */
struct room *room_find_id(uint64_t id);
/* Caches a room read from the database (or refreshes its metadata and principal
 * lists, bringing a gone room back); returns it, or NULL for an invalid URI. */
struct room *room_add(const struct db_room *row);
/* The rights (ACL_* bits, common/pchat_acl.h) user has in r; none if r is gone. */
unsigned room_rights(const struct room *r, const char *user);
/* Is user one of r's managers or presenters, the users clients mark as operators
 * (aib key 12276 in join replies and notices)? */
int room_operator(const struct room *r, const char *user);
/* May user read r's history, as bccontext serves it (join right, history kept for
 * clients)?  What cmd:search searches and whom a feed's match is for (feeds.c). */
int history_readable(const struct room *r, const char *user);
enum room_privacy room_privacy_parse(const char *s);
/* Fills the codec's view of the room. */
void room_info(const struct room *r, struct xccos_room_info *info);

/* rows are every room of the database: refreshes the cached rooms from them
 * (rooms not cached stay out: they are read when first used), marks those
 * without a row gone, then calls each(r) for every cached room. */
void rooms_refresh(const struct db_room *rows, size_t n, void (*each)(struct room *r));

/* The cached rooms that are not gone, in a new array (*out, to free; NULL if none);
 * returns their count. */
size_t rooms_collect(struct room ***out);

void rooms_free_all(void);
/* Rooms in the cache. */
size_t rooms_count(void);

#endif
