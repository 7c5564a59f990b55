/*
 * test_search.c - message search: the user's text to words, phrases and index keys,
 * a text matched against them, the terms the index keeps (common/pchat_search.c:
 * operators never pass, quotes make phrases, clear errors)
 * and cmd:search through the fakes (rooms the user may not read are never
 * searched, the paging and its "more" flag, refusals).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/pchat_search.h"
#include "../../common/pchat_time.h"
#include "harness.h"

#include "config.h"
#include "reload.h"
#include "rooms.h"

#ifndef TestSuite /* cppcheck, which does not read criterion.h */
#define TestSuite(...)
#endif

static struct pchat_search_query q;
static char why[300];

static const struct pchat_search_query *parsed(const char *text)
{
	why[0] = '\0';
	cr_assert_eq(pchat_search_parse(text, &q, why, sizeof(why)), 0, "'%s' refused: %s", text,
			why);
	return &q;
}

static const char *refused(const char *text)
{
	cr_assert_eq(pchat_search_parse(text, &q, why, sizeof(why)), -1, "'%s' accepted", text);
	cr_assert_neq(why[0], '\0');
	return why;
}

static int matches(const char *text, const char *body)
{
	return pchat_search_match(parsed(text), body, strlen(body));
}

/* The query's keys, one blank apart. */
static const char *keys(const char *text)
{
	static char out[2048];
	parsed(text);
	out[0] = '\0';
	for(unsigned i = 0; i < q.nkeys; i++)
		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s", i ? " " : "",
				q.keys[i]);
	return out;
}

Test(search_parse, words_are_all_required_in_any_case)
{
	cr_assert_str_eq(keys("  Release\tNOTES  "), "release notes");
	cr_assert(matches("release notes", "The RELEASE notes are out"));
	cr_assert(matches("release notes", "notes: release"));
	cr_assert(!matches("release notes", "the release is out"));
	/* whole words only */
	cr_assert(!matches("release", "prereleased"));
	cr_assert(!matches("note", "notes"));
}

Test(search_parse, quotes_make_a_phrase)
{
	cr_assert_eq(parsed("\"deploy the release\" today")->nterms, 2);
	cr_assert(matches("\"deploy the release\" today", "today we Deploy, the release!"));
	cr_assert(!matches("\"deploy the release\" today", "deploy a release today"));
	cr_assert(!matches("\"deploy the release\"", "the release deploy"));
	/* an unclosed quote runs to the end */
	cr_assert(matches("today \"go home now", "today I go home now"));
	cr_assert(!matches("today \"go home now", "today go now home"));
	/* operators inside a phrase are separators */
	cr_assert(matches("\"a-b (c) home\"", "a b c home"));
}

Test(search_parse, operators_never_pass)
{
	cr_assert_str_eq(keys("-secret +public"), "secret public");
	cr_assert_str_eq(keys("rel* ~foo <bar >baz (qux) @3"), "rel foo bar baz qux");
	cr_assert_str_eq(keys("C++ rocks"), "rocks");
	cr_assert_str_eq(keys("bob@example.com"), "bob example");
	cr_assert(matches("-secret +public", "public and secret"));
}

Test(search_parse, sql_looking_text_is_just_words)
{
	cr_assert_str_eq(keys("'; DROP TABLE messages; --"), "drop table messages");
	cr_assert(strstr(refused("x' OR '1'='1"), "nothing to search for"), "%s", why);
}

Test(search_parse, short_and_common_words_are_left_out)
{
	cr_assert_str_eq(keys("the quick fox is ok"), "quick fox");
	cr_assert(matches("the quick fox is ok", "a fox, quick"));
	/* a phrase keeps them, if it holds one word the index keeps */
	cr_assert_str_eq(keys("\"to be or not\""), "not");
	cr_assert(matches("\"to be or not\"", "To be, or not to be"));
	cr_assert(!matches("\"to be or not\"", "not to be"));
	cr_assert_eq(parsed("\"to be\" release")->nterms, 1);
	cr_assert_str_eq(keys("日本語"), "日本語");
	cr_assert(strstr(refused("to be or no"), "at least 3 characters"), "%s", why);
	cr_assert(strstr(refused("\"to be\""), "at least 3 characters"), "%s", why);
	cr_assert(pchat_search_stopword("THE", 3));
	cr_assert(!pchat_search_stopword("them", 4));
}

Test(search_parse, keys_are_distinct_and_cut_at_a_character)
{
	char text[200];
	cr_assert_str_eq(keys("apple APPLE \"apple pie\""), "apple pie");
	/* 63 ASCII bytes and a two-byte character: the key stops before it */
	memset(text, 'a', 63);
	strcpy(text + 63, "\xc3\xa9z");
	cr_assert_eq(strlen(keys(text)), 63);
	cr_assert(matches(text, text), "the whole word is still compared");
}

/* The terms the index keeps of a text (pchat_search_terms), one blank apart. */
static void add_term(const char *t, size_t n, void *arg)
{
	char *out = arg;
	size_t len = strlen(out);
	snprintf(out + len, 1024 - len, "%s%.*s", len ? " " : "", (int)n, t);
}

Test(search_parse, the_index_keeps_findable_words_lowercased)
{
	char out[1024] = "";
	const char *body = "Hello, WORLD: hello to the Über-team at x.org";
	pchat_search_terms(body, strlen(body), add_term, out);
	cr_assert_str_eq(out, "hello world hello Über team org");
}

/* ---- the rounds (pchat_search_run) over a fake index ---- */

/* "common" is in every message 1..1000, "rare" in 5, 500 and 900. */
static int in_key(const char *key, unsigned long long id)
{
	if(strcmp(key, "common") == 0)
		return id >= 1 && id <= 1000;
	return id == 5 || id == 500 || id == 900;
}

struct fake_index {
	const struct pchat_search_query *q;
	char used[32]; /* the key of the last candidates() */
	unsigned rounds;
	unsigned every; /* not 0: the caller's filters keep only ids divisible by it */
};

static int fake_window(void *ctx, const char *key, unsigned long long before, unsigned limit,
		unsigned long long *count, unsigned long long *lowest)
{
	(void)ctx;
	*count = *lowest = 0;
	for(unsigned long long id = before > 1001 ? 1000 : before - 1; id > 0 && *count < limit;
			id--) {
		if(in_key(key, id)) {
			++*count;
			*lowest = id;
		}
	}
	return 0;
}

/* Keeps the ids in [from, before) that every key holds. */
static long fake_candidates(
		void *ctx, const char *key, unsigned long long from, unsigned long long before)
{
	struct fake_index *f = ctx;
	long kept = 0;
	snprintf(f->used, sizeof(f->used), "%s", key);
	f->rounds++;
	for(unsigned long long id = from; id < before && id <= 1000; id++) {
		int all = in_key(key, id);
		for(unsigned k = 0; k < f->q->nkeys; k++)
			all &= in_key(f->q->keys[k], id);
		kept += all && (f->every == 0 || id % f->every == 0);
	}
	return kept;
}

static const struct pchat_search_io fake_io = {fake_window, fake_candidates};

Test(search_run, the_rarest_key_drives)
{
	struct fake_index f = {parsed("common rare"), "", 0, 0};
	unsigned long long next = 1;
	cr_assert_eq(pchat_search_run(&q, &fake_io, &f, 0, 51, PCHAT_SEARCH_SCAN_MAX, &next), 3);
	cr_assert_str_eq(f.used, "rare");
	cr_assert_eq(f.rounds, 1);
	cr_assert_eq(next, 0, "nothing older is left");
}

Test(search_run, a_common_word_reads_one_window)
{
	struct fake_index f = {parsed("common"), "", 0, 0};
	unsigned long long next = 0;
	long kept = pchat_search_run(&q, &fake_io, &f, 0, 51, PCHAT_SEARCH_SCAN_MAX, &next);
	cr_assert_eq(f.rounds, 1);
	cr_assert_eq(kept, 128, "a window of twice the page, at least 128: %ld", kept);
	cr_assert_eq(next, 1000 - 127, "the next page starts below the window: %llu", next);
	/* from there on */
	kept = pchat_search_run(&q, &fake_io, &f, next, 51, PCHAT_SEARCH_SCAN_MAX, &next);
	cr_assert_eq(kept, 128);
	cr_assert_eq(next, 1000 - 255);
}

Test(search_run, windows_grow_until_the_budget)
{
	/* the caller's filters keep 1 candidate in 50: 3 in the first window (128
	 * entries), 10 in the second (512), and then the budget of 300 is spent */
	struct fake_index f = {parsed("common"), "", 0, 50};
	unsigned long long next = 0;
	long kept = pchat_search_run(&q, &fake_io, &f, 0, 51, 300, &next);
	cr_assert_eq(f.rounds, 2);
	cr_assert_eq(kept, 13, "%ld", kept);
	cr_assert_eq(next, 1000 - 127 - 512, "more is left below: %llu", next);
}

Test(search_parse, bad_input_gets_a_clear_error)
{
	char big[10 * 1024 + 1];
	cr_assert(strstr(refused(""), "empty"), "%s", why);
	cr_assert(strstr(refused(NULL), "empty"), "%s", why);
	cr_assert(strstr(refused("   --- ***"), "nothing to search for"), "%s", why);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	cr_assert(strstr(refused(big), "longer than 1024 bytes"), "%s", why);
	cr_assert(strstr(refused("bad \xff byte"), "character 5"), "%s", why);
	cr_assert(strstr(refused("one two three four five six seven eight nine ten eleven twelve"
				 " thirteen fourteen fifteen sixteen seventeen"),
				  "more than 16"),
			"%s", why);
}

Test(search_parse, authors_are_sip_uris_in_lower_case)
{
	char uri[PCHAT_AUTHOR_MAX + 8];
	cr_assert_eq(pchat_author_parse("Bob@Example.COM", uri), 0);
	cr_assert_str_eq(uri, "sip:bob@example.com");
	cr_assert_eq(pchat_author_parse("SIP:carol@example.com", uri), 0);
	cr_assert_str_eq(uri, "sip:carol@example.com");
	cr_assert_eq(pchat_author_parse("nobody", uri), -1);
	cr_assert_eq(pchat_author_parse("@example.com", uri), -1);
	cr_assert_eq(pchat_author_parse("bob@", uri), -1);
	cr_assert_eq(pchat_author_parse("bob smith@example.com", uri), -1);
	cr_assert_eq(pchat_author_parse("<bob@example.com>", uri), -1);
}

Test(search_parse, times_are_utc_iso8601)
{
	char t[PCHAT_TIME_LEN];
	cr_assert_eq(pchat_time_parse("2024-05-01T12:00:00Z", t), 0);
	cr_assert_str_eq(t, "2024-05-01 12:00:00.000");
	cr_assert_eq(pchat_time_parse("2024-05-01", t), 0);
	cr_assert_eq(pchat_time_parse("2024-13-01", t), -1);
	cr_assert_eq(pchat_time_parse("yesterday", t), -1);
}

/* ---- cmd:search through the fakes ---- */

#define ALICE "sip:alice@example.com"
#define CAROL "sip:carol@example.com"
#define SEARCH(attrs, extra)                                                                   \
	ENV("<cmd id=\"cmd:search\" seqid=\"4\"><data><srch xmlns=\"urn:pchat:xml:ns:search\"" \
	    " " attrs "/>" extra "</data></cmd>")

/* The one reply to sid after the queued jobs ran. */
static const char *reply(uint64_t sid, const char *body)
{
	fake_sent_clear();
	accepted(sid, body);
	fake_db_run_all();
	return only_send_to(sid)->payload;
}

static void setup(void)
{
	harness_setup();
	/* alice posts in Lobby (open), Closed (a member) and Secret (made a member) */
	static const struct fake_acl secret = {.members = ALICE};
	fake_db_set_room_acl(3, &secret);
	open_session(1, ALICE);
	join_lobby(1);
	accepted(1, JOIN("c1"));
	accepted(1, JOIN("s1"));
	fake_db_run_all();
	posted(1, POST(LOBBY, "lobby apple one"));
	posted(1, POST(CLOSED, "closed apple two"));
	posted(1, POST(SECRET, "secret apple three"));
	posted(1, POST(LOBBY, "lobby apple four"));
	fake_db_run_all();
}

TestSuite(search, .init = setup, .fini = harness_teardown);

Test(search, finds_only_what_the_user_may_read_newest_first)
{
	const char *r = reply(1, SEARCH("text=\"apple\"", ""));
	cr_assert(strstr(r, "<rpl id=\"rpl:search\" seqid=\"4\""), "%s", r);
	cr_assert(strstr(r, "more=\"false\""), "%s", r);
	const char *four = strstr(r, "apple four"), *three = strstr(r, "apple three"),
		   *one = strstr(r, "apple one");
	cr_assert(four && three && one && four < three && three < one, "newest first: %s", r);

	open_session(2, CAROL); /* neither a member of Closed nor of Secret */
	r = reply(2, SEARCH("text=\"apple\"", ""));
	cr_assert(strstr(r, "apple one") && strstr(r, "apple four"), "%s", r);
	cr_assert(!strstr(r, "apple two") && !strstr(r, "apple three"), "leaked: %s", r);
}

/* Rooms nobody joined since pchatd started are not cached: a search reads them (one
 * DB_LOAD_ROOMS for the round) and applies the same rule to them. */
Test(search, rooms_not_cached_are_read_and_checked)
{
	static const struct fake_acl members_only = {.members = ALICE};
	fake_db_add_room(9, "example.com", "far", "Far", "", "open");
	fake_db_add_room(10, "example.com", "hidden", "Hidden", "", "secret");
	fake_db_set_room_acl(10, &members_only);
	fake_db_add_message(9, "sip:dave@example.com", "apple far away");
	fake_db_add_message(10, "sip:dave@example.com", "apple hidden away");
	cr_assert_null(room_find("ma-chan://example.com/far"));
	open_session(2, CAROL);
	const char *r = reply(2, SEARCH("text=\"apple\"", ""));
	cr_assert(strstr(r, "apple far away") && strstr(r, "apple one"), "%s", r);
	cr_assert(!strstr(r, "apple hidden"), "leaked: %s", r);
	cr_assert_not_null(room_find("ma-chan://example.com/far"), "cached now");
	r = reply(1, SEARCH("text=\"apple\"", ""));
	cr_assert(strstr(r, "apple far away") && strstr(r, "apple hidden away"), "%s", r);
}

/* When the user may read few of the matches' rooms, the next jobs go on from where
 * the last stopped (the fake stops after `want` matches, as the rounds may). */
Test(search, too_few_readable_matches_ask_again)
{
	cfg.search_limit = 2;
	for(int i = 0; i < 3; i++)
		posted(1, POST(SECRET, "secret apple more"));
	fake_db_run_all();
	open_session(2, CAROL);
	const char *r = reply(2, SEARCH("text=\"apple\"", ""));
	cr_assert(strstr(r, "apple four") && strstr(r, "apple one"), "%s", r);
	cr_assert(!strstr(r, "secret apple"), "leaked: %s", r);
}

Test(search, a_room_is_refused_as_bccontext_refuses_it)
{
	open_session(2, CAROL);
	const char *r = reply(2, SEARCH("text=\"apple\"", "<chanib uri=\"" SECRET "\"/>"));
	cr_assert(strstr(r, "<resp code=\"404\">ERR_NOT_FOUND</resp><data/>"), "%s", r);
	r = reply(2, SEARCH("text=\"apple\"", "<chanib uri=\"" CLOSED "\"/>"));
	cr_assert(strstr(r, "<resp code=\"403\">ERR_ACCESS_DENIED</resp>"), "%s", r);
	r = reply(1, SEARCH("text=\"apple\"", "<chanib uri=\"" CLOSED "\"/>"));
	cr_assert(strstr(r, "closed apple two") && !strstr(r, "lobby apple"), "%s", r);
}

Test(search, a_category_without_history_is_not_searched)
{
	static const struct fake_acl no_history = {.no_history = 1};
	fake_db_set_room_acl(1, &no_history);
	rooms_reload_all();
	fake_db_run_all();
	const char *r = reply(1, SEARCH("text=\"apple\"", ""));
	cr_assert(!strstr(r, "lobby apple"), "%s", r);
	cr_assert(strstr(r, "closed apple two"), "%s", r);
	r = reply(1, SEARCH("text=\"apple\"", "<chanib uri=\"" LOBBY "\"/>"));
	cr_assert(strstr(r, "SUCCESS_OK") && !strstr(r, "lobby apple"), "%s", r);
}

Test(search, pages_with_the_more_flag)
{
	cfg.search_limit = 3;
	const char *r = reply(1, SEARCH("text=\"apple\" cnt=\"50\"", ""));
	cr_assert(strstr(r, "more=\"true\""), "%s", r);
	cr_assert(!strstr(r, "apple one"), "SearchLimit caps the page: %s", r);
	/* the next page: before the oldest of this one */
	const char *b = strstr(r, "before=\"");
	cr_assert_not_null(b);
	char attrs[128];
	snprintf(attrs, sizeof(attrs), "text=\"apple\" before=\"%lu\"", strtoul(b + 8, NULL, 10));
	char body[512];
	snprintf(body, sizeof(body),
			ENV("<cmd id=\"cmd:search\" seqid=\"4\"><data><srch %s/></data></cmd>"),
			attrs);
	r = reply(1, body);
	cr_assert(strstr(r, "apple one") && strstr(r, "more=\"false\""), "%s", r);
	cr_assert(!strstr(r, "apple four"), "%s", r);
}

Test(search, bad_requests_say_why)
{
	const char *r = reply(1, SEARCH("text=\"\"", ""));
	cr_assert(strstr(r, "<resp code=\"400\">") && strstr(r, "empty"), "%s", r);
	r = reply(1, SEARCH("text=\"-+*\"", ""));
	cr_assert(strstr(r, "nothing to search for"), "%s", r);
	r = reply(1, SEARCH("text=\"apple\" author=\"nobody\"", ""));
	cr_assert(strstr(r, "author is not a SIP URI"), "%s", r);
	r = reply(1, SEARCH("text=\"apple\" since=\"last week\"", ""));
	cr_assert(strstr(r, "UTC times"), "%s", r);
	r = reply(1, ENV("<cmd id=\"cmd:search\" seqid=\"4\"><data/></cmd>"));
	cr_assert(strstr(r, "cmd:search needs"), "%s", r);
}

/* The database not reached before the search's deadline (the post timeout): 503
 * ERR_UNAVAILABLE that says to try again, for a search in one room (the reader's job)
 * and across rooms (the writer's list of rooms first), not 500 nor silence. */
Test(search, database_unreachable_is_503_try_again)
{
	const char *bodies[] = {SEARCH("text=\"apple\"", "<chanib uri=\"" LOBBY "\"/>"),
			SEARCH("text=\"apple\"", "")};
	for(size_t i = 0; i < 2; i++) {
		fake_sent_clear();
		accepted(1, bodies[i]);
		fake_db_run_late();
		const char *r = only_send_to(1)->payload;
		cr_assert(strstr(r, "<rpl id=\"rpl:search\" seqid=\"4\""), "%s", r);
		cr_assert(strstr(r, "<resp code=\"503\">ERR_UNAVAILABLE</resp>"), "%s", r);
		cr_assert(strstr(r, "try again later"), "%s", r);
	}
}
