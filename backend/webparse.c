/*
 * webparse.c - the web service's request parsing (see webparse.h).
 */
#include "webparse.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/http.h>

int web_cookie_value(const char *header, const char *name, char *out, size_t outlen)
{
	const char *p = header;
	size_t nlen = strlen(name);

	while(p && *p) {
		size_t vlen;
		p += strspn(p, " \t;");
		vlen = strcspn(p, ";");
		if(vlen > nlen && strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
			vlen -= nlen + 1;
			if(vlen >= outlen)
				return -1;
			memcpy(out, p + nlen + 1, vlen);
			out[vlen] = '\0';
			return 0;
		}
		p += vlen;
	}
	return -1;
}

const char *web_content_type(const char *file)
{
	static const char *const types[][2] = {
			{".html", "text/html; charset=utf-8"},
			{".js", "text/javascript; charset=utf-8"},
			{".css", "text/css; charset=utf-8"},
			{".svg", "image/svg+xml"},
			{".png", "image/png"},
			{".ico", "image/x-icon"},
			{".json", "application/json; charset=utf-8"},
			{".txt", "text/plain; charset=utf-8"},
	};
	const char *dot = strrchr(file, '.');
	size_t i;
	for(i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++) {
		if(strcmp(dot, types[i][0]) == 0)
			return types[i][1];
	}
	return "application/octet-stream";
}

/* Where the port of a host[:port] starts (its ':'), or NULL; "[v6]" has colons inside. */
static const char *port_of(const char *h)
{
	const char *colon = strrchr(h, ':');
	const char *bracket = strrchr(h, ']');
	return colon && (bracket == NULL || colon > bracket) ? colon : NULL;
}

static int host_matches(const char *host, const char *name)
{
	const char *hp = port_of(host), *np = port_of(name);
	size_t hlen = hp ? (size_t)(hp - host) : strlen(host);
	size_t nlen = np ? (size_t)(np - name) : strlen(name);

	if(hlen == 0 || hlen != nlen || strncasecmp(host, name, hlen) != 0)
		return 0;
	if(np == NULL)
		return 1;
	return strcmp(hp ? hp + 1 : "80", np + 1) == 0;
}

int web_host_allowed(const char *host, const char *const *names, size_t n)
{
	for(size_t i = 0; host && i < n; i++)
		if(host_matches(host, names[i]))
			return 1;
	return 0;
}

int web_static_name(const char *path, char *out, size_t outlen)
{
	const char *p;
	if(strcmp(path, "/") == 0 || strcmp(path, "/rooms") == 0 || strcmp(path, "/rooms/") == 0)
		path = "/index.html";
	if(path[0] != '/' || strlen(path) >= outlen)
		return -1;
	for(p = path; *p; p++) {
		if(*p == '/' && (p[1] == '.' || p[1] == '/' || p[1] == '\0'))
			return -1;
		if(*p != '/' && *p != '.' && *p != '-' && *p != '_' && !(*p >= 'a' && *p <= 'z') &&
				!(*p >= 'A' && *p <= 'Z') && !(*p >= '0' && *p <= '9'))
			return -1;
	}
	strcpy(out, path + 1);
	return 0;
}

/* Copies segment [s, s + n) into out (decoded if decode); -1 if too long or bad. */
static int copy_segment(const char *s, size_t n, char out[WEB_SEG_MAX], int decode)
{
	char raw[WEB_SEG_MAX];
	char *dec;
	size_t len = 0;

	if(n == 0 || n >= WEB_SEG_MAX)
		return -1;
	memcpy(raw, s, n);
	raw[n] = '\0';
	if(!decode) {
		strcpy(out, raw);
		return 0;
	}
	dec = evhttp_uridecode(raw, 0, &len);
	if(dec == NULL || strlen(dec) != len) { /* a %00 */
		free(dec);
		return -1;
	}
	strcpy(out, dec); /* decoding only shortens */
	free(dec);
	return 0;
}

int web_parse_target(const char *path, struct web_target *t)
{
	char *outs[3] = {t->resource, t->room, t->action};
	int i;

	memset(t, 0, sizeof(*t));
	for(i = 0; i < 3 && *path == '/'; i++) {
		size_t n = strcspn(path + 1, "/");
		if(copy_segment(path + 1, n, outs[i], i == 1) < 0)
			return -1;
		path += 1 + n;
	}
	t->with_room = t->room[0] != '\0';
	return *path == '\0' && t->resource[0] ? 0 : -1;
}
