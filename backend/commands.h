/*
 * commands.h - execution of accepted XCCOS commands and posts.
 *
 * Each session has a FIFO of accepted commands, run one at a time in arrival
 * order, so its replies go out in the order of its commands (rpl:join before the
 * rpl:bccontext that follows it, and so on).  A command that needs the database
 * holds its session's queue until its job completes.  Consecutive posts are the
 * exception: each is handed to the database at once (so one client's burst is
 * committed in one transaction) and the next command that is not a post waits
 * until their echoes have gone out.
 *
 * The count of accepted-but-unfinished commands, including posts waiting for
 * their commit, is the inbound queue that --queue-limit bounds.
 */
#ifndef PCHAT_COMMANDS_H
#define PCHAT_COMMANDS_H

#include <stddef.h>

#include "list.h"
#include "util.h"
#include "xccos.h"

struct session;
struct room;
struct cmd_def;

struct cmd {
	struct list link;     /* session.queue */
	struct session *sess; /* a reference is held */
	const struct cmd_def *def;
	struct xccos_req req;
	char *error;	   /* rpl:error reason, for unparseable envelopes */
	char *uri;	   /* the room URI the command is about, if any */
	struct room *room; /* that room, once known */
	unsigned limit;	   /* bccontext: messages wanted */
	/* join/bjoin: the rooms asked for, in order (NULL: not a valid room id) */
	char **uris;
	size_t nuris;
	unsigned loads;	   /* room loads outstanding */
	int load_failed;   /* one of them failed (database error) */
	unsigned pushes;   /* bjoin: history pushes outstanding */
	char ts[TS_BUFSZ]; /* grpchat: server timestamp */
	/* when a room had to be loaded: what to do next */
	int (*then)(struct cmd *c);
	int detached; /* its session closed while it waited; nobody needs its answer */
};

/*
 * Takes the body of one XCCOS frame for session s.  Returns 0 when the item was
 * queued (answer ACCEPT, then call commands_pump), or -1 with the SIP status line
 * to REJECT with in reject ("403 Forbidden" for a post the session may not make).
 */
int commands_accept(
		struct session *s, const char *payload, size_t len, char *reject, size_t rejectlen);
/* Runs s's queued commands, in order, as far as they can go now. */
void commands_pump(struct session *s);
/* Accepted, unfinished commands in all sessions (what --queue-limit bounds). */
unsigned commands_pending(void);
/* Those whose result still matters: all posts, and the commands of live
 * sessions.  Shutdown waits for these only. */
unsigned commands_outstanding(void);
/* The session closed: queued posts are still stored, everything else dropped. */
void commands_session_closed(struct session *s);
/* A new session (OPEN): before its first command, put it back quietly into the
 * rooms session_rooms says it was in (a restart of pchatd). */
void commands_restore(struct session *s);
/* The session ended for good: forget its stored rooms. */
void commands_forget_rooms(const struct session *s);
/* Frees what the handlers cache (server configuration). */
void commands_free_all(void);

#endif
