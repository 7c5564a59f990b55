/*
 * ratelimit.h - token buckets by key (a user's URI): at most `burst` events at once and
 * `per_second` on average.  Memory is bounded: at max_keys the buckets that have
 * refilled (idle keys, nothing to remember) are dropped, or if none has, the one
 * unused the longest (dict_make_room()).
 */
#ifndef PCHAT_RATELIMIT_H
#define PCHAT_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

struct ratelimit;

/* per_second 0 turns the limit off (ratelimit_take always allows). */
struct ratelimit *ratelimit_new(unsigned per_second, unsigned burst, size_t max_keys);
void ratelimit_free(struct ratelimit *rl);
/* Takes one token of key's bucket at now_ms (a monotonic clock): 1 if there was one,
 * 0 if key is over its rate. */
int ratelimit_take(struct ratelimit *rl, const char *key, uint64_t now_ms);
/* Keys tracked now. */
size_t ratelimit_keys(const struct ratelimit *rl);

#endif
