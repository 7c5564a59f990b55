/*
 * frames.h - the module link's meaning: what each frame from the module does,
 * which frame answers it, and the life of the sessions it opens and closes
 * (see common/pchat_frame.h).
 *
 *   OPEN   -> session created (then put back quietly into the rooms it had
 *             joined before a restart of pchatd) or updated.
 *   XCCOS  -> exactly one of ACCEPT, BUSY (inbound queue full, or stopping),
 *             REJECT "481 ..." (unknown session) or REJECT "403 ..." (a post the
 *             session may not make), decided at once; accepted commands then
 *             run and answer with SEND frames.
 *   CLOSE  -> the session parts its rooms and is forgotten.
 *   HELLO  -> the connection's node name and link process index (link_set_peer).
 * Sent by pchatd on its own: DROP, when an operator ends a session
 * (frames_drop_session, the query pchat.session_drop).
 *
 * Closing a session, whatever the cause (CLOSE, its connection gone, OPEN for
 * another user, shutdown), is one cascade here: forget its stored rooms unless
 * pchatd is stopping, take it out of the table, let its queued posts be stored
 * and drop its other commands (cmdq), part its rooms (presence).
 */
#ifndef PCHAT_FRAMES_H
#define PCHAT_FRAMES_H

#include "../common/pchat_frame.h"

struct link_conn;

/* Hands the command table to the command queue; call once before any frame. */
void frames_init(void);

void frames_on_frame(struct link_conn *c, const struct pchat_frame *f);
void frames_on_close(struct link_conn *c);

struct session;
/* Ends s for good as a CLOSE would, and sends DROP so that the module forgets its
 * dialog too; why goes to the log. */
void frames_drop_session(struct session *s, const char *why);

/* Stopping (shutdown): new XCCOS frames get BUSY, and sessions that close keep
 * their stored rooms (they are what a restart restores). */
void frames_set_stopping(int on);
int frames_stopping(void);
/* Shutdown: closes every session, keeping their stored rooms. */
void frames_close_all(void);

#endif
