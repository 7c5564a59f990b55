/*
 * plist.c - see plist.h.
 */
#include "plist.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

void plist_set(struct plist *l, const char *spaced)
{
	size_t i, len = strlen(spaced ? spaced : ""), n = 0;
	plist_free(l);
	l->buf = xstrdup(spaced ? spaced : "");
	l->v = xcalloc(len / 2 + 1, sizeof(*l->v));
	for(i = 0; i < len; i++) {
		if(l->buf[i] == ' ')
			l->buf[i] = '\0';
		else if(i == 0 || l->buf[i - 1] == '\0')
			l->v[n++] = &l->buf[i];
	}
	l->n = n;
}

void plist_free(struct plist *l)
{
	free(l->buf);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

struct acl_list plist_acl(const struct plist *l)
{
	return (struct acl_list){l->v, l->n};
}
