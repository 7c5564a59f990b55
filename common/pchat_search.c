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

/* A word as an index key: lowercased (ASCII), cut to PCHAT_SEARCH_TERM_MAX bytes at
 * a character's start.  out has PCHAT_SEARCH_TERM_MAX + 1 bytes; returns the length. */
static size_t key_of(const char *w, size_t n, char *out)
{
	if(n > PCHAT_SEARCH_TERM_MAX) {
		n = PCHAT_SEARCH_TERM_MAX;
		while(n > 0 && ((unsigned char)w[n] & 0xC0) == 0x80)
			n--; /* w[n] continues a character: cut before that character */
	}
	for(size_t i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)w[i]);
	out[n] = '\0';
	return n;
}

void pchat_search_terms(const char *body, size_t len,
		void (*each)(const char *term, size_t n, void *arg), void *arg)
{
	char key[PCHAT_SEARCH_TERM_MAX + 1];
	size_t i = 0, n;
	const char *w;
	while((w = pchat_search_word(body, &i, len, &n)) != NULL) {
		if(pchat_search_findable(w, n))
			each(key, key_of(w, n, key), arg);
	}
}

/* ---- parsing ---- */

/* The query under construction; terms counts every term seen (may pass the limit). */
struct parse {
	struct pchat_search_query *q;
	size_t len;
	unsigned terms;
};

static void add_key(struct pchat_search_query *q, const char *w, size_t n)
{
	char key[PCHAT_SEARCH_TERM_MAX + 1];
	key_of(w, n, key);
	for(unsigned i = 0; i < q->nkeys; i++) {
		if(strcmp(q->keys[i], key) == 0)
			return;
	}
	if(q->nkeys < PCHAT_SEARCH_KEYS_MAX)
		memcpy(q->keys[q->nkeys++], key, sizeof(key));
}

/* A term of the words of s[0..n): kept if one of them is indexed (else no key could
 * find it), its words lowercased one blank apart in q->text; phrase: every word
 * counts, else (a word outside quotes) there is one. */
static void add_term(struct parse *p, const char *s, size_t n)
{
	struct pchat_search_query *q = p->q;
	size_t i = 0, wn, start = p->len;
	int findable = 0;
	const char *w;
	while((w = pchat_search_word(s, &i, n, &wn)) != NULL) {
		if(p->len > start)
			q->text[p->len++] = ' ';
		for(size_t k = 0; k < wn; k++)
			q->text[p->len++] = (char)tolower((unsigned char)w[k]);
		findable |= pchat_search_findable(w, wn);
	}
	if(!findable) {
		p->len = start;
		return;
	}
	if(p->terms++ < PCHAT_SEARCH_TERMS_MAX) {
		q->terms[q->nterms++] = (struct pchat_search_term){
				(unsigned short)start, (unsigned short)(p->len - start)};
		for(i = 0; (w = pchat_search_word(s, &i, n, &wn)) != NULL;)
			if(pchat_search_findable(w, wn))
				add_key(q, w, wn);
	}
	q->text[p->len++] = '\0'; /* terms end with a NUL, in place of a blank */
}

/* Words outside quotes, phrases inside (an unclosed quote runs to the end). */
static void scan(struct parse *p, const char *text, size_t len)
{
	size_t i = 0;
	while(i < len) {
		if(text[i] == '"') {
			const char *close = memchr(text + i + 1, '"', len - i - 1);
			size_t end = close ? (size_t)(close - text) : len;
			add_term(p, text + i + 1, end - i - 1);
			i = close ? end + 1 : len;
		} else if(word_byte((unsigned char)text[i])) {
			size_t start = i;
			while(i < len && word_byte((unsigned char)text[i]))
				i++;
			add_term(p, text + start, i - start);
		} else {
			i++;
		}
	}
}

static int refuse(char *why, size_t whylen, const char *msg)
{
	snprintf(why, whylen, "%s", msg);
	return -1;
}

int pchat_search_parse(const char *text, struct pchat_search_query *q, char *why, size_t whylen)
{
	struct parse p = {q, 0, 0};
	size_t len = text ? strlen(text) : 0, bad;
	memset(q, 0, sizeof(*q));
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
	scan(&p, text, len); /* the words take at most the text's bytes: q->text fits */
	if(p.terms > PCHAT_SEARCH_TERMS_MAX) {
		snprintf(why, whylen, "the search text has more than %d words and phrases",
				PCHAT_SEARCH_TERMS_MAX);
		return -1;
	}
	if(q->nterms == 0) {
		snprintf(why, whylen,
				"nothing to search for: give a word of at least %d characters that"
				" is not a very common one like \"the\" (short and common words are"
				" not indexed)",
				PCHAT_SEARCH_MIN_WORD);
		return -1;
	}
	return 0;
}

/* ---- matching ---- */

/* Does body hold, from word position *i on, the words of term (one blank apart)? */
static int term_at(const char *body, size_t i, size_t len, const char *term, size_t tlen)
{
	size_t t = 0, n;
	while(t < tlen) {
		size_t tn = strcspn(term + t, " ");
		if(tn > tlen - t)
			tn = tlen - t;
		const char *w = pchat_search_word(body, &i, len, &n);
		if(w == NULL || n != tn)
			return 0;
		for(size_t k = 0; k < n; k++) {
			if(tolower((unsigned char)w[k]) != (unsigned char)term[t + k])
				return 0;
		}
		t += tn + 1;
	}
	return 1;
}

static int has_term(const char *body, size_t len, const char *term, size_t tlen)
{
	size_t i = 0, n;
	while(!term_at(body, i, len, term, tlen)) { /* from each word on */
		if(pchat_search_word(body, &i, len, &n) == NULL)
			return 0;
	}
	return 1;
}

int pchat_search_match(const struct pchat_search_query *q, const char *body, size_t len)
{
	for(unsigned i = 0; i < q->nterms; i++) {
		if(!has_term(body, len, q->text + q->terms[i].off, q->terms[i].len))
			return 0;
	}
	return 1;
}

/* ---- running ---- */

/* Index entries a round reads: twice the page, growing fourfold a round. */
static unsigned long window_size(unsigned long want, unsigned round)
{
	unsigned long w = want * 2 < 128 ? 128 : want * 2;
	for(unsigned r = 0; r < round && w < PCHAT_SEARCH_SCAN_MAX; r++)
		w *= 4;
	return w < PCHAT_SEARCH_SCAN_MAX ? w : PCHAT_SEARCH_SCAN_MAX;
}

/* The key that reaches furthest back with size entries (the rarest here): one with
 * fewer than size entries left first (the fewest), else the lowest id reached.
 * *from: where its window starts (0: it has nothing older). */
static int pick_key(const struct pchat_search_query *q, const struct pchat_search_io *io, void *ctx,
		unsigned long long before, unsigned long size, unsigned *key,
		unsigned long long *count, unsigned long long *from)
{
	unsigned long long best_count = 0, best_low = 0;
	for(unsigned k = 0; k < q->nkeys; k++) {
		unsigned long long n, low;
		if(io->window(ctx, q->keys[k], before, (unsigned)size, &n, &low) < 0)
			return -1;
		int better = k == 0 ||
				(n < size ? best_count >= size || n < best_count
					  : best_count >= size && low < best_low);
		if(better) {
			*key = k;
			best_count = n;
			best_low = low;
		}
	}
	*count = best_count;
	*from = best_count < size ? 0 : best_low;
	return 0;
}

long pchat_search_run(const struct pchat_search_query *q, const struct pchat_search_io *io,
		void *ctx, unsigned long long before, unsigned long want, unsigned long budget,
		unsigned long long *next)
{
	unsigned long long count, from;
	unsigned long kept = 0, read = 0;
	unsigned key = 0;
	if(before == 0)
		before = ~0ULL;
	for(unsigned round = 0;; round++) {
		unsigned long size = window_size(want, round);
		if(pick_key(q, io, ctx, before, size, &key, &count, &from) < 0)
			return -1;
		long n = io->candidates(ctx, q->keys[key], from, before);
		if(n < 0)
			return -1;
		kept += (unsigned long)n;
		read += (unsigned long)count;
		before = from;
		if(from == 0 || kept >= want || read >= budget)
			break;
	}
	*next = before;
	return (long)kept;
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
