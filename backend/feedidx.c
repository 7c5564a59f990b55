/*
 * feedidx.c - see feedidx.h.
 */
#include "feedidx.h"
#include "dict.h"
#include "pchat_feeds.h"
#include "pchat_log.h"
#include "util.h"

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

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Splits text[0..len) into its distinct folded words, sorted (common/pchat_feeds.h:
 * the feeds' keywords are normalised by the same split). */
static void split_words(const char *text, size_t len, char **buf, char ***words, size_t *n)
{
	if(pchat_feed_words_split(text, len, buf, words, n) < 0) {
		log_error("out of memory splitting %zu bytes into words", len);
		abort();
	}
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
