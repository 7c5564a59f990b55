/*
 * outfile.h - an output file written safely: to a temporary file ".<name>.tmp" in
 * the output directory, flushed and fsynced, then renamed over "<name>" (a rerun of
 * the same batch replaces the file, never adds a second), then the directory
 * fsynced so that the rename survives a crash.  A reader of the directory never
 * sees a partial file under a final name; names starting with '.' are ours.
 *
 * Every write is checked, down to close(): a full disk (ENOSPC) or an I/O error fails
 * the file, and the run, instead of leaving a short file behind.
 */
#ifndef PCHAT_OUTFILE_H
#define PCHAT_OUTFILE_H

#include <libxml/xmlwriter.h>
#include <stddef.h>
#include <stdio.h>

struct outfile {
	char *tmp;	  /* <dir>/.<name>.tmp */
	char *final;	  /* <dir>/<name> */
	const char *name; /* <name>, in final */
	int fd;		  /* -1 when closed */
	int write_errno;  /* the first failed write's errno, 0 if none */
	xmlTextWriterPtr w;
	FILE *f;
};

/* Creates dir/.<name>.tmp (replacing one a crashed run left): 0, or -1 with err. */
int outfile_open(struct outfile *o, const char *dir, const char *name, char *err, size_t errlen);
/* An XML text writer over the file (freed by outfile_close): it, or NULL with err. */
xmlTextWriterPtr outfile_writer(struct outfile *o, char *err, size_t errlen);
/* A stdio stream over the file (closed by outfile_close): it, or NULL with err. */
FILE *outfile_stream(struct outfile *o, char *err, size_t errlen);
/* Flushes the writer or stream, fsyncs and closes the file: 0, or -1 with err. */
int outfile_close(struct outfile *o, char *err, size_t errlen);
/* Renames the closed temporary file to its final name: 0, or -1 with err. */
int outfile_rename(struct outfile *o, char *err, size_t errlen);
/* Closes the file if open and removes the temporary file (a failed run). */
void outfile_discard(struct outfile *o);
/* Frees the names (after rename or discard, or to leave the file alone). */
void outfile_free(struct outfile *o);

/* fsyncs the directory (after renames in it): 0, or -1 with err. */
int outfile_sync_dir(const char *dir, char *err, size_t errlen);

#endif
