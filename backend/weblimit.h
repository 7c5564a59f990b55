/*
 * weblimit.h - failed sign-ins of the web service counted per key (a user name, a
 * client address), with back-off, so that passwords cannot be guessed at the
 * speed of the network.
 *
 * A key may fail `failures` times; then it is refused for `backoff_sec`, and each
 * further failure (once the refusal is over) refuses it twice as long, up to
 * `backoff_max_sec`.  A key without a failure for `window_sec` (and no refusal
 * running) is forgotten, and so is a user's key on a successful sign-in.  At most
 * `slots` keys are remembered: when full, the forgotten-by-now ones go, else the
 * one whose last failure is oldest, so memory stays bounded whatever is sent.
 *
 * Pure logic on the event loop's data: the time is passed in (monotonic seconds),
 * so that the unit tests (tests/unit/test_weblimit.c) decide it.
 */
#ifndef PCHAT_WEBLIMIT_H
#define PCHAT_WEBLIMIT_H

#include <stddef.h>
#include <time.h>

struct weblimit_opts {
	unsigned failures;	  /* failures allowed before refusing; 0: no limit */
	unsigned window_sec;	  /* a key quiet this long is forgotten */
	unsigned backoff_sec;	  /* the first refusal */
	unsigned backoff_max_sec; /* the longest refusal */
	unsigned slots;		  /* most keys remembered */
};

struct weblimit;

struct weblimit *weblimit_new(const struct weblimit_opts *o);
void weblimit_free(struct weblimit *l);

/* Seconds key must still wait at now before it may try (0: it may try now). */
unsigned weblimit_wait(struct weblimit *l, const char *key, time_t now);
/* Counts a failed attempt of key at now. */
void weblimit_fail(struct weblimit *l, const char *key, time_t now);
/* Forgets key (a successful sign-in). */
void weblimit_forget(struct weblimit *l, const char *key);
/* How many keys are remembered. */
size_t weblimit_count(const struct weblimit *l);

/* The key of a user name as typed at sign-in ("sip:Alice@example.com", "alice"):
 * the part before '@', in lower case, without "sip:", so that one user cannot be
 * tried under several spellings.  Written to out (truncated to outlen - 1). */
void weblimit_user_key(const char *user, char *out, size_t outlen);

#endif
