/*
 * test_commands.c - the link protocol and command execution (frames.c,
 * commands.c, sessions.c, rooms.c) against the fake link and fake database.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "config.h"
#include "frames.h"
#include "log.h"
#include "rooms.h"
#include "sessions.h"
#include "xccos.h"

#include "fakes.h"

#define LOBBY_ID "6f1d2c3b-8a9e-4f10-b7c2-53a1e0d4c9aa"
#define LOBBY "ma-chan://example.com/" LOBBY_ID
#define CLOSED "ma-chan://example.com/c1"
#define SECRET "ma-chan://example.com/s1"
#define ENV(items) "<xccos ver=\"1\" envid=\"900\" xmlns=\"urn:parlano:xml:ns:xccos\">" items "</xccos>"
#define JOIN(id) ENV("<cmd id=\"cmd:join\" seqid=\"1\"><data><chanid key=\"0\" domain=\"example.com\" value=\"" id "\"/></data></cmd>")
#define POST(uri, text) ENV("<grpchat id=\"grpchat\" seqid=\"1\" chanUri=\"" uri "\" author=\"sip:mallory@evil.com\" ts=\"2024-01-01T00:00:00Z\"><chat>" text "</chat></grpchat>")
#define BCC(uri, cnt) ENV("<cmd id=\"cmd:bccontext\" seqid=\"1\"><data><chanib uri=\"" uri "\"/><bcq><last cnt=\"" cnt "\"/></bcq></data></cmd>")
#define PART(uri) ENV("<cmd id=\"cmd:part\" seqid=\"1\"><data><chanib uri=\"" uri "\"/></data></cmd>")
#define REQURI ENV("<cmd id=\"cmd:requri\" seqid=\"1\"><data/></cmd>")

static struct link_conn *conn;
static uint32_t next_token = 1;

static void setup(void)
{
	config_defaults(&cfg);
	log_threshold = LL_ERROR;
	xccos_init();
	conn = fake_conn(1);
	fake_db_add_room(1, "example.com", LOBBY_ID, "Lobby", "Welcome", "open");
	fake_db_add_room(2, "example.com", "c1", "Closed", "", "closed");
	fake_db_add_room(3, "example.com", "s1", "Secret", "", "secret");
}

static void teardown(void)
{
	sessions_close_all();
	fake_db_run_all(); /* posts of closed sessions still complete */
	rooms_free_all();
	fake_db_reset();
	fake_link_reset();
	xccos_cleanup();
	frames_refusing = 0;
}

TestSuite(link, .init = setup, .fini = teardown);

static void frame_in(uint8_t type, uint32_t token, uint64_t sid, const char *p, size_t len)
{
	struct pchat_frame f = {type, token, sid, p, (uint32_t)len};
	frames_on_frame(conn, &f);
}

static void open_session(uint64_t sid, const char *user)
{
	char p[256];
	int n = snprintf(p, sizeof(p), "%s%csip:pchat@example.com%cep%llu%cpytest", user, 0, 0,
			(unsigned long long)sid, 0);
	frame_in(PCHAT_F_OPEN, 0, sid, p, (size_t)n + 1);
}

/* Sends an XCCOS frame; returns the first frame answering its token. */
static const struct sent_frame *xccos(uint64_t sid, const char *body)
{
	uint32_t token = next_token++;
	size_t i;
	frame_in(PCHAT_F_XCCOS, token, sid, body, strlen(body));
	for(i = 0; i < fake_sent_count(); i++) {
		const struct sent_frame *f = fake_sent(i);
		if(f->token == token && f->type != PCHAT_F_SEND)
			return f;
	}
	cr_assert_fail("no ACCEPT/BUSY/REJECT for token %u", token);
	return NULL;
}

static void accepted(uint64_t sid, const char *body)
{
	const struct sent_frame *f = xccos(sid, body);
	cr_assert_eq(f->type, PCHAT_F_ACCEPT, "not accepted: %s", body);
	cr_assert_eq(f->len, 0);
}

/* The SEND frames to sid so far, n of them expected; returns them via out. */
static size_t sends_to(uint64_t sid, const struct sent_frame **out, size_t max)
{
	const struct sent_frame *all[64];
	size_t n = fake_sent_to(sid, all, 64), i, k = 0;
	for(i = 0; i < n && k < max; i++) {
		if(all[i]->type == PCHAT_F_SEND)
			out[k++] = all[i];
	}
	return k;
}

static size_t count_sends(uint64_t sid)
{
	const struct sent_frame *s[64];
	return sends_to(sid, s, 64);
}

static const struct sent_frame *only_send_to(uint64_t sid)
{
	const struct sent_frame *s[8];
	size_t n = sends_to(sid, s, 8);
	cr_assert_eq(n, 1, "%zu SENDs to session %llu", n, (unsigned long long)sid);
	return s[0];
}

#define has(f, text) cr_assert(strstr((f)->payload, text) != NULL, "no '%s' in %s", text, (f)->payload)
#define hasnt(f, text) cr_assert(strstr((f)->payload, text) == NULL, "'%s' in %s", text, (f)->payload)

static void join_lobby(uint64_t sid)
{
	accepted(sid, JOIN(LOBBY_ID));
	fake_db_run_all();
}

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
	has(only_send_to(1), "<rpl id=\"rpl:join\" seqid=\"1\"><commandid seqid=\"1\" envid=\"900\"/>"
			     "<resp code=\"404\">ERR_NOT_FOUND</resp><data/></rpl>");
}

Test(link, join_lists_present_users_and_notifies_others)
{
	const struct sent_frame *f;
	open_session(1, "sip:alice@example.com");
	open_session(2, "sip:bob@example.com");
	join_lobby(1);
	has(only_send_to(1), "<uib id=\"0\" uri=\"sip:alice@example.com\"/><chanib uri=\"" LOBBY
			     "\" name=\"Lobby\" topic=\"Welcome\"><aib key=\"3984\" value=\"0\"/>");
	fake_sent_clear();
	accepted(2, JOIN(LOBBY_ID)); /* cached now: answered at once */
	f = only_send_to(2);
	has(f, "<uib id=\"0\" uri=\"sip:bob@example.com\"/><uib id=\"1\" uri=\"sip:alice@example.com\"/>");
	has(f, "<aib key=\"3984\" value=\"0,1\"/>");
	f = only_send_to(1);
	has(f, "<ntc id=\"ntc:join\"><data><uib id=\"0\" uri=\"sip:bob@example.com\"><aib key=\"3984\" "
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
	has(only_send_to(3), "<uib id=\"0\" uri=\"sip:bob@example.com\"/><uib id=\"1\" "
			     "uri=\"sip:alice@example.com\"/><chanib");
	fake_sent_clear();
	frame_in(PCHAT_F_CLOSE, 0, 2, "bye", 3);
	cr_assert_eq(count_sends(1), 0, "bob is still there through session 3");
	frame_in(PCHAT_F_CLOSE, 0, 3, "bye", 3);
	has(only_send_to(1), "<ntc id=\"ntc:part\"><data><chanib uri=\"" LOBBY "\"><uib "
			     "uri=\"sip:bob@example.com\"/></chanib></data></ntc>");
}

Test(link, post_is_stored_then_echoed_to_everyone)
{
	const struct sent_frame *f;
	open_session(1, "sip:alice@example.com");
	open_session(2, "sip:bob@example.com");
	join_lobby(1);
	join_lobby(2);
	fake_sent_clear();
	accepted(1, POST(LOBBY, "1 &lt; 2 &amp; &quot;q&quot;"));
	cr_assert_eq(fake_sent_count(), 1, "nothing is sent before the commit");
	fake_db_run_all();
	cr_assert_eq(fake_db_messages(), 1);
	cr_assert_str_eq(fake_db_message_author(0), "sip:alice@example.com");
	cr_assert_str_eq(fake_db_message_body(0), "1 < 2 & \"q\"");
	f = only_send_to(1);
	has(f, "<grpchat id=\"grpchat\" seqid=\"1\" chanUri=\"" LOBBY "\" author=\"sip:alice@example.com\" ts=\"");
	has(f, "Z\" msgid=\"1\"><chat>1 &lt; 2 &amp; &quot;q&quot;</chat></grpchat></xccos>");
	hasnt(f, "mallory");
	f = only_send_to(2);
	has(f, "author=\"sip:alice@example.com\"");
}

Test(link, posts_that_are_refused)
{
	char big[9000];
	const struct sent_frame *f;
	open_session(1, "sip:alice@example.com");
	f = xccos(1, POST(LOBBY, "not joined"));
	cr_assert_eq(f->type, PCHAT_F_REJECT);
	cr_assert_str_eq(f->payload, "403 Forbidden");
	join_lobby(1);
	cr_assert_eq(xccos(1, ENV("<grpchat chanUri=\"" LOBBY "\"/>"))->type, PCHAT_F_REJECT);
	cr_assert_eq(xccos(1, ENV("<grpchat><chat>x</chat></grpchat>"))->type, PCHAT_F_REJECT);
	cr_assert_eq(xccos(1, POST(LOBBY, ""))->type, PCHAT_F_REJECT);
	cfg.message_max_bytes = 5;
	cr_assert_eq(xccos(1, POST(LOBBY, "123456"))->type, PCHAT_F_REJECT);
	cr_assert_eq(xccos(1, POST(LOBBY, "&amp;&amp;&amp;&amp;&amp;"))->type, PCHAT_F_ACCEPT,
			"the limit counts decoded bytes");
	cfg.message_max_bytes = 8192;
	snprintf(big, sizeof(big), ENV("<grpchat chanUri=\"" LOBBY "\"><chat>%08193d</chat></grpchat>"), 0);
	cr_assert_eq(xccos(1, big)->type, PCHAT_F_REJECT);
	fake_db_run_all();
	cr_assert_eq(fake_db_messages(), 1);
}

Test(link, busy_when_the_queue_is_full)
{
	open_session(1, "sip:alice@example.com");
	open_session(2, "sip:bob@example.com");
	cfg.queue_limit = 2;
	accepted(1, JOIN(LOBBY_ID));
	accepted(2, JOIN(LOBBY_ID));
	cr_assert_eq(commands_pending(), 2);
	cr_assert_eq(xccos(1, REQURI)->type, PCHAT_F_BUSY);
	cr_assert_eq(xccos(2, "garbage")->type, PCHAT_F_BUSY, "nothing is parsed when busy");
	fake_db_run_all();
	cr_assert_eq(commands_pending(), 0);
	accepted(1, REQURI);
}

Test(link, busy_while_shutting_down)
{
	open_session(1, "sip:alice@example.com");
	frames_refusing = 1;
	cr_assert_eq(xccos(1, REQURI)->type, PCHAT_F_BUSY);
}

Test(link, replies_follow_the_echo_of_earlier_posts)
{
	const struct sent_frame *s[4];
	open_session(1, "sip:alice@example.com");
	join_lobby(1);
	fake_sent_clear();
	accepted(1, POST(LOBBY, "one"));
	accepted(1, POST(LOBBY, "two"));
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
	accepted(1, POST(LOBBY, "early"));
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
	accepted(1, POST(LOBBY, "in flight"));
	accepted(1, REQURI);
	frame_in(PCHAT_F_CLOSE, 0, 1, "BYE", 3);
	cr_assert_eq(commands_pending(), 1, "the post is still pending, the requri dropped");
	fake_db_run_all();
	cr_assert_eq(fake_db_messages(), 1);
	cr_assert_eq(sends_to(2, s, 4), 2);
	has(s[0], "ntc:part");
	has(s[1], "<chat>in flight</chat>");
	cr_assert_eq(commands_pending(), 0);
}

Test(link, queued_post_of_a_closed_session_is_stored)
{
	open_session(1, "sip:alice@example.com");
	open_session(2, "sip:bob@example.com");
	join_lobby(1);
	join_lobby(2);
	/* the post waits behind a command that waits for the database */
	accepted(1, ENV("<cmd id=\"cmd:chansrch\" seqid=\"1\"><data><qib criteria=\"\"/></data></cmd>"));
	accepted(1, POST(LOBBY, "queued"));
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
	has(f, "<rpl id=\"rpl:error\" seqid=\"0\"><commandid seqid=\"0\" envid=\"31\"/><resp "
	       "code=\"400\">ERR_BAD_REQUEST</resp><data><error reason=\"malformed XML");
	fake_sent_clear();
	accepted(1, REQURI);
	has(only_send_to(1), "rpl:requri");
}

Test(link, unknown_command_is_501)
{
	open_session(1, "sip:alice@example.com");
	accepted(1, ENV("<cmd id=\"cmd:getinv\" seqid=\"4\"><data><inv inviteId=\"1\"/></data></cmd>"));
	has(only_send_to(1), "<rpl id=\"rpl:getinv\" seqid=\"4\"><commandid seqid=\"4\" envid=\"900\"/>"
			     "<resp code=\"501\">ERR_NOT_IMPLEMENTED</resp><data/></rpl>");
}

Test(link, bccontext_rules)
{
	const struct sent_frame *f;
	open_session(1, "sip:alice@example.com");
	join_lobby(1);
	accepted(1, POST(LOBBY, "m1"));
	accepted(1, POST(LOBBY, "m2"));
	accepted(1, POST(LOBBY, "m3"));
	fake_db_run_all();
	open_session(2, "sip:bob@example.com");
	cfg.bccontext_max = 2;
	accepted(2, BCC(LOBBY, "25")); /* open room: no join needed; capped at 2 */
	fake_db_run_all();
	f = only_send_to(2);
	hasnt(f, "m1");
	has(f, "<chat>m2</chat></msg><msg");
	has(f, "<chat>m3</chat></msg></chanib></data></rpl>");
	fake_sent_clear();
	accepted(2, BCC(CLOSED, "5"));
	fake_db_run_all();
	has(only_send_to(2), "<resp code=\"403\">ERR_ACCESS_DENIED</resp>");
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
	has(only_send_to(2), "<resp code=\"200\">SUCCESS_OK</resp><data><chanib uri=\"" LOBBY "\"/></data>");
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
	accepted(1, ENV("<cmd id=\"cmd:chansrch\" seqid=\"1\"><data><qib qtype=\"BYNAME\" criteria=\"\" "
			"extended=\"false\"/></data></cmd>"));
	fake_db_run_all();
	f = only_send_to(1);
	has(f, "<chanib uri=\"" LOBBY "\" name=\"Lobby\" description=\"about \"><info "
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
	frames_on_close(conn);
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
	cr_assert_eq(commands_pending(), 2);
	frame_in(PCHAT_F_CLOSE, 0, 1, "BYE", 3);
	cr_assert_eq(commands_pending(), 1, "the join still waits for the database");
	cr_assert_eq(commands_outstanding(), 0, "but nobody needs its reply");
	fake_db_run_all();
	cr_assert_eq(commands_pending(), 0);
	cr_assert_eq(fake_sent_count(), 2, "two ACCEPTs, no SEND");
	cr_assert_eq(room_find(LOBBY)->nusers, 0, "a closed session does not join");
}
