/*
 * fileup.c - see fileup.h.
 */
#include "fileup.h"
#include "filedb.h"
#include "filestore.h"
#include "metrics.h"
#include "pchat_log.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *base_url;
static void (*announce)(const json_t *post);

void fileup_setup(const char *url, void (*fn)(const json_t *post))
{
	base_url = url;
	announce = fn;
}

/* ---- errors and metrics ---- */

static const struct {
	int status;
	const char *code;
} codes[] = {
		{400, "bad_request"},
		{403, "forbidden"},
		{404, "not_found"},
		{405, "method_not_allowed"},
		{409, "conflict"},
		{411, "length_required"},
		{413, "too_large"},
		{416, "range_not_satisfiable"},
		{429, "quota_exceeded"},
		{500, "internal_error"},
		{503, "unavailable"},
		{507, "insufficient_storage"},
};
#define NCODES (sizeof(codes) / sizeof(codes[0]))

const char *fileup_code(int status)
{
	size_t i;
	for(i = 0; i < NCODES; i++) {
		if(codes[i].status == status)
			return codes[i].code;
	}
	return "internal_error";
}

void fileup_count_refusal(int status, const char *reason)
{
	metric_add(&m_file_refused, reason ? reason : fileup_code(status), NULL, 1);
}

void fileup_metrics_init(void)
{
	static const char *const apis[] = {"put", "soap"}, *const gets[] = {"get", "soap"},
				 *const dirs[] = {"uploaded", "downloaded"},
				 *const swept[] = {"stored", "uploading", "part"};
	size_t i;
	for(i = 0; i < NCODES; i++)
		metric_add(&m_file_refused, codes[i].code, NULL, 0);
	metric_add(&m_file_refused, "truncated", NULL, 0);
	for(i = 0; i < 2; i++) {
		metric_add(&m_file_uploads, apis[i], NULL, 0);
		metric_add(&m_file_downloads, gets[i], NULL, 0);
		metric_add(&m_file_bytes, dirs[i], NULL, 0);
	}
	for(i = 0; i < 3; i++)
		metric_add(&m_file_swept, swept[i], NULL, 0);
}

static int fail(struct pca_error *err, int status, const char *fmt, ...)
		__attribute__((format(printf, 3, 4)));
static int fail(struct pca_error *err, int status, const char *fmt, ...)
{
	va_list ap;
	err->status = status;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* A failed file operation: a full disk is 507, someone else writing 409. */
static int io_fail(struct pca_error *err, const char *what)
{
	if(errno == ENOSPC || errno == EDQUOT)
		return fail(err, 507, "the file store is full");
	if(errno == EWOULDBLOCK)
		return fail(err, 409, "another request is writing this upload");
	log_error("files: cannot %s: %s", what, strerror(errno));
	return fail(err, 500, "cannot %s: %s", what, strerror(errno));
}

/* ---- the upload ---- */

void fileup_init(struct fileup *u, const char *api)
{
	memset(u, 0, sizeof(*u));
	u->api = api;
	u->rfd = u->fd = -1;
}

void fileup_close(struct fileup *u)
{
	if(u->fd >= 0)
		close(u->fd);
	if(u->rfd >= 0)
		close(u->rfd);
	u->fd = u->rfd = -1;
}

/* The verb's answer into u. */
static void take_file(struct fileup *u, const json_t *f)
{
	u->file_id = (uint64_t)json_integer_value(json_object_get(f, "file_id"));
	u->room_id = (uint64_t)json_integer_value(json_object_get(f, "room_id"));
	u->size = (uint64_t)json_integer_value(json_object_get(f, "size"));
	snprintf(u->stored, sizeof(u->stored), "%s",
			json_string_value(json_object_get(f, "stored_name")));
	u->row = 1;
}

/* The part file: created for a new upload, opened (and its size taken) to resume.
 * 0; -1 with err, the upload to be given up; -2 with err, someone else is writing
 * it (theirs to finish). */
static int open_part(struct fileup *u, int resumed, struct pca_error *err)
{
	uint64_t have = 0;
	u->rfd = filestore_room(u->room_id, 1);
	if(u->rfd < 0)
		return io_fail(err, "create the room's directory");
	u->fd = filestore_part_open(u->rfd, u->stored, !resumed, &have);
	if(u->fd >= 0) {
		u->received = have;
		return 0;
	}
	if(resumed && errno == EWOULDBLOCK)
		return io_fail(err, "lock the part file") - 1;
	if(resumed && errno == ENOENT)
		return fail(err, 409, "the upload's bytes are gone; start again with offset 0");
	return io_fail(err, "create the part file");
}

int fileup_begin(struct fileup *u, const char *token, const char *channel, uint64_t size,
		const char *stored, const char *ctype, int resume, struct pca_error *err)
{
	json_t *f = NULL;
	int resumed, rc;
	json_t *args = json_pack("{s:s,s:I,s:b}", "token", token, "size", (json_int_t)size,
			"resume", resume);

	if(channel)
		json_object_set_new(args, "channel", json_string(channel));
	if(stored)
		json_object_set_new(args, "stored_name", json_string(stored));
	if(ctype)
		json_object_set_new(args, "content_type", json_string(ctype));
	snprintf(u->token, sizeof(u->token), "%s", token);
	if(filedb_run("file.upload_begin", args, &f, err) < 0)
		return -1;
	take_file(u, f);
	resumed = json_is_true(json_object_get(f, "resumed"));
	json_decref(f);
	rc = open_part(u, resumed, err);
	if(rc == -2)
		fileup_close(u);
	else if(rc < 0)
		fileup_abort(u);
	return rc < 0 ? -1 : 0;
}

int fileup_write(struct fileup *u, const void *buf, size_t len, struct pca_error *err)
{
	if(len > u->size - u->received)
		return fail(err, 413, "more bytes than the %" PRIu64 " declared", u->size);
	if(filestore_write(u->fd, buf, len, u->received) < 0)
		return io_fail(err, "write the file");
	u->received += len;
	return 0;
}

/* The stored file's post: one transaction; then the event loop is told. */
static int store_post(struct fileup *u, json_t **post, struct pca_error *err)
{
	json_t *args = json_pack("{s:s,s:I,s:s}", "token", u->token, "file_id",
			(json_int_t)u->file_id, "base_url", base_url);
	if(filedb_run("file.upload_complete", args, post, err) < 0)
		return -1;
	u->row = 0; /* stored: abort must not touch it now */
	metric_add(&m_file_uploads, u->api, NULL, 1);
	metric_add(&m_file_bytes, "uploaded", NULL, u->size);
	log_info("files: %s stored %s (%" PRIu64 " bytes) in room %" PRIu64
		 " as %s, message %" PRId64,
			json_string_value(json_object_get(*post, "author")),
			json_string_value(json_object_get(*post, "name")), u->size, u->room_id,
			u->stored,
			(int64_t)json_integer_value(json_object_get(*post, "message_id")));
	if(announce)
		announce(*post);
	return 0;
}

int fileup_finish(struct fileup *u, json_t **post, struct pca_error *err)
{
	*post = NULL;
	if(u->received != u->size) {
		fail(err, 400, "%" PRIu64 " bytes received of the %" PRIu64 " declared",
				u->received, u->size);
	} else if(filestore_publish(u->rfd, u->fd, u->stored) < 0) {
		io_fail(err, "store the file");
	} else if(store_post(u, post, err) == 0) {
		fileup_close(u);
		return 0;
	} else if(filestore_unlink(u->rfd, u->stored) < 0) {
		/* the sweeper deletes it with the row, after the token expired */
		log_error("files: cannot delete %s after a failed upload: %s", u->stored,
				strerror(errno));
	}
	fileup_abort(u);
	return -1;
}

void fileup_abort(struct fileup *u)
{
	struct pca_error err;
	json_t *res = NULL;

	if(u->rfd >= 0 && filestore_unlink_part(u->rfd, u->stored) < 0) {
		/* the row stays: the sweeper deletes both after the token expired */
		log_error("files: cannot delete the part file of %s: %s", u->stored,
				strerror(errno));
		u->row = 0;
	}
	fileup_close(u);
	if(!u->row)
		return;
	if(filedb_run("file.upload_abort", json_pack("{s:I}", "file_id", (json_int_t)u->file_id),
			   &res, &err) < 0)
		log_warn("files: upload %s abandoned; its row stays for the sweeper: %s", u->stored,
				err.msg);
	json_decref(res);
	u->row = 0;
}
