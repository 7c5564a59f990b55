/*
 * test_log.c - the logger (common/pchat_log.c): one line per call whatever its text
 * holds (a client's newline cannot forge a line), values quoted when they must be,
 * the levels and their change at run time (log_step, SIGUSR1/SIGUSR2).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pchat_log.h"

/* stderr goes to a temporary file for the test (each test has a process of its own). */
static FILE *captured;

static void capture(void)
{
	captured = tmpfile();
	cr_assert_not_null(captured);
	fflush(stderr);
	cr_assert_eq(dup2(fileno(captured), STDERR_FILENO), STDERR_FILENO);
	log_ident = "test";
	log_threshold = LL_INFO;
}

/* Everything logged since capture(). */
static const char *logged(void)
{
	static char text[16384];
	size_t n;
	fflush(stderr);
	rewind(captured);
	n = fread(text, 1, sizeof(text) - 1, captured);
	text[n] = '\0';
	return text;
}

static size_t count_lines(const char *s)
{
	size_t n = 0;
	for(; *s; s++)
		n += *s == '\n';
	return n;
}

Test(log, safe_copies_one_line)
{
	char buf[16];
	cr_assert_str_eq(log_safe(buf, sizeof(buf), "a\nb\r\x01", 5), "a\\nb\\r?");
	cr_assert_str_eq(log_safe(buf, sizeof(buf), "0123456789abcdefghij", 20), "0123456789ab...");
	cr_assert_eq(strlen(buf), sizeof(buf) - 1);
	cr_assert_str_eq(
			log_safe(buf, sizeof(buf), "\n\n\n\n\n\n\n\n", 8), "\\n\\n\\n\\n\\n\\n...");
}

Test(log, levels)
{
	enum log_level l;
	cr_assert_eq(log_parse_level("debug", &l), 0);
	cr_assert_eq(l, LL_DEBUG);
	cr_assert_eq(log_parse_level("WARN", &l), 0);
	cr_assert_eq(l, LL_WARN);
	cr_assert_eq(log_parse_level("verbose", &l), -1);
	cr_assert_str_eq(log_level_name(LL_DEBUG), "debug");
}

/* Whatever the arguments hold, a call writes one line: a user name with a newline
 * cannot start a line that looks like ours. */
Test(log, msg_escapes_what_it_formats)
{
	capture();
	log_warn("session opened session=1 user=%s",
			"sip:a@b\n2030-01-01T00:00:00.000Z test[1] "
			"error: forged\r\x01");
	const char *out = logged();
	cr_assert_eq(count_lines(out), 1, "%s", out);
	cr_assert_not_null(
			strstr(out,
					"] warn: session opened session=1 user=sip:a@b\\n2030-01-01T"
					"00:00:00.000Z test[1] error: forged\\r?\n"),
			"%s", out);
	cr_assert_not_null(strstr(out, " test["), "%s", out);
}

Test(log, msg_bounds_a_long_line)
{
	static char big[10000];
	memset(big, 'x', sizeof(big) - 1);
	capture();
	log_info("payload=%s", big);
	const char *out = logged();
	size_t len = strlen(out);
	cr_assert_eq(count_lines(out), 1);
	cr_assert_leq(len, 4096);
	cr_assert_eq(strcmp(out + len - 4, "...\n"), 0, "%s", out + len - 10);
}

Test(log, threshold_filters)
{
	capture();
	log_debug("not written");
	log_msg(LL_DEBUG, "nor this");
	log_info("written");
	cr_assert_eq(count_lines(logged()), 1);
	cr_assert_null(strstr(logged(), "not written"));
}

/* SIGUSR1/SIGUSR2: one step each, within error..debug, always on record. */
Test(log, step_changes_the_level_and_says_so)
{
	capture();
	log_threshold = LL_ERROR;
	cr_assert_eq(log_step(-1, "SIGUSR2"), LL_ERROR);
	cr_assert_eq(log_step(1, "SIGUSR1"), LL_WARN);
	cr_assert_eq(log_threshold, LL_WARN);
	log_info("still hidden");
	cr_assert_eq(log_step(1, "SIGUSR1"), LL_INFO);
	cr_assert_eq(log_step(1, "SIGUSR1"), LL_DEBUG);
	log_debug("now shown");
	cr_assert_eq(log_step(1, "SIGUSR1"), LL_DEBUG);
	const char *out = logged();
	/* written even while the level hid info lines */
	cr_assert_not_null(
			strstr(out, "info: log level now error (was error, SIGUSR2)\n"), "%s", out);
	cr_assert_not_null(
			strstr(out, "info: log level now warn (was error, SIGUSR1)\n"), "%s", out);
	cr_assert_not_null(
			strstr(out, "info: log level now debug (was info, SIGUSR1)\n"), "%s", out);
	cr_assert_not_null(strstr(out, "debug: now shown\n"), "%s", out);
	cr_assert_null(strstr(out, "still hidden"), "%s", out);
	cr_assert_eq(count_lines(out), 6, "%s", out);
}

Test(log, value_is_quoted_only_when_it_must_be)
{
	char buf[32];
	cr_assert_str_eq(log_value(buf, sizeof(buf), "sip:alice@example.com", 21),
			"sip:alice@example.com");
	cr_assert_str_eq(log_value(buf, sizeof(buf), "Pidgin 2.14", 11), "\"Pidgin 2.14\"");
	cr_assert_str_eq(log_value(buf, sizeof(buf), "x room=7", 8), "\"x room=7\"");
	cr_assert_str_eq(log_value(buf, sizeof(buf), "room=7", 6), "\"room=7\"");
	cr_assert_str_eq(log_value(buf, sizeof(buf), "a\"b\\c", 5), "\"a\\\"b\\\\c\"");
	cr_assert_str_eq(log_value(buf, sizeof(buf), "a\nb", 3), "\"a\\nb\"");
	cr_assert_str_eq(log_value(buf, sizeof(buf), "", 0), "\"\"");
	/* cut: the mark inside the quotes, the closing quote kept */
	cr_assert_str_eq(log_value(buf, sizeof(buf), "0123456789 0123456789 0123456789", 32),
			"\"0123456789 0123456789 0123...\"");
	cr_assert_eq(strlen(buf), sizeof(buf) - 1);
}
