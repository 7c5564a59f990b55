/*
 * filestore.h - the file store on disk (docs/FILES.md).
 *
 *   <store>/<room id>/<GUID>.<ext>           a stored file
 *   <store>/<room id>/.<GUID>.<ext>.part     an upload in progress, locked (flock)
 *                                            by whoever writes it
 *
 * Every path is opened relative to the store's directory descriptor, from a room id
 * (a number) and a stored name checked by pchat_stored_name_valid(): nothing a user
 * typed reaches a path.  An upload is published by fsync, rename and an fsync of
 * the directory, so that a name in the store always holds all its bytes.  Any thread.
 */
#ifndef PCHAT_FILESTORE_H
#define PCHAT_FILESTORE_H

#include <stddef.h>
#include <stdint.h>

/* At start-up: opens the store's directory, creating it (0750) if missing.
 * test_limit (--test-store-limit, 0: none): a write that would make a file larger
 * fails with ENOSPC, as on a full disk.  0, or -1 (logged). */
int filestore_open(const char *dir, uint64_t test_limit);
void filestore_close(void);
/* The store's directory descriptor (the sweeper's scan). */
int filestore_dirfd(void);

/* A room's directory (created if create): a descriptor, or -1 and errno. */
int filestore_room(uint64_t room_id, int create);
/* ".<stored>.part" into out (at least 80 bytes). */
void filestore_part_name(const char *stored, char *out, size_t outsz);

/* The part file of stored in the room directory rfd, created (create: it must not
 * exist) or opened, and locked: a descriptor and its size in *size, or -1 and errno
 * (EWOULDBLOCK: someone else is writing it). */
int filestore_part_open(int rfd, const char *stored, int create, uint64_t *size);
/* Writes all of buf at off: 0, or -1 and errno (ENOSPC, EDQUOT: the disk is full). */
int filestore_write(int fd, const void *buf, size_t len, uint64_t off);
/* The part file fd of stored becomes stored: fsync, rename, fsync of rfd.  0 or -1
 * and errno. */
int filestore_publish(int rfd, int fd, const char *stored);
/* Deletes the part file / the stored file (gone already is fine): 0 or -1, errno. */
int filestore_unlink_part(int rfd, const char *stored);
int filestore_unlink(int rfd, const char *stored);

/* A stored file opened for reading: a descriptor and its size, or -1 and errno. */
int filestore_read_open(uint64_t room_id, const char *stored, uint64_t *size);

#endif
