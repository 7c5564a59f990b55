/*
 * pchat_feeds.c - see pchat_feeds.h.
 */
#include "pchat_feeds.h"
#include "pchat_search.h"
#include "pchat_text.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends word w (wn bytes, folded) to b at *out and its pointer to *v, growing *v. */
static int add_word(
		char *b, size_t *out, char ***v, size_t *k, size_t *cap, const char *w, size_t wn)
{
	if(*k == *cap) {
		char **nv = realloc(*v, 2 * *cap * sizeof(**v));
		if(nv == NULL)
			return -1;
		*v = nv;
		*cap *= 2;
	}
	for(size_t i = 0; i < wn; i++)
		b[*out + i] = (char)tolower((unsigned char)w[i]);
	b[*out + wn] = '\0';
	(*v)[(*k)++] = b + *out;
	*out += wn + 1;
	return 0;
}

int pchat_feed_words_split(const char *text, size_t len, char **buf, char ***words, size_t *n)
{
	size_t i = 0, wn, cap = 8, out = 0, k = 0;
	const char *w;
	char *b = malloc(len + 1);
	char **v = malloc(cap * sizeof(*v));
	if(b == NULL || v == NULL)
		goto oom;
	while((w = pchat_search_word(text, &i, len, &wn)) != NULL) {
		if(add_word(b, &out, &v, &k, &cap, w, wn) < 0)
			goto oom;
	}
	qsort(v, k, sizeof(*v), cmp_str);
	*n = 0;
	for(size_t j = 0; j < k; j++) {
		if(*n == 0 || strcmp(v[*n - 1], v[j]) != 0)
			v[(*n)++] = v[j];
	}
	*buf = b;
	*words = v;
	return 0;
oom:
	free(b);
	free(v);
	return -1;
}

static int refuse(char *why, size_t whylen, const char *msg)
{
	snprintf(why, whylen, "%s", msg);
	return -1;
}

/* Checks every word against the limits; -1 with the reason. */
static int words_check(
		char **v, size_t n, const struct pchat_feed_limits *lim, char *why, size_t whylen)
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

int pchat_feed_words_normalise(const char *text, const struct pchat_feed_limits *lim, char *out,
		size_t outsz, char *why, size_t whylen)
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
	if(pchat_feed_words_split(text, len, &buf, &v, &n) < 0)
		return refuse(why, whylen, "out of memory");
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
