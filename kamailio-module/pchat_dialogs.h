/*
 * pchat_dialogs.h - chat sessions (the module is the UAS of each chat dialog).
 *
 * Sessions live only in the link process (pchat_link.c), so no locks are needed.
 * They are allocated with the C library's malloc, not Kamailio's pkg pool: one node
 * is meant to hold tens of thousands of sessions, far beyond a default pkg pool.
 */
#ifndef PCHAT_DIALOGS_H
#define PCHAT_DIALOGS_H

#include <stdint.h>
#include <time.h>
#include "../../core/str.h"
#include "pchat_handoff.h"

struct pchat_session {
	uint64_t id;
	str call_id;
	str remote_tag;	   /* the client's From tag */
	str local_tag;	   /* our To tag */
	str remote_uri;	   /* the client's From URI */
	str local_uri;	   /* the chat URI the client invited */
	str remote_target; /* the client's Contact */
	str dst_uri;	   /* where the client's requests came from (reuses its TCP) */
	str identity;
	str epid;
	str user_agent;
	struct socket_info *sock;
	struct pchat_info_tpl *info_tpl; /* pchat_infosend.c; NULL: INFOs through tm */
	struct pchat_ackwait *ackwait;	 /* pchat_ackwait.c; NULL: not waiting for the ACK */
	unsigned int local_cseq;
	time_t last_seen;
	struct pchat_session *next_by_id;
	struct pchat_session *next_by_dialog;
};

int pchat_sessions_init(void);
/* Creates a session from an INVITE event; returns NULL on allocation failure. */
struct pchat_session *pchat_session_create(const struct pchat_event *invite);
struct pchat_session *pchat_session_by_id(uint64_t id);
/* Finds the session of an in-dialog request (Call-ID, From tag, To tag). */
struct pchat_session *pchat_session_by_dialog(
		const str *call_id, const str *remote_tag, const str *local_tag);
void pchat_session_destroy(struct pchat_session *s);
/* Calls fn for every session (fn may destroy the session it is given). */
void pchat_sessions_foreach(void (*fn)(struct pchat_session *, void *), void *arg);

/* Sends body as an in-dialog INFO (Content-Type text/plain): over TCP/TLS queued in
 * pchat_infosend.c (written by pchat_infosend_flush()), otherwise through tm. */
int pchat_session_send_info(struct pchat_session *s, const char *body, int len);
/* The client answered one of the session's INFOs with code (in any process): a 481,
 * 487 or 408 means the session is gone, and the link process is told. */
void pchat_session_answered(uint64_t id, int code);

#endif
