/*
 * test_compliance.c - pchat-compliance's output formats (compliance/): the event type
 * names, the time attributes, the adapters rendering a fixed batch (two rooms, every
 * event type, text with XML's special characters and non-ASCII) into memory, checked
 * against their schemas (docs/compliance*.xsd, with libxml2's schema API) and with XPath, and
 * the XSLT of CustomConfiguration.  Paths are relative to tests/unit, where run-unit
 * runs.  With COMPLIANCE_DUMP=1 in the environment, render() prints what it renders.
 */
#include <criterion/criterion.h>
#ifndef TestSuite /* cppcheck, which does not read criterion.h */
#define TestSuite(...)
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/xmlschemas.h>
#include <libxml/xpath.h>

#include "adapter.h"
#include "cetime.h"
#include "cevent.h"
#include "manifest.h"
#include "xslt.h"

#define DOCS "../../docs/"
#define TEXT "Hello <&>\"' w\xc3\xb6rld \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x99\x82"
#define FILE_NAME "0988239a-bb66-4616-90a4-b07771a2097c.txt"
#define T0 INT64_C(1212610540953) /* 2008-06-04T20:15:40.953Z */

/* ---- the fixed batch ---------------------------------------------------------- */

static const struct ce_room lobby = {
		.id = 1,
		.uri = "ma-chan://example.com/lobby",
		.name = "Lobby & <friends>",
		.details = 1,
		.description = "Everyone's room",
		.topic = "\"quotes\"",
		.privacy = "open",
		.category_uri = "ma-cat://example.com/general",
		.logged = 1,
};

/* deleted since its events: no details */
static const struct ce_room board = {
		.id = 2, .uri = "ma-chan://example.com/board", .name = "Board"};

#define USER_alice                                                                      \
	{                                                                               \
		.uri = "sip:alice@example.com", .details = 1, .id = 3, .name = "alice", \
		.email = "alice@example.com", .internal = 1                             \
	}
#define USER_bob                                                                    \
	{                                                                           \
		.uri = "sip:bob@example.com", .details = 1, .id = 4, .name = "bob", \
		.email = "bob@example.com", .internal = 1                           \
	}
#define USER_carol                                                                      \
	{                                                                               \
		.uri = "sip:carol@partner.org", .details = 1, .id = 0, .name = "carol", \
		.email = "carol@partner.org", .internal = 0                             \
	}
/* an event without content, and one with a string literal as content; u: alice, bob or
 * carol */
#define EV(i, t, ms, r, u, m)                                                           \
	{                                                                               \
		.id = (i), .type = (t), .time_ms = (ms), .room = (r), .user = USER_##u, \
		.msg_id = (m)                                                           \
	}
#define EVC(i, t, ms, r, u, m, c)                                                       \
	{                                                                               \
		.id = (i), .type = (t), .time_ms = (ms), .room = (r), .user = USER_##u, \
		.msg_id = (m), .content = (c), .content_len = sizeof(c) - 1             \
	}

static const struct ce_event lobby_events[] = {
		EV(1, CE_JOIN, T0, &lobby, alice, 0),
		EVC(2, CE_CHAT, T0 + 1000, &lobby, alice, 101, TEXT),
		EVC(3, CE_BACKCHAT, T0 + 2000, &lobby, bob, 101, "90-101"),
		EVC(4, CE_FILEUPLOAD, T0 + 3000, &lobby, alice, 0, FILE_NAME),
		EVC(5, CE_FILEDOWNLOAD, T0 + 4000, &lobby, bob, 0, FILE_NAME),
		/* stamped earlier than the previous one: StartTime/EndTime are min/max */
		EVC(6, CE_REPLACE, T0 + 3500, &lobby, alice, 101, "edited"),
		EV(7, CE_PURGE, T0 + 5000, &lobby, alice, 101),
		EV(8, CE_PART, T0 + 6000, &lobby, alice, 0),
};

static const struct ce_event board_events[] = {
		EVC(9, CE_CHAT, T0 + 7000, &board, carol, 201, "line 1\nline 2, \"quoted\""),
		EV(10, CE_PART, T0 + 8000, &board, bob, 0),
};

static const char *const lobby_present[] = {"sip:bob@example.com", "sip:carol@partner.org"};
static const char *const board_present[] = {"sip:bob@example.com"};

struct conv {
	const struct ce_room *room;
	struct ce_presence start, end;
	const struct ce_event *events;
	size_t n;
};

static const struct conv batch[] = {
		{&lobby, {lobby_present, 2, T0 - 60000}, {lobby_present, 2, T0 + 60000},
				lobby_events, sizeof(lobby_events) / sizeof(lobby_events[0])},
		{&board, {board_present, 1, T0 - 60000}, {NULL, 0, T0 + 60000}, board_events,
				sizeof(board_events) / sizeof(board_events[0])},
};

static const struct adapter_opts all_details = {1, 1}, no_details = {0, 0};

/* ---- helpers ------------------------------------------------------------------ */

/* Streams convs through a into w, as the run does, and frees w. */
static void stream(xmlTextWriterPtr w, const struct adapter *a, const struct adapter_opts *opts,
		const struct conv *convs, size_t n)
{
	struct render r = {.w = w, .opts = opts};
	size_t i, j;

	cr_assert_not_null(w);
	cr_assert_eq(a->file_begin(&r), 0);
	for(i = 0; i < n; i++) {
		cr_assert_eq(a->room_begin(&r, convs[i].room, &convs[i].start), 0);
		for(j = 0; j < convs[i].n; j++)
			cr_assert_eq(a->event(&r, &convs[i].events[j]), 0, "event %zu", j);
		cr_assert_eq(a->room_end(&r, convs[i].room, &convs[i].end), 0);
	}
	cr_assert_eq(a->file_end(&r), 0);
	cr_assert_null(r.state, "file_end frees the state");
	xmlFreeTextWriter(w);
}

/* What a renders from convs, NUL-ended. */
static char *render(const struct adapter *a, const struct adapter_opts *opts,
		const struct conv *convs, size_t n)
{
	xmlBufferPtr buf = xmlBufferCreate();
	char *out;

	stream(xmlNewTextWriterMemory(buf, 0), a, opts, convs, n);
	out = strdup((const char *)xmlBufferContent(buf));
	if(getenv("COMPLIANCE_DUMP") != NULL)
		fputs(out, stderr);
	xmlBufferFree(buf);
	return out;
}

static xmlDocPtr parse(const char *xml)
{
	xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), "out.xml", NULL, XML_PARSE_NONET);

	cr_assert_not_null(doc, "not well-formed:\n%s", xml);
	return doc;
}

/* 0 when doc is valid against the schema at xsd. */
static int validate(xmlDocPtr doc, const char *xsd)
{
	xmlSchemaParserCtxtPtr pc = xmlSchemaNewParserCtxt(xsd);
	xmlSchemaPtr schema = xmlSchemaParse(pc);
	xmlSchemaValidCtxtPtr vc;
	int rc;

	cr_assert_not_null(schema, "%s does not parse", xsd);
	vc = xmlSchemaNewValidCtxt(schema);
	rc = xmlSchemaValidateDoc(vc, doc);
	xmlSchemaFreeValidCtxt(vc);
	xmlSchemaFree(schema);
	xmlSchemaFreeParserCtxt(pc);
	return rc;
}

/* The string value of an XPath expression (string() of its first node). */
static char *xp(xmlDocPtr doc, const char *expr)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathObjectPtr o = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
	xmlChar *s;
	char *ret;

	cr_assert_not_null(o, "bad XPath %s", expr);
	s = xmlXPathCastToString(o);
	ret = strdup((const char *)s);
	xmlFree(s);
	xmlXPathFreeObject(o);
	xmlXPathFreeContext(ctx);
	return ret;
}

/* The names of the elements expr selects, space-separated. */
static char *names(xmlDocPtr doc, const char *expr)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathObjectPtr o = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
	xmlBufferPtr buf = xmlBufferCreate();
	char *ret;
	int i;

	cr_assert(o != NULL && o->type == XPATH_NODESET, "bad XPath %s", expr);
	for(i = 0; o->nodesetval != NULL && i < o->nodesetval->nodeNr; i++) {
		if(i > 0)
			xmlBufferCCat(buf, " ");
		xmlBufferCat(buf, o->nodesetval->nodeTab[i]->name);
	}
	ret = strdup((const char *)xmlBufferContent(buf));
	xmlBufferFree(buf);
	xmlXPathFreeObject(o);
	xmlXPathFreeContext(ctx);
	return ret;
}

#define names_eq(doc, expr, want)                                                       \
	do {                                                                            \
		char *got_ = names(doc, expr);                                          \
		cr_assert_str_eq(got_, want, "%s:\n'%s', not\n'%s'", expr, got_, want); \
		free(got_);                                                             \
	} while(0)

#define xp_eq(doc, expr, want)                                                        \
	do {                                                                          \
		char *got_ = xp(doc, expr);                                           \
		cr_assert_str_eq(got_, want, "%s: '%s', not '%s'", expr, got_, want); \
		free(got_);                                                           \
	} while(0)

/* ---- event types and times ---------------------------------------------------- */

Test(compliance, type_names)
{
	int t;

	for(t = 0; t < CE_TYPES; t++)
		cr_assert_eq(ce_type_parse(ce_type_name(t)), t);
	cr_assert_str_eq(ce_type_name(CE_FILEDOWNLOAD), "FILEDOWNLOAD");
	cr_assert_str_eq(ce_type_name(CE_PURGE), "PURGE");
	cr_assert_null(ce_type_name(CE_TYPES));
	cr_assert_null(ce_type_name((enum ce_type) - 1));
	cr_assert_eq(ce_type_parse("join"), -1, "as stored: upper case");
	cr_assert_eq(ce_type_parse(""), -1);
	cr_assert_eq(ce_type_parse(NULL), -1);
}

Test(compliance, time_forms)
{
	struct ce_time t;

	cr_assert_eq(ce_time_format(T0, &t), 0);
	cr_assert_str_eq(t.since1970, "1212610540953");
	cr_assert_str_eq(t.string, "2008-06-04T20:15:40.9530000Z");
	cr_assert_str_eq(t.ticks, "633482073409530000");

	cr_assert_eq(ce_time_format(0, &t), 0);
	cr_assert_str_eq(t.since1970, "0");
	cr_assert_str_eq(t.string, "1970-01-01T00:00:00.0000000Z");
	cr_assert_str_eq(t.ticks, "621355968000000000");

	/* the fraction of a time before 1970 counts forward from the second before */
	cr_assert_eq(ce_time_format(-1, &t), 0);
	cr_assert_str_eq(t.string, "1969-12-31T23:59:59.9990000Z");

	cr_assert_eq(ce_time_format(INT64_C(-62135596800000), &t), 0);
	cr_assert_str_eq(t.string, "0001-01-01T00:00:00.0000000Z");
	cr_assert_str_eq(t.ticks, "0");
	cr_assert_eq(ce_time_format(INT64_C(253402300799999), &t), 0);
	cr_assert_str_eq(t.string, "9999-12-31T23:59:59.9990000Z");
	cr_assert_eq(ce_time_format(INT64_C(-62135596800001), &t), -1);
	cr_assert_eq(ce_time_format(INT64_C(253402300800000), &t), -1);
	cr_assert_eq(ce_time_format(INT64_MAX, &t), -1);
}

Test(compliance, time_element)
{
	xmlBufferPtr buf = xmlBufferCreate();
	xmlTextWriterPtr w = xmlNewTextWriterMemory(buf, 0);

	cr_assert_eq(ce_time_write(w, "DateTimeUTC", T0), 0);
	cr_assert_eq(ce_time_write(w, "Never", INT64_MAX), -1);
	xmlFreeTextWriter(w);
	cr_assert_str_eq((const char *)xmlBufferContent(buf),
			"<DateTimeUTC since1970=\"1212610540953\" string=\"2008-06-04T20:15:40.9530000Z\""
			" long=\"633482073409530000\"/>");
	xmlBufferFree(buf);
}

Test(compliance, adapter_table)
{
	cr_assert_str_eq(adapter_find("XML")->extension, "xml");
	cr_assert_eq(adapter_find("xml"), adapter_find("XML"), "case-insensitive");
	cr_assert_null(adapter_find("ATTACH"), "the manifest is not an AdapterType");
	cr_assert_null(adapter_find(""));
	cr_assert_null(adapter_find(NULL));
	cr_assert_str_eq(adapter_find("actiance")->type, "Actiance");
	cr_assert_str_eq(adapter_names(), "XML, Actiance");
	cr_assert_str_eq(adapter_names(), "XML, Actiance", "built once");
}

/* ---- the XML adapter ---------------------------------------------------------- */

Test(compliance, xml_valid_and_in_order)
{
	static const char *const types[] = {"JOIN", "CHAT", "BACKCHAT", "FILEUPLOAD",
			"FILEDOWNLOAD", "REPLACE", "PURGE", "PART"};
	char *out = render(adapter_find("XML"), &all_details, batch, 2);
	xmlDocPtr doc = parse(out);
	char expr[128];
	size_t i;

	cr_assert_eq(validate(doc, DOCS "compliance.xsd"), 0, "invalid:\n%s", out);
	xp_eq(doc, "count(/Conversations/Conversation)", "2");
	for(i = 0; i < 8; i++) {
		snprintf(expr, sizeof(expr),
				"/Conversations/Conversation[1]/Messages/Message[%zu]/@type",
				i + 1);
		xp_eq(doc, expr, types[i]);
	}
	xp_eq(doc, "count(/Conversations/Conversation[1]/Messages/Message)", "8");
	xp_eq(doc, "count(/Conversations/Conversation[2]/Messages/Message)", "2");
	free(out);
	xmlFreeDoc(doc);
}

Test(compliance, xml_attributes)
{
	char *out = render(adapter_find("XML"), &all_details, batch, 2);
	xmlDocPtr doc = parse(out);

#define C1 "/Conversations/Conversation[1]/"
#define M(i) C1 "Messages/Message[" #i "]"
	/* the room, with details */
	xp_eq(doc, C1 "Channel/@uri", "ma-chan://example.com/lobby");
	xp_eq(doc, C1 "Channel/@name", "Lobby & <friends>");
	xp_eq(doc, C1 "Channel/@islogged", "true");
	xp_eq(doc, C1 "Channel/@topic", "\"quotes\"");
	xp_eq(doc, C1 "Channel/@privacy", "open");
	xp_eq(doc, C1 "Channel/@category", "ma-cat://example.com/general");
	/* FirstMessage: a copy of the first event */
	xp_eq(doc, C1 "FirstMessage/@type", "JOIN");
	xp_eq(doc, C1 "FirstMessage/Sender/@uri", "sip:alice@example.com");
	xp_eq(doc, C1 "FirstMessage/DateTimeUTC/@long", "633482073409530000");
	xp_eq(doc, "count(" C1 "FirstMessage/@content | " C1 "FirstMessage/@id)", "0");
	/* JOIN/PART: neither content nor id; CHAT: both, the text round-trips */
	xp_eq(doc, "count(" M(1) "/@content | " M(1) "/@id | " M(8) "/@content)", "0");
	xp_eq(doc, M(2) "/@content", TEXT);
	xp_eq(doc, M(2) "/@id", "101");
	xp_eq(doc, M(2) "/DateTimeUTC/@string", "2008-06-04T20:15:41.9530000Z");
	xp_eq(doc, M(2) "/DateTimeUTC/@since1970", "1212610541953");
	/* BACKCHAT: the range pushed, no id; files: the stored name */
	xp_eq(doc, M(3) "/@content", "90-101");
	xp_eq(doc, "count(" M(3) "/@id)", "0");
	xp_eq(doc, M(4) "/@content", FILE_NAME);
	xp_eq(doc, M(5) "/@content", FILE_NAME);
	/* REPLACE: the new text and the post's id; PURGE: the id only */
	xp_eq(doc, M(6) "/@content", "edited");
	xp_eq(doc, M(6) "/@id", "101");
	xp_eq(doc, M(7) "/@id", "101");
	xp_eq(doc, "count(" M(7) "/@content)", "0");
	/* the sender, with details */
	xp_eq(doc, M(2) "/Sender/@UserName", "alice");
	xp_eq(doc, M(2) "/Sender/@id", "3");
	xp_eq(doc, M(2) "/Sender/@email", "alice@example.com");
	xp_eq(doc, M(2) "/Sender/@internal", "true");
	/* the earliest and latest event times, whatever their order */
	xp_eq(doc, C1 "StartTimeUTC/@since1970", "1212610540953");
	xp_eq(doc, C1 "EndTimeUTC/@since1970", "1212610546953");
#undef M
#undef C1
#define C2 "/Conversations/Conversation[2]/"
	/* a room gone: no details but its name; a federated user */
	xp_eq(doc, "count(" C2 "Channel/@*)", "2");
	xp_eq(doc, C2 "Channel/@name", "Board");
	xp_eq(doc, C2 "FirstMessage/@content", "line 1\nline 2, \"quoted\"");
	xp_eq(doc, C2 "Messages/Message[1]/Sender/@internal", "false");
	xp_eq(doc, C2 "Messages/Message[1]/Sender/@id", "0");
	xp_eq(doc, C2 "StartTimeUTC/@string", "2008-06-04T20:15:47.9530000Z");
#undef C2
	free(out);
	xmlFreeDoc(doc);
}

Test(compliance, xml_without_details)
{
	char *out = render(adapter_find("XML"), &no_details, batch, 2);
	xmlDocPtr doc = parse(out);

	cr_assert_eq(validate(doc, DOCS "compliance.xsd"), 0, "invalid:\n%s", out);
	xp_eq(doc, "count(//Channel/@islogged | //Channel/@topic | //Channel/@privacy)", "0");
	xp_eq(doc, "count(//Sender/@UserName | //Sender/@email | //Sender/@internal)", "0");
	xp_eq(doc, "count(//Sender[@id != '0'])", "0");
	xp_eq(doc, "count(//Sender[not(@uri)])", "0");
	xp_eq(doc, "/Conversations/Conversation[1]/Channel/@name", "Lobby & <friends>");
	free(out);
	xmlFreeDoc(doc);
}

Test(compliance, xml_empty_batch_and_empty_room)
{
	const struct conv empty = {&board, {NULL, 0, T0}, {NULL, 0, T0 + 1}, NULL, 0};
	char *out = render(adapter_find("XML"), &no_details, NULL, 0);
	xmlDocPtr doc = parse(out);

	cr_assert_eq(validate(doc, DOCS "compliance.xsd"), 0, "invalid:\n%s", out);
	xp_eq(doc, "count(/Conversations/*)", "0");
	free(out);
	xmlFreeDoc(doc);

	out = render(adapter_find("XML"), &no_details, &empty, 1);
	doc = parse(out);
	cr_assert_eq(validate(doc, DOCS "compliance.xsd"), 0, "invalid:\n%s", out);
	xp_eq(doc, "count(//FirstMessage | //Message)", "0");
	xp_eq(doc, "//StartTimeUTC/@since1970", "1212610540953");
	xp_eq(doc, "//EndTimeUTC/@since1970", "1212610540954");
	free(out);
	xmlFreeDoc(doc);
}

/* What XML 1.0 cannot carry becomes U+FFFD (an ill-formed sequence one per maximal
 * subpart, common/pchat_text.h): the file stays readable. */
Test(compliance, xml_unrepresentable_characters)
{
	static const char bad[] = "a\x01"
				  "b\xff"
				  "c\xc0\xaf"
				  "d\xed\xa0\x80"
				  "e\xef\xbf\xbe"
				  "f\t\r\n\xf4\x8f\xbf\xbf";
	struct ce_event ev = EV(1, CE_CHAT, T0, &board, carol, 7);
	struct conv c = {&board, {NULL, 0, T0}, {NULL, 0, T0}, &ev, 1};
	char *out, *got;
	xmlDocPtr doc;

	ev.content = bad;
	ev.content_len = sizeof(bad); /* with the final NUL, which is not a character either */
	out = render(adapter_find("XML"), &no_details, &c, 1);
	doc = parse(out);
	got = xp(doc, "//Message/@content");
	cr_assert_str_eq(got,
			"a\xef\xbf\xbd"
			"b\xef\xbf\xbd"
			"c\xef\xbf\xbd\xef\xbf\xbd"
			"d\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
			"e\xef\xbf\xbd"
			"f\t\r\n\xf4\x8f\xbf\xbf\xef\xbf\xbd");
	free(got);
	free(out);
	xmlFreeDoc(doc);
}

/* ---- the Actiance adapter ----------------------------------------------------- */

Test(compliance, actiance_order)
{
	char *out = render(adapter_find("Actiance"), &all_details, batch, 2);
	xmlDocPtr doc = parse(out);

	xp_eq(doc, "count(/FileDump/Conversation)", "2");
	/* present at the start, the events (no BACKCHAT, a file transfer as two
	 * elements), present at the end */
	names_eq(doc, "/FileDump/Conversation[1]/*",
			"RoomID StartTimeUTC ParticipantEntered ParticipantEntered "
			"ParticipantEntered Message FileTransferStarted FileTransferEnded "
			"FileTransferStarted FileTransferEnded Message Message ParticipantLeft "
			"ParticipantLeft ParticipantLeft EndTimeUTC");
	/* nobody present at the end: the PART only */
	names_eq(doc, "/FileDump/Conversation[2]/*",
			"RoomID StartTimeUTC ParticipantEntered Message ParticipantLeft EndTimeUTC");
	free(out);
	xmlFreeDoc(doc);
}

Test(compliance, actiance_participants)
{
	char *out = render(adapter_find("Actiance"), &all_details, batch, 2);
	xmlDocPtr doc = parse(out);

#define C1 "/FileDump/Conversation[1]/"
	xp_eq(doc, C1 "@Perspective", "Lobby & <friends>");
	xp_eq(doc, C1 "RoomID", "ma-chan://example.com/lobby");
	xp_eq(doc, C1 "StartTimeUTC", "1212610480953");
	xp_eq(doc, C1 "EndTimeUTC", "1212610600953");
	/* the users present at the start, at its time, known by URI only */
	xp_eq(doc, C1 "ParticipantEntered[1]/LoginName", "bob@example.com");
	xp_eq(doc, C1 "ParticipantEntered[2]/LoginName", "carol@partner.org");
	xp_eq(doc, C1 "ParticipantEntered[2]/CorporateEmailID", "carol@partner.org");
	xp_eq(doc, C1 "ParticipantEntered[2]/DateTimeUTC", "1212610480953");
	xp_eq(doc, C1 "ParticipantEntered[2]/ConversationID", "ma-chan://example.com/lobby");
	xp_eq(doc, "count(" C1 "ParticipantEntered[2]/InternalFlag)", "0");
	/* a JOIN, with the user's details */
	xp_eq(doc, C1 "ParticipantEntered[3]/LoginName", "alice@example.com");
	xp_eq(doc, C1 "ParticipantEntered[3]/DateTimeUTC", "1212610540953");
	xp_eq(doc, C1 "ParticipantEntered[3]/InternalFlag", "true");
	/* the PART, then those present at the end, at its time */
	xp_eq(doc, C1 "ParticipantLeft[1]/LoginName", "alice@example.com");
	xp_eq(doc, C1 "ParticipantLeft[1]/DateTimeUTC", "1212610546953");
	xp_eq(doc, C1 "ParticipantLeft[2]/LoginName", "bob@example.com");
	xp_eq(doc, C1 "ParticipantLeft[3]/LoginName", "carol@partner.org");
	xp_eq(doc, C1 "ParticipantLeft[3]/DateTimeUTC", "1212610600953");
#undef C1
	free(out);
	xmlFreeDoc(doc);
}

Test(compliance, actiance_messages_and_files)
{
	char *out = render(adapter_find("Actiance"), &all_details, batch, 2);
	xmlDocPtr doc = parse(out);

#define C1 "/FileDump/Conversation[1]/"
	names_eq(doc, C1 "Message[1]/*", "MessageId LoginName DateTimeUTC Content");
	xp_eq(doc, C1 "Message[1]/MessageId", "101");
	xp_eq(doc, C1 "Message[1]/LoginName", "alice@example.com");
	xp_eq(doc, C1 "Message[1]/DateTimeUTC", "1212610541953");
	xp_eq(doc, C1 "Message[1]/Content", TEXT);
	/* the edit: the post's id, its new text */
	names_eq(doc, C1 "Message[2]/*",
			"MessageId LoginName DateTimeUTC UpdatedType UpdatedDateTimeUTC Content");
	xp_eq(doc, C1 "Message[2]/MessageId", "101");
	xp_eq(doc, C1 "Message[2]/UpdatedType", "EditedNewMsg");
	xp_eq(doc, C1 "Message[2]/UpdatedDateTimeUTC", "1212610544453");
	xp_eq(doc, C1 "Message[2]/Content", "edited");
	/* the removal */
	xp_eq(doc, C1 "Message[3]/MessageId", "101");
	xp_eq(doc, C1 "Message[3]/UpdatedType", "Deleted");
	xp_eq(doc, "count(" C1 "Message[3]/Content/node())", "0");
	/* the upload, then the download */
	names_eq(doc, C1 "FileTransferStarted[1]/*", "LoginName DateTimeUTC FileName");
	names_eq(doc, C1 "FileTransferEnded[1]/*", "LoginName DateTimeUTC FileName Status");
	xp_eq(doc, C1 "FileTransferStarted[1]/FileName", FILE_NAME);
	xp_eq(doc, C1 "FileTransferEnded[1]/Status", "Completed");
	xp_eq(doc, C1 "FileTransferEnded[2]/LoginName", "bob@example.com");
#undef C1
	xp_eq(doc, "/FileDump/Conversation[2]/Message/Content", "line 1\nline 2, \"quoted\"");
	free(out);
	xmlFreeDoc(doc);
}

Test(compliance, actiance_without_details)
{
	char *out = render(adapter_find("Actiance"), &no_details, batch, 2);
	xmlDocPtr doc = parse(out);

	xp_eq(doc, "count(//InternalFlag)", "0");
	xp_eq(doc, "/FileDump/Conversation[1]/ParticipantEntered[3]/CorporateEmailID",
			"alice@example.com");
	free(out);
	xmlFreeDoc(doc);
}

/* ---- the .ATTACH manifest ----------------------------------------------------- */

Test(compliance, manifest_lists_the_files)
{
	char *out = render(&manifest_adapter, &all_details, batch, 2);
	xmlDocPtr doc = parse(out);

	cr_assert_eq(validate(doc, DOCS "compliance-attach.xsd"), 0, "invalid:\n%s", out);
	xp_eq(doc, "count(/Attachments/File)", "2");
	xp_eq(doc, "/Attachments/File[1]/@name", FILE_NAME);
	xp_eq(doc, "/Attachments/File[1]/@room", "ma-chan://example.com/lobby");
	xp_eq(doc, "/Attachments/File[1]/@event", "4");
	xp_eq(doc, "/Attachments/File[1]/@type", "FILEUPLOAD");
	xp_eq(doc, "/Attachments/File[1]/@user", "sip:alice@example.com");
	xp_eq(doc, "/Attachments/File[1]/@time", "2008-06-04T20:15:43.9530000Z");
	xp_eq(doc, "/Attachments/File[2]/@type", "FILEDOWNLOAD");
	xp_eq(doc, "/Attachments/File[2]/@user", "sip:bob@example.com");
	xp_eq(doc, "/Attachments/File[2]/@event", "5");
	cr_assert_str_eq(manifest_adapter.extension, "ATTACH");
	free(out);
	xmlFreeDoc(doc);
}

Test(compliance, manifest_without_files)
{
	char *out = render(&manifest_adapter, &no_details, &batch[1], 1);
	xmlDocPtr doc = parse(out);

	cr_assert_eq(validate(doc, DOCS "compliance-attach.xsd"), 0, "invalid:\n%s", out);
	xp_eq(doc, "count(/Attachments/*)", "0");
	free(out);
	xmlFreeDoc(doc);
}

/* ---- write errors ------------------------------------------------------------- */

static int refuse_write(void *ctx, const char *buf, int len)
{
	(void)ctx;
	(void)buf;
	(void)len;
	return -1;
}

static void quiet(void *ctx, xmlErrorPtr e)
{
	(void)ctx;
	(void)e;
}

/* An output that cannot be written fails the adapter (at the latest when file_end
 * flushes), and file_end still frees its state. */
Test(compliance, write_errors_are_returned)
{
	const struct adapter *adapters[] = {
			adapter_find("XML"), adapter_find("Actiance"), &manifest_adapter};
	size_t a, i, j;

	xmlSetStructuredErrorFunc(NULL, quiet); /* libxml2's "I/O error" lines */
	for(a = 0; a < sizeof(adapters) / sizeof(adapters[0]); a++) {
		xmlTextWriterPtr w = xmlNewTextWriter(
				xmlOutputBufferCreateIO(refuse_write, NULL, NULL, NULL));
		struct render r = {.w = w, .opts = &all_details};
		const struct adapter *ad = adapters[a];
		int rc;

		cr_assert_not_null(w);
		cr_assert_eq(ad->file_begin(&r), 0, "buffered");
		rc = 0;
		for(i = 0; i < 2 && rc == 0; i++) {
			rc = ad->room_begin(&r, batch[i].room, &batch[i].start);
			for(j = 0; j < batch[i].n && rc == 0; j++)
				rc = ad->event(&r, &batch[i].events[j]);
			if(rc == 0)
				rc = ad->room_end(&r, batch[i].room, &batch[i].end);
		}
		if(ad->file_end(&r) < 0)
			rc = -1;
		cr_assert_eq(rc, -1, "%s did not fail", ad->type);
		cr_assert_null(r.state);
		xmlFreeTextWriter(w);
	}
	xmlSetStructuredErrorFunc(NULL, NULL);
}

/* ---- XSLT (CustomConfiguration) ----------------------------------------------- */

/* A directory of its own for each test's files, removed with them afterwards. */
static char dir[64];

static void make_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/pchat-compliance-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void remove_dir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

/* dir/name */
static const char *in_dir(const char *name)
{
	static char path[2][128];
	static int k;

	k ^= 1;
	snprintf(path[k], sizeof(path[k]), "%s/%s", dir, name);
	return path[k];
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f);
	cr_assert_eq(fputs(text, f) >= 0 && fclose(f) == 0, 1);
}

/* Loads the stylesheet text (or, with text NULL, the file path), asserting success. */
static struct xslt *load(const char *path, const char *text)
{
	char err[512];
	struct xslt *x;

	if(text != NULL)
		write_file(path, text);
	x = xslt_load(path, err, sizeof(err));
	cr_assert_not_null(x, "%s: %s", path, err);
	return x;
}

/* Applies x to the XML file at xml; the result (NUL-ended) or NULL with err set. */
static char *apply(struct xslt *x, const char *xml, char *err, size_t errlen)
{
	FILE *f = tmpfile();
	char *out = NULL;

	cr_assert_not_null(f);
	if(xslt_apply(x, xml, f, err, errlen) == 0) {
		long size = ftell(f);

		cr_assert(size >= 0);
		out = calloc(1, (size_t)size + 1);
		rewind(f);
		cr_assert_eq(fread(out, 1, (size_t)size, f), (size_t)size);
	}
	fclose(f);
	return out;
}

/* The batch rendered by the XML adapter into dir/out.xml. */
static const char *xml_file(void)
{
	const char *path = in_dir("out.xml");

	stream(xmlNewTextWriterFilename(path, 0), adapter_find("XML"), &all_details, batch, 2);
	return path;
}

TestSuite(compliance_xslt, .init = make_dir, .fini = remove_dir);

#define SHEET(body)                                                                          \
	"<xsl:stylesheet version=\"1.0\" xmlns:xsl=\"http://www.w3.org/1999/XSL/Transform\"" \
	" xmlns:exsl=\"http://exslt.org/common\" extension-element-prefixes=\"exsl\">" body  \
	"</xsl:stylesheet>"

Test(compliance_xslt, csv_example)
{
	static const char want[] =
			"time,room,type,sender,content,id\n"
			"\"2008-06-04T20:15:40.9530000Z\",\"ma-chan://example.com/lobby\",\"JOIN\",\"sip:alice@example.com\",\"\",\"\"\n"
			"\"2008-06-04T20:15:41.9530000Z\",\"ma-chan://example.com/lobby\",\"CHAT\",\"sip:alice@example.com\",\"Hello <&>\"\"' w\xc3\xb6rld \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x99\x82\",\"101\"\n"
			"\"2008-06-04T20:15:42.9530000Z\",\"ma-chan://example.com/lobby\",\"BACKCHAT\",\"sip:bob@example.com\",\"90-101\",\"\"\n"
			"\"2008-06-04T20:15:43.9530000Z\",\"ma-chan://example.com/lobby\",\"FILEUPLOAD\",\"sip:alice@example.com\",\"" FILE_NAME
			"\",\"\"\n"
			"\"2008-06-04T20:15:44.9530000Z\",\"ma-chan://example.com/lobby\",\"FILEDOWNLOAD\",\"sip:bob@example.com\",\"" FILE_NAME
			"\",\"\"\n"
			"\"2008-06-04T20:15:44.4530000Z\",\"ma-chan://example.com/lobby\",\"REPLACE\",\"sip:alice@example.com\",\"edited\",\"101\"\n"
			"\"2008-06-04T20:15:45.9530000Z\",\"ma-chan://example.com/lobby\",\"PURGE\",\"sip:alice@example.com\",\"\",\"101\"\n"
			"\"2008-06-04T20:15:46.9530000Z\",\"ma-chan://example.com/lobby\",\"PART\",\"sip:alice@example.com\",\"\",\"\"\n"
			"\"2008-06-04T20:15:47.9530000Z\",\"ma-chan://example.com/board\",\"CHAT\",\"sip:carol@partner.org\",\"line 1\nline 2, \"\"quoted\"\"\",\"201\"\n"
			"\"2008-06-04T20:15:48.9530000Z\",\"ma-chan://example.com/board\",\"PART\",\"sip:bob@example.com\",\"\",\"\"\n";
	struct xslt *x = load(DOCS "compliance-csv.xsl", NULL);
	char err[512], *out;

	cr_assert_str_eq(xslt_extension(x), "csv");
	out = apply(x, xml_file(), err, sizeof(err));
	cr_assert_not_null(out, "%s", err);
	cr_assert_str_eq(out, want);
	free(out);
	xslt_free(x);
}

/* However many quotes a post holds, the example does not recurse too deep. */
Test(compliance_xslt, csv_many_quotes)
{
	/* the field: each quote doubled, and quoted */
	enum { QUOTES = 10000, FIELD = 2 * QUOTES + 2 };
	char *text = malloc(QUOTES + 1), *want = malloc(FIELD + 8), *out, err[512];
	struct ce_event ev = EV(1, CE_CHAT, T0, &board, carol, 7);
	struct conv c = {&board, {NULL, 0, T0}, {NULL, 0, T0}, &ev, 1};
	const char *xml = in_dir("quotes.xml");
	struct xslt *x = load(DOCS "compliance-csv.xsl", NULL);

	memset(text, '"', QUOTES);
	text[QUOTES] = '\0';
	ev.content = text;
	ev.content_len = QUOTES;
	stream(xmlNewTextWriterFilename(xml, 0), adapter_find("XML"), &no_details, &c, 1);
	want[0] = ',';
	memset(want + 1, '"', FIELD);
	strcpy(want + 1 + FIELD, ",\"7\"\n");
	out = apply(x, xml, err, sizeof(err));
	cr_assert_not_null(out, "%s", err);
	cr_assert_not_null(strstr(out, want));
	free(out);
	free(want);
	free(text);
	xslt_free(x);
}

Test(compliance_xslt, extensions)
{
	static const struct {
		const char *output, *ext;
	} cases[] = {
			{"<xsl:output method=\"text\" media-type=\"application/json\"/>", "json"},
			{"<xsl:output method=\"text\" media-type=\"text/csv; charset=UTF-8\"/>",
					"csv"},
			{"<xsl:output method=\"text\" media-type=\"application/x-unknown\"/>",
					"txt"},
			{"<xsl:output method=\"text\"/>", "txt"},
			{"<xsl:output method=\"html\"/>", "html"},
			{"<xsl:output method=\"xml\"/>", "xml"},
			{"", "xml"},
	};
	size_t i;

	for(i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[512];
		struct xslt *x;

		snprintf(text, sizeof(text), SHEET("%s<xsl:template match=\"/\"/>"),
				cases[i].output);
		x = load(in_dir("s.xsl"), text);
		cr_assert_str_eq(xslt_extension(x), cases[i].ext, "%s", cases[i].output);
		xslt_free(x);
	}
}

/* A clear error, on one line, and libxml2's handlers as they were. */
Test(compliance_xslt, not_well_formed)
{
	const char *path = in_dir("broken.xsl");
	xmlGenericErrorFunc generic = xmlGenericError;
	xmlStructuredErrorFunc structured = xmlStructuredError;
	char err[512];

	write_file(path, SHEET("<xsl:template match=\"/\">\n<oops></xsl:template>"));
	cr_assert_null(xslt_load(path, err, sizeof(err)));
	cr_assert(strstr(err, path) == err, "names the file first: %s", err);
	cr_assert_not_null(strstr(err, "not a well-formed XML file: "), "%s", err);
	cr_assert_not_null(strstr(err, "broken.xsl:2: "), "with the line: %s", err);
	cr_assert_null(strchr(err, '\n'), "one line: %s", err);
	cr_assert_null(xslt_load(in_dir("missing.xsl"), err, sizeof(err)));
	cr_assert_not_null(strstr(err, "missing.xsl"), "%s", err);
	cr_assert_eq(xmlGenericError, generic);
	cr_assert_eq(xmlStructuredError, structured);
}

Test(compliance_xslt, not_a_stylesheet)
{
	const char *path = in_dir("bad.xsl");
	char err[512];

	write_file(path,
			SHEET("<xsl:template match=\"/\"><xsl:value-of select=\"1 +\"/>"
			      "</xsl:template>"));
	cr_assert_null(xslt_load(path, err, sizeof(err)));
	cr_assert_not_null(strstr(err, "not a valid XSLT 1.0 stylesheet: "), "%s", err);
	cr_assert_not_null(strstr(err, "could not compile select expression '1 +'"), "%s", err);
}

Test(compliance_xslt, no_network_read)
{
	struct xslt *x = load(in_dir("net.xsl"),
			SHEET("<xsl:template match=\"/\"><xsl:copy-of "
			      "select=\"document('http://127.0.0.1:9/x.xml')\"/></xsl:template>"));
	char err[512], *out = apply(x, xml_file(), err, sizeof(err));

	cr_assert_null(out, "read the network: %s", out);
	cr_assert_not_null(strstr(err, "the transformation failed: "), "%s", err);
	cr_assert_not_null(strstr(err, "read for http://127.0.0.1:9/x.xml refused"), "%s", err);
	xslt_free(x);
}

Test(compliance_xslt, no_network_include)
{
	const char *path = in_dir("inc.xsl");
	char err[512];

	write_file(path, SHEET("<xsl:include href=\"http://127.0.0.1:9/x.xsl\"/>"));
	cr_assert_null(xslt_load(path, err, sizeof(err)));
	cr_assert_not_null(strstr(err, "read for http://127.0.0.1:9/x.xsl refused"), "%s", err);
}

/* xsl:document (libxslt's own) is refused; exsl:document does not exist (EXSLT is
 * not registered). */
Test(compliance_xslt, no_file_writing)
{
	static const char *const writers[] = {"xsl:document", "exsl:document"};
	static const char *const why[] = {"write rights for", "failed to find extension document"};
	size_t i;

	for(i = 0; i < 2; i++) {
		char text[512], err[512], *out;
		struct xslt *x;

		snprintf(text, sizeof(text),
				SHEET("<xsl:template match=\"/\"><%s href=\"%s\">pwned</%s>"
				      "</xsl:template>"),
				writers[i], in_dir("pwned.txt"), writers[i]);
		write_file(in_dir("w.xsl"), text);
		x = load(in_dir("w.xsl"), NULL);
		out = apply(x, xml_file(), err, sizeof(err));
		cr_assert_null(out, "%s ran", writers[i]);
		cr_assert_not_null(strstr(err, why[i]), "%s", err);
		xslt_free(x);
		cr_assert_neq(access(in_dir("pwned.txt"), F_OK), 0, "%s wrote a file", writers[i]);
	}
}

/* Entities are not expanded: an external one cannot pull a file into the output. */
Test(compliance_xslt, no_entities)
{
	char text[512], err[512], *out;
	struct xslt *x;

	write_file(in_dir("secret"), "SECRET");
	snprintf(text, sizeof(text),
			"<!DOCTYPE xsl:stylesheet [<!ENTITY s SYSTEM \"%s\">]>" SHEET(
					"<xsl:output method=\"text\"/><xsl:template "
					"match=\"/\">[&s;]</xsl:template>"),
			in_dir("secret"));
	x = load(in_dir("e.xsl"), text);
	out = apply(x, xml_file(), err, sizeof(err));
	cr_assert_not_null(out, "%s", err);
	cr_assert_str_eq(out, "[]");
	free(out);
	xslt_free(x);
}
