/*
 * harness.c - see harness.h.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "cmd_table.h"
#include "cmdq.h"
#include "config.h"
#include "frames.h"
#include "pchat_log.h"
#include "reload.h"
#include "rooms.h"
#include "sessions.h"
#include "xccos.h"

#include "harness.h"
#include "feeds.h"

static struct link_conn *conn;
static uint32_t next_token = 1;

void harness_setup(void)
{
	config_defaults(&cfg);
	/* a closed session parts its rooms at once; test_carryover.c turns parking on */
	cfg.carryover_sec = 0;
	log_threshold = LL_ERROR;
	xccos_init();
	frames_init();
	conn = fake_conn(1);
	fake_db_add_room(1, "example.com", LOBBY_ID, "Lobby", "Welcome", "open");
	fake_db_add_room(2, "example.com", "c1", "Closed", "", "closed");
	fake_db_add_room(3, "example.com", "s1", "Secret", "", "secret");
	fake_db_set_room_acl(2,
			&(struct fake_acl){.members = "sip:alice@example.com sip:bob@example.com"});
}

void harness_teardown(void)
{
	frames_close_all();
	fake_db_run_all(); /* posts of closed sessions still complete */
	rooms_free_all();
	feeds_free();
	reload_reset();
	fake_db_reset();
	fake_link_reset();
	xccos_cleanup();
	frames_set_stopping(0);
}

void frame_in(uint8_t type, uint32_t token, uint64_t sid, const char *p, size_t len)
{
	struct pchat_frame f = {type, token, sid, p, (uint32_t)len};
	frames_on_frame(conn, &f);
}

void open_session_epid(uint64_t sid, const char *user, const char *epid, const char *ua)
{
	char p[256];
	int n = snprintf(
			p, sizeof(p), "%s%csip:pchat@example.com%c%s%c%s", user, 0, 0, epid, 0, ua);
	frame_in(PCHAT_F_OPEN, 0, sid, p, (size_t)n + 1);
	fake_db_run_all(); /* its restore job (session_rooms) */
}

void open_session_ua(uint64_t sid, const char *user, const char *ua)
{
	char epid[32];
	snprintf(epid, sizeof(epid), "ep%llu", (unsigned long long)sid);
	open_session_epid(sid, user, epid, ua);
}

void open_session(uint64_t sid, const char *user)
{
	open_session_ua(sid, user, "pytest");
}

static uint32_t send_xccos(uint64_t sid, const char *body)
{
	uint32_t token = next_token++;
	frame_in(PCHAT_F_XCCOS, token, sid, body, strlen(body));
	return token;
}

const struct sent_frame *verdict(uint32_t token)
{
	size_t i;
	for(i = 0; i < fake_sent_count(); i++) {
		const struct sent_frame *f = fake_sent(i);
		if(f->token == token && f->type != PCHAT_F_SEND)
			return f;
	}
	return NULL;
}

const struct sent_frame *xccos(uint64_t sid, const char *body)
{
	uint32_t token = send_xccos(sid, body);
	const struct sent_frame *f = verdict(token);
	cr_assert_not_null(f, "no ACCEPT/BUSY/REJECT for token %u", token);
	return f;
}

uint32_t posted(uint64_t sid, const char *body)
{
	uint32_t token = send_xccos(sid, body);
	cr_assert_null(verdict(token), "a post answered before its commit: %s", body);
	return token;
}

void accepted(uint64_t sid, const char *body)
{
	const struct sent_frame *f = xccos(sid, body);
	cr_assert_eq(f->type, PCHAT_F_ACCEPT, "not accepted: %s", body);
	cr_assert_eq(f->len, 0);
}

size_t sends_to(uint64_t sid, const struct sent_frame **out, size_t max)
{
	const struct sent_frame *all[64];
	size_t n = fake_sent_to(sid, all, 64), i, k = 0;
	for(i = 0; i < n && k < max; i++) {
		if(all[i]->type == PCHAT_F_SEND)
			out[k++] = all[i];
	}
	return k;
}

size_t count_sends(uint64_t sid)
{
	const struct sent_frame *s[64];
	return sends_to(sid, s, 64);
}

const struct sent_frame *only_send_to(uint64_t sid)
{
	const struct sent_frame *s[8];
	size_t n = sends_to(sid, s, 8);
	cr_assert_eq(n, 1, "%zu SENDs to session %llu", n, (unsigned long long)sid);
	return s[0];
}

void join_lobby(uint64_t sid)
{
	accepted(sid, JOIN(LOBBY_ID));
	fake_db_run_all();
}

void close_link(void)
{
	frames_on_close(conn);
}
