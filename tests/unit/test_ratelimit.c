/*
 * test_ratelimit.c - token buckets by key (backend/ratelimit.c): the burst, the
 * refill, keys independent of each other, the bound on memory, and "off".
 * Time is passed in, so every case is exact.
 */
#include <criterion/criterion.h>
#include <stdio.h>

#include "ratelimit.h"

/* Counts how many of n events at now_ms the limiter lets through. */
static int allowed(struct ratelimit *rl, const char *key, int n, uint64_t now_ms)
{
	int ok = 0;
	while(n-- > 0)
		ok += ratelimit_take(rl, key, now_ms);
	return ok;
}

Test(ratelimit, burst_then_refill_at_the_rate)
{
	struct ratelimit *rl = ratelimit_new(2, 5, 100); /* 2/s, burst 5 */
	cr_assert_eq(allowed(rl, "alice", 8, 1000), 5, "the burst, then nothing");
	cr_assert_eq(allowed(rl, "alice", 1, 1499), 0, "not yet one token after 499 ms");
	cr_assert_eq(allowed(rl, "alice", 2, 1500), 1, "one token after 500 ms");
	cr_assert_eq(allowed(rl, "alice", 10, 3500), 4, "4 tokens after 2 s");
	cr_assert_eq(allowed(rl, "alice", 10, 100000), 5, "never more than the burst");
	ratelimit_free(rl);
}

Test(ratelimit, keys_are_independent)
{
	struct ratelimit *rl = ratelimit_new(1, 2, 100);
	cr_assert_eq(allowed(rl, "sip:a@x", 5, 0), 2);
	cr_assert_eq(allowed(rl, "sip:b@x", 5, 0), 2, "b is not slowed by a");
	cr_assert_eq(ratelimit_keys(rl), 2);
	ratelimit_free(rl);
}

Test(ratelimit, zero_rate_is_off)
{
	struct ratelimit *rl = ratelimit_new(0, 1, 1);
	cr_assert_eq(allowed(rl, "x", 1000, 0), 1000);
	cr_assert_eq(ratelimit_keys(rl), 0, "nothing tracked when off");
	ratelimit_free(rl);
}

Test(ratelimit, memory_is_bounded_idle_keys_dropped_else_the_oldest)
{
	struct ratelimit *rl = ratelimit_new(10, 3, 4);
	char key[16];
	int i;
	for(i = 0; i < 4; i++) {
		snprintf(key, sizeof(key), "u%d", i);
		cr_assert_eq(allowed(rl, key, 3, (uint64_t)i), 3);
	}
	/* full table, every key busy: the one unused the longest (u0) makes room */
	cr_assert_eq(allowed(rl, "new", 5, 10), 3);
	cr_assert_eq(ratelimit_keys(rl), 4);
	cr_assert_eq(allowed(rl, "u1", 1, 10), 0, "u1 is still tracked, and empty");
	cr_assert_eq(allowed(rl, "u0", 1, 10), 1, "u0 was dropped: it starts full");
	/* 2 s later every bucket has refilled: all of them go for the next new key */
	cr_assert_eq(allowed(rl, "later", 1, 2010), 1);
	cr_assert_eq(ratelimit_keys(rl), 1);
	ratelimit_free(rl);
}
