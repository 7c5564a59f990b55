/*
 * msgchange.c - see msgchange.h.
 */
#include "msgchange.h"
#include "db.h"
#include "pchat_log.h"
#include "presence.h"
#include "rooms.h"
#include "sbuf.h"
#include "xccos.h"

#include <stddef.h>
#include <stdint.h>

/* Changes announced per read; more are read right after. */
#define MSGCHANGE_PAGE 200

static uint64_t last_seen; /* the last change announced (or skipped) */
static int known;	   /* last_seen has been read */
static int inflight;	   /* a read is queued */
static int again;	   /* and another one is wanted after it */

static void submit(void);

/* One change to the sessions present in its room (a room nobody here shows: none). */
static void announce(const struct db_msg *m)
{
	struct room *r = m->chan_uri ? room_find(m->chan_uri) : NULL;
	struct xccos_chat c = {
			m->chan_uri, m->author, m->ts, m->id, m->body ? m->body : "", m->body_len};
	struct sbuf sb = SBUF_INIT;
	if(r == NULL)
		return;
	xccos_build_ntc_msgchg(&sb, &c, m->body != NULL);
	size_t n = room_broadcast(r, sb.buf, sb.len, NULL);
	sbuf_free(&sb);
	log_info("message change announced room=%s msgid=%llu action=%s sessions=%zu", r->uri,
			(unsigned long long)m->id, m->body ? "replaced" : "removed", n);
}

static void on_changes(struct db_job *job)
{
	inflight = 0;
	if(job->status == DB_OK) {
		for(size_t i = 0; i < job->u.msg_changes.nmsgs; i++)
			announce(&job->u.msg_changes.msgs[i]);
		last_seen = job->u.msg_changes.last_id;
		known = 1;
		if(job->u.msg_changes.nmsgs == MSGCHANGE_PAGE)
			again = 1; /* a page full: there may be more */
	}
	if(again) {
		again = 0;
		submit();
	}
}

static void submit(void)
{
	if(inflight) {
		again = 1; /* the one queued may have read before the change */
		return;
	}
	inflight = 1;
	db_submit(db_msg_changes(last_seen, !known, MSGCHANGE_PAGE, on_changes, NULL));
}

void msgchange_poll(void)
{
	submit();
}

void msgchange_reset(void)
{
	last_seen = 0;
	known = inflight = again = 0;
}
