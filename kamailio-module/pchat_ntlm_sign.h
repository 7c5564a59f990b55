/*
 * pchat_ntlm_sign.h - every SIP message Kamailio sends on a connection with an NTLM
 * security association gets an Authentication-Info header with our signature
 * ([MS-SIPAE]: pidgin-sipe and Lync drop unsigned messages after the handshake).
 */
#ifndef PCHAT_NTLM_SIGN_H
#define PCHAT_NTLM_SIGN_H

#include "../../core/ip_addr.h"

/* Registers the SREV_NET_DATA_OUT callback (mod_init, when NTLM is configured). */
int pchat_ntlm_sign_init(void);
/* Whether what is sent to dst will be signed (its connection has a security
 * association): a buffer then must hold one message (pchat_infosend.c). */
int pchat_ntlm_signs(struct dest_info *dst);

#endif
