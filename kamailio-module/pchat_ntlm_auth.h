/*
 * pchat_ntlm_auth.h - NTLM authentication of SIP clients per [MS-SIPAE] (script
 * functions pchat_ntlm_authorize() and pchat_ntlm_forget(); docs/OPERATIONS.md,
 * "Client authentication").
 */
#ifndef PCHAT_NTLM_AUTH_H
#define PCHAT_NTLM_AUTH_H

#include "../../core/parser/msg_parser.h"
#include "../../core/pvar.h"
#include "../../core/str.h"

/* modparams */
extern str pchat_ntlm_db_url;	  /* ntlm_db_url: where subscriber.nt_hash is read */
extern str pchat_ntlm_targetname; /* ntlm_targetname: our FQDN (default: the host name) */
extern str pchat_ntlm_realm;	  /* ntlm_realm: "SIP Communications Service" */

/* mod_init's part: binds the database, builds the CHALLENGE's names, the SA table.
 * Does nothing (0) without ntlm_db_url. */
int pchat_ntlm_init(void);
void pchat_ntlm_destroy(void);
/* 1 when NTLM is configured (ntlm_db_url set). */
int pchat_ntlm_enabled(void);

/* The script function: authenticates msg by NTLM on its TCP/TLS connection.
 *  1  authenticated: the proven identity ("sip:user@domain", lower case) in *id_pv;
 *  0  answered here (a 401 challenge, a 401 for a bad or missing signature, a 403 for
 *     a From that is not the connection's identity) or dropped (an ACK): stop;
 * -1  an internal error (nothing sent). */
int pchat_ntlm_authorize(struct sip_msg *msg, pv_spec_t *id_pv);

#endif
