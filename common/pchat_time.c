/*
 * pchat_time.c - see pchat_time.h.
 */
#include "pchat_time.h"

#include <ctype.h>
#include <stdio.h>

/* Reads n digits of s into *v; advances s. */
static int digits(const char **s, int n, int *v)
{
	*v = 0;
	for(int i = 0; i < n; i++, (*s)++) {
		if(!isdigit((unsigned char)**s))
			return -1;
		*v = *v * 10 + (**s - '0');
	}
	return 0;
}

int pchat_time_parse(const char *s, char out[PCHAT_TIME_LEN])
{
	int y, mo, d, h = 0, mi = 0, sec = 0, ms = 0;
	if(digits(&s, 4, &y) || *s++ != '-' || digits(&s, 2, &mo) || *s++ != '-' ||
			digits(&s, 2, &d))
		return -1;
	if(*s == 'T' || *s == 't' || *s == ' ') {
		s++;
		if(digits(&s, 2, &h) || *s++ != ':' || digits(&s, 2, &mi))
			return -1;
		if(*s == ':' && (s++, digits(&s, 2, &sec)))
			return -1;
		if(*s == '.') {
			int n = 0;
			for(s++; isdigit((unsigned char)*s); s++, n++)
				if(n < 3)
					ms = ms * 10 + (*s - '0');
			for(; n < 3; n++)
				ms *= 10;
		}
	}
	if(*s == 'Z' || *s == 'z')
		s++;
	if(*s || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -1;
	snprintf(out, PCHAT_TIME_LEN, "%04d-%02d-%02d %02d:%02d:%02d.%03d", y, mo, d, h, mi, sec,
			ms);
	return 0;
}
