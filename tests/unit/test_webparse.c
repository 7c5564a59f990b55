/*
 * test_webparse.c - the web service's request parsing (backend/webparse.c): the
 * static-file guard against path traversal, cookies and API paths.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "webparse.h"

static int name_of(const char *path, char *out)
{
	return web_static_name(path, out, 64);
}

Test(webparse, the_page_and_its_files_are_named)
{
	char out[64];
	cr_assert_eq(name_of("/", out), 0);
	cr_assert_str_eq(out, "index.html");
	cr_assert_eq(name_of("/rooms", out), 0, "the provisioning URL is the page");
	cr_assert_str_eq(out, "index.html");
	cr_assert_eq(name_of("/app.js", out), 0);
	cr_assert_str_eq(out, "app.js");
	cr_assert_eq(name_of("/img/logo-2_x.png", out), 0);
	cr_assert_str_eq(out, "img/logo-2_x.png");
}

Test(webparse, nothing_outside_the_root_can_be_named)
{
	static const char *const bad[] = {
			"/../etc/passwd",
			"/img/../../x",
			"/.htaccess",
			"/img/.hidden",
			"//etc/passwd",
			"/dir/",
			"/a\\b",
			"/a b",
			"/a%2e%2e",
			"relative",
			"",
			"/a\x01",
			"/\xc3\xa9",
	};
	char out[64];
	for(size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(name_of(bad[i], out), -1, "\"%s\" must be refused", bad[i]);
	char longpath[80];
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	cr_assert_eq(name_of(longpath, out), -1, "longer than the buffer");
}

Test(webparse, content_types_by_extension)
{
	cr_assert_str_eq(web_content_type("index.html"), "text/html; charset=utf-8");
	cr_assert_str_eq(web_content_type("app.js"), "text/javascript; charset=utf-8");
	cr_assert_str_eq(web_content_type("x.tar.gz"), "application/octet-stream");
	cr_assert_str_eq(web_content_type("README"), "application/octet-stream");
}

Test(webparse, cookies)
{
	char out[16];
	cr_assert_eq(web_cookie_value("a=1; pchat_session=abc; b=2", "pchat_session", out,
				     sizeof(out)),
			0);
	cr_assert_str_eq(out, "abc");
	cr_assert_eq(web_cookie_value("pchat_session=xyz", "pchat_session", out, sizeof(out)), 0);
	cr_assert_str_eq(out, "xyz");
	cr_assert_eq(web_cookie_value("xpchat_session=1", "pchat_session", out, sizeof(out)), -1,
			"a longer name is another cookie");
	cr_assert_eq(web_cookie_value("pchat_sessionx=1", "pchat_session", out, sizeof(out)), -1);
	cr_assert_eq(web_cookie_value(NULL, "pchat_session", out, sizeof(out)), -1);
	cr_assert_eq(web_cookie_value("pchat_session=0123456789abcdef", "pchat_session", out,
				     sizeof(out)),
			-1, "too long for the buffer");
}

Test(webparse, api_paths)
{
	struct web_target t;
	cr_assert_eq(web_parse_target("/rooms", &t), 0);
	cr_assert_str_eq(t.resource, "rooms");
	cr_assert_eq(t.with_room, 0);
	cr_assert_eq(web_parse_target("/rooms/Build%20Team/clear", &t), 0);
	cr_assert_str_eq(t.room, "Build Team", "the room is URL-decoded");
	cr_assert_str_eq(t.action, "clear");
	cr_assert_eq(t.with_room, 1);
	cr_assert_eq(web_parse_target("/rooms/a%00b", &t), -1, "no NUL in a room");
	cr_assert_eq(web_parse_target("/rooms//clear", &t), -1, "no empty segment");
	cr_assert_eq(web_parse_target("/rooms/a/clear/more", &t), -1, "at most three segments");
	cr_assert_eq(web_parse_target("", &t), -1);
}

Test(webparse, host_names_are_checked)
{
	static const char *const names[] = {"127.0.0.1:8080", "localhost:8080", "[::1]:8080",
			"chat.example.com", "web.example.org:80"};
	size_t n = sizeof(names) / sizeof(names[0]);
	static const char *const good[] = {"127.0.0.1:8080", "LOCALHOST:8080", "[::1]:8080",
			"chat.example.com", "chat.example.com:8443", "Chat.Example.COM:443",
			"web.example.org", "web.example.org:80"};
	static const char *const bad[] = {"evil.example:8080", "127.0.0.1", "127.0.0.1:8081",
			"localhost", "[::1]", "[::2]:8080", "chat.example.com.evil.example",
			"example.com", "web.example.org:8080", ":8080", "", "127.0.0.1:8080x"};
	for(size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		cr_assert(web_host_allowed(good[i], names, n), "\"%s\" must pass", good[i]);
	for(size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_not(web_host_allowed(bad[i], names, n), "\"%s\" must be refused", bad[i]);
	cr_assert_not(web_host_allowed(NULL, names, n), "no Host header");
}
