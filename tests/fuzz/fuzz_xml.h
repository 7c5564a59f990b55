/*
 * fuzz_xml.h - what the harnesses of pchatd's XML readers (fuzz_xccos, fuzz_soap)
 * share: their libFuzzer initialisation and the reading back of what we wrote.
 */
#ifndef FUZZ_XML_H
#define FUZZ_XML_H

#include <stddef.h>

#include <libxml/parser.h>

/* Reads doc[0..len) the way xccos_parse and soap_parse read (UTF-8, no network):
 * NULL if it is not well-formed XML.  Free with xmlFreeDoc. */
xmlDoc *fuzz_xml_read(const char *doc, size_t len);

#endif
