/*
 * pchat_ntlm_msg.h - what NTLM reads of a SIP message ([MS-SIPAE]): the parameters of
 * an "NTLM ..." Authorization header, and the fields of the string a signature covers
 * (pchat_sipsign.h), taken from a parsed sip_msg, incoming or one we send.
 */
#ifndef PCHAT_NTLM_MSG_H
#define PCHAT_NTLM_MSG_H

#include "../../core/parser/msg_parser.h"
#include "../../core/str.h"
#include "pchat_sipsign.h"

/* The parameters of an NTLM auth header (pointers into the message; s NULL when
 * absent; quotes removed). */
struct pchat_ntlm_params {
	str opaque, realm, targetname, gssapi_data, crand, cnum, response, qop;
	int has_gssapi_data; /* gssapi-data present, even empty */
	int version;	     /* 0 if absent */
};

/* Parses body (the header's value after "NTLM") into *p: 0, or -1 if malformed. */
int pchat_ntlm_parse_params(const str *body, struct pchat_ntlm_params *p);

/* The message's NTLM Authorization header's value after "NTLM " into *value: 1, or 0
 * if it has none (no Authorization, or one of another scheme). */
int pchat_ntlm_find_authorization(struct sip_msg *msg, str *value);

/* Scratch room for the NUL-terminated fields of one message. */
struct pchat_ntlm_fields {
	struct pchat_sipsign f;
	char buf[2048];
};

/* Fills *out from msg (headers parsed as needed): Call-ID, CSeq, From/To URI and tag,
 * P-Asserted-Identity (else P-Preferred-Identity), Expires, the status code of a
 * reply.  The auth part (protocol, rand, num, realm, targetname) is the caller's.
 * 0, or -1 (a header missing or malformed, or the fields over the room). */
int pchat_ntlm_msg_fields(struct sip_msg *msg, struct pchat_ntlm_fields *out);

#endif
