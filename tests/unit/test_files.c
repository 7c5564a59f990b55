/*
 * test_files.c - file-transfer tokens (cmd:getfutok, cmd:getfdtok -> rpl:getftok):
 * the file name rule (backend/filetok.c; the token's GUID is pchat_guid(), tested in
 * test_filelink.c), the request and reply XML (backend/xccos.c, the reply parsed
 * back with libxml2), and the handler
 * (backend/cmd_files.c) against the fake link and database: who gets a token, the
 * token row, every refusal, and the room list's filepost following the category.
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

#include "config.h"
#include "filetok.h"
#include "frames.h"
#include "pchat_filename.h"
#include "reload.h"
#include "rooms.h"
#include "sbuf.h"
#include "xccos.h"

#include "harness.h"

#define ALICE "sip:alice@example.com"
#define CAROL "sip:carol@example.com"
#define URL "https://chat.example.com/PersistentChat/MGCWebService.asmx"
#define FTOK(cmd, uri, name)                                                    \
	ENV("<cmd id=\"cmd:" cmd "\" seqid=\"7\"><data><ftdb channelUri=\"" uri \
	    "\" fileUrl=\"" name "\"/></data></cmd>")
#define UP(uri, name) FTOK("getfutok", uri, name)
#define DOWN(uri, name) FTOK("getfdtok", uri, name)
#define STORED "3e0f6a52-77b1-4c2e-9d55-0a1b2c3d4e5f.txt"

/* ---- the file name rule ---- */

Test(filename, ordinary_names_pass)
{
	char longest[FTOK_NAME_MAX + 1];
	memset(longest, 'a', FTOK_NAME_MAX);
	longest[FTOK_NAME_MAX] = '\0';
	cr_assert_null(ftok_name_problem("report.txt"));
	cr_assert_null(ftok_name_problem("Überblick 2024 (final).pdf"));
	cr_assert_null(ftok_name_problem(".profile"));
	cr_assert_null(ftok_name_problem("..."), "only . and .. are special");
	cr_assert_null(ftok_name_problem(STORED));
	cr_assert_null(ftok_name_problem(longest), "255 bytes is the limit, not over it");
}

static void refused(const char *name, const char *why)
{
	const char *got = ftok_name_problem(name);
	cr_assert_not_null(got, "'%s' passed", name ? name : "(null)");
	cr_assert(strstr(got, why) != NULL, "'%s': %s", name ? name : "(null)", got);
}

Test(filename, bad_names_are_refused_saying_why)
{
	char big[1001];
	memset(big, 'x', 1000);
	big[1000] = '\0';
	refused(NULL, "empty");
	refused("", "empty");
	refused(big, "longer than 255 bytes");
	big[256] = '\0';
	refused(big, "longer than 255 bytes");
	refused(".", "\".\" or \"..\"");
	refused("..", "\".\" or \"..\"");
	refused("../etc/passwd", "path separator");
	refused("a/b.txt", "path separator");
	refused("C:\\Users\\x\\report.txt", "path separator");
	refused("a\tb", "control character");
	refused("a\nb", "control character");
	refused("a\rb", "control character");
	refused("a\x01"
		"b",
			"control character");
	refused("a\x7f", "control character");
	refused("a\xc2\x85"
		"b",
			"control character"); /* U+0085, a C1 control */
	refused("a\xff"
		"b",
			"not valid UTF-8");
	refused("a\xef\xbf\xbe", "not valid UTF-8"); /* U+FFFE: XML cannot carry it */
}

/* ---- --file-service-url ---- */

/* The file service URL after parsing pchatd's options args (NULL-terminated), or
 * "error" if they do not parse. */
static const char *service_url(const char *const *args)
{
	static struct config c;
	char *argv[16];
	int argc = 0;
	FILE *null = fopen("/dev/null", "w");
	enum config_result r;
	argv[argc++] = (char *)"pchatd";
	argv[argc++] = (char *)"--socket";
	argv[argc++] = (char *)"/tmp/x.sock";
	while(*args)
		argv[argc++] = (char *)*args++;
	argv[argc] = NULL;
	config_defaults(&c);
	r = config_parse(&c, argc, argv, null, null);
	fclose(null);
	return r != CONFIG_OK ? "error" : c.file_service_url;
}

#define SERVICE_URL(...) service_url((const char *const[]){__VA_ARGS__, NULL})
#define PATH CONFIG_FILE_SERVICE_PATH

Test(file_service_url, given_or_the_port_after_http)
{
	cr_assert_null(service_url((const char *const[]){NULL}), "no --http: no file service");
	cr_assert_str_eq(SERVICE_URL("--file-service-url", URL), URL);
	cr_assert_str_eq(SERVICE_URL("--http", "127.0.0.1:8080", "--file-service-url", URL), URL);
	cr_assert_str_eq(SERVICE_URL("--http", "127.0.0.1:8080"), "http://127.0.0.1:8081" PATH);
	cr_assert_str_eq(SERVICE_URL("--http", "[::1]:8080"), "http://[::1]:8081" PATH);
	cr_assert_str_eq(SERVICE_URL("--http", "::1:8080"), "http://[::1]:8081" PATH);
	cr_assert_null(SERVICE_URL("--http", "127.0.0.1:65535"), "no port after the last");
}

/* With the file service here (--file-listen), the URL is its own address by default,
 * and must be its SOAP endpoint: the links of file posts are that URL without it. */
Test(file_service_url, the_file_listener_s_own)
{
	cr_assert_str_eq(SERVICE_URL("--file-listen", "127.0.0.1:8090", "--file-store", "/tmp/s",
					 "--http", "127.0.0.1:8080"),
			"http://127.0.0.1:8090" PATH);
	cr_assert_str_eq(SERVICE_URL("--file-listen", "[::1]:8090", "--file-store", "/tmp/s",
					 "--file-path-prefix", "/chat/files/"),
			"http://[::1]:8090/chat/files/MGCWebService.asmx", "prefix, / dropped");
	cr_assert_str_eq(SERVICE_URL("--file-listen", "127.0.0.1:8090", "--file-store", "/tmp/s",
					 "--file-service-url", URL),
			URL);
	cr_assert_str_eq(SERVICE_URL("--file-listen", "127.0.0.1:8090", "--file-store", "/tmp/s",
					 "--file-service-url", "https://files.example.com/upload"),
			"error", "not the SOAP endpoint: no base for the links");
	cr_assert_str_eq(SERVICE_URL("--file-listen", "127.0.0.1:8090"), "error", "no store");
	cr_assert_str_eq(SERVICE_URL("--file-listen", "8090", "--file-store", "/tmp/s"), "error");
	cr_assert_str_eq(SERVICE_URL("--file-path-prefix", "files"), "error", "not absolute");
	cr_assert_str_eq(SERVICE_URL("--file-path-prefix", "/a/../b"), "error");
	cr_assert_str_eq(SERVICE_URL("--file-path-prefix", "/a b"), "error");
}

/* The base of file URLs (posts' links, the web page's downloads): the URL without
 * its SOAP endpoint, or none. */
Test(file_service_url, the_base_of_file_urls)
{
	struct config c;
	char base[CONFIG_URL_MAX], small[16];
	config_defaults(&c);
	cr_assert_eq(config_file_base(&c, base, sizeof(base)), -1, "no file service");
	c.file_service_url = "https://chat.example.com/PersistentChat/mgcwebservice.asmx";
	cr_assert_eq(config_file_base(&c, base, sizeof(base)), 0);
	cr_assert_str_eq(base, "https://chat.example.com/PersistentChat", "case ignored");
	cr_assert_eq(config_file_base(&c, small, sizeof(small)), -1, "too long for out");
	c.file_service_url = "https://files.example.com/upload";
	cr_assert_eq(config_file_base(&c, base, sizeof(base)), -1, "not the SOAP endpoint");
	c.file_service_url = "https://files.example.com/x?a=1" CONFIG_SOAP_PATH;
	cr_assert_eq(config_file_base(&c, base, sizeof(base)), -1, "a query");
	c.file_service_url = CONFIG_SOAP_PATH;
	cr_assert_eq(config_file_base(&c, base, sizeof(base)), -1, "nothing before it");
}

Test(file_service_url, what_is_not_a_url_is_refused)
{
	static const char *const bad[] = {"", "files.example.com", "ftp://files.example.com/x",
			"http://", "https:///PersistentChat", "https://a b/x", "https://a\tb/x"};
	for(size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_str_eq(
				SERVICE_URL("--file-service-url", bad[i]), "error", "'%s'", bad[i]);
	cr_assert_str_eq(SERVICE_URL("--file-service-url", "HTTP://files.example.com"),
			"HTTP://files.example.com");
}

/* ---- the XML ---- */

TestSuite(ftok_xml, .init = xccos_init, .fini = xccos_cleanup);

Test(ftok_xml, the_request_is_parsed)
{
	struct xccos_req req;
	char why[256] = "";
	const char *env = UP(LOBBY, "a &amp; b.txt");
	cr_assert_eq(xccos_parse(env, strlen(env), 65536, &req, why, sizeof(why)), 0, "%s", why);
	cr_assert_str_eq(req.id, "cmd:getfutok");
	cr_assert(req.has_ftdb);
	cr_assert_str_eq(req.ftdb_chan_uri, LOBBY);
	cr_assert_str_eq(req.ftdb_file_url, "a & b.txt");
	xccos_req_free(&req);
}

static xmlNode *child(xmlNode *n, const char *name)
{
	for(n = n ? n->children : NULL; n; n = n->next) {
		if(n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0)
			return n;
	}
	cr_assert_fail("no <%s>", name);
	return NULL;
}

static void attr_is(xmlNode *n, const char *name, const char *want)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	cr_assert_not_null(v, "no %s", name);
	cr_assert_str_eq((const char *)v, want);
	xmlFree(v);
}

Test(ftok_xml, the_reply_parses_back)
{
	struct sbuf items = SBUF_INIT, env = SBUF_INIT;
	const char *url = "https://files.example.com/PersistentChat/MGCWebService.asmx?a=1&b=\"2\"";
	xmlDoc *doc;
	xmlNode *rpl, *resp, *token;
	xmlChar *code;

	xccos_build_ftok(&items, "7", "139132352", "3e0f6a52-77b1-4c2e-9d55-0a1b2c3d4e5f", url);
	xccos_envelope(&env, 42, items.buf, items.len);
	doc = xmlReadMemory(env.buf, (int)env.len, NULL, "UTF-8", XML_PARSE_NONET);
	cr_assert_not_null(doc, "not well-formed: %s", env.buf);
	rpl = child(xmlDocGetRootElement(doc), "rpl");
	attr_is(rpl, "id", "rpl:getftok");
	attr_is(rpl, "seqid", "7");
	attr_is(child(rpl, "commandid"), "envid", "139132352");
	resp = child(rpl, "resp");
	attr_is(resp, "code", "200");
	code = xmlNodeGetContent(resp);
	cr_assert_str_eq((const char *)code, "SUCCESS_OK");
	xmlFree(code);
	token = child(child(rpl, "data"), "token");
	attr_is(token, "token", "3e0f6a52-77b1-4c2e-9d55-0a1b2c3d4e5f");
	attr_is(token, "serveruri", url);
	xmlFreeDoc(doc);
	sbuf_free(&items);
	sbuf_free(&env);
}

/* ---- the handler ---- */

static void setup(void)
{
	harness_setup();
	cfg.file_service_url = URL;
	fake_db_add_room(4, "example.com", "a1", "Auditorium", "", "open");
	fake_db_set_room_acl(4, &(struct fake_acl){.type = "auditorium", .presenters = ALICE});
	fake_db_add_room(5, "example.com", "d1", "Disabled", "", "open");
	fake_db_set_room_acl(5, &(struct fake_acl){.disabled = 1});
	fake_db_add_room(6, "example.com", "n1", "No files", "", "open");
	fake_db_set_room_acl(6, &(struct fake_acl){.no_files = 1});
	fake_db_add_file(1, STORED, 1);
	fake_db_add_file(4, STORED "x", 1);
	fake_db_add_file(6, STORED "y", 1);
	fake_db_add_file(1, "unposted.txt", 0);
}

TestSuite(files, .init = setup, .fini = harness_teardown);

/* The reply (from <rpl on) to body, sent by sid, once the database has run. */
static const char *reply_to(uint64_t sid, const char *body)
{
	static char buf[4096];
	const struct sent_frame *f;
	fake_sent_clear();
	accepted(sid, body);
	fake_db_run_all();
	f = only_send_to(sid);
	cr_assert_not_null(strstr(f->payload, "<rpl"));
	snprintf(buf, sizeof(buf), "%s", strstr(f->payload, "<rpl"));
	return buf;
}

#define HAS(s, text) cr_assert(strstr((s), (text)) != NULL, "no '%s' in %s", (text), (s))

/* The reply is a refusal with this code and reason, and no token was stored. */
static void refused_with(uint64_t sid, const char *body, const char *code, const char *reason)
{
	size_t before = fake_db_file_tokens();
	const char *r = reply_to(sid, body);
	HAS(r, "<rpl id=\"rpl:getftok\" seqid=\"7\">");
	HAS(r, code);
	HAS(r, reason);
	cr_assert_eq(fake_db_file_tokens(), before, "a refused request stored a token");
}

Test(files, an_upload_token_is_stored_then_sent)
{
	const struct fake_ftok *t;
	const char *r;
	char want[256];
	open_session(1, ALICE);
	fake_sent_clear();
	accepted(1, UP(LOBBY, "report.txt"));
	cr_assert_eq(count_sends(1), 0, "the reply waits for the token's commit");
	fake_db_run_all();
	r = strstr(only_send_to(1)->payload, "<rpl");
	HAS(r,
			"<rpl id=\"rpl:getftok\" seqid=\"7\"><commandid seqid=\"7\" envid=\"900\"/>"
			"<resp code=\"200\">SUCCESS_OK</resp><data><token token=\"");
	cr_assert_eq(fake_db_file_tokens(), 1);
	t = fake_db_file_token(0);
	snprintf(want, sizeof(want), "<token token=\"%s\" serveruri=\"" URL "\"/></data></rpl>",
			t->token);
	HAS(r, want);
	cr_assert(pchat_guid_valid(t->token));
	cr_assert(t->upload);
	cr_assert_str_eq(t->user, ALICE, "the session's identity, whatever the XML says");
	cr_assert_eq(t->room_id, 1);
	cr_assert_str_eq(t->file_name, "report.txt");
	cr_assert_eq(t->expires_at.tv_sec - t->issued_at.tv_sec, (time_t)30 * 60);
	cr_assert_eq(t->expires_at.tv_nsec, t->issued_at.tv_nsec);
}

Test(files, a_download_token_needs_a_stored_posted_file_of_the_room)
{
	const char *r;
	open_session(1, ALICE);
	r = reply_to(1, DOWN(LOBBY, STORED));
	HAS(r, "<resp code=\"200\">SUCCESS_OK</resp><data><token token=\"");
	cr_assert_eq(fake_db_file_tokens(), 1);
	cr_assert_not(fake_db_file_token(0)->upload);
	cr_assert_str_eq(fake_db_file_token(0)->file_name, STORED);
	refused_with(1, DOWN(LOBBY, "nothing-here.txt"), "<resp code=\"404\">ERR_NOT_FOUND</resp>",
			"<error reason=\"no stored file of that name in this room\"/>");
	refused_with(1, DOWN(LOBBY, "unposted.txt"), "ERR_NOT_FOUND", "no stored file");
	refused_with(1, DOWN(LOBBY, STORED "x"), "ERR_NOT_FOUND", "no stored file");
}

Test(files, each_token_is_new)
{
	open_session(1, ALICE);
	reply_to(1, UP(LOBBY, "a.txt"));
	reply_to(1, UP(LOBBY, "a.txt"));
	cr_assert_eq(fake_db_file_tokens(), 2);
	cr_assert_str_neq(fake_db_file_token(0)->token, fake_db_file_token(1)->token);
}

Test(files, bad_names_are_400_before_any_database_work)
{
	open_session(1, ALICE);
	fake_sent_clear();
	accepted(1, UP(LOBBY, "../x"));
	cr_assert_eq(fake_db_queued(), 0, "refused without loading the room");
	fake_sent_clear();
	refused_with(1, UP(LOBBY, "a/b"), "<resp code=\"400\">ERR_BAD_REQUEST</resp>",
			"<error reason=\"the file name contains a path separator (/ or \\)\"/>");
	refused_with(1, UP(LOBBY, "a&#9;b"), "ERR_BAD_REQUEST", "control character");
	refused_with(1, UP(LOBBY, ""), "ERR_BAD_REQUEST", "the file name is empty");
	refused_with(1, UP(LOBBY, ".."), "ERR_BAD_REQUEST", "may not be");
	refused_with(1, DOWN(LOBBY, "x\\y"), "ERR_BAD_REQUEST", "path separator");
	refused_with(1, ENV("<cmd id=\"cmd:getfutok\" seqid=\"7\"><data/></cmd>"),
			"ERR_BAD_REQUEST", "ftdb with channelUri and fileUrl is missing");
	refused_with(1,
			ENV("<cmd id=\"cmd:getfdtok\" seqid=\"7\"><data><ftdb channelUri=\"" LOBBY
			    "\"/></data></cmd>"),
			"ERR_BAD_REQUEST", "ftdb");
}

Test(files, a_name_of_1000_bytes_is_400)
{
	char name[1001], body[2048];
	memset(name, 'n', 1000);
	name[1000] = '\0';
	snprintf(body, sizeof(body), UP(LOBBY, "%s"), name);
	open_session(1, ALICE);
	refused_with(1, body, "ERR_BAD_REQUEST", "longer than 255 bytes");
}

Test(files, rooms_answer_as_join_and_post_do)
{
	char unknown[4096];
	open_session(1, ALICE);
	open_session(3, CAROL);
	/* an unknown room, and a secret one carol is no member of: the same bytes */
	snprintf(unknown, sizeof(unknown), "%s",
			reply_to(3, DOWN("ma-chan://example.com/zzz", STORED)));
	HAS(unknown, "<rpl id=\"rpl:getftok\" seqid=\"7\">");
	HAS(unknown, "<resp code=\"404\">ERR_NOT_FOUND</resp><data/></rpl>");
	cr_assert_str_eq(reply_to(3, DOWN(SECRET, STORED)), unknown);
	cr_assert_str_eq(reply_to(3, UP(SECRET, "a.txt")), unknown);
	refused_with(3, UP(CLOSED, "a.txt"), "<resp code=\"403\">ERR_ACCESS_DENIED</resp>",
			"only members of this room may enter it");
	refused_with(3, DOWN(CLOSED, STORED), "ERR_ACCESS_DENIED", "only members");
	refused_with(3, UP("ma-chan://example.com/a1", "a.txt"), "ERR_ACCESS_DENIED",
			"only presenters may post in this room");
	HAS(reply_to(3, DOWN("ma-chan://example.com/a1", STORED "x")), "SUCCESS_OK");
	HAS(reply_to(1, UP("ma-chan://example.com/a1", "a.txt")), "SUCCESS_OK");
	refused_with(1, UP("ma-chan://example.com/d1", "a.txt"),
			"<resp code=\"423\">ERR_ROOM_DISABLED</resp>", "the room is disabled");
}

Test(files, the_category_switch_stops_uploads_not_downloads)
{
	open_session(1, ALICE);
	refused_with(1, UP("ma-chan://example.com/n1", "a.txt"),
			"<resp code=\"403\">ERR_ACCESS_DENIED</resp>",
			"<error reason=\"file upload is off in this room's category\"/>");
	HAS(reply_to(1, DOWN("ma-chan://example.com/n1", STORED "y")), "SUCCESS_OK");
	/* switched on (pchat-admin bumps the revision; pchatd reloads its rooms) */
	fake_db_set_room_acl(6, &(struct fake_acl){0});
	rooms_reload_all();
	fake_db_run_all();
	HAS(reply_to(1, UP("ma-chan://example.com/n1", "a.txt")), "SUCCESS_OK");
}

Test(files, without_a_file_service_501_and_on_database_failure_500)
{
	open_session(1, ALICE);
	cfg.file_service_url = NULL;
	refused_with(1, UP(LOBBY, "a.txt"), "<resp code=\"501\">ERR_NOT_IMPLEMENTED</resp>",
			"this server has no file service");
	cfg.file_service_url = URL;
	reply_to(1, JOIN(LOBBY_ID)); /* the room is cached: the next job is the token's */
	fake_sent_clear();
	accepted(1, UP(LOBBY, "a.txt"));
	fake_db_fail_next();
	fake_db_run_all();
	HAS(only_send_to(1)->payload,
			"<rpl id=\"rpl:getftok\" seqid=\"7\"><commandid seqid=\"7\" envid=\"900\"/>"
			"<resp code=\"500\">ERR_INTERNAL</resp><data/></rpl>");
}

Test(files, a_session_gone_meanwhile_gets_nothing)
{
	open_session(1, ALICE);
	reply_to(1, JOIN(LOBBY_ID));
	fake_sent_clear();
	accepted(1, UP(LOBBY, "a.txt"));
	frame_in(PCHAT_F_CLOSE, 0, 1, "bye", 3);
	fake_db_run_all();
	cr_assert_eq(count_sends(1), 0);
	cr_assert_eq(fake_db_file_tokens(), 1, "stored all the same: it simply expires");
}

Test(files, chansrch_reports_filepost_from_the_category)
{
	const char *r;
	open_session(1, ALICE);
	r = reply_to(1, CHANSRCH);
	HAS(r, "name=\"Lobby\"");
	HAS(r,
			"name=\"No files\" description=\"about \"><info id=\"urn:parlano:ma:info:ucnt\">0</info>"
			"<info id=\"urn:parlano:ma:info:visibilty\">public</info>"
			"<prop id=\"urn:parlano:ma:prop:logged\">true</prop>"
			"<prop id=\"urn:parlano:ma:prop:invite\">true</prop>"
			"<prop id=\"urn:parlano:ma:prop:filepost\">false</prop></chanib>");
	HAS(strstr(r, "name=\"Lobby\""), "<prop id=\"urn:parlano:ma:prop:filepost\">true</prop>");
	fake_db_set_room_acl(6, &(struct fake_acl){0});
	fake_db_set_room_acl(1, &(struct fake_acl){.no_files = 1});
	rooms_reload_all();
	fake_db_run_all();
	cr_assert_not(room_find(LOBBY)->file_upload, "the reload carries the switch");
	cr_assert(room_find("ma-chan://example.com/n1")->file_upload);
	r = reply_to(1, CHANSRCH);
	HAS(strstr(r, "name=\"Lobby\""), "<prop id=\"urn:parlano:ma:prop:filepost\">false</prop>");
	HAS(strstr(r, "name=\"No files\""),
			"<prop id=\"urn:parlano:ma:prop:filepost\">true</prop>");
}
