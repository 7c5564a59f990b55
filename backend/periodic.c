/*
 * periodic.c - see periodic.h.
 */
#include "periodic.h"
#include "pchat_log.h"

#include <stddef.h>

#include <event2/event.h>

static struct periodic *of_queue(struct workq *wq)
{
	return workq_arg(wq);
}

static void run(struct workq *wq, struct list *batch)
{
	(void)batch;
	of_queue(wq)->pass(wq);
}

static void thread_end(struct workq *wq)
{
	struct periodic *p = of_queue(wq);
	if(p->thread_end)
		p->thread_end(wq);
}

static void complete(struct list *j)
{
	struct periodic *p = (struct periodic *)((char *)j - offsetof(struct periodic, job));
	p->queued = 0;
}

static void cancel(struct list *j)
{
	(void)j;
}

static const struct workq_ops ops = {
		.thread_end = thread_end, .run = run, .complete = complete, .cancel = cancel};

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct periodic *p = arg;
	(void)fd;
	(void)what;
	if(!p->queued) {
		p->queued = 1;
		workq_submit(&p->q, &p->job);
	}
	event_add(p->timer, &p->every);
}

int periodic_start(struct periodic *p, struct event_base *base, const char *name,
		unsigned interval_sec)
{
	struct timeval first = {1, 0};

	p->every = (struct timeval){(time_t)interval_sec, 0};
	p->timer = evtimer_new(base, on_tick, p);
	if(p->timer == NULL || workq_start(&p->q, base, &ops, name, p) < 0) {
		log_error("%s: cannot start", name);
		if(p->timer)
			event_free(p->timer);
		p->timer = NULL;
		return -1;
	}
	event_add(p->timer, &first);
	return 0;
}

void periodic_stop(struct periodic *p)
{
	if(p->timer == NULL)
		return;
	event_free(p->timer);
	p->timer = NULL;
	workq_stop(&p->q, 0);
	workq_join(&p->q);
}
