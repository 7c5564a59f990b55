/*
 * pchat_handoff.h - how SIP worker processes hand work to the pchat link process.
 *
 * SIP workers must never wait for the backend.  A worker that receives a chat
 * request creates and suspends its tm transaction, copies what the link process
 * needs into one shared-memory block (struct pchat_event) and writes the block's
 * pointer into a non-blocking pipe.  The link process (pchat_link.c) owns the
 * dialogs and the backend connection and answers the suspended transaction itself.
 * A pointer write is atomic (smaller than PIPE_BUF) so workers need no lock.
 */
#ifndef PCHAT_HANDOFF_H
#define PCHAT_HANDOFF_H

#include <stdint.h>
#include "../../core/str.h"
#include "../../core/ip_addr.h"

enum pchat_event_kind {
	PCHAT_EV_INVITE = 1, /* new chat session: answer 200 (or 503) */
	PCHAT_EV_INFO,	     /* in-dialog INFO with an XCCOS body */
	PCHAT_EV_UPDATE,     /* in-dialog keep-alive */
	PCHAT_EV_BYE,	     /* client ends the session */
	PCHAT_EV_DEAD,	     /* a client answered our INFO 481/487/408: session is gone */
	PCHAT_EV_ACK,	     /* the client ACKed our 200 to its INVITE (pchat_ackwait.h) */
};

/* One unit of work for the link process.  All str fields point into the same shm
 * block, right after the struct, so one shm_free() releases everything. */
struct pchat_event {
	enum pchat_event_kind kind;
	unsigned int hash_index; /* tm ident of the suspended transaction */
	unsigned int label;
	unsigned int dialog_slot;     /* INFO only: its counter (pchat_limits.h) */
	uint64_t session;	      /* PCHAT_EV_DEAD and PCHAT_EV_ACK only */
	struct socket_info *rcv_sock; /* socket the request came in on (set pre-fork) */
	str src_uri;		      /* sip:IP:PORT;transport=X of the sender, to reach it back */
	str call_id;
	str from_tag;
	str to_tag;   /* empty for INVITE */
	str from_uri; /* the client's URI (our remote URI) */
	str to_uri;   /* the chat URI the client invited (our local URI) */
	str contact;  /* client's Contact URI (remote target), INVITE only */
	str identity; /* authenticated identity, INVITE only */
	str epid;
	str user_agent;
	str our_contact; /* Contact for our 200 OK, INVITE only */
	str body;	 /* XCCOS, INFO only */
};

/* Creates the pipe; called once in mod_init, before the processes fork. */
int pchat_handoff_init(void);
/* Read end for this link process. */
int pchat_handoff_read_fd(void);
/* The link process of a dialog (by its Call-ID) or of a session (by its id). */
int pchat_link_of_call_id(const str *call_id);
int pchat_link_of_session(uint64_t id);
/* Allocates an event with room for the given strings and copies them in. */
struct pchat_event *pchat_event_new(enum pchat_event_kind kind, const str *fields[], int nfields);
/* Field order used by pchat_event_new (indexes into fields[]). */
enum pchat_event_field {
	PCHAT_FLD_SRC_URI,
	PCHAT_FLD_CALL_ID,
	PCHAT_FLD_FROM_TAG,
	PCHAT_FLD_TO_TAG,
	PCHAT_FLD_FROM_URI,
	PCHAT_FLD_TO_URI,
	PCHAT_FLD_CONTACT,
	PCHAT_FLD_IDENTITY,
	PCHAT_FLD_EPID,
	PCHAT_FLD_USER_AGENT,
	PCHAT_FLD_OUR_CONTACT,
	PCHAT_FLD_BODY,
	PCHAT_FLD_COUNT
};
/* Passes ev to the link process.  Returns 0, or -1 if the pipe is full or broken
 * (the caller still owns ev and must free it and answer 503). */
int pchat_handoff_send(struct pchat_event *ev);
void pchat_event_free(struct pchat_event *ev);

#endif
