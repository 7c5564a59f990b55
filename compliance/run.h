/*
 * run.h - one output run: batch after batch until no event is left, each written by
 * the configured adapter (and the manifest adapter, and the XSLT) to files in the
 * output directory, then recorded as done in the same transaction that deletes its
 * events.  A batch is output again, to the same file names, until it is recorded
 * (a crash between the rename and the commit repeats the file, never loses it).
 */
#ifndef PCHAT_RUN_H
#define PCHAT_RUN_H

#include <signal.h>
#include <stdint.h>

#include "cconfig.h"
#include "cdb.h"

/* Test hooks (--test-crash-at): SIGKILL at that point of the process's first batch. */
enum run_crash {
	RUN_CRASH_NONE,
	RUN_CRASH_AFTER_WRITE,	/* temporary files written and fsynced, not renamed */
	RUN_CRASH_AFTER_RENAME, /* files renamed, batch not recorded as done */
};

struct run_opts {
	const char *node;
	unsigned lease_seconds;
	uint64_t batch_events; /* the most events in a batch (a file) */
	unsigned keep_days;    /* --keep-days: processed events kept so long (0: deleted) */
	enum run_crash crash_at;
	const volatile sig_atomic_t *stop; /* set: no further batch is started */
};

enum run_status {
	RUN_OK,
	RUN_LOST,   /* the lease went to another node: it carries on */
	RUN_FAILED, /* err says why; retried later */
};

/*
 * Outputs what is pending, deletes the events kept longer than o->keep_days, records
 * the run in compliance_state (last_run_*, run_requested cleared if it is still
 * requested_ms; last_error on failure) and logs it.  requested_ms:
 * compliance_state.run_requested when the run was decided (-1).
 */
enum run_status run_output(struct cdb *db, const struct cconfig *cfg, const struct run_opts *o,
		int64_t requested_ms, char *err, size_t errlen);

/*
 * --replay: writes the kept events first..last (compliance_kept, whatever their
 * batch) again, as a batch of them would be written (the same adapter, files and
 * names), into cfg's output directory, without the lease, the state or the
 * participants (the Actiance adapter's start presence is today's).  The number of
 * events written (0: none kept in the range, no file), or -1 with err.
 */
long long run_replay(struct cdb *db, const struct cconfig *cfg, uint64_t first, uint64_t last,
		char *err, size_t errlen);

#endif
