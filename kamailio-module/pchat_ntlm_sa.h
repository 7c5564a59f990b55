/*
 * pchat_ntlm_sa.h - NTLM state in shared memory ([MS-SIPAE]): the challenges sent and
 * not yet answered (keyed by their opaque, for a short time and one use), and the
 * security associations (SAs), one per TCP/TLS connection that completed the
 * handshake: the session keys, the proven identity, the counter of our signatures.
 * Every SIP worker verifies with them, every process that sends (workers, link
 * processes, tm's timers) signs with them (pchat_ntlm_sign.c).  One lock guards both.
 */
#ifndef PCHAT_NTLM_SA_H
#define PCHAT_NTLM_SA_H

#include <stdint.h>

#include "../../core/ip_addr.h"
#include "pchat_ntlm.h"

#define PCHAT_NTLM_OPAQUE_LEN 8	    /* 8 hex digits */
#define PCHAT_NTLM_ID_MAX 256	    /* "sip:user@domain" */
#define PCHAT_NTLM_CHALLENGE_TTL 30 /* seconds a challenge may be answered */

/* What a caller gets of an SA: a copy, taken under the lock. */
struct pchat_ntlm_sa_view {
	char opaque[PCHAT_NTLM_OPAQUE_LEN + 1];
	char identity[PCHAT_NTLM_ID_MAX];
	int version;
	unsigned int snum; /* the snum of this signature (pchat_ntlm_sa_next) */
	struct pchat_ntlm_session keys;
};

extern int pchat_ntlm_max_sas; /* modparam ntlm_max_sas */

int pchat_ntlm_sa_init(void);
void pchat_ntlm_sa_destroy(void);

/* Number of SAs (0: nothing to sign, the outgoing hook returns at once). */
int pchat_ntlm_sa_count(void);

/* Whether connection conid, or the connection whose peer is ip:port, may have an SA: 0
 * when it surely has none.  Read without the lock from two small tables of counts
 * (by id, by the peer's address, each slot counting the SAs that hash there), kept by
 * pchat_ntlm_sa_put and pchat_ntlm_sa_forget: what lets the outgoing hook pass a
 * message to a connection without NTLM with no lock and no connection lookup. */
int pchat_ntlm_sa_may_have(int conid);
int pchat_ntlm_sa_may_have_peer(const struct ip_addr *ip, unsigned short port);

/* A new challenge for connection conid: its opaque (NUL-terminated) and stored server
 * challenge sc.  0, or -1 (no random numbers). */
int pchat_ntlm_challenge_put(int conid, const uint8_t sc[PCHAT_NTLM_CHALLENGE_LEN],
		char opaque[PCHAT_NTLM_OPAQUE_LEN + 1]);

/* Takes (removes) the live challenge with this opaque made for conid: 0 with its server
 * challenge, -1 if none (unknown, expired, another connection's, used). */
int pchat_ntlm_challenge_take(int conid, const char *opaque, int opaque_len,
		uint8_t sc[PCHAT_NTLM_CHALLENGE_LEN]);

/* Binds a new SA to connection conid, whose peer is ip:port (replacing any it had).
 * 0, or -1 (the table is full: ntlm_max_sas, or no shared memory). */
int pchat_ntlm_sa_put(int conid, const struct ip_addr *ip, unsigned short port, const char *opaque,
		const char *identity, int version, const struct pchat_ntlm_session *keys);

/* A copy of conid's SA into *v (snum as it stands): 1, or 0 if it has none. */
int pchat_ntlm_sa_get(int conid, struct pchat_ntlm_sa_view *v);

/* Like pchat_ntlm_sa_get, for signing a message we send: counts snum up first. */
int pchat_ntlm_sa_next(int conid, struct pchat_ntlm_sa_view *v);

/* Forgets conid's SA (the connection closed).  1 if it had one. */
int pchat_ntlm_sa_forget(int conid);

#endif
