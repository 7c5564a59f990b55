/*
 * feedidx.h - the keyword index of the saved feeds (docs/ARCHITECTURE.md, *Feeds and
 * alerts*): which feeds a post matches, at a cost that depends on the post's words
 * and the feeds that share them, never on the number of feeds.
 *
 * A feed's keywords must all occur in a post, as words split and case-folded as the
 * message search splits them (common/pchat_search.h: ASCII letters, digits and '_',
 * and non-ASCII bytes, are word bytes; ASCII letters are folded to lower case), so
 * that a post an alert names is one /search finds.  Each feed is filed under ONE of
 * its keywords, the longest (the rarest, as a rule), so a post looks up each of its
 * distinct words once and checks only the feeds filed under them.  What a feed may
 * hold (the keywords' normalisation, the limits) is common/pchat_feeds.h's.
 * Pure data structure: no I/O; the loop owns it (backend/feeds.c).
 */
#ifndef PCHAT_FEEDIDX_H
#define PCHAT_FEEDIDX_H

#include <stddef.h>
#include <stdint.h>

struct feed {
	uint64_t id;
	char *user;	  /* sip:user@domain, as stored */
	uint64_t room_id; /* 0: any room */
	char *author;	  /* "": anyone; else lower case */
	char *words;	  /* the normalised keywords, one blank apart (feeds.words) */
	char **word;	  /* pointers into a copy of words, nwords of them */
	size_t nwords;
	char *wordbuf;
};

/* A feed from a stored row (copies the strings); NULL if words holds no word. */
struct feed *feed_new(uint64_t id, const char *user, uint64_t room_id, const char *author,
		const char *words);
void feed_free(struct feed *f);

struct feedidx;
struct feedidx *feedidx_new(void);
/* Frees the index and every feed in it. */
void feedidx_free(struct feedidx *ix);
/* Files f (the index owns it from now on). */
void feedidx_add(struct feedidx *ix, struct feed *f);
size_t feedidx_count(const struct feedidx *ix);

/* The distinct words of a post, case-folded and sorted (for feedidx_match). */
struct post_words {
	char **w;
	size_t n;
	char *buf;
};
void post_words_split(const char *text, size_t len, struct post_words *pw);
void post_words_free(struct post_words *pw);

/* Calls fn(f, arg) for every feed all of whose keywords are among pw's words (the
 * room and author filters are the caller's); returns the number of calls.  Feeds
 * checked: only those filed under one of pw's words. */
size_t feedidx_match(const struct feedidx *ix, const struct post_words *pw,
		void (*fn)(const struct feed *f, void *arg), void *arg);

#endif
