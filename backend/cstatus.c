/*
 * cstatus.c - see cstatus.h.
 */
#define _GNU_SOURCE /* timegm */
#include "cstatus.h"
#include "adminq.h"
#include "pchat_log.h"

#include <stdio.h>
#include <string.h>

#include <event2/event.h>

static struct cstatus now;
static struct event *timer;
static int inflight; /* a read is queued: never a second one behind it */
static int warned;   /* a failed read is logged once until one succeeds */

const struct cstatus *cstatus_get(void)
{
	return &now;
}

/* The admin library's times, "2024-05-01T12:00:00.123Z" (UTC), as Unix time; 0 for
 * null or anything else. */
static double unix_time(const json_t *iso)
{
	struct tm tm;
	int ms = 0;
	const char *s = json_string_value(iso), *rest;
	if(s == NULL)
		return 0;
	memset(&tm, 0, sizeof(tm));
	rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if(rest == NULL)
		return 0;
	if(sscanf(rest, ".%3dZ", &ms) != 1)
		ms = 0;
	return (double)timegm(&tm) + ms / 1000.0;
}

static long long int_of(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static void store(const json_t *r)
{
	const json_t *run = json_object_get(r, "last_run"), *err = json_object_get(r, "last_error");
	now.known = 1;
	now.read_at = time(NULL);
	now.enabled = json_is_true(json_object_get(r, "enabled"));
	now.lease_held = json_is_true(json_object_get(json_object_get(r, "lease"), "held"));
	now.backlog = int_of(r, "backlog");
	now.last_run_at = unix_time(json_object_get(run, "at"));
	now.last_run_events = int_of(run, "events");
	now.last_run_files = int_of(run, "files");
	now.last_run_seconds = (double)int_of(run, "ms") / 1000.0;
	now.last_run_failed = json_is_object(err);
	now.last_error_at = unix_time(json_object_get(err, "at"));
}

static void on_status(void *arg, json_t *result, const struct pca_error *err)
{
	(void)arg;
	inflight = 0;
	if(result == NULL) {
		if(!warned && timer) /* (at shutdown adminq_stop fails the read: no news) */
			log_warn("cstatus: compliance.status failed (%d %s); /metrics keeps the "
				 "figures of the last read",
					err->status, err->msg);
		warned = 1;
		return;
	}
	warned = 0;
	store(result);
	json_decref(result);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	if(inflight)
		return; /* the worker is busy (a long admin job): read when it is done */
	if(adminq_submit(NULL, "compliance.status", json_object(), on_status, NULL) == 0)
		inflight = 1;
}

int cstatus_start(struct event_base *base)
{
	struct timeval period = {CSTATUS_PERIOD_SEC, 0};
	timer = event_new(base, -1, EV_PERSIST, on_tick, NULL);
	if(timer == NULL || event_add(timer, &period) < 0) {
		log_error("cstatus: cannot start its timer");
		return -1;
	}
	on_tick(-1, 0, NULL);
	return 0;
}

void cstatus_stop(void)
{
	if(timer)
		event_free(timer);
	timer = NULL;
}
