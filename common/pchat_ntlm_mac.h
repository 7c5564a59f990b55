/*
 * pchat_ntlm_mac.h - NTLM session security for connectionless NTLM: the message
 * signature ([MS-NLMP] 2.2.2.9.1, MAC of 3.4.4.2 with extended session security) that
 * [MS-SIPAE] puts in a SIP message's response="..." / rspauth="..." after the
 * handshake, over the string pchat_sipsign.h builds.
 *
 * Connectionless ("datagram") mode: messages may arrive in any order, so no RC4 state
 * carries from one message to the next; each signature's checksum is RC4-encrypted
 * (when KEY_EXCH was negotiated) under a key of its own, MD5(SealingKey + SeqNum)
 * ([MS-NLMP] 3.4, the note on connectionless mode; pidgin-sipe and gss-ntlmssp do the
 * same), and the caller gives the sequence number: [MS-SIPAE] always uses 100.
 */
#ifndef PCHAT_NTLM_MAC_H
#define PCHAT_NTLM_MAC_H

#include <stddef.h>
#include <stdint.h>

#include "pchat_ntlm.h"

#define PCHAT_NTLM_SIG_LEN 16  /* Version (1), Checksum (8 bytes), SeqNum */
#define PCHAT_NTLM_SIP_SEQ 100 /* [MS-SIPAE]'s sequence number, for every message */

/* HMAC_MD5(sign_key, SeqNum + msg)[0..7]: the checksum before any RC4. */
void pchat_ntlm_checksum(const uint8_t sign_key[PCHAT_NTLM_HASH_LEN], uint32_t seq, const void *msg,
		size_t len, uint8_t out[8]);

/* The signature of msg[0..len) with sequence number seq, in datagram mode, under the
 * keys of one direction (the client's to sign what the client sends). */
void pchat_ntlm_mac(uint32_t flags, const uint8_t sign_key[PCHAT_NTLM_HASH_LEN],
		const uint8_t seal_key[PCHAT_NTLM_HASH_LEN], uint32_t seq, const void *msg,
		size_t len, uint8_t sig[PCHAT_NTLM_SIG_LEN]);

/* The server's signature of a message it sends (the server-to-client keys). */
void pchat_ntlm_sign(const struct pchat_ntlm_session *s, uint32_t seq, const void *msg, size_t len,
		uint8_t sig[PCHAT_NTLM_SIG_LEN]);

/* Checks the client's signature sig of msg[0..len) (the client-to-server keys), in
 * constant time: 0, or PCHAT_NTLM_EBADSIG. */
int pchat_ntlm_check(const struct pchat_ntlm_session *s, uint32_t seq, const void *msg, size_t len,
		const uint8_t sig[PCHAT_NTLM_SIG_LEN]);

#endif
