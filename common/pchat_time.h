/*
 * pchat_time.h - the times users give (pchat-admin's --since/--until, cmd:search's
 * since/until): ISO-8601 in UTC, read by one parser.  Pure functions.
 */
#ifndef PCHAT_TIME_H
#define PCHAT_TIME_H

#define PCHAT_TIME_LEN 80
/* YYYY-MM-DD[(T| )HH:MM[:SS[.fff]]][Z] rewritten for SQL ("YYYY-MM-DD HH:MM:SS.fff")
 * into out: 0, or -1 if s is not such a time. */
int pchat_time_parse(const char *s, char out[PCHAT_TIME_LEN]);

#endif
