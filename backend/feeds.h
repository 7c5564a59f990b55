/*
 * feeds.h - topic feeds and keyword alerts in the loop (docs/ARCHITECTURE.md, *Feeds
 * and alerts*): the index of every saved feed (feedidx.h), kept fresh across a pool
 * by server_config.FeedsRevision, and what a stored post's matches become: a row of
 * feed_matches (the user's /alerts) and, within the user's alert rate, an ALERT frame
 * asking the module for a SIP MESSAGE to the user's registered endpoints.
 */
#ifndef PCHAT_FEEDS_H
#define PCHAT_FEEDS_H

#include <stddef.h>

struct room;
struct xccos_chat;

/* The FeedsRevision server_config holds now (reload.c, each poll; -1: no row): the
 * feeds are read again when it differs from the one they were read at. */
void feeds_revision_seen(long long revision);
/* Reads the feeds again now (after a change through this pchatd). */
void feeds_reload(void);
/* Feeds in the index (0 until their first load). */
size_t feeds_count(void);

/* What feeds_on_post does with a post's matches: store them (feed_matches; the node
 * that stored the post does, once) and alert the users' sessions on this node (every
 * node of a pool that delivers the post does, for its own sessions). */
enum { FEEDS_STORE = 1, FEEDS_ALERT = 2 };
/* A post of r, committed: its matches (never the author's own feeds, only users who
 * may read r's history) are stored and/or alerted, as what says. */
void feeds_on_post(struct room *r, const struct xccos_chat *m, unsigned what);

/* Builds the text/plain body of an alert into out (outsz bytes, NUL-terminated): the
 * room, the author and an excerpt of the post, cut at a character.  Pure (unit
 * tests). */
size_t feeds_alert_text(char *out, size_t outsz, const char *room_name, const char *room_uri,
		const char *author, const char *text, size_t text_len);

void feeds_free(void);

#endif
