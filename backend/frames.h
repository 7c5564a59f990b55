/*
 * frames.h - the semantics of the module link: what each frame from the module
 * means and which frame answers it (see common/pchat_frame.h).
 *
 *   HELLO  -> logged.
 *   OPEN   -> session created or updated.
 *   XCCOS  -> exactly one of ACCEPT, BUSY (inbound queue full, or shutting down),
 *             REJECT "481 ..." (unknown session) or REJECT "403 Forbidden" (a post
 *             the session may not make), decided at once; accepted commands then
 *             run and answer with SEND frames.
 *   CLOSE  -> session parts its rooms and is forgotten.
 */
#ifndef PCHAT_FRAMES_H
#define PCHAT_FRAMES_H

#include "../common/pchat_frame.h"

struct link_conn;

/* Set while shutting down: new XCCOS frames get BUSY. */
extern int frames_refusing;

void frames_on_frame(struct link_conn *c, const struct pchat_frame *f);
void frames_on_close(struct link_conn *c);

#endif
