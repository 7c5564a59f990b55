/*
 * ratelimit.c - token buckets by key (ratelimit.h).
 *
 * Tokens are kept in thousandths so that integer arithmetic refills a bucket exactly:
 * per_second tokens per second is per_second thousandths per millisecond.
 */
#include "ratelimit.h"
#include "dict.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#define MILLI 1000u

struct bucket {
	uint64_t tokens; /* thousandths of a token */
	uint64_t at_ms;	 /* when tokens was computed */
};

struct ratelimit {
	struct dict *buckets;
	unsigned per_second;
	uint64_t capacity; /* burst, in thousandths */
	size_t max_keys;
};

struct ratelimit *ratelimit_new(unsigned per_second, unsigned burst, size_t max_keys)
{
	struct ratelimit *rl = xcalloc(1, sizeof(*rl));
	rl->buckets = dict_new();
	rl->per_second = per_second;
	rl->capacity = (uint64_t)(burst ? burst : 1) * MILLI;
	rl->max_keys = max_keys ? max_keys : 1;
	return rl;
}

void ratelimit_free(struct ratelimit *rl)
{
	if(rl == NULL)
		return;
	dict_free(rl->buckets, free);
	free(rl);
}

/* Brings b's tokens up to now_ms, capped at the burst. */
static void refill(const struct ratelimit *rl, struct bucket *b, uint64_t now_ms)
{
	if(now_ms > b->at_ms) {
		uint64_t add = (now_ms - b->at_ms) * rl->per_second;
		b->tokens = add >= rl->capacity - b->tokens ? rl->capacity : b->tokens + add;
		b->at_ms = now_ms;
	}
}

struct sweep_ctx {
	const struct ratelimit *rl;
	uint64_t now_ms;
};

/* A bucket that has refilled is forgotten: a new one would start the same. */
static int bucket_full_again(const void *val, const void *arg)
{
	const struct sweep_ctx *c = arg;
	struct bucket b = *(const struct bucket *)val;
	refill(c->rl, &b, c->now_ms);
	return b.tokens >= c->rl->capacity;
}

/* Otherwise the one unused the longest goes (it starts full again if it comes back). */
static long long bucket_age(const void *val)
{
	return (long long)((const struct bucket *)val)->at_ms;
}

static struct bucket *bucket_of(struct ratelimit *rl, const char *key, uint64_t now_ms)
{
	struct bucket *b = dict_gets(rl->buckets, key);
	if(b)
		return b;
	if(dict_count(rl->buckets) >= rl->max_keys) {
		struct sweep_ctx c = {rl, now_ms};
		dict_make_room(rl->buckets, bucket_full_again, bucket_age, &c, free);
	}
	b = xcalloc(1, sizeof(*b));
	b->tokens = rl->capacity;
	b->at_ms = now_ms;
	dict_puts(rl->buckets, key, b);
	return b;
}

int ratelimit_take(struct ratelimit *rl, const char *key, uint64_t now_ms)
{
	struct bucket *b;
	if(rl->per_second == 0)
		return 1;
	b = bucket_of(rl, key, now_ms);
	refill(rl, b, now_ms);
	if(b->tokens < MILLI)
		return 0;
	b->tokens -= MILLI;
	return 1;
}

size_t ratelimit_keys(const struct ratelimit *rl)
{
	return dict_count(rl->buckets);
}
