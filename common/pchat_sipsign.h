/*
 * pchat_sipsign.h - the string [MS-SIPAE] signs in a SIP message once NTLM (or
 * Kerberos) has authenticated the client: the message's identifying fields, each in
 * angle brackets, in a fixed order (as pidgin-sipe 1.25's sipe-sign.c builds it and
 * Office Communications Server checks it):
 *
 *   <protocol><rand><num><realm><targetname><Call-ID><CSeq number><CSeq method>
 *   <From URI><From tag><To URI><To tag><P-Asserted-Identity sip URI><... tel URI>
 *   <Expires>                                   then <response code> for a response
 *
 * (version < 3 has neither the To URI nor the two P-Asserted-Identity URIs).  No SIP is
 * parsed here: the caller fills the struct from its own parsed message (the Kamailio
 * module from its sip_msg), so that this stays a pure function.  A field absent from
 * the message is NULL or "": it is signed as "<>".  Nothing is escaped: the fields
 * are signed as they appear in the message.
 */
#ifndef PCHAT_SIPSIGN_H
#define PCHAT_SIPSIGN_H

#include <stddef.h>

struct pchat_sipsign {
	/* from the auth header's parameters (Proxy-Authorization / Authentication-Info):
	 * the scheme ("NTLM"), crand= or srand=, cnum= or snum=, realm=, targetname= */
	const char *protocol, *rand, *num, *realm, *targetname;
	const char *call_id;
	const char *cseq_num, *cseq_method; /* "3", "REGISTER"; a response's too */
	const char *from_uri, *from_tag;    /* the URI without <>, the tag parameter */
	const char *to_uri, *to_tag;
	/* P-Asserted-Identity (or else P-Preferred-Identity): its sip: and tel: URIs */
	const char *pai_sip_uri, *pai_tel_uri;
	const char *expires; /* the Expires header's value */
	int response_code;   /* 0 for a request */
};

/* The string to sign for f with [MS-SIPAE] authentication protocol version `version`
 * (the version= of the auth header; 3 and 4 sign the same fields) into out (cap
 * bytes, NUL-terminated): its length, or -1 if it does not fit or realm is empty
 * (pidgin-sipe signs nothing without a realm). */
long pchat_sipsign_string(const struct pchat_sipsign *f, int version, char *out, size_t cap);

#endif
