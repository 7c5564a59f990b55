/*
 * adminq.h - pchatd's admin worker: a thread with its own MariaDB connection that
 * runs admin library verbs (pca_run) for the web service.
 *
 * Why a second worker and not db.c's: an admin job may be long (clearing a big
 * history, a room with many members), and db.c runs jobs strictly in order, so
 * it would delay every post behind it.  Why a thread at all: the event loop must
 * never wait for SQL.
 *
 * The loop submits a job; the worker runs it and hands it back through an eventfd
 * watched by the loop, where its callback runs.  Unlike db.c's jobs these are not
 * retried until the database comes back: a person is waiting, so a job fails at
 * once with status 503 when the database is unreachable (the worker reconnects
 * for the next one).
 */
#ifndef PCHAT_ADMINQ_H
#define PCHAT_ADMINQ_H

#include <jansson.h>

#include "../admin/pchat_admin.h"

struct event_base;
struct config;

/* Jobs waiting or running at most; more are refused (the caller answers 503). */
#define ADMINQ_MAX 64

/* Called in the loop thread exactly once per accepted job: with the verb's result
 * (owned by the callee) and err NULL, or with result NULL and err set. */
typedef void (*adminq_done_fn)(void *arg, json_t *result, const struct pca_error *err);

/* Starts the worker (it connects in the background).  Returns 0 or -1 (logged). */
int adminq_start(struct event_base *base, const struct config *c);
/* Runs verb with args (consumed) as user (NULL: the administrator).  Returns 0,
 * or -1 without calling done if the queue is full or the worker is not running. */
int adminq_submit(const char *user, const char *verb, json_t *args, adminq_done_fn done, void *arg);
/* Stops the worker after the job it is running; jobs not started fail with 503.
 * Every callback has run when this returns. */
void adminq_stop(void);

#endif
