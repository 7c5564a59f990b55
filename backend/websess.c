/*
 * websess.c - see websess.h.
 */
#include "websess.h"
#include "dict.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>

struct websess {
	char *user;
	time_t created, used; /* monotonic seconds */
};

static struct dict *sessions;

static time_t now_sec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static int expired(const struct websess *s, time_t now)
{
	return now - s->used > WEBSESS_IDLE_SEC || now - s->created > WEBSESS_MAX_SEC;
}

static void free_sess(void *p)
{
	struct websess *s = p;
	free(s->user);
	free(s);
}

static int stale_sess(const void *val, const void *now)
{
	return expired(val, *(const time_t *)now);
}

static long long sess_age(const void *val)
{
	return ((const struct websess *)val)->created;
}

int websess_create(const char *user, char token[WEBSESS_TOKEN_SIZE])
{
	unsigned char raw[(WEBSESS_TOKEN_SIZE - 1) / 2];
	struct websess *s;
	size_t i;

	/* The cookie is the only credential: it must not be guessable, so no fallback. */
	if(getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return -1;
	for(i = 0; i < sizeof(raw); i++)
		snprintf(token + 2 * i, 3, "%02x", raw[i]);
	if(sessions == NULL)
		sessions = dict_new();
	if(dict_count(sessions) >= WEBSESS_COUNT_MAX) {
		time_t now = now_sec();
		dict_make_room(sessions, stale_sess, sess_age, &now, free_sess);
	}
	s = xcalloc(1, sizeof(*s));
	s->user = xstrdup(user);
	s->created = s->used = now_sec();
	s = dict_puts(sessions, token, s);
	if(s) /* 2^-256: a collision; the old one goes */
		free_sess(s);
	return 0;
}

const char *websess_user(const char *token)
{
	struct websess *s = sessions ? dict_gets(sessions, token) : NULL;
	time_t now = now_sec();

	if(s == NULL)
		return NULL;
	if(expired(s, now)) {
		free_sess(dict_dels(sessions, token));
		return NULL;
	}
	s->used = now;
	return s->user;
}

void websess_remove(const char *token)
{
	struct websess *s = sessions ? dict_dels(sessions, token) : NULL;
	if(s)
		free_sess(s);
}

void websess_free_all(void)
{
	if(sessions)
		dict_free(sessions, free_sess);
	sessions = NULL;
}
