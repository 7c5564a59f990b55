/*
 * pchat_search.c - see pchat_search.h.
 */
#include "pchat_search.h"
#include "pchat_text.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* InnoDB's default stopword list (INFORMATION_SCHEMA.INNODB_FT_DEFAULT_STOPWORD):
 * a required term that is one of them makes InnoDB match nothing. */
static const char *const stopwords[] = {"a", "about", "an", "are", "as", "at", "be", "by", "com",
		"de", "en", "for", "from", "how", "i", "in", "is", "it", "la", "of", "on", "or",
		"that", "the", "this", "to", "was", "what", "when", "where", "who", "will", "with",
		"und", "www"};

int pchat_search_stopword(const char *word, size_t len)
{
	for(size_t i = 0; i < sizeof(stopwords) / sizeof(stopwords[0]); i++) {
		if(strlen(stopwords[i]) == len && strncasecmp(stopwords[i], word, len) == 0)
			return 1;
	}
	return 0;
}

/* A byte of a word: ASCII letters, digits and '_' (InnoDB's word characters), and
 * every byte of a non-ASCII character.  Every ASCII operator is thus a separator. */
static int word_byte(unsigned char ch)
{
	return ch >= 0x80 || isalnum(ch) || ch == '_';
}

/* Characters (not bytes) of a UTF-8 word. */
static size_t word_chars(const char *w, size_t n)
{
	size_t chars = 0;
	for(size_t i = 0; i < n; i++)
		chars += ((unsigned char)w[i] & 0xC0) != 0x80;
	return chars;
}

int pchat_search_findable(const char *w, size_t n)
{
	return word_chars(w, n) >= PCHAT_SEARCH_MIN_WORD && !pchat_search_stopword(w, n);
}

/* The expression under construction. */
struct expr {
	char *out;
	size_t len, size;
	unsigned terms;
};

static void put(struct expr *e, const char *s, size_t n)
{
	if(e->len + n < e->size) { /* the caller's size makes it always fit */
		memcpy(e->out + e->len, s, n);
		e->len += n;
		e->out[e->len] = '\0';
	}
}

const char *pchat_search_word(const char *s, size_t *i, size_t end, size_t *n)
{
	while(*i < end && !word_byte((unsigned char)s[*i]))
		(*i)++;
	if(*i >= end)
		return NULL;
	size_t start = *i;
	while(*i < end && word_byte((unsigned char)s[*i]))
		(*i)++;
	*n = *i - start;
	return s + start;
}

/* A required word, unless the engine cannot find it (then left out). */
static void add_word(struct expr *e, const char *w, size_t n)
{
	if(!pchat_search_findable(w, n))
		return;
	put(e, e->terms ? " +" : "+", e->terms ? 2 : 1);
	put(e, w, n);
	e->terms++;
}

/* A required phrase s[0..n): its words, one blank apart.  Kept only if one of them
 * is a word the engine indexes (InnoDB matches nothing otherwise). */
static void add_phrase(struct expr *e, const char *s, size_t n)
{
	size_t i = 0, wn, mark = e->len, words = 0;
	int findable = 0;
	const char *w;
	put(e, e->terms ? " +\"" : "+\"", e->terms ? 3 : 2);
	while((w = pchat_search_word(s, &i, n, &wn)) != NULL) {
		if(words++)
			put(e, " ", 1);
		put(e, w, wn);
		findable |= pchat_search_findable(w, wn);
	}
	if(!findable) {
		e->len = mark;
		e->out[mark] = '\0';
		return;
	}
	put(e, "\"", 1);
	e->terms++;
}

static int refuse(char *why, size_t whylen, const char *msg)
{
	snprintf(why, whylen, "%s", msg);
	return -1;
}

/* Words outside quotes, phrases inside (an unclosed quote runs to the end). */
static void scan(struct expr *e, const char *text, size_t len)
{
	size_t i = 0;
	while(i < len) {
		if(text[i] == '"') {
			const char *close = memchr(text + i + 1, '"', len - i - 1);
			size_t end = close ? (size_t)(close - text) : len;
			add_phrase(e, text + i + 1, end - i - 1);
			i = close ? end + 1 : len;
		} else if(word_byte((unsigned char)text[i])) {
			size_t start = i;
			while(i < len && word_byte((unsigned char)text[i]))
				i++;
			add_word(e, text + start, i - start);
		} else {
			i++;
		}
	}
}

int pchat_search_expr(const char *text, char *out, size_t outsz, char *why, size_t whylen)
{
	struct expr e = {out, 0, outsz, 0};
	size_t len = text ? strlen(text) : 0, bad;
	if(outsz < PCHAT_SEARCH_EXPR_SIZE)
		return refuse(why, whylen, "internal error: search expression buffer too small");
	out[0] = '\0';
	if(len == 0)
		return refuse(why, whylen, "the search text is empty: give words to search for");
	if(len > PCHAT_SEARCH_TEXT_MAX) {
		snprintf(why, whylen, "the search text is longer than %d bytes",
				PCHAT_SEARCH_TEXT_MAX);
		return -1;
	}
	if(!pchat_text_ok(text, len, &bad)) {
		snprintf(why, whylen, "character %zu of the search text is not allowed", bad + 1);
		return -1;
	}
	scan(&e, text, len);
	if(e.terms > PCHAT_SEARCH_TERMS_MAX) {
		snprintf(why, whylen, "the search text has more than %d words and phrases",
				PCHAT_SEARCH_TERMS_MAX);
		return -1;
	}
	if(e.terms == 0) {
		snprintf(why, whylen,
				"nothing to search for: give a word of at least %d characters that"
				" is not a very common one like \"the\" (short and common words are"
				" not indexed)",
				PCHAT_SEARCH_MIN_WORD);
		return -1;
	}
	return 0;
}

int pchat_author_parse(const char *in, char out[PCHAT_AUTHOR_MAX + 8])
{
	const char *s = strncasecmp(in, "sip:", 4) == 0 ? in + 4 : in;
	const char *at = strchr(s, '@');
	size_t n = strlen(s);
	if(at == NULL || at == s || at[1] == '\0' || n > PCHAT_AUTHOR_MAX)
		return -1;
	for(size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if(ch <= ' ' || ch == 0x7f || strchr("<>\";,", ch))
			return -1;
	}
	snprintf(out, PCHAT_AUTHOR_MAX + 8, "sip:%s", s);
	for(char *p = out + 4; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return 0;
}
