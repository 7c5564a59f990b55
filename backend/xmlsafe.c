/*
 * xmlsafe.c - see xmlsafe.h.
 */
#define _GNU_SOURCE /* memmem */
#include "xmlsafe.h"
#include "pchat_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

static void xml_structured_error(void *ctx, xmlErrorPtr err)
{
	(void)ctx;
	if(err && err->message)
		log_debug("libxml2: line %d: %.*s", err->line, (int)strcspn(err->message, "\n"),
				err->message);
}

/* libxml2 may still use the printf-style channel for a few messages. */
static void xml_generic_error(void *ctx, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	(void)ctx;
	if(!log_enabled(LL_DEBUG))
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	buf[strcspn(buf, "\n")] = '\0';
	if(buf[0])
		log_debug("libxml2: %s", buf);
}

void xmlsafe_log_errors(void)
{
	xmlSetGenericErrorFunc(NULL, xml_generic_error);
	xmlSetStructuredErrorFunc(NULL, xml_structured_error);
}

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

	xmlsafe_log_errors(); /* the calling thread's (libxml2 keeps them per thread) */
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
