/*
 * cevent.h - a compliance event as pchat-compliance reads it from compliance_events
 * (sql/migrations/008_compliance.sql), and the room and user it is about.  What the
 * store (store.c) hands to the output run (run.c) and the adapters (adapter.h).
 * Strings are borrowed: valid for the duration of the call they are passed to.
 */
#ifndef PCHAT_CEVENT_H
#define PCHAT_CEVENT_H

#include <stddef.h>
#include <stdint.h>

/* The event types, in the order of the column's ENUM. */
enum ce_type {
	CE_JOIN,
	CE_PART,
	CE_CHAT,
	CE_BACKCHAT,
	CE_FILEUPLOAD,
	CE_FILEDOWNLOAD,
	CE_REPLACE, /* the reference's type 10: a post's text replaced */
	CE_PURGE,   /* the reference's type 11: a post removed */
	CE_TYPES
};

/* "JOIN", ...; NULL for a value out of range. */
const char *ce_type_name(enum ce_type t);
/* The type named s (as stored), or -1. */
int ce_type_parse(const char *s);

/* A user: uri always; the rest only when AddUserDetails is on (details = 1). */
struct ce_user {
	const char *uri; /* "sip:alice@example.com", the authenticated identity */
	int details;
	uint64_t id;	   /* subscriber.id; 0 for a user this server does not serve */
	const char *name;  /* UserName: the subscriber's user name, else the URI's user part */
	const char *email; /* user@domain */
	int internal;	   /* served here (in subscriber); 0 = federated */
};

/* A room: id, uri and name always (copied into each event: the room may be gone);
 * the rest only when AddChatRoomDetails is on and the room still exists (details = 1). */
struct ce_room {
	uint64_t id;
	const char *uri; /* ma-chan://domain/chan_id */
	const char *name;
	int details;
	const char *description;
	const char *topic;
	const char *privacy;	  /* open | closed | secret */
	const char *category_uri; /* ma-cat://domain/cat_id */
	int logged;		  /* its category keeps chat history (islogged) */
};

struct ce_event {
	uint64_t id; /* compliance_events.id: monotonic */
	enum ce_type type;
	int64_t time_ms; /* UTC, Unix milliseconds */
	const struct ce_room *room;
	struct ce_user user;
	uint64_t msg_id; /* 0 when none (JOIN, PART, files) */
	/* CHAT: the text; REPLACE: the new text; BACKCHAT: "<first id>-<last id>";
	 * FILEUPLOAD/FILEDOWNLOAD: the stored file name; NULL when none. */
	const char *content;
	size_t content_len;
};

/* The users present in a room at a moment (the start or the end of a batch): their
 * URIs, sorted, each once however many sessions they have there. */
struct ce_presence {
	const char *const *users;
	size_t n;
	int64_t time_ms; /* the moment */
};

#endif
