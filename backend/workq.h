/*
 * workq.h - a job queue served by one worker thread, with completions run in the
 * event loop (db.c's two database workers and adminq.c's admin worker).
 *
 * The loop submits jobs (any struct with a `struct list` link in it); the worker
 * takes them in submission order, runs them, and hands them back through an
 * inbox (inbox.h) watched by the loop, which runs each job's completion in the loop
 * thread, in submission order.  The worker thread blocks every signal: signals are the
 * loop's business.
 *
 * What a job is, how many jobs the worker takes at once, how it runs them (and
 * retries), and what becomes of the jobs never started when the queue stops are the
 * user's policy, passed in as a struct workq_ops.
 *
 *   static struct workq q = WORKQ_INIT(q);
 *   workq_start(&q, base, &ops, "db");
 *   workq_submit(&q, &job->link);        loop thread
 *   workq_stop(&q, 1); workq_join(&q);   every completion has run
 */
#ifndef PCHAT_WORKQ_H
#define PCHAT_WORKQ_H

#include <pthread.h>
#include <stddef.h>

#include "inbox.h"
#include "list.h"

struct event_base;
struct workq;

struct workq_ops {
	/* Worker thread, before the first job and after the last (optional): a
	 * connection of its own, say. */
	void (*thread_start)(struct workq *q);
	void (*thread_end)(struct workq *q);
	/* Worker thread, under the queue's lock, todo not empty: moves the jobs to run
	 * next from the head of todo to the (empty) list batch, at least the first.
	 * Optional: the first job alone. */
	void (*take)(struct list *todo, struct list *batch);
	/* Worker thread: runs the jobs of batch (in order; it must not unlink them). */
	void (*run)(struct workq *q, struct list *batch);
	/* Loop thread: a job's completion; the queue forgets the job before the call,
	 * so the callee may free it or submit more. */
	void (*complete)(struct list *job);
	/* Loop thread, in workq_join(): a job that was never started is about to be
	 * completed; marks it as failed. */
	void (*cancel)(struct list *job);
};

/* The fields are private to workq.c; a struct here so that users can own one
 * statically. */
struct workq {
	pthread_mutex_t mu;
	pthread_cond_t cond;
	struct list todo;  /* guarded by mu: submitted, not started */
	struct inbox done; /* run, completion not run (its own lock) */
	int stopping;	   /* guarded by mu */
	int drain;	   /* guarded by mu: on stop, run what todo holds first */
	const struct workq_ops *ops;
	const char *name; /* in log messages */
	void *arg;
	pthread_t thread;
	int running;
	size_t pending; /* written by the loop thread only (atomics): submitted,
			 * completion not run */
};

#define WORKQ_INIT(q)                                                              \
	{                                                                          \
		.mu = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER, \
		.todo = LIST_INIT((q).todo), .done = INBOX_INIT((q).done)          \
	}

/* Starts the worker; name is for log messages, arg for the ops (workq_arg()).
 * Returns 0, or -1 (logged) with nothing left running. */
int workq_start(struct workq *q, struct event_base *base, const struct workq_ops *ops,
		const char *name, void *arg);
void *workq_arg(const struct workq *q);
/* Whether the worker runs (started and not joined). */
int workq_running(const struct workq *q);
/* Loop thread: queues a job (after workq_start()). */
void workq_submit(struct workq *q, struct list *job);
/* Any thread: jobs submitted whose completion has not run yet (another thread's
 * reading may lag the loop's by a moment: a hint, such as the purge's whether the
 * database writer is busy). */
size_t workq_pending(const struct workq *q);

/* Worker thread: whether the queue is stopping. */
int workq_stopping(struct workq *q);
/* Worker thread: waits ms milliseconds, or less if the queue stops meanwhile.
 * Returns 0 if it is stopping, 1 otherwise (a backoff between retries). */
int workq_sleep(struct workq *q, unsigned ms);

/* Worker thread: hands every queued (not started) job for which pick(job, arg) is
 * true straight back to the loop, ahead of the jobs before it; pick may mark it
 * (a deadline passed, say).  Returns how many.  So that a batch stuck retrying
 * does not hold back jobs that must be answered in time. */
size_t workq_sweep(struct workq *q, int (*pick)(struct list *job, void *arg), void *arg);

/* Asks the worker to stop, without waiting: once todo is empty if drain, else
 * after the jobs it is running. */
void workq_stop(struct workq *q, int drain);
/* Loop thread, after workq_stop(): waits for the worker, then completes every job
 * left in order: finished ones as they are, never-started ones after ops->cancel
 * (jobs submitted by those completions included), so that each job is completed
 * exactly once.  Also right for a queue never started. */
void workq_join(struct workq *q);

#endif
