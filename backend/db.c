/*
 * db.c - see db.h.  The job queue and the worker thread.
 *
 * Hand-off: the loop appends to `todo` under the mutex and signals the condition;
 * the worker appends finished jobs to `done` and, when `done` was empty, writes
 * one byte to a pipe whose read end is an event in the loop.  The loop then takes
 * the whole `done` list and runs the callbacks in order.
 *
 * Ordering: the worker takes jobs strictly in submission order and completes
 * them in that order, so message ids, broadcasts and every session's replies
 * follow the order in which the loop submitted the work.
 *
 * Batching: when the job at the head is an insert, the worker also takes the
 * inserts right behind it (up to DB_BATCH_MAX) and commits them in one
 * transaction.  Inserts pile up exactly while the previous commit runs, so the
 * batch grows with the load and costs nothing when idle.
 */
#define _GNU_SOURCE /* pipe2 */
#include "db.h"
#include "config.h"
#include "dbsql.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static struct list todo = LIST_INIT(todo); /* guarded by mu */
static struct list done = LIST_INIT(done); /* guarded by mu */
static int stopping;			   /* guarded by mu */

static pthread_t worker;
static int worker_running;
static int wake_pipe[2] = {-1, -1};
static struct event *done_ev;
static size_t backlog; /* loop thread only */
static const struct config *conf;

#define BACKOFF_FIRST_MS 100
#define BACKOFF_MAX_MS 5000

/* ---- loop side ---- */

void db_submit(struct db_job *job)
{
	backlog++;
	pthread_mutex_lock(&mu);
	list_add_tail(&todo, &job->link);
	pthread_cond_signal(&cond);
	pthread_mutex_unlock(&mu);
}

size_t db_backlog(void)
{
	return backlog;
}

/* Unlinks a finished job, runs its callback (in the loop thread), frees it. */
static void complete(struct db_job *job)
{
	list_del(&job->link);
	if(job->done) /* NULL: fire and forget */
		job->done(job);
	backlog--;
	db_job_free(job);
}

static void on_done(evutil_socket_t fd, short what, void *arg)
{
	struct list list = LIST_INIT(list), *first;
	char buf[64];
	(void)what;
	(void)arg;

	while(read(fd, buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&mu);
	list_splice_tail(&list, &done);
	pthread_mutex_unlock(&mu);
	while((first = list_first(&list)) != NULL)
		complete(list_entry(first, struct db_job, link));
}

/* ---- worker side ---- */

/* Takes the next job, plus the inserts right behind an insert.  Returns the
 * number taken, 0 when asked to stop and nothing is left.  Jobs submitted before
 * the stop still run (read positions stored as sessions close, for one); with
 * the database unreachable each fails at once (backoff() sees the stop). */
static size_t take_jobs(struct db_job **batch)
{
	size_t n = 0;
	struct list *first;

	pthread_mutex_lock(&mu);
	while(list_empty(&todo) && !stopping)
		pthread_cond_wait(&cond, &mu);
	while(n < DB_BATCH_MAX && (first = list_first(&todo)) != NULL) {
		struct db_job *job = list_entry(first, struct db_job, link);
		if(n > 0 && (job->type != DB_INSERT_MSG || batch[0]->type != DB_INSERT_MSG))
			break;
		list_del(&job->link);
		batch[n++] = job;
	}
	pthread_mutex_unlock(&mu);
	return n;
}

/* Sleeps for the next backoff step unless asked to stop; returns 0 if stopping. */
static int backoff(unsigned *ms)
{
	struct timespec until;
	int stop;

	*ms = *ms ? *ms * 2 : BACKOFF_FIRST_MS;
	if(*ms > BACKOFF_MAX_MS)
		*ms = BACKOFF_MAX_MS;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += *ms / 1000;
	until.tv_nsec += (long)(*ms % 1000) * 1000000;
	if(until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&mu);
	while(!stopping && pthread_cond_timedwait(&cond, &mu, &until) != ETIMEDOUT)
		;
	stop = stopping;
	pthread_mutex_unlock(&mu);
	return !stop;
}

static int stop_requested(void)
{
	int stop;
	pthread_mutex_lock(&mu);
	stop = stopping;
	pthread_mutex_unlock(&mu);
	return stop;
}

/* Runs a batch until it is done, reconnecting as often as it takes (but not
 * at all once asked to stop: what is left then fails at once). */
static void run_batch(struct dbsql *d, struct db_job **batch, size_t n)
{
	unsigned wait_ms = 0;
	size_t i;

	for(;;) {
		enum dbsql_result rc;
		if(d->my == NULL && stop_requested())
			break;
		if(d->my == NULL && dbsql_connect(d, conf) < 0) {
			if(!backoff(&wait_ms))
				break;
			continue;
		}
		if(batch[0]->type == DB_INSERT_MSG)
			rc = dbsql_insert_batch(d, batch, n);
		else
			rc = dbsql_run(d, batch[0]);
		if(rc == DBSQL_OK)
			return;
		/* The connection is suspect: start over on a new one. */
		dbsql_close(d);
		for(i = 0; i < n; i++) {
			if(batch[i]->type != DB_INSERT_MSG)
				db_job_clear_results(batch[i]);
		}
		if(!backoff(&wait_ms))
			break;
	}
	for(i = 0; i < n; i++) /* stopped before the batch could run */
		batch[i]->status = DB_FAILED;
}

static void hand_back(struct db_job **batch, size_t n)
{
	size_t i;
	int was_empty;

	pthread_mutex_lock(&mu);
	was_empty = list_empty(&done);
	for(i = 0; i < n; i++)
		list_add_tail(&done, &batch[i]->link);
	pthread_mutex_unlock(&mu);
	/* One byte per empty->non-empty change: the pipe never fills up. */
	if(was_empty && write(wake_pipe[1], "j", 1) < 0 && errno != EAGAIN)
		log_error("db: cannot wake the event loop: %s", strerror(errno));
}

static void *worker_main(void *arg)
{
	struct db_job *batch[DB_BATCH_MAX];
	struct dbsql d;
	unsigned wait_ms = 0;
	size_t n;
	(void)arg;

	mysql_thread_init();
	dbsql_init(&d);
	/* Connect at once, so that a wrong setting shows in the log at start-up;
	 * jobs arriving meanwhile wait in the queue. */
	while(dbsql_connect(&d, conf) < 0 && backoff(&wait_ms))
		;
	while((n = take_jobs(batch)) > 0) {
		run_batch(&d, batch, n);
		hand_back(batch, n);
	}
	dbsql_close(&d);
	mysql_thread_end();
	return NULL;
}

int db_start(struct event_base *base, const struct config *c)
{
	sigset_t all, old;
	int rc;

	conf = c;
	if(pipe2(wake_pipe, O_NONBLOCK | O_CLOEXEC) < 0) {
		log_error("db: pipe: %s", strerror(errno));
		return -1;
	}
	done_ev = event_new(base, wake_pipe[0], EV_READ | EV_PERSIST, on_done, NULL);
	if(done_ev == NULL || event_add(done_ev, NULL) < 0) {
		log_error("db: cannot watch the completion pipe");
		return -1;
	}
	/* Signals are the loop's business: the worker blocks them all. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&worker, NULL, worker_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if(rc != 0) {
		log_error("db: cannot start the worker thread: %s", strerror(rc));
		return -1;
	}
	worker_running = 1;
	return 0;
}

/* Runs the callbacks of the jobs left once the worker has stopped: finished
 * ones with their results, never-started ones as failed.  Callbacks may submit
 * more jobs; those land in todo and fail in turn. */
static void finish_leftovers(void)
{
	struct list *first;
	while((first = list_first(&done)) != NULL)
		complete(list_entry(first, struct db_job, link));
	while((first = list_first(&todo)) != NULL) {
		struct db_job *job = list_entry(first, struct db_job, link);
		job->status = DB_FAILED;
		complete(job);
	}
}

void db_stop(int wait)
{
	pthread_mutex_lock(&mu);
	stopping = 1;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&mu);
	if(!wait || !worker_running)
		return;
	pthread_join(worker, NULL);
	worker_running = 0;
	finish_leftovers();
	if(done_ev)
		event_free(done_ev);
	done_ev = NULL;
	close(wake_pipe[0]);
	close(wake_pipe[1]);
	wake_pipe[0] = wake_pipe[1] = -1;
}
