/*
 * webparse.h - the web service's request parsing, kept apart from evhttp's request
 * objects so that it is unit-tested (tests/unit/test_webparse.c): the static-file
 * name check (the guard against path traversal), the Cookie header, the Host
 * header check and the API's /api/<resource>[/<room>[/<action>]] paths.
 */
#ifndef PCHAT_WEBPARSE_H
#define PCHAT_WEBPARSE_H

#include <stddef.h>

/* The value of cookie name in a Cookie header (may be NULL), copied into out; -1 if
 * absent or longer than outlen - 1. */
int web_cookie_value(const char *header, const char *name, char *out, size_t outlen);

/* The Content-Type for a file name, by its extension. */
const char *web_content_type(const char *file);

/*
 * Maps a decoded URL path to a file name relative to the web root, or returns -1.
 * Only [A-Za-z0-9._-] names in '/'-separated components that do not start with
 * '.' pass: no "..", no hidden files, no backslashes or NULs, so nothing outside
 * the root can be named.  "/" and "/rooms" (the provisioning URL) are the page.
 */
int web_static_name(const char *path, char *out, size_t outlen);

/*
 * Is host (a Host header) one of names?  A name with a port ("chat.example.com:8443",
 * "[::1]:8080") matches that host and port; one without ("chat.example.com") that
 * host on any port.  A Host without a port means port 80.  Case does not matter.
 * The defence against DNS rebinding: a page of another site that got its name to
 * resolve to this server still sends its own name.
 */
int web_host_allowed(const char *host, const char *const *names, size_t n);

#define WEB_SEG_MAX 256

/* An API path below /api: the resource, the room (URL-decoded) and an action. */
struct web_target {
	char resource[WEB_SEG_MAX];
	char room[WEB_SEG_MAX];
	char action[WEB_SEG_MAX];
	int with_room;
};

/* Splits path ("/rooms/<id>/clear", already without "/api") into t; -1 if it has
 * more than three segments, an empty or too long one, or a %00 in the room. */
int web_parse_target(const char *path, struct web_target *t);

#endif
