/*
 * pchat_ackwait.h - a new session's deliveries held until the client's ACK.
 *
 * Our 200 OK to a chat INVITE and the first INFOs of the session travel apart: the
 * 200 as tm's reply, the INFOs written by the link process (pchat_infosend.c) or
 * sent through tm, and through a pool's front by different processes.  A client that
 * gets an INFO before the 200 has no dialog for it and answers 481 (pidgin-sipe
 * does): the delivery is lost, and the 481 ends the session.  pchatd sends at once
 * what a new session must get (a session carried over from another node of a pool is
 * sent the posts it missed), so the link process holds a new session's deliveries
 * (SEND frames, its part of FANOUT ones), in order, in its own heap until the dialog
 * is confirmed:
 *
 *   - by the ACK of our 200 (tm matches it to the INVITE's transaction in a SIP
 *     worker, whose callback hands a PCHAT_EV_ACK event to the link process), or
 *   - by any other in-dialog request of the client (INFO, UPDATE, re-INVITE): it
 *     carries our To tag, which only the 200 gave it.
 *
 * Then they go out at once, in order, before anything the session sends is handed on
 * (so the answer to its first post cannot overtake them).  A client that sends no ACK
 * within ack_wait ms (modparam, default 2000) most likely has the 200 and lost the
 * ACK, or runs behind a configuration that does not match ACKs with tm
 * (t_check_trans): its INFOs are sent then, as they were before holding existed (a
 * client that really has no dialog answers 481 and rebuilds its session).  The same
 * is done at once for a session holding more than ACKWAIT_MAX_INFOS INFOs or
 * ACKWAIT_MAX_BYTES bytes, or when the link process holds ACKWAIT_MAX_TOTAL bytes in
 * all, so that what waits is bounded in memory as well as in time.  Statistics:
 * ack_wait_held (INFOs held), ack_wait_expired (sessions whose INFOs went out without
 * an ACK).
 *
 * Other sessions are not concerned: their INFOs and the answers to their posts keep
 * pchatd's order (pchat_link.c's handle_frame()).
 */
#ifndef PCHAT_ACKWAIT_H
#define PCHAT_ACKWAIT_H

#include <stdint.h>
#include "../../modules/tm/h_table.h"
#include "pchat_dialogs.h"

#define ACKWAIT_MAX_INFOS 2000
#define ACKWAIT_MAX_BYTES ((size_t)8 * 1024 * 1024)
#define ACKWAIT_MAX_TOTAL ((size_t)64 * 1024 * 1024)

/* In the link process, before our 200 to s's INVITE is sent on its transaction t:
 * the ACK that tm matches to t is reported to this process (PCHAT_EV_ACK). */
void pchat_ackwait_watch(struct cell *t, const struct pchat_session *s);
/* Once the 200 is sent: s's deliveries wait for the ACK (nothing with ack_wait 0). */
void pchat_ackwait_start(struct pchat_session *s);
/* A delivery for s: 0 if it is to be sent now; 1 if it was held (copied), or if s
 * ended while its held INFOs were written (its connection was gone). */
int pchat_ackwait_hold(struct pchat_session *s, const char *body, int len);
/* The client has the dialog (why: "ack", "request"): s's held INFOs are sent, in
 * order, and written out.  s may end meanwhile (its connection gone): callers that go
 * on with it look it up again. */
void pchat_ackwait_release(struct pchat_session *s, const char *why);
/* Sends the INFOs of every session that has waited ack_wait ms. */
void pchat_ackwait_expire(void);
/* s ends: what it holds is dropped. */
void pchat_ackwait_discard(struct pchat_session *s);

#endif
