/*
 * test_xccos.c - the XCCOS codec: parsing the shapes of docs xccos-protocol.md
 * section 7, refusing hostile or broken input, and building escaped replies.
 */
#include <criterion/criterion.h>
#ifndef TestSuite /* cppcheck, which does not read criterion.h */
#define TestSuite(...)
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "../../common/pchat_text.h"
#include "pchat_log.h"
#include "xccos.h"

#define ENV(items) \
	"<xccos ver=\"1\" envid=\"1714636915\" xmlns=\"urn:parlano:xml:ns:xccos\">" items "</xccos>"
#define LOBBY "ma-chan://example.com/6f1d2c3b-8a9e-4f10-b7c2-53a1e0d4c9aa"

static struct xccos_req req;
static char why[256];

static void setup(void)
{
	xccos_init();
	memset(&req, 0, sizeof(req));
	why[0] = '\0';
}

static void teardown(void)
{
	xccos_req_free(&req);
	xccos_cleanup();
}

static int parse(const char *s)
{
	return xccos_parse(s, strlen(s), 65536, &req, why, sizeof(why));
}

TestSuite(parse, .init = setup, .fini = teardown);

Test(parse, requri)
{
	cr_assert_eq(parse(ENV("<cmd id=\"cmd:requri\" seqid=\"1\"><data/></cmd>")), 0, "%s", why);
	cr_assert_eq(req.kind, XCCOS_CMD);
	cr_assert_str_eq(req.id, "cmd:requri");
	cr_assert_str_eq(req.seqid, "1");
	cr_assert_str_eq(req.envid, "1714636915");
	cr_assert_eq(req.nchanids, 0);
	cr_assert_eq(req.bcq_last, -1);
}

Test(parse, join)
{
	cr_assert_eq(parse(ENV("<cmd id=\"cmd:join\" seqid=\"1\"><data><chanid key=\"0\" "
			       "domain=\"example.com\" value=\"6f1d2c3b-8a9e-4f10-b7c2-53a1e0d4c9aa\"/>"
			       "</data></cmd>")),
			0, "%s", why);
	cr_assert_str_eq(req.id, "cmd:join");
	cr_assert_eq(req.nchanids, 1);
	cr_assert_str_eq(req.chanids[0].domain, "example.com");
	cr_assert_str_eq(req.chanids[0].value, "6f1d2c3b-8a9e-4f10-b7c2-53a1e0d4c9aa");
}

Test(parse, bjoin_keeps_every_chanid_in_order)
{
	cr_assert_eq(parse(ENV("<cmd id=\"cmd:bjoin\" seqid=\"1\"><data>"
			       "<chanid key=\"0\" domain=\"example.com\" value=\"a\"/>"
			       "<chanid key=\"1\" domain=\"example.com\" value=\"b\"/>"
			       "</data></cmd>")),
			0);
	cr_assert_eq(req.nchanids, 2);
	cr_assert_str_eq(req.chanids[1].value, "b");
}

Test(parse, part)
{
	cr_assert_eq(parse(ENV("<cmd id=\"cmd:part\" seqid=\"1\"><data><chanib uri=\"" LOBBY
			       "\"/></data></cmd>")),
			0);
	cr_assert_str_eq(req.chanib_uri, LOBBY);
}

Test(parse, bccontext)
{
	cr_assert_eq(parse(ENV("<cmd id=\"cmd:bccontext\" seqid=\"1\"><data><chanib uri=\"" LOBBY
			       "\"/><bcq><last cnt=\"25\"/></bcq></data></cmd>")),
			0);
	cr_assert_str_eq(req.chanib_uri, LOBBY);
	cr_assert_eq(req.bcq_last, 25);
}

Test(parse, bccontext_bad_counts_are_absent)
{
	const char *bad[] = {"0", "-3", "abc", "", "25x", "99999999999999999999"};
	size_t i;
	for(i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char buf[512];
		snprintf(buf, sizeof(buf),
				ENV("<cmd id=\"cmd:bccontext\" seqid=\"1\"><data><chanib uri=\"x\"/>"
				    "<bcq><last cnt=\"%s\"/></bcq></data></cmd>"),
				bad[i]);
		cr_assert_eq(parse(buf), 0);
		cr_assert_eq(req.bcq_last, -1, "cnt=\"%s\"", bad[i]);
		xccos_req_free(&req);
	}
}

Test(parse, chansrch)
{
	cr_assert_eq(parse(ENV("<cmd id=\"cmd:chansrch\" seqid=\"1\"><data><qib qtype=\"BYNAME\" "
			       "criteria=\"build &amp; ops\" extended=\"false\"/></data></cmd>")),
			0);
	cr_assert_str_eq(req.qtype, "BYNAME");
	cr_assert_str_eq(req.criteria, "build & ops");
}

Test(parse, feed)
{
	cr_assert_eq(parse(ENV("<cmd id=\"cmd:feed\" seqid=\"1\"><data><feed xmlns=\"urn:pchat:xml:"
			       "ns:feeds\" op=\"add\" words=\"kiwi &amp; mango\" author=\"sip:a@b\"/>"
			       "<chanib uri=\"" LOBBY "\"/></data></cmd>")),
			0);
	cr_assert(req.has_feed);
	cr_assert_str_eq(req.feed_op, "add");
	cr_assert_str_eq(req.feed_words, "kiwi & mango");
	cr_assert_str_eq(req.feed_author, "sip:a@b");
	cr_assert_str_eq(req.chanib_uri, LOBBY);
	cr_assert_eq(req.feed_id, -1);
	xccos_req_free(&req);
	cr_assert_eq(parse(ENV("<cmd id=\"cmd:feed\" seqid=\"1\"><data><feed op=\"rm\" id=\"7\" "
			       "cnt=\"x\"/></data></cmd>")),
			0);
	cr_assert_eq(req.feed_id, 7);
	cr_assert_eq(req.feed_cnt, -1);
}

Test(parse, getinv_and_getserverinfo_parse_as_plain_commands)
{
	cr_assert_eq(parse(ENV("<cmd id=\"cmd:getinv\" seqid=\"1\"><data><inv inviteId=\"1\" "
			       "domain=\"example.com\"/></data></cmd>")),
			0);
	cr_assert_str_eq(req.id, "cmd:getinv");
	xccos_req_free(&req);
	cr_assert_eq(parse(ENV("<cmd id=\"cmd:getserverinfo\" seqid=\"1\"><data><sib "
			       "domain=\"example.com\" infoType=\"123\"/></data></cmd>")),
			0);
	cr_assert_str_eq(req.id, "cmd:getserverinfo");
	cr_assert_str_eq(req.info_type, "123");
	cr_assert_str_eq(req.sib_domain, "example.com");
}

Test(parse, bccontext_before_paging)
{
	cr_assert_eq(parse(ENV("<cmd id=\"cmd:bccontext\" seqid=\"1\"><data><chanib uri=\"" LOBBY
			       "\"/><bcq><before msgid=\"1234\" cnt=\"40\"/></bcq></data></cmd>")),
			0);
	cr_assert_eq(req.bcq_before, 1234);
	cr_assert_eq(req.bcq_last, 40);
	xccos_req_free(&req);
	cr_assert_eq(parse(ENV("<cmd id=\"cmd:bccontext\" seqid=\"1\"><data><chanib uri=\"x\"/>"
			       "<bcq><last cnt=\"5\"/><before msgid=\"x\" cnt=\"9\"/></bcq></data></cmd>")),
			0);
	cr_assert_eq(req.bcq_before, -1);
	cr_assert_eq(req.bcq_last, 5, "last@cnt wins over before@cnt");
}

Test(parse, pref)
{
	cr_assert_eq(parse(ENV("<cmd id=\"cmd:getpref\" seqid=\"1\"><data><pref label=\"kedzie.GroupChannels\" "
			       "seqid=\"12\" createdefault=\"true\"/></data></cmd>")),
			0);
	cr_assert(req.has_pref);
	cr_assert_str_eq(req.pref_label, "kedzie.GroupChannels");
	cr_assert(req.pref_createdefault);
	cr_assert_null(req.pref_content);
	xccos_req_free(&req);
	cr_assert_eq(parse(ENV("<cmd id=\"cmd:setpref\" seqid=\"1\"><data><pref label=\"l\" seqid=\"12\" "
			       "createdefault=\"false\" content=\"PGNoYW5uZWxzLz4=\"/></data></cmd>")),
			0);
	cr_assert_not(req.pref_createdefault);
	cr_assert_str_eq(req.pref_content, "PGNoYW5uZWxzLz4=");
}

Test(parse, getassociations_manager_mention)
{
	cr_assert_eq(parse(ENV("<cmd id=\"cmd:getassociations\" seqid=\"1\"><data><x><y role=\"Managers\"/></x>"
			       "</data></cmd>")),
			0);
	cr_assert(req.mentions_manager);
	xccos_req_free(&req);
	cr_assert_eq(parse(ENV("<cmd id=\"cmd:getassociations\" seqid=\"1\"><data><assoc type=\"member\"/>"
			       "</data></cmd>")),
			0);
	cr_assert_not(req.mentions_manager);
}

Test(parse, grpchat_text_is_decoded)
{
	cr_assert_eq(parse(ENV("<grpchat id=\"grpchat\" seqid=\"1\" chanUri=\"" LOBBY "\" "
			       "author=\"sip:alice@example.com\" ts=\"2024-05-02T09:00:00Z\">"
			       "<chat>Deploying 4.2.1 &amp; watching &lt;logs&gt;\nsecond line&#13;"
			       "<![CDATA[ <raw> ]]></chat></grpchat>")),
			0, "%s", why);
	cr_assert_eq(req.kind, XCCOS_GRPCHAT);
	cr_assert_str_eq(req.chan_uri, LOBBY);
	cr_assert_str_eq(req.author, "sip:alice@example.com");
	cr_assert_str_eq(req.ts, "2024-05-02T09:00:00Z");
	cr_assert(req.has_chat);
	cr_assert_str_eq(req.text, "Deploying 4.2.1 & watching <logs>\nsecond line\r <raw> ");
	cr_assert_eq(req.text_len, strlen(req.text));
}

Test(parse, grpchat_without_chat)
{
	cr_assert_eq(parse(ENV("<grpchat id=\"grpchat\" chanUri=\"x\"/>")), 0);
	cr_assert_not(req.has_chat);
	cr_assert_str_eq(req.text, "");
	cr_assert_str_eq(req.seqid, "1");
}

Test(parse, envid_is_kept_verbatim)
{
	/* Longer than any 64-bit number: a string is the only safe representation. */
	cr_assert_eq(parse("<xccos ver=\"1\" envid=\"81234567890123456789012\"><cmd id=\"cmd:x\" "
			   "seqid=\"007\"/></xccos>"),
			0);
	cr_assert_str_eq(req.envid, "81234567890123456789012");
	cr_assert_str_eq(req.seqid, "007");
}

Test(parse, namespace_is_optional)
{
	cr_assert_eq(parse("<xccos ver=\"1\" envid=\"5\"><cmd id=\"cmd:requri\" seqid=\"1\"/></xccos>"),
			0);
	xccos_req_free(&req);
	cr_assert_eq(parse("<x:xccos xmlns:x=\"urn:parlano:xml:ns:xccos\" envid=\"5\"><x:cmd "
			   "id=\"cmd:requri\" seqid=\"1\"/></x:xccos>"),
			0, "%s", why);
	cr_assert_str_eq(req.id, "cmd:requri");
}

Test(parse, foreign_namespace_refused)
{
	cr_assert_eq(parse("<xccos xmlns=\"urn:other\" envid=\"5\"><cmd id=\"cmd:requri\"/></xccos>"),
			-1);
}

Test(parse, missing_envid_and_seqid_default)
{
	cr_assert_eq(parse("<xccos><cmd id=\"cmd:requri\"/></xccos>"), 0);
	cr_assert_str_eq(req.envid, "0");
	cr_assert_str_eq(req.seqid, "0");
}

Test(parse, only_the_first_item_counts)
{
	cr_assert_eq(parse(ENV("  <cmd id=\"cmd:part\" seqid=\"1\"/><cmd id=\"cmd:join\"/>")), 0);
	cr_assert_str_eq(req.id, "cmd:part");
}

Test(parse, malformed)
{
	cr_assert_eq(parse("<xccos envid=\"77\"><cmd id=\"cmd:part\""), -1);
	cr_assert(strstr(why, "malformed XML") != NULL, "%s", why);
	/* the envid is still read from the start tag for the error reply */
	cr_assert_str_eq(req.envid, "77");
}

Test(parse, malformed_envid_scan_is_strict)
{
	cr_assert_eq(parse("<xccos envid=\"77&quot;\"><"), -1);
	cr_assert_str_eq(req.envid, "0");
}

Test(parse, refusals)
{
	const char *bad[] = {
			"",
			"<foo envid=\"1\"/>",
			"<xccos envid=\"1\"/>",
			"<xccos envid=\"1\">text only</xccos>",
			"<xccos envid=\"1\"><rpl id=\"rpl:join\"/></xccos>",
			"<xccos envid=\"1\"><cmd seqid=\"1\"/></xccos>",
			"<xccos envid=\"1\"><cmd id=\"join\"/></xccos>",
			"<xccos envid=\"1\"><cmd id=\"cmd:\"/></xccos>",
			"<xccos envid=\"1\"><cmd id=\"cmd:x\">&undefined;</cmd></xccos>",
			"\xff\xfe<\0x\0",
	};
	size_t i;
	for(i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(parse(bad[i]), -1, "accepted #%zu", i);
		cr_assert(why[0] != '\0');
		xccos_req_free(&req);
	}
}

Test(parse, doctype_billion_laughs_refused)
{
	const char *lol =
			"<?xml version=\"1.0\"?>\n<!DOCTYPE xccos [\n"
			" <!ENTITY lol \"lol\">\n"
			" <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
			" <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
			" <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
			"]>\n<xccos envid=\"3\"><cmd id=\"cmd:x\">&lol3;</cmd></xccos>";
	cr_assert_eq(parse(lol), -1);
	cr_assert(strstr(why, "DOCTYPE") != NULL, "%s", why);
	cr_assert_str_eq(req.envid, "3");
}

Test(parse, external_entity_refused)
{
	cr_assert_eq(parse("<!DOCTYPE xccos SYSTEM \"file:///etc/passwd\"><xccos/>"), -1);
	xccos_req_free(&req);
	cr_assert_eq(parse("<!DOCTYPE x [<!ENTITY e SYSTEM \"http://example.com/x\">]>"
			   "<xccos><cmd id=\"cmd:x\">&e;</cmd></xccos>"),
			-1);
}

Test(parse, oversize_refused_before_parsing)
{
	const char *ok = ENV("<cmd id=\"cmd:requri\" seqid=\"1\"/>");
	size_t n = strlen(ok);
	cr_assert_eq(xccos_parse(ok, n, n, &req, why, sizeof(why)), 0);
	xccos_req_free(&req);
	cr_assert_eq(xccos_parse(ok, n, n - 1, &req, why, sizeof(why)), -1);
	cr_assert(strstr(why, "too large") != NULL, "%s", why);
	cr_assert_str_eq(req.envid, "1714636915");
}

Test(parse, characters_xml_cannot_carry_are_refused)
{
	/* Whether written as references or as raw bytes, in text or in an attribute:
	 * libxml2 refuses them as not well-formed, so they reach no handler and are
	 * never stored (the client gets rpl:error 400, test_commands.c). */
	const char *bad[] = {
			ENV("<grpchat chanUri=\"" LOBBY "\"><chat>A&#xFFFF;B</chat></grpchat>"),
			ENV("<grpchat chanUri=\"" LOBBY "\"><chat>A&#xFFFE;B</chat></grpchat>"),
			ENV("<grpchat chanUri=\"" LOBBY "\"><chat>A&#65535;B</chat></grpchat>"),
			ENV("<grpchat chanUri=\"" LOBBY "\"><chat>A&#xD800;B</chat></grpchat>"),
			ENV("<grpchat chanUri=\"" LOBBY "\"><chat>A&#x1;B</chat></grpchat>"),
			ENV("<grpchat chanUri=\"" LOBBY "\"><chat>A&#x110000;B</chat></grpchat>"),
			ENV("<grpchat chanUri=\"" LOBBY "\"><chat>A\xef\xbf\xbf"
			    "B</chat></grpchat>"),
			ENV("<grpchat chanUri=\"" LOBBY "\"><chat>A\xed\xa0\x80"
			    "B</chat></grpchat>"),
			ENV("<grpchat chanUri=\"" LOBBY "\"><chat>A\xc0\xaf"
			    "B</chat></grpchat>"),
			ENV("<grpchat chanUri=\"" LOBBY "\"><chat>A\xff"
			    "B</chat></grpchat>"),
			ENV("<grpchat chanUri=\"" LOBBY "\"><chat>A\x01"
			    "B</chat></grpchat>"),
			ENV("<grpchat chanUri=\"" LOBBY
			    "\"><chat><![CDATA[A\xef\xbf\xbf]]></chat></grpchat>"),
			ENV("<grpchat chanUri=\"ma-chan://d/\xef\xbf\xbf\"><chat>x</chat></grpchat>"),
			ENV("<cmd id=\"cmd:setpref\" seqid=\"1\"><data><pref label=\"l\" "
			    "content=\"&#xFFFF;\"/></data></cmd>"),
	};
	for(size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(parse(bad[i]), -1, "accepted #%zu", i);
		cr_assert(strstr(why, "malformed XML") != NULL, "#%zu: %s", i, why);
		xccos_req_free(&req);
	}
	/* the boundaries that are allowed */
	cr_assert_eq(parse(ENV("<grpchat chanUri=\"" LOBBY "\"><chat>&#xFFFD;&#xD7FF;&#xE000;"
			       "&#x10000;&#x10FFFF;\xef\xbf\xbd</chat></grpchat>")),
			0, "%s", why);
	cr_assert_str_eq(req.text,
			"\xef\xbf\xbd\xed\x9f\xbf\xee\x80\x80\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\xef\xbf\xbd");
}

/* ---- building ---- */

static struct sbuf sb;

static void bsetup(void)
{
	sbuf_init(&sb);
}

static void bteardown(void)
{
	sbuf_free(&sb);
}

TestSuite(build, .init = bsetup, .fini = bteardown);

Test(build, resp_tokens_table)
{
	cr_assert_str_eq(xccos_resp_token(200), "SUCCESS_OK");
	cr_assert_str_eq(xccos_resp_token(400), "ERR_BAD_REQUEST");
	cr_assert_str_eq(xccos_resp_token(403), "ERR_ACCESS_DENIED");
	cr_assert_str_eq(xccos_resp_token(404), "ERR_NOT_FOUND");
	cr_assert_str_eq(xccos_resp_token(413), "ERR_TOO_LARGE");
	cr_assert_str_eq(xccos_resp_token(500), "ERR_INTERNAL");
	cr_assert_str_eq(xccos_resp_token(501), "ERR_NOT_IMPLEMENTED");
	cr_assert_str_eq(xccos_resp_token(503), "ERR_UNAVAILABLE");
	cr_assert_str_eq(xccos_resp_token(999), "ERR_INTERNAL");
}

Test(build, escape_text_and_attributes)
{
	const char s[] = "a&b<c>d\"e'f\r\ng\th\x01i";
	xccos_escape(&sb, s, sizeof(s) - 1, 0);
	cr_assert_str_eq(sbuf_str(&sb), "a&amp;b&lt;c&gt;d&quot;e'f&#13;\ng\th\xef\xbf\xbdi");
	sbuf_reset(&sb);
	xccos_escape(&sb, s, sizeof(s) - 1, 1);
	cr_assert_str_eq(sbuf_str(&sb), "a&amp;b&lt;c&gt;d&quot;e'f&#13;&#10;g&#9;h\xef\xbf\xbdi");
	sbuf_reset(&sb);
	xccos_attr(&sb, "name", "R&D \"lab\"");
	cr_assert_str_eq(sbuf_str(&sb), " name=\"R&amp;D &quot;lab&quot;\"");
}

/* Is <r a="escaped s">escaped s</r> a well-formed document? */
static int escaped_parses(const char *s)
{
	struct sbuf doc = SBUF_INIT;
	xmlDoc *d;
	int ok;
	sbuf_adds(&doc, "<r a=\"");
	xccos_escape(&doc, s, strlen(s), 1);
	sbuf_adds(&doc, "\">");
	xccos_escape(&doc, s, strlen(s), 0);
	sbuf_adds(&doc, "</r>");
	d = xmlReadMemory(doc.buf, (int)doc.len, NULL, "UTF-8", XML_PARSE_NONET);
	ok = d != NULL;
	xmlFreeDoc(d);
	sbuf_free(&doc);
	return ok;
}

Test(build, escape_replaces_invalid_utf8)
{
	/* Stray, truncated and overlong sequences, a surrogate, U+FFFE, beyond U+10FFFF:
	 * each comes out as U+FFFD (how many of them is the writer's choice), the rest
	 * intact, and the document stays well-formed. */
	static const char *const bad[] = {"a\xf8z", "x\xe2\x98", "\xc0\xaf", "\xed\xa0\x80",
			"\xef\xbf\xbe", "\xf4\x90\x80\x80", "\x80<"};
	const char good[] = "\xc3\xa9\xe2\x98\xba\xf0\x9f\x98\x80";
	size_t i;
	xccos_escape(&sb, good, sizeof(good) - 1, 0);
	cr_assert_str_eq(sbuf_str(&sb), good, "valid UTF-8 is kept");
	for(i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sbuf_reset(&sb);
		xccos_escape(&sb, bad[i], strlen(bad[i]), 0);
		cr_assert(strstr(sbuf_str(&sb), "\xef\xbf\xbd") != NULL, "case %zu: no U+FFFD", i);
		cr_assert(escaped_parses(bad[i]), "case %zu: not well-formed", i);
	}
	sbuf_reset(&sb);
	xccos_escape(&sb, "a\xf8z", 3, 0);
	cr_assert_str_eq(sbuf_str(&sb), "a\xef\xbf\xbdz");
}

Test(build, error_reason_quoting_invalid_utf8_is_well_formed)
{
	/* Found by tests/fuzz/fuzz_xccos.c (corpus/xccos/crash-error-reason-invalid-utf8):
	 * libxml2's message quotes the raw byte 0xF8, which went into rpl:error as is, so
	 * the client got an envelope it could not parse. */
	const char body[] = "<\370cbos"; /* 0xF8, then "cbos" */
	struct sbuf env = SBUF_INIT;
	struct xccos_req r;
	char w[256];
	xmlDoc *doc;
	xccos_init();
	cr_assert_eq(xccos_parse(body, sizeof(body) - 1, 65536, &r, w, sizeof(w)), -1);
	xccos_build_error(&sb, r.envid, w);
	xccos_envelope(&env, 1, sb.buf, sb.len);
	doc = xmlReadMemory(env.buf, (int)env.len, NULL, "UTF-8", XML_PARSE_NONET);
	cr_assert(doc != NULL, "rpl:error is not well-formed: %s", env.buf);
	xmlFreeDoc(doc);
	xccos_req_free(&r);
	sbuf_free(&env);
}

Test(build, envelope)
{
	char head[XCCOS_HEAD_MAX];
	size_t n = xccos_envelope_head(head, 18446744073709551615ULL);
	cr_assert_str_eq(head,
			"<xccos ver=\"1\" envid=\"18446744073709551615\" "
			"xmlns=\"urn:parlano:xml:ns:xccos\">");
	cr_assert_eq(n, strlen(head));
	xccos_envelope(&sb, 42, "<ntc id=\"ntc:x\"/>", 17);
	cr_assert_str_eq(sbuf_str(&sb),
			"<xccos ver=\"1\" envid=\"42\" xmlns=\"urn:parlano:xml:ns:"
			"xccos\"><ntc id=\"ntc:x\"/></xccos>");
}

Test(build, requri)
{
	xccos_build_requri(&sb, "1", "1714636915", "sip:pchat-svc-1@example.com");
	cr_assert_str_eq(sbuf_str(&sb),
			"<rpl id=\"rpl:requri\" seqid=\"1\"><commandid seqid=\"1\" envid=\"1714636915\"/>"
			"<resp code=\"200\">SUCCESS_OK</resp><data><uib uri=\"sip:pchat-svc-1@example.com\"/>"
			"</data></rpl>");
}

Test(build, echoes_are_escaped)
{
	xccos_build_rpl_empty(&sb, "x\"y", "1\"<", "2&", 501);
	cr_assert_str_eq(sbuf_str(&sb),
			"<rpl id=\"rpl:x&quot;y\" seqid=\"1&quot;&lt;\"><commandid seqid=\"1&quot;&lt;\" "
			"envid=\"2&amp;\"/><resp code=\"501\">ERR_NOT_IMPLEMENTED</resp><data/></rpl>");
}

Test(build, error)
{
	xccos_build_error(&sb, "0", "malformed <XML> & \"stuff\"");
	cr_assert_str_eq(sbuf_str(&sb),
			"<rpl id=\"rpl:error\" seqid=\"0\"><commandid seqid=\"0\" envid=\"0\"/>"
			"<resp code=\"400\">ERR_BAD_REQUEST</resp><data><error reason=\"malformed "
			"&lt;XML&gt; &amp; &quot;stuff&quot;\"/></data></rpl>");
}

Test(build, join)
{
	const char *users[] = {"sip:alice@example.com", "sip:bob@example.com"};
	struct xccos_room_info r = {LOBBY, "R&D", "a \"topic\"", "", 2, 0, 0, 0, 0, 0, 0};
	const size_t ids[] = {0, 1};
	const unsigned char op[] = {0, 0};
	struct xccos_join_room jr = {&r, ids, op, 2};
	xccos_build_join(&sb, "join", "1", "9", users, 2, &jr, 1, NULL, 0);
	cr_assert_str_eq(sbuf_str(&sb),
			"<rpl id=\"rpl:join\" seqid=\"1\"><commandid seqid=\"1\" envid=\"9\"/>"
			"<resp code=\"200\">SUCCESS_OK</resp><data>"
			"<uib id=\"0\" uri=\"sip:alice@example.com\"/><uib id=\"1\" uri=\"sip:bob@example.com\"/>"
			"<chanib uri=\"" LOBBY "\" name=\"R&amp;D\" topic=\"a &quot;topic&quot;\">"
			"<aib key=\"3984\" value=\"0,1\"/></chanib></data></rpl>");
}

Test(build, bjoin_shares_one_user_list_and_reports_failures)
{
	const char *users[] = {
			"sip:alice@example.com", "sip:bob@example.com", "sip:carol@example.com"};
	struct xccos_room_info r1 = {"ma-chan://d/1", "One", "t1", "", 2, 0, 0, 0, 0, 0, 0};
	struct xccos_room_info r2 = {"ma-chan://d/2", "Two", "", "", 2, 0, 0, 0, 0, 0, 0};
	const size_t ids1[] = {0, 1}, ids2[] = {0, 2};
	const unsigned char op1[] = {0, 0}, op2[] = {0, 1};
	struct xccos_join_room jr[] = {{&r1, ids1, op1, 2}, {&r2, ids2, op2, 2}};
	struct xccos_join_fail f = {"ERR_NOT_FOUND", "d", "zz"};
	xccos_build_join(&sb, "bjoin", "1", "9", users, 3, jr, 2, &f, 1);
	cr_assert_str_eq(sbuf_str(&sb),
			"<rpl id=\"rpl:bjoin\" seqid=\"1\"><commandid seqid=\"1\" envid=\"9\"/>"
			"<resp code=\"200\">SUCCESS_OK</resp><data>"
			"<uib id=\"0\" uri=\"sip:alice@example.com\"/><uib id=\"1\" uri=\"sip:bob@example.com\"/>"
			"<uib id=\"2\" uri=\"sip:carol@example.com\"/>"
			"<chanib uri=\"ma-chan://d/1\" name=\"One\" topic=\"t1\"><aib key=\"3984\" value=\"0,1\"/></chanib>"
			"<chanib uri=\"ma-chan://d/2\" name=\"Two\" topic=\"\"><aib key=\"3984\" value=\"0\"/>"
			"<aib key=\"12276\" value=\"2\"/></chanib>"
			"<fib key=\"ERR_NOT_FOUND\" domain=\"d\" value=\"zz\"/></data></rpl>");
}

Test(build, serverinfo_and_pref)
{
	struct xccos_server_info si = {"123", "2026-01-01T00:00:00.000Z", 999, 8192, 8192,
			"ma-cat://example.com/r", "g-u-i-d", 30, 500};
	xccos_build_serverinfo(&sb, "1", "9", &si);
	cr_assert_str_eq(sbuf_str(&sb),
			"<rpl id=\"rpl:getserverinfo\" seqid=\"1\"><commandid seqid=\"1\" envid=\"9\"/>"
			"<resp code=\"200\">SUCCESS_OK</resp><data><sib infoType=\"123\" "
			"serverTime=\"2026-01-01T00:00:00.000Z\" searchLimit=\"999\" messageSizeLimit=\"8192\" "
			"storySizeLimit=\"8192\" rootUri=\"ma-cat://example.com/r\" dbVersion=\"g-u-i-d\" "
			"DefaultChatHistory=\"30\" bccontextLimit=\"500\"/></data></rpl>");
	sbuf_reset(&sb);
	xccos_build_pref(&sb, "getpref", "2", "9", "a&b", 7, "QQ==");
	cr_assert_str_eq(sbuf_str(&sb),
			"<rpl id=\"rpl:getpref\" seqid=\"2\"><commandid seqid=\"2\" envid=\"9\"/>"
			"<resp code=\"200\">SUCCESS_OK</resp><data><pref label=\"a&amp;b\" seqid=\"7\" "
			"content=\"QQ==\"/></data></rpl>");
	sbuf_reset(&sb);
	xccos_build_pref(&sb, "setpref", "2", "9", "l", 8, NULL);
	cr_assert(strstr(sbuf_str(&sb), "<data><pref label=\"l\" seqid=\"8\"/></data>") != NULL);
}

Test(build, room_list_with_unread)
{
	struct xccos_room_info r = {"ma-chan://d/1", "A", "", "", 1, 0, 1, 4, 0, 0, 0};
	xccos_build_room_list(&sb, "getassociations", "1", "5", &r, 1);
	cr_assert(strstr(sbuf_str(&sb), "<rpl id=\"rpl:getassociations\"") != NULL);
	cr_assert(strstr(sbuf_str(&sb),
				  "<info id=\"urn:parlano:ma:info:ucnt\">1</info>"
				  "<info id=\"urn:parlano:ma:info:unread\">4</info>") != NULL);
}

Test(build, part_and_notices)
{
	xccos_build_part(&sb, "1", "9", 200, LOBBY);
	cr_assert_str_eq(sbuf_str(&sb),
			"<rpl id=\"rpl:part\" seqid=\"1\"><commandid seqid=\"1\" envid=\"9\"/>"
			"<resp code=\"200\">SUCCESS_OK</resp><data><chanib uri=\"" LOBBY
			"\"/></data></rpl>");
	sbuf_reset(&sb);
	xccos_build_ntc_join(&sb, "ntc:join", "sip:dave@example.com", "example.com", "abc", 0);
	cr_assert_str_eq(sbuf_str(&sb),
			"<ntc id=\"ntc:join\"><data><uib id=\"0\" uri=\"sip:dave@example.com\">"
			"<aib key=\"3984\" domain=\"example.com\" value=\"abc\"/></uib></data></ntc>");
	sbuf_reset(&sb);
	/* a manager or presenter: the operator key sipe marks */
	xccos_build_ntc_join(&sb, "ntc:bjoin", "sip:mia@example.com", "example.com", "abc", 1);
	cr_assert_str_eq(sbuf_str(&sb),
			"<ntc id=\"ntc:bjoin\"><data><uib id=\"0\" uri=\"sip:mia@example.com\">"
			"<aib key=\"12276\" domain=\"example.com\" value=\"abc\"/></uib></data></ntc>");
	sbuf_reset(&sb);
	xccos_build_ntc_part(&sb, LOBBY, "sip:dave@example.com");
	cr_assert_str_eq(sbuf_str(&sb),
			"<ntc id=\"ntc:part\"><data><chanib uri=\"" LOBBY
			"\"><uib uri=\"sip:dave@example.com\"/>"
			"</chanib></data></ntc>");
}

Test(build, grpchat_and_history)
{
	struct xccos_chat m = {
			LOBBY, "sip:a@b", "2026-11-24T17:31:05.123Z", 42, "1 < 2 & \"x\"", 11};
	xccos_build_grpchat(&sb, &m);
	cr_assert_str_eq(sbuf_str(&sb),
			"<grpchat id=\"grpchat\" seqid=\"1\" chanUri=\"" LOBBY
			"\" author=\"sip:a@b\" "
			"ts=\"2026-11-24T17:31:05.123Z\" msgid=\"42\"><chat>1 &lt; 2 &amp; &quot;x&quot;"
			"</chat></grpchat>");
	sbuf_reset(&sb);
	xccos_build_bccontext(&sb, "1", "5", LOBBY, &m, 1);
	cr_assert_str_eq(sbuf_str(&sb),
			"<rpl id=\"rpl:bccontext\" seqid=\"1\"><commandid seqid=\"1\" envid=\"5\"/>"
			"<resp code=\"200\">SUCCESS_OK</resp><data><chanib uri=\"" LOBBY "\">"
			"<msg id=\"grpchat\" chanUri=\"" LOBBY "\" author=\"sip:a@b\" "
			"ts=\"2026-11-24T17:31:05.123Z\" msgid=\"42\"><chat>1 &lt; 2 &amp; &quot;x&quot;"
			"</chat></msg></chanib></data></rpl>");
}

Test(build, feeds_and_alerts)
{
	struct xccos_feed f[] = {{3, "kiwi mango", LOBBY, ""}, {4, "a<b", "", "sip:a@b"}};
	struct xccos_chat m = {LOBBY, "sip:a@b", "2026-11-24T17:31:05.123Z", 42, "kiwi", 4};
	uint64_t ids[] = {3};
	xccos_build_feeds(&sb, "1", "5", f, 2);
	cr_assert_str_eq(sbuf_str(&sb),
			"<rpl id=\"rpl:feed\" seqid=\"1\"><commandid seqid=\"1\" envid=\"5\"/>"
			"<resp code=\"200\">SUCCESS_OK</resp><data><feeds xmlns=\"urn:pchat:xml:ns:"
			"feeds\"><feed id=\"3\" words=\"kiwi mango\" room=\"" LOBBY
			"\" author=\"\"/>"
			"<feed id=\"4\" words=\"a&lt;b\" room=\"\" author=\"sip:a@b\"/></feeds></data>"
			"</rpl>");
	sbuf_reset(&sb);
	xccos_build_alerts(&sb, "1", "5", &m, ids, 1);
	cr_assert(strstr(sbuf_str(&sb),
				  "<data><alerts xmlns=\"urn:pchat:xml:ns:feeds\"><alert feed=\"3\">"
				  "<msg id=\"grpchat\" chanUri=\"" LOBBY "\" author=\"sip:a@b\" "
				  "ts=\"2026-11-24T17:31:05.123Z\" msgid=\"42\"><chat>kiwi</chat></msg></alert>"
				  "</alerts></data>"),
			"%s", sbuf_str(&sb));
}

Test(build, chansrch)
{
	/* the first room logged and inviting, the second neither */
	struct xccos_room_info r[] = {{"ma-chan://d/1", "A<B", "", "x&y", 12, 0, 0, 0, 1, 1, 1},
			{"ma-chan://d/2", "Ops", "", "", 0, 1, 0, 0, 0, 0, 0}};
	xccos_build_chansrch(&sb, "1", "5", r, 2);
	cr_assert_str_eq(sbuf_str(&sb),
			"<rpl id=\"rpl:chansrch\" seqid=\"1\"><commandid seqid=\"1\" envid=\"5\"/>"
			"<resp code=\"200\">SUCCESS_OK</resp><data>"
			"<chanib uri=\"ma-chan://d/1\" name=\"A&lt;B\" description=\"x&amp;y\">"
			"<info id=\"urn:parlano:ma:info:ucnt\">12</info>"
			"<info id=\"urn:parlano:ma:info:visibilty\">public</info>"
			"<prop id=\"urn:parlano:ma:prop:logged\">true</prop>"
			"<prop id=\"urn:parlano:ma:prop:invite\">true</prop>"
			"<prop id=\"urn:parlano:ma:prop:filepost\">true</prop></chanib>"
			"<chanib uri=\"ma-chan://d/2\" name=\"Ops\" description=\"\">"
			"<info id=\"urn:parlano:ma:info:ucnt\">0</info>"
			"<info id=\"urn:parlano:ma:info:visibilty\">private</info>"
			"<prop id=\"urn:parlano:ma:prop:logged\">false</prop>"
			"<prop id=\"urn:parlano:ma:prop:invite\">false</prop>"
			"<prop id=\"urn:parlano:ma:prop:filepost\">false</prop></chanib></data></rpl>");
}

Test(build, built_text_parses_back_to_the_same_text)
{
	/* What we escape, a client's XML parser must decode to the original. */
	const char text[] = "a&b <c> \"d\" 'e'\r\nline2\ttab";
	struct xccos_chat m = {LOBBY, "sip:a@b", "t", 1, text, sizeof(text) - 1};
	struct sbuf env = SBUF_INIT;
	char w[128];
	struct xccos_req r;
	xccos_build_grpchat(&sb, &m);
	xccos_envelope(&env, 1, sb.buf, sb.len);
	xccos_init();
	cr_assert_eq(xccos_parse(env.buf, env.len, 65536, &r, w, sizeof(w)), 0, "%s", w);
	cr_assert_str_eq(r.text, text);
	xccos_req_free(&r);
	sbuf_free(&env);
}

/* ---- nothing XML 1.0 cannot carry leaves the writer ---- */

#define U_FFFF "\xef\xbf\xbf"
#define U_FFFD "\xef\xbf\xbd"

/* Does libxml2 read xml[0..len) as a well-formed document, and is all of it text we
 * could send (common/pchat_text.h)?  The document's root is returned in *doc when
 * doc is not NULL (xmlFreeDoc it). */
static int well_formed(const char *xml, size_t len, xmlDoc **doc)
{
	xmlDoc *d = xmlReadMemory(xml, (int)len, NULL, "UTF-8", XML_PARSE_NONET);
	int ok = d != NULL && pchat_text_ok(xml, len, NULL);
	if(doc && d)
		*doc = d;
	else
		xmlFreeDoc(d);
	return ok;
}

/* The reply items in sb wrapped in an envelope: well-formed? */
static int envelope_well_formed(void)
{
	struct sbuf env = SBUF_INIT;
	xccos_envelope(&env, 1, sb.buf, sb.len);
	int ok = well_formed(env.buf, env.len, NULL);
	if(!ok)
		cr_log_error("ill-formed: %s", env.buf);
	sbuf_free(&env);
	return ok;
}

Test(build, escape_replaces_what_xml_cannot_carry)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
			{"A" U_FFFF "B", "A" U_FFFD "B"},
			{"A\xef\xbf\xbe"
			 "B",
					"A" U_FFFD "B"},
			{"A\xff"
			 "B",
					"A" U_FFFD "B"},
			{"A\xe2\x82", "A" U_FFFD},
			{"\xe2\x82"
			 "A",
					U_FFFD "A"},
			{"\xed\xa0\x80", U_FFFD U_FFFD U_FFFD},
			{"\xc0\xaf<", U_FFFD U_FFFD "&lt;"},
			{"\x01\x1f\x7f", U_FFFD U_FFFD "\x7f"},
			{"caf\xc3\xa9 \xf0\x9f\x98\x80 " U_FFFD,
					"caf\xc3\xa9 \xf0\x9f\x98\x80 " U_FFFD},
	};
	for(size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sbuf_reset(&sb);
		xccos_escape(&sb, cases[i].in, strlen(cases[i].in), 0);
		cr_assert_str_eq(sbuf_str(&sb), cases[i].out, "case %zu", i);
	}
}

Test(build, replies_with_names_xml_cannot_carry_stay_well_formed)
{
	const char *names[] = {"A" U_FFFF "B",
			"A\xff\xfe"
			"B",
			"A\xed\xa0\x80"
			"B",
			"A\x01"
			"B"};
	xccos_init();
	for(size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *n = names[i];
		struct xccos_room_info r[] = {{"ma-chan://d/1", n, n, n, 1, 0, 1, 2, 0, 0, 0},
				{"ma-chan://d/2", "Fine", "", "", 0, 0, 0, 0, 0, 0, 0}};
		const size_t ids[] = {0};
		const unsigned char op[] = {1};
		struct xccos_join_room jr = {&r[0], ids, op, 1};
		const char *users[] = {n};
		struct xccos_join_fail f = {"ERR_NOT_FOUND", n, n};
		struct xccos_chat m = {r[0].uri, n, n, 7, n, strlen(n)};
		struct xccos_invitation inv = {1, r[0].uri, n, n, "t"};
		struct xccos_category cat = {"ma-cat://d/1", n, n};

		sbuf_reset(&sb);
		xccos_build_chansrch(&sb, "1", "5", r, 2);
		cr_assert(envelope_well_formed(), "chansrch, name %zu", i);
		cr_assert(strstr(sbuf_str(&sb), "name=\"Fine\"") != NULL,
				"the other room is listed");
		sbuf_reset(&sb);
		xccos_build_room_list(&sb, "getassociations", "1", "5", r, 2);
		cr_assert(envelope_well_formed(), "getassociations, name %zu", i);
		sbuf_reset(&sb);
		xccos_build_join(&sb, "join", "1", "9", users, 1, &jr, 1, &f, 1);
		cr_assert(envelope_well_formed(), "join, name %zu", i);
		sbuf_reset(&sb);
		xccos_build_grpchat(&sb, &m);
		cr_assert(envelope_well_formed(), "grpchat, text %zu", i);
		sbuf_reset(&sb);
		xccos_build_bccontext(&sb, "1", "5", r[0].uri, &m, 1);
		cr_assert(envelope_well_formed(), "bccontext, text %zu", i);
		sbuf_reset(&sb);
		xccos_build_getinv(&sb, "1", "5", &inv, 1);
		cr_assert(envelope_well_formed(), "getinv, name %zu", i);
		sbuf_reset(&sb);
		xccos_build_categories(&sb, "1", "5", &cat, 1);
		cr_assert(envelope_well_formed(), "nodespermcreatechild, name %zu", i);
		sbuf_reset(&sb);
		xccos_build_ntc_join(&sb, "ntc:join", n, n, n, 0);
		xccos_build_ntc_part(&sb, n, n);
		xccos_build_pref(&sb, "getpref", n, n, n, 1, n);
		xccos_build_rpl_reason(&sb, n, n, n, 403, n);
		cr_assert(envelope_well_formed(), "notices and refusals, name %zu", i);
	}
	sbuf_reset(&sb);
	xccos_build_chansrch(&sb, "1", "5",
			&(struct xccos_room_info){"u", "A" U_FFFF "B", "", "", 0, 0, 0, 0, 0, 0, 0},
			1);
	cr_assert(strstr(sbuf_str(&sb), "name=\"A" U_FFFD "B\"") != NULL, "%s", sbuf_str(&sb));
}

/* xorshift64: the same "random" strings on every run, so a failure reproduces. */
static uint64_t fuzz_next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* A byte string of up to max bytes, drawn from pieces that sit near the edges of
 * UTF-8 and of XML (markup characters, controls, lead bytes without their tails,
 * surrogates, non-characters, overlongs) and from plain random bytes. */
static size_t fuzz_string(uint64_t *x, char *buf, size_t max)
{
	static const char *const pieces[] = {"a", "&", "<", ">", "\"", "'", "\r", "\n", "\t",
			"\x01", "\x1f", "\x7f", "]]>", "&amp;", "\xc3\xa9", "\xc3", "\xe2\x82\xac",
			"\xe2\x82", "\xf0\x9f\x98\x80", "\xf0\x9f", U_FFFF, "\xef\xbf\xbe", U_FFFD,
			"\xed\xa0\x80", "\xed\x9f\xbf", "\xee\x80\x80", "\xf4\x8f\xbf\xbf",
			"\xf4\x90\x80\x80", "\xc0\xaf", "\xe0\x80\xaf", "\x80", "\xbf", "\xff"};
	size_t len = 0, target = fuzz_next(x) % max;
	while(len < target) {
		uint64_t r = fuzz_next(x);
		if(r % 3 == 0) {
			buf[len++] = (char)(r >> 8);
			continue;
		}
		/* a piece cut by the end of the string is one more truncated sequence */
		for(const char *p = pieces[(r >> 8) % (sizeof(pieces) / sizeof(pieces[0]))];
				*p && len < target; p++)
			buf[len++] = *p;
	}
	return len;
}

/* The escaped s as the text of <a> (in_attr 0) or the value of a="..." (1): it must
 * parse, and text we could have sent as it is must come back unchanged. */
static void fuzz_one(const char *s, size_t len, int in_attr, size_t round)
{
	xmlDoc *doc = NULL;
	sbuf_reset(&sb);
	sbuf_adds(&sb, in_attr ? "<a a=\"" : "<a>");
	xccos_escape(&sb, s, len, in_attr);
	sbuf_adds(&sb, in_attr ? "\"/>" : "</a>");
	cr_assert(well_formed(sb.buf, sb.len, &doc), "round %zu (%s): %s", round,
			in_attr ? "attribute" : "text", sb.buf);
	if(pchat_text_ok(s, len, NULL)) {
		xmlNode *root = xmlDocGetRootElement(doc);
		xmlChar *back = in_attr ? xmlGetProp(root, (const xmlChar *)"a")
					: xmlNodeGetContent(root);
		cr_assert(back != NULL && strlen((const char *)back) == len &&
						memcmp(back, s, len) == 0,
				"round %zu: valid text changed", round);
		xmlFree(back);
	}
	xmlFreeDoc(doc);
}

Test(build, fuzz_escaped_random_bytes_always_parse)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	char buf[96];
	enum log_level saved = log_threshold;
	xccos_init();
	log_threshold = LL_ERROR; /* thousands of replacement warnings otherwise */
	for(size_t round = 0; round < 3000; round++) {
		size_t len = fuzz_string(&x, buf, sizeof(buf));
		fuzz_one(buf, len, 0, round);
		fuzz_one(buf, len, 1, round);
	}
	log_threshold = saved;
}
