/*
 * test_retention.c - retention settings and their resolution (common/pchat_retention.c):
 * the text an administrator gives, the effective retention of a room (room over
 * category over the server's default) clamped by the server's minimum and maximum,
 * and the refusals of values out of range.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "../../common/pchat_retention.h"

#ifndef TestSuite /* cppcheck, which does not read criterion.h */
#define TestSuite(...)
#endif

#define DAY PCHAT_RET_DAY
#define INH PCHAT_RET_INHERIT
#define NONE PCHAT_RET_NONE

static char why[300];

static long long parsed(const char *in)
{
	long long sec = -42;
	why[0] = '\0';
	cr_assert_eq(pchat_retention_parse(in, &sec, why, sizeof(why)), 0, "'%s' refused: %s", in,
			why);
	return sec;
}

static const char *refused(const char *in)
{
	long long sec = -42;
	why[0] = '\0';
	cr_assert_eq(pchat_retention_parse(in, &sec, why, sizeof(why)), -1, "'%s' accepted: %lld",
			in, sec);
	cr_assert_eq(sec, -42, "a refusal set the value");
	cr_assert_neq(why[0], '\0');
	return why;
}

Test(retention, parses_days_units_none_and_inherit)
{
	cr_assert_eq(parsed("30"), 30 * DAY);
	cr_assert_eq(parsed("30d"), 30 * DAY);
	cr_assert_eq(parsed("12h"), 12LL * 3600);
	cr_assert_eq(parsed("10m"), 600);
	cr_assert_eq(parsed("90s"), 90);
	cr_assert_eq(parsed("36500"), 36500 * DAY);
	cr_assert_eq(parsed("none"), NONE);
	cr_assert_eq(parsed("inherit"), INH);
}

Test(retention, refuses_bad_text_with_the_reason)
{
	cr_assert(strstr(refused("0"), "out of range"));
	cr_assert(strstr(refused("0s"), "out of range"));
	cr_assert(strstr(refused("36501"), "36500 days"));
	cr_assert(strstr(refused("876001h"), "out of range"));
	cr_assert(strstr(refused(""), "give a number of days"));
	cr_assert(strstr(refused("5x"), "give a number of days"));
	cr_assert(strstr(refused("-3"), "give a number of days"));
	cr_assert(strstr(refused("3 d"), "give a number of days"));
	cr_assert(strstr(refused("3dd"), "give a number of days"));
	cr_assert(strstr(refused("d"), "give a number of days"));
	cr_assert(strstr(refused("99999999999999999999"), "give a number of days"));
	cr_assert(strstr(refused("forever"), "none (keep forever)"));
}

Test(retention, formats_in_the_largest_whole_unit)
{
	char t[PCHAT_RET_TEXT_SIZE];
	const struct {
		long long sec;
		const char *text;
	} cases[] = {{INH, "inherit"}, {NONE, "none"}, {30 * DAY, "30d"}, {36LL * 3600, "36h"},
			{600, "10m"}, {90, "90s"}, {DAY + 1, "86401s"}};
	for(size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pchat_retention_format(cases[i].sec, t);
		cr_assert_str_eq(t, cases[i].text);
		if(cases[i].sec != INH && cases[i].sec != NONE)
			cr_assert_eq(parsed(t), cases[i].sec, "'%s' does not parse back", t);
	}
}

Test(retention, room_overrides_category_overrides_default)
{
	struct pchat_ret_limits lim = {90 * DAY, 0, 0};
	cr_assert_eq(pchat_retention_effective(INH, INH, &lim), 90 * DAY);
	cr_assert_eq(pchat_retention_effective(INH, 30 * DAY, &lim), 30 * DAY);
	cr_assert_eq(pchat_retention_effective(7 * DAY, 30 * DAY, &lim), 7 * DAY);
	cr_assert_eq(pchat_retention_effective(NONE, 30 * DAY, &lim), NONE);
	cr_assert_eq(pchat_retention_effective(INH, NONE, &lim), NONE);
	lim.dflt = NONE;
	cr_assert_eq(pchat_retention_effective(INH, INH, &lim), NONE, "no default keeps forever");
}

Test(retention, clamped_by_the_server_minimum_and_maximum)
{
	struct pchat_ret_limits lim = {NONE, 7 * DAY, 365 * DAY};
	cr_assert_eq(pchat_retention_effective(DAY, INH, &lim), 7 * DAY);
	cr_assert_eq(pchat_retention_effective(INH, 1000 * DAY, &lim), 365 * DAY);
	cr_assert_eq(pchat_retention_effective(30 * DAY, INH, &lim), 30 * DAY);
	cr_assert_eq(pchat_retention_effective(INH, INH, &lim), 365 * DAY,
			"forever becomes the maximum");
	cr_assert_eq(pchat_retention_effective(NONE, INH, &lim), 365 * DAY);
	lim.max = 0;
	cr_assert_eq(pchat_retention_effective(NONE, INH, &lim), NONE, "no maximum: forever");
	cr_assert_eq(pchat_retention_effective(60, INH, &lim), 7 * DAY);
}

Test(retention, values_out_of_the_server_range_are_refused_clearly)
{
	struct pchat_ret_limits lim = {NONE, 2 * DAY, 30 * DAY};
	cr_assert_eq(pchat_retention_allowed(2 * DAY, &lim, why, sizeof(why)), 0);
	cr_assert_eq(pchat_retention_allowed(30 * DAY, &lim, why, sizeof(why)), 0);
	cr_assert_eq(pchat_retention_allowed(DAY, &lim, why, sizeof(why)), -1);
	cr_assert(strstr(why, "retention 1d is out of range: the server's minimum is 2 days"), "%s",
			why);
	cr_assert_eq(pchat_retention_allowed(31 * DAY, &lim, why, sizeof(why)), -1);
	cr_assert(strstr(why, "maximum is 30 days (RetentionMaxDays)"), "%s", why);
	cr_assert_eq(pchat_retention_allowed(NONE, &lim, why, sizeof(why)), -1);
	cr_assert(strstr(why, "none (keep forever) is out of range"), "%s", why);
	lim.max = 0;
	cr_assert_eq(pchat_retention_allowed(NONE, &lim, why, sizeof(why)), 0);
}

Test(retention, limits_minimum_above_maximum_refused)
{
	struct pchat_ret_limits ok = {NONE, 7 * DAY, 7 * DAY}, bad = {NONE, 10 * DAY, 5 * DAY},
				unbounded = {NONE, 10 * DAY, 0};
	cr_assert_eq(pchat_retention_limits_valid(&ok, why, sizeof(why)), 0);
	cr_assert_eq(pchat_retention_limits_valid(&unbounded, why, sizeof(why)), 0);
	cr_assert_eq(pchat_retention_limits_valid(&bad, why, sizeof(why)), -1);
	cr_assert(strstr(why, "RetentionMinDays (10) is above RetentionMaxDays (5)"), "%s", why);
}

Test(retention, sql_condition_names_its_columns)
{
	cr_assert_str_eq(PCHAT_RETAINED("m.posted_at", "r.keep_sec"),
			" (r.keep_sec IS NULL OR m.posted_at >= UTC_TIMESTAMP(3) - INTERVAL "
			"r.keep_sec SECOND) ");
}
