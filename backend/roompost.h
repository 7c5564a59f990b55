/*
 * roompost.h - a stored post sent to its room: the one way every post reaches the
 * sessions present, whether a client posted it here (grpchat, cmd_post.c), the file
 * service stored it (a file post, filesvc.h) or another node of a pool did (read back
 * from the database by sequence number).
 *
 * Order: every post has a number in its room (room_seq, migration 017), given in the
 * transaction that stores it.  Posts are sent in that order, on every node alike:
 * a post whose predecessors have not all been sent here waits while they are read
 * from the database ("catch-up"), and is sent after them.  On one node without a pool
 * the next number is always the next post, and nothing is read.
 */
#ifndef PCHAT_ROOMPOST_H
#define PCHAT_ROOMPOST_H

#include <stdint.h>

#include "xccos.h"

struct room;

/* m was committed here with number seq (0: unnumbered, sent at once): sends it as a
 * grpchat to every session present in r, the author's own included (sipe shows a
 * user's own line only when the server echoes it), after any post numbered before
 * it; notes it delivered (read positions), counts the deliveries and stores and
 * sends its feed matches. */
void room_post_deliver(struct room *r, const struct xccos_chat *m, uint64_t seq);

/* Another node committed r's post number seq (a pool's signal or poll): the posts
 * up to it are read and sent, in order, unless sent already. */
void room_post_head(struct room *r, uint64_t seq);

/* Catch-up reads out (for tests and metrics). */
unsigned room_post_catching_up(void);

#endif
