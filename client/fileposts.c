/* fileposts: see fileposts.h. */
#define _GNU_SOURCE
#include "fileposts.h"

#include "pchat_filelink.h"

#include <stdlib.h>
#include <string.h>

#define LOCAL_NAME_MAX 255 /* NAME_MAX of the usual file systems */

static const struct fp_file *find_url(const struct fp_list *l, const char *url)
{
	for(size_t i = 0; i < l->len; i++)
		if(strcmp(l->v[i].url, url) == 0)
			return &l->v[i];
	return NULL;
}

/* Appends the link as the next number; takes its strings. */
static const struct fp_file *append(
		struct fp_list *l, const char *room_uri, struct pchat_filelink *link)
{
	struct fp_file *v = realloc(l->v, (l->len + 1) * sizeof *v);
	char *room = strdup(room_uri ? room_uri : "");
	if(!v || !room) {
		if(v)
			l->v = v;
		free(room);
		return NULL;
	}
	l->v = v;
	char *shown = strdup(link->name);
	if(!shown) {
		free(room);
		return NULL;
	}
	for(char *p = shown; *p; p++)
		if((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	struct fp_file *f = &v[l->len];
	f->n = (unsigned long)l->len + 1;
	f->shown = shown;
	f->room_uri = room;
	f->url = link->url;
	f->name = link->name;
	f->size = link->size;
	link->url = link->name = NULL;
	l->len++;
	return f;
}

const struct fp_file *fp_note(struct fp_list *l, const char *room_uri, const char *text)
{
	struct pchat_filelink link;
	if(!text || pchat_filelink_parse(text, strlen(text), &link) < 0)
		return NULL;
	const struct fp_file *f = find_url(l, link.url);
	if(!f)
		f = append(l, room_uri, &link);
	pchat_filelink_free(&link);
	return f;
}

const struct fp_file *fp_get(const struct fp_list *l, unsigned long n)
{
	return n >= 1 && n <= l->len ? &l->v[n - 1] : NULL;
}

void fp_free(struct fp_list *l)
{
	for(size_t i = 0; i < l->len; i++) {
		free(l->v[i].room_uri);
		free(l->v[i].url);
		free(l->v[i].name);
		free(l->v[i].shown);
	}
	free(l->v);
	l->v = NULL;
	l->len = 0;
}

const char *fp_stored_name(const struct fp_file *f)
{
	const char *slash = strrchr(f->url, '/');
	return slash ? slash + 1 : f->url;
}

char *fp_local_name(const char *name)
{
	size_t n = strnlen(name, LOCAL_NAME_MAX);
	/* a cut inside a UTF-8 sequence drops the whole character */
	while(n > 0 && name[n] != '\0' && ((unsigned char)name[n] & 0xc0) == 0x80)
		n--;
	char *s = strndup(name, n > 0 ? n : LOCAL_NAME_MAX);
	if(!s)
		return NULL;
	for(char *p = s; *p; p++)
		if(*p == '/' || *p == '\\' || (unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '_';
	if(s[0] == '.')
		s[0] = '_';
	return s;
}
