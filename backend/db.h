/*
 * db.h - database access that never blocks the event loop.
 *
 * The loop submits jobs; one worker thread with its own MariaDB connection runs
 * them in submission order and hands each finished job back to the loop, where
 * its done callback runs (then the job is freed).  Jobs are never lost while the
 * process runs: if the database is down or the connection drops, the worker
 * reconnects with backoff and runs the job again.  A job fails (DB_FAILED) only
 * on a permanent SQL error.
 *
 * Why a worker thread and not Connector/C's non-blocking API: we want prepared
 * statements and batched transactions, and the non-blocking API would turn each
 * of their many calls into a state machine.  A thread with plain blocking calls
 * is simpler, and the loop never waits for it.
 */
#ifndef PCHAT_DB_H
#define PCHAT_DB_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "list.h"
#include "util.h"

struct event_base;
struct config;

enum db_job_type {
	DB_LOAD_ROOM,	  /* room by (domain, chan_id) -> rooms[0] */
	DB_INSERT_MSG,	  /* one post -> msg_id; consecutive inserts share one transaction */
	DB_HISTORY,	  /* last `limit` messages of room_id -> msgs, oldest first */
	DB_SEARCH,	  /* rooms whose name or description contains criteria (at most
			* limit); the caller applies the access rules */
	DB_FOLLOW,	  /* flag 1: user follows room_id (idempotent); flag 0: unfollows it */
	DB_ASSOCIATIONS,  /* the rooms user follows -> rooms, by name */
	DB_SERVER_CONFIG, /* server_config rows -> db_version, root_id, conf[] */
	DB_GET_PREF,	  /* (user, label) -> pref_seqid, pref_content; NOT_FOUND unless
			* flag (createdefault) creates an empty one */
	DB_SET_PREF,	  /* stores (user, label, content), bumps the seqid -> pref_seqid */
	DB_SAVE_READ,	  /* user's read position in room_id := max(stored, read_msgid) */
	DB_SESSION_ROOM,  /* flag 1: session_id (of user) is in room_id (idempotent);
			  * flag 0: it left room_id */
	DB_SESSION_CLEAR, /* session_id ended: forget all its rooms */
	DB_SESSION_ROOMS, /* the rooms session_id of user is in -> rooms; rows of
			   * another user on that id are deleted */
	DB_ROOMS_ALL,	  /* every room -> rooms (the cache's reload) */
	DB_GET_INV,	  /* user's invitations -> rooms (with inv_id, inviter, inv_ts) */
	DB_CATEGORIES,	  /* every category with its principal lists -> cats */
};

/* server_config values pchatd follows (DB_SERVER_CONFIG -> conf[], -1 if the row is
 * missing or not a number). */
enum db_conf_key {
	DB_CONF_DEFAULT_CHAT_HISTORY,
	DB_CONF_PARTICIPANT_UPDATE_LIMIT,
	DB_CONF_MESSAGE_SIZE_LIMIT,
	DB_CONF_SEARCH_LIMIT,
	DB_CONF_REVISION,
	DB_CONF_N
};

enum db_status {
	DB_OK = 0,
	DB_NOT_FOUND, /* DB_LOAD_ROOM: no such room */
	DB_FAILED,    /* permanent SQL error (logged) */
};

struct db_room {
	uint64_t id;
	char *domain;
	char *chan_id;
	char *name;
	char *description;
	char *topic;
	char privacy[8]; /* "open", "closed" or "secret" */
	char type[12];	 /* "normal" or "auditorium" */
	int disabled;
	int chat_history; /* its category keeps history for clients (categories.chat_history) */
	/* Principal lists (sql/migrations/005_rooms_admin.sql), each a space-separated
	 * string ("" if empty): the room's and its category's. */
	char *members, *managers, *presenters, *allowed, *denied;
	uint64_t unread;       /* ASSOCIATIONS: messages after the user's read position */
	uint64_t inv_id;       /* GET_INV: the invitation */
	char *inviter;	       /* GET_INV */
	char inv_ts[TS_BUFSZ]; /* GET_INV: when it was made */
};

/* A category (DB_CATEGORIES); lists as in db_room. */
struct db_category {
	uint64_t id;
	char *domain, *cat_id, *name, *description;
	char *allowed, *denied, *creators;
};

struct db_msg {
	uint64_t id;
	char *author;
	char *body;
	size_t body_len;
	char ts[TS_BUFSZ]; /* posted_at as an XCCOS timestamp */
};

struct db_job {
	enum db_job_type type;
	enum db_status status;
	void (*done)(struct db_job *job); /* runs in the event loop */
	void *arg;
	void *aux; /* the submitter's, untouched by the worker */

	/* inputs */
	char *domain, *chan_id; /* LOAD_ROOM, FOLLOW (unfollow: the room by URI) */
	uint64_t room_id;	/* INSERT_MSG, HISTORY, FOLLOW (follow) */
	char *author;		/* INSERT_MSG */
	char *body;		/* INSERT_MSG */
	size_t body_len;
	struct timespec posted_at; /* INSERT_MSG: the server clock, whole ms, UTC */
	unsigned limit;		   /* HISTORY, SEARCH */
	uint64_t before_id;	   /* HISTORY: only messages with a smaller id; 0 = newest */
	char *criteria;		   /* SEARCH; "" means all */
	char *user;		   /* FOLLOW, ASSOCIATIONS, GET_PREF, SET_PREF, SAVE_READ,
	                            * SESSION_ROOM, SESSION_ROOMS */
	char *label;		   /* GET_PREF, SET_PREF */
	char *content;		   /* SET_PREF */
	int flag;		   /* FOLLOW: follow/unfollow; GET_PREF: createdefault */
	uint64_t read_msgid;	   /* SAVE_READ */
	uint64_t session_id;	   /* SESSION_ROOM, SESSION_CLEAR, SESSION_ROOMS */

	/* outputs */
	uint64_t msg_id;       /* INSERT_MSG */
	struct db_room *rooms; /* LOAD_ROOM (1), SEARCH, ASSOCIATIONS, SESSION_ROOMS,
				* ROOMS_ALL, GET_INV */
	size_t nrooms;
	struct db_msg *msgs; /* HISTORY */
	size_t nmsgs;
	uint64_t pref_seqid;	   /* GET_PREF, SET_PREF */
	char *pref_content;	   /* GET_PREF */
	char *db_version;	   /* SERVER_CONFIG */
	char *root_id;		   /* SERVER_CONFIG */
	long long conf[DB_CONF_N]; /* SERVER_CONFIG */
	struct db_category *cats;  /* CATEGORIES */
	size_t ncats;

	struct list link; /* in the todo or done queue */
};

/* The most inserts committed in one transaction. */
#define DB_BATCH_MAX 128

struct db_job *db_job_new(enum db_job_type type, void (*done)(struct db_job *), void *arg);
void db_job_free(struct db_job *job);
/* Frees the strings of one room row (not the row itself). */
void db_room_clear(struct db_room *r);
/* Drops a job's outputs (before a retry). */
void db_job_clear_results(struct db_job *job);

/* Starts the worker; it connects (and keeps retrying) in the background. */
int db_start(struct event_base *base, const struct config *c);
void db_submit(struct db_job *job);
/* Jobs submitted whose callback has not run yet. */
size_t db_backlog(void);
/* Stops the worker once the jobs submitted so far have run (failing at once
 * those the database is unreachable for).  wait: join it, then run the
 * callback of every job left, finished ones as they are and unstarted ones as
 * DB_FAILED, so that each callback runs exactly once; otherwise just signal the
 * worker (for a forced exit). */
void db_stop(int wait);

#endif
