/*
 * run.c - see run.h.  A batch goes through these steps:
 *   1. its rooms (ids, event id ranges) and the participants recorded for them;
 *   2. its events streamed room by room to the adapter (and the manifest adapter),
 *      each file written to a temporary name and fsynced (with the XSLT, the XML
 *      written is transformed into the final file afterwards, outside the stream);
 *   3. the lease renewed: a node that lost it stops here, renaming nothing;
 *   4. the files renamed to their final names, the directory fsynced;
 *   5. the batch recorded as done (store_commit), its events deleted or kept.
 * A crash anywhere before 5 leaves the batch claimed, and the next run outputs it
 * again to the same names.  A replay (run_replay) is steps 1, 2 and 4 on kept events.
 */
#include "run.h"
#include "pchat_log.h"
#include "cpresence.h"
#include "lease.h"
#include "manifest.h"
#include "outfile.h"
#include "store.h"
#include "xslt.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NAME_MAX_LEN 256

/* One adapter writing one file. */
struct output {
	const struct adapter *a;
	struct render r;
	struct outfile f;
	int open;  /* f is open */
	int begun; /* file_begin succeeded: file_end is due, even to abandon the file */
	char xslt_to[NAME_MAX_LEN]; /* the XSLT's output name, when f is its input */
};

/* A file written and closed, waiting for its rename (or first for the XSLT). */
struct written {
	struct outfile f;
	char *xslt_to;
};

struct batch {
	struct cdb *db;
	const struct cconfig *cfg;
	struct store_batch src;
	struct store_room *rooms; /* by id, as the stream comes */
	size_t n_rooms, next_room;
	uint64_t first_id, last_id;
	struct cpresence presence;
	struct cp_room *room; /* the room being streamed */
	int64_t last_ms;      /* its last event's time so far */
	struct output out[2]; /* the adapter's file, the manifest */
	size_t n_out;
	struct written *done;
	size_t n_done, cap_done;
	uint64_t events;
	char err[1024];
};

/* "<prefix>-<first id>-<last id>[-room<id>].<ext>": ids zero-padded so that the
 * names sort as the events do. */
static void file_name(const struct cconfig *cfg, uint64_t first, uint64_t last, uint64_t room,
		const char *ext, char *out, size_t len)
{
	char room_part[32] = "";
	if(room != 0)
		snprintf(room_part, sizeof(room_part), "-room%" PRIu64, room);
	snprintf(out, len, "%s-%012" PRIu64 "-%012" PRIu64 "%s.%s", cfg->prefix, first, last,
			room_part, ext);
}

/* Opens out's temporary file and starts its document.  0 or -1 (b->err). */
static int output_begin(
		struct batch *b, struct output *out, const struct adapter *a, const char *name)
{
	memset(out, 0, sizeof(*out));
	out->a = a;
	if(outfile_open(&out->f, b->cfg->row.output_directory, name, b->err, sizeof(b->err)) < 0)
		return -1;
	out->open = 1;
	out->r.opts = &b->cfg->opts;
	out->r.w = outfile_writer(&out->f, b->err, sizeof(b->err));
	if(out->r.w == NULL)
		return -1;
	if(a->file_begin(&out->r) < 0) {
		snprintf(b->err, sizeof(b->err), "the %s adapter failed to start %s", a->type,
				out->f.tmp);
		return -1;
	}
	out->begun = 1;
	return 0;
}

/* The adapter's output, or the manifest, could not write: say why. */
static int adapter_failed(struct batch *b, const struct output *out, const char *what)
{
	if(out->f.write_errno)
		snprintf(b->err, sizeof(b->err), "cannot write %s: %s", out->f.tmp,
				strerror(out->f.write_errno));
	else
		snprintf(b->err, sizeof(b->err), "the %s adapter failed (%s) writing %s",
				out->a->type, what, out->f.tmp);
	return -1;
}

/* Starts the file(s) of events first..last (of room, or of every room: 0). */
static int files_begin(struct batch *b, uint64_t first, uint64_t last, uint64_t room)
{
	const struct cconfig *cfg = b->cfg;
	char name[NAME_MAX_LEN];

	file_name(cfg, first, last, room,
			cfg->xslt ? xslt_extension(cfg->xslt) : cfg->adapter->extension, name,
			sizeof(name));
	b->n_out = 0;
	if(cfg->xslt != NULL) {
		/* the adapter writes the XSLT's input, transformed after the stream */
		char in[NAME_MAX_LEN + 8];
		snprintf(in, sizeof(in), "%s.in", name);
		if(output_begin(b, &b->out[b->n_out++], cfg->adapter, in) < 0)
			return -1;
		snprintf(b->out[0].xslt_to, sizeof(b->out[0].xslt_to), "%s", name);
	} else if(output_begin(b, &b->out[b->n_out++], cfg->adapter, name) < 0) {
		return -1;
	}
	if(cfg->row.attachments_manifest) {
		char manifest[NAME_MAX_LEN + 16];
		snprintf(manifest, sizeof(manifest), "%s.%s", name, manifest_adapter.extension);
		if(output_begin(b, &b->out[b->n_out++], &manifest_adapter, manifest) < 0)
			return -1;
	}
	return 0;
}

static int add_written(struct batch *b, struct output *out)
{
	if(b->n_done == b->cap_done) {
		size_t cap = b->cap_done ? b->cap_done * 2 : 8;
		struct written *p = realloc(b->done, cap * sizeof(*p));
		if(p == NULL) {
			snprintf(b->err, sizeof(b->err), "out of memory");
			return -1;
		}
		b->done = p;
		b->cap_done = cap;
	}
	struct written *w = &b->done[b->n_done];
	w->xslt_to = NULL;
	if(out->xslt_to[0] != '\0' && (w->xslt_to = strdup(out->xslt_to)) == NULL) {
		snprintf(b->err, sizeof(b->err), "out of memory");
		return -1;
	}
	w->f = out->f;
	b->n_done++;
	out->open = 0;
	return 0;
}

/* Ends the open files' documents and closes them (fsynced): 0 or -1. */
static int files_end(struct batch *b)
{
	size_t i;
	for(i = 0; i < b->n_out; i++) {
		struct output *out = &b->out[i];
		out->begun = 0;
		if(out->a->file_end(&out->r) < 0)
			return adapter_failed(b, out, "end of file");
		out->r.w = NULL; /* freed by outfile_close */
		if(outfile_close(&out->f, b->err, sizeof(b->err)) < 0 || add_written(b, out) < 0)
			return -1;
	}
	b->n_out = 0;
	return 0;
}

/* A failed batch: the adapters' files ended (adapter.h: they free their state
 * there), every temporary file removed. */
static void files_discard(struct batch *b)
{
	size_t i;
	for(i = 0; i < b->n_out; i++) {
		struct output *out = &b->out[i];
		if(out->begun)
			(void)out->a->file_end(&out->r);
		out->begun = 0;
		if(out->open) {
			outfile_discard(&out->f);
			outfile_free(&out->f);
			out->open = 0;
		}
	}
	b->n_out = 0;
	for(i = 0; i < b->n_done; i++)
		outfile_discard(&b->done[i].f);
}

/* The XSLT applied to each file written for it: its output file written and
 * fsynced, its input removed.  0 or -1. */
static int transform(struct batch *b)
{
	size_t i;
	for(i = 0; i < b->n_done; i++) {
		struct written *w = &b->done[i];
		struct outfile out;
		char why[512];
		FILE *f;

		if(w->xslt_to == NULL)
			continue;
		if(outfile_open(&out, b->cfg->row.output_directory, w->xslt_to, b->err,
				   sizeof(b->err)) < 0)
			return -1;
		f = outfile_stream(&out, b->err, sizeof(b->err));
		if(f == NULL || xslt_apply(b->cfg->xslt, w->f.tmp, f, why, sizeof(why)) < 0) {
			if(f != NULL)
				snprintf(b->err, sizeof(b->err), "CustomConfiguration on %s: %s",
						w->f.tmp, why);
			outfile_discard(&out);
			outfile_free(&out);
			return -1;
		}
		if(outfile_close(&out, b->err, sizeof(b->err)) < 0) {
			outfile_discard(&out);
			outfile_free(&out);
			return -1;
		}
		outfile_discard(&w->f); /* the untransformed XML */
		outfile_free(&w->f);
		free(w->xslt_to);
		w->xslt_to = NULL;
		w->f = out;
	}
	return 0;
}

/* Every file to its final name, then the directory synced.  0 or -1. */
static int rename_all(struct batch *b)
{
	size_t i;
	for(i = 0; i < b->n_done; i++)
		if(outfile_rename(&b->done[i].f, b->err, sizeof(b->err)) < 0)
			return -1;
	return b->n_done ? outfile_sync_dir(b->cfg->row.output_directory, b->err, sizeof(b->err))
			 : 0;
}

/* ---- the stream's receiver ---- */

static int each_room_begin(struct batch *b, const struct ce_room *room, int64_t time_ms)
{
	struct ce_presence present;
	size_t i;
	if(cp_present(b->room, time_ms, &present) < 0) {
		snprintf(b->err, sizeof(b->err), "out of memory");
		return -1;
	}
	for(i = 0; i < b->n_out; i++)
		if(b->out[i].a->room_begin(&b->out[i].r, room, &present) < 0)
			return adapter_failed(b, &b->out[i], "room start");
	return 0;
}

static int sink_room_begin(void *arg, const struct ce_room *room, const struct ce_event *first)
{
	struct batch *b = arg;
	const struct store_room *sr;

	/* the stream comes by room id, as the rooms were listed */
	if(b->next_room >= b->n_rooms || b->rooms[b->next_room].id != room->id) {
		snprintf(b->err, sizeof(b->err), "batch %" PRIu64 ": room %" PRIu64 " unexpected",
				b->src.id, room->id);
		return -1;
	}
	sr = &b->rooms[b->next_room++];
	b->room = cp_room(&b->presence, room->id);
	if(b->cfg->row.one_room_per_file && files_begin(b, sr->first_id, sr->last_id, sr->id) < 0)
		return -1;
	return each_room_begin(b, room, first->time_ms);
}

static int sink_event(void *arg, const struct ce_event *ev)
{
	struct batch *b = arg;
	size_t i;
	for(i = 0; i < b->n_out; i++)
		if(b->out[i].a->event(&b->out[i].r, ev) < 0)
			return adapter_failed(b, &b->out[i], "event");
	if(cp_apply(b->room, ev) < 0) {
		snprintf(b->err, sizeof(b->err), "out of memory");
		return -1;
	}
	b->last_ms = ev->time_ms;
	b->events++;
	return 0;
}

static int sink_room_end(void *arg, const struct ce_room *room)
{
	struct batch *b = arg;
	struct ce_presence present;
	size_t i;
	if(cp_present(b->room, b->last_ms, &present) < 0) {
		snprintf(b->err, sizeof(b->err), "out of memory");
		return -1;
	}
	for(i = 0; i < b->n_out; i++)
		if(b->out[i].a->room_end(&b->out[i].r, room, &present) < 0)
			return adapter_failed(b, &b->out[i], "room end");
	return b->cfg->row.one_room_per_file ? files_end(b) : 0;
}

/* ---- one batch ---- */

/* The batch's rooms and their participants: 0 or -1. */
static int load(struct batch *b)
{
	size_t i;
	if(store_rooms(b->db, &b->src, &b->rooms, &b->n_rooms) < 0)
		return -1;
	b->first_id = UINT64_MAX;
	for(i = 0; i < b->n_rooms; i++) {
		if(cp_add_room(&b->presence, b->rooms[i].id) == NULL) {
			snprintf(b->db->err, sizeof(b->db->err), "out of memory");
			return -1;
		}
		if(b->rooms[i].first_id < b->first_id)
			b->first_id = b->rooms[i].first_id;
		if(b->rooms[i].last_id > b->last_id)
			b->last_id = b->rooms[i].last_id;
	}
	return store_participants(b->db, &b->src, &b->presence);
}

/* Steps 1 and 2 (run.c's head comment): 0 or -1 (b->err). */
static int write_files(struct batch *b)
{
	const struct store_sink sink = {sink_room_begin, sink_event, sink_room_end, b};
	int rc;

	if(load(b) < 0) {
		snprintf(b->err, sizeof(b->err), "%s", b->db->err);
		return -1;
	}
	if(b->n_rooms == 0)
		return 0; /* nothing to write (the events are gone) */
	if(!b->cfg->row.one_room_per_file && files_begin(b, b->first_id, b->last_id, 0) < 0)
		return -1;
	rc = store_stream(b->db, &b->src, &b->cfg->opts, &sink);
	if(rc == -1)
		snprintf(b->err, sizeof(b->err), "%s", b->db->err);
	if(rc < 0)
		return -1;
	if(b->n_out > 0 && files_end(b) < 0)
		return -1;
	return b->cfg->xslt != NULL ? transform(b) : 0;
}

static void batch_free(struct batch *b)
{
	size_t i;
	for(i = 0; i < b->n_done; i++) {
		outfile_free(&b->done[i].f);
		free(b->done[i].xslt_to);
	}
	free(b->done);
	free(b->rooms);
	cp_free(&b->presence);
}

/* The test hook at point (run.h): only in the process's first batch. */
static void crash_point(const struct run_opts *o, enum run_crash point, int first_batch)
{
	if(o->crash_at == point && first_batch) {
		log_warn("--test-crash-at: killing myself");
		kill(getpid(), SIGKILL);
	}
}

/* What a run did, for its record and its log line. */
struct totals {
	uint64_t events, first_id, last_id;
	unsigned files, batches;
};

static void batch_init(struct batch *b, struct cdb *db, const struct cconfig *cfg,
		const struct store_batch *src)
{
	memset(b, 0, sizeof(*b));
	b->db = db;
	b->cfg = cfg;
	b->src = *src;
}

/* Outputs the batch claimed: RUN_OK when recorded as done. */
static enum run_status output_batch(struct cdb *db, const struct cconfig *cfg,
		const struct run_opts *o, const struct store_batch *src, struct totals *t,
		char *err, size_t errlen)
{
	static int batches_seen;
	int first_batch = batches_seen++ == 0;
	uint64_t id = src->id;
	struct batch b;
	enum run_status st = RUN_FAILED;
	int rc;

	batch_init(&b, db, cfg, src);
	if(write_files(&b) < 0) {
		files_discard(&b);
		goto out;
	}
	crash_point(o, RUN_CRASH_AFTER_WRITE, first_batch);
	/* a node that lost the lease renames nothing: the new holder writes these names */
	rc = lease_hold(db, o->node, o->lease_seconds);
	if(rc <= 0) {
		if(rc < 0)
			files_discard(&b);
		snprintf(b.err, sizeof(b.err), "%s",
				rc < 0 ? db->err : "the lease went to another node");
		st = rc < 0 ? RUN_FAILED : RUN_LOST;
		goto out;
	}
	/* a rename that fails leaves the batch claimed: it is output again to the same
	 * names, replacing those renamed already */
	if(rename_all(&b) < 0) {
		files_discard(&b);
		goto out;
	}
	crash_point(o, RUN_CRASH_AFTER_RENAME, first_batch);
	rc = store_commit(db, o->node, src, b.last_id, o->keep_days > 0, &b.presence);
	if(rc <= 0) {
		snprintf(b.err, sizeof(b.err), "batch %" PRIu64 " not recorded as done: %s", id,
				rc < 0 ? db->err : "another node took it over");
		st = rc < 0 ? RUN_FAILED : RUN_LOST;
		goto out;
	}
	log_debug("batch output batch=%" PRIu64 " events=%" PRIu64 " first=%" PRIu64
		  " last=%" PRIu64 " range=%" PRIu64 "-%" PRIu64 " files=%zu",
			id, b.events, b.first_id, b.last_id, src->lo, src->hi, b.n_done);
	if(b.n_rooms > 0) {
		if(t->first_id == 0 || b.first_id < t->first_id)
			t->first_id = b.first_id;
		if(b.last_id > t->last_id)
			t->last_id = b.last_id;
	}
	t->events += b.events;
	t->files += (unsigned)b.n_done;
	t->batches++;
	st = RUN_OK;
out:
	if(st != RUN_OK)
		snprintf(err, errlen, "%s", b.err);
	batch_free(&b);
	return st;
}

/* ---- the run ---- */

static unsigned ms_since(const struct timespec *t0)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (unsigned)((now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000);
}

/* Batch after batch until none is left (or stop): RUN_OK, or why not (err). */
static enum run_status batches(struct cdb *db, const struct cconfig *cfg, const struct run_opts *o,
		struct totals *t, char *err, size_t errlen)
{
	enum run_status st = RUN_OK;
	struct store_batch batch;

	if(cconfig_check_dir(cfg->row.output_directory, err, errlen) < 0)
		return RUN_FAILED;
	while(st == RUN_OK && !*o->stop) {
		switch(store_claim(db, o->node, o->batch_events, &batch)) {
			case STORE_NONE: return RUN_OK;
			case STORE_LOST:
				snprintf(err, errlen, "the lease went to another node");
				return RUN_LOST;
			case STORE_ERROR: snprintf(err, errlen, "%s", db->err); return RUN_FAILED;
			case STORE_PENDING:
				log_warn("batch claimed but never recorded as done, output again "
					 "batch=%" PRIu64,
						batch.id);
				break;
			case STORE_CLAIMED: break;
		}
		st = output_batch(db, cfg, o, &batch, t, err, errlen);
	}
	return st;
}

enum run_status run_output(struct cdb *db, const struct cconfig *cfg, const struct run_opts *o,
		int64_t requested_ms, char *err, size_t errlen)
{
	struct timespec t0;
	struct totals t;
	enum run_status st;

	memset(&t, 0, sizeof(t));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	st = batches(db, cfg, o, &t, err, errlen);
	struct store_run run = {t.events, t.files, ms_since(&t0), o->keep_days,
			/* a run cut short by a stop did not do what was requested */
			*o->stop ? -1 : requested_ms};

	if(st == RUN_OK) {
		long long purged = store_purge(db, o->keep_days, o->stop);
		if(purged < 0)
			log_warn("run: cannot delete the kept events (--keep-days %u): %s",
					o->keep_days, db->err);
		else if(purged > 0)
			log_info("run: %lld kept events deleted (--keep-days %u)", purged,
					o->keep_days);
		if(t.events > 0)
			log_info("run: %" PRIu64 " events in %u files (%u batches), %u ms, "
				 "events %" PRIu64 "-%" PRIu64,
					t.events, t.files, t.batches, run.ms, t.first_id,
					t.last_id);
		else /* every RunInterval: not worth a line each time */
			log_debug("run: no events, %u ms", run.ms);
		if(store_run_done(db, &run) < 0)
			log_warn("run: cannot record it: %s", db->err);
	} else if(st == RUN_LOST) {
		log_warn("run: stopped after %" PRIu64 " events: %s", t.events, err);
	} else {
		log_error("run failed after %" PRIu64 " events in %u files: %s", t.events, t.files,
				err);
		if(cdb_up(db) && store_run_failed(db, err) < 0)
			log_warn("run: cannot record the failure: %s", db->err);
	}
	return st;
}

/* ---- a replay ---- */

long long run_replay(struct cdb *db, const struct cconfig *cfg, uint64_t first, uint64_t last,
		char *err, size_t errlen)
{
	const struct store_batch src = {STORE_KEPT, 0, first, last};
	struct batch b;
	long long rc = -1;

	batch_init(&b, db, cfg, &src);
	if(write_files(&b) < 0 || rename_all(&b) < 0) {
		files_discard(&b);
		snprintf(err, errlen, "%s", b.err);
	} else {
		for(size_t i = 0; i < b.n_done; i++)
			log_info("replay: %s written", b.done[i].f.name);
		rc = (long long)b.events;
	}
	batch_free(&b);
	return rc;
}
