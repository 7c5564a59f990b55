/*
 * filesweep.h - the file store's sweeper (docs/FILES.md, "Nothing orphaned"): a
 * worker thread (workq.h) of the file service, on its own database connection
 * (filedb.h), which a timer of the event loop asks every interval
 *
 *   1. deletes each file no post refers to any more (pchat-admin message remove,
 *      room clear, room removal and file remove all delete posts; the foreign key
 *      then sets files.message_id to NULL) and each upload that did not complete
 *      before its token expired: the file first, then its row (file.sweep_list,
 *      file.sweep_done);
 *   2. scans the store: a part file that no upload under way owns and nobody holds
 *      locked, and a stored-looking file without a row that is older than an hour,
 *      are deleted; empty directories of rooms without files removed; the bytes of
 *      what remains are the store's size (pchatd_file_store_bytes).
 */
#ifndef PCHAT_FILESWEEP_H
#define PCHAT_FILESWEEP_H

struct event_base;

/* Starts the worker and its timer (the first sweep a second after).  0, or -1. */
int filesweep_start(struct event_base *base, unsigned interval_sec);
/* Loop thread: stops it (after the sweep it is in) and waits for it. */
void filesweep_stop(void);
/* The store's size in bytes at the last scan; -1 before the first. */
double filesweep_store_bytes(void);

#endif
