/*
 * pchat_retention.c - see pchat_retention.h.
 */
#include "pchat_retention.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct unit {
	char c;
	long long sec;
} units[] = {{'d', PCHAT_RET_DAY}, {'h', 3600}, {'m', 60}, {'s', 1}};
#define N_UNITS (sizeof(units) / sizeof(units[0]))

/* The unit of suffix ("" days), or 0. */
static long long unit_of(const char *suffix)
{
	if(suffix[0] == '\0')
		return PCHAT_RET_DAY;
	for(size_t i = 0; suffix[1] == '\0' && i < N_UNITS; i++)
		if(suffix[0] == units[i].c)
			return units[i].sec;
	return 0;
}

int pchat_retention_parse(const char *in, long long *sec, char *why, size_t whylen)
{
	const char *p = in ? in : "";
	size_t digits = strspn(p, "0123456789");
	long long mult = unit_of(p + digits), n;

	if(strcmp(p, "inherit") == 0 || strcmp(p, "none") == 0) {
		*sec = p[0] == 'i' ? PCHAT_RET_INHERIT : PCHAT_RET_NONE;
		return 0;
	}
	if(digits == 0 || digits > 12 || mult == 0) {
		snprintf(why, whylen,
				"retention \"%s\": give a number of days (30), a duration "
				"(30d, 12h, 10m, 90s), none (keep forever) or inherit",
				p);
		return -1;
	}
	n = strtoll(p, NULL, 10);
	if(n == 0 || n > PCHAT_RET_MAX_SEC / mult) {
		snprintf(why, whylen,
				"retention \"%s\" is out of range: from 1 second to 36500 days "
				"(none keeps forever)",
				p);
		return -1;
	}
	*sec = n * mult;
	return 0;
}

void pchat_retention_format(long long sec, char out[PCHAT_RET_TEXT_SIZE])
{
	if(sec < 0 || sec == PCHAT_RET_NONE) {
		snprintf(out, PCHAT_RET_TEXT_SIZE, "%s", sec < 0 ? "inherit" : "none");
		return;
	}
	for(size_t i = 0; i < N_UNITS; i++) {
		if(sec % units[i].sec == 0) {
			snprintf(out, PCHAT_RET_TEXT_SIZE, "%lld%c", sec / units[i].sec,
					units[i].c);
			return;
		}
	}
}

long long pchat_retention_effective(
		long long room, long long category, const struct pchat_ret_limits *lim)
{
	long long v = room != PCHAT_RET_INHERIT		? room
			: category != PCHAT_RET_INHERIT ? category
							: lim->dflt;
	if(v == PCHAT_RET_NONE)
		return lim->max > 0 ? lim->max : PCHAT_RET_NONE;
	if(lim->min > 0 && v < lim->min)
		v = lim->min;
	if(lim->max > 0 && v > lim->max)
		v = lim->max;
	return v;
}

/* "7 days", or "90 seconds" for a limit that is no whole number of days (tests). */
static void describe(long long sec, char *out, size_t len)
{
	if(sec % PCHAT_RET_DAY == 0)
		snprintf(out, len, "%lld day%s", sec / PCHAT_RET_DAY,
				sec == PCHAT_RET_DAY ? "" : "s");
	else
		snprintf(out, len, "%lld seconds", sec);
}

int pchat_retention_allowed(
		long long sec, const struct pchat_ret_limits *lim, char *why, size_t whylen)
{
	char text[PCHAT_RET_TEXT_SIZE], lim_text[48];
	pchat_retention_format(sec, text);
	if(sec == PCHAT_RET_NONE && lim->max > 0) {
		describe(lim->max, lim_text, sizeof(lim_text));
		snprintf(why, whylen,
				"retention none (keep forever) is out of range: the server keeps "
				"messages at most %s (RetentionMaxDays)",
				lim_text);
		return -1;
	}
	if(sec != PCHAT_RET_NONE &&
			((lim->min > 0 && sec < lim->min) || (lim->max > 0 && sec > lim->max))) {
		int low = lim->min > 0 && sec < lim->min;
		describe(low ? lim->min : lim->max, lim_text, sizeof(lim_text));
		snprintf(why, whylen, "retention %s is out of range: the server's %s is %s (%s)",
				text, low ? "minimum" : "maximum", lim_text,
				low ? "RetentionMinDays" : "RetentionMaxDays");
		return -1;
	}
	return 0;
}

int pchat_retention_limits_valid(const struct pchat_ret_limits *lim, char *why, size_t whylen)
{
	if(lim->min > 0 && lim->max > 0 && lim->min > lim->max) {
		snprintf(why, whylen,
				"RetentionMinDays (%lld) is above RetentionMaxDays (%lld): no "
				"retention would be allowed",
				lim->min / PCHAT_RET_DAY, lim->max / PCHAT_RET_DAY);
		return -1;
	}
	return 0;
}
