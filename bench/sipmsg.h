/*
 * sipmsg.h - the little SIP the benchmark's programs need: a header parser for exactly
 * the headers they use and the framing of a TCP stream into messages.  Shared by the
 * load generator (pchat_bench.c) and the floor server (floor.c).
 */
#ifndef PCHAT_BENCH_SIPMSG_H
#define PCHAT_BENCH_SIPMSG_H

#include <stddef.h>

#include <event2/buffer.h>

/* A header value (or a whole header line, for Via): not NUL-terminated. */
struct hv {
	const char *s;
	size_t n;
};

struct sipmsg {
	int status;	  /* 0: request */
	struct hv method; /* request method */
	struct hv via[8]; /* whole Via lines, in order */
	int nvia;
	struct hv from, to, callid, cseq, contact;
	int retry_after; /* has a Retry-After header */
	const char *body;
	size_t blen;
};

/* Parses the header block (hlen bytes, up to and with its blank line) of message m. */
int parse_msg(const char *m, size_t hlen, struct sipmsg *p);

/* Value of ;name= in a header value (up to ; , > or end) into out; 1 if found. */
int hparam(struct hv h, const char *name, char *out, size_t outsz);

/* Writes a 200 answering request m to out: its Via lines, From, To (with ;tag=totag
 * unless it has a tag), Call-ID and CSeq, then the header lines extra (each ending in
 * CRLF; NULL: none), no body. */
void sip_reply_200(
		struct evbuffer *out, const struct sipmsg *m, const char *totag, const char *extra);

/* Calls fn(msg, ctx) for every whole message in `in` (framed by Content-Length) and
 * drains it; what is left is the start of the next message. */
void sip_read(struct evbuffer *in, void (*fn)(struct sipmsg *m, void *ctx), void *ctx);

#endif
