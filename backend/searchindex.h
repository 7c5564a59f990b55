/*
 * searchindex.h - the search indexer (issue 15; docs/ARCHITECTURE.md *Message
 * search*): turns the queue of messages to index (search_pending, filled by the
 * triggers of migration 014 at every post and every change of a text) into the rows
 * of message_terms that searches read.
 *
 * A worker thread (periodic.h) on its own database connection (filedb.h), woken
 * every --search-index-interval seconds, never the event loop: a pass runs the admin
 * library's search.index (one transaction: at most 500 queued messages, newest
 * first) batch after batch until the queue is empty or pchatd stops.  Every node of a
 * pool may run it at once: a batch takes only rows no other batch holds (FOR UPDATE
 * SKIP LOCKED), so no lease is needed.  Searches read the queue too, so a post is
 * found before it is indexed.
 */
#ifndef PCHAT_SEARCHINDEX_H
#define PCHAT_SEARCHINDEX_H

struct event_base;
struct config;

/* Starts the worker and its timer (the first pass a second after); nothing when
 * c->search_index_interval is 0.  0, or -1. */
int searchindex_start(struct event_base *base, const struct config *c);
/* Loop thread: stops it (after the batch it is in) and waits for it. */
void searchindex_stop(void);

#endif
