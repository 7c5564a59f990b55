/*
 * adminq.c - see adminq.h.
 *
 * The admin worker's policy over the job queue of workq.c: one job at a time,
 * failing at once (503) when the database is unreachable, at most ADMINQ_MAX jobs,
 * and at stop the jobs not started answer 503.
 */
#include "adminq.h"
#include "config.h"
#include "dbsql.h"
#include "list.h"
#include "pchat_feeds.h"
#include "pchat_log.h"
#include "util.h"
#include "workq.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

static struct workq q = WORKQ_INIT(q);
static const struct config *conf;
/* the feed options, for the verbs' checks (set before the worker starts, then read only) */
static struct pchat_feed_limits feed_limits;

static struct adminq_job *job_of(struct list *link)
{
	return list_entry(link, struct adminq_job, link);
}

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
	struct pca_actor actor = {.user = job->user, .feeds = &feed_limits};
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

static void run(struct workq *wq, struct list *batch)
{
	(void)wq;
	run_job(job_of(list_first(batch)));
}

static void thread_start(struct workq *wq)
{
	(void)wq;
	mysql_thread_init();
	connect_db(); /* a wrong setting shows in the log at start-up */
}

static void thread_end(struct workq *wq)
{
	(void)wq;
	disconnect();
	mysql_thread_end();
}

/* ---- loop side ---- */

static void complete(struct list *link)
{
	struct adminq_job *job = job_of(link);

	if(job->err.status != 0)
		job->done(job->arg, NULL, &job->err);
	else
		job->done(job->arg, job->result, NULL);
	json_decref(job->args);
	free(job->user);
	free(job->verb);
	free(job);
}

static void cancel(struct list *link)
{
	struct adminq_job *job = job_of(link);

	job->err.status = 503;
	snprintf(job->err.msg, sizeof(job->err.msg), "the server is shutting down");
}

static const struct workq_ops ops = {
		.thread_start = thread_start,
		.thread_end = thread_end,
		.run = run,
		.complete = complete,
		.cancel = cancel,
};

int adminq_submit(
		const char *user, const char *verb, json_t *args, adminq_done_fn done_fn, void *arg)
{
	struct adminq_job *job;

	if(!workq_running(&q) || workq_pending(&q) >= ADMINQ_MAX) {
		json_decref(args);
		return -1;
	}
	job = xcalloc(1, sizeof(*job));
	job->user = user ? xstrdup(user) : NULL;
	job->verb = xstrdup(verb);
	job->args = args ? args : json_object();
	job->done = done_fn;
	job->arg = arg;
	workq_submit(&q, &job->link);
	return 0;
}

int adminq_start(struct event_base *base, const struct config *c)
{
	conf = c;
	feed_limits = (struct pchat_feed_limits){
			c->feeds_max, c->feed_words_max, c->feed_word_max_bytes};
	return workq_start(&q, base, &ops, "adminq", NULL);
}

/* After the job it runs: a person waits for each of the others. */
void adminq_stop(void)
{
	workq_stop(&q, 0);
	workq_join(&q);
}
