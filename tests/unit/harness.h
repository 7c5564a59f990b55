/*
 * harness.h - drives the real frames/commands/sessions/rooms code through the
 * fake link and fake database (fakes.h): frames in, recorded frames out.
 */
#ifndef PCHAT_TEST_HARNESS_H
#define PCHAT_TEST_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "fakes.h"

#define LOBBY_ID "6f1d2c3b-8a9e-4f10-b7c2-53a1e0d4c9aa"
#define LOBBY "ma-chan://example.com/" LOBBY_ID
#define CLOSED "ma-chan://example.com/c1"
#define SECRET "ma-chan://example.com/s1"
#define ENV_ID(envid, items) \
	"<xccos ver=\"1\" envid=\"" envid "\" xmlns=\"urn:parlano:xml:ns:xccos\">" items "</xccos>"
#define ENV(items) ENV_ID("900", items)
#define JOIN(id)                                                                                          \
	ENV("<cmd id=\"cmd:join\" seqid=\"1\"><data><chanid key=\"0\" domain=\"example.com\" value=\"" id \
	    "\"/></data></cmd>")
#define POST(uri, text)                                                                  \
	ENV("<grpchat id=\"grpchat\" seqid=\"1\" chanUri=\"" uri                         \
	    "\" author=\"sip:mallory@evil.com\" ts=\"2024-01-01T00:00:00Z\"><chat>" text \
	    "</chat></grpchat>")
#define BCC(uri, cnt)                                                        \
	ENV("<cmd id=\"cmd:bccontext\" seqid=\"1\"><data><chanib uri=\"" uri \
	    "\"/><bcq><last cnt=\"" cnt "\"/></bcq></data></cmd>")
#define PART(uri) \
	ENV("<cmd id=\"cmd:part\" seqid=\"1\"><data><chanib uri=\"" uri "\"/></data></cmd>")
#define REQURI ENV("<cmd id=\"cmd:requri\" seqid=\"1\"><data/></cmd>")
#define BJOIN(ids) ENV("<cmd id=\"cmd:bjoin\" seqid=\"3\"><data>" ids "</data></cmd>")
#define CHANID(k, id) "<chanid key=\"" k "\" domain=\"example.com\" value=\"" id "\"/>"
#define CHANSRCH \
	ENV("<cmd id=\"cmd:chansrch\" seqid=\"1\"><data><qib qtype=\"BYNAME\" criteria=\"\" extended=\"false\"/></data></cmd>")

#define has(f, text) \
	cr_assert(strstr((f)->payload, text) != NULL, "no '%s' in %s", text, (f)->payload)
#define hasnt(f, text) \
	cr_assert(strstr((f)->payload, text) == NULL, "'%s' in %s", text, (f)->payload)

/* Test set-up: configuration defaults, a fake connection, rooms Lobby (1, open),
 * Closed (2, members alice and bob) and Secret (3); and its undoing. */
void harness_setup(void);
void harness_teardown(void);

void frame_in(uint8_t type, uint32_t token, uint64_t sid, const char *p, size_t len);
/* OPEN of session sid from endpoint epid (open_session_ua: "ep<sid>"). */
void open_session_epid(uint64_t sid, const char *user, const char *epid, const char *ua);
void open_session_ua(uint64_t sid, const char *user, const char *ua);
void open_session(uint64_t sid, const char *user);
/* Sends an XCCOS frame; returns the first frame answering its token. */
const struct sent_frame *xccos(uint64_t sid, const char *body);
/* Sends a post that passes the checks at acceptance: it is not answered before its
 * commit (asserted); returns its token for verdict(). */
uint32_t posted(uint64_t sid, const char *body);
/* The ACCEPT, BUSY or REJECT answering token so far, or NULL. */
const struct sent_frame *verdict(uint32_t token);
void accepted(uint64_t sid, const char *body);
/* The SEND frames to sid so far (at most max, via out); returns their count. */
size_t sends_to(uint64_t sid, const struct sent_frame **out, size_t max);
size_t count_sends(uint64_t sid);
/* The one SEND to sid (asserts there is exactly one). */
const struct sent_frame *only_send_to(uint64_t sid);
void join_lobby(uint64_t sid);
/* The module connection closes. */
void close_link(void);

#endif
