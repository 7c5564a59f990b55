/*
 * fuzz_frame.c - libFuzzer harness for the link's frame decoder (common/pchat_frame.h):
 * pchat_frame_decode() and pchat_open_split(), the first code to see the bytes a
 * module connection sends, and pchat_fanout_parse(), the module's reading of pchatd's
 * FANOUT frames.
 *
 * The input is the byte stream of one connection.  It is read as backend/link.c reads
 * it: the first 8 bytes alone (enough to refuse a bad header before buffering a whole
 * frame), then the whole frame; each OPEN payload is split into its fields as
 * backend/frames.c does.  Beyond "no crash, no read past the end", it checks what a
 * stream decoder must guarantee: a frame that decodes re-encodes to the same header,
 * its payload lies inside it, and the same frame one byte short is INCOMPLETE, never
 * BAD nor a different frame (or a peer that sends slowly would be disconnected).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pchat_frame.h"

#define FUZZ_NAME "fuzz_frame"
#include "fuzz_check.h"

/* The payload copied into a buffer of exactly its size, so that ASan sees a read past
 * its end (in the stream the next frame's bytes would hide it). */
static void check_open(const struct pchat_frame *f)
{
	const char *fields[PCHAT_OPEN_NFIELDS];
	char *copy = malloc(f->payload_len ? f->payload_len : 1);

	require(copy != NULL, "out of memory");
	memcpy(copy, f->payload, f->payload_len);
	if(pchat_open_split(copy, f->payload_len, fields) == 0) {
		int i;
		for(i = 0; i < PCHAT_OPEN_NFIELDS; i++) {
			size_t off = (size_t)(fields[i] - copy);
			require(off < f->payload_len, "field %d starts outside the payload", i);
			require(memchr(fields[i], '\0', f->payload_len - off) != NULL,
					"field %d is not terminated inside the payload", i);
		}
		/* What on_open() reads next: the fields as C strings. */
		for(i = 0; i < PCHAT_OPEN_NFIELDS; i++)
			(void)strlen(fields[i]);
	}
	free(copy);
}

/* What the module's on_fanout() reads of a FANOUT that parses: body and recipients
 * inside the payload (a copy of exactly its size, as in check_open). */
static void check_fanout(const struct pchat_frame *f)
{
	struct pchat_fanout fo;
	char *copy = malloc(f->payload_len ? f->payload_len : 1);

	require(copy != NULL, "out of memory");
	memcpy(copy, f->payload, f->payload_len);
	if(pchat_fanout_parse(copy, f->payload_len, &fo) == 0) {
		uint32_t i;
		require(fo.split <= fo.body_len && fo.count > 0, "split or count out of range");
		require(fo.body == copy + PCHAT_FANOUT_HEAD &&
						(const char *)fo.recipients +
										(size_t)fo.count *
												PCHAT_FANOUT_RECIPIENT ==
								copy + f->payload_len,
				"body or recipients outside the payload");
		for(i = 0; i < fo.count; i++) {
			uint64_t sid, num;
			pchat_fanout_recipient(&fo, i, &sid, &num);
		}
	}
	free(copy);
}

static void check_frame(
		const unsigned char *p, size_t len, const struct pchat_frame *f, size_t used)
{
	unsigned char hdr[PCHAT_FRAME_HEADER];
	struct pchat_frame g;
	size_t used2 = 0;

	require(used >= PCHAT_FRAME_HEADER && used <= len, "used %zu of %zu bytes", used, len);
	require(f->payload == (const char *)p + PCHAT_FRAME_HEADER &&
					f->payload_len == used - PCHAT_FRAME_HEADER,
			"payload outside the frame");
	require(f->payload_len <= PCHAT_FRAME_MAX_PAYLOAD, "payload over the limit");
	pchat_frame_header(hdr, f->type, f->token, f->session, f->payload_len);
	require(memcmp(hdr, p, sizeof(hdr)) == 0, "the header does not re-encode to itself");
	require(pchat_frame_decode(p, used - 1, &g, &used2) == PCHAT_FRAME_INCOMPLETE,
			"one byte short of a good frame is not INCOMPLETE");
	if(f->type == PCHAT_F_OPEN)
		check_open(f);
	if(f->type == PCHAT_F_FANOUT)
		check_fanout(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t pos = 0;

	while(size - pos >= 4) {
		const unsigned char *p = data + pos;
		size_t avail = size - pos, hl = avail < 8 ? avail : 8, need, used = 0;
		struct pchat_frame f;
		int rc;

		if(pchat_frame_decode(p, hl, &f, &used) == PCHAT_FRAME_BAD)
			return 0; /* link.c closes the connection */
		need = 4 + (size_t)pchat_get_u32(p);
		if(avail < need)
			return 0; /* link.c waits for more bytes */
		rc = pchat_frame_decode(p, need, &f, &used);
		require(rc == PCHAT_FRAME_OK, "a frame whose header passed decodes to %d", rc);
		check_frame(p, need, &f, used);
		/* Decoding from the whole rest of the stream finds the same frame. */
		{
			struct pchat_frame g;
			size_t used2 = 0;
			require(pchat_frame_decode(p, avail, &g, &used2) == PCHAT_FRAME_OK &&
							used2 == used && g.type == f.type &&
							g.token == f.token &&
							g.session == f.session,
					"more bytes after a frame change the frame");
		}
		pos += used;
	}
	return 0;
}
