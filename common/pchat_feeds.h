/*
 * pchat_feeds.h - what a saved feed may hold and how it is stored, shared by the
 * two paths that change feeds: pchatd's cmd:feed (backend/cmd_feeds.c, the DB
 * writer's dbj_feeds.c) and the admin library's feed.* verbs (admin/pca_feeds.c,
 * the web page).  One normalisation of the keywords, one author check, one set of
 * refusal texts and the statements that enforce the per-user limit and bump
 * FeedsRevision, so the two cannot disagree (docs/ARCHITECTURE.md, *Feeds and
 * alerts*; sql/migrations/012_feeds.sql).
 *
 * The keywords are words as the message search splits them (common/pchat_search.h),
 * case folded, deduplicated and sorted, one blank apart: the form feeds.words holds
 * and pchatd's index (backend/feedidx.c) reads.  Pure functions: no I/O.
 */
/* (not PCHAT_FEEDS_H: that is backend/feeds.h's, which pchatd includes beside this) */
#ifndef PCHAT_FEEDS_COMMON_H
#define PCHAT_FEEDS_COMMON_H

#include <stddef.h>

/* pchatd's --feeds-max, --feed-words-max, --feed-word-max-bytes by default. */
#define PCHAT_FEEDS_MAX_DEFAULT 20
#define PCHAT_FEED_WORDS_MAX_DEFAULT 10
#define PCHAT_FEED_WORD_MAX_BYTES_DEFAULT 64
/* Room for the normalised keywords at the largest limits (100 keywords of 255 bytes
 * are refused by the length check below); feeds.words holds 2048 bytes. */
#define PCHAT_FEED_WORDS_SIZE 2049
/* Alerts listed when the user asks for no count. */
#define PCHAT_ALERTS_DEFAULT 50

/* Bounds on what one user may save. */
struct pchat_feed_limits {
	unsigned feeds_max;	 /* feeds per user */
	unsigned words_max;	 /* keywords per feed */
	unsigned word_max_bytes; /* bytes of one keyword */
};

/* The refusals, the same words on every path (a 403, a 404, a 403; a bad author:
 * PCHAT_AUTHOR_BAD of pchat_search.h). */
#define PCHAT_FEEDS_FULL_FMT "you have %u feeds, the most one user may save: remove one first"
#define PCHAT_FEED_UNKNOWN "you have no feed with that id"
#define PCHAT_FEED_NO_HISTORY "this room keeps no history for clients"

/*
 * The statements.  The bound on feeds per user is checked in the insert itself
 * (user, words, room id or 0, author, user, feeds_max): no row inserted means the
 * user has feeds_max already.  The delete takes (id, user).  Every change that
 * touched a row bumps FeedsRevision in its transaction: every pchatd of a pool
 * polls server_config each second and loads the feeds again when it moved.
 */
#define PCHAT_FEED_INSERT_SQL                                  \
	"INSERT INTO feeds (user_uri, words, room_id, author)" \
	" SELECT ?, ?, NULLIF(?, 0), ? FROM DUAL"              \
	" WHERE (SELECT COUNT(*) FROM feeds WHERE user_uri = ?) < ?"
#define PCHAT_FEED_DELETE_SQL "DELETE FROM feeds WHERE id = ? AND user_uri = ?"
#define PCHAT_FEEDS_BUMP_SQL                         \
	"UPDATE server_config SET value ="           \
	" CAST(CAST(value AS UNSIGNED) + 1 AS CHAR)" \
	" WHERE name = 'FeedsRevision'"

/*
 * Splits text[0..len) into its distinct words, case folded and sorted: a copy in
 * *buf, the words (pointers into it) in *words, *n of them; free both.  Returns 0,
 * or -1 when out of memory (nothing to free).
 */
int pchat_feed_words_split(const char *text, size_t len, char **buf, char ***words, size_t *n);

/*
 * Normalises a user's keywords (text) into out (outsz bytes, PCHAT_FEED_WORDS_SIZE):
 * the words, lower case, deduplicated, one blank apart.  Returns 0, or -1 with a
 * sentence for the user in why: empty, not text XML can carry, more than
 * lim->words_max keywords, one longer than lim->word_max_bytes, one the search
 * cannot find (too short or a stopword), or out of memory.
 */
int pchat_feed_words_normalise(const char *text, const struct pchat_feed_limits *lim, char *out,
		size_t outsz, char *why, size_t whylen);

#endif
