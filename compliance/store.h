/*
 * store.h - the compliance tables as the output run uses them
 * (sql/migrations/008_compliance.sql): the state row, claiming a batch of events,
 * reading it, recording it as done, and the events kept after (--keep-days, --replay).
 *
 * A batch is a fixed set of events (compliance_events.batch_id = N), claimed in one
 * transaction by the lease holder.  Not "ids above the last one output": ids are
 * allocated at insert but transactions commit in any order, so a range read could
 * skip an event committed late.  The claim records the batch's id range too
 * (compliance_state.claimed_lo .. claimed_hi), and every statement on the batch reads
 * that range of the primary key with batch_id = N: compliance_events has no other
 * index.  compliance_state.claimed_batch > done_batch means batch claimed_batch was
 * claimed but not recorded as done (its holder died): it is output again, the same
 * events (the same range, the same batch_id) to the same file names.
 */
#ifndef PCHAT_STORE_H
#define PCHAT_STORE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "adapter.h"
#include "cdb.h"
#include "cevent.h"
#include "cpresence.h"

/* Where a batch's events are read from. */
enum store_table {
	STORE_EVENTS, /* compliance_events: a batch being output */
	STORE_KEPT,   /* compliance_kept: events output already (--replay) */
	STORE_TABLES
};

/* The events of a batch: those of table with an id in lo..hi (a primary key range)
 * and batch_id = id; with id 0, whatever their batch (a replay). */
struct store_batch {
	enum store_table table;
	uint64_t id, lo, hi;
};

/* What the loop needs of compliance_state. */
struct store_state {
	uint64_t claimed_batch, done_batch;
	int64_t run_requested_ms; /* -1: none */
	int due;		  /* RunInterval has passed since last_run_at (or none yet) */
};

/* Reads it (due for interval_sec) and ends the read: 0 or -1. */
int store_state(struct cdb *db, unsigned interval_sec, struct store_state *s);

enum store_claim {
	STORE_NONE,    /* no event left to claim */
	STORE_CLAIMED, /* a new batch */
	STORE_PENDING, /* the batch a previous holder claimed and did not finish */
	STORE_LOST,    /* node does not hold the lease */
	STORE_ERROR,   /* db->err */
};

/* The next batch to output into *batch (table STORE_EVENTS): the pending one, else
 * up to limit events not claimed yet, oldest first. */
enum store_claim store_claim(
		struct cdb *db, const char *node, uint64_t limit, struct store_batch *batch);

/* A room of a batch: its events' ids and count. */
struct store_room {
	uint64_t id, first_id, last_id, events;
};

/* The batch's rooms, by id (malloc'd into *rooms, *n of them): 0 or -1. */
int store_rooms(struct cdb *db, const struct store_batch *batch, struct store_room **rooms,
		size_t *n);

/* Loads the participants recorded for the rooms already in p (cp_add_room): 0 or -1.
 * The participants as of the last batch done, also for a replay. */
int store_participants(struct cdb *db, const struct store_batch *batch, struct cpresence *p);

/* Receives a batch's events, by room then id.  Each returns 0, or -1 to stop. */
struct store_sink {
	/* a room starts; first is its first event (handed to event() next) */
	int (*room_begin)(void *arg, const struct ce_room *room, const struct ce_event *first);
	int (*event)(void *arg, const struct ce_event *ev);
	int (*room_end)(void *arg, const struct ce_room *room);
	void *arg;
};

/*
 * Streams the batch to sink, row by row from the server (one event in memory, not
 * the batch), with the user's and the room's details as opts asks.  0; -1 on a
 * database error (db->err); -2 when the sink stopped.
 */
int store_stream(struct cdb *db, const struct store_batch *batch, const struct adapter_opts *opts,
		const struct store_sink *sink);

/*
 * Records batch as done, in one transaction, if node still holds the lease and the
 * batch is still the claimed one: the participants of its rooms as p has them at
 * its end, its events deleted (copied to compliance_kept first when keep), done_batch
 * and last_event_id (max_id) advanced.
 * 1 done; 0 not ours any more (rolled back); -1 on error (rolled back).
 */
int store_commit(struct cdb *db, const char *node, const struct store_batch *batch, uint64_t max_id,
		int keep, const struct cpresence *p);

/* Deletes the kept events older than days (all with 0), a slice per transaction,
 * until none is left or stop is set: how many, or -1. */
long long store_purge(struct cdb *db, unsigned days, const volatile sig_atomic_t *stop);

/* What is kept: the lowest and highest id in compliance_kept (0, 0 when empty) and
 * the last run's --keep-days.  0 or -1. */
int store_kept(struct cdb *db, uint64_t *first, uint64_t *last, unsigned *keep_days);

/* What one output run did (compliance_state's last_run_*). */
struct store_run {
	uint64_t events;
	unsigned files;
	unsigned ms;
	unsigned keep_days;   /* --keep-days */
	int64_t requested_ms; /* run_requested when it started (-1: none): cleared only
				 if unchanged, so that a request made during the run
				 gets a run of its own */
};

/* Records a run (and clears last_error): 0 or -1. */
int store_run_done(struct cdb *db, const struct store_run *run);
/* Records a failed run: 0 or -1. */
int store_run_failed(struct cdb *db, const char *error);

#endif
