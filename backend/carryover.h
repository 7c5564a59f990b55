/*
 * carryover.h - a closed session's rooms, kept a while for the next session of the
 * same endpoint (docs/ARCHITECTURE.md, *Rebuilt sessions*).
 *
 * pidgin-sipe rebuilds its chat session after a 481, a Kamailio restart or an expiry
 * (BYE, a new INVITE) and re-joins only the rooms it still had queued: the rooms it
 * shows open would go silent and answer its posts 403.  So a session with an
 * endpoint id (the epid of its From) that ends (CLOSE, or its module link closed) is
 * parked: closed (nothing is sent to it) but still present in its rooms, for
 * --carryover-sec.  The next session of the same user and epid takes them over at
 * its OPEN, quietly (no ntc:part, no ntc:join, no reply), each room's join right
 * checked again.  A parked session nobody claims leaves its rooms when its time is
 * up, as a close does (ntc:part to the others where it was the user's last session).
 */
#ifndef PCHAT_CARRYOVER_H
#define PCHAT_CARRYOVER_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct session;

/* The timer that ends parked sessions whose time is up (once a second). */
int carryover_start(struct event_base *base);
/* s has just closed for good (its queued posts handed on): parks it if it has an
 * epid, rooms and --carryover-sec is on.  Returns 1 if parked (it keeps its rooms and
 * stored rows, and a reference), 0 if the caller must part them itself. */
int carryover_park(struct session *s);
/* A new session (OPEN, before its first command): takes over the rooms of the parked
 * session of the same user and epid, if any.  Returns how many rooms it took. */
size_t carryover_claim(struct session *s);
/* Ends the parked sessions whose time was up by now_ms (mono_ms()). */
void carryover_expire(uint64_t now_ms);
/* Ends every parked session (shutdown). */
void carryover_release_all(void);
/* Parked sessions now (metrics, tests). */
size_t carryover_count(void);

#endif
