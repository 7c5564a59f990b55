/*
 * weblimit.c - see weblimit.h.
 */
#include "weblimit.h"
#include "dict.h"
#include "util.h"

#include <ctype.h>
#include <stdlib.h>
#include <strings.h>

struct record {
	unsigned failures; /* since the key was last forgotten */
	time_t last;	   /* the last failure */
	time_t until;	   /* refused before this */
};

struct weblimit {
	struct weblimit_opts o;
	struct dict *keys; /* key -> struct record */
};

struct weblimit *weblimit_new(const struct weblimit_opts *o)
{
	struct weblimit *l = xcalloc(1, sizeof(*l));
	l->o = *o;
	if(l->o.slots == 0)
		l->o.slots = 1;
	l->keys = dict_new();
	return l;
}

void weblimit_free(struct weblimit *l)
{
	if(l == NULL)
		return;
	dict_free(l->keys, free);
	free(l);
}

size_t weblimit_count(const struct weblimit *l)
{
	return dict_count(l->keys);
}

static int stale(const struct weblimit *l, const struct record *r, time_t now)
{
	return now >= r->until && now - r->last >= (time_t)l->o.window_sec;
}

/* For dict_make_room: what a record is judged against. */
struct when {
	const struct weblimit *l;
	time_t now;
};

static int stale_record(const void *val, const void *arg)
{
	const struct when *w = arg;
	return stale(w->l, val, w->now);
}

static long long last_failure(const void *val)
{
	return ((const struct record *)val)->last;
}

unsigned weblimit_wait(struct weblimit *l, const char *key, time_t now)
{
	struct record *r = dict_gets(l->keys, key);

	if(r == NULL)
		return 0;
	if(now < r->until)
		return (unsigned)(r->until - now);
	if(stale(l, r, now))
		free(dict_dels(l->keys, key));
	return 0;
}

/* How long the n-th failure over the limit (n >= 0) refuses: doubling, capped. */
static unsigned backoff(const struct weblimit_opts *o, unsigned n)
{
	unsigned long long d = o->backoff_sec;
	while(n-- > 0 && d < o->backoff_max_sec)
		d *= 2;
	return d < o->backoff_max_sec ? (unsigned)d : o->backoff_max_sec;
}

void weblimit_fail(struct weblimit *l, const char *key, time_t now)
{
	struct record *r;

	if(l->o.failures == 0)
		return;
	r = dict_gets(l->keys, key);
	if(r && stale(l, r, now))
		r->failures = 0;
	if(r == NULL) {
		if(dict_count(l->keys) >= l->o.slots) {
			struct when w = {l, now};
			dict_make_room(l->keys, stale_record, last_failure, &w, free);
		}
		r = xcalloc(1, sizeof(*r));
		dict_puts(l->keys, key, r);
	}
	r->failures++;
	r->last = now;
	if(r->failures >= l->o.failures)
		r->until = now + backoff(&l->o, r->failures - l->o.failures);
}

void weblimit_forget(struct weblimit *l, const char *key)
{
	free(dict_dels(l->keys, key));
}

void weblimit_user_key(const char *user, char *out, size_t outlen)
{
	size_t n = 0;

	if(outlen == 0)
		return;
	if(strncasecmp(user, "sip:", 4) == 0)
		user += 4;
	for(; user[n] && user[n] != '@' && n + 1 < outlen; n++)
		out[n] = (char)tolower((unsigned char)user[n]);
	out[n] = '\0';
}
