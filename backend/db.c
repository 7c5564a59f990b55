/*
 * db.c - see db.h.  The DB workers' policy over the job queue of workq.c, which
 * runs a queue's jobs strictly in submission order and completes them in that order
 * in the loop, so message ids, broadcasts and every session's replies follow the
 * order in which the loop submitted the work.
 *
 * Two workers, one struct each (struct db_worker), the same code: the writer runs
 * every kind but those that declare themselves readers (db_kind.reader: message
 * search), which the reader runs on a connection of its own.  So a slow read (a
 * search for a common word over many rooms) never holds a post behind it.  A
 * reader kind must be a pure read that no job of the writer has to be ordered
 * with (docs/ARCHITECTURE.md, "Database workers"): the two queues' completions
 * interleave in no particular order.  Both follow the policy below.
 *
 * Batching: when the job at the head is of a kind that batches (posts, DBK_BATCH),
 * the worker also takes the jobs of that kind right behind it (up to DB_BATCH_MAX)
 * and commits them in one transaction.  Posts pile up exactly while the previous
 * commit runs, so the batch grows with the load and costs nothing when idle.
 *
 * Retries: a batch runs again on a new connection, with backoff, until it is done;
 * once asked to stop, the worker still runs the jobs submitted before (read
 * positions stored as sessions close, for one), but with the database unreachable
 * each fails at once.
 *
 * Deadlines (posts): a job whose deadline has passed when the worker takes it is
 * not started (DB_UNAVAILABLE), whatever the database's state: its client has been
 * answered 503 by then, so storing it later would store what was refused.  A batch
 * that cannot reach the database gives up at its first job's deadline, so a post
 * is answered within a bound even while MariaDB is down.
 */
#include "db.h"
#include "config.h"
#include "dbkind.h"
#include "dbsql.h"
#include "metrics.h"
#include "pchat_log.h"
#include "workq.h"

#include <mysql.h>

struct db_worker {
	const char *name;  /* "writer", "reader": log lines, the metrics' worker label */
	const char *qname; /* the queue's, in workq.c's log lines */
	struct workq q;
	struct dbsql db;	    /* its thread only */
	int reachable;		    /* written by its thread, read by the loop (atomic) */
	struct metric_hist *commit; /* the durations of its committed transactions */
	/* At a stop, run the jobs queued first (the writer: posts and read positions
	 * must be stored); the reader's are reads for sessions closed by then. */
	int drain;
};

static struct db_worker workers[DB_WORKERS] = {
		[DB_WRITER] = {.name = "writer",
				.qname = "db writer",
				.q = WORKQ_INIT(workers[DB_WRITER].q),
				.commit = &m_db_commit_writer,
				.drain = 1},
		[DB_READER] = {.name = "reader",
				.qname = "db reader",
				.q = WORKQ_INIT(workers[DB_READER].q),
				.commit = &m_db_commit_reader},
};
static const struct config *conf;

static struct db_worker *worker_of(struct workq *q)
{
	return workq_arg(q);
}

static void set_reachable(struct db_worker *w, int on)
{
	__atomic_store_n(&w->reachable, on, __ATOMIC_RELAXED);
}

const char *db_worker_name(enum db_worker_id id)
{
	return workers[id].name;
}

int db_worker_reachable(enum db_worker_id id)
{
	return __atomic_load_n(&workers[id].reachable, __ATOMIC_RELAXED);
}

/* The writer's: it runs the posts, and it is never idle for long (read positions,
 * presence), whereas an idle reader's last attempt may be long past. */
int db_reachable(void)
{
	return db_worker_reachable(DB_WRITER);
}

#define BACKOFF_FIRST_MS 100
#define BACKOFF_MAX_MS 1000 /* a down database is noticed back within a second */

static struct db_job *job_of(struct list *link)
{
	return list_entry(link, struct db_job, link);
}

/* ---- loop side ---- */

void db_submit(struct db_job *job)
{
	workq_submit(&workers[(db_kinds[job->type]->flags & DBK_READER) ? DB_READER : DB_WRITER].q,
			&job->link);
}

size_t db_worker_backlog(enum db_worker_id id)
{
	return workq_pending(&workers[id].q);
}

size_t db_backlog(void)
{
	return db_worker_backlog(DB_WRITER) + db_worker_backlog(DB_READER);
}

/* Runs a finished job's callback (in the loop thread) and frees it. */
static void complete(struct list *link)
{
	static const char *const status[] = {"ok", "not_found", "failed", "unavailable"};
	struct db_job *job = job_of(link);
	unsigned st = (unsigned)job->status;
	metric_add(&m_db_jobs, db_job_name(job),
			st < sizeof(status) / sizeof(status[0]) ? status[st] : "?", 1);
	if(job->done) /* NULL: fire and forget */
		job->done(job);
	db_job_free(job);
}

/* At db_stop(1): never started, so its callback sees it failed. */
static void cancel(struct list *link)
{
	job_of(link)->status = DB_FAILED;
}

/* ---- worker side ---- */

/* The next job, plus the inserts right behind an insert. */
static void take_batch(struct list *todo, struct list *batch)
{
	enum db_job_type type = job_of(list_first(todo))->type;
	int batches = (db_kinds[type]->flags & DBK_BATCH) != 0; /* posts */
	struct list *pos, *tmp;
	size_t n = 0;

	list_for_each_safe(pos, tmp, todo) {
		if(n == DB_BATCH_MAX || (n > 0 && (!batches || job_of(pos)->type != type)))
			break;
		list_del(pos);
		list_add_tail(batch, pos);
		n++;
	}
}

/* The earliest deadline of a batch (0: none); jobs are in submission order, but
 * only some kinds have deadlines. */
static uint64_t batch_deadline(struct db_job **batch, size_t n)
{
	uint64_t first = 0;
	size_t i;
	for(i = 0; i < n; i++) {
		uint64_t d = batch[i]->deadline_ms;
		if(d && (first == 0 || d < first))
			first = d;
	}
	return first;
}

/* Past the batch's deadline: gives up (DB_UNAVAILABLE) and returns 1. */
static int give_up(struct db_worker *w, struct db_job **batch, size_t n, uint64_t deadline)
{
	size_t i;
	if(deadline == 0 || mono_ms() < deadline)
		return 0;
	log_warn("db %s: database unreachable past the deadline of %zu job(s) (%s): refused",
			w->name, n, db_job_name(batch[0]));
	for(i = 0; i < n; i++)
		batch[i]->status = DB_UNAVAILABLE;
	return 1;
}

/* workq_sweep(): a queued job past its deadline is refused now. */
static int overdue(struct list *link, void *now)
{
	struct db_job *job = job_of(link);
	if(job->deadline_ms == 0 || job->deadline_ms > *(uint64_t *)now)
		return 0;
	job->status = DB_UNAVAILABLE;
	return 1;
}

/* While a batch waits for the database, the queued jobs whose deadline passes are
 * refused (their clients get 503 in time), however long the batch waits. */
static void refuse_overdue(struct db_worker *w)
{
	uint64_t now = mono_ms();
	size_t n = workq_sweep(&w->q, overdue, &now);
	if(n > 0)
		log_warn("db %s: database unreachable: %zu queued job(s) past their deadline "
			 "refused",
				w->name, n);
}

/* How often queued jobs are checked for passed deadlines while the worker waits. */
#define SWEEP_MS 200

/* Sleeps for the next backoff step, but no later than the deadline (0: none), in
 * slices between which overdue queued jobs are refused, unless asked to stop;
 * returns 0 if stopping. */
static int backoff_until(struct db_worker *w, unsigned *ms, uint64_t deadline)
{
	uint64_t until;

	*ms = *ms ? *ms * 2 : BACKOFF_FIRST_MS;
	if(*ms > BACKOFF_MAX_MS)
		*ms = BACKOFF_MAX_MS;
	until = mono_ms() + *ms;
	if(deadline && deadline < until)
		until = deadline;
	for(;;) {
		uint64_t now;
		refuse_overdue(w);
		now = mono_ms();
		if(now >= until)
			return 1;
		if(!workq_sleep(&w->q, (unsigned)(until - now < SWEEP_MS ? until - now : SWEEP_MS)))
			return 0;
	}
}

/* One transaction of the batch; a committed one's duration goes to the histogram
 * (atomics: the loop reads it for /metrics). */
static enum dbsql_result run_timed(struct db_worker *w, struct db_job **batch, size_t n)
{
	struct timespec t0, t1;
	enum dbsql_result rc;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = dbsql_run_batch(&w->db, batch, n);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if(rc == DBSQL_OK)
		metric_observe(w->commit,
				(double)(t1.tv_sec - t0.tv_sec) +
						(double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return rc;
}

/* Runs a batch until it is done, reconnecting as often as it takes (but not
 * at all once asked to stop: what is left then fails at once), or until its
 * deadline passes. */
static void run_batch(struct db_worker *w, struct db_job **batch, size_t n)
{
	uint64_t deadline = batch_deadline(batch, n);
	unsigned wait_ms = 0;
	size_t i;

	for(;;) {
		enum dbsql_result rc;
		if(w->db.my == NULL && workq_stopping(&w->q))
			break;
		if(w->db.my == NULL && dbsql_connect(&w->db, conf) < 0) {
			set_reachable(w, 0);
			if(give_up(w, batch, n, deadline))
				return;
			if(!backoff_until(w, &wait_ms, deadline))
				break;
			continue;
		}
		rc = run_timed(w, batch, n);
		set_reachable(w, rc == DBSQL_OK);
		if(rc == DBSQL_OK)
			return;
		/* The connection is suspect: start over on a new one, every job afresh. */
		dbsql_close(&w->db);
		for(i = 0; i < n; i++)
			db_job_clear_results(batch[i]);
		if(give_up(w, batch, n, deadline))
			return;
		if(!backoff_until(w, &wait_ms, deadline))
			break;
	}
	for(i = 0; i < n; i++) /* stopped before the batch could run */
		batch[i]->status = DB_FAILED;
}

/* dbsql takes a batch as an array. */
static void run(struct workq *wq, struct list *jobs)
{
	struct db_job *batch[DB_BATCH_MAX];
	uint64_t now = mono_ms();
	struct list *pos;
	size_t n = 0;

	list_for_each(pos, jobs) {
		struct db_job *job = job_of(pos);
		if(job->deadline_ms && job->deadline_ms <= now)
			job->status = DB_UNAVAILABLE; /* late: refused already, never started */
		else
			batch[n++] = job;
	}
	if(n > 0)
		run_batch(worker_of(wq), batch, n);
}

/* Connects at once, so that a wrong setting shows in the log at start-up; jobs
 * arriving meanwhile wait in the queue. */
static void thread_start(struct workq *wq)
{
	struct db_worker *w = worker_of(wq);
	unsigned wait_ms = 0;

	mysql_thread_init();
	dbsql_init(&w->db);
	while(dbsql_connect(&w->db, conf) < 0 && backoff_until(w, &wait_ms, 0))
		;
	set_reachable(w, w->db.my != NULL);
}

static void thread_end(struct workq *wq)
{
	dbsql_close(&worker_of(wq)->db);
	mysql_thread_end();
}

static const struct workq_ops ops = {
		.thread_start = thread_start,
		.thread_end = thread_end,
		.take = take_batch,
		.run = run,
		.complete = complete,
		.cancel = cancel,
};

/* The DB settings (host, socket, credentials) are the same for both. */
int db_start(struct event_base *base, const struct config *c)
{
	int i;
	conf = c;
	for(i = 0; i < DB_WORKERS; i++) {
		struct db_worker *w = &workers[i];
		if(workq_start(&w->q, base, &ops, w->qname, w) < 0) {
			db_stop(1); /* the one started, if any */
			return -1;
		}
	}
	return 0;
}

/* Joins both workers.  A completion may submit a job to the other worker (a
 * search's room list, read by the writer, starts the reader's search), perhaps
 * once that one is joined: joined again, a queue completes such jobs as never
 * started, until neither has any left. */
void db_stop(int wait)
{
	int i;
	for(i = 0; i < DB_WORKERS; i++)
		workq_stop(&workers[i].q, workers[i].drain);
	while(wait &&
			(db_worker_backlog(DB_WRITER) > 0 || db_worker_backlog(DB_READER) > 0 ||
					workq_running(&workers[DB_WRITER].q) ||
					workq_running(&workers[DB_READER].q))) {
		for(i = 0; i < DB_WORKERS; i++)
			workq_join(&workers[i].q);
	}
}
