/*
 * fakes.h - stand-ins for backend/link.c and backend/db.c, so that unit tests run
 * the real sessions, rooms, commands and frames code without a socket or a
 * database.  fake_link.c records every frame "sent"; fake_db.c keeps submitted
 * jobs until the test runs them against an in-memory table.
 */
#ifndef PCHAT_TEST_FAKES_H
#define PCHAT_TEST_FAKES_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct link_conn;

struct sent_frame {
	uint8_t type;
	uint32_t token;
	uint64_t session;
	char *payload; /* NUL-terminated copy */
	size_t len;
};

/* A fresh fake connection with that id (ids share 8 slots: id % 8). */
struct link_conn *fake_conn(uint32_t id);
/* Whether link_close_after_send() was called on connection id. */
int fake_conn_closed(uint32_t id);
size_t fake_sent_count(void);
const struct sent_frame *fake_sent(size_t i);
/* Frames sent to one session since the last clear, in order. */
size_t fake_sent_to(uint64_t session, const struct sent_frame **out, size_t max);
/* The FANOUT frames sent since the last clear (fake_sent() shows them as the SEND
 * frames the module makes of them): the link each went on and its recipient count. */
struct fake_fanout {
	uint32_t link;
	uint32_t count;
};
size_t fake_fanouts(const struct fake_fanout **out);
void fake_sent_clear(void);
void fake_link_reset(void);

void fake_db_add_room(uint64_t id, const char *domain, const char *chan_id, const char *name,
		const char *topic, const char *privacy);
/* A room's access settings (NULL strings: empty lists; allowed NULL: "example.com"). */
struct fake_acl {
	const char *type; /* "normal" (NULL) or "auditorium" */
	int disabled;
	const char *members, *managers, *presenters; /* space-separated principals */
	const char *allowed, *denied;
	int no_history; /* the category has chat history switched off */
	int no_files;	/* the category has file upload switched off */
	int no_invite;	/* the room (or its category) sends no invitations */
};
void fake_db_set_room_acl(uint64_t id, const struct fake_acl *acl);
/* A message stored without a post (as by hand, or before this process started). */
void fake_db_add_message(uint64_t room_id, const char *author, const char *body);
/* The room's row is deleted. */
void fake_db_remove_room(uint64_t id);
void fake_db_add_invitation(uint64_t id, const char *user, uint64_t room_id, const char *inviter);
/* A category of domain example.com. */
void fake_db_add_category(const char *cat_id, const char *name, const char *allowed,
		const char *denied, const char *creators);
/* A moderator removed (replacement NULL) or replaced message msg_id of the room:
 * a row of message_changes. */
void fake_db_add_change(uint64_t room_id, uint64_t msg_id, const char *replacement);
/* server_config value (enum db_conf_key); -1: no row. */
void fake_db_set_conf(int key, long long value);
/* Jobs submitted and not run yet. */
size_t fake_db_queued(void);
/* Runs every queued job (and those their callbacks submit), in order. */
void fake_db_run_all(void);
size_t fake_db_messages(void);
/* The stored message i: author and body. */
const char *fake_db_message_author(size_t i);
const char *fake_db_message_body(size_t i);
/* How many rooms user follows (followed_rooms). */
size_t fake_db_follows(const char *user);
/* DB_SAVE_READ jobs run so far. */
size_t fake_db_read_writes(void);
/* Rows of session_rooms for a session id; adding one (as a previous run left it). */
size_t fake_db_session_rooms(uint64_t sid);
void fake_db_add_session_room(uint64_t sid, uint64_t room_id, const char *user);
/* Runs every queued job as fake_db_run_all does, but as if the database had been
 * unreachable past every deadline: jobs that have one end DB_UNAVAILABLE, unrun. */
void fake_db_run_late(void);
/* The next job run fails (DB_FAILED). */
void fake_db_fail_next(void);
void fake_db_reset(void);
/* A saved feed DB_FEEDS_ALL returns (words normalised); the DB_FEED_MATCH jobs run. */
void fake_db_add_feed(uint64_t id, const char *user, uint64_t room_id, const char *words);
size_t fake_db_feed_matches(void);

/* The file store (fake_files.c): files and the tokens DB_FILE_TOKEN issued. */
struct fake_ftok {
	char *token, *user, *file_name;
	int upload;
	uint64_t room_id;
	struct timespec issued_at, expires_at;
};
/* A stored file of a room, posted (message_id set) or not. */
void fake_db_add_file(uint64_t room_id, const char *stored_name, int posted);
size_t fake_db_file_tokens(void);
const struct fake_ftok *fake_db_file_token(size_t i);
/* For fake_db.c: runs a DB_FILE_TOKEN job; forgets every file and token. */
struct db_job;
void fake_files_run_token(struct db_job *job);
void fake_files_reset(void);

#endif
