/*
 * poolsync.c - see poolsync.h.
 */
#include "poolsync.h"
#include "config.h"
#include "db.h"
#include "pchat_log.h"
#include "poolsig.h"
#include "roompost.h"
#include "rooms.h"

#include <event2/event.h>

static struct event *poll_timer;
static int poll_inflight; /* never more than one poll queued: the database may be slow */

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
	poll_inflight = 0;
	if(job->status != DB_OK)
		return; /* logged by the worker; the next tick reads again */
	for(size_t i = 0; i < job->u.heads.n; i++)
		on_head(job->u.heads.v[i].room_id, job->u.heads.v[i].seq);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	if(poll_inflight)
		return;
	poll_inflight = 1;
	db_submit(db_room_heads(on_heads, NULL));
}

int poolsync_start(struct event_base *base, const struct config *c)
{
	struct timeval every = {c->pool_poll_ms / 1000, (c->pool_poll_ms % 1000) * 1000};
	if(c->pool_listen == NULL)
		return 0;
	if(poolsig_start(base, c->pool_listen, c->pool_peers, c->pool_peer_count, on_head) < 0)
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
	poll_inflight = 0;
	poolsig_stop();
}
