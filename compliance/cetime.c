/*
 * cetime.c - the reference's time attributes (cetime.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cetime.h"
#include "cxml.h"

/* 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z in Unix milliseconds. */
#define MS_MIN INT64_C(-62135596800000)
#define MS_MAX INT64_C(253402300799999)

int ce_time_format(int64_t ms, struct ce_time *t)
{
	/* floor division: a time before 1970 still has a fraction in 0..999 */
	int64_t sec = ms / 1000 - (ms % 1000 < 0);
	int frac = (int)(ms - sec * 1000);
	time_t tt = (time_t)sec;
	struct tm tm;
	/* as wide as the compiler reckons %d can be; the range check makes it 28 */
	char iso[96];
	int n;

	if(ms < MS_MIN || ms > MS_MAX || gmtime_r(&tt, &tm) == NULL)
		return -1;
	n = snprintf(iso, sizeof(iso), "%04d-%02d-%02dT%02d:%02d:%02d.%03d0000Z", tm.tm_year + 1900,
			tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
	if(n < 0 || n >= (int)sizeof(t->string))
		return -1;
	memcpy(t->string, iso, (size_t)n + 1);
	snprintf(t->since1970, sizeof(t->since1970), "%" PRId64, ms);
	snprintf(t->ticks, sizeof(t->ticks), "%" PRId64, ms * 10000 + CE_TICKS_AT_EPOCH);
	return 0;
}

int ce_time_write(xmlTextWriterPtr w, const char *element, int64_t ms)
{
	struct ce_time t;

	if(ce_time_format(ms, &t) < 0)
		return -1;
	if(cx_start(w, element) < 0 || cx_attr(w, "since1970", t.since1970) < 0 ||
			cx_attr(w, "string", t.string) < 0 || cx_attr(w, "long", t.ticks) < 0)
		return -1;
	return cx_end(w);
}
