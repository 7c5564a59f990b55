/*
 * test_commands.c - the link protocol and command execution (frames.c, cmdq.c and
 * the cmd_*.c handlers, sessions.c, rooms.c, presence.c) against the fake link and
 * fake database.
 */
#include <criterion/criterion.h>
#ifndef TestSuite /* cppcheck, which does not read criterion.h */
#define TestSuite(...)
#endif
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "cmd_table.h"
#include "cmdq.h"
#include "config.h"
#include "frames.h"
#include "metrics.h"
#include "pchat_log.h"
#include "reload.h"
#include "rooms.h"
#include "sessions.h"
#include "xccos.h"

#include "harness.h"

TestSuite(link, .init = harness_setup, .fini = harness_teardown);

Test(link, requri_returns_the_invited_uri)
{
	const struct sent_frame *f;
	open_session(1, "sip:alice@example.com");
	accepted(1, REQURI);
	f = only_send_to(1);
	cr_assert(strncmp(f->payload, "<xccos ver=\"1\" envid=\"", 22) == 0);
	has(f, "<commandid seqid=\"1\" envid=\"900\"/><resp code=\"200\">SUCCESS_OK</resp>");
	has(f, "<uib uri=\"sip:pchat@example.com\"/>");
}

Test(link, requri_returns_channel_uri_option)
{
	cfg.channel_uri = "sip:pchat-svc-1@example.com";
	open_session(1, "sip:alice@example.com");
	accepted(1, REQURI);
	has(only_send_to(1), "<uib uri=\"sip:pchat-svc-1@example.com\"/>");
}

Test(link, envids_count_up_per_session)
{
	const struct sent_frame *s[2];
	unsigned long long a, b;
	open_session(1, "sip:alice@example.com");
	accepted(1, REQURI);
	accepted(1, REQURI);
	cr_assert_eq(sends_to(1, s, 2), 2);
	cr_assert_eq(sscanf(s[0]->payload, "<xccos ver=\"1\" envid=\"%llu\"", &a), 1);
	cr_assert_eq(sscanf(s[1]->payload, "<xccos ver=\"1\" envid=\"%llu\"", &b), 1);
	cr_assert_eq(b, a + 1);
}

Test(link, unknown_session_is_481)
{
	const struct sent_frame *f = xccos(77, REQURI);
	cr_assert_eq(f->type, PCHAT_F_REJECT);
	cr_assert_str_eq(f->payload, "481 Call/Transaction Does Not Exist");
	cr_assert_eq(f->session, 77);
}

Test(link, open_with_missing_fields_creates_nothing)
{
	frame_in(PCHAT_F_OPEN, 0, 5, "sip:a@b\0x", 9);
	cr_assert_eq(sessions_count(), 0);
	frame_in(PCHAT_F_OPEN, 0, 5, "\0\0\0\0", 4); /* empty user */
	cr_assert_eq(sessions_count(), 0);
}

Test(link, join_unknown_room_is_404)
{
	open_session(1, "sip:alice@example.com");
	accepted(1, JOIN("nope"));
	cr_assert_eq(fake_sent_count(), 1, "nothing but ACCEPT before the DB answers");
	fake_db_run_all();
	has(only_send_to(1),
			"<rpl id=\"rpl:join\" seqid=\"1\"><commandid seqid=\"1\" envid=\"900\"/>"
			"<resp code=\"404\">ERR_NOT_FOUND</resp><data/></rpl>");
}

Test(link, join_lists_present_users_and_notifies_others)
{
	const struct sent_frame *f;
	open_session(1, "sip:alice@example.com");
	open_session(2, "sip:bob@example.com");
	join_lobby(1);
	has(only_send_to(1),
			"<uib id=\"0\" uri=\"sip:alice@example.com\"/><chanib uri=\"" LOBBY
			"\" name=\"Lobby\" topic=\"Welcome\"><aib key=\"3984\" value=\"0\"/>");
	fake_sent_clear();
	accepted(2, JOIN(LOBBY_ID)); /* cached now: answered at once */
	f = only_send_to(2);
	has(f, "<uib id=\"0\" uri=\"sip:bob@example.com\"/><uib id=\"1\" uri=\"sip:alice@example.com\"/>");
	has(f, "<aib key=\"3984\" value=\"0,1\"/>");
	f = only_send_to(1);
	has(f,
			"<ntc id=\"ntc:join\"><data><uib id=\"0\" uri=\"sip:bob@example.com\"><aib key=\"3984\" "
			"domain=\"example.com\" value=\"" LOBBY_ID "\"/></uib></data></ntc>");
}

Test(link, join_twice_is_idempotent)
{
	open_session(1, "sip:alice@example.com");
	open_session(2, "sip:bob@example.com");
	join_lobby(1);
	join_lobby(2);
	fake_sent_clear();
	accepted(2, JOIN(LOBBY_ID));
	has(only_send_to(2), "value=\"0,1\"");
	cr_assert_eq(count_sends(1), 0);
}

Test(link, presence_notices_follow_users_not_sessions)
{
	open_session(1, "sip:alice@example.com");
	open_session(2, "sip:bob@example.com");
	open_session(3, "sip:bob@example.com"); /* bob's second endpoint */
	join_lobby(1);
	join_lobby(2);
	fake_sent_clear();
	join_lobby(3);
	cr_assert_eq(count_sends(1), 0, "alice hears of bob once");
	has(only_send_to(3),
			"<uib id=\"0\" uri=\"sip:bob@example.com\"/><uib id=\"1\" "
			"uri=\"sip:alice@example.com\"/><chanib");
	fake_sent_clear();
	frame_in(PCHAT_F_CLOSE, 0, 2, "bye", 3);
	cr_assert_eq(count_sends(1), 0, "bob is still there through session 3");
	frame_in(PCHAT_F_CLOSE, 0, 3, "bye", 3);
	has(only_send_to(1),
			"<ntc id=\"ntc:part\"><data><chanib uri=\"" LOBBY "\"><uib "
			"uri=\"sip:bob@example.com\"/></chanib></data></ntc>");
}

Test(link, post_is_stored_then_echoed_to_everyone)
{
	const struct sent_frame *f;
	uint32_t token;
	open_session(1, "sip:alice@example.com");
	open_session(2, "sip:bob@example.com");
	join_lobby(1);
	join_lobby(2);
	fake_sent_clear();
	token = posted(1, POST(LOBBY, "1 &lt; 2 &amp; &quot;q&quot;"));
	cr_assert_eq(fake_sent_count(), 0, "nothing is sent before the commit, not even the 200");
	fake_db_run_all();
	cr_assert_eq(verdict(token)->type, PCHAT_F_ACCEPT, "200 once stored");
	cr_assert_eq(fake_sent(0)->token, token, "the 200 goes out before the echo");
	cr_assert_eq(fake_db_messages(), 1);
	cr_assert_str_eq(fake_db_message_author(0), "sip:alice@example.com");
	cr_assert_str_eq(fake_db_message_body(0), "1 < 2 & \"q\"");
	f = only_send_to(1);
	has(f,
			"<grpchat id=\"grpchat\" seqid=\"1\" chanUri=\"" LOBBY
			"\" author=\"sip:alice@example.com\" ts=\"");
	has(f, "Z\" msgid=\"1\"><chat>1 &lt; 2 &amp; &quot;q&quot;</chat></grpchat></xccos>");
	hasnt(f, "mallory");
	f = only_send_to(2);
	has(f, "author=\"sip:alice@example.com\"");
}

Test(link, posts_that_are_refused)
{
	char big[9000];
	uint32_t token;
	const struct sent_frame *f;
	open_session(1, "sip:alice@example.com");
	f = xccos(1, POST(LOBBY, "not joined"));
	cr_assert_eq(f->type, PCHAT_F_REJECT);
	cr_assert_str_eq(f->payload, "403 Not In The Room");
	/* and why, as a line the client shows in the room (not stored, no msgid) */
	f = only_send_to(1);
	has(f, "<grpchat id=\"grpchat\" seqid=\"1\" chanUri=\"" LOBBY "\"");
	has(f,
			"notice=\"refused\"><chat>Your message was not delivered: you are not in this "
			"room (any more): join it again</chat></grpchat>");
	hasnt(f, "msgid=");
	join_lobby(1);
	cr_assert_eq(xccos(1, ENV("<grpchat chanUri=\"" LOBBY "\"/>"))->type, PCHAT_F_REJECT);
	cr_assert_eq(xccos(1, ENV("<grpchat><chat>x</chat></grpchat>"))->type, PCHAT_F_REJECT);
	cr_assert_eq(xccos(1, POST(LOBBY, ""))->type, PCHAT_F_REJECT);
	cfg.message_max_bytes = 5;
	fake_sent_clear();
	cr_assert_eq(xccos(1, POST(LOBBY, "123456"))->type, PCHAT_F_REJECT);
	has(only_send_to(1),
			"<chat>Your message was not delivered: the message is too long (at "
			"most 5 bytes)</chat>");
	token = posted(1, POST(LOBBY, "&amp;&amp;&amp;&amp;&amp;")); /* decoded bytes count */
	cfg.message_max_bytes = 8192;
	snprintf(big, sizeof(big),
			ENV("<grpchat chanUri=\"" LOBBY "\"><chat>%08193d</chat></grpchat>"), 0);
	cr_assert_eq(xccos(1, big)->type, PCHAT_F_REJECT);
	fake_db_run_all();
	cr_assert_eq(fake_db_messages(), 1);
	cr_assert_eq(verdict(token)->type, PCHAT_F_ACCEPT);
}

/* The metrics (metrics.h) move where the events happen: joins and parts, posts
 * accepted, stored, refused by reason, deliveries, commands by id. */
Test(link, chat_moves_the_metrics)
{
	uint32_t token;
	metrics_reset();
	open_session(1, "sip:alice@example.com");
	open_session(2, "sip:bob@example.com");
	cr_assert_eq(xccos(1, POST(LOBBY, "not joined"))->type, PCHAT_F_REJECT);
	join_lobby(1);
	join_lobby(2);
	cr_assert_eq(xccos(1, POST(LOBBY, ""))->type, PCHAT_F_REJECT);
	token = posted(1, POST(LOBBY, "hello"));
	fake_db_run_all();
	cr_assert_eq(verdict(token)->type, PCHAT_F_ACCEPT);
	fake_db_fail_next();
	token = posted(2, POST(LOBBY, "lost"));
	fake_db_run_all();
	cr_assert_eq(verdict(token)->type, PCHAT_F_REJECT);
	xccos(2, PART(LOBBY));
	cr_assert_eq(metric_get(&m_joins, NULL, NULL), 2);
	cr_assert_eq(metric_get(&m_parts, NULL, NULL), 1);
	cr_assert_eq(metric_get(&m_posts_accepted, NULL, NULL), 2);
	cr_assert_eq(metric_get(&m_posts_stored, NULL, NULL), 1);
	cr_assert_eq(metric_get(&m_deliveries, NULL, NULL), 2, "alice's echo and bob's copy");
	cr_assert_eq(metric_get(&m_posts_refused, "not_joined", NULL), 1);
	cr_assert_eq(metric_get(&m_posts_refused, "empty", NULL), 1);
	cr_assert_eq(metric_get(&m_posts_refused, "db_error", NULL), 1);
	cr_assert_eq(metric_get(&m_commands, "grpchat", NULL), 4);
	cr_assert_eq(metric_get(&m_commands, "cmd:join", NULL), 2);
	cr_assert_eq(metric_get(&m_commands, "cmd:part", NULL), 1);
}

/* --post-rate/--post-burst: per user, over all of the user's sessions; a post over the
 * rate is refused at once with 503 (the module adds Retry-After) and not stored. */
Test(link, posts_over_the_users_rate_get_503)
{
	const struct sent_frame *f;
	uint32_t t1, t2;
	cfg.post_rate = 1;
	cfg.post_burst = 2;
	open_session(1, "sip:alice@example.com");
	open_session(2, "sip:alice@example.com"); /* a second endpoint of the same user */
	open_session(3, "sip:bob@example.com");
	join_lobby(1);
	join_lobby(2);
	join_lobby(3);
	t1 = posted(1, POST(LOBBY, "one"));
	t2 = posted(2, POST(LOBBY, "two"));
	f = xccos(1, POST(LOBBY, "three"));
	cr_assert_eq(f->type, PCHAT_F_REJECT);
	cr_assert_str_eq(f->payload, "503 Too Many Posts");
	f = xccos(2, POST(LOBBY, "three again"));
	cr_assert_eq(f->type, PCHAT_F_REJECT, "the other endpoint shares the user's rate");
	posted(3, POST(LOBBY, "bob is not slowed by alice"));
	fake_db_run_all();
	cr_assert_eq(fake_db_messages(), 3);
	cr_assert_eq(verdict(t1)->type, PCHAT_F_ACCEPT);
	cr_assert_eq(verdict(t2)->type, PCHAT_F_ACCEPT);
}

Test(link, busy_when_the_queue_is_full)
{
	open_session(1, "sip:alice@example.com");
	open_session(2, "sip:bob@example.com");
	cfg.queue_limit = 2;
	accepted(1, JOIN(LOBBY_ID));
	accepted(2, JOIN(LOBBY_ID));
	cr_assert_eq(cmdq_pending(), 2);
	cr_assert_eq(xccos(1, REQURI)->type, PCHAT_F_BUSY);
	cr_assert_eq(xccos(2, "garbage")->type, PCHAT_F_BUSY, "nothing is parsed when busy");
	fake_db_run_all();
	cr_assert_eq(cmdq_pending(), 0);
	accepted(1, REQURI);
}

Test(link, busy_while_shutting_down)
{
	open_session(1, "sip:alice@example.com");
	frames_set_stopping(1);
	cr_assert_eq(xccos(1, REQURI)->type, PCHAT_F_BUSY);
}

Test(link, replies_follow_the_echo_of_earlier_posts)
{
	const struct sent_frame *s[4];
	open_session(1, "sip:alice@example.com");
	join_lobby(1);
	fake_sent_clear();
	posted(1, POST(LOBBY, "one"));
	posted(1, POST(LOBBY, "two"));
	accepted(1, REQURI);
	cr_assert_eq(fake_db_queued(), 2, "consecutive posts go to the database together");
	cr_assert_eq(sends_to(1, s, 4), 0, "requri waits for the posts");
	fake_db_run_all();
	cr_assert_eq(sends_to(1, s, 4), 3);
	has(s[0], "<chat>one</chat>");
	has(s[1], "<chat>two</chat>");
	has(s[2], "rpl:requri");
}

Test(link, post_accepted_while_its_join_is_pending)
{
	const struct sent_frame *s[4];
	open_session(1, "sip:alice@example.com");
	accepted(1, JOIN(LOBBY_ID));
	posted(1, POST(LOBBY, "early"));
	accepted(1, BCC(LOBBY, "5"));
	fake_db_run_all();
	cr_assert_eq(sends_to(1, s, 4), 3);
	has(s[0], "rpl:join");
	has(s[1], "<chat>early</chat></grpchat>");
	has(s[2], "rpl:bccontext");
	has(s[2], "<msg id=\"grpchat\" chanUri=\"" LOBBY "\" author=\"sip:alice@example.com\"");
}

Test(link, accepted_post_survives_its_session)
{
	const struct sent_frame *s[4];
	open_session(1, "sip:alice@example.com");
	open_session(2, "sip:bob@example.com");
	join_lobby(1);
	join_lobby(2);
	fake_sent_clear();
	posted(1, POST(LOBBY, "in flight"));
	accepted(1, REQURI);
	frame_in(PCHAT_F_CLOSE, 0, 1, "BYE", 3);
	cr_assert_eq(cmdq_pending(), 1, "the post is still pending, the requri dropped");
	fake_db_run_all();
	cr_assert_eq(fake_db_messages(), 1);
	cr_assert_eq(sends_to(2, s, 4), 2);
	has(s[0], "ntc:part");
	has(s[1], "<chat>in flight</chat>");
	cr_assert_eq(cmdq_pending(), 0);
}

Test(link, queued_post_of_a_closed_session_is_stored)
{
	open_session(1, "sip:alice@example.com");
	open_session(2, "sip:bob@example.com");
	join_lobby(1);
	join_lobby(2);
	/* the post waits behind a command that waits for the database */
	accepted(1, ENV("<cmd id=\"cmd:chansrch\" seqid=\"1\"><data><qib criteria=\"\"/></data></cmd>"));
	posted(1, POST(LOBBY, "queued"));
	frame_in(PCHAT_F_CLOSE, 0, 1, "BYE", 3);
	fake_db_run_all();
	cr_assert_eq(fake_db_messages(), 1);
	cr_assert_str_eq(fake_db_message_body(0), "queued");
}

Test(link, malformed_envelope_gets_rpl_error)
{
	const struct sent_frame *f;
	open_session(1, "sip:alice@example.com");
	accepted(1, "<xccos envid=\"31\"><cmd");
	f = only_send_to(1);
	has(f,
			"<rpl id=\"rpl:error\" seqid=\"0\"><commandid seqid=\"0\" envid=\"31\"/><resp "
			"code=\"400\">ERR_BAD_REQUEST</resp><data><error reason=\"malformed XML");
	fake_sent_clear();
	accepted(1, REQURI);
	has(only_send_to(1), "rpl:requri");
}

Test(link, unknown_command_is_501)
{
	open_session(1, "sip:alice@example.com");
	accepted(1, ENV("<cmd id=\"cmd:nosuchthing\" seqid=\"4\"><data/></cmd>"));
	has(only_send_to(1),
			"<rpl id=\"rpl:nosuchthing\" seqid=\"4\"><commandid seqid=\"4\" envid=\"900\"/>"
			"<resp code=\"501\">ERR_NOT_IMPLEMENTED</resp><data/></rpl>");
}

Test(link, getinv_and_nodespermcreatechild_without_rows_are_empty_200)
{
	const struct sent_frame *s[2];
	open_session(1, "sip:alice@example.com");
	accepted(1, ENV("<cmd id=\"cmd:getinv\" seqid=\"4\"><data><inv inviteId=\"1\" domain=\"example.com\"/></data></cmd>"));
	accepted(1, ENV("<cmd id=\"cmd:nodespermcreatechild\" seqid=\"5\"><data/></cmd>"));
	fake_db_run_all();
	cr_assert_eq(sends_to(1, s, 2), 2);
	has(s[0],
			"<rpl id=\"rpl:getinv\" seqid=\"4\"><commandid seqid=\"4\" envid=\"900\"/>"
			"<resp code=\"200\">SUCCESS_OK</resp><data></data></rpl>");
	has(s[1], "<rpl id=\"rpl:nodespermcreatechild\" seqid=\"5\">");
	has(s[1], "<resp code=\"200\">SUCCESS_OK</resp><data></data></rpl>");
}

Test(link, bccontext_rules)
{
	const struct sent_frame *f;
	open_session(1, "sip:alice@example.com");
	join_lobby(1);
	posted(1, POST(LOBBY, "m1"));
	posted(1, POST(LOBBY, "m2"));
	posted(1, POST(LOBBY, "m3"));
	fake_db_run_all();
	open_session(2, "sip:bob@example.com");
	cfg.bccontext_max = 2;
	accepted(2, BCC(LOBBY, "25")); /* open room: no join needed; capped at 2 */
	fake_db_run_all();
	f = only_send_to(2);
	hasnt(f, "m1");
	has(f, "<chat>m2</chat></msg><msg");
	has(f, "<chat>m3</chat></msg></chanib></data></rpl>");
	open_session(3, "sip:carol@example.com");
	fake_sent_clear();
	accepted(3, BCC(CLOSED, "5")); /* carol is no member */
	fake_db_run_all();
	has(only_send_to(3), "<resp code=\"403\">ERR_ACCESS_DENIED</resp>");
	fake_sent_clear();
	accepted(2, BCC("ma-chan://example.com/zzz", "5"));
	fake_db_run_all();
	has(only_send_to(2), "<resp code=\"404\">ERR_NOT_FOUND</resp>");
}

Test(link, part_echoes_and_notifies)
{
	open_session(1, "sip:alice@example.com");
	open_session(2, "sip:bob@example.com");
	join_lobby(1);
	join_lobby(2);
	fake_sent_clear();
	accepted(2, PART(LOBBY));
	has(only_send_to(2),
			"<resp code=\"200\">SUCCESS_OK</resp><data><chanib uri=\"" LOBBY
			"\"/></data>");
	has(only_send_to(1), "ntc:part");
	fake_sent_clear();
	accepted(2, PART(LOBBY)); /* not in the room: 200 anyway, no notice */
	has(only_send_to(2), "SUCCESS_OK");
	cr_assert_eq(count_sends(1), 0);
	cr_assert_eq(xccos(2, POST(LOBBY, "x"))->type, PCHAT_F_REJECT);
}

Test(link, chansrch_counts_present_users_and_hides_secret_rooms)
{
	const struct sent_frame *f;
	open_session(1, "sip:alice@example.com");
	join_lobby(1);
	fake_sent_clear();
	accepted(1,
			ENV("<cmd id=\"cmd:chansrch\" seqid=\"1\"><data><qib qtype=\"BYNAME\" criteria=\"\" "
			    "extended=\"false\"/></data></cmd>"));
	fake_db_run_all();
	f = only_send_to(1);
	has(f,
			"<chanib uri=\"" LOBBY "\" name=\"Lobby\" description=\"about \"><info "
			"id=\"urn:parlano:ma:info:ucnt\">1</info><info id=\"urn:parlano:ma:info:visibilty\">public");
	has(f, "name=\"Closed\"");
	has(f, "<info id=\"urn:parlano:ma:info:ucnt\">0</info><info id=\"urn:parlano:ma:info:visibilty\">private");
	hasnt(f, "Secret");
}

Test(link, connection_close_drops_its_sessions)
{
	open_session(1, "sip:alice@example.com");
	open_session(2, "sip:bob@example.com");
	join_lobby(1);
	cr_assert_eq(sessions_count(), 2);
	close_link();
	cr_assert_eq(sessions_count(), 0);
	cr_assert_eq(room_find(LOBBY)->nusers, 0);
}

Test(link, reopen_for_another_user_starts_afresh)
{
	open_session(1, "sip:alice@example.com");
	join_lobby(1);
	open_session(1, "sip:eve@example.com");
	cr_assert_eq(room_find(LOBBY)->nusers, 0);
	cr_assert_eq(xccos(1, POST(LOBBY, "x"))->type, PCHAT_F_REJECT);
	open_session(1, "sip:eve@example.com"); /* same user: an update */
	join_lobby(1);
	open_session(1, "sip:eve@example.com");
	cr_assert_eq(room_find(LOBBY)->nusers, 1);
}

Test(link, shutdown_does_not_wait_for_replies_nobody_will_read)
{
	open_session(1, "sip:alice@example.com");
	accepted(1, JOIN(LOBBY_ID));
	accepted(1, REQURI); /* queued behind the join */
	cr_assert_eq(cmdq_pending(), 2);
	frame_in(PCHAT_F_CLOSE, 0, 1, "BYE", 3);
	cr_assert_eq(cmdq_pending(), 1, "the join still waits for the database");
	cr_assert_eq(cmdq_outstanding(), 0, "but nobody needs its reply");
	fake_db_run_all();
	cr_assert_eq(cmdq_pending(), 0);
	cr_assert_eq(fake_sent_count(), 2, "two ACCEPTs, no SEND");
	cr_assert_eq(room_find(LOBBY)->nusers, 0, "a closed session does not join");
}

static void join_closed(uint64_t sid)
{
	accepted(sid, JOIN("c1"));
	fake_db_run_all();
}

Test(link, bjoin_joins_every_room_with_one_user_list)
{
	const struct sent_frame *s[8];
	open_session(1, "sip:alice@example.com");
	open_session_ua(2, "sip:bob@example.com", "UCCAPI/15.0 OC/15.0 (Microsoft Lync)");
	join_lobby(1);
	join_closed(1);
	posted(1, POST(LOBBY, "hello"));
	fake_db_run_all();
	fake_sent_clear();
	accepted(2,
			BJOIN(CHANID("0", LOBBY_ID) CHANID("1", "c1") CHANID("2",
					"zzz") "<chanid key=\"3\" domain=\"example.com\" value=\"bad/id\"/>"));
	fake_db_run_all();
	cr_assert_eq(sends_to(2, s, 8), 3, "rpl:bjoin, then one pushed rpl:bccontext per room");
	has(s[0],
			"<rpl id=\"rpl:bjoin\" seqid=\"3\"><commandid seqid=\"3\" envid=\"900\"/>"
			"<resp code=\"200\">SUCCESS_OK</resp><data><uib id=\"0\" uri=\"sip:bob@example.com\"/>"
			"<uib id=\"1\" uri=\"sip:alice@example.com\"/><chanib uri=\"" LOBBY
			"\" name=\"Lobby\" "
			"topic=\"Welcome\"><aib key=\"3984\" value=\"0,1\"/></chanib><chanib uri=\"" CLOSED
			"\" name=\"Closed\" topic=\"\"><aib key=\"3984\" value=\"0,1\"/></chanib>"
			"<fib key=\"ERR_NOT_FOUND\" domain=\"example.com\" value=\"zzz\"/>"
			"<fib key=\"ERR_NOT_FOUND\" domain=\"example.com\" value=\"bad/id\"/></data></rpl>");
	has(s[1], "<rpl id=\"rpl:bccontext\" seqid=\"3\"");
	has(s[1], "<chanib uri=\"" LOBBY "\"><msg id=\"grpchat\"");
	has(s[1], "<chat>hello</chat>");
	has(s[2], "<chanib uri=\"" CLOSED "\"></chanib>");
	cr_assert_eq(sends_to(1, s, 8), 2);
	has(s[0],
			"<ntc id=\"ntc:bjoin\"><data><uib id=\"0\" uri=\"sip:bob@example.com\"><aib key=\"3984\" "
			"domain=\"example.com\" value=\"" LOBBY_ID "\"/>");
	has(s[1], "<ntc id=\"ntc:bjoin\">");
	has(s[1], "value=\"c1\"");
	posted(2, POST(CLOSED, "in")); /* bob is in the closed room */
	cr_assert_eq(cmdq_pending(), 1);
}

/* The push is decided by what the session did, never by its User-Agent. */
Test(link, bjoin_pushes_history_once_whatever_the_user_agent)
{
	const struct sent_frame *s[8];
	open_session(1, "sip:alice@example.com");
	join_lobby(1);
	posted(1, POST(LOBBY, "hello"));
	fake_db_run_all();
	open_session_ua(2, "sip:bob@example.com", "Purple/2.14.1 Sipe/1.25.0");
	fake_sent_clear();
	accepted(2, BJOIN(CHANID("0", LOBBY_ID) CHANID("1", LOBBY_ID)));
	fake_db_run_all();
	cr_assert_eq(sends_to(2, s, 8), 2, "rpl:bjoin (the room once), one pushed history");
	has(s[0], "value=\"0,1\"/></chanib></data></rpl>");
	has(s[1], "<chat>hello</chat>");
	cr_assert_eq(room_find(LOBBY)->nusers, 2);
	/* sipe then asks itself: 200 without a second copy; asked again, in full */
	fake_sent_clear();
	accepted(2, BCC(LOBBY, "25"));
	fake_db_run_all();
	has(only_send_to(2), "<chanib uri=\"" LOBBY "\"></chanib>");
	fake_sent_clear();
	accepted(2, BCC(LOBBY, "25"));
	fake_db_run_all();
	has(only_send_to(2), "<chat>hello</chat>");
	/* bjoined again while in the room: it has the history, nothing is pushed */
	fake_sent_clear();
	accepted(2, BJOIN(CHANID("0", LOBBY_ID)));
	fake_db_run_all();
	cr_assert_eq(sends_to(2, s, 8), 1);
	cr_assert_eq(cmdq_pending(), 0);
}

Test(link, bjoin_after_asking_history_pushes_nothing_and_part_forgets)
{
	const struct sent_frame *s[8];
	open_session_ua(1, "sip:alice@example.com", "UCCAPI/15.0 OC/15.0 (Microsoft Lync)");
	accepted(1, BCC(LOBBY, "25")); /* asked before joining */
	fake_db_run_all();
	fake_sent_clear();
	accepted(1, BJOIN(CHANID("0", LOBBY_ID) CHANID("1", "c1")));
	fake_db_run_all();
	cr_assert_eq(sends_to(1, s, 8), 2, "rpl:bjoin, and Closed's history only");
	has(s[1], "<chanib uri=\"" CLOSED "\"></chanib>");
	/* parted and bjoined again: a new window, pushed again */
	accepted(1, PART(LOBBY));
	fake_db_run_all();
	fake_sent_clear();
	accepted(1, BJOIN(CHANID("0", LOBBY_ID)));
	fake_db_run_all();
	cr_assert_eq(sends_to(1, s, 8), 2, "rpl:bjoin, Lobby's history");
	has(s[1], "<rpl id=\"rpl:bccontext\"");
	has(s[1], "<chanib uri=\"" LOBBY "\">");
}

Test(link, bjoin_post_accepted_while_pending_and_empty_bjoin_is_400)
{
	uint32_t token;
	open_session_ua(1, "sip:alice@example.com", "SIPE");
	accepted(1, BJOIN(CHANID("0", "c1") CHANID("1", LOBBY_ID)));
	token = posted(1, POST(LOBBY, "early"));
	fake_db_run_all();
	cr_assert_eq(fake_db_messages(), 1);
	cr_assert_eq(verdict(token)->type, PCHAT_F_ACCEPT);
	fake_sent_clear();
	accepted(1, BJOIN(""));
	has(only_send_to(1), "<resp code=\"400\">ERR_BAD_REQUEST</resp>");
}

Test(link, join_database_failure_is_500_and_bjoin_reports_operation_failed)
{
	open_session(1, "sip:alice@example.com");
	accepted(1, JOIN(LOBBY_ID));
	fake_db_fail_next();
	fake_db_run_all();
	has(only_send_to(1), "<resp code=\"500\">ERR_INTERNAL</resp>");
	fake_sent_clear();
	open_session_ua(2, "sip:bob@example.com", "SIPE");
	accepted(2, BJOIN(CHANID("0", LOBBY_ID)));
	fake_db_fail_next();
	fake_db_run_all();
	has(only_send_to(2),
			"<resp code=\"200\">SUCCESS_OK</resp><data><uib id=\"0\" uri=\"sip:bob@example.com\"/>"
			"<fib key=\"OPERATION_FAILED\" domain=\"example.com\" value=\"" LOBBY_ID
			"\"/></data>");
}

Test(link, joins_follow_rooms_and_part_unfollows)
{
	const struct sent_frame *f;
	open_session(1, "sip:alice@example.com");
	join_lobby(1);
	join_closed(1);
	join_lobby(1); /* again: nothing new */
	fake_db_run_all();
	cr_assert_eq(fake_db_follows("sip:alice@example.com"), 2);
	fake_sent_clear();
	accepted(1, ENV("<cmd id=\"cmd:getassociations\" seqid=\"6\"><data><assoc type=\"member\"/></data></cmd>"));
	fake_db_run_all();
	f = only_send_to(1);
	has(f,
			"<rpl id=\"rpl:getassociations\" seqid=\"6\"><commandid seqid=\"6\" envid=\"900\"/>"
			"<resp code=\"200\">SUCCESS_OK</resp><data><chanib uri=\"" LOBBY
			"\" name=\"Lobby\"");
	has(f, "<chanib uri=\"" CLOSED "\" name=\"Closed\"");
	has(f, "<prop id=\"urn:parlano:ma:prop:logged\">true</prop>");
	fake_sent_clear();
	accepted(1, PART(LOBBY));
	fake_db_run_all();
	cr_assert_eq(fake_db_follows("sip:alice@example.com"), 1);
	fake_sent_clear();
	frame_in(PCHAT_F_CLOSE, 0, 1, "bye", 3); /* closing does not unfollow */
	fake_db_run_all();
	cr_assert_eq(fake_db_follows("sip:alice@example.com"), 1);
	open_session(2, "sip:alice@example.com");
	accepted(2, ENV("<cmd id=\"cmd:getassociations\" seqid=\"7\"><data/></cmd>"));
	fake_db_run_all();
	f = only_send_to(2);
	has(f, "<chanib uri=\"" CLOSED "\"");
	hasnt(f, LOBBY);
}

Test(link, getassociations_manager_view_lists_managed_rooms)
{
	const struct sent_frame *f;
	fake_db_set_room_acl(3, &(struct fake_acl){.managers = "sip:alice@example.com"});
	open_session(1, "sip:alice@example.com");
	open_session(2, "sip:bob@example.com");
	join_lobby(1);
	fake_sent_clear();
	accepted(1, ENV("<cmd id=\"cmd:getassociations\" seqid=\"6\"><data><assoc role=\"manager\"/></data></cmd>"));
	accepted(2, ENV("<cmd id=\"cmd:getassociations\" seqid=\"6\"><data><assoc role=\"manager\"/></data></cmd>"));
	fake_db_run_all();
	f = only_send_to(1);
	has(f, "<chanib uri=\"" SECRET "\" name=\"Secret\"");
	hasnt(f, LOBBY);
	has(only_send_to(2), "<resp code=\"200\">SUCCESS_OK</resp><data></data></rpl>");
}

Test(link, getserverinfo_reports_limits_and_stable_ids)
{
	const struct sent_frame *s[2];
	cfg.message_max_bytes = 4000;
	cfg.bccontext_max = 250;
	open_session(1, "sip:alice@example.com");
	accepted(1,
			ENV("<cmd id=\"cmd:getserverinfo\" seqid=\"1\"><data><sib domain=\"chat.example.com\" "
			    "infoType=\"123\"/></data></cmd>"));
	fake_db_run_all();
	accepted(1, ENV("<cmd id=\"cmd:getserverinfo\" seqid=\"2\"><data/></cmd>"));
	cr_assert_eq(fake_db_queued(), 0, "the configuration is read once");
	cr_assert_eq(sends_to(1, s, 2), 2);
	has(s[0], "<resp code=\"200\">SUCCESS_OK</resp><data><sib infoType=\"123\" serverTime=\"20");
	has(s[0],
			"Z\" searchLimit=\"999\" messageSizeLimit=\"4000\" storySizeLimit=\"4000\" "
			"rootUri=\"ma-cat://chat.example.com/0c6b7d1e-0000-4000-8000-000000000001\" "
			"dbVersion=\"5b2f9a44-1c0e-4d6a-9e1b-7d3c2a1f0e9d\" DefaultChatHistory=\"30\" "
			"bccontextLimit=\"250\"/></data>");
	has(s[1], "<sib infoType=\"\"");
	has(s[1], "rootUri=\"ma-cat://example.com/0c6b7d1e");
	cmd_table_free();
}

#define GETPREF(label, cd)                                                   \
	ENV("<cmd id=\"cmd:getpref\" seqid=\"1\"><data><pref label=\"" label \
	    "\" seqid=\"1\" createdefault=\"" cd "\"/></data></cmd>")
#define SETPREF(label, content)                                              \
	ENV("<cmd id=\"cmd:setpref\" seqid=\"1\"><data><pref label=\"" label \
	    "\" seqid=\"1\" createdefault=\"false\" content=\"" content "\"/></data></cmd>")

/* session_rooms: the presence a restart of pchatd restores. */
Test(link, joins_store_session_rooms_part_and_close_forget_them)
{
	open_session(1, "sip:alice@example.com");
	join_lobby(1);
	cr_assert_eq(fake_db_session_rooms(1), 1);
	join_closed(1);
	cr_assert_eq(fake_db_session_rooms(1), 2);
	accepted(1, PART(LOBBY));
	fake_db_run_all();
	cr_assert_eq(fake_db_session_rooms(1), 1);
	frame_in(PCHAT_F_CLOSE, 0, 1, "bye", 3);
	fake_db_run_all();
	cr_assert_eq(fake_db_session_rooms(1), 0);
}

Test(link, lost_module_connection_forgets_session_rooms_but_shutdown_keeps_them)
{
	open_session(1, "sip:alice@example.com");
	open_session(2, "sip:bob@example.com");
	join_lobby(1);
	join_lobby(2);
	close_link();
	fake_db_run_all();
	cr_assert_eq(fake_db_session_rooms(1), 0);
	cr_assert_eq(fake_db_session_rooms(2), 0);
	open_session(3, "sip:carol@example.com");
	join_lobby(3);
	frames_set_stopping(1); /* shutting down */
	close_link();
	frames_close_all();
	fake_db_run_all();
	cr_assert_eq(fake_db_session_rooms(3), 1);
}

Test(link, open_restores_stored_presence_quietly)
{
	const struct sent_frame *f;
	char p[256];
	int n;

	fake_db_add_session_room(7, 1, "sip:bob@example.com");
	fake_db_add_session_room(8, 1, "sip:mallory@example.com");
	open_session(1, "sip:alice@example.com");
	join_lobby(1);
	fake_sent_clear();
	/* bob's session 7 comes back (pchatd restarted); a post queued while its
	 * restore job is pending is accepted and runs after it */
	n = snprintf(p, sizeof(p), "%s%csip:pchat@example.com%cep7%cpytest", "sip:bob@example.com",
			0, 0, 0);
	frame_in(PCHAT_F_OPEN, 0, 7, p, (size_t)n + 1);
	posted(7, POST(LOBBY, "back"));
	fake_db_run_all();
	cr_assert_eq(count_sends(1), 1, "alice gets bob's post, no ntc:join");
	has(only_send_to(1), "author=\"sip:bob@example.com\"");
	hasnt(only_send_to(1), "ntc:join");
	has(only_send_to(7), "author=\"sip:bob@example.com\"");
	fake_sent_clear();
	posted(1, POST(LOBBY, "hello bob"));
	fake_db_run_all();
	f = only_send_to(7);
	has(f, "<chat>hello bob</chat>");
	/* session 8 comes back as another user: its rows are ignored and dropped */
	open_session(8, "sip:eve@example.com");
	cr_assert_eq(fake_db_session_rooms(8), 0);
	fake_sent_clear();
	posted(1, POST(LOBBY, "again"));
	fake_db_run_all();
	cr_assert_eq(count_sends(8), 0);
	cr_assert_eq(count_sends(7), 1);
}

static void pref_reply(uint64_t sid, const char *body, const char *want)
{
	fake_sent_clear();
	accepted(sid, body);
	fake_db_run_all();
	has(only_send_to(sid), want);
}

Test(link, prefs_are_stored_per_user_and_label)
{
	char *big;
	size_t n = 70000;
	open_session(1, "sip:alice@example.com");
	open_session(2, "sip:bob@example.com");
	pref_reply(1, GETPREF("kedzie.GroupChannels", "false"),
			"<resp code=\"404\">ERR_NOT_FOUND</resp>");
	pref_reply(1, GETPREF("kedzie.GroupChannels", "true"),
			"<rpl id=\"rpl:getpref\" seqid=\"1\"><commandid seqid=\"1\" envid=\"900\"/>"
			"<resp code=\"200\">SUCCESS_OK</resp><data><pref label=\"kedzie.GroupChannels\" "
			"seqid=\"1\" content=\"\"/></data></rpl>");
	pref_reply(1, SETPREF("kedzie.GroupChannels", "PGNoYW5uZWxzLz4="),
			"<rpl id=\"rpl:setpref\" seqid=\"1\"><commandid seqid=\"1\" envid=\"900\"/>"
			"<resp code=\"200\">SUCCESS_OK</resp><data><pref label=\"kedzie.GroupChannels\" "
			"seqid=\"2\"/></data></rpl>");
	pref_reply(1, GETPREF("kedzie.GroupChannels", "true"),
			"<pref label=\"kedzie.GroupChannels\" seqid=\"2\" content=\"PGNoYW5uZWxzLz4=\"/>");
	pref_reply(2, GETPREF("kedzie.GroupChannels", "false"), "<resp code=\"404\">");
	pref_reply(1, SETPREF("x", "not base64!"), "<resp code=\"400\">");
	pref_reply(1, SETPREF("", "QQ=="), "<resp code=\"400\">");
	pref_reply(1,
			GETPREF("0123456789012345678901234567890123456789012345678901234567890123"
				"0123456789012345678901234567890123456789012345678901234567890123x",
					"true"),
			"<resp code=\"400\">");
	pref_reply(1, ENV("<cmd id=\"cmd:setpref\" seqid=\"1\"><data><pref label=\"x\"/></data></cmd>"),
			"<resp code=\"400\">");
	cfg.xml_max_bytes = 256 * 1024;
	big = malloc(n + 400);
	n = (size_t)snprintf(big, 400, "%s",
			"<xccos ver=\"1\" envid=\"900\"><cmd id=\"cmd:setpref\" seqid=\"1\">"
			"<data><pref label=\"x\" content=\"");
	memset(big + n, 'A', 70000);
	strcpy(big + n + 70000, "\"/></data></cmd></xccos>");
	pref_reply(1, big, "<resp code=\"413\">ERR_TOO_LARGE</resp>");
	free(big);
}

Test(link, bccontext_default_count_and_paging_backwards)
{
	const struct sent_frame *f;
	int i;
	cfg.post_burst = 100; /* 36 posts at once: within the per-user rate limit */
	open_session(1, "sip:alice@example.com");
	join_lobby(1);
	for(i = 0; i < 35; i++) { /* distinct posts: each envelope its own envid */
		char env[512];
		snprintf(env, sizeof(env),
				"<xccos ver=\"1\" envid=\"%d\" xmlns=\"urn:parlano:xml:ns:xccos\">"
				"<grpchat id=\"grpchat\" seqid=\"1\" chanUri=\"" LOBBY
				"\"><chat>m</chat></grpchat></xccos>",
				1000 + i);
		posted(1, env);
	}
	posted(1, POST(LOBBY, "last"));
	fake_db_run_all();
	fake_sent_clear();
	accepted(1,
			ENV("<cmd id=\"cmd:bccontext\" seqid=\"1\"><data><chanib uri=\"" LOBBY
			    "\"/></data></cmd>"));
	fake_db_run_all();
	f = only_send_to(1);
	has(f, "msgid=\"7\"");
	hasnt(f, "msgid=\"6\"");
	has(f, "msgid=\"36\"><chat>last</chat>");
	fake_sent_clear();
	accepted(1,
			ENV("<cmd id=\"cmd:bccontext\" seqid=\"1\"><data><chanib uri=\"" LOBBY
			    "\"/>"
			    "<bcq><before msgid=\"7\" cnt=\"2\"/></bcq></data></cmd>"));
	fake_db_run_all();
	f = only_send_to(1);
	has(f,
			"msgid=\"5\"><chat>m</chat></msg><msg id=\"grpchat\" chanUri=\"" LOBBY
			"\" author=\"sip:alice@example.com\"");
	has(f, "msgid=\"6\"><chat>m</chat></msg></chanib>");
	hasnt(f, "msgid=\"4\"");
	hasnt(f, "msgid=\"7\"");
}

Test(link, roster_notices_stop_above_the_participant_update_limit)
{
	const struct sent_frame *f;
	cfg.participant_update_limit = 2;
	open_session(1, "sip:alice@example.com");
	open_session(2, "sip:bob@example.com");
	open_session(3, "sip:carol@example.com");
	join_lobby(1);
	fake_sent_clear();
	join_lobby(2);
	has(only_send_to(1), "ntc:join");
	fake_sent_clear();
	join_lobby(3);
	cr_assert_eq(count_sends(1), 0, "3 users > limit 2: no ntc:join");
	cr_assert_eq(count_sends(2), 0);
	f = only_send_to(3);
	has(f, "<uib id=\"0\" uri=\"sip:carol@example.com\"/><uib id=\"1\" uri=\"sip:alice@example.com\"/><chanib");
	has(f, "value=\"0,1\"/>");
	hasnt(f, "bob");
	fake_sent_clear();
	accepted(3, PART(LOBBY));
	cr_assert_eq(count_sends(1), 0, "carol leaves a room of 3: no ntc:part");
	accepted(2, PART(LOBBY));
	has(only_send_to(1), "ntc:part");
}

Test(link, unread_counts_for_followed_rooms_not_present_in)
{
	const struct sent_frame *f;
	open_session(1, "sip:alice@example.com");
	open_session(2, "sip:bob@example.com");
	join_lobby(1);
	join_closed(1);
	join_lobby(2);
	posted(2, POST(LOBBY, "seen"));
	fake_db_run_all();
	cr_assert_eq(fake_db_read_writes(), 0, "deliveries are not written one by one");
	frame_in(PCHAT_F_CLOSE, 0, 1, "bye", 3);
	fake_db_run_all();
	cr_assert_eq(fake_db_read_writes(), 1, "alice's position in Lobby is stored as she leaves");
	posted(2, POST(LOBBY, "unseen 1"));
	posted(2, POST(LOBBY, "unseen 2"));
	fake_db_run_all();
	open_session(3, "sip:alice@example.com");
	join_closed(3);
	fake_sent_clear();
	accepted(3, ENV("<cmd id=\"cmd:getassociations\" seqid=\"6\"><data/></cmd>"));
	fake_db_run_all();
	f = only_send_to(3);
	has(f,
			"<chanib uri=\"" LOBBY "\" name=\"Lobby\" description=\"about \"><info "
			"id=\"urn:parlano:ma:info:ucnt\">1</info><info id=\"urn:parlano:ma:info:unread\">2</info>");
	has(f,
			"<chanib uri=\"" CLOSED "\" name=\"Closed\" description=\"about \"><info "
			"id=\"urn:parlano:ma:info:ucnt\">1</info><info id=\"urn:parlano:ma:info:visibilty\">");
	fake_sent_clear();
	accepted(3, BCC(LOBBY, "5"));
	fake_db_run_all();
	accepted(3, ENV("<cmd id=\"cmd:getassociations\" seqid=\"7\"><data/></cmd>"));
	fake_db_run_all();
	has(fake_sent(fake_sent_count() - 1), "<info id=\"urn:parlano:ma:info:unread\">0</info>");
}

/* The 200 to a post means stored: a post accepted while its join was queued and then
 * refused gets its refusal instead of silence, and one the database fails gets 500. */
Test(link, a_post_answers_once_stored_or_refused)
{
	uint32_t refused, failed;
	open_session(3, "sip:carol@example.com"); /* no member of Closed */
	accepted(3, JOIN("c1"));
	refused = posted(3, POST(CLOSED, "let me in"));
	fake_db_run_all();
	cr_assert_eq(verdict(refused)->type, PCHAT_F_REJECT);
	cr_assert_str_eq(verdict(refused)->payload, "403 Members Only");
	cr_assert_eq(fake_db_messages(), 0);

	open_session(1, "sip:alice@example.com");
	join_lobby(1);
	failed = posted(1, POST(LOBBY, "lost"));
	fake_db_fail_next();
	fake_db_run_all();
	cr_assert_eq(verdict(failed)->type, PCHAT_F_REJECT);
	cr_assert_str_eq(verdict(failed)->payload, "500 Not Stored");
	cr_assert_eq(cmdq_pending(), 0);
}

/* A post the database could not take before its deadline is answered BUSY (503 +
 * Retry-After) and never stored; other commands are not affected. */
Test(link, a_post_past_its_deadline_is_busy_and_never_stored)
{
	uint32_t token;
	open_session(1, "sip:alice@example.com");
	join_lobby(1);
	fake_sent_clear();
	token = posted(1, POST(LOBBY, "too late"));
	fake_db_run_late();
	cr_assert_eq(verdict(token)->type, PCHAT_F_BUSY);
	cr_assert_eq(fake_db_messages(), 0);
	cr_assert_eq(count_sends(1), 0, "nothing delivered");
	cr_assert_eq(cmdq_pending(), 0);
	token = posted(1, POST(LOBBY, "again"));
	fake_db_run_all();
	cr_assert_eq(verdict(token)->type, PCHAT_F_ACCEPT);
	cr_assert_eq(fake_db_messages(), 1);
}

/* A post sent again (same endpoint and envid: after a 503 or a lost 200) is answered
 * 200 again and stored and delivered once; another envid is another post. */
Test(link, a_post_sent_again_is_stored_once)
{
	uint32_t first, again, other;
	open_session(1, "sip:alice@example.com");
	join_lobby(1);
	fake_sent_clear();
	first = posted(1, POST(LOBBY, "once"));
	fake_db_run_all();
	again = posted(1, POST(LOBBY, "once")); /* POST() always has envid 900 */
	fake_db_run_all();
	cr_assert_eq(verdict(first)->type, PCHAT_F_ACCEPT);
	cr_assert_eq(verdict(again)->type, PCHAT_F_ACCEPT, "answered 200 again");
	cr_assert_eq(fake_db_messages(), 1, "stored once");
	cr_assert_eq(count_sends(1), 1, "delivered once");
	other = posted(1,
			ENV_ID("901",
					"<grpchat id=\"grpchat\" seqid=\"1\" chanUri=\"" LOBBY
					"\"><chat>once</chat></grpchat>"));
	fake_db_run_all();
	cr_assert_eq(verdict(other)->type, PCHAT_F_ACCEPT);
	cr_assert_eq(fake_db_messages(), 2, "another envelope is another post");
}

/* Is the SEND frame's payload a well-formed XML document? */
static int sent_well_formed(const struct sent_frame *f)
{
	xmlDoc *d = xmlReadMemory(f->payload, (int)f->len, NULL, "UTF-8", XML_PARSE_NONET);
	xmlFreeDoc(d);
	return d != NULL;
}

Test(link, posts_with_characters_xml_cannot_carry_are_400_and_not_stored)
{
	const char *bad[] = {POST(LOBBY, "A&#xFFFF;B"),
			POST(LOBBY,
					"A\xef\xbf\xbf"
					"B"),
			POST(LOBBY,
					"A\xff"
					"B")};
	open_session(1, "sip:alice@example.com");
	open_session(2, "sip:bob@example.com");
	join_lobby(1);
	join_lobby(2);
	for(size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const struct sent_frame *f;
		fake_sent_clear();
		accepted(1, bad[i]);
		fake_db_run_all();
		f = only_send_to(1);
		has(f, "<rpl id=\"rpl:error\"");
		has(f, "<resp code=\"400\">ERR_BAD_REQUEST</resp>");
		cr_assert(sent_well_formed(f), "%s", f->payload);
		cr_assert_eq(count_sends(2), 0, "nothing reaches the room (post %zu)", i);
	}
	cr_assert_eq(fake_db_messages(), 0);
}

Test(link, a_room_named_with_u_ffff_does_not_break_lists_and_joins)
{
	const struct sent_frame *f;
	/* as a row written by hand with SQL can be */
	fake_db_add_room(4, "example.com", "bad1",
			"A\xef\xbf\xbf"
			"B",
			"t\xff", "open");
	open_session(1, "sip:alice@example.com");
	fake_sent_clear();
	accepted(1, CHANSRCH);
	fake_db_run_all();
	f = only_send_to(1);
	cr_assert(sent_well_formed(f), "%s", f->payload);
	has(f, "name=\"Lobby\"");
	has(f, "name=\"Closed\"");
	has(f,
			"name=\"A\xef\xbf\xbd"
			"B\"");
	fake_sent_clear();
	accepted(1, JOIN("bad1"));
	fake_db_run_all();
	f = only_send_to(1);
	cr_assert(sent_well_formed(f), "%s", f->payload);
	has(f, "topic=\"t\xef\xbf\xbd\"");
	fake_sent_clear();
	accepted(1, ENV("<cmd id=\"cmd:getassociations\" seqid=\"6\"><data/></cmd>"));
	fake_db_run_all();
	f = only_send_to(1);
	cr_assert(sent_well_formed(f), "%s", f->payload);
	has(f,
			"name=\"A\xef\xbf\xbd"
			"B\"");
}
