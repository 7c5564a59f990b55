/*
 * inbox.h - items handed to the event loop from any thread: the loop runs each
 * one in the order they were put, in the loop thread.
 *
 * The completion half of workq.h (whose worker hands its finished jobs back through
 * one), and on its own the way the file service's threads (filesvc.h) hand a stored
 * file post to the loop, which fans it out.  An item is any struct with a `struct
 * list` link in it.  The wake-up is an eventfd, a counter that never fills up: a put
 * writes to it only when the inbox was empty, since the loop takes everything per
 * wake-up.
 *
 *   static struct inbox ib = INBOX_INIT(ib);
 *   inbox_open(&ib, base, run, arg, "name");   loop thread
 *   inbox_put(&ib, &item->link);               any thread
 *   inbox_close(&ib);                           loop thread; items left are not run
 */
#ifndef PCHAT_INBOX_H
#define PCHAT_INBOX_H

#include <pthread.h>

#include "list.h"

struct event_base;
struct event;

/* Loop thread: an item, already unlinked from the inbox (the callee owns it). */
typedef void (*inbox_run_fn)(struct list *item, void *arg);

/* The fields are private to inbox.c. */
struct inbox {
	pthread_mutex_t mu;
	struct list items; /* guarded by mu */
	inbox_run_fn run;
	void *arg;
	const char *name; /* in log messages */
	int fd;		  /* an eventfd: putters add, the loop reads */
	struct event *ev;
};

#define INBOX_INIT(ib)                                                                    \
	{                                                                                 \
		.mu = PTHREAD_MUTEX_INITIALIZER, .items = LIST_INIT((ib).items), .fd = -1 \
	}

/* Watches the inbox from base's loop; returns 0, or -1 (logged). */
int inbox_open(struct inbox *ib, struct event_base *base, inbox_run_fn run, void *arg,
		const char *name);
/* Any thread: appends one item / every item of items (left empty). */
void inbox_put(struct inbox *ib, struct list *item);
void inbox_put_all(struct inbox *ib, struct list *items);
/* Loop thread: runs every item in the inbox now (as a wake-up would). */
void inbox_drain(struct inbox *ib);
/* Loop thread: stops watching.  Items still in it stay there (drain first). */
void inbox_close(struct inbox *ib);

#endif
