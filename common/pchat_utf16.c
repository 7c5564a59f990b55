/*
 * pchat_utf16.c - UTF-8 <-> UTF-16LE (pchat_utf16.h).
 */
#include "pchat_utf16.h"

/* The next code point of the UTF-8 text at *s (advanced past it), or -1 if the bytes
 * there are not well-formed UTF-8 (overlong forms and surrogates included). */
static long utf8_next(const unsigned char **s)
{
	const unsigned char *p = *s;
	long cp;
	int len;
	if(p[0] < 0x80)
		cp = p[0], len = 1;
	else if((p[0] & 0xE0) == 0xC0)
		cp = p[0] & 0x1F, len = 2;
	else if((p[0] & 0xF0) == 0xE0)
		cp = p[0] & 0x0F, len = 3;
	else if((p[0] & 0xF8) == 0xF0)
		cp = p[0] & 0x07, len = 4;
	else
		return -1;
	for(int i = 1; i < len; i++) {
		if((p[i] & 0xC0) != 0x80) /* a NUL here stops too: it is no continuation */
			return -1;
		cp = (cp << 6) | (p[i] & 0x3F);
	}
	static const long min[] = {0, 0, 0x80, 0x800, 0x10000};
	if(cp < min[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return -1;
	*s = p + len;
	return cp;
}

static void put_unit(uint8_t *out, long unit)
{
	out[0] = (uint8_t)(unit & 0xFF);
	out[1] = (uint8_t)(unit >> 8);
}

long pchat_utf16le_from_utf8(const char *s, uint8_t *out, size_t cap)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;
	while(*p) {
		long cp = utf8_next(&p);
		size_t need = cp >= 0x10000 ? 4 : 2;
		if(cp < 0 || n + need > cap)
			return -1;
		if(cp >= 0x10000) { /* a surrogate pair */
			cp -= 0x10000;
			put_unit(out + n, 0xD800 | (cp >> 10));
			n += 2;
			cp = 0xDC00 | (cp & 0x3FF);
		}
		put_unit(out + n, cp);
		n += 2;
	}
	return (long)n;
}

/* The UTF-8 encoding of cp (U+0001..U+10FFFF, no surrogate) at out[*n..cap): 0, or -1
 * if it does not fit with a NUL after it. */
static int utf8_put(unsigned long cp, char *out, size_t *n, size_t cap)
{
	int len = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
	static const unsigned char lead[] = {0, 0x00, 0xC0, 0xE0, 0xF0};
	if(*n + (size_t)len + 1 > cap)
		return -1;
	for(int i = len - 1; i > 0; i--, cp >>= 6)
		out[*n + (size_t)i] = (char)(0x80 | (cp & 0x3F));
	out[*n] = (char)(lead[len] | cp);
	*n += (size_t)len;
	return 0;
}

long pchat_utf16le_to_utf8(const uint8_t *in, size_t len, char *out, size_t cap)
{
	size_t n = 0;
	if(len % 2 || cap == 0)
		return -1;
	for(size_t i = 0; i < len; i += 2) {
		unsigned long cp = in[i] | (unsigned long)in[i + 1] << 8;
		if(cp >= 0xDC00 && cp <= 0xDFFF)
			return -1; /* a low surrogate first */
		if(cp >= 0xD800 && cp <= 0xDBFF) {
			unsigned long lo = i + 3 < len ? in[i + 2] | (unsigned long)in[i + 3] << 8
						       : 0;
			if(lo < 0xDC00 || lo > 0xDFFF)
				return -1;
			cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			i += 2;
		}
		if(cp == 0 || utf8_put(cp, out, &n, cap) < 0)
			return -1;
	}
	out[n] = '\0';
	return (long)n;
}
