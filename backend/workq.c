/*
 * workq.c - see workq.h.
 *
 * Hand-off: the loop appends to `todo` under the mutex and signals the condition;
 * the worker appends finished jobs to `done` and, when `done` was empty, adds one to
 * the eventfd (the loop takes the whole of `done` per wake-up, so one is enough; an
 * eventfd is a counter and never fills up).  The condition also wakes a worker
 * sleeping between retries (workq_sleep) when the queue stops.
 */
#include "workq.h"
#include "pchat_log.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

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
	int was_empty;

	pthread_mutex_lock(&q->mu);
	was_empty = list_empty(&q->done);
	list_splice_tail(&q->done, batch);
	pthread_mutex_unlock(&q->mu);
	if(was_empty && eventfd_write(q->wake_fd, 1) < 0)
		log_error("%s: cannot wake the event loop: %s", q->name, strerror(errno));
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
	q->pending--;
	q->ops->complete(job);
}

/* Completes every job on `done`, in order. */
static void complete_done(struct workq *q)
{
	struct list list = LIST_INIT(list), *first;

	pthread_mutex_lock(&q->mu);
	list_splice_tail(&list, &q->done);
	pthread_mutex_unlock(&q->mu);
	while((first = list_first(&list)) != NULL)
		complete(q, first);
}

static void on_wake(evutil_socket_t fd, short what, void *arg)
{
	eventfd_t n;
	(void)what;

	(void)eventfd_read(fd, &n); /* resets the counter */
	complete_done(arg);
}

void workq_submit(struct workq *q, struct list *job)
{
	q->pending++;
	pthread_mutex_lock(&q->mu);
	list_add_tail(&q->todo, job);
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->mu);
}

size_t workq_pending(const struct workq *q)
{
	return q->pending;
}

void *workq_arg(const struct workq *q)
{
	return q->arg;
}

int workq_running(const struct workq *q)
{
	return q->running;
}

static void close_wake(struct workq *q)
{
	if(q->wake_ev)
		event_free(q->wake_ev);
	q->wake_ev = NULL;
	if(q->wake_fd >= 0)
		close(q->wake_fd);
	q->wake_fd = -1;
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
	q->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if(q->wake_fd >= 0)
		q->wake_ev = event_new(base, q->wake_fd, EV_READ | EV_PERSIST, on_wake, q);
	if(q->wake_ev == NULL || event_add(q->wake_ev, NULL) < 0) {
		log_error("%s: cannot set up the completion event: %s", name, strerror(errno));
		close_wake(q);
		return -1;
	}
	if(spawn(q) < 0) {
		close_wake(q);
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
		complete_done(q);
		cancel_todo(q);
	}
	close_wake(q);
}
