/*
 * test_feeds.c - topic feeds and keyword alerts: the keywords' normalisation and
 * limits, the keyword index (every keyword required, case folded, a feed among
 * 10,000 found without looking at the others), the alert's text, and a post through
 * the fakes: an ALERT frame for a user who may read the room, none for one who may
 * not, none for the author.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#include "config.h"
#include "feedidx.h"
#include "feeds.h"
#include "pchat_feeds.h"
#include "pchat_frame.h"

#ifndef TestSuite /* cppcheck, which does not read criterion.h */
#define TestSuite(...)
#endif

static const struct pchat_feed_limits lim = {20, 10, 64};
static char out[2049], why[300];

static const char *norm(const char *text)
{
	why[0] = '\0';
	cr_assert_eq(pchat_feed_words_normalise(text, &lim, out, sizeof(out), why, sizeof(why)), 0,
			"'%s' refused: %s", text, why);
	return out;
}

static const char *refused(const char *text)
{
	cr_assert_eq(pchat_feed_words_normalise(text, &lim, out, sizeof(out), why, sizeof(why)), -1,
			"'%s' accepted as '%s'", text, out);
	cr_assert_neq(why[0], '\0');
	return why;
}

Test(feed_words, folded_sorted_deduplicated)
{
	cr_assert_str_eq(norm("Mango, KIWI! mango"), "kiwi mango");
	cr_assert_str_eq(norm("release-2024 Q3x"), "2024 q3x release");
	cr_assert_str_eq(norm("Überweisung"), "Überweisung"); /* non-ASCII kept as is */
}

Test(feed_words, limits_and_bad_input)
{
	static char big[64 * 1024];
	size_t o = 0;
	cr_assert(strstr(refused("a1a b2b c3c d4d e5e f6f g7g h8h i9i j10 k11"), "at most 10"));
	for(int i = 0; i < 5000; i++)
		o += (size_t)snprintf(big + o, sizeof(big) - o, "kw%d ", i);
	cr_assert(strstr(refused(big), "at most 10 keywords (this one has 5000)"));
	memset(big, 'x', 65);
	big[65] = '\0';
	cr_assert(strstr(refused(big), "longer than 64 bytes"));
	cr_assert(strstr(refused("the kiwi"), "too short or too common"));
	cr_assert(strstr(refused("ab kiwi"), "too short or too common"));
	cr_assert(strstr(refused(""), "needs keywords"));
	cr_assert(strstr(refused("  ;;; "), "needs keywords"));
	cr_assert(strstr(refused("kiwi\x01"), "not allowed"));
}

/* ---- the index ---- */

static size_t calls;
static uint64_t last_id;

static void on_match(const struct feed *f, void *arg)
{
	(void)arg;
	calls++;
	last_id = f->id;
}

static size_t match(const struct feedidx *ix, const char *post)
{
	struct post_words pw;
	calls = 0;
	post_words_split(post, strlen(post), &pw);
	feedidx_match(ix, &pw, on_match, NULL);
	post_words_free(&pw);
	return calls;
}

Test(feed_index, every_keyword_required_among_many_feeds)
{
	struct feedidx *ix = feedidx_new();
	char words[32];
	for(int i = 0; i < 10000; i++) {
		snprintf(words, sizeof(words), "topic%d shared", i);
		feedidx_add(ix, feed_new((uint64_t)i + 100, "sip:u@example.com", 0, "", words));
	}
	feedidx_add(ix, feed_new(1, "sip:a@example.com", 0, "", "apple banana"));
	feedidx_add(ix, feed_new(2, "sip:b@example.com", 0, "", "apple cherry"));
	cr_assert_eq(feedidx_count(ix), 10002);
	cr_assert_eq(match(ix, "Banana and APPLE, fresh!"), 1);
	cr_assert_eq(last_id, 1);
	cr_assert_eq(match(ix, "apple pie"), 0);
	cr_assert_eq(match(ix, "cherry apple banana"), 2);
	cr_assert_eq(match(ix, "the shared topic9999 today"), 1);
	cr_assert_eq(last_id, 10099);
	cr_assert_eq(match(ix, "shared shared shared"), 0); /* filed under topicN, not here */
	cr_assert_eq(match(ix, ""), 0);
	feedidx_free(ix);
}

Test(feed_index, no_words_no_feed)
{
	cr_assert_null(feed_new(1, "sip:a@example.com", 0, "", " ;; "));
}

Test(feed_alert, text_names_room_author_and_cuts_at_a_character)
{
	char text[801], body[1024];
	for(int i = 0; i < 400; i++)
		memcpy(text + (size_t)2 * (size_t)i, "\xc3\xa9", 2); /* é */
	text[800] = '\0';
	size_t n = feeds_alert_text(
			body, sizeof(body), "Lobby", LOBBY, "sip:alice@example.com", text, 800);
	cr_assert_eq(strlen(body), n);
	cr_assert(strncmp(body, "sip:alice@example.com in Lobby (" LOBBY "):\n", 50) == 0);
	const char *ex = strchr(body, '\n') + 1;
	cr_assert_eq(strlen(ex), 300 + 4, "%zu", strlen(ex)); /* 150 é, "...\n" */
	cr_assert_str_eq(ex + 300, "...\n");
}

/* ---- a post through the fakes ---- */

TestSuite(feed_post, .init = harness_setup, .fini = harness_teardown);

/* A post stored (its commit run) and answered 200. */
static void stored(uint64_t sid, const char *body)
{
	uint32_t token = posted(sid, body);
	fake_db_run_all();
	cr_assert_eq(verdict(token)->type, PCHAT_F_ACCEPT);
}

/* The ALERT frames sent so far, the last one in *last. */
static size_t alerts(const struct sent_frame **last)
{
	size_t n = 0;
	for(size_t i = 0; i < fake_sent_count(); i++)
		if(fake_sent(i)->type == PCHAT_F_ALERT) {
			*last = fake_sent(i);
			n++;
		}
	return n;
}

Test(feed_post, alert_only_for_readers_of_the_room)
{
	const struct sent_frame *a = NULL;
	fake_db_add_feed(1, "sip:carol@example.com", 0, "kiwi mango");
	fake_db_add_feed(2, "sip:alice@example.com", 0, "kiwi mango"); /* the author's */
	feeds_reload();
	fake_db_run_all();
	cr_assert_eq(feeds_count(), 2);
	open_session(1, "sip:alice@example.com");
	join_lobby(1);
	stored(1, POST(LOBBY, "Mango and kiwi today"));
	cr_assert_eq(alerts(&a), 1);
	cr_assert_str_eq(a->payload, "sip:carol@example.com"); /* then the body */
	cr_assert(strstr(a->payload + strlen(a->payload) + 1, "Mango and kiwi today"));
	cr_assert_eq(a->session, 0);
	cr_assert_eq(fake_db_feed_matches(), 1);
	/* Closed: alice and bob are members, carol is not: no alert, no match */
	accepted(1, JOIN("c1"));
	fake_db_run_all();
	stored(1, POST(CLOSED, "kiwi mango again"));
	cr_assert_eq(alerts(&a), 1);
	cr_assert_eq(fake_db_feed_matches(), 1);
}
