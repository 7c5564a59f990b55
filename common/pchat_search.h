/*
 * pchat_search.h - message search: the one place that knows the search engine.
 *
 * The engine is a term index of our own (migration 014_search_terms.sql): one row
 * (term, message id) in message_terms for every word of a message it can find,
 * read newest first from any message id down.  A search of any word costs the page
 * it returns, not how common the word is: InnoDB's FULLTEXT index (migration 010,
 * replaced) gathered and sorted every match before the newest 50 could be taken,
 * 19-29 s for a word in 1 message of 10 among 10 million (docs/BENCHMARKS.md, (m)).
 *
 * Who writes it: an insert or a change of a message's text queues the message in
 * search_pending (triggers of migration 014), and pchatd's indexer (the admin
 * library's search.index, backend/searchindex.c) turns the queue into index rows a
 * batch at a time.  A search reads both: the index, and the queued messages, whose
 * text it checks itself, so that a post answered 200 is found at once, and so is a
 * row a DBA inserted by hand.  Deleting a message deletes its rows (foreign keys).
 *
 * A user's text is words and phrases, never an engine's syntax: "quotes make a
 * phrase", everything else is words, and every word and phrase must occur (AND).
 * A word is a run of ASCII letters, digits and '_' and of non-ASCII bytes; every
 * other ASCII byte separates words, so operators and SQL are just separators.
 * Words are compared without ASCII case.
 *
 * What it cannot find (docs/OPERATIONS.md, *Message search*): words shorter than
 * PCHAT_SEARCH_MIN_WORD characters and the stopwords are not indexed, so a search
 * needs one word that is neither (inside a phrase they still count); text without
 * blanks between words (Chinese, Japanese) is one word, found only whole.
 *
 * How a search runs (pchat_search_run, with the caller's statements): rounds over
 * windows of ids.  Each round asks, for every key (a findable word of the query),
 * how far back its newest W entries reach below `before` (PCHAT_SEARCH_WINDOW), and
 * takes the key that reaches furthest: the rarest one here.  The candidates are that
 * key's entries in [from, before) and the queued messages in that range
 * (PCHAT_SEARCH_CANDIDATES); the caller's query joins them to messages with its
 * filters, and pchat_search_match() checks every word and phrase in the text.
 * Windows grow round after round up to PCHAT_SEARCH_SCAN_MAX entries a request;
 * then the page ends with "more" and the id to go on from.
 */
#ifndef PCHAT_SEARCH_H
#define PCHAT_SEARCH_H

#include <stddef.h>

#define PCHAT_SEARCH_TEXT_MAX 1024    /* bytes of a user's search text */
#define PCHAT_SEARCH_TERMS_MAX 16     /* words and phrases in it */
#define PCHAT_SEARCH_KEYS_MAX 16      /* index keys a search tries (the rarest drives) */
#define PCHAT_SEARCH_MIN_WORD 3	      /* characters a word needs to be indexed */
#define PCHAT_SEARCH_TERM_MAX 64      /* bytes of an index key: longer words are cut */
#define PCHAT_SEARCH_SCAN_MAX 20000   /* index entries one request reads at most */
#define PCHAT_SEARCH_PENDING_MAX 2000 /* queued messages one round reads at most */
#define PCHAT_SEARCH_STR_(x) #x
#define PCHAT_SEARCH_STR(x) PCHAT_SEARCH_STR_(x)

/* The index rows of messages, from one JSON parameter [[term, msg_id], ...]
 * (pchat_search_terms gives the terms); repeated pairs are ignored. */
#define PCHAT_SEARCH_INDEX_INSERT                                                      \
	"INSERT IGNORE INTO message_terms (term, msg_id) SELECT j.term, j.msg_id FROM" \
	" JSON_TABLE(?, '$[*]' COLUMNS (term VARBINARY(64) PATH '$[0]',"               \
	" msg_id BIGINT UNSIGNED PATH '$[1]')) j"

/* How far back a key's newest entries below an id reach: one row (count, lowest id)
 * for three parameters (key, before, limit). */
#define PCHAT_SEARCH_WINDOW                                                                \
	"SELECT COUNT(*), COALESCE(MIN(msg_id), 0) FROM (SELECT msg_id FROM message_terms" \
	" WHERE term = ? AND msg_id < ? ORDER BY msg_id DESC LIMIT ?) w"

/* The candidates of a round, a derived table c with one column, id, for five
 * parameters (key, from, before, from, before): the key's entries in [from, before)
 * and the newest PCHAT_SEARCH_PENDING_MAX queued messages in it.  The caller joins
 * messages m ON m.id = c.id and checks each row's text (pchat_search_match). */
#define PCHAT_SEARCH_CANDIDATES                                                           \
	"(SELECT t.msg_id AS id FROM message_terms t WHERE t.term = ? AND t.msg_id >= ?"  \
	" AND t.msg_id < ? UNION SELECT q.msg_id FROM (SELECT msg_id FROM search_pending" \
	" WHERE msg_id >= ? AND msg_id < ? ORDER BY msg_id DESC LIMIT " PCHAT_SEARCH_STR( \
			PCHAT_SEARCH_PENDING_MAX) ") q) c"

/* A parsed search: its words and phrases, lowercased (ASCII), each term's words one
 * blank apart in text; and its index keys. */
struct pchat_search_query {
	char text[PCHAT_SEARCH_TEXT_MAX + 1];
	struct pchat_search_term {
		unsigned short off, len; /* in text */
	} terms[PCHAT_SEARCH_TERMS_MAX];
	unsigned nterms;
	char keys[PCHAT_SEARCH_KEYS_MAX][PCHAT_SEARCH_TERM_MAX + 1];
	unsigned nkeys;
};

/*
 * Parses a user's text into q.  Returns 0, or -1 with a sentence for the user in
 * why: empty text, longer than PCHAT_SEARCH_TEXT_MAX, not UTF-8 XML can carry, more
 * than PCHAT_SEARCH_TERMS_MAX words and phrases, or nothing the index can find.
 */
int pchat_search_parse(const char *text, struct pchat_search_query *q, char *why, size_t whylen);

/* Does a message's text hold every word and phrase of q (phrases: their words in a
 * row)? */
int pchat_search_match(const struct pchat_search_query *q, const char *body, size_t len);

/* Calls each(term, n, arg) for every word of body the index keeps, lowercased and cut
 * to PCHAT_SEARCH_TERM_MAX bytes (at a character's start); a word may come twice. */
void pchat_search_terms(const char *body, size_t len,
		void (*each)(const char *term, size_t n, void *arg), void *arg);

/* Is word (len bytes, any case) one of the stopwords the index leaves out? */
int pchat_search_stopword(const char *word, size_t len);

/* The next word of s[*i..end) (advancing *i past it; its length in *n), or NULL when
 * none is left.  The feeds' matcher splits posts so too (backend/feedidx.c), so that
 * a post an alert names is one a search finds. */
const char *pchat_search_word(const char *s, size_t *i, size_t end, size_t *n);

/* Is this word (n bytes) indexed: at least PCHAT_SEARCH_MIN_WORD characters and no
 * stopword? */
int pchat_search_findable(const char *w, size_t n);

/*
 * The statements a search runs, given by its caller (pchatd's DB reader, the admin
 * library): window() runs PCHAT_SEARCH_WINDOW; candidates() runs the caller's query
 * over PCHAT_SEARCH_CANDIDATES, newest first, keeps the rows pchat_search_match()
 * accepts (and its own checks), and returns how many it kept.  Both return -1 on a
 * database error (the search stops with it).
 */
struct pchat_search_io {
	int (*window)(void *ctx, const char *key, unsigned long long before, unsigned limit,
			unsigned long long *count, unsigned long long *lowest);
	long (*candidates)(void *ctx, const char *key, unsigned long long from,
			unsigned long long before);
};

/*
 * Runs rounds (above) from `before` (0: the newest) until `want` rows were kept, the
 * index has nothing older, or `budget` index entries were read.  *next is where the
 * next round would start: 0 when nothing older is left.  Returns the rows kept, or -1.
 */
long pchat_search_run(const struct pchat_search_query *q, const struct pchat_search_io *io,
		void *ctx, unsigned long long before, unsigned long want, unsigned long budget,
		unsigned long long *next);

/* The longest author a search or a feed names (bytes after "sip:"). */
#define PCHAT_AUTHOR_MAX 255
#define PCHAT_AUTHOR_BAD "author is not a SIP URI like sip:alice@example.com"
/* "sip:user@domain" (or without "sip:") in lower case into out, as authors are
 * stored; -1 if in is no such URI (PCHAT_AUTHOR_BAD says so to the user). */
int pchat_author_parse(const char *in, char out[PCHAT_AUTHOR_MAX + 8]);

#endif
