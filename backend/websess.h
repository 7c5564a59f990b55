/*
 * websess.h - the web service's sign-in sessions: random tokens (the session
 * cookie) mapped to the user who signed in, in memory only (a pchatd restart
 * signs everyone out, which is harmless: signing in again is one request).
 *
 * A session ends when signed out, after WEBSESS_IDLE_SEC without use, or after
 * WEBSESS_MAX_SEC in any case.  At most WEBSESS_COUNT_MAX live at a time; when
 * full, the oldest goes, so that sign-ins cannot exhaust memory.
 */
#ifndef PCHAT_WEBSESS_H
#define PCHAT_WEBSESS_H

#include <stddef.h>

#define WEBSESS_COOKIE "pchat_session"
#define WEBSESS_IDLE_SEC 1800 /* 30 minutes */
#define WEBSESS_MAX_SEC 43200 /* 12 hours */
#define WEBSESS_COUNT_MAX 10000
/* A token: 32 random bytes as hex, plus the NUL. */
#define WEBSESS_TOKEN_SIZE 65

/* Creates a session for user; writes its token to token.  Returns 0, or -1 if no
 * randomness is available (then no session exists). */
int websess_create(const char *user, char token[WEBSESS_TOKEN_SIZE]);
/* The user of a live session (refreshing its idle time), or NULL. */
const char *websess_user(const char *token);
void websess_remove(const char *token);
void websess_free_all(void);

#endif
