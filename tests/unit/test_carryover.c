/*
 * test_carryover.c - a rebuilt session takes over the rooms of its endpoint's last one
 * (backend/carryover.c), and a post queued behind a join is answered for what happened
 * to it (cmd_post.c), against the fake link and fake database.
 */
#include <criterion/criterion.h>
#ifndef TestSuite /* cppcheck, which does not read criterion.h */
#define TestSuite(...)
#endif
#include <string.h>
#include <unistd.h>

#include "carryover.h"
#include "config.h"
#include "presence.h"
#include "rooms.h"
#include "util.h"

#include "harness.h"

#define ALICE "sip:alice@example.com"
#define BOB "sip:bob@example.com"
#define SIPE "Purple/2.14.1 Sipe/1.25.0"

static void setup(void)
{
	harness_setup();
	cfg.carryover_sec = 120;
}

TestSuite(carryover, .init = setup, .fini = harness_teardown);

/* alice (session 1, endpoint E) in Lobby and Closed, bob (session 3) in both; then
 * alice's session ends. */
static void alice_leaves_two_rooms(const char *why)
{
	open_session_epid(1, ALICE, "E", SIPE);
	open_session(3, BOB);
	join_lobby(1);
	accepted(1, JOIN("c1"));
	join_lobby(3);
	accepted(3, JOIN("c1"));
	fake_db_run_all();
	fake_sent_clear();
	frame_in(PCHAT_F_CLOSE, 0, 1, why, strlen(why));
	fake_db_run_all();
}

Test(carryover, a_rebuilt_session_keeps_the_rooms_quietly)
{
	const struct sent_frame *s[4];
	uint32_t token;

	alice_leaves_two_rooms("bye");
	cr_assert_eq(count_sends(3), 0, "no ntc:part while alice may come back");
	cr_assert_eq(room_find(LOBBY)->nusers, 2);
	cr_assert_eq(carryover_count(), 1);
	open_session_epid(2, ALICE, "E", SIPE);
	cr_assert_eq(carryover_count(), 0);
	cr_assert_eq(count_sends(3), 0, "no ntc:join either");
	cr_assert_eq(count_sends(2), 0, "nothing to the client: it believes it never left");
	cr_assert_eq(fake_db_session_rooms(2), 2, "stored for a restart of pchatd");
	cr_assert_eq(fake_db_session_rooms(1), 0);
	token = posted(2, POST(CLOSED, "still here"));
	fake_db_run_all();
	cr_assert_eq(verdict(token)->type, PCHAT_F_ACCEPT);
	has(only_send_to(3), "<chat>still here</chat>");
	fake_sent_clear();
	/* sipe's bjoin of the rooms it still had queued: answered, and nobody told */
	accepted(2, BJOIN(CHANID("0", LOBBY_ID)));
	fake_db_run_all();
	cr_assert_geq(sends_to(2, s, 4), 1); /* (a history push may follow) */
	has(s[0], "rpl:bjoin");
	has(s[0], "SUCCESS_OK");
	cr_assert_eq(count_sends(3), 0);
	cr_assert_eq(room_find(LOBBY)->nusers, 2);
}

Test(carryover, a_lost_link_parks_too)
{
	open_session_epid(1, ALICE, "E", SIPE);
	join_lobby(1);
	open_session_epid(2, BOB, "", "pytest");
	join_lobby(2);
	close_link(); /* Kamailio restarted */
	cr_assert_eq(carryover_count(), 1, "alice's session (an epid), not bob's (none)");
	cr_assert_eq(room_find(LOBBY)->nusers, 1);
}

Test(carryover, another_endpoint_or_user_takes_nothing)
{
	alice_leaves_two_rooms("expired");
	open_session_epid(2, ALICE, "F", SIPE); /* alice's other computer */
	cr_assert_eq(xccos(2, POST(LOBBY, "x"))->type, PCHAT_F_REJECT);
	open_session_epid(4, BOB, "E", SIPE); /* the same epid, another user */
	cr_assert_eq(xccos(4, POST(CLOSED, "x"))->type, PCHAT_F_REJECT);
	cr_assert_eq(carryover_count(), 1);
}

Test(carryover, unclaimed_rooms_are_left_when_the_time_is_up)
{
	const struct sent_frame *s[4];
	alice_leaves_two_rooms("unreachable");
	carryover_expire(mono_ms() + 119000);
	cr_assert_eq(count_sends(3), 0, "not before --carryover-sec");
	carryover_expire(mono_ms() + 121000);
	cr_assert_eq(sends_to(3, s, 4), 2, "ntc:part of alice in both rooms");
	has(s[0], "ntc:part");
	has(s[0], ALICE);
	cr_assert_eq(carryover_count(), 0);
	fake_db_run_all();
	cr_assert_eq(fake_db_session_rooms(1), 0);
	open_session_epid(2, ALICE, "E", SIPE);
	cr_assert_eq(xccos(2, POST(LOBBY, "x"))->type, PCHAT_F_REJECT, "too late");
}

Test(carryover, the_join_right_is_checked_again)
{
	const struct sent_frame *s[4];
	alice_leaves_two_rooms("bye");
	/* disabled before any reload could evict her; a new generation, as room_add()
	 * makes it, so that rights decided before (her join's) are decided again */
	room_find(CLOSED)->disabled = 1;
	room_find(CLOSED)->acl_gen++;
	open_session_epid(2, ALICE, "E", SIPE);
	cr_assert_eq(sends_to(3, s, 4), 1, "the others learn she is out of Closed");
	has(s[0], "<ntc id=\"ntc:part\"><data><chanib uri=\"" CLOSED "\"><uib uri=\"" ALICE);
	cr_assert_eq(xccos(2, POST(CLOSED, "x"))->type, PCHAT_F_REJECT);
	fake_db_run_all();
	cr_assert_eq(fake_db_session_rooms(2), 1, "Lobby only");
}

Test(carryover, a_session_without_epid_parts_at_once)
{
	open_session_epid(1, ALICE, "", "pytest");
	open_session(3, BOB);
	join_lobby(1);
	join_lobby(3);
	fake_sent_clear();
	frame_in(PCHAT_F_CLOSE, 0, 1, "bye", 3);
	has(only_send_to(3), "ntc:part");
	cr_assert_eq(carryover_count(), 0);
}

Test(carryover, off_with_zero)
{
	cfg.carryover_sec = 0;
	alice_leaves_two_rooms("bye");
	cr_assert_eq(count_sends(3), 2);
	cr_assert_eq(carryover_count(), 0);
}

Test(carryover, an_older_parked_session_of_the_endpoint_is_replaced)
{
	alice_leaves_two_rooms("bye");
	open_session_epid(2, ALICE, "E", SIPE);
	accepted(2, PART(CLOSED)); /* she closes Closed, then loses this session too */
	fake_sent_clear();
	frame_in(PCHAT_F_CLOSE, 0, 2, "bye", 3);
	cr_assert_eq(count_sends(3), 0);
	cr_assert_eq(carryover_count(), 1);
	open_session_epid(5, ALICE, "E", SIPE);
	cr_assert_eq(xccos(5, POST(CLOSED, "x"))->type, PCHAT_F_REJECT, "she had parted it");
	cr_assert_eq(room_find(LOBBY)->nusers, 2);
}

/* ---- a post queued behind a join ---- */

Test(carryover, a_post_behind_a_refused_join_is_refused_not_dropped)
{
	uint32_t token;
	open_session(1, "sip:carol@example.com"); /* may not see Secret */
	accepted(1, JOIN("s1"));
	token = posted(1, POST(SECRET, "lost?"));
	fake_db_run_all();
	cr_assert_not_null(verdict(token), "answered");
	cr_assert_eq(verdict(token)->type, PCHAT_F_REJECT);
	has(verdict(token), "403 Not In The Room");
	cr_assert_eq(fake_db_messages(), 0);
}

Test(carryover, a_post_behind_an_accepted_join_is_stored_and_delivered)
{
	const struct sent_frame *s[4];
	uint32_t token;
	open_session(1, ALICE);
	accepted(1, JOIN("c1")); /* Closed is not cached: the join waits for the database */
	token = posted(1, POST(CLOSED, "right behind"));
	fake_db_run_all();
	cr_assert_eq(verdict(token)->type, PCHAT_F_ACCEPT);
	cr_assert_eq(fake_db_messages(), 1);
	cr_assert_eq(sends_to(1, s, 4), 2);
	has(s[0], "rpl:join");
	has(s[1], "<chat>right behind</chat>");
}

Test(carryover, a_post_that_waited_past_its_deadline_behind_a_join_is_never_stored)
{
	uint32_t token;
	cfg.post_timeout_ms = 20;
	open_session(1, ALICE);
	accepted(1, JOIN("c1"));
	token = posted(1, POST(CLOSED, "too late"));
	usleep(40 * 1000); /* the join's database work took longer than the post may wait */
	fake_db_run_all();
	cr_assert_eq(verdict(token)->type, PCHAT_F_BUSY, "503: the module may have given up");
	cr_assert_eq(fake_db_messages(), 0, "and never stored afterwards");
}
