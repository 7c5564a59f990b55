/*
 * pchat_infosend.h - chat INFOs sent without a tm transaction, those for one
 * connection written together.
 *
 * A delivery is the one message the server sends most: every post becomes one INFO
 * per member.  Over TCP and TLS no retransmission is needed, and a tm transaction
 * per INFO (a shared-memory cell, a hash-table entry, timers, a reply match) buys
 * only the notice of a client that never answers; without it the same two cores
 * deliver 2.8-3.7x as many INFOs (docs/BENCHMARKS.md, scenario (s)).  So, on
 * reliable transports, the link
 * process writes each INFO itself from a template made once per session, appends it
 * to a buffer per destination connection, and writes every buffer once the frames
 * read from the backend in one go are handled: members behind one connection (a front
 * proxy, an edge server, the benchmark's shared connections) get their INFOs in one
 * write instead of one each (but one each on an NTLM connection: each message there is
 * signed on its own, pchat_ntlm_sign.c).  UDP sessions keep tm, which retransmits.
 *
 * What tm's reply callback did is done by pchat_infosend_reply(), the module's
 * response function: it recognises our INFOs' answers by their Via branch, reports a
 * 481/487/408 as the end of the session, and keeps them from being forwarded.  An INFO
 * the client never answers is not noticed here (tm's 408 was); the session then ends
 * at its expiry (session_expires) or when its connection closes.
 */
#ifndef PCHAT_INFOSEND_H
#define PCHAT_INFOSEND_H

#include "../../core/parser/msg_parser.h"
#include "pchat_dialogs.h"

/* In the link process: session_unreachable(id) is called for each session whose
 * INFOs could not be written (its connection is gone); it may destroy the session. */
void pchat_infosend_init(void (*session_unreachable)(uint64_t session));
/* Prepares the session's template if its transport is reliable (s->info_tpl stays
 * NULL otherwise, and its INFOs go through tm); -1 only on allocation failure. */
int pchat_infosend_prepare(struct pchat_session *s);
void pchat_infosend_release(struct pchat_session *s);
/* Queues one INFO with body for the session (which must have a template); it is
 * written by the next pchat_infosend_flush() or sooner when its buffer fills. */
int pchat_infosend_queue(struct pchat_session *s, const char *body, int len);
/* Writes every queued INFO. */
void pchat_infosend_flush(void);
/* The module's response function: 0 for an answer to one of our INFOs (handled, not
 * to be forwarded), 1 for any other reply. */
int pchat_infosend_reply(struct sip_msg *rpl);

#endif
