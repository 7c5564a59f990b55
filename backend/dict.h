/*
 * dict.h - a small chained hash table from byte-string keys to pointers.
 *
 * Used for sessions (key: connection id + module session id), the room cache
 * (key: room URI) and per-room presence (key: user URI).  The table owns a copy
 * of each key; values are the caller's.
 */
#ifndef PCHAT_DICT_H
#define PCHAT_DICT_H

#include <stddef.h>
#include <string.h>

struct dict;
struct dict_entry;

struct dict *dict_new(void);
/* Frees the table; calls free_val (if not NULL) on every value. */
void dict_free(struct dict *d, void (*free_val)(void *));
void *dict_get(const struct dict *d, const void *key, size_t klen);
/* Inserts or replaces; returns the value it replaced, or NULL. */
void *dict_put(struct dict *d, const void *key, size_t klen, void *val);
/* Removes the entry; returns its value, or NULL if there was none. */
void *dict_del(struct dict *d, const void *key, size_t klen);
size_t dict_count(const struct dict *d);

#define dict_gets(d, s) dict_get((d), (s), strlen(s))
#define dict_puts(d, s, v) dict_put((d), (s), strlen(s), (v))
#define dict_dels(d, s) dict_del((d), (s), strlen(s))

/*
 * Makes room in a full table (the web sessions, the sign-in limits): deletes every
 * entry whose value stale(val, arg) says is done with, or, if none is, the one with
 * the lowest rank(val) (the oldest); free_val frees the values deleted.
 */
void dict_make_room(struct dict *d, int (*stale)(const void *val, const void *arg),
		long long (*rank)(const void *val), const void *arg, void (*free_val)(void *));

/*
 * Iteration in unspecified order.  Deleting the entry just returned is allowed;
 * inserting during an iteration is not.
 */
struct dict_iter {
	const struct dict *d;
	size_t bucket;
	struct dict_entry *next;
};

void dict_iter_init(struct dict_iter *it, const struct dict *d);
/* Returns 1 and the next value (and key if key != NULL), or 0 at the end. */
int dict_next(struct dict_iter *it, void **val, const void **key, size_t *klen);

#endif
