/*
 * test_weblimit.c - the web sign-in's failure limits (backend/weblimit.c): refusal
 * after the allowed failures, back-off doubling up to its cap, forgetting, and the
 * bounded table.  The time is passed in, so every case is exact.
 */
#include <criterion/criterion.h>
#include <stdio.h>

#include "weblimit.h"

static const struct weblimit_opts opts = {.failures = 3,
		.window_sec = 100,
		.backoff_sec = 10,
		.backoff_max_sec = 35,
		.slots = 4};

static void fail_times(struct weblimit *l, const char *key, int n, time_t now)
{
	for(int i = 0; i < n; i++) {
		cr_assert_eq(weblimit_wait(l, key, now), 0, "failure %d must be allowed", i + 1);
		weblimit_fail(l, key, now);
	}
}

Test(weblimit, refuses_after_the_allowed_failures_until_the_backoff_ends)
{
	struct weblimit *l = weblimit_new(&opts);
	fail_times(l, "alice", 2, 1000);
	cr_assert_eq(weblimit_wait(l, "alice", 1000), 0, "two of three failures: still allowed");
	weblimit_fail(l, "alice", 1000);
	cr_assert_eq(weblimit_wait(l, "alice", 1000), 10, "the third failure refuses 10 s");
	cr_assert_eq(weblimit_wait(l, "alice", 1004), 6, "the wait counts down");
	cr_assert_eq(weblimit_wait(l, "bob", 1004), 0, "other keys are not affected");
	cr_assert_eq(weblimit_wait(l, "alice", 1010), 0, "allowed again when it is over");
	weblimit_free(l);
}

Test(weblimit, each_further_failure_doubles_the_backoff_up_to_the_cap)
{
	struct weblimit *l = weblimit_new(&opts);
	time_t t = 1000;
	unsigned want[] = {10, 20, 35, 35};
	fail_times(l, "alice", 2, t);
	for(size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		weblimit_fail(l, "alice", t);
		cr_assert_eq(weblimit_wait(l, "alice", t), want[i], "refusal %zu", i + 1);
		t += want[i]; /* tries again as soon as allowed */
	}
	weblimit_free(l);
}

Test(weblimit, a_success_forgets_the_key)
{
	struct weblimit *l = weblimit_new(&opts);
	fail_times(l, "alice", 2, 1000);
	weblimit_forget(l, "alice");
	fail_times(l, "alice", 2, 1001);
	cr_assert_eq(weblimit_wait(l, "alice", 1001), 0, "the count started again");
	weblimit_fail(l, "alice", 1001);
	cr_assert_eq(weblimit_wait(l, "alice", 1001), 10);
	weblimit_free(l);
}

Test(weblimit, failures_further_apart_than_the_window_are_forgotten)
{
	struct weblimit *l = weblimit_new(&opts);
	fail_times(l, "alice", 2, 1000);
	weblimit_fail(l, "alice", 1100); /* 100 s of quiet: a fresh start */
	cr_assert_eq(weblimit_wait(l, "alice", 1100), 0);
	fail_times(l, "alice", 1, 1150);
	weblimit_fail(l, "alice", 1199);
	cr_assert_eq(weblimit_wait(l, "alice", 1199), 10, "three within the window");
	cr_assert_eq(weblimit_wait(l, "alice", 1299), 0);
	cr_assert_eq(weblimit_count(l), 0, "a stale key is dropped when looked at");
	weblimit_free(l);
}

Test(weblimit, the_table_is_bounded_and_drops_the_stalest)
{
	struct weblimit *l = weblimit_new(&opts);
	char key[16];
	fail_times(l, "old", 3, 1000); /* refused until 1010 */
	for(int i = 0; i < 20; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		weblimit_fail(l, key, 1001 + i);
		cr_assert_leq(weblimit_count(l), opts.slots);
	}
	cr_assert_eq(weblimit_wait(l, "old", 1005), 0, "the oldest record went first");
	cr_assert_eq(weblimit_count(l), opts.slots);
	weblimit_free(l);
}

Test(weblimit, stale_records_go_before_live_ones)
{
	struct weblimit *l = weblimit_new(&opts);
	fail_times(l, "live", 3, 1150); /* refused until 1160 */
	weblimit_fail(l, "a", 1000);
	weblimit_fail(l, "b", 1000);
	weblimit_fail(l, "c", 1000);
	weblimit_fail(l, "new", 1155); /* full: a, b and c are stale by now */
	cr_assert_eq(weblimit_count(l), 2);
	cr_assert_eq(weblimit_wait(l, "live", 1155), 5, "the refused key was kept");
	weblimit_free(l);
}

Test(weblimit, no_limit_when_failures_is_zero)
{
	struct weblimit_opts off = opts;
	off.failures = 0;
	struct weblimit *l = weblimit_new(&off);
	fail_times(l, "alice", 50, 1000);
	cr_assert_eq(weblimit_count(l), 0);
	weblimit_free(l);
}

Test(weblimit, one_key_per_user_whatever_the_spelling)
{
	char k[32];
	static const char *const same[] = {"alice", "Alice@example.com", "sip:ALICE@example.com",
			"SIP:alice@other.org"};
	for(size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		weblimit_user_key(same[i], k, sizeof(k));
		cr_assert_str_eq(k, "alice", "%s", same[i]);
	}
	weblimit_user_key("averyveryverylongusername", k, 8);
	cr_assert_str_eq(k, "averyve", "truncated to the buffer");
}
