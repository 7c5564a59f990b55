/*
 * fuzz_web.c - libFuzzer harness for the web service's request parsing
 * (backend/webparse.c): static-file names, the Cookie header and API paths.
 *
 * The input is one request's path and Cookie header, split at the first newline
 * (without one, the whole input is both).  The path goes where backend/http.c's
 * on_request() sends it: below "/api/" to web_parse_target(), anything else, URL-decoded,
 * to web_static_name().  Beyond "no crash", the checks are the guarantees the callers
 * rely on: a static name never leaves the web root, and every copy fits its buffer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "webparse.h"
#include "websess.h"

#define FUZZ_NAME "fuzz_web"
#include "fuzz_check.h"

/* backend/http.c's buffer for a static file's name. */
#define STATIC_PATH_MAX 256

static int name_char(char c)
{
	return c == '.' || c == '-' || c == '_' || (c >= 'a' && c <= 'z') ||
			(c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* A name web_static_name() let through: relative, components of [A-Za-z0-9._-] that
 * do not start with a dot (so no "..", no hidden file), none empty. */
static void check_static_name(const char *path, const char *name)
{
	const char *p = name;
	require(*p != '\0', "'%s' names the root itself", path);
	while(*p) {
		require(*p != '.', "'%s' gives a component starting with '.': %s", path, name);
		while(*p && *p != '/') {
			require(name_char(*p), "'%s' gives a bad character in %s", path, name);
			p++;
		}
		if(*p == '/') {
			p++;
			require(*p != '\0' && *p != '/', "'%s' gives an empty component: %s", path,
					name);
		}
	}
	(void)web_content_type(name);
}

static void check_static(const char *raw)
{
	char name[STATIC_PATH_MAX], small[8];
	size_t len = 0;
	char *path = evhttp_uridecode(raw, 0, &len);

	if(path == NULL || strlen(path) != len) { /* on_request: a %00 is a 400 */
		free(path);
		return;
	}
	if(web_static_name(path, name, sizeof(name)) == 0) {
		require(strlen(name) < sizeof(name), "name overflows its buffer");
		check_static_name(path, name);
	}
	/* A buffer too small for most names: refused, never overrun. */
	if(web_static_name(path, small, sizeof(small)) == 0)
		check_static_name(path, small);
	free(path);
}

static void check_api(const char *path)
{
	struct web_target t;
	if(web_parse_target(path, &t) < 0)
		return;
	require(t.resource[0] != '\0', "'%s': no resource", path);
	require(strlen(t.resource) < WEB_SEG_MAX && strlen(t.room) < WEB_SEG_MAX &&
					strlen(t.action) < WEB_SEG_MAX,
			"'%s': a segment overflows", path);
	require(t.with_room == (t.room[0] != '\0'), "'%s': with_room is wrong", path);
	require(strchr(t.resource, '/') == NULL && strchr(t.action, '/') == NULL,
			"'%s': a raw segment holds a '/'", path);
	require(t.action[0] == '\0' || t.with_room, "'%s': an action without a room", path);
}

static void check_cookie(const char *header)
{
	char token[WEBSESS_TOKEN_SIZE], one[1];
	if(web_cookie_value(header, WEBSESS_COOKIE, token, sizeof(token)) == 0)
		require(strlen(token) < sizeof(token) && strchr(token, ';') == NULL,
				"cookie value '%s' from '%s'", token, header);
	/* Room for the NUL only: only an empty value fits. */
	if(web_cookie_value(header, WEBSESS_COOKIE, one, sizeof(one)) == 0)
		require(one[0] == '\0', "a value in a 1-byte buffer from '%s'", header);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* evhttp hands both as C strings: copy, NUL-terminate, split at the newline. */
	char *s = malloc(size + 1), *nl;
	const char *path, *cookie;

	if(s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	nl = strchr(s, '\n');
	if(nl) {
		*nl = '\0';
		path = s;
		cookie = nl + 1;
	} else {
		path = cookie = s;
	}
	if(path[0] == '/') { /* on_request answers 400 to anything else */
		if(strncmp(path, "/api/", 5) == 0)
			check_api(path + 4);
		else
			check_static(path);
	}
	check_cookie(cookie);
	free(s);
	return 0;
}
