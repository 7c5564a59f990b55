/*
 * cetime.h - the reference's three forms of a UTC time, as its XML adapter writes them
 * on every time element (docs/compliance.md):
 *   since1970  Unix milliseconds                        1212610540953
 *   string     ISO 8601, 7 fraction digits and Z        2008-06-04T20:15:40.9530000Z
 *   long       .NET ticks (100 ns since 0001-01-01)     633482073409530000
 * Our times are milliseconds, so the last four fraction digits are always 0.
 */
#ifndef PCHAT_CETIME_H
#define PCHAT_CETIME_H

#include <stdint.h>

#include <libxml/xmlwriter.h>

/* The ticks of the Unix epoch: 1970-01-01 counted from 0001-01-01. */
#define CE_TICKS_AT_EPOCH INT64_C(621355968000000000)

struct ce_time {
	char since1970[24]; /* CX_NUM */
	char string[32];
	char ticks[24];
};

/* The three forms of ms; -1 when ms lies outside 0001-01-01 .. 9999-12-31 (the range
 * of the ISO 4-digit year and of non-negative ticks). */
int ce_time_format(int64_t ms, struct ce_time *t);

/* <element since1970=... string=... long=.../>: 0, or -1. */
int ce_time_write(xmlTextWriterPtr w, const char *element, int64_t ms);

#endif
