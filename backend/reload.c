/*
 * reload.c - see reload.h.
 */
#include "reload.h"
#include "feeds.h"
#include "config.h"
#include "db.h"
#include "metrics.h"
#include "msgchange.h"
#include "pchat_log.h"
#include "presence.h"
#include "rooms.h"
#include "util.h"
#include "pchat_settings.h"

#include <event2/event.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>

/* The options' values, used while server_config has no usable row. */
static struct {
	int saved;
	unsigned default_chat_history, participant_update_limit, message_max_bytes, search_limit;
} opt;

static struct event *poll_timer;
static int poll_inflight;	/* a server_config read is queued */
static long long revision = -1; /* the last one the cache was reloaded for */
static int rooms_inflight;	/* a DB_ROOMS_ALL is queued */
static int rooms_again;		/* and another one is wanted after it */
/* Jobs are numbered (passed as their arg) so that reload_now() knows which ones
 * bring in what was in the database when it was called. */
static unsigned config_seq, rooms_seq; /* the last submitted */

/* A reload_now() caller: answered once its configuration read is done and then the
 * rooms read that follows it (rooms_seq, 0 until that read is known). */
struct waiter {
	reload_done_fn fn;
	void *arg;
	unsigned config_seq, rooms_seq;
	struct waiter *next;
};
static struct waiter *waiters;

/* Answers (and forgets) the waiters for which ready() is true. */
static void fire(int (*ready)(const struct waiter *, unsigned), unsigned seq, int ok)
{
	struct waiter **pp = &waiters;
	while(*pp) {
		struct waiter *w = *pp;
		if(!ready(w, seq)) {
			pp = &w->next;
			continue;
		}
		*pp = w->next;
		w->fn(w->arg, ok);
		free(w);
	}
}

static int config_read(const struct waiter *w, unsigned seq)
{
	return w->rooms_seq == 0 && w->config_seq <= seq;
}

static int rooms_read(const struct waiter *w, unsigned seq)
{
	return w->rooms_seq != 0 && w->rooms_seq <= seq;
}

static int any_waiter(const struct waiter *w, unsigned seq)
{
	(void)w;
	(void)seq;
	return 1;
}

/* The configuration read seq is done (ok): its waiters now wait for the rooms read
 * just asked for (the one queued after the running one, if one is running). */
static void config_done(unsigned seq, int ok)
{
	struct waiter *w;
	if(!ok) {
		fire(config_read, seq, 0);
		return;
	}
	for(w = waiters; w; w = w->next)
		if(config_read(w, seq))
			w->rooms_seq = rooms_again ? rooms_seq + 1 : rooms_seq;
}

/* One limit: the row's value if within the setting's range (common/pchat_settings.h)
 * and hi, else the option's (logged once per value, as the row is read every second). */
static unsigned pick(enum pchat_setting which, long long row, long long hi, unsigned dflt,
		long long *warned)
{
	const struct pchat_setting_def *s = &pchat_settings[which];
	long long lo = s->min;
	if(hi > s->max)
		hi = s->max;
	if(row < 0)
		return dflt;
	if(row >= lo && row <= hi)
		return (unsigned)row;
	if(*warned != row)
		log_warn("server_config %s = %lld is outside %lld..%lld; using %u", s->name, row,
				lo, hi, dflt);
	*warned = row;
	return dflt;
}

void reload_apply_config(struct config *c, const long long *conf)
{
	static long long warned[DB_CONF_N] = {-1, -1, -1, -1, -1};
	if(!opt.saved) {
		opt.saved = 1;
		opt.default_chat_history = c->default_chat_history;
		opt.participant_update_limit = c->participant_update_limit;
		opt.message_max_bytes = c->message_max_bytes;
		opt.search_limit = c->search_limit;
	}
	c->default_chat_history = pick(PS_DEFAULT_CHAT_HISTORY, conf[DB_CONF_DEFAULT_CHAT_HISTORY],
			c->bccontext_max, opt.default_chat_history, &warned[0]);
	c->participant_update_limit = pick(PS_PARTICIPANT_UPDATE_LIMIT,
			conf[DB_CONF_PARTICIPANT_UPDATE_LIMIT], LLONG_MAX,
			opt.participant_update_limit, &warned[1]);
	c->message_max_bytes = pick(PS_MESSAGE_SIZE_LIMIT, conf[DB_CONF_MESSAGE_SIZE_LIMIT],
			LLONG_MAX, opt.message_max_bytes, &warned[2]);
	c->search_limit = pick(PS_SEARCH_LIMIT, conf[DB_CONF_SEARCH_LIMIT], LLONG_MAX,
			opt.search_limit, &warned[3]);
}

void reload_reset(void)
{
	fire(any_waiter, 0, 0);
	opt.saved = 0;
	revision = -1;
	rooms_inflight = rooms_again = poll_inflight = 0;
	config_seq = rooms_seq = 0;
	msgchange_reset();
}

long long reload_revision(void)
{
	return revision;
}

static void submit_rooms(void);

static void on_rooms(struct db_job *job)
{
	rooms_inflight = 0;
	if(job->status == DB_OK) {
		rooms_refresh(job->u.rooms_all.out.v, job->u.rooms_all.out.n,
				room_evict_unauthorized);
		metric_inc(&m_reloads);
	}
	fire(rooms_read, (unsigned)(uintptr_t)job->arg, job->status == DB_OK);
	if(rooms_again) {
		rooms_again = 0;
		submit_rooms();
	}
}

static void submit_rooms(void)
{
	if(rooms_inflight) {
		rooms_again = 1; /* the one queued may have read the rows before the change */
		return;
	}
	rooms_inflight = 1;
	db_submit(db_rooms_all(on_rooms, (void *)(uintptr_t)++rooms_seq));
}

/* force: reload the rooms even if the revision did not change. */
static void apply_config(struct db_job *job, int force)
{
	const long long *conf = job->u.config.conf;
	unsigned seq = (unsigned)(uintptr_t)job->arg;
	poll_inflight = 0;
	if(job->status != DB_OK) {
		config_done(seq, 0);
		return;
	}
	reload_apply_config(&cfg, conf);
	feeds_revision_seen(conf[DB_CONF_FEEDS_REVISION]);
	if(!force && conf[DB_CONF_REVISION] == revision)
		return;
	if(revision >= 0 || force)
		log_info("config reload: reading the rooms again revision=%lld",
				conf[DB_CONF_REVISION]);
	revision = conf[DB_CONF_REVISION];
	submit_rooms();
	msgchange_poll(); /* a moderator's change of messages bumps it too */
	config_done(seq, 1);
}

static void on_config(struct db_job *job)
{
	apply_config(job, 0);
}

static void on_config_forced(struct db_job *job)
{
	apply_config(job, 1);
}

/* Returns the job's sequence number. */
static unsigned submit_config(int force)
{
	poll_inflight = 1;
	db_submit(db_server_config(
			force ? on_config_forced : on_config, (void *)(uintptr_t)++config_seq));
	return config_seq;
}

void rooms_reload_all(void)
{
	submit_config(1);
}

void reload_now(reload_done_fn fn, void *arg)
{
	struct waiter *w = xcalloc(1, sizeof(*w));
	w->fn = fn;
	w->arg = arg;
	w->config_seq = submit_config(1);
	w->next = waiters;
	waiters = w;
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	/* Never more than one poll queued: the database may be slow or down. */
	if(!poll_inflight)
		submit_config(0);
}

int reload_start(struct event_base *base)
{
	struct timeval second = {1, 0};
	poll_timer = event_new(base, -1, EV_PERSIST, on_tick, NULL);
	if(poll_timer == NULL || event_add(poll_timer, &second) < 0)
		return -1;
	submit_config(0);
	return 0;
}

void reload_stop(void)
{
	if(poll_timer)
		event_free(poll_timer);
	poll_timer = NULL;
	fire(any_waiter, 0, 0); /* shutting down: nobody waits for a reload */
}
