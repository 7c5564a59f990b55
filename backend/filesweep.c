/*
 * filesweep.c - see filesweep.h.
 */
#define _GNU_SOURCE /* dirfd */
#include "filesweep.h"
#include "dict.h"
#include "filedb.h"
#include "filestore.h"
#include "metrics.h"
#include "pchat_filename.h"
#include "pchat_log.h"
#include "periodic.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A stored-looking file without a row is deleted only once it is this old: an
 * upload renames its file a moment before its transaction commits. */
#define STRAY_AGE_SEC 3600
/* Rows swept per round (the next round takes the rest). */
#define SWEEP_BATCH 1000

static int64_t store_bytes = -1; /* atomic: the worker writes, /metrics reads */

double filesweep_store_bytes(void)
{
	return (double)__atomic_load_n(&store_bytes, __ATOMIC_RELAXED);
}

/* ---- 1. rows to sweep ---- */

/* Deletes the file(s) of one row, then the row. */
static void sweep_row(const json_t *row)
{
	const char *stored = json_string_value(json_object_get(row, "file"));
	const char *state = json_string_value(json_object_get(row, "state"));
	uint64_t room = (uint64_t)json_integer_value(json_object_get(row, "room_id"));
	int uploading = strcmp(state, "uploading") == 0, rfd = filestore_room(room, 0), rc = 0;
	struct pca_error err;
	json_t *res = NULL;

	if(!pchat_stored_name_valid(stored))
		rc = 0; /* a row made by hand: nothing of ours on disk */
	else if(rfd >= 0)
		rc = filestore_unlink(rfd, stored) < 0 ||
				(uploading && filestore_unlink_part(rfd, stored) < 0);
	else
		rc = errno != ENOENT;
	if(rfd >= 0)
		close(rfd);
	if(rc) {
		log_error("files: sweeper cannot delete %" PRIu64 "/%s: %s", room, stored,
				strerror(errno));
		return;
	}
	if(filedb_run("file.sweep_done", json_pack("{s:O}", "id", json_object_get(row, "id")), &res,
			   &err) < 0) {
		log_warn("files: sweeper: %s", err.msg);
		return;
	}
	if(json_integer_value(json_object_get(res, "removed")) > 0) {
		metric_add(&m_file_swept, uploading ? "uploading" : "stored", NULL, 1);
		log_info("files: swept %" PRIu64 "/%s (%s)", room, stored,
				uploading ? "upload never completed" : "its post was removed");
	}
	json_decref(res);
}

static void sweep_rows(void)
{
	struct pca_error err;
	json_t *rows = NULL, *row;
	size_t i;

	if(filedb_run("file.sweep_list", json_pack("{s:i}", "limit", SWEEP_BATCH), &rows, &err) <
			0) {
		log_debug("files: sweeper: %s", err.msg);
		return;
	}
	json_array_foreach(rows, i, row)
	{
		sweep_row(row);
	}
	json_decref(rows);
}

/* ---- 2. the store's scan ---- */

/* The rows of room (stored name -> its state, "stored" or "uploading"), or NULL if
 * the database cannot tell (then nothing is deleted). */
static struct dict *room_rows(uint64_t room, json_t **rows)
{
	struct pca_error err;
	struct dict *d;
	json_t *row;
	size_t i;

	if(filedb_run("file.get",
			   json_pack("{s:I,s:i}", "room_id", (json_int_t)room, "limit", 1000000),
			   rows, &err) < 0)
		return NULL;
	d = dict_new();
	json_array_foreach(*rows, i, row)
	{
		dict_puts(d, json_string_value(json_object_get(row, "file")),
				(void *)json_string_value(json_object_get(row, "state")));
	}
	return d;
}

/* A part file nobody writes (its lock is free) and no upload under way owns. */
static int stray_part(int rfd, const char *name, struct dict *rows)
{
	char stored[PCHAT_STORED_NAME_SIZE];
	const char *state;
	size_t n = strlen(name);
	int fd, free_;

	if(n < 7 || n - 6 >= sizeof(stored))
		return 0;
	snprintf(stored, sizeof(stored), "%.*s", (int)(n - 6), name + 1);
	state = dict_gets(rows, stored);
	if(state && strcmp(state, "uploading") == 0)
		return 0;
	fd = openat(rfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if(fd < 0)
		return 0;
	free_ = flock(fd, LOCK_EX | LOCK_NB) == 0;
	close(fd);
	return free_;
}

/* One entry of a room's directory: deleted if stray; its size added otherwise. */
static void scan_entry(int rfd, uint64_t room, const char *name, struct dict *rows, int64_t *bytes)
{
	struct stat st;
	int part = name[0] == '.' && strlen(name) > 6 &&
			strcmp(name + strlen(name) - 5, ".part") == 0;
	int stray;

	if(fstatat(rfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
		return;
	if(part)
		stray = stray_part(rfd, name, rows);
	else
		stray = pchat_stored_name_valid(name) && dict_gets(rows, name) == NULL &&
				time(NULL) - st.st_mtime > STRAY_AGE_SEC;
	if(!stray) {
		*bytes += (int64_t)st.st_size;
		return;
	}
	if(unlinkat(rfd, name, 0) < 0) {
		log_error("files: sweeper cannot delete %" PRIu64 "/%s: %s", room, name,
				strerror(errno));
		return;
	}
	metric_add(&m_file_swept, "part", NULL, 1);
	log_info("files: swept %" PRIu64 "/%s (%s)", room, name,
			part ? "a part file no upload owns" : "a file without a row");
}

/* A room's directory; an empty one whose room has no rows is removed. */
static int scan_room(uint64_t room, const char *dname, int64_t *bytes)
{
	json_t *rows = NULL;
	struct dict *d = room_rows(room, &rows);
	int rfd = d ? filestore_room(room, 0) : -1, entries = 0;
	DIR *dir = rfd >= 0 ? fdopendir(rfd) : NULL;
	struct dirent *e;

	if(dir == NULL && rfd >= 0)
		close(rfd);
	while(dir && (e = readdir(dir)) != NULL) {
		if(strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		scan_entry(dirfd(dir), room, e->d_name, d, bytes);
		entries++;
	}
	if(dir)
		closedir(dir);
	if(d && entries == 0 && dict_count(d) == 0)
		(void)unlinkat(filestore_dirfd(), dname, AT_REMOVEDIR); /* may have filled since */
	if(d)
		dict_free(d, NULL);
	json_decref(rows);
	return d ? 0 : -1;
}

static void scan_store(void)
{
	int fd = openat(filestore_dirfd(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	int64_t bytes = 0;
	int whole = dir != NULL; /* every room was read: the size is the store's */

	if(dir == NULL && fd >= 0)
		close(fd);
	while(dir && (e = readdir(dir)) != NULL) {
		unsigned long long room;
		if(parse_uint(e->d_name, UINT64_MAX, &room) < 0 || room == 0)
			continue; /* not a room's directory */
		if(scan_room(room, e->d_name, &bytes) < 0)
			whole = 0;
	}
	if(dir)
		closedir(dir);
	if(whole)
		__atomic_store_n(&store_bytes, bytes, __ATOMIC_RELAXED);
}

/* ---- the worker (periodic.h) ---- */

#define LEASE_JOB "file-sweep"
static unsigned lease_sec;

/* One node of a pool sweeps (one store for the pool: docs/OPERATIONS.md). */
static void sweep(struct workq *wq)
{
	(void)wq;
	if(filedb_lease(LEASE_JOB, lease_sec) <= 0)
		return;
	sweep_rows();
	scan_store();
}

static void thread_end(struct workq *wq)
{
	(void)wq;
	filedb_lease_release(LEASE_JOB);
	filedb_thread_end();
}

static struct periodic sweeper = PERIODIC_INIT(sweeper, sweep, thread_end);

int filesweep_start(struct event_base *base, unsigned interval_sec)
{
	lease_sec = filedb_lease_sec(interval_sec);
	return periodic_start(&sweeper, base, "sweeper", interval_sec);
}

void filesweep_stop(void)
{
	periodic_stop(&sweeper);
}
