/*
 * outfile.c - see outfile.h.
 */
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Group-readable: an archiver in the service's group may collect the files; the
 * service's umask has the last word. */
#define OUTFILE_MODE 0640

static char *join(const char *dir, const char *before, const char *name, const char *after)
{
	size_t n = strlen(dir) + strlen(before) + strlen(name) + strlen(after) + 2;
	char *s = malloc(n);
	if(s != NULL)
		snprintf(s, n, "%s/%s%s%s", dir, before, name, after);
	return s;
}

int outfile_open(struct outfile *o, const char *dir, const char *name, char *err, size_t errlen)
{
	memset(o, 0, sizeof(*o));
	o->fd = -1;
	o->tmp = join(dir, ".", name, ".tmp");
	o->final = join(dir, "", name, "");
	if(o->tmp == NULL || o->final == NULL) {
		outfile_free(o);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	o->name = o->final + strlen(dir) + 1;
	/* A new file, never one still open elsewhere: a crashed run's leftover (or a
	 * stalled former lease holder's file) is unlinked, not truncated and shared. */
	if(unlink(o->tmp) != 0 && errno != ENOENT) {
		snprintf(err, errlen, "cannot remove %s: %s", o->tmp, strerror(errno));
		outfile_free(o);
		return -1;
	}
	o->fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, OUTFILE_MODE);
	if(o->fd < 0) {
		snprintf(err, errlen, "cannot create %s: %s", o->tmp, strerror(errno));
		outfile_free(o);
		return -1;
	}
	return 0;
}

/* libxml2's output callback: all of buf, or -1 with the errno kept for the report. */
static int write_all(void *ctx, const char *buf, int len)
{
	struct outfile *o = ctx;
	size_t done = 0;

	if(o->write_errno)
		return -1;
	while(done < (size_t)len) {
		ssize_t n = write(o->fd, buf + done, (size_t)len - done);
		if(n < 0 && errno == EINTR)
			continue;
		if(n <= 0) {
			o->write_errno = n < 0 ? errno : EIO;
			return -1;
		}
		done += (size_t)n;
	}
	return len;
}

/* The file descriptor is closed by outfile_close, after its fsync. */
static int keep_open(void *ctx)
{
	(void)ctx;
	return 0;
}

xmlTextWriterPtr outfile_writer(struct outfile *o, char *err, size_t errlen)
{
	xmlOutputBufferPtr out = xmlOutputBufferCreateIO(write_all, keep_open, o, NULL);
	if(out == NULL || (o->w = xmlNewTextWriter(out)) == NULL) {
		if(out != NULL)
			xmlOutputBufferClose(out);
		snprintf(err, errlen, "%s: cannot make an XML writer", o->tmp);
		return NULL;
	}
	return o->w;
}

FILE *outfile_stream(struct outfile *o, char *err, size_t errlen)
{
	o->f = fdopen(o->fd, "w");
	if(o->f == NULL)
		snprintf(err, errlen, "%s: %s", o->tmp, strerror(errno));
	return o->f;
}

/* Flushes and frees the writer or the stream: 0 or -1 (o->write_errno or EIO). */
static int flush(struct outfile *o)
{
	int rc = 0;
	if(o->w != NULL) {
		if(xmlTextWriterFlush(o->w) < 0)
			rc = -1;
		xmlFreeTextWriter(o->w); /* the buffer is empty: nothing more is written */
		o->w = NULL;
	}
	if(o->f != NULL) {
		errno = 0;
		if(fflush(o->f) != 0 || ferror(o->f)) {
			o->write_errno = errno ? errno : EIO;
			rc = -1;
		}
	}
	if(rc < 0 && o->write_errno == 0)
		o->write_errno = EIO;
	return o->write_errno ? -1 : rc;
}

int outfile_close(struct outfile *o, char *err, size_t errlen)
{
	int rc = flush(o);
	if(rc == 0 && fsync(o->fd) != 0) {
		o->write_errno = errno;
		rc = -1;
	}
	/* close() may report a write error too (NFS, full quota) */
	if((o->f != NULL ? fclose(o->f) : close(o->fd)) != 0 && rc == 0) {
		o->write_errno = errno;
		rc = -1;
	}
	o->f = NULL;
	o->fd = -1;
	if(rc < 0)
		snprintf(err, errlen, "cannot write %s: %s", o->tmp, strerror(o->write_errno));
	return rc;
}

int outfile_rename(struct outfile *o, char *err, size_t errlen)
{
	if(rename(o->tmp, o->final) != 0) {
		snprintf(err, errlen, "cannot rename %s to %s: %s", o->tmp, o->name,
				strerror(errno));
		return -1;
	}
	return 0;
}

void outfile_discard(struct outfile *o)
{
	if(o->w != NULL)
		xmlFreeTextWriter(o->w);
	o->w = NULL;
	if(o->f != NULL)
		fclose(o->f);
	else if(o->fd >= 0)
		close(o->fd);
	o->f = NULL;
	o->fd = -1;
	if(o->tmp != NULL)
		unlink(o->tmp);
}

void outfile_free(struct outfile *o)
{
	free(o->tmp);
	free(o->final);
	o->tmp = o->final = NULL;
	o->name = NULL;
}

int outfile_sync_dir(const char *dir, char *err, size_t errlen)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if(fd < 0 || fsync(fd) != 0) {
		snprintf(err, errlen, "cannot sync the directory %s: %s", dir, strerror(errno));
		if(fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}
