/*
 * xmlsafe.h - reading an untrusted XML document with libxml2 under one set of rules,
 * for XCCOS bodies (xccos.c) and the file service's SOAP requests (soap.c).
 *
 * The size is checked before libxml2 sees the bytes; any DOCTYPE is refused, both by
 * a byte scan before parsing and by checking the parsed tree; the parser runs with
 * XML_PARSE_NONET and without XML_PARSE_NOENT / XML_PARSE_DTDLOAD, so no entity is
 * ever expanded and nothing is fetched.  The encoding is forced to UTF-8, which also
 * means a UTF-16 body cannot smuggle a DOCTYPE past the byte scan.  libxml2 must have
 * been initialised (xccos_init()).
 */
#ifndef PCHAT_XMLSAFE_H
#define PCHAT_XMLSAFE_H

#include <stddef.h>

#include <libxml/tree.h>

/* Sends the calling thread's libxml2 messages to our log (debug) rather than to
 * stderr; libxml2 keeps the handlers per thread.  xmlsafe_read() calls it. */
void xmlsafe_log_errors(void);

/* The document in buf[0..len), or NULL with the reason in why: "<what> too large
 * (N bytes, limit M)", "empty body", "DOCTYPE is not allowed", "malformed XML: ...".
 * Free it with xmlFreeDoc(). */
xmlDoc *xmlsafe_read(const char *buf, size_t len, size_t max_bytes, const char *what, char *why,
		size_t whylen);

#endif
