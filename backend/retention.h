/*
 * retention.h - the purge job (issue 15; docs/ARCHITECTURE.md *Retention and the
 * purge job*): deletes the messages older than their room's retention
 * (rooms.keep_sec, common/pchat_retention.h).
 *
 * A worker thread (workq.h) on its own database connection (filedb.h), which a
 * timer of the event loop wakes every --retention-interval seconds.  One node of a
 * pool purges: each batch renews a lease in retention_state, and a node that does
 * not hold it does nothing.  Each batch is one admin verb (retention.purge, one
 * transaction): at most 1,000 messages of one room, oldest first, none whose
 * compliance events pchat-compliance has not output yet; the capture triggers
 * record a PURGE event per message in that transaction.  The files of file posts go
 * with the sweeper (filesweep.h): the foreign key sets their message_id to NULL.
 */
#ifndef PCHAT_RETENTION_H_BACKEND
#define PCHAT_RETENTION_H_BACKEND

struct event_base;
struct config;

/* Starts the worker and its timer (the first pass a second after); nothing when
 * c->retention_interval is 0.  0, or -1. */
int retention_start(struct event_base *base, const struct config *c);
/* Loop thread: stops it (after the batch it is in) and waits for it. */
void retention_stop(void);

#endif
