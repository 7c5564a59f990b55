/*
 * test_text.c - the text rule (common/pchat_text.c): well-formed UTF-8 of XML 1.0
 * Chars, at every boundary of the Char production and of UTF-8 itself.
 */
#include <criterion/criterion.h>
#ifndef TestSuite /* cppcheck, which does not read criterion.h */
#define TestSuite(...)
#endif
#include <string.h>

#include "../../common/pchat_text.h"

/* Is the NUL-terminated s allowed? */
static int ok(const char *s)
{
	return pchat_text_ok(s, strlen(s), NULL);
}

/* Decodes s (all of it one sequence, or its maximal subpart): bytes taken, *valid. */
static size_t next(const char *s, size_t len, int *valid)
{
	return pchat_text_next(s, len, valid);
}

Test(text, ascii_and_the_three_allowed_controls)
{
	cr_assert(ok(""));
	cr_assert(ok("Lobby & friends <3"));
	cr_assert(ok("tab\there, LF\nthere, CR\r"));
	cr_assert(ok("\x20\x7e\x7f"), "DEL is a Char");
}

Test(text, other_c0_controls_are_refused)
{
	char s[2] = {0, 0};
	for(int c = 1; c < 0x20; c++) {
		s[0] = (char)c;
		cr_assert_eq(ok(s), c == '\t' || c == '\n' || c == '\r', "control 0x%02x", c);
	}
	cr_assert(!pchat_text_ok("a\0b", 3, NULL), "NUL");
}

Test(text, boundary_code_points)
{
	cr_assert(ok("\xc2\x80"), "U+0080 (C1 controls are Chars)");
	cr_assert(ok("\xed\x9f\xbf"), "U+D7FF");
	cr_assert(ok("\xee\x80\x80"), "U+E000");
	cr_assert(ok("\xef\xbf\xbd"), "U+FFFD");
	cr_assert(!ok("\xef\xbf\xbe"), "U+FFFE");
	cr_assert(!ok("\xef\xbf\xbf"), "U+FFFF");
	cr_assert(ok("\xf0\x90\x80\x80"), "U+10000");
	cr_assert(ok("\xf4\x8f\xbf\xbf"), "U+10FFFF");
	cr_assert(!ok("\xf4\x90\x80\x80"), "U+110000");
	cr_assert(ok("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), "é € 😀");
}

Test(text, surrogates_encoded_in_utf8_are_refused)
{
	cr_assert(!ok("\xed\xa0\x80"), "U+D800");
	cr_assert(!ok("\xed\xbf\xbf"), "U+DFFF");
	cr_assert(!ok("\xed\xa0\xbd\xed\xb8\x80"), "a CESU-8 pair");
}

Test(text, overlong_forms_are_refused)
{
	cr_assert(!ok("\xc0\xaf"), "'/' in two bytes");
	cr_assert(!ok("\xc1\xbf"));
	cr_assert(!ok("\xe0\x80\xaf"), "'/' in three bytes");
	cr_assert(!ok("\xe0\x9f\xbf"), "U+07FF in three bytes");
	cr_assert(!ok("\xf0\x80\x80\xaf"), "'/' in four bytes");
	cr_assert(!ok("\xf0\x8f\xbf\xbf"), "U+FFFF in four bytes");
	cr_assert(!ok("\xc0\x80"), "NUL in two bytes (modified UTF-8)");
}

Test(text, truncated_and_stray_bytes_are_refused)
{
	cr_assert(!ok("\xc3"), "a lead byte at the end");
	cr_assert(!ok("\xe2\x82"), "two of three");
	cr_assert(!ok("\xf0\x9f\x98"), "three of four");
	cr_assert(!ok("\xe2\x82x"), "cut by ASCII");
	cr_assert(!ok("\x80"), "a lone continuation byte");
	cr_assert(!ok("\xbf"));
	cr_assert(!ok("\xf5\x80\x80\x80"), "F5 never starts a sequence");
	cr_assert(!ok("\xff"));
	cr_assert(!pchat_text_ok("\xe2\x82\xac", 2, NULL), "the length counts, not the NUL");
}

Test(text, next_takes_whole_characters_and_maximal_subparts)
{
	int v;
	cr_assert_eq(next("a", 1, &v), 1);
	cr_assert(v);
	cr_assert_eq(next("\xf0\x9f\x98\x80", 4, &v), 4);
	cr_assert(v);
	cr_assert_eq(next("\xef\xbf\xbf", 3, &v), 3, "U+FFFF is one (refused) character");
	cr_assert(!v);
	cr_assert_eq(next("\x01", 1, &v), 1);
	cr_assert(!v);
	cr_assert_eq(next("\xe2\x82x", 3, &v), 2, "stops before the byte that breaks it");
	cr_assert(!v);
	cr_assert_eq(next("\xf0\x9f\x98", 3, &v), 3, "stops at the end");
	cr_assert(!v);
	cr_assert_eq(next("\xed\xa0\x80", 3, &v), 1, "ED A0 cannot begin a Char");
	cr_assert(!v);
	cr_assert_eq(next("\xe0\x80\x80", 3, &v), 1, "nor can E0 80");
	cr_assert(!v);
	cr_assert_eq(next("\xc0\xaf", 2, &v), 1);
	cr_assert(!v);
}

Test(text, the_first_bad_character_is_located)
{
	size_t bad = 99;
	cr_assert(!pchat_text_ok("A\xef\xbf\xbf"
				 "B",
			5, &bad));
	cr_assert_eq(bad, 1);
	cr_assert(!pchat_text_ok("\xc3\xa9\xc3\xa9\x01", 5, &bad));
	cr_assert_eq(bad, 2, "counted in characters, not bytes");
	bad = 99;
	cr_assert(pchat_text_ok("fine", 4, &bad));
	cr_assert_eq(bad, 99, "untouched when the text is fine");
}
