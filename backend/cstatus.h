/*
 * cstatus.h - the compliance figures of pchatd's /metrics: how many chat events wait
 * for pchat-compliance, whether an adapter is configured, how the last run went.
 *
 * Read off the event loop and not per scrape: every CSTATUS_PERIOD_SEC the loop hands
 * the admin library's compliance.status verb (the very figures `pchat-admin compliance
 * status` prints) to the admin worker (adminq.c); its completion stores them here and
 * a scrape only reads what was stored.  A scrape thus never waits for the database,
 * and a big backlog (compliance.status counts compliance_events) costs one count per
 * period, whatever the number of scrapers.
 */
#ifndef PCHAT_CSTATUS_H
#define PCHAT_CSTATUS_H

#include <time.h>

struct event_base;

#define CSTATUS_PERIOD_SEC 10

struct cstatus {
	int known;	    /* 0 until compliance.status answered once */
	time_t read_at;	    /* when it last answered (Unix time) */
	int enabled;	    /* an adapter is configured */
	int lease_held;	    /* a pchat-compliance holds the lease */
	long long backlog;  /* rows in compliance_events (not yet written) */
	double last_run_at; /* Unix time the last successful run started; 0: none */
	long long last_run_events, last_run_files;
	double last_run_seconds; /* how long it took */
	int last_run_failed;	 /* the last attempt failed (last_error is set) */
	double last_error_at;	 /* Unix time of that failure; 0: none */
};

/* Starts the periodic read (the first one at once).  0, or -1 (logged). */
int cstatus_start(struct event_base *base);
/* Stops it; a read still running completes harmlessly (adminq_stop answers it). */
void cstatus_stop(void);
/* What the last successful read found. */
const struct cstatus *cstatus_get(void);

#endif
