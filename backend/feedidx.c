/*
 * feedidx.c - see feedidx.h.
 */
#include "feedidx.h"
#include "dict.h"
#include "pchat_search.h"
#include "pchat_text.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The feeds filed under one word. */
struct bucket {
	struct feed **v;
	size_t n, cap;
};

struct feedidx {
	struct dict *words; /* word -> struct bucket */
	size_t nfeeds;
};

static void fold(char *s, size_t n)
{
	for(size_t i = 0; i < n; i++)
		s[i] = (char)tolower((unsigned char)s[i]);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Splits text[0..len) into its distinct folded words, sorted: a copy in *buf, the
 * words in *words (*n of them). */
static void split_words(const char *text, size_t len, char **buf, char ***words, size_t *n)
{
	size_t i = 0, wn, cap = 8, out = 0, k = 0;
	const char *w;
	char *b = xmalloc(len + 1);
	char **v = xmalloc(cap * sizeof(*v));
	while((w = pchat_search_word(text, &i, len, &wn)) != NULL) {
		if(k == cap) {
			cap *= 2;
			v = xrealloc(v, cap * sizeof(*v));
		}
		memcpy(b + out, w, wn);
		fold(b + out, wn);
		b[out + wn] = '\0';
		v[k++] = b + out;
		out += wn + 1;
	}
	qsort(v, k, sizeof(*v), cmp_str);
	*n = 0;
	for(size_t j = 0; j < k; j++) {
		if(*n == 0 || strcmp(v[*n - 1], v[j]) != 0)
			v[(*n)++] = v[j];
	}
	*buf = b;
	*words = v;
}

void post_words_split(const char *text, size_t len, struct post_words *pw)
{
	split_words(text, len, &pw->buf, &pw->w, &pw->n);
}

void post_words_free(struct post_words *pw)
{
	free(pw->w);
	free(pw->buf);
	memset(pw, 0, sizeof(*pw));
}

static int refuse(char *why, size_t whylen, const char *msg)
{
	snprintf(why, whylen, "%s", msg);
	return -1;
}

/* Checks every word against the limits; -1 with the reason. */
static int words_check(char **v, size_t n, const struct feed_limits *lim, char *why, size_t whylen)
{
	if(n == 0)
		return refuse(why, whylen, "a feed needs keywords: give words to be alerted about");
	if(n > lim->words_max) {
		snprintf(why, whylen, "a feed has at most %u keywords (this one has %zu)",
				lim->words_max, n);
		return -1;
	}
	for(size_t i = 0; i < n; i++) {
		size_t wn = strlen(v[i]);
		if(wn > lim->word_max_bytes) {
			snprintf(why, whylen, "keyword %zu is longer than %u bytes", i + 1,
					lim->word_max_bytes);
			return -1;
		}
		if(!pchat_search_findable(v[i], wn)) {
			snprintf(why, whylen,
					"keyword \"%.40s\" is too short or too common (at least %d"
					" characters, not a word like \"the\")",
					v[i], PCHAT_SEARCH_MIN_WORD);
			return -1;
		}
	}
	return 0;
}

int feed_words_normalise(const char *text, const struct feed_limits *lim, char *out, size_t outsz,
		char *why, size_t whylen)
{
	size_t len = text ? strlen(text) : 0, bad, n, used = 0;
	char *buf, **v;
	int rc;
	if(len == 0)
		return refuse(why, whylen, "a feed needs keywords: give words to be alerted about");
	if(!pchat_text_ok(text, len, &bad)) {
		snprintf(why, whylen, "character %zu of the keywords is not allowed", bad + 1);
		return -1;
	}
	split_words(text, len, &buf, &v, &n);
	rc = words_check(v, n, lim, why, whylen);
	for(size_t i = 0; rc == 0 && i < n; i++) {
		int w = snprintf(out + used, outsz - used, "%s%s", i ? " " : "", v[i]);
		if(w < 0 || (size_t)w >= outsz - used)
			rc = refuse(why, whylen, "the keywords are too long");
		else
			used += (size_t)w;
	}
	free(v);
	free(buf);
	return rc;
}

struct feed *feed_new(uint64_t id, const char *user, uint64_t room_id, const char *author,
		const char *words)
{
	struct feed *f = xcalloc(1, sizeof(*f));
	f->id = id;
	f->user = xstrdup(user);
	f->room_id = room_id;
	f->author = xstrdup(author ? author : "");
	f->words = xstrdup(words);
	split_words(words, strlen(words), &f->wordbuf, &f->word, &f->nwords);
	if(f->nwords == 0) {
		feed_free(f);
		return NULL;
	}
	return f;
}

void feed_free(struct feed *f)
{
	if(f == NULL)
		return;
	free(f->user);
	free(f->author);
	free(f->words);
	free(f->word);
	free(f->wordbuf);
	free(f);
}

struct feedidx *feedidx_new(void)
{
	struct feedidx *ix = xcalloc(1, sizeof(*ix));
	ix->words = dict_new();
	return ix;
}

static void bucket_free(void *p)
{
	struct bucket *b = p;
	for(size_t i = 0; i < b->n; i++)
		feed_free(b->v[i]);
	free(b->v);
	free(b);
}

void feedidx_free(struct feedidx *ix)
{
	if(ix == NULL)
		return;
	dict_free(ix->words, bucket_free);
	free(ix);
}

/* The keyword a feed is filed under: its longest (rarer than short ones, as a rule). */
static const char *file_word(const struct feed *f)
{
	const char *best = f->word[0];
	for(size_t i = 1; i < f->nwords; i++) {
		if(strlen(f->word[i]) > strlen(best))
			best = f->word[i];
	}
	return best;
}

void feedidx_add(struct feedidx *ix, struct feed *f)
{
	const char *w = file_word(f);
	struct bucket *b = dict_gets(ix->words, w);
	if(b == NULL) {
		b = xcalloc(1, sizeof(*b));
		dict_puts(ix->words, w, b);
	}
	if(b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 4;
		b->v = xrealloc(b->v, b->cap * sizeof(*b->v));
	}
	b->v[b->n++] = f;
	ix->nfeeds++;
}

size_t feedidx_count(const struct feedidx *ix)
{
	return ix->nfeeds;
}

static int has_word(const struct post_words *pw, const char *w)
{
	return bsearch(&w, pw->w, pw->n, sizeof(*pw->w), cmp_str) != NULL;
}

static int all_words(const struct feed *f, const struct post_words *pw)
{
	for(size_t i = 0; i < f->nwords; i++) {
		if(!has_word(pw, f->word[i]))
			return 0;
	}
	return 1;
}

size_t feedidx_match(const struct feedidx *ix, const struct post_words *pw,
		void (*fn)(const struct feed *f, void *arg), void *arg)
{
	size_t calls = 0;
	for(size_t i = 0; i < pw->n; i++) {
		const struct bucket *b = dict_gets(ix->words, pw->w[i]);
		for(size_t j = 0; b && j < b->n; j++) {
			if(all_words(b->v[j], pw)) {
				fn(b->v[j], arg);
				calls++;
			}
		}
	}
	return calls;
}
