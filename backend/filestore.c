/*
 * filestore.c - see filestore.h.
 */
#include "filestore.h"
#include "pchat_log.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static int store_fd = -1;
static uint64_t limit; /* --test-store-limit */

int filestore_open(const char *dir, uint64_t test_limit)
{
	if(mkdir(dir, 0750) < 0 && errno != EEXIST) {
		log_error("files: cannot create the store %s: %s", dir, strerror(errno));
		return -1;
	}
	store_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if(store_fd < 0) {
		log_error("files: cannot open the store %s: %s", dir, strerror(errno));
		return -1;
	}
	limit = test_limit;
	if(limit)
		log_warn("files: --test-store-limit %" PRIu64 ": writes past that many bytes of a "
			 "file fail as on a full disk",
				limit);
	return 0;
}

void filestore_close(void)
{
	if(store_fd >= 0)
		close(store_fd);
	store_fd = -1;
}

int filestore_dirfd(void)
{
	return store_fd;
}

int filestore_room(uint64_t room_id, int create)
{
	char name[24];
	int fd;

	snprintf(name, sizeof(name), "%" PRIu64, room_id);
	fd = openat(store_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if(fd >= 0 || errno != ENOENT || !create)
		return fd;
	if(mkdirat(store_fd, name, 0750) < 0 && errno != EEXIST)
		return -1;
	if(fsync(store_fd) < 0) /* the new directory's entry, before files go in it */
		return -1;
	return openat(store_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
}

void filestore_part_name(const char *stored, char *out, size_t outsz)
{
	snprintf(out, outsz, ".%s.part", stored);
}

int filestore_part_open(int rfd, const char *stored, int create, uint64_t *size)
{
	char part[80];
	struct stat st;
	int fd;

	filestore_part_name(stored, part, sizeof(part));
	fd = openat(rfd, part, O_WRONLY | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT | O_EXCL : 0),
			0640);
	if(fd < 0)
		return -1;
	if(flock(fd, LOCK_EX | LOCK_NB) < 0 || fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	*size = (uint64_t)st.st_size;
	return fd;
}

int filestore_write(int fd, const void *buf, size_t len, uint64_t off)
{
	const char *p = buf;

	if(limit && off + len > limit) {
		errno = ENOSPC;
		return -1;
	}
	while(len > 0) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);
		if(n < 0 && errno == EINTR)
			continue;
		if(n < 0)
			return -1;
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

int filestore_publish(int rfd, int fd, const char *stored)
{
	char part[80];

	filestore_part_name(stored, part, sizeof(part));
	if(fsync(fd) < 0 || renameat(rfd, part, rfd, stored) < 0)
		return -1;
	return fsync(rfd);
}

static int unlink_name(int rfd, const char *name)
{
	return unlinkat(rfd, name, 0) == 0 || errno == ENOENT ? 0 : -1;
}

int filestore_unlink_part(int rfd, const char *stored)
{
	char part[80];
	filestore_part_name(stored, part, sizeof(part));
	return unlink_name(rfd, part);
}

int filestore_unlink(int rfd, const char *stored)
{
	return unlink_name(rfd, stored);
}

int filestore_read_open(uint64_t room_id, const char *stored, uint64_t *size)
{
	struct stat st;
	int rfd = filestore_room(room_id, 0), fd, e;

	if(rfd < 0)
		return -1;
	fd = openat(rfd, stored, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	e = errno;
	close(rfd);
	if(fd < 0) {
		errno = e;
		return -1;
	}
	if(fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	*size = (uint64_t)st.st_size;
	return fd;
}
