/*
 * test_query.c - operators' queries (backend/query.c, the module's RPC commands):
 * QUERY frames in, RESULT frames out, through the fake link and database; and the
 * payload helpers of common/pchat_frame.h both sides use.
 */
#include <criterion/criterion.h>
#ifndef TestSuite /* cppcheck, which does not read criterion.h */
#define TestSuite(...)
#endif
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "../common/pchat_frame.h"
#include "db.h"
#include "frames.h"
#include "metrics.h"
#include "query.h"

#include "harness.h"

#define ALICE "sip:alice@example.com"
#define BOB "sip:bob@example.com"

TestSuite(query, .init = harness_setup, .fini = harness_teardown);

static uint32_t next_token = 7000;
static unsigned asked;	   /* queries asked: each on a connection of its own */
static uint32_t last_conn; /* the last one's id */

/* A new query connection's id: the fake link has 8 slots (id % 8), slot 1 is the
 * module link's; two queries waiting at once get different slots. */
static uint32_t new_conn_id(void)
{
	asked++;
	return 8 * asked + 2 + asked % 6;
}

/* Asks the query fields[0..n) (command and arguments) without running the database;
 * returns the token. */
static uint32_t ask_token(const char *const *fields, int n)
{
	char payload[512];
	size_t len = 0;
	int i;
	for(i = 0; i < n; i++) {
		size_t l = strlen(fields[i]) + 1;
		memcpy(payload + len, fields[i], l);
		len += l;
	}
	struct pchat_frame f = {PCHAT_F_QUERY, next_token, 0, payload, (uint32_t)len};
	last_conn = new_conn_id();
	query_on_frame(fake_conn(last_conn), &f);
	return next_token++;
}

/* The RESULT answering token, or NULL. */
static const struct sent_frame *result(uint32_t token)
{
	size_t i;
	for(i = 0; i < fake_sent_count(); i++) {
		const struct sent_frame *f = fake_sent(i);
		if(f->type == PCHAT_F_RESULT && f->token == token)
			return f;
	}
	return NULL;
}

/* Asks, runs the database, and returns the answer's text; *status gets its status. */
static const char *ask(int *status, const char *const *fields, int n)
{
	uint32_t token = ask_token(fields, n);
	const struct sent_frame *f;
	const char *text = "";
	uint32_t tlen = 0;
	fake_db_run_all();
	f = result(token);
	cr_assert_not_null(f, "no RESULT for %s", fields[0]);
	cr_assert_eq(f->session, 0);
	cr_assert_eq(pchat_result_split(f->payload, (uint32_t)f->len, status, &text, &tlen), 0,
			"bad RESULT: %s", f->payload);
	cr_assert(fake_conn_closed(last_conn),
			"the query connection is not closed after its answer");
	return text;
}

/* Asks and parses a 200 answer. */
static json_t *ask_json(const char *const *fields, int n)
{
	int status;
	const char *text = ask(&status, fields, n);
	json_error_t err;
	json_t *j;
	cr_assert_eq(status, 200, "%s: %d %s", fields[0], status, text);
	j = json_loads(text, 0, &err);
	cr_assert_not_null(j, "%s: not JSON (%s): %s", fields[0], err.text, text);
	return j;
}

static void ask_error(int want, const char *want_text, const char *const *fields, int n)
{
	int status;
	const char *text = ask(&status, fields, n);
	cr_assert_eq(status, want, "%s: %d %s", fields[0], status, text);
	cr_assert(strstr(text, want_text) != NULL, "%s: '%s' not in '%s'", fields[0], want_text,
			text);
}

#define ASK_JSON(...)                           \
	ask_json((const char *[]){__VA_ARGS__}, \
			(int)(sizeof((const char *[]){__VA_ARGS__}) / sizeof(const char *)))
#define ASK_ERROR(code, text, ...)                           \
	ask_error(code, text, (const char *[]){__VA_ARGS__}, \
			(int)(sizeof((const char *[]){__VA_ARGS__}) / sizeof(const char *)))

static const char *str_at(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	cr_assert(json_is_string(v), "%s is not a string", key);
	return json_string_value(v);
}

static long long int_at(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	cr_assert(json_is_integer(v), "%s is not an integer", key);
	return json_integer_value(v);
}

/* alice with two sessions (11 in Lobby and Closed, 12 in Lobby), bob with one (20, in
 * Lobby). */
static void three_sessions(void)
{
	const char hello[] = "node-a\0"
			     "1";
	frame_in(PCHAT_F_HELLO, 0, 0, hello, sizeof(hello) - 1);
	open_session_ua(11, ALICE, "ua-one");
	open_session(12, ALICE);
	open_session(20, BOB);
	join_lobby(11);
	join_lobby(12);
	join_lobby(20);
	accepted(11, JOIN("c1"));
	fake_db_run_all();
	fake_sent_clear();
}

Test(query, fields_and_results_split)
{
	const char *f[4], *text;
	uint32_t tlen;
	int status;
	cr_assert_eq(pchat_fields_split("a\0b\0", 4, f, 4), 2);
	cr_assert_str_eq(f[1], "b");
	cr_assert_eq(pchat_fields_split("a\0b", 3, f, 4), -1, "an unterminated field");
	cr_assert_eq(pchat_fields_split("a\0b\0c\0", 6, f, 2), -1, "too many fields");
	cr_assert_eq(pchat_fields_split("", 0, f, 2), 0);
	cr_assert_eq(pchat_result_split("404 no such room", 16, &status, &text, &tlen), 0);
	cr_assert_eq(status, 404);
	cr_assert_eq(tlen, 12);
	cr_assert_eq(pchat_result_split("20x ok", 6, &status, &text, &tlen), -1);
	cr_assert_eq(pchat_result_split("200", 3, &status, &text, &tlen), -1);
	cr_assert_eq(pchat_result_split("099 x", 5, &status, &text, &tlen), -1);
}

Test(query, sessions_lists_every_session_with_its_rooms)
{
	json_t *list, *s;
	three_sessions();
	list = ASK_JSON("sessions");
	cr_assert_eq(json_array_size(list), 3);
	s = json_array_get(list, 0); /* sorted by user, then id */
	cr_assert_str_eq(str_at(s, "id"), "11");
	cr_assert_str_eq(str_at(s, "user"), ALICE);
	cr_assert_str_eq(str_at(s, "epid"), "ep11");
	cr_assert_str_eq(str_at(s, "user_agent"), "ua-one");
	cr_assert_str_eq(str_at(s, "local"), "sip:pchat@example.com");
	cr_assert_str_eq(str_at(s, "node"), "node-a");
	cr_assert_eq(int_at(s, "link"), 1);
	cr_assert_eq(int_at(s, "rooms"), 2);
	cr_assert_str_eq(json_string_value(json_array_get(json_object_get(s, "joined"), 0)),
			"Lobby");
	cr_assert_str_eq(json_string_value(json_array_get(json_object_get(s, "joined"), 1)),
			"Closed");
	cr_assert(int_at(s, "opened") > 1700000000);
	cr_assert(int_at(s, "age") >= 0);
	cr_assert_str_eq(str_at(json_array_get(list, 1), "id"), "12");
	cr_assert_str_eq(str_at(json_array_get(list, 2), "user"), BOB);
	json_decref(list);
}

Test(query, sessions_of_one_user)
{
	json_t *list;
	three_sessions();
	list = ASK_JSON("sessions", "bob@example.com");
	cr_assert_eq(json_array_size(list), 1);
	cr_assert_str_eq(str_at(json_array_get(list, 0), "id"), "20");
	json_decref(list);
	list = ASK_JSON("sessions", "SIP:Alice@Example.com");
	cr_assert_eq(json_array_size(list), 2);
	json_decref(list);
	list = ASK_JSON("sessions", "bob");
	cr_assert_eq(json_array_size(list), 1, "a user name alone: any domain");
	json_decref(list);
	list = ASK_JSON("sessions", "bo");
	cr_assert_eq(json_array_size(list), 0);
	json_decref(list);
	list = ASK_JSON("sessions", "carol@example.com");
	cr_assert_eq(json_array_size(list), 0);
	json_decref(list);
	ASK_ERROR(400, "user is empty", "sessions", "");
}

Test(query, rooms_counts_users_and_sessions_present)
{
	json_t *list, *r;
	three_sessions();
	list = ASK_JSON("rooms");
	cr_assert_eq(json_array_size(list), 2, "only the rooms someone is in");
	r = json_array_get(list, 0); /* by name: Closed, Lobby */
	cr_assert_str_eq(str_at(r, "name"), "Closed");
	cr_assert_eq(int_at(r, "id"), 2);
	cr_assert_eq(int_at(r, "participants"), 1);
	cr_assert_eq(int_at(r, "sessions"), 1);
	r = json_array_get(list, 1);
	cr_assert_str_eq(str_at(r, "name"), "Lobby");
	cr_assert_str_eq(str_at(r, "uri"), LOBBY);
	cr_assert_eq(int_at(r, "participants"), 2, "alice counts once");
	cr_assert_eq(int_at(r, "sessions"), 3);
	json_decref(list);
}

Test(query, room_members_by_name_id_and_uri)
{
	const char *keys[] = {"lobby", "1", LOBBY};
	size_t i;
	three_sessions();
	for(i = 0; i < 3; i++) {
		json_t *r = ASK_JSON("room_members", keys[i]), *m;
		cr_assert_str_eq(str_at(r, "name"), "Lobby", "key %s", keys[i]);
		cr_assert_eq(int_at(r, "participants"), 2);
		m = json_object_get(r, "members");
		cr_assert_eq(json_array_size(m), 3);
		cr_assert_str_eq(str_at(json_array_get(m, 0), "user"), ALICE);
		cr_assert_str_eq(str_at(json_array_get(m, 0), "session"), "11");
		cr_assert_str_eq(str_at(json_array_get(m, 2), "user"), BOB);
		json_decref(r);
	}
}

Test(query, room_members_of_an_empty_room_and_of_no_room)
{
	json_t *r;
	/* Secret was never used: not cached, its row says it exists */
	r = ASK_JSON("room_members", "Secret");
	cr_assert_eq(int_at(r, "id"), 3);
	cr_assert_str_eq(str_at(r, "uri"), SECRET);
	cr_assert_eq(int_at(r, "participants"), 0);
	cr_assert_eq(json_array_size(json_object_get(r, "members")), 0);
	json_decref(r);
	ASK_ERROR(404, "no such room", "room_members", "Nowhere");
	ASK_ERROR(404, "no such room", "room_members", "99");
	ASK_ERROR(404, "no such room", "room_members", "ma-chan://example.com/none");
}

Test(query, session_drop_ends_the_session_and_tells_the_module)
{
	json_t *list;
	const struct sent_frame *out[16];
	size_t i, n, drops = 0;
	three_sessions();
	list = ASK_JSON("session_drop", "12");
	cr_assert_eq(json_array_size(list), 1);
	cr_assert_str_eq(str_at(json_array_get(list, 0), "user"), ALICE);
	cr_assert_eq(int_at(json_array_get(list, 0), "rooms"), 1);
	json_decref(list);
	n = fake_sent_to(12, out, 16);
	for(i = 0; i < n; i++)
		drops += out[i]->type == PCHAT_F_DROP;
	cr_assert_eq(drops, 1, "one DROP frame to session 12");
	list = ASK_JSON("sessions");
	cr_assert_eq(json_array_size(list), 2);
	json_decref(list);
	/* alice is still in Lobby through session 11: no ntc:part for bob */
	cr_assert_eq(count_sends(20), 0);
	cr_assert_eq(xccos(12, REQURI)->type, PCHAT_F_REJECT, "the dropped session is unknown");
	ASK_ERROR(404, "no such session", "session_drop", "12");
	ASK_ERROR(400, "bad session id", "session_drop", "-1");
	ASK_ERROR(400, "bad session id", "session_drop", "12abc");
}

Test(query, session_drop_of_a_users_last_session_parts_the_room)
{
	json_t *list;
	three_sessions();
	list = ASK_JSON("session_drop", "20");
	json_decref(list);
	has(only_send_to(11), "ntc:part");
}

Test(query, reload_answers_with_the_revision_once_read)
{
	json_t *o;
	uint32_t token;
	fake_db_set_conf(DB_CONF_REVISION, 41);
	token = ask_token((const char *[]){"reload"}, 1);
	cr_assert_null(result(token), "answered before the database was read");
	fake_db_set_conf(DB_CONF_REVISION, 42);
	o = ASK_JSON("reload");
	cr_assert_eq(int_at(o, "revision"), 42);
	json_decref(o);
	cr_assert_not_null(result(token), "the first reload was answered too");
}

Test(query, an_answer_for_a_connection_gone_is_not_sent)
{
	uint32_t token = ask_token((const char *[]){"reload"}, 1);
	fake_conn(last_conn + 8); /* another connection in its slot: the asker is gone */
	fake_db_run_all();
	cr_assert_null(result(token));
}

Test(query, bad_queries)
{
	struct pchat_frame f = {PCHAT_F_QUERY, 9, 0, "sessions", 8}; /* no NUL */
	int status;
	const char *text;
	uint32_t tlen;
	ASK_ERROR(400, "unknown query 'nothing'", "nothing");
	ASK_ERROR(400, "usage: room_members ROOM", "room_members");
	ASK_ERROR(400, "usage: rooms", "rooms", "x");
	ASK_ERROR(400, "usage: sessions [user]", "sessions", "a", "b");
	query_on_frame(fake_conn(new_conn_id()), &f);
	cr_assert_not_null(result(9));
	pchat_result_split(result(9)->payload, (uint32_t)result(9)->len, &status, &text, &tlen);
	cr_assert_eq(status, 400);
	cr_assert_eq(metric_get(&m_queries, "unknown", "400") > 0, 1);
}

Test(query, stopping_answers_503)
{
	frames_set_stopping(1);
	ASK_ERROR(503, "stopping", "sessions");
}
