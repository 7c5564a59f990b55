/*
 * filetok.c - see filetok.h.
 */
#include "filetok.h"
#include "../common/pchat_text.h"

#include <stdio.h>
#include <string.h>

#define STR_(x) #x
#define STR(x) STR_(x)

/* C1 controls, U+0080-U+009F, are 0xC2 0x80-0x9F in UTF-8. */
static int is_c1(const unsigned char *p, size_t n)
{
	return n == 2 && p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f;
}

const char *ftok_name_problem(const char *name)
{
	size_t len = name ? strlen(name) : 0, i = 0;
	if(len == 0)
		return "the file name is empty";
	if(len > FTOK_NAME_MAX)
		return "the file name is longer than " STR(FTOK_NAME_MAX) " bytes";
	if(strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return "the file name may not be \".\" or \"..\"";
	if(strpbrk(name, "/\\") != NULL)
		return "the file name contains a path separator (/ or \\)";
	while(i < len) {
		const unsigned char *p = (const unsigned char *)name + i;
		int ok;
		size_t n = pchat_text_next(name + i, len - i, &ok);
		/* pchat_text_next accepts TAB, LF and CR (XML can carry them): not here. */
		if(*p < 0x20 || *p == 0x7f || is_c1(p, n))
			return "the file name contains a control character";
		if(!ok)
			return "the file name is not valid UTF-8 text";
		i += n;
	}
	return NULL;
}
