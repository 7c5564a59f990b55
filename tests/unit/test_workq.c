/*
 * test_workq.c - the worker queue with a real worker thread and a real event loop:
 * completion order and thread, a batching take policy, stop with leftovers (each
 * job completed exactly once) and a backoff sleep that a stop cuts short.
 *
 * A test gates the worker with semaphores where it needs the queue in a known
 * state (several jobs waiting, one running); ASan (make unit) checks that every
 * job is freed.
 */
#include <criterion/criterion.h>
#ifndef TestSuite /* cppcheck, which does not read criterion.h */
#define TestSuite(...)
#endif
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "workq.h"

#define NJOBS 40
#define BATCH 4

struct tjob {
	int id;
	int ran;       /* set by the worker: 1, or 2 if it ran in the loop thread */
	size_t batch;  /* how many jobs its batch held */
	int cancelled; /* never started */
	struct list link;
};

/* What the completions saw, in the order they ran (loop thread only). */
struct outcome {
	int id, ran, cancelled;
	size_t batch;
};

static struct {
	struct event_base *base;
	pthread_t loop_thread;
	sem_t running;	   /* posted by the worker when it runs a gated job */
	sem_t gate;	   /* the gated job waits for it */
	int gate_id;	   /* the gated job (-1: none) */
	int gate_start;	   /* thread_start waits for the gate too */
	unsigned sleep_ms; /* run() sleeps that long (0: no) ... */
	int sleep_rc;	   /* ... and stores workq_sleep's answer */
	struct outcome out[NJOBS * 2];
	int nout;
	int completed[NJOBS * 2]; /* per id */
	int resubmit;		  /* completions of cancelled jobs submit one more */
	struct workq *q;
	void *arg_seen; /* workq_arg() in the worker */
} t;

static struct tjob *job_of(struct list *link)
{
	return list_entry(link, struct tjob, link);
}

static void submit(struct workq *q, int id)
{
	struct tjob *job = calloc(1, sizeof(*job));
	cr_assert_not_null(job);
	job->id = id;
	workq_submit(q, &job->link);
}

static void thread_start(struct workq *q)
{
	t.arg_seen = workq_arg(q);
	if(t.gate_start)
		sem_wait(&t.gate);
}

static void take_batch(struct list *todo, struct list *batch)
{
	struct list *pos, *tmp;
	size_t n = 0;

	list_for_each_safe(pos, tmp, todo) {
		if(n++ == BATCH)
			break;
		list_del(pos);
		list_add_tail(batch, pos);
	}
}

static void run(struct workq *q, struct list *batch)
{
	struct list *pos;
	size_t n = 0;

	list_for_each(pos, batch)
		n++;
	list_for_each(pos, batch) {
		struct tjob *job = job_of(pos);
		/* a failed assertion here would not reach the test: reported through ran */
		job->ran = pthread_equal(pthread_self(), t.loop_thread) ? 2 : 1;
		job->batch = n;
		if(job->id == t.gate_id) {
			sem_post(&t.running);
			sem_wait(&t.gate);
		}
	}
	if(t.sleep_ms)
		t.sleep_rc = workq_sleep(q, t.sleep_ms);
}

static void complete(struct list *link)
{
	struct tjob *job = job_of(link);

	cr_assert(pthread_equal(pthread_self(), t.loop_thread), "completes in the loop thread");
	t.out[t.nout++] = (struct outcome){job->id, job->ran, job->cancelled, job->batch};
	t.completed[job->id]++;
	if(job->cancelled && t.resubmit && job->id < NJOBS)
		submit(t.q, job->id + NJOBS); /* lands in todo while the queue stops */
	free(job);
}

static void cancel(struct list *link)
{
	job_of(link)->cancelled = 1;
}

static const struct workq_ops one_by_one = {
		.thread_start = thread_start, .run = run, .complete = complete, .cancel = cancel};
static const struct workq_ops batched = {.thread_start = thread_start,
		.take = take_batch,
		.run = run,
		.complete = complete,
		.cancel = cancel};

static void setup(void)
{
	memset(&t, 0, sizeof(t));
	t.base = event_base_new();
	t.loop_thread = pthread_self();
	t.gate_id = -1;
	sem_init(&t.running, 0, 0);
	sem_init(&t.gate, 0, 0);
}

static void teardown(void)
{
	event_base_free(t.base);
	sem_destroy(&t.running);
	sem_destroy(&t.gate);
}

static void start(struct workq *q, const struct workq_ops *ops)
{
	t.q = q;
	cr_assert_eq(workq_start(q, t.base, ops, "test", &t), 0);
	cr_assert(workq_running(q));
}

/* Runs the loop until n completions have run. */
static void loop_until(int n)
{
	while(t.nout < n)
		event_base_loop(t.base, EVLOOP_ONCE);
}

TestSuite(workq, .init = setup, .fini = teardown, .timeout = 20);

Test(workq, completes_in_order_in_the_loop_thread)
{
	struct workq q = WORKQ_INIT(q);
	int i;

	start(&q, &one_by_one);
	for(i = 0; i < NJOBS; i++)
		submit(&q, i);
	cr_assert_eq(workq_pending(&q), NJOBS);
	loop_until(NJOBS);
	cr_assert_eq(workq_pending(&q), 0);
	for(i = 0; i < NJOBS; i++) {
		cr_assert_eq(t.out[i].id, i, "completion %d is job %d", i, t.out[i].id);
		cr_assert(t.out[i].ran == 1 && !t.out[i].cancelled);
		cr_assert_eq(t.out[i].batch, 1);
	}
	workq_stop(&q, 1);
	workq_join(&q);
	cr_assert(!workq_running(&q));
	cr_assert_eq(t.nout, NJOBS);
	cr_assert_eq(t.arg_seen, &t);
}

Test(workq, a_take_policy_batches_waiting_jobs)
{
	struct workq q = WORKQ_INIT(q);
	int i;

	t.gate_start = 1; /* every job waits until all are queued */
	start(&q, &batched);
	for(i = 0; i < 10; i++)
		submit(&q, i);
	sem_post(&t.gate);
	loop_until(10);
	for(i = 0; i < 10; i++) {
		cr_assert_eq(t.out[i].id, i);
		cr_assert_eq(t.out[i].batch, i < 8 ? BATCH : 2, "job %d in a batch of %zu", i,
				t.out[i].batch);
	}
	workq_stop(&q, 1);
	workq_join(&q);
}

/* Job 0 runs, jobs 1.. wait; a stop without drain leaves them: job 0 completes as
 * it finished, the others (and those their completions submit) as cancelled. */
Test(workq, stop_completes_every_leftover_once)
{
	struct workq q = WORKQ_INIT(q);
	int i;

	t.gate_id = 0;
	t.resubmit = 1;
	start(&q, &one_by_one);
	for(i = 0; i < NJOBS; i++)
		submit(&q, i);
	sem_wait(&t.running);
	workq_stop(&q, 0);
	sem_post(&t.gate);
	workq_join(&q);
	cr_assert_eq(t.nout, NJOBS * 2 - 1);
	cr_assert_eq(t.out[0].id, 0);
	cr_assert(t.out[0].ran == 1 && !t.out[0].cancelled);
	for(i = 1; i < t.nout; i++)
		cr_assert(!t.out[i].ran && t.out[i].cancelled, "completion %d", i);
	for(i = 1; i < NJOBS; i++)
		cr_assert_eq(t.out[i].id, i, "leftovers in submission order");
	for(i = 0; i < NJOBS * 2; i++)
		cr_assert_eq(t.completed[i], i == NJOBS ? 0 : 1, "job %d completed %d times", i,
				t.completed[i]);
	cr_assert_eq(workq_pending(&q), 0);
}

Test(workq, a_draining_stop_runs_the_queued_jobs)
{
	struct workq q = WORKQ_INIT(q);
	int i;

	t.gate_start = 1;
	start(&q, &batched);
	for(i = 0; i < 10; i++)
		submit(&q, i);
	workq_stop(&q, 1);
	sem_post(&t.gate);
	workq_join(&q);
	cr_assert_eq(t.nout, 10);
	for(i = 0; i < 10; i++)
		cr_assert(t.out[i].id == i && t.out[i].ran == 1 && !t.out[i].cancelled);
}

Test(workq, stop_cuts_a_backoff_sleep_short)
{
	struct workq q = WORKQ_INIT(q);
	struct timespec t0, t1;

	t.gate_id = 0;
	t.sleep_ms = 60000;
	t.sleep_rc = -1;
	start(&q, &one_by_one);
	submit(&q, 0);
	sem_wait(&t.running);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	sem_post(&t.gate);
	workq_stop(&q, 1);
	workq_join(&q);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cr_assert_eq(t.sleep_rc, 0, "workq_sleep reports the stop");
	cr_assert_lt(t1.tv_sec - t0.tv_sec, 5);
	cr_assert_eq(t.nout, 1);
}

Test(workq, a_queue_never_started_joins)
{
	struct workq q = WORKQ_INIT(q);

	workq_stop(&q, 0);
	workq_join(&q);
	cr_assert(!workq_running(&q));
}
