/*
 * pchat_text.c - the text the server accepts and sends (see pchat_text.h).
 */
#include "pchat_text.h"

#include <stdint.h>

/* XML 1.0's Char production (section 2.2). */
static int xml_char(uint32_t c)
{
	return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
			(c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

size_t pchat_text_next(const char *s, size_t len, int *ok)
{
	const unsigned char *p = (const unsigned char *)s;
	/* The range of the second byte follows the lead byte (Unicode table 3-7): that
	 * is what refuses overlong forms (C0, C1, E0 80-9F, F0 80-8F), UTF-16
	 * surrogates (ED A0-BF) and code points above U+10FFFF (F4 90-BF, F5-FF). */
	unsigned char lo = 0x80, hi = 0xBF;
	size_t need, i;
	uint32_t c;

	*ok = 0;
	if(p[0] < 0x80) {
		*ok = xml_char(p[0]);
		return 1;
	}
	if(p[0] < 0xC2 || p[0] > 0xF4)
		return 1;
	if(p[0] < 0xE0) {
		need = 2;
		c = p[0] & 0x1F;
	} else if(p[0] < 0xF0) {
		need = 3;
		c = p[0] & 0x0F;
		lo = p[0] == 0xE0 ? 0xA0 : 0x80;
		hi = p[0] == 0xED ? 0x9F : 0xBF;
	} else {
		need = 4;
		c = p[0] & 0x07;
		lo = p[0] == 0xF0 ? 0x90 : 0x80;
		hi = p[0] == 0xF4 ? 0x8F : 0xBF;
	}
	for(i = 1; i < need; i++) {
		if(i >= len || p[i] < lo || p[i] > hi)
			return i;
		c = c << 6 | (p[i] & 0x3F);
		lo = 0x80;
		hi = 0xBF;
	}
	*ok = xml_char(c);
	return need;
}

int pchat_text_ok(const char *s, size_t len, size_t *bad)
{
	size_t i = 0, nchars = 0;
	for(; i < len; nchars++) {
		int ok;
		i += pchat_text_next(s + i, len - i, &ok);
		if(!ok) {
			if(bad)
				*bad = nchars;
			return 0;
		}
	}
	return 1;
}
