/*
 * pchat_retention.h - how long messages are kept (issue 15, docs/ADMIN.md
 * *Retention*): one rule for the admin library (which resolves it into
 * rooms.keep_sec), its tests and the readers' SQL.
 *
 * A setting (categories.retention_sec, rooms.retention_sec) is one of
 *   inherit   NULL: the room takes its category's, the category the server's default
 *   none      0: keep forever
 *   N         N seconds (written "30" or "30d" days, "12h", "10m", "90s")
 * The server's default, minimum and maximum are server_config rows in days
 * (RetentionDefaultDays, RetentionMinDays, RetentionMaxDays; 0: none, no minimum, no
 * maximum: common/pchat_settings.h).  A room's effective retention is its own, else
 * its category's, else the default, then clamped into [minimum, maximum] ("none"
 * becomes the maximum when there is one).
 */
#ifndef PCHAT_RETENTION_H
#define PCHAT_RETENTION_H

#include <stddef.h>

#define PCHAT_RET_INHERIT (-1LL) /* a setting: take the next level's */
#define PCHAT_RET_NONE 0LL	 /* a setting or a result: keep forever */
#define PCHAT_RET_DAY 86400LL
/* The longest retention (100 years; fits rooms.keep_sec, INT UNSIGNED). */
#define PCHAT_RET_MAX_SEC (36500LL * PCHAT_RET_DAY)
/* Room for the longest text pchat_retention_format writes. */
#define PCHAT_RET_TEXT_SIZE 24

/* The server-wide part, in seconds (0: no default = keep forever / no min / no max). */
struct pchat_ret_limits {
	long long dflt, min, max;
};

/* Parses "inherit", "none" or N[d|h|m|s] (bare N: days; 1 s .. 100 years) into *sec
 * (PCHAT_RET_INHERIT, PCHAT_RET_NONE, seconds): 0, or -1 with why filled. */
int pchat_retention_parse(const char *in, long long *sec, char *why, size_t whylen);
/* The setting as text: "inherit", "none", "30d", "12h", "10m" or "90s". */
void pchat_retention_format(long long sec, char out[PCHAT_RET_TEXT_SIZE]);
/* The effective retention (seconds, or PCHAT_RET_NONE) of a room with these settings. */
long long pchat_retention_effective(
		long long room, long long category, const struct pchat_ret_limits *lim);
/* May a room or category be set to sec (not inherit)?  0, or -1 with why filled. */
int pchat_retention_allowed(
		long long sec, const struct pchat_ret_limits *lim, char *why, size_t whylen);
/* Are the server-wide values consistent (min <= max; the default is clamped like
 * any other value)?  0, or -1 with why filled. */
int pchat_retention_limits_valid(const struct pchat_ret_limits *lim, char *why, size_t whylen);

/* The SQL condition "the message is not expired", given its posted_at column and its
 * room's rooms.keep_sec column (NULL: kept forever).  posted_at is UTC. */
#define PCHAT_RETAINED(posted_col, keep_col)                                                \
	" (" keep_col " IS NULL OR " posted_col " >= UTC_TIMESTAMP(3) - INTERVAL " keep_col \
	" SECOND) "

#endif
