/*
 * adminq.c - see adminq.h.
 *
 * Hand-off: the loop appends to `todo` under the mutex; the worker appends
 * finished jobs to `done` and bumps an eventfd (a counter, so it never fills up)
 * that is an event in the loop.
 */
#include "adminq.h"
#include "config.h"
#include "dbsql.h"
#include "list.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <mysql.h>

struct adminq_job {
	char *user;
	char *verb;
	json_t *args;
	adminq_done_fn done;
	void *arg;
	json_t *result;	      /* set by the worker on success */
	struct pca_error err; /* set by the worker on failure (status != 0) */
	struct list link;
};

/* What the loop and the worker share, guarded by q.mu. */
static struct {
	pthread_mutex_t mu;
	pthread_cond_t cond;
	struct list todo; /* submitted, not started */
	struct list done; /* finished, callback not run */
	int stopping;
} q = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, LIST_INIT(q.todo), LIST_INIT(q.done),
		0};

static pthread_t worker;
static int running;
static unsigned pending; /* loop thread only: submitted, callback not run yet */
static int wake_fd = -1;
static struct event *wake_ev;
static const struct config *conf;

/* After a failed connection attempt, jobs fail at once for this long instead of
 * each waiting for its own attempt. */
#define RECONNECT_HOLDOFF_SEC 1

/* ---- worker side ---- */

static MYSQL *my;	  /* worker only */
static time_t failed_at;  /* worker only: last failed connection attempt */
static int reported_down; /* worker only: logged once per outage */

static void disconnect(void)
{
	if(my)
		mysql_close(my);
	my = NULL;
}

/* The DB worker's connection settings (dbsql_open), with a longer I/O timeout for
 * long admin jobs; autocommit stays on: the admin library opens its own
 * transaction per verb. */
static int connect_db(void)
{
	char err[256];

	if(my)
		return 0;
	if(failed_at && time(NULL) - failed_at < RECONNECT_HOLDOFF_SEC)
		return -1;
	my = dbsql_open(conf, 60, err, sizeof(err));
	if(my == NULL) {
		if(!reported_down)
			log_warn("adminq: cannot connect: %s (web requests answer 503)", err);
		reported_down = 1;
		failed_at = time(NULL);
		return -1;
	}
	if(reported_down)
		log_info("adminq: connected to the database again");
	reported_down = 0;
	failed_at = 0;
	return 0;
}

static void fail_unavailable(struct adminq_job *job)
{
	job->err.status = 503;
	snprintf(job->err.msg, sizeof(job->err.msg), "the database is not available");
}

/* Runs the job; a connection lost on the way gets one fresh connection. */
static void run_job(struct adminq_job *job)
{
	struct pca_actor actor = {job->user};
	int attempt;

	for(attempt = 0; attempt < 2; attempt++) {
		if(connect_db() < 0)
			break;
		memset(&job->err, 0, sizeof(job->err));
		if(pca_run(my, &actor, job->verb, job->args, &job->result, &job->err) == 0)
			return;
		if(job->err.status != 503)
			return;
		disconnect(); /* pca_run changed nothing: safe to run again */
	}
	fail_unavailable(job);
}

static struct adminq_job *take_job(void)
{
	struct adminq_job *job = NULL;
	struct list *first;

	pthread_mutex_lock(&q.mu);
	while(list_empty(&q.todo) && !q.stopping)
		pthread_cond_wait(&q.cond, &q.mu);
	if(!q.stopping && (first = list_first(&q.todo)) != NULL) {
		job = list_entry(first, struct adminq_job, link);
		list_del(&job->link);
	}
	pthread_mutex_unlock(&q.mu);
	return job;
}

static void hand_back(struct adminq_job *job)
{
	pthread_mutex_lock(&q.mu);
	list_add_tail(&q.done, &job->link);
	pthread_mutex_unlock(&q.mu);
	if(eventfd_write(wake_fd, 1) < 0)
		log_error("adminq: cannot wake the event loop: %s", strerror(errno));
}

static void *worker_main(void *arg)
{
	struct adminq_job *job;
	(void)arg;

	mysql_thread_init();
	connect_db(); /* a wrong setting shows in the log at start-up */
	while((job = take_job()) != NULL) {
		run_job(job);
		hand_back(job);
	}
	disconnect();
	mysql_thread_end();
	return NULL;
}

/* ---- loop side ---- */

static void complete(struct adminq_job *job)
{
	list_del(&job->link);
	pending--;
	if(job->err.status != 0)
		job->done(job->arg, NULL, &job->err);
	else
		job->done(job->arg, job->result, NULL);
	json_decref(job->args);
	free(job->user);
	free(job->verb);
	free(job);
}

/* Runs the callbacks of every job on list (taken from the shared one under q.mu). */
static void complete_all(struct list *shared)
{
	struct list list = LIST_INIT(list), *first;

	pthread_mutex_lock(&q.mu);
	list_splice_tail(&list, shared);
	pthread_mutex_unlock(&q.mu);
	while((first = list_first(&list)) != NULL)
		complete(list_entry(first, struct adminq_job, link));
}

static void on_wake(evutil_socket_t fd, short what, void *arg)
{
	eventfd_t n;
	(void)what;
	(void)arg;
	(void)eventfd_read(fd, &n); /* resets the counter */
	complete_all(&q.done);
}

int adminq_submit(
		const char *user, const char *verb, json_t *args, adminq_done_fn done_fn, void *arg)
{
	struct adminq_job *job;

	if(!running || pending >= ADMINQ_MAX) {
		json_decref(args);
		return -1;
	}
	job = xcalloc(1, sizeof(*job));
	job->user = user ? xstrdup(user) : NULL;
	job->verb = xstrdup(verb);
	job->args = args ? args : json_object();
	job->done = done_fn;
	job->arg = arg;
	pending++;
	pthread_mutex_lock(&q.mu);
	list_add_tail(&q.todo, &job->link);
	pthread_cond_signal(&q.cond);
	pthread_mutex_unlock(&q.mu);
	return 0;
}

/* The worker starts with every signal blocked: signals are the loop's business. */
static int spawn_worker(void)
{
	sigset_t all, old;
	int rc;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&worker, NULL, worker_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if(rc != 0)
		log_error("adminq: cannot start the worker thread: %s", strerror(rc));
	return rc == 0 ? 0 : -1;
}

int adminq_start(struct event_base *base, const struct config *c)
{
	conf = c;
	wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	wake_ev = wake_fd < 0 ? NULL
			      : event_new(base, wake_fd, EV_READ | EV_PERSIST, on_wake, NULL);
	if(wake_ev == NULL || event_add(wake_ev, NULL) < 0) {
		log_error("adminq: cannot set up the completion event: %s", strerror(errno));
		return -1;
	}
	if(spawn_worker() < 0)
		return -1;
	running = 1;
	return 0;
}

void adminq_stop(void)
{
	struct list *first;

	if(running) {
		pthread_mutex_lock(&q.mu);
		q.stopping = 1;
		pthread_cond_broadcast(&q.cond);
		pthread_mutex_unlock(&q.mu);
		pthread_join(worker, NULL);
		running = 0;
	}
	complete_all(&q.done);
	while((first = list_first(&q.todo)) != NULL) {
		struct adminq_job *job = list_entry(first, struct adminq_job, link);
		job->err.status = 503;
		snprintf(job->err.msg, sizeof(job->err.msg), "the server is shutting down");
		complete(job);
	}
	if(wake_ev)
		event_free(wake_ev);
	wake_ev = NULL;
	if(wake_fd >= 0)
		close(wake_fd);
	wake_fd = -1;
}
