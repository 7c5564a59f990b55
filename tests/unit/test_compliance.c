/*
 * test_compliance.c - pchat-compliance's output formats (compliance/): the event type
 * names, the time attributes, the adapters rendering a fixed batch (two rooms, every
 * event type, text with XML's special characters and non-ASCII) into memory, checked
 * against their schemas (docs/compliance*.xsd, with libxml2's schema API) and with XPath, and
 * the XSLT of CustomConfiguration.  Paths are relative to tests/unit, where run-unit
 * runs.  With COMPLIANCE_DUMP=1 in the environment, render() prints what it renders.
 */
#include <criterion/criterion.h>
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

#define ALICE                                                                           \
	{                                                                               \
		.uri = "sip:alice@example.com", .details = 1, .id = 3, .name = "alice", \
		.email = "alice@example.com", .internal = 1                             \
	}
#define BOB                                                                         \
	{                                                                           \
		.uri = "sip:bob@example.com", .details = 1, .id = 4, .name = "bob", \
		.email = "bob@example.com", .internal = 1                           \
	}
#define CAROL                                                                           \
	{                                                                               \
		.uri = "sip:carol@partner.org", .details = 1, .id = 0, .name = "carol", \
		.email = "carol@partner.org", .internal = 0                             \
	}
/* an event without content, and one with a string literal as content */
#define EV(i, t, ms, r, u, m)                                                        \
	{                                                                            \
		.id = i, .type = t, .time_ms = ms, .room = r, .user = u, .msg_id = m \
	}
#define EVC(i, t, ms, r, u, m, c)                                                     \
	{                                                                             \
		.id = i, .type = t, .time_ms = ms, .room = r, .user = u, .msg_id = m, \
		.content = c, .content_len = sizeof(c) - 1                            \
	}

static const struct ce_event lobby_events[] = {
		EV(1, CE_JOIN, T0, &lobby, ALICE, 0),
		EVC(2, CE_CHAT, T0 + 1000, &lobby, ALICE, 101, TEXT),
		EVC(3, CE_BACKCHAT, T0 + 2000, &lobby, BOB, 101, "90-101"),
		EVC(4, CE_FILEUPLOAD, T0 + 3000, &lobby, ALICE, 0, FILE_NAME),
		EVC(5, CE_FILEDOWNLOAD, T0 + 4000, &lobby, BOB, 0, FILE_NAME),
		/* stamped earlier than the previous one: StartTime/EndTime are min/max */
		EVC(6, CE_REPLACE, T0 + 3500, &lobby, ALICE, 101, "edited"),
		EV(7, CE_PURGE, T0 + 5000, &lobby, ALICE, 101),
		EV(8, CE_PART, T0 + 6000, &lobby, ALICE, 0),
};

static const struct ce_event board_events[] = {
		EVC(9, CE_CHAT, T0 + 7000, &board, CAROL, 201, "line 1\nline 2, \"quoted\""),
		EV(10, CE_PART, T0 + 8000, &board, BOB, 0),
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

/* Streams convs through a to memory, as the run does; the output, NUL-ended. */
static char *render(const struct adapter *a, const struct adapter_opts *opts,
		const struct conv *convs, size_t n)
{
	xmlBufferPtr buf = xmlBufferCreate();
	xmlTextWriterPtr w = xmlNewTextWriterMemory(buf, 0);
	struct render r = {.w = w, .opts = opts};
	size_t i, j;
	char *out;

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
	struct ce_event ev = EV(1, CE_CHAT, T0, &board, CAROL, 7);
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
