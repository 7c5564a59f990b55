/*
 * test_fanout.c - one body for many sessions (backend/fanout.c): FANOUT frames per
 * link, split when full, each recipient with its own next envid; read back through
 * common/pchat_frame.h's parser as the module reads them (fake_link.c).
 */
#include <criterion/criterion.h>
#ifndef TestSuite /* cppcheck, which does not read criterion.h */
#define TestSuite(...)
#endif
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "fanout.h"
#include "sessions.h"

#include "harness.h"

TestSuite(fanout, .init = harness_setup, .fini = harness_teardown);

#define ITEMS "<grpchat id=\"grpchat\"/>"

/* The envelope s should get next, for envid. */
static void expect_body(const struct sent_frame *f, uint64_t envid)
{
	char want[256];
	snprintf(want, sizeof(want),
			"<xccos ver=\"1\" envid=\"%" PRIu64
			"\" xmlns=\"urn:parlano:xml:ns:xccos\">" ITEMS "</xccos>",
			envid);
	cr_assert_str_eq(f->payload, want);
}

Test(fanout, one_frame_per_link_and_a_new_one_when_full)
{
	struct link_conn *a = fake_conn(11), *b = fake_conn(12);
	enum { N = PCHAT_FANOUT_MAX_RECIPIENTS + 204 }; /* 43 on b, 4,261 on a */
	static struct session *s[N];
	static uint64_t first[N];
	const struct fake_fanout *fo;
	struct fanout *out;
	size_t i, nfo;

	for(i = 0; i < N; i++) { /* every 100th on link b, the rest on a */
		s[i] = session_add(i % 100 == 0 ? b : a, 1000 + i, "sip:m@example.com");
		first[i] = s[i]->next_envid;
	}
	fake_sent_clear();
	out = fanout_begin(ITEMS, strlen(ITEMS));
	for(i = 0; i < N; i++)
		cr_assert_eq(fanout_add(out, s[i]), 0);
	fanout_end(out);

	nfo = fake_fanouts(&fo);
	cr_assert_eq(nfo, 3, "frames: %zu", nfo);
	cr_assert_eq(fo[0].link, 11); /* a filled up: its frame went at once */
	cr_assert_eq(fo[0].count, PCHAT_FANOUT_MAX_RECIPIENTS);
	cr_assert_eq(fo[1].link, 12); /* then the links in the order they came */
	cr_assert_eq(fo[1].count, 43);
	cr_assert_eq(fo[2].link, 11);
	cr_assert_eq(fo[2].count, N - 43 - PCHAT_FANOUT_MAX_RECIPIENTS);
	cr_assert_eq(fake_sent_count(), N);
	for(i = 0; i < N; i++) {
		const struct sent_frame *f = only_send_to(1000 + i);
		expect_body(f, first[i]);
		cr_assert_eq(s[i]->next_envid, first[i] + 1);
	}
}

Test(fanout, closed_sessions_get_nothing)
{
	struct link_conn *a = fake_conn(21);
	struct session *open1 = session_add(a, 1, "sip:a@example.com");
	struct session *gone = session_add(a, 2, "sip:b@example.com");
	struct fanout *out;
	uint64_t envid = open1->next_envid;

	session_unlink(gone);
	fake_sent_clear();
	out = fanout_begin(ITEMS, strlen(ITEMS));
	cr_assert_eq(fanout_add(out, open1), 0);
	cr_assert_eq(fanout_add(out, gone), -1);
	fanout_end(out);
	cr_assert_eq(fake_sent_count(), 1);
	expect_body(only_send_to(1), envid);
	session_unref(gone);
}

Test(fanout, a_body_too_large_for_a_frame_is_not_sent)
{
	static char big[PCHAT_FRAME_MAX_PAYLOAD];
	struct session *s = session_add(fake_conn(31), 1, "sip:a@example.com");
	struct fanout *out;
	uint64_t envid = s->next_envid;

	memset(big, 'x', sizeof(big));
	fake_sent_clear();
	out = fanout_begin(big, sizeof(big));
	cr_assert_eq(fanout_add(out, s), -1);
	fanout_end(out);
	cr_assert_eq(fake_sent_count(), 0);
	cr_assert_eq(s->next_envid, envid, "an envid used for nothing");
}
