/*
 * carryover.c - see carryover.h.
 *
 * Parked sessions are kept in a table by "user NUL epid" and in a list in the order
 * they were parked, which is the order their time runs out (one grace for all).
 */
#include "carryover.h"
#include "config.h"
#include "dict.h"
#include "list.h"
#include "pchat_log.h"
#include "presence.h"
#include "sessions.h"
#include "util.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

struct parked {
	struct session *s; /* closed; a reference is held */
	char *key;
	size_t key_len;
	uint64_t until_ms;
	struct list link; /* order of parking = order of expiry */
};

static struct dict *table; /* key -> struct parked */
static struct list queue = LIST_INIT(queue);
static struct event *timer;

/* "user NUL epid": neither holds a NUL. */
static char *make_key(const struct session *s, size_t *len)
{
	size_t u = strlen(s->user), e = strlen(s->epid);
	char *k = xmalloc(u + 1 + e);
	memcpy(k, s->user, u);
	k[u] = '\0';
	memcpy(k + u + 1, s->epid, e);
	*len = u + 1 + e;
	return k;
}

static void unpark(struct parked *p)
{
	dict_del(table, p->key, p->key_len);
	list_del(&p->link);
	free(p->key);
}

/* Nobody took its rooms: it leaves them now, as a close does. */
static void release(struct parked *p, const char *why)
{
	struct session *s = p->s;
	unpark(p);
	log_info("parked session ended " SESS_FMT " reason=%s", SESS_ARGS(s), why);
	presence_forget(s); /* while it is in its rooms: a pool's nodes are told which */
	rooms_leave_all(s);
	session_unref(s);
	free(p);
}

int carryover_park(struct session *s)
{
	struct parked *p, *old;
	size_t n = 0;
	const struct list *pos;

	if(cfg.carryover_sec == 0 || s->epid == NULL || s->epid[0] == '\0' ||
			list_first(&s->rooms) == NULL)
		return 0;
	if(table == NULL)
		table = dict_new();
	p = xcalloc(1, sizeof(*p));
	p->key = make_key(s, &p->key_len);
	/* An older one of the endpoint (its successor ended too): its rooms are this
	 * one's, or ones the successor parted. */
	old = dict_get(table, p->key, p->key_len);
	if(old)
		release(old, "replaced");
	session_ref(s);
	p->s = s;
	p->until_ms = mono_ms() + (uint64_t)cfg.carryover_sec * 1000;
	dict_put(table, p->key, p->key_len, p);
	list_add_tail(&queue, &p->link);
	list_for_each(pos, &s->rooms)
		n++;
	log_info("session parked " SESS_FMT " rooms=%zu for=%us", SESS_ARGS(s), n,
			cfg.carryover_sec);
	return 1;
}

size_t carryover_claim(struct session *s)
{
	struct parked *p;
	char *key;
	size_t len, n;

	if(table == NULL || s->epid == NULL || s->epid[0] == '\0')
		return 0;
	key = make_key(s, &len);
	p = dict_get(table, key, len);
	free(key);
	if(p == NULL)
		return 0;
	unpark(p);
	n = rooms_carry_over(p->s, s);
	log_info("session carried over " SESS_FMT " from=%" PRIu64 " rooms=%zu", SESS_ARGS(s),
			p->s->sid, n);
	session_unref(p->s);
	free(p);
	return n;
}

void carryover_expire(uint64_t now_ms)
{
	struct list *first;
	while((first = list_first(&queue)) != NULL) {
		struct parked *p = list_entry(first, struct parked, link);
		if(p->until_ms > now_ms)
			break;
		release(p, "expired");
	}
}

void carryover_release_all(void)
{
	struct list *first;
	while((first = list_first(&queue)) != NULL)
		release(list_entry(first, struct parked, link), "shutdown");
	dict_free(table, NULL);
	table = NULL;
	if(timer) {
		event_free(timer);
		timer = NULL;
	}
}

size_t carryover_count(void)
{
	return table ? dict_count(table) : 0;
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	carryover_expire(mono_ms());
}

int carryover_start(struct event_base *base)
{
	struct timeval one = {1, 0};
	timer = event_new(base, -1, EV_PERSIST, on_tick, NULL);
	if(timer == NULL || event_add(timer, &one) < 0) {
		log_error("carryover: cannot start its timer");
		return -1;
	}
	return 0;
}
