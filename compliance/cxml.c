/*
 * cxml.c - the xmlTextWriter calls the compliance adapters share (cxml.h).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cxml.h"
#include "pchat_text.h"

#define X(s) ((const xmlChar *)(s))

/* The most a filtered text can take: each byte of s may become U+FFFD. */
#define FILTERED_MAX(len) ((len) * (sizeof(PCHAT_TEXT_REPLACEMENT) - 1) + 1)

/* An ASCII byte XML 1.0 carries as it is: most text is only these, which skip
 * pchat_text_next (the hot path of the output, event after event). */
static int plain(unsigned char c)
{
	return (c >= 0x20 && c < 0x7F) || c == '\t' || c == '\n' || c == '\r';
}

/* Copies s[0..len) to out (FILTERED_MAX(len) bytes) with each character XML 1.0
 * cannot carry (an ill-formed sequence counting as pchat_text_next says) replaced by
 * U+FFFD, and a NUL after.  Returns the output's length. */
static size_t filter(const char *s, size_t len, char *out)
{
	static const size_t rep_len = sizeof(PCHAT_TEXT_REPLACEMENT) - 1;
	size_t i = 0, o = 0;

	while(i < len) {
		size_t start = i;
		int ok;

		while(i < len && plain((unsigned char)s[i]))
			i++;
		if(i > start) {
			memcpy(out + o, s + start, i - start);
			o += i - start;
			continue;
		}
		size_t n = pchat_text_next(s + i, len - i, &ok);
		size_t m = ok ? n : rep_len;
		memcpy(out + o, ok ? s + i : PCHAT_TEXT_REPLACEMENT, m);
		o += m;
		i += n;
	}
	out[o] = '\0';
	return o;
}

char *cx_clean(const char *s, size_t len)
{
	char *out = malloc(FILTERED_MAX(len));

	if(out != NULL)
		filter(s, len, out);
	return out;
}

/* A filtered copy of s[0..len): in small (the usual short text, no allocation), else
 * malloc'd into *big (free it).  NULL when out of memory. */
#define SMALL 4096
static const char *filtered(const char *s, size_t len, char small[SMALL], char **big)
{
	*big = NULL;
	if(FILTERED_MAX(len) <= SMALL) {
		filter(s, len, small);
		return small;
	}
	return *big = cx_clean(s, len);
}

/* libxml2 returns a byte count or -1 */
static int status(int rc)
{
	return rc < 0 ? -1 : 0;
}

int cx_doc_begin(xmlTextWriterPtr w, const char *root)
{
	if(xmlTextWriterSetIndent(w, 1) < 0 ||
			xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) < 0)
		return -1;
	return cx_start(w, root);
}

int cx_doc_end(xmlTextWriterPtr w)
{
	return status(xmlTextWriterEndDocument(w));
}

int cx_start(xmlTextWriterPtr w, const char *element)
{
	return status(xmlTextWriterStartElement(w, X(element)));
}

int cx_end(xmlTextWriterPtr w)
{
	return status(xmlTextWriterEndElement(w));
}

int cx_attr_len(xmlTextWriterPtr w, const char *name, const char *s, size_t len)
{
	char small[SMALL], *big;
	const char *v;
	int rc;

	if(s == NULL)
		return 0;
	if((v = filtered(s, len, small, &big)) == NULL)
		return -1;
	rc = xmlTextWriterWriteAttribute(w, X(name), X(v));
	free(big);
	return status(rc);
}

int cx_attr(xmlTextWriterPtr w, const char *name, const char *s)
{
	return s == NULL ? 0 : cx_attr_len(w, name, s, strlen(s));
}

char *cx_u64(char buf[CX_NUM], uint64_t v)
{
	char *p = &buf[CX_NUM - 1];

	*p = '\0';
	do
		*--p = (char)('0' + v % 10);
	while((v /= 10) != 0);
	return p;
}

char *cx_i64(char buf[CX_NUM], int64_t v)
{
	/* the magnitude as unsigned: -INT64_MIN does not fit an int64_t */
	char *p = cx_u64(buf, v < 0 ? 0 - (uint64_t)v : (uint64_t)v);

	if(v < 0)
		*--p = '-';
	return p;
}

int cx_attr_u64(xmlTextWriterPtr w, const char *name, uint64_t v)
{
	char buf[CX_NUM];

	return status(xmlTextWriterWriteAttribute(w, X(name), X(cx_u64(buf, v))));
}

int cx_attr_bool(xmlTextWriterPtr w, const char *name, int v)
{
	return cx_attr(w, name, v ? "true" : "false");
}

int cx_elem_len(xmlTextWriterPtr w, const char *element, const char *s, size_t len)
{
	char small[SMALL], *big;
	const char *v;
	int rc;

	if(s == NULL)
		return status(xmlTextWriterWriteElement(w, X(element), NULL));
	if((v = filtered(s, len, small, &big)) == NULL)
		return -1;
	rc = xmlTextWriterWriteElement(w, X(element), X(v));
	free(big);
	return status(rc);
}

int cx_elem(xmlTextWriterPtr w, const char *element, const char *s)
{
	return cx_elem_len(w, element, s, s == NULL ? 0 : strlen(s));
}

int cx_elem_i64(xmlTextWriterPtr w, const char *element, int64_t v)
{
	char buf[CX_NUM];

	return status(xmlTextWriterWriteElement(w, X(element), X(cx_i64(buf, v))));
}

int cx_elem_u64(xmlTextWriterPtr w, const char *element, uint64_t v)
{
	char buf[CX_NUM];

	return status(xmlTextWriterWriteElement(w, X(element), X(cx_u64(buf, v))));
}

int cx_elem_bool(xmlTextWriterPtr w, const char *element, int v)
{
	return cx_elem(w, element, v ? "true" : "false");
}

const char *cx_login(const char *uri)
{
	return strncasecmp(uri, "sip:", 4) == 0 ? uri + 4 : uri;
}
