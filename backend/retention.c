/*
 * retention.c - see retention.h.
 */
#include "retention.h"
#include "config.h"
#include "db.h"
#include "filedb.h"
#include "pchat_log.h"
#include "periodic.h"
#include "util.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The longest pause after a batch (pchatd's stop waits for it). */
#define PAUSE_MAX_MS 2000
/* How long a batch waits for the database writer to have no post queued, at most,
 * and how often it looks: a writer that is never idle (overload) must not stop the
 * purge for good. */
#define WRITER_WAIT_MAX_MS 500
#define WRITER_POLL_MS 2

static unsigned lease_sec; /* another node takes over when it was not renewed so long */
static unsigned share;	   /* --retention-share: percent of the time spent in batches */

/* retention.run_done with args (consumed): the pass's figures, or its error. */
static void record(json_t *args)
{
	struct pca_error err;
	json_t *res = NULL;
	if(filedb_run("retention.run_done", args, &res, &err) < 0)
		log_debug("retention: cannot record the pass: %s", err.msg);
	json_decref(res);
}

/* One batch: its result (owned by the caller), or NULL (logged and recorded). */
static json_t *batch(json_int_t room_after)
{
	struct pca_error err;
	json_t *res = NULL;
	if(filedb_run("retention.purge",
			   json_pack("{s:s,s:i,s:I}", "node", filedb_node(), "lease",
					   (int)lease_sec, "room_after", room_after),
			   &res, &err) < 0) {
		log_warn("retention: purge: %s", err.msg);
		record(json_pack("{s:s,s:s}", "node", filedb_node(), "error", err.msg));
		return NULL;
	}
	return res;
}

/* After a batch that took ms: a pause, so that batches take at most share percent of
 * the time and chat keeps the rest of the database (a batch of 1,000 deletes is
 * CPU and log work the posts' commits would otherwise queue behind). */
static void yield_to_chat(struct workq *wq, long long ms)
{
	long long pause = share >= 100 ? 0 : ms * (100 - share) / share;
	if(pause > PAUSE_MAX_MS) /* a stop waits for it */
		pause = PAUSE_MAX_MS;
	struct timespec t = {(time_t)(pause / 1000), (long)(pause % 1000) * 1000000L};
	if(pause > 0 && !workq_stopping(wq))
		nanosleep(&t, NULL);
}

/* Before a batch: until the writer has nothing queued (at most WRITER_WAIT_MAX_MS), so
 * that a batch starts between the posts' commits rather than beside them; a batch
 * that would begin with posts waiting makes them wait for the CPU and the log its
 * deletes take.  0 if pchatd stops meanwhile. */
static int wait_for_writer(struct workq *wq)
{
	uint64_t until = mono_ms() + WRITER_WAIT_MAX_MS;
	while(db_worker_backlog(DB_WRITER) > 0 && mono_ms() < until)
		if(!workq_sleep(wq, WRITER_POLL_MS))
			return 0;
	return !workq_stopping(wq);
}

/* A pass over the rooms with a retention, batch after batch, until none has expired
 * messages left (or this node does not hold the lease, or pchatd stops).  Its time
 * (the figures recorded) includes the pauses. */
static void purge_pass(struct workq *wq)
{
	uint64_t t0 = mono_ms();
	json_int_t after = 0, rows = 0;

	for(;;) {
		if(!wait_for_writer(wq))
			return;
		uint64_t tb = mono_ms();
		json_t *res = batch(after);
		if(res == NULL)
			return;
		json_int_t room = json_integer_value(json_object_get(res, "room_id"));
		json_int_t n = json_integer_value(json_object_get(res, "purged"));
		int held = json_is_true(json_object_get(res, "held"));
		if(held && n < json_integer_value(json_object_get(res, "batch")))
			after = room; /* this room is done: the next one */
		rows += n;
		json_decref(res);
		if(!held)
			return; /* another node purges */
		if(room == 0) {
			record(json_pack("{s:s,s:I,s:I}", "node", filedb_node(), "rows", rows, "ms",
					(json_int_t)(mono_ms() - t0)));
			if(rows > 0)
				log_info("retention: purged %" PRId64
					 " expired messages in %lld ms",
						(int64_t)rows, (long long)(mono_ms() - t0));
			return;
		}
		if(n > 0)
			yield_to_chat(wq, (long long)(mono_ms() - tb));
	}
}

/* Worker thread, after its last pass: the lease is released, so that another node
 * need not wait for it to expire. */
static void thread_end(struct workq *wq)
{
	struct pca_error err;
	json_t *res = NULL;
	(void)wq;
	if(filedb_run("retention.release", json_pack("{s:s}", "node", filedb_node()), &res, &err) <
			0)
		log_debug("retention: cannot release the lease: %s", err.msg);
	json_decref(res);
	filedb_thread_end();
}

static struct periodic purger = PERIODIC_INIT(purger, purge_pass, thread_end);

int retention_start(struct event_base *base, const struct config *c)
{
	if(c->retention_interval == 0)
		return 0;
	share = c->retention_share;
	lease_sec = filedb_lease_sec(c->retention_interval);
	if(filedb_init(c) < 0) {
		log_error("retention: cannot start the purge job");
		return -1;
	}
	return periodic_start(&purger, base, "retention", c->retention_interval);
}

void retention_stop(void)
{
	periodic_stop(&purger);
}
