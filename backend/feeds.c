/*
 * feeds.c - see feeds.h.
 *
 * Cost per post: its words are split and folded once, then each distinct word is one
 * hash lookup; only the feeds filed under those words are checked (feedidx.c), so
 * 10,000 feeds that share no word with the post cost nothing.  It runs after the
 * post was answered 200 and sent to the room (room_post_deliver), in the loop: no
 * database wait (the matches are stored by fire-and-forget jobs), no SIP (the module
 * sends the MESSAGE, tm in a link process).
 */
#include "feeds.h"
#include "config.h"
#include "db.h"
#include "feedidx.h"
#include "link.h"
#include "metrics.h"
#include "pchat_frame.h"
#include "pchat_log.h"
#include "ratelimit.h"
#include "rooms.h"
#include "util.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Bounds the memory of the per-user alert rate: users alerted at the same time. */
#define ALERT_RATE_USERS 100000
/* Bytes of a post quoted in an alert. */
#define EXCERPT_MAX 300

static struct feedidx *index_now;
static long long loaded_revision = -1; /* FeedsRevision the index was read at */
static int load_inflight, load_again;
static struct ratelimit *alert_rl;

size_t feeds_count(void)
{
	return index_now ? feedidx_count(index_now) : 0;
}

static void submit_load(void);

static void on_loaded(struct db_job *job)
{
	struct feedidx *ix;
	load_inflight = 0;
	if(job->status == DB_OK) {
		ix = feedidx_new();
		for(size_t i = 0; i < job->u.feeds.n; i++) {
			const struct db_feed *f = &job->u.feeds.out[i];
			struct feed *nf = feed_new(f->id, f->user, f->room_id, f->author, f->words);
			if(nf)
				feedidx_add(ix, nf);
		}
		feedidx_free(index_now);
		index_now = ix;
		loaded_revision = job->u.feeds.revision;
		log_info("feeds loaded feeds=%zu revision=%lld", feedidx_count(ix),
				loaded_revision);
	}
	if(load_again) {
		load_again = 0;
		submit_load();
	}
}

static void submit_load(void)
{
	if(load_inflight) {
		load_again = 1; /* the one queued may have read the rows before the change */
		return;
	}
	load_inflight = 1;
	db_submit(db_feeds_all(on_loaded, NULL));
}

void feeds_revision_seen(long long revision)
{
	if(revision != loaded_revision && !load_inflight)
		submit_load();
}

void feeds_reload(void)
{
	submit_load();
}

/* ---- the alert ---- */

/* The longest prefix of s[0..n) of at most max bytes that ends on a character. */
static size_t cut_utf8(const char *s, size_t n, size_t max)
{
	if(n <= max)
		return n;
	while(max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	return max;
}

size_t feeds_alert_text(char *out, size_t outsz, const char *room_name, const char *room_uri,
		const char *author, const char *text, size_t text_len)
{
	size_t ex = cut_utf8(text, text_len, EXCERPT_MAX);
	int n = snprintf(out, outsz, "%s in %s (%s):\n%.*s%s\n", author, room_name, room_uri,
			(int)ex, text, ex < text_len ? "..." : "");
	if(n < 0)
		return 0;
	return (size_t)n < outsz ? (size_t)n : outsz - 1;
}

/* Asks the module for the MESSAGE: one ALERT frame on any module link. */
static void send_alert(const char *user, const struct room *r, const struct xccos_chat *m)
{
	char body[EXCERPT_MAX + 1024];
	struct link_conn *c;
	struct iovec iov[2];
	size_t n;
	if(alert_rl == NULL)
		alert_rl = ratelimit_new(cfg.alert_rate, cfg.alert_burst, ALERT_RATE_USERS);
	if(!ratelimit_take(alert_rl, user, mono_ms())) {
		metric_add(&m_alerts, "rate_limited", NULL, 1);
		log_debug("alert over rate user=%s msgid=%" PRIu64, user, m->msgid);
		return;
	}
	c = link_any();
	if(c == NULL) {
		metric_add(&m_alerts, "no_link", NULL, 1);
		return;
	}
	n = feeds_alert_text(body, sizeof(body), r->name, r->uri, m->author, m->text, m->text_len);
	iov[0] = (struct iovec){(void *)user, strlen(user) + 1};
	iov[1] = (struct iovec){body, n + 1};
	if(link_sendv(c, PCHAT_F_ALERT, 0, 0, iov, 2) == 0)
		metric_add(&m_alerts, "sent", NULL, 1);
}

/* ---- matching ---- */

/* The users a post's matches are for, each alerted once however many feeds match. */
struct post_match {
	struct room *r;
	const struct xccos_chat *m;
	unsigned what; /* FEEDS_STORE, FEEDS_ALERT */
	const char **users;
	size_t nusers, cap;
};

static int seen_user(struct post_match *pm, const char *user)
{
	for(size_t i = 0; i < pm->nusers; i++) {
		if(strcmp(pm->users[i], user) == 0)
			return 1;
	}
	if(pm->nusers == pm->cap) {
		pm->cap = pm->cap ? 2 * pm->cap : 8;
		pm->users = xrealloc(pm->users, pm->cap * sizeof(*pm->users));
	}
	pm->users[pm->nusers++] = user;
	return 0;
}

/* Does feed f take this post: its room and author, not the user's own post, and a
 * room whose history the user may read (as search decides: nothing across rooms)? */
static int wants(const struct feed *f, const struct post_match *pm)
{
	if(f->room_id && f->room_id != pm->r->id)
		return 0;
	if(*f->author && strcasecmp(f->author, pm->m->author) != 0)
		return 0;
	if(strcasecmp(f->user, pm->m->author) == 0)
		return 0;
	return history_readable(pm->r, f->user);
}

static void on_match(const struct feed *f, void *arg)
{
	struct post_match *pm = arg;
	if(!wants(f, pm))
		return;
	if(pm->what & FEEDS_STORE) {
		metric_inc(&m_feed_matches);
		db_submit(db_feed_match(f->id, pm->m->msgid));
	}
	if((pm->what & FEEDS_ALERT) && !seen_user(pm, f->user))
		send_alert(f->user, pm->r, pm->m);
}

void feeds_on_post(struct room *r, const struct xccos_chat *m, unsigned what)
{
	struct post_words pw;
	struct post_match pm = {r, m, what, NULL, 0, 0};
	if(index_now == NULL || feedidx_count(index_now) == 0)
		return;
	post_words_split(m->text, m->text_len, &pw);
	feedidx_match(index_now, &pw, on_match, &pm);
	post_words_free(&pw);
	free(pm.users);
}

void feeds_free(void)
{
	feedidx_free(index_now);
	index_now = NULL;
	loaded_revision = -1;
	load_inflight = load_again = 0;
	ratelimit_free(alert_rl);
	alert_rl = NULL;
}
