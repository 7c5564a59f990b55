/* xccos_view: read received XCCOS envelopes and build outgoing ones (client side).
 *
 * Reading uses libxml2 with XML_PARSE_NONET and without XML_PARSE_NOENT/DTDLOAD, so no
 * external entity or DTD is ever loaded and no declared entity is expanded; the five
 * predefined entities and character references are decoded as XML requires.
 * See docs: xccos-protocol.md sections 5 and 7.
 */
#ifndef PCHAT_XCCOS_VIEW_H
#define PCHAT_XCCOS_VIEW_H

#include <stddef.h>

#define XV_NS "urn:parlano:xml:ns:xccos"

typedef enum {
	XV_NONE = 0, /* envelope without items */
	XV_CMD,
	XV_RPL,
	XV_NTC,
	XV_GRPCHAT,
	XV_OTHER
} xv_kind;

typedef struct {
	char *uri;	   /* chanib@uri, or ma-chan://aib@domain/aib@value for ntc:join */
	char *name;	   /* chanib@name (may be NULL) */
	char *description; /* chanib@description (may be NULL) */
	char *topic;	   /* chanib@topic (may be NULL) */
	int filepost;	   /* prop urn:parlano:ma:prop:filepost: 1 true, 0 false, -1 absent */
} xv_room;

typedef struct {
	char *chan_uri; /* chanUri */
	char *author;	/* author */
	char *ts;	/* ts */
	char *text;	/* decoded text of the first <chat> child ("" if none) */
	char *msgid;	/* msgid (may be NULL) */
	char *action;	/* ntc:msgchg: "removed" or "replaced" (else NULL) */
	char *notice;	/* grpchat@notice: "refused" for the server's line saying why a
			   post was refused (not a post; docs/XCCOS.md), else NULL */
	char *feed;	/* rpl:feed alerts: the feed it matched (alert@feed), else NULL */
} xv_msg;

/* A saved feed (rpl:feed, our extension: docs/XCCOS.md). */
typedef struct {
	char *id, *words, *room, *author; /* room, author "" for any */
} xv_feed;

typedef struct {
	xv_kind kind;	 /* kind of the first item */
	char *envid;	 /* xccos@envid */
	char *id;	 /* item@id: "rpl:join", "ntc:part", "grpchat", ... */
	char *seqid;	 /* item@seqid */
	int resp_code;	 /* rpl/ntc resp@code; -1 if no resp element */
	char *resp_text; /* resp text (may be NULL) */
	char *cmd_seqid; /* commandid@seqid (rpl only; may be NULL) */
	char *cmd_envid; /* commandid@envid (rpl only; may be NULL) */
	xv_msg chat;	 /* the grpchat itself when kind == XV_GRPCHAT */
	xv_room *rooms;	 /* chanib children of data (join/bjoin/chansrch/part/bccontext/
                           ntc:part), or the rooms of ntc:join/ntc:bjoin aib children */
	size_t nrooms;
	char **users; /* uib@uri: under data (rpl:join, rpl:requri, ntc:join) or under
                           the first chanib (ntc:part) */
	size_t nusers;
	xv_msg *msgs; /* rpl:bccontext: msg[@id="grpchat"] of the first chanib; rpl:search:
			 srchres/msg; ntc:msgchg: the msgchg elements (our extension) */
	size_t nmsgs;
	size_t nitems;	     /* number of item elements in the envelope */
	char *error_reason;  /* data/error@reason: why a command was refused (may be NULL) */
	char *token;	     /* rpl:getftok: data/token@token (may be NULL) */
	char *serveruri;     /* rpl:getftok: data/token@serveruri (may be NULL) */
	int search_more;     /* rpl:search: data/srchres@more is "true" (its msg are in msgs) */
	char *search_before; /* rpl:search: data/srchres@before, the next page's (may be NULL) */
	xv_feed *feeds;	     /* rpl:feed: data/feeds/feed (the user's feeds) */
	size_t nfeeds;	     /* (an alerts reply puts its posts in msgs, with msg.feed) */
} xv_envelope;

/* Parse one envelope. Returns NULL if the body is not well-formed XML or its root is not
 * <xccos>. Only the first item is described (one item kind per envelope). */
xv_envelope *xv_parse(const char *body, size_t len);
void xv_free(xv_envelope *e);

/* Kind/id convenience: 1 if e is non-NULL and its first item has this id. */
int xv_is(const xv_envelope *e, const char *id);

/* XML-escape text for an element or a double-quoted attribute (& < > " ', and TAB, LF
 * and CR as character references, which an attribute would otherwise normalise to
 * blanks). malloc'd. */
char *xv_escape(const char *s);

/* "YYYY-MM-DDTHH:MM:SSZ" for now (UTC) into buf (at least 21 bytes). */
void xv_now_ts(char *buf, size_t n);

/* Splits "ma-chan://domain/value" into malloc'd domain and value. 0 on success. */
int xv_split_chan_uri(const char *uri, char **domain, char **value);

/* Builders of items (not envelopes; pc_send_xccos wraps them). All malloc'd, NULL on
 * allocation failure or bad arguments. */
char *xv_item_requri(void);
char *xv_item_chansrch(const char *criteria);
char *xv_item_join(const char *chan_uri);
char *xv_item_part(const char *chan_uri);
char *xv_item_bccontext(const char *chan_uri, int last);
/* author may be NULL (then omitted); ts may be NULL (then now). */
char *xv_item_grpchat(const char *chan_uri, const char *author, const char *ts, const char *text);
/* A file-transfer token request: cmd:getfutok (upload, file_name = the name to give the
 * file) or cmd:getfdtok (download, file_name = its stored name <GUID>.<ext>) for the room
 * chan_uri; the reply is rpl:getftok (token, serveruri). */
char *xv_item_ftdb(int upload, const char *chan_uri, const char *file_name);
/* cmd:search, our extension (docs/XCCOS.md): text (words and "phrases"); the others
 * may be NULL (any room, author, time; the newest), cnt 0 for the server's limit. */
typedef struct {
	const char *text, *room_uri, *author, *since, *until, *before;
	int cnt;
} xv_search;
char *xv_item_search(const xv_search *q);
/* cmd:feed, our extension (docs/XCCOS.md): op "add" (words; room_uri, author may be
 * NULL), "rm" (id), "list", "alerts" (cnt 0: the server's default); the reply is
 * rpl:feed (feeds, or msgs with their feed). */
typedef struct {
	const char *op, *words, *room_uri, *author, *id;
	int cnt;
} xv_feed_req;
char *xv_item_feed(const xv_feed_req *q);
/* <cmd id="cmd:NAME" seqid="1"><data/></cmd>, for commands without arguments. */
char *xv_item_cmd(const char *name);

/* Complete envelope around items. malloc'd. */
char *xv_envelope_wrap(unsigned long envid, const char *items);

#endif
