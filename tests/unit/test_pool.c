/*
 * test_pool.c - a room's posts in the order of their sequence numbers (roompost.h),
 * whichever node stored them: a post stored "on another node" (fake_db_add_message,
 * which numbers it as the trigger of migration 017 would) is read back and sent
 * before this node's next post; a signal or poll's head (room_post_head) brings it
 * in; nothing is sent twice; a long backlog is read in batches, in order.  And the
 * signal's datagram format (poolsig.h).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

#include "pchat_frame.h"
#include "poolsig.h"
#include "presence.h"
#include "roompost.h"
#include "rooms.h"

#ifndef TestSuite /* cppcheck, which does not read criterion.h */
#define TestSuite(...)
#endif

TestSuite(pool, .init = harness_setup, .fini = harness_teardown);

/* The texts of the grpchats sent to sid so far, in order, joined by '|'. */
static const char *chats_to(uint64_t sid)
{
	static char out[8192];
	static const struct sent_frame *s[512];
	size_t n = fake_sent_to(sid, s, 512), o = 0;
	out[0] = '\0';
	for(size_t i = 0; i < n; i++) {
		const char *b = strstr(s[i]->payload, "<chat>"), *e;
		if(s[i]->type != PCHAT_F_SEND || b == NULL ||
				strstr(s[i]->payload, "<grpchat") == NULL)
			continue;
		b += 6;
		e = strstr(b, "</chat>");
		o += (size_t)snprintf(
				out + o, sizeof(out) - o, "%s%.*s", o ? "|" : "", (int)(e - b), b);
	}
	return out;
}

static struct room *lobby(void)
{
	struct room *r = room_find(LOBBY);
	cr_assert_not_null(r);
	return r;
}

Test(pool, a_post_waits_for_the_posts_numbered_before_it)
{
	uint32_t token;
	open_session(1, "sip:alice@example.com");
	open_session(2, "sip:bob@example.com");
	join_lobby(1);
	join_lobby(2);
	fake_sent_clear();
	fake_db_add_message(1, "sip:carol@example.com", "from node B"); /* number 1 */
	token = posted(1, POST(LOBBY, "mine"));				/* number 2 */
	fake_db_run_all();
	cr_assert_eq(verdict(token)->type, PCHAT_F_ACCEPT);
	cr_assert_str_eq(chats_to(1), "from node B|mine");
	cr_assert_str_eq(chats_to(2), "from node B|mine");
	cr_assert_eq(lobby()->seq_done, 2);
	cr_assert_eq(room_post_catching_up(), 0);
}

Test(pool, the_next_number_is_sent_at_once_without_a_read)
{
	open_session(1, "sip:alice@example.com");
	join_lobby(1);
	fake_sent_clear();
	posted(1, POST(LOBBY, "one"));
	fake_db_run_all();
	posted(1, POST(LOBBY, "two"));
	fake_db_run_all();
	cr_assert_str_eq(chats_to(1), "one|two");
	cr_assert_eq(lobby()->seq_done, 2);
}

Test(pool, a_signal_brings_another_nodes_posts_once)
{
	open_session(1, "sip:alice@example.com");
	join_lobby(1);
	fake_sent_clear();
	fake_db_add_message(1, "sip:carol@example.com", "b1");
	fake_db_add_message(1, "sip:carol@example.com", "b2");
	room_post_head(lobby(), 2);
	room_post_head(lobby(), 1); /* a late signal: while the read is out, and after */
	fake_db_run_all();
	room_post_head(lobby(), 2);
	cr_assert_eq(fake_db_queued(), 0, "a head already sent reads nothing");
	cr_assert_str_eq(chats_to(1), "b1|b2");
	/* this node's own post, its completion arriving after a read sent it */
	struct xccos_chat m = {
			LOBBY, "sip:carol@example.com", "2026-01-01T00:00:00.000Z", 2, "b2", 2};
	room_post_deliver(lobby(), &m, 2);
	cr_assert_str_eq(chats_to(1), "b1|b2", "never twice");
}

Test(pool, a_forged_head_beyond_the_store_reads_but_skips_nothing)
{
	open_session(1, "sip:alice@example.com");
	join_lobby(1);
	fake_sent_clear();
	room_post_head(lobby(), 1000); /* no such post: the head read is the truth */
	fake_db_run_all();
	cr_assert_eq(lobby()->seq_done, 0);
	posted(1, POST(LOBBY, "real"));
	fake_db_run_all();
	cr_assert_str_eq(chats_to(1), "real");
}

Test(pool, a_long_backlog_is_read_in_batches_in_order)
{
	char body[16], want[4096];
	size_t o = 0;
	open_session(1, "sip:alice@example.com");
	join_lobby(1);
	fake_sent_clear();
	for(int i = 1; i <= 230; i++) {
		snprintf(body, sizeof(body), "m%d", i);
		fake_db_add_message(1, "sip:carol@example.com", body);
		o += (size_t)snprintf(want + o, sizeof(want) - o, "%sm%d", i > 1 ? "|" : "", i);
	}
	room_post_head(lobby(), 230);
	fake_db_run_all();
	cr_assert_str_eq(chats_to(1), want);
	cr_assert_eq(lobby()->seq_done, 230);
}

/* ---- presence through other nodes ---- */

/* The ntc items sent to sid so far, joined by '|': "join:<user>" / "part:<user>". */
static const char *notices_to(uint64_t sid)
{
	static char out[2048];
	static const struct sent_frame *s[128];
	size_t n = fake_sent_to(sid, s, 128), o = 0;
	out[0] = '\0';
	for(size_t i = 0; i < n; i++) {
		const char *p = s[i]->payload, *u = strstr(p, "uri=\"sip:");
		const char *kind = strstr(p, "ntc:join") ? "join"
				: strstr(p, "ntc:part")	 ? "part"
							 : NULL;
		if(s[i]->type != PCHAT_F_SEND || kind == NULL || u == NULL)
			continue;
		u += 5;
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%s:%.*s", o ? "|" : "", kind,
				(int)(strchr(u, '"') - u), u);
	}
	return out;
}

static void remote(const char *user, unsigned sessions)
{
	struct db_roster_row row = {1, (char *)user, sessions};
	room_set_remote(lobby(), user ? &row : NULL, user ? 1 : 0);
}

Test(pool, users_on_other_nodes_are_announced_counted_and_listed)
{
	const struct sent_frame *f;
	open_session(1, "sip:alice@example.com");
	join_lobby(1);
	fake_sent_clear();
	remote("sip:carol@example.com", 2);
	cr_assert_str_eq(notices_to(1), "join:sip:carol@example.com");
	cr_assert_eq(room_user_count(lobby()), 2);
	remote("sip:carol@example.com", 1); /* fewer sessions: still there, no notice */
	cr_assert_str_eq(notices_to(1), "join:sip:carol@example.com");
	open_session(2, "sip:bob@example.com");
	xccos(2, JOIN(LOBBY_ID));
	fake_db_run_all();
	f = only_send_to(2);
	has(f, "sip:carol@example.com"); /* the join reply lists her */
	fake_sent_clear();
	remote(NULL, 0); /* her node's session ended */
	cr_assert_str_eq(notices_to(1), "part:sip:carol@example.com");
	cr_assert_eq(room_user_count(lobby()), 2, "alice and bob");
}

Test(pool, a_user_here_and_elsewhere_comes_and_goes_once)
{
	open_session(1, "sip:alice@example.com");
	join_lobby(1);
	remote("sip:carol@example.com", 1);
	fake_sent_clear();
	open_session(3, "sip:carol@example.com");
	join_lobby(3); /* present already, through the other node */
	cr_assert_str_eq(notices_to(1), "");
	cr_assert_eq(room_user_count(lobby()), 2);
	accepted(3, PART(LOBBY));
	fake_db_run_all();
	cr_assert_str_eq(notices_to(1), "", "still present through the other node");
	cr_assert_eq(room_user_count(lobby()), 2);
	remote(NULL, 0);
	cr_assert_str_eq(notices_to(1), "part:sip:carol@example.com");
	cr_assert_eq(room_user_count(lobby()), 1);
}

/* ---- the datagram ---- */

static char got[256];
static size_t ngot;

static void collect(uint64_t room, uint64_t seq)
{
	ngot += (size_t)snprintf(got + ngot, sizeof(got) - ngot, "%llu:%llu,",
			(unsigned long long)room, (unsigned long long)seq);
}

static void collect_roster(uint64_t room)
{
	ngot += (size_t)snprintf(
			got + ngot, sizeof(got) - ngot, "R%llu,", (unsigned long long)room);
}

static int parse(const char *s)
{
	static const struct poolsig_handlers h = {collect, collect_roster};
	got[0] = '\0';
	ngot = 0;
	return poolsig_parse(s, strlen(s), &h);
}

Test(poolsig, parses_signals_and_refuses_anything_else)
{
	cr_assert_eq(parse("PCHATSEQ 1\n7 12\n8 1\n"), 2);
	cr_assert_str_eq(got, "7:12,8:1,");
	cr_assert_eq(parse("PCHATSEQ 1\nR 7\n7 13\n"), 2);
	cr_assert_str_eq(got, "R7,7:13,");
	cr_assert_eq(parse("PCHATSEQ 1\nR x\n"), -1);
	cr_assert_eq(parse("PCHATSEQ 1\nQ 7\n"), -1);
	cr_assert_eq(parse("PCHATSEQ 1\n"), 0);
	cr_assert_eq(parse("PCHATSEQ 1\n18446744073709551615 1\n"), 1);
	cr_assert_eq(parse("PCHATSEQ 2\n7 12\n"), -1, "another version");
	cr_assert_eq(parse("PCHATSEQ 1\n7 12"), -1, "a line cut off");
	cr_assert_eq(parse("PCHATSEQ 1\n7\n"), -1);
	cr_assert_eq(parse("PCHATSEQ 1\n7 -1\n"), -1);
	cr_assert_eq(parse("PCHATSEQ 1\n18446744073709551616 1\n"), -1, "over 64 bits");
	cr_assert_eq(parse("PCHATSEQ 1\n7 12x\n"), -1);
	cr_assert_eq(parse("PCHATSEQ 1\n\n"), -1);
	cr_assert_eq(parse("GET / HTTP/1.0\r\n"), -1);
	cr_assert_eq(parse(""), -1);
}
