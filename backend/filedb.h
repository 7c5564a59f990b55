/*
 * filedb.h - the file service's database: the admin library's file verbs
 * (admin/pca_files.c, pchat_admin.h) run on a MariaDB connection of the calling
 * thread's own.
 *
 * The file service's threads (libmicrohttpd's pool and the sweeper) each block on
 * their own connection, never on another's and never in the event loop.  A thread's
 * connection is opened at its first call and closed when the thread exits (a
 * thread-specific key's destructor) or at filedb_thread_end().
 */
#ifndef PCHAT_FILEDB_H
#define PCHAT_FILEDB_H

#include <jansson.h>

#include "../admin/pchat_admin.h"

struct config;

/* Before any thread calls filedb_run (loop thread; again: nothing): the connection
 * settings.  0 or -1. */
int filedb_init(const struct config *c);
/* Runs verb with args (consumed) as the administrator on this thread's connection:
 * 0 and *result (owned by the caller), or -1 and err (503: the database is not
 * reachable; a lost connection gets one fresh connection and one more try, since a
 * verb that failed so changed nothing). */
int filedb_run(const char *verb, json_t *args, json_t **result, struct pca_error *err);
/* Closes this thread's connection now. */
void filedb_thread_end(void);

/*
 * Leases of the jobs one node of a pool runs at a time (job_leases, migration 019):
 * the purge job, the file sweeper, the search indexer run on these connections.
 */
/* This node's name in the leases: host:socket, the same across restarts, so that a
 * restarted pchatd takes its own lease back at once (set by filedb_init). */
const char *filedb_node(void);
/* A job run every interval seconds holds its lease three intervals (at least 30 s,
 * at most an hour): a node that missed three passes is taken for gone. */
unsigned filedb_lease_sec(unsigned interval);
/* Takes or renews this node's lease of job (this thread's connection): 1 held, 0
 * another node holds it, -1 (logged at debug: the pass is skipped). */
int filedb_lease(const char *job, unsigned seconds);
/* Gives this node's lease of job up (a node that stops: another need not wait for it
 * to expire). */
void filedb_lease_release(const char *job);

#endif
