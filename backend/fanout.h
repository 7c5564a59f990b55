/*
 * fanout.h - one XCCOS body for many sessions: a room's post or notice goes to the
 * module as FANOUT frames (common/pchat_frame.h), one body and a list of recipients per
 * module link, instead of a SEND frame per member.  For a 16,000-member room that is
 * one body and 16 bytes a member on the link, not 16,000 envelopes: pchatd formats and
 * writes a few hundred kilobytes, and the link process gets whole batches of one
 * connection's INFOs at once (docs/BENCHMARKS.md, scenario c).
 *
 * Each recipient gets its own next envid, as session_send() gives it, so a session's
 * envelopes stay numbered in the order it is sent them.
 */
#ifndef PCHAT_FANOUT_H
#define PCHAT_FANOUT_H

#include <stddef.h>

struct fanout;
struct session;

/* Starts a delivery of items (wrapped in an envelope per recipient). */
struct fanout *fanout_begin(const char *items, size_t len);
/* Adds s to the recipients.  Returns 0, or -1 if s gets nothing (closed, its link
 * gone, or items too large for a frame). */
int fanout_add(struct fanout *fo, struct session *s);
/* Sends the frames still being filled and frees fo. */
void fanout_end(struct fanout *fo);

#endif
