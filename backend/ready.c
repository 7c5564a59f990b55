/*
 * ready.c - see ready.h.
 */
#include "ready.h"
#include "db.h"
#include "frames.h"
#include "pchat_log.h"
#include "sdnotify.h"

#include <event2/event.h>

/* How often the watch looks; the database worker notices a connection at once, so
 * this bounds how late systemd hears of it. */
#define READY_TICK_US 100000

static struct event *watch;

int ready_serving(void)
{
	return db_reachable() && !frames_stopping();
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	if(!ready_serving())
		return;
	event_del(watch);
	if(sdnotify("READY=1\nSTATUS=serving: database connected, module socket listening") > 0)
		log_info("ready: told systemd (READY=1)");
}

int ready_watch(struct event_base *base)
{
	struct timeval tick = {0, READY_TICK_US};
	watch = event_new(base, -1, EV_PERSIST, on_tick, NULL);
	if(watch == NULL || event_add(watch, &tick) < 0) {
		log_error("ready: cannot start the readiness watch");
		return -1;
	}
	return 0;
}

void ready_stopping(void)
{
	if(watch)
		event_del(watch);
	sdnotify("STOPPING=1\nSTATUS=draining: finishing accepted work");
}

void ready_free(void)
{
	if(watch)
		event_free(watch);
	watch = NULL;
}
