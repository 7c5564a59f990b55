/*
 * fileup.h - one upload into the file store, the code path both APIs share (HTTP
 * PUT in fileapi.c, SOAP AppendChunk in filesoap.c; docs/FILES.md).
 *
 *   begin   the token checked and the files row made ('uploading', file.upload_begin),
 *           the part file <store>/<room>/.<GUID>.<ext>.part created and locked
 *           (or, resuming a SOAP upload, opened: its size is what is stored so far)
 *   write   bytes appended, counted: never more than declared
 *   finish  all declared bytes written: fsync, rename, fsync of the directory, then
 *           ONE transaction (file.upload_complete): the row 'stored', the file post,
 *           the token used; the post handed to the event loop to be fanned out
 *   abort   the part file deleted, then the row (its token may begin again)
 *
 * Runs in the file service's threads (blocking file and database I/O), never in the
 * event loop.  Errors are struct pca_error: an HTTP status and a sentence.
 */
#ifndef PCHAT_FILEUP_H
#define PCHAT_FILEUP_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "../admin/pchat_admin.h"
#include "pchat_filename.h"

struct fileup {
	const char *api; /* "put" or "soap": the metrics label */
	char token[PCHAT_GUID_LEN + 1];
	char stored[PCHAT_STORED_NAME_SIZE];
	uint64_t file_id, room_id;
	uint64_t size;	   /* declared */
	uint64_t received; /* in the part file */
	int rfd, fd;	   /* the room's directory, the part file (-1: none) */
	int row;	   /* a files row exists for it (abort deletes it) */
};

/* Once, at start-up: the file service's public URL (the links in file posts) and
 * what receives each stored post (in the thread that stored it; it must not keep
 * post). */
void fileup_setup(const char *base_url, void (*announce)(const json_t *post));

void fileup_init(struct fileup *u, const char *api);
/* Begins the upload token grants, of size bytes (declared); stored: the name
 * RequestUniqueFilenameWithExtension gave (NULL: a new one), channel: the room the
 * client names (NULL: the token's), ctype: the declared Content-Type (NULL: by
 * extension).  resume: continue the upload the token began (SOAP's next chunk).
 * 0, or -1 with err. */
int fileup_begin(struct fileup *u, const char *token, const char *channel, uint64_t size,
		const char *stored, const char *ctype, int resume, struct pca_error *err);
/* Appends buf: 0, or -1 with err (413 past the declared size, 507 disk full). */
int fileup_write(struct fileup *u, const void *buf, size_t len, struct pca_error *err);
/* Publishes the file and stores its post: 0 and *post (file.upload_complete's result,
 * the caller's), or -1 with err, the upload aborted. */
int fileup_finish(struct fileup *u, json_t **post, struct pca_error *err);
/* Gives the upload up: the part file deleted, then its row (logged, not answered). */
void fileup_abort(struct fileup *u);
/* Closes the descriptors, leaving the part file and the row (a SOAP upload between
 * chunks). */
void fileup_close(struct fileup *u);

/* A refusal's HTTP status as the short code of JSON errors and the reason label of
 * the metrics ("too_large", "forbidden", ...). */
const char *fileup_code(int status);
/* Counts a refused or failed upload, by err's status, or "truncated"/... for
 * reason when not NULL. */
void fileup_count_refusal(int status, const char *reason);
/* Creates every series of the file metrics (loop thread, at start-up), so that the
 * service's threads only ever add to existing ones (metrics.h). */
void fileup_metrics_init(void);

#endif
