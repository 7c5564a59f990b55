/*
 * periodic.h - a pass run every interval on a worker thread of its own (workq.h): the
 * file sweeper (filesweep.c), the retention purge (retention.c) and the search
 * indexer (searchindex.c).  The first pass runs a second after the start; a pass is
 * never queued behind one still running, so a slow pass delays the next rather than
 * piling passes up; stopping waits for the pass in progress.
 *
 *   static struct periodic sweeper = PERIODIC_INIT(sweeper, sweep, filedb_thread_end);
 *   periodic_start(&sweeper, base, "sweeper", 60);     loop thread
 *   periodic_stop(&sweeper);
 */
#ifndef PCHAT_PERIODIC_H
#define PCHAT_PERIODIC_H

#include "workq.h"

#include <sys/time.h>

struct event;
struct event_base;

struct periodic {
	/* worker thread: one pass (workq_stopping(wq) tells it to cut short) */
	void (*pass)(struct workq *wq);
	/* worker thread, after the last pass (optional) */
	void (*thread_end)(struct workq *wq);
	/* private */
	struct workq q;
	struct list job; /* the one pass, queued or not */
	int queued;	 /* loop thread */
	struct event *timer;
	struct timeval every;
};

#define PERIODIC_INIT(p, pass_fn, end_fn)                                          \
	{                                                                          \
		.pass = (pass_fn), .thread_end = (end_fn), .q = WORKQ_INIT((p).q), \
		.job = LIST_INIT((p).job)                                          \
	}

/* Starts p's worker and its timer; name is for log messages.  0, or -1 (logged)
 * with nothing left running. */
int periodic_start(struct periodic *p, struct event_base *base, const char *name,
		unsigned interval_sec);
/* Stops the timer, waits for the pass in progress and joins the worker; a p never
 * started is left alone. */
void periodic_stop(struct periodic *p);

#endif
