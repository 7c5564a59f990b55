/*
 * pchat_frame.h - the framing of the Unix-socket link between the Kamailio module
 * (kamailio-module/) and the backend (backend/).  Header-only so that both sides,
 * which are built by different build systems, compile the very same code.
 *
 * A frame is a fixed 20-byte header followed by a payload:
 *
 *   offset size  field
 *   0      4     length   bytes that follow this field (16 + payload), big-endian
 *   4      1     version  PCHAT_FRAME_VERSION
 *   5      1     type     enum pchat_frame_type
 *   6      2     reserved must be 0
 *   8      4     token    correlates XCCOS with ACCEPT/BUSY, big-endian
 *   12     8     session  module-assigned session id, big-endian
 *   20     n     payload  n = length - 16, at most PCHAT_FRAME_MAX_PAYLOAD
 *
 * See docs/ARCHITECTURE.md ("The module-backend link") for what each type carries.
 */
#ifndef PCHAT_FRAME_H
#define PCHAT_FRAME_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define PCHAT_FRAME_VERSION 1
#define PCHAT_FRAME_HEADER 20
#define PCHAT_FRAME_MAX_PAYLOAD ((size_t)256 * 1024)

enum pchat_frame_type {
	/* module -> backend */
	PCHAT_F_HELLO = 1, /* payload: node name */
	PCHAT_F_OPEN = 2,  /* payload: NUL-separated fields, see pchat_open_fields */
	PCHAT_F_XCCOS = 3, /* payload: the XCCOS body of a client INFO; token set */
	PCHAT_F_CLOSE = 4, /* payload: reason text */
	PCHAT_F_QUERY = 5, /* an operator's question (RPC); token set; payload: see below */
	/* backend -> module */
	PCHAT_F_ACCEPT = 16, /* token: the XCCOS frame was queued; answer the INFO 200 */
	PCHAT_F_BUSY = 17,   /* token: the queue is full; answer 503 + Retry-After */
	PCHAT_F_REJECT = 18, /* token: refused (payload: 3-digit SIP code + reason) */
	PCHAT_F_SEND = 19,   /* payload: XCCOS body to send in an INFO on the session */
	PCHAT_F_DROP = 20,   /* the backend ends the session (module answers 481 later) */
	PCHAT_F_RESULT = 21, /* token: the answer to a QUERY (payload: see below) */
	PCHAT_F_ALERT = 22,  /* no token, no session: send a SIP MESSAGE (fields below) */
	PCHAT_F_FANOUT = 23, /* no token, no session: one body for many sessions (below) */
};

/* Fields of a HELLO payload, each but the last terminated by a NUL byte: the node
 * name, then the sending link process's index in decimal.  A payload without a NUL
 * is a node name alone (an older module): the index is unknown. */
enum pchat_hello_fields { PCHAT_HELLO_NODE, PCHAT_HELLO_LINK, PCHAT_HELLO_NFIELDS };

/* Fields of an OPEN payload, in order, each terminated by a NUL byte. */
enum pchat_open_fields {
	PCHAT_OPEN_USER,       /* authenticated identity, sip:user@domain */
	PCHAT_OPEN_LOCAL,      /* the URI the client invited (chat pool / channel URI) */
	PCHAT_OPEN_EPID,       /* the client's endpoint id (From epid param), may be empty */
	PCHAT_OPEN_USER_AGENT, /* the INVITE's User-Agent, may be empty */
	PCHAT_OPEN_NFIELDS
};

/* Fields of an ALERT payload (a feed's match, backend/feeds.c), each terminated by a
 * NUL byte: the user's address of record, to which the module sends an out-of-dialog
 * MESSAGE from its alert_uri through its alert_proxy (Kamailio's registrar forks it
 * to every registered contact), and the MESSAGE's text/plain body (UTF-8). */
enum pchat_alert_fields { PCHAT_ALERT_TO, PCHAT_ALERT_BODY, PCHAT_ALERT_NFIELDS };
/* The longest ALERT payload pchatd sends (a short excerpt, not the post). */
#define PCHAT_ALERT_MAX_PAYLOAD 2048

/*
 * Queries: the module's RPC commands (kamailio-module/pchat_rpc.c) ask pchatd, which
 * owns the sessions and rooms, over a connection of their own whose first frame is
 * QUERY (no HELLO): pchatd answers it with one RESULT of the same token and closes
 * the connection.  Such a connection is never a module link (it has no sessions).
 *
 * QUERY payload: the command, then its arguments, each terminated by a NUL byte;
 * at most PCHAT_QUERY_MAX_PAYLOAD bytes and PCHAT_QUERY_MAX_ARGS arguments.
 * RESULT payload: a 3-digit status, a space, then for 200 a JSON document (the
 * answer), else one line saying what is wrong ("404 no such room").
 */
#define PCHAT_QUERY_MAX_PAYLOAD 4096
#define PCHAT_QUERY_MAX_ARGS 4

struct pchat_frame {
	uint8_t type;
	uint32_t token;
	uint64_t session;
	const char *payload; /* points into the decoded buffer; not NUL-terminated */
	uint32_t payload_len;
};

static inline void pchat_put_u32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static inline uint32_t pchat_get_u32(const unsigned char *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* Writes the 20-byte header for a frame carrying payload_len bytes. */
static inline void pchat_frame_header(unsigned char *hdr, uint8_t type, uint32_t token,
		uint64_t session, uint32_t payload_len)
{
	pchat_put_u32(hdr, 16 + payload_len);
	hdr[4] = PCHAT_FRAME_VERSION;
	hdr[5] = type;
	hdr[6] = hdr[7] = 0;
	pchat_put_u32(hdr + 8, token);
	pchat_put_u32(hdr + 12, (uint32_t)(session >> 32));
	pchat_put_u32(hdr + 16, (uint32_t)session);
}

enum pchat_frame_status {
	PCHAT_FRAME_OK = 1,	    /* one frame decoded; *used bytes consumed */
	PCHAT_FRAME_INCOMPLETE = 0, /* need more bytes */
	PCHAT_FRAME_BAD = -1,	    /* malformed: wrong version, length or reserved bits */
};

/*
 * Decodes one frame from buf[0..len).  Never reads past len.  On PCHAT_FRAME_OK the
 * frame's payload points into buf and *used is the number of bytes the frame took.
 * A peer that sends PCHAT_FRAME_BAD must be disconnected: the stream cannot be resynced.
 */
static inline int pchat_frame_decode(
		const unsigned char *buf, size_t len, struct pchat_frame *f, size_t *used)
{
	uint32_t flen;
	if(len < 4)
		return PCHAT_FRAME_INCOMPLETE;
	flen = pchat_get_u32(buf);
	if(flen < 16 || flen - 16 > PCHAT_FRAME_MAX_PAYLOAD)
		return PCHAT_FRAME_BAD;
	if(len >= 8 && (buf[4] != PCHAT_FRAME_VERSION || buf[6] != 0 || buf[7] != 0))
		return PCHAT_FRAME_BAD;
	if(len < 4 + (size_t)flen)
		return PCHAT_FRAME_INCOMPLETE;
	f->type = buf[5];
	f->token = pchat_get_u32(buf + 8);
	f->session = ((uint64_t)pchat_get_u32(buf + 12) << 32) | pchat_get_u32(buf + 16);
	f->payload = (const char *)buf + PCHAT_FRAME_HEADER;
	f->payload_len = flen - 16;
	*used = 4 + (size_t)flen;
	return PCHAT_FRAME_OK;
}

/*
 * FANOUT: one XCCOS body for many sessions of the link it is sent on (a room's post,
 * a notice), instead of one SEND each: a 16,000-member room is one body and 16 bytes a
 * member, not 16,000 copies of the body.  Each recipient has a number of its own (its
 * envelope's envid), written in decimal into the body at split.  Payload, big-endian:
 *
 *   0   4  count     recipients, at least 1
 *   4   4  split     where the recipient's number goes, 0..body_len
 *   8   4  body_len
 *   12  body_len     the body without the number
 *   then count x 16  session id (8), number (8)
 *
 * The module handles each recipient as it would a SEND of the completed body to it,
 * in the order listed.
 */
#define PCHAT_FANOUT_HEAD 12
#define PCHAT_FANOUT_RECIPIENT 16
/* the most recipients one frame carries whatever the body: frames stay a few hundred
 * kilobytes, so one frame never holds up the link for long */
#define PCHAT_FANOUT_MAX_RECIPIENTS 4096

struct pchat_fanout {
	uint32_t count, split;
	const char *body; /* points into the payload; not NUL-terminated */
	uint32_t body_len;
	const unsigned char *recipients;
};

static inline void pchat_put_u64(unsigned char *p, uint64_t v)
{
	pchat_put_u32(p, (uint32_t)(v >> 32));
	pchat_put_u32(p + 4, (uint32_t)v);
}

static inline uint64_t pchat_get_u64(const unsigned char *p)
{
	return ((uint64_t)pchat_get_u32(p) << 32) | pchat_get_u32(p + 4);
}

/* How many recipients a frame can carry with a body of body_len bytes (0: none). */
static inline size_t pchat_fanout_room(size_t body_len)
{
	size_t n;
	if(body_len > PCHAT_FRAME_MAX_PAYLOAD - PCHAT_FANOUT_HEAD)
		return 0;
	n = (PCHAT_FRAME_MAX_PAYLOAD - PCHAT_FANOUT_HEAD - body_len) / PCHAT_FANOUT_RECIPIENT;
	return n < PCHAT_FANOUT_MAX_RECIPIENTS ? n : PCHAT_FANOUT_MAX_RECIPIENTS;
}

/* Writes the 12 bytes that open a FANOUT payload (the body and recipients follow). */
static inline void pchat_fanout_head(
		unsigned char *h, uint32_t count, uint32_t split, uint32_t body_len)
{
	pchat_put_u32(h, count);
	pchat_put_u32(h + 4, split);
	pchat_put_u32(h + 8, body_len);
}

static inline void pchat_fanout_put_recipient(unsigned char *p, uint64_t session, uint64_t number)
{
	pchat_put_u64(p, session);
	pchat_put_u64(p + 8, number);
}

/* Reads a FANOUT payload into fo.  Returns 0, or -1 if its lengths do not add up. */
static inline int pchat_fanout_parse(const char *payload, uint32_t len, struct pchat_fanout *fo)
{
	const unsigned char *p = (const unsigned char *)payload;
	uint64_t need;
	if(len < PCHAT_FANOUT_HEAD)
		return -1;
	fo->count = pchat_get_u32(p);
	fo->split = pchat_get_u32(p + 4);
	fo->body_len = pchat_get_u32(p + 8);
	need = (uint64_t)PCHAT_FANOUT_HEAD + fo->body_len +
			(uint64_t)fo->count * PCHAT_FANOUT_RECIPIENT;
	if(fo->count == 0 || fo->split > fo->body_len || need != len)
		return -1;
	fo->body = payload + PCHAT_FANOUT_HEAD;
	fo->recipients = p + PCHAT_FANOUT_HEAD + fo->body_len;
	return 0;
}

/* Recipient i (< fo->count) of a parsed FANOUT. */
static inline void pchat_fanout_recipient(
		const struct pchat_fanout *fo, uint32_t i, uint64_t *session, uint64_t *number)
{
	const unsigned char *r = fo->recipients + (size_t)i * PCHAT_FANOUT_RECIPIENT;
	*session = pchat_get_u64(r);
	*number = pchat_get_u64(r + 8);
}

/*
 * Splits an OPEN payload into its NUL-terminated fields.  Returns 0 and fills
 * fields[0..PCHAT_OPEN_NFIELDS) (pointing into payload) or -1 if a field is missing
 * or not terminated.  Extra trailing fields are ignored, so later versions may add some.
 */
static inline int pchat_open_split(
		const char *payload, uint32_t len, const char *fields[PCHAT_OPEN_NFIELDS])
{
	uint32_t pos = 0;
	int i;
	for(i = 0; i < PCHAT_OPEN_NFIELDS; i++) {
		const char *nul = memchr(payload + pos, '\0', len - pos);
		if(nul == NULL)
			return -1;
		fields[i] = payload + pos;
		pos = (uint32_t)(nul - payload) + 1;
	}
	return 0;
}

/*
 * Splits payload[0..len) into its NUL-terminated fields: at most max of them go to
 * fields[] (pointing into payload).  Returns how many, or -1 if the payload does not
 * end with a NUL or has more than max fields.  Used for QUERY payloads.
 */
static inline int pchat_fields_split(
		const char *payload, uint32_t len, const char **fields, int max)
{
	uint32_t pos = 0;
	int n = 0;
	if(len > 0 && payload[len - 1] != '\0')
		return -1;
	while(pos < len) {
		const char *nul = memchr(payload + pos, '\0', len - pos);
		if(n == max)
			return -1;
		fields[n++] = payload + pos;
		pos = (uint32_t)(nul - payload) + 1;
	}
	return n;
}

/*
 * Reads a RESULT payload: *status (100..999) and the text after the space (not
 * NUL-terminated, *text_len bytes).  Returns 0, or -1 if it does not start with
 * three digits and a space.
 */
static inline int pchat_result_split(const char *payload, uint32_t len, int *status,
		const char **text, uint32_t *text_len)
{
	int i;
	if(len < 4 || payload[3] != ' ')
		return -1;
	for(i = 0; i < 3; i++)
		if(payload[i] < '0' || payload[i] > '9')
			return -1;
	*status = (payload[0] - '0') * 100 + (payload[1] - '0') * 10 + (payload[2] - '0');
	if(*status < 100)
		return -1;
	*text = payload + 4;
	*text_len = len - 4;
	return 0;
}

#endif
