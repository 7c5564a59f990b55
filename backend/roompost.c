/*
 * roompost.c - see roompost.h.
 */
#include "roompost.h"
#include "db.h"
#include "feeds.h"
#include "metrics.h"
#include "pchat_log.h"
#include "poolsig.h"
#include "presence.h"
#include "rooms.h"
#include "sbuf.h"

#include <inttypes.h>

/* Messages per catch-up read; more are read by the next one. */
#define CATCH_UP_BATCH 200

static unsigned catching_up;

/* Sends m to everyone present; feeds: what feeds_on_post does with it. */
static void send_post(struct room *r, const struct xccos_chat *m, unsigned feeds)
{
	struct sbuf sb = SBUF_INIT;

	xccos_build_grpchat(&sb, m);
	metric_add(&m_deliveries, NULL, NULL, room_broadcast(r, sb.buf, sb.len, NULL));
	room_note_delivery(r, m->msgid);
	sbuf_free(&sb);
	/* after the room's deliveries: an alert never delays them */
	feeds_on_post(r, m, feeds);
}

static void catch_up(struct room *r);

/* The posts a catch-up read, in order, then the head as sent (numbers up to it that
 * were not read are deleted messages); another read if the batch was full or a
 * newer head was announced meanwhile. */
static void on_caught_up(struct db_job *job)
{
	struct room *r = job->arg;
	int more = r->catch_again;
	size_t i;

	r->catching_up = r->catch_again = 0;
	catching_up--;
	if(job->status != DB_OK) {
		/* the next post, signal or poll asks again */
		log_warn("catch-up read failed room=%s after=%" PRIu64, r->uri, r->seq_done);
		return;
	}
	for(i = 0; i < job->u.history.nmsgs; i++) {
		const struct db_msg *d = &job->u.history.msgs[i];
		struct xccos_chat m = {r->uri, d->author, d->ts, d->id, d->body, d->body_len};
		if(d->seq <= r->seq_done)
			continue; /* sent meanwhile */
		send_post(r, &m, FEEDS_ALERT);
		r->seq_done = d->seq;
	}
	if(job->u.history.nmsgs == CATCH_UP_BATCH)
		more = 1;
	else if(job->u.history.head > r->seq_done)
		r->seq_done = job->u.history.head;
	if(more)
		catch_up(r);
}

/* Reads r's posts after the last one sent (one read at a time per room). */
static void catch_up(struct room *r)
{
	if(r->catching_up) {
		r->catch_again = 1;
		return;
	}
	r->catching_up = 1;
	catching_up++;
	db_submit(db_catch_up(r->id, r->seq_done, CATCH_UP_BATCH, on_caught_up, r));
}

void room_post_deliver(struct room *r, const struct xccos_chat *m, uint64_t seq)
{
	poolsig_note(r->id, seq); /* the other nodes of a pool, if any, read it */
	if(seq == 0) {		  /* a room without a counter row: as it comes */
		send_post(r, m, FEEDS_STORE | FEEDS_ALERT);
		return;
	}
	if(seq <= r->seq_done)
		return; /* a catch-up sent it already */
	if(seq == r->seq_done + 1 && !r->catching_up) {
		send_post(r, m, FEEDS_STORE | FEEDS_ALERT);
		r->seq_done = seq;
		return;
	}
	/* Posts numbered before it, committed on other nodes, are not sent here yet: it
	 * goes after them, read back with them.  Its feed matches are stored now, by the
	 * node that stored it, once. */
	feeds_on_post(r, m, FEEDS_STORE);
	catch_up(r);
}

void room_post_head(struct room *r, uint64_t seq)
{
	if(seq > r->seq_done)
		catch_up(r);
}

unsigned room_post_catching_up(void)
{
	return catching_up;
}
