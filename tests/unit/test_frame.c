/*
 * test_frame.c - common/pchat_frame.h: encoding, decoding, OPEN field splitting and
 * FANOUT payloads.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/pchat_frame.h"

/* Encodes a frame into buf; returns its total length. */
static size_t encode(unsigned char *buf, uint8_t type, uint32_t token, uint64_t session,
		const void *payload, uint32_t len)
{
	pchat_frame_header(buf, type, token, session, len);
	memcpy(buf + PCHAT_FRAME_HEADER, payload, len);
	return PCHAT_FRAME_HEADER + len;
}

Test(frame, round_trip)
{
	unsigned char buf[128];
	struct pchat_frame f;
	size_t used = 0;
	size_t n = encode(buf, PCHAT_F_XCCOS, 0xdeadbeef, 0x0102030405060708ULL, "<xccos/>", 8);

	cr_assert_eq(n, 28);
	cr_assert_eq(pchat_frame_decode(buf, n, &f, &used), PCHAT_FRAME_OK);
	cr_assert_eq(used, n);
	cr_assert_eq(f.type, PCHAT_F_XCCOS);
	cr_assert_eq(f.token, 0xdeadbeef);
	cr_assert_eq(f.session, 0x0102030405060708ULL);
	cr_assert_eq(f.payload_len, 8);
	cr_assert_eq(memcmp(f.payload, "<xccos/>", 8), 0);
	cr_assert_eq((const unsigned char *)f.payload, buf + PCHAT_FRAME_HEADER);
}

Test(frame, header_layout_is_big_endian)
{
	unsigned char h[PCHAT_FRAME_HEADER];
	const unsigned char want[PCHAT_FRAME_HEADER] = {0, 0, 0, 16 + 5, PCHAT_FRAME_VERSION,
			PCHAT_F_SEND, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0, 0, 0, 9};
	pchat_frame_header(h, PCHAT_F_SEND, 0x102, 9, 5);
	cr_assert_arr_eq(h, want, sizeof(want));
}

Test(frame, empty_payload)
{
	unsigned char buf[PCHAT_FRAME_HEADER];
	struct pchat_frame f;
	size_t used;
	pchat_frame_header(buf, PCHAT_F_ACCEPT, 7, 3, 0);
	cr_assert_eq(pchat_frame_decode(buf, sizeof(buf), &f, &used), PCHAT_FRAME_OK);
	cr_assert_eq(f.payload_len, 0);
	cr_assert_eq(used, PCHAT_FRAME_HEADER);
}

Test(frame, every_prefix_is_incomplete)
{
	unsigned char buf[64];
	struct pchat_frame f;
	size_t used = 12345, i, n = encode(buf, PCHAT_F_HELLO, 0, 0, "node-1", 6);
	for(i = 0; i < n; i++)
		cr_assert_eq(pchat_frame_decode(buf, i, &f, &used), PCHAT_FRAME_INCOMPLETE,
				"prefix of %zu bytes", i);
	cr_assert_eq(used, 12345, "used untouched until a whole frame is there");
}

Test(frame, two_frames_back_to_back)
{
	unsigned char buf[128];
	struct pchat_frame f;
	size_t used, n = encode(buf, PCHAT_F_OPEN, 0, 1, "a", 1);
	n += encode(buf + n, PCHAT_F_CLOSE, 0, 2, "bye", 3);
	cr_assert_eq(pchat_frame_decode(buf, n, &f, &used), PCHAT_FRAME_OK);
	cr_assert_eq(f.type, PCHAT_F_OPEN);
	cr_assert_eq(used, PCHAT_FRAME_HEADER + 1);
	cr_assert_eq(pchat_frame_decode(buf + used, n - used, &f, &used), PCHAT_FRAME_OK);
	cr_assert_eq(f.type, PCHAT_F_CLOSE);
	cr_assert_eq(f.session, 2);
}

Test(frame, bad_version)
{
	unsigned char buf[64];
	struct pchat_frame f;
	size_t used, n = encode(buf, PCHAT_F_HELLO, 0, 0, "x", 1);
	buf[4] = PCHAT_FRAME_VERSION + 1;
	cr_assert_eq(pchat_frame_decode(buf, n, &f, &used), PCHAT_FRAME_BAD);
	/* detected as soon as the version byte is there */
	cr_assert_eq(pchat_frame_decode(buf, 8, &f, &used), PCHAT_FRAME_BAD);
}

Test(frame, bad_reserved)
{
	unsigned char buf[64];
	struct pchat_frame f;
	size_t used, n = encode(buf, PCHAT_F_HELLO, 0, 0, "x", 1);
	buf[7] = 1;
	cr_assert_eq(pchat_frame_decode(buf, n, &f, &used), PCHAT_FRAME_BAD);
}

Test(frame, length_below_header)
{
	unsigned char buf[PCHAT_FRAME_HEADER];
	struct pchat_frame f;
	size_t used;
	pchat_frame_header(buf, PCHAT_F_HELLO, 0, 0, 0);
	pchat_put_u32(buf, 15);
	cr_assert_eq(pchat_frame_decode(buf, 4, &f, &used), PCHAT_FRAME_BAD);
	pchat_put_u32(buf, 0);
	cr_assert_eq(pchat_frame_decode(buf, sizeof(buf), &f, &used), PCHAT_FRAME_BAD);
}

Test(frame, oversize_is_bad_from_the_length_alone)
{
	unsigned char buf[PCHAT_FRAME_HEADER];
	struct pchat_frame f;
	size_t used;
	pchat_frame_header(buf, PCHAT_F_XCCOS, 0, 0, 0);
	pchat_put_u32(buf, 16 + PCHAT_FRAME_MAX_PAYLOAD + 1);
	cr_assert_eq(pchat_frame_decode(buf, 4, &f, &used), PCHAT_FRAME_BAD);
	pchat_put_u32(buf, 16 + PCHAT_FRAME_MAX_PAYLOAD); /* exactly the limit is fine */
	cr_assert_eq(pchat_frame_decode(buf, 8, &f, &used), PCHAT_FRAME_INCOMPLETE);
	pchat_put_u32(buf, 0xffffffffu); /* no overflow in the length check */
	cr_assert_eq(pchat_frame_decode(buf, 4, &f, &used), PCHAT_FRAME_BAD);
}

Test(frame, max_payload_round_trip)
{
	size_t n = PCHAT_FRAME_HEADER + PCHAT_FRAME_MAX_PAYLOAD;
	unsigned char *buf = calloc(1, n);
	struct pchat_frame f;
	size_t used;
	pchat_frame_header(buf, PCHAT_F_SEND, 1, 2, PCHAT_FRAME_MAX_PAYLOAD);
	cr_assert_eq(pchat_frame_decode(buf, n, &f, &used), PCHAT_FRAME_OK);
	cr_assert_eq(f.payload_len, PCHAT_FRAME_MAX_PAYLOAD);
	cr_assert_eq(pchat_frame_decode(buf, n - 1, &f, &used), PCHAT_FRAME_INCOMPLETE);
	free(buf);
}

Test(open_split, four_fields)
{
	static const char p[] = "sip:alice@example.com\0sip:pchat@example.com\0ep1\0UA 1.0";
	const char *f[PCHAT_OPEN_NFIELDS];
	cr_assert_eq(pchat_open_split(p, sizeof(p), f), 0); /* sizeof counts the last NUL */
	cr_assert_str_eq(f[PCHAT_OPEN_USER], "sip:alice@example.com");
	cr_assert_str_eq(f[PCHAT_OPEN_LOCAL], "sip:pchat@example.com");
	cr_assert_str_eq(f[PCHAT_OPEN_EPID], "ep1");
	cr_assert_str_eq(f[PCHAT_OPEN_USER_AGENT], "UA 1.0");
}

Test(open_split, empty_fields_allowed)
{
	static const char p[] = "sip:a@b\0sip:c@d\0\0";
	const char *f[PCHAT_OPEN_NFIELDS];
	cr_assert_eq(pchat_open_split(p, sizeof(p), f), 0);
	cr_assert_str_eq(f[PCHAT_OPEN_EPID], "");
	cr_assert_str_eq(f[PCHAT_OPEN_USER_AGENT], "");
}

Test(open_split, missing_final_nul)
{
	static const char p[] = "sip:a@b\0sip:c@d\0ep\0ua";
	const char *f[PCHAT_OPEN_NFIELDS];
	cr_assert_eq(pchat_open_split(p, sizeof(p) - 1, f), -1);
}

Test(open_split, too_few_fields)
{
	static const char p[] = "sip:a@b\0sip:c@d";
	const char *f[PCHAT_OPEN_NFIELDS];
	cr_assert_eq(pchat_open_split(p, sizeof(p), f), -1);
	cr_assert_eq(pchat_open_split(p, 0, f), -1);
}

Test(open_split, extra_fields_ignored)
{
	static const char p[] = "u\0l\0e\0a\0future\0";
	const char *f[PCHAT_OPEN_NFIELDS];
	cr_assert_eq(pchat_open_split(p, sizeof(p) - 1, f), 0);
	cr_assert_str_eq(f[PCHAT_OPEN_USER_AGENT], "a");
}

/* ALERT (feeds.c → pchat_alert.c): the AOR and the body, each NUL-terminated; the
 * module refuses anything else (a missing terminator, a third field). */
Test(alert_split, two_fields)
{
	static const char p[] = "sip:carol@example.com\0alice in Lobby:\nkiwi\0";
	const char *f[PCHAT_ALERT_NFIELDS];
	cr_assert_eq(pchat_fields_split(p, sizeof(p) - 1, f, PCHAT_ALERT_NFIELDS),
			PCHAT_ALERT_NFIELDS);
	cr_assert_str_eq(f[PCHAT_ALERT_TO], "sip:carol@example.com");
	cr_assert_str_eq(f[PCHAT_ALERT_BODY], "alice in Lobby:\nkiwi");
	cr_assert_eq(pchat_fields_split(p, sizeof(p) - 2, f, PCHAT_ALERT_NFIELDS), -1);
	cr_assert_eq(pchat_fields_split("a\0b\0c\0", 6, f, PCHAT_ALERT_NFIELDS), -1);
}

/* A FANOUT payload: head, body (a string literal), recipients (sid i+1, number 100+i). */
#define FANOUT_PAYLOAD(buf, body, split, n) fanout_payload(buf, body, sizeof(body) - 1, split, n)
static size_t fanout_payload(char *buf, const char *body, uint32_t len, uint32_t split, uint32_t n)
{
	uint32_t i;
	pchat_fanout_head((unsigned char *)buf, n, split, len);
	memcpy(buf + PCHAT_FANOUT_HEAD, body, len);
	for(i = 0; i < n; i++)
		pchat_fanout_put_recipient((unsigned char *)buf + PCHAT_FANOUT_HEAD + len +
						(size_t)i * PCHAT_FANOUT_RECIPIENT,
				0x0102030405060708ULL + i, 100 + i);
	return PCHAT_FANOUT_HEAD + len + (size_t)n * PCHAT_FANOUT_RECIPIENT;
}

Test(frame, fanout_round_trip)
{
	char buf[256];
	size_t len = FANOUT_PAYLOAD(buf, "<a n=\"\"/>", 6, 3);
	struct pchat_fanout fo;
	uint64_t sid, num;

	cr_assert_eq(pchat_fanout_parse(buf, (uint32_t)len, &fo), 0);
	cr_assert_eq(fo.count, 3);
	cr_assert_eq(fo.split, 6);
	cr_assert_eq(fo.body_len, 9);
	cr_assert_eq(memcmp(fo.body, "<a n=\"\"/>", 9), 0);
	pchat_fanout_recipient(&fo, 2, &sid, &num);
	cr_assert_eq(sid, 0x010203040506070aULL);
	cr_assert_eq(num, 102);
}

Test(frame, fanout_lengths_must_add_up)
{
	char buf[256];
	size_t len = FANOUT_PAYLOAD(buf, "<a/>", 4, 2);
	struct pchat_fanout fo;

	cr_assert_eq(pchat_fanout_parse(buf, (uint32_t)len - 1, &fo), -1, "short");
	cr_assert_eq(pchat_fanout_parse(buf, PCHAT_FANOUT_HEAD - 1, &fo), -1, "no head");
	len = FANOUT_PAYLOAD(buf, "<a/>", 5, 2);
	cr_assert_eq(pchat_fanout_parse(buf, (uint32_t)len, &fo), -1, "split past the body");
	len = FANOUT_PAYLOAD(buf, "<a/>", 0, 0);
	cr_assert_eq(pchat_fanout_parse(buf, (uint32_t)len, &fo), -1, "no recipient");
	/* a count so large that count * 16 wraps 32 bits must not pass */
	len = FANOUT_PAYLOAD(buf, "<a/>", 0, 1);
	pchat_put_u32((unsigned char *)buf, 0x10000001u);
	cr_assert_eq(pchat_fanout_parse(buf, (uint32_t)len, &fo), -1, "wrapping count");
}

Test(frame, fanout_room_keeps_frames_within_the_limit)
{
	size_t body = 1000, n = pchat_fanout_room(body);
	cr_assert_eq(n, PCHAT_FANOUT_MAX_RECIPIENTS);
	body = PCHAT_FRAME_MAX_PAYLOAD - PCHAT_FANOUT_HEAD - (size_t)3 * PCHAT_FANOUT_RECIPIENT;
	cr_assert_eq(pchat_fanout_room(body), 3);
	cr_assert_eq(pchat_fanout_room(PCHAT_FRAME_MAX_PAYLOAD), 0);
	cr_assert_leq(PCHAT_FANOUT_HEAD + 1000 +
					(size_t)PCHAT_FANOUT_MAX_RECIPIENTS *
							PCHAT_FANOUT_RECIPIENT,
			PCHAT_FRAME_MAX_PAYLOAD);
}
