/*
 * cevent.c - the names of the compliance event types, as compliance_events.event_type
 * stores them (sql/migrations/008_compliance.sql) and as the XML adapter writes them.
 */
#include <string.h>

#include "cevent.h"

/* Indexed by enum ce_type: the column's ENUM, in the same order. */
static const char *const type_names[CE_TYPES] = {"JOIN", "PART", "CHAT", "BACKCHAT", "FILEUPLOAD",
		"FILEDOWNLOAD", "REPLACE", "PURGE"};

const char *ce_type_name(enum ce_type t)
{
	return (unsigned)t < CE_TYPES ? type_names[t] : NULL;
}

int ce_type_parse(const char *s)
{
	int t;

	if(s == NULL)
		return -1;
	for(t = 0; t < CE_TYPES; t++)
		if(strcmp(s, type_names[t]) == 0)
			return t;
	return -1;
}
