/*
 * pchat_filelink.c - see pchat_filelink.h.
 */
#include "pchat_filelink.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			c == '-' || c == '.' || c == '_' || c == '~';
}

size_t pchat_pct_encode(const char *s, size_t len, char *out)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, n = 0;
	for(i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if(unreserved(c)) {
			out[n++] = (char)c;
			continue;
		}
		out[n++] = '%';
		out[n++] = hex[c >> 4];
		out[n++] = hex[c & 15];
	}
	out[n] = '\0';
	return n;
}

/* A URL we link to: http(s)://, then printable ASCII without '?', '#' or blanks. */
static int url_ok(const char *u, size_t len)
{
	size_t i;
	if(!((len > 7 && strncasecmp(u, "http://", 7) == 0) ||
			   (len > 8 && strncasecmp(u, "https://", 8) == 0)))
		return 0;
	for(i = 0; i < len; i++) {
		unsigned char c = (unsigned char)u[i];
		if(c <= ' ' || c >= 0x7f || c == '?' || c == '#')
			return 0;
	}
	return 1;
}

char *pchat_file_url(
		const char *base, unsigned long long room_id, const char *stored, const char *token)
{
	size_t n = strlen(base) + strlen(stored) + (token ? strlen(token) : 0) + 48;
	char *url = malloc(n);
	if(url == NULL)
		return NULL;
	snprintf(url, n, "%s/files/%llu/%s%s%s", base, room_id, stored, token ? "?token=" : "",
			token ? token : "");
	return url;
}

char *pchat_filelink_build(const char *url, const char *name, unsigned long long size)
{
	size_t ulen = url ? strlen(url) : 0, nlen = name ? strlen(name) : 0;
	size_t cap = sizeof(PCHAT_FILELINK_SCHEME) + ulen + 3 * nlen + 48;
	char *out, *p;

	if(!url_ok(url, ulen) || nlen == 0)
		return NULL;
	out = malloc(cap);
	if(out == NULL)
		return NULL;
	p = out + snprintf(out, cap, "%s%s?name=", PCHAT_FILELINK_SCHEME, url);
	p += pchat_pct_encode(name, nlen, p);
	snprintf(p, cap - (size_t)(p - out), "&size=%llu", size);
	return out;
}

static int hexval(char c)
{
	if(c >= '0' && c <= '9')
		return c - '0';
	if(c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if(c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes s[0..len) ("%XX"; '+' stays '+') into a new string; NULL if a '%' is not
 * followed by two hex digits or it would hold a NUL. */
static char *pct_decode(const char *s, size_t len)
{
	char *out = malloc(len + 1);
	size_t i, n = 0;
	if(out == NULL)
		return NULL;
	for(i = 0; i < len; i++) {
		int hi, lo;
		if(s[i] != '%') {
			out[n++] = s[i];
			continue;
		}
		if(i + 2 >= len)
			break;
		hi = hexval(s[i + 1]);
		lo = hexval(s[i + 2]);
		if(hi < 0 || lo < 0 || (hi == 0 && lo == 0))
			break;
		out[n++] = (char)(hi << 4 | lo);
		i += 2;
	}
	if(i < len) {
		free(out);
		return NULL;
	}
	out[n] = '\0';
	return out;
}

static int parse_size(const char *s, size_t len, unsigned long long *out)
{
	char buf[24], *end;
	if(len == 0 || len >= sizeof(buf) || s[0] < '0' || s[0] > '9')
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	*out = strtoull(buf, &end, 10);
	return errno == 0 && *end == '\0' ? 0 : -1;
}

/* One "key=value" parameter of the query. */
static int param(struct pchat_filelink *l, const char *p, size_t len, int *have_size)
{
	const char *eq = memchr(p, '=', len);
	size_t klen = eq ? (size_t)(eq - p) : len, vlen = eq ? len - klen - 1 : 0;
	if(klen == 4 && memcmp(p, "name", 4) == 0 && eq) {
		free(l->name);
		l->name = pct_decode(eq + 1, vlen);
		return l->name && l->name[0] ? 0 : -1;
	}
	if(klen == 4 && memcmp(p, "size", 4) == 0 && eq) {
		*have_size = 1;
		return parse_size(eq + 1, vlen, &l->size);
	}
	return 0; /* a parameter of a later version */
}

int pchat_filelink_parse(const char *text, size_t len, struct pchat_filelink *out)
{
	const size_t plen = sizeof(PCHAT_FILELINK_SCHEME) - 1;
	const char *q, *end, *p;
	int have_size = 0;

	memset(out, 0, sizeof(*out));
	if(text == NULL)
		return -1;
	end = text + len;
	if(len <= plen || strncasecmp(text, PCHAT_FILELINK_SCHEME, plen) != 0 ||
			memchr(text, '\0', len) != NULL)
		return -1;
	q = memchr(text + plen, '?', len - plen);
	if(q == NULL || !url_ok(text + plen, (size_t)(q - text - plen)))
		return -1;
	out->url = strndup(text + plen, (size_t)(q - text - plen));
	for(p = q + 1; out->url && p < end;) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		size_t n = amp ? (size_t)(amp - p) : (size_t)(end - p);
		if(param(out, p, n, &have_size) < 0)
			break;
		p += n + (amp ? 1 : 0);
	}
	if(out->url == NULL || p < end || out->name == NULL || !have_size) {
		pchat_filelink_free(out);
		return -1;
	}
	return 0;
}

void pchat_filelink_free(struct pchat_filelink *l)
{
	free(l->url);
	free(l->name);
	memset(l, 0, sizeof(*l));
}
