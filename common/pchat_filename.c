/*
 * pchat_filename.c - see pchat_filename.h.
 */
#include "pchat_filename.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>

int pchat_guid(char out[PCHAT_GUID_LEN + 1])
{
	unsigned char b[16];
	if(getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		return -1;
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4: random */
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* variant 1 (RFC 4122) */
	snprintf(out, PCHAT_GUID_LEN + 1,
			"%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
			b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
			b[12], b[13], b[14], b[15]);
	return 0;
}

static int lower_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static int ext_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

int pchat_guid_valid(const char *s)
{
	size_t i;
	if(s == NULL || strlen(s) != PCHAT_GUID_LEN)
		return 0;
	for(i = 0; i < PCHAT_GUID_LEN; i++) {
		int dash = i == 8 || i == 13 || i == 18 || i == 23;
		if(dash ? s[i] != '-' : !lower_hex(s[i]))
			return 0;
	}
	return 1;
}

void pchat_file_ext(const char *name, char out[PCHAT_EXT_MAX + 1])
{
	const char *dot = name ? strrchr(name, '.') : NULL;
	size_t n, i;

	snprintf(out, PCHAT_EXT_MAX + 1, "%s", PCHAT_EXT_DEFAULT);
	if(dot == NULL || dot == name)
		return;
	n = strlen(dot + 1);
	if(n == 0 || n > PCHAT_EXT_MAX)
		return;
	for(i = 0; i < n; i++) {
		if(!ext_char(dot[1 + i]))
			return;
	}
	for(i = 0; i < n; i++) {
		char c = dot[1 + i];
		out[i] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	out[n] = '\0';
}

void pchat_stored_name(const char *guid, const char *name, char out[PCHAT_STORED_NAME_SIZE])
{
	char ext[PCHAT_EXT_MAX + 1];
	pchat_file_ext(name, ext);
	snprintf(out, PCHAT_STORED_NAME_SIZE, "%.36s.%s", guid, ext);
}

int pchat_stored_name_valid(const char *s)
{
	char guid[PCHAT_GUID_LEN + 1];
	size_t n, i;

	if(s == NULL || strlen(s) < PCHAT_GUID_LEN + 2 || s[PCHAT_GUID_LEN] != '.')
		return 0;
	memcpy(guid, s, PCHAT_GUID_LEN);
	guid[PCHAT_GUID_LEN] = '\0';
	if(!pchat_guid_valid(guid))
		return 0;
	n = strlen(s + PCHAT_GUID_LEN + 1);
	if(n > PCHAT_EXT_MAX)
		return 0;
	for(i = 0; i < n; i++) {
		char c = s[PCHAT_GUID_LEN + 1 + i];
		if(!ext_char(c) || (c >= 'A' && c <= 'Z'))
			return 0;
	}
	return 1;
}

int pchat_stored_name_fits(const char *stored, const char *name)
{
	char ext[PCHAT_EXT_MAX + 1];
	if(!pchat_stored_name_valid(stored))
		return 0;
	pchat_file_ext(name, ext);
	return strcmp(stored + PCHAT_GUID_LEN + 1, ext) == 0;
}

/* An RFC 6838 restricted-name character. */
static int type_char(char c)
{
	return ext_char(c) || (c != '\0' && strchr("!#$&^_.+-", c) != NULL);
}

/* The length of the restricted name at s (0 if none). */
static size_t type_name(const char *s)
{
	size_t n = 0;
	while(type_char(s[n]))
		n++;
	return n;
}

int pchat_media_type(const char *declared, char out[PCHAT_CTYPE_MAX + 1])
{
	size_t t, s, i;
	const char *p = declared;

	if(p == NULL)
		return 0;
	while(*p == ' ' || *p == '\t')
		p++;
	t = type_name(p);
	if(t == 0 || p[t] != '/')
		return 0;
	s = type_name(p + t + 1);
	if(s == 0 || t + 1 + s > PCHAT_CTYPE_MAX)
		return 0;
	/* what follows must be nothing or parameters */
	if(p[t + 1 + s] != '\0' && p[t + 1 + s] != ';' && p[t + 1 + s] != ' ')
		return 0;
	for(i = 0; i < t + 1 + s; i++)
		out[i] = (char)(p[i] >= 'A' && p[i] <= 'Z' ? p[i] - 'A' + 'a' : p[i]);
	out[t + 1 + s] = '\0';
	return 1;
}

void pchat_content_type(const char *declared, const char *ext, char out[PCHAT_CTYPE_MAX + 1])
{
	if(!pchat_media_type(declared, out))
		snprintf(out, PCHAT_CTYPE_MAX + 1, "%s", pchat_ctype_of_ext(ext));
}

static const char *const ext_types[][2] = {{"png", "image/png"}, {"jpg", "image/jpeg"},
		{"jpeg", "image/jpeg"}, {"gif", "image/gif"}, {"webp", "image/webp"},
		{"txt", "text/plain"}, {"log", "text/plain"}, {"pdf", "application/pdf"},
		{"zip", "application/zip"},
		{"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
		{"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
		{"pptx",
				"application/"
				"vnd.openxmlformats-officedocument.presentationml.presentation"}};

const char *pchat_ctype_of_ext(const char *ext)
{
	size_t i;
	for(i = 0; ext && i < sizeof(ext_types) / sizeof(ext_types[0]); i++) {
		if(strcmp(ext, ext_types[i][0]) == 0)
			return ext_types[i][1];
	}
	return PCHAT_CTYPE_DEFAULT;
}

int pchat_ctype_inline(const char *ctype)
{
	/* No SVG (it runs scripts), no HTML: everything else is saved, not shown. */
	static const char *const safe[] = {
			"image/png", "image/jpeg", "image/gif", "image/webp", "text/plain"};
	size_t i;
	for(i = 0; ctype && i < sizeof(safe) / sizeof(safe[0]); i++) {
		if(strcmp(ctype, safe[i]) == 0)
			return 1;
	}
	return 0;
}
