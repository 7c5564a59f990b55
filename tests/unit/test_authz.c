/*
 * test_authz.c - the room model enforced on every XCCOS path (cmdq.c and the cmd_*.c
 * handlers with the rules of common/pchat_acl.c), and the reload of rooms and configuration
 * (reload.c, rooms_refresh), against the fake link and database.
 */
#include <criterion/criterion.h>
#ifndef TestSuite /* cppcheck, which does not read criterion.h */
#define TestSuite(...)
#endif
#include <string.h>

#include "config.h"
#include "db.h"
#include "frames.h"
#include "presence.h"
#include "reload.h"
#include "rooms.h"
#include "sessions.h"

#include "harness.h"

#define ALICE "sip:alice@example.com"
#define BOB "sip:bob@example.com"
#define CAROL "sip:carol@example.com"
#define AUDI "ma-chan://example.com/a1"
#define DISABLED "ma-chan://example.com/d1"
#define GETINV \
	ENV("<cmd id=\"cmd:getinv\" seqid=\"1\"><data><inv inviteId=\"1\" domain=\"example.com\"/></data></cmd>")
#define NODES ENV("<cmd id=\"cmd:nodespermcreatechild\" seqid=\"1\"><data/></cmd>")
#define ASSOC ENV("<cmd id=\"cmd:getassociations\" seqid=\"1\"><data/></cmd>")
#define GETINV_AFTER(inv) ENV("<cmd id=\"cmd:getinv\" seqid=\"1\"><data>" inv "</data></cmd>")

/* Besides the harness's rooms: Secret (3) has alice as member; Auditorium (4),
 * bob presents; Disabled (5), open. */
static void setup(void)
{
	harness_setup();
	fake_db_set_room_acl(3, &(struct fake_acl){.members = ALICE});
	fake_db_add_room(4, "example.com", "a1", "Auditorium", "", "open");
	fake_db_set_room_acl(4, &(struct fake_acl){.type = "auditorium", .presenters = BOB});
	fake_db_add_room(5, "example.com", "d1", "Disabled", "", "open");
	fake_db_set_room_acl(5, &(struct fake_acl){.disabled = 1});
}

TestSuite(authz, .init = setup, .fini = harness_teardown);

/* The reply (from <rpl on) of the only SEND to sid after body, which is run. */
static const char *reply_to(uint64_t sid, const char *body)
{
	static char buf[4096];
	const struct sent_frame *f;
	fake_sent_clear();
	accepted(sid, body);
	fake_db_run_all();
	f = only_send_to(sid);
	cr_assert_not_null(strstr(f->payload, "<rpl"));
	snprintf(buf, sizeof(buf), "%s", strstr(f->payload, "<rpl"));
	return buf;
}

static void reload(void)
{
	rooms_reload_all();
	fake_db_run_all();
}

Test(authz, a_secret_room_answers_like_one_that_does_not_exist)
{
	char unknown[4096];
	open_session(2, BOB);
	snprintf(unknown, sizeof(unknown), "%s", reply_to(2, JOIN("zzz")));
	cr_assert_str_eq(reply_to(2, JOIN("s1")), unknown);
	cr_assert_str_eq(reply_to(2, BCC(SECRET, "5")),
			reply_to(2, BCC("ma-chan://example.com/zzz", "5")));
	cr_assert(strstr(reply_to(2, BJOIN(CHANID("0", "s1"))), "<fib key=\"ERR_NOT_FOUND\""));
	open_session(1, ALICE);
	cr_assert(strstr(reply_to(1, JOIN("s1")), "SUCCESS_OK"), "a member enters");
}

Test(authz, closed_rooms_refuse_non_members_with_403)
{
	const char *r;
	open_session(3, CAROL);
	r = reply_to(3, JOIN("c1"));
	cr_assert(strstr(r, "<resp code=\"403\">ERR_ACCESS_DENIED</resp><data><error reason=\"only members"),
			"%s", r);
	cr_assert(strstr(reply_to(3, BJOIN(CHANID("0", "c1"))),
			"<fib key=\"ERR_ACCESS_DENIED\" domain=\"example.com\" value=\"c1\"/>"));
	cr_assert_eq(room_find(CLOSED)->nusers, 0);
	cr_assert_str_eq(xccos(3, POST(CLOSED, "x"))->payload, "403 Members Only");
	cr_assert_str_eq(xccos(3, POST(SECRET, "x"))->payload, "403 Not In The Room",
			"like a room that does not exist");
	cr_assert_str_eq(xccos(3, POST("ma-chan://example.com/zzz", "x"))->payload,
			"403 Not In The Room");
}

Test(authz, disabled_rooms_refuse_joins_and_posts_saying_so)
{
	const char *r;
	const struct sent_frame *f;
	open_session(1, ALICE);
	r = reply_to(1, JOIN("d1"));
	cr_assert(strstr(r, "<resp code=\"423\">ERR_ROOM_DISABLED</resp><data><error reason=\"the room is disabled\"/>"),
			"%s", r);
	cr_assert(strstr(reply_to(1, BCC(DISABLED, "5")), "ERR_ROOM_DISABLED"));
	cr_assert(strstr(reply_to(1, BJOIN(CHANID("0", "d1"))), "<fib key=\"ERR_ROOM_DISABLED\""));
	/* Disabled while alice is in the Lobby: she is put out, and posts are refused. */
	open_session(2, BOB);
	join_lobby(1);
	join_lobby(2);
	fake_db_set_room_acl(1, &(struct fake_acl){.disabled = 1});
	fake_sent_clear();
	reload();
	cr_assert_eq(room_find(LOBBY)->nusers, 0);
	f = xccos(1, POST(LOBBY, "x"));
	cr_assert_eq(f->type, PCHAT_F_REJECT);
	cr_assert_str_eq(f->payload, "403 Room Disabled", "put out, and told why");
	cr_assert_eq(fake_db_messages(), 0);
}

Test(authz, a_post_to_a_room_disabled_meanwhile_is_refused_saying_so)
{
	struct room *r;
	const struct sent_frame *f;
	open_session(1, ALICE);
	join_lobby(1);
	r = room_find(LOBBY);
	r->disabled = 1; /* as a reload would, before it evicts */
	f = xccos(1, POST(LOBBY, "x"));
	cr_assert_str_eq(f->payload, "403 Room Disabled");
}

Test(authz, in_an_auditorium_only_presenters_post)
{
	const struct sent_frame *f;
	open_session(1, ALICE);
	open_session(2, BOB);
	cr_assert(strstr(reply_to(1, JOIN("a1")), "SUCCESS_OK"));
	cr_assert(strstr(reply_to(2, JOIN("a1")), "SUCCESS_OK"));
	f = xccos(1, POST(AUDI, "mine"));
	cr_assert_eq(f->type, PCHAT_F_REJECT);
	cr_assert_str_eq(f->payload, "403 Only Presenters May Post");
	posted(2, POST(AUDI, "news"));
	fake_db_run_all();
	cr_assert_eq(fake_db_messages(), 1);
	cr_assert_str_eq(fake_db_message_body(0), "news");
	cr_assert(strstr(reply_to(1, BCC(AUDI, "5")), "<chat>news</chat>"), "everyone reads");
}

Test(authz, chansrch_lists_what_the_user_may_see)
{
	const char *r;
	fake_db_set_room_acl(
			2, &(struct fake_acl){.members = ALICE, .denied = "sip:carol@example.com"});
	open_session(1, ALICE);
	open_session(2, BOB);
	open_session(3, CAROL);
	r = reply_to(1, CHANSRCH);
	cr_assert(strstr(r, "name=\"Secret\"") && strstr(r, "name=\"Closed\""), "%s", r);
	r = reply_to(2, CHANSRCH);
	cr_assert(strstr(r, "name=\"Closed\"") && !strstr(r, "Secret"), "%s", r);
	cr_assert(strstr(r, "name=\"Disabled\""), "disabled rooms are still seen");
	r = reply_to(3, CHANSRCH);
	cr_assert(!strstr(r, "Closed") && strstr(r, "Lobby"), "denied in Closed's category: %s", r);
	open_session(4, "sip:eve@other.org");
	r = reply_to(4, CHANSRCH);
	cr_assert(strstr(r, "<data></data>"), "not allowed anywhere: %s", r);
}

Test(authz, chansrch_respects_the_search_limit)
{
	const char *r;
	fake_db_set_conf(DB_CONF_SEARCH_LIMIT, 2);
	reload();
	cr_assert_eq(cfg.search_limit, 2);
	open_session(2, BOB);
	r = reply_to(2, CHANSRCH);
	cr_assert(strstr(r, "name=\"Lobby\"") && strstr(r, "name=\"Closed\""), "%s", r);
	cr_assert(!strstr(r, "Auditorium"), "only the first two (in the database's order): %s", r);
}

Test(authz, server_config_overrides_options_until_its_rows_go)
{
	fake_db_set_conf(DB_CONF_DEFAULT_CHAT_HISTORY, 2);
	fake_db_set_conf(DB_CONF_MESSAGE_SIZE_LIMIT, 3);
	fake_db_set_conf(DB_CONF_PARTICIPANT_UPDATE_LIMIT, 0); /* out of range: ignored */
	reload();
	cr_assert_eq(cfg.default_chat_history, 2);
	cr_assert_eq(cfg.message_max_bytes, 3);
	cr_assert_eq(cfg.participant_update_limit, 75);
	open_session(1, ALICE);
	join_lobby(1);
	cr_assert_str_eq(xccos(1, POST(LOBBY, "1234"))->payload, "403 Message Too Long");
	posted(1, POST(LOBBY, "a"));
	posted(1, POST(LOBBY, "b"));
	posted(1, POST(LOBBY, "c"));
	fake_db_run_all();
	cr_assert(!strstr(reply_to(1,
					  ENV("<cmd id=\"cmd:bccontext\" seqid=\"1\"><data><chanib uri=\"" LOBBY
					      "\"/></data></cmd>")),
				  "<chat>a</chat>"),
			"DefaultChatHistory 2");
	fake_db_set_conf(DB_CONF_MESSAGE_SIZE_LIMIT, -1);
	reload();
	cr_assert_eq(cfg.message_max_bytes, 8192, "back to the option");
}

Test(authz, without_chat_history_posts_are_stored_but_no_history_is_served)
{
	static const struct fake_acl no_history = {.no_history = 1};
	fake_db_set_room_acl(1, &no_history);
	open_session(1, ALICE);
	join_lobby(1);
	fake_sent_clear();
	posted(1, POST(LOBBY, "kept but not served"));
	fake_db_run_all();
	cr_assert(strstr(only_send_to(1)->payload, "kept but not served"), "delivered live");
	const char *r = reply_to(1,
			ENV("<cmd id=\"cmd:bccontext\" seqid=\"1\"><data><chanib uri=\"" LOBBY
			    "\"/></data></cmd>"));
	cr_assert(strstr(r, "rpl:bccontext") && !strstr(r, "kept but not served"),
			"no history served: %s", r);
}

Test(authz, a_reload_refreshes_cached_rooms_only)
{
	open_session(1, ALICE);
	join_lobby(1);
	reload();
	cr_assert_not_null(room_find(LOBBY));
	cr_assert_null(room_find(SECRET), "a room nobody used stays out of the cache");
}

Test(authz, reload_puts_out_who_lost_the_right_and_tells_the_others)
{
	const struct sent_frame *f;
	open_session(1, ALICE);
	open_session(2, BOB);
	cr_assert(strstr(reply_to(1, JOIN("c1")), "SUCCESS_OK"));
	cr_assert(strstr(reply_to(2, JOIN("c1")), "SUCCESS_OK"));
	cr_assert_eq(fake_db_session_rooms(2), 1);
	fake_db_set_room_acl(2, &(struct fake_acl){.members = ALICE});
	fake_sent_clear();
	reload();
	cr_assert_eq(room_find(CLOSED)->nusers, 1);
	cr_assert(!room_has_user(room_find(CLOSED), BOB));
	f = only_send_to(1);
	has(f, "ntc:part");
	has(f, BOB);
	cr_assert_eq(count_sends(2), 0);
	cr_assert_eq(fake_db_session_rooms(2), 0, "a restart does not bring bob back");
	cr_assert_eq(xccos(2, POST(CLOSED, "x"))->type, PCHAT_F_REJECT);
}

Test(authz, a_removed_room_is_marked_gone_and_emptied)
{
	struct room *r;
	open_session(1, ALICE);
	join_lobby(1);
	r = room_find(LOBBY);
	fake_db_remove_room(1);
	reload();
	cr_assert(r->gone);
	cr_assert_eq(r->nusers, 0);
	cr_assert_null(room_find(LOBBY));
	cr_assert(strstr(reply_to(1, JOIN(LOBBY_ID)), "<resp code=\"404\">"));
	fake_db_add_room(1, "example.com", LOBBY_ID, "Lobby", "Back", "open");
	cr_assert(strstr(reply_to(1, JOIN(LOBBY_ID)), "SUCCESS_OK"), "a room with that URI again");
	cr_assert_eq(room_find(LOBBY), r, "the same cache entry");
}

Test(authz, restore_skips_rooms_no_longer_allowed)
{
	fake_db_add_session_room(7, 2, CAROL); /* carol is no member of Closed */
	fake_db_add_session_room(7, 1, CAROL);
	open_session(7, CAROL);
	cr_assert_eq(room_find(LOBBY)->nusers, 1);
	cr_assert_eq(room_find(CLOSED)->nusers, 0);
	cr_assert_eq(fake_db_session_rooms(7), 1);
}

Test(authz, getassociations_hides_rooms_no_longer_visible)
{
	const char *r;
	open_session(1, ALICE);
	cr_assert(strstr(reply_to(1, JOIN("s1")), "SUCCESS_OK"));
	cr_assert(strstr(reply_to(1, ASSOC), "name=\"Secret\""));
	fake_db_set_room_acl(3, &(struct fake_acl){.members = BOB});
	reload();
	r = reply_to(1, ASSOC);
	cr_assert(!strstr(r, "Secret"), "%s", r);
}

Test(authz, getinv_returns_the_users_invitations)
{
	const char *r;
	fake_db_add_invitation(7, ALICE, 3, CAROL);
	fake_db_add_invitation(8, BOB, 3, CAROL); /* bob may not see Secret */
	fake_db_add_invitation(9, BOB, 2, ALICE);
	open_session(1, ALICE);
	open_session(2, BOB);
	r = reply_to(1, GETINV);
	cr_assert(strstr(r,
				  "<data><inv inviteId=\"7\" chanUri=\"" SECRET
				  "\" name=\"Secret\" "
				  "inviter=\"sip:carol@example.com\" ts=\"2026-01-02T03:04:05.000Z\"/></data>"),
			"%s", r);
	r = reply_to(2, GETINV);
	cr_assert(strstr(r, "<data><inv inviteId=\"9\" chanUri=\"" CLOSED "\""), "%s", r);
	cr_assert(!strstr(r, "inviteId=\"8\""), "%s", r);
}

Test(authz, getinv_returns_only_invitations_after_the_id_seen)
{
	const char *r;
	fake_db_add_invitation(7, ALICE, 2, CAROL);
	fake_db_add_invitation(9, ALICE, 1, BOB);
	open_session(1, ALICE);
	r = reply_to(1, GETINV_AFTER("<inv inviteId=\"7\" domain=\"example.com\"/>"));
	cr_assert(strstr(r, "inviteId=\"9\"") && !strstr(r, "inviteId=\"7\""), "%s", r);
	r = reply_to(1, GETINV_AFTER("<inv inviteId=\"9\" domain=\"example.com\"/>"));
	cr_assert(strstr(r, "<data></data>"), "%s", r);
	r = reply_to(1, GETINV_AFTER("<inv domain=\"example.com\"/>")); /* none seen */
	cr_assert(strstr(r, "inviteId=\"7\"") && strstr(r, "inviteId=\"9\""), "%s", r);
	r = reply_to(1, GETINV_AFTER("<inv inviteId=\"x1\" domain=\"example.com\"/>"));
	cr_assert(strstr(r, "<resp code=\"400\">") && strstr(r, "inviteId must be"), "%s", r);
}

/* Managers and presenters carry the key sipe shows as operator (aib 12276). */
Test(authz, operators_are_marked_in_join_replies_and_notices)
{
	const struct sent_frame *s[4];
	fake_db_set_room_acl(1, &(struct fake_acl){.managers = CAROL});
	open_session(1, ALICE);
	open_session(2, CAROL);
	open_session(3, BOB);
	accepted(1, JOIN(LOBBY_ID));
	fake_db_run_all();
	fake_sent_clear();
	accepted(2, JOIN(LOBBY_ID));
	fake_db_run_all();
	cr_assert_eq(sends_to(2, s, 4), 1);
	has(s[0], "<uib id=\"0\" uri=\"" CAROL "\"/><uib id=\"1\" uri=\"" ALICE "\"/>");
	has(s[0], "<aib key=\"3984\" value=\"1\"/><aib key=\"12276\" value=\"0\"/></chanib>");
	cr_assert_eq(sends_to(1, s, 4), 1);
	has(s[0], "<uib id=\"0\" uri=\"" CAROL "\"><aib key=\"12276\" domain=\"example.com\"");
	/* a presenter too (bob in the auditorium); a plain member not */
	accepted(1, JOIN("a1"));
	fake_db_run_all();
	fake_sent_clear();
	accepted(3, JOIN("a1"));
	fake_db_run_all();
	cr_assert_eq(sends_to(3, s, 4), 1);
	has(s[0], "<aib key=\"3984\" value=\"1\"/><aib key=\"12276\" value=\"0\"/></chanib>");
}

/* chansrch's properties are the room's and its category's settings. */
Test(authz, room_list_properties_follow_the_settings)
{
	const char *r;
	fake_db_set_room_acl(1, &(struct fake_acl){.no_history = 1, .no_invite = 1, .no_files = 1});
	open_session(1, ALICE);
	r = reply_to(1, CHANSRCH);
	cr_assert(strstr(r, "name=\"Lobby\""), "%s", r);
	r = strstr(r, "name=\"Lobby\"");
	cr_assert(strstr(r,
				  "<prop id=\"urn:parlano:ma:prop:logged\">false</prop>"
				  "<prop id=\"urn:parlano:ma:prop:invite\">false</prop>"
				  "<prop id=\"urn:parlano:ma:prop:filepost\">false</prop>"),
			"%s", r);
	r = reply_to(1, CHANSRCH);
	r = strstr(r, "name=\"Closed\"");
	cr_assert(r &&
					strstr(r,
							"<prop id=\"urn:parlano:ma:prop:logged\">true</prop>"
							"<prop id=\"urn:parlano:ma:prop:invite\">true</prop>"
							"<prop id=\"urn:parlano:ma:prop:filepost\">true</prop>"),
			"%s", r ? r : "no Closed");
}

Test(authz, nodespermcreatechild_lists_categories_the_user_creates_in)
{
	const char *r;
	fake_db_add_category("cat-1", "Default", "example.com", "", "sip:alice@example.com");
	fake_db_add_category(
			"cat-2", "Staff", "example.com", "sip:alice@example.com", "example.com");
	fake_db_add_category("cat-3", "Other", "other.org", "", "example.com");
	open_session(1, ALICE);
	open_session(2, BOB);
	r = reply_to(1, NODES);
	cr_assert(strstr(r,
				  "<data><catib uri=\"ma-cat://example.com/cat-1\" name=\"Default\" "
				  "description=\"about\"/></data>"),
			"%s", r);
	r = reply_to(2, NODES);
	cr_assert(strstr(r, "<data><catib uri=\"ma-cat://example.com/cat-2\" name=\"Staff\""), "%s",
			r);
	cr_assert(!strstr(r, "cat-1") && !strstr(r, "cat-3"), "%s", r);
}

/* A moderator's change (message_changes) reaches the sessions present in its room
 * at the next reload, as ntc:msgchg; one made before pchatd looked is not sent. */
Test(authz, moderated_messages_are_announced_to_the_room)
{
	const struct sent_frame *f;
	open_session(1, ALICE);
	open_session(2, BOB);
	join_lobby(1);
	cr_assert(strstr(reply_to(2, JOIN("c1")), "SUCCESS_OK"));
	fake_db_add_change(1, 5, NULL); /* before the first read: where changes start */
	reload();
	fake_sent_clear();
	fake_db_add_change(1, 7, NULL);
	fake_db_add_change(1, 8, "[removed by a moderator] <ok>");
	fake_db_add_change(3, 9, NULL); /* Secret: nobody here shows it */
	reload();
	const struct sent_frame *out[4];
	cr_assert_eq(sends_to(1, out, 4), 2);
	f = out[0];
	has(f, "<ntc id=\"ntc:msgchg\"><data><msgchg xmlns=\"urn:pchat:xml:ns:msgchg\"");
	has(f, "action=\"removed\"");
	has(f, "chanUri=\"" LOBBY "\"");
	has(f, "msgid=\"7\"><chat></chat>");
	f = out[1];
	has(f, "action=\"replaced\"");
	has(f, "msgid=\"8\"><chat>[removed by a moderator] &lt;ok&gt;</chat>");
	cr_assert_eq(count_sends(2), 0, "bob shows Closed only");
	fake_sent_clear();
	reload();
	cr_assert_eq(count_sends(1), 0, "each change is announced once");
}
