/*
 * pchat_sqltime.h - a UTC time as MariaDB's MYSQL_TIME (a DATETIME(3) parameter), for
 * the two prepared-statement binders: pchatd's (backend/dbsql.c, from a timespec) and
 * pchat-compliance's (compliance/cdb.c, from Unix milliseconds).  Header only, so
 * that libpchatcommon.a itself needs no MariaDB headers.
 */
#ifndef PCHAT_SQLTIME_H
#define PCHAT_SQLTIME_H

#include <string.h>
#include <time.h>

#include <mysql.h>

/* sec (Unix time) and ms (0 to 999) as a DATETIME, UTC, to the millisecond. */
static inline void pchat_sql_time(time_t sec, unsigned ms, MYSQL_TIME *t)
{
	struct tm tm;
	gmtime_r(&sec, &tm);
	memset(t, 0, sizeof(*t));
	t->year = (unsigned)tm.tm_year + 1900;
	t->month = (unsigned)tm.tm_mon + 1;
	t->day = (unsigned)tm.tm_mday;
	t->hour = (unsigned)tm.tm_hour;
	t->minute = (unsigned)tm.tm_min;
	t->second = (unsigned)tm.tm_sec;
	t->second_part = (unsigned long)ms * 1000;
	t->time_type = MYSQL_TIMESTAMP_DATETIME;
}

#endif
