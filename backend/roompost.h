/*
 * roompost.h - a stored post sent to its room: the one way every post reaches the
 * sessions present, whether a client posted it (grpchat, cmd_post.c) or the file
 * service stored it (a file post, filesvc.h).
 */
#ifndef PCHAT_ROOMPOST_H
#define PCHAT_ROOMPOST_H

#include "xccos.h"

struct room;

/* Sends m (committed) as a grpchat to every session present in r, the author's own
 * included (sipe shows a user's own line only when the server echoes it), notes it
 * delivered (read positions) and counts the deliveries. */
void room_post_deliver(struct room *r, const struct xccos_chat *m);

#endif
