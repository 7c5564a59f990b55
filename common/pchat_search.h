/*
 * pchat_search.h - message search: the one place that knows the search engine.
 *
 * Today's engine is MariaDB's InnoDB FULLTEXT index on messages.body (migration
 * 010_search.sql) queried IN BOOLEAN MODE.  pchatd (backend/dbj_search.c) and the
 * admin library (message.get's "search") put PCHAT_SEARCH_MATCH in their WHERE
 * clause with the expression pchat_search_expr() builds; nothing else names the
 * engine, so another one (a table of our own tokens, an external index) replaces
 * this file, that condition and the migration.
 *
 * A user's text is words and phrases, never the engine's syntax: "quotes make a
 * phrase", everything else is words, and every word and phrase must occur (AND).
 * The boolean operators (+ - < > ( ) ~ * @ and the quotes themselves) are never
 * passed through: a word is split at every ASCII byte that is not a letter, a digit
 * or '_', so the expression holds only '+', '"', blanks and word characters.
 *
 * What the engine cannot find (docs/OPERATIONS.md, *Message search*): words shorter
 * than PCHAT_SEARCH_MIN_WORD characters (innodb_ft_min_token_size) and InnoDB's
 * default stopwords are left out of the query (InnoDB would otherwise match nothing
 * at all); a phrase needs one word that is neither; text without blanks between
 * words (Chinese, Japanese) is one token, found only whole.
 * Pure functions: no I/O, no allocation.
 */
#ifndef PCHAT_SEARCH_H
#define PCHAT_SEARCH_H

#include <stddef.h>

/* The condition on the messages table (alias m): one parameter, the expression. */
#define PCHAT_SEARCH_MATCH "MATCH(m.body) AGAINST(? IN BOOLEAN MODE)"

#define PCHAT_SEARCH_TEXT_MAX 1024 /* bytes of a user's search text */
#define PCHAT_SEARCH_TERMS_MAX 16  /* words and phrases in it */
#define PCHAT_SEARCH_MIN_WORD 3	   /* characters: innodb_ft_min_token_size's default */
/* Room for any expression built from PCHAT_SEARCH_TEXT_MAX bytes. */
#define PCHAT_SEARCH_EXPR_SIZE (2 * PCHAT_SEARCH_TEXT_MAX + 8)

/*
 * Builds the engine's expression for a user's text into out (outsz bytes, at least
 * PCHAT_SEARCH_EXPR_SIZE).  Returns 0, or -1 with a sentence for the user in why:
 * empty text, longer than PCHAT_SEARCH_TEXT_MAX, not UTF-8 XML can carry, more than
 * PCHAT_SEARCH_TERMS_MAX terms, or nothing left the engine can look for.
 */
int pchat_search_expr(const char *text, char *out, size_t outsz, char *why, size_t whylen);

/* Is word (len bytes, any case) one of the stopwords the engine does not index? */
int pchat_search_stopword(const char *word, size_t len);

/* The next word of s[*i..end) as the engine splits words (advancing *i past it; its
 * length in *n), or NULL when none is left.  The feeds' matcher splits posts so too
 * (backend/feedidx.c), so that a post an alert names is one a search finds. */
const char *pchat_search_word(const char *s, size_t *i, size_t end, size_t *n);

/* Will the engine find this word (n bytes) by itself: at least PCHAT_SEARCH_MIN_WORD
 * characters and no stopword? */
int pchat_search_findable(const char *w, size_t n);

/* The longest author a search or a feed names (bytes after "sip:"). */
#define PCHAT_AUTHOR_MAX 255
#define PCHAT_AUTHOR_BAD "author is not a SIP URI like sip:alice@example.com"
/* "sip:user@domain" (or without "sip:") in lower case into out, as authors are
 * stored; -1 if in is no such URI (PCHAT_AUTHOR_BAD says so to the user). */
int pchat_author_parse(const char *in, char out[PCHAT_AUTHOR_MAX + 8]);

#endif
