/*
 * test_search.c - message search: the user's text to the engine's expression
 * (common/pchat_search.c: operators never pass, quotes make phrases, clear errors)
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

static char out[PCHAT_SEARCH_EXPR_SIZE], why[300];

static const char *expr(const char *text)
{
	why[0] = '\0';
	cr_assert_eq(pchat_search_expr(text, out, sizeof(out), why, sizeof(why)), 0,
			"'%s' refused: %s", text, why);
	return out;
}

static const char *refused(const char *text)
{
	cr_assert_eq(pchat_search_expr(text, out, sizeof(out), why, sizeof(why)), -1,
			"'%s' accepted as '%s'", text, out);
	cr_assert_neq(why[0], '\0');
	return why;
}

Test(search_expr, words_are_all_required)
{
	cr_assert_str_eq(expr("release notes"), "+release +notes");
	cr_assert_str_eq(expr("  Release\tNOTES  "), "+Release +NOTES");
}

Test(search_expr, quotes_make_a_phrase)
{
	cr_assert_str_eq(expr("\"deploy the release\" today"), "+\"deploy the release\" +today");
	/* an unclosed quote runs to the end */
	cr_assert_str_eq(expr("today \"go home now"), "+today +\"go home now\"");
	/* quotes inside a phrase cannot end it early into operators */
	cr_assert_str_eq(expr("\"a-b (c) home\""), "+\"a b c home\"");
}

Test(search_expr, operators_never_pass)
{
	cr_assert_str_eq(expr("-secret +public"), "+secret +public");
	cr_assert_str_eq(expr("rel* ~foo <bar >baz (qux) @3"), "+rel +foo +bar +baz +qux");
	cr_assert_str_eq(expr("C++ rocks"), "+rocks");
	cr_assert_str_eq(expr("bob@example.com"), "+bob +example");
	/* nothing but word characters, blanks, + and " */
	expr("\"+-<>()~*@\\'%_x\" word\"\" ((\"");
	for(const char *p = out; *p; p++)
		cr_assert(strchr("+-<>()~*@\\'%", *p) == NULL || *p == '+', "'%c' in %s", *p, out);
}

Test(search_expr, sql_looking_text_is_just_words)
{
	cr_assert_str_eq(expr("'; DROP TABLE messages; --"), "+DROP +TABLE +messages");
	cr_assert(strstr(refused("x' OR '1'='1"), "nothing to search for"), "%s", why);
}

Test(search_expr, short_and_common_words_are_left_out)
{
	cr_assert_str_eq(expr("the quick fox is ok"), "+quick +fox");
	/* a phrase keeps them, if it holds one word the engine indexes */
	cr_assert_str_eq(expr("\"to be or not\""), "+\"to be or not\"");
	cr_assert_str_eq(expr("\"to be\" release"), "+release");
	cr_assert_str_eq(expr("日本語"), "+日本語");
	cr_assert(strstr(refused("to be or no"), "at least 3 characters"), "%s", why);
	cr_assert(strstr(refused("\"to be\""), "at least 3 characters"), "%s", why);
	cr_assert(pchat_search_stopword("THE", 3));
	cr_assert(!pchat_search_stopword("them", 4));
}

Test(search_expr, bad_input_gets_a_clear_error)
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
	cr_assert_eq(pchat_search_expr("word", out, 10, why, sizeof(why)), -1, "small buffer");
}

Test(search_expr, authors_are_sip_uris_in_lower_case)
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

Test(search_expr, times_are_utc_iso8601)
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
