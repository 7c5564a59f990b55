/*
 * inbox.c - see inbox.h.
 */
#include "inbox.h"
#include "pchat_log.h"

#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <event2/event.h>

void inbox_put_all(struct inbox *ib, struct list *items)
{
	int was_empty;

	if(list_empty(items))
		return;
	pthread_mutex_lock(&ib->mu);
	was_empty = list_empty(&ib->items);
	list_splice_tail(&ib->items, items);
	pthread_mutex_unlock(&ib->mu);
	if(was_empty && eventfd_write(ib->fd, 1) < 0)
		log_error("%s: cannot wake the event loop: %s", ib->name, strerror(errno));
}

void inbox_put(struct inbox *ib, struct list *item)
{
	struct list one = LIST_INIT(one);

	list_add_tail(&one, item);
	inbox_put_all(ib, &one);
}

void inbox_drain(struct inbox *ib)
{
	struct list list = LIST_INIT(list), *first;

	pthread_mutex_lock(&ib->mu);
	list_splice_tail(&list, &ib->items);
	pthread_mutex_unlock(&ib->mu);
	while((first = list_first(&list)) != NULL) {
		list_del(first);
		ib->run(first, ib->arg);
	}
}

static void on_wake(evutil_socket_t fd, short what, void *arg)
{
	eventfd_t n;
	(void)what;

	(void)eventfd_read(fd, &n); /* resets the counter */
	inbox_drain(arg);
}

int inbox_open(struct inbox *ib, struct event_base *base, inbox_run_fn run, void *arg,
		const char *name)
{
	ib->run = run;
	ib->arg = arg;
	ib->name = name;
	ib->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if(ib->fd >= 0)
		ib->ev = event_new(base, ib->fd, EV_READ | EV_PERSIST, on_wake, ib);
	if(ib->ev == NULL || event_add(ib->ev, NULL) < 0) {
		log_error("%s: cannot set up the wake-up event: %s", name, strerror(errno));
		inbox_close(ib);
		return -1;
	}
	return 0;
}

void inbox_close(struct inbox *ib)
{
	if(ib->ev)
		event_free(ib->ev);
	ib->ev = NULL;
	if(ib->fd >= 0)
		close(ib->fd);
	ib->fd = -1;
}
