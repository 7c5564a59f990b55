/*
 * cetime.c - the reference's time attributes (cetime.h).
 */
#include <string.h>

#include "cetime.h"
#include "cxml.h"

/* 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z in Unix milliseconds. */
#define MS_MIN INT64_C(-62135596800000)
#define MS_MAX INT64_C(253402300799999)

/* The date of a day counted from 1970-01-01, proleptic Gregorian (H. Hinnant's
 * civil_from_days): gmtime_r without its time zone lock, event after event. */
static void civil(int64_t days, int64_t *year, unsigned *month, unsigned *day)
{
	int64_t z = days + 719468; /* from 0000-03-01 */
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);			      /* 0..146096 */
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* 0..399 */
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);		      /* 0..365 */
	unsigned mp = (5 * doy + 2) / 153;				      /* from March */

	*day = doy - (153 * mp + 2) / 5 + 1;
	*month = mp < 10 ? mp + 3 : mp - 9;
	*year = (int64_t)yoe + era * 400 + (*month <= 2);
}

/* v in width digits, zero-padded, at p: the end. */
static char *digits(char *p, unsigned v, int width)
{
	int i;
	for(i = width - 1; i >= 0; i--, v /= 10)
		p[i] = (char)('0' + v % 10);
	return p + width;
}

/* v in decimal into dst. */
static void decimal(char dst[CX_NUM], int64_t v)
{
	char buf[CX_NUM];
	const char *p = cx_i64(buf, v);
	memcpy(dst, p, (size_t)(buf + CX_NUM - p));
}

int ce_time_format(int64_t ms, struct ce_time *t)
{
	/* floor division: a time before 1970 still has a fraction in 0..999 */
	int64_t sec = ms / 1000 - (ms % 1000 < 0);
	int64_t days = sec / 86400 - (sec % 86400 < 0);
	unsigned s = (unsigned)(sec - days * 86400), month, day;
	int64_t year;
	char iso[sizeof(t->string)], *p = iso;

	if(ms < MS_MIN || ms > MS_MAX)
		return -1;
	civil(days, &year, &month, &day);
	/* YYYY-MM-DDThh:mm:ss.fff0000Z */
	p = digits(p, (unsigned)year, 4);
	*p++ = '-';
	p = digits(p, month, 2);
	*p++ = '-';
	p = digits(p, day, 2);
	*p++ = 'T';
	p = digits(p, s / 3600, 2);
	*p++ = ':';
	p = digits(p, s / 60 % 60, 2);
	*p++ = ':';
	p = digits(p, s % 60, 2);
	*p++ = '.';
	p = digits(p, (unsigned)(ms - sec * 1000), 3);
	memcpy(p, "0000Z", 6);
	memcpy(t->string, iso, sizeof(iso));
	decimal(t->since1970, ms);
	decimal(t->ticks, ms * 10000 + CE_TICKS_AT_EPOCH);
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
