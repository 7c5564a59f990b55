/*
 * pchat_text.h - which text the server accepts and sends: well-formed UTF-8 made
 * only of characters XML 1.0 can carry (its Char production: TAB, LF, CR,
 * U+0020-U+D7FF, U+E000-U+FFFD, U+10000-U+10FFFF).
 *
 * Every reply and notice is an XML document, and a single room name or topic that
 * XML cannot carry would make the room list ill-formed for everyone.  So the inputs
 * (the admin library's verbs, hence pchat-admin and the web service) refuse such
 * text, and the writer (backend/xccos.c) replaces whatever still gets through
 * (rows written by hand) with U+FFFD, both by these functions, so the two cannot
 * disagree on what is allowed.  Pure functions: no I/O, no allocation.
 */
#ifndef PCHAT_TEXT_H
#define PCHAT_TEXT_H

#include <stddef.h>

/* The UTF-8 encoding of U+FFFD REPLACEMENT CHARACTER, what the writer emits instead
 * of a character it may not send. */
#define PCHAT_TEXT_REPLACEMENT "\xef\xbf\xbd"

/*
 * The character at s[0..len), len > 0: returns the bytes it takes (1 to 4) and sets
 * *ok to 1 if they are one well-formed UTF-8 sequence encoding an XML 1.0 Char.
 * Otherwise *ok is 0; an ill-formed sequence then takes its longest prefix that
 * could still have begun a well-formed one (at least its first byte), the
 * "maximal subpart" of Unicode's U+FFFD substitution practice, so that a writer
 * replacing it never swallows the start of the next character.
 */
size_t pchat_text_next(const char *s, size_t len, int *ok);

/* Is s[0..len) well-formed UTF-8 made only of XML 1.0 Chars?  (An empty string is.)
 * If not, and bad is not NULL, *bad is the position (0-based, in characters, an
 * ill-formed sequence counting as one as above) of the first that is not, so that
 * an error message can point at it. */
int pchat_text_ok(const char *s, size_t len, size_t *bad);

#endif
