/*
 * cxml.c - the xmlTextWriter calls the compliance adapters share (cxml.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cxml.h"
#include "pchat_text.h"

#define X(s) ((const xmlChar *)(s))

/* Copies s[0..len) to out with each character XML 1.0 cannot carry (an ill-formed
 * sequence counting as pchat_text_next says) replaced by U+FFFD; with out NULL only
 * counts.  Returns the output's length. */
static size_t filter(const char *s, size_t len, char *out)
{
	static const size_t rep_len = sizeof(PCHAT_TEXT_REPLACEMENT) - 1;
	size_t i = 0, o = 0;

	while(i < len) {
		int ok;
		size_t n = pchat_text_next(s + i, len - i, &ok);
		size_t m = ok ? n : rep_len;

		if(out != NULL)
			memcpy(out + o, ok ? s + i : PCHAT_TEXT_REPLACEMENT, m);
		o += m;
		i += n;
	}
	return o;
}

char *cx_clean(const char *s, size_t len)
{
	size_t n = filter(s, len, NULL);
	char *out = malloc(n + 1);

	if(out == NULL)
		return NULL;
	filter(s, len, out);
	out[n] = '\0';
	return out;
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
	char *v;
	int rc;

	if(s == NULL)
		return 0;
	if((v = cx_clean(s, len)) == NULL)
		return -1;
	rc = xmlTextWriterWriteAttribute(w, X(name), X(v));
	free(v);
	return status(rc);
}

int cx_attr(xmlTextWriterPtr w, const char *name, const char *s)
{
	return s == NULL ? 0 : cx_attr_len(w, name, s, strlen(s));
}

int cx_attr_u64(xmlTextWriterPtr w, const char *name, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return cx_attr(w, name, buf);
}

int cx_attr_bool(xmlTextWriterPtr w, const char *name, int v)
{
	return cx_attr(w, name, v ? "true" : "false");
}

int cx_elem_len(xmlTextWriterPtr w, const char *element, const char *s, size_t len)
{
	char *v;
	int rc;

	if(s == NULL)
		return status(xmlTextWriterWriteElement(w, X(element), NULL));
	if((v = cx_clean(s, len)) == NULL)
		return -1;
	rc = xmlTextWriterWriteElement(w, X(element), X(v));
	free(v);
	return status(rc);
}

int cx_elem(xmlTextWriterPtr w, const char *element, const char *s)
{
	return cx_elem_len(w, element, s, s == NULL ? 0 : strlen(s));
}

int cx_elem_i64(xmlTextWriterPtr w, const char *element, int64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	return cx_elem(w, element, buf);
}

int cx_elem_u64(xmlTextWriterPtr w, const char *element, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return cx_elem(w, element, buf);
}

int cx_elem_bool(xmlTextWriterPtr w, const char *element, int v)
{
	return cx_elem(w, element, v ? "true" : "false");
}

const char *cx_login(const char *uri)
{
	return strncasecmp(uri, "sip:", 4) == 0 ? uri + 4 : uri;
}
