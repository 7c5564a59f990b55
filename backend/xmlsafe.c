/*
 * xmlsafe.c - see xmlsafe.h.
 */
#define _GNU_SOURCE /* memmem */
#include "xmlsafe.h"

#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

static xmlDoc *read_doc(const char *buf, size_t len, char *why, size_t whylen)
{
	xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
	xmlDoc *doc;
	/* Deliberately absent: XML_PARSE_NOENT, XML_PARSE_DTDLOAD, XML_PARSE_DTDATTR,
	 * XML_PARSE_XINCLUDE, XML_PARSE_HUGE. */
	const int opts = XML_PARSE_NONET | XML_PARSE_NOCDATA;

	if(ctxt == NULL) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	doc = xmlCtxtReadMemory(ctxt, buf, (int)len, NULL, "UTF-8", opts);
	if(doc == NULL) {
		xmlErrorPtr e = xmlCtxtGetLastError(ctxt);
		if(e && e->message)
			snprintf(why, whylen, "malformed XML: line %d: %.*s", e->line,
					(int)strcspn(e->message, "\n"), e->message);
		else
			snprintf(why, whylen, "malformed XML");
	}
	xmlFreeParserCtxt(ctxt);
	return doc;
}

xmlDoc *xmlsafe_read(const char *buf, size_t len, size_t max_bytes, const char *what, char *why,
		size_t whylen)
{
	xmlDoc *doc;

	if(len > max_bytes) {
		snprintf(why, whylen, "%s too large (%zu bytes, limit %zu)", what, len, max_bytes);
		return NULL;
	}
	if(len == 0) {
		snprintf(why, whylen, "empty body");
		return NULL;
	}
	if(memmem(buf, len, "<!DOCTYPE", 9) != NULL) {
		snprintf(why, whylen, "DOCTYPE is not allowed");
		return NULL;
	}
	doc = read_doc(buf, len, why, whylen);
	if(doc && (doc->intSubset || doc->extSubset)) {
		xmlFreeDoc(doc);
		snprintf(why, whylen, "DOCTYPE is not allowed");
		return NULL;
	}
	return doc;
}
