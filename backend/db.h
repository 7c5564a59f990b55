/*
 * db.h - database access that never blocks the event loop.
 *
 * The loop submits jobs; a worker thread with its own MariaDB connection runs them
 * in submission order and hands each finished job back to the loop, where its done
 * callback runs (then the job is freed).  There are two such workers: the writer
 * runs every kind of job but the reads that declare themselves readers (dbkind.h:
 * message search), which the reader runs, so that a slow read never delays a post.
 * Each keeps its own jobs in order; the two are not ordered with each other.  Jobs
 * are never lost while the process runs: if the database is down or the connection
 * drops, a worker reconnects with backoff and runs the job again.  A job fails
 * (DB_FAILED) only on a permanent SQL error, and DB_UNAVAILABLE only past its
 * deadline (for the kinds given one).
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
#include "pchat_search.h"
#include "util.h"

struct event_base;
struct config;

/* The kinds of job; each has one constructor below and one member of db_job.u. */
enum db_job_type {
	DB_LOAD_ROOM,	 /* room by (domain, chan_id) -> u.room.out (one row); NOT_FOUND */
	DB_INSERT_MSG,	 /* one post -> u.post.msg_id; consecutive inserts share one transaction */
	DB_HISTORY,	 /* the newest `limit` messages of a room -> u.history.msgs, oldest first */
	DB_SEARCH,	 /* rooms whose name or description contains criteria -> u.search.out */
	DB_FOLLOW,	 /* user follows a room (idempotent) */
	DB_UNFOLLOW,	 /* user stops following a room, named by URI parts */
	DB_ASSOCIATIONS, /* the rooms user follows, with unread counts -> u.user_rooms.out */
	DB_SERVER_CONFIG, /* server_config rows -> u.config */
	DB_GET_PREF,	  /* (user, label) -> u.pref.seqid, u.pref.out; NOT_FOUND unless create */
	DB_SET_PREF,	  /* stores (user, label, content), bumps the seqid -> u.pref.seqid */
	DB_SAVE_READ,	  /* user's read position in a room := max(stored, msgid) */
	DB_SESSION_ROOM_ADD, /* session (of user) is in a room (idempotent) */
	DB_SESSION_ROOM_DEL, /* session left a room */
	DB_SESSION_CLEAR,    /* session ended: forget all its rooms */
	DB_SESSION_ROOMS,    /* the rooms a session of user is in -> u.presence.out; rows of
			     * another user on that session id are deleted */
	DB_ROOMS_ALL,	     /* every room -> u.rooms_all.out (the cache's reload) */
	DB_LOAD_ROOMS,	     /* rooms by id (u.rooms_all.ids) -> u.rooms_all.out */
	DB_GET_INV,	/* user's invitations -> u.user_rooms.out (with inv_id, inviter, inv_ts) */
	DB_CATEGORIES,	/* every category with its principal lists -> u.categories */
	DB_FILE_TOKEN,	/* a file-transfer token (file_tokens); download: NOT_FOUND without
			* a stored file of that name in the room */
	DB_MSG_SEARCH,	/* messages matching a search -> u.msg_search.msgs (and .next),
			* newest first (dbj_search.c, common/pchat_search.h) */
	DB_MSG_CHANGES, /* moderators' changes after a change id -> u.msg_changes
			 * (message_changes, dbj_changes.c) */
	DB_FEEDS,	/* a user's feeds: add or remove one, then list them -> u.feeds.out
			* (dbj_feeds.c); every change bumps FeedsRevision */
	DB_FEEDS_ALL,	/* every feed -> u.feeds.out, and FeedsRevision (the index's load) */
	DB_FEED_MATCH,	/* a post a feed matched (feed_matches; fire and forget) */
	DB_FEED_ALERTS, /* a user's newest matches -> u.alerts.msgs, feed ids */
	DB_CATCH_UP,	/* a room's messages after a sequence number, up to its head ->
			* u.history.msgs in sequence order, u.history.head (roompost.c) */
	DB_ROOM_HEADS,	/* every room's last sequence number -> u.heads (a pool's poll) */
	DB_POOL_BEAT,	/* this pool node's heartbeat (pool_nodes); sweep: dead nodes' rows */
	DB_ROSTERS,	/* users present through other pool nodes' sessions, of one room or
			 * all -> u.rosters (room_id, user, sessions), by room */
	DB_JOB_TYPES
};

/* server_config values pchatd follows (DB_SERVER_CONFIG -> conf[], -1 if the row is
 * missing or not a number). */
enum db_conf_key {
	DB_CONF_DEFAULT_CHAT_HISTORY,
	DB_CONF_PARTICIPANT_UPDATE_LIMIT,
	DB_CONF_MESSAGE_SIZE_LIMIT,
	DB_CONF_SEARCH_LIMIT,
	DB_CONF_REVISION,
	DB_CONF_FEEDS_REVISION, /* FeedsRevision: the feeds changed (feeds.c) */
	DB_CONF_N
};

enum db_status {
	DB_OK = 0,
	DB_NOT_FOUND,	/* DB_LOAD_ROOM: no such room */
	DB_FAILED,	/* permanent SQL error (logged) */
	DB_UNAVAILABLE, /* the database could not be reached before the job's deadline:
			 * not started (or its commit was cut off by a lost connection, when
			 * the outcome is unknown) */
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
	int file_upload;  /* its category lets files be posted (categories.file_upload) */
	int invite;	  /* the room sends invitations (rooms.invitations 'inherit' and its
			   * category's invitations on) */
	/* Principal lists (sql/migrations/005_rooms_admin.sql), each a space-separated
	 * string ("" if empty): the room's and its category's. */
	char *members, *managers, *presenters, *allowed, *denied;
	uint64_t seq;	       /* its last sequence number when read (room_seq) */
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
	uint64_t seq; /* CATCH_UP: its number in the room (0 otherwise) */
	char *author;
	char *body;
	size_t body_len;
	char ts[TS_BUFSZ]; /* posted_at as an XCCOS timestamp */
	char *chan_uri;	   /* MSG_SEARCH, FEED_ALERTS: its room's URI (NULL otherwise) */
	uint64_t room_id;  /* MSG_SEARCH, FEED_ALERTS: its room's id (0 otherwise) */
};

/* A user present in a room through sessions of other pool nodes (DB_ROSTERS). */
struct db_roster_row {
	uint64_t room_id;
	char *user;
	unsigned sessions;
};

/* A room's last sequence number (DB_ROOM_HEADS). */
struct db_room_head {
	uint64_t room_id, seq;
};

/* Frees the messages *v[0..*n) read by a job (their strings and the array) and empties
 * the list: the clear step of every kind that returns struct db_msg rows, and for a
 * command that took a job's rows over (cmd_search.c). */
void db_msgs_clear(struct db_msg **v, size_t *n);

/* A saved feed (DB_FEEDS, DB_FEEDS_ALL). */
struct db_feed {
	uint64_t id, room_id; /* room_id 0: any room */
	char *user, *words, *author;
	char *room_uri; /* DB_FEEDS: its room's URI, "" for any room */
};

/* What DB_FEEDS does before listing. */
enum db_feed_op { DB_FEED_LIST, DB_FEED_ADD, DB_FEED_DEL };

/* Rows a room query returned. */
struct db_rooms {
	struct db_room *v;
	size_t n;
};

struct db_job;
/* Runs in the event loop when the job is finished, then the job is freed. */
typedef void (*db_done_fn)(struct db_job *job);

/*
 * A job: a tagged union.  Inputs are set by its constructor (strings copied,
 * unless the constructor says it takes them); outputs are filled by the worker.
 * done == NULL means fire and forget (a failure is logged by the worker).
 */
struct db_job {
	enum db_job_type type;
	enum db_status status;
	db_done_fn done;
	void *arg; /* the submitter's */
	/* mono_ms() after which the job is not started any more (DB_UNAVAILABLE); 0: none.
	 * A job already running when it passes completes (its callback says how). */
	uint64_t deadline_ms;
	union {
		struct { /* LOAD_ROOM */
			char *domain, *chan_id;
			struct db_rooms out;
		} room;
		struct { /* INSERT_MSG */
			uint64_t room_id;
			char *author, *body;
			size_t body_len;
			struct timespec posted_at; /* the server clock, whole ms, UTC */
			char *client_ref; /* the client's "<endpoint>|<envid>"; NULL: none */
			uint64_t msg_id;
			uint64_t seq;  /* its number in the room (migration 017); 0: none */
			int duplicate; /* sent again: msg_id is the post stored before */
		} post;
		struct {	      /* HISTORY, CATCH_UP */
			char *reader; /* who asked: a BACKCHAT compliance event */
			uint64_t room_id;
			uint64_t before_id; /* only messages with a smaller id; 0 = the newest */
			uint64_t after_seq; /* CATCH_UP: only messages with a larger seq */
			uint64_t head;	    /* CATCH_UP: the room's last seq when read */
			unsigned limit;
			struct db_msg *msgs;
			size_t nmsgs;
		} history;
		struct {		/* SEARCH */
			char *criteria; /* "" means all */
			unsigned limit;
			struct db_rooms out;
		} search;
		struct { /* FOLLOW (room_id), UNFOLLOW (domain, chan_id) */
			char *user;
			uint64_t room_id;
			char *domain, *chan_id;
		} follow;
		struct { /* ASSOCIATIONS, GET_INV */
			char *user;
			uint64_t after; /* GET_INV: only invitations with a larger id */
			struct db_rooms out;
		} user_rooms;
		struct {			    /* SERVER_CONFIG */
			char *db_version, *root_id; /* NULL without the row */
			long long conf[DB_CONF_N];
		} config;
		struct { /* GET_PREF, SET_PREF */
			char *user, *label;
			char *content; /* SET_PREF */
			int create;    /* GET_PREF: create an empty one if missing */
			uint64_t seqid;
			char *out; /* GET_PREF: the content */
		} pref;
		struct { /* SAVE_READ */
			char *user;
			uint64_t room_id, msgid;
		} read;
		struct { /* SESSION_ROOM_ADD/DEL (room_id), SESSION_CLEAR, SESSION_ROOMS */
			uint64_t session_id, room_id;
			char *user;
			struct db_rooms out;
			uint64_t *rooms; /* SESSION_CLEAR: the rooms it was in (a pool's signal) */
			size_t nrooms;
		} presence;
		struct {	   /* ROOMS_ALL, LOAD_ROOMS */
			char *ids; /* LOAD_ROOMS: a JSON array of room ids, "[3,17]" */
			struct db_rooms out;
		} rooms_all;
		struct { /* CATEGORIES */
			struct db_category *v;
			size_t n;
		} categories;
		struct { /* FILE_TOKEN */
			char *token, *user;
			int upload; /* else a download */
			uint64_t room_id;
			char *file_name; /* upload: the user's name; download: the stored name */
			struct timespec issued_at, expires_at; /* UTC, whole ms */
		} ftok;
		struct {				  /* MSG_SEARCH */
			struct pchat_search_query *query; /* parsed (common/pchat_search.h) */
			uint64_t room_id; /* 0: every room (the caller checks access) */
			char *author;	  /* NULL: anyone's; else "sip:user@domain", lower case */
			char *since, *until; /* SQL times (pchat_time_parse); NULL: no bound */
			uint64_t before_id;  /* only smaller ids; 0: the newest */
			unsigned want;	     /* matches to find (more may come) */
			struct db_msg *msgs; /* the matches, newest first, with chan_uri */
			size_t nmsgs;
			uint64_t next; /* to go on below; 0: nothing older is left */
		} msg_search;
		struct {		   /* MSG_CHANGES */
			uint64_t after_id; /* the last change seen; 0 with latest */
			int latest;	   /* only the last change's id: where to start */
			unsigned limit;
			/* id: the message's; body NULL: removed, else its new text;
			 * chan_uri NULL if its room is gone; ts: when it changed */
			struct db_msg *msgs;
			size_t nmsgs;
			uint64_t last_id; /* the last change read (after_id if none) */
		} msg_changes;
		struct {		    /* FEEDS, FEEDS_ALL */
			enum db_feed_op op; /* FEEDS */
			char *user;	    /* FEEDS: whose */
			struct db_feed in;  /* ADD: words, room_id, author; DEL: id */
			unsigned max_feeds; /* ADD: refused (refused = 1) at this many */
			int refused;	    /* ADD: the user has max_feeds; DEL: no such feed */
			struct db_feed *out;
			size_t n;
			long long revision; /* FEEDS_ALL: FeedsRevision read with the rows */
		} feeds;
		struct { /* FEED_MATCH */
			uint64_t feed_id, msg_id;
		} match;
		struct { /* FEED_ALERTS */
			char *user;
			unsigned limit;
			struct db_msg *msgs; /* newest first; chan_uri set */
			uint64_t *feed_ids;  /* the feed each matched */
			size_t nmsgs;
		} alerts;
		struct { /* ROOM_HEADS */
			struct db_room_head *v;
			size_t n;
		} heads;
		struct {		    /* POOL_BEAT, ROSTERS */
			uint64_t room_id;   /* ROSTERS: one room; 0: all */
			unsigned fresh_sec; /* a node beat within this is alive */
			int sweep;	    /* POOL_BEAT: also delete dead nodes' rows */
			struct db_roster_row *v;
			size_t n;
		} pool;
	} u;

	struct list link; /* in the worker's queues */
};

/* ---- constructors, one per kind (the job is then handed to db_submit) ---- */

struct db_job *db_load_room(const char *domain, const char *chan_id, db_done_fn done, void *arg);
/* Takes body (allocated, body_len bytes).  client_ref (may be NULL): the same post
 * sent again (same reference, author, room and text within a day) is not stored
 * twice: u.post.duplicate, and msg_id is the first one's. */
struct db_job *db_insert_msg(uint64_t room_id, const char *author, char *body, size_t body_len,
		const struct timespec *posted_at, const char *client_ref, db_done_fn done,
		void *arg);
/* reader: the user the messages are for; while compliance is on, the job records
 * their BACKCHAT event in the transaction that reads the messages. */
struct db_job *db_history(const char *reader, uint64_t room_id, unsigned limit, uint64_t before_id,
		db_done_fn done, void *arg);
struct db_job *db_search(const char *criteria, unsigned limit, db_done_fn done, void *arg);
struct db_job *db_follow(const char *user, uint64_t room_id);
struct db_job *db_unfollow(const char *user, const char *domain, const char *chan_id);
struct db_job *db_associations(const char *user, db_done_fn done, void *arg);
struct db_job *db_server_config(db_done_fn done, void *arg);
struct db_job *db_get_pref(
		const char *user, const char *label, int create, db_done_fn done, void *arg);
struct db_job *db_set_pref(const char *user, const char *label, const char *content,
		db_done_fn done, void *arg);
struct db_job *db_save_read(const char *user, uint64_t room_id, uint64_t msgid);
struct db_job *db_session_room(uint64_t session_id, uint64_t room_id, const char *user, int in);
struct db_job *db_session_clear(uint64_t session_id);
struct db_job *db_session_rooms(uint64_t session_id, const char *user, db_done_fn done, void *arg);
struct db_job *db_rooms_all(db_done_fn done, void *arg);
/* The rooms whose ids are in the JSON array ids (those that exist), in one read. */
struct db_job *db_load_rooms(const char *ids, db_done_fn done, void *arg);
struct db_job *db_invitations(const char *user, uint64_t after, db_done_fn done, void *arg);
struct db_job *db_categories(db_done_fn done, void *arg);
/* Stores a one-time token of user for room_id, valid ttl_sec from issued_at; for a
 * download, only if the room has a stored file named file_name (else NOT_FOUND). */
struct db_job *db_file_token(const char *token, int upload, const char *user, uint64_t room_id,
		const char *file_name, const struct timespec *issued_at, unsigned ttl_sec,
		db_done_fn done, void *arg);

/* The messages matching query (in room_id, 0: any), newest first below before_id (0:
 * the newest), about want of them (the engine's rounds may give more, or fewer with
 * job.next set); author, since, until may be NULL.  The query is copied. */
struct db_job *db_msg_search(const struct pchat_search_query *query, uint64_t room_id,
		const char *author, const char *since, const char *until, uint64_t before_id,
		unsigned want, db_done_fn done, void *arg);
/* The moderators' changes of messages (message_changes) after change after_id, at
 * most limit, in their order; latest: none, only the last change's id (last_id). */
struct db_job *db_msg_changes(
		uint64_t after_id, int latest, unsigned limit, db_done_fn done, void *arg);
/* A user's feeds (dbj_feeds.c): op applied first; in: the feed to add (words
 * normalised by feed_words_normalise) or the id to remove. */
struct db_job *db_feeds(enum db_feed_op op, const char *user, const struct db_feed *in,
		unsigned max_feeds, db_done_fn done, void *arg);
struct db_job *db_feeds_all(db_done_fn done, void *arg);
struct db_job *db_feed_match(uint64_t feed_id, uint64_t msg_id);
struct db_job *db_feed_alerts(const char *user, unsigned limit, db_done_fn done, void *arg);
/* The messages of room_id numbered after after_seq, at most limit, in sequence order,
 * and the room's head (its last sequence number) read first: messages up to the head
 * only.  Run by the reader (a pool sets wsrep_sync_wait on it, so another node's
 * commit that a signal announced is seen). */
struct db_job *db_catch_up(
		uint64_t room_id, uint64_t after_seq, unsigned limit, db_done_fn done, void *arg);
/* Every room's head (room_seq), for a pool's poll. */
struct db_job *db_room_heads(db_done_fn done, void *arg);
/* This node's heartbeat in pool_nodes (cfg.pool_node); sweep: also delete the
 * session_rooms rows of nodes silent for two minutes, and their pool_nodes rows. */
struct db_job *db_pool_beat(int sweep);
/* Users present in room_id (0: every room) through sessions of other nodes whose
 * heartbeat is at most fresh_sec old: one row per (room, user), by room. */
struct db_job *db_rosters(uint64_t room_id, unsigned fresh_sec, db_done_fn done, void *arg);
/* The job's kind, for log lines ("load room"). */
const char *db_job_name(const struct db_job *job);

/* The most inserts committed in one transaction. */
#define DB_BATCH_MAX 128

void db_job_free(struct db_job *job);
/* Frees the strings of one room row (not the row itself). */
void db_room_clear(struct db_room *r);
/* Drops a job's outputs (before a retry). */
void db_job_clear_results(struct db_job *job);

/* The workers. */
enum db_worker_id {
	DB_WRITER, /* every kind but the readers', posts among them */
	DB_READER, /* the kinds whose db_kind.reader is set */
	DB_WORKERS
};

/* Starts both workers; each connects (and keeps retrying) in the background. */
int db_start(struct event_base *base, const struct config *c);
/* To the reader if the job's kind is a reader's, else to the writer. */
void db_submit(struct db_job *job);
/* Whether the database answered the writer's last attempt (connect or batch): what
 * /readyz reports.  It is the last known state: an idle worker does not probe. */
int db_reachable(void);
/* Jobs submitted whose callback has not run yet (both workers). */
size_t db_backlog(void);
/* One worker's: its name ("writer", "reader": the metrics' worker label), its last
 * attempt as db_reachable() says, its jobs whose callback has not run yet. */
const char *db_worker_name(enum db_worker_id id);
int db_worker_reachable(enum db_worker_id id);
size_t db_worker_backlog(enum db_worker_id id);
/* Stops the workers: the writer once the jobs submitted so far have run (failing at
 * once those the database is unreachable for), the reader after the job it runs
 * (its queued reads are for sessions closed by then).  wait: join them, then run
 * the callback of every job left, finished ones as they are and unstarted ones as
 * DB_FAILED, so that each callback runs exactly once; otherwise just signal the
 * workers (for a forced exit). */
void db_stop(int wait);

#endif
