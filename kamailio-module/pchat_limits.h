/*
 * pchat_limits.h - admission control: the bounds a SIP worker checks before it creates
 * a transaction for a chat request, and the shared-memory watch of the link processes.
 *
 * A flood must cost its sender, not everyone: every INFO that would exceed a bound is
 * answered 503 + Retry-After statelessly (from the worker's private memory, no tm
 * transaction), so refusing it takes no shared memory.  The bounds:
 *   - per dialog: INFOs of one chat session handed on and not answered yet
 *     (modparam max_session_pending), and for THROTTLE_MS after pchatd refused one of
 *     its posts for the user's post rate (503), none at all: a client that floods is
 *     then answered by the workers alone;
 *   - per link process: INFOs handed on and not answered yet (max_pending);
 *   - shared memory: below shm_reserve percent free, new INVITEs and INFOs are refused,
 *     and below half of that the link processes stop creating delivery transactions
 *     until memory is back (pchat_link.c), so replies and BYEs always find some.
 * The counters live in shared memory and are changed with atomic operations: a worker
 * takes a place (pchat_info_admit), the link process gives it back when the INFO has
 * its final answer (pchat_info_release).
 */
#ifndef PCHAT_LIMITS_H
#define PCHAT_LIMITS_H

#include "../../core/str.h"

enum pchat_admission {
	PCHAT_ADMITTED = 0,
	PCHAT_REFUSED_DIALOG,	 /* the session has max_session_pending INFOs in flight */
	PCHAT_REFUSED_LINK,	 /* its link process has max_pending INFOs in flight */
	PCHAT_REFUSED_THROTTLED, /* pchatd refused a post of the session for its rate */
};

/* Counter slots for dialogs; a slot may be shared by two dialogs (then both share one
 * bound), which only makes the limit stricter for them. */
#define PCHAT_DIALOG_SLOTS 16384

/* Checks the parameters and computes the reserve in bytes; called in mod_init. */
int pchat_limits_init(void);

/* The counter slot of a dialog, from its Call-ID and the client's tag. */
unsigned int pchat_dialog_slot(const str *call_id, const str *from_tag);

/* Takes a place for an INFO of dialog slot on link process link; PCHAT_ADMITTED, or
 * the bound that refused it (nothing taken then). */
enum pchat_admission pchat_info_admit(int link, unsigned int slot);
/* Gives the place back once the INFO has its final answer. */
void pchat_info_release(int link, unsigned int slot);
/* pchatd refused a post of the dialog for the user's post rate: its INFOs are refused
 * in the workers for a while. */
void pchat_dialog_throttle(unsigned int slot);
/* INFOs in flight on link process link. */
int pchat_info_inflight(int link);

/* Free shared memory is below shm_reserve: refuse new requests. */
int pchat_shm_low(void);
/* Below half the reserve: hold deliveries back. */
int pchat_shm_critical(void);
/* Free shared memory and the reserve, in bytes (RPC pchat.status). */
unsigned long pchat_shm_free(void);
unsigned long pchat_shm_reserve_bytes(void);

#endif
