/*
 * pchat_request.h - the SIP worker side: take a chat request from the routing
 * script, suspend it and hand it to the link process.
 */
#ifndef PCHAT_REQUEST_H
#define PCHAT_REQUEST_H

#include "../../core/parser/msg_parser.h"

/* pchat_handle(identity): handles INVITE/INFO/UPDATE/BYE for a chat URI.  Returns 0
 * (stop the script: the request is answered by the module) or -1 on an error the
 * script may handle. */
int pchat_handle_request(struct sip_msg *msg, str *identity);
/* pchat_is_chat(): 1 if the request targets a chat URI (initial: R-URI, in-dialog:
 * To URI), else -1. */
int pchat_is_chat_request(struct sip_msg *msg);
/* Answers a request statefully with an optional extra header (used for 503s). */
int pchat_reply(struct sip_msg *msg, int code, char *reason, const char *hdr);

#endif
