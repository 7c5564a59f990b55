/*
 * workq.c - see workq.h.
 *
 * Hand-off: the loop appends to `todo` under the mutex and signals the condition;
 * the worker puts finished jobs into the `done` inbox (inbox.h), whose eventfd wakes
 * the loop.  The condition also wakes a worker sleeping between retries
 * (workq_sleep) when the queue stops.
 */
#include "workq.h"
#include "pchat_log.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>

/* ---- worker side ---- */

static void take_first(struct list *todo, struct list *batch)
{
	struct list *first = list_first(todo);
	list_del(first);
	list_add_tail(batch, first);
}

/* Fills batch with the next jobs to run; returns 0 (batch empty) when the worker is
 * to stop. */
static int take(struct workq *q, struct list *batch)
{
	pthread_mutex_lock(&q->mu);
	while(list_empty(&q->todo) && !q->stopping)
		pthread_cond_wait(&q->cond, &q->mu);
	if(!list_empty(&q->todo) && (!q->stopping || q->drain))
		(q->ops->take ? q->ops->take : take_first)(&q->todo, batch);
	pthread_mutex_unlock(&q->mu);
	return !list_empty(batch);
}

static void hand_back(struct workq *q, struct list *batch)
{
	inbox_put_all(&q->done, batch);
}

size_t workq_sweep(struct workq *q, int (*pick)(struct list *job, void *arg), void *arg)
{
	struct list picked = LIST_INIT(picked), *pos, *tmp;
	size_t n = 0;

	pthread_mutex_lock(&q->mu);
	list_for_each_safe(pos, tmp, &q->todo) {
		if(!pick(pos, arg))
			continue;
		list_del(pos);
		list_add_tail(&picked, pos);
		n++;
	}
	pthread_mutex_unlock(&q->mu);
	if(n > 0)
		hand_back(q, &picked);
	return n;
}

static void *worker_main(void *arg)
{
	struct workq *q = arg;
	struct list batch = LIST_INIT(batch);

	if(q->ops->thread_start)
		q->ops->thread_start(q);
	while(take(q, &batch)) {
		q->ops->run(q, &batch);
		hand_back(q, &batch);
	}
	if(q->ops->thread_end)
		q->ops->thread_end(q);
	return NULL;
}

int workq_stopping(struct workq *q)
{
	int stop;

	pthread_mutex_lock(&q->mu);
	stop = q->stopping;
	pthread_mutex_unlock(&q->mu);
	return stop;
}

int workq_sleep(struct workq *q, unsigned ms)
{
	struct timespec until;
	int stop;

	clock_gettime(CLOCK_REALTIME, &until); /* the clock pthread_cond_timedwait uses */
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000;
	if(until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&q->mu);
	/* a submission signals the condition too: only the deadline or a stop ends this */
	while(!q->stopping && pthread_cond_timedwait(&q->cond, &q->mu, &until) != ETIMEDOUT)
		;
	stop = q->stopping;
	pthread_mutex_unlock(&q->mu);
	return !stop;
}

/* ---- loop side ---- */

static void complete(struct workq *q, struct list *job)
{
	list_del(job);
	__atomic_sub_fetch(&q->pending, 1, __ATOMIC_RELAXED);
	q->ops->complete(job);
}

/* The done inbox's callback: a finished job. */
static void on_done(struct list *job, void *arg)
{
	complete(arg, job);
}

void workq_submit(struct workq *q, struct list *job)
{
	__atomic_add_fetch(&q->pending, 1, __ATOMIC_RELAXED);
	pthread_mutex_lock(&q->mu);
	list_add_tail(&q->todo, job);
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->mu);
}

size_t workq_pending(const struct workq *q)
{
	return __atomic_load_n(&q->pending, __ATOMIC_RELAXED);
}

void *workq_arg(const struct workq *q)
{
	return q->arg;
}

int workq_running(const struct workq *q)
{
	return q->running;
}

/* The worker starts with every signal blocked: they are for the loop thread. */
static int spawn(struct workq *q)
{
	sigset_t all, old;
	int rc;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&q->thread, NULL, worker_main, q);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if(rc != 0)
		log_error("%s: cannot start the worker thread: %s", q->name, strerror(rc));
	return rc == 0 ? 0 : -1;
}

int workq_start(struct workq *q, struct event_base *base, const struct workq_ops *ops,
		const char *name, void *arg)
{
	q->ops = ops;
	q->name = name;
	q->arg = arg;
	if(inbox_open(&q->done, base, on_done, q, name) < 0)
		return -1;
	if(spawn(q) < 0) {
		inbox_close(&q->done);
		return -1;
	}
	q->running = 1;
	return 0;
}

void workq_stop(struct workq *q, int drain)
{
	pthread_mutex_lock(&q->mu);
	q->stopping = 1;
	q->drain = drain;
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->mu);
}

/* The worker is gone: no lock needed, but completions may submit more jobs. */
static void cancel_todo(struct workq *q)
{
	struct list *first;

	while((first = list_first(&q->todo)) != NULL) {
		q->ops->cancel(first);
		complete(q, first);
	}
}

void workq_join(struct workq *q)
{
	if(q->running) {
		pthread_join(q->thread, NULL);
		q->running = 0;
	}
	if(q->ops) {
		inbox_drain(&q->done);
		cancel_todo(q);
	}
	inbox_close(&q->done);
}
