/* pchat client library: XCCOS chat sessions over SIP, built on sofia-sip nua.
 *
 * One pc_context owns one su_root (single-threaded: the nua stacks run in the caller's
 * thread). Each pc_client is one chat session (one INVITE dialog) with its own nua
 * instance and its own local transport bound to 127.0.0.1 on an ephemeral port. Any
 * wait on any client runs the shared root, so events of every client of the context are
 * processed (and incoming INFOs queued) while one of them waits.
 *
 * Incoming INFO requests in the session's dialog are answered 200 (INFO is an
 * application method: the library answers it, 481 outside the dialog) and their bodies
 * are queued per client for pc_next_info().
 */
#ifndef PCHAT_CLIENT_H
#define PCHAT_CLIENT_H

typedef struct pc_context pc_context; /* one su_root */
typedef struct pc_client pc_client;   /* one chat session (one INVITE dialog) */

pc_context *pc_context_new(void);
/* Closes (BYE, bounded) every client still open, then frees the context. */
void pc_context_free(pc_context *);
/* The User-Agent of the clients pc_open opens from now on (NULL or "": our own,
 * "pchat-client/0.1"; at most 127 bytes): tests play other clients with it. */
void pc_set_user_agent(pc_context *, const char *ua);
/* The endpoint id (From;epid=, as sipe sends it; NULL or "": none) of the clients
 * pc_open opens from now on: the server carries a rebuilt session's rooms over by it. */
void pc_set_epid(pc_context *, const char *epid);

/* The password of user_uri ("sip:alice@example.com"), or NULL if there is none. */
typedef const char *(*pc_password_fn)(const char *user_uri, void *arg);
/* Where the context's clients get their passwords from when the server challenges a
 * request (SIP Digest, 401 or 407: the user name is the URI's user part, the realm the
 * challenge's).  Without it, or when fn gives NULL, a challenge is the request's final
 * response.  A request challenged again after credentials (a wrong password) ends
 * with that challenge. */
void pc_set_password_fn(pc_context *, pc_password_fn fn, void *arg);

/* The CA certificates (a PEM file) that TLS clients opened from now on trust: the
 * server's certificate must be signed by one of them and name the proxy's host (an IP
 * address SAN for "127.0.0.1").  NULL or "": the system's, PC_SYSTEM_CA_FILE. */
#define PC_SYSTEM_CA_FILE "/etc/ssl/certs/ca-certificates.crt"
void pc_set_tls_ca(pc_context *, const char *ca_file);

/* INVITE chat_uri as user_uri via proxy ("127.0.0.1:5060" or a sip: URI), transport
 * "tcp" (default when NULL), "tls" (pc_set_tls_ca) or "udp"; waits up to timeout_ms
 * for the final response.
 * Returns NULL and sets *status to the SIP status (408 on timeout, 0 on local failure)
 * on failure; on success *status is 200. */
pc_client *pc_open(pc_context *, const char *user_uri, const char *chat_uri, const char *proxy,
		const char *transport, int timeout_ms, int *status);

/* Sends one INFO (Content-Type: text/plain) with this body; waits for its final
 * response; returns the SIP status (408 on timeout, 481 without sending if the dialog is
 * gone) and stores Retry-After (or -1) in *retry_after if non-NULL. */
int pc_send_info(pc_client *, const char *body, int timeout_ms, int *retry_after);

/* Convenience: wraps items in an envelope with the client's own envid counter. */
int pc_send_xccos(pc_client *, const char *items, int timeout_ms, int *retry_after);

/* Sends items again in the last envelope's envid, as a client does after a 503 or a
 * lost 200 (the server stores such a post once). */
int pc_resend_xccos(pc_client *, const char *items, int timeout_ms, int *retry_after);
/* envid of the last envelope pc_send_xccos sent (0 if none). */
unsigned long pc_last_envid(const pc_client *);

/* Next INFO body the server sent on this session (already answered 200), in arrival
 * order: returns a malloc'd string, or NULL after timeout_ms. */
char *pc_next_info(pc_client *, int timeout_ms);

/* Text about the last failed INVITE/INFO of any client of the context: method, status,
 * phrase (and Retry-After), e.g. "INVITE: 503 Service Unavailable". */
const char *pc_last_error(const pc_context *);

/* Runs the event loop for up to timeout_ms (for the CLI, which also polls stdin). */
void pc_run(pc_context *, int timeout_ms);

/* Tests: answer the server's INFOs on the session with status (its reason phrase)
 * from now on, without reading them, as a client that lost the dialog does (481);
 * 0 is the normal 200. */
void pc_set_info_answer(pc_client *, int status);

/* Tests: the clients pc_open opens from now on send the ACK of the 200 to their INVITE
 * ms after it came (0: at once, as nua does by itself).  An INFO the server sends
 * meanwhile is counted (pc_infos_before_ack) and answered 481, as a client that has not
 * seen the 200 yet does (pidgin-sipe: the delivery is lost and the server ends the
 * session). */
void pc_set_ack_delay(pc_context *, int ms);
/* INFOs in the session's dialog that came before its ACK was sent. */
int pc_infos_before_ack(const pc_client *);
/* 1 once the ACK of the 200 to the session's INVITE is sent. */
int pc_ack_sent(const pc_client *);

/* 1 while the dialog is established (200 received, no BYE sent or received). */
int pc_is_up(const pc_client *);
/* 1 once the server ended the dialog (BYE, or 481/408 to a keep-alive UPDATE). The
 * library refreshes an established session with UPDATE every Session-Expires/2 while the
 * caller runs the event loop (pc_run or any wait). */
int pc_peer_hung_up(const pc_client *);

const char *pc_user_uri(const pc_client *);
const char *pc_chat_uri(const pc_client *);
/* The dialog's Call-ID (NULL before 200). */
const char *pc_call_id(const pc_client *);

/* Sends BYE if the dialog is up and waits for its final response; keeps the object
 * (and the dialog identifiers) alive. Returns the BYE status (0 if nothing was sent). */
int pc_bye(pc_client *, int timeout_ms);

/* Test aid: sends an INFO that replays the identifiers of this client's (ended) dialog
 * -- Call-ID, From tag, To tag, remote target -- from a fresh handle, as a client that
 * missed the end of the dialog would. Returns the SIP status of the response (408 on
 * timeout, 0 if the dialog never existed). */
int pc_replay_info(pc_client *, const char *body, int timeout_ms);

/* BYE (if still up), then free. */
void pc_close(pc_client *, int timeout_ms);

/* Sofia's own logging: level 0..9 (default from the SOFIA_DEBUG environment variable). */
void pc_set_sofia_log_level(int level);

#endif
