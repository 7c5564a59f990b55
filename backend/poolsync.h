/*
 * poolsync.h - a pool's node learning of the posts other nodes stored: their signals
 * (poolsig.h) and, for signals that were lost, a poll of every room's head each
 * --pool-poll-ms; both hand the room to roompost.h, which reads what is missing.
 * Off unless --pool-listen is given.
 */
#ifndef PCHAT_POOLSYNC_H
#define PCHAT_POOLSYNC_H

struct event_base;
struct config;

/* Starts the signals and the poll if c names a pool; returns 0, or -1 (logged). */
int poolsync_start(struct event_base *base, const struct config *c);
void poolsync_stop(void);

#endif
