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

#endif
