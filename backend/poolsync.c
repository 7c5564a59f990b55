/*
 * poolsync.c - see poolsync.h.
 */
#include "poolsync.h"
#include "config.h"
#include "db.h"
#include "dict.h"
#include "pchat_log.h"
#include "poolsig.h"
#include "presence.h"
#include "roompost.h"
#include "rooms.h"
#include "util.h"

#include <stdlib.h>

#include <event2/event.h>

/* Ticks (--pool-poll-ms each) between reads of every room's remote users, which make
 * up for lost roster signals and see dead nodes' users go; between sweeps of dead
 * nodes' rows. */
#define ROSTERS_EVERY 5
#define SWEEP_EVERY 60

static struct event *poll_timer;
/* never more than one of each queued: the database may be slow */
static int heads_inflight, rosters_inflight;
static unsigned ticks, fresh_sec;

/* Another node stored room_id's post seq (a signal, or the poll saw it).  A room not
 * in the cache has nobody here. */
static void on_head(uint64_t room_id, uint64_t seq)
{
	struct room *r = room_find_id(room_id);
	if(r)
		room_post_head(r, seq);
}

static void on_heads(struct db_job *job)
{
	heads_inflight = 0;
	if(job->status != DB_OK)
		return; /* logged by the worker; the next tick reads again */
	for(size_t i = 0; i < job->u.heads.n; i++)
		on_head(job->u.heads.v[i].room_id, job->u.heads.v[i].seq);
}

/* ---- presence through other nodes ---- */

static void read_roster(struct room *r);

static void on_roster(struct db_job *job)
{
	struct room *r = job->arg;
	int again = r->roster_again;
	r->roster_reading = r->roster_again = 0;
	if(job->status == DB_OK)
		room_set_remote(r, job->u.pool.v, job->u.pool.n);
	if(again)
		read_roster(r);
}

/* Reads who is in r through other nodes (one read at a time per room). */
static void read_roster(struct room *r)
{
	if(r->roster_reading) {
		r->roster_again = 1;
		return;
	}
	r->roster_reading = 1;
	db_submit(db_rosters(r->id, fresh_sec, on_roster, r));
}

/* Another node's presence in room_id changed.  A room not cached has nobody here to
 * tell; its users are read when it is. */
static void on_roster_signal(uint64_t room_id)
{
	struct room *r = room_find_id(room_id);
	if(r)
		read_roster(r);
}

/* Every room's remote users (rows by room): each cached room gets its slice, and a
 * cached room that had some and has none now (their node died) an empty one. */
static void on_rosters(struct db_job *job)
{
	static unsigned gen;
	const struct db_roster_row *v = job->u.pool.v;
	struct room **rooms;
	size_t n = job->u.pool.n, i, k;

	rosters_inflight = 0;
	if(job->status != DB_OK)
		return;
	gen++;
	for(i = 0; i < n; i = k) {
		struct room *r = room_find_id(v[i].room_id);
		for(k = i; k < n && v[k].room_id == v[i].room_id; k++)
			;
		if(r == NULL)
			continue;
		r->roster_gen = gen;
		if(!r->roster_reading) /* else a fresher read of its own is out */
			room_set_remote(r, v + i, k - i);
	}
	n = rooms_collect(&rooms);
	for(i = 0; i < n; i++) {
		struct room *r = rooms[i];
		if(r->roster_gen != gen && !r->roster_reading && r->remote &&
				dict_count(r->remote) > 0)
			room_set_remote(r, NULL, 0);
	}
	free(rooms);
}

/* Saves the last post number sent in each room with sessions here whose number moved
 * (node_rooms): a session carried over from this node if it dies is sent what came
 * after (cmd_join.c, restore). */
static void save_sent(void)
{
	struct room **rooms;
	struct db_room_head *v = NULL;
	size_t n = rooms_collect(&rooms), k = 0;
	for(size_t i = 0; i < n; i++) {
		struct room *r = rooms[i];
		if(r->nusers == 0 || r->seq_done == r->seq_saved)
			continue;
		if(v == NULL)
			v = xcalloc(n, sizeof(*v));
		v[k++] = (struct db_room_head){r->id, r->seq_done};
		r->seq_saved = r->seq_done;
	}
	free(rooms);
	if(k > 0)
		db_submit(db_node_rooms(v, k));
}

static const struct poolsig_handlers handlers = {on_head, on_roster_signal};

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	ticks++;
	db_submit(db_pool_beat(ticks % SWEEP_EVERY == 0));
	save_sent();
	if(!heads_inflight) {
		heads_inflight = 1;
		db_submit(db_room_heads(on_heads, NULL));
	}
	if(ticks % ROSTERS_EVERY == 0 && !rosters_inflight) {
		rosters_inflight = 1;
		db_submit(db_rosters(0, fresh_sec, on_rosters, NULL));
	}
}

int poolsync_start(struct event_base *base, const struct config *c)
{
	struct timeval every = {(time_t)(c->pool_poll_ms / 1000),
			(suseconds_t)(c->pool_poll_ms % 1000) * 1000};
	if(c->pool_listen == NULL)
		return 0;
	/* a node is alive while it beat within three ticks (at least 5 s: a busy
	 * database delays a beat) */
	fresh_sec = 3 * c->pool_poll_ms / 1000 + 1;
	if(fresh_sec < 5)
		fresh_sec = 5;
	db_submit(db_pool_beat(0)); /* alive before its first session's row */
	if(poolsig_start(base, c->pool_listen, c->pool_peers, c->pool_peer_count, &handlers) < 0)
		return -1;
	poll_timer = event_new(base, -1, EV_PERSIST, on_tick, NULL);
	if(poll_timer == NULL || event_add(poll_timer, &every) < 0) {
		log_error("pool: cannot start the poll timer");
		return -1;
	}
	return 0;
}

void poolsync_stop(void)
{
	if(poll_timer)
		event_free(poll_timer);
	poll_timer = NULL;
	heads_inflight = rosters_inflight = 0;
	ticks = 0;
	poolsig_stop();
}
