/*
 * dict.c - see dict.h.  Separate chaining, power-of-two bucket count, FNV-1a.
 * The table doubles when it holds as many entries as buckets; it never shrinks
 * (a server's peak load is its normal load).
 */
#include "dict.h"
#include "util.h"

#include <stdint.h>
#include <stdlib.h>

struct dict_entry {
	struct dict_entry *next;
	void *val;
	size_t klen;
	unsigned char key[]; /* klen bytes */
};

struct dict {
	struct dict_entry **buckets;
	size_t nbuckets; /* power of two */
	size_t count;
};

static uint64_t hash_bytes(const void *key, size_t len)
{
	const unsigned char *p = key;
	uint64_t h = 14695981039346656037ULL;
	while(len--) {
		h ^= *p++;
		h *= 1099511628211ULL;
	}
	return h;
}

struct dict *dict_new(void)
{
	struct dict *d = xmalloc(sizeof(*d));
	d->nbuckets = 16;
	d->buckets = xcalloc(d->nbuckets, sizeof(*d->buckets));
	d->count = 0;
	return d;
}

void dict_free(struct dict *d, void (*free_val)(void *))
{
	size_t i;
	if(d == NULL)
		return;
	for(i = 0; i < d->nbuckets; i++) {
		struct dict_entry *e = d->buckets[i], *next;
		for(; e; e = next) {
			next = e->next;
			if(free_val)
				free_val(e->val);
			free(e);
		}
	}
	free(d->buckets);
	free(d);
}

static struct dict_entry **find_slot(const struct dict *d, const void *key, size_t klen)
{
	size_t b = (size_t)hash_bytes(key, klen) & (d->nbuckets - 1);
	struct dict_entry **pe = &d->buckets[b];
	for(; *pe; pe = &(*pe)->next) {
		if((*pe)->klen == klen && memcmp((*pe)->key, key, klen) == 0)
			break;
	}
	return pe;
}

static void grow(struct dict *d)
{
	size_t n = d->nbuckets * 2, i;
	struct dict_entry **nb = xcalloc(n, sizeof(*nb));
	for(i = 0; i < d->nbuckets; i++) {
		struct dict_entry *e = d->buckets[i], *next;
		for(; e; e = next) {
			size_t b = (size_t)hash_bytes(e->key, e->klen) & (n - 1);
			next = e->next;
			e->next = nb[b];
			nb[b] = e;
		}
	}
	free(d->buckets);
	d->buckets = nb;
	d->nbuckets = n;
}

void *dict_get(const struct dict *d, const void *key, size_t klen)
{
	struct dict_entry *e = *find_slot(d, key, klen);
	return e ? e->val : NULL;
}

void *dict_put(struct dict *d, const void *key, size_t klen, void *val)
{
	struct dict_entry **pe = find_slot(d, key, klen), *e;
	if(*pe) {
		void *old = (*pe)->val;
		(*pe)->val = val;
		return old;
	}
	e = xmalloc(sizeof(*e) + klen);
	e->next = NULL;
	e->val = val;
	e->klen = klen;
	memcpy(e->key, key, klen);
	*pe = e;
	if(++d->count > d->nbuckets)
		grow(d);
	return NULL;
}

void *dict_del(struct dict *d, const void *key, size_t klen)
{
	struct dict_entry **pe = find_slot(d, key, klen), *e = *pe;
	void *val;
	if(e == NULL)
		return NULL;
	*pe = e->next;
	val = e->val;
	free(e);
	d->count--;
	return val;
}

size_t dict_count(const struct dict *d)
{
	return d->count;
}

void dict_iter_init(struct dict_iter *it, const struct dict *d)
{
	it->d = d;
	it->bucket = 0;
	it->next = d->nbuckets ? d->buckets[0] : NULL;
}

int dict_next(struct dict_iter *it, void **val, const void **key, size_t *klen)
{
	struct dict_entry *e;
	while(it->next == NULL) {
		if(++it->bucket >= it->d->nbuckets)
			return 0;
		it->next = it->d->buckets[it->bucket];
	}
	e = it->next;
	it->next = e->next; /* fetched now so that the caller may delete e */
	*val = e->val;
	if(key)
		*key = e->key;
	if(klen)
		*klen = e->klen;
	return 1;
}

void dict_make_room(struct dict *d, int (*stale)(const void *val, const void *arg),
		long long (*rank)(const void *val), const void *arg, void (*free_val)(void *))
{
	struct dict_iter it;
	const void *key, *lowest_key = NULL;
	size_t klen, lowest_klen = 0, before = dict_count(d);
	void *val, *lowest = NULL;

	dict_iter_init(&it, d);
	while(dict_next(&it, &val, &key, &klen)) {
		if(stale(val, arg)) {
			free_val(dict_del(d, key, klen));
		} else if(lowest == NULL || rank(val) < rank(lowest)) {
			lowest = val;
			lowest_key = key;
			lowest_klen = klen;
		}
	}
	if(dict_count(d) == before && lowest)
		free_val(dict_del(d, lowest_key, lowest_klen));
}
