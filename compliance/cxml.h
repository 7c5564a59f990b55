/*
 * cxml.h - what the compliance adapters share: when to write details, and the
 * xmlTextWriter calls, each returning 0 or -1 (libxml2's byte counts are of no use to
 * them), with every string going through one filter that keeps the output well-formed.
 *
 * Why a filter: xmlTextWriter escapes <&>" but copies control characters and invalid
 * UTF-8 as they are, which makes the whole file unreadable to an XML parser.  pchatd
 * already refuses such posts, but a room name or a post written by another tool could
 * still carry one, and failing the run would only retry it forever.  So each character
 * XML 1.0 cannot carry (C0 controls but tab/LF/CR, surrogates, U+FFFE/FFFF, ill-formed
 * UTF-8) is written as U+FFFD, as pchatd does (common/pchat_text.h decides for both).
 */
#ifndef PCHAT_CXML_H
#define PCHAT_CXML_H

#include <stddef.h>
#include <stdint.h>

#include <libxml/xmlwriter.h>

#include "adapter.h"

/* Whether the user's (room's) details are to be written: the switch is on and the
 * store found them. */
static inline int cx_user_detailed(const struct render *r, const struct ce_user *u)
{
	return r->opts->user_details && u->details;
}

static inline int cx_room_detailed(const struct render *r, const struct ce_room *room)
{
	return r->opts->room_details && room->details;
}

/* The XML declaration (UTF-8), indentation on, and the root element opened. */
int cx_doc_begin(xmlTextWriterPtr w, const char *root);
/* Closes every open element and flushes. */
int cx_doc_end(xmlTextWriterPtr w);

int cx_start(xmlTextWriterPtr w, const char *element);
int cx_end(xmlTextWriterPtr w);

/* An attribute of the element just started; nothing (and 0) when s is NULL. */
int cx_attr(xmlTextWriterPtr w, const char *name, const char *s);
int cx_attr_len(xmlTextWriterPtr w, const char *name, const char *s, size_t len);
int cx_attr_u64(xmlTextWriterPtr w, const char *name, uint64_t v);
int cx_attr_bool(xmlTextWriterPtr w, const char *name, int v);

/* <element>s</element>; <element/> when s is NULL. */
int cx_elem(xmlTextWriterPtr w, const char *element, const char *s);
int cx_elem_len(xmlTextWriterPtr w, const char *element, const char *s, size_t len);
int cx_elem_i64(xmlTextWriterPtr w, const char *element, int64_t v);
int cx_elem_u64(xmlTextWriterPtr w, const char *element, uint64_t v);
int cx_elem_bool(xmlTextWriterPtr w, const char *element, int v);

/* v in decimal, at the end of buf: returns where it starts (no snprintf: numbers are
 * written several times per event). */
#define CX_NUM 24
char *cx_u64(char buf[CX_NUM], uint64_t v);
char *cx_i64(char buf[CX_NUM], int64_t v);

/* A SIP URI without its scheme: "alice@example.com" for "sip:alice@example.com". */
const char *cx_login(const char *uri);

/* A copy of s[0..len) with what XML 1.0 cannot carry replaced by U+FFFD, NUL-ended;
 * NULL when out of memory.  free() it. */
char *cx_clean(const char *s, size_t len);

#endif
